/* sgp32lab: internals shared by the files of core/trace (not for role code). */
#ifndef SGP_CORE_TRACE_INT_H
#define SGP_CORE_TRACE_INT_H

#include "core/buf.h"
#include "core/trace/trace.h"

/* What decoding an APDU needs from the APDUs before it: ES10 commands and
 * answers span several APDUs (STORE DATA blocks, GET RESPONSE). */
struct trace_decode_ctx {
	struct sgp_buf cmd;	/* the ES10 command so far */
	unsigned cmd_blocks;
	struct sgp_buf rsp;	/* the ES10 answer so far */
	bool last_was_store;	/* the last command was STORE DATA (not GET RESPONSE) */
};

void trace_decode_ctx_free(struct trace_decode_ctx *dc);

/* Write the decoded content of ev (req: its request, for answers) as
 * escaped HTML text for a <pre> element. */
void trace_decode_body(FILE *f, const struct trace_event *ev, const struct trace_event *req,
		       struct trace_decode_ctx *dc);

#endif
