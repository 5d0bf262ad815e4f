/* sgp32lab: the eIM server's state, shared by its own files only
 * (esipa_server.c, esipa_result.c, queue.c, api.c) */
#ifndef SGP_EIM_ESIPA_SERVER_INT_H
#define SGP_EIM_ESIPA_SERVER_INT_H

#include "eim/esipa_server.h"
#include "core/ids.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_request;
struct eim_push;
struct EimPackageResult;
struct ProvideEimPackageResult;
struct EsipaMessageFromEimToIpa;

#define EIM_REFUSALS 16	/* devices whose last refusal is kept */

struct eim_server {
	struct http_server *http;
	struct sgp_store *store;
	struct sgp_clock *clock;
	const struct sgp_key *sk_eim;
	const struct sgp_pki *pki;
	char eim_id[129];
	struct eim_server_stats stats;
	struct http_client *es9;	/* the relay's ES9+ client */
	struct eim_relay *relay;
	struct eim_push *push;		/* ESipa.TransferEimPackage (esipa_push.c), or NULL */
	/* why the result being handled is refused (the first reason found;
	 * "" while none), and the last refusal per device (esipa_result.c) */
	char why[240];
	struct eim_refusal {
		char eid[SGP_EID_DIGITS + 1];
		char text[320];
	} refusals[EIM_REFUSALS];
	unsigned next_refusal;
};

/* The lab clock in seconds (wall clock without one). */
int64_t eim_server_now(const struct eim_server *s);
/* Encode msg and answer it; msg's contents are freed. */
void eim_reply_msg(struct eim_server *s, struct http_request *req,
		   struct EsipaMessageFromEimToIpa *msg);
void eim_reply_provide_error(struct eim_server *s, struct http_request *req, long code);
/* The EID of an eidValue (Octet16 BCD), its check digits verified:
 * SGP_ERR_PARSE otherwise (the answer's invalidEid). */
int eim_eid_text(const uint8_t *bcd, size_t len, char eid[SGP_EID_DIGITS + 1]);
/* ESipa.ProvideEimPackageResult (esipa_result.c) */
void eim_provide_eim_package_result(struct eim_server *s, struct http_request *req,
				    const struct ProvideEimPackageResult *pr);
/* Record an EimPackageResult of device eid in the caller's transaction,
 * as ProvideEimPackageResult does (the package matched, verified, its
 * consequences stored); acks[0..*n_acks) the sequence numbers to
 * acknowledge.  Shared by ProvideEimPackageResult and the push's answer
 * (esipa_push.c).  *no_device (may be NULL): the EID is not registered. */
int eim_record_result_tx(struct eim_server *s, const char *eid,
			 const struct EimPackageResult *v, long *acks, size_t max,
			 size_t *n_acks, bool *no_device);
/* Keep, for eid, the answer to its last refused result and why (replacing
 * its earlier one, else the oldest entry): eim_server_last_refusal(). */
void eim_refusal_keep(struct eim_server *s, const char *eid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A reason the result being handled is refused: logged, and kept (the
 * first of the exchange) for eim_server_last_refusal(). */
void eim_why(struct eim_server *s, const char *eid, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* esipa_push.c: a package was queued for eid (after the commit) */
void eim_push_kick(struct eim_server *s, const char *eid);
void eim_push_free(struct eim_push *p);
/* Queue the bootstrap IpaEuiccDataRequest for the eUICC and EUM
 * certificates (in the caller's transaction). */
int eim_queue_cert_request_tx(struct eim_server *s, const char *eid);

#endif
