/* sgp32lab: the scenario runner and its reports */
#ifndef SGP_LAB_RUNNER_H
#define SGP_LAB_RUNNER_H

#include "lab/scenario.h"

#include <stdbool.h>
#include <stdio.h>

enum scn_outcome { SCN_PASSED, SCN_FAILED, SCN_SKIPPED };

struct scn_result {
	const struct scenario *scn;
	enum scn_outcome outcome;
	unsigned steps_run;
	unsigned fail_line;		/* line of the failing step */
	char *message;			/* why it failed or was skipped */
	char *output;			/* the step lines printed, for reports */
	double seconds;
};

struct runner_opts {
	bool keep_workdir;		/* leave each run's folder behind */
	unsigned step_timeout_ms;	/* real-time limit of one step */
	FILE *out;			/* where step lines go */
};

/* Resolve every step of s against the registry and check its arguments;
 * returns 0 or -1 with "file:line: message" in err. */
int runner_check(struct scenario *s, char *err, size_t errlen);

/* Run one scenario in a fresh lab; fills res (free with runner_result_free). */
void runner_run(const struct runner_opts *o, const struct scenario *s,
		struct scn_result *res);
void runner_result_free(struct scn_result *res);

/* JUnit XML: one testsuite, one testcase per scenario. */
int junit_write(const char *path, const struct scn_result *res, size_t n,
		char *err, size_t errlen);

#endif
