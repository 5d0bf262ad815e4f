/* sgp32lab: the eUICC's card front end — ISO 7816-4 APDUs in front of
 * struct euicc.
 *
 * The card answers the commands a device (the IPA, or any PC/SC tool) sends
 * an eUICC: MANAGE CHANNEL, SELECT of the ISD-R or the ECASD, STORE DATA
 * carrying ES10a/b/c commands in GlobalPlatform block chaining (SGP.22
 * section 5.7.1), GET RESPONSE for answers returned in parts (61xx), and
 * TERMINAL CAPABILITY.  The whole ES10 command of a STORE DATA sequence goes
 * to euicc_es10(), the card's only way into the eUICC; the front end never
 * reads ES10 data.
 *
 * Every APDU gets an answer: an R-APDU with the status word of ISO/IEC
 * 7816-4 / ETSI TS 102 221 / GlobalPlatform that fits (see card.c).  A
 * refused APDU changes no state, except that it ends a STORE DATA sequence
 * it breaks.  Power off or reset closes the channels, drops sequences and
 * pending answers, forgets the terminal's capabilities and resets the
 * eUICC's volatile state (euicc_reset()).
 *
 * Ownership: the card borrows the eUICC, which must outlive it. */
#ifndef SGP_SIM_CARD_H
#define SGP_SIM_CARD_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct euicc;
struct card;

/* Logical channels 0..19 (ISO/IEC 7816-4 5.4.1: 0..3 in the first
 * interindustry class, 4..19 in the further one).  Channels 4..19 are only
 * opened after the terminal announced extended logical channels in
 * TERMINAL CAPABILITY (ETSI TS 102 221 section 11.1.19). */
#define CARD_CHANNELS		20
#define CARD_BASIC_CHANNELS	4
/* The longest ES10 command a STORE DATA sequence may carry (bytes).  The
 * largest real ones (AuthenticateServer with two certificates, a Bound
 * Profile Package segment) stay under 8 KiB; longer sequences get 6A84. */
#define CARD_MAX_COMMAND	(32 * 1024)

/* SGP.22 section 2.2.3 (ISD-R) and 2.2.4 (ECASD) AIDs. */
extern const uint8_t card_aid_isdr[16];
extern const uint8_t card_aid_ecasd[16];

enum card_app { CARD_APP_NONE = 0, CARD_APP_ISDR, CARD_APP_ECASD };

/* What the last TERMINAL CAPABILITY said (ETSI TS 102 221 11.1.19). */
struct card_terminal_caps {
	bool received;
	bool has_power;			/* tag '80' */
	uint8_t power_class, power_max_ma, power_clock;
	bool extended_channels;		/* tag '81' */
	bool has_interfaces;		/* tag '82' */
	uint8_t interfaces;
	bool has_euicc;			/* tag '83': eUICC-related capabilities */
	uint8_t euicc[8];
	size_t euicc_len;
};

int card_new(struct euicc *e, struct card **out);
void card_free(struct card *c);

/* The ATR (static bytes). */
const uint8_t *card_atr(size_t *len);

/* Process one command APDU and write the response APDU (data, SW1 SW2)
 * into rapdu.  Returns 0, or SGP_ERR_NOMEM when not even a status word
 * could be written. */
int card_apdu(struct card *c, const uint8_t *apdu, size_t len, struct sgp_buf *rapdu);

/* Power off, power on or reset: a new card session. */
void card_reset(struct card *c);

/* --- inspection (tests, the operator API) --- */
bool card_channel_open(const struct card *c, unsigned ch);
enum card_app card_channel_app(const struct card *c, unsigned ch);
const struct card_terminal_caps *card_terminal_caps(const struct card *c);

#endif
