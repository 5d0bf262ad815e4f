/* sgp32lab: the IPA's ES10 client — ES10a/b/c commands to the eUICC's
 * ISD-R over an APDU transport, one at a time, queued.
 *
 * Start-up as a device does it (DESIGN.md, SGP.22 5.7.1, ETSI TS 102 221),
 * before the first command and again after the card was lost:
 *   TERMINAL CAPABILITY  80 AA 00 00 with template 'A9' (ETSI TS 102 221
 *                        11.1.19): '81' extended logical channels and '83'
 *                        eUICC-related terminal capabilities (see
 *                        es10_client.c for the coding used);
 *                        a card that refuses it is still used (logged)
 *   MANAGE CHANNEL open  00 70 00 00 01: the card assigns the channel
 *   SELECT ISD-R         0x A4 04 00 10 <ISD-R AID> 00 on that channel
 * then each command as STORE DATA blocks of at most 255 bytes (CLA '8x'
 * on the channel), the answer collected over 61xx / GET RESPONSE
 * (core/apdu/es10_apdu.h); MANAGE CHANNEL close (00 70 80 nn) on request.
 *
 * Failures reach the command's callback: a status word other than 9000/61xx
 * is SGP_ERR_PEER with the SW and the stage that got it; a lost link is
 * SGP_ERR_IO (the channel is then considered gone; the next command starts
 * up again); no answer within the APDU timeout (lab clock) is
 * SGP_ERR_TIMEOUT, after which the client is unusable (the card's state is
 * unknown) and every queued or later command fails with SGP_ERR_IO.
 *
 * Ownership: the client borrows the transport and the clock (both must
 * outlive it); it owns its queue.  Callbacks run from the event loop (or the
 * clock) and may queue further commands or free the client. */
#ifndef SGP_IPA_ES10_CLIENT_H
#define SGP_IPA_ES10_CLIENT_H

#include "ipa/apdu_transport.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sgp_clock;
struct ipa_es10;

#define IPA_ES10_DEFAULT_TIMEOUT_MS 10000

struct ipa_es10_cfg {
	struct sgp_clock *clock;	/* APDU timeouts */
	unsigned apdu_timeout_ms;	/* per APDU; 0: IPA_ES10_DEFAULT_TIMEOUT_MS */
	/* The value of the TERMINAL CAPABILITY command (the 'A9' template);
	 * NULL: the default of es10_client.c. */
	const uint8_t *terminal_capability;
	size_t terminal_capability_len;
};

struct ipa_es10_result {
	int rc;			/* 0, SGP_ERR_PEER (sw), SGP_ERR_IO, SGP_ERR_TIMEOUT, ... */
	uint16_t sw;		/* the refusing status word; 0 when none */
	const char *stage;	/* "TERMINAL CAPABILITY", "MANAGE CHANNEL", "SELECT ISD-R",
				 * "STORE DATA", "GET RESPONSE" */
	const uint8_t *data;	/* the ES10 answer (rc 0), valid during the callback */
	size_t len;
};

typedef void (*ipa_es10_cb)(void *arg, const struct ipa_es10_result *res);

int ipa_es10_new(struct ipa_apdu_transport *t, const struct ipa_es10_cfg *cfg,
		 struct ipa_es10 **out);
/* Queued commands are dropped without their callbacks. */
void ipa_es10_free(struct ipa_es10 *c);

/* Queue one ES10 command (the whole DER, e.g. BF3E035C015A).  Returns 0 and
 * cb runs exactly once later; or a negative sgp_err (SGP_ERR_IO: no card,
 * or the client is unusable) and cb never runs.  The command is copied. */
int ipa_es10_call(struct ipa_es10 *c, const uint8_t *cmd, size_t len, ipa_es10_cb cb,
		  void *arg);
/* Queue MANAGE CHANNEL close after the commands already queued; cb as
 * above (rc 0 also when the channel was gone by then).  SGP_ERR_STATE when
 * no channel is open and nothing is queued. */
int ipa_es10_close(struct ipa_es10 *c, ipa_es10_cb cb, void *arg);

/* Drop the callbacks of the commands queued with arg (they still run):
 * for an owner that goes away or stops waiting. */
void ipa_es10_forget(struct ipa_es10 *c, void *arg);

/* The logical channel in use, 0 when none is open. */
unsigned ipa_es10_channel(const struct ipa_es10 *c);
/* Commands queued or running. */
unsigned ipa_es10_pending(const struct ipa_es10 *c);

#endif
