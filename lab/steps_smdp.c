/* sgp32lab: scenario steps for the SM-DP+ (smdp/) and the SM-DS (smds/) —
 * the servers of the profile download; steps_ipa.c drives the IPA.
 *
 *   smdp profile add iccid=ICCID [imsi=IMSI] [type=TEXT]
 *       a profile in the SM-DP+'s inventory (built by smdp/upp.c)
 *   smdp order iccid=ICCID [eid=@N|EID] [mid=MATCHINGID] [cc=CODE] [smds=yes]
 *       [release=yes|no] [result=ok|SUBJECT/REASON]
 *       ES2+ downloadOrder + confirmOrder over HTTPS, as an operator sends them
 *   euicc @N set-default-dp ADDRESS|smdp
 *       ES10a SetDefaultDpAddress through the card (smdp: the lab SM-DP+)
 *   expect smdp profile ICCID state=STATE
 *   expect smds events eid=@N|EID count=N
 *
 * Each role runs on 127.0.0.1 with an ephemeral port and the lab PKI's TLS
 * certificates; every link between them is a real socket. */
#include "lab/lab.h"
#include "lab/lab_card.h"
#include "lab/lab_euicc.h"
#include "lab/lab_pki.h"
#include "lab/lab_rsp.h"
#include "lab/step_ctx.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/pki/pki.h"
#include "core/store/store.h"
#include "sim/euicc.h"
#include "smdp/orders.h"
#include "smdp/smdp_server.h"
#include "smds/smds.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES LAB_MAX_DEVICES

struct lab_rsp *lab_rsp_state(struct lab *lab)
{
	if (!lab->rsp)
		lab->rsp = calloc(1, sizeof(*lab->rsp));
	return lab->rsp;
}

/* The HTTPS client every lab role uses towards the others (trust: lab CI). */
struct http_client *lab_http(struct lab *lab, char *err, size_t errlen)
{
	struct lab_rsp *r = lab_rsp_state(lab);
	/* two clients, so that a trace names each end by its role */
	struct http_client_cfg cfg = { .name = "operator" };
	const char *dir;
	int rc = 0;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (r->http)
		return r->http;
	if (!lab_pki_get(lab, &dir, err, errlen))
		return NULL;
	snprintf(r->ca, sizeof(r->ca), "%s/ci.pem", dir);
	r->tls_client.ca_file = r->ca;
	cfg.tls = &r->tls_client;
	r->http = http_client_new(lab->base, &cfg, &rc);
	cfg.name = "ipa";
	if (r->http && !(r->ipa_http = http_client_new(lab->base, &cfg, &rc))) {
		http_client_free(r->http);
		r->http = NULL;
	}
	if (!r->http)
		snprintf(err, errlen, "cannot start an HTTPS client: %s", sgp_strerror(rc));
	return r->http;
}

/* The lab's SM-DP+, started on first use. */
struct smdp_server *lab_smdp(struct lab *lab, char *err, size_t errlen)
{
	struct lab_rsp *r = lab_rsp_state(lab);
	struct http_tls_cfg tls = { 0 };
	struct smdp_server_cfg cfg = { 0 };
	struct sgp_pki *pki;
	struct sgp_store *store;
	const char *dir;
	int rc = 0;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (r->smdp)
		return r->smdp;
	if (lab->smdp_addr[0]) {
		snprintf(err, errlen, "the SM-DP+ is external (smdp=%s): its inventory and state are "
			 "its own; check what the devices got", lab->smdp_addr);
		return NULL;
	}
	if (!(lab->roles & (1u << LAB_ROLE_SMDP))) {
		snprintf(err, errlen, "no simulated SM-DP+ in this lab (lab roles=smdp,...)");
		return NULL;
	}
	pki = lab_pki_get(lab, &dir, err, errlen);
	store = pki ? lab_store(lab, err, errlen) : NULL;
	if (!store || !lab_http(lab, err, errlen))
		return NULL;
	snprintf(r->cert, sizeof(r->cert), "%s/dptls.pem", dir);
	snprintf(r->key, sizeof(r->key), "%s/dptls.key", dir);
	tls.cert_file = r->cert;
	tls.key_file = r->key;
	cfg.http.name = "smdp";
	cfg.http.addr = "127.0.0.1";
	cfg.http.tls = &tls;
	cfg.store = store;
	cfg.clock = lab->clock;
	cfg.pki = pki;
	cfg.client_tls = &r->tls_client;
	if (r->smdp_front[0])
		cfg.address = r->smdp_front;
	r->smdp = smdp_server_new(lab->base, &cfg, &rc);
	if (!r->smdp) {
		snprintf(err, errlen, "cannot start the SM-DP+: %s", sgp_strerror(rc));
		return NULL;
	}
	snprintf(r->smdp_address, sizeof(r->smdp_address), "%s", smdp_server_address(r->smdp));
	return r->smdp;
}

/* The SM-DP+'s address (HOST:PORT) for activation codes and ES2+: the
 * external one (`lab smdp=`), else the lab's, started on first use. */
const char *lab_smdp_address(struct lab *lab, char *err, size_t errlen)
{
	struct lab_rsp *r = lab_rsp_state(lab);

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (lab->smdp_addr[0]) {
		if (!lab_http(lab, err, errlen))	/* the HTTPS client trusting the lab PKI */
			return NULL;
		snprintf(r->smdp_address, sizeof(r->smdp_address), "%s", lab->smdp_addr);
		return r->smdp_address;
	}
	return lab_smdp(lab, err, errlen) ? r->smdp_address : NULL;
}

/* The lab's SM-DS, started on first use. */
struct smds *lab_smds(struct lab *lab, char *err, size_t errlen)
{
	struct lab_rsp *r = lab_rsp_state(lab);
	struct http_tls_cfg tls = { 0 };
	struct smds_cfg cfg = { 0 };
	char cert[4200], key[4200];
	struct sgp_pki *pki;
	const char *dir;
	int rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (r->smds)
		return r->smds;
	if (!(lab->roles & (1u << LAB_ROLE_SMDS))) {
		snprintf(err, errlen, "no simulated SM-DS in this lab (lab roles=smds,...)");
		return NULL;
	}
	pki = lab_pki_get(lab, &dir, err, errlen);
	if (!pki || !lab_store(lab, err, errlen))
		return NULL;
	snprintf(cert, sizeof(cert), "%s/dstls.pem", dir);
	snprintf(key, sizeof(key), "%s/dstls.key", dir);
	tls.cert_file = cert;
	tls.key_file = key;
	cfg.base = lab->base;
	cfg.clock = lab->clock;
	cfg.store = lab->store;
	cfg.pki = pki;
	cfg.tls = &tls;
	cfg.bind_addr = "127.0.0.1";
	rc = smds_new(&cfg, &r->smds);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the SM-DS: %s", sgp_strerror(rc));
		return NULL;
	}
	snprintf(r->smds_address, sizeof(r->smds_address), "%s", smds_address(r->smds));
	return r->smds;
}

/* --- smdp profile add --- */

static int profile_add_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "iccid", "imsi", "type", NULL };

	if (step_check_keys(st, 3, keys, err, errlen) < 0)
		return -1;
	if (st->argc < 3 || strcmp(st->argv[2], "add") || !step_arg(st, "iccid")) {
		snprintf(err, errlen, "expected: smdp profile add iccid=ICCID [imsi=IMSI] [type=TEXT]");
		return -1;
	}
	return 0;
}

static enum step_result profile_add_run(struct lab *lab, const struct scn_step *st,
					struct step_ctx *ctx)
{
	const char *iccid = step_arg(st, "iccid");
	char err[256], imsi[16];
	int rc;

	if (!lab_smdp(lab, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (step_arg(st, "imsi"))
		snprintf(imsi, sizeof(imsi), "%s", step_arg(st, "imsi"));
	else	/* 001 01 + the ICCID's last ten digits */
		snprintf(imsi, sizeof(imsi), "00101%.10s",
			 strlen(iccid) > 10 ? iccid + strlen(iccid) - 10 : iccid);
	rc = smdp_profile_create(lab->store, iccid, imsi, step_arg(st, "type"));
	if (rc < 0) {
		step_msg(ctx, "cannot add the profile: %s", rc == SGP_ERR_EXISTS ?
			 "its ICCID is already in the inventory" : sgp_strerror(rc));
		return STEP_FAIL;
	}
	step_msg(ctx, "IMSI %s", imsi);
	return STEP_OK;
}

/* --- smdp order: ES2+ downloadOrder + confirmOrder --- */

static int order_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "iccid", "eid", "mid", "cc", "smds", "release",
					    "result", NULL };
	const char *v;

	if (step_check_keys(st, 2, keys, err, errlen) < 0)
		return -1;
	if (!step_arg(st, "iccid")) {
		snprintf(err, errlen, "iccid= is required");
		return -1;
	}
	if ((v = step_arg(st, "eid")) && v[0] == '@' && step_device(v, MAX_DEVICES) < 0) {
		snprintf(err, errlen, "eid= is @N or an EID");
		return -1;
	}
	return 0;
}

/* "Executed-Success", or the refusal as "SUBJECT/REASON: message". */
static bool es_status(const struct http_result *res, char *why, size_t n)
{
	json_t *j, *st, *scd;
	json_error_t je;
	const char *status, *sub, *rea, *msg;

	if (res->xfer != HTTP_XFER_OK) {
		snprintf(why, n, "%s: %s", http_xfer_err_str(res->xfer), res->detail ? res->detail : "");
		return false;
	}
	j = json_loadb((const char *)res->body, res->body_len, 0, &je);
	st = json_object_get(json_object_get(json_object_get(j, "header"), "functionExecutionStatus"),
			     "status");
	status = json_string_value(st);
	if (status && !strcmp(status, "Executed-Success")) {
		json_decref(j);
		return true;
	}
	scd = json_object_get(json_object_get(json_object_get(j, "header"), "functionExecutionStatus"),
			      "statusCodeData");
	sub = json_string_value(json_object_get(scd, "subjectCode"));
	rea = json_string_value(json_object_get(scd, "reasonCode"));
	msg = json_string_value(json_object_get(scd, "message"));
	snprintf(why, n, "%s/%s%s%s", sub ? sub : "?", rea ? rea : "?", msg ? ": " : "",
		 msg ? msg : "");
	if (!status)
		snprintf(why, n, "HTTP %d without a function execution status", res->status);
	json_decref(j);
	return false;
}

static void order_post(struct lab *lab, const char *function, json_t *body);

static void order_answer(const struct http_result *res, void *arg)
{
	struct lab *lab = arg;
	struct lab_rsp *r = lab->rsp;
	const char *want = step_arg(r->order_st, "result");
	char why[300];
	bool ok = es_status(res, why, sizeof(why));

	if (!ok) {
		if (want && strcmp(want, "ok") && !strncmp(why, want, strlen(want)))
			step_done(r->order_ctx, true, "refused: %s", why);
		else
			step_done(r->order_ctx, false, "%s refused: %s",
				  r->order_stage ? "confirmOrder" : "downloadOrder", why);
		return;
	}
	if (r->order_stage == 0) {
		const struct scn_step *st = r->order_st;
		const char *v;
		json_t *b = json_object();

		r->order_stage = 1;
		json_object_set_new(b, "header", json_pack("{s:s,s:s}", "functionRequesterIdentifier",
							   "lab-operator", "functionCallIdentifier",
							   "confirmOrder"));
		json_object_set_new(b, "iccid", json_string(step_arg(st, "iccid")));
		if ((v = step_arg(st, "mid")))
			json_object_set_new(b, "matchingId", json_string(v));
		if ((v = step_arg(st, "cc")))
			json_object_set_new(b, "confirmationCode", json_string(v));
		if ((v = step_arg(st, "smds")) && !strcmp(v, "yes") && r->smds_address[0])
			json_object_set_new(b, "smdsAddress", json_string(r->smds_address));
		v = step_arg(st, "release");
		json_object_set_new(b, "releaseFlag", json_boolean(!v || strcmp(v, "no")));
		order_post(lab, "confirmOrder", b);
		return;
	}
	if (want && strcmp(want, "ok"))
		step_done(r->order_ctx, false, "confirmed, but %s was expected", want);
	else if (step_arg(r->order_st, "mid"))
		/* what an end user would scan: the sandbox's ready activation code */
		step_done(r->order_ctx, true, "confirmed; activation code LPA:1$%s$%s",
			  r->smdp_address, step_arg(r->order_st, "mid"));
	else
		step_done(r->order_ctx, true, "confirmed");
}

static void order_post(struct lab *lab, const char *function, json_t *body)
{
	struct lab_rsp *r = lab->rsp;
	static const struct http_header hdr[] = {
		{ "X-Admin-Protocol", "gsma/rsp/v2.5.0" }, { NULL, NULL },
	};
	char url[300], *text = json_dumps(body, JSON_COMPACT);
	int rc = 0;

	json_decref(body);
	snprintf(url, sizeof(url), "https://%s/gsma/rsp2/es2plus/%s", r->smdp_address, function);
	if (!text || !http_client_post(r->http, url, "application/json", (const uint8_t *)text,
				       strlen(text), hdr, 10000, order_answer, lab, &rc))
		step_done(r->order_ctx, false, "cannot send %s: %s", function, sgp_strerror(rc));
	free(text);
}

static enum step_result order_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	struct lab_rsp *r;
	const char *v;
	char err[256];
	json_t *b;

	if (!lab_smdp_address(lab, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	r = lab->rsp;
	if ((v = step_arg(st, "smds")) && !strcmp(v, "yes") && !lab_smds(lab, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	r->order_ctx = ctx;
	r->order_st = st;
	r->order_stage = 0;
	b = json_object();
	json_object_set_new(b, "header", json_pack("{s:s,s:s}", "functionRequesterIdentifier",
						   "lab-operator", "functionCallIdentifier",
						   "downloadOrder"));
	json_object_set_new(b, "iccid", json_string(step_arg(st, "iccid")));
	if ((v = step_arg(st, "eid"))) {
		if (v[0] == '@') {
			struct euicc *e = lab_euicc_get(lab, (unsigned)step_device(v, MAX_DEVICES),
							err, sizeof(err));
			if (!e) {
				json_decref(b);
				step_msg(ctx, "%s", err);
				return STEP_FAIL;
			}
			v = euicc_eid(e);
		}
		json_object_set_new(b, "eid", json_string(v));
	}
	order_post(lab, "downloadOrder", b);
	return STEP_PENDING;
}

/* --- expect smdp profile ICCID state=STATE --- */

static int expect_smdp_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "state", NULL };
	const char *v = step_arg(st, "state");

	if (st->argc < 4 || strcmp(st->argv[2], "profile") || strchr(st->argv[3], '=')) {
		snprintf(err, errlen, "expected: expect smdp profile ICCID state=STATE");
		return -1;
	}
	if (!v || smdp_profile_state_parse(v) < 0) {
		snprintf(err, errlen, "state= is one of available, allocated, linked, confirmed, "
			 "released, downloaded, installed, error, unavailable");
		return -1;
	}
	return step_check_keys(st, 4, keys, err, errlen);
}

static enum step_result expect_smdp_run(struct lab *lab, const struct scn_step *st,
					struct step_ctx *ctx)
{
	struct smdp_profile p;
	char err[256];
	int rc;

	if (!lab_smdp(lab, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	rc = smdp_profile_get(lab->store, st->argv[3], &p);
	if (rc < 0) {
		step_msg(ctx, "profile %s: %s", st->argv[3], sgp_strerror(rc));
		return STEP_FAIL;
	}
	rc = strcmp(smdp_profile_state_name(p.state), step_arg(st, "state"));
	step_msg(ctx, "%s%s%s", smdp_profile_state_name(p.state), p.eid[0] ? ", EID " : "", p.eid);
	smdp_profile_release(&p);
	return rc ? STEP_FAIL : STEP_OK;
}

/* --- euicc @N set-default-dp ADDRESS|smdp --- */

static int set_dp_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 4 || step_device(st->argv[1], MAX_DEVICES) < 0 || strchr(st->argv[3], '=')) {
		snprintf(err, errlen, "expected: euicc @N set-default-dp ADDRESS|smdp");
		return -1;
	}
	return 0;
}

static enum step_result set_dp_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	const char *addr = st->argv[3];
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	enum step_result sr = STEP_FAIL;
	char err[256];
	struct card *card;
	uint16_t sw = 0;
	int rc;

	if (!strcmp(addr, "smdp")) {
		addr = lab_smdp_address(lab, err, sizeof(err));
		if (!addr) {
			step_msg(ctx, "%s", err);
			return STEP_FAIL;
		}
	}
	card = lab_card_get(lab, (unsigned)step_device(st->argv[1], MAX_DEVICES), err, sizeof(err));
	if (!card) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	/* SetDefaultDpAddressRequest ::= [63] { defaultDpAddress UTF8String [0] } */
	rc = sgp_der_put_tlv(&cmd, 0x80, addr, strlen(addr));
	if (rc == SGP_OK)
		rc = sgp_der_wrap(&cmd, 0xBF3F);
	if (rc == SGP_OK)
		rc = lab_card_es10(card, cmd.data, cmd.len, &resp, &sw);
	/* SetDefaultDpAddressResponse: setDefaultDpAddressResult [0] 0 = ok */
	if (rc < 0)
		step_msg(ctx, "SetDefaultDpAddress: SW %04X", sw);
	else if (resp.len == 6 && resp.data[3] == 0x80 && resp.data[5] == 0)
		sr = STEP_OK;
	else
		step_msg(ctx, "SetDefaultDpAddress refused");
	if (sr == STEP_OK)
		step_msg(ctx, "%s", addr);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	return sr;
}

/* --- expect smds events eid=@N|EID count=N --- */

static int expect_smds_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "eid", "count", NULL };
	const char *v = step_arg(st, "count");
	unsigned n;

	if (st->argc < 3 || strcmp(st->argv[2], "events")) {
		snprintf(err, errlen, "expected: expect smds events eid=@N|EID count=N");
		return -1;
	}
	if (step_check_keys(st, 3, keys, err, errlen) < 0)
		return -1;
	if (!step_arg(st, "eid") || !v || step_parse_uint(v, 100000, &n) < 0) {
		snprintf(err, errlen, "eid= and count= are required");
		return -1;
	}
	return 0;
}

static int count_event(const struct smds_event *ev, void *arg)
{
	(void)ev;
	(*(unsigned *)arg)++;
	return 0;
}

/* ES12 goes after the ES2+ or ES9+ answer that caused it (SGP.22 5.3.2,
 * 3.1.3): the events are counted once the SM-DP+ has no call out, checked
 * every few ms of real time (at most SMDS_WAIT_MS). */
#define SMDS_TICK_MS 2
#define SMDS_WAIT_MS 5000

static enum step_result smds_count(struct lab *lab, const struct scn_step *st,
				   struct step_ctx *ctx);

static void smds_tick(evutil_socket_t fd, short what, void *arg)
{
	struct lab *lab = arg;
	struct lab_rsp *r = lab->rsp;
	struct step_ctx *ctx = r->smds_ctx;
	static const struct timeval tv = { 0, SMDS_TICK_MS * 1000 };
	enum step_result sr;

	(void)fd; (void)what;
	if (!ctx)
		return;
	if (r->smdp && smdp_server_calls_out(r->smdp) && r->smds_waited_ms < SMDS_WAIT_MS) {
		r->smds_waited_ms += SMDS_TICK_MS;
		event_add(r->smds_wait, &tv);
		return;
	}
	r->smds_ctx = NULL;
	sr = smds_count(lab, r->smds_st, ctx);
	step_done(ctx, sr == STEP_OK, NULL);
}

static enum step_result expect_smds_run(struct lab *lab, const struct scn_step *st,
					struct step_ctx *ctx)
{
	struct lab_rsp *r = lab_rsp_state(lab);
	char err[256];

	if (!lab_smds(lab, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (!r->smds_wait && !(r->smds_wait = evtimer_new(lab->base, smds_tick, lab))) {
		step_msg(ctx, "out of memory");
		return STEP_FAIL;
	}
	r->smds_ctx = ctx;
	r->smds_st = st;
	r->smds_waited_ms = 0;
	event_active(r->smds_wait, EV_TIMEOUT, 0);
	return STEP_PENDING;
}

static enum step_result smds_count(struct lab *lab, const struct scn_step *st,
				   struct step_ctx *ctx)
{
	const char *eid = step_arg(st, "eid");
	unsigned want = 0, have = 0;
	char err[256];
	int rc;

	if (eid[0] == '@') {
		struct euicc *e = lab_euicc_get(lab, (unsigned)step_device(eid, MAX_DEVICES), err,
						sizeof(err));
		if (!e) {
			step_msg(ctx, "%s", err);
			return STEP_FAIL;
		}
		eid = euicc_eid(e);
	}
	step_parse_uint(step_arg(st, "count"), 100000, &want);
	rc = smds_events_foreach(lab->store, eid, count_event, &have);
	if (rc < 0) {
		step_msg(ctx, "%s", sgp_strerror(rc));
		return STEP_FAIL;
	}
	step_msg(ctx, "%u event%s for %s", have, have == 1 ? "" : "s", eid);
	return have == want ? STEP_OK : STEP_FAIL;
}

static void smdp_teardown(struct lab *lab)
{
	struct lab_rsp *r = lab->rsp;

	if (!r)
		return;
	if (r->smds_wait)
		event_free(r->smds_wait);
	/* steps_ipa.c's teardown has run: the IPAs are gone */
	smdp_server_free(r->smdp);
	smds_free(r->smds);
	http_client_free(r->http);
	http_client_free(r->ipa_http);
	free(r->ipa);
	free(r);
	lab->rsp = NULL;
}

static const struct step_def smdp_defs[] = {
	{
		.keyword = "smdp", .object = "profile",
		.usage = "smdp profile add iccid=ICCID [imsi=IMSI] [type=TEXT]",
		.help = "Add a profile (built by the SM-DP+) to its inventory.",
		.check = profile_add_check, .run = profile_add_run,
	},
	{
		.keyword = "smdp", .object = "order",
		.usage = "smdp order iccid=ICCID [eid=@N|EID] [mid=MATCHINGID] [cc=CODE] [smds=yes] [release=yes|no] [result=ok|SUBJECT/REASON]",
		.help = "ES2+ downloadOrder and confirmOrder over HTTPS, as an operator sends them.",
		.check = order_check, .run = order_run,
	},
	{
		.keyword = "euicc", .object = "set-default-dp",
		.usage = "euicc @N set-default-dp ADDRESS|smdp",
		.help = "ES10a SetDefaultDpAddress through the card; smdp names the lab SM-DP+.",
		.check = set_dp_check, .run = set_dp_run,
	},
	{
		.keyword = "expect", .object = "smds",
		.usage = "expect smds events eid=@N|EID count=N",
		.help = "Check the SM-DS's event records for an EID.",
		.check = expect_smds_check, .run = expect_smds_run,
	},
	{
		.keyword = "expect", .object = "smdp",
		.usage = "expect smdp profile ICCID state=STATE",
		.help = "Check an SM-DP+ profile's state (available ... released, downloaded, installed, error).",
		.check = expect_smdp_check, .run = expect_smdp_run,
	},
};

const struct step_table steps_smdp = {
	.defs = smdp_defs,
	.count = sizeof(smdp_defs) / sizeof(smdp_defs[0]),
	.teardown = smdp_teardown,
};
