/* sgp32lab: the sandbox's console (lab/serve_console.c) */
#ifndef SGP_LAB_SERVE_CONSOLE_H
#define SGP_LAB_SERVE_CONSOLE_H

#include <stdbool.h>

struct lab;
struct event_base;
struct serve_console;

/* A console for lab (it becomes the lab's step_sink: the operator API's
 * steps join its queue).  keep_serving: a role serves, so the end of the
 * input closes only the console; else it ends the event loop.  0 or
 * SGP_ERR_NOMEM. */
int serve_console_new(struct lab *lab, struct event_base *base, bool keep_serving,
		      struct serve_console **out);
/* Read standard input (a terminal: line editing, history in dir/history; a
 * pipe; a file, read at once) and run its lines from the event loop.
 * `quit` ends the event loop.  0, or a negative sgp_err after a message. */
int serve_console_start(struct serve_console *c, const char *dir);
/* Stop taking steps: the operator API's steps still waiting are answered
 * "the sandbox stopped".  Before the roles and the lab are torn down. */
void serve_console_stop(struct serve_console *c);
/* After the lab is freed (its steps may hold the console's step contexts
 * until then). */
void serve_console_free(struct serve_console *c);

#endif
