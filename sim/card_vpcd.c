/* sgp32lab: a card on the vpcd APDU socket */
#include "sim/card_vpcd.h"
#include "sim/card.h"
#include "core/err.h"

#include <stdlib.h>

struct card_vpcd {
	struct vpcd_card *vpcd;
	struct card *card;
	void (*link)(void *arg, bool up);
	void *link_arg;
};

static int on_apdu(void *arg, const uint8_t *apdu, size_t len, struct sgp_buf *rapdu)
{
	struct card_vpcd *cl = arg;

	return card_apdu(cl->card, apdu, len, rapdu);
}

static void on_ctrl(void *arg, uint8_t ctrl)
{
	struct card_vpcd *cl = arg;

	/* power off and reset end the card session; power on follows an off */
	if (ctrl != VPCD_CTRL_ON)
		card_reset(cl->card);
}

static const uint8_t *on_atr(void *arg, size_t *len)
{
	(void)arg;
	return card_atr(len);
}

static void on_link(void *arg, bool up)
{
	struct card_vpcd *cl = arg;

	if (cl->link)
		cl->link(cl->link_arg, up);
}

static const struct vpcd_card_ops card_ops = {
	.apdu = on_apdu, .ctrl = on_ctrl, .atr = on_atr, .link = on_link,
};

int card_vpcd_new(struct card *card, struct event_base *base, const struct vpcd_endpoint *ep,
		  void (*link)(void *arg, bool up), void *link_arg, struct card_vpcd **out)
{
	struct card_vpcd *cv = calloc(1, sizeof(*cv));
	int rc;

	*out = NULL;
	if (!cv)
		return SGP_ERR_NOMEM;
	cv->card = card;
	cv->link = link;
	cv->link_arg = link_arg;
	rc = vpcd_card_new(base, ep, &card_ops, cv, &cv->vpcd);
	if (rc < 0) {
		free(cv);
		return rc;
	}
	*out = cv;
	return SGP_OK;
}

void card_vpcd_free(struct card_vpcd *cv)
{
	if (!cv)
		return;
	vpcd_card_free(cv->vpcd);
	free(cv);
}

uint16_t card_vpcd_port(const struct card_vpcd *cv)
{
	return vpcd_card_port(cv->vpcd);
}

bool card_vpcd_linked(const struct card_vpcd *cv)
{
	return vpcd_card_linked(cv->vpcd);
}
