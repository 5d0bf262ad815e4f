/* sgp32lab: ES9+ <-> ESipa message mapping (SGP.32 v1.2 6.3.2.1 - 6.3.2.5,
 * SGP.22 v2.5 6.5.2.6 - 6.5.2.10).
 *
 * Both directions work on DER: a message is built by placing the DER
 * values of the JSON binding under the ESipa tags, then checked whole with
 * the strict decoder; a message is read by the strict decoder first, then
 * its values are taken as the bytes they were sent as (a re-encoding could
 * change a signed value).  Tags (the module has AUTOMATIC TAGS):
 *   InitiateAuthenticationRequestEsipa  BF39 { 81 chal, [83 addr], [BF20 info1], [82 eimTid] }
 *   InitiateAuthenticationResponseEsipa BF39 { A0 { [80 tid], 30 ss1, 5F37, 04 pkid, 30 cert,
 *                                               [0C matchingId], [A2 ctx] } | 81 error }
 *   AuthenticateClientRequestEsipa      BF3B { 80 tid, BF38 asr (A0 | A1; A2 compact) }
 *   AuthenticateClientResponseEsipa     BF3B { A0 okDP { [80 tid], [BF25 md], 30 ss2, 5F37,
 *                                               30 cert, [04 hashCc] } | A1 okDS | 82 error }
 *   GetBoundProfilePackageRequestEsipa  BF3A { 80 tid, BF21 pdr (A0 | A1; A2 compact) }
 *   GetBoundProfilePackageResponseEsipa BF3A { A0 { [80 tid], BF36 bpp } | 81 error }
 *   CancelSessionRequestEsipa           BF41 { 80 tid, A1 csr-content (A0 | 81; A2 compact) }
 *   CancelSessionResponseEsipa          BF41 { A0 00 | 81 error }
 *   HandleNotificationEsipa             BF3D { A0 { BF37 pir | 30 other; A0/A1 compact }
 *                                             | BF50 provideEimPackageResult } */
#include "core/esipa/esipa_map.h"
#include "core/esipa/esipa_int.h"
#include "core/der/bpp_split.h"
#include "core/der/der.h"
#include "core/err.h"

#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct json_msg_desc *esipa_es9_req_desc(enum es9_function f)
{
	switch (f) {
	case ES9_INITIATE_AUTHENTICATION: return &es9_initiate_authentication_req_desc;
	case ES9_AUTHENTICATE_CLIENT: return &es9_authenticate_client_req_desc;
	case ES9_GET_BOUND_PROFILE_PACKAGE: return &es9_get_bound_profile_package_req_desc;
	case ES9_CANCEL_SESSION: return &es9_cancel_session_req_desc;
	case ES9_HANDLE_NOTIFICATION: return &es9_handle_notification_req_desc;
	default: return NULL;
	}
}

const struct json_msg_desc *esipa_es9_resp_desc(enum es9_function f)
{
	switch (f) {
	case ES9_INITIATE_AUTHENTICATION: return &es9_initiate_authentication_resp_desc;
	case ES9_AUTHENTICATE_CLIENT: return &es9_authenticate_client_resp_desc;
	case ES9_GET_BOUND_PROFILE_PACKAGE: return &es9_get_bound_profile_package_resp_desc;
	case ES9_CANCEL_SESSION:
	case ES9_HANDLE_NOTIFICATION: return &es9_status_resp_desc;
	default: return NULL;
	}
}

/* ---------------------------------------------------------- TLV helpers */

/* ---------------------------------------------------------- TLV helpers */

uint32_t esipa_fn_tag(enum es9_function f)
{
	static const uint32_t tags[ES9_FUNCTION_COUNT] = {
		[ES9_INITIATE_AUTHENTICATION] = 0xBF39,
		[ES9_AUTHENTICATE_CLIENT] = 0xBF3B,
		[ES9_GET_BOUND_PROFILE_PACKAGE] = 0xBF3A,
		[ES9_CANCEL_SESSION] = 0xBF41,
		[ES9_HANDLE_NOTIFICATION] = 0xBF3D,
	};

	return (unsigned)f < ES9_FUNCTION_COUNT ? tags[f] : 0;
}

int esipa_function_of(const uint8_t *der, size_t len, enum es9_function *f)
{
	for (int i = 0; der && len >= 2 && der[0] == 0xBF && i < ES9_FUNCTION_COUNT; i++)
		if (der[1] == (esipa_fn_tag((enum es9_function)i) & 0xFF)) {
			*f = (enum es9_function)i;
			return SGP_OK;
		}
	return SGP_ERR_NOTFOUND;
}

/* The value of the outer TLV of [p, p + len), which must have tag. */
static int outer(const uint8_t *p, size_t len, uint32_t tag, struct sgp_tlv *t)
{
	if (sgp_der_next_tlv(&p, &len, t) < 0 || len || t->tag != tag)
		return SGP_ERR_PARSE;
	return SGP_OK;
}

/* A DER value of the JSON binding that must be one TLV of tag. */
static int put_value(struct sgp_buf *b, const struct sgp_buf *v, uint32_t tag)
{
	struct sgp_tlv t;

	if (!v->len || outer(v->data, v->len, tag, &t) < 0)
		return SGP_ERR_INVAL;
	return sgp_buf_append(b, v->data, v->len);
}

int esipa_put_int(struct sgp_buf *b, uint32_t tag, long code)
{
	uint8_t v[sizeof(long)];
	size_t n = 0;

	do {
		v[sizeof(v) - 1 - n++] = (uint8_t)(code & 0xFF);
		code >>= 8;
	} while (n < sizeof(v) && !((code == 0 && !(v[sizeof(v) - n] & 0x80)) ||
				    (code == -1 && (v[sizeof(v) - n] & 0x80))));
	return sgp_der_put_tlv(b, tag, v + sizeof(v) - n, n);
}

long esipa_get_int(const struct sgp_tlv *t)
{
	long x = (t->vl && (t->v[0] & 0x80)) ? -1 : 0;

	for (size_t i = 0; i < t->vl && i < sizeof(long); i++)
		x = (long)((unsigned long)x << 8 | t->v[i]);
	return x;
}

static int set_buf(struct sgp_buf *b, const struct sgp_tlv *t, bool whole)
{
	return whole ? sgp_buf_set(b, t->whole, t->wl) : sgp_buf_set(b, t->v, t->vl);
}

/* getBoundProfilePackageOkEsipa: BF3A { A0 { [80 tid], BF36 bpp } }.  asn1c
 * cannot decode a real Bound Profile Package (it takes the [7]/[8]/[6]
 * tags inside its SEQUENCE OFs as EXPLICIT, see tests/unit/test_download.c),
 * so this answer is checked by hand: canonical TLVs, a transactionId of
 * 1..16 bytes, and a BPP that core/der/bpp_split.h splits. */
static int check_gbpp_ok(const uint8_t *der, size_t len)
{
	struct sgp_tlv o, a, t;
	struct der_error de;
	struct sgp_bpp_cmd *cmds = NULL;
	size_t n, ncmd = 0;
	const uint8_t *p;
	bool bpp = false;
	int rc;

	if (sgp_der_check_tlv(der, len, &de) < 0 ||
	    outer(der, len, esipa_fn_tag(ES9_GET_BOUND_PROFILE_PACKAGE), &o) < 0 ||
	    outer(o.v, o.vl, 0xA0, &a) < 0)
		return SGP_ERR_PARSE;
	p = a.v;
	n = a.vl;
	while ((rc = sgp_der_next_tlv(&p, &n, &t)) == SGP_OK) {
		if (t.tag == 0x80 && !bpp && t.vl >= 1 && t.vl <= 16)
			continue;
		if (t.tag != 0xBF36 || bpp)
			return SGP_ERR_PARSE;
		bpp = true;
		rc = sgp_bpp_split(t.whole, t.wl, &cmds, &ncmd);
		free(cmds);
		if (rc < 0)
			return rc == SGP_ERR_NOMEM ? rc : SGP_ERR_PARSE;
	}
	return rc == SGP_ERR_NOTFOUND && bpp ? SGP_OK : SGP_ERR_PARSE;
}

int esipa_check(const uint8_t *der, size_t len, enum es9_function f,
		const struct asn_TYPE_descriptor_s *td)
{
	struct der_error de;
	void *m = NULL;
	int rc;

	if (f == ES9_GET_BOUND_PROFILE_PACKAGE && td == &asn_DEF_EsipaMessageFromEimToIpa &&
	    len > 4 && der[0] == 0xBF && der[1] == 0x3A) {
		size_t h = (der[2] & 0x80) ? 3u + (der[2] & 0x7F) : 3u;

		if (h < len && der[h] == 0xA0)
			return check_gbpp_ok(der, len);
	}
	rc = sgp_der_decode(td, der, len, &m, &de);
	sgp_der_free(td, m);
	if (rc < 0 && rc != SGP_ERR_NOMEM)
		rc = SGP_ERR_PARSE;
	return rc;
}

int esipa_finish(struct sgp_buf *body, enum es9_function f,
		 const struct asn_TYPE_descriptor_s *td, struct sgp_buf *der)
{
	int rc = sgp_der_wrap(body, esipa_fn_tag(f));

	if (rc == SGP_OK)
		rc = esipa_check(body->data, body->len, f, td);
	if (rc == SGP_OK) {
		sgp_buf_free(der);
		*der = *body;
		*body = (struct sgp_buf)SGP_BUF_INIT;
	}
	sgp_buf_free(body);
	return rc;
}

/* ---------------------------------------------------------- IPA: requests */

int esipa_req_from_es9(enum es9_function f, const void *req, const uint8_t *eim_tid,
		       size_t eim_tid_len, struct sgp_buf *der)
{
	const union es9_request *u = req;
	struct sgp_buf b = SGP_BUF_INIT, inner = SGP_BUF_INIT;
	const struct sgp_buf *tid = NULL;
	int rc = SGP_OK;

	if (!req || !der || (unsigned)f >= ES9_FUNCTION_COUNT || eim_tid_len > 16)
		return SGP_ERR_INVAL;
	switch (f) {
	case ES9_INITIATE_AUTHENTICATION:
		if (u->ia.euicc_challenge.len != 16) {
			rc = SGP_ERR_INVAL;
			break;
		}
		rc = sgp_der_put_tlv(&b, 0x81, u->ia.euicc_challenge.data, 16);
		if (rc == SGP_OK && u->ia.smdp_address)
			rc = sgp_der_put_tlv(&b, 0x83, u->ia.smdp_address,
					     strlen(u->ia.smdp_address));
		if (rc == SGP_OK && u->ia.euicc_info1.len)
			rc = put_value(&b, &u->ia.euicc_info1, 0xBF20);
		if (rc == SGP_OK && eim_tid && eim_tid_len)
			rc = sgp_der_put_tlv(&b, 0x82, eim_tid, eim_tid_len);
		break;
	case ES9_AUTHENTICATE_CLIENT:
		tid = &u->ac.transaction_id;
		rc = sgp_der_put_tlv(&b, 0x80, tid->data, tid->len);
		if (rc == SGP_OK)
			rc = put_value(&b, &u->ac.authenticate_server_response, 0xBF38);
		break;
	case ES9_GET_BOUND_PROFILE_PACKAGE:
		tid = &u->gbpp.transaction_id;
		rc = sgp_der_put_tlv(&b, 0x80, tid->data, tid->len);
		if (rc == SGP_OK)
			rc = put_value(&b, &u->gbpp.prepare_download_response, 0xBF21);
		break;
	case ES9_CANCEL_SESSION: {
		struct sgp_tlv t;

		tid = &u->cs.transaction_id;
		rc = sgp_der_put_tlv(&b, 0x80, tid->data, tid->len);
		/* cancelSessionResponse is the automatic [1]: A1 replaces 'BF41' */
		if (rc == SGP_OK && (!u->cs.cancel_session_response.len ||
				     outer(u->cs.cancel_session_response.data,
					   u->cs.cancel_session_response.len, 0xBF41, &t) < 0))
			rc = SGP_ERR_INVAL;
		if (rc == SGP_OK)
			rc = sgp_der_put_tlv(&b, 0xA1, t.v, t.vl);
		break;
	}
	case ES9_HANDLE_NOTIFICATION:
		if (!u->hn.pending_notification.len) {
			rc = SGP_ERR_INVAL;
			break;
		}
		rc = sgp_buf_set(&inner, u->hn.pending_notification.data,
				 u->hn.pending_notification.len);
		if (rc == SGP_OK)
			rc = sgp_der_wrap(&inner, 0xA0);
		if (rc == SGP_OK)
			rc = sgp_buf_append(&b, inner.data, inner.len);
		break;
	default:
		rc = SGP_ERR_INVAL;
	}
	if (rc == SGP_OK && tid && (!tid->len || tid->len > 16))
		rc = SGP_ERR_INVAL;
	sgp_buf_free(&inner);
	if (rc < 0) {
		sgp_buf_free(&b);
		return rc;
	}
	return esipa_finish(&b, f, &asn_DEF_EsipaMessageFromIpaToEim, der);
}

/* ---------------------------------------------------------- IPA: answers */

static int set_failed(struct es_resp_header *h, enum es9_function f, long code)
{
	const char *subject = NULL, *reason = NULL;
	char msg[96];

	snprintf(msg, sizeof(msg), "ESipa %s(%ld)", esipa_error_name(f, code), code);
	if (esipa_error_to_status(f, code, &subject, &reason) == SGP_OK)
		return es_resp_header_set_failed(h, subject, reason, msg);
	es_resp_header_free(h);
	h->status = ES_FAILED;
	h->has_status_code_data = true;
	h->scd.message = strdup(msg);
	return h->scd.message ? SGP_OK : SGP_ERR_NOMEM;
}

/* transactionId [0] inside a signed SEQUENCE (serverSigned1, smdpSigned2) */
static int tid_from_signed(const struct sgp_buf *sig, struct sgp_buf *tid)
{
	struct sgp_tlv s, t;
	const uint8_t *p;
	size_t n;

	if (outer(sig->data, sig->len, 0x30, &s) < 0)
		return SGP_ERR_PARSE;
	p = s.v;
	n = s.vl;
	if (sgp_der_next_tlv(&p, &n, &t) < 0 || t.tag != 0x80)
		return SGP_ERR_PARSE;
	return set_buf(tid, &t, false);
}

static int ia_ok(const struct sgp_tlv *ok, struct es9_initiate_authentication_resp *r)
{
	const uint8_t *p = ok->v;
	size_t n = ok->vl;
	struct sgp_tlv t;
	int rc = SGP_OK, seqs = 0;

	while (rc == SGP_OK && sgp_der_next_tlv(&p, &n, &t) == SGP_OK) {
		if (t.tag == 0x80)
			rc = set_buf(&r->transaction_id, &t, false);
		else if (t.tag == 0x30)
			rc = set_buf(seqs++ ? &r->server_certificate : &r->server_signed1, &t, true);
		else if (t.tag == 0x5F37)
			rc = set_buf(&r->server_signature1, &t, true);
		else if (t.tag == 0x04)
			rc = set_buf(&r->euicc_ci_pkid_to_be_used, &t, true);
		/* matchingId, ctxParams1: for an IPA that builds its own ctxParams1
		 * (SGP.32 3.2.3.2); this lab's IPA keeps its own */
	}
	if (rc == SGP_OK && !r->transaction_id.len)
		rc = tid_from_signed(&r->server_signed1, &r->transaction_id);
	return rc;
}

static int ac_ok(const struct sgp_tlv *ok, struct es9_authenticate_client_resp *r)
{
	const uint8_t *p = ok->v;
	size_t n = ok->vl;
	struct sgp_tlv t;
	int rc = SGP_OK, seqs = 0;

	while (rc == SGP_OK && sgp_der_next_tlv(&p, &n, &t) == SGP_OK) {
		if (t.tag == 0x80)
			rc = set_buf(&r->transaction_id, &t, false);
		else if (t.tag == 0xBF25)
			rc = set_buf(&r->profile_metadata, &t, true);
		else if (t.tag == 0x30)
			rc = set_buf(seqs++ ? &r->smdp_certificate : &r->smdp_signed2, &t, true);
		else if (t.tag == 0x5F37)
			rc = set_buf(&r->smdp_signature2, &t, true);
	}
	if (rc == SGP_OK && !r->transaction_id.len)
		rc = tid_from_signed(&r->smdp_signed2, &r->transaction_id);
	return rc;
}

static int gbpp_ok(const struct sgp_tlv *ok, struct es9_get_bound_profile_package_resp *r)
{
	const uint8_t *p = ok->v;
	size_t n = ok->vl;
	struct sgp_tlv t;
	int rc = SGP_OK;

	while (rc == SGP_OK && sgp_der_next_tlv(&p, &n, &t) == SGP_OK) {
		if (t.tag == 0x80)
			rc = set_buf(&r->transaction_id, &t, false);
		else if (t.tag == 0xBF36)
			rc = set_buf(&r->bound_profile_package, &t, true);
	}
	return rc;
}

int esipa_resp_to_es9(enum es9_function f, const uint8_t *der, size_t len, void *resp,
		      long *esipa_error)
{
	const struct json_msg_desc *desc = esipa_es9_resp_desc(f);
	struct es_resp_header *h = resp;
	const uint8_t *p;
	size_t n;
	struct sgp_tlv o, c;
	uint32_t err_tag = f == ES9_AUTHENTICATE_CLIENT ? 0x82 : 0x81;
	int rc;

	if (esipa_error)
		*esipa_error = -1;
	if (!desc || f == ES9_HANDLE_NOTIFICATION || !der || !resp)
		return SGP_ERR_INVAL;
	rc = esipa_check(der, len, f, &asn_DEF_EsipaMessageFromEimToIpa);
	if (rc == SGP_ERR_NOMEM)
		return rc;
	if (rc < 0 || outer(der, len, esipa_fn_tag(f), &o) < 0)
		return SGP_ERR_PARSE;
	p = o.v;
	n = o.vl;
	if (sgp_der_next_tlv(&p, &n, &c) < 0 || n)
		return SGP_ERR_PARSE;
	if (c.tag == err_tag) {
		if (esipa_error)
			*esipa_error = esipa_get_int(&c);
		return set_failed(h, f, esipa_get_int(&c));
	}
	if (c.tag != 0xA0)	/* okDS: an SM-DS answer, not for a download */
		return SGP_ERR_PARSE;
	h->status = ES_EXECUTED_SUCCESS;
	switch (f) {
	case ES9_INITIATE_AUTHENTICATION:
		rc = ia_ok(&c, resp);
		break;
	case ES9_AUTHENTICATE_CLIENT:
		rc = ac_ok(&c, resp);
		break;
	case ES9_GET_BOUND_PROFILE_PACKAGE:
		rc = gbpp_ok(&c, resp);
		break;
	default:
		rc = SGP_OK;	/* cancelSessionOk: nothing inside */
	}
	if (rc < 0) {
		json_msg_free(desc, resp);
		if (rc != SGP_ERR_NOMEM)
			rc = SGP_ERR_PARSE;
	}
	return rc;
}
