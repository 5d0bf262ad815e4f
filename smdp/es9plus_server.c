/* sgp32lab: SM-DP+ — the HTTP side of the server: creation, routing, the
 * JSON envelope of ES9+ (SGP.22 v2.5 6.5.1, 6.5.2), store transactions per
 * request, the session expiry timer.  The functions themselves are in
 * es9plus_functions.c, ES2+ in es2plus_server.c. */
#include "smdp/server_int.h"
#include "core/err.h"
#include "core/es9/es9.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SESSION_TIMEOUT_MS (5u * 60 * 1000)

/* ---- replies ---- */

static const struct http_header reply_headers[] = {
	{ ES9_ADMIN_PROTOCOL_HDR, ES9_ADMIN_PROTOCOL },
	{ NULL, NULL },
};

void smdp_reply_json(struct http_request *req, int http_status,
		     const struct json_msg_desc *desc, const void *msg)
{
	char *text = NULL;
	size_t len = 0;

	if (json_msg_encode(desc, msg, &text, &len)) {
		LOGP(DSMDP, LOGL_ERROR, "smdp: cannot encode %s", desc->name);
		http_request_reply(req, 500, NULL, NULL, NULL, 0);
		return;
	}
	http_request_reply(req, http_status, ES9_CONTENT_TYPE, reply_headers,
			   (const uint8_t *)text, len);
	free(text);
}

void smdp_reply_failed(struct http_request *req, int http_status, const char *subject,
		       const char *reason, const char *message)
{
	struct es9_status_resp r = { 0 };

	if (es_resp_header_set_failed(&r.header, subject, reason, message)) {
		http_request_reply(req, 500, NULL, NULL, NULL, 0);
		return;
	}
	LOGP(DSMDP, LOGL_NOTICE, "smdp: %s refused: %s/%s %s", http_request_path(req), subject,
	     reason, message ? message : "");
	smdp_reply_json(req, http_status, &es9_status_resp_desc, &r);
	es_resp_header_free(&r.header);
}

/* Request checks (SGP.22 6.5.1): JSON content, X-Admin-Protocol, body.
 * Malformed requests: subject 1.1 (Function Requester), reason 2.1
 * Invalid / 2.2 Mandatory Element Missing / 3.1 Unsupported. */
bool smdp_request_decode(struct smdp_server *s, struct http_request *req,
			 const struct json_msg_desc *desc, void *out)
{
	struct json_msg_error err;
	const uint8_t *body;
	size_t len;
	int rc;

	s->stats.requests++;
	if (!es9_content_type_is_json(http_request_header(req, "Content-Type"))) {
		s->stats.refused++;
		smdp_reply_failed(req, 400, "1.1", "2.1", "Content-Type is not application/json");
		return false;
	}
	rc = es9_check_admin_protocol(http_request_header(req, ES9_ADMIN_PROTOCOL_HDR));
	if (rc) {
		s->stats.refused++;
		smdp_reply_failed(req, 400, "1.1", rc == SGP_ERR_UNSUPPORTED ? "3.1" : "2.1",
				  "X-Admin-Protocol missing or unsupported");
		return false;
	}
	body = http_request_body(req, &len);
	rc = json_msg_decode(desc, (const char *)body, len, 0, s->json_flags, out, &err);
	if (rc == SGP_ERR_NOMEM) {
		http_request_reply(req, 500, NULL, NULL, NULL, 0);
		return false;
	}
	if (rc) {
		s->stats.refused++;
		smdp_reply_failed(req, err.kind == JSON_MSG_E_SYNTAX ? 400 : 200, "1.1",
				  err.kind == JSON_MSG_E_MISSING ? "2.2" : "2.1", err.text);
		return false;
	}
	return true;
}

/* ---- ES9+ routing ---- */

typedef int (*es9_fn)(struct smdp_call *c, const void *rq, void *rs);

static const struct es9_route {
	const struct json_msg_desc *req, *resp;	/* resp NULL: 204 */
	es9_fn fn;
	size_t resp_size;
} es9_routes[ES9_FUNCTION_COUNT] = {
	[ES9_INITIATE_AUTHENTICATION] = { &es9_initiate_authentication_req_desc,
		&es9_initiate_authentication_resp_desc, smdp_es9_initiate_authentication },
	[ES9_AUTHENTICATE_CLIENT] = { &es9_authenticate_client_req_desc,
		&es9_authenticate_client_resp_desc, smdp_es9_authenticate_client },
	[ES9_GET_BOUND_PROFILE_PACKAGE] = { &es9_get_bound_profile_package_req_desc,
		&es9_get_bound_profile_package_resp_desc, smdp_es9_get_bound_profile_package },
	[ES9_HANDLE_NOTIFICATION] = { &es9_handle_notification_req_desc, NULL,
		smdp_es9_handle_notification },
	[ES9_CANCEL_SESSION] = { &es9_cancel_session_req_desc, &es9_status_resp_desc,
		smdp_es9_cancel_session },
};

/* Response structs are at most this big; all start with the header. */
union es9_any_resp {
	struct es9_initiate_authentication_resp ia;
	struct es9_authenticate_client_resp ac;
	struct es9_get_bound_profile_package_resp gb;
	struct es9_status_resp st;
};
union es9_any_req {
	struct es9_initiate_authentication_req ia;
	struct es9_authenticate_client_req ac;
	struct es9_get_bound_profile_package_req gb;
	struct es9_handle_notification_req hn;
	struct es9_cancel_session_req cs;
};

static void es9_handler(struct http_request *req, void *arg)
{
	struct smdp_server *s = arg;
	int f = es9_function_from_name(http_request_path(req));
	const struct es9_route *r;
	union es9_any_req rq;
	union es9_any_resp rs;
	struct smdp_call c = { .s = s };
	int rc;

	if (f < 0 || strncmp(http_request_path(req), ES9_PATH_PREFIX, strlen(ES9_PATH_PREFIX)) ||
	    strchr(http_request_path(req) + strlen(ES9_PATH_PREFIX), '/')) {
		http_request_reply(req, 404, NULL, NULL, NULL, 0);
		return;
	}
	r = &es9_routes[f];
	memset(&rq, 0, sizeof(rq));
	memset(&rs, 0, sizeof(rs));
	if (!smdp_request_decode(s, req, r->req, &rq))
		return;
	rc = sgp_store_begin(s->store);
	if (!rc) {
		rc = r->fn(&c, &rq, &rs);
		if (rc == 0 || (rc == SGP_ERR_STATE && c.commit_on_refusal)) {
			int crc = sgp_store_commit(s->store);

			if (crc)
				rc = crc;
		} else {
			sgp_store_rollback(s->store);
		}
	}
	smdp_sessions_rearm(s);
	if (rc == SGP_ERR_STATE) {
		s->stats.refused++;
		smdp_reply_failed(req, 200, c.sc.subject_code, c.sc.reason_code, c.sc.message);
	} else if (rc) {
		LOGP(DSMDP, LOGL_ERROR, "smdp: %s failed: %s", es9_function_name(f),
		     sgp_strerror(rc));
		/* the SM-DP+'s own failure: 1.2 Function Provider, 4.2 Execution error */
		smdp_reply_failed(req, 500, "1.2", "4.2", "Execution error");
	} else if (!r->resp) {
		http_request_reply(req, 204, NULL, reply_headers, NULL, 0);
	} else {
		smdp_reply_json(req, 200, r->resp, &rs);
	}
	json_msg_free(r->req, &rq);
	if (r->resp)
		json_msg_free(r->resp, &rs);
}

/* ES11 is the SM-DS's interface (DESIGN.md): this server has none. */
static void es11_handler(struct http_request *req, void *arg)
{
	(void)arg;
	http_request_reply(req, 404, NULL, NULL, NULL, 0);
}

/* ---- session expiry ---- */

static void expiry_cb(void *arg)
{
	struct smdp_server *s = arg;
	struct sgp_stmt *st;
	int rc = sgp_store_prepare(s->store, "DELETE FROM smdp_session WHERE expires_ms <= ?", &st);

	if (!rc)
		rc = sgp_stmt_bind_int64(st, 1, (int64_t)sgp_clock_now_ms(s->clock));
	if (!rc)
		rc = sgp_stmt_step(st);
	if (rc < 0) {
		LOGP(DSMDP, LOGL_ERROR, "smdp: session expiry: %s", sgp_strerror(rc));
	} else if (sgp_store_changes(s->store) > 0) {
		s->stats.sessions_expired += (unsigned long)sgp_store_changes(s->store);
		LOGP(DSMDP, LOGL_INFO, "smdp: %lld session(s) expired",
		     (long long)sgp_store_changes(s->store));
	}
	smdp_sessions_rearm(s);
}

void smdp_sessions_rearm(struct smdp_server *s)
{
	struct sgp_stmt *st;
	uint64_t now = sgp_clock_now_ms(s->clock);
	int rc = sgp_store_prepare(s->store, "SELECT min(expires_ms) FROM smdp_session", &st);

	if (!rc)
		rc = sgp_stmt_step(st);
	if (rc == SGP_STORE_ROW && !sgp_stmt_column_is_null(st, 0)) {
		uint64_t at = (uint64_t)sgp_stmt_column_int64(st, 0);

		sgp_timer_schedule(&s->expiry, at > now ? at - now : 0);
	} else {
		sgp_timer_cancel(&s->expiry);
	}
	if (rc == SGP_STORE_ROW)
		sgp_stmt_reset(st);
}

int smdp_server_session_count(struct smdp_server *s, int *count)
{
	struct sgp_stmt *st;
	int rc = sgp_store_prepare(s->store, "SELECT count(*) FROM smdp_session", &st);

	if (!rc)
		rc = sgp_stmt_step(st);
	if (rc != SGP_STORE_ROW)
		return rc < 0 ? rc : SGP_ERR_STORE;
	*count = (int)sgp_stmt_column_int64(st, 0);
	sgp_stmt_reset(st);
	return 0;
}

/* ---- creation ---- */

/* The SM-DP+ OID: registeredID in the subjectAltName of CERT.DPauth
 * (SGP.22 4.5.2.1; EuiccCancelSessionSigned.smdpOid is compared to it). */
static int cert_rid(X509 *cert, struct sgp_buf *out)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int rc = SGP_ERR_NOTFOUND;

	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);

		if (gn->type == GEN_RID && OBJ_length(gn->d.rid) > 0) {
			rc = sgp_buf_set(out, OBJ_get0_data(gn->d.rid), OBJ_length(gn->d.rid));
			break;
		}
	}
	GENERAL_NAMES_free(names);
	return rc;
}

struct smdp_server *smdp_server_new(struct event_base *base, const struct smdp_server_cfg *cfg,
				    int *err)
{
	struct smdp_server *s = NULL;
	struct http_client_cfg ccfg = { .name = "smdp-client" };
	X509 *auth, *pb;
	int rc = SGP_ERR_INVAL;

	if (!base || !cfg || (cfg->address && !*cfg->address) || !cfg->store || !cfg->clock ||
	    !cfg->pki)
		goto out;
	auth = sgp_pki_cert(cfg->pki, SGP_PKI_ROLE_DPAUTH);
	pb = sgp_pki_cert(cfg->pki, SGP_PKI_ROLE_DPPB);
	if (!auth || !pb || !sgp_pki_key(cfg->pki, SGP_PKI_ROLE_DPAUTH) ||
	    !sgp_pki_key(cfg->pki, SGP_PKI_ROLE_DPPB)) {
		LOGP(DSMDP, LOGL_ERROR, "smdp: the PKI lacks DPauth or DPpb");
		goto out;
	}
	rc = SGP_ERR_NOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->base = base;
	s->store = cfg->store;
	s->clock = cfg->clock;
	s->pki = cfg->pki;
	s->session_timeout_ms = cfg->session_timeout_ms ? cfg->session_timeout_ms
							: DEFAULT_SESSION_TIMEOUT_MS;
	s->cc_max_attempts = cfg->cc_max_attempts ? cfg->cc_max_attempts : 3;
	s->json_flags = cfg->allow_unknown_members ? JSON_MSG_ALLOW_UNKNOWN : ES9_JSON_FLAGS;
	s->es12 = cfg->es12;
	s->es12_arg = cfg->es12_arg;
	s->es12_port = cfg->es12_port;
	sgp_timer_init(&s->expiry, s->clock, expiry_cb, s);
	s->operator_url = cfg->operator_url ? strdup(cfg->operator_url) : NULL;
	if (cfg->operator_url && !s->operator_url)
		goto out;
	rc = sgp_key_from_evp(sgp_pki_key(cfg->pki, SGP_PKI_ROLE_DPAUTH), &s->dpauth);
	if (!rc)
		rc = sgp_key_from_evp(sgp_pki_key(cfg->pki, SGP_PKI_ROLE_DPPB), &s->dppb);
	if (!rc)
		rc = sgp_pki_cert_der(auth, &s->dpauth_cert);
	if (!rc)
		rc = sgp_pki_cert_der(pb, &s->dppb_cert);
	if (!rc)
		rc = sgp_pki_cert_aki(auth, &s->ci_pkid);
	if (!rc)
		rc = cert_rid(auth, &s->smdp_oid);
	if (rc) {
		LOGP(DSMDP, LOGL_ERROR, "smdp: DPauth certificate unusable: %s", sgp_strerror(rc));
		goto out;
	}
	rc = smdp_orders_migrate(s->store);
	if (rc)
		goto out;
	ccfg.tls = cfg->client_tls;
	s->client = http_client_new(base, &ccfg, &rc);
	if (!s->client)
		goto out;
	s->http = http_server_new(base, &cfg->http, &rc);
	if (!s->http)
		goto out;
	if (cfg->address) {
		s->address = strdup(cfg->address);
	} else {
		/* a lab server on an ephemeral port: its address is where it
		 * listens */
		char a[300];
		snprintf(a, sizeof(a), "%s:%u", cfg->http.addr ? cfg->http.addr : "127.0.0.1",
			 http_server_port(s->http));
		s->address = strdup(a);
	}
	rc = s->address ? SGP_OK : SGP_ERR_NOMEM;
	if (rc)
		goto out;
	rc = http_server_add_route(s->http, ES9_PATH_PREFIX, true, es9_handler, s);
	if (!rc)
		rc = http_server_add_route(s->http, ES11_PATH_PREFIX, true, es11_handler, s);
	if (!rc)
		rc = smdp_es2_add_routes(s);
	if (rc)
		goto out;
	smdp_sessions_rearm(s);
	LOGP(DSMDP, LOGL_NOTICE, "smdp: %s listening on port %u", s->address,
	     http_server_port(s->http));
out:
	if (rc && s) {
		smdp_server_free(s);
		s = NULL;
	}
	if (err)
		*err = rc;
	return s;
}

void smdp_server_free(struct smdp_server *s)
{
	if (!s)
		return;
	sgp_timer_cancel(&s->expiry);
	http_server_free(s->http);
	http_client_free(s->client);
	sgp_key_free(s->dpauth);
	sgp_key_free(s->dppb);
	sgp_buf_free(&s->dpauth_cert);
	sgp_buf_free(&s->dppb_cert);
	sgp_buf_free(&s->ci_pkid);
	sgp_buf_free(&s->smdp_oid);
	free(s->address);
	free(s->operator_url);
	free(s);
}

const char *smdp_server_address(const struct smdp_server *s)
{
	return s->address;
}

bool smdp_server_calls_out(const struct smdp_server *s)
{
	return s->client && http_client_active(s->client) > 0;
}

uint16_t smdp_server_port(const struct smdp_server *s)
{
	return http_server_port(s->http);
}

void smdp_server_get_stats(const struct smdp_server *s, struct smdp_server_stats *st)
{
	*st = s->stats;
}
