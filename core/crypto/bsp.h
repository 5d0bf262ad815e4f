/* sgp32lab: the Bound Profile Package protection, BSP (SCP03t), of SGP.22
 * §2.6.4 and §5.5 (ES8+).
 *
 * Session keys: ShS from ECKA (ecka.h) goes through the X9.63 KDF with
 * SHA-256 over the shared info keyType || keyLength || LV(hostId) || LV(EID)
 * (SGP.22 §2.6.4.1, keyType 0x88 = AES, keyLength 0x10); the 48 output
 * bytes are initial MAC chaining value || S-ENC || S-MAC.
 *
 * Segments (SGP.22 §2.6.4.2-.4):
 *   encrypt+MAC: tag (0x87 ES8+ commands, 0x86 profile elements) || length ||
 *     AES-128-CBC(S-ENC, ICV, data || 80 00..) || C-MAC
 *   MAC only:    0x88 || length || data || C-MAC
 * with ICV = AES-ECB(S-ENC, block counter as 16-byte big-endian) and
 * C-MAC = the first 8 bytes of AES-CMAC(S-MAC, MCV || tag || length ||
 * payload); the full 16-byte CMAC becomes the next MCV.  The block counter
 * starts at 1 and advances by one per segment, MAC-only segments included.
 *
 * A struct sgp_bsp is one direction of one session: the SM-DP+ wraps, the
 * eUICC unwraps the same sequence.  It holds key material: end it with
 * sgp_bsp_wipe(). */
#ifndef SGP_CRYPTO_BSP_H
#define SGP_CRYPTO_BSP_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SGP_BSP_TAG_PROFILE	0x86	/* loadProfileElements (sequenceOf86) */
#define SGP_BSP_TAG_COMMAND	0x87	/* ConfigureISDP, ReplaceSessionKeys */
#define SGP_BSP_TAG_MAC_ONLY	0x88	/* StoreMetadata (sequenceOf88) */

#define SGP_BSP_KEY_TYPE_AES	0x88	/* controlRefTemplate keyType */
#define SGP_BSP_KEY_LEN		16	/* controlRefTemplate keyLen */
#define SGP_BSP_MAC_LEN		8
/* Largest segment TLV, tag to MAC (SGP.22 caps BPP segments at 1020 bytes). */
#define SGP_BSP_MAX_SEGMENT	1020

struct sgp_bsp_keys {
	uint8_t mcv[SGP_BSP_KEY_LEN];	/* initial MAC chaining value */
	uint8_t s_enc[SGP_BSP_KEY_LEN];
	uint8_t s_mac[SGP_BSP_KEY_LEN];
};

/* Why the last call on a context failed (for logs and tests). */
enum sgp_bsp_reason {
	SGP_BSP_OK,
	SGP_BSP_TRUNCATED,		/* fewer bytes than the header announces */
	SGP_BSP_BAD_TAG,		/* not the expected tag */
	SGP_BSP_BAD_LENGTH,		/* malformed length, trailing bytes, no room for MAC */
	SGP_BSP_TOO_LONG,		/* segment over SGP_BSP_MAX_SEGMENT */
	SGP_BSP_BAD_MAC,		/* C-MAC mismatch (or wrong order / keys) */
	SGP_BSP_BAD_PADDING,		/* decrypted data not padded 80 00.. */
	SGP_BSP_COUNTER_EXHAUSTED,	/* block counter wrapped */
	SGP_BSP_CRYPTO,			/* an AES/CMAC call failed */
};

struct sgp_bsp {
	uint8_t s_enc[SGP_BSP_KEY_LEN];
	uint8_t s_mac[SGP_BSP_KEY_LEN];
	uint8_t mcv[SGP_BSP_KEY_LEN];	/* MAC chaining value */
	uint32_t block_counter;		/* number of the next segment, from 1 */
	enum sgp_bsp_reason last_reason;
};

const char *sgp_bsp_reason_str(enum sgp_bsp_reason reason);

/* Session key derivation, SGP.22 §2.6.4.1 / Annex G.  host_id and eid are
 * at most 127 bytes.  SGP_ERR_UNSUPPORTED unless key_type is 0x88 and
 * key_len 16. */
int sgp_bsp_derive_keys(const uint8_t *shs, size_t shs_len, uint8_t key_type,
			uint8_t key_len, const uint8_t *host_id, size_t host_id_len,
			const uint8_t *eid, size_t eid_len, struct sgp_bsp_keys *out);

/* Wipe derived keys once they have been handed to sgp_bsp_init(). */
void sgp_bsp_keys_wipe(struct sgp_bsp_keys *keys);

/* Start a session: the keys are copied, the block counter set to 1. */
void sgp_bsp_init(struct sgp_bsp *bsp, const struct sgp_bsp_keys *keys);
/* ReplaceSessionKeys (SGP.22 §5.5.4): PPK-ENC, PPK-MAC and the initial MCV
 * take over; the block counter starts again at 1. */
void sgp_bsp_replace_session_keys(struct sgp_bsp *bsp, const uint8_t ppk_enc[SGP_BSP_KEY_LEN],
				  const uint8_t ppk_mac[SGP_BSP_KEY_LEN],
				  const uint8_t initial_mcv[SGP_BSP_KEY_LEN]);
void sgp_bsp_wipe(struct sgp_bsp *bsp);

/* Largest data that fits one segment. */
size_t sgp_bsp_max_payload(bool encrypt);

/* Protect one segment and append the TLV to out.  tag: 0x86 or 0x87 for
 * encrypt+MAC.  SGP_ERR_TOOBIG if len > sgp_bsp_max_payload().  On failure
 * out and the context are unchanged. */
int sgp_bsp_encrypt_and_mac(struct sgp_bsp *bsp, uint8_t tag, const uint8_t *in, size_t len,
			    struct sgp_buf *out);
int sgp_bsp_mac_only(struct sgp_bsp *bsp, const uint8_t *in, size_t len, struct sgp_buf *out);
/* Split data into as many segments as needed and append them all (the
 * content of a sequenceOf86/87/88).  tag 0x88 means MAC only. */
int sgp_bsp_wrap_all(struct sgp_bsp *bsp, uint8_t tag, const uint8_t *in, size_t len,
		     struct sgp_buf *out);

/* Receiving side: check one segment TLV (exactly len bytes) with the
 * expected tag, verify its C-MAC, decrypt (0x86/0x87) and strip the
 * padding, append the data to out.  SGP_ERR_PARSE for a malformed segment
 * (truncated, wrong tag, bad length, bad padding), SGP_ERR_VERIFY for a
 * wrong MAC; bsp->last_reason says which.  On failure the counter, the MCV
 * and out are unchanged. */
int sgp_bsp_unwrap(struct sgp_bsp *bsp, uint8_t expected_tag, const uint8_t *seg, size_t len,
		   struct sgp_buf *out);
/* Length of the TLV at the start of data (to split a sequence into
 * segments); SGP_ERR_PARSE if the header is malformed or truncated. */
int sgp_bsp_segment_len(const uint8_t *data, size_t len, size_t *seg_len);

#endif
