/* sgp32lab: the IPA's ES9+ / ES11 client (SGP.22 6.5, 6.6; JSON binding) */
#include "ipa/es9_client.h"
#include "core/err.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ES9_MAX_URL 512

struct ipa_es9_call {
	struct http_call *http;
	ipa_es9_cb cb;
	void *arg;
	char function[40];
};

int ipa_es9_set_b64(json_t *obj, const char *name, const uint8_t *data, size_t len)
{
	char *s = sgp_base64_encode(data, len);
	int rc;

	if (!s)
		return SGP_ERR_NOMEM;
	rc = json_object_set_new(obj, name, json_string(s)) ? SGP_ERR_NOMEM : SGP_OK;
	free(s);
	return rc;
}

int ipa_es9_set_hex(json_t *obj, const char *name, const uint8_t *data, size_t len)
{
	char *s = sgp_hex_encode(data, len, true);
	int rc;

	if (!s)
		return SGP_ERR_NOMEM;
	rc = json_object_set_new(obj, name, json_string(s)) ? SGP_ERR_NOMEM : SGP_OK;
	free(s);
	return rc;
}

int ipa_es9_get_b64(const json_t *obj, const char *name, struct sgp_buf *out)
{
	const json_t *v = json_object_get(obj, name);

	sgp_buf_reset(out);
	if (!json_is_string(v) || !json_string_length(v))
		return SGP_ERR_PARSE;
	return sgp_base64_decode(json_string_value(v), json_string_length(v), out) < 0 ?
	       SGP_ERR_PARSE : SGP_OK;
}

int ipa_es9_get_hex(const json_t *obj, const char *name, struct sgp_buf *out)
{
	const json_t *v = json_object_get(obj, name);

	sgp_buf_reset(out);
	if (!json_is_string(v) || !json_string_length(v))
		return SGP_ERR_PARSE;
	return sgp_hex_decode(json_string_value(v), out) < 0 ? SGP_ERR_PARSE : SGP_OK;
}

static void copy_str(char *dst, size_t size, const json_t *v)
{
	snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* header.functionExecutionStatus (SGP.22 6.5.1.4) */
static void read_status(struct ipa_es9_answer *a)
{
	const json_t *st = json_object_get(json_object_get(a->json, "header"),
					   "functionExecutionStatus");
	const json_t *scd = json_object_get(st, "statusCodeData");

	if (!json_is_object(st)) {
		a->rc = SGP_ERR_PARSE;
		snprintf(a->message, sizeof(a->message), "no header.functionExecutionStatus");
		return;
	}
	copy_str(a->status, sizeof(a->status), json_object_get(st, "status"));
	copy_str(a->subject_code, sizeof(a->subject_code), json_object_get(scd, "subjectCode"));
	copy_str(a->reason_code, sizeof(a->reason_code), json_object_get(scd, "reasonCode"));
	copy_str(a->message, sizeof(a->message), json_object_get(scd, "message"));
	if (!strcmp(a->status, "Executed-Success") || !strcmp(a->status, "Executed-WithWarning"))
		a->rc = SGP_OK;
	else
		a->rc = SGP_ERR_PEER;
}

static void on_http(const struct http_result *res, void *arg)
{
	struct ipa_es9_call *call = arg;
	struct ipa_es9_answer a = { .http_status = res->status };
	json_error_t jerr;

	if (res->rc < 0) {
		a.rc = res->xfer == HTTP_XFER_TIMEOUT ? SGP_ERR_TIMEOUT : SGP_ERR_IO;
		snprintf(a.message, sizeof(a.message), "%s%s%s", http_xfer_err_str(res->xfer),
			 res->detail ? ": " : "", res->detail ? res->detail : "");
	} else if (res->status == 204) {
		a.rc = SGP_OK;	/* HandleNotification: no content (6.5.2.9) */
	} else if (res->status != 200) {
		a.rc = SGP_ERR_PEER;
		snprintf(a.message, sizeof(a.message), "HTTP status %d", res->status);
	} else {
		a.json = json_loadb((const char *)res->body, res->body_len,
				    JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(a.json)) {
			a.rc = SGP_ERR_PARSE;
			snprintf(a.message, sizeof(a.message), "not a JSON object: %.100s", jerr.text);
		} else {
			read_status(&a);
		}
	}
	if (a.rc < 0)
		LOGP(DIPA, LOGL_NOTICE, "es9 %s: %s %s/%s %s", call->function, sgp_strerror(a.rc),
		     a.subject_code, a.reason_code, a.message);
	call->cb(call->arg, &a);
	json_decref(a.json);
	free(call);
}

struct ipa_es9_call *ipa_es9_post(struct http_client *http, const char *address,
				  const char *function, json_t *req, unsigned timeout_ms,
				  ipa_es9_cb cb, void *arg, int *err)
{
	static const struct http_header hdrs[] = {
		{ "X-Admin-Protocol", "gsma/rsp/v2.5.0" },
		{ "User-Agent", "gsma-rsp-lpad" },
		{ NULL, NULL },
	};
	struct ipa_es9_call *call = NULL;
	char url[ES9_MAX_URL];
	char *body = NULL;
	int rc = SGP_OK;

	if (!http || !address || !*address || !function || !req || !cb) {
		rc = SGP_ERR_INVAL;
		goto out;
	}
	if ((size_t)snprintf(url, sizeof(url), "https://%s/gsma/rsp2/es9plus/%s", address,
			     function) >= sizeof(url)) {
		rc = SGP_ERR_TOOBIG;
		goto out;
	}
	call = calloc(1, sizeof(*call));
	body = json_dumps(req, JSON_COMPACT);
	if (!call || !body) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	call->cb = cb;
	call->arg = arg;
	snprintf(call->function, sizeof(call->function), "%s", function);
	call->http = http_client_post(http, url, "application/json;charset=UTF-8",
				      (const uint8_t *)body, strlen(body), hdrs, timeout_ms,
				      on_http, call, &rc);
	if (!call->http) {
		if (rc == SGP_OK)
			rc = SGP_ERR_IO;
		goto out;
	}
	LOGP(DIPA, LOGL_DEBUG, "es9: POST %s", url);
out:
	json_decref(req);
	free(body);
	if (rc < 0) {
		free(call);
		call = NULL;
	}
	if (err)
		*err = rc;
	return call;
}

void ipa_es9_cancel(struct ipa_es9_call *call)
{
	if (!call)
		return;
	http_call_cancel(call->http);
	free(call);
}
