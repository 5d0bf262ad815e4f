/* sgp32lab: ES9+ <-> ESipa mapping, the eIM's direction: ESipa requests
 * to ES9+ requests, ES9+ answers to ESipa answers (SGP.32 v1.2 6.3.2;
 * tags in esipa_map.c) */
#include "core/esipa/esipa_map.h"
#include "core/esipa/esipa_int.h"
#include "core/der/bpp_split.h"
#include "core/der/der.h"
#include "core/err.h"

#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"

#include <stdlib.h>
#include <string.h>

static int set_whole(struct sgp_buf *b, const struct sgp_tlv *t)
{
	return sgp_buf_set(b, t->whole, t->wl);
}

/* The first byte of a CHOICE value: its alternative's tag.  The third
 * alternative (automatic tag [2], 'A2') is the compact form (SGP.32 7). */
static bool is_compact(const struct sgp_tlv *t)
{
	return t->vl && t->v[0] == 0xA2;
}

static int ia_req(const uint8_t *p, size_t n, struct esipa_req *r)
{
	struct es9_initiate_authentication_req *q = &r->u.ia;
	struct sgp_tlv t;
	int rc = SGP_OK;

	while (rc == SGP_OK && sgp_der_next_tlv(&p, &n, &t) == SGP_OK) {
		switch (t.tag) {
		case 0x81:
			rc = sgp_buf_set(&q->euicc_challenge, t.v, t.vl);
			break;
		case 0x83:
			if (memchr(t.v, 0, t.vl)) {
				rc = SGP_ERR_PARSE;
				break;
			}
			q->smdp_address = strndup((const char *)t.v, t.vl);
			rc = q->smdp_address ? SGP_OK : SGP_ERR_NOMEM;
			break;
		case 0xBF20:
			r->has_euicc_info1 = true;
			rc = set_whole(&q->euicc_info1, &t);
			break;
		case 0x82:
			memcpy(r->eim_tid, t.v, t.vl);	/* SIZE(1..16): checked */
			r->eim_tid_len = t.vl;
			break;
		default:
			break;
		}
	}
	return rc;
}

/* { 80 tid, <tag> value }: the value whole (or retagged as 'BF41') */
static int tid_and_value(const uint8_t *p, size_t n, uint32_t tag, struct sgp_buf *tid,
			 struct sgp_buf *value, bool retag_bf41)
{
	struct sgp_tlv a, b;
	int rc;

	if (sgp_der_next_tlv(&p, &n, &a) < 0 || a.tag != 0x80 || sgp_der_next_tlv(&p, &n, &b) < 0 ||
	    b.tag != tag || n)
		return SGP_ERR_PARSE;
	if (is_compact(&b))
		return SGP_ERR_UNSUPPORTED;
	rc = sgp_buf_set(tid, a.v, a.vl);
	if (rc == SGP_OK)
		rc = retag_bf41 ? sgp_der_put_tlv(value, 0xBF41, b.v, b.vl) : set_whole(value, &b);
	return rc;
}

int esipa_req_to_es9(const uint8_t *der, size_t len, struct esipa_req *out)
{
	EsipaMessageFromIpaToEim_t *m = NULL;
	struct der_error de;
	const uint8_t *p = der;
	size_t n = len;
	struct sgp_tlv o, c;
	int rc;

	if (!der || !out)
		return SGP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	rc = sgp_der_decode(&asn_DEF_EsipaMessageFromIpaToEim, der, len, (void **)&m, &de);
	if (rc < 0)
		return rc == SGP_ERR_NOMEM ? rc : SGP_ERR_PARSE;
	switch (m->present) {
	case EsipaMessageFromIpaToEim_PR_initiateAuthenticationRequestEsipa:
		out->fn = ES9_INITIATE_AUTHENTICATION;
		break;
	case EsipaMessageFromIpaToEim_PR_authenticateClientRequestEsipa:
		out->fn = ES9_AUTHENTICATE_CLIENT;
		break;
	case EsipaMessageFromIpaToEim_PR_getBoundProfilePackageRequestEsipa:
		out->fn = ES9_GET_BOUND_PROFILE_PACKAGE;
		break;
	case EsipaMessageFromIpaToEim_PR_cancelSessionRequestEsipa:
		out->fn = ES9_CANCEL_SESSION;
		break;
	case EsipaMessageFromIpaToEim_PR_handleNotificationEsipa:
		out->fn = ES9_HANDLE_NOTIFICATION;
		if (m->choice.handleNotificationEsipa.present !=
		    HandleNotificationEsipa_PR_pendingNotification)
			rc = SGP_ERR_NOTFOUND;	/* provideEimPackageResult */
		break;
	default:
		rc = SGP_ERR_NOTFOUND;
	}
	sgp_der_free(&asn_DEF_EsipaMessageFromIpaToEim, m);
	if (rc < 0)
		return rc;
	/* decoded strictly: the TLVs below are well formed */
	if (sgp_der_next_tlv(&p, &n, &o) < 0)
		return SGP_ERR_PARSE;
	switch (out->fn) {
	case ES9_INITIATE_AUTHENTICATION:
		rc = ia_req(o.v, o.vl, out);
		break;
	case ES9_AUTHENTICATE_CLIENT:
		rc = tid_and_value(o.v, o.vl, 0xBF38, &out->u.ac.transaction_id,
				   &out->u.ac.authenticate_server_response, false);
		break;
	case ES9_GET_BOUND_PROFILE_PACKAGE:
		rc = tid_and_value(o.v, o.vl, 0xBF21, &out->u.gbpp.transaction_id,
				   &out->u.gbpp.prepare_download_response, false);
		break;
	case ES9_CANCEL_SESSION:
		rc = tid_and_value(o.v, o.vl, 0xA1, &out->u.cs.transaction_id,
				   &out->u.cs.cancel_session_response, true);
		break;
	default:	/* A0 { the PendingNotification; A0 / A1 inside: compact } */
		p = o.v;
		n = o.vl;
		if (sgp_der_next_tlv(&p, &n, &c) < 0 || c.tag != 0xA0 || !c.vl)
			rc = SGP_ERR_PARSE;
		else if (c.v[0] == 0xA0 || c.v[0] == 0xA1)
			rc = SGP_ERR_UNSUPPORTED;
		else
			rc = sgp_buf_set(&out->u.hn.pending_notification, c.v, c.vl);
		break;
	}
	if (rc < 0)
		esipa_req_free(out);
	return rc;
}

void esipa_req_free(struct esipa_req *r)
{
	const struct json_msg_desc *d;

	if (!r)
		return;
	d = esipa_es9_req_desc(r->fn);
	if (d)
		json_msg_free(d, &r->u);
	memset(r, 0, sizeof(*r));
}

/* ---------------------------------------------------------- answers */

int esipa_resp_error(enum es9_function f, long code, struct sgp_buf *der)
{
	struct sgp_buf b = SGP_BUF_INIT;
	int rc;

	if ((unsigned)f >= ES9_FUNCTION_COUNT || f == ES9_HANDLE_NOTIFICATION || !der)
		return SGP_ERR_INVAL;
	rc = esipa_put_int(&b, f == ES9_AUTHENTICATE_CLIENT ? 0x82 : 0x81, code);
	if (rc < 0) {
		sgp_buf_free(&b);
		return rc;
	}
	return esipa_finish(&b, f, &asn_DEF_EsipaMessageFromEimToIpa, der);
}

static int put_all(struct sgp_buf *b, const struct sgp_buf *const *v, size_t n)
{
	int rc = SGP_OK;

	for (size_t i = 0; rc == SGP_OK && i < n; i++)
		rc = v[i]->len ? sgp_buf_append(b, v[i]->data, v[i]->len) : SGP_ERR_PARSE;
	return rc;
}

int esipa_resp_from_es9(enum es9_function f, const struct es9_answer *ans, struct sgp_buf *der)
{
	struct sgp_buf b = SGP_BUF_INIT;
	int rc = SGP_OK;

	if ((unsigned)f >= ES9_FUNCTION_COUNT || !ans || !der)
		return SGP_ERR_INVAL;
	if (f == ES9_HANDLE_NOTIFICATION) {
		sgp_buf_free(der);
		return SGP_OK;
	}
	if (ans->rc < 0 || (!ans->resp && f != ES9_CANCEL_SESSION))
		return esipa_resp_error(f, ans->rc == SGP_ERR_PEER ?
					esipa_error_from_status(f, ans->subject_code,
								ans->reason_code) :
					ESIPA_UNDEFINED_ERROR, der);
	switch (f) {
	case ES9_INITIATE_AUTHENTICATION: {
		const struct es9_initiate_authentication_resp *r = ans->resp;
		const struct sgp_buf *v[] = { &r->server_signed1, &r->server_signature1,
					      &r->euicc_ci_pkid_to_be_used,
					      &r->server_certificate };

		rc = sgp_der_put_tlv(&b, 0x80, r->transaction_id.data, r->transaction_id.len);
		if (rc == SGP_OK)
			rc = put_all(&b, v, 4);
		break;
	}
	case ES9_AUTHENTICATE_CLIENT: {
		const struct es9_authenticate_client_resp *r = ans->resp;
		const struct sgp_buf *v[] = { &r->profile_metadata, &r->smdp_signed2,
					      &r->smdp_signature2, &r->smdp_certificate };

		rc = sgp_der_put_tlv(&b, 0x80, r->transaction_id.data, r->transaction_id.len);
		if (rc == SGP_OK)
			rc = put_all(&b, v, 4);
		break;
	}
	case ES9_GET_BOUND_PROFILE_PACKAGE: {
		const struct es9_get_bound_profile_package_resp *r = ans->resp;
		const struct sgp_buf *v[] = { &r->bound_profile_package };

		rc = sgp_der_put_tlv(&b, 0x80, r->transaction_id.data, r->transaction_id.len);
		if (rc == SGP_OK)
			rc = put_all(&b, v, 1);
		break;
	}
	default:	/* cancelSessionOk: an empty SEQUENCE */
		break;
	}
	if (rc == SGP_OK)
		rc = f == ES9_CANCEL_SESSION ? sgp_der_put_tlv(&b, 0xA0, NULL, 0) :
		     sgp_der_wrap(&b, 0xA0);
	if (rc < 0) {
		sgp_buf_free(&b);
		/* the SM-DP+'s answer does not fit the ESipa message */
		return rc == SGP_ERR_NOMEM ? rc : esipa_resp_error(f, ESIPA_UNDEFINED_ERROR, der);
	}
	rc = esipa_finish(&b, f, &asn_DEF_EsipaMessageFromEimToIpa, der);
	if (rc == SGP_ERR_PARSE)
		rc = esipa_resp_error(f, ESIPA_UNDEFINED_ERROR, der);
	return rc;
}
