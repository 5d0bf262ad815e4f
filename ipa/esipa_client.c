/* sgp32lab: the IPA's ESipa client, ASN.1 or JSON binding over HTTPS
 * (SGP.32 v1.2 6.1, 6.3, 6.4) */
#include "ipa/esipa_client.h"
#include "core/err.h"
#include "core/esipa/esipa_json.h"
#include "core/log.h"

#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ipa_esipa_call {
	struct http_call *http;
	ipa_esipa_cb cb;
	void *arg;
	bool raw;		/* the caller checks the answer (ipa_esipa_post_raw) */
	enum ipa_esipa_binding binding;
	enum esipa_json_fn fn;	/* JSON binding: the function posted */
};

int ipa_esipa_encode(const struct EsipaMessageFromIpaToEim *msg, struct sgp_buf *out,
		     struct der_error *err)
{
	return sgp_der_encode(&asn_DEF_EsipaMessageFromIpaToEim, msg, out, err);
}

int ipa_esipa_decode(const uint8_t *der, size_t len, struct EsipaMessageFromEimToIpa **out,
		     struct der_error *err)
{
	void *v = NULL;
	int rc = sgp_der_decode(&asn_DEF_EsipaMessageFromEimToIpa, der, len, &v, err);

	*out = rc < 0 ? NULL : v;
	return rc;
}

void ipa_esipa_msg_free(struct EsipaMessageFromEimToIpa *msg)
{
	sgp_der_free(&asn_DEF_EsipaMessageFromEimToIpa, msg);
}

/* "application/x-gsma-rsp-asn1", parameters allowed after ';' */
static bool content_type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return ct && !strncasecmp(ct, want, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* The JSON binding (6.4): the URL of the function on the eIM's authority
 * ("https://host:port/gsma/rsp2/esipa/<function>"). */
static int json_url(const char *url, enum esipa_json_fn f, char *out, size_t size)
{
	const char *auth = strstr(url, "://");
	size_t n;

	if (!auth)
		return SGP_ERR_INVAL;
	n = strcspn(auth + 3, "/?#") + (size_t)(auth + 3 - url);
	if ((size_t)snprintf(out, size, "%.*s%s%s", (int)n, url, ESIPA_JSON_PATH_PREFIX,
			     esipa_json_fn_name(f)) >= size)
		return SGP_ERR_INVAL;
	return SGP_OK;
}

static void on_http(const struct http_result *res, void *arg)
{
	struct ipa_esipa_call *call = arg;
	struct ipa_esipa_answer a = { .http_status = res->status };
	struct EsipaMessageFromEimToIpa *msg = NULL;
	struct sgp_buf jder = SGP_BUF_INIT;
	struct esipa_json_error je = { "" };
	const bool json = call->binding == IPA_ESIPA_BINDING_JSON;
	const char *ct = json ? ESIPA_JSON_CONTENT_TYPE : IPA_ESIPA_CONTENT_TYPE;
	const uint8_t *body = res->body;
	size_t body_len = res->body_len;
	struct der_error err;

	if (res->rc < 0) {
		a.rc = res->xfer == HTTP_XFER_TIMEOUT ? SGP_ERR_TIMEOUT : SGP_ERR_IO;
		snprintf(a.message, sizeof(a.message), "transport: %s%s%s",
			 http_xfer_err_str(res->xfer), res->detail ? ": " : "",
			 res->detail ? res->detail : "");
	} else if (res->status == 204) {
		a.rc = SGP_OK;
	} else if (res->status != 200) {
		a.rc = SGP_ERR_PEER;
		snprintf(a.message, sizeof(a.message), "HTTP status %d", res->status);
	} else if (!content_type_is(res->content_type, ct)) {
		a.rc = SGP_ERR_PEER;
		snprintf(a.message, sizeof(a.message), "content type %.100s, not %s",
			 res->content_type ? res->content_type : "(none)", ct);
	} else if (json && (a.rc = esipa_json_resp_to_der(call->fn, (const char *)res->body,
							  res->body_len, &jder, &je)) < 0) {
		snprintf(a.message, sizeof(a.message), "JSON %s answer refused: %.160s",
			 esipa_json_fn_name(call->fn), je.msg);
	} else {
		if (json) {
			body = jder.data;
			body_len = jder.len;
		}
		if (call->raw) {
			a.rc = SGP_OK;
			a.der = body;
			a.der_len = body_len;
		} else if (ipa_esipa_decode(body, body_len, &msg, &err) < 0) {
			a.rc = err.code == SGP_ERR_NOMEM ? SGP_ERR_NOMEM : SGP_ERR_PARSE;
			snprintf(a.message, sizeof(a.message),
				 "malformed EsipaMessageFromEimToIpa (%zu bytes): %.180s",
				 body_len, err.msg);
		} else {
			a.rc = SGP_OK;
			a.msg = msg;
			a.der = body;
			a.der_len = body_len;
		}
	}
	if (a.rc < 0)
		LOGP(DIPA, LOGL_NOTICE, "esipa: %s: %s", sgp_strerror(a.rc), a.message);
	call->cb(call->arg, &a);
	ipa_esipa_msg_free(msg);
	sgp_buf_free(&jder);
	free(call);
}

struct ipa_esipa_call *ipa_esipa_post_binding(struct http_client *http,
					      enum ipa_esipa_binding binding, const char *url,
					      const uint8_t *der, size_t len, unsigned timeout_ms,
					      bool raw, ipa_esipa_cb cb, void *arg, int *err)
{
	static const struct http_header hdrs[] = {
		{ "X-Admin-Protocol", "gsma/rsp/v2.5.0" },
		{ "User-Agent", "gsma-rsp-ipad" },
		{ NULL, NULL },
	};
	struct esipa_json_error je = { "" };
	struct ipa_esipa_call *call = NULL;
	const char *ct = IPA_ESIPA_CONTENT_TYPE;
	char *json = NULL, jurl[2048];
	int rc = SGP_OK;

	if (!http || !url || !der || !len || !cb ||
	    (binding != IPA_ESIPA_BINDING_ASN1 && binding != IPA_ESIPA_BINDING_JSON)) {
		rc = SGP_ERR_INVAL;
		goto out;
	}
	call = calloc(1, sizeof(*call));
	if (!call) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	call->cb = cb;
	call->arg = arg;
	call->raw = raw;
	call->binding = binding;
	if (binding == IPA_ESIPA_BINDING_JSON) {
		rc = esipa_json_req_from_der(der, len, &call->fn, &json, &je);
		if (rc < 0) {
			LOGP(DIPA, LOGL_ERROR, "esipa: no JSON form: %s", je.msg);
			goto out;
		}
		rc = json_url(url, call->fn, jurl, sizeof(jurl));
		if (rc < 0)
			goto out;
		url = jurl;
		ct = ESIPA_JSON_CONTENT_TYPE;
		der = (const uint8_t *)json;
		len = strlen(json);
	}
	call->http = http_client_post(http, url, ct, der, len, hdrs, timeout_ms, on_http, call,
				      &rc);
	if (!call->http) {
		if (rc == SGP_OK)
			rc = SGP_ERR_IO;
		goto out;
	}
	LOGP(DIPA, LOGL_DEBUG, "esipa: POST %s (%zu bytes)", url, len);
out:
	free(json);
	if (rc < 0) {
		free(call);
		call = NULL;
	}
	if (err)
		*err = rc;
	return call;
}

struct ipa_esipa_call *ipa_esipa_post(struct http_client *http, const char *url,
				      const uint8_t *der, size_t len, unsigned timeout_ms,
				      ipa_esipa_cb cb, void *arg, int *err)
{
	return ipa_esipa_post_binding(http, IPA_ESIPA_BINDING_ASN1, url, der, len, timeout_ms,
				      false, cb, arg, err);
}

struct ipa_esipa_call *ipa_esipa_post_raw(struct http_client *http, const char *url,
					  const uint8_t *der, size_t len, unsigned timeout_ms,
					  ipa_esipa_cb cb, void *arg, int *err)
{
	return ipa_esipa_post_binding(http, IPA_ESIPA_BINDING_ASN1, url, der, len, timeout_ms,
				      true, cb, arg, err);
}

void ipa_esipa_cancel(struct ipa_esipa_call *call)
{
	if (!call)
		return;
	http_call_cancel(call->http);
	free(call);
}
