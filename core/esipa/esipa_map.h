/* sgp32lab: the mapping between the ES9+ functions (JSON binding structs
 * of core/es9) and their ESipa counterparts (SGP.32 v1.2 section 6.3.2,
 * ASN.1 binding: EsipaMessageFromIpaToEim / EsipaMessageFromEimToIpa), for
 * the indirect profile download (SGP.32 3.2.3.2): the IPA sends the ES9+
 * functions as ESipa to its eIM, the eIM relays them as ES9+ to the SM-DP+.
 *
 *   IPA:  es9 request --esipa_req_from_es9--> DER  ...  DER --esipa_resp_to_es9--> es9 response
 *   eIM:  DER --esipa_req_to_es9--> es9 request ... es9 answer --esipa_resp_from_es9--> DER
 *
 * The ASN.1 values that the JSON binding carries as base64 (serverSigned1,
 * the certificates, AuthenticateServerResponse, ...) are the same DER in
 * both bindings: the mapping moves their bytes unchanged and checks each
 * whole message with the strict decoder of core/der.  The compact forms
 * of SGP.32 (minimizeEsipaBytes) are not handled: SGP_ERR_UNSUPPORTED.
 *
 * Errors: an ES9+ refusal carries statusCodeData subjectCode/reasonCode
 * (SGP.22 5.6), an ESipa refusal the error INTEGER of its function
 * (SGP.32 6.3.2).  esipa_error_from_status()/esipa_error_to_status() map
 * them with one table per function; a pair the table does not list is
 * undefinedError(127), and an ESipa code with no ES9+ counterpart (the
 * eIM's own errors, e.g. invalidEimTransactionId) maps back to a Failed
 * status without statusCodeData, its name in the message.
 *
 * Ownership: outputs are owned by the caller (sgp_buf_free,
 * esipa_req_free, json_msg_free with esipa_es9_resp_desc()). */
#ifndef SGP_CORE_ESIPA_MAP_H
#define SGP_CORE_ESIPA_MAP_H

#include "core/buf.h"
#include "core/es9/client.h"
#include "core/es9/es9.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESIPA_UNDEFINED_ERROR 127L
/* InitiateAuthenticationResponseEsipa errors of the eIM itself */
#define ESIPA_IA_INVALID_DP_ADDRESS 1L
#define ESIPA_IA_INVALID_EIM_TRANSACTION_ID 52L

/* The ES9+ request and response structs of the five functions. */
union es9_request {
	struct es9_initiate_authentication_req ia;
	struct es9_authenticate_client_req ac;
	struct es9_get_bound_profile_package_req gbpp;
	struct es9_cancel_session_req cs;
	struct es9_handle_notification_req hn;
};

/* Descriptors of function f's ES9+ request and response
 * (es9_status_resp_desc for cancelSession and handleNotification). */
const struct json_msg_desc *esipa_es9_req_desc(enum es9_function f);
const struct json_msg_desc *esipa_es9_resp_desc(enum es9_function f);

/* ---- IPA side ---- */

/* DER of the EsipaMessageFromIpaToEim for the ES9+ request req of f
 * (a struct of esipa_es9_req_desc(f)).  eim_tid (may be NULL) goes into
 * InitiateAuthenticationRequestEsipa.eimTransactionId.  Returns 0,
 * SGP_ERR_INVAL (a member missing or over its size), SGP_ERR_PARSE (a
 * DER member that does not make a valid message). */
int esipa_req_from_es9(enum es9_function f, const void *req, const uint8_t *eim_tid,
		       size_t eim_tid_len, struct sgp_buf *der);

/* The ES9+ response of f (a zeroed struct of esipa_es9_resp_desc(f)) for
 * the eIM's answer der (an EsipaMessageFromEimToIpa of that function).
 * An ESipa error becomes header Failed with the mapped statusCodeData and
 * *esipa_error (may be NULL) the code; -1 when the answer is a success.
 * SGP_ERR_PARSE when der is not a valid answer of f. */
int esipa_resp_to_es9(enum es9_function f, const uint8_t *der, size_t len, void *resp,
		      long *esipa_error);

/* ---- eIM side ---- */

struct esipa_req {
	enum es9_function fn;
	union es9_request u;		/* smdp_address NULL when absent */
	uint8_t eim_tid[16];		/* InitiateAuthentication: eimTransactionId */
	size_t eim_tid_len;
	bool has_euicc_info1;
};

/* The ES9+ request of an EsipaMessageFromIpaToEim of the five functions
 * (HandleNotificationEsipa: only pendingNotification).  SGP_ERR_PARSE for
 * a malformed message, SGP_ERR_NOTFOUND for another ESipa function,
 * SGP_ERR_UNSUPPORTED for a compact form. */
int esipa_req_to_es9(const uint8_t *der, size_t len, struct esipa_req *out);
void esipa_req_free(struct esipa_req *r);
/* The function of an ESipa message of the five, from its outer tag alone
 * (for answering a malformed one with its function's error). */
int esipa_function_of(const uint8_t *der, size_t len, enum es9_function *f);

/* The EsipaMessageFromEimToIpa answering f after the SM-DP+'s answer ans
 * (core/es9/client.h): ans->rc 0 maps the response struct, a refusal its
 * status codes, a transport error undefinedError.  handleNotification has
 * no ESipa answer: der is left empty. */
int esipa_resp_from_es9(enum es9_function f, const struct es9_answer *ans, struct sgp_buf *der);
/* The ESipa error answer code of function f. */
int esipa_resp_error(enum es9_function f, long code, struct sgp_buf *der);

/* ---- error codes (esipa_errors.c) ---- */

/* The ESipa error of f for an ES9+ statusCodeData; undefinedError when the
 * pair is not listed (or NULL). */
long esipa_error_from_status(enum es9_function f, const char *subject_code,
			     const char *reason_code);
/* The ES9+ statusCodeData of f's ESipa error code: 0 with *subject and
 * *reason set, or SGP_ERR_NOTFOUND when the code has no ES9+ counterpart. */
int esipa_error_to_status(enum es9_function f, long code, const char **subject_code,
			  const char **reason_code);
/* "matchingIdRefused"; "?" for a code f does not define. */
const char *esipa_error_name(enum es9_function f, long code);
/* The i-th error code f defines (listings, tests): 0, or SGP_ERR_NOTFOUND
 * past the last. */
int esipa_error_at(enum es9_function f, size_t i, long *code);

#endif
