/* sgp32lab: BSP / SCP03t session keys and segment protection (SGP.22 §2.6.4,
 * GlobalPlatform Card Specification Amendment D §6.2 for ICV and C-MAC). */
#include "core/crypto/bsp.h"
#include "core/crypto/aes.h"
#include "core/crypto/kdf.h"
#include "core/err.h"
#include "core/log.h"

#include <openssl/crypto.h>
#include <string.h>

#define KL SGP_BSP_KEY_LEN
#define HDR_MAX 4	/* tag + 82 xx xx */

const char *sgp_bsp_reason_str(enum sgp_bsp_reason reason)
{
	switch (reason) {
	case SGP_BSP_OK: return "ok";
	case SGP_BSP_TRUNCATED: return "segment truncated";
	case SGP_BSP_BAD_TAG: return "unexpected segment tag";
	case SGP_BSP_BAD_LENGTH: return "malformed segment length";
	case SGP_BSP_TOO_LONG: return "segment longer than 1020 bytes";
	case SGP_BSP_BAD_MAC: return "C-MAC verification failed";
	case SGP_BSP_BAD_PADDING: return "bad padding after decryption";
	case SGP_BSP_COUNTER_EXHAUSTED: return "block counter exhausted";
	case SGP_BSP_CRYPTO: return "AES/CMAC failure";
	}
	return "?";
}

int sgp_bsp_derive_keys(const uint8_t *shs, size_t shs_len, uint8_t key_type,
			uint8_t key_len, const uint8_t *host_id, size_t host_id_len,
			const uint8_t *eid, size_t eid_len, struct sgp_bsp_keys *out)
{
	uint8_t info[2 + 1 + 127 + 1 + 127];
	uint8_t okm[3 * KL];
	size_t n = 0;
	int rc;

	if (!shs || !out || (!host_id && host_id_len) || (!eid && eid_len))
		return SGP_ERR_INVAL;
	if (host_id_len > 127 || eid_len > 127)
		return SGP_ERR_INVAL;
	if (key_type != SGP_BSP_KEY_TYPE_AES || key_len != KL) {
		LOGP(DCRYPTO, LOGL_NOTICE, "BSP: keyType 0x%02x keyLength %u unsupported",
		     key_type, key_len);
		return SGP_ERR_UNSUPPORTED;
	}
	/* shared info: keyType | keyLength | hostId LV | EID LV */
	info[n++] = key_type;
	info[n++] = key_len;
	info[n++] = (uint8_t)host_id_len;
	if (host_id_len)
		memcpy(info + n, host_id, host_id_len);
	n += host_id_len;
	info[n++] = (uint8_t)eid_len;
	if (eid_len)
		memcpy(info + n, eid, eid_len);
	n += eid_len;
	rc = sgp_x963_kdf_sha256(shs, shs_len, info, n, okm, sizeof(okm));
	if (!rc) {
		memcpy(out->mcv, okm, KL);
		memcpy(out->s_enc, okm + KL, KL);
		memcpy(out->s_mac, okm + 2 * KL, KL);
	}
	OPENSSL_cleanse(okm, sizeof(okm));
	return rc;
}

void sgp_bsp_keys_wipe(struct sgp_bsp_keys *keys)
{
	if (keys)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

void sgp_bsp_init(struct sgp_bsp *bsp, const struct sgp_bsp_keys *keys)
{
	sgp_bsp_replace_session_keys(bsp, keys->s_enc, keys->s_mac, keys->mcv);
}

void sgp_bsp_replace_session_keys(struct sgp_bsp *bsp, const uint8_t ppk_enc[KL],
				  const uint8_t ppk_mac[KL], const uint8_t initial_mcv[KL])
{
	memcpy(bsp->s_enc, ppk_enc, KL);
	memcpy(bsp->s_mac, ppk_mac, KL);
	memcpy(bsp->mcv, initial_mcv, KL);
	bsp->block_counter = 1;
	bsp->last_reason = SGP_BSP_OK;
}

void sgp_bsp_wipe(struct sgp_bsp *bsp)
{
	if (bsp)
		OPENSSL_cleanse(bsp, sizeof(*bsp));
}

/* BER length of a segment's value; returns the header size (tag + length). */
static size_t put_header(uint8_t hdr[HDR_MAX], uint8_t tag, size_t vlen)
{
	hdr[0] = tag;
	if (vlen < 0x80) {
		hdr[1] = (uint8_t)vlen;
		return 2;
	}
	if (vlen < 0x100) {
		hdr[1] = 0x81;
		hdr[2] = (uint8_t)vlen;
		return 3;
	}
	hdr[1] = 0x82;
	hdr[2] = (uint8_t)(vlen >> 8);
	hdr[3] = (uint8_t)vlen;
	return 4;
}

size_t sgp_bsp_max_payload(bool encrypt)
{
	/* 1020 - tag - 82 xx xx - MAC = 1008; with padding, the plaintext must
	 * leave room for at least the 0x80 byte in 1008 bytes of ciphertext. */
	size_t room = SGP_BSP_MAX_SEGMENT - HDR_MAX - SGP_BSP_MAC_LEN;

	return encrypt ? room - 1 : room;
}

/* C-MAC over MCV || header || payload; mac receives the full CMAC. */
static int compute_cmac(const struct sgp_bsp *bsp, const uint8_t *hdr, size_t hdr_len,
			const uint8_t *payload, size_t len, uint8_t mac[SGP_AES_BLOCK])
{
	struct sgp_cmac c;
	int rc;

	rc = sgp_cmac_init(&c, bsp->s_mac);
	if (rc)
		return rc;
	rc = sgp_cmac_update(&c, bsp->mcv, KL);
	if (!rc)
		rc = sgp_cmac_update(&c, hdr, hdr_len);
	if (!rc)
		rc = sgp_cmac_update(&c, payload, len);
	if (rc) {
		sgp_cmac_free(&c);
		return rc;
	}
	return sgp_cmac_final(&c, mac);
}

/* ICV = AES-ECB(S-ENC, counter), counter as a 16-byte big-endian number. */
static int compute_icv(const struct sgp_bsp *bsp, uint8_t icv[SGP_AES_BLOCK])
{
	uint8_t block[SGP_AES_BLOCK] = { 0 };
	uint32_t c = bsp->block_counter;

	block[12] = (uint8_t)(c >> 24);
	block[13] = (uint8_t)(c >> 16);
	block[14] = (uint8_t)(c >> 8);
	block[15] = (uint8_t)c;
	return sgp_aes_ecb_encrypt_block(bsp->s_enc, block, icv);
}

static int fail(struct sgp_bsp *bsp, enum sgp_bsp_reason reason, int rc)
{
	bsp->last_reason = reason;
	LOGP(DCRYPTO, LOGL_NOTICE, "BSP segment %u: %s", bsp->block_counter,
	     sgp_bsp_reason_str(reason));
	return rc;
}

/* Common part of both protections: payload is the (encrypted) value
 * without MAC. */
static int emit(struct sgp_bsp *bsp, uint8_t tag, const uint8_t *payload, size_t len,
		struct sgp_buf *out)
{
	uint8_t hdr[HDR_MAX], mac[SGP_AES_BLOCK];
	size_t hdr_len = put_header(hdr, tag, len + SGP_BSP_MAC_LEN);
	size_t old_len = out->len;
	int rc;

	rc = compute_cmac(bsp, hdr, hdr_len, payload, len, mac);
	if (rc)
		return fail(bsp, SGP_BSP_CRYPTO, rc);
	rc = sgp_buf_reserve(out, hdr_len + len + SGP_BSP_MAC_LEN);
	if (!rc)
		rc = sgp_buf_append(out, hdr, hdr_len);
	if (!rc)
		rc = sgp_buf_append(out, payload, len);
	if (!rc)
		rc = sgp_buf_append(out, mac, SGP_BSP_MAC_LEN);
	if (rc) {
		out->len = old_len;
		return rc;
	}
	memcpy(bsp->mcv, mac, KL);
	bsp->block_counter++;
	bsp->last_reason = SGP_BSP_OK;
	return SGP_OK;
}

int sgp_bsp_encrypt_and_mac(struct sgp_bsp *bsp, uint8_t tag, const uint8_t *in, size_t len,
			    struct sgp_buf *out)
{
	uint8_t buf[SGP_BSP_MAX_SEGMENT], icv[SGP_AES_BLOCK];
	size_t padded;
	int rc;

	if (!bsp || (!in && len) || !out)
		return SGP_ERR_INVAL;
	if (tag != SGP_BSP_TAG_COMMAND && tag != SGP_BSP_TAG_PROFILE)
		return SGP_ERR_INVAL;
	if (len > sgp_bsp_max_payload(true))
		return SGP_ERR_TOOBIG;
	if (bsp->block_counter == UINT32_MAX)
		return fail(bsp, SGP_BSP_COUNTER_EXHAUSTED, SGP_ERR_STATE);
	/* padding 80 00.. up to a multiple of 16, always at least one byte */
	padded = (len / SGP_AES_BLOCK + 1) * SGP_AES_BLOCK;
	if (len)
		memcpy(buf, in, len);
	buf[len] = 0x80;
	memset(buf + len + 1, 0, padded - len - 1);
	rc = compute_icv(bsp, icv);
	if (!rc)
		rc = sgp_aes_cbc_encrypt(bsp->s_enc, icv, buf, padded, buf);
	if (rc)
		rc = fail(bsp, SGP_BSP_CRYPTO, rc);
	else
		rc = emit(bsp, tag, buf, padded, out);
	OPENSSL_cleanse(buf, padded);
	return rc;
}

int sgp_bsp_mac_only(struct sgp_bsp *bsp, const uint8_t *in, size_t len, struct sgp_buf *out)
{
	if (!bsp || (!in && len) || !out)
		return SGP_ERR_INVAL;
	if (len > sgp_bsp_max_payload(false))
		return SGP_ERR_TOOBIG;
	if (bsp->block_counter == UINT32_MAX)
		return fail(bsp, SGP_BSP_COUNTER_EXHAUSTED, SGP_ERR_STATE);
	return emit(bsp, SGP_BSP_TAG_MAC_ONLY, in, len, out);
}

int sgp_bsp_wrap_all(struct sgp_bsp *bsp, uint8_t tag, const uint8_t *in, size_t len,
		     struct sgp_buf *out)
{
	bool mac_only = tag == SGP_BSP_TAG_MAC_ONLY;
	size_t max = sgp_bsp_max_payload(!mac_only), off = 0;
	int rc;

	if (!bsp || (!in && len) || !out)
		return SGP_ERR_INVAL;
	do {
		size_t n = len - off < max ? len - off : max;

		if (mac_only)
			rc = sgp_bsp_mac_only(bsp, in + off, n, out);
		else
			rc = sgp_bsp_encrypt_and_mac(bsp, tag, in + off, n, out);
		if (rc)
			return rc;
		off += n;
	} while (off < len);
	return SGP_OK;
}

/* Parse tag and a minimal BER length (short, 81 xx, 82 xxxx). */
static int parse_header(const uint8_t *data, size_t len, size_t *hdr_len, size_t *vlen,
			enum sgp_bsp_reason *why)
{
	if (len < 2) {
		*why = SGP_BSP_TRUNCATED;
		return SGP_ERR_PARSE;
	}
	if (data[1] < 0x80) {
		*hdr_len = 2;
		*vlen = data[1];
	} else if (data[1] == 0x81) {
		if (len < 3)
			goto truncated;
		*hdr_len = 3;
		*vlen = data[2];
		if (*vlen < 0x80)
			goto bad;
	} else if (data[1] == 0x82) {
		if (len < 4)
			goto truncated;
		*hdr_len = 4;
		*vlen = (size_t)data[2] << 8 | data[3];
		if (*vlen < 0x100)
			goto bad;
	} else {
		goto bad;
	}
	return SGP_OK;
truncated:
	*why = SGP_BSP_TRUNCATED;
	return SGP_ERR_PARSE;
bad:
	*why = SGP_BSP_BAD_LENGTH;
	return SGP_ERR_PARSE;
}

int sgp_bsp_segment_len(const uint8_t *data, size_t len, size_t *seg_len)
{
	enum sgp_bsp_reason why;
	size_t hdr_len, vlen;
	int rc;

	if (!data || !seg_len)
		return SGP_ERR_INVAL;
	rc = parse_header(data, len, &hdr_len, &vlen, &why);
	if (rc)
		return rc;
	if (vlen > len - hdr_len)
		return SGP_ERR_PARSE;
	*seg_len = hdr_len + vlen;
	return SGP_OK;
}

int sgp_bsp_unwrap(struct sgp_bsp *bsp, uint8_t expected_tag, const uint8_t *seg, size_t len,
		   struct sgp_buf *out)
{
	uint8_t mac[SGP_AES_BLOCK], icv[SGP_AES_BLOCK], plain[SGP_BSP_MAX_SEGMENT];
	enum sgp_bsp_reason why;
	size_t hdr_len, vlen, plen, n;
	const uint8_t *payload;
	bool encrypted;
	int rc;

	if (!bsp || !seg || !out)
		return SGP_ERR_INVAL;
	if (expected_tag != SGP_BSP_TAG_COMMAND && expected_tag != SGP_BSP_TAG_PROFILE &&
	    expected_tag != SGP_BSP_TAG_MAC_ONLY)
		return SGP_ERR_INVAL;
	encrypted = expected_tag != SGP_BSP_TAG_MAC_ONLY;
	if (len > SGP_BSP_MAX_SEGMENT)
		return fail(bsp, SGP_BSP_TOO_LONG, SGP_ERR_PARSE);
	if (len >= 1 && seg[0] != expected_tag)
		return fail(bsp, SGP_BSP_BAD_TAG, SGP_ERR_PARSE);
	rc = parse_header(seg, len, &hdr_len, &vlen, &why);
	if (rc)
		return fail(bsp, why, rc);
	if (vlen > len - hdr_len)
		return fail(bsp, SGP_BSP_TRUNCATED, SGP_ERR_PARSE);
	if (vlen < len - hdr_len || vlen < SGP_BSP_MAC_LEN)
		return fail(bsp, SGP_BSP_BAD_LENGTH, SGP_ERR_PARSE);
	plen = vlen - SGP_BSP_MAC_LEN;
	if (encrypted && (plen == 0 || plen % SGP_AES_BLOCK))
		return fail(bsp, SGP_BSP_BAD_LENGTH, SGP_ERR_PARSE);
	if (bsp->block_counter == UINT32_MAX)
		return fail(bsp, SGP_BSP_COUNTER_EXHAUSTED, SGP_ERR_STATE);
	payload = seg + hdr_len;

	/* MAC first: nothing is decrypted before the segment is authentic. */
	rc = compute_cmac(bsp, seg, hdr_len, payload, plen, mac);
	if (rc)
		return fail(bsp, SGP_BSP_CRYPTO, rc);
	if (!sgp_memeq_ct(mac, payload + plen, SGP_BSP_MAC_LEN))
		return fail(bsp, SGP_BSP_BAD_MAC, SGP_ERR_VERIFY);

	n = plen;
	if (encrypted) {
		rc = compute_icv(bsp, icv);
		if (!rc)
			rc = sgp_aes_cbc_decrypt(bsp->s_enc, icv, payload, plen, plain);
		if (rc) {
			rc = fail(bsp, SGP_BSP_CRYPTO, rc);
			goto out;
		}
		/* strip 80 00..: the 0x80 must sit in the last block */
		while (n > plen - SGP_AES_BLOCK && plain[n - 1] == 0x00)
			n--;
		if (n == plen - SGP_AES_BLOCK || plain[n - 1] != 0x80) {
			rc = fail(bsp, SGP_BSP_BAD_PADDING, SGP_ERR_PARSE);
			goto out;
		}
		n--;
	}
	rc = sgp_buf_append(out, encrypted ? plain : payload, n);
	if (rc)
		goto out;
	memcpy(bsp->mcv, mac, KL);
	bsp->block_counter++;
	bsp->last_reason = SGP_BSP_OK;
out:
	OPENSSL_cleanse(plain, encrypted ? plen : 0);
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}
