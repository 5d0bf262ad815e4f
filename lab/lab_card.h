/* sgp32lab: ES10 through a simulated card, as a terminal sends it */
#ifndef SGP_LAB_LAB_CARD_H
#define SGP_LAB_LAB_CARD_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

struct card;

/* SELECT the ISD-R on the basic channel, then send one ES10 command in
 * STORE DATA blocks and collect the answer (GET RESPONSE as needed).
 * SGP_ERR_PEER with *sw when the card refuses (lab/steps_card.c). */
int lab_card_es10(struct card *c, const uint8_t *cmd, size_t len, struct sgp_buf *resp,
		  uint16_t *sw);

#endif
