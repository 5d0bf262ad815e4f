/* sgp32lab: the JSON binding of ESipa (SGP.32 v1.2 section 6.4) as a
 * transcoding layer over the ASN.1 binding (6.3): every role works on the
 * DER of EsipaMessageFromIpaToEim / EsipaMessageFromEimToIpa, and this
 * module turns those messages into the JSON bodies of
 *   POST /gsma/rsp2/esipa/<function>   Content-Type application/json
 * and back.  <function> is one of initiateAuthentication,
 * authenticateClient, getBoundProfilePackage, cancelSession,
 * handleNotification, getEimPackage, provideEimPackageResult
 * (transferEimPackage, the eIM's push, is listed but not transcoded here:
 * SGP_ERR_UNSUPPORTED).
 *
 * Conventions (6.4.1):
 *   - a member is named after its ASN.1 field;
 *   - a structured value (SEQUENCE / CHOICE type: serverSigned1, a
 *     certificate, euiccInfo1, authenticateServerResponse,
 *     boundProfilePackage, eimPackageResult, ...) is the base64 of the DER
 *     of its type, with the type's own tag (e.g. cancelSessionResponse
 *     'BF41...' although the ESipa message carries it as [1]);
 *   - an OCTET STRING (euiccChallenge, serverSignature1, smdpSignature2,
 *     euiccCiPKIdentifierToBeUsed, hashCc) is the base64 of its value;
 *   - transactionId, eimTransactionId, rPLMN: hex of the value (upper case
 *     when produced, either case accepted); eidValue: the 32 hex digits;
 *   - INTEGERs (error codes, stateChangeCause): JSON numbers; NULL
 *     (notifyStateChange): true; UTF8String: a JSON string.
 * A request is its ASN.1 SEQUENCE as an object, e.g. getEimPackage
 * {"eidValue":"8904...","notifyStateChange":true,"stateChangeCause":1}.
 * An answer (a CHOICE) is its successful SEQUENCE flattened into the
 * object (initiateAuthentication {"transactionId":..,"serverSigned1":..,
 * ...}, cancelSession {}), or one member named after the alternative
 * ({"initiateAuthenticationErrorEsipa":3}, {"eimPackageError":1},
 * {"euiccPackageRequest":"v1GC..."}).  authenticateClient's OkDS answer
 * is told from OkDP by its members.  handleNotification has no answer
 * (HTTP 204); a handleNotification carrying provideEimPackageResult is
 * answered like provideEimPackageResult.
 *
 * Strict both ways: a JSON text over ESIPA_JSON_MAX_TEXT, not one object,
 * with trailing bytes, duplicate, unknown or missing members, a wrong JSON
 * type, bad base64 or hex, a value of the wrong size, or a value that does
 * not make a valid message (the strict DER decoder; a Bound Profile
 * Package is checked by hand, see esipa_map.c) is SGP_ERR_PARSE
 * (SGP_ERR_TOOBIG for the size), with a reason.  DER that the JSON form
 * cannot carry (an extension, a compact form) is SGP_ERR_UNSUPPORTED.
 *
 * Ownership: *json is malloc'ed (free()), *der owned by the caller. */
#ifndef SGP_CORE_ESIPA_JSON_H
#define SGP_CORE_ESIPA_JSON_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

#define ESIPA_JSON_PATH_PREFIX "/gsma/rsp2/esipa/"
#define ESIPA_JSON_CONTENT_TYPE "application/json"
#define ESIPA_JSON_MAX_TEXT (2u * 1024 * 1024)

enum esipa_json_fn {
	ESIPA_JSON_INITIATE_AUTHENTICATION = 0,
	ESIPA_JSON_AUTHENTICATE_CLIENT,
	ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE,
	ESIPA_JSON_CANCEL_SESSION,
	ESIPA_JSON_HANDLE_NOTIFICATION,
	ESIPA_JSON_GET_EIM_PACKAGE,
	ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT,
	ESIPA_JSON_TRANSFER_EIM_PACKAGE,
	ESIPA_JSON_FN_COUNT
};

struct esipa_json_error {
	char msg[160];
};

/* "initiateAuthentication", ...; NULL out of range. */
const char *esipa_json_fn_name(enum esipa_json_fn f);
/* The function of a path "/gsma/rsp2/esipa/<function>": 0 or
 * SGP_ERR_NOTFOUND. */
int esipa_json_fn_from_path(const char *path, enum esipa_json_fn *f);
/* The function of an ESipa message (either direction) from its outer tag:
 * 0 or SGP_ERR_NOTFOUND. */
int esipa_json_fn_of_der(const uint8_t *der, size_t len, enum esipa_json_fn *f);

/* JSON request body of function f -> DER of EsipaMessageFromIpaToEim. */
int esipa_json_req_to_der(enum esipa_json_fn f, const char *json, size_t len,
			  struct sgp_buf *der, struct esipa_json_error *e);
/* DER of EsipaMessageFromIpaToEim -> its function and JSON request body. */
int esipa_json_req_from_der(const uint8_t *der, size_t len, enum esipa_json_fn *f,
			    char **json, struct esipa_json_error *e);
/* JSON answer body of function f -> DER of EsipaMessageFromEimToIpa. */
int esipa_json_resp_to_der(enum esipa_json_fn f, const char *json, size_t len,
			   struct sgp_buf *der, struct esipa_json_error *e);
/* DER of EsipaMessageFromEimToIpa -> its function and JSON answer body. */
int esipa_json_resp_from_der(const uint8_t *der, size_t len, enum esipa_json_fn *f,
			     char **json, struct esipa_json_error *e);

#endif
