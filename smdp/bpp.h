/* sgp32lab: SM-DP+ — binding a profile to one eUICC: the Bound Profile
 * Package (SGP.22 v2.5 sections 2.5.4, 2.6.4, 5.5 ES8+; ES9+
 * GetBoundProfilePackage 5.6.2).
 *
 *   BoundProfilePackage 'BF36' {
 *     initialiseSecureChannelRequest 'BF23' {
 *       remoteOpId installBoundProfilePackage, transactionId,
 *       controlRefTemplate { keyType '88', keyLen '10', hostId },
 *       smdpOtpk (otPK.DP.ECKA, fresh per BPP),
 *       smdpSign: SK.DPpb.ECDSA over the value of the request up to and
 *         including smdpOtpk (remoteOpId .. smdpOtpk TLVs, without the
 *         'BF23' header) followed by the euiccOtpk TLV ('5F49' 41 ..)
 *         (SGP.22 5.5.1; as pySim's es8p signs it) }
 *     firstSequenceOf87 'A0': ConfigureISDPRequest, encrypted and MACed
 *     sequenceOf88 'A1': StoreMetadataRequest, MAC only
 *     secondSequenceOf87 'A2' (with ppk): ReplaceSessionKeysRequest with a
 *       random PPK-ENC, PPK-MAC and initial MCV, under the session keys
 *     sequenceOf86 'A3': the UPP, encrypted and MACed — under the session
 *       keys, or under the PPKs (counter restarting at 1) with ppk }
 * The session keys come from ECKA(otSK.DP.ECKA, otPK.EUICC.ECKA) and the
 * KDF with the controlRefTemplate and the EID (core/crypto/bsp.h).
 *
 * Segments of sequenceOf86: each profile element of the UPP starts a new
 * segment; one that does not fit in a segment (1020 bytes with tag, length
 * and MAC) continues over as many as it needs.  SGP.22 leaves the cut to
 * the SM-DP+; the eUICC reassembles the stream whatever the cut. */
#ifndef SGP_SMDP_BPP_H
#define SGP_SMDP_BPP_H

#include "core/buf.h"
#include "core/crypto/key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct smdp_bpp_params {
	const uint8_t *transaction_id;	/* 1 to 16 bytes */
	size_t transaction_id_len;
	const uint8_t *euicc_otpk;	/* otPK.EUICC.ECKA from euiccSigned2 (65 bytes) */
	size_t euicc_otpk_len;
	const uint8_t *eid;		/* 16 bytes BCD, from CERT.EUICC.ECDSA */
	const struct sgp_key *dppb;	/* SK.DPpb.ECDSA; its curve is the ECKA curve */
	const uint8_t *host_id;		/* 1 to 16 bytes; NULL: "sgp32lab" */
	size_t host_id_len;
	const uint8_t *metadata;	/* StoreMetadataRequest DER (smdp/metadata.h) */
	size_t metadata_len;
	const uint8_t *upp;		/* profile elements (smdp/upp.h) */
	size_t upp_len;
	bool ppk;			/* protect the profile with PPKs (secondSequenceOf87) */
};

/* Build the BPP into out (replaced).  SGP_ERR_INVAL for missing or
 * out-of-range parameters, SGP_ERR_PARSE if the UPP is not a profile
 * package or otPK.EUICC.ECKA not a point on the curve. */
int smdp_bpp_build(const struct smdp_bpp_params *p, struct sgp_buf *out);

#endif
