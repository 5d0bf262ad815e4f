/* sgp32lab: the eIM's ESipa server, ASN.1 binding over HTTPS
 * (SGP.32 v1.2 section 6.1 / 6.3: POST /gsma/rsp2/asn1, body the DER of
 * EsipaMessageFromIpaToEim, answer the DER of EsipaMessageFromEimToIpa,
 * both with Content-Type application/x-gsma-rsp-asn1).
 *
 * Functions served so far:
 *   ESipa.GetEimPackage (6.3.2.6): the device's oldest queued eIM package
 *     (euiccPackageRequest, ipaEuiccDataRequest or
 *     profileDownloadTriggerRequest), else eimPackageError
 *     noEimPackageAvailable / eidNotFound / invalidEid.  The contact and
 *     notifyStateChange / stateChangeCause are recorded; a notifyStateChange
 *     with nothing queued is answered with a listProfileInfo package.  A
 *     device registered by its EID only is first asked for its certificates.
 *   ESipa.ProvideEimPackageResult (6.3.2.7, eim/esipa_result.c): every
 *     EimPackageResult choice, matched to a delivered package (see there).
 *   ESipa.InitiateAuthentication, AuthenticateClient,
 *     GetBoundProfilePackage, CancelSession, HandleNotification
 *     (pendingNotification): relayed to the SM-DP+ (eim/esipa_relay.h);
 *     HandleNotification carrying provideEimPackageResult is served as
 *     ESipa.ProvideEimPackageResult.
 * The operator side (registration, queueing, read-back) is eim/eim.h.
 * A body that is not a well-formed message gets HTTP 400 (or, when its tag
 * names the function, that function's undefinedError).
 *
 * Ownership: the server copies its configuration except store, clock,
 * sk_eim and pki, which are borrowed and must outlive it. */
#ifndef SGP_EIM_ESIPA_SERVER_H
#define SGP_EIM_ESIPA_SERVER_H

#include "core/http/http.h"
#include "eim/eim.h"
#include "eim/registry.h"

#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct sgp_store;
struct sgp_clock;
struct sgp_key;
struct sgp_pki;
struct eim_package;

#define ESIPA_PATH "/gsma/rsp2/asn1"
#define ESIPA_CONTENT_TYPE "application/x-gsma-rsp-asn1"

struct eim_server;

struct eim_server_cfg {
	struct sgp_store *store;
	struct sgp_clock *clock;
	const char *eim_id;		/* eimId, 1..128 characters */
	const struct sgp_key *sk_eim;	/* signs eUICC packages */
	const struct sgp_pki *pki;	/* NULL: eUICC certificates taken as given */
	struct http_server_cfg http;	/* listener; http.tls with the EIMTLS files */
	/* the indirect download relay (eim/esipa_relay.h; needs clock) */
	const char *es9_ca_file;	/* the SM-DP+'s TLS trust (the lab CI); NULL: system */
	const char *const *relay_smdp_addresses; /* NULL-terminated; NULL: relay to any */
	unsigned relay_timeout_ms;	/* per ES9+ call, lab clock; 0: 30 s */
};

struct eim_server *eim_server_new(struct event_base *base, const struct eim_server_cfg *cfg,
				  int *err);
void eim_server_free(struct eim_server *s);
uint16_t eim_server_port(const struct eim_server *s);
/* The relay of the indirect download (NULL without a clock). */
struct eim_relay *eim_server_relay(struct eim_server *s);

struct eim_server_stats {
	unsigned long requests, refused, delivered, results;
};
void eim_server_get_stats(const struct eim_server *s, struct eim_server_stats *st);

#endif
