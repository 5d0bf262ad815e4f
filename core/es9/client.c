/* sgp32lab: the ES9+ / ES11 client of the IPA and of the eIM (SGP.22 6.5, 6.6; JSON binding
 * of core/es9) */
#include "core/es9/client.h"
#include "core/err.h"
#include "core/log.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ES9_MAX_URL 512

struct es9_call {
	struct http_call *http;
	const struct json_msg_desc *resp_desc;
	es9_answer_cb cb;
	void *arg;
	char function[40];
};

/* 6.6.2.1: euiccChallenge, euiccInfo1, smdsAddress (same struct as ES9+) */
static const struct json_field es11_ia_req[] = {
	{ "header", JF_REQ_HEADER, offsetof(struct es9_initiate_authentication_req, header), 0,
	  0, 0, 0 },
	{ "euiccChallenge", JF_BASE64,
	  offsetof(struct es9_initiate_authentication_req, euicc_challenge), 0, JF_MANDATORY,
	  16, 16 },
	{ "euiccInfo1", JF_BASE64, offsetof(struct es9_initiate_authentication_req, euicc_info1),
	  0, JF_MANDATORY, 2, ES9_MAX_ASN1 },
	{ "smdsAddress", JF_STRING, offsetof(struct es9_initiate_authentication_req, smdp_address),
	  0, JF_MANDATORY, 1, 255 },
};
const struct json_msg_desc es11_initiate_authentication_req_desc = {
	"ES11 InitiateAuthenticationRequest", sizeof(struct es9_initiate_authentication_req),
	es11_ia_req, sizeof(es11_ia_req) / sizeof(es11_ia_req[0]),
};

static void copy_str(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", s ? s : "");
}

/* Every response struct of core/es9 starts with its header (6.5.1.4). */
void es9_answer_read_status(struct es9_answer *a, const void *resp)
{
	const struct es_resp_header *h = resp;

	copy_str(a->status, sizeof(a->status), es_exec_status_str(h->status));
	if (h->has_status_code_data) {
		copy_str(a->subject_code, sizeof(a->subject_code), h->scd.subject_code);
		copy_str(a->reason_code, sizeof(a->reason_code), h->scd.reason_code);
		copy_str(a->message, sizeof(a->message), h->scd.message);
	}
	a->rc = h->status == ES_EXECUTED_SUCCESS || h->status == ES_EXECUTED_WITH_WARNING ?
		SGP_OK : SGP_ERR_PEER;
}

static void on_http(const struct http_result *res, void *arg)
{
	struct es9_call *call = arg;
	struct es9_answer a = { .http_status = res->status };
	struct json_msg_error jerr;
	void *msg = NULL;
	int rc;

	if (res->rc < 0) {
		a.rc = res->xfer == HTTP_XFER_TIMEOUT ? SGP_ERR_TIMEOUT : SGP_ERR_IO;
		snprintf(a.message, sizeof(a.message), "%s%s%s", http_xfer_err_str(res->xfer),
			 res->detail ? ": " : "", res->detail ? res->detail : "");
	} else if (res->status == 204) {
		a.rc = SGP_OK;	/* HandleNotification: no content (6.5.2.9) */
	} else if (res->status != 200) {
		a.rc = SGP_ERR_PEER;
		snprintf(a.message, sizeof(a.message), "HTTP status %d", res->status);
	} else if (!(msg = calloc(1, call->resp_desc->size))) {
		a.rc = SGP_ERR_NOMEM;
	} else {
		rc = json_msg_decode(call->resp_desc, (const char *)res->body, res->body_len, 0,
				     JSON_MSG_ALLOW_UNKNOWN, msg, &jerr);
		if (rc < 0) {
			a.rc = rc == SGP_ERR_NOMEM ? rc : SGP_ERR_PARSE;
			snprintf(a.message, sizeof(a.message), "%.40s: %.50s%s%.60s", call->resp_desc->name,
				 jerr.field, jerr.field[0] ? ": " : "", jerr.text);
		} else {
			a.resp = msg;
			es9_answer_read_status(&a, msg);
			if (a.rc < 0)
				a.resp = NULL;
		}
	}
	if (a.rc < 0)
		LOGP(DHTTP, LOGL_NOTICE, "es9 %s: %s %s/%s %s", call->function, sgp_strerror(a.rc),
		     a.subject_code, a.reason_code, a.message);
	call->cb(call->arg, &a);
	if (msg) {
		json_msg_free(call->resp_desc, msg);
		free(msg);
	}
	free(call);
}

static struct es9_call *post(struct http_client *http, const char *prefix,
				 const char *address, const char *function,
				 const struct json_msg_desc *req_desc, const void *req,
				 const struct json_msg_desc *resp_desc, unsigned timeout_ms,
				 es9_answer_cb cb, void *arg, int *err)
{
	static const struct http_header hdrs[] = {
		{ ES9_ADMIN_PROTOCOL_HDR, ES9_ADMIN_PROTOCOL },
		{ "User-Agent", ES9_USER_AGENT },
		{ NULL, NULL },
	};
	struct es9_call *call = NULL;
	char url[ES9_MAX_URL];
	char *body = NULL;
	size_t body_len = 0;
	int rc = SGP_OK;

	if (!http || !address || !*address || !function || !req_desc || !req || !resp_desc ||
	    !cb || resp_desc->size < sizeof(struct es_resp_header)) {
		rc = SGP_ERR_INVAL;
		goto out;
	}
	if ((size_t)snprintf(url, sizeof(url), "https://%s%s%s", address, prefix, function) >=
	    sizeof(url)) {
		rc = SGP_ERR_TOOBIG;
		goto out;
	}
	rc = json_msg_encode(req_desc, req, &body, &body_len);
	if (rc < 0)
		goto out;
	call = calloc(1, sizeof(*call));
	if (!call) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	call->cb = cb;
	call->arg = arg;
	call->resp_desc = resp_desc;
	snprintf(call->function, sizeof(call->function), "%s", function);
	call->http = http_client_post(http, url, ES9_CONTENT_TYPE, (const uint8_t *)body,
				      body_len, hdrs, timeout_ms, on_http, call, &rc);
	if (!call->http) {
		if (rc == SGP_OK)
			rc = SGP_ERR_IO;
		goto out;
	}
	LOGP(DHTTP, LOGL_DEBUG, "es9: POST %s", url);
out:
	free(body);
	if (rc < 0) {
		free(call);
		call = NULL;
	}
	if (err)
		*err = rc;
	return call;
}

struct es9_call *es9_client_post(struct http_client *http, const char *address,
				  const char *function, const struct json_msg_desc *req_desc,
				  const void *req, const struct json_msg_desc *resp_desc,
				  unsigned timeout_ms, es9_answer_cb cb, void *arg, int *err)
{
	return post(http, ES9_PATH_PREFIX, address, function, req_desc, req, resp_desc,
		    timeout_ms, cb, arg, err);
}

struct es9_call *es11_client_post(struct http_client *http, const char *address,
				   const char *function, const struct json_msg_desc *req_desc,
				   const void *req, const struct json_msg_desc *resp_desc,
				   unsigned timeout_ms, es9_answer_cb cb, void *arg, int *err)
{
	return post(http, ES11_PATH_PREFIX, address, function, req_desc, req, resp_desc,
		    timeout_ms, cb, arg, err);
}

void es9_client_cancel(struct es9_call *call)
{
	if (!call)
		return;
	http_call_cancel(call->http);
	free(call);
}
