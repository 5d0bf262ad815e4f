/* sgp32lab: `sgp32lab serve` — keep a lab up and drive it from a console
 *
 * The sandbox runs on the real-time clock, keeps its state in a folder
 * (PKI, database) that survives restarts, and executes scenario steps typed
 * on standard input, one line at a time, with the same registry as `run`.
 *
 * With --role it also runs one of the lab's roles on its own, for a user's
 * implementation of the other side to test against: an eUICC as a card on
 * the vpcd APDU socket (lab/serve_euicc.c), the eIM with its operator API
 * (lab/serve_eim.c) or the IPA of one device (lab/serve_ipa.c). */
#include "config.h"
#include "lab/commands.h"
#include "lab/console_edit.h"
#include "lab/lab.h"
#include "lab/serve_roles.h"
#include "lab/step_ctx.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/trace/trace.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct console {
	struct lab *lab;
	struct serve_euicc *euicc;	/* NULL without --role euicc */
	struct serve_eim *eim;		/* NULL without --role eim */
	struct serve_ipa *ipa;		/* NULL without --role ipa */
	struct event_base *base;
	struct bufferevent *in;		/* stdin, unless it is a regular file */
	struct evbuffer *lines;		/* input not yet run, one step at a time */
	struct event *kick;		/* runs the next buffered line from the loop */
	struct scn_step step;		/* the step being run */
	struct step_ctx *ctx;
	unsigned lineno;
	bool busy;
	bool eof;			/* no more input will come */
	bool closed;			/* ...and all of it has run */
	bool interactive;
	struct console_edit *edit;	/* line editing on a terminal */
	/* steps from the operator API (POST /api/v1/steps, lab/api_steps.c),
	 * run in turn with the typed lines */
	struct api_line *api_head, **api_tail;
	struct api_line *api_cur;	/* the running step came from there */
	struct lab_step_sink sink;
};

struct api_line {
	struct api_line *next;
	char *line;
	lab_step_reply_fn reply;	/* NULL: the client went away */
	void *reply_arg;
};

static void serve_usage(FILE *out)
{
	fprintf(out,
		"Usage: sgp32lab serve [OPTIONS]\n"
		"\n"
		"Keep a lab up on the real-time clock and read scenario steps from standard\n"
		"input, one per line (type `help` for the list).  The lab's state lives in\n"
		"DIR and is there again on the next start.  Ctrl-C or end of input stops it.\n"
		"\n"
		"Options:\n"
		"  --dir DIR         the lab's folder (default: ./sgp32lab-lab), created if missing\n"
		"  --role euicc      also run one eUICC as a card on the vpcd APDU socket\n"
		"  --role eim        also run the lab's eIM: ESipa on --listen, the operator\n"
		"                    API (doc/eim-api.md) on --api\n"
		"  --role ipa        also run the lab's IPA of one device: its card reader\n"
		"                    listens on --listen (default 127.0.0.1:0) for an eUICC\n"
		"                    (a scenario's, with `lab ... ipa=HOST:PORT`) or connects\n"
		"                    to one with --vpcd; it polls the eIM the eUICC names\n"
		"  --eid EID         the eUICC's EID (32 digits, prefix 89001012 of the lab EUM;\n"
		"                    required with --role euicc)\n"
		"  --vpcd HOST:PORT  connect the card to a vpcd reader, reconnecting whenever the\n"
		"                    link drops (default 127.0.0.1:35963, pcscd's reader\n"
		"                    \"Virtual PCD 00 00\"); with --role ipa: connect the\n"
		"                    IPA's reader to a card that listens\n"
		"  --listen HOST:PORT  listen for a reader instead (port 0: any free port);\n"
		"                    with --role eim: ESipa's address (default 127.0.0.1:0);\n"
		"                    with --role ipa: where the IPA's reader waits for a card\n"
		"  --api HOST:PORT   --role eim: the operator API's address (default 127.0.0.1:0)\n"
		"  --devices N       --role eim: eUICC certificates of lab devices 1..N in a new\n"
		"                    PKI (default 1)\n"
		"  --eim URL         --role ipa: poll this eIM (https://HOST:PORT/gsma/rsp2/asn1)\n"
		"                    instead of the one in the eUICC's eIM configuration\n"
		"  --interval SECONDS  --role ipa: poll every SECONDS (default 10)\n"
		"  --curve nist|brp  curve of a new lab PKI (default nist); an existing one keeps\n"
		"                    its own\n"
		"  --trace FILE      on exit, write every message that crossed a socket\n"
		"                    (HTTP, APDUs), decoded, with a sequence diagram, as one\n"
		"                    self-contained HTML page; for Wireshark, set\n"
		"                    SSLKEYLOGFILE=FILE to log the TLS keys\n"
		"  --pcap FILE       on exit, write the same messages as a libpcap capture\n"
		"                    for Wireshark: made-up TCP/IPv4 packets (real addresses\n"
		"                    and ports where known) carrying the decrypted HTTP as\n"
		"                    the endpoints saw it (headers: Host, Content-Type,\n"
		"                    Content-Length only; no TLS) and the vpcd APDU frames\n"
		"                    on port 35963; for the encrypted bytes, capture with\n"
		"                    tcpdump and give Wireshark SSLKEYLOGFILE\n"
		"  -v, --verbose     show the models' log (repeat for debug detail)\n"
		"  -h, --help        show this help\n"
		"\n"
		"With --role euicc the PKI lives in DIR/pki (generated on first start; the\n"
		"eUICC certificate for EID is added when missing) and the eUICC's state in\n"
		"DIR/lab.db.  End of input then closes only the console: the card serves\n"
		"until Ctrl-C or SIGTERM.\n"
		"\n"
		"On a terminal the console edits lines and keeps their history in\n"
		"DIR/history (up arrow recalls).\n"
		"\n"
		"With --role eim the PKI lives in DIR/pki (generated on first start, the layout\n"
		"of `sgp32lab pki init`) and the eIM's registry in DIR/lab.db.  It prints its\n"
		"endpoints, one per line: `eim id ID`, `eim esipa URL`, `eim api URL`,\n"
		"`eim pki DIR`, and serves until Ctrl-C or SIGTERM.  Your own IPA can poll\n"
		"it; a scenario points the lab's IPAs and eUICCs at it (or at your own eIM)\n"
		"with `pki load dir=DIR/pki` and `lab eim=URL eim-id=ID`.\n"
		"\n"
		"With --role ipa the PKI (its CI is the IPA's TLS trust) lives in DIR/pki,\n"
		"generated on first start like --role eim's.  It prints `ipa vpcd HOST:PORT`\n"
		"and `ipa pki DIR`, then a line for each card that links or goes and for each\n"
		"run.  When a card links the IPA reads the eIM's address from the eUICC\n"
		"(ES10b.GetEimConfigurationData, eimFqdn), unless --eim is given, polls at\n"
		"once and then every --interval seconds, until Ctrl-C or SIGTERM.  A\n"
		"scenario tests it (or a user's eIM with it) with `pki load dir=DIR/pki`\n"
		"and `lab ... ipa=HOST:PORT`.\n"
		"\n"
		"In the console, `lab roles=euicc,ipa,smdp,smds,eim devices=N` brings those\n"
		"simulated roles up on 127.0.0.1 (ephemeral ports) and the scenario steps\n"
		"drive them, e.g. `smdp order ...` then `ipa @1 download mid=...`, or\n"
		"`eim psmo @1 enable iccid=...` then `ipa @1 poll`; `lab endpoints` prints\n"
		"where they listen and the PKI (DIR/pki, kept across restarts like the\n"
		"state in DIR/lab.db).  `eim api` starts the eIM's operator API, which\n"
		"also takes these steps over HTTPS (POST /api/v1/steps, doc/eim-api.md),\n"
		"in turn with the console's lines.\n");
}

static void prompt(struct console *c)
{
	if (c->edit) {
		console_edit_redraw(c->edit);	/* libedit draws the prompt */
		return;
	}
	if (c->interactive) {
		fputs("sgp32lab> ", stdout);
		fflush(stdout);
	}
}

static void api_line_free(struct api_line *a)
{
	if (!a)
		return;
	free(a->line);
	free(a);
}

/* The API's step is over: tell its client (once). */
static void api_answer(struct console *c, enum lab_step_outcome outcome, const char *msg)
{
	struct api_line *a = c->api_cur;

	if (a && a->reply) {
		a->reply(a->reply_arg, outcome, msg);
		a->reply = NULL;
	}
}

static void step_over(struct console *c)
{
	api_answer(c, LAB_STEP_REFUSED, "the step did not run");	/* if nobody answered yet */
	api_line_free(c->api_cur);
	c->api_cur = NULL;
	scenario_free_words(c->step.argc, c->step.argv);
	free(c->step.text);
	memset(&c->step, 0, sizeof(c->step));
	c->busy = false;
	prompt(c);
	event_active(c->kick, EV_TIMEOUT, 0);	/* the next buffered line */
}

static void console_step_done(struct step_ctx *ctx, bool ok)
{
	struct console *c = ctx->owner;

	printf("%s%s%s\n", ok ? "ok" : "FAIL", ctx->msg[0] ? ": " : "", ctx->msg);
	fflush(stdout);
	api_answer(c, ok ? LAB_STEP_OK : LAB_STEP_FAILED, ctx->msg);
	if (trace_enabled()) {
		char outcome[sizeof(ctx->msg) + 8];

		snprintf(outcome, sizeof(outcome), "%s%s%s", ok ? "ok" : "FAIL",
			 ctx->msg[0] ? ": " : "", ctx->msg);
		trace_mark_outcome(outcome);
	}
	step_over(c);
	/* ctx stays with the console until exit: a late answer may still
	 * name it (see step_ctx.h) */
}

/* A line that is no step to run: say why (to the API's client too). */
static void refuse(struct console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct console *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("error: %s\n", msg);
	fflush(stdout);
	api_answer(c, LAB_STEP_REFUSED, msg);
	step_over(c);
}

static void console_line(struct console *c, char *line)
{
	char err[512] = "";
	const struct step_def *def;
	struct step_ctx *ctx;
	int argc;

	c->lineno++;
	argc = scenario_split_line(line, &c->step.argv, err, sizeof(err));
	if (argc < 0) {
		refuse(c, "%s", err);
		return;
	}
	c->step.argc = argc;
	if (argc == 0) {
		if (c->api_cur)
			refuse(c, "an empty step");
		else
			step_over(c);
		return;
	}
	if (c->api_cur && (!strcmp(c->step.argv[0], "help") || !strcmp(c->step.argv[0], "quit") ||
			   !strcmp(c->step.argv[0], "exit"))) {
		refuse(c, "'%s' is for the console (the steps: sgp32lab run --steps)",
		       c->step.argv[0]);
		return;
	}
	if (!strcmp(c->step.argv[0], "help")) {
		printf("Steps:\n");
		step_registry_print(stdout);
		printf("  quit\n      Stop the sandbox (Ctrl-C does the same).\n");
		step_over(c);
		return;
	}
	if (!strcmp(c->step.argv[0], "quit") || !strcmp(c->step.argv[0], "exit")) {
		scenario_free_words(c->step.argc, c->step.argv);
		memset(&c->step, 0, sizeof(c->step));
		event_base_loopexit(c->base, NULL);
		return;
	}
	c->step.line = c->lineno;
	c->step.text = strdup(line);
	def = step_lookup(&c->step);
	if (!def) {
		refuse(c, "unknown step '%s' (type help)", c->step.argv[0]);
		return;
	}
	if (def->check && def->check(&c->step, err, sizeof(err)) < 0) {
		refuse(c, "%s (usage: %s)", err, def->usage);
		return;
	}
	c->step.def = def;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		refuse(c, "out of memory");
		return;
	}
	ctx->owner = c;
	ctx->on_done = console_step_done;
	ctx->next_owned = c->ctx;
	c->ctx = ctx;
	c->busy = true;
	trace_mark(line);	/* the trace groups messages by console step */
	step_start(c->lab, &c->step, ctx);
}

/* End of input: the sandbox stops, unless a role serves — then only the
 * console closes (serve run in the background, under a service manager). */
static void console_closed(struct console *c)
{
	c->closed = true;
	console_edit_free(c->edit);
	c->edit = NULL;
	if (!c->euicc && !c->eim && !c->ipa) {
		event_base_loopexit(c->base, NULL);
		return;
	}
	if (c->in) {
		bufferevent_free(c->in);
		c->in = NULL;
	}
	printf("console closed; serving until interrupted\n");
	fflush(stdout);
}

/* Run buffered lines, one step at a time: the next line waits until the
 * running step has finished.  At end of input, stop once all have run. */
static void console_next(evutil_socket_t fd, short what, void *arg)
{
	struct console *c = arg;
	char *line;
	size_t n;

	(void)fd; (void)what;
	if (c->busy)
		return;
	line = evbuffer_readln(c->lines, &n, EVBUFFER_EOL_ANY);
	if (!line && c->eof && evbuffer_get_length(c->lines) > 0) {
		/* the last line had no newline */
		n = evbuffer_get_length(c->lines);
		line = malloc(n + 1);
		if (line) {
			evbuffer_remove(c->lines, line, n);
			line[n] = '\0';
		}
	}
	if (line) {
		console_line(c, line);	/* ends in step_over(), which kicks again */
		free(line);
		return;
	}
	if (c->api_head) {
		c->api_cur = c->api_head;
		c->api_head = c->api_cur->next;
		if (!c->api_head)
			c->api_tail = &c->api_head;
		printf("api> %s\n", c->api_cur->line);
		fflush(stdout);
		console_line(c, c->api_cur->line);
		return;
	}
	if (c->eof && !c->closed)
		console_closed(c);
}

/* lab_step_sink: a step from the operator API joins the queue. */
static int api_submit(void *arg, const char *line, lab_step_reply_fn reply, void *reply_arg)
{
	struct console *c = arg;
	struct api_line *a = calloc(1, sizeof(*a));

	if (!a || !(a->line = strdup(line))) {
		free(a);
		return -1;
	}
	a->reply = reply;
	a->reply_arg = reply_arg;
	*c->api_tail = a;
	c->api_tail = &a->next;
	event_active(c->kick, EV_TIMEOUT, 0);
	return 0;
}

/* The client went away: drop its queued step, or forget to answer it. */
static void api_cancel(void *arg, void *reply_arg)
{
	struct console *c = arg;

	for (struct api_line **p = &c->api_head; *p; p = &(*p)->next) {
		if ((*p)->reply_arg != reply_arg)
			continue;
		struct api_line *a = *p;

		*p = a->next;
		if (c->api_tail == &a->next)
			c->api_tail = p;
		api_line_free(a);
		return;
	}
	if (c->api_cur && c->api_cur->reply_arg == reply_arg)
		c->api_cur->reply = NULL;
}

static void console_read(struct bufferevent *bev, void *arg)
{
	struct console *c = arg;
	struct evbuffer_ptr eol;

	evbuffer_add_buffer(c->lines, bufferevent_get_input(bev));
	/* only an unfinished line can be too long */
	eol = evbuffer_search_eol(c->lines, NULL, NULL, EVBUFFER_EOL_ANY);
	if (eol.pos < 0 && evbuffer_get_length(c->lines) > SCN_MAX_LINE) {
		printf("error: line longer than %d characters, dropped\n", SCN_MAX_LINE);
		evbuffer_drain(c->lines, evbuffer_get_length(c->lines));
	}
	event_active(c->kick, EV_TIMEOUT, 0);
}


/* A line typed at the terminal (line editing on), or its end. */
static void console_edit_line(void *arg, const char *line)
{
	struct console *c = arg;

	if (!line)
		c->eof = true;
	else if (strlen(line) > SCN_MAX_LINE)
		printf("error: line longer than %d characters, dropped\n", SCN_MAX_LINE);
	else
		evbuffer_add_printf(c->lines, "%s\n", line);
	event_active(c->kick, EV_TIMEOUT, 0);
}

static void console_event(struct bufferevent *bev, short what, void *arg)
{
	struct console *c = arg;
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		c->eof = true;
		event_active(c->kick, EV_TIMEOUT, 0);
	}
}

/* A regular file on stdin (serve < steps.txt): epoll cannot watch it, so it
 * is read at once; it is bounded like a scenario file. */
static int read_stdin_file(struct console *c)
{
	char chunk[4096];
	ssize_t n;

	while ((n = read(STDIN_FILENO, chunk, sizeof(chunk))) > 0) {
		if (evbuffer_get_length(c->lines) + (size_t)n > SCN_MAX_FILE) {
			fprintf(stderr, "sgp32lab serve: standard input larger than %u bytes\n",
				SCN_MAX_FILE);
			return -1;
		}
		evbuffer_add(c->lines, chunk, (size_t)n);
	}
	c->eof = true;
	return n < 0 ? -1 : 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct console *c = arg;
	(void)what;
	fprintf(stderr, "\nsgp32lab serve: %s, shutting down\n", sig == SIGINT ? "interrupted" : "terminated");
	event_base_loopexit(c->base, NULL);
}

static bool stdin_pollable(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO))
		return true;
	return fstat(STDIN_FILENO, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode);
}

/* Close f, which got the trace or capture (wrc: how writing it went), and
 * say how it went. */
static int written(FILE *f, int wrc, const char *what, const char *path)
{
	if (fclose(f) != 0 && wrc == 0)
		wrc = SGP_ERR_IO;
	if (wrc < 0)
		fprintf(stderr, "sgp32lab serve: cannot write the %s %s: %s\n", what, path,
			sgp_strerror(wrc));
	else
		printf("  %s written to %s\n", what, path);
	return wrc;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "eid", required_argument, NULL, 'e' },
		{ "vpcd", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "curve", required_argument, NULL, 'c' },
		{ "api", required_argument, NULL, 'a' },
		{ "devices", required_argument, NULL, 'n' },
		{ "eim", required_argument, NULL, 'E' },
		{ "interval", required_argument, NULL, 'i' },
		{ "trace", required_argument, NULL, 'T' },
		{ "pcap", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = "sgp32lab-lab", *trace = NULL, *pcap = NULL;
	char absdir[PATH_MAX];
	FILE *trace_file = NULL, *pcap_file = NULL;
	const char *role = NULL, *eid = NULL, *vpcd = NULL, *listen_at = NULL, *api = NULL;
	const char *devices = NULL, *eim_url = NULL, *interval = NULL;
	char esipa_host[64] = "127.0.0.1", api_host[64] = "127.0.0.1", ipa_host[64] = "127.0.0.1";
	uint16_t esipa_port = 0, api_port = 0, ipa_port = 0;
	unsigned n_devices = 1, interval_s = 10;
	bool is_eim, is_ipa;
	int curve = SGP_PKI_CURVE_NIST;
	struct console c = { 0 };
	struct event *sigint = NULL, *sigterm = NULL;
	struct stat st_in;
	int opt, verbose = 0, rc = EXIT_USAGE;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'r': role = optarg; break;
		case 'e': eid = optarg; break;
		case 'p': vpcd = optarg; break;
		case 'l': listen_at = optarg; break;
		case 'a': api = optarg; break;
		case 'n': devices = optarg; break;
		case 'E': eim_url = optarg; break;
		case 'i': interval = optarg; break;
		case 'c':
			curve = sgp_pki_curve_parse(optarg);
			if (curve < 0) {
				fprintf(stderr, "sgp32lab serve: unknown curve '%s' (nist or brp)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'T': trace = optarg; break;
		case 'P': pcap = optarg; break;
		case 'v': verbose++; break;
		case 'h': serve_usage(stdout); return 0;
		default: serve_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sgp32lab serve: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (role && strcmp(role, "euicc") && strcmp(role, "eim") && strcmp(role, "ipa")) {
		fprintf(stderr, "sgp32lab serve: role '%s' is not available in this build (euicc, "
			"eim and ipa are)\n", role);
		return EXIT_USAGE;
	}
	if (!role && (eid || vpcd || listen_at || api || devices || eim_url || interval)) {
		fprintf(stderr, "sgp32lab serve: --eid, --vpcd, --listen, --api, --devices, --eim "
			"and --interval need --role\n");
		return EXIT_USAGE;
	}
	is_eim = role && !strcmp(role, "eim");
	is_ipa = role && !strcmp(role, "ipa");
	if ((is_eim || is_ipa) && eid) {
		fprintf(stderr, "sgp32lab serve: --eid is an option of --role euicc\n");
		return EXIT_USAGE;
	}
	if (is_eim && vpcd) {
		fprintf(stderr, "sgp32lab serve: --vpcd is an option of --role euicc and ipa\n");
		return EXIT_USAGE;
	}
	if (!is_eim && (api || devices)) {
		fprintf(stderr, "sgp32lab serve: --api and --devices are options of --role eim\n");
		return EXIT_USAGE;
	}
	if (!is_ipa && (eim_url || interval)) {
		fprintf(stderr, "sgp32lab serve: --eim and --interval are options of --role ipa\n");
		return EXIT_USAGE;
	}
	if (is_eim && ((listen_at && lab_parse_hostport(listen_at, esipa_host, sizeof(esipa_host),
						     &esipa_port) < 0) ||
		       (api && lab_parse_hostport(api, api_host, sizeof(api_host), &api_port) < 0))) {
		fprintf(stderr, "sgp32lab serve: --listen and --api take HOST:PORT\n");
		return EXIT_USAGE;
	}
	if (is_ipa && ((listen_at || vpcd) &&
		       lab_parse_hostport(listen_at ? listen_at : vpcd, ipa_host, sizeof(ipa_host),
				      &ipa_port) < 0)) {
		fprintf(stderr, "sgp32lab serve: --listen and --vpcd take HOST:PORT\n");
		return EXIT_USAGE;
	}
	if (eim_url && strncmp(eim_url, "https://", 8)) {
		fprintf(stderr, "sgp32lab serve: --eim takes the eIM's ESipa URL, "
			"https://HOST:PORT/gsma/rsp2/asn1\n");
		return EXIT_USAGE;
	}
	if (interval && (step_parse_uint(interval, 86400, &interval_s) < 0 || interval_s == 0)) {
		fprintf(stderr, "sgp32lab serve: --interval takes seconds from 1 to 86400\n");
		return EXIT_USAGE;
	}
	if (devices && (step_parse_uint(devices, 10000, &n_devices) < 0 || n_devices == 0)) {
		fprintf(stderr, "sgp32lab serve: --devices takes a number from 1 to 10000\n");
		return EXIT_USAGE;
	}
	if (role && !is_eim && !is_ipa && (!eid || sgp_eid_check(eid) < 0)) {
		fprintf(stderr, "sgp32lab serve: --role euicc needs --eid with 32 digits and valid "
			"check digits\n");
		return EXIT_USAGE;
	}
	if (vpcd && listen_at) {
		fprintf(stderr, "sgp32lab serve: --vpcd and --listen exclude each other\n");
		return EXIT_USAGE;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "sgp32lab serve: cannot create %s: %s\n", dir, strerror(errno));
		return EXIT_USAGE;
	}
	/* printed paths (the PKI a scenario loads) work from any folder */
	if (realpath(dir, absdir))
		dir = absdir;
	if (trace && !(trace_file = fopen(trace, "w"))) {
		fprintf(stderr, "sgp32lab serve: cannot write the trace %s: %s\n", trace,
			strerror(errno));
		return EXIT_USAGE;
	}
	if (pcap && !(pcap_file = fopen(pcap, "wb"))) {
		fprintf(stderr, "sgp32lab serve: cannot write the capture %s: %s\n", pcap,
			strerror(errno));
		if (trace_file)
			fclose(trace_file);
		return EXIT_USAGE;
	}
	log_set_level_all(verbose >= 2 ? LOGL_DEBUG : verbose ? LOGL_INFO : LOGL_NOTICE);
	signal(SIGPIPE, SIG_IGN);
	if (trace_file || pcap_file)
		trace_start(0);

	c.base = event_base_new();
	c.lab = c.base ? lab_new(c.base, false, dir) : NULL;
	if (!c.lab) {
		fprintf(stderr, "sgp32lab serve: cannot set up the lab in %s\n", dir);
		goto out;
	}
	c.api_tail = &c.api_head;
	c.sink = (struct lab_step_sink){ .submit = api_submit, .cancel = api_cancel, .arg = &c };
	c.lab->step_sink = &c.sink;
	printf("sgp32lab %s sandbox\n  lab folder: %s\n", PACKAGE_VERSION, dir);
	if (is_eim && serve_eim_start(c.lab, dir, (enum sgp_pki_curve)curve, n_devices, esipa_host,
				      esipa_port, api_host, api_port, &c.eim) < 0) {
		rc = EXIT_FAILURE;
		goto out;
	}
	if (is_ipa) {
		struct serve_ipa_cfg icfg = {
			.dir = dir, .curve = (enum sgp_pki_curve)curve, .vpcd_host = ipa_host,
			/* --listen wins over --vpcd, as for --role euicc */
			.vpcd_port = ipa_port, .connect = !listen_at && vpcd, .eim_url = eim_url,
			.interval_s = interval_s,
		};

		if (serve_ipa_start(c.lab, &icfg, &c.ipa) < 0) {
			rc = EXIT_FAILURE;
			goto out;
		}
	}
	if (role && !is_eim && !is_ipa &&
	    serve_euicc_start(c.lab, dir, eid, (enum sgp_pki_curve)curve,
			      listen_at ? listen_at : vpcd ? vpcd : "127.0.0.1:35963",
			      listen_at != NULL, &c.euicc) < 0) {
		rc = EXIT_FAILURE;
		goto out;
	}
	c.interactive = isatty(STDIN_FILENO);
	c.lines = evbuffer_new();
	c.kick = event_new(c.base, -1, 0, console_next, &c);
	sigint = evsignal_new(c.base, SIGINT, on_signal, &c);
	sigterm = evsignal_new(c.base, SIGTERM, on_signal, &c);
	if (!c.lines || !c.kick || !sigint || !sigterm) {
		fprintf(stderr, "sgp32lab serve: cannot set up the console\n");
		goto out;
	}
	if (c.interactive) {
		char hist[4200];

		snprintf(hist, sizeof(hist), "%s/history", dir);
		if (console_edit_start(c.base, "sgp32lab> ", hist, console_edit_line, &c,
				       &c.edit) < 0)
			c.interactive = false;	/* plain reading below */
	}
	if (c.edit) {
		/* libedit reads the terminal */
	} else if (fstat(STDIN_FILENO, &st_in) == 0 && S_ISREG(st_in.st_mode)) {
		if (read_stdin_file(&c) < 0)
			goto out;
	} else if (stdin_pollable()) {
		c.in = bufferevent_socket_new(c.base, STDIN_FILENO, 0);
		if (!c.in) {
			fprintf(stderr, "sgp32lab serve: cannot read standard input\n");
			goto out;
		}
		bufferevent_setcb(c.in, console_read, NULL, console_event, &c);
		if (bufferevent_enable(c.in, EV_READ) < 0)
			c.eof = true;
	} else {
		/* /dev/null and the like (serve started in the background):
		 * an input that has ended */
		c.eof = true;
	}
	event_add(sigint, NULL);
	event_add(sigterm, NULL);
	event_active(c.kick, EV_TIMEOUT, 0);

	printf("  type `help` for the steps, `quit` to stop\n");
	fflush(stdout);
	prompt(&c);
	event_base_dispatch(c.base);
	rc = 0;
out:
	console_edit_free(c.edit);
	api_answer(&c, LAB_STEP_UNAVAILABLE, "the sandbox stopped");
	api_line_free(c.api_cur);
	while (c.api_head) {
		struct api_line *a = c.api_head;

		c.api_head = a->next;
		if (a->reply)
			a->reply(a->reply_arg, LAB_STEP_UNAVAILABLE, "the sandbox stopped");
		api_line_free(a);
	}
	serve_euicc_stop(c.euicc);
	serve_eim_stop(c.eim);
	serve_ipa_stop(c.ipa);
	if (c.lab)
		step_tables_teardown(c.lab);
	lab_free(c.lab);
	while (c.ctx) {
		struct step_ctx *next = c.ctx->next_owned;
		free(c.ctx);
		c.ctx = next;
	}
	scenario_free_words(c.step.argc, c.step.argv);
	free(c.step.text);
	if (c.in)
		bufferevent_free(c.in);
	if (c.kick)
		event_free(c.kick);
	if (c.lines)
		evbuffer_free(c.lines);
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (c.base)
		event_base_free(c.base);
	if (pcap_file &&
	    written(pcap_file, trace_pcap_write(pcap_file, false), "capture", pcap) < 0)
		rc = EXIT_FAILURE;
	if (trace_file &&
	    written(trace_file, trace_html_write(trace_file, "sgp32lab serve"), "trace", trace) < 0)
		rc = EXIT_FAILURE;
	trace_stop();
	return rc;
}
