/* sgp32lab: SM-DP+ — what it signs and checks in the ES9+ exchanges of a
 * profile download (SGP.22 v2.5 sections 3.1.2, 3.1.3, 5.6):
 *
 *   InitiateAuthentication  serverSigned1 + serverSignature1 (SK.DPauth)
 *                           over the ServerSigned1 DER
 *   AuthenticateClient      checks AuthenticateServerResponse: CERT.EUM and
 *                           CERT.EUICC against the CI (core/pki),
 *                           euiccSignature1 over the EuiccSigned1 DER,
 *                           transactionId, serverAddress, serverChallenge;
 *                           then smdpSigned2 + smdpSignature2 (SK.DPpb) over
 *                           the SmdpSigned2 DER followed by the
 *                           euiccSignature1 TLV ('5F37' 40 ..)
 *   GetBoundProfilePackage  checks PrepareDownloadResponse: euiccSignature2
 *                           over the EUICCSigned2 DER followed by the
 *                           smdpSignature2 TLV, transactionId, hashCc;
 *                           yields otPK.EUICC.ECKA
 *   HandleNotification      checks ProfileInstallationResult: euiccSignPIR
 *                           over the ProfileInstallationResultData DER
 * (signed data as in SGP.22 5.6.1-5.6.4 and pySim's osmo-smdpp).  The first
 * two are shared with the SM-DS and live in core/rsp/auth.c.  Inputs are
 * decoded with the strict DER codec, so re-encoding a decoded part gives back
 * the received bytes.
 *
 * The checks return 0, SGP_ERR_PARSE for a malformed message, SGP_ERR_PEER
 * when the eUICC answered with its error (the code is given), and
 * SGP_ERR_VERIFY with a reason otherwise. */
#ifndef SGP_SMDP_AUTH_H
#define SGP_SMDP_AUTH_H

#include "core/buf.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/key.h"
#include "core/pki/pki.h"
#include "core/rsp/auth.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SMDP_CHALLENGE_LEN RSP_CHALLENGE_LEN
#define SMDP_HASH_CC_LEN 32

enum smdp_auth_reason {
	SMDP_AUTH_OK,
	SMDP_AUTH_MALFORMED,		/* not the expected message */
	SMDP_AUTH_EUICC_ERROR,		/* the eUICC answered with an error code */
	SMDP_AUTH_BAD_CERTIFICATE,	/* CERT.EUM / CERT.EUICC rejected (pki_result) */
	SMDP_AUTH_BAD_SIGNATURE,	/* an eUICC signature does not verify */
	SMDP_AUTH_TID_MISMATCH,		/* another transactionId */
	SMDP_AUTH_CHALLENGE_MISMATCH,	/* serverChallenge is not the session's */
	SMDP_AUTH_ADDRESS_MISMATCH,	/* serverAddress is not ours */
	SMDP_AUTH_HASHCC_MISMATCH,	/* hashCc missing or wrong */
	SMDP_AUTH_BAD_OTPK,		/* euiccOtpk is not a point on the curve */
};
const char *smdp_auth_reason_str(enum smdp_auth_reason r);

/* The result of a check. */
struct smdp_auth_status {
	enum smdp_auth_reason reason;
	enum sgp_pki_result pki_result;	/* with SMDP_AUTH_BAD_CERTIFICATE */
	long error_code;		/* with SMDP_AUTH_EUICC_ERROR */
};

/* InitiateAuthentication: ServerSigned1 DER into server_signed1 (replaced)
 * and serverSignature1 (raw r||s) with SK.DPauth.ECDSA. */
int smdp_auth_sign_server1(const struct sgp_key *dpauth, const uint8_t *tid, size_t tid_len,
			   const uint8_t euicc_challenge[SMDP_CHALLENGE_LEN],
			   const char *server_address,
			   const uint8_t server_challenge[SMDP_CHALLENGE_LEN],
			   struct sgp_buf *server_signed1, uint8_t sig[SGP_ECDSA_RAW_LEN]);

/* What the SM-DP+ learns about the eUICC from AuthenticateServerResponse. */
struct smdp_euicc {
	X509 *cert, *eum;		/* CERT.EUICC.ECDSA, CERT.EUM.ECDSA (owned) */
	struct sgp_key *pk;		/* PK.EUICC.ECDSA */
	char eid[SGP_EID_LEN + 1];
	uint8_t eid_bcd[16];
	uint8_t euicc_signature1[SGP_ECDSA_RAW_LEN];
	char matching_id[RSP_MATCHING_ID_MAX + 1]; /* ctxParamsForCommonAuthentication, "" if absent */
	bool has_matching_id;
};
void smdp_euicc_release(struct smdp_euicc *e);

/* AuthenticateClient: check an AuthenticateServerResponse ('BF38') against
 * the session (tid, serverChallenge, serverAddress) and the PKI's CIs at
 * time now.  On success out is filled (release it). */
int smdp_auth_check_authenticate_server_response(const struct sgp_pki *pki, time_t now,
						 const uint8_t *tid, size_t tid_len,
						 const uint8_t server_challenge[SMDP_CHALLENGE_LEN],
						 const char *server_address,
						 const uint8_t *der, size_t len,
						 struct smdp_euicc *out,
						 struct smdp_auth_status *st);

/* AuthenticateClient: SmdpSigned2 DER (bppEuiccOtpk optional, NULL: absent)
 * and smdpSignature2 with SK.DPpb.ECDSA. */
int smdp_auth_sign_smdp2(const struct sgp_key *dppb, const uint8_t *tid, size_t tid_len,
			 bool cc_required, const uint8_t *bpp_euicc_otpk, size_t otpk_len,
			 const uint8_t euicc_signature1[SGP_ECDSA_RAW_LEN],
			 struct sgp_buf *smdp_signed2, uint8_t sig[SGP_ECDSA_RAW_LEN]);

/* hashCc = SHA-256(SHA-256(confirmation code) || transactionId)
 * (SGP.22 3.1.3.3 / 5.7.5). */
int smdp_hash_cc(const char *cc, const uint8_t *tid, size_t tid_len,
		 uint8_t out[SMDP_HASH_CC_LEN]);

/* GetBoundProfilePackage: check a PrepareDownloadResponse ('BF21');
 * hash_cc: the expected hashCc when a confirmation code is required, else
 * NULL (then hashCc must be absent).  euicc_otpk receives otPK.EUICC.ECKA. */
int smdp_auth_check_prepare_download_response(const struct smdp_euicc *euicc,
					      const uint8_t *tid, size_t tid_len,
					      const uint8_t smdp_signature2[SGP_ECDSA_RAW_LEN],
					      const uint8_t *hash_cc,
					      const uint8_t *der, size_t len,
					      uint8_t euicc_otpk[SGP_CURVE_POINT_LEN],
					      struct smdp_auth_status *st);

/* What a ProfileInstallationResult says. */
struct smdp_pir {
	bool success;
	uint8_t aid[16];		/* successResult: the ISD-P AID */
	size_t aid_len;
	long bpp_command_id;		/* errorResult: BppCommandId */
	long error_reason;		/* errorResult: ErrorReason */
	long seq_number;		/* notificationMetadata */
	uint8_t iccid[10];		/* notificationMetadata.iccid, if present */
	bool has_iccid;
	char notification_address[256];
};

/* HandleNotification (or the LoadBoundProfilePackage answer): check a
 * ProfileInstallationResult ('BF37') with PK.EUICC.ECDSA; tid may be NULL
 * (no transactionId check). */
int smdp_auth_check_pir(const struct sgp_key *euicc_pk, const uint8_t *tid, size_t tid_len,
			const uint8_t *der, size_t len, struct smdp_pir *out,
			struct smdp_auth_status *st);

#endif
