/* sgp32lab: scenario steps for the HTTP(S) transport (core/http)
 *
 *   http serve name=NAME [tls=on|off] [max-body=BYTES]
 *   http post name=NAME|role=smdp|smds|eim path=PATH [body=TEXT|hex=HEX|size=BYTES]
 *             [type=CONTENT-TYPE] [host=HOST] [trust=lab|system|FILE] [verify=on|off]
 *             [status=CODE] [reply=TEXT] [contains=TEXT] [error=KIND]
 *
 * role= posts to one of the lab's own servers instead (its TLS certificate
 * chains to the lab CI): raw, malformed or oversized bodies, to check that a
 * role answers them with the spec's status and changes nothing.
 * A test server answers POST /echo with the request body and POST
 * /status/CODE with that status; TLS servers use the lab PKI's DPtls
 * certificate, and clients trust the lab CI unless told otherwise (trust=system
 * uses the system trust store, trust=FILE a PEM file of CA certificates).  These
 * steps exercise the transport every role interface rides on. */
#include "lab/lab.h"
#include "lab/lab_eim.h"
#include "lab/lab_pki.h"
#include "lab/lab_rsp.h"
#include "lab/step_ctx.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERVERS 8
#define MAX_SIZE_ARG (16u << 20)

struct lab_http_server {
	char name[32];
	bool tls;
	struct http_server *srv;
};

/* One `http post`: its own client (so trust settings are per step), kept
 * until teardown, which cancels a call still pending. */
struct post {
	struct http_client *cli;
	struct step_ctx *ctx;
	const struct scn_step *st;
	char *body;
};

struct lab_http {
	struct lab_http_server servers[MAX_SERVERS];
	unsigned n;
	struct post *posts[64];
	unsigned n_posts;
};

static const char *const xfer_keys[] = {
	[HTTP_XFER_OK] = "none", [HTTP_XFER_CONNECT] = "connect", [HTTP_XFER_TLS] = "tls",
	[HTTP_XFER_TLS_VERIFY] = "tls-verify", [HTTP_XFER_TIMEOUT] = "timeout",
	[HTTP_XFER_TOOBIG] = "toobig", [HTTP_XFER_PROTOCOL] = "protocol",
};
#define NUM_XFER (sizeof(xfer_keys) / sizeof(xfer_keys[0]))

static void echo_handler(struct http_request *req, void *arg)
{
	size_t len;
	const uint8_t *body = http_request_body(req, &len);
	const char *ct = http_request_header(req, "Content-Type");

	(void)arg;
	http_request_reply(req, 200, ct ? ct : "application/octet-stream", NULL, body, len);
}

static void status_handler(struct http_request *req, void *arg)
{
	const char *code = http_request_path(req) + strlen("/status/");
	unsigned status;

	(void)arg;
	if (step_parse_uint(code, 599, &status) < 0 || status < 200)
		http_request_reply(req, 400, "text/plain", NULL, (const uint8_t *)"bad status\n", 11);
	else
		http_request_reply(req, (int)status, "text/plain", NULL, NULL, 0);
}

static struct lab_http *http_state(struct lab *lab)
{
	if (!lab->http)
		lab->http = calloc(1, sizeof(*lab->http));
	return lab->http;
}

static struct lab_http_server *find_server(struct lab *lab, const char *name)
{
	for (unsigned i = 0; lab->http && i < lab->http->n; i++)
		if (!strcmp(lab->http->servers[i].name, name))
			return &lab->http->servers[i];
	return NULL;
}

static int name_check(const struct scn_step *st, char *err, size_t errlen)
{
	const char *name = step_arg(st, "name");

	if (!name || !*name || strlen(name) >= 32) {
		snprintf(err, errlen, "name= (1 to 31 characters) is required");
		return -1;
	}
	return 0;
}

static int onoff(const char *v, bool dflt)
{
	if (!v)
		return dflt;
	if (!strcmp(v, "on") || !strcmp(v, "yes"))
		return 1;
	if (!strcmp(v, "off") || !strcmp(v, "no"))
		return 0;
	return -1;
}

static int serve_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "tls", "max-body", NULL };
	const char *v = step_arg(st, "max-body");
	unsigned n;

	if (step_check_keys(st, 2, keys, err, errlen) < 0 || name_check(st, err, errlen) < 0)
		return -1;
	if (onoff(step_arg(st, "tls"), true) < 0) {
		snprintf(err, errlen, "tls= must be on or off");
		return -1;
	}
	if (v && (step_parse_uint(v, MAX_SIZE_ARG, &n) < 0 || n == 0)) {
		snprintf(err, errlen, "max-body= must be 1 to %u bytes", MAX_SIZE_ARG);
		return -1;
	}
	return 0;
}

static enum step_result serve_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	struct lab_http *lh = http_state(lab);
	bool tls = onoff(step_arg(st, "tls"), true) == 1;
	struct http_server_cfg cfg = { .name = step_arg(st, "name") };
	struct http_tls_cfg tcfg = { 0 };
	char cert[4200], key[4200], err[256];
	const char *dir;
	unsigned max_body = 0;
	struct lab_http_server *s;
	int rc = 0;

	if (!lh) {
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	if (find_server(lab, cfg.name)) {
		step_msg(ctx, "a server named %s is already up", cfg.name);
		return STEP_FAIL;
	}
	if (lh->n == MAX_SERVERS) {
		step_msg(ctx, "at most %d test servers", MAX_SERVERS);
		return STEP_FAIL;
	}
	if (step_arg(st, "max-body"))
		step_parse_uint(step_arg(st, "max-body"), MAX_SIZE_ARG, &max_body);
	cfg.max_body = max_body;
	if (tls) {
		if (!lab_pki_get(lab, &dir, err, sizeof(err))) {
			step_msg(ctx, "%s", err);
			return STEP_FAIL;
		}
		snprintf(cert, sizeof(cert), "%s/dptls.pem", dir);
		snprintf(key, sizeof(key), "%s/dptls.key", dir);
		tcfg.cert_file = cert;
		tcfg.key_file = key;
		cfg.tls = &tcfg;
	}
	s = &lh->servers[lh->n];
	s->srv = http_server_new(lab->base, &cfg, &rc);
	if (!s->srv) {
		step_msg(ctx, "cannot start the server: %s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	if (http_server_add_route(s->srv, "/echo", false, echo_handler, NULL) < 0 ||
	    http_server_add_route(s->srv, "/status/", true, status_handler, NULL) < 0) {
		http_server_free(s->srv);
		s->srv = NULL;
		step_msg(ctx, "cannot add the routes");
		return STEP_FAIL;
	}
	snprintf(s->name, sizeof(s->name), "%s", cfg.name);
	s->tls = tls;
	lh->n++;
	step_msg(ctx, "%s://127.0.0.1:%u", tls ? "https" : "http", http_server_port(s->srv));
	return STEP_OK;
}

static int post_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "role", "path", "body", "hex", "size", "type",
					    "host", "trust", "verify", "status", "reply", "contains",
					    "error", NULL };
	const char *v;
	unsigned n;
	bool known = false;

	if (step_check_keys(st, 2, keys, err, errlen) < 0)
		return -1;
	if ((v = step_arg(st, "role"))) {
		if (step_arg(st, "name") || (strcmp(v, "smdp") && strcmp(v, "smds") &&
					     strcmp(v, "eim"))) {
			snprintf(err, errlen, "role= is smdp, smds or eim (instead of name=)");
			return -1;
		}
	} else if (name_check(st, err, errlen) < 0) {
		return -1;
	}
	if (!!step_arg(st, "body") + !!step_arg(st, "hex") + !!step_arg(st, "size") > 1) {
		snprintf(err, errlen, "give one of body=, hex= and size=");
		return -1;
	}
	if ((v = step_arg(st, "hex"))) {
		struct sgp_buf b = SGP_BUF_INIT;
		int rc = sgp_hex_decode(v, &b);

		sgp_buf_free(&b);
		if (rc < 0) {
			snprintf(err, errlen, "hex= must be an even number of hex digits");
			return -1;
		}
	}
	if (!(v = step_arg(st, "path")) || v[0] != '/') {
		snprintf(err, errlen, "path= must start with /");
		return -1;
	}
	if ((v = step_arg(st, "size")) && step_parse_uint(v, MAX_SIZE_ARG, &n) < 0) {
		snprintf(err, errlen, "size= must be 0 to %u bytes", MAX_SIZE_ARG);
		return -1;
	}
	if ((v = step_arg(st, "status")) && (step_parse_uint(v, 599, &n) < 0 || n < 200)) {
		snprintf(err, errlen, "status= must be a final HTTP status code (200 to 599)");
		return -1;
	}
	if (onoff(step_arg(st, "verify"), true) < 0) {
		snprintf(err, errlen, "verify= must be on or off");
		return -1;
	}
	if ((v = step_arg(st, "error"))) {
		for (size_t i = 0; i < NUM_XFER; i++)
			known |= !strcmp(v, xfer_keys[i]);
		if (!known) {
			snprintf(err, errlen, "error= must be none, connect, tls, tls-verify, timeout, toobig or protocol");
			return -1;
		}
		if (step_arg(st, "status") || step_arg(st, "reply")) {
			snprintf(err, errlen, "error= expects no answer: drop status= and reply=");
			return -1;
		}
	}
	return 0;
}

static void post_done(const struct http_result *res, void *arg)
{
	struct post *p = arg;
	const struct scn_step *st = p->st;
	const char *want_err = step_arg(st, "error");
	const char *want_reply = step_arg(st, "reply");
	unsigned want_status = 200;
	bool ok;

	if (step_arg(st, "status"))
		step_parse_uint(step_arg(st, "status"), 599, &want_status);
	if (want_err && strcmp(want_err, "none")) {
		const char *got = res->xfer < NUM_XFER ? xfer_keys[res->xfer] : "?";
		const char *detail = res->detail ? res->detail : "";

		ok = !strcmp(got, want_err);
		if (res->xfer == HTTP_XFER_OK)
			step_done(p->ctx, false, "expected error %s, got HTTP %d", want_err, res->status);
		else if (ok)
			step_done(p->ctx, true, "%s: %s", got, detail);
		else
			step_done(p->ctx, false, "expected error %s, got %s: %s", want_err, got, detail);
	} else if (res->xfer != HTTP_XFER_OK) {
		step_done(p->ctx, false, "%s: %s", http_xfer_err_str(res->xfer),
			  res->detail ? res->detail : "");
	} else if ((unsigned)res->status != want_status) {
		step_done(p->ctx, false, "expected HTTP %u, got %d", want_status, res->status);
	} else if (want_reply && (res->body_len != strlen(want_reply) ||
				  memcmp(res->body, want_reply, res->body_len))) {
		step_done(p->ctx, false, "expected the reply '%s', got '%.*s'", want_reply,
			  (int)(res->body_len > 64 ? 64 : res->body_len), (const char *)res->body);
	} else if (step_arg(st, "contains") &&
		   !memmem(res->body, res->body_len, step_arg(st, "contains"),
			   strlen(step_arg(st, "contains")))) {
		step_done(p->ctx, false, "the reply has no '%s': '%.*s'", step_arg(st, "contains"),
			  (int)(res->body_len > 120 ? 120 : res->body_len), (const char *)res->body);
	} else {
		step_done(p->ctx, true, "HTTP %d, %zu bytes", res->status, res->body_len);
	}
}

/* host:port of one of the lab's role servers (started on first use). */
static int role_address(struct lab *lab, const char *role, char *out, size_t size, char *err,
			size_t errlen)
{
	char url[512];

	if (!strcmp(role, "smdp")) {
		const char *addr = lab_smdp_address(lab, err, errlen);

		if (!addr)
			return -1;
		snprintf(out, size, "%s", addr);
	} else if (!strcmp(role, "smds")) {
		if (!lab_smds(lab, err, errlen))
			return -1;
		snprintf(out, size, "%s", lab_rsp_state(lab)->smds_address);
	} else {
		struct http_url u;

		if (lab_eim_url(lab, url, sizeof(url), err, errlen) < 0)
			return -1;
		if (http_url_parse(url, &u) < 0) {
			snprintf(err, errlen, "the eIM's URL does not parse");
			return -1;
		}
		if (snprintf(out, size, "%s:%u", u.host, u.port) >= (int)size) {
			snprintf(err, errlen, "the eIM's address is too long");
			return -1;
		}
	}
	return 0;
}

static enum step_result post_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	const char *role = step_arg(st, "role");
	struct lab_http_server *s = role ? NULL : find_server(lab, step_arg(st, "name"));
	struct lab_http *lh = http_state(lab);
	char address[256] = "";
	const char *trust = step_arg(st, "trust"), *host = step_arg(st, "host");
	struct http_tls_cfg tcfg = { .no_verify = onoff(step_arg(st, "verify"), true) == 0 };
	struct http_client_cfg ccfg = { .name = "scenario", .tls = &tcfg };
	char ca[4200], url[512], err[256];
	const char *dir;
	struct post *p;
	unsigned size = 0;
	size_t len;
	int rc = 0;

	if (role && role_address(lab, role, address, sizeof(address), err, sizeof(err)) < 0) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (!role && !s) {
		step_msg(ctx, "no server named %s (start one with http serve)", step_arg(st, "name"));
		return STEP_FAIL;
	}
	if (!lh) {
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	if (lh->n_posts == sizeof(lh->posts) / sizeof(lh->posts[0])) {
		step_msg(ctx, "too many http post steps in one scenario");
		return STEP_FAIL;
	}
	if (!trust || !strcmp(trust, "lab")) {
		if (!lab_pki_get(lab, &dir, err, sizeof(err))) {
			step_msg(ctx, "%s", err);
			return STEP_FAIL;
		}
		snprintf(ca, sizeof(ca), "%s/ci.pem", dir);
		tcfg.ca_file = ca;
	} else if (strcmp(trust, "system") != 0) {
		tcfg.ca_file = trust;
	}	/* "system": the system trust store, which knows no lab CI */
	p = calloc(1, sizeof(*p));
	if (!p) {
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	lh->posts[lh->n_posts++] = p;	/* freed at teardown from here on */
	p->ctx = ctx;
	p->st = st;
	if (step_arg(st, "size")) {
		step_parse_uint(step_arg(st, "size"), MAX_SIZE_ARG, &size);
		p->body = malloc(size + 1);
		if (p->body)
			memset(p->body, 'x', size);
		len = size;
	} else if (step_arg(st, "hex")) {
		struct sgp_buf b = SGP_BUF_INIT;

		len = 0;
		if (sgp_hex_decode(step_arg(st, "hex"), &b) == 0 && (p->body = malloc(b.len + 1))) {
			memcpy(p->body, b.data, b.len);
			len = b.len;
		}
		sgp_buf_free(&b);
	} else {
		p->body = strdup(step_arg(st, "body") ? step_arg(st, "body") : "");
		len = p->body ? strlen(p->body) : 0;
	}
	p->cli = http_client_new(lab->base, &ccfg, &rc);
	if (!p->body || !p->cli) {
		step_msg(ctx, "cannot set up the client: %s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	if (role)
		snprintf(url, sizeof(url), "https://%s%s", address, step_arg(st, "path"));
	else
		snprintf(url, sizeof(url), "%s://%s:%u%s", s->tls ? "https" : "http",
			 host ? host : "127.0.0.1", http_server_port(s->srv), step_arg(st, "path"));
	if (!http_client_post(p->cli, url, step_arg(st, "type") ? step_arg(st, "type") : "text/plain",
			      (const uint8_t *)p->body, len, NULL, 10000,
			      post_done, p, &rc)) {
		step_msg(ctx, "cannot post to %s: %s", url, sgp_strerror(rc));
		return STEP_FAIL;
	}
	return STEP_PENDING;
}

static void http_teardown(struct lab *lab)
{
	struct lab_http *lh = lab->http;

	if (!lh)
		return;
	for (unsigned i = 0; i < lh->n_posts; i++) {
		http_client_free(lh->posts[i]->cli);	/* cancels a pending call */
		free(lh->posts[i]->body);
		free(lh->posts[i]);
	}
	for (unsigned i = 0; i < lh->n; i++)
		http_server_free(lh->servers[i].srv);
	free(lh);
	lab->http = NULL;
}

static const struct step_def http_defs[] = {
	{
		.keyword = "http", .object = "serve",
		.usage = "http serve name=NAME [tls=on|off] [max-body=BYTES]",
		.help = "Start a test server on 127.0.0.1 (POST /echo, POST /status/CODE); TLS with the lab's DPtls certificate.",
		.check = serve_check, .run = serve_run,
	},
	{
		.keyword = "http", .object = "post",
		.usage = "http post name=NAME|role=smdp|smds|eim path=PATH [body=TEXT|hex=HEX|size=N] [type=CT] [host=H] [trust=lab|system|FILE] [verify=on|off] [status=CODE] [reply=TEXT] [contains=TEXT] [error=KIND]",
		.help = "POST to a test server (name=) or one of the lab's role servers (role=) and expect a status and reply, or a transport error (connect, tls, tls-verify, timeout, toobig, protocol).",
		.check = post_check, .run = post_run,
	},
};

const struct step_table steps_http = {
	.defs = http_defs,
	.count = sizeof(http_defs) / sizeof(http_defs[0]),
	.teardown = http_teardown,
};
