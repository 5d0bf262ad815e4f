/* sgp32lab: ES9+ / ES11 JSON binding tables (SGP.22 v2.5 6.5.2, 6.6.2) */
#include "core/es9/es9.h"
#include "core/err.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD(st, member, json, kind, flags, min, max) \
	{ json, kind, offsetof(st, member), 0, flags, min, max }
#define DESC(st, nm, tbl) \
	const struct json_msg_desc nm = { #st, sizeof(st), tbl, sizeof(tbl) / sizeof(tbl[0]) }

#define M JF_MANDATORY
#define S JF_SUCCESS_ONLY

/* TransactionId ::= OCTET STRING (SIZE(1..16)) */
#define TID(st) FIELD(st, transaction_id, "transactionId", JF_HEX, M, 1, 16)
#define TID_RESP(st) FIELD(st, transaction_id, "transactionId", JF_HEX, S, 1, 16)
#define REQH(st) FIELD(st, header, "header", JF_REQ_HEADER, 0, 0, 0)
#define RESPH(st) FIELD(st, header, "header", JF_RESP_HEADER, M, 0, 0)

/* 6.5.2.6: smdpAddress is an FQDN (at most 255 characters) */
static const struct json_field ia_req[] = {
	REQH(struct es9_initiate_authentication_req),
	FIELD(struct es9_initiate_authentication_req, euicc_challenge, "euiccChallenge",
	      JF_BASE64, M, 16, 16),
	FIELD(struct es9_initiate_authentication_req, euicc_info1, "euiccInfo1",
	      JF_BASE64, M, 2, ES9_MAX_ASN1),
	FIELD(struct es9_initiate_authentication_req, smdp_address, "smdpAddress",
	      JF_STRING, M, 1, 255),
};
DESC(struct es9_initiate_authentication_req, es9_initiate_authentication_req_desc, ia_req);

static const struct json_field ia_resp[] = {
	RESPH(struct es9_initiate_authentication_resp),
	TID_RESP(struct es9_initiate_authentication_resp),
	FIELD(struct es9_initiate_authentication_resp, server_signed1, "serverSigned1",
	      JF_BASE64, S, 2, ES9_MAX_ASN1),
	FIELD(struct es9_initiate_authentication_resp, server_signature1, "serverSignature1",
	      JF_BASE64, S, 2, 256),
	FIELD(struct es9_initiate_authentication_resp, euicc_ci_pkid_to_be_used,
	      "euiccCiPKIdToBeUsed", JF_BASE64, S, 2, 64),
	FIELD(struct es9_initiate_authentication_resp, server_certificate, "serverCertificate",
	      JF_BASE64, S, 2, ES9_MAX_ASN1),
};
DESC(struct es9_initiate_authentication_resp, es9_initiate_authentication_resp_desc, ia_resp);

static const struct json_field ac_req[] = {
	REQH(struct es9_authenticate_client_req),
	TID(struct es9_authenticate_client_req),
	FIELD(struct es9_authenticate_client_req, authenticate_server_response,
	      "authenticateServerResponse", JF_BASE64, M, 2, ES9_MAX_ASN1),
};
DESC(struct es9_authenticate_client_req, es9_authenticate_client_req_desc, ac_req);

static const struct json_field ac_resp[] = {
	RESPH(struct es9_authenticate_client_resp),
	TID_RESP(struct es9_authenticate_client_resp),
	FIELD(struct es9_authenticate_client_resp, profile_metadata, "profileMetadata",
	      JF_BASE64, S, 2, ES9_MAX_ASN1),
	FIELD(struct es9_authenticate_client_resp, smdp_signed2, "smdpSigned2",
	      JF_BASE64, S, 2, ES9_MAX_ASN1),
	FIELD(struct es9_authenticate_client_resp, smdp_signature2, "smdpSignature2",
	      JF_BASE64, S, 2, 256),
	FIELD(struct es9_authenticate_client_resp, smdp_certificate, "smdpCertificate",
	      JF_BASE64, S, 2, ES9_MAX_ASN1),
};
DESC(struct es9_authenticate_client_resp, es9_authenticate_client_resp_desc, ac_resp);

static const struct json_field gbpp_req[] = {
	REQH(struct es9_get_bound_profile_package_req),
	TID(struct es9_get_bound_profile_package_req),
	FIELD(struct es9_get_bound_profile_package_req, prepare_download_response,
	      "prepareDownloadResponse", JF_BASE64, M, 2, ES9_MAX_ASN1),
};
DESC(struct es9_get_bound_profile_package_req, es9_get_bound_profile_package_req_desc, gbpp_req);

static const struct json_field gbpp_resp[] = {
	RESPH(struct es9_get_bound_profile_package_resp),
	TID_RESP(struct es9_get_bound_profile_package_resp),
	FIELD(struct es9_get_bound_profile_package_resp, bound_profile_package,
	      "boundProfilePackage", JF_BASE64, S, 2, ES9_MAX_BPP),
};
DESC(struct es9_get_bound_profile_package_resp, es9_get_bound_profile_package_resp_desc, gbpp_resp);

static const struct json_field hn_req[] = {
	REQH(struct es9_handle_notification_req),
	FIELD(struct es9_handle_notification_req, pending_notification, "pendingNotification",
	      JF_BASE64, M, 2, ES9_MAX_ASN1),
};
DESC(struct es9_handle_notification_req, es9_handle_notification_req_desc, hn_req);

static const struct json_field cs_req[] = {
	REQH(struct es9_cancel_session_req),
	TID(struct es9_cancel_session_req),
	FIELD(struct es9_cancel_session_req, cancel_session_response, "cancelSessionResponse",
	      JF_BASE64, M, 2, ES9_MAX_ASN1),
};
DESC(struct es9_cancel_session_req, es9_cancel_session_req_desc, cs_req);

static const struct json_field status_resp[] = {
	RESPH(struct es9_status_resp),
};
DESC(struct es9_status_resp, es9_status_resp_desc, status_resp);

static const struct json_field es11_ac_resp[] = {
	RESPH(struct es11_authenticate_client_resp),
	FIELD(struct es11_authenticate_client_resp, event_entries, "eventEntries",
	      JF_EVENT_ARRAY, S, 0, 0),
};
DESC(struct es11_authenticate_client_resp, es11_authenticate_client_resp_desc, es11_ac_resp);

static const char *const function_names[ES9_FUNCTION_COUNT] = {
	[ES9_INITIATE_AUTHENTICATION] = "initiateAuthentication",
	[ES9_GET_BOUND_PROFILE_PACKAGE] = "getBoundProfilePackage",
	[ES9_AUTHENTICATE_CLIENT] = "authenticateClient",
	[ES9_HANDLE_NOTIFICATION] = "handleNotification",
	[ES9_CANCEL_SESSION] = "cancelSession",
};

const char *es9_function_name(enum es9_function f)
{
	return (unsigned)f < ES9_FUNCTION_COUNT ? function_names[f] : "?";
}

int es9_function_from_name(const char *name)
{
	const char *slash;

	if (!name)
		return -1;
	slash = strrchr(name, '/');
	if (slash)
		name = slash + 1;
	for (int i = 0; i < ES9_FUNCTION_COUNT; i++)
		if (!strcmp(name, function_names[i]))
			return i;
	return -1;
}

/* "gsma/rsp/v<major>.<minor>.<patch>" */
int es9_check_admin_protocol(const char *value)
{
	static const char prefix[] = "gsma/rsp/v";
	const char *p;
	unsigned long major;
	int dots = 0;
	char *end;

	if (!value || strncasecmp(value, prefix, sizeof(prefix) - 1))
		return SGP_ERR_PARSE;
	p = value + sizeof(prefix) - 1;
	if (!isdigit((unsigned char)*p))
		return SGP_ERR_PARSE;
	major = strtoul(p, &end, 10);
	for (p = end; *p; p++) {
		if (*p == '.') {
			if (!isdigit((unsigned char)p[1]))
				return SGP_ERR_PARSE;
			dots++;
		} else if (!isdigit((unsigned char)*p)) {
			return SGP_ERR_PARSE;
		}
	}
	if (dots != 2)
		return SGP_ERR_PARSE;
	return (major == 2 || major == 3) ? 0 : SGP_ERR_UNSUPPORTED;
}

bool es9_content_type_is_json(const char *value)
{
	static const char mt[] = "application/json";
	const char *p;

	if (!value || strncasecmp(value, mt, sizeof(mt) - 1))
		return false;
	p = value + sizeof(mt) - 1;
	while (*p == ' ')
		p++;
	if (!*p)
		return true;
	if (*p != ';')
		return false;
	p++;
	while (*p == ' ')
		p++;
	if (!strncasecmp(p, "charset=", 8)) {
		p += 8;
		if (*p == '"')
			p++;
		return !strncasecmp(p, "utf-8", 5);
	}
	return true;
}
