/* sgp32lab: test-bed helpers that need the IPA library (ipa_testbed.h) */
#include "ipa_testbed.h"
#include "ipa/apdu_transport.h"
#include "ipa/es10_client.h"
#include "core/apdu/vpcd.h"
#include "core/err.h"
#include "core/log.h"

#include <check.h>
#include <event2/event.h>

void testbed_ipa_connect(struct testbed *tb, struct event_base *base, uint16_t port,
			 struct vpcd_card *vc, const struct ipa_es10_cfg *cfg,
			 struct ipa_apdu_transport **t, struct ipa_es10 **es10)
{
	struct vpcd_endpoint rep = { .host = "127.0.0.1", .port = port, .cat = DIPA,
				     .reconnect_ms = 5 };
	struct ipa_es10_cfg ecfg = { 0 };

	ck_assert_int_eq(ipa_transport_vpcd_new(base, &rep, t), SGP_OK);
	while (!((*t)->ops->ready((*t)->impl) && (!vc || vpcd_card_linked(vc))))
		ck_assert_int_ge(event_base_loop(base, EVLOOP_ONCE), 0);
	if (cfg)
		ecfg = *cfg;
	ecfg.clock = tb->clock;
	ck_assert_int_eq(ipa_es10_new(*t, &ecfg, es10), SGP_OK);
}

void testbed_ipa_reader(struct testbed *tb, struct event_base *base, struct testbed_card *c,
			struct ipa_apdu_transport **t, struct ipa_es10 **es10)
{
	testbed_card_listen(tb, base, c);
	testbed_ipa_connect(tb, base, vpcd_card_port(c->vc), c->vc, NULL, t, es10);
}
