/* sgp32lab: the eIM's operator API, HTTPS JSON (doc/eim-api.md)
 *
 *   POST /api/v1/devices                    {eid, certificate?, associationToken?, counter?}
 *   GET  /api/v1/devices                    [eid, ...]
 *   GET  /api/v1/devices/{eid}              the device, its last known profiles
 *   GET  /api/v1/devices/{eid}/packages     its packages and their results
 *   POST /api/v1/devices/{eid}/psmo         {op, iccid?, rollback?, address?, immediateEnable?}
 *   POST /api/v1/devices/{eid}/eco          {op, eimId?, eimFqdn?, counter?}
 *   POST /api/v1/devices/{eid}/data         {tags?}
 *   POST /api/v1/devices/{eid}/download     {activationCode | contactDefaultSmdp | contactSmds}
 *
 * Input is checked strictly: a body that is not one JSON object, larger
 * than EIM_API_MAX_BODY, with an unknown member or a member of the wrong
 * type is 400 with {"error": "..."}; an unknown device is 404. */
#include "eim/api.h"
#include "eim/eim.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/pki/pki.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define API_PREFIX "/api/v1/devices"

struct eim_api {
	struct http_server *http;
	struct eim_server *eim;
};

static void reply_json(struct http_request *req, int status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (!text)
		http_request_reply(req, 500, NULL, NULL, NULL, 0);
	else
		http_request_reply(req, status, "application/json", NULL, (const uint8_t *)text,
				   strlen(text));
	free(text);
	json_decref(j);
}

static void reply_error(struct http_request *req, int status, const char *msg)
{
	reply_json(req, status, json_pack("{s:s}", "error", msg));
}

/* The status for an error of the eIM. */
static void reply_rc(struct http_request *req, int rc)
{
	if (rc == SGP_ERR_NOTFOUND)
		reply_error(req, 404, "unknown device");
	else if (rc == SGP_ERR_EXISTS)
		reply_error(req, 409, "device already registered");
	else if (rc == SGP_ERR_INVAL || rc == SGP_ERR_PARSE || rc == SGP_ERR_VERIFY)
		reply_error(req, 400, sgp_strerror(rc));
	else
		reply_error(req, 500, sgp_strerror(rc));
}

/* The body as one JSON object whose members are all in allowed, with the
 * types given ('s' string, 'b' boolean, 'i' integer). */
static json_t *body_object(struct http_request *req, const char *const *allowed, const char *types,
			   char *err, size_t errlen)
{
	size_t len;
	const uint8_t *body = http_request_body(req, &len);
	json_error_t je;
	json_t *j, *v;
	const char *k;

	if (len > EIM_API_MAX_BODY) {
		snprintf(err, errlen, "body larger than %d bytes", EIM_API_MAX_BODY);
		return NULL;
	}
	j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		snprintf(err, errlen, "body is not a JSON object%s%.80s", j ? "" : ": ", j ? "" : je.text);
		json_decref(j);
		return NULL;
	}
	json_object_foreach(j, k, v) {
		size_t i;
		bool ok;

		for (i = 0; allowed[i] && strcmp(allowed[i], k); i++)
			;
		if (!allowed[i]) {
			snprintf(err, errlen, "unknown member \"%.64s\"", k);
			json_decref(j);
			return NULL;
		}
		ok = types[i] == 's' ? json_is_string(v) :
		     types[i] == 'b' ? json_is_boolean(v) : json_is_integer(v);
		if (!ok) {
			snprintf(err, errlen, "member \"%s\" has the wrong type", k);
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

static const char *str(json_t *j, const char *k)
{
	return json_string_value(json_object_get(j, k));
}

static void created(struct http_request *req, int rc, int64_t id)
{
	if (rc)
		reply_rc(req, rc);
	else
		reply_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

static void post_device(struct eim_api *a, struct http_request *req)
{
	static const char *const keys[] = { "eid", "certificate", "associationToken", "counter", NULL };
	struct sgp_buf der = SGP_BUF_INIT;
	char err[160];
	json_t *j = body_object(req, keys, "ssii", err, sizeof(err));
	const char *eid = j ? str(j, "eid") : NULL, *cert = j ? str(j, "certificate") : NULL;
	json_int_t tok = j ? json_integer_value(json_object_get(j, "associationToken")) : 0;
	json_int_t ctr = j ? json_integer_value(json_object_get(j, "counter")) : 0;
	X509 *x = NULL;
	int rc;

	if (!j) {
		reply_error(req, 400, err);
		return;
	}
	if (!eid || sgp_eid_check(eid)) {
		reply_error(req, 400, "eid: 32 digits required");
		goto out;
	}
	if (tok < 0 || tok > 0x7FFFFFFF || ctr < 0 || ctr > 0x7FFFFF) {
		reply_error(req, 400, "associationToken or counter out of range");
		goto out;
	}
	/* the eUICC certificate as base64 of its DER; absent: EID only */
	if (cert && (sgp_base64_decode(cert, strlen(cert), &der) ||
		     sgp_pki_cert_from_der(der.data, der.len, &x))) {
		reply_error(req, 400, "certificate: base64 of a DER certificate expected");
		goto out;
	}
	rc = eim_register_device(a->eim, eid, x, (long)tok, (long)ctr);
	if (rc)
		reply_rc(req, rc);
	else
		reply_json(req, 201, json_pack("{s:s,s:b}", "eid", eid, "bootstrap", x == NULL));
out:
	X509_free(x);
	sgp_buf_free(&der);
	json_decref(j);
}

static void get_devices(struct eim_api *a, struct http_request *req)
{
	char (*v)[EIM_EID_DIGITS + 1] = NULL;
	size_t n = 0;
	json_t *arr;
	int rc = eim_registry_eids(eim_server_store(a->eim), &v, &n);

	if (rc) {
		reply_rc(req, rc);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	free(v);
	reply_json(req, 200, arr);
}

static json_t *b64(const struct sgp_buf *b)
{
	char *t = b->len ? sgp_base64_encode(b->data, b->len) : NULL;
	json_t *j = t ? json_string(t) : json_null();

	free(t);
	return j;
}

static void get_device(struct eim_api *a, struct http_request *req, const char *eid)
{
	struct eim_device d;
	struct eim_profile *p = NULL;
	size_t n = 0, notifs = 0;
	json_t *j, *profs;
	int rc = eim_get_device(a->eim, eid, &d);

	if (rc) {
		reply_rc(req, rc);
		return;
	}
	rc = eim_get_profiles(a->eim, eid, &p, &n);
	if (!rc)
		rc = eim_get_notification_count(a->eim, eid, &notifs);
	if (rc) {
		eim_device_release(&d);
		free(p);
		reply_rc(req, rc);
		return;
	}
	profs = json_array();
	for (size_t i = 0; profs && i < n; i++)
		json_array_append_new(profs, json_pack("{s:s,s:s,s:i,s:s,s:b}", "iccid", p[i].iccid,
			"state", p[i].state ? "enabled" : "disabled", "class", p[i].profile_class,
			"nickname", p[i].nickname, "fallbackAttribute", p[i].fallback));
	j = json_pack("{s:s,s:b,s:I,s:I,s:I,s:b,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "eid", d.eid,
		      "bootstrap", eim_device_bootstrap(&d),
		      "associationToken", (json_int_t)d.association_token,
		      "nextCounter", (json_int_t)d.next_counter,
		      "lastContact", (json_int_t)d.last_contact,
		      "notifyStateChange", d.notify_state_change,
		      "stateChangeCause", (json_int_t)d.state_change_cause,
		      "notifications", (json_int_t)notifs,
		      "euiccCertificate", b64(&d.euicc_cert), "eumCertificate", b64(&d.eum_cert),
		      "euiccInfo2", b64(&d.euicc_info2), "ipaCapabilities", b64(&d.ipa_capabilities),
		      "profiles", profs ? profs : json_null());
	eim_device_release(&d);
	free(p);
	reply_json(req, 200, j);
}

static void get_packages(struct eim_api *a, struct http_request *req, const char *eid)
{
	struct eim_device d;
	struct eim_pkg *v = NULL;
	size_t n = 0;
	json_t *arr;
	int rc = eim_get_device(a->eim, eid, &d);

	if (!rc) {
		eim_device_release(&d);
		rc = eim_server_packages(a->eim, eid, &v, &n);
	}
	if (rc) {
		reply_rc(req, rc);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		char tid[33];
		json_t *e;

		sgp_hex_encode_to(tid, v[i].transaction_id, v[i].transaction_id_len, true);
		e = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:o}", "id", (json_int_t)v[i].id,
			      "kind", eim_pkg_kind_name(v[i].kind),
			      "eimTransactionId", tid, "state", eim_pkg_state_name(v[i].state),
			      "created", (json_int_t)v[i].created,
			      "result", v[i].state == EIM_PKG_RESULT_RECEIVED ?
				      eim_pkg_outcome_name(v[i].result_kind) : "none",
			      "package", b64(&v[i].der));
		if (e && v[i].counter >= 0)
			json_object_set_new(e, "counter", json_integer(v[i].counter));
		if (e && v[i].state == EIM_PKG_RESULT_RECEIVED) {
			json_object_set_new(e, "resultVerified", json_boolean(v[i].result_verified));
			json_object_set_new(e, "resultDer", b64(&v[i].result));
			if (v[i].seq_number >= 0)
				json_object_set_new(e, "seqNumber", json_integer(v[i].seq_number));
			if (v[i].error_code >= 0)
				json_object_set_new(e, "errorCode", json_integer(v[i].error_code));
			if (v[i].iccid[0])
				json_object_set_new(e, "iccid", json_string(v[i].iccid));
		}
		json_array_append_new(arr, e);
	}
	eim_pkg_list_free(v, n);
	reply_json(req, 200, arr);
}

static void post_psmo(struct eim_api *a, struct http_request *req, const char *eid)
{
	static const char *const keys[] = { "op", "iccid", "rollback", "address", "immediateEnable",
					    NULL };
	char err[160];
	json_t *j = body_object(req, keys, "ssbsb", err, sizeof(err));
	struct eim_psmo o = { 0 };
	int64_t id = 0;

	if (!j) {
		reply_error(req, 400, err);
		return;
	}
	if (eim_psmo_op_from_name(str(j, "op"), &o.op)) {
		reply_error(req, 400, "op: a PSMO name (enable, disable, delete, listProfileInfo, "
			    "getRAT, configureImmediateEnable, setFallbackAttribute, "
			    "unsetFallbackAttribute, setDefaultDpAddress)");
		json_decref(j);
		return;
	}
	o.iccid = str(j, "iccid");
	o.address = str(j, "address");
	o.rollback = json_is_true(json_object_get(j, "rollback"));
	o.immediate_enable = json_is_true(json_object_get(j, "immediateEnable"));
	created(req, eim_queue_psmo(a->eim, eid, &o, 1, &id), id);
	json_decref(j);
}

static void post_eco(struct eim_api *a, struct http_request *req, const char *eid)
{
	static const char *const keys[] = { "op", "eimId", "eimFqdn", "counter", NULL };
	char err[160];
	json_t *j = body_object(req, keys, "sssi", err, sizeof(err));
	struct eim_eco o = { 0 };
	json_int_t ctr;
	int64_t id = 0;

	if (!j) {
		reply_error(req, 400, err);
		return;
	}
	ctr = json_integer_value(json_object_get(j, "counter"));
	if (eim_eco_op_from_name(str(j, "op"), &o.op) || ctr < 0 || ctr > 0x7FFFFF) {
		reply_error(req, 400, "op: addEim, deleteEim, updateEim or listEim; counter 0..8388607");
		json_decref(j);
		return;
	}
	o.eim_id = str(j, "eimId");
	o.eim_fqdn = str(j, "eimFqdn");
	o.counter = (long)ctr;
	created(req, eim_queue_eco(a->eim, eid, &o, 1, &id), id);
	json_decref(j);
}

static void post_data(struct eim_api *a, struct http_request *req, const char *eid)
{
	static const char *const keys[] = { "tags", NULL };
	static const uint8_t def[] = { 0xBF, 0x22, 0xA8 };
	struct sgp_buf tags = SGP_BUF_INIT;
	char err[160];
	json_t *j = body_object(req, keys, "s", err, sizeof(err));
	struct eim_data_request r = { def, sizeof(def), -1, -1 };
	int64_t id = 0;

	if (!j) {
		reply_error(req, 400, err);
		return;
	}
	if (str(j, "tags")) {
		if (sgp_hex_decode(str(j, "tags"), &tags) || !tags.len || tags.len > 32) {
			reply_error(req, 400, "tags: 1..32 bytes in hex");
			goto out;
		}
		r.tags = tags.data;
		r.tags_len = tags.len;
	}
	created(req, eim_queue_data_request(a->eim, eid, &r, &id), id);
out:
	sgp_buf_free(&tags);
	json_decref(j);
}

static void post_download(struct eim_api *a, struct http_request *req, const char *eid)
{
	static const char *const keys[] = { "activationCode", "contactDefaultSmdp", "contactSmds",
					    "smdsAddress", NULL };
	char err[160];
	json_t *j = body_object(req, keys, "sbbs", err, sizeof(err));
	const char *ac = j ? str(j, "activationCode") : NULL, *smds = j ? str(j, "smdsAddress") : NULL;
	bool def = j && json_is_true(json_object_get(j, "contactDefaultSmdp"));
	bool ds = j && json_is_true(json_object_get(j, "contactSmds"));
	int64_t id = 0;
	int rc;

	if (!j) {
		reply_error(req, 400, err);
		return;
	}
	if ((ac != NULL) + def + ds != 1 || (smds && !ds)) {
		reply_error(req, 400, "exactly one of activationCode, contactDefaultSmdp: true, "
			    "contactSmds: true (with smdsAddress)");
		json_decref(j);
		return;
	}
	rc = eim_queue_download_trigger(a->eim, eid, ac ? EIM_DOWNLOAD_ACTIVATION_CODE :
					def ? EIM_DOWNLOAD_DEFAULT_SMDP : EIM_DOWNLOAD_SMDS,
					ac ? ac : smds, &id);
	created(req, rc, id);
	json_decref(j);
}

static void handle(struct http_request *req, void *arg)
{
	struct eim_api *a = arg;
	const char *path = http_request_path(req), *m = http_request_method(req), *rest, *sub;
	bool get = !strcmp(m, "GET"), post = !strcmp(m, "POST");
	char eid[EIM_EID_DIGITS + 1];
	size_t n;

	if (!get && !post) {
		reply_error(req, 405, "GET or POST");
		return;
	}
	rest = path + strlen(API_PREFIX);
	if (!*rest || !strcmp(rest, "/")) {
		if (post)
			post_device(a, req);
		else
			get_devices(a, req);
		return;
	}
	if (*rest != '/') {
		reply_error(req, 404, "no such path");
		return;
	}
	rest++;
	sub = strchr(rest, '/');
	n = sub ? (size_t)(sub - rest) : strlen(rest);
	if (n != EIM_EID_DIGITS) {
		reply_error(req, 404, "no such device path (the EID is 32 digits)");
		return;
	}
	memcpy(eid, rest, n);
	eid[n] = 0;
	if (sgp_eid_check(eid)) {
		reply_error(req, 400, "invalid EID");
		return;
	}
	if (!sub && get)
		get_device(a, req, eid);
	else if (sub && !strcmp(sub, "/packages") && get)
		get_packages(a, req, eid);
	else if (sub && !strcmp(sub, "/psmo") && post)
		post_psmo(a, req, eid);
	else if (sub && !strcmp(sub, "/eco") && post)
		post_eco(a, req, eid);
	else if (sub && !strcmp(sub, "/data") && post)
		post_data(a, req, eid);
	else if (sub && !strcmp(sub, "/download") && post)
		post_download(a, req, eid);
	else
		reply_error(req, 404, "no such path or method");
}

struct eim_api *eim_api_new(struct event_base *base, struct eim_server *eim,
			    const struct http_server_cfg *http, int *err)
{
	struct eim_api *a = NULL;
	struct http_server_cfg cfg;
	int rc = 0;

	if (!base || !eim || !http) {
		rc = SGP_ERR_INVAL;
		goto out;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	a->eim = eim;
	cfg = *http;
	/* larger bodies still reach the handler, which answers 400 */
	cfg.max_body = 4 * EIM_API_MAX_BODY;
	a->http = http_server_new(base, &cfg, &rc);
	if (!a->http)
		goto out;
	rc = http_server_add_route_any(a->http, API_PREFIX, true, handle, a);
	if (!rc)
		LOGP(DEIM, LOGL_INFO, "eim: operator API on port %u", http_server_port(a->http));
out:
	if (rc) {
		eim_api_free(a);
		a = NULL;
	}
	if (err)
		*err = rc;
	return a;
}

void eim_api_free(struct eim_api *a)
{
	if (!a)
		return;
	http_server_free(a->http);
	free(a);
}

uint16_t eim_api_port(const struct eim_api *a)
{
	return http_server_port(a->http);
}

struct http_server *eim_api_http(struct eim_api *a)
{
	return a->http;
}
