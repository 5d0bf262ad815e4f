/* sgp32lab: the IPA's ES9+ and ES11 client — HTTPS POSTs of the JSON
 * binding (SGP.22 v2.5 6.5 / 6.6) to an SM-DP+ or SM-DS.
 *
 * URL: https://<address>/gsma/rsp2/es9plus/<function> (ES11 uses the same
 * path; DESIGN.md: servers accept /es11/ and /es9plus/), headers
 * X-Admin-Protocol: gsma/rsp/v2.5.0, Content-Type application/json;
 * charset=UTF-8, User-Agent gsma-rsp-lpad (6.5.1).  ASN.1 values travel in
 * base64 as whole TLVs (serverSignature1 is '5F37' 40 ..), transactionId as
 * hex.
 *
 * This is a local binding on jansson until the shared one (core/es9, being
 * written with the SM-DP+) is on main; the IPA then switches to it.
 *
 * Ownership: the client borrows the http_client (core/http), which carries
 * the TLS trust (ca_file of the lab CI).  A call owns its request. */
#ifndef SGP_IPA_ES9_CLIENT_H
#define SGP_IPA_ES9_CLIENT_H

#include "core/buf.h"
#include "core/http/http.h"

#include <jansson.h>
#include <stdbool.h>

/* The outcome of one call. */
struct ipa_es9_answer {
	int rc;			/* 0: Executed-Success (body in json);
				 * SGP_ERR_PEER: Failed (status codes below) or an
				 * HTTP status other than 200/204;
				 * SGP_ERR_IO / SGP_ERR_TIMEOUT: transport;
				 * SGP_ERR_PARSE: not the JSON binding */
	int http_status;
	char status[32];	/* functionExecutionStatus.status */
	char subject_code[16];	/* statusCodeData.subjectCode, e.g. "8.1.1" */
	char reason_code[16];	/* statusCodeData.reasonCode, e.g. "3.8" */
	char message[160];	/* statusCodeData.message, or the transport's reason */
	json_t *json;		/* the response object (borrowed during the callback) */
};

typedef void (*ipa_es9_cb)(void *arg, const struct ipa_es9_answer *ans);

struct ipa_es9_call;

/* POST req (stolen: decref'd by the call) to function at address
 * ("host[:port]").  Returns the call, or NULL with *err; the callback then
 * never runs. */
struct ipa_es9_call *ipa_es9_post(struct http_client *http, const char *address,
				  const char *function, json_t *req, unsigned timeout_ms,
				  ipa_es9_cb cb, void *arg, int *err);
/* Cancel a pending call: its callback never runs. */
void ipa_es9_cancel(struct ipa_es9_call *call);

/* Helpers for the members of a request / response. */
int ipa_es9_set_b64(json_t *obj, const char *name, const uint8_t *data, size_t len);
int ipa_es9_set_hex(json_t *obj, const char *name, const uint8_t *data, size_t len);
/* A base64 / hex member of a response: SGP_ERR_PARSE when absent or bad. */
int ipa_es9_get_b64(const json_t *obj, const char *name, struct sgp_buf *out);
int ipa_es9_get_hex(const json_t *obj, const char *name, struct sgp_buf *out);

#endif
