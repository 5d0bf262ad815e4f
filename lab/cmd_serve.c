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
	struct bufferevent *in;		/* stdin, unless it is a regular file */
	struct evbuffer *lines;		/* input not yet run, one step at a time */
	struct event *kick;		/* runs the next buffered line from the loop */
	struct scn_step step;		/* the step being run */
	struct step_ctx *ctx;
	unsigned lineno;
	bool busy;
	bool eof;			/* no more input will come */
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
	event_active(c->kick, EV_TIMEOUT, 0);	/* the next buffered line */
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
		step_over(c);
		return;
	}
	c->step.argc = argc;
	if (argc == 0) {
		step_over(c);
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
	if (c->eof)
		event_base_loopexit(c->base, NULL);
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
	struct stat st_in;
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
	c.lines = evbuffer_new();
	c.kick = event_new(c.base, -1, 0, console_next, &c);
	sigint = evsignal_new(c.base, SIGINT, on_signal, &c);
	sigterm = evsignal_new(c.base, SIGTERM, on_signal, &c);
	if (!c.lines || !c.kick || !sigint || !sigterm) {
		fprintf(stderr, "sgp32lab serve: cannot set up the console\n");
		goto out;
	}
	if (fstat(STDIN_FILENO, &st_in) == 0 && S_ISREG(st_in.st_mode)) {
		if (read_stdin_file(&c) < 0)
			goto out;
	} else {
		c.in = bufferevent_socket_new(c.base, STDIN_FILENO, 0);
		if (!c.in) {
			fprintf(stderr, "sgp32lab serve: cannot read standard input\n");
			goto out;
		}
		bufferevent_setcb(c.in, console_read, NULL, console_event, &c);
		bufferevent_enable(c.in, EV_READ);
	}
	event_add(sigint, NULL);
	event_add(sigterm, NULL);
	event_active(c.kick, EV_TIMEOUT, 0);

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
	return rc;
}
