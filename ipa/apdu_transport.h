/* sgp32lab: the IPA's way to its eUICC — an APDU transport behind a small
 * interface (DESIGN.md: "the IPA reaches its eUICC through an APDU
 * transport interface").
 *
 * A transport carries one command APDU at a time and hands back the
 * response APDU (data and SW1 SW2) from the event loop.  Backends: the vpcd
 * socket (a simulated card, or any vpcd card; core/apdu/vpcd.h), and later
 * PC/SC through pcsclite.
 *
 * Ownership: the caller owns the transport and frees it with
 * ipa_transport_free(); a pending exchange is then dropped (its callback
 * never runs). */
#ifndef SGP_IPA_APDU_TRANSPORT_H
#define SGP_IPA_APDU_TRANSPORT_H

#include "core/apdu/vpcd.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

/* rc 0: rapdu/len is the response APDU; else a negative sgp_err
 * (SGP_ERR_IO: the link to the card dropped or the card answered nonsense). */
typedef void (*ipa_apdu_cb)(void *arg, int rc, const uint8_t *rapdu, size_t len);

struct ipa_apdu_transport_ops {
	const char *name;
	/* Send one APDU; cb runs later from the event loop, exactly once
	 * unless cancelled.  A negative return: nothing was sent, cb never
	 * runs (SGP_ERR_IO when there is no link to the card). */
	int (*transmit)(void *impl, const uint8_t *apdu, size_t len, ipa_apdu_cb cb, void *arg);
	/* Forget the pending exchange: its callback never runs. */
	void (*cancel)(void *impl);
	/* True while a card is reachable. */
	bool (*ready)(const void *impl);
	void (*free)(void *impl);
};

struct ipa_apdu_transport {
	const struct ipa_apdu_transport_ops *ops;
	void *impl;
};

/* The vpcd backend: a vpcd reader (core/apdu/vpcd.h) on ep — connecting to
 * a card that listens (`serve --role euicc`), or listening for a card that
 * connects (ep->listen). */
int ipa_transport_vpcd_new(struct event_base *base, const struct vpcd_endpoint *ep,
			   struct ipa_apdu_transport **out);
/* The local or peer port of a vpcd transport (see vpcd_reader_port). */
uint16_t ipa_transport_vpcd_port(const struct ipa_apdu_transport *t);
/* Tell cb (NULL: nobody) when the link to the card comes up or goes down,
 * after the transport itself reacted: for an IPA whose reader listens and
 * sees cards come and go.  cb must not free the transport. */
void ipa_transport_vpcd_on_link(struct ipa_apdu_transport *t, void (*cb)(void *arg, bool up),
				void *arg);

void ipa_transport_free(struct ipa_apdu_transport *t);

#endif
