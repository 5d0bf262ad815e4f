/* sgp32lab: scenario files — the parsed form and the parser.
 *
 * A scenario is a text file, one step per line:
 *
 *     # comment
 *     lab     curve=nist devices=1
 *     pki     verify cert=euicc role=euicc
 *     expect  decode hex=BF2E... type=GetEuiccChallengeResponse
 *
 * A line is split into words at white space; a word may be quoted with "..."
 * (backslash escapes \" and \\); '#' at the start of a word begins a comment;
 * ${NAME} is replaced by the environment variable NAME.  A `require env=NAME`
 * line marks the scenario skipped when NAME is unset (for scenarios that
 * need the GSMA reference material).  Errors are reported as
 * "file:line: message". */
#ifndef SGP_LAB_SCENARIO_H
#define SGP_LAB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#define SCN_MAX_WORDS 32
#define SCN_MAX_LINE 4096
#define SCN_MAX_STEPS 10000
#define SCN_MAX_FILE (4u << 20)

struct scn_step {
	unsigned line;
	int argc;
	char **argv;		/* argv[0] is the step keyword */
	char *text;		/* the line as written, for reports */
	const struct step_def *def;	/* resolved by the runner */
};

struct scenario {
	char *path;
	char *name;		/* file name without folder and .scn */
	char *description;	/* first comment line, if any */
	struct scn_step *steps;
	size_t num_steps;
	char *skip_reason;	/* set by `require` when unmet */
};

/* Parse a scenario from memory; on error returns NULL and writes
 * "path:line: message" into err. */
struct scenario *scenario_parse(const char *path, const char *text, size_t len,
				char *err, size_t errlen);
struct scenario *scenario_load(const char *path, char *err, size_t errlen);
void scenario_free(struct scenario *s);

/* Split one line into words (exposed for the console and tests).  Returns
 * the number of words, 0 for a blank or comment line, or -1 with a message. */
int scenario_split_line(const char *line, char ***argv_out, char *err, size_t errlen);
void scenario_free_words(int argc, char **argv);

/* key=value arguments of a step: the value of the first word "key=...",
 * or NULL. */
const char *step_arg(const struct scn_step *st, const char *key);
/* Word i (0-based, after the keyword words) that has no '='; NULL if none. */
const char *step_positional(const struct scn_step *st, int first, int i);

#endif
