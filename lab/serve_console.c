/* sgp32lab: the sandbox's console (`sgp32lab serve`) — scenario steps from
 * standard input (a terminal with line editing and history, a pipe, a
 * file) and from the eIM operator API (POST /api/v1/steps, lab/api_steps.c),
 * run one at a time in the order they came, with the registry `run` uses. */
#include "lab/serve_console.h"
#include "lab/console_edit.h"
#include "lab/lab.h"
#include "lab/step_ctx.h"
#include "core/err.h"
#include "core/trace/trace.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct serve_console {
	struct lab *lab;
	struct event_base *base;
	bool keep_serving;		/* a role serves: end of input closes only the console */
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

static void prompt(struct serve_console *c)
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
static void api_answer(struct serve_console *c, enum lab_step_outcome outcome, const char *msg)
{
	struct api_line *a = c->api_cur;

	if (a && a->reply) {
		a->reply(a->reply_arg, outcome, msg);
		a->reply = NULL;
	}
}

static void step_over(struct serve_console *c)
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
	struct serve_console *c = ctx->owner;

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
static void refuse(struct serve_console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct serve_console *c, const char *fmt, ...)
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

static void console_line(struct serve_console *c, char *line)
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
static void console_closed(struct serve_console *c)
{
	c->closed = true;
	console_edit_free(c->edit);
	c->edit = NULL;
	if (!c->keep_serving) {
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
	struct serve_console *c = arg;
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
	struct serve_console *c = arg;
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
	struct serve_console *c = arg;

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
	struct serve_console *c = arg;
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
	struct serve_console *c = arg;

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
	struct serve_console *c = arg;
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		c->eof = true;
		event_active(c->kick, EV_TIMEOUT, 0);
	}
}

/* A regular file on stdin (serve < steps.txt): epoll cannot watch it, so it
 * is read at once; it is bounded like a scenario file. */
static int read_stdin_file(struct serve_console *c)
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

static bool stdin_pollable(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO))
		return true;
	return fstat(STDIN_FILENO, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode);
}

int serve_console_new(struct lab *lab, struct event_base *base, bool keep_serving,
		      struct serve_console **out)
{
	struct serve_console *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return SGP_ERR_NOMEM;
	c->lab = lab;
	c->base = base;
	c->keep_serving = keep_serving;
	c->api_tail = &c->api_head;
	c->sink = (struct lab_step_sink){ .submit = api_submit, .cancel = api_cancel, .arg = c };
	c->lines = evbuffer_new();
	c->kick = event_new(base, -1, 0, console_next, c);
	if (!c->lines || !c->kick) {
		serve_console_free(c);
		return SGP_ERR_NOMEM;
	}
	lab->step_sink = &c->sink;
	*out = c;
	return SGP_OK;
}

int serve_console_start(struct serve_console *c, const char *dir)
{
	struct stat st_in;

	c->interactive = isatty(STDIN_FILENO);
	if (c->interactive) {
		char hist[4200];

		snprintf(hist, sizeof(hist), "%s/history", dir);
		if (console_edit_start(c->base, "sgp32lab> ", hist, console_edit_line, c,
				       &c->edit) < 0)
			c->interactive = false;	/* plain reading below */
	}
	if (c->edit) {
		/* libedit reads the terminal */
	} else if (fstat(STDIN_FILENO, &st_in) == 0 && S_ISREG(st_in.st_mode)) {
		if (read_stdin_file(c) < 0)
			return SGP_ERR_TOOBIG;
	} else if (stdin_pollable()) {
		c->in = bufferevent_socket_new(c->base, STDIN_FILENO, 0);
		if (!c->in) {
			fprintf(stderr, "sgp32lab serve: cannot read standard input\n");
			return SGP_ERR_IO;
		}
		bufferevent_setcb(c->in, console_read, NULL, console_event, c);
		if (bufferevent_enable(c->in, EV_READ) < 0)
			c->eof = true;
	} else {
		/* /dev/null and the like (serve started in the background):
		 * an input that has ended */
		c->eof = true;
	}
	event_active(c->kick, EV_TIMEOUT, 0);
	printf("  type `help` for the steps, `quit` to stop\n");
	fflush(stdout);
	prompt(c);
	return SGP_OK;
}

void serve_console_stop(struct serve_console *c)
{
	if (!c)
		return;
	console_edit_free(c->edit);
	c->edit = NULL;
	api_answer(c, LAB_STEP_UNAVAILABLE, "the sandbox stopped");
	api_line_free(c->api_cur);
	c->api_cur = NULL;
	while (c->api_head) {
		struct api_line *a = c->api_head;

		c->api_head = a->next;
		if (a->reply)
			a->reply(a->reply_arg, LAB_STEP_UNAVAILABLE, "the sandbox stopped");
		api_line_free(a);
	}
	c->api_tail = &c->api_head;
}

void serve_console_free(struct serve_console *c)
{
	if (!c)
		return;
	serve_console_stop(c);
	while (c->ctx) {
		struct step_ctx *next = c->ctx->next_owned;
		free(c->ctx);
		c->ctx = next;
	}
	scenario_free_words(c->step.argc, c->step.argv);
	free(c->step.text);
	if (c->in)
		bufferevent_free(c->in);
	if (c->kick)
		event_free(c->kick);
	if (c->lines)
		evbuffer_free(c->lines);
	free(c);
}
