/* sgp32lab: line editing for the sandbox's interactive console — libedit
 * (BSD licensed, readline-compatible) in its callback mode, so the event
 * loop keeps running while the user types: history (up/down, kept in a
 * file across sessions), Emacs-style editing, and a prompt that is drawn
 * again after a step's answer is printed.
 *
 * libedit keeps global state: there is at most one console_edit at a
 * time.  Ownership: the caller owns it and frees it with
 * console_edit_free(), which saves the history. */
#ifndef SGP_LAB_CONSOLE_EDIT_H
#define SGP_LAB_CONSOLE_EDIT_H

#include <stdbool.h>

struct event_base;
struct console_edit;

/* line: one line typed (without its newline); NULL at end of input
 * (Ctrl-D on an empty line). */
typedef void (*console_edit_line_fn)(void *arg, const char *line);

/* Start editing standard input (a terminal) with prompt; history is read
 * from and saved to history_path (NULL: none).  0, or -1 when standard
 * input cannot be watched. */
int console_edit_start(struct event_base *base, const char *prompt, const char *history_path,
		       console_edit_line_fn line, void *arg, struct console_edit **out);
/* Draw the prompt and the line being typed again, after other output. */
void console_edit_redraw(struct console_edit *ce);
void console_edit_free(struct console_edit *ce);

#endif
