/* sgp32lab: the lab object — event loop, clock and work folder */
#include "lab/lab.h"
#include "core/clock.h"
#include "core/trace/trace.h"
#include "core/err.h"
#include "core/log.h"
#include "core/store/store.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const role_names[LAB_ROLE_COUNT] = {
	[LAB_ROLE_EUICC] = "euicc", [LAB_ROLE_IPA] = "ipa", [LAB_ROLE_EIM] = "eim",
	[LAB_ROLE_SMDP] = "smdp", [LAB_ROLE_SMDS] = "smds",
};

const char *lab_role_name(enum lab_role role)
{
	return (unsigned)role < LAB_ROLE_COUNT ? role_names[role] : "?";
}

static char *make_workdir(void)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];

	snprintf(path, sizeof(path), "%s/sgp32lab.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(path)) {
		LOGP(DLAB, LOGL_ERROR, "cannot create a work folder in %s: %s",
		     tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return NULL;
	}
	return strdup(path);
}

struct lab *lab_new(struct event_base *base, bool simulated_clock, const char *workdir)
{
	struct lab *lab = calloc(1, sizeof(*lab));

	if (!lab)
		return NULL;
	lab->base = base;
	lab->clock = simulated_clock ? sgp_clock_new_simulated(LAB_EPOCH_MS)
				     : sgp_clock_new_realtime(base);
	lab->workdir = workdir ? strdup(workdir) : make_workdir();
	lab->keep_workdir = workdir != NULL;	/* a given folder is the user's */
	snprintf(lab->curve, sizeof(lab->curve), "nist");
	lab->devices = 1;
	if (!lab->clock || !lab->workdir) {
		lab_free(lab);
		return NULL;
	}
	/* traced messages carry the time of the lab they belong to */
	trace_set_clock(lab->clock);
	return lab;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	if (remove(path) < 0)
		LOGP(DLAB, LOGL_ERROR, "cannot remove %s: %s", path, strerror(errno));
	return 0;
}

struct sgp_store *lab_store(struct lab *lab, char *err, size_t errlen)
{
	char path[4200];
	int rc;

	if (lab->store)
		return lab->store;
	/* a scenario run keeps its database in memory; the sandbox's is a file
	 * in its folder, there again at the next start */
	if (sgp_clock_is_simulated(lab->clock))
		snprintf(path, sizeof(path), ":memory:");
	else
		snprintf(path, sizeof(path), "%s/lab.db", lab->workdir);
	rc = sgp_store_open(&lab->store, path, NULL, err, errlen);
	return rc == SGP_OK ? lab->store : NULL;
}

void lab_free(struct lab *lab)
{
	if (!lab)
		return;
	sgp_store_close(lab->store);
	if (lab->workdir && !lab->keep_workdir)
		nftw(lab->workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(lab->workdir);
	trace_clock_gone(lab->clock);
	sgp_clock_free(lab->clock);
	free(lab);
}

int step_check_keys(const struct scn_step *st, int first, const char *const *keys,
		    char *err, size_t errlen)
{
	for (int i = first; i < st->argc; i++) {
		const char *eq = strchr(st->argv[i], '=');
		bool known = false;

		if (!eq) {
			snprintf(err, errlen, "unexpected word '%s'", st->argv[i]);
			return -1;
		}
		for (const char *const *k = keys; *k; k++)
			if (strlen(*k) == (size_t)(eq - st->argv[i]) &&
			    strncmp(*k, st->argv[i], (size_t)(eq - st->argv[i])) == 0)
				known = true;
		if (!known) {
			snprintf(err, errlen, "unknown argument '%.*s'", (int)(eq - st->argv[i]),
				 st->argv[i]);
			return -1;
		}
		for (int j = first; j < i; j++) {
			if (!strncmp(st->argv[j], st->argv[i], (size_t)(eq - st->argv[i]) + 1) &&
			    strncmp(st->argv[i], "contains=", 9)) {	/* the one repeatable key */
				snprintf(err, errlen, "argument '%.*s' given twice",
					 (int)(eq - st->argv[i]), st->argv[i]);
				return -1;
			}
		}
	}
	return 0;
}

int step_parse_uint(const char *text, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!text || *text < '0' || *text > '9')
		return SGP_ERR_PARSE;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v > max)
		return SGP_ERR_PARSE;
	*out = (unsigned)v;
	return SGP_OK;
}

int step_parse_utc(const char *text, time_t *out)
{
	struct tm tm = { 0 };
	const char *end = text ? strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;

	struct tm norm;
	time_t t;

	if (!end || *end)
		return SGP_ERR_PARSE;
	/* strptime takes 2026-02-31 and timegm() makes it March 3rd (in
	 * place): a date that changes when normalised did not exist */
	norm = tm;
	t = timegm(&norm);
	if (norm.tm_mday != tm.tm_mday || norm.tm_mon != tm.tm_mon || norm.tm_year != tm.tm_year ||
	    norm.tm_hour != tm.tm_hour || norm.tm_min != tm.tm_min || norm.tm_sec != tm.tm_sec)
		return SGP_ERR_PARSE;
	*out = t;
	return SGP_OK;
}

int step_device(const char *word, unsigned max)
{
	unsigned n;

	if (!word || word[0] != '@' || step_parse_uint(word + 1, max, &n) < 0 || n == 0)
		return -1;
	return (int)n;
}
