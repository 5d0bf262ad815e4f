/* sgp32lab: the eIM's ESipa server, ASN.1 binding over HTTPS
 * (SGP.32 v1.2 section 6.1 / 6.3: POST /gsma/rsp2/asn1, body the DER of
 * EsipaMessageFromIpaToEim, answer the DER of EsipaMessageFromEimToIpa,
 * both with Content-Type application/x-gsma-rsp-asn1).
 *
 * Functions served so far:
 *   ESipa.GetEimPackage (6.3.2.6): the device's oldest queued eUICC
 *     package as euiccPackageRequest, else eimPackageError
 *     noEimPackageAvailable / eidNotFound / invalidEid.
 *   ESipa.ProvideEimPackageResult (6.3.2.7): the EuiccPackageResult is
 *     verified with the eUICC certificate given at registration and the
 *     association token, matched to a delivered package by eimId,
 *     counterValue and eimTransactionId, recorded; the answer acknowledges
 *     its seqNumber (eimAcknowledgements), or is emptyResponse for a signed
 *     error.  Anything that does not verify or match (unknown package, a
 *     package never delivered, a result already recorded) is answered
 *     provideEimPackageResultError undefinedError and nothing is recorded.
 *   ESipa.InitiateAuthentication, AuthenticateClient,
 *     GetBoundProfilePackage, CancelSession, HandleNotification
 *     (pendingNotification): relayed to the SM-DP+ (eim/esipa_relay.h);
 *     HandleNotification carrying provideEimPackageResult is served as
 *     ESipa.ProvideEimPackageResult.
 * A body that is not a well-formed message gets HTTP 400 (or, when its tag
 * names the function, that function's undefinedError).
 *
 * Ownership: the server copies its configuration except store, clock,
 * sk_eim and pki, which are borrowed and must outlive it. */
#ifndef SGP_EIM_ESIPA_SERVER_H
#define SGP_EIM_ESIPA_SERVER_H

#include "core/http/http.h"
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

/* Register a device: its EID (32 digits), its eUICC certificate (the EID
 * in it must match; with cfg.pki its chain is verified), the association
 * token its eUICC gave this eIM (0: none), and the counterValue of the
 * first package (the eUICC's stored value plus one; 0 means 1). */
int eim_register_device(struct eim_server *s, const char *eid, X509 *euicc_cert,
			long association_token, long first_counter);

/* Queue an eUICC package for eid: in one transaction the device's counter
 * is taken and advanced, fill() adds the PSMOs or eCOs, the package is
 * signed with the eIM key and appended to the queue.  *id (may be NULL)
 * gets the package's id. */
typedef int (*eim_fill_fn)(struct eim_package *p, void *arg);
int eim_queue_package(struct eim_server *s, const char *eid, int kind, eim_fill_fn fill,
		      void *arg, int64_t *id);
/* Single-PSMO shortcuts; iccid as text (19 or 20 digits). */
int eim_queue_psmo_enable(struct eim_server *s, const char *eid, const char *iccid,
			  bool rollback, int64_t *id);
int eim_queue_psmo_disable(struct eim_server *s, const char *eid, const char *iccid, int64_t *id);
int eim_queue_psmo_delete(struct eim_server *s, const char *eid, const char *iccid, int64_t *id);
int eim_queue_psmo_list_profile_info(struct eim_server *s, const char *eid, int64_t *id);

/* A device's packages and their results, oldest first (eim_pkg_list_free). */
int eim_server_packages(struct eim_server *s, const char *eid, struct eim_pkg **v, size_t *n);

#endif
