/* sgp32lab: the eUICC model — what the eUICC says about itself:
 * ES10b.GetEUICCInfo (SGP.22 v2.5 5.7.8) with EUICCInfo1 and the SGP.32
 * v1.2 EUICCInfo2 (SGP32-EUICCInfo2: ipaMode and iotSpecificInfo, which
 * SGP.32 makes mandatory), the values in one table, and the free memory
 * computed from the store. */
#include "sim/download_int.h"
#include "core/err.h"
#include "core/pki/pki.h"

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "EUICCInfo1.h"
#include "GetEuiccInfo1Request.h"
#include "GetEuiccInfo2Request.h"
#include "SGP32-EUICCInfo2.h"
#include "asn_SEQUENCE_OF.h"

#include <stdlib.h>
#include <string.h>

/* The eUICC's description: SGP.22 v2.5 / SGP.32 v1.2 values of a plausible
 * IoT eUICC.  Profile classes: test and operational; a provisioning
 * profile is refused with unsupportedProfileClass (lab choice).  PPR1 is
 * announced as forbidden and refused with pprNotAllowed (lab choice). */
const struct euicc_info_values euicc_info = {
	.profile_version = { 2, 3, 1 },		/* TCA eUICC Profile Package v2.3.1 */
	.svn = { 2, 5, 0 },			/* SGP.22 v2.5.0 */
	.firmware_ver = { 1, 0, 0 },
	.ts102241_version = { 9, 2, 0 },
	.gp_version = { 2, 3, 0 },
	.pp_version = { 1, 0, 0 },
	.iot_version = { 1, 2, 0 },		/* SGP.32 v1.2.0 */
	.uicc_capability = 1u << 1 | 1u << 2 | 1u << 4 | 1u << 6 | 1u << 19 | 1u << 20 |
			   1u << 22 | 1u << 23 | 1u << 24,
	.rsp_capability = 1u << 0 | 1u << 3,	/* additionalProfile, testProfileSupport */
	.forbidden_ppr = 1u << 1,		/* ppr1 */
	.profile_classes = 1u << 0 | 1u << 2,	/* test, operational */
	.euicc_category = 1,			/* basicEuicc */
	.sas_accreditation_number = "SGP32LAB-SAS-0001",
	.platform_label = "1.2.840.1234567/sgp32lab",
	.discovery_base_url = "https://dloa.sgp32lab.test/",
	.nvm_total = 512 * 1024,
	.volatile_free = 16 * 1024,
};

void bits_to_bitstring(uint32_t mask, uint8_t buf[4], BIT_STRING_t *bs)
{
	int hi = -1;

	memset(buf, 0, 4);
	for (int n = 0; n < 32; n++) {
		if (mask & (1u << n)) {
			buf[n / 8] |= (uint8_t)(0x80 >> (n % 8));
			hi = n;
		}
	}
	bs->buf = buf;
	bs->size = hi < 0 ? 0 : hi / 8 + 1;
	bs->bits_unused = hi < 0 ? 0 : 7 - hi % 8;
}

uint32_t bitstring_to_bits(const BIT_STRING_t *bs)
{
	uint32_t mask = 0;
	size_t nbits = bs->size * 8 - (bs->size ? (size_t)bs->bits_unused : 0);

	for (size_t n = 0; n < nbits && n < 32; n++)
		if (bs->buf[n / 8] & (0x80 >> (n % 8)))
			mask |= 1u << n;
	return mask;
}

int smdp_oid_of_cert(X509 *cert, struct sgp_buf *out)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int rc = SGP_ERR_NOTFOUND;

	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);

		if (gn->type == GEN_RID && OBJ_length(gn->d.rid) > 0) {
			rc = sgp_buf_set(out, OBJ_get0_data(gn->d.rid), OBJ_length(gn->d.rid));
			break;
		}
	}
	GENERAL_NAMES_free(names);
	return rc;
}

int euicc_memory_free(struct euicc *e, uint32_t *nvm_free, uint32_t *n_profiles)
{
	struct euicc_profile *p = NULL;
	size_t n = 0, used = 0;
	int rc = euicc_profile_list(e, &p, &n);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		used += p[i].metadata.len + p[i].package.len;
		euicc_profile_release(&p[i]);
	}
	free(p);
	*nvm_free = used >= euicc_info.nvm_total ? 0 : euicc_info.nvm_total - (uint32_t)used;
	*n_profiles = (uint32_t)n;
	return SGP_OK;
}

/* The CI PKIDs (SKIs of the trusted CIs): one list serves for verification
 * and for signing, since the eUICC's own chain ends in each of them. */
struct pkid_list {
	SubjectKeyIdentifier_t *v;
	struct sgp_buf *bufs;
	size_t n;
};

static void pkid_list_free(struct pkid_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		sgp_buf_free(&l->bufs[i]);
	free(l->bufs);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int pkid_list_build(struct euicc *e, struct pkid_list *l)
{
	memset(l, 0, sizeof(*l));
	l->v = calloc(e->n_ci, sizeof(*l->v));
	l->bufs = calloc(e->n_ci, sizeof(*l->bufs));
	if (!l->v || !l->bufs) {
		pkid_list_free(l);
		return SGP_ERR_NOMEM;
	}
	for (size_t i = 0; i < e->n_ci; i++) {
		int rc = sgp_pki_cert_ski(e->ci[i], &l->bufs[l->n]);
		if (rc == SGP_ERR_NOTFOUND)
			continue;	/* a CI without SKI cannot be named */
		if (rc < 0) {
			pkid_list_free(l);
			return rc;
		}
		l->v[l->n].buf = l->bufs[l->n].data;
		l->v[l->n].size = l->bufs[l->n].len;
		l->n++;
	}
	return SGP_OK;
}

/* Add the PKIDs to an asn1c SEQUENCE OF (elements borrowed from l). */
static int pkid_list_fill(const struct pkid_list *l, void *seq)
{
	for (size_t i = 0; i < l->n; i++)
		if (ASN_SEQUENCE_ADD(seq, &l->v[i]) != 0)
			return SGP_ERR_NOMEM;
	return SGP_OK;
}

static void seq_release(void *seq)
{
	asn_anonymous_sequence_ *s = seq;

	s->free = NULL;		/* elements are borrowed */
	asn_sequence_empty(s);
}

/* ES10b.GetEUICCInfo (SGP.22 5.7.8), EUICCInfo1. */
int es10b_get_euicc_info1(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	GetEuiccInfo1Request_t *req = NULL;
	EUICCInfo1_t info;
	struct pkid_list l;
	int rc = es10_decode(e, &asn_DEF_GetEuiccInfo1Request, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ASN_STRUCT_FREE(asn_DEF_GetEuiccInfo1Request, req);
	rc = pkid_list_build(e, &l);
	if (rc < 0)
		return rc;
	memset(&info, 0, sizeof(info));
	info.svn.buf = (uint8_t *)euicc_info.svn;
	info.svn.size = 3;
	rc = pkid_list_fill(&l, &info.euiccCiPKIdListForVerification.list);
	if (rc == SGP_OK)
		rc = pkid_list_fill(&l, &info.euiccCiPKIdListForSigning.list);
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_EUICCInfo1, &info, resp);
	seq_release(&info.euiccCiPKIdListForVerification.list);
	seq_release(&info.euiccCiPKIdListForSigning.list);
	pkid_list_free(&l);
	return rc;
}

/* Minimal big-endian bytes of v (at least one) after tag: TS 102 226 TLV. */
static int append_resource(struct sgp_buf *b, uint8_t tag, uint32_t v)
{
	uint8_t t[6];
	size_t n = 1;

	while (n < 4 && (v >> (8 * n)))
		n++;
	t[0] = tag;
	t[1] = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		t[2 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return sgp_buf_append(b, t, 2 + n);
}

/* The SGP32-EUICCInfo2 of this eUICC, DER in out (SGP.32 v1.2 5.9.x,
 * SGP.22 5.7.8).  extCardResource (ETSI TS 102 226 8.2.1.7.2): '81'
 * installed applications (the profiles), '82' free non-volatile memory,
 * '83' free volatile memory. */
int euicc_info2_build(struct euicc *e, struct sgp_buf *out)
{
	const struct euicc_info_values *v = &euicc_info;
	SGP32_EUICCInfo2_t info;
	IoTSpecificInfo_t iot;
	CertificationDataObject_t cdo;
	VersionType_t iot_version;
	NULL_t fallback = 0;
	IpaMode_t ipa_mode = IpaMode_ipad;
	long category = v->euicc_category;
	uint8_t uicc_cap[4], rsp_cap[4], ppr[4];
	struct sgp_buf ext = SGP_BUF_INIT;
	struct pkid_list l;
	uint32_t nvm_free, n_profiles;
	int rc = euicc_memory_free(e, &nvm_free, &n_profiles);

	if (rc == SGP_OK)
		rc = append_resource(&ext, 0x81, n_profiles);
	if (rc == SGP_OK)
		rc = append_resource(&ext, 0x82, nvm_free);
	if (rc == SGP_OK)
		rc = append_resource(&ext, 0x83, v->volatile_free);
	if (rc == SGP_OK)
		rc = pkid_list_build(e, &l);
	if (rc < 0) {
		sgp_buf_free(&ext);
		return rc;
	}
	memset(&info, 0, sizeof(info));
	memset(&iot, 0, sizeof(iot));
	memset(&cdo, 0, sizeof(cdo));
#define VT(field, src) do { (field).buf = (uint8_t *)(src); (field).size = 3; } while (0)
	VT(info.profileVersion, v->profile_version);
	VT(info.svn, v->svn);
	VT(info.euiccFirmwareVer, v->firmware_ver);
	VT(info.ppVersion, v->pp_version);
	VT(iot_version, v->iot_version);
	info.ts102241Version = &(VersionType_t){ .buf = (uint8_t *)v->ts102241_version, .size = 3 };
	info.globalplatformVersion = &(VersionType_t){ .buf = (uint8_t *)v->gp_version, .size = 3 };
#undef VT
	info.extCardResource.buf = ext.data;
	info.extCardResource.size = ext.len;
	bits_to_bitstring(v->uicc_capability, uicc_cap, &info.uiccCapability);
	bits_to_bitstring(v->rsp_capability, rsp_cap, &info.rspCapability);
	info.euiccCategory = &category;
	info.forbiddenProfilePolicyRules = &(PprIds_t){ 0 };
	bits_to_bitstring(v->forbidden_ppr, ppr, info.forbiddenProfilePolicyRules);
	info.sasAcreditationNumber.buf = (uint8_t *)v->sas_accreditation_number;
	info.sasAcreditationNumber.size = strlen(v->sas_accreditation_number);
	cdo.platformLabel.buf = (uint8_t *)v->platform_label;
	cdo.platformLabel.size = strlen(v->platform_label);
	cdo.discoveryBaseURL.buf = (uint8_t *)v->discovery_base_url;
	cdo.discoveryBaseURL.size = strlen(v->discovery_base_url);
	info.certificationDataObject = &cdo;
	info.ipaMode = &ipa_mode;
	iot.fallbackSupported = &fallback;
	info.iotSpecificInfo = &iot;
	rc = ASN_SEQUENCE_ADD(&iot.iotVersion.list, &iot_version) ? SGP_ERR_NOMEM : SGP_OK;
	if (rc == SGP_OK)
		rc = pkid_list_fill(&l, &info.euiccCiPKIdListForVerification.list);
	if (rc == SGP_OK)
		rc = pkid_list_fill(&l, &info.euiccCiPKIdListForSigning.list);
	if (rc == SGP_OK)
		rc = es10_encode(e, &asn_DEF_SGP32_EUICCInfo2, &info, out);
	seq_release(&iot.iotVersion.list);
	seq_release(&info.euiccCiPKIdListForVerification.list);
	seq_release(&info.euiccCiPKIdListForSigning.list);
	pkid_list_free(&l);
	sgp_buf_free(&ext);
	return rc;
}

/* ES10b.GetEUICCInfo (SGP.22 5.7.8), EUICCInfo2 in the SGP.32 form. */
int es10b_get_euicc_info2(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	GetEuiccInfo2Request_t *req = NULL;
	int rc = es10_decode(e, &asn_DEF_GetEuiccInfo2Request, cmd, len, (void **)&req);

	if (rc < 0)
		return rc;
	ASN_STRUCT_FREE(asn_DEF_GetEuiccInfo2Request, req);
	return euicc_info2_build(e, resp);
}

