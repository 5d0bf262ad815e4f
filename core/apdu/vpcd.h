/* sgp32lab: the APDU socket — vsmartcard's vpcd framing over libevent.
 *
 * Every message, both ways, is a 2-byte big-endian length then that many
 * bytes.  From the reader (pcscd's vpcd driver, or the IPA) to the card a
 * 1-byte message is a control message (VPCD_CTRL_*), anything longer an
 * APDU.  The card answers get-ATR with its ATR and an APDU with the R-APDU;
 * power off, power on and reset get no answer.  (Values as vsmartcard's
 * vpcd.h defines them; the vpcd driver also sends get-ATR to poll for
 * presence, and treats an empty answer as a removed card.)
 *
 * Either side can listen or connect: pcscd's vpcd driver listens on
 * 127.0.0.1:35963 (reader "Virtual PCD 00 00") and the card connects to it,
 * reconnecting whenever the link drops (pcscd restarting); or the card
 * listens and a reader (the IPA) connects.  One link per card or reader: a
 * second connection to a listening end is refused while one is up.
 *
 * Malformed traffic — a zero-length message, an unknown control byte, an
 * answer nobody asked for, a peer that closes in the middle of a message —
 * is logged and ends the link (a connecting end then reconnects); nothing
 * is delivered half.  Messages longer than 65535 bytes cannot be framed:
 * sending one is SGP_ERR_TOOBIG.
 *
 * Ownership: each object owns its socket, listener and timer; the event
 * base is borrowed and must outlive it.  Callbacks run from the event loop;
 * a reader may be freed from inside its own callbacks. */
#ifndef SGP_CORE_APDU_VPCD_H
#define SGP_CORE_APDU_VPCD_H

#include "core/buf.h"
#include "core/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

#define VPCD_CTRL_OFF		0x00
#define VPCD_CTRL_ON		0x01
#define VPCD_CTRL_RESET		0x02
#define VPCD_CTRL_ATR		0x04
#define VPCD_DEFAULT_PORT	35963	/* reader "Virtual PCD 00 00"; 35964 is "... 00 01" */
#define VPCD_MAX_MSG		0xFFFF
#define VPCD_RECONNECT_MS	1000

struct vpcd_endpoint {
	const char *host;	/* numeric address or name (resolved once) */
	uint16_t port;		/* 0 with listen: any free port (vpcd_*_port) */
	bool listen;		/* listen instead of connecting */
	unsigned reconnect_ms;	/* connecting end: delay before a retry; 0: default */
	enum log_cat cat;	/* where the link logs */
};

/* --- the card side --- */

struct vpcd_card;
struct vpcd_card_ops {
	/* One APDU: write the R-APDU (at least SW1 SW2) into rapdu.  A
	 * negative return or an R-APDU shorter than 2 bytes ends the link. */
	int (*apdu)(void *arg, const uint8_t *apdu, size_t len, struct sgp_buf *rapdu);
	/* VPCD_CTRL_OFF, _ON or _RESET. */
	void (*ctrl)(void *arg, uint8_t ctrl);
	/* The ATR, borrowed. */
	const uint8_t *(*atr)(void *arg, size_t *len);
	/* The link came up or went down (may be NULL). */
	void (*link)(void *arg, bool up);
};

int vpcd_card_new(struct event_base *base, const struct vpcd_endpoint *ep,
		  const struct vpcd_card_ops *ops, void *arg, struct vpcd_card **out);
void vpcd_card_free(struct vpcd_card *c);
bool vpcd_card_linked(const struct vpcd_card *c);
/* The local port when listening (the bound one for port 0), else the
 * peer's configured port. */
uint16_t vpcd_card_port(const struct vpcd_card *c);

/* --- the reader side (the IPA's way to a simulated card) --- */

struct vpcd_reader;
/* rc 0: data/len is the answer (an R-APDU, or the ATR); else a negative
 * sgp_err (SGP_ERR_PEER: the link dropped or the card answered nonsense). */
typedef void (*vpcd_reader_cb)(void *arg, int rc, const uint8_t *data, size_t len);

int vpcd_reader_new(struct event_base *base, const struct vpcd_endpoint *ep,
		    void (*link)(void *arg, bool up), void *link_arg, struct vpcd_reader **out);
void vpcd_reader_free(struct vpcd_reader *r);
bool vpcd_reader_linked(const struct vpcd_reader *r);
uint16_t vpcd_reader_port(const struct vpcd_reader *r);
/* Send an APDU (2..65535 bytes); cb gets the R-APDU.  One exchange at a
 * time: SGP_ERR_STATE while one is pending or when not linked. */
int vpcd_reader_transmit(struct vpcd_reader *r, const uint8_t *apdu, size_t len,
			 vpcd_reader_cb cb, void *arg);
int vpcd_reader_get_atr(struct vpcd_reader *r, vpcd_reader_cb cb, void *arg);
/* Power off / on / reset: no answer comes. */
int vpcd_reader_ctrl(struct vpcd_reader *r, uint8_t ctrl);

#endif
