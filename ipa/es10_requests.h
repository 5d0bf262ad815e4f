/* sgp32lab: the IPA — ES10b requests of the profile download, assembled
 * from what the SM-DP+ answered (SGP.22 section 3.1.3: the LPA/IPA hands
 * the SM-DP+'s signed data to the eUICC unchanged). */
#ifndef SGP_IPA_ES10_REQUESTS_H
#define SGP_IPA_ES10_REQUESTS_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

/* ctxParamsForCommonAuthentication (SGP.22 5.7.13) */
struct ipa_ctx_params {
	const char *matching_id;	/* NULL: absent */
	uint8_t tac[4];			/* DeviceInfo.tac */
};

/* AuthenticateServerRequest ('BF38'): serverSigned1 and serverSignature1
 * as the SM-DP+ sent them, the CI PKID to use, the SM-DP+'s certificate
 * (DER), and ctxParams1. */
int ipa_build_authenticate_server(const uint8_t *server_signed1, size_t ss1_len,
				  const uint8_t server_signature1[64],
				  const uint8_t *ci_pkid, size_t ci_pkid_len,
				  const uint8_t *server_cert, size_t cert_len,
				  const struct ipa_ctx_params *ctx, struct sgp_buf *out);

/* PrepareDownloadRequest ('BF21'): smdpSigned2 and smdpSignature2 as
 * received, hashCc (32 bytes) when a confirmation code was asked for (else
 * NULL), and the DPpb certificate (DER). */
int ipa_build_prepare_download(const uint8_t *smdp_signed2, size_t ss2_len,
			       const uint8_t smdp_signature2[64], const uint8_t *hash_cc,
			       const uint8_t *smdp_cert, size_t cert_len, struct sgp_buf *out);

#endif
