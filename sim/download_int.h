/* sgp32lab: the eUICC model — the profile download session shared by
 * es10_download.c (authentication, PrepareDownload, CancelSession) and
 * es10_bpp.c (LoadBoundProfilePackage).  Private to sim/. */
#ifndef SGP_SIM_DOWNLOAD_INT_H
#define SGP_SIM_DOWNLOAD_INT_H

#include "sim/euicc_int.h"
#include "core/buf.h"
#include "core/crypto/bsp.h"
#include "core/crypto/curve.h"
#include "core/crypto/key.h"

#include <stdbool.h>
#include <stdint.h>

/* What the session waits for next (SGP.22 3.1.3, 5.7). */
enum dl_state {
	DL_CHALLENGED,		/* GetEUICCChallenge done: AuthenticateServer */
	DL_AUTHENTICATED,	/* AuthenticateServer done: PrepareDownload */
	DL_PREPARED,		/* PrepareDownload done: the BPP */
};

struct bpp_load;	/* euicc_info.c: EUICCInfo2 DER of this eUICC, and the GetEUICCInfo functions. */
int euicc_info2_build(struct euicc *e, struct sgp_buf *out);
int es10b_get_euicc_info1(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
int es10b_get_euicc_info2(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);

/* es10_bpp.c: a BPP being loaded */

struct download_session {
	enum dl_state state;
	uint8_t euicc_challenge[16];
	/* from AuthenticateServer */
	uint8_t transaction_id[16];
	size_t transaction_id_len;
	char server_address[256];
	X509 *ci;			/* the CI in use (borrowed from e->ci) */
	struct sgp_buf smdp_oid_auth;	/* SM-DP+ OID of CERT.DPauth (content octets) */
	uint8_t euicc_signature1[64];
	/* from PrepareDownload */
	enum sgp_curve curve;
	struct sgp_key *otk;		/* otSK/otPK.EUICC.ECKA */
	uint8_t otpk[SGP_CURVE_POINT_LEN];
	struct sgp_key *dppb;		/* PK.DPpb.ECDSA */
	struct sgp_buf smdp_oid_pb;	/* SM-DP+ OID of CERT.DPpb */
	uint8_t euicc_signature2[64];
	struct bpp_load *bpp;		/* LoadBoundProfilePackage in progress */
};

/* Drop the session (e->dl), wiping its keys. */
void download_session_end(struct euicc *e);

/* The eUICC's static description (EUICCInfo2 values, memory), one table in
 * es10_download.c. */
struct euicc_info_values {
	uint8_t profile_version[3];
	uint8_t svn[3];
	uint8_t firmware_ver[3];
	uint8_t ts102241_version[3];
	uint8_t gp_version[3];
	uint8_t pp_version[3];
	uint8_t iot_version[3];
	uint32_t uicc_capability;	/* UICCCapability named bits, bit n = 1 << n */
	uint32_t rsp_capability;	/* RspCapability named bits */
	uint32_t forbidden_ppr;		/* forbiddenProfilePolicyRules (PprIds bits) */
	uint32_t profile_classes;	/* ProfileClass values accepted, bit n = class n */
	long euicc_category;
	const char *sas_accreditation_number;
	const char *platform_label;
	const char *discovery_base_url;
	uint32_t nvm_total;		/* bytes for profiles (metadata + elements) */
	uint32_t volatile_free;		/* reported free volatile memory */
};
extern const struct euicc_info_values euicc_info;

/* Free non-volatile memory and number of installed profiles, from the store. */
int euicc_memory_free(struct euicc *e, uint32_t *nvm_free, uint32_t *n_profiles);

/* Named bits <-> BIT STRING content: buf must hold 4 bytes. */
struct BIT_STRING_s;
void bits_to_bitstring(uint32_t mask, uint8_t buf[4], struct BIT_STRING_s *bs);
uint32_t bitstring_to_bits(const struct BIT_STRING_s *bs);

/* SM-DP+ OID (subjectAltName registeredID) of a certificate, as the content
 * octets of the OBJECT IDENTIFIER; SGP_ERR_NOTFOUND if there is none. */
int smdp_oid_of_cert(X509 *cert, struct sgp_buf *out);

/* euicc_info.c: EUICCInfo2 DER of this eUICC, and the GetEUICCInfo functions. */
int euicc_info2_build(struct euicc *e, struct sgp_buf *out);
int es10b_get_euicc_info1(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
int es10b_get_euicc_info2(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);

/* es10_bpp.c: the functions of ES10b.LoadBoundProfilePackage, one per
 * outermost tag of the STORE DATA sequences the IPA sends (SGP.22 2.5.5). */
int es10b_load_bpp(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp);
void bpp_load_free(struct bpp_load *b);

#endif
