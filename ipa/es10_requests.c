/* sgp32lab: the IPA — ES10b requests of the profile download */
#include "ipa/es10_requests.h"
#include "core/der/der.h"
#include "core/err.h"

#include <string.h>

int ipa_build_authenticate_server(const uint8_t *server_signed1, size_t ss1_len,
				  const uint8_t server_signature1[64],
				  const uint8_t *ci_pkid, size_t ci_pkid_len,
				  const uint8_t *server_cert, size_t cert_len,
				  const struct ipa_ctx_params *ctx, struct sgp_buf *out)
{
	struct sgp_buf body = SGP_BUF_INIT, dev = SGP_BUF_INIT, cp = SGP_BUF_INIT;
	int rc;

	/* DeviceInfo: tac [0], deviceCapabilities [1] (none declared) */
	rc = sgp_der_put_tlv(&dev, 0x80, ctx->tac, sizeof(ctx->tac));
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&dev, 0xA1, NULL, 0);
	/* CtxParamsForCommonAuthentication: matchingId [0], deviceInfo [1] */
	if (rc == SGP_OK && ctx->matching_id)
		rc = sgp_der_put_tlv(&cp, 0x80, ctx->matching_id, strlen(ctx->matching_id));
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&cp, 0xA1, dev.data, dev.len);
	if (rc == SGP_OK)
		rc = sgp_buf_append(&body, server_signed1, ss1_len);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&body, 0x5F37, server_signature1, 64);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&body, 0x04, ci_pkid, ci_pkid_len);
	if (rc == SGP_OK)
		rc = sgp_buf_append(&body, server_cert, cert_len);
	if (rc == SGP_OK)	/* ctxParams1: the ctxParamsForCommonAuthentication choice [0] */
		rc = sgp_der_put_tlv(&body, 0xA0, cp.data, cp.len);
	sgp_buf_reset(out);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(out, 0xBF38, body.data, body.len);
	sgp_buf_free(&body);
	sgp_buf_free(&dev);
	sgp_buf_free(&cp);
	return rc;
}

int ipa_build_prepare_download(const uint8_t *smdp_signed2, size_t ss2_len,
			       const uint8_t smdp_signature2[64], const uint8_t *hash_cc,
			       const uint8_t *smdp_cert, size_t cert_len, struct sgp_buf *out)
{
	struct sgp_buf body = SGP_BUF_INIT;
	int rc = sgp_buf_append(&body, smdp_signed2, ss2_len);

	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&body, 0x5F37, smdp_signature2, 64);
	if (rc == SGP_OK && hash_cc)
		rc = sgp_der_put_tlv(&body, 0x04, hash_cc, 32);
	if (rc == SGP_OK)
		rc = sgp_buf_append(&body, smdp_cert, cert_len);
	sgp_buf_reset(out);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(out, 0xBF21, body.data, body.len);
	sgp_buf_free(&body);
	return rc;
}
