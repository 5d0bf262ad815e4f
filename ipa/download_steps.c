/* sgp32lab: the IPA's download — what each step sends and checks
 * (SGP.22 v2.5 3.1.3; ES10b 5.7, ES9+ 5.6 / 6.5.2) */
#include "ipa/download_int.h"
#include "ipa/es10_requests.h"
#include "ipa/esipa_messages.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/rsp/auth.h"
#include "core/log.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static long der_int(const uint8_t *v, size_t n)
{
	long x = (n && (v[0] & 0x80)) ? -1 : 0;

	for (size_t i = 0; i < n && i < sizeof(long); i++)
		x = (long)((unsigned long)x << 8 | v[i]);
	return x;
}

static void es10_send(struct ipa_download *d, uint32_t st, const struct sgp_buf *cmd)
{
	int rc = dl_es10(d, st, cmd->data, cmd->len);

	if (rc < 0)
		dl_fail(d, rc, IPA_CANCEL_UNDEFINED_REASON, "%s: cannot reach the eUICC (%s)",
			sgp_fsm_state_name(d->fi), sgp_strerror(rc));
}

static void es10_hex(struct ipa_download *d, uint32_t st, const char *hex)
{
	struct sgp_buf b = SGP_BUF_INIT;

	if (sgp_hex_decode(hex, &b) == SGP_OK)
		es10_send(d, st, &b);
	sgp_buf_free(&b);
}

static void es9_send(struct ipa_download *d, uint32_t st, const char *fn,
		     const struct json_msg_desc *req_desc, const void *req,
		     const struct json_msg_desc *resp_desc)
{
	int rc = dl_es9(d, st, fn, req_desc, req, resp_desc);

	if (rc < 0)
		dl_fail(d, rc, IPA_CANCEL_UNDEFINED_REASON, "ES9+ %s: %s", fn, sgp_strerror(rc));
}

/* A borrowed view of bytes as a struct sgp_buf (never freed). */
static struct sgp_buf view(const uint8_t *p, size_t n)
{
	struct sgp_buf b = { .data = (uint8_t *)p, .len = n, .cap = 0 };

	return b;
}

static struct sgp_buf tid_view(struct ipa_download *d)
{
	return view(d->res.transaction_id, d->res.transaction_id_len);
}

void dl_begin(struct ipa_download *d)
{
	if (!d->address[0])
		es10_hex(d, DL_WAIT_ADDRESSES, "BF3C00");
	else
		es10_hex(d, DL_WAIT_EUICC_INFO1, "BF2000");
}

int dl_cancel_session(struct ipa_download *d, int reason)
{
	struct sgp_buf body = SGP_BUF_INIT, cmd = SGP_BUF_INIT;
	uint8_t r = (uint8_t)reason;
	int rc;

	d->res.cancel_reason = reason;
	LOGPFSM(d->fi, LOGL_NOTICE, "CancelSession(%s)", ipa_cancel_reason_str(reason));
	/* CancelSessionRequest 'BF41' { [0] transactionId, [1] reason } */
	rc = sgp_der_put_tlv(&body, 0x80, d->res.transaction_id, d->res.transaction_id_len);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&body, 0x81, &r, 1);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&cmd, 0xBF41, body.data, body.len);
	if (rc == SGP_OK)
		rc = dl_es10(d, DL_WAIT_CANCEL_EUICC, cmd.data, cmd.len);
	sgp_buf_free(&body);
	sgp_buf_free(&cmd);
	return rc;
}

bool dl_cancel_injected(struct ipa_download *d, enum ipa_download_step step)
{
	if (d->cancel_after != step)
		return false;
	dl_fail(d, SGP_ERR_STATE, d->cancel_after_reason, "cancelled after %s (%s)",
		ipa_download_step_name(step), ipa_cancel_reason_str(d->cancel_after_reason));
	return true;
}

/* ------------------------------------------------------- ES10 answers */

static void got_addresses(struct ipa_download *d, const uint8_t *a, size_t n)
{
	const uint8_t *v, *dp;
	size_t vl, dl;

	if (sgp_der_outer_value(a, n, 0xBF3C, &v, &vl) < 0 || sgp_der_find_value(v, vl, 0x80, &dp, &dl, NULL) < 0 ||
	    !dl || dl >= sizeof(d->address)) {
		dl_fail(d, SGP_ERR_NOTFOUND, IPA_CANCEL_NONE,
			"the eUICC has no default SM-DP+ address");
		return;
	}
	memcpy(d->address, dp, dl);
	d->address[dl] = 0;
	es10_hex(d, DL_WAIT_EUICC_INFO1, "BF2000");
}

static void got_challenge(struct ipa_download *d, const uint8_t *a, size_t n)
{
	const uint8_t *v, *c;
	size_t vl, cl;
	struct es9_initiate_authentication_req req = { 0 };

	if (sgp_der_outer_value(a, n, 0xBF2E, &v, &vl) < 0 || sgp_der_find_value(v, vl, 0x80, &c, &cl, NULL) < 0 ||
	    cl != 16) {
		dl_fail(d, SGP_ERR_PARSE, IPA_CANCEL_NONE, "GetEUICCChallenge: malformed answer");
		return;
	}
	memcpy(d->challenge, c, 16);
	/* ES9+.InitiateAuthentication (6.5.2.6) */
	req.euicc_challenge = view(d->challenge, 16);
	req.euicc_info1 = d->euicc_info1;
	req.smdp_address = d->address;
	es9_send(d, DL_WAIT_INITIATE_AUTH, "initiateAuthentication",
		 &es9_initiate_authentication_req_desc, &req,
		 &es9_initiate_authentication_resp_desc);
}

/* AuthenticateServerResponse / PrepareDownloadResponse: ok 'A0' or error
 * 'A1' { ..., INTEGER code }: forwarded to the SM-DP+ either way (SGP.22
 * 3.1.3.1 / 3.1.3.2).  Returns true for ok. */
static bool euicc_ok(struct ipa_download *d, const uint8_t *a, size_t n, uint32_t tag)
{
	const uint8_t *v, *e, *code;
	size_t vl, el, cl;

	if (sgp_der_outer_value(a, n, tag, &v, &vl) < 0 || !vl)
		return false;
	if (v[0] == 0xA0)
		return true;
	if (sgp_der_find_value(v, vl, 0xA1, &e, &el, NULL) == SGP_OK &&
	    sgp_der_find_value(e, el, 0x02, &code, &cl, NULL) == SGP_OK)
		d->res.euicc_error = der_int(code, cl);
	return false;
}

static void got_auth_server(struct ipa_download *d, const uint8_t *a, size_t n)
{
	struct es9_authenticate_client_req req = {
		.transaction_id = tid_view(d), .authenticate_server_response = view(a, n),
	};

	if (euicc_ok(d, a, n, 0xBF38)) {
		d->session_open = true;
		if (dl_cancel_injected(d, IPA_DL_STEP_AUTHENTICATE_SERVER))
			return;
	} else {
		d->forward_error = true;
	}
	es9_send(d, DL_WAIT_AUTH_CLIENT, "authenticateClient", &es9_authenticate_client_req_desc,
		 &req, &es9_authenticate_client_resp_desc);
}

static void got_prepare(struct ipa_download *d, const uint8_t *a, size_t n)
{
	struct es9_get_bound_profile_package_req req = {
		.transaction_id = tid_view(d), .prepare_download_response = view(a, n),
	};

	if (!euicc_ok(d, a, n, 0xBF21))
		d->forward_error = true;
	else if (dl_cancel_injected(d, IPA_DL_STEP_PREPARE_DOWNLOAD))
		return;
	es9_send(d, DL_WAIT_GET_BPP, "getBoundProfilePackage",
		 &es9_get_bound_profile_package_req_desc, &req,
		 &es9_get_bound_profile_package_resp_desc);
}

static void load_next(struct ipa_download *d)
{
	const struct sgp_bpp_cmd *c;
	int rc;

	if (d->next_cmd >= d->n_bpp_cmds) {
		dl_fail(d, SGP_ERR_PEER, IPA_CANCEL_LOAD_BPP_EXECUTION_ERROR,
			"the eUICC gave no ProfileInstallationResult");
		return;
	}
	c = &d->bpp_cmds[d->next_cmd++];
	rc = dl_es10(d, DL_WAIT_LOAD, d->bpp.data + c->off, c->len);
	if (rc < 0)
		dl_fail(d, rc, IPA_CANCEL_LOAD_BPP_EXECUTION_ERROR,
			"LoadBoundProfilePackage: cannot reach the eUICC");
}

/* ProfileInstallationResult 'BF37' { 'BF27' { [0] tid, 'BF2F' { [0]
 * seqNumber ... }, smdpOid, [2] { 'A0' success | 'A1' { [0]
 * bppCommandId, [1] errorReason } } }, '5F37' } (SGP.22 5.7.6) */
static void got_pir(struct ipa_download *d, const uint8_t *a, size_t n)
{
	const uint8_t *v, *data, *md, *sq, *fr, *er, *reason;
	size_t vl, dl, ml, sl, fl, el, rl;
	struct es9_handle_notification_req req = { 0 };

	d->session_open = false;	/* the eUICC ends the session with the result */
	if (sgp_der_outer_value(a, n, 0xBF37, &v, &vl) < 0 || sgp_der_find_value(v, vl, 0xBF27, &data, &dl, NULL) < 0 ||
	    sgp_der_find_value(data, dl, 0xBF2F, &md, &ml, NULL) < 0 ||
	    sgp_der_find_value(md, ml, 0x80, &sq, &sl, NULL) < 0 || sgp_der_find_value(data, dl, 0xA2, &fr, &fl, NULL) < 0 ||
	    !fl) {
		dl_fail(d, SGP_ERR_PARSE, IPA_CANCEL_NONE, "malformed ProfileInstallationResult");
		return;
	}
	d->res.seq_number = der_int(sq, sl);
	if (fr[0] != 0xA0) {
		if (sgp_der_find_value(fr, fl, 0xA1, &er, &el, NULL) == SGP_OK &&
		    sgp_der_find_value(er, el, 0x81, &reason, &rl, NULL) == SGP_OK)
			d->res.bpp_error_reason = der_int(reason, rl);
		d->pir_failed = true;
	}
	if (sgp_buf_set(&d->pir, a, n) < 0) {
		dl_fail(d, SGP_ERR_NOMEM, IPA_CANCEL_NONE, "out of memory");
		return;
	}
	if (d->keep_notification) {
		LOGPFSM(d->fi, LOGL_NOTICE, "the link is gone: the result stays on the eUICC");
		dl_finish(d, d->pir_failed ? SGP_ERR_PEER : SGP_OK);
		return;
	}
	/* ES9+.HandleNotification (6.5.2.9): the PIR as pendingNotification */
	req.pending_notification = d->pir;
	es9_send(d, DL_WAIT_HANDLE_NOTIF, "handleNotification", &es9_handle_notification_req_desc,
		 &req, &es9_status_resp_desc);
}

static void remove_notification(struct ipa_download *d)
{
	struct sgp_buf cmd = SGP_BUF_INIT;

	if (ipa_msg_notification_sent(d->res.seq_number, &cmd) == SGP_OK)
		es10_send(d, DL_WAIT_REMOVE_NOTIF, &cmd);
	else
		dl_fail(d, SGP_ERR_NOMEM, IPA_CANCEL_NONE, "out of memory");
	sgp_buf_free(&cmd);
}

static void got_cancel(struct ipa_download *d, const uint8_t *a, size_t n)
{
	const uint8_t *v;
	size_t vl;
	struct es9_cancel_session_req req = {
		.transaction_id = tid_view(d), .cancel_session_response = view(a, n),
	};

	if (sgp_der_outer_value(a, n, 0xBF41, &v, &vl) < 0 || !vl || v[0] != 0xA0) {
		LOGPFSM(d->fi, LOGL_NOTICE, "the eUICC refused CancelSession");
		dl_finish(d, d->fail_rc);
		return;
	}
	/* ES9+.CancelSession (6.5.2.10) with the eUICC's signed answer */
	if (dl_es9(d, DL_WAIT_CANCEL_SERVER, "cancelSession", &es9_cancel_session_req_desc, &req,
		   &es9_status_resp_desc) < 0)
		dl_finish(d, d->fail_rc);
}

void dl_on_es10(struct ipa_download *d, const struct ipa_es10_result *res)
{
	uint32_t st = d->fi->state;

	if (res->rc < 0) {
		if (st == DL_WAIT_CANCEL_EUICC) {
			dl_finish(d, d->fail_rc);
			return;
		}
		if (res->sw)
			d->res.euicc_error = res->sw;
		dl_fail(d, res->rc, st == DL_WAIT_LOAD ? IPA_CANCEL_LOAD_BPP_EXECUTION_ERROR :
			IPA_CANCEL_UNDEFINED_REASON, "%s: %s failed (%s%s%04X)",
			sgp_fsm_state_name(d->fi), res->stage, sgp_strerror(res->rc),
			res->sw ? ", SW " : "", res->sw);
		return;
	}
	switch (st) {
	case DL_WAIT_ADDRESSES:
		got_addresses(d, res->data, res->len);
		break;
	case DL_WAIT_EUICC_INFO1:
		if (sgp_buf_set(&d->euicc_info1, res->data, res->len) < 0 ||
		    res->len < 2 || res->data[0] != 0xBF || res->data[1] != 0x20)
			dl_fail(d, SGP_ERR_PARSE, IPA_CANCEL_NONE, "GetEUICCInfo1: malformed answer");
		else
			es10_hex(d, DL_WAIT_CHALLENGE, "BF2E00");
		break;
	case DL_WAIT_CHALLENGE:
		got_challenge(d, res->data, res->len);
		break;
	case DL_WAIT_AUTH_SERVER:
		got_auth_server(d, res->data, res->len);
		break;
	case DL_WAIT_PREPARE:
		got_prepare(d, res->data, res->len);
		break;
	case DL_WAIT_LOAD:
		if (res->len)
			got_pir(d, res->data, res->len);
		else
			load_next(d);
		break;
	case DL_WAIT_REMOVE_NOTIF:
		d->res.notification_removed = res->len == 6 && res->data[5] == 0;
		dl_finish(d, d->pir_failed ? SGP_ERR_PEER : SGP_OK);
		break;
	case DL_WAIT_CANCEL_EUICC:
		got_cancel(d, res->data, res->len);
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------- ES9+ answers */

/* serverSigned1 [3] serverAddress must be the address we called, and [1]
 * euiccChallenge ours (SGP.22 3.1.2: the LPA checks the address). */
static int check_server_signed1(struct ipa_download *d, const struct sgp_buf *ss1)
{
	const uint8_t *v, *x;
	size_t vl, xl;

	if (sgp_der_outer_value(ss1->data, ss1->len, 0x30, &v, &vl) < 0 ||
	    sgp_der_find_value(v, vl, 0x80, &x, &xl, NULL) < 0 || !xl || xl > 16)
		return SGP_ERR_PARSE;
	memcpy(d->res.transaction_id, x, xl);
	d->res.transaction_id_len = xl;
	if (sgp_der_find_value(v, vl, 0x81, &x, &xl, NULL) < 0 || xl != 16 || memcmp(x, d->challenge, 16))
		return SGP_ERR_VERIFY;
	if (sgp_der_find_value(v, vl, 0x83, &x, &xl, NULL) < 0 || xl != strlen(d->address) ||
	    memcmp(x, d->address, xl))
		return SGP_ERR_VERIFY;
	return SGP_OK;
}

/* 'tag' len <n bytes>: the value of a TLV of exactly n bytes */
static const uint8_t *tlv_value(const struct sgp_buf *b, uint32_t tag, size_t *n)
{
	const uint8_t *v;

	return sgp_der_outer_value(b->data, b->len, tag, &v, n) == SGP_OK ? v : NULL;
}

static void got_initiate_auth(struct ipa_download *d,
			      const struct es9_initiate_authentication_resp *o)
{
	const struct sgp_buf *ss1 = &o->server_signed1, *sig = &o->server_signature1;
	const struct sgp_buf *pkid = &o->euicc_ci_pkid_to_be_used, *cert = &o->server_certificate;
	struct sgp_buf cmd = SGP_BUF_INIT;
	struct ipa_ctx_params ctx = { .matching_id = d->matching_id[0] ? d->matching_id : NULL };
	const uint8_t *sv, *pv;
	size_t sl, pl;
	int rc;

	memcpy(ctx.tac, d->tac, sizeof(ctx.tac));
	rc = ss1->len && cert->len ? SGP_OK : SGP_ERR_PARSE;
	sv = rc == SGP_OK ? tlv_value(sig, 0x5F37, &sl) : NULL;
	pv = rc == SGP_OK ? tlv_value(pkid, 0x04, &pl) : NULL;
	if (rc < 0 || !sv || sl != 64 || !pv || !pl) {
		dl_fail(d, SGP_ERR_PARSE, IPA_CANCEL_NONE,
			"initiateAuthentication: a member is missing or malformed");
		goto out;
	}
	rc = check_server_signed1(d, ss1);
	if (rc < 0) {
		dl_fail(d, rc, IPA_CANCEL_NONE, "initiateAuthentication: serverSigned1 %s",
			rc == SGP_ERR_PARSE ? "is malformed" :
			"names another address or challenge");
		goto out;
	}
	rc = ipa_build_authenticate_server(ss1->data, ss1->len, sv, pv, pl, cert->data, cert->len,
					   &ctx, &cmd);
	if (rc == SGP_OK)
		es10_send(d, DL_WAIT_AUTH_SERVER, &cmd);
	else
		dl_fail(d, rc, IPA_CANCEL_NONE, "AuthenticateServer: %s", sgp_strerror(rc));
out:
	sgp_buf_free(&cmd);
}

static void got_auth_client(struct ipa_download *d, const struct es9_authenticate_client_resp *o)
{
	const struct sgp_buf *md = &o->profile_metadata, *ss2 = &o->smdp_signed2;
	const struct sgp_buf *sig = &o->smdp_signature2, *cert = &o->smdp_certificate;
	struct sgp_buf cmd = SGP_BUF_INIT;
	const uint8_t *sv, *v, *f;
	size_t sl, vl, fl;
	uint8_t hcc[32];
	bool cc_required;
	int rc, consent;

	rc = md->len && ss2->len && cert->len ? SGP_OK : SGP_ERR_PARSE;
	sv = rc == SGP_OK ? tlv_value(sig, 0x5F37, &sl) : NULL;
	/* SmdpSigned2 { [0] transactionId, ccRequiredFlag BOOLEAN, ... } */
	if (rc < 0 || !sv || sl != 64 || sgp_der_outer_value(ss2->data, ss2->len, 0x30, &v, &vl) < 0 ||
	    sgp_der_find_value(v, vl, 0x01, &f, &fl, NULL) < 0 || fl != 1) {
		dl_fail(d, SGP_ERR_PARSE, IPA_CANCEL_UNDEFINED_REASON,
			"authenticateClient: a member is missing or malformed");
		goto out;
	}
	cc_required = f[0] != 0;
	consent = d->consent ? d->consent(d->consent_arg, md->data, md->len) : IPA_CONSENT_ACCEPT;
	if (consent != IPA_CONSENT_ACCEPT) {
		dl_fail(d, SGP_ERR_STATE, consent, "the profile was not accepted (%s)",
			ipa_cancel_reason_str(consent));
		goto out;
	}
	if (cc_required && !d->cc) {
		dl_fail(d, SGP_ERR_STATE, IPA_CANCEL_POSTPONED,
			"the SM-DP+ asks for a confirmation code and none was given");
		goto out;
	}
	rc = cc_required ? rsp_hash_cc(d->cc, d->res.transaction_id, d->res.transaction_id_len, hcc) : 0;
	if (rc == SGP_OK)
		rc = ipa_build_prepare_download(ss2->data, ss2->len, sv, cc_required ? hcc : NULL,
						cert->data, cert->len, &cmd);
	if (rc == SGP_OK)
		es10_send(d, DL_WAIT_PREPARE, &cmd);
	else
		dl_fail(d, rc, IPA_CANCEL_UNDEFINED_REASON, "PrepareDownload: %s", sgp_strerror(rc));
out:
	sgp_buf_free(&cmd);
}

static void got_bpp(struct ipa_download *d, const struct es9_get_bound_profile_package_resp *o)
{
	int rc = o->bound_profile_package.len ?
		 sgp_buf_set(&d->bpp, o->bound_profile_package.data, o->bound_profile_package.len) :
		 SGP_ERR_PARSE;

	if (rc == SGP_OK)
		rc = sgp_bpp_split(d->bpp.data, d->bpp.len, &d->bpp_cmds, &d->n_bpp_cmds);
	if (rc < 0) {
		dl_fail(d, SGP_ERR_PARSE, IPA_CANCEL_LOAD_BPP_EXECUTION_ERROR,
			"getBoundProfilePackage: no valid Bound Profile Package");
		return;
	}
	d->next_cmd = 0;
	load_next(d);
}

void dl_on_es9(struct ipa_download *d, const struct es9_answer *ans)
{
	uint32_t st = d->fi->state;

	if (ans->rc < 0) {
		/* the result keeps the first refusal: the answer to our own
		 * cancelSession after it says less (the session is gone) */
		if (!d->res.subject_code[0]) {
			snprintf(d->res.subject_code, sizeof(d->res.subject_code), "%s",
				 ans->subject_code);
			snprintf(d->res.reason_code, sizeof(d->res.reason_code), "%s",
				 ans->reason_code);
		}
		if (st == DL_WAIT_CANCEL_SERVER) {
			dl_finish(d, d->fail_rc);
			return;
		}
		if (st == DL_WAIT_HANDLE_NOTIF) {	/* kept on the eUICC for a retry */
			dl_finish(d, d->pir_failed ? SGP_ERR_PEER : SGP_OK);
			return;
		}
		dl_fail(d, ans->rc, ans->rc == SGP_ERR_TIMEOUT ? IPA_CANCEL_TIMEOUT :
			IPA_CANCEL_UNDEFINED_REASON, "ES9+ %s: %s%s%s%s%s",
			sgp_fsm_state_name(d->fi), sgp_strerror(ans->rc),
			ans->subject_code[0] ? " " : "", ans->subject_code,
			ans->reason_code[0] ? "/" : "", ans->reason_code);
		return;
	}
	if (d->forward_error) {		/* the eUICC's error went to the SM-DP+: the end */
		dl_fail(d, SGP_ERR_PEER, IPA_CANCEL_NONE, "the eUICC refused (error %ld)",
			d->res.euicc_error);
		return;
	}
	switch (st) {
	case DL_WAIT_INITIATE_AUTH:
		got_initiate_auth(d, ans->resp);
		break;
	case DL_WAIT_AUTH_CLIENT:
		if (!dl_cancel_injected(d, IPA_DL_STEP_AUTHENTICATE_CLIENT))
			got_auth_client(d, ans->resp);
		break;
	case DL_WAIT_GET_BPP:
		if (!dl_cancel_injected(d, IPA_DL_STEP_GET_BPP))
			got_bpp(d, ans->resp);
		break;
	case DL_WAIT_HANDLE_NOTIF:
		d->res.notification_sent = true;
		remove_notification(d);
		break;
	case DL_WAIT_CANCEL_SERVER:
		d->res.cancel_confirmed = true;
		dl_finish(d, d->fail_rc);
		break;
	default:
		break;
	}
}
