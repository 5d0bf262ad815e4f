/* sgp32lab: SM-DP+ — the ES2+ server (SGP.22 v2.5 5.3) and what the
 * SM-DP+ sends on its own: handleDownloadProgressInfo to the operator
 * (5.3.5) and ES12 RegisterEvent / DeleteEvent to the SM-DS (5.8). */
#include "smdp/es2plus.h"
#include "smdp/server_int.h"
#include "core/err.h"
#include "core/es9/es9.h"
#include "core/log.h"
#include "core/store/store.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define F(st, m, json, kind, flags, max) { json, kind, offsetof(st, m), 0, flags, 0, max }
#define FB(st, m, has, json, kind, flags) { json, kind, offsetof(st, m), offsetof(st, has), flags, 0, 0 }
#define DESC(st, nm, tbl) \
	const struct json_msg_desc nm = { #st, sizeof(st), tbl, sizeof(tbl) / sizeof(tbl[0]) }
#define REQH(st) F(st, header, "header", JF_REQ_HEADER, JF_MANDATORY, 0)
#define RESPH(st) F(st, header, "header", JF_RESP_HEADER, JF_MANDATORY, 0)

static const struct json_field dor_req[] = {
	REQH(struct es2_download_order_req),
	F(struct es2_download_order_req, eid, "eid", JF_STRING, 0, 32),
	F(struct es2_download_order_req, iccid, "iccid", JF_STRING, 0, 20),
	F(struct es2_download_order_req, profile_type, "profileType", JF_STRING, 0, 64),
};
DESC(struct es2_download_order_req, es2_download_order_req_desc, dor_req);
static const struct json_field dor_resp[] = {
	RESPH(struct es2_download_order_resp),
	F(struct es2_download_order_resp, iccid, "iccid", JF_STRING, JF_SUCCESS_ONLY, 20),
};
DESC(struct es2_download_order_resp, es2_download_order_resp_desc, dor_resp);

static const struct json_field co_req[] = {
	REQH(struct es2_confirm_order_req),
	F(struct es2_confirm_order_req, iccid, "iccid", JF_STRING, JF_MANDATORY, 20),
	F(struct es2_confirm_order_req, eid, "eid", JF_STRING, 0, 32),
	F(struct es2_confirm_order_req, matching_id, "matchingId", JF_STRING, 0, 64),
	F(struct es2_confirm_order_req, confirmation_code, "confirmationCode", JF_STRING, 0, 64),
	F(struct es2_confirm_order_req, smds_address, "smdsAddress", JF_STRING, 0, 255),
	FB(struct es2_confirm_order_req, release_flag, has_release_flag, "releaseFlag", JF_BOOL,
	   JF_MANDATORY),
};
DESC(struct es2_confirm_order_req, es2_confirm_order_req_desc, co_req);
static const struct json_field co_resp[] = {
	RESPH(struct es2_confirm_order_resp),
	F(struct es2_confirm_order_resp, eid, "eid", JF_STRING, 0, 32),
	F(struct es2_confirm_order_resp, matching_id, "matchingId", JF_STRING, JF_SUCCESS_ONLY, 64),
	F(struct es2_confirm_order_resp, smdp_address, "smdpAddress", JF_STRING, 0, 255),
};
DESC(struct es2_confirm_order_resp, es2_confirm_order_resp_desc, co_resp);

static const struct json_field cao_req[] = {
	REQH(struct es2_cancel_order_req),
	F(struct es2_cancel_order_req, iccid, "iccid", JF_STRING, JF_MANDATORY, 20),
	F(struct es2_cancel_order_req, eid, "eid", JF_STRING, 0, 32),
	F(struct es2_cancel_order_req, matching_id, "matchingId", JF_STRING, 0, 64),
	F(struct es2_cancel_order_req, final_profile_status_indicator,
	  "finalProfileStatusIndicator", JF_STRING, JF_MANDATORY, 16),
};
DESC(struct es2_cancel_order_req, es2_cancel_order_req_desc, cao_req);

static const struct json_field rp_req[] = {
	REQH(struct es2_release_profile_req),
	F(struct es2_release_profile_req, iccid, "iccid", JF_STRING, JF_MANDATORY, 20),
};
DESC(struct es2_release_profile_req, es2_release_profile_req_desc, rp_req);

static const struct json_field dp_req[] = {
	REQH(struct es2_download_progress_req),
	F(struct es2_download_progress_req, eid, "eid", JF_STRING, 0, 32),
	F(struct es2_download_progress_req, iccid, "iccid", JF_STRING, JF_MANDATORY, 20),
	F(struct es2_download_progress_req, profile_type, "profileType", JF_STRING, 0, 64),
	F(struct es2_download_progress_req, timestamp, "timestamp", JF_STRING, JF_MANDATORY, 32),
	FB(struct es2_download_progress_req, notification_point_id, has_notification_point_id,
	   "notificationPointId", JF_INT, JF_MANDATORY),
	F(struct es2_download_progress_req, notification_point_status, "notificationPointStatus",
	  JF_STATUS, JF_MANDATORY, 0),
};
DESC(struct es2_download_progress_req, es2_download_progress_req_desc, dp_req);

static const struct json_field re_req[] = {
	REQH(struct es12_register_event_req),
	F(struct es12_register_event_req, eid, "eid", JF_STRING, JF_MANDATORY, 32),
	F(struct es12_register_event_req, rsp_server_address, "rspServerAddress", JF_STRING,
	  JF_MANDATORY, 255),
	F(struct es12_register_event_req, event_id, "eventId", JF_STRING, JF_MANDATORY, 128),
};
DESC(struct es12_register_event_req, es12_register_event_req_desc, re_req);
static const struct json_field de_req[] = {
	REQH(struct es12_delete_event_req),
	F(struct es12_delete_event_req, eid, "eid", JF_STRING, 0, 32),
	F(struct es12_delete_event_req, event_id, "eventId", JF_STRING, JF_MANDATORY, 128),
};
DESC(struct es12_delete_event_req, es12_delete_event_req_desc, de_req);

/* ---- outgoing: ES12 and handleDownloadProgressInfo ---- */

/* arg: the function's name, a string literal (a call cancelled when the
 * client is freed never reaches this, so nothing is allocated for it) */
static void post_done(const struct http_result *res, void *arg)
{
	const char *what = arg;

	if (res->rc || res->status / 100 != 2)
		LOGP(DSMDP, LOGL_NOTICE, "smdp: %s failed: %s (HTTP %d)", what,
		     res->rc ? http_xfer_err_str(res->xfer) : "answered", res->status);
}

static void post_json(struct smdp_server *s, const char *url, const struct json_msg_desc *d,
		      const void *msg, const char *what)
{
	static const struct http_header hdr[] = {
		{ ES9_ADMIN_PROTOCOL_HDR, ES9_ADMIN_PROTOCOL }, { NULL, NULL },
	};
	char *text = NULL;
	size_t len;
	int rc = json_msg_encode(d, msg, &text, &len);

	if (rc || !http_client_post(s->client, url, ES9_CONTENT_TYPE, (const uint8_t *)text, len,
				    hdr, 0, post_done, (void *)(uintptr_t)what, &rc))
		LOGP(DSMDP, LOGL_NOTICE, "smdp: %s to %s: %s", what, url, sgp_strerror(rc));
	free(text);
}

static void es12_call(struct smdp_server *s, enum smdp_es12_op op, const char *smds,
		      const char *eid, const char *event_id)
{
	char url[400], port[8] = "";
	struct es_req_header h = { "smdp", "es12" };

	LOGP(DSMDP, LOGL_INFO, "smdp: ES12 %s event %s at %s",
	     op == SMDP_ES12_REGISTER ? "register" : "delete", event_id, smds);
	if (s->es12) {
		s->es12(op, smds, eid, event_id, s->address, s->es12_arg);
		return;
	}
	if (s->es12_port)
		snprintf(port, sizeof(port), ":%u", s->es12_port);
	snprintf(url, sizeof(url), "https://%s%s" ES12_PATH_PREFIX "%s", smds, port,
		 op == SMDP_ES12_REGISTER ? "registerEvent" : "deleteEvent");
	if (op == SMDP_ES12_REGISTER) {
		struct es12_register_event_req r = { h, (char *)eid, s->address, (char *)event_id };

		post_json(s, url, &es12_register_event_req_desc, &r, "ES12 registerEvent");
	} else {
		struct es12_delete_event_req r = { h, (char *)eid, (char *)event_id };

		post_json(s, url, &es12_delete_event_req_desc, &r, "ES12 deleteEvent");
	}
}

void smdp_order_event(struct smdp_server *s, const struct smdp_profile *p,
		      const char *notification_point, bool success)
{
	if (p->smds_address[0] && p->matching_id[0])
		es12_call(s, SMDP_ES12_DELETE, p->smds_address, p->eid, p->matching_id);
	if (s->operator_url) {
		struct es2_download_progress_req r = { 0 };
		char ts[32];
		time_t now = sgp_clock_now(s->clock);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		r.header.function_requester_identifier = s->address;
		r.header.function_call_identifier = (char *)notification_point;
		r.eid = p->eid[0] ? (char *)p->eid : NULL;
		r.iccid = (char *)p->iccid;
		r.profile_type = p->profile_type[0] ? (char *)p->profile_type : NULL;
		r.timestamp = ts;
		/* notificationPointId (5.3.5): 3 BPP installation, 4 cancelled */
		r.notification_point_id = success ? 3 : 4;
		r.has_notification_point_id = true;
		r.notification_point_status.status = success ? ES_EXECUTED_SUCCESS : ES_FAILED;
		post_json(s, s->operator_url, &es2_download_progress_req_desc, &r,
			  "handleDownloadProgressInfo");
	}
}

/* ---- incoming ES2+ ---- */

static bool header_ok(struct http_request *req, const struct es_req_header *h)
{
	/* 6.5.1.3: both members are mandatory in an operator's request */
	if (h->function_requester_identifier && h->function_call_identifier)
		return true;
	smdp_reply_failed(req, 200, "1.1", "2.2", "header: functionRequesterIdentifier and "
			  "functionCallIdentifier are mandatory");
	return false;
}

/* run fn in a transaction; 0, SGP_ERR_STATE (sc set) or an error */
typedef int (*es2_fn)(struct smdp_server *s, const void *rq, void *rs, struct smdp_status *sc);

static int es2_download(struct smdp_server *s, const void *rqv, void *rsv, struct smdp_status *sc)
{
	const struct es2_download_order_req *rq = rqv;
	struct es2_download_order_resp *rs = rsv;
	char iccid[21];
	int rc = smdp_order_download(s->store, rq->eid, rq->iccid, rq->profile_type, iccid, sc);

	if (!rc)
		rs->iccid = strdup(iccid);
	return rc ? rc : (rs->iccid ? 0 : SGP_ERR_NOMEM);
}

static int es2_confirm(struct smdp_server *s, const void *rqv, void *rsv, struct smdp_status *sc)
{
	const struct es2_confirm_order_req *rq = rqv;
	struct es2_confirm_order_resp *rs = rsv;
	char mid[SMDP_MATCHING_ID_MAX + 1];
	struct smdp_profile p;
	int rc = smdp_order_confirm(s->store, rq->iccid, rq->eid, rq->matching_id,
				    rq->confirmation_code, rq->smds_address, rq->release_flag, mid, sc);

	if (rc)
		return rc;
	rs->matching_id = strdup(mid);
	rs->smdp_address = strdup(s->address);
	if (!rs->matching_id || !rs->smdp_address)
		return SGP_ERR_NOMEM;
	rc = smdp_profile_get(s->store, rq->iccid, &p);
	if (rc)
		return rc;
	if (p.eid[0])
		rs->eid = strdup(p.eid);
	/* 3.1.2 / 5.3.2: with an SM-DS address the SM-DP+ registers an event */
	if (p.smds_address[0] && p.state == SMDP_PROFILE_RELEASED)
		es12_call(s, SMDP_ES12_REGISTER, p.smds_address, p.eid, p.matching_id);
	smdp_profile_release(&p);
	return 0;
}

static int es2_cancel(struct smdp_server *s, const void *rqv, void *rsv, struct smdp_status *sc)
{
	const struct es2_cancel_order_req *rq = rqv;
	struct smdp_profile p;
	int rc;

	(void)rsv;
	if (smdp_profile_get(s->store, rq->iccid, &p))
		memset(&p, 0, sizeof(p));
	rc = smdp_order_cancel(s->store, rq->iccid, rq->eid, rq->matching_id,
			       rq->final_profile_status_indicator, sc);
	if (!rc && p.smds_address[0] && p.matching_id[0])
		es12_call(s, SMDP_ES12_DELETE, p.smds_address, p.eid, p.matching_id);
	smdp_profile_release(&p);
	return rc;
}

static int es2_release(struct smdp_server *s, const void *rqv, void *rsv, struct smdp_status *sc)
{
	const struct es2_release_profile_req *rq = rqv;
	struct smdp_profile p;
	int rc;

	(void)rsv;
	rc = smdp_order_release(s->store, rq->iccid, sc);
	if (!rc && !smdp_profile_get(s->store, rq->iccid, &p)) {
		if (p.smds_address[0])
			es12_call(s, SMDP_ES12_REGISTER, p.smds_address, p.eid, p.matching_id);
		smdp_profile_release(&p);
	}
	return rc;
}

static const struct es2_route {
	const char *name;
	const struct json_msg_desc *req, *resp;
	es2_fn fn;
} es2_routes[] = {
	{ "downloadOrder", &es2_download_order_req_desc, &es2_download_order_resp_desc, es2_download },
	{ "confirmOrder", &es2_confirm_order_req_desc, &es2_confirm_order_resp_desc, es2_confirm },
	{ "cancelOrder", &es2_cancel_order_req_desc, NULL, es2_cancel },
	{ "releaseProfile", &es2_release_profile_req_desc, NULL, es2_release },
};

union es2_any {
	struct es2_download_order_req a;
	struct es2_download_order_resp b;
	struct es2_confirm_order_req c;
	struct es2_confirm_order_resp d;
	struct es2_cancel_order_req e;
	struct es2_release_profile_req f;
	struct es9_status_resp g;
};

static void es2_handler(struct http_request *req, void *arg)
{
	struct smdp_server *s = arg;
	const char *path = http_request_path(req);
	const struct es2_route *r = NULL;
	struct smdp_status sc = { 0 };
	union es2_any rq, rs;
	const struct es_req_header *h;
	int rc;

	for (size_t i = 0; i < sizeof(es2_routes) / sizeof(es2_routes[0]); i++)
		if (!strcmp(path + strlen(ES2_PATH_PREFIX), es2_routes[i].name))
			r = &es2_routes[i];
	if (!r) {
		http_request_reply(req, 404, NULL, NULL, NULL, 0);
		return;
	}
	memset(&rq, 0, sizeof(rq));
	memset(&rs, 0, sizeof(rs));
	if (!smdp_request_decode(s, req, r->req, &rq))
		return;
	h = (const struct es_req_header *)&rq;	/* every request starts with it */
	if (!header_ok(req, h))
		goto out;
	rc = sgp_store_begin(s->store);
	if (!rc) {
		rc = r->fn(s, &rq, &rs, &sc);
		if (!rc)
			rc = sgp_store_commit(s->store);
		else
			sgp_store_rollback(s->store);
	}
	if (rc == SGP_ERR_STATE) {
		s->stats.refused++;
		smdp_reply_failed(req, 200, sc.subject_code, sc.reason_code, sc.message);
	} else if (rc) {
		LOGP(DSMDP, LOGL_ERROR, "smdp: ES2+ %s failed: %s", r->name, sgp_strerror(rc));
		smdp_reply_failed(req, 500, "1.2", "4.2", "Execution error");
	} else {
		smdp_reply_json(req, 200, r->resp ? r->resp : &es9_status_resp_desc, &rs);
	}
out:
	json_msg_free(r->req, &rq);
	json_msg_free(r->resp ? r->resp : &es9_status_resp_desc, &rs);
}

int smdp_es2_add_routes(struct smdp_server *s)
{
	return http_server_add_route(s->http, ES2_PATH_PREFIX, true, es2_handler, s);
}
