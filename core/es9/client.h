/* sgp32lab: the ES9+ and ES11 client (of the IPA, and of the eIM when it
 * relays an indirect download) — HTTPS POSTs of the JSON
 * binding (SGP.22 v2.5 6.5 / 6.6) to an SM-DP+ or SM-DS, on the shared
 * binding core/es9 (request / response structs and their descriptors).
 *
 * URL: https://<address>/gsma/rsp2/es9plus/<function> for ES9+ and
 * https://<address>/gsma/rsp2/es11/<function> for ES11 (6.6.1), headers
 * X-Admin-Protocol: gsma/rsp/v2.5.0, Content-Type application/json;
 * charset=UTF-8, User-Agent gsma-rsp-lpad (6.5.1).
 *
 * Responses are decoded with the caller's descriptor, leniently about
 * members the descriptor does not know (a server may add some, e.g. the
 * SM-DS's transactionId in ES11 authenticateClient, or v3 members); every
 * known member is checked as strictly as core/es9 does for the servers.
 *
 * Ownership: the client borrows the http_client (core/http), which carries
 * the TLS trust (ca_file of the lab CI).  The request struct is only read
 * during the post call. */
#ifndef SGP_CORE_ES9_CLIENT_H
#define SGP_CORE_ES9_CLIENT_H

#include "core/buf.h"
#include "core/es9/es9.h"
#include "core/http/http.h"

#include <stdbool.h>

/* The outcome of one call. */
struct es9_answer {
	int rc;			/* 0: Executed-Success (body in resp);
				 * SGP_ERR_PEER: Failed (status codes below) or an
				 * HTTP status other than 200/204;
				 * SGP_ERR_IO / SGP_ERR_TIMEOUT: transport;
				 * SGP_ERR_PARSE: not the JSON binding */
	int http_status;
	char status[32];	/* functionExecutionStatus.status */
	char subject_code[16];	/* statusCodeData.subjectCode, e.g. "8.1.1" */
	char reason_code[16];	/* statusCodeData.reasonCode, e.g. "3.8" */
	char message[160];	/* statusCodeData.message, or the transport's / parser's reason */
	void *resp;		/* rc 0 with a body: the response struct of the
				 * call's descriptor (borrowed during the callback);
				 * NULL otherwise (HTTP 204, errors) */
};

typedef void (*es9_answer_cb)(void *arg, const struct es9_answer *ans);

struct es9_call;

/* POST req (a struct of req_desc) to the ES9+ function at address
 * ("host[:port]"); the answer is decoded as resp_desc (es9_status_resp_desc
 * for functions answering only a header).  Returns the call, or NULL with
 * *err; the callback then never runs. */
struct es9_call *es9_client_post(struct http_client *http, const char *address,
				  const char *function, const struct json_msg_desc *req_desc,
				  const void *req, const struct json_msg_desc *resp_desc,
				  unsigned timeout_ms, es9_answer_cb cb, void *arg, int *err);
/* The same for an ES11 function of an SM-DS (path /gsma/rsp2/es11/). */
struct es9_call *es11_client_post(struct http_client *http, const char *address,
				   const char *function, const struct json_msg_desc *req_desc,
				   const void *req, const struct json_msg_desc *resp_desc,
				   unsigned timeout_ms, es9_answer_cb cb, void *arg, int *err);
/* Fill a's rc, status and statusCodeData from the header of resp (any
 * response struct of core/es9: it starts with struct es_resp_header). */
void es9_answer_read_status(struct es9_answer *a, const void *resp);

/* Cancel a pending call: its callback never runs. */
void es9_client_cancel(struct es9_call *call);

/* ES11.InitiateAuthentication request (6.6.2.1): as ES9+'s but the
 * address member is smdsAddress. */
extern const struct json_msg_desc es11_initiate_authentication_req_desc;

#endif
