/* sgp32lab: the binding of the eIM's ESipa answers (SGP.32 v1.2 6.3 / 6.4) */
#include "eim/esipa_binding.h"
#include "eim/esipa_server.h"
#include "core/esipa/esipa_json.h"
#include "core/err.h"
#include "core/http/http.h"
#include "core/log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool eim_esipa_is_json(const struct http_request *req)
{
	const char *path = http_request_path(req);

	return path && !strncmp(path, ESIPA_JSON_PATH_PREFIX, strlen(ESIPA_JSON_PATH_PREFIX));
}

void eim_esipa_refuse(struct http_request *req, int status, const char *why)
{
	json_t *o;
	char *text = NULL;

	if (!eim_esipa_is_json(req)) {
		http_request_reply(req, status, NULL, NULL, NULL, 0);
		return;
	}
	o = json_pack("{s:s}", "error", why ? why : "refused");
	if (o)
		text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	http_request_reply(req, status, text ? ESIPA_JSON_CONTENT_TYPE : NULL, NULL,
			   (const uint8_t *)text, text ? strlen(text) : 0);
	free(text);
}

void eim_esipa_reply(struct http_request *req, const uint8_t *der, size_t len)
{
	struct esipa_json_error e = { "" };
	enum esipa_json_fn f;
	char *text = NULL;

	if (!len) {
		http_request_reply(req, 204, NULL, NULL, NULL, 0);
		return;
	}
	if (!eim_esipa_is_json(req)) {
		http_request_reply(req, 200, ESIPA_CONTENT_TYPE, NULL, der, len);
		return;
	}
	if (esipa_json_resp_from_der(der, len, &f, &text, &e) < 0) {
		LOGP(DEIM, LOGL_ERROR, "eim: answer has no JSON form: %s", e.msg);
		eim_esipa_refuse(req, 500, "answer has no JSON form");
		return;
	}
	http_request_reply(req, 200, ESIPA_JSON_CONTENT_TYPE, NULL, (const uint8_t *)text,
			   strlen(text));
	free(text);
}

/* "application/json", parameters allowed after ';' */
static bool json_content_type(const char *ct)
{
	size_t n = strlen(ESIPA_JSON_CONTENT_TYPE);

	return ct && !strncasecmp(ct, ESIPA_JSON_CONTENT_TYPE, n) &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int eim_esipa_json_request(struct http_request *req, struct sgp_buf *der)
{
	struct esipa_json_error e = { "" };
	enum esipa_json_fn f;
	const uint8_t *body;
	size_t len;
	int rc;

	if (esipa_json_fn_from_path(http_request_path(req), &f) < 0 ||
	    f == ESIPA_JSON_TRANSFER_EIM_PACKAGE) {
		eim_esipa_refuse(req, 404, "no such ESipa function");
		return SGP_ERR_NOTFOUND;
	}
	if (!json_content_type(http_request_header(req, "Content-Type"))) {
		eim_esipa_refuse(req, 415, "Content-Type must be application/json");
		return SGP_ERR_PARSE;
	}
	body = http_request_body(req, &len);
	rc = esipa_json_req_to_der(f, (const char *)body, len, der, &e);
	if (rc < 0) {
		LOGP(DEIM, LOGL_NOTICE, "eim: ESipa %s (JSON) from %s refused: %s",
		     esipa_json_fn_name(f), http_request_peer(req), e.msg);
		eim_esipa_refuse(req, 400, e.msg);
	}
	return rc;
}
