/* sgp32lab: the IPA's delivery of pending notifications (SGP.22 v2.5 3.5,
 * ES10b 5.7.10 / 5.7.11, ES9+ 5.6.4; SGP.32 6.3.2.4 through the eIM) */
#include "ipa/download_notify.h"
#include "core/buf.h"
#include "core/der/bpp_split.h"
#include "core/err.h"
#include "core/es9/client.h"
#include "core/es9/es9.h"
#include "core/esipa/esipa_map.h"
#include "core/fsm.h"
#include "core/log.h"
#include "ipa/esipa_messages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum nt_state {
	NT_INIT,
	NT_WAIT_LIST,		/* ES10b RetrieveNotificationsList */
	NT_WAIT_DELIVERY,	/* ES9+ (or ESipa) HandleNotification */
	NT_WAIT_REMOVE,		/* ES10b RemoveNotificationFromList */
	NT_DONE,
	NT_NUM_STATES,
};

enum nt_event {
	NT_EV_START,
	NT_EV_ES10,		/* data: const struct ipa_es10_result * */
	NT_EV_DELIVERY,		/* data: const struct delivery * */
	NT_NUM_EVENTS,
};

/* The answer of a delivery, direct or through the eIM. */
struct delivery {
	int rc;
	char subject_code[16], reason_code[16], message[160];
};

struct ipa_notify {
	struct sgp_fsm_inst *fi;
	struct ipa_es10 *es10;
	struct http_client *http;
	struct es9_call *call;
	struct ipa_esipa_call *esipa_call;
	char *eim_url;
	enum ipa_esipa_binding esipa_binding;
	unsigned es10_timeout_ms, es9_timeout_ms;
	ipa_notify_done_fn done;
	void *done_arg;
	struct sgp_buf list;		/* the RetrieveNotificationsList answer */
	struct ipa_notify_item items[IPA_NOTIFY_MAX];
	size_t n_items, next;
	bool finished, starting;
	struct ipa_notify_result res;
};

#define S(x) SGP_FSM_BIT(x)

static void nt_action(struct sgp_fsm_inst *fi, uint32_t event, void *data);
static bool nt_timer_cb(struct sgp_fsm_inst *fi, int T);

static const struct sgp_fsm_state nt_states[NT_NUM_STATES] = {
	[NT_INIT] = { .name = "INIT", .in_event_mask = S(NT_EV_START),
		      .out_state_mask = S(NT_WAIT_LIST) | S(NT_DONE), .action = nt_action },
	[NT_WAIT_LIST] = { .name = "WAIT_LIST", .in_event_mask = S(NT_EV_ES10),
			   .out_state_mask = S(NT_WAIT_DELIVERY) | S(NT_DONE), .action = nt_action },
	[NT_WAIT_DELIVERY] = { .name = "WAIT_DELIVERY", .in_event_mask = S(NT_EV_DELIVERY),
			       .out_state_mask = S(NT_WAIT_DELIVERY) | S(NT_WAIT_REMOVE) | S(NT_DONE),
			       .action = nt_action },
	[NT_WAIT_REMOVE] = { .name = "WAIT_REMOVE", .in_event_mask = S(NT_EV_ES10),
			     .out_state_mask = S(NT_WAIT_DELIVERY) | S(NT_DONE), .action = nt_action },
	[NT_DONE] = { .name = "DONE" },
};

static const char *const nt_event_names[NT_NUM_EVENTS] = {
	[NT_EV_START] = "START", [NT_EV_ES10] = "ES10_ANSWER", [NT_EV_DELIVERY] = "DELIVERY",
};

static const struct sgp_fsm nt_fsm = {
	.name = "ipa-notify",
	.log_cat = DIPA,
	.states = nt_states,
	.num_states = NT_NUM_STATES,
	.event_names = nt_event_names,
	.num_events = NT_NUM_EVENTS,
	.timer_cb = nt_timer_cb,
};

const struct sgp_fsm *ipa_notify_fsm(void)
{
	return &nt_fsm;
}

/* ---------------------------------------------------------- the end */

static void nt_cancel_calls(struct ipa_notify *n)
{
	if (n->call)
		es9_client_cancel(n->call);
	if (n->esipa_call)
		ipa_esipa_cancel(n->esipa_call);
	n->call = NULL;
	n->esipa_call = NULL;
}

static void nt_finish(struct ipa_notify *n, int rc, const char *why)
{
	struct ipa_notify_result *r = &n->res;

	if (n->finished)
		return;
	n->finished = true;
	r->rc = rc;
	r->step = rc == SGP_OK ? "DONE" : sgp_fsm_state_name(n->fi);
	if (rc < 0 && why)
		snprintf(r->why, sizeof(r->why), "%s", why);
	LOGPFSM(n->fi, rc ? LOGL_NOTICE : LOGL_INFO,
		"%u notification(s): %u delivered, %u removed, %u kept%s%s", r->found,
		r->delivered, r->removed, r->kept, rc ? ": " : "", rc ? r->why : "");
	sgp_fsm_state_chg(n->fi, NT_DONE, 0, 0);
	ipa_es10_forget(n->es10, n);
	if (ipa_es10_channel(n->es10) || ipa_es10_pending(n->es10))
		ipa_es10_close(n->es10, NULL, NULL);
	if (n->done && !n->starting)
		n->done(n->done_arg, r);
}

/* ---------------------------------------------------------- calls */

static void es10_cb(void *arg, const struct ipa_es10_result *res)
{
	struct ipa_notify *n = arg;

	sgp_fsm_dispatch(n->fi, NT_EV_ES10, (void *)res);
}

static int nt_es10(struct ipa_notify *n, uint32_t st, const uint8_t *cmd, size_t len)
{
	int rc = sgp_fsm_state_chg(n->fi, st, n->es10_timeout_ms, 1);

	if (rc == SGP_OK)
		rc = ipa_es10_call(n->es10, cmd, len, es10_cb, n);
	return rc;
}

static void es9_cb(void *arg, const struct es9_answer *ans)
{
	struct ipa_notify *n = arg;
	struct delivery dv = { .rc = ans->rc };

	n->call = NULL;
	snprintf(dv.subject_code, sizeof(dv.subject_code), "%s", ans->subject_code);
	snprintf(dv.reason_code, sizeof(dv.reason_code), "%s", ans->reason_code);
	snprintf(dv.message, sizeof(dv.message), "%s", ans->message);
	sgp_fsm_dispatch(n->fi, NT_EV_DELIVERY, &dv);
}

/* HandleNotificationEsipa has no answer: HTTP 204 (SGP.32 6.3.2.4) */
static void esipa_cb(void *arg, const struct ipa_esipa_answer *ea)
{
	struct ipa_notify *n = arg;
	struct delivery dv = { .rc = ea->rc };

	n->esipa_call = NULL;
	snprintf(dv.message, sizeof(dv.message), "%.159s", ea->message);
	if (dv.rc == SGP_OK && ea->der_len) {
		dv.rc = SGP_ERR_PARSE;
		snprintf(dv.message, sizeof(dv.message), "an answer to handleNotification");
	}
	sgp_fsm_dispatch(n->fi, NT_EV_DELIVERY, &dv);
}

/* ---------------------------------------------------------- steps */

/* The NotificationMetadata 'BF2F' of a PendingNotification: inside
 * ProfileInstallationResultData 'BF27' of a 'BF37', or first in an
 * OtherSignedNotification '30' (SGP.22 5.7.10); its [0] seqNumber and
 * notificationAddress '0C'. */
static int parse_item(const struct sgp_tlv *t, struct ipa_notify_item *it)
{
	struct sgp_tlv d, md, x;
	long seq = 0;

	it->address[0] = 0;
	it->seq = -1;
	if (t->tag == 0xBF37) {
		if (sgp_der_find_tlv(t->v, t->vl, 0xBF27, &d) < 0 ||
		    sgp_der_find_tlv(d.v, d.vl, 0xBF2F, &md) < 0)
			return SGP_ERR_PARSE;
	} else if (t->tag == 0x30) {
		if (sgp_der_find_tlv(t->v, t->vl, 0xBF2F, &md) < 0)
			return SGP_ERR_PARSE;
	} else {
		return SGP_ERR_UNSUPPORTED;	/* a compact form (SGP.32) */
	}
	if (sgp_der_find_tlv(md.v, md.vl, 0x80, &x) < 0 || !x.vl || x.vl > 4 || (x.v[0] & 0x80))
		return SGP_ERR_PARSE;
	for (size_t i = 0; i < x.vl; i++)
		seq = seq << 8 | x.v[i];
	it->seq = seq;
	if (sgp_der_find_tlv(md.v, md.vl, 0x0C, &x) < 0 || !x.vl || x.vl >= sizeof(it->address) ||
	    memchr(x.v, 0, x.vl))
		return SGP_ERR_PARSE;
	memcpy(it->address, x.v, x.vl);
	it->address[x.vl] = 0;
	return SGP_OK;
}

/* RetrieveNotificationsListResponse 'BF2B' { 'A0' { PendingNotification
 * ... } | '81' error } */
int ipa_notify_parse_list(const uint8_t *der, size_t len, struct ipa_notify_item *items,
			  size_t max, size_t *n)
{
	const uint8_t *v, *p;
	size_t vl, pl;
	struct sgp_tlv lst, t;
	int rc;

	*n = 0;
	if (!der || !items || sgp_der_outer_value(der, len, 0xBF2B, &v, &vl) < 0)
		return SGP_ERR_PARSE;
	p = v;
	pl = vl;
	if (sgp_der_next_tlv(&p, &pl, &lst) < 0 || pl)
		return SGP_ERR_PARSE;
	if (lst.tag != 0xA0)
		return lst.tag == 0x81 ? SGP_ERR_PEER : SGP_ERR_PARSE;
	p = lst.v;
	pl = lst.vl;
	while (pl && *n < max) {
		struct ipa_notify_item *it = &items[*n];

		if (sgp_der_next_tlv(&p, &pl, &t) < 0)
			return SGP_ERR_PARSE;
		rc = parse_item(&t, it);
		if (rc == SGP_ERR_PARSE)
			return rc;
		it->off = (size_t)(t.whole - der);
		it->len = t.wl;
		(*n)++;
	}
	return SGP_OK;
}

static int got_list(struct ipa_notify *n, const uint8_t *a, size_t len)
{
	int rc = sgp_buf_set(&n->list, a, len);

	if (rc == SGP_OK)
		rc = ipa_notify_parse_list(n->list.data, n->list.len, n->items, IPA_NOTIFY_MAX,
					   &n->n_items);
	if (rc < 0)
		n->n_items = 0;
	n->res.found = (unsigned)n->n_items;
	return rc;
}

static void kept(struct ipa_notify *n, const struct ipa_notify_item *it, const struct delivery *dv)
{
	n->res.kept++;
	LOGPFSM(n->fi, LOGL_NOTICE, "notification %ld to %s not delivered (%s%s%s%s%s): kept",
		it->seq, it->address[0] ? it->address : "-", sgp_strerror(dv->rc),
		dv->subject_code[0] ? " " : "", dv->subject_code, dv->reason_code[0] ? "/" : "",
		dv->reason_code);
	if (!n->res.why[0])
		snprintf(n->res.why, sizeof(n->res.why), "notification %ld to %.80s: %.100s%s%.15s",
			 it->seq, it->address[0] ? it->address : "-", dv->message[0] ? dv->message :
			 sgp_strerror(dv->rc), dv->subject_code[0] ? " " : "", dv->subject_code);
	if (!n->res.subject_code[0] && dv->subject_code[0]) {
		snprintf(n->res.subject_code, sizeof(n->res.subject_code), "%s", dv->subject_code);
		snprintf(n->res.reason_code, sizeof(n->res.reason_code), "%s", dv->reason_code);
	}
}

/* Deliver the next notification that has an address; the end after the last. */
static void deliver_next(struct ipa_notify *n)
{
	while (n->next < n->n_items) {
		struct ipa_notify_item *it = &n->items[n->next];
		struct es9_handle_notification_req req = {
			.pending_notification = { .data = n->list.data + it->off, .len = it->len },
		};
		struct delivery dv = { .rc = SGP_ERR_UNSUPPORTED };
		struct sgp_buf der = SGP_BUF_INIT;
		int rc;

		if (!it->address[0]) {	/* a compact form: no ES9+ binding */
			n->next++;
			snprintf(dv.message, sizeof(dv.message), "a compact form (no ES9+ binding)");
			kept(n, it, &dv);
			continue;
		}
		rc = sgp_fsm_state_chg(n->fi, NT_WAIT_DELIVERY, n->es9_timeout_ms, 2);
		if (rc == SGP_OK && n->eim_url) {
			rc = esipa_req_from_es9(ES9_HANDLE_NOTIFICATION, &req, NULL, 0, &der);
			if (rc == SGP_OK)
				n->esipa_call = ipa_esipa_post_binding(n->http, n->esipa_binding,
								       n->eim_url, der.data, der.len,
								       n->es9_timeout_ms, true, esipa_cb,
								       n, &rc);
		} else if (rc == SGP_OK) {
			n->call = es9_client_post(n->http, it->address, "handleNotification",
						  &es9_handle_notification_req_desc, &req,
						  &es9_status_resp_desc, n->es9_timeout_ms, es9_cb, n,
						  &rc);
		}
		sgp_buf_free(&der);
		if (n->call || n->esipa_call)
			return;
		n->next++;
		dv.rc = rc < 0 ? rc : SGP_ERR_IO;
		kept(n, it, &dv);
	}
	nt_finish(n, SGP_OK, NULL);
}

static void got_delivery(struct ipa_notify *n, const struct delivery *dv)
{
	const struct ipa_notify_item *it = &n->items[n->next];
	struct sgp_buf cmd = SGP_BUF_INIT;
	int rc;

	if (dv->rc < 0) {
		n->next++;
		kept(n, it, dv);
		deliver_next(n);
		return;
	}
	n->res.delivered++;
	LOGPFSM(n->fi, LOGL_INFO, "notification %ld delivered to %s", it->seq,
		n->eim_url ? "the eIM" : it->address);
	/* ES10b.RemoveNotificationFromList: only now (SGP.22 3.5) */
	rc = ipa_msg_notification_sent(it->seq, &cmd);
	if (rc == SGP_OK)
		rc = nt_es10(n, NT_WAIT_REMOVE, cmd.data, cmd.len);
	sgp_buf_free(&cmd);
	if (rc < 0)
		nt_finish(n, rc, "RemoveNotificationFromList: cannot reach the eUICC");
}

/* NotificationSentResponse 'BF30' { [0] ok(0) | nothingToDelete(1) | ... } */
static void got_removed(struct ipa_notify *n, const uint8_t *a, size_t len)
{
	const uint8_t *v, *s;
	size_t vl, sl;

	if (sgp_der_outer_value(a, len, 0xBF30, &v, &vl) < 0 ||
	    sgp_der_find_value(v, vl, 0x80, &s, &sl, NULL) < 0 || sl != 1) {
		nt_finish(n, SGP_ERR_PARSE, "RemoveNotificationFromList: malformed answer");
		return;
	}
	if (s[0] == 0)
		n->res.removed++;
	else
		LOGPFSM(n->fi, LOGL_NOTICE, "RemoveNotificationFromList(%ld): status %u",
			n->items[n->next].seq, s[0]);
	n->next++;
	deliver_next(n);
}

static void nt_action(struct sgp_fsm_inst *fi, uint32_t event, void *data)
{
	struct ipa_notify *n = fi->priv;
	const struct ipa_es10_result *r = data;
	char why[200];
	int rc;

	switch (event) {
	case NT_EV_START: {
		static const uint8_t retrieve[] = { 0xBF, 0x2B, 0x00 };

		rc = nt_es10(n, NT_WAIT_LIST, retrieve, sizeof(retrieve));
		if (rc < 0)
			nt_finish(n, rc, "cannot reach the eUICC");
		return;
	}
	case NT_EV_DELIVERY:
		got_delivery(n, data);
		return;
	default:
		break;
	}
	if (r->rc < 0) {
		snprintf(why, sizeof(why), "%s failed (%s%s%04X)", r->stage, sgp_strerror(r->rc),
			 r->sw ? ", SW " : "", r->sw);
		nt_finish(n, r->rc, why);
	} else if (fi->state == NT_WAIT_LIST) {
		rc = got_list(n, r->data, r->len);
		if (rc < 0)
			nt_finish(n, rc, rc == SGP_ERR_PEER ? "RetrieveNotificationsList: error" :
				  "RetrieveNotificationsList: malformed answer");
		else
			deliver_next(n);
	} else {
		got_removed(n, r->data, r->len);
	}
}

static bool nt_timer_cb(struct sgp_fsm_inst *fi, int T)
{
	struct ipa_notify *n = fi->priv;
	struct delivery dv = { .rc = SGP_ERR_TIMEOUT };

	(void)T;
	if (fi->state == NT_WAIT_DELIVERY) {	/* this one stays, on to the next */
		nt_cancel_calls(n);
		snprintf(dv.message, sizeof(dv.message), "no answer in time");
		got_delivery(n, &dv);
		return false;
	}
	ipa_es10_forget(n->es10, n);
	nt_finish(n, SGP_ERR_TIMEOUT, "the eUICC did not answer in time");
	return false;
}

/* ---------------------------------------------------------- public */

static void nt_free_fields(struct ipa_notify *n)
{
	sgp_buf_free(&n->list);
	free(n->eim_url);
	free(n);
}

int ipa_notify_start(const struct ipa_notify_cfg *cfg, struct ipa_notify **out)
{
	struct ipa_notify *n;
	int rc;

	*out = NULL;
	if (!cfg || !cfg->clock || !cfg->es10 || !cfg->http || !cfg->done)
		return SGP_ERR_INVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return SGP_ERR_NOMEM;
	n->es10 = cfg->es10;
	n->http = cfg->http;
	n->done = cfg->done;
	n->done_arg = cfg->arg;
	n->esipa_binding = cfg->esipa_binding;
	n->es10_timeout_ms = cfg->es10_timeout_ms ? cfg->es10_timeout_ms : 30000;
	n->es9_timeout_ms = cfg->es9_timeout_ms ? cfg->es9_timeout_ms : 60000;
	if ((cfg->eim_url && !(n->eim_url = strdup(cfg->eim_url))) ||
	    !(n->fi = sgp_fsm_inst_alloc(&nt_fsm, cfg->clock, cfg->id ? cfg->id : "1", n))) {
		nt_free_fields(n);
		return SGP_ERR_NOMEM;
	}
	n->starting = true;
	sgp_fsm_dispatch(n->fi, NT_EV_START, NULL);
	n->starting = false;
	if (n->finished) {	/* refused at once (no card): no callback */
		rc = n->res.rc;
		ipa_notify_free(n);
		return rc;
	}
	*out = n;
	return SGP_OK;
}

void ipa_notify_free(struct ipa_notify *n)
{
	if (!n)
		return;
	nt_cancel_calls(n);
	ipa_es10_forget(n->es10, n);
	n->fi->priv = NULL;
	sgp_fsm_term(n->fi, SGP_FSM_TERM_REQUEST);
	nt_free_fields(n);
}
