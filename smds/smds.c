/* sgp32lab: the SM-DS server — routes, the JSON binding's envelope
 * (SGP.22 v2.5 section 6.5.1: header.functionExecutionStatus), start/stop */
#include "smds/smds_int.h"
#include "core/err.h"
#include "core/http/http.h"
#include "core/log.h"
#include "core/store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SGP.22 6.5.1: the protocol version in every request and response */
#define SMDS_ADMIN_PROTOCOL "gsma/rsp/v2.5.0"
#define SMDS_MAX_BODY (64 * 1024)	/* the largest ES11 request is a few kB */

int smds_fail(struct smds_status *st, const char *subject, const char *reason,
	      const char *fmt, ...)
{
	va_list ap;

	st->subject = subject;
	st->reason = reason;
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
	LOGP(DSMDS, LOGL_NOTICE, "refused %s/%s: %s", subject, reason, st->message);
	return SGP_ERR_PEER;
}

static void send_json(struct http_request *req, int http_status, json_t *root)
{
	static const struct http_header extra[] = {
		{ "X-Admin-Protocol", SMDS_ADMIN_PROTOCOL }, { NULL, NULL } };
	char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;

	if (!text) {
		http_request_reply(req, 500, NULL, NULL, NULL, 0);
	} else {
		http_request_reply(req, http_status, "application/json", extra,
				   (const uint8_t *)text, strlen(text));
		free(text);
	}
	json_decref(root);
}

static json_t *status_json(const struct smds_status *st)
{
	json_t *fes;

	if (!st)
		return json_pack("{s:s}", "status", "Executed-Success");
	fes = json_pack("{s:s,s:{s:s,s:s,s:s}}", "status", "Failed", "statusCodeData",
			"subjectCode", st->subject, "reasonCode", st->reason, "message",
			st->message);
	return fes;
}

void smds_reply(struct http_request *req, json_t *body, const struct smds_status *st)
{
	json_t *root = body && !st ? body : json_object();

	if (body && st)
		json_decref(body);
	if (!root || json_object_set_new(root, "header",
					 json_pack("{s:o*}", "functionExecutionStatus",
						   status_json(st)))) {
		json_decref(root);
		root = NULL;
	}
	send_json(req, 200, root);
}

json_t *smds_request_json(struct http_request *req, const char *function)
{
	struct smds_status st;
	json_error_t jerr;
	const uint8_t *body;
	size_t len;
	json_t *root;

	body = http_request_body(req, &len);
	root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root && json_is_object(root))
		return root;
	/* not a JSON object: the function cannot run; HTTP 400 (6.5.1) */
	smds_fail(&st, "1.2", "2.1", "%s: %s", function,
		  root ? "the body is not a JSON object" : jerr.text);
	json_decref(root);
	root = json_pack("{s:{s:o*}}", "header", "functionExecutionStatus", status_json(&st));
	send_json(req, 400, root);
	return NULL;
}

int smds_get_string(json_t *obj, const char *name, size_t max, const char *subject,
		    const char **out, struct smds_status *st)
{
	json_t *v = json_object_get(obj, name);

	if (!v)
		return smds_fail(st, subject, "2.2", "%s missing", name);
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return smds_fail(st, subject, "2.1", "%s invalid", name);
	*out = json_string_value(v);
	return SGP_OK;
}

static const struct {
	const char *path;
	http_handler_fn fn;
} routes[] = {
	{ "/gsma/rsp2/es12/registerEvent", smds_es12_register_event },
	{ "/gsma/rsp2/es12/deleteEvent", smds_es12_delete_event },
	{ "/gsma/rsp2/es11/initiateAuthentication", smds_es11_initiate_authentication },
	{ "/gsma/rsp2/es11/authenticateClient", smds_es11_authenticate_client },
	{ "/gsma/rsp2/es9plus/initiateAuthentication", smds_es11_initiate_authentication },
	{ "/gsma/rsp2/es9plus/authenticateClient", smds_es11_authenticate_client },
};

int smds_new(const struct smds_cfg *cfg, struct smds **out)
{
	struct http_server_cfg hc = { .name = "smds" };
	struct smds *s;
	int rc = SGP_OK;

	if (!out)
		return SGP_ERR_INVAL;
	*out = NULL;
	if (!cfg || !cfg->base || !cfg->clock || !cfg->store || !cfg->pki ||
	    (cfg->address && !cfg->address[0]))
		return SGP_ERR_INVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return SGP_ERR_NOMEM;
	s->cfg = *cfg;
	s->cfg.address = NULL;	/* not kept: s->address holds it */
	if (!s->cfg.session_timeout_ms)
		s->cfg.session_timeout_ms = SMDS_SESSION_TIMEOUT_DEFAULT_MS;
	sgp_timer_init(&s->sweep, cfg->clock, smds_sessions_sweep, s);
	rc = smds_events_migrate(cfg->store);
	if (rc)
		goto out;
	hc.addr = cfg->bind_addr;
	hc.port = cfg->port;
	hc.tls = cfg->tls;
	hc.max_body = SMDS_MAX_BODY;
	s->srv = http_server_new(cfg->base, &hc, &rc);
	if (!s->srv)
		goto out;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]) && !rc; i++)
		rc = http_server_add_route(s->srv, routes[i].path, false, routes[i].fn, s);
	if (rc)
		goto out;
	if (cfg->address)
		snprintf(s->address, sizeof(s->address), "%s", cfg->address);
	else
		snprintf(s->address, sizeof(s->address), "%s:%u",
			 cfg->bind_addr ? cfg->bind_addr : "127.0.0.1", http_server_port(s->srv));
	LOGP(DSMDS, LOGL_INFO, "SM-DS %s listening on port %u (%s)", s->address,
	     http_server_port(s->srv), cfg->tls ? "https" : "http");
	*out = s;
	return SGP_OK;
out:
	smds_free(s);
	return rc ? rc : SGP_ERR_IO;
}

void smds_free(struct smds *s)
{
	if (!s)
		return;
	sgp_timer_cancel(&s->sweep);
	http_server_free(s->srv);
	free(s);
}

uint16_t smds_port(const struct smds *s)
{
	return s && s->srv ? http_server_port(s->srv) : 0;
}

const char *smds_address(const struct smds *s)
{
	return s ? s->address : NULL;
}
