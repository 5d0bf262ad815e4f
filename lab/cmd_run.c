/* sgp32lab: `sgp32lab run` — run scenario files and folders */
#include "config.h"
#include "lab/commands.h"
#include "lab/lab.h"
#include "lab/runner.h"
#include "core/err.h"
#include "core/log.h"
#include "core/trace/trace.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void run_usage(FILE *out)
{
	fprintf(out,
		"Usage: sgp32lab run [OPTIONS] PATH...\n"
		"\n"
		"Run scenario files (*.scn), or every *.scn below a folder, in name order.\n"
		"Each scenario runs in a fresh lab on a simulated clock; one line is printed\n"
		"per step, then a summary.  All files are checked before any runs: an unknown\n"
		"step or bad argument stops the run with FILE:LINE: message.\n"
		"\n"
		"Options:\n"
		"  --junit FILE        write a JUnit XML report to FILE\n"
		"  --trace FILE        write every message that crossed a socket (HTTP\n"
		"                      requests and answers, APDUs), decoded, with a\n"
		"                      sequence diagram per scenario, as one self-contained\n"
		"                      HTML page (opens offline); for Wireshark, set\n"
		"                      SSLKEYLOGFILE=FILE to log the TLS keys of the run\n"
		"  --pcap FILE         write the same messages as a libpcap capture for\n"
		"                      Wireshark: made-up TCP/IPv4 packets (real IPv4\n"
		"                      addresses and ports where known, else 127.0.0.1;\n"
		"                      times of the simulated clock) carrying the\n"
		"                      decrypted HTTP as the endpoints saw it (headers:\n"
		"                      Host, Content-Type, Content-Length only; no TLS)\n"
		"                      and the vpcd APDU frames on port 35963; for the\n"
		"                      encrypted bytes, capture the loopback with tcpdump\n"
		"                      and give Wireshark SSLKEYLOGFILE\n"
		"  -v, --verbose       show the models' log (repeat for debug detail)\n"
		"  --keep              keep each scenario's work folder (PKI, database) and print it\n"
		"  --step-timeout MS   real-time limit of a single step (default 30000)\n"
		"  --steps             list every step the scenario language has, and exit\n"
		"  --list              check the scenarios and list them with what each one\n"
		"                      checks (its first comment line, citing the spec), and exit\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit codes: 0 all scenarios passed (or were skipped), 1 a scenario failed,\n"
		"2 usage error, unreadable file or invalid scenario.\n");
}

struct scn_list {
	struct scenario **v;
	size_t n;
};

static int list_add(struct scn_list *l, struct scenario *s)
{
	struct scenario **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	v[l->n++] = s;
	l->v = v;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect PATH: a file, or every *.scn below a folder (sorted, recursive). */
static int collect(const char *path, struct scn_list *l, bool top, int *errors)
{
	struct stat st;
	char err[1024];

	if (stat(path, &st) < 0) {
		fprintf(stderr, "sgp32lab run: %s: %s\n", path, strerror(errno));
		(*errors)++;
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		char **names = NULL;
		size_t n = 0;
		struct dirent *de;

		if (!d) {
			fprintf(stderr, "sgp32lab run: %s: %s\n", path, strerror(errno));
			(*errors)++;
			return 0;
		}
		while ((de = readdir(d))) {
			char **nn;
			if (de->d_name[0] == '.')
				continue;
			nn = realloc(names, (n + 1) * sizeof(*names));
			if (!nn)
				break;
			names = nn;
			names[n] = malloc(strlen(path) + strlen(de->d_name) + 2);
			if (!names[n])
				break;
			sprintf(names[n++], "%s%s%s", path,
				path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof(*names), cmp_str);
		for (size_t i = 0; i < n; i++) {
			struct stat cst;
			size_t len = strlen(names[i]);
			if (stat(names[i], &cst) == 0 &&
			    (S_ISDIR(cst.st_mode) ||
			     (len > 4 && !strcmp(names[i] + len - 4, ".scn"))))
				collect(names[i], l, false, errors);
			free(names[i]);
		}
		free(names);
		return 0;
	}
	if (!top && !S_ISREG(st.st_mode))
		return 0;
	{
		struct scenario *s = scenario_load(path, err, sizeof(err));
		if (!s || runner_check(s, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			scenario_free(s);
			(*errors)++;
			return 0;
		}
		if (list_add(l, s) < 0) {
			scenario_free(s);
			(*errors)++;
		}
	}
	return 0;
}

/* --list: each scenario's path and its description, wrapped to 80 columns
 * under the path. */
static void list_print(const struct scn_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *d = l->v[i]->description ? l->v[i]->description : "(no description)";
		size_t col = 0;

		printf("%s\n   ", l->v[i]->path);
		while (*d) {
			size_t w = strcspn(d, " ");

			if (col && col + 1 + w > 76) {
				printf("\n   ");
				col = 0;
			}
			printf(" %.*s", (int)w, d);
			col += 1 + w;
			d += w;
			d += strspn(d, " ");
		}
		printf("\n");
	}
	printf("%zu scenario%s\n", l->n, l->n == 1 ? "" : "s");
}

/* The scenario's outcome on its separator in the trace. */
static void trace_outcome(const struct scn_result *r)
{
	char buf[600];

	if (!trace_enabled())
		return;
	snprintf(buf, sizeof(buf), "%s%s%s",
		 r->outcome == SCN_PASSED ? "PASS" : r->outcome == SCN_FAILED ? "FAIL" : "SKIP",
		 r->message ? ": " : "", r->message ? r->message : "");
	trace_mark_outcome(buf);
}

/* Close f, which got the trace or capture (wrc: how writing it went);
 * says so on stderr when either failed. */
static int written(FILE *f, int wrc, const char *what, const char *path)
{
	if (fclose(f) != 0 && wrc == 0)
		wrc = SGP_ERR_IO;
	if (wrc < 0)
		fprintf(stderr, "sgp32lab run: cannot write the %s %s: %s\n", what, path,
			sgp_strerror(wrc));
	return wrc;
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "junit", required_argument, NULL, 'j' },
		{ "trace", required_argument, NULL, 'T' },
		{ "pcap", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "keep", no_argument, NULL, 'k' },
		{ "step-timeout", required_argument, NULL, 't' },
		{ "steps", no_argument, NULL, 's' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct runner_opts o = { .step_timeout_ms = 30000, .out = stdout };
	const char *junit = NULL, *trace = NULL, *pcap = NULL;
	FILE *trace_file = NULL, *pcap_file = NULL;
	struct scn_list l = { 0 };
	struct scn_result *res = NULL;
	unsigned passed = 0, failed = 0, skipped = 0;
	int verbose = 0, errors = 0, c, rc = EXIT_USAGE;
	bool list = false;
	char err[512];

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': junit = optarg; break;
		case 'T': trace = optarg; break;
		case 'P': pcap = optarg; break;
		case 'v': verbose++; break;
		case 'k': o.keep_workdir = true; break;
		case 't':
			if (step_parse_uint(optarg, 3600000, &o.step_timeout_ms) < 0 ||
			    o.step_timeout_ms == 0) {
				fprintf(stderr, "sgp32lab run: --step-timeout takes milliseconds (1 to 3600000)\n");
				return EXIT_USAGE;
			}
			break;
		case 's':
			printf("Scenario steps:\n");
			step_registry_print(stdout);
			printf("  require env=NAME\n      Skip the scenario when the environment variable NAME is unset.\n");
			return 0;
		case 'l': list = true; break;
		case 'h': run_usage(stdout); return 0;
		default: run_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "sgp32lab run: no scenario given\n");
		run_usage(stderr);
		return EXIT_USAGE;
	}
	log_set_deterministic(true);
	log_set_level_all(verbose >= 2 ? LOGL_DEBUG : verbose ? LOGL_INFO : LOGL_NONE);

	for (int i = optind; i < argc; i++)
		collect(argv[i], &l, true, &errors);
	if (errors) {
		fprintf(stderr, "sgp32lab run: %d file%s not usable; nothing was run\n",
			errors, errors == 1 ? "" : "s");
		goto out;
	}
	if (l.n == 0) {
		fprintf(stderr, "sgp32lab run: no *.scn files found\n");
		goto out;
	}
	if (list) {
		list_print(&l);
		rc = 0;
		goto out;
	}
	res = calloc(l.n, sizeof(*res));
	if (!res)
		goto out;
	if (trace && !(trace_file = fopen(trace, "w"))) {
		fprintf(stderr, "sgp32lab run: cannot write the trace %s: %s\n", trace,
			strerror(errno));
		goto out;
	}
	if (pcap && !(pcap_file = fopen(pcap, "wb"))) {
		fprintf(stderr, "sgp32lab run: cannot write the capture %s: %s\n", pcap,
			strerror(errno));
		goto out;
	}
	if (trace_file || pcap_file)
		trace_start(0);
	for (size_t i = 0; i < l.n; i++) {
		trace_mark(l.v[i]->name);
		runner_run(&o, l.v[i], &res[i]);
		trace_outcome(&res[i]);
		passed += res[i].outcome == SCN_PASSED;
		failed += res[i].outcome == SCN_FAILED;
		skipped += res[i].outcome == SCN_SKIPPED;
	}
	printf("\n");
	for (size_t i = 0; i < l.n; i++)
		printf("%-7s %-40s %6.2fs%s%s\n",
		       res[i].outcome == SCN_PASSED ? "PASS" :
		       res[i].outcome == SCN_FAILED ? "FAIL" : "SKIP",
		       l.v[i]->name, res[i].seconds,
		       res[i].message ? "  " : "", res[i].message ? res[i].message : "");
	printf("scenarios: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	rc = failed ? 1 : 0;
	if (pcap_file &&
	    written(pcap_file, trace_pcap_write(pcap_file, true), "capture", pcap) < 0)
		rc = EXIT_USAGE;
	pcap_file = NULL;
	if (trace_file &&
	    written(trace_file, trace_html_write(trace_file, "sgp32lab run"), "trace", trace) < 0)
		rc = EXIT_USAGE;
	trace_file = NULL;
	trace_stop();
	if (junit && junit_write(junit, res, l.n, err, sizeof(err)) < 0) {
		fprintf(stderr, "sgp32lab run: cannot write the JUnit report: %s\n", err);
		rc = EXIT_USAGE;
	}
out:
	if (trace_file)
		fclose(trace_file);
	if (pcap_file)
		fclose(pcap_file);
	for (size_t i = 0; res && i < l.n; i++)
		runner_result_free(&res[i]);
	free(res);
	for (size_t i = 0; i < l.n; i++)
		scenario_free(l.v[i]);
	free(l.v);
	return rc;
}
