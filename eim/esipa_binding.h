/* sgp32lab: the binding of the eIM's ESipa answers (SGP.32 v1.2 6.3 ASN.1,
 * 6.4 JSON).  Every ESipa request and answer of the eIM passes here, so the
 * handlers (esipa_server.c, esipa_result.c, esipa_relay.c) work on DER only:
 *   - ASN.1 binding: POST /gsma/rsp2/asn1, the DER as is
 *     (application/x-gsma-rsp-asn1);
 *   - JSON binding: POST /gsma/rsp2/esipa/<function> (application/json),
 *     the request transcoded to DER before the handlers run and their DER
 *     answer transcoded back (core/esipa/esipa_json.h).
 * The binding of a request is told by its path.  A refusal (HTTP 4xx/5xx)
 * has no body in the ASN.1 binding and {"error":"<reason>"} in the JSON
 * binding. */
#ifndef SGP_EIM_ESIPA_BINDING_H
#define SGP_EIM_ESIPA_BINDING_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_request;

/* true when req came on a JSON binding path (/gsma/rsp2/esipa/...). */
bool eim_esipa_is_json(const struct http_request *req);
/* Answer the DER of an EsipaMessageFromEimToIpa in req's binding (HTTP
 * 200); len 0: HTTP 204 (no content). */
void eim_esipa_reply(struct http_request *req, const uint8_t *der, size_t len);
/* Refuse req with an HTTP status; why is the JSON binding's reason. */
void eim_esipa_refuse(struct http_request *req, int status, const char *why);
/* The DER EsipaMessageFromIpaToEim of a JSON binding request: 0 with *der
 * set, or < 0 once req has been refused (404 unknown function, 415 content
 * type, 400 a body that does not transcode). */
int eim_esipa_json_request(struct http_request *req, struct sgp_buf *der);

#endif
