/* sgp32lab: scenario file parser */
#include "lab/scenario.h"
#include "core/buf.h"
#include "core/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void scenario_free_words(int argc, char **argv)
{
	if (!argv)
		return;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* Expand ${NAME} from the environment into out (of size outlen). */
static int expand_vars(const char *in, char *out, size_t outlen, char *err, size_t errlen)
{
	size_t o = 0;

	for (const char *p = in; *p; ) {
		if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			char name[128];
			const char *val;
			size_t n;

			if (!end || end == p + 2 || (size_t)(end - p - 2) >= sizeof(name)) {
				set_err(err, errlen, "malformed ${...} variable");
				return -1;
			}
			n = (size_t)(end - p - 2);
			memcpy(name, p + 2, n);
			name[n] = '\0';
			val = getenv(name);
			if (!val) {
				set_err(err, errlen, "${%s} is not set (add `require env=%s` to skip without it)",
					name, name);
				return -1;
			}
			n = strlen(val);
			if (o + n >= outlen) {
				set_err(err, errlen, "line too long after expanding ${%s}", name);
				return -1;
			}
			memcpy(out + o, val, n);
			o += n;
			p = end + 1;
			continue;
		}
		if (o + 1 >= outlen) {
			set_err(err, errlen, "line too long");
			return -1;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
	return 0;
}

int scenario_split_line(const char *line, char ***argv_out, char *err, size_t errlen)
{
	char **argv = NULL;
	int argc = 0;
	char word[SCN_MAX_LINE];
	const char *p = line;

	*argv_out = NULL;
	for (;;) {
		size_t w = 0;
		bool quoted = false;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			break;
		while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n'))) {
			char c = *p++;
			if (c == '"') {
				quoted = !quoted;
				continue;
			}
			if (quoted && c == '\\') {
				if (*p != '"' && *p != '\\') {
					set_err(err, errlen, "unknown escape \\%c in quoted word", *p ? *p : ' ');
					goto fail;
				}
				c = *p++;
			}
			if ((unsigned char)c < 0x20 && c != '\t') {
				set_err(err, errlen, "control character 0x%02x in line", (unsigned char)c);
				goto fail;
			}
			if (w + 1 >= sizeof(word)) {
				set_err(err, errlen, "word too long");
				goto fail;
			}
			word[w++] = c;
		}
		if (quoted) {
			set_err(err, errlen, "unterminated quote");
			goto fail;
		}
		if (argc == SCN_MAX_WORDS) {
			set_err(err, errlen, "too many words (at most %d)", SCN_MAX_WORDS);
			goto fail;
		}
		{
			char **n = realloc(argv, (size_t)(argc + 1) * sizeof(*argv));
			if (!n) {
				set_err(err, errlen, "out of memory");
				goto fail;
			}
			argv = n;
			argv[argc] = strndup(word, w);
			if (!argv[argc]) {
				set_err(err, errlen, "out of memory");
				goto fail;
			}
			argc++;
		}
	}
	*argv_out = argv;
	return argc;
fail:
	scenario_free_words(argc, argv);
	return -1;
}

/* Offset of the comment in a line ('#' at the start of a word, outside
 * quotes), or its length. */
static size_t comment_start(const char *line)
{
	bool quoted = false, word_start = true;

	for (size_t i = 0; line[i]; i++) {
		char c = line[i];
		if (quoted) {
			if (c == '\\' && line[i + 1])
				i++;
			else if (c == '"')
				quoted = false;
			continue;
		}
		if (c == '#' && word_start)
			return i;
		if (c == '"')
			quoted = true;
		word_start = c == ' ' || c == '\t';
	}
	return strlen(line);
}

static char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;
	char *s;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".scn") == 0)
		n -= 4;
	s = strndup(b, n);
	return s;
}

/* `require env=NAME`: skip the whole scenario when NAME is unset. */
static int handle_require(struct scenario *s, int argc, char **argv, char *msg, size_t msglen)
{
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "env=", 4) != 0 || !argv[i][4]) {
			set_err(msg, msglen, "require: unknown condition '%s' (expected env=NAME)", argv[i]);
			return -1;
		}
		if (!getenv(argv[i] + 4) && !s->skip_reason) {
			char reason[256];
			snprintf(reason, sizeof(reason), "environment variable %s is not set", argv[i] + 4);
			s->skip_reason = strdup(reason);
		}
	}
	if (argc < 2) {
		set_err(msg, msglen, "require: needs a condition, e.g. env=SGP_REFERENCE_DIR");
		return -1;
	}
	return 0;
}

struct scenario *scenario_parse(const char *path, const char *text, size_t len,
				char *err, size_t errlen)
{
	struct scenario *s = calloc(1, sizeof(*s));
	char line[SCN_MAX_LINE], expanded[SCN_MAX_LINE], msg[256];
	unsigned lineno = 0;
	size_t pos = 0;

	if (!s)
		goto nomem;
	s->path = strdup(path);
	s->name = base_name(path);
	if (!s->path || !s->name)
		goto nomem;

	while (pos < len) {
		size_t end = pos, n;
		char **argv;
		int argc;

		while (end < len && text[end] != '\n')
			end++;
		n = end - pos;
		lineno++;
		if (memchr(text + pos, '\0', n)) {
			set_err(err, errlen, "%s:%u: NUL byte in line", path, lineno);
			goto fail;
		}
		if (n >= sizeof(line)) {
			set_err(err, errlen, "%s:%u: line longer than %d characters", path, lineno,
				SCN_MAX_LINE - 1);
			goto fail;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos = end + 1;

		/* the first comment line describes the scenario */
		if (!s->description && s->num_steps == 0) {
			const char *c = line;
			while (*c == ' ' || *c == '\t')
				c++;
			if (*c == '#') {
				while (*c == '#' || *c == ' ')
					c++;
				if (*c) {
					s->description = strdup(c);
					if (!s->description)
						goto nomem;
				}
			}
		}
		if (s->skip_reason)
			continue;	/* a skipped scenario is not parsed further */

		argc = scenario_split_line(line, &argv, msg, sizeof(msg));
		if (argc < 0) {
			set_err(err, errlen, "%s:%u: %s", path, lineno, msg);
			goto fail;
		}
		if (argc == 0)
			continue;
		if (strcmp(argv[0], "require") == 0) {
			int rc = handle_require(s, argc, argv, msg, sizeof(msg));
			scenario_free_words(argc, argv);
			if (rc < 0) {
				set_err(err, errlen, "%s:%u: %s", path, lineno, msg);
				goto fail;
			}
			continue;
		}
		/* variables are expanded word by word, once `require` has had
		 * its say: a value never splits into more words */
		msg[0] = '\0';
		for (int i = 0; i < argc; i++) {
			char *x;
			if (!strstr(argv[i], "${"))
				continue;
			if (expand_vars(argv[i], expanded, sizeof(expanded), msg, sizeof(msg)) < 0 ||
			    !(x = strdup(expanded))) {
				scenario_free_words(argc, argv);
				set_err(err, errlen, "%s:%u: %s", path, lineno,
					msg[0] ? msg : "out of memory");
				goto fail;
			}
			free(argv[i]);
			argv[i] = x;
		}
		if (s->num_steps == SCN_MAX_STEPS) {
			scenario_free_words(argc, argv);
			set_err(err, errlen, "%s:%u: more than %d steps", path, lineno, SCN_MAX_STEPS);
			goto fail;
		}
		{
			struct scn_step *ns = realloc(s->steps, (s->num_steps + 1) * sizeof(*ns));
			if (!ns) {
				scenario_free_words(argc, argv);
				goto nomem;
			}
			s->steps = ns;
			ns = &s->steps[s->num_steps++];
			memset(ns, 0, sizeof(*ns));
			ns->line = lineno;
			ns->argc = argc;
			ns->argv = argv;
			line[comment_start(line)] = '\0';
			ns->text = strdup(line);
			if (!ns->text)
				goto nomem;
			/* trim trailing space from the report text */
			for (char *t = ns->text + strlen(ns->text); t > ns->text &&
			     (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'); )
				*--t = '\0';
		}
	}
	return s;
nomem:
	set_err(err, errlen, "%s: out of memory", path);
fail:
	scenario_free(s);
	return NULL;
}

struct scenario *scenario_load(const char *path, char *err, size_t errlen)
{
	struct sgp_buf text = SGP_BUF_INIT;
	struct scenario *s = NULL;
	int rc = sgp_buf_read_file(path, SCN_MAX_FILE, &text);

	if (rc == SGP_ERR_TOOBIG)
		set_err(err, errlen, "%s: file larger than %u bytes", path, SCN_MAX_FILE);
	else if (rc < 0)
		set_err(err, errlen, "%s: %s", path, rc == SGP_ERR_NOTFOUND ? "no such file" :
			"cannot read it (not a file, or no permission)");
	else
		s = scenario_parse(path, text.len ? (const char *)text.data : "", text.len, err, errlen);
	sgp_buf_free(&text);
	return s;
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->num_steps; i++) {
		scenario_free_words(s->steps[i].argc, s->steps[i].argv);
		free(s->steps[i].text);
	}
	free(s->steps);
	free(s->path);
	free(s->name);
	free(s->description);
	free(s->skip_reason);
	free(s);
}

const char *step_arg(const struct scn_step *st, const char *key)
{
	size_t k = strlen(key);

	for (int i = 1; i < st->argc; i++)
		if (strncmp(st->argv[i], key, k) == 0 && st->argv[i][k] == '=')
			return st->argv[i] + k + 1;
	return NULL;
}

const char *step_positional(const struct scn_step *st, int first, int i)
{
	for (int a = first; a < st->argc; a++) {
		if (strchr(st->argv[a], '='))
			continue;
		if (i-- == 0)
			return st->argv[a];
	}
	return NULL;
}
