/* sgp32lab: the context of one running step (private to the runner and
 * the console, which both execute steps) */
#ifndef SGP_LAB_STEP_CTX_H
#define SGP_LAB_STEP_CTX_H

#include "lab/lab.h"

struct step_ctx {
	/* called once when the step finishes; the callee frees the ctx */
	void (*on_done)(struct step_ctx *ctx, bool ok);
	void *owner;
	char msg[1024];
	bool finished;		/* later step_done() calls are ignored */
	/* Contexts stay allocated until the lab is torn down: a step that
	 * timed out may still hold its ctx until its area cancels it. */
	struct step_ctx *next_owned;
};

/* Start st; calls ctx->on_done now (STEP_OK/STEP_FAIL) or later. */
void step_start(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx);

#endif
