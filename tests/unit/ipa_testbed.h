/* sgp32lab: test-bed helpers that need the IPA library (ipa/) — the IPA's
 * reader and ES10 client against the eUICC card on the vpcd socket; only for
 * the tests that link libsgpipa */
#ifndef SGP_TEST_IPA_TESTBED_H
#define SGP_TEST_IPA_TESTBED_H

#include "euicc_testbed.h"

#include <stdint.h>

struct ipa_apdu_transport;
struct ipa_es10;
struct ipa_es10_cfg;

/* An IPA reader (vpcd, connecting to 127.0.0.1:port, retrying every 5 ms)
 * into *t; base runs until the reader is ready and, with vc, until the card
 * vc sees the link too (a raw listener has no vpcd_card: pass NULL).  Then
 * the ES10 client over it into *es10: cfg's settings (NULL: the defaults)
 * on tb's clock.  Asserts every step. */
void testbed_ipa_connect(struct testbed *tb, struct event_base *base, uint16_t port,
			 struct vpcd_card *vc, const struct ipa_es10_cfg *cfg,
			 struct ipa_apdu_transport **t, struct ipa_es10 **es10);

/* The usual IPA set-up: tb's eUICC as a card listening on vpcd
 * (testbed_card_listen into c), an IPA reader linked to it and the ES10
 * client with the default settings (testbed_ipa_connect).  Free in reverse:
 * ipa_es10_free, ipa_transport_free, testbed_card_free. */
void testbed_ipa_reader(struct testbed *tb, struct event_base *base, struct testbed_card *c,
			struct ipa_apdu_transport **t, struct ipa_es10 **es10);

#endif
