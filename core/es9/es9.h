/* sgp32lab: the JSON binding of ES9+ (SGP.22 v2.5 section 6.5.2) and of
 * ES11 (6.6.2): request and response structs and their descriptors for
 * the engine in json_msg.h.
 *
 * Use: json_msg_decode(&es9_initiate_authentication_req_desc, body, len,
 * 0, ES9_JSON_FLAGS, &req, &err) fills a struct
 * es9_initiate_authentication_req; json_msg_encode() writes one.  Byte
 * values (ASN.1 DER) are struct sgp_buf holding the decoded bytes; they
 * travel base64 encoded.  transactionId travels as a hex string
 * (TransactionId ::= OCTET STRING (SIZE(1..16)), SGP.22 6.5.2: "string
 * ... hex") and is kept decoded too.
 *
 * Unknown members: SGP.22 does not define a rule for unknown JSON members
 * of ES9+; this lab refuses them by default (ES9_JSON_FLAGS = 0: the
 * issue asks for "extra fields" to be reported), a server may pass
 * JSON_MSG_ALLOW_UNKNOWN to be lenient (e.g. with SGP.22 v3 LPAs, which
 * add members such as lpaRspCapability).
 */
#ifndef SGP_CORE_ES9_H
#define SGP_CORE_ES9_H

#include "core/es9/json_msg.h"

/* ---- HTTP conventions (SGP.22 6.5.1 / 6.6.1) ---- */
#define ES9_PATH_PREFIX		"/gsma/rsp2/es9plus/"
#define ES11_PATH_PREFIX	"/gsma/rsp2/es11/"
#define ES9_CONTENT_TYPE	"application/json;charset=UTF-8"
#define ES9_ADMIN_PROTOCOL_HDR	"X-Admin-Protocol"
#define ES9_ADMIN_PROTOCOL	"gsma/rsp/v2.5.0"
#define ES9_USER_AGENT		"gsma-rsp-lpad"
#define ES9_JSON_FLAGS		0u

/* X-Admin-Protocol: "gsma/rsp/v<x.y.z>" (SGP.22 6.5.1).  0 when the value
 * names a version this lab speaks (major 2 or 3), SGP_ERR_PARSE when it is
 * absent (NULL) or not of that form, SGP_ERR_UNSUPPORTED for another major
 * version. */
int es9_check_admin_protocol(const char *value);

/* A Content-Type that is JSON: "application/json" with optional
 * parameters (charset must be UTF-8 if given). */
bool es9_content_type_is_json(const char *value);

/* ---- ES9+ functions (SGP.22 5.6, binding 6.5.2) ---- */
enum es9_function {
	ES9_INITIATE_AUTHENTICATION,
	ES9_GET_BOUND_PROFILE_PACKAGE,
	ES9_AUTHENTICATE_CLIENT,
	ES9_HANDLE_NOTIFICATION,
	ES9_CANCEL_SESSION,
	ES9_FUNCTION_COUNT,
};
const char *es9_function_name(enum es9_function f);	/* "initiateAuthentication" */
/* The function named by the last path segment; -1 if none. */
int es9_function_from_name(const char *name);

/* 6.5.2.6 ES9+.InitiateAuthentication */
struct es9_initiate_authentication_req {
	struct es_req_header header;
	struct sgp_buf euicc_challenge;		/* 16 bytes */
	struct sgp_buf euicc_info1;		/* EUICCInfo1, DER */
	char *smdp_address;
};
struct es9_initiate_authentication_resp {
	struct es_resp_header header;
	struct sgp_buf transaction_id;		/* hex */
	struct sgp_buf server_signed1;		/* ServerSigned1, DER */
	struct sgp_buf server_signature1;	/* 5F37 ... */
	struct sgp_buf euicc_ci_pkid_to_be_used; /* SubjectKeyIdentifier, DER (04 14 ...) */
	struct sgp_buf server_certificate;	/* CERT.XXauth.ECDSA, DER */
};

/* 6.5.2.7 ES9+.AuthenticateClient (and ES11, 6.6.2.2) */
struct es9_authenticate_client_req {
	struct es_req_header header;
	struct sgp_buf transaction_id;
	struct sgp_buf authenticate_server_response; /* AuthenticateServerResponse */
};
struct es9_authenticate_client_resp {
	struct es_resp_header header;
	struct sgp_buf transaction_id;
	struct sgp_buf profile_metadata;	/* StoreMetadataRequest */
	struct sgp_buf smdp_signed2;		/* SmdpSigned2 */
	struct sgp_buf smdp_signature2;		/* 5F37 ... */
	struct sgp_buf smdp_certificate;	/* CERT.DPpb.ECDSA */
};

/* 6.5.2.8 ES9+.GetBoundProfilePackage */
struct es9_get_bound_profile_package_req {
	struct es_req_header header;
	struct sgp_buf transaction_id;
	struct sgp_buf prepare_download_response; /* PrepareDownloadResponse */
};
struct es9_get_bound_profile_package_resp {
	struct es_resp_header header;
	struct sgp_buf transaction_id;
	struct sgp_buf bound_profile_package;	/* BoundProfilePackage */
};

/* 6.5.2.9 ES9+.HandleNotification (no response body: HTTP 204) */
struct es9_handle_notification_req {
	struct es_req_header header;
	struct sgp_buf pending_notification;	/* PendingNotification */
};

/* 6.5.2.10 ES9+.CancelSession */
struct es9_cancel_session_req {
	struct es_req_header header;
	struct sgp_buf transaction_id;
	struct sgp_buf cancel_session_response;	/* CancelSessionResponse */
};

/* A response that carries only its header (CancelSession, and any
 * function's Failed answer). */
struct es9_status_resp {
	struct es_resp_header header;
};

/* ES11 (6.6.2): initiateAuthentication as ES9+, authenticateClient
 * answers eventEntries: [{eventId, rspServerAddress}] */
struct es11_authenticate_client_resp {
	struct es_resp_header header;
	struct es_event_list event_entries;
};

extern const struct json_msg_desc es9_initiate_authentication_req_desc;
extern const struct json_msg_desc es9_initiate_authentication_resp_desc;
extern const struct json_msg_desc es9_authenticate_client_req_desc;
extern const struct json_msg_desc es9_authenticate_client_resp_desc;
extern const struct json_msg_desc es9_get_bound_profile_package_req_desc;
extern const struct json_msg_desc es9_get_bound_profile_package_resp_desc;
extern const struct json_msg_desc es9_handle_notification_req_desc;
extern const struct json_msg_desc es9_cancel_session_req_desc;
extern const struct json_msg_desc es9_status_resp_desc;
extern const struct json_msg_desc es11_authenticate_client_resp_desc;

/* Size limits of the binding (bytes after base64 decoding). */
#define ES9_MAX_ASN1	(64u * 1024)	/* one signed ASN.1 value */
#define ES9_MAX_BPP	(1024u * 1024)	/* a Bound Profile Package */

#endif
