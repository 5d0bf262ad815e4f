/* sgp32lab: profile download end to end — the SM-DP+ side (smdp/) plays
 * against the eUICC model (sim/) over ES10b, the test playing the LPA/IPA:
 * GetEUICCChallenge, AuthenticateServer, PrepareDownload, the BPP as
 * LoadBoundProfilePackage commands (core/der/bpp_split.h), then the signed
 * ProfileInstallationResult.  Plus the SM-DP+ pieces on their own: UPP,
 * metadata, BPP unwrapped with core/crypto's receiving side, signatures. */
#include "euicc_testbed.h"
#include "testutil.h"
#include "smdp/auth.h"
#include "smdp/bpp.h"
#include "smdp/metadata.h"
#include "smdp/upp.h"
#include "core/crypto/bsp.h"
#include "core/crypto/ecka.h"
#include "core/crypto/random.h"
#include "core/der/bpp_split.h"
#include "core/der/der.h"
#include "core/err.h"

#include "InitialiseSecureChannelRequest.h"
#include "ProfileElement.h"
#include "ReplaceSessionKeysRequest.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define ICCID_A "89440000000000000011"
#define ICCID_B "89440000000000000029"
#define IMSI "001010123456789"
#define SERVER "smdp.sgp32lab.test"

static const char *const curves[] = { "nist", "brp" };

/* --- helpers --- */

static void put_tlv(struct sgp_buf *b, uint16_t tag, const uint8_t *v, size_t len)
{
	uint8_t h[5];
	size_t n = 0;

	if (tag > 0xFF)
		h[n++] = (uint8_t)(tag >> 8);
	h[n++] = (uint8_t)tag;
	if (len >= 0x100) {
		h[n++] = 0x82;
		h[n++] = (uint8_t)(len >> 8);
	} else if (len >= 0x80) {
		h[n++] = 0x81;
	}
	h[n++] = (uint8_t)len;
	ck_assert_int_eq(sgp_buf_append(b, h, n), SGP_OK);
	ck_assert_int_eq(sgp_buf_append(b, v, len), SGP_OK);
}

static struct sgp_key *role_key(struct sgp_pki *pki, enum sgp_pki_role role)
{
	struct sgp_key *k = NULL;

	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_key(pki, role), &k), SGP_OK);
	return k;
}

static void make_metadata(const char *iccid, struct sgp_buf *out)
{
	static const struct smdp_notif_cfg notif[] = {
		{ SMDP_NOTIF_INSTALL, SERVER },
		{ SMDP_NOTIF_DELETE, SERVER },
	};
	struct smdp_profile_metadata m = {
		.iccid = iccid, .service_provider_name = "Lab Operator",
		.profile_name = "lab profile", .profile_class = 2,
		.notif = notif, .n_notif = 2,
	};

	ck_assert_int_eq(smdp_metadata_encode(&m, out), SGP_OK);
}

static void make_upp(const char *iccid, struct sgp_buf *out)
{
	struct smdp_upp_params p = { .iccid = iccid, .imsi = IMSI, .profile_type = "lab" };

	ck_assert_int_eq(smdp_upp_build(&p, out), SGP_OK);
}

/* --- UPP --- */

START_TEST(test_upp_build_and_parse)
{
	struct sgp_buf upp = SGP_BUF_INIT, bad = SGP_BUF_INIT;
	struct smdp_upp_info info;
	struct smdp_upp_params p = { .iccid = ICCID_A, .imsi = IMSI };
	size_t *ends = NULL, n = 0;

	make_upp(ICCID_A, &upp);
	ck_assert_int_eq(smdp_upp_parse(upp.data, upp.len, &info), SGP_OK);
	ck_assert_str_eq(info.iccid_text, ICCID_A);
	ck_assert_int_eq(info.n_pe, 5);
	ck_assert_int_eq(info.major_version, 2);
	/* the header holds the ICCID as plain BCD (TS48 test profiles, pySim) */
	ck_assert_int_eq(upp.data[0], 0xA0);
	ck_assert_int_eq(smdp_upp_pe_ends(upp.data, upp.len, &ends, &n), SGP_OK);
	ck_assert_int_eq(n, 5);
	ck_assert_uint_eq(ends[4], upp.len);
	/* every PE decodes strictly as the real type */
	for (size_t i = 0, start = 0; i < n; start = ends[i++]) {
		void *pe = NULL;
		struct der_error err;

		ck_assert_msg(sgp_der_decode(&asn_DEF_ProfileElement, upp.data + start,
					     ends[i] - start, &pe, &err) == SGP_OK, "PE %zu: %s", i,
			      err.msg);
		sgp_der_free(&asn_DEF_ProfileElement, pe);
	}
	free(ends);

	/* bad parameters */
	p.iccid = "12";
	ck_assert_int_eq(smdp_upp_build(&p, &bad), SGP_ERR_INVAL);
	p.iccid = ICCID_A;
	p.imsi = "12345";
	ck_assert_int_eq(smdp_upp_build(&p, &bad), SGP_ERR_INVAL);
	p.imsi = "00101012345678x";
	ck_assert_int_eq(smdp_upp_build(&p, &bad), SGP_ERR_INVAL);

	/* malformed packages */
	ck_assert_int_eq(smdp_upp_parse(upp.data, 0, &info), SGP_ERR_PARSE);
	ck_assert_int_eq(smdp_upp_parse(upp.data, upp.len - 1, &info), SGP_ERR_PARSE);
	/* without the header (starts at the MF) */
	{
		size_t *e2 = NULL, n2 = 0;

		ck_assert_int_eq(smdp_upp_pe_ends(upp.data, upp.len, &e2, &n2), SGP_OK);
		ck_assert_int_eq(smdp_upp_parse(upp.data + e2[0], upp.len - e2[0], &info),
				 SGP_ERR_PARSE);
		/* without the end */
		ck_assert_int_eq(smdp_upp_parse(upp.data, e2[3], &info), SGP_ERR_PARSE);
		/* something after the end: a second header */
		sgp_buf_set(&bad, upp.data, upp.len);
		sgp_buf_append(&bad, upp.data, e2[0]);
		ck_assert_int_eq(smdp_upp_parse(bad.data, bad.len, &info), SGP_ERR_PARSE);
		/* a modelled PE that does not decode: header with a broken inner TLV */
		sgp_buf_set(&bad, upp.data, upp.len);
		bad.data[2] = 0x9F;	/* major-version tag -> garbage */
		ck_assert_int_eq(smdp_upp_parse(bad.data, bad.len, &info), SGP_ERR_PARSE);
		/* an unmodelled PE (pinCodes 'A2') is accepted as a TLV */
		sgp_buf_set(&bad, upp.data, e2[0]);
		sgp_buf_append(&bad, (const uint8_t *)"\xA2\x02\x30\x00", 4);
		sgp_buf_append(&bad, upp.data + e2[0], upp.len - e2[0]);
		ck_assert_int_eq(smdp_upp_parse(bad.data, bad.len, &info), SGP_OK);
		ck_assert_int_eq(info.n_pe, 6);
		/* a universal tag is no PE */
		bad.data[e2[0]] = 0x30;
		ck_assert_int_eq(smdp_upp_parse(bad.data, bad.len, &info), SGP_ERR_PARSE);
		free(e2);
	}
	ck_assert_int_eq(smdp_upp_load_file("/nonexistent/upp.der", &bad, &info), SGP_ERR_IO);
	sgp_buf_free(&upp);
	sgp_buf_free(&bad);
}
END_TEST

/* --- BPP on its own, unwrapped with the receiving side of core/crypto --- */

START_TEST(test_bpp_unwraps_to_upp)
{
	const char *curve = curves[_i / 2];
	bool ppk = _i % 2;
	struct sgp_pki_gen_opts o = { .curve = sgp_pki_curve_parse(curve) };
	struct sgp_buf upp = SGP_BUF_INIT, md = SGP_BUF_INIT, bpp = SGP_BUF_INIT;
	struct sgp_buf got = SGP_BUF_INIT, tbs = SGP_BUF_INIT;
	uint8_t euicc_otpk[SGP_CURVE_POINT_LEN], shs[SGP_ECKA_SHS_LEN], eid[16], tid[16];
	struct sgp_key *otk = NULL, *dppb, *smdp_pk = NULL;
	InitialiseSecureChannelRequest_t *isc = NULL;
	struct sgp_bpp_cmd *cmds = NULL;
	struct sgp_bsp_keys keys;
	struct sgp_bsp bsp;
	struct der_error err;
	struct sgp_pki *pki;
	size_t n = 0, n86 = 0;

	ck_assert_int_eq(sgp_pki_generate(&o, &pki), SGP_OK);
	dppb = role_key(pki, SGP_PKI_ROLE_DPPB);
	ck_assert_int_eq(sgp_ecka_generate_otk(sgp_key_curve(dppb), &otk, euicc_otpk), SGP_OK);
	sgp_random_bytes(eid, sizeof(eid));
	sgp_random_bytes(tid, sizeof(tid));
	make_upp(ICCID_A, &upp);
	make_metadata(ICCID_A, &md);
	struct smdp_bpp_params p = {
		.transaction_id = tid, .transaction_id_len = sizeof(tid),
		.euicc_otpk = euicc_otpk, .euicc_otpk_len = sizeof(euicc_otpk), .eid = eid,
		.dppb = dppb, .metadata = md.data, .metadata_len = md.len,
		.upp = upp.data, .upp_len = upp.len, .ppk = ppk,
	};
	ck_assert_int_eq(smdp_bpp_build(&p, &bpp), SGP_OK);

	/* The ISC decodes strictly.  (asn_DEF_BoundProfilePackage cannot be used:
	 * asn1c 0.9.28 makes the [7]/[8]/[6] tags inside its SEQUENCE OFs
	 * EXPLICIT, while SGP.22's BPP has the segments directly.) */
	ck_assert_int_eq(sgp_bpp_split(bpp.data, bpp.len, &cmds, &n), SGP_OK);
	{
		uint32_t tag;
		size_t h, v;
		bool has_a2 = false;

		ck_assert_int_eq(sgp_der_tlv_header(bpp.data, bpp.len, &tag, &h, &v), SGP_OK);
		ck_assert_uint_eq(tag, 0xBF36);
		ck_assert_msg(sgp_der_decode(&asn_DEF_InitialiseSecureChannelRequest, bpp.data + h,
					     cmds[0].len - h, (void **)&isc, &err) == SGP_OK, "%s",
			      err.msg);
		for (size_t i = 0; i < n; i++)
			has_a2 |= cmds[i].piece == SGP_BPP_SECOND87_HDR;
		ck_assert_int_eq(has_a2, ppk);
	}
	ck_assert_int_eq(isc->remoteOpId, 1);
	ck_assert_int_eq(isc->controlRefTemplate.keyType.buf[0], 0x88);
	ck_assert_int_eq(isc->controlRefTemplate.keyLen.buf[0], 0x10);
	/* smdpSign verifies with PK.DPpb over remoteOpId..smdpOtpk || 5F49 euiccOtpk */
	{
		struct sgp_buf full = SGP_BUF_INIT;
		uint32_t tag;
		size_t h, v;

		ck_assert_int_eq(sgp_der_encode(&asn_DEF_InitialiseSecureChannelRequest, isc, &full,
						&err), SGP_OK);
		ck_assert_int_eq(sgp_der_tlv_header(full.data, full.len, &tag, &h, &v), SGP_OK);
		sgp_buf_append(&tbs, full.data + h, v - 67);
		put_tlv(&tbs, 0x5F49, euicc_otpk, sizeof(euicc_otpk));
		ck_assert_int_eq(sgp_ecdsa_verify(dppb, tbs.data, tbs.len, isc->smdpSign.buf,
						  isc->smdpSign.size), SGP_OK);
		tbs.data[tbs.len - 1] ^= 1;	/* another euiccOtpk: no */
		ck_assert_int_eq(sgp_ecdsa_verify(dppb, tbs.data, tbs.len, isc->smdpSign.buf,
						  isc->smdpSign.size), SGP_ERR_VERIFY);
		sgp_buf_free(&full);
	}
	/* the eUICC side: session keys from its otSK and smdpOtpk */
	ck_assert_int_eq(sgp_key_import_point(sgp_key_curve(dppb), isc->smdpOtpk.buf,
					      isc->smdpOtpk.size, &smdp_pk), SGP_OK);
	ck_assert_int_eq(sgp_ecka_shared_secret(otk, smdp_pk, shs), SGP_OK);
	ck_assert_int_eq(sgp_bsp_derive_keys(shs, sizeof(shs), 0x88, 16,
					     isc->controlRefTemplate.hostId.buf,
					     isc->controlRefTemplate.hostId.size, eid, 16, &keys),
			 SGP_OK);
	sgp_bsp_init(&bsp, &keys);

	/* the commands, in order, cover the BPP; each unwraps */
	ck_assert_int_eq(cmds[0].piece, SGP_BPP_ISC);
	for (size_t i = 0, off = 0; i < n; off += cmds[i++].len) {
		const uint8_t *c = bpp.data + cmds[i].off;
		size_t skip = 0;
		uint32_t tag;
		size_t h, v;

		ck_assert_uint_eq(cmds[i].off, off);
		if (i == n - 1)
			ck_assert_uint_eq(off + cmds[i].len, bpp.len);
		switch (cmds[i].piece) {
		case SGP_BPP_FIRST87_HDR:
		case SGP_BPP_SECOND87_HDR:
			ck_assert_int_eq(sgp_der_tlv_header(c, cmds[i].len, &tag, &h, &v), SGP_OK);
			skip = h;
			/* fall through */
		case SGP_BPP_FIRST87:
		case SGP_BPP_SECOND87:
			sgp_buf_reset(&got);
			ck_assert_int_eq(sgp_bsp_unwrap(&bsp, 0x87, c + skip, cmds[i].len - skip, &got),
					 SGP_OK);
			if (cmds[i].piece == SGP_BPP_FIRST87_HDR) {
				ck_assert_uint_eq(got.len, 3);	/* ConfigureISDPRequest BF24 00 */
				ck_assert_int_eq(got.data[0], 0xBF);
			} else {
				ReplaceSessionKeysRequest_t *r = NULL;

				ck_assert_int_eq(sgp_der_decode(&asn_DEF_ReplaceSessionKeysRequest,
								got.data, got.len, (void **)&r, &err),
						 SGP_OK);
				sgp_bsp_replace_session_keys(&bsp, r->ppkEnc.buf, r->ppkCmac.buf,
							     r->initialMacChainingValue.buf);
				sgp_der_free(&asn_DEF_ReplaceSessionKeysRequest, r);
			}
			sgp_buf_reset(&got);
			break;
		case SGP_BPP_SEG88:
			sgp_buf_reset(&got);
			ck_assert_int_eq(sgp_bsp_unwrap(&bsp, 0x88, c, cmds[i].len, &got), SGP_OK);
			ck_assert_uint_eq(got.len, md.len);
			ck_assert_mem_eq(got.data, md.data, md.len);
			sgp_buf_reset(&got);
			break;
		case SGP_BPP_SEG86:
			ck_assert_int_eq(sgp_bsp_unwrap(&bsp, 0x86, c, cmds[i].len, &got), SGP_OK);
			n86++;
			break;
		default:
			break;
		}
	}
	ck_assert_uint_eq(n86, 5);	/* one per profile element */
	ck_assert_uint_eq(got.len, upp.len);
	ck_assert_mem_eq(got.data, upp.data, upp.len);

	/* bad parameters and inputs */
	p.euicc_otpk_len = 64;
	ck_assert_int_ne(smdp_bpp_build(&p, &tbs), SGP_OK);
	p.euicc_otpk_len = sizeof(euicc_otpk);
	p.upp_len = upp.len - 1;
	ck_assert_int_eq(smdp_bpp_build(&p, &tbs), SGP_ERR_PARSE);
	free(cmds);
	ck_assert_int_eq(sgp_bpp_split(bpp.data, bpp.len - 1, &cmds, &n), SGP_ERR_PARSE);
	ck_assert_int_eq(sgp_bpp_split(bpp.data, 1, &cmds, &n), SGP_ERR_PARSE);
	bpp.data[0] = 0x30;
	ck_assert_int_eq(sgp_bpp_split(bpp.data, bpp.len, &cmds, &n), SGP_ERR_PARSE);

	sgp_bsp_wipe(&bsp);
	sgp_bsp_keys_wipe(&keys);
	sgp_der_free(&asn_DEF_InitialiseSecureChannelRequest, isc);
	sgp_key_free(otk);
	sgp_key_free(smdp_pk);
	sgp_key_free(dppb);
	sgp_pki_free(pki);
	sgp_buf_free(&upp);
	sgp_buf_free(&md);
	sgp_buf_free(&bpp);
	sgp_buf_free(&got);
	sgp_buf_free(&tbs);
}
END_TEST

START_TEST(test_signatures)
{
	struct sgp_pki_gen_opts o = { .curve = SGP_PKI_CURVE_NIST };
	struct sgp_buf ss1 = SGP_BUF_INIT, s2 = SGP_BUF_INIT;
	uint8_t tid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, ch[16] = { 0 }, sch[16] = { 1 };
	uint8_t sig[64], esig1[64] = { 7 }, h1[32], h2[32];
	struct sgp_key *dpauth, *dppb;
	struct sgp_pki *pki;

	ck_assert_int_eq(sgp_pki_generate(&o, &pki), SGP_OK);
	dpauth = role_key(pki, SGP_PKI_ROLE_DPAUTH);
	dppb = role_key(pki, SGP_PKI_ROLE_DPPB);
	ck_assert_int_eq(smdp_auth_sign_server1(dpauth, tid, sizeof(tid), ch, SERVER, sch, &ss1,
						sig), SGP_OK);
	ck_assert_int_eq(ss1.data[0], 0x30);
	ck_assert_int_eq(sgp_ecdsa_verify(dpauth, ss1.data, ss1.len, sig, 64), SGP_OK);
	ck_assert_int_eq(smdp_auth_sign_smdp2(dppb, tid, sizeof(tid), false, NULL, 0, esig1, &s2,
					      sig), SGP_OK);
	/* over smdpSigned2 || 5F37 40 euiccSignature1 */
	sgp_buf_append(&s2, (const uint8_t *)"\x5F\x37\x40", 3);
	sgp_buf_append(&s2, esig1, 64);
	ck_assert_int_eq(sgp_ecdsa_verify(dppb, s2.data, s2.len, sig, 64), SGP_OK);
	ck_assert_int_eq(sgp_ecdsa_verify(dpauth, s2.data, s2.len, sig, 64), SGP_ERR_VERIFY);
	ck_assert_int_eq(smdp_auth_sign_server1(dpauth, tid, 17, ch, SERVER, sch, &ss1, sig),
			 SGP_ERR_INVAL);
	/* hashCc depends on code and transactionId */
	ck_assert_int_eq(smdp_hash_cc("1234", tid, sizeof(tid), h1), SGP_OK);
	ck_assert_int_eq(smdp_hash_cc("1235", tid, sizeof(tid), h2), SGP_OK);
	ck_assert_mem_ne(h1, h2, 32);
	ck_assert_int_eq(smdp_hash_cc("1234", tid, 4, h2), SGP_OK);
	ck_assert_mem_ne(h1, h2, 32);
	sgp_key_free(dpauth);
	sgp_key_free(dppb);
	sgp_pki_free(pki);
	sgp_buf_free(&ss1);
	sgp_buf_free(&s2);
}
END_TEST

/* --- the whole download against the eUICC model --- */

struct flow {
	struct testbed tb;
	struct sgp_key *dpauth, *dppb;
	uint8_t tid[16];
	struct smdp_euicc euicc;
	uint8_t smdp_sig2[64];
	uint8_t euicc_otpk[SGP_CURVE_POINT_LEN];
};

static void es10(struct flow *f, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	int rc = testbed_es10(&f->tb, cmd, len, resp);

	ck_assert_msg(rc == SGP_OK, "ES10 %02X..: %s", cmd[0], sgp_strerror(rc));
}

static void cert_der(X509 *c, struct sgp_buf *out)
{
	ck_assert_int_eq(sgp_pki_cert_der(c, out), SGP_OK);
}

/* GetEUICCChallenge, AuthenticateServer, PrepareDownload; the SM-DP+
 * checks each answer. */
static void flow_authenticate(struct flow *f)
{
	static const uint8_t get_challenge[] = { 0xBF, 0x2E, 0x00 };
	static const uint8_t ctx[] = {	/* ctxParamsForCommonAuthentication */
		0xA0, 0x13, 0x80, 0x07, 'M', 'I', 'D', '-', 'l', 'a', 'b',
		0xA1, 0x08, 0x80, 0x04, 0x35, 0x29, 0x06, 0x11, 0xA1, 0x00 };
	struct sgp_buf resp = SGP_BUF_INIT, req = SGP_BUF_INIT, body = SGP_BUF_INIT;
	struct sgp_buf ss1 = SGP_BUF_INIT, ski = SGP_BUF_INIT, cert = SGP_BUF_INIT;
	struct smdp_auth_status st;
	uint8_t sch[16], sig[64];
	time_t now = 1767225600;

	sgp_random_bytes(f->tid, sizeof(f->tid));
	sgp_random_bytes(sch, sizeof(sch));
	es10(f, get_challenge, sizeof(get_challenge), &resp);
	ck_assert_uint_eq(resp.len, 21);	/* BF2E 13 80 10 <16> */
	ck_assert_int_eq(smdp_auth_sign_server1(f->dpauth, f->tid, sizeof(f->tid), resp.data + 5,
						SERVER, sch, &ss1, sig), SGP_OK);
	/* AuthenticateServerRequest as the LPA builds it */
	sgp_buf_append(&body, ss1.data, ss1.len);
	put_tlv(&body, 0x5F37, sig, 64);
	ck_assert_int_eq(sgp_pki_cert_ski(sgp_pki_cert(f->tb.pki, SGP_PKI_ROLE_CI), &ski), SGP_OK);
	put_tlv(&body, 0x04, ski.data, ski.len);
	cert_der(sgp_pki_cert(f->tb.pki, SGP_PKI_ROLE_DPAUTH), &cert);
	sgp_buf_append(&body, cert.data, cert.len);
	sgp_buf_append(&body, ctx, sizeof(ctx));
	put_tlv(&req, 0xBF38, body.data, body.len);
	es10(f, req.data, req.len, &resp);
	ck_assert_int_eq(smdp_auth_check_authenticate_server_response(
				 f->tb.pki, now, f->tid, sizeof(f->tid), sch, SERVER, resp.data,
				 resp.len, &f->euicc, &st), SGP_OK);
	ck_assert_str_eq(f->euicc.eid, f->tb.eid);
	ck_assert(f->euicc.has_matching_id);
	ck_assert_str_eq(f->euicc.matching_id, "MID-lab");
	/* the same answer against another serverChallenge fails */
	{
		struct smdp_euicc other;
		uint8_t sch2[16];

		memcpy(sch2, sch, 16);
		sch2[0] ^= 1;
		ck_assert_int_eq(smdp_auth_check_authenticate_server_response(
					 f->tb.pki, now, f->tid, sizeof(f->tid), sch2, SERVER,
					 resp.data, resp.len, &other, &st), SGP_ERR_VERIFY);
		ck_assert_int_eq(st.reason, SMDP_AUTH_CHALLENGE_MISMATCH);
		resp.data[resp.len - 1] ^= 1;
		ck_assert_int_ne(smdp_auth_check_authenticate_server_response(
					 f->tb.pki, now, f->tid, sizeof(f->tid), sch, SERVER,
					 resp.data, resp.len, &other, &st), SGP_OK);
	}

	/* PrepareDownload */
	sgp_buf_reset(&body);
	sgp_buf_reset(&req);
	ck_assert_int_eq(smdp_auth_sign_smdp2(f->dppb, f->tid, sizeof(f->tid), false, NULL, 0,
					      f->euicc.euicc_signature1, &ss1, f->smdp_sig2),
			 SGP_OK);
	sgp_buf_append(&body, ss1.data, ss1.len);
	put_tlv(&body, 0x5F37, f->smdp_sig2, 64);
	cert_der(sgp_pki_cert(f->tb.pki, SGP_PKI_ROLE_DPPB), &cert);
	sgp_buf_append(&body, cert.data, cert.len);
	put_tlv(&req, 0xBF21, body.data, body.len);
	es10(f, req.data, req.len, &resp);
	ck_assert_int_eq(smdp_auth_check_prepare_download_response(
				 &f->euicc, f->tid, sizeof(f->tid), f->smdp_sig2, NULL, resp.data,
				 resp.len, f->euicc_otpk, &st), SGP_OK);
	sgp_buf_free(&resp);
	sgp_buf_free(&req);
	sgp_buf_free(&body);
	sgp_buf_free(&ss1);
	sgp_buf_free(&ski);
	sgp_buf_free(&cert);
}

static void flow_init(struct flow *f, const char *curve)
{
	memset(f, 0, sizeof(*f));
	testbed_init(&f->tb, curve, false);
	f->dpauth = role_key(f->tb.pki, SGP_PKI_ROLE_DPAUTH);
	f->dppb = role_key(f->tb.pki, SGP_PKI_ROLE_DPPB);
	flow_authenticate(f);
}

static void flow_free(struct flow *f)
{
	smdp_euicc_release(&f->euicc);
	sgp_key_free(f->dpauth);
	sgp_key_free(f->dppb);
	testbed_free(&f->tb);
}

static void flow_bpp(struct flow *f, const char *upp_iccid, const char *md_iccid, bool ppk,
		     struct sgp_buf *bpp)
{
	struct sgp_buf upp = SGP_BUF_INIT, md = SGP_BUF_INIT;
	struct smdp_bpp_params p = {
		.transaction_id = f->tid, .transaction_id_len = sizeof(f->tid),
		.euicc_otpk = f->euicc_otpk, .euicc_otpk_len = sizeof(f->euicc_otpk),
		.eid = f->euicc.eid_bcd, .dppb = f->dppb, .ppk = ppk,
	};

	make_upp(upp_iccid, &upp);
	make_metadata(md_iccid, &md);
	p.upp = upp.data;
	p.upp_len = upp.len;
	p.metadata = md.data;
	p.metadata_len = md.len;
	ck_assert_int_eq(smdp_bpp_build(&p, bpp), SGP_OK);
	sgp_buf_free(&upp);
	sgp_buf_free(&md);
}

enum fault {
	FAULT_MAC,		/* a flipped MAC byte in an 86 segment */
	FAULT_LEFT_OUT,		/* an 86 segment left out */
	FAULT_ORDER,		/* two 86 segments swapped */
	FAULT_TRUNCATED,	/* an 86 segment one byte short */
	FAULT_ICCID,		/* profile ICCID other than the metadata's */
	FAULT_DUPLICATE,	/* the ICCID is already installed */
	FAULT_COUNT
};

/* Send the BPP as LoadBoundProfilePackage commands (with a fault); the
 * answer that carries a ProfileInstallationResult ends it. */
static void flow_load(struct flow *f, const struct sgp_buf *bpp, int fault, struct sgp_buf *pir)
{
	struct sgp_bpp_cmd *cmds = NULL;
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	size_t n = 0, seg = 0, first86 = 0;

	ck_assert_int_eq(sgp_bpp_split(bpp->data, bpp->len, &cmds, &n), SGP_OK);
	for (size_t i = 0; i < n; i++)
		if (cmds[i].piece == SGP_BPP_SEG86 && !first86)
			first86 = i;
	ck_assert_uint_ge(n - first86, 3);
	if (fault == FAULT_ORDER) {
		struct sgp_bpp_cmd t = cmds[first86 + 1];

		cmds[first86 + 1] = cmds[first86 + 2];
		cmds[first86 + 2] = t;
	}
	sgp_buf_reset(pir);
	for (size_t i = 0; i < n && !pir->len; i++) {
		bool is86 = cmds[i].piece == SGP_BPP_SEG86;

		sgp_buf_set(&cmd, bpp->data + cmds[i].off, cmds[i].len);
		if (is86 && fault == FAULT_MAC && seg == 1)
			cmd.data[cmd.len - 1] ^= 0x01;
		if (is86 && fault == FAULT_TRUNCATED && seg == 1)
			cmd.len--;
		if (is86)
			seg++;
		if (is86 && fault == FAULT_LEFT_OUT && seg == 2)
			continue;
		es10(f, cmd.data, cmd.len, &resp);
		if (resp.len)
			sgp_buf_set(pir, resp.data, resp.len);
	}
	ck_assert_msg(pir->len, "no ProfileInstallationResult");
	ck_assert_int_eq(pir->data[0], 0xBF);
	ck_assert_int_eq(pir->data[1], 0x37);
	free(cmds);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
}

static size_t profile_count(struct flow *f)
{
	struct euicc_profile *list = NULL;
	size_t n = 0;

	ck_assert_int_eq(euicc_profile_list(f->tb.euicc, &list, &n), SGP_OK);
	for (size_t i = 0; i < n; i++)
		euicc_profile_release(&list[i]);
	free(list);
	return n;
}

static void install_ok(struct flow *f, const char *iccid, bool ppk)
{
	struct sgp_buf bpp = SGP_BUF_INIT, pir = SGP_BUF_INIT;
	struct smdp_auth_status st;
	struct smdp_pir r;

	flow_bpp(f, iccid, iccid, ppk, &bpp);
	flow_load(f, &bpp, -1, &pir);
	ck_assert_int_eq(smdp_auth_check_pir(f->euicc.pk, f->tid, sizeof(f->tid), pir.data,
					     pir.len, &r, &st), SGP_OK);
	ck_assert_msg(r.success, "bppCommandId %ld errorReason %ld", r.bpp_command_id,
		      r.error_reason);
	sgp_buf_free(&bpp);
	sgp_buf_free(&pir);
}

START_TEST(test_download_installs)
{
	struct flow f;
	struct sgp_buf bpp = SGP_BUF_INIT, pir = SGP_BUF_INIT;
	struct euicc_notification *notifs = NULL;
	struct euicc_profile prof;
	struct smdp_auth_status st;
	struct smdp_pir r;
	uint8_t iccid[10];
	size_t n = 0;
	bool ppk = _i % 2;

	flow_init(&f, curves[_i / 2]);
	flow_bpp(&f, ICCID_A, ICCID_A, ppk, &bpp);
	flow_load(&f, &bpp, -1, &pir);
	/* signed with the eUICC certificate's key, success, the ISD-P AID */
	ck_assert_int_eq(smdp_auth_check_pir(f.euicc.pk, f.tid, sizeof(f.tid), pir.data, pir.len,
					     &r, &st), SGP_OK);
	ck_assert_msg(r.success, "bppCommandId %ld errorReason %ld", r.bpp_command_id,
		      r.error_reason);
	ck_assert_uint_ge(r.aid_len, 5);
	ck_assert(r.has_iccid);
	sgp_iccid_to_bcd(ICCID_A, iccid);
	ck_assert_mem_eq(r.iccid, iccid, 10);
	ck_assert_str_eq(r.notification_address, SERVER);
	/* the profile, disabled, with its metadata */
	ck_assert_int_eq(profile_count(&f), 1);
	ck_assert_int_eq(euicc_profile_find(f.tb.euicc, ICCID_A, &prof), SGP_OK);
	ck_assert_int_eq(prof.state, EUICC_PROFILE_DISABLED);
	ck_assert_str_eq(prof.service_provider_name, "Lab Operator");
	ck_assert_str_eq(prof.profile_name, "lab profile");
	ck_assert_int_eq(prof.profile_class, EUICC_CLASS_OPERATIONAL);
	ck_assert_uint_eq(prof.isdp_aid_len, r.aid_len);
	ck_assert_mem_eq(prof.isdp_aid, r.aid, r.aid_len);
	euicc_profile_release(&prof);
	/* a pending install notification */
	ck_assert_int_eq(euicc_notification_list(f.tb.euicc, &notifs, &n), SGP_OK);
	ck_assert_uint_ge(n, 1);
	ck_assert_int_eq(notifs[n - 1].event, 0);
	ck_assert_int_eq((long)notifs[n - 1].seq, r.seq_number);
	for (size_t i = 0; i < n; i++)
		euicc_notification_release(&notifs[i]);
	free(notifs);
	/* a tampered result does not verify */
	pir.data[pir.len - 1] ^= 1;
	ck_assert_int_eq(smdp_auth_check_pir(f.euicc.pk, f.tid, sizeof(f.tid), pir.data, pir.len,
					     &r, &st), SGP_ERR_VERIFY);
	sgp_buf_free(&bpp);
	sgp_buf_free(&pir);
	flow_free(&f);
}
END_TEST

START_TEST(test_download_faults)
{
	static const long want[FAULT_COUNT][2] = {	/* bppCommandId, errorReason */
		[FAULT_MAC] = { 5, 8 },		/* scp03tSecurityError */
		[FAULT_LEFT_OUT] = { 5, 8 },	/* the MAC chain breaks */
		[FAULT_ORDER] = { 5, 8 },
		[FAULT_TRUNCATED] = { 5, 7 },	/* scp03tStructureError */
		[FAULT_ICCID] = { 5, 13 },	/* installFailedDueToDataMismatch */
		[FAULT_DUPLICATE] = { 2, 9 },	/* ...IccidAlreadyExistsOnEuicc */
	};
	int fault = _i / 2;
	struct flow f;
	struct sgp_buf bpp = SGP_BUF_INIT, pir = SGP_BUF_INIT;
	struct smdp_auth_status st;
	struct smdp_pir r;
	size_t before;

	flow_init(&f, curves[_i % 2]);
	if (fault == FAULT_DUPLICATE) {
		install_ok(&f, ICCID_A, false);
		smdp_euicc_release(&f.euicc);
		flow_authenticate(&f);
	}
	before = profile_count(&f);
	flow_bpp(&f, fault == FAULT_ICCID ? ICCID_B : ICCID_A, ICCID_A, false, &bpp);
	flow_load(&f, &bpp, fault, &pir);
	ck_assert_int_eq(smdp_auth_check_pir(f.euicc.pk, f.tid, sizeof(f.tid), pir.data, pir.len,
					     &r, &st), SGP_OK);
	ck_assert_msg(!r.success, "fault %d installed", fault);
	ck_assert_msg(r.bpp_command_id == want[fault][0] && r.error_reason == want[fault][1],
		      "fault %d: bppCommandId %ld errorReason %ld, expected %ld %ld", fault,
		      r.bpp_command_id, r.error_reason, want[fault][0], want[fault][1]);
	ck_assert_int_eq(profile_count(&f), before);
	if (fault == FAULT_ICCID) {
		struct euicc_profile none;

		ck_assert_int_eq(euicc_profile_find(f.tb.euicc, ICCID_B, &none), SGP_ERR_NOTFOUND);
	}
	sgp_buf_free(&bpp);
	sgp_buf_free(&pir);
	flow_free(&f);
}
END_TEST

static Suite *download_suite(void)
{
	Suite *s = suite_create("download");
	TCase *tc = tcase_create("smdp");
	TCase *te = tcase_create("euicc");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_upp_build_and_parse);
	tcase_add_loop_test(tc, test_bpp_unwraps_to_upp, 0, 4);
	tcase_add_test(tc, test_signatures);
	suite_add_tcase(s, tc);
	tcase_set_timeout(te, 120);
	tcase_add_loop_test(te, test_download_installs, 0, 4);
	tcase_add_loop_test(te, test_download_faults, 0, 2 * FAULT_COUNT);
	suite_add_tcase(s, te);
	return s;
}

int main(void)
{
	return test_run_suite(download_suite());
}
