/* sgp32lab: line editing for the sandbox's console (see console_edit.h) */
#include "lab/console_edit.h"

#include <event2/event.h>
#include <editline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How many lines of history are kept. */
#define CONSOLE_HISTORY_MAX 1000

struct console_edit {
	struct event *ev;		/* standard input readable */
	char *history_path;
	console_edit_line_fn line;
	void *arg;
};

/* libedit's line handler has no argument: the one editor there is */
static struct console_edit *the_edit;

static void on_line(char *text)
{
	struct console_edit *ce = the_edit;

	if (!ce)
		return;
	if (text && *text)
		add_history(text);
	ce->line(ce->arg, text);	/* may free ce */
	free(text);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	rl_callback_read_char();
}

int console_edit_start(struct event_base *base, const char *prompt, const char *history_path,
		       console_edit_line_fn line, void *arg, struct console_edit **out)
{
	struct console_edit *ce;

	*out = NULL;
	if (the_edit || !(ce = calloc(1, sizeof(*ce))))
		return -1;
	ce->line = line;
	ce->arg = arg;
	ce->ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST, on_readable, ce);
	if (!ce->ev || (history_path && !(ce->history_path = strdup(history_path))) ||
	    event_add(ce->ev, NULL) < 0) {
		if (ce->ev)
			event_free(ce->ev);
		free(ce->history_path);
		free(ce);
		return -1;
	}
	the_edit = ce;
	rl_readline_name = "sgp32lab";
	stifle_history(CONSOLE_HISTORY_MAX);
	if (ce->history_path)
		read_history(ce->history_path);	/* none yet: fine */
	rl_callback_handler_install(prompt, on_line);
	*out = ce;
	return 0;
}

void console_edit_redraw(struct console_edit *ce)
{
	if (ce)
		rl_forced_update_display();
}

void console_edit_free(struct console_edit *ce)
{
	if (!ce)
		return;
	rl_callback_handler_remove();
	if (ce->history_path)
		write_history(ce->history_path);
	event_free(ce->ev);
	free(ce->history_path);
	free(ce);
	the_edit = NULL;
}
