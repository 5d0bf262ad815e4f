/* sgp32lab: a test bed for the eUICC model — a generated lab PKI, a store
 * and one eUICC, plus helpers to send ES10 commands (shared by the eUICC
 * unit tests), and the eUICC as a card on the vpcd socket (the IPA tests) */
#ifndef SGP_TEST_EUICC_TESTBED_H
#define SGP_TEST_EUICC_TESTBED_H

#include "sim/euicc.h"
#include "core/buf.h"
#include "core/pki/pki.h"

struct sgp_clock;
struct sgp_store;
struct asn_TYPE_descriptor_s;
struct card;
struct event_base;
struct vpcd_card;

struct testbed {
	struct sgp_pki *pki;
	struct sgp_store *store;
	struct sgp_clock *clock;
	struct euicc *euicc;
	const char *eid;
	char dbpath[256];	/* "" for :memory: */
	char dir[128];		/* temp folder, removed by testbed_free */
};

/* A fresh test bed on the curve ("nist" or "brp"); with persistent=true the
 * store is a file, so testbed_restart() can reopen it. */
void testbed_init(struct testbed *tb, const char *curve, bool persistent);
/* Close and reopen the store and the eUICC (a process restart). */
void testbed_restart(struct testbed *tb);
void testbed_free(struct testbed *tb);

/* Send one ES10 command; returns euicc_es10()'s result, resp gets the answer. */
int testbed_es10(struct testbed *tb, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
/* Encode value as td, send it, and decode the answer as rtd into *out
 * (asserts that both work). */
void testbed_call(struct testbed *tb, const struct asn_TYPE_descriptor_s *td, const void *value,
		  const struct asn_TYPE_descriptor_s *rtd, void **out);

/* Put a profile straight into the eUICC's store (no download): ICCID,
 * state, class, and n for its ISD-P AID and name ("profile n"). */
void testbed_put_profile(struct testbed *tb, const char *iccid, int state, int profile_class,
			 uint8_t n);
/* The state of an installed profile (the test fails if it is absent). */
int testbed_profile_state(struct testbed *tb, const char *iccid);

/* The eUICC as a card (sim/card.h) on a vpcd socket that listens on
 * 127.0.0.1, a free port (vpcd_card_port(vc)): the IPA tests' reader
 * connects there.  Power off, reset and a dropped link reset the card. */
struct testbed_card {
	struct card *card;
	struct vpcd_card *vc;
	unsigned apdus;		/* APDUs the card got */
	unsigned drop_at;	/* end the link at this APDU (1-based), 0: never */
};
void testbed_card_listen(struct testbed *tb, struct event_base *base, struct testbed_card *c);
void testbed_card_free(struct testbed_card *c);

#endif
