/* sgp32lab: unit tests of the eUICC's download functions (SGP.22 5.7:
 * GetEUICCInfo, AuthenticateServer, PrepareDownload, LoadBoundProfilePackage,
 * CancelSession, ES10a addresses).  The test plays a minimal SM-DP+ with
 * the test bed PKI's DPauth / DPpb keys; messages are built as raw DER so
 * that every field (and every signature) can be spoiled on purpose. */
#include "euicc_testbed.h"
#include "sim/euicc.h"
#include "core/buf.h"
#include "core/crypto/bsp.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/ecka.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "testutil.h"

#include "CancelSessionResponse.h"
#include "EUICCInfo1.h"
#include "EuiccConfiguredAddressesResponse.h"
#include "GetEuiccChallengeResponse.h"
#include "PrepareDownloadResponse.h"
#include "ProfileInstallationResult.h"
#include "SGP32-AuthenticateServerResponse.h"
#include "SGP32-EUICCInfo2.h"

#include <string.h>

#define SMDP "smdp.sgp32lab.test"
static const uint8_t TID[4] = { 0x01, 0x02, 0x03, 0x04 };

/* Append tag (1-2 bytes), DER length and value. */
static void tlv(struct sgp_buf *b, uint32_t tag, const void *v, size_t len)
{
	uint8_t h[6];
	size_t n = 0;

	if (tag > 0xff)
		h[n++] = (uint8_t)(tag >> 8);
	h[n++] = (uint8_t)tag;
	if (len < 0x80) {
		h[n++] = (uint8_t)len;
	} else if (len < 0x100) {
		h[n++] = 0x81;
		h[n++] = (uint8_t)len;
	} else {
		h[n++] = 0x82;
		h[n++] = (uint8_t)(len >> 8);
		h[n++] = (uint8_t)len;
	}
	ck_assert_int_eq(sgp_buf_append(b, h, n), SGP_OK);
	if (len)
		ck_assert_int_eq(sgp_buf_append(b, v, len), SGP_OK);
}

static void wrap(struct sgp_buf *b, uint32_t tag)
{
	struct sgp_buf t = SGP_BUF_INIT;

	tlv(&t, tag, b->data, b->len);
	sgp_buf_free(b);
	*b = t;
}

static struct sgp_key *role_key(struct testbed *tb, enum sgp_pki_role r)
{
	struct sgp_key *k = NULL;

	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(tb->pki, r), &k), SGP_OK);
	return k;
}

static void sign(struct sgp_key *k, const struct sgp_buf *m, uint8_t sig[64])
{
	ck_assert_int_eq(sgp_ecdsa_sign(k, m->data, m->len, sig), SGP_OK);
}

static void cert_der(X509 *c, struct sgp_buf *out)
{
	ck_assert_int_eq(sgp_pki_cert_der(c, out), SGP_OK);
}

static void call(struct testbed *tb, const struct sgp_buf *cmd, struct sgp_buf *resp, int want)
{
	ck_assert_int_eq(testbed_es10(tb, cmd->data, cmd->len, resp), want);
}

static void *decode(const struct asn_TYPE_descriptor_s *td, const struct sgp_buf *b)
{
	struct der_error err = { 0 };
	void *v = NULL;

	ck_assert_msg(sgp_der_decode(td, b->data, b->len, &v, &err) == SGP_OK, "%s", err.msg);
	return v;
}

static void challenge(struct testbed *tb, uint8_t chal[16])
{
	static const uint8_t cmd[] = { 0xBF, 0x2E, 0x00 };
	GetEuiccChallengeResponse_t *r;
	struct sgp_buf resp = SGP_BUF_INIT;

	ck_assert_int_eq(testbed_es10(tb, cmd, sizeof(cmd), &resp), SGP_OK);
	r = decode(&asn_DEF_GetEuiccChallengeResponse, &resp);
	memcpy(chal, r->euiccChallenge.buf, 16);
	ASN_STRUCT_FREE(asn_DEF_GetEuiccChallengeResponse, r);
	sgp_buf_free(&resp);
}

/* How to build an AuthenticateServerRequest. */
struct auth_opts {
	const uint8_t *chal;		/* euiccChallenge */
	enum sgp_pki_role cert_role;	/* certificate sent and key that signs */
	struct sgp_pki *pki;		/* NULL: the test bed's */
	bool bad_sig;
	bool unknown_pkid;
};

static void auth_request(struct testbed *tb, const struct auth_opts *o, struct sgp_buf *cmd)
{
	static const uint8_t srv_chal[16] = { 0xAA, 0xBB };
	/* ctxParamsForCommonAuthentication: matchingId, deviceInfo {tac, deviceCapabilities} */
	static const uint8_t ctx[] = { 0xA0, 0x11, 0x80, 0x05, 'M', 'A', 'T', 'C', 'H',
				       0xA1, 0x08, 0x80, 0x04, 0x35, 0x29, 0x06, 0x11, 0xA1, 0x00 };
	struct sgp_pki *pki = o->pki ? o->pki : tb->pki;
	struct sgp_buf ss1 = SGP_BUF_INIT, c = SGP_BUF_INIT, ski = SGP_BUF_INIT;
	struct sgp_key *k;
	uint8_t sig[64];

	ck_assert_ptr_nonnull(sgp_pki_key(pki, o->cert_role));
	k = NULL;
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(pki, o->cert_role), &k), SGP_OK);
	tlv(&ss1, 0x80, TID, sizeof(TID));
	tlv(&ss1, 0x81, o->chal, 16);
	tlv(&ss1, 0x83, SMDP, strlen(SMDP));
	tlv(&ss1, 0x84, srv_chal, 16);
	wrap(&ss1, 0x30);
	sign(k, &ss1, sig);
	if (o->bad_sig)
		sig[10] ^= 1;
	sgp_buf_reset(cmd);
	ck_assert_int_eq(sgp_buf_append(cmd, ss1.data, ss1.len), SGP_OK);
	tlv(cmd, 0x5F37, sig, 64);
	ck_assert_int_eq(sgp_pki_cert_ski(sgp_pki_cert(tb->pki, SGP_PKI_ROLE_CI), &ski), SGP_OK);
	if (o->unknown_pkid)
		ski.data[0] ^= 0xff;
	tlv(cmd, 0x04, ski.data, ski.len);
	cert_der(sgp_pki_cert(pki, o->cert_role), &c);
	ck_assert_int_eq(sgp_buf_append(cmd, c.data, c.len), SGP_OK);
	ck_assert_int_eq(sgp_buf_append(cmd, ctx, sizeof(ctx)), SGP_OK);
	wrap(cmd, 0xBF38);
	sgp_key_free(k);
	sgp_buf_free(&ss1);
	sgp_buf_free(&c);
	sgp_buf_free(&ski);
}

/* Send AuthenticateServer; return the error code or 0 for OK, and the
 * euiccSignature1 on success. */
static long authenticate(struct testbed *tb, const struct auth_opts *o, uint8_t sig1[64])
{
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT, signed1 = SGP_BUF_INIT;
	SGP32_AuthenticateServerResponse_t *r;
	struct der_error err = { 0 };
	struct sgp_key *ek = NULL;
	long code = 0;

	auth_request(tb, o, &cmd);
	call(tb, &cmd, &resp, SGP_OK);
	r = decode(&asn_DEF_SGP32_AuthenticateServerResponse, &resp);
	if (r->present == SGP32_AuthenticateServerResponse_PR_authenticateResponseError) {
		code = r->choice.authenticateResponseError.authenticateErrorCode;
		ck_assert_int_eq(r->choice.authenticateResponseError.transactionId.size, sizeof(TID));
	} else {
		SGP32_AuthenticateResponseOk_t *ok = &r->choice.authenticateResponseOk;

		ck_assert_int_eq(r->present, SGP32_AuthenticateServerResponse_PR_authenticateResponseOk);
		ck_assert_int_eq(sgp_der_encode(&asn_DEF_SGP32_EuiccSigned1, &ok->euiccSigned1, &signed1,
						&err), SGP_OK);
		ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(tb->pki, SGP_PKI_ROLE_EUICC), &ek), SGP_OK);
		ck_assert_int_eq(sgp_ecdsa_verify(ek, signed1.data, signed1.len, ok->euiccSignature1.buf,
						  ok->euiccSignature1.size), SGP_OK);
		ck_assert_int_eq(ok->euiccSigned1.serverChallenge.buf[0], 0xAA);
		ck_assert_ptr_nonnull(ok->euiccSigned1.euiccInfo2.iotSpecificInfo);
		ck_assert_ptr_nonnull(ok->euiccSigned1.ctxParams1.choice.ctxParamsForCommonAuthentication.matchingId);
		if (sig1)
			memcpy(sig1, ok->euiccSignature1.buf, 64);
	}
	ASN_STRUCT_FREE(asn_DEF_SGP32_AuthenticateServerResponse, r);
	sgp_key_free(ek);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	sgp_buf_free(&signed1);
	return code;
}

static long auth_default(struct testbed *tb, uint8_t sig1[64])
{
	uint8_t chal[16];
	struct auth_opts o = { .chal = chal, .cert_role = SGP_PKI_ROLE_DPAUTH };

	challenge(tb, chal);
	return authenticate(tb, &o, sig1);
}

START_TEST(test_euicc_info)
{
	static const uint8_t i1[] = { 0xBF, 0x20, 0x00 }, i2[] = { 0xBF, 0x22, 0x00 };
	struct testbed tb;
	struct sgp_buf resp = SGP_BUF_INIT, ski = SGP_BUF_INIT;
	EUICCInfo1_t *info1;
	SGP32_EUICCInfo2_t *info2;

	testbed_init(&tb, "nist", false);
	ck_assert_int_eq(sgp_pki_cert_ski(sgp_pki_cert(tb.pki, SGP_PKI_ROLE_CI), &ski), SGP_OK);
	ck_assert_int_eq(testbed_es10(&tb, i1, sizeof(i1), &resp), SGP_OK);
	info1 = decode(&asn_DEF_EUICCInfo1, &resp);
	ck_assert_mem_eq(info1->svn.buf, "\x02\x05\x00", 3);
	ck_assert_int_eq(info1->euiccCiPKIdListForVerification.list.count, 1);
	ck_assert_int_eq(info1->euiccCiPKIdListForSigning.list.array[0]->size, (int)ski.len);
	ck_assert_mem_eq(info1->euiccCiPKIdListForSigning.list.array[0]->buf, ski.data, ski.len);
	ASN_STRUCT_FREE(asn_DEF_EUICCInfo1, info1);
	ck_assert_int_eq(testbed_es10(&tb, i2, sizeof(i2), &resp), SGP_OK);
	info2 = decode(&asn_DEF_SGP32_EUICCInfo2, &resp);
	ck_assert_mem_eq(info2->svn.buf, "\x02\x05\x00", 3);
	ck_assert_ptr_nonnull(info2->ipaMode);
	ck_assert_ptr_nonnull(info2->iotSpecificInfo);
	ck_assert_mem_eq(info2->iotSpecificInfo->iotVersion.list.array[0]->buf, "\x01\x02\x00", 3);
	/* no profile installed yet: '81 01 00', then the free memory */
	ck_assert_mem_eq(info2->extCardResource.buf, "\x81\x01\x00\x82", 4);
	ck_assert_int_eq(info2->euiccCiPKIdListForVerification.list.count, 1);
	ASN_STRUCT_FREE(asn_DEF_SGP32_EUICCInfo2, info2);
	/* trailing data is refused */
	ck_assert_int_eq(testbed_es10(&tb, (const uint8_t *)"\xBF\x20\x00\x00", 4, &resp), SGP_ERR_PARSE);
	sgp_buf_free(&resp);
	sgp_buf_free(&ski);
	testbed_free(&tb);
}
END_TEST

START_TEST(test_authenticate_server)
{
	struct testbed tb;
	struct sgp_pki *other = NULL;
	struct sgp_pki_gen_opts go = { .curve = SGP_PKI_CURVE_NIST, .not_before = 1767225600 - 86400 };
	uint8_t chal[16], wrong[16];
	struct auth_opts o = { .chal = chal, .cert_role = SGP_PKI_ROLE_DPAUTH };

	testbed_init(&tb, _i ? "brp" : "nist", false);
	/* no GetEUICCChallenge since the reset */
	memset(chal, 0, 16);
	ck_assert_int_eq(authenticate(&tb, &o, NULL), AuthenticateErrorCode_noSessionContext);
	challenge(&tb, chal);
	memcpy(wrong, chal, 16);
	wrong[15] ^= 1;
	o.chal = wrong;
	ck_assert_int_eq(authenticate(&tb, &o, NULL), AuthenticateErrorCode_euiccChallengeMismatch);
	o.chal = chal;
	o.bad_sig = true;
	ck_assert_int_eq(authenticate(&tb, &o, NULL), AuthenticateErrorCode_invalidSignature);
	o.bad_sig = false;
	o.unknown_pkid = true;
	ck_assert_int_eq(authenticate(&tb, &o, NULL), AuthenticateErrorCode_ciPKUnknown);
	o.unknown_pkid = false;
	o.cert_role = SGP_PKI_ROLE_DPPB;	/* not an authentication certificate */
	ck_assert_int_eq(authenticate(&tb, &o, NULL), AuthenticateErrorCode_invalidOid);
	/* a DPauth of another CI, presented under our CI's PKID */
	go.curve = sgp_pki_get_curve(tb.pki);
	ck_assert_int_eq(sgp_pki_generate(&go, &other), SGP_OK);
	o.cert_role = SGP_PKI_ROLE_DPAUTH;
	o.pki = other;
	ck_assert_int_eq(authenticate(&tb, &o, NULL), AuthenticateErrorCode_invalidCertificate);
	o.pki = NULL;
	/* the refusals left the challenge usable */
	ck_assert_int_eq(authenticate(&tb, &o, NULL), 0);
	/* the session is authenticated: a second AuthenticateServer has no context */
	ck_assert_int_eq(authenticate(&tb, &o, NULL), AuthenticateErrorCode_noSessionContext);
	/* a reset drops the session */
	challenge(&tb, chal);
	euicc_reset(tb.euicc);
	ck_assert_int_eq(authenticate(&tb, &o, NULL), AuthenticateErrorCode_noSessionContext);
	sgp_pki_free(other);
	testbed_free(&tb);
}
END_TEST

struct prep_opts {
	const uint8_t *tid;
	size_t tid_len;
	bool cc_required;
	const uint8_t *hash_cc;
	enum sgp_pki_role cert_role;
	bool bad_sig;
};

/* Send PrepareDownload; return the error code or 0, and on success the
 * euiccOtpk; checks euiccSignature2. */
static long prepare(struct testbed *tb, const uint8_t sig1[64], const struct prep_opts *o,
		    uint8_t otpk[65], PrepareDownloadResponse_t **out)
{
	struct sgp_buf sd2 = SGP_BUF_INIT, m = SGP_BUF_INIT, cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT,
		       c = SGP_BUF_INIT;
	struct sgp_key *k = role_key(tb, o->cert_role), *ek = NULL;
	struct der_error err = { 0 };
	PrepareDownloadResponse_t *r;
	uint8_t sig[64], flag = o->cc_required ? 0xFF : 0x00;
	long code = 0;

	tlv(&sd2, 0x80, o->tid ? o->tid : TID, o->tid ? o->tid_len : sizeof(TID));
	tlv(&sd2, 0x01, &flag, 1);
	wrap(&sd2, 0x30);
	ck_assert_int_eq(sgp_buf_append(&m, sd2.data, sd2.len), SGP_OK);
	tlv(&m, 0x5F37, sig1, 64);
	sign(k, &m, sig);
	if (o->bad_sig)
		sig[3] ^= 0x40;
	ck_assert_int_eq(sgp_buf_append(&cmd, sd2.data, sd2.len), SGP_OK);
	tlv(&cmd, 0x5F37, sig, 64);
	if (o->hash_cc)
		tlv(&cmd, 0x04, o->hash_cc, 32);
	cert_der(sgp_pki_cert(tb->pki, o->cert_role), &c);
	ck_assert_int_eq(sgp_buf_append(&cmd, c.data, c.len), SGP_OK);
	wrap(&cmd, 0xBF21);
	call(tb, &cmd, &resp, SGP_OK);
	r = decode(&asn_DEF_PrepareDownloadResponse, &resp);
	if (r->present == PrepareDownloadResponse_PR_downloadResponseError) {
		code = r->choice.downloadResponseError.downloadErrorCode;
	} else {
		EUICCSigned2_t *es2 = &r->choice.downloadResponseOk.euiccSigned2;

		ck_assert_int_eq(sgp_der_encode(&asn_DEF_EUICCSigned2, es2, &m, &err), SGP_OK);
		tlv(&m, 0x5F37, sig, 64);
		ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(tb->pki, SGP_PKI_ROLE_EUICC), &ek), SGP_OK);
		ck_assert_int_eq(sgp_ecdsa_verify(ek, m.data, m.len,
						  r->choice.downloadResponseOk.euiccSignature2.buf,
						  r->choice.downloadResponseOk.euiccSignature2.size), SGP_OK);
		ck_assert_int_eq(es2->euiccOtpk.size, 65);
		if (otpk)
			memcpy(otpk, es2->euiccOtpk.buf, 65);
	}
	if (out)
		*out = r;
	else
		ASN_STRUCT_FREE(asn_DEF_PrepareDownloadResponse, r);
	sgp_key_free(k);
	sgp_key_free(ek);
	sgp_buf_free(&sd2);
	sgp_buf_free(&m);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	sgp_buf_free(&c);
	return code;
}

START_TEST(test_prepare_download)
{
	static const uint8_t other_tid[4] = { 9, 9, 9, 9 };
	uint8_t hash[32], sig1[64] = { 0 };
	struct prep_opts o = { .cert_role = SGP_PKI_ROLE_DPPB };
	PrepareDownloadResponse_t *r = NULL;
	struct testbed tb;

	memset(hash, 0x5C, sizeof(hash));
	testbed_init(&tb, "nist", false);
	ck_assert_int_eq(prepare(&tb, sig1, &o, NULL, NULL), DownloadErrorCode_noSessionContext);
	ck_assert_int_eq(auth_default(&tb, sig1), 0);
	o.bad_sig = true;
	ck_assert_int_eq(prepare(&tb, sig1, &o, NULL, NULL), DownloadErrorCode_invalidSignature);
	o.bad_sig = false;
	o.cert_role = SGP_PKI_ROLE_DPAUTH;	/* not the binding certificate */
	ck_assert_int_eq(prepare(&tb, sig1, &o, NULL, NULL), DownloadErrorCode_invalidCertificate);
	o.cert_role = SGP_PKI_ROLE_DPPB;
	o.tid = other_tid;
	o.tid_len = sizeof(other_tid);
	ck_assert_int_eq(prepare(&tb, sig1, &o, NULL, NULL), DownloadErrorCode_invalidTransactionId);
	o.tid = NULL;
	o.cc_required = true;	/* confirmation code required, no hashCc */
	ck_assert_int_eq(prepare(&tb, sig1, &o, NULL, NULL), DownloadErrorCode_undefinedError);
	o.hash_cc = hash;	/* the eUICC signs the hashCc it was given */
	ck_assert_int_eq(prepare(&tb, sig1, &o, NULL, &r), 0);
	ck_assert_ptr_nonnull(r->choice.downloadResponseOk.euiccSigned2.hashCc);
	ck_assert_mem_eq(r->choice.downloadResponseOk.euiccSigned2.hashCc->buf, hash, 32);
	ASN_STRUCT_FREE(asn_DEF_PrepareDownloadResponse, r);
	/* without ccRequiredFlag no hashCc is signed */
	o.cc_required = false;
	ck_assert_int_eq(prepare(&tb, sig1, &o, NULL, &r), 0);
	ck_assert_ptr_null(r->choice.downloadResponseOk.euiccSigned2.hashCc);
	ASN_STRUCT_FREE(asn_DEF_PrepareDownloadResponse, r);
	testbed_free(&tb);
}
END_TEST

static long cancel(struct testbed *tb, const uint8_t *tid, size_t len)
{
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	uint8_t reason = 1;	/* postponed */
	CancelSessionResponse_t *r;
	long code = 0;

	tlv(&cmd, 0x80, tid, len);
	tlv(&cmd, 0x81, &reason, 1);
	wrap(&cmd, 0xBF41);
	call(tb, &cmd, &resp, SGP_OK);
	r = decode(&asn_DEF_CancelSessionResponse, &resp);
	if (r->present == CancelSessionResponse_PR_cancelSessionResponseError)
		code = r->choice.cancelSessionResponseError;
	else
		ck_assert_int_eq(r->choice.cancelSessionResponseOk.euiccCancelSessionSigned.reason, 1);
	ASN_STRUCT_FREE(asn_DEF_CancelSessionResponse, r);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	return code;
}

START_TEST(test_cancel_session)
{
	struct prep_opts o = { .cert_role = SGP_PKI_ROLE_DPPB };
	uint8_t sig1[64];
	struct testbed tb;

	testbed_init(&tb, "nist", false);
	ck_assert_int_eq(cancel(&tb, TID, sizeof(TID)), 5);	/* invalidTransactionId */
	ck_assert_int_eq(auth_default(&tb, sig1), 0);
	ck_assert_int_eq(cancel(&tb, (const uint8_t *)"\x01\x02", 2), 5);
	ck_assert_int_eq(cancel(&tb, TID, sizeof(TID)), 0);
	/* the session is gone */
	ck_assert_int_eq(prepare(&tb, sig1, &o, NULL, NULL), DownloadErrorCode_noSessionContext);
	testbed_free(&tb);
}
END_TEST

START_TEST(test_addresses)
{
	static const uint8_t get[] = { 0xBF, 0x3C, 0x00 };
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	EuiccConfiguredAddressesResponse_t *r;
	struct testbed tb;

	testbed_init(&tb, "nist", true);
	ck_assert_int_eq(testbed_es10(&tb, get, sizeof(get), &resp), SGP_OK);
	r = decode(&asn_DEF_EuiccConfiguredAddressesResponse, &resp);
	ck_assert_ptr_nonnull(r->defaultDpAddress);
	ck_assert_mem_eq(r->rootDsAddress.buf, "smds.sgp32lab.test", 18);
	ASN_STRUCT_FREE(asn_DEF_EuiccConfiguredAddressesResponse, r);
	tlv(&cmd, 0x80, "dp2.example.com", 15);
	wrap(&cmd, 0xBF3F);
	call(&tb, &cmd, &resp, SGP_OK);
	ck_assert_mem_eq(resp.data, "\xBF\x3F\x03\x80\x01\x00", 6);	/* ok */
	sgp_buf_reset(&cmd);
	tlv(&cmd, 0x80, "bad address/", 12);
	wrap(&cmd, 0xBF3F);
	call(&tb, &cmd, &resp, SGP_OK);
	ck_assert_mem_eq(resp.data, "\xBF\x3F\x03\x80\x01\x7F", 6);	/* undefinedError */
	testbed_restart(&tb);
	ck_assert_int_eq(testbed_es10(&tb, get, sizeof(get), &resp), SGP_OK);
	r = decode(&asn_DEF_EuiccConfiguredAddressesResponse, &resp);
	ck_assert_int_eq(r->defaultDpAddress->size, 15);
	ck_assert_mem_eq(r->defaultDpAddress->buf, "dp2.example.com", 15);
	ASN_STRUCT_FREE(asn_DEF_EuiccConfiguredAddressesResponse, r);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	testbed_free(&tb);
}
END_TEST

/* --- LoadBoundProfilePackage with a BPP built here (the SM-DP+ side's
 * full end-to-end test is test_download.c) --- */

struct bpp_opts {
	const char *iccid_meta, *iccid_pe;
	bool bad_isc_sig;
	bool bad_mac;		/* spoil the last '86' segment */
	bool swap;		/* send the '88' before the 'A1' header */
	bool truncate;		/* cut the last '86' segment */
	bool no_end;		/* leave the End element out */
};

/* Split a run of segment TLVs into separate commands. */
static void split_segments(const struct sgp_buf *segs, struct sgp_buf *cmds, size_t *n)
{
	for (size_t off = 0, l; off < segs->len; off += l) {
		ck_assert_int_eq(sgp_bsp_segment_len(segs->data + off, segs->len - off, &l), SGP_OK);
		ck_assert_int_eq(sgp_buf_set(&cmds[(*n)++], segs->data + off, l), SGP_OK);
	}
}

static size_t bpp_build(struct testbed *tb, const uint8_t euicc_otpk[65], const struct bpp_opts *o,
			struct sgp_buf cmds[12])
{
	static const uint8_t host_id[8] = "lab-host";
	static const uint8_t crt[] = { 0xA6, 0x10, 0x80, 0x01, 0x88, 0x81, 0x01, 0x10, 0x84, 0x08 };
	struct sgp_buf part = SGP_BUF_INIT, m = SGP_BUF_INIT, isc = SGP_BUF_INIT, a0 = SGP_BUF_INIT,
		       a1 = SGP_BUF_INIT, a3 = SGP_BUF_INIT, smr = SGP_BUF_INIT, pe = SGP_BUF_INIT,
		       hdr = SGP_BUF_INIT;
	enum sgp_curve curve = sgp_pki_get_curve(tb->pki) == SGP_PKI_CURVE_NIST ?
			       SGP_CURVE_NIST_P256 : SGP_CURVE_BRAINPOOL_P256R1;
	struct sgp_key *otk = NULL, *peer = NULL, *dppb = role_key(tb, SGP_PKI_ROLE_DPPB);
	uint8_t otpk[65], sig[64], shs[32], eid[16], iccid_m[10], iccid_p[10], filler[1200];
	struct sgp_bsp_keys keys;
	struct sgp_bsp tx;
	size_t n = 0, total;

	ck_assert_int_eq(sgp_iccid_to_bcd(o->iccid_meta, iccid_m), SGP_OK);
	ck_assert_int_eq(sgp_iccid_to_bcd(o->iccid_pe ? o->iccid_pe : o->iccid_meta, iccid_p), SGP_OK);
	/* the ProfileHeader carries the digits in plain order, not swapped */
	for (size_t i = 0; i < sizeof(iccid_p); i++)
		iccid_p[i] = (uint8_t)(iccid_p[i] << 4 | iccid_p[i] >> 4);
	ck_assert_int_eq(sgp_ecka_generate_otk(curve, &otk, otpk), SGP_OK);
	/* InitialiseSecureChannelRequest, signed with SK.DPpb (SGP.22 5.5.1) */
	tlv(&part, 0x82, "\x01", 1);
	tlv(&part, 0x80, TID, sizeof(TID));
	ck_assert_int_eq(sgp_buf_append(&part, crt, sizeof(crt)), SGP_OK);
	ck_assert_int_eq(sgp_buf_append(&part, host_id, 8), SGP_OK);
	tlv(&part, 0x5F49, otpk, 65);
	ck_assert_int_eq(sgp_buf_append(&m, part.data, part.len), SGP_OK);
	tlv(&m, 0x5F49, euicc_otpk, 65);
	sign(dppb, &m, sig);
	if (o->bad_isc_sig)
		sig[0] ^= 1;
	tlv(&part, 0x5F37, sig, 64);
	tlv(&isc, 0xBF23, part.data, part.len);
	/* session keys */
	ck_assert_int_eq(sgp_key_import_point(curve, euicc_otpk, 65, &peer), SGP_OK);
	ck_assert_int_eq(sgp_ecka_shared_secret(otk, peer, shs), SGP_OK);
	ck_assert_int_eq(sgp_eid_to_bcd(tb->eid, eid), SGP_OK);
	ck_assert_int_eq(sgp_bsp_derive_keys(shs, 32, 0x88, 16, host_id, 8, eid, 16, &keys), SGP_OK);
	sgp_bsp_init(&tx, &keys);
	/* ConfigureISDP, StoreMetadata, the profile elements */
	ck_assert_int_eq(sgp_bsp_wrap_all(&tx, 0x87, (const uint8_t *)"\xBF\x24\x00", 3, &a0), SGP_OK);
	tlv(&smr, 0x5A, iccid_m, 10);
	tlv(&smr, 0x91, "LabOp", 5);
	tlv(&smr, 0x92, "Lab profile", 11);
	wrap(&smr, 0xBF25);
	ck_assert_int_eq(sgp_bsp_wrap_all(&tx, 0x88, smr.data, smr.len, &a1), SGP_OK);
	tlv(&pe, 0x80, "\x02", 1);
	tlv(&pe, 0x81, "\x03", 1);
	tlv(&pe, 0x83, iccid_p, 10);
	wrap(&pe, 0xA0);
	memset(filler, 0x42, sizeof(filler));
	tlv(&pe, 0xA1, filler, sizeof(filler));
	if (!o->no_end)
		tlv(&pe, 0xAA, "\xA0\x00", 2);
	ck_assert_int_eq(sgp_bsp_wrap_all(&tx, 0x86, pe.data, pe.len, &a3), SGP_OK);
	/* BF36 header + BF23, A0 whole, A1 header, 88s, A3 header, 86s */
	total = isc.len + (a0.len + 2 + (a0.len >= 0x80) + (a0.len >= 0x100)) +
		(a1.len + 2 + (a1.len >= 0x80) + (a1.len >= 0x100)) +
		(a3.len + 2 + (a3.len >= 0x80) + (a3.len >= 0x100));
	ck_assert_int_eq(sgp_buf_append(&hdr, "\xBF\x36\x82", 3), SGP_OK);
	ck_assert_int_eq(sgp_buf_append(&hdr, (uint8_t[]){ (uint8_t)(total >> 8), (uint8_t)total }, 2),
			 SGP_OK);
	ck_assert_int_eq(sgp_buf_append(&cmds[n], hdr.data, hdr.len), SGP_OK);
	ck_assert_int_eq(sgp_buf_append(&cmds[n++], isc.data, isc.len), SGP_OK);
	tlv(&cmds[n++], 0xA0, a0.data, a0.len);
	tlv(&cmds[n], 0xA1, a1.data, a1.len);
	cmds[n].len -= a1.len;				/* header only */
	n++;
	split_segments(&a1, cmds, &n);
	if (o->swap) {
		struct sgp_buf t = cmds[n - 1];
		cmds[n - 1] = cmds[n - 2];
		cmds[n - 2] = t;
	}
	tlv(&cmds[n], 0xA3, a3.data, a3.len);
	cmds[n].len -= a3.len;
	n++;
	split_segments(&a3, cmds, &n);
	ck_assert_uint_ge(n, 7);	/* the filler takes two '86' segments */
	if (o->bad_mac)
		cmds[n - 1].data[cmds[n - 1].len - 1] ^= 1;
	if (o->truncate)
		cmds[n - 1].len -= 5;
	sgp_bsp_wipe(&tx);
	sgp_key_free(otk);
	sgp_key_free(peer);
	sgp_key_free(dppb);
	sgp_buf_free(&part);
	sgp_buf_free(&m);
	sgp_buf_free(&isc);
	sgp_buf_free(&a0);
	sgp_buf_free(&a1);
	sgp_buf_free(&a3);
	sgp_buf_free(&smr);
	sgp_buf_free(&pe);
	sgp_buf_free(&hdr);
	return n;
}

/* Run a download with o; return the final ProfileInstallationResult (the
 * caller frees it), checking that every other command answers no data. */
static ProfileInstallationResult_t *download(struct testbed *tb, const struct bpp_opts *o)
{
	struct prep_opts po = { .cert_role = SGP_PKI_ROLE_DPPB };
	struct sgp_buf cmds[12], resp = SGP_BUF_INIT;
	ProfileInstallationResult_t *pir = NULL;
	uint8_t sig1[64], otpk[65];
	size_t n;

	memset(cmds, 0, sizeof(cmds));
	ck_assert_int_eq(auth_default(tb, sig1), 0);
	ck_assert_int_eq(prepare(tb, sig1, &po, otpk, NULL), 0);
	n = bpp_build(tb, otpk, o, cmds);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(testbed_es10(tb, cmds[i].data, cmds[i].len, &resp), SGP_OK);
		if (resp.len) {
			pir = decode(&asn_DEF_ProfileInstallationResult, &resp);
			/* the session is over: further segments are refused */
			if (i + 1 < n)
				ck_assert_int_eq(testbed_es10(tb, cmds[i + 1].data, cmds[i + 1].len, &resp),
						 SGP_ERR_STATE);
			break;
		}
	}
	ck_assert_ptr_nonnull(pir);
	for (size_t i = 0; i < 12; i++)
		sgp_buf_free(&cmds[i]);
	sgp_buf_free(&resp);
	return pir;
}

/* Expect a failed installation with this bppCommandId / errorReason and
 * no profile stored; the signed result is a pending notification. */
static void expect_error(struct testbed *tb, const struct bpp_opts *o, long cmd, long reason,
			 size_t profiles_before)
{
	ProfileInstallationResult_t *pir = download(tb, o);
	struct euicc_profile *p = NULL;
	struct euicc_notification *nt = NULL;
	size_t np = 0, nn = 0;
	ProfileInstallationResultData_t *d = &pir->profileInstallationResultData;

	ck_assert_int_eq(d->finalResult.present, ProfileInstallationResultData__finalResult_PR_errorResult);
	ck_assert_int_eq(d->finalResult.choice.errorResult.bppCommandId, cmd);
	ck_assert_int_eq(d->finalResult.choice.errorResult.errorReason, reason);
	ck_assert_mem_eq(d->notificationMetadata.notificationAddress.buf, SMDP, strlen(SMDP));
	ASN_STRUCT_FREE(asn_DEF_ProfileInstallationResult, pir);
	ck_assert_int_eq(euicc_profile_list(tb->euicc, &p, &np), SGP_OK);
	ck_assert_uint_eq(np, profiles_before);
	for (size_t i = 0; i < np; i++)
		euicc_profile_release(&p[i]);
	free(p);
	ck_assert_int_eq(euicc_notification_list(tb->euicc, &nt, &nn), SGP_OK);
	ck_assert_uint_ge(nn, 1);
	ck_assert_int_eq(nt[nn - 1].event, 0);
	for (size_t i = 0; i < nn; i++)
		euicc_notification_release(&nt[i]);
	free(nt);
}

START_TEST(test_load_bpp)
{
	static const char *iccid = "89440000000000000011";
	struct bpp_opts o = { .iccid_meta = iccid };
	struct testbed tb;
	ProfileInstallationResult_t *pir;
	ProfileInstallationResultData_t *d;
	struct euicc_profile p;
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err = { 0 };
	struct sgp_key *ek = NULL;

	testbed_init(&tb, _i ? "brp" : "nist", true);
	/* no prepared session: a status word, nothing else */
	ck_assert_int_eq(testbed_es10(&tb, (const uint8_t *)"\xBF\x36\x00", 3, &der), SGP_ERR_STATE);
	o.bad_isc_sig = true;
	expect_error(&tb, &o, 0, ErrorReason_invalidSignature, 0);
	o.bad_isc_sig = false;
	o.bad_mac = true;
	expect_error(&tb, &o, 5, ErrorReason_scp03tSecurityError, 0);
	o.bad_mac = false;
	o.swap = true;
	expect_error(&tb, &o, 2, ErrorReason_scp03tStructureError, 0);
	o.swap = false;
	o.truncate = true;
	expect_error(&tb, &o, 5, ErrorReason_scp03tStructureError, 0);
	o.truncate = false;
	o.no_end = true;
	expect_error(&tb, &o, 5, ErrorReason_installFailedDueToPEProcessingError, 0);
	o.no_end = false;
	o.iccid_pe = "89440000000000000029";
	expect_error(&tb, &o, 5, ErrorReason_installFailedDueToDataMismatch, 0);
	o.iccid_pe = NULL;

	pir = download(&tb, &o);
	d = &pir->profileInstallationResultData;
	ck_assert_int_eq(d->finalResult.present, ProfileInstallationResultData__finalResult_PR_successResult);
	ck_assert_ptr_nonnull(d->notificationMetadata.iccid);
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_ProfileInstallationResultData, d, &der, &err), SGP_OK);
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(tb.pki, SGP_PKI_ROLE_EUICC), &ek), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify(ek, der.data, der.len, pir->euiccSignPIR.buf,
					  pir->euiccSignPIR.size), SGP_OK);
	ck_assert_int_eq(euicc_profile_find(tb.euicc, iccid, &p), SGP_OK);
	ck_assert_int_eq(p.state, EUICC_PROFILE_DISABLED);
	ck_assert_str_eq(p.profile_name, "Lab profile");
	ck_assert_int_eq((int)p.isdp_aid_len, d->finalResult.choice.successResult.aid.size);
	ck_assert_mem_eq(p.isdp_aid, d->finalResult.choice.successResult.aid.buf, p.isdp_aid_len);
	euicc_profile_release(&p);
	ASN_STRUCT_FREE(asn_DEF_ProfileInstallationResult, pir);
	/* the same ICCID again */
	expect_error(&tb, &o, 2, ErrorReason_installFailedDueToIccidAlreadyExistsOnEuicc, 1);
	/* persisted */
	testbed_restart(&tb);
	ck_assert_int_eq(euicc_profile_find(tb.euicc, iccid, &p), SGP_OK);
	euicc_profile_release(&p);
	sgp_key_free(ek);
	sgp_buf_free(&der);
	testbed_free(&tb);
}
END_TEST

static void bpp_tests(TCase *tc)
{
	tcase_add_loop_test(tc, test_load_bpp, 0, 2);
}

static Suite *suite(void)
{
	Suite *s = suite_create("es10_download");
	TCase *tc = tcase_create("download");

	tcase_add_test(tc, test_euicc_info);
	tcase_add_loop_test(tc, test_authenticate_server, 0, 2);
	tcase_add_test(tc, test_prepare_download);
	tcase_add_test(tc, test_cancel_session);
	tcase_add_test(tc, test_addresses);
	bpp_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(suite());
}
