/* sgp32lab: SM-DP+ — the Bound Profile Package (see bpp.h). */
#include "smdp/bpp.h"
#include "smdp/upp.h"
#include "core/crypto/bsp.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/ecka.h"
#include "core/crypto/random.h"
#include "core/der/bpp_split.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/log.h"

#include "ConfigureISDPRequest.h"
#include "InitialiseSecureChannelRequest.h"
#include "ReplaceSessionKeysRequest.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define SIGN_TLV_LEN (3 + SGP_ECDSA_RAW_LEN)	/* 5F37 40 r||s */

static const uint8_t default_host_id[] = "sgp32lab";

/* Tag (one or two bytes) and DER length. */
static int put_header(struct sgp_buf *out, uint16_t tag, size_t len)
{
	uint8_t h[6];
	size_t n = 0;

	if (tag > 0xFF)
		h[n++] = (uint8_t)(tag >> 8);
	h[n++] = (uint8_t)tag;
	if (len >= 0x10000) {
		h[n++] = 0x83;
		h[n++] = (uint8_t)(len >> 16);
		h[n++] = (uint8_t)(len >> 8);
	} else if (len >= 0x100) {
		h[n++] = 0x82;
		h[n++] = (uint8_t)(len >> 8);
	} else if (len >= 0x80) {
		h[n++] = 0x81;
	}
	h[n++] = (uint8_t)len;
	return sgp_buf_append(out, h, n);
}

static int put_tlv(struct sgp_buf *out, uint16_t tag, const struct sgp_buf *value)
{
	int rc = put_header(out, tag, value->len);

	return rc ? rc : sgp_buf_append(out, value->data, value->len);
}

/* ES8+.InitialiseSecureChannel with smdpSign (SGP.22 5.5.1). */
static int build_isc(const struct smdp_bpp_params *p, const uint8_t *host_id, size_t host_id_len,
		     const uint8_t smdp_otpk[SGP_CURVE_POINT_LEN], struct sgp_buf *out)
{
	InitialiseSecureChannelRequest_t isc;
	uint8_t key_type = SGP_BSP_KEY_TYPE_AES, key_len = SGP_BSP_KEY_LEN;
	uint8_t sig[SGP_ECDSA_RAW_LEN] = { 0 };
	struct sgp_buf tbs = SGP_BUF_INIT;
	struct der_error err;
	uint32_t tag;
	size_t h, v;
	int rc;

	memset(&isc, 0, sizeof(isc));
	isc.remoteOpId = 1;	/* installBoundProfilePackage */
	isc.transactionId.buf = (uint8_t *)(uintptr_t)p->transaction_id;
	isc.transactionId.size = p->transaction_id_len;
	isc.controlRefTemplate.keyType.buf = &key_type;
	isc.controlRefTemplate.keyType.size = 1;
	isc.controlRefTemplate.keyLen.buf = &key_len;
	isc.controlRefTemplate.keyLen.size = 1;
	isc.controlRefTemplate.hostId.buf = (uint8_t *)(uintptr_t)host_id;
	isc.controlRefTemplate.hostId.size = host_id_len;
	isc.smdpOtpk.buf = (uint8_t *)(uintptr_t)smdp_otpk;
	isc.smdpOtpk.size = SGP_CURVE_POINT_LEN;
	isc.smdpSign.buf = sig;		/* placeholder, same length */
	isc.smdpSign.size = sizeof(sig);
	rc = sgp_der_encode(&asn_DEF_InitialiseSecureChannelRequest, &isc, out, &err);
	if (rc) {
		LOGP(DSMDP, LOGL_ERROR, "BPP: InitialiseSecureChannelRequest: %s", err.msg);
		return rc;
	}
	/* The signed data: the value up to the smdpSign TLV, which is last,
	 * then the euiccOtpk TLV. */
	rc = sgp_der_tlv_header(out->data, out->len, &tag, &h, &v);
	if (rc || v < SIGN_TLV_LEN)
		return SGP_ERR_INVAL;
	rc = sgp_buf_append(&tbs, out->data + h, v - SIGN_TLV_LEN);
	if (!rc)
		rc = put_header(&tbs, 0x5F49, p->euicc_otpk_len);
	if (!rc)
		rc = sgp_buf_append(&tbs, p->euicc_otpk, p->euicc_otpk_len);
	if (!rc)
		rc = sgp_ecdsa_sign(p->dppb, tbs.data, tbs.len, sig);
	if (!rc)
		memcpy(out->data + out->len - SGP_ECDSA_RAW_LEN, sig, sizeof(sig));
	sgp_buf_free(&tbs);
	return rc;
}

static int encode(const struct asn_TYPE_descriptor_s *td, const void *v, struct sgp_buf *out)
{
	struct der_error err;
	int rc = sgp_der_encode(td, v, out, &err);

	if (rc)
		LOGP(DSMDP, LOGL_ERROR, "BPP: %s: %s", sgp_der_type_name(td), err.msg);
	return rc;
}

/* secondSequenceOf87: ReplaceSessionKeys with fresh PPKs, then switch. */
static int replace_session_keys(struct sgp_bsp *bsp, struct sgp_buf *seq)
{
	uint8_t k[3][SGP_BSP_KEY_LEN];	/* initial MCV, PPK-ENC, PPK-MAC */
	ReplaceSessionKeysRequest_t rsk;
	struct sgp_buf der = SGP_BUF_INIT;
	int rc = sgp_random_bytes(&k[0][0], sizeof(k));

	if (rc)
		goto out;
	memset(&rsk, 0, sizeof(rsk));
	rsk.initialMacChainingValue.buf = k[0];
	rsk.initialMacChainingValue.size = SGP_BSP_KEY_LEN;
	rsk.ppkEnc.buf = k[1];
	rsk.ppkEnc.size = SGP_BSP_KEY_LEN;
	rsk.ppkCmac.buf = k[2];
	rsk.ppkCmac.size = SGP_BSP_KEY_LEN;
	rc = encode(&asn_DEF_ReplaceSessionKeysRequest, &rsk, &der);
	if (!rc)
		rc = sgp_bsp_wrap_all(bsp, SGP_BSP_TAG_COMMAND, der.data, der.len, seq);
	if (!rc)
		sgp_bsp_replace_session_keys(bsp, k[1], k[2], k[0]);
out:
	OPENSSL_cleanse(k, sizeof(k));
	sgp_buf_free_secure(&der);
	return rc;
}

/* sequenceOf86: one profile element per segment start (see bpp.h). */
static int protect_upp(struct sgp_bsp *bsp, const uint8_t *upp, size_t len, struct sgp_buf *seq)
{
	size_t *ends = NULL, n = 0, start = 0;
	int rc = smdp_upp_pe_ends(upp, len, &ends, &n);

	if (rc)
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		rc = sgp_bsp_wrap_all(bsp, SGP_BSP_TAG_PROFILE, upp + start, ends[i] - start, seq);
		start = ends[i];
	}
	free(ends);
	return rc;
}

int smdp_bpp_build(const struct smdp_bpp_params *p, struct sgp_buf *out)
{
	struct sgp_buf isc = SGP_BUF_INIT, s87 = SGP_BUF_INIT, s88 = SGP_BUF_INIT;
	struct sgp_buf s87b = SGP_BUF_INIT, s86 = SGP_BUF_INIT, body = SGP_BUF_INIT;
	struct sgp_buf cfg = SGP_BUF_INIT;
	uint8_t smdp_otpk[SGP_CURVE_POINT_LEN], shs[SGP_ECKA_SHS_LEN];
	struct sgp_key *otk = NULL, *peer = NULL;
	struct sgp_bsp_keys keys;
	struct sgp_bsp bsp;
	ConfigureISDPRequest_t cisdp;
	const uint8_t *host_id;
	size_t host_id_len;
	enum sgp_curve curve;
	int rc;

	if (!p || !out || !p->transaction_id || !p->transaction_id_len ||
	    p->transaction_id_len > 16 || !p->euicc_otpk || !p->eid || !p->dppb ||
	    !p->metadata || !p->metadata_len || !p->upp || !p->upp_len ||
	    (p->host_id && (!p->host_id_len || p->host_id_len > 16)))
		return SGP_ERR_INVAL;
	host_id = p->host_id ? p->host_id : default_host_id;
	host_id_len = p->host_id ? p->host_id_len : sizeof(default_host_id) - 1;
	memset(&bsp, 0, sizeof(bsp));
	memset(&keys, 0, sizeof(keys));
	curve = sgp_key_curve(p->dppb);

	/* SGP.22 3.1.3.1 / 5.6.2: the one-time key pair and the session keys */
	rc = sgp_key_import_point(curve, p->euicc_otpk, p->euicc_otpk_len, &peer);
	if (rc) {
		LOGP(DSMDP, LOGL_NOTICE, "BPP: otPK.EUICC.ECKA is not a point on %s",
		     sgp_curve_name(curve));
		goto out;
	}
	rc = sgp_ecka_generate_otk(curve, &otk, smdp_otpk);
	if (!rc)
		rc = sgp_ecka_shared_secret(otk, peer, shs);
	if (!rc)
		rc = sgp_bsp_derive_keys(shs, sizeof(shs), SGP_BSP_KEY_TYPE_AES, SGP_BSP_KEY_LEN,
					 host_id, host_id_len, p->eid, 16, &keys);
	OPENSSL_cleanse(shs, sizeof(shs));
	if (rc)
		goto out;
	sgp_bsp_init(&bsp, &keys);
	sgp_bsp_keys_wipe(&keys);

	rc = build_isc(p, host_id, host_id_len, smdp_otpk, &isc);
	if (rc)
		goto out;
	/* ConfigureISDP: no dpProprietaryData */
	memset(&cisdp, 0, sizeof(cisdp));
	rc = encode(&asn_DEF_ConfigureISDPRequest, &cisdp, &cfg);
	if (!rc)
		rc = sgp_bsp_wrap_all(&bsp, SGP_BSP_TAG_COMMAND, cfg.data, cfg.len, &s87);
	if (!rc)
		rc = sgp_bsp_wrap_all(&bsp, SGP_BSP_TAG_MAC_ONLY, p->metadata, p->metadata_len,
				      &s88);
	if (!rc && p->ppk)
		rc = replace_session_keys(&bsp, &s87b);
	if (!rc)
		rc = protect_upp(&bsp, p->upp, p->upp_len, &s86);
	if (rc)
		goto out;

	rc = sgp_buf_append(&body, isc.data, isc.len);
	if (!rc)
		rc = put_tlv(&body, 0xA0, &s87);
	if (!rc)
		rc = put_tlv(&body, 0xA1, &s88);
	if (!rc && p->ppk)
		rc = put_tlv(&body, 0xA2, &s87b);
	if (!rc)
		rc = put_tlv(&body, 0xA3, &s86);
	sgp_buf_reset(out);
	if (!rc)
		rc = put_tlv(out, 0xBF36, &body);
	if (!rc)
		LOGP(DSMDP, LOGL_INFO, "BPP: %zu bytes (profile %zu bytes%s)", out->len, p->upp_len,
		     p->ppk ? ", PPK" : "");
out:
	if (rc)
		sgp_buf_free(out);
	sgp_bsp_wipe(&bsp);
	sgp_key_free(otk);
	sgp_key_free(peer);
	sgp_buf_free(&isc);
	sgp_buf_free(&s87);
	sgp_buf_free(&s88);
	sgp_buf_free(&s87b);
	sgp_buf_free(&s86);
	sgp_buf_free(&body);
	sgp_buf_free(&cfg);
	return rc;
}
