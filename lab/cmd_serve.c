/* sgp32lab: `sgp32lab serve` — keep a lab up and drive it from a console
 *
 * The sandbox runs on the real-time clock, keeps its state in a folder
 * (PKI, database) that survives restarts, and executes scenario steps typed
 * on standard input, one line at a time, with the same registry as `run`. */
#include "config.h"
#include "lab/commands.h"
#include "lab/lab.h"
#include "lab/step_ctx.h"
#include "core/log.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct console {
	struct lab *lab;
	struct event_base *base;
	struct bufferevent *in;
	struct scn_step step;		/* the step being run */
	struct step_ctx *ctx;
	unsigned lineno;
	bool busy;
	bool interactive;
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
		"  --dir DIR      the lab's folder (default: ./sgp32lab-lab), created if missing\n"
		"  -v, --verbose  show the models' log (repeat for debug detail)\n"
		"  -h, --help     show this help\n"
		"\n"
		"The role models (--role) arrive with their own issues; this build offers the\n"
		"core steps (PKI, decoding, HTTPS exchanges).\n");
}

static void prompt(struct console *c)
{
	if (c->interactive) {
		fputs("sgp32lab> ", stdout);
		fflush(stdout);
	}
}

static void step_over(struct console *c)
{
	scenario_free_words(c->step.argc, c->step.argv);
	free(c->step.text);
	memset(&c->step, 0, sizeof(c->step));
	c->busy = false;
	prompt(c);
}

static void console_step_done(struct step_ctx *ctx, bool ok)
{
	struct console *c = ctx->owner;

	printf("%s%s%s\n", ok ? "ok" : "FAIL", ctx->msg[0] ? ": " : "", ctx->msg);
	fflush(stdout);
	step_over(c);
	/* ctx stays with the console until exit: a late answer may still
	 * name it (see step_ctx.h) */
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
		printf("error: %s\n", err);
		prompt(c);
		return;
	}
	c->step.argc = argc;
	if (argc == 0) {
		prompt(c);
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
		printf("error: unknown step '%s' (type help)\n", c->step.argv[0]);
		step_over(c);
		return;
	}
	if (def->check && def->check(&c->step, err, sizeof(err)) < 0) {
		printf("error: %s (usage: %s)\n", err, def->usage);
		step_over(c);
		return;
	}
	c->step.def = def;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		printf("error: out of memory\n");
		step_over(c);
		return;
	}
	ctx->owner = c;
	ctx->on_done = console_step_done;
	ctx->next_owned = c->ctx;
	c->ctx = ctx;
	c->busy = true;
	step_start(c->lab, &c->step, ctx);
}

static void console_read(struct bufferevent *bev, void *arg)
{
	struct console *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	/* one step at a time: the next line waits until this one finishes */
	while (!c->busy && (line = evbuffer_readln(in, &n, EVBUFFER_EOL_ANY))) {
		console_line(c, line);
		free(line);
	}
	if (evbuffer_get_length(in) > SCN_MAX_LINE) {
		printf("error: line longer than %d characters, dropped\n", SCN_MAX_LINE);
		evbuffer_drain(in, evbuffer_get_length(in));
	}
}

static void console_event(struct bufferevent *bev, short what, void *arg)
{
	struct console *c = arg;
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		event_base_loopexit(c->base, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct console *c = arg;
	(void)what;
	fprintf(stderr, "\nsgp32lab serve: %s, shutting down\n", sig == SIGINT ? "interrupted" : "terminated");
	event_base_loopexit(c->base, NULL);
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = "sgp32lab-lab";
	struct console c = { 0 };
	struct event *sigint = NULL, *sigterm = NULL;
	int opt, verbose = 0, rc = EXIT_USAGE;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'v': verbose++; break;
		case 'h': serve_usage(stdout); return 0;
		default: serve_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sgp32lab serve: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "sgp32lab serve: cannot create %s: %s\n", dir, strerror(errno));
		return EXIT_USAGE;
	}
	log_set_level_all(verbose >= 2 ? LOGL_DEBUG : verbose ? LOGL_INFO : LOGL_NOTICE);
	signal(SIGPIPE, SIG_IGN);

	c.base = event_base_new();
	c.lab = c.base ? lab_new(c.base, false, dir) : NULL;
	if (!c.lab) {
		fprintf(stderr, "sgp32lab serve: cannot set up the lab in %s\n", dir);
		goto out;
	}
	c.interactive = isatty(STDIN_FILENO);
	c.in = bufferevent_socket_new(c.base, STDIN_FILENO, 0);
	sigint = evsignal_new(c.base, SIGINT, on_signal, &c);
	sigterm = evsignal_new(c.base, SIGTERM, on_signal, &c);
	if (!c.in || !sigint || !sigterm) {
		fprintf(stderr, "sgp32lab serve: cannot set up the console\n");
		goto out;
	}
	bufferevent_setcb(c.in, console_read, NULL, console_event, &c);
	bufferevent_enable(c.in, EV_READ);
	event_add(sigint, NULL);
	event_add(sigterm, NULL);

	printf("sgp32lab %s sandbox\n  lab folder: %s\n  type `help` for the steps, `quit` to stop\n",
	       PACKAGE_VERSION, dir);
	prompt(&c);
	event_base_dispatch(c.base);
	rc = 0;
out:
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
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (c.base)
		event_base_free(c.base);
	return rc;
}
