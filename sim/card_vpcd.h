/* sgp32lab: a card on the vpcd APDU socket (core/apdu/vpcd.h) */
#ifndef SGP_SIM_CARD_VPCD_H
#define SGP_SIM_CARD_VPCD_H

#include "core/apdu/vpcd.h"

#include <stdbool.h>
#include <stdint.h>

struct card;
struct card_vpcd;
struct event_base;

/* Put card on a vpcd socket (connecting to a reader, or listening for one):
 * APDUs go to card_apdu(), power off and reset to card_reset(), the ATR is
 * card_atr().  link (may be NULL) hears when a reader comes and goes.  The
 * card is borrowed and must outlive the card_vpcd. */
int card_vpcd_new(struct card *card, struct event_base *base, const struct vpcd_endpoint *ep,
		  void (*link)(void *arg, bool up), void *link_arg, struct card_vpcd **out);
void card_vpcd_free(struct card_vpcd *cv);
/* The listening port (the bound one for port 0), or the reader's port. */
uint16_t card_vpcd_port(const struct card_vpcd *cv);
/* A reader is connected. */
bool card_vpcd_linked(const struct card_vpcd *cv);

#endif
