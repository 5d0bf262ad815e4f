/* sgp32lab: one ES10 command as APDUs — the terminal side of SGP.22 5.7.1.
 *
 * An ES10 command travels in STORE DATA commands to the ISD-R: blocks of
 * at most 255 bytes, P1 '11' while more blocks follow and '91' for the last
 * one, P2 the block number from 0, CLA '8x' (or 'Cx') for the logical
 * channel.  The answer comes back with the last block; when it is longer
 * than one response, the card says 61xx and the terminal fetches the rest
 * with GET RESPONSE.
 *
 * Both halves are small state machines that produce the next APDU to send,
 * so the same code serves a card in the same process (the lab's steps) and
 * a card behind an asynchronous reader (the IPA). */
#ifndef SGP_CORE_APDU_ES10_APDU_H
#define SGP_CORE_APDU_ES10_APDU_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ES10_BLOCK_MAX 255
#define ES10_RESPONSE_MAX (64u * 1024)	/* an answer larger than this is refused */

/* CLA of a proprietary (STORE DATA) or interindustry (GET RESPONSE, SELECT)
 * command on logical channel 0..19 (ETSI TS 102 221 10.1.1). */
uint8_t es10_cla(unsigned channel, bool proprietary);

struct es10_apdu_writer {
	const uint8_t *cmd;	/* borrowed: the ES10 command */
	size_t len, off;
	unsigned block;
	unsigned channel;
};

void es10_apdu_writer_init(struct es10_apdu_writer *w, const uint8_t *cmd, size_t len,
			   unsigned channel);
/* The next STORE DATA APDU into apdu; returns true while there was one. */
bool es10_apdu_writer_next(struct es10_apdu_writer *w, struct sgp_buf *apdu);
bool es10_apdu_writer_done(const struct es10_apdu_writer *w);

/* What to do after a response APDU. */
enum es10_rsp_step {
	ES10_RSP_NEXT_BLOCK,	/* 9000 to a block that was not the last: send the next */
	ES10_RSP_GET_RESPONSE,	/* 61xx: send the GET RESPONSE written into next_apdu */
	ES10_RSP_DONE,		/* the whole answer is in data */
	ES10_RSP_ERROR,		/* the card refused: *sw says how */
};

struct es10_rsp {
	struct sgp_buf data;	/* the answer so far; owned, free with es10_rsp_free */
	unsigned channel;
};

void es10_rsp_init(struct es10_rsp *r, unsigned channel);
void es10_rsp_free(struct es10_rsp *r);
/* Feed the response APDU to the command sent last (last_block: it was the
 * last STORE DATA block or a GET RESPONSE).  Malformed responses (shorter
 * than 2 bytes, an answer over ES10_RSP_MAX) are ES10_RSP_ERROR with *sw 0. */
enum es10_rsp_step es10_rsp_feed(struct es10_rsp *r, const uint8_t *rapdu, size_t len,
				 bool last_block, struct sgp_buf *next_apdu, uint16_t *sw);

#endif
