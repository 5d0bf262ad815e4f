/* sgp32lab: the eUICC model — ES10b.LoadBoundProfilePackage (SGP.22 v2.5
 * sections 2.5.5, 5.5 ES8+ and 5.7.6) as SGP.32 v1.2 uses it.
 *
 * The IPA sends the Bound Profile Package in several STORE DATA sequences
 * (SGP.22 2.5.5; lpac and the SGP.32 IPAs split it the same way):
 *   1. 'BF36' tag and length + the InitialiseSecureChannelRequest 'BF23'
 *   2. 'A0' tag and length + its '87' segment(s) (ConfigureISDP)
 *   3. 'A1' tag and length, then each '88' segment in its own command
 *      (StoreMetadata, MAC only)
 *   4. optionally 'A2' tag and length + its '87' segment (ReplaceSessionKeys)
 *   5. 'A3' tag and length, then each '86' segment in its own command
 *      (the profile elements)
 * The model reads the sequence as a stream: a command may carry any run of
 * whole items (headers and complete segment TLVs) in that order, so both
 * this splitting and coarser ones are accepted; a segment cut across two
 * commands is a structure error.
 *
 * Answers: a command that does not finish the BPP answers no data (the
 * front end's '9000' without data).  The last '86' segment, or the first
 * failure, answers the signed ProfileInstallationResult ('BF37'), which is
 * also stored as a pending notification (install event, SM-DP+ address of
 * the session); the session then ends.  Nothing of the profile reaches the
 * store before the End element has been processed: the installation is one
 * store transaction with the notification.  Without a PrepareDownload'ed
 * session there is nobody to sign a result for: the command is refused
 * (SGP_ERR_STATE, a status word).
 *
 * Failures and their ErrorReason / bppCommandId:
 *   BF23 undecodable: incorrectInputValues (0); remoteOpId other than
 *   installBoundProfilePackage: unsupportedRemoteOperationType (0); another
 *   transactionId: invalidTransactionId (0); keyType/keyLen other than
 *   '88'/'10': unsupportedCrtValues (0); smdpSign (over the remoteOpId,
 *   transactionId, controlRefTemplate and smdpOtpk TLVs || '5F49' euiccOtpk)
 *   wrong: invalidSignature (0); smdpOtpk not a point of the curve:
 *   incorrectInputValues (0).
 *   Out of order or unexpected tag, truncated segment or header, a segment
 *   overrunning its sequence: scp03tStructureError; wrong C-MAC (this also
 *   catches reordered segments): scp03tSecurityError; bad padding:
 *   scp03tStructureError; an ES8+ command that does not decode:
 *   incorrectInputValues — with the bppCommandId of the step (1
 *   configureISDP, 2 storeMetadata, 4 replaceSessionKeys, 5
 *   loadProfileElements).
 *   StoreMetadata: profileClass not supported: unsupportedProfileClass;
 *   profilePolicyRules with a forbidden PPR: pprNotAllowed; the ICCID is
 *   installed: installFailedDueToIccidAlreadyExistsOnEuicc.
 *   Profile elements: malformed, no header first, data after End, End
 *   missing: installFailedDueToPEProcessingError; ProfileHeader ICCID other
 *   than StoreMetadata's: installFailedDueToDataMismatch (the v2.5 name of
 *   "ICCID mismatch"); more than the free memory:
 *   installFailedDueToInsufficientMemoryForProfile.
 * Not produced: installFailedDueToInterruption (a reset drops the volatile
 * session without a result) and testProfileInstallFailedDueToInvalidNaaKey
 * (the model does not look into NAA keys).
 */
#include "sim/download_int.h"
#include "sim/profile_package.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/ecka.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"

#include <openssl/crypto.h>

#include "ConfigureISDPRequest.h"
#include "InitialiseSecureChannelRequest.h"
#include "ProfileInstallationResult.h"
#include "ReplaceSessionKeysRequest.h"
#include "SGP32-StoreMetadataRequest.h"

#include <stdlib.h>
#include <string.h>

enum bpp_step {
	S_BPP_HDR, S_ISC, S_A0_HDR, S_A0, S_A1_HDR, S_A1, S_A2_A3_HDR, S_A2, S_A3_HDR, S_A3,
};

struct bpp_load {
	enum bpp_step step;
	size_t bpp_left;	/* bytes of the BF36 value still to come */
	size_t seq_left;	/* bytes of the current sequence still to come */
	struct sgp_bsp bsp;
	struct sgp_buf plain;	/* ES8+ command being reassembled */
	struct sgp_buf profile;	/* profile elements received */
	struct sgp_buf metadata; /* StoreMetadataRequest as received */
	struct pe_parser pe;
	uint8_t iccid[10];
	int profile_class;
	uint32_t ppr;
	char spn[33], name[65];
	uint32_t nvm_free;
};

/* A failure: the result's bppCommandId and errorReason. */
struct bpp_fail {
	long cmd;
	long reason;
};

void bpp_load_free(struct bpp_load *b)
{
	if (!b)
		return;
	sgp_bsp_wipe(&b->bsp);
	sgp_buf_free_secure(&b->plain);
	sgp_buf_free_secure(&b->profile);
	sgp_buf_free(&b->metadata);
	OPENSSL_cleanse(b, sizeof(*b));
	free(b);
}

static long step_command(enum bpp_step s)
{
	switch (s) {
	case S_BPP_HDR:
	case S_ISC:
		return BppCommandId_initialiseSecureChannel;
	case S_A0_HDR:
	case S_A0:
		return BppCommandId_configureISDP;
	case S_A1_HDR:
	case S_A1:
		return BppCommandId_storeMetadata;
	case S_A2:
		return BppCommandId_replaceSessionKeys;
	default:
		return BppCommandId_loadProfileElements;
	}
}

static int set_fail(struct bpp_fail *f, long cmd, long reason)
{
	f->cmd = cmd;
	f->reason = reason;
	return 1;	/* "refused": a result follows */
}

/* The signed part of InitialiseSecureChannelRequest (SGP.22 5.5.1): its
 * data objects before smdpSign, as received, then the euiccOtpk DO. */
static int isc_signed_data(const uint8_t *tlv, size_t len, const uint8_t otpk[65],
			   struct sgp_buf *out)
{
	static const uint8_t otpk_hdr[3] = { 0x5F, 0x49, 0x41 };
	uint32_t tag;
	size_t hl, vl, off;
	int rc;

	if (tlv_header(tlv, len, &tag, &hl, &vl) != 1)
		return SGP_ERR_PARSE;
	for (off = hl; off < len;) {
		size_t h, v;
		if (tlv_header(tlv + off, len - off, &tag, &h, &v) != 1 || v > len - off - h)
			return SGP_ERR_PARSE;
		if (tag == 0x5F37)
			break;
		off += h + v;
	}
	rc = sgp_buf_set(out, tlv + hl, off - hl);
	if (rc == SGP_OK)
		rc = sgp_buf_append(out, otpk_hdr, 3);
	if (rc == SGP_OK)
		rc = sgp_buf_append(out, otpk, 65);
	return rc;
}

/* ES8+.InitialiseSecureChannel (SGP.22 5.5.1): check it, derive the
 * session keys (2.6.4, Annex G) and start the BSP. */
static int initialise_secure_channel(struct euicc *e, struct bpp_load *b, const uint8_t *tlv,
				     size_t len, struct bpp_fail *f)
{
	struct download_session *s = e->dl;
	InitialiseSecureChannelRequest_t *isc = NULL;
	ControlRefTemplate_t *crt;
	struct sgp_buf signed_data = SGP_BUF_INIT;
	struct sgp_key *peer = NULL;
	struct sgp_bsp_keys keys;
	uint8_t shs[SGP_ECKA_SHS_LEN];
	int rc;

	if (es10_decode(e, &asn_DEF_InitialiseSecureChannelRequest, tlv, len, (void **)&isc) < 0)
		return set_fail(f, 0, ErrorReason_incorrectInputValues);
	crt = &isc->controlRefTemplate;
	if (isc->remoteOpId != RemoteOpId_installBoundProfilePackage) {
		rc = set_fail(f, 0, ErrorReason_unsupportedRemoteOperationType);
	} else if ((size_t)isc->transactionId.size != s->transaction_id_len ||
		   memcmp(isc->transactionId.buf, s->transaction_id, s->transaction_id_len)) {
		rc = set_fail(f, 0, ErrorReason_invalidTransactionId);
	} else if (crt->keyType.buf[0] != SGP_BSP_KEY_TYPE_AES || crt->keyLen.buf[0] != SGP_BSP_KEY_LEN) {
		rc = set_fail(f, 0, ErrorReason_unsupportedCrtValues);
	} else if ((rc = isc_signed_data(tlv, len, s->otpk, &signed_data)) < 0) {
		rc = set_fail(f, 0, ErrorReason_incorrectInputValues);
	} else if (sgp_ecdsa_verify(s->dppb, signed_data.data, signed_data.len, isc->smdpSign.buf,
				    isc->smdpSign.size) != SGP_OK) {
		rc = set_fail(f, 0, ErrorReason_invalidSignature);
	} else if (sgp_key_import_point(s->curve, isc->smdpOtpk.buf, isc->smdpOtpk.size, &peer) < 0) {
		rc = set_fail(f, 0, ErrorReason_incorrectInputValues);
	} else {
		rc = sgp_ecka_shared_secret(s->otk, peer, shs);
		if (rc == SGP_OK)
			rc = sgp_bsp_derive_keys(shs, sizeof(shs), crt->keyType.buf[0], crt->keyLen.buf[0],
						 crt->hostId.buf, crt->hostId.size, e->eid_bcd,
						 sizeof(e->eid_bcd), &keys);
		OPENSSL_cleanse(shs, sizeof(shs));
		if (rc == SGP_OK) {
			sgp_bsp_init(&b->bsp, &keys);
			sgp_bsp_keys_wipe(&keys);
			/* otSK.EUICC.ECKA has served its one purpose (SGP.22 3.1.3.2) */
			sgp_key_free(s->otk);
			s->otk = NULL;
		}
	}
	sgp_key_free(peer);
	sgp_buf_free(&signed_data);
	ASN_STRUCT_FREE(asn_DEF_InitialiseSecureChannelRequest, isc);
	return rc;
}

/* ES8+.StoreMetadata (SGP.22 5.5.3, SGP.32 SGP32-StoreMetadataRequest). */
static int store_metadata(struct euicc *e, struct bpp_load *b, struct bpp_fail *f)
{
	SGP32_StoreMetadataRequest_t *m = NULL;
	struct euicc_profile existing;
	uint32_t n_profiles;
	int rc;

	if (es10_decode(e, &asn_DEF_SGP32_StoreMetadataRequest, b->plain.data, b->plain.len,
			(void **)&m) < 0)
		return set_fail(f, BppCommandId_storeMetadata, ErrorReason_incorrectInputValues);
	memcpy(b->iccid, m->iccid.buf, 10);
	b->profile_class = m->profileClass ? (int)*m->profileClass : ProfileClass_operational;
	b->ppr = m->profilePolicyRules ? bitstring_to_bits(m->profilePolicyRules) : 0;
	snprintf(b->spn, sizeof(b->spn), "%.*s", (int)m->serviceProviderName.size,
		 (const char *)m->serviceProviderName.buf);
	snprintf(b->name, sizeof(b->name), "%.*s", (int)m->profileName.size,
		 (const char *)m->profileName.buf);
	ASN_STRUCT_FREE(asn_DEF_SGP32_StoreMetadataRequest, m);
	if (b->profile_class < 0 || b->profile_class > 31 ||
	    !(euicc_info.profile_classes & (1u << b->profile_class)))
		return set_fail(f, BppCommandId_storeMetadata, ErrorReason_unsupportedProfileClass);
	if (b->ppr & euicc_info.forbidden_ppr)
		return set_fail(f, BppCommandId_storeMetadata, ErrorReason_pprNotAllowed);
	rc = euicc_profile_get(e, b->iccid, &existing);
	if (rc == SGP_OK) {
		euicc_profile_release(&existing);
		return set_fail(f, BppCommandId_storeMetadata,
				ErrorReason_installFailedDueToIccidAlreadyExistsOnEuicc);
	}
	if (rc != SGP_ERR_NOTFOUND)
		return rc;
	rc = euicc_memory_free(e, &b->nvm_free, &n_profiles);
	if (rc < 0)
		return rc;
	if (b->plain.len > b->nvm_free)
		return set_fail(f, BppCommandId_storeMetadata,
				ErrorReason_installFailedDueToInsufficientMemoryForProfile);
	return sgp_buf_set(&b->metadata, b->plain.data, b->plain.len);
}

/* ES8+.ReplaceSessionKeys (SGP.22 5.5.4). */
static int replace_session_keys(struct euicc *e, struct bpp_load *b, struct bpp_fail *f)
{
	ReplaceSessionKeysRequest_t *r = NULL;
	int rc = 0;

	if (es10_decode(e, &asn_DEF_ReplaceSessionKeysRequest, b->plain.data, b->plain.len,
			(void **)&r) < 0)
		return set_fail(f, BppCommandId_replaceSessionKeys, ErrorReason_incorrectInputValues);
	if (r->initialMacChainingValue.size != SGP_BSP_KEY_LEN || r->ppkEnc.size != SGP_BSP_KEY_LEN ||
	    r->ppkCmac.size != SGP_BSP_KEY_LEN)
		rc = set_fail(f, BppCommandId_replaceSessionKeys, ErrorReason_incorrectInputValues);
	else
		sgp_bsp_replace_session_keys(&b->bsp, r->ppkEnc.buf, r->ppkCmac.buf,
					     r->initialMacChainingValue.buf);
	ASN_STRUCT_FREE(asn_DEF_ReplaceSessionKeysRequest, r);
	return rc;
}

/* New profile elements arrived: parse them, check ICCID and memory. */
static int profile_elements(struct euicc *e, struct bpp_load *b, struct bpp_fail *f)
{
	bool had_header = b->pe.have_header;

	if (pe_parse(&b->pe, b->profile.data, b->profile.len) < 0) {
		LOGPE(e, LOGL_NOTICE, "profile elements: %s", b->pe.error);
		return set_fail(f, 5, ErrorReason_installFailedDueToPEProcessingError);
	}
	if (!had_header && b->pe.have_header) {
		/* The ProfileHeader holds the ICCID's digits in plain order (the
		 * GSMA Generic eUICC Test Profile: iccid '8900...'H), StoreMetadata
		 * an Iccid coded as in EF.ICCID (SGP.22: nibbles swapped). */
		uint8_t swapped[10];
		for (size_t i = 0; i < sizeof(swapped); i++)
			swapped[i] = (uint8_t)(b->pe.iccid[i] << 4 | b->pe.iccid[i] >> 4);
		if (memcmp(swapped, b->iccid, sizeof(swapped)) != 0) {
			LOGPE(e, LOGL_NOTICE, "ProfileHeader ICCID differs from StoreMetadata's");
			return set_fail(f, 5, ErrorReason_installFailedDueToDataMismatch);
		}
	}
	if (b->profile.len + b->metadata.len > b->nvm_free)
		return set_fail(f, 5, ErrorReason_installFailedDueToInsufficientMemoryForProfile);
	return 0;
}

/* A sequence is complete: run its ES8+ command, go on. */
static int sequence_done(struct euicc *e, struct bpp_load *b, struct bpp_fail *f)
{
	ConfigureISDPRequest_t *cfg = NULL;
	int rc = 0;

	switch (b->step) {
	case S_A0:
		/* dpProprietaryData is kept by no one: the ISD-P is created at install */
		if (es10_decode(e, &asn_DEF_ConfigureISDPRequest, b->plain.data, b->plain.len,
				(void **)&cfg) < 0)
			return set_fail(f, BppCommandId_configureISDP, ErrorReason_incorrectInputValues);
		ASN_STRUCT_FREE(asn_DEF_ConfigureISDPRequest, cfg);
		b->step = S_A1_HDR;
		break;
	case S_A1:
		rc = store_metadata(e, b, f);
		b->step = S_A2_A3_HDR;
		break;
	case S_A2:
		rc = replace_session_keys(e, b, f);
		b->step = S_A3_HDR;
		break;
	case S_A3:
		if (!pe_complete(&b->pe, b->profile.len)) {
			LOGPE(e, LOGL_NOTICE, "profile elements end without the End element");
			return set_fail(f, 5, ErrorReason_installFailedDueToPEProcessingError);
		}
		if (b->bpp_left != 0)
			return set_fail(f, 5, ErrorReason_scp03tStructureError);
		return 2;	/* complete */
	default:
		break;
	}
	sgp_buf_reset(&b->plain);
	return rc;
}

/* Sequence header tag and the segment tag inside, per step. */
static bool header_step(enum bpp_step s, uint32_t tag, enum bpp_step *next)
{
	switch (s) {
	case S_A0_HDR:
		*next = S_A0;
		return tag == 0xA0;
	case S_A1_HDR:
		*next = S_A1;
		return tag == 0xA1;
	case S_A2_A3_HDR:
		*next = tag == 0xA2 ? S_A2 : S_A3;
		return tag == 0xA2 || tag == 0xA3;
	case S_A3_HDR:
		*next = S_A3;
		return tag == 0xA3;
	default:
		return false;
	}
}

static uint8_t segment_tag(enum bpp_step s)
{
	return s == S_A1 ? SGP_BSP_TAG_MAC_ONLY : s == S_A3 ? SGP_BSP_TAG_PROFILE : SGP_BSP_TAG_COMMAND;
}

/* Consume the items of one command.  Returns 0 (more to come), 1 (failed,
 * f says why), 2 (the BPP is complete) or a negative sgp_err. */
static int bpp_feed(struct euicc *e, struct bpp_load *b, const uint8_t *p, size_t len,
		    struct bpp_fail *f)
{
	size_t off = 0;
	int rc = 0;

	while (rc == 0 && off < len) {
		const uint8_t *d = p + off;
		size_t left = len - off, hl, vl;
		uint32_t tag;
		enum bpp_step next;
		long cmd = step_command(b->step);
		int r = tlv_header(d, left, &tag, &hl, &vl);

		if (r != 1) {
			LOGPE(e, LOGL_NOTICE, "BPP: %s header at step %d", r ? "malformed" : "truncated",
			      b->step);
			return set_fail(f, cmd, ErrorReason_scp03tStructureError);
		}
		if (b->step == S_BPP_HDR) {
			if (tag != 0xBF36)
				return set_fail(f, cmd, ErrorReason_scp03tStructureError);
			b->bpp_left = vl;
			b->step = S_ISC;
			off += hl;
			continue;
		}
		if (hl > b->bpp_left)
			return set_fail(f, cmd, ErrorReason_scp03tStructureError);
		if (b->step == S_A0 || b->step == S_A1 || b->step == S_A2 || b->step == S_A3) {
			/* one whole segment of the current sequence */
			size_t seg = hl + vl;
			uint8_t st = segment_tag(b->step);
			struct sgp_buf *out = b->step == S_A3 ? &b->profile : &b->plain;

			if (tag != st || vl > left - hl || seg > b->seq_left) {
				LOGPE(e, LOGL_NOTICE, "BPP: segment %X of %zu bytes unexpected at step %d",
				      tag, seg, b->step);
				return set_fail(f, cmd, ErrorReason_scp03tStructureError);
			}
			r = sgp_bsp_unwrap(&b->bsp, st, d, seg, out);
			if (r < 0) {
				LOGPE(e, LOGL_NOTICE, "BPP: segment refused: %s",
				      sgp_bsp_reason_str(b->bsp.last_reason));
				return set_fail(f, cmd, r == SGP_ERR_VERIFY ? ErrorReason_scp03tSecurityError
									   : ErrorReason_scp03tStructureError);
			}
			off += seg;
			b->seq_left -= seg;
			b->bpp_left -= seg;
			if (b->step == S_A3)
				rc = profile_elements(e, b, f);
			if (rc == 0 && b->seq_left == 0)
				rc = sequence_done(e, b, f);
			continue;
		}
		if (b->step == S_ISC) {
			if (tag != 0xBF23 || vl > left - hl || hl + vl > b->bpp_left)
				return set_fail(f, cmd, ErrorReason_scp03tStructureError);
			rc = initialise_secure_channel(e, b, d, hl + vl, f);
			off += hl + vl;
			b->bpp_left -= hl + vl;
			b->step = S_A0_HDR;
			continue;
		}
		/* a sequence header */
		if (!header_step(b->step, tag, &next) || vl > b->bpp_left - hl) {
			LOGPE(e, LOGL_NOTICE, "BPP: tag %X unexpected at step %d", tag, b->step);
			return set_fail(f, cmd, ErrorReason_scp03tStructureError);
		}
		b->step = next;
		b->seq_left = vl;
		b->bpp_left -= hl;
		off += hl;
		if (vl == 0)
			rc = b->step == S_A3 || b->step == S_A1 || b->step == S_A0
				     ? set_fail(f, step_command(b->step), ErrorReason_scp03tStructureError)
				     : sequence_done(e, b, f);
	}
	if (rc == 0 && off < len)
		return set_fail(f, step_command(b->step), ErrorReason_scp03tStructureError);
	return rc;
}

/* Install the profile (one transaction with the result's notification). */
static int install(struct euicc *e, struct bpp_load *b, uint8_t aid[16], size_t *aid_len)
{
	struct euicc_profile p;
	int rc;

	memset(&p, 0, sizeof(p));
	memcpy(p.iccid, b->iccid, 10);
	rc = euicc_card_next_isdp_aid(e, aid, aid_len);
	if (rc < 0)
		return rc;
	memcpy(p.isdp_aid, aid, *aid_len);
	p.isdp_aid_len = *aid_len;
	p.state = EUICC_PROFILE_DISABLED;
	p.profile_class = b->profile_class;
	snprintf(p.service_provider_name, sizeof(p.service_provider_name), "%s", b->spn);
	snprintf(p.profile_name, sizeof(p.profile_name), "%s", b->name);
	p.ppr = b->ppr;
	p.metadata = b->metadata;	/* borrowed: euicc_profile_put only reads */
	p.package = b->profile;
	if (sgp_iccid_from_bcd(p.iccid, 10, p.iccid_text) < 0)
		p.iccid_text[0] = '\0';
	rc = euicc_profile_put(e, &p);
	if (rc == SGP_OK)
		LOGPE(e, LOGL_INFO, "profile %s installed", p.iccid_text);
	return rc;
}

/* Build, sign, store and answer the ProfileInstallationResult (SGP.22
 * 5.7.6); success when f is NULL. */
static int installation_result(struct euicc *e, struct bpp_load *b, const struct bpp_fail *f,
			       const uint8_t *aid, size_t aid_len, struct sgp_buf *resp)
{
	/* EUICCResponse of the TCA PE format with one PEStatus ok(0) (minimal) */
	static const uint8_t sima_ok[] = { 0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00 };
	struct download_session *s = e->dl;
	ProfileInstallationResult_t pir;
	ProfileInstallationResultData_t *d = &pir.profileInstallationResultData;
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error err = { 0 };
	bool has_iccid = b && b->metadata.len;
	uint8_t sig[64], event[4];
	Iccid_t iccid;
	uint32_t seq;
	int rc = euicc_card_next_seq(e, &seq);

	if (rc < 0)
		return rc;
	memset(&pir, 0, sizeof(pir));
	d->transactionId.buf = s->transaction_id;
	d->transactionId.size = s->transaction_id_len;
	d->notificationMetadata.seqNumber = seq;
	bits_to_bitstring(1u << NotificationEvent_notificationInstall, event,
			  &d->notificationMetadata.profileManagementOperation);
	d->notificationMetadata.notificationAddress.buf = (uint8_t *)s->server_address;
	d->notificationMetadata.notificationAddress.size = strlen(s->server_address);
	if (has_iccid) {
		iccid.buf = b->iccid;
		iccid.size = 10;
		d->notificationMetadata.iccid = &iccid;
	}
	d->smdpOid.buf = s->smdp_oid_pb.data;
	d->smdpOid.size = s->smdp_oid_pb.len;
	if (!f) {
		d->finalResult.present = ProfileInstallationResultData__finalResult_PR_successResult;
		d->finalResult.choice.successResult.aid.buf = (uint8_t *)aid;
		d->finalResult.choice.successResult.aid.size = aid_len;
		d->finalResult.choice.successResult.simaResponse.buf = (uint8_t *)sima_ok;
		d->finalResult.choice.successResult.simaResponse.size = sizeof(sima_ok);
	} else {
		d->finalResult.present = ProfileInstallationResultData__finalResult_PR_errorResult;
		d->finalResult.choice.errorResult.bppCommandId = f->cmd;
		d->finalResult.choice.errorResult.errorReason = f->reason;
	}
	rc = sgp_der_encode(&asn_DEF_ProfileInstallationResultData, d, &der, &err);
	if (rc == SGP_OK)
		rc = euicc_sign(e, der.data, der.len, sig);
	if (rc == SGP_OK) {
		pir.euiccSignPIR.buf = sig;
		pir.euiccSignPIR.size = 64;
		rc = es10_encode(e, &asn_DEF_ProfileInstallationResult, &pir, resp);
	}
	if (rc == SGP_OK)
		rc = euicc_notification_add(e, EUICC_NOTIF_PROFILE, NotificationEvent_notificationInstall,
					    s->server_address, has_iccid ? b->iccid : NULL, resp->data,
					    resp->len, seq);
	if (rc < 0 && err.msg[0])
		LOGPE(e, LOGL_ERROR, "ProfileInstallationResult: %s", err.msg);
	sgp_buf_free(&der);
	return rc;
}

/* ES10b.LoadBoundProfilePackage: one STORE DATA sequence of the BPP. */
int es10b_load_bpp(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	struct download_session *s = e->dl;
	struct bpp_fail f = { 0 };
	uint8_t aid[16];
	size_t aid_len = 0;
	int rc;

	if (!s || s->state != DL_PREPARED) {
		LOGPE(e, LOGL_NOTICE, "LoadBoundProfilePackage without a prepared download session");
		return SGP_ERR_STATE;
	}
	if (!s->bpp) {
		s->bpp = calloc(1, sizeof(*s->bpp));
		if (!s->bpp)
			return SGP_ERR_NOMEM;
		pe_parser_init(&s->bpp->pe);
		s->bpp->step = S_BPP_HDR;
	}
	rc = bpp_feed(e, s->bpp, cmd, len, &f);
	if (rc == 2)
		rc = install(e, s->bpp, aid, &aid_len);
	if (rc == SGP_OK && aid_len == 0)
		return SGP_OK;		/* not the last segment: no data */
	if (rc < 0) {
		/* an internal failure: the dispatcher rolls back; the session
		 * cannot go on with a half-consumed segment */
		download_session_end(e);
		return rc;
	}
	if (rc == 1)
		LOGPE(e, LOGL_NOTICE, "profile installation failed: bppCommandId %ld errorReason %ld",
		      f.cmd, f.reason);
	rc = installation_result(e, s->bpp, rc == 1 ? &f : NULL, aid, aid_len, resp);
	download_session_end(e);
	return rc;
}
