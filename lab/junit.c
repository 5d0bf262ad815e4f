/* sgp32lab: JUnit XML report (the dialect Jenkins, GitLab and GitHub read) */
#include "lab/runner.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Write s as XML text: markup escaped, and only what XML 1.0 allows —
 * control characters other than TAB, LF, CR and bytes that are not UTF-8
 * (a peer's message may hold anything) become '?'. */
static void xml_escaped(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (s && *s) {
		size_t n = utf8_len(s);

		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if (n == 0 || (*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')) {
				fputc('?', f);
				n = 1;
			} else {
				fwrite(s, 1, n, f);
			}
		}
		s += n ? n : 1;
	}
}

/* The folder of a scenario, as the test class ("scenarios.euicc"). */
static void write_classname(FILE *f, const char *path)
{
	const char *slash = strrchr(path, '/');
	char cls[512];
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= sizeof(cls))
		n = sizeof(cls) - 1;
	memcpy(cls, path, n);
	cls[n] = '\0';
	for (char *p = cls; *p; p++)
		if (*p == '/')
			*p = '.';
	while (cls[0] == '.')
		memmove(cls, cls + 1, strlen(cls));
	xml_escaped(f, n ? cls : "scenarios");
}

int junit_write(const char *path, const struct scn_result *res, size_t n,
		char *err, size_t errlen)
{
	unsigned failed = 0, skipped = 0;
	double total = 0;
	FILE *f = fopen(path, "w");

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		failed += res[i].outcome == SCN_FAILED;
		skipped += res[i].outcome == SCN_SKIPPED;
		total += res[i].seconds;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"sgp32lab\" tests=\"%zu\" failures=\"%u\" errors=\"0\" skipped=\"%u\" time=\"%.3f\">\n",
		n, failed, skipped, total);
	fprintf(f, "  <testsuite name=\"sgp32lab\" tests=\"%zu\" failures=\"%u\" errors=\"0\" skipped=\"%u\" time=\"%.3f\">\n",
		n, failed, skipped, total);
	for (size_t i = 0; i < n; i++) {
		const struct scn_result *r = &res[i];

		fprintf(f, "    <testcase classname=\"");
		write_classname(f, r->scn->path);
		fprintf(f, "\" name=\"");
		xml_escaped(f, r->scn->name);
		fprintf(f, "\" file=\"");
		xml_escaped(f, r->scn->path);
		fprintf(f, "\" time=\"%.3f\">\n", r->seconds);
		if (r->outcome == SCN_FAILED) {
			fprintf(f, "      <failure message=\"");
			xml_escaped(f, r->message ? r->message : "failed");
			fprintf(f, "\" type=\"StepFailed\">");
			xml_escaped(f, r->message ? r->message : "failed");
			fprintf(f, "</failure>\n");
		} else if (r->outcome == SCN_SKIPPED) {
			fprintf(f, "      <skipped message=\"");
			xml_escaped(f, r->message);
			fprintf(f, "\"/>\n");
		}
		if (r->output) {
			fprintf(f, "      <system-out>");
			xml_escaped(f, r->output);
			fprintf(f, "</system-out>\n");
		}
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: write error", path);
		return -1;
	}
	return 0;
}
