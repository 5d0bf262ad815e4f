/* sgp32lab: the IPA's ESipa client — the ASN.1 binding over HTTPS
 * (SGP.32 v1.2 section 6.1 / 6.3), or the JSON binding (6.4,
 * ipa_esipa_post_binding): every ESipa function is one POST of
 * DER(EsipaMessageFromIpaToEim) to https://<eimFqdn>/gsma/rsp2/asn1 with
 * Content-Type application/x-gsma-rsp-asn1; the eIM answers 200 with
 * DER(EsipaMessageFromEimToIpa) in the same content type (or 204 when a
 * function has nothing to return).
 *
 * Answers are decoded strictly (core/der: canonical DER, constraints, no
 * trailing bytes).  Every failure reaches the callback with a reason:
 * transport (SGP_ERR_IO, SGP_ERR_TIMEOUT), an HTTP status other than
 * 200/204 or a wrong content type (SGP_ERR_PEER), an answer that is not a
 * valid EsipaMessageFromEimToIpa (SGP_ERR_PARSE).
 *
 * Ownership: the client borrows the http_client (core/http, TLS trust of
 * the lab CI); the message given to ipa_esipa_post is only read during
 * the call.  The decoded answer is borrowed during the callback. */
#ifndef SGP_IPA_ESIPA_CLIENT_H
#define SGP_IPA_ESIPA_CLIENT_H

#include "core/buf.h"
#include "core/der/der.h"
#include "core/http/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPA_ESIPA_PATH "/gsma/rsp2/asn1"
#define IPA_ESIPA_CONTENT_TYPE "application/x-gsma-rsp-asn1"

struct EsipaMessageFromIpaToEim;
struct EsipaMessageFromEimToIpa;

struct ipa_esipa_answer {
	int rc;			/* 0, SGP_ERR_IO, SGP_ERR_TIMEOUT, SGP_ERR_PEER, SGP_ERR_PARSE */
	int http_status;	/* 0 on a transport error */
	char message[240];	/* the reason when rc < 0 */
	/* rc 0 with a body: the decoded answer and its DER (borrowed);
	 * NULL for HTTP 204 */
	const struct EsipaMessageFromEimToIpa *msg;
	const uint8_t *der;
	size_t der_len;
};

typedef void (*ipa_esipa_cb)(void *arg, const struct ipa_esipa_answer *ans);

struct ipa_esipa_call;

/* DER of an EsipaMessageFromIpaToEim (constraints checked). */
int ipa_esipa_encode(const struct EsipaMessageFromIpaToEim *msg, struct sgp_buf *out,
		     struct der_error *err);
/* Strict decode of an EsipaMessageFromEimToIpa; free with ipa_esipa_msg_free. */
int ipa_esipa_decode(const uint8_t *der, size_t len, struct EsipaMessageFromEimToIpa **out,
		     struct der_error *err);
void ipa_esipa_msg_free(struct EsipaMessageFromEimToIpa *msg);

/* POST the DER of an EsipaMessageFromIpaToEim to url (the full eIM URL,
 * e.g. "https://eim.example:8443/gsma/rsp2/asn1").  Returns the call, or
 * NULL with *err (the callback then never runs); else cb runs exactly
 * once from the event loop, unless cancelled. */
struct ipa_esipa_call *ipa_esipa_post(struct http_client *http, const char *url,
				      const uint8_t *der, size_t len, unsigned timeout_ms,
				      ipa_esipa_cb cb, void *arg, int *err);
/* The same, but the answer is handed over undecoded (msg NULL, der set):
 * for the indirect download, whose caller checks it with core/esipa (a
 * Bound Profile Package does not pass asn1c's decoder, see
 * core/esipa/esipa_map.c). */
struct ipa_esipa_call *ipa_esipa_post_raw(struct http_client *http, const char *url,
					  const uint8_t *der, size_t len, unsigned timeout_ms,
					  ipa_esipa_cb cb, void *arg, int *err);
/* The binding of the ESipa calls (SGP.32 6.3 ASN.1, 6.4 JSON). */
enum ipa_esipa_binding {
	IPA_ESIPA_BINDING_ASN1 = 0,	/* POST <url>, the DER */
	IPA_ESIPA_BINDING_JSON,		/* POST https://<url's host:port>/gsma/rsp2/esipa/<fn> */
};
/* ipa_esipa_post (raw false) or ipa_esipa_post_raw (raw true) in a
 * binding.  JSON: the DER is transcoded to the function's JSON request
 * (core/esipa/esipa_json.h; the function from its tag, the path from url's
 * scheme and authority) and the JSON answer back to DER, so the callback
 * sees the same DER as with the ASN.1 binding; a JSON answer that does not
 * transcode is SGP_ERR_PARSE. */
struct ipa_esipa_call *ipa_esipa_post_binding(struct http_client *http,
					      enum ipa_esipa_binding binding, const char *url,
					      const uint8_t *der, size_t len, unsigned timeout_ms,
					      bool raw, ipa_esipa_cb cb, void *arg, int *err);
/* Cancel a pending call: its callback never runs. */
void ipa_esipa_cancel(struct ipa_esipa_call *call);

#endif
