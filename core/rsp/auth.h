/* sgp32lab: what every RSP server (SM-DP+ on ES9+, SM-DS on ES11) signs and
 * checks in the common mutual authentication (SGP.22 v2.5 sections 3.0.1,
 * 3.1.2, 5.6.1/5.6.3 and 5.8.1/5.8.2, 5.7.13):
 *
 *   InitiateAuthentication  ServerSigned1 DER and serverSignature1 with the
 *                           server's authentication key (SK.DPauth.ECDSA or
 *                           SK.DSauth.ECDSA) over that DER
 *   AuthenticateClient      AuthenticateServerResponse ('BF38'): CERT.EUM and
 *                           CERT.EUICC against the trusted CIs (core/pki),
 *                           euiccSignature1 over the EuiccSigned1 DER,
 *                           transactionId, serverChallenge, serverAddress;
 *                           the SGP.32 form of the response is accepted too
 *
 * Moved here from smdp/auth.c so that the SM-DS (smds/) shares the checks
 * without depending on the SM-DP+'s folder.
 *
 * The check returns 0, SGP_ERR_PARSE for a malformed message, SGP_ERR_PEER
 * when the eUICC answered with its error (the code is given), SGP_ERR_VERIFY
 * with a reason otherwise. */
#ifndef SGP_CORE_RSP_AUTH_H
#define SGP_CORE_RSP_AUTH_H

#include "core/buf.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/key.h"
#include "core/log.h"
#include "core/pki/pki.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RSP_CHALLENGE_LEN 16
#define RSP_MATCHING_ID_MAX 255

enum rsp_auth_reason {
	RSP_AUTH_OK,
	RSP_AUTH_MALFORMED,		/* not the expected message */
	RSP_AUTH_EUICC_ERROR,		/* the eUICC answered with an error code */
	RSP_AUTH_BAD_CERTIFICATE,	/* CERT.EUM / CERT.EUICC rejected (pki_result) */
	RSP_AUTH_BAD_SIGNATURE,		/* euiccSignature1 does not verify */
	RSP_AUTH_TID_MISMATCH,		/* another transactionId */
	RSP_AUTH_CHALLENGE_MISMATCH,	/* serverChallenge is not the session's */
	RSP_AUTH_ADDRESS_MISMATCH,	/* serverAddress is not ours */
};
const char *rsp_auth_reason_str(enum rsp_auth_reason r);

struct rsp_auth_status {
	enum rsp_auth_reason reason;
	enum sgp_pki_result pki_result;	/* with RSP_AUTH_BAD_CERTIFICATE */
	int pki_depth;			/* with it: 1 CERT.EUM, 0 CERT.EUICC */
	long error_code;		/* with RSP_AUTH_EUICC_ERROR */
};

/* What the server learns about the eUICC from AuthenticateServerResponse. */
struct rsp_euicc {
	X509 *cert, *eum;		/* CERT.EUICC.ECDSA, CERT.EUM.ECDSA (owned) */
	struct sgp_key *pk;		/* PK.EUICC.ECDSA */
	char eid[SGP_EID_LEN + 1];
	uint8_t eid_bcd[16];
	uint8_t euicc_signature1[SGP_ECDSA_RAW_LEN];
	char matching_id[RSP_MATCHING_ID_MAX + 1];	/* "" if absent */
	bool has_matching_id;
};
void rsp_euicc_release(struct rsp_euicc *e);

/* ServerSigned1 DER into server_signed1 (replaced) and serverSignature1
 * (raw r||s) with the server's authentication key. */
int rsp_auth_sign_server1(const struct sgp_key *auth_key, const uint8_t *tid, size_t tid_len,
			  const uint8_t euicc_challenge[RSP_CHALLENGE_LEN],
			  const char *server_address,
			  const uint8_t server_challenge[RSP_CHALLENGE_LEN],
			  struct sgp_buf *server_signed1, uint8_t sig[SGP_ECDSA_RAW_LEN]);

/* Check an AuthenticateServerResponse against the session (tid,
 * serverChallenge, serverAddress — NULL skips the address) and the PKI's
 * CIs at time now; log lines go to category cat.  On success out is filled
 * (release it); on failure it is released. */
int rsp_auth_check_authenticate_server_response(enum log_cat cat, const struct sgp_pki *pki,
						time_t now, const uint8_t *tid, size_t tid_len,
						const uint8_t server_challenge[RSP_CHALLENGE_LEN],
						const char *server_address,
						const uint8_t *der, size_t len,
						struct rsp_euicc *out, struct rsp_auth_status *st);

/* hashCc = SHA256(SHA256(cc) | transactionId) (SGP.22 5.7.5); the
 * transactionId must be 1 to 16 bytes (SGP_ERR_INVAL otherwise). */
int rsp_hash_cc(const char *cc, const uint8_t *tid, size_t tid_len, uint8_t out[32]);

#endif
