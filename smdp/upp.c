/* sgp32lab: SM-DP+ — building and checking Unprotected Profile Packages
 * (SGP.22 v2.5 section 2.5.2; TCA eUICC Profile Package interoperable
 * format, the profile elements of asn1/tca-pe.asn).  What goes into the
 * minimal profile is described in upp.h. */
#include "smdp/upp.h"
#include "core/crypto/random.h"
#include "core/der/bpp_split.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/log.h"

#include "ProfileElement.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TCA template OIDs (2.23.143.1.2.x): MF and ADF USIM (version 2) */
static const unsigned oid_mf[] = { 2, 23, 143, 1, 2, 1 };
static const unsigned oid_usim[] = { 2, 23, 143, 1, 2, 4, 2 };
/* The USIM AID: RID A000000087, PIX 1002 (3GPP USIM) FF FF FF FF 89 07 09 00 00 */
static const uint8_t usim_aid[] = { 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xFF,
				    0xFF, 0xFF, 0xFF, 0x89, 0x07, 0x09, 0x00, 0x00 };

/* PE identification numbers of the minimal profile */
enum { ID_MF = 1, ID_USIM, ID_AKA, ID_END };

void smdp_upp_iccid_swap(const uint8_t in[SGP_ICCID_BCD_LEN], uint8_t out[SGP_ICCID_BCD_LEN])
{
	for (size_t i = 0; i < SGP_ICCID_BCD_LEN; i++)
		out[i] = (uint8_t)(in[i] << 4 | in[i] >> 4);
}

static int set_oid(OBJECT_IDENTIFIER_t *oid, const unsigned *arcs, size_t n)
{
	return OBJECT_IDENTIFIER_set_arcs(oid, arcs, sizeof(arcs[0]), (unsigned)n) ?
	       SGP_ERR_NOMEM : SGP_OK;
}

static int set_octets(OCTET_STRING_t *s, const uint8_t *data, size_t len)
{
	return OCTET_STRING_fromBuf(s, (const char *)data, (int)len) ? SGP_ERR_NOMEM : SGP_OK;
}

/* Add a fillFileContent to a File (the content from offset 0). */
static int file_fill(File_t *f, const uint8_t *data, size_t len)
{
	struct File__Member *m = calloc(1, sizeof(*m));

	if (!m)
		return SGP_ERR_NOMEM;
	m->present = File__Member_PR_fillFileContent;
	if (set_octets(&m->choice.fillFileContent, data, len) ||
	    ASN_SEQUENCE_ADD(&f->list, m)) {
		OCTET_STRING_free(&asn_DEF_OCTET_STRING, &m->choice.fillFileContent, 1);
		free(m);
		return SGP_ERR_NOMEM;
	}
	return SGP_OK;
}

/* Add an FCP that names an ADF (dfName) to a File. */
static int file_dfname(File_t *f, const uint8_t *aid, size_t len)
{
	struct File__Member *m = calloc(1, sizeof(*m));

	if (!m)
		return SGP_ERR_NOMEM;
	m->present = File__Member_PR_fileDescriptor;
	m->choice.fileDescriptor.dfName = OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING,
								   (const char *)aid, (int)len);
	if (!m->choice.fileDescriptor.dfName || ASN_SEQUENCE_ADD(&f->list, m)) {
		if (m->choice.fileDescriptor.dfName)
			OCTET_STRING_free(&asn_DEF_OCTET_STRING, m->choice.fileDescriptor.dfName, 0);
		free(m);
		return SGP_ERR_NOMEM;
	}
	return SGP_OK;
}

/* Encode one PE and append it to out; pe is freed. */
static int emit(ProfileElement_t *pe, struct sgp_buf *out)
{
	struct sgp_buf tmp = SGP_BUF_INIT;
	struct der_error err;
	int rc = sgp_der_encode(&asn_DEF_ProfileElement, pe, &tmp, &err);

	if (rc)
		LOGP(DSMDP, LOGL_ERROR, "UPP: encoding a profile element: %s", err.msg);
	else
		rc = sgp_buf_append(out, tmp.data, tmp.len);
	sgp_buf_free_secure(&tmp);
	ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
	return rc;
}

static ProfileElement_t *new_pe(ProfileElement_PR kind)
{
	ProfileElement_t *pe = calloc(1, sizeof(*pe));

	if (pe)
		pe->present = kind;
	return pe;
}

static int pe_header(const struct smdp_upp_params *p, const uint8_t iccid_plain[10],
		     struct sgp_buf *out)
{
	ProfileElement_t *pe = new_pe(ProfileElement_PR_header);
	ProfileHeader_t *h;
	OBJECT_IDENTIFIER_t *oid;
	int rc = SGP_ERR_NOMEM;

	if (!pe)
		return SGP_ERR_NOMEM;
	h = &pe->choice.header;
	h->major_version = 2;
	h->minor_version = 3;
	if (p->profile_type) {
		h->profileType = OCTET_STRING_new_fromBuf(&asn_DEF_UTF8String, p->profile_type, -1);
		if (!h->profileType)
			goto fail;
	}
	if (set_octets(&h->iccid, iccid_plain, SGP_ICCID_BCD_LEN))
		goto fail;
	h->eUICC_Mandatory_services.usim = calloc(1, sizeof(NULL_t));
	h->eUICC_Mandatory_services.milenage = calloc(1, sizeof(NULL_t));
	if (!h->eUICC_Mandatory_services.usim || !h->eUICC_Mandatory_services.milenage)
		goto fail;
	/* the templates this profile uses */
	for (int i = 0; i < 2; i++) {
		oid = calloc(1, sizeof(*oid));
		if (!oid)
			goto fail;
		if ((i ? set_oid(oid, oid_usim, 7) : set_oid(oid, oid_mf, 6)) ||
		    ASN_SEQUENCE_ADD(&h->eUICC_Mandatory_GFSTEList.list, oid)) {
			ASN_STRUCT_FREE(asn_DEF_OBJECT_IDENTIFIER, oid);
			goto fail;
		}
	}
	return emit(pe, out);
fail:
	ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
	return rc;
}

static int pe_mf(const uint8_t iccid_swapped[10], struct sgp_buf *out)
{
	ProfileElement_t *pe = new_pe(ProfileElement_PR_mf);
	PE_MF_t *mf;

	if (!pe)
		return SGP_ERR_NOMEM;
	mf = &pe->choice.mf;
	mf->mf_header.identification = ID_MF;
	/* mf, ef-dir, ef-arr: empty File, i.e. created as the template says */
	if (set_oid(&mf->templateID, oid_mf, 6) ||
	    file_fill(&mf->ef_iccid, iccid_swapped, SGP_ICCID_BCD_LEN)) {
		ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
		return SGP_ERR_NOMEM;
	}
	return emit(pe, out);
}

/* EF IMSI (TS 31.102 4.2.2): length, then the digits as BCD after a
 * first nibble of 1001 (odd number of digits) or 0001 (even), 'F' padding
 * to 9 bytes. */
static int imsi_encode(const char *imsi, uint8_t ef[9])
{
	size_t n = strlen(imsi), nib = 0;
	uint8_t nibbles[16];

	if (n < 6 || n > 15)
		return SGP_ERR_INVAL;
	nibbles[nib++] = n % 2 ? 0x9 : 0x1;
	for (size_t i = 0; i < n; i++) {
		if (imsi[i] < '0' || imsi[i] > '9')
			return SGP_ERR_INVAL;
		nibbles[nib++] = (uint8_t)(imsi[i] - '0');
	}
	if (nib % 2)
		nibbles[nib++] = 0xF;
	memset(ef, 0xFF, 9);
	ef[0] = (uint8_t)(nib / 2);
	for (size_t i = 0; i < nib; i += 2)
		ef[1 + i / 2] = (uint8_t)(nibbles[i + 1] << 4 | nibbles[i]);
	return SGP_OK;
}

static int pe_usim(const char *imsi, struct sgp_buf *out)
{
	ProfileElement_t *pe;
	PE_USIM_t *u;
	uint8_t ef_imsi[9], ef_acc[2];
	unsigned acc;
	int rc = imsi_encode(imsi, ef_imsi);

	if (rc) {
		LOGP(DSMDP, LOGL_NOTICE, "UPP: IMSI must be 6 to 15 digits");
		return rc;
	}
	/* access class 0-9 from the last digit (TS 22.011 4.2) */
	acc = 1u << (imsi[strlen(imsi) - 1] - '0');
	ef_acc[0] = (uint8_t)(acc >> 8);
	ef_acc[1] = (uint8_t)acc;
	pe = new_pe(ProfileElement_PR_usim);
	if (!pe)
		return SGP_ERR_NOMEM;
	u = &pe->choice.usim;
	u->usim_header.identification = ID_USIM;
	if (set_oid(&u->templateID, oid_usim, 7) ||
	    file_dfname(&u->adf_usim, usim_aid, sizeof(usim_aid)) ||
	    file_fill(&u->ef_imsi, ef_imsi, sizeof(ef_imsi)) ||
	    file_fill(&u->ef_acc, ef_acc, sizeof(ef_acc))) {
		ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
		return SGP_ERR_NOMEM;
	}
	return emit(pe, out);
}

static int pe_aka(const struct smdp_upp_params *p, struct sgp_buf *out)
{
	ProfileElement_t *pe;
	AlgoParameter_t *a;
	uint8_t ki[SMDP_UPP_KEY_LEN], opc[SMDP_UPP_KEY_LEN];
	static const uint8_t options = 0x00;
	int rc = SGP_OK;

	if (p->ki)
		memcpy(ki, p->ki, sizeof(ki));
	else
		rc = sgp_random_bytes(ki, sizeof(ki));
	if (!rc && p->opc)
		memcpy(opc, p->opc, sizeof(opc));
	else if (!rc)
		rc = sgp_random_bytes(opc, sizeof(opc));
	if (rc)
		goto out;
	pe = new_pe(ProfileElement_PR_akaParameter);
	if (!pe) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	pe->choice.akaParameter.aka_header.identification = ID_AKA;
	pe->choice.akaParameter.algoConfiguration.present =
		PE_AKAParameter__algoConfiguration_PR_algoParameter;
	a = &pe->choice.akaParameter.algoConfiguration.choice.algoParameter;
	a->algorithmID = AlgoParameter__algorithmID_milenage;
	if (set_octets(&a->algorithmOptions, &options, 1) || set_octets(&a->key, ki, sizeof(ki)) ||
	    set_octets(&a->opc, opc, sizeof(opc))) {
		ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	rc = emit(pe, out);
out:
	OPENSSL_cleanse(ki, sizeof(ki));
	OPENSSL_cleanse(opc, sizeof(opc));
	return rc;
}

static int pe_end(struct sgp_buf *out)
{
	ProfileElement_t *pe = new_pe(ProfileElement_PR_end);

	if (!pe)
		return SGP_ERR_NOMEM;
	pe->choice.end.end_header.identification = ID_END;
	return emit(pe, out);
}

int smdp_upp_build(const struct smdp_upp_params *p, struct sgp_buf *out)
{
	uint8_t iccid_sw[SGP_ICCID_BCD_LEN], iccid_plain[SGP_ICCID_BCD_LEN];
	int rc;

	if (!p || !p->iccid || !p->imsi || !out)
		return SGP_ERR_INVAL;
	if (sgp_iccid_to_bcd(p->iccid, iccid_sw)) {
		LOGP(DSMDP, LOGL_NOTICE, "UPP: ICCID must be 18 to 20 digits");
		return SGP_ERR_INVAL;
	}
	smdp_upp_iccid_swap(iccid_sw, iccid_plain);
	sgp_buf_reset(out);
	rc = pe_header(p, iccid_plain, out);
	if (!rc)
		rc = pe_mf(iccid_sw, out);
	if (!rc)
		rc = pe_usim(p->imsi, out);
	if (!rc)
		rc = pe_aka(p, out);
	if (!rc)
		rc = pe_end(out);
	if (rc)
		sgp_buf_free_secure(out);
	return rc;
}

/* --- checking a package --- */

/* Tags of the ProfileElement alternatives modelled in asn1/tca-pe.asn */
static bool modelled(uint32_t tag)
{
	return tag == 0xA0 || tag == 0xA4 || tag == 0xAA || tag == 0xB0 || tag == 0xB3;
}

/* A ProfileElement tag: context-specific, constructed. */
static bool pe_tag(uint32_t tag)
{
	if (tag <= 0xFF)
		return (tag & 0xE0) == 0xA0 && (tag & 0x1F) != 0x1F;
	return (tag >> 8 == 0xBF) || (tag >> 16 == 0xBF);
}

static int walk(const uint8_t *upp, size_t len, struct smdp_upp_info *info, size_t *ends,
		size_t *n_ends)
{
	size_t off = 0, n = 0;
	bool header = false, end = false;
	int rc;

	if (!upp || !len) {
		LOGP(DSMDP, LOGL_NOTICE, "UPP: empty");
		return SGP_ERR_PARSE;
	}
	if (len > DER_MAX_INPUT)
		return SGP_ERR_TOOBIG;
	while (off < len) {
		struct der_error err;
		ProfileElement_t *pe = NULL;
		uint32_t tag;
		size_t h, v;

		if (sgp_der_tlv_header(upp + off, len - off, &tag, &h, &v) || !pe_tag(tag)) {
			LOGP(DSMDP, LOGL_NOTICE, "UPP: no profile element at offset %zu", off);
			return SGP_ERR_PARSE;
		}
		if (end) {
			LOGP(DSMDP, LOGL_NOTICE, "UPP: profile element after PE-End (offset %zu)", off);
			return SGP_ERR_PARSE;
		}
		if ((n == 0) != (tag == 0xA0)) {
			LOGP(DSMDP, LOGL_NOTICE, "UPP: the ProfileHeader must come first, once");
			return SGP_ERR_PARSE;
		}
		rc = sgp_der_check_tlv(upp + off, h + v, &err);
		if (rc) {
			LOGP(DSMDP, LOGL_NOTICE, "UPP: PE %zu: %s", n, err.msg);
			return SGP_ERR_PARSE;
		}
		if (modelled(tag)) {
			rc = sgp_der_decode(&asn_DEF_ProfileElement, upp + off, h + v, (void **)&pe,
					    &err);
			if (rc) {
				LOGP(DSMDP, LOGL_NOTICE, "UPP: PE %zu (offset %zu): %s", n, off,
				     err.msg);
				return rc == SGP_ERR_NOMEM ? rc : SGP_ERR_PARSE;
			}
			if (pe->present == ProfileElement_PR_header) {
				ProfileHeader_t *ph = &pe->choice.header;
				uint8_t sw[SGP_ICCID_BCD_LEN];

				smdp_upp_iccid_swap(ph->iccid.buf, sw);
				if (sgp_iccid_from_bcd(sw, sizeof(sw), info->iccid_text)) {
					LOGP(DSMDP, LOGL_NOTICE, "UPP: ProfileHeader.iccid is not BCD");
					ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
					return SGP_ERR_PARSE;
				}
				memcpy(info->iccid, sw, sizeof(sw));
				info->major_version = ph->major_version;
				info->minor_version = ph->minor_version;
				header = true;
			} else if (pe->present == ProfileElement_PR_end) {
				end = true;
			}
			ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
		}
		off += h + v;
		if (ends)
			ends[n] = off;
		n++;
	}
	if (!header || !end) {
		LOGP(DSMDP, LOGL_NOTICE, "UPP: %s missing", header ? "PE-End" : "ProfileHeader");
		return SGP_ERR_PARSE;
	}
	info->n_pe = n;
	if (n_ends)
		*n_ends = n;
	return SGP_OK;
}

int smdp_upp_parse(const uint8_t *upp, size_t len, struct smdp_upp_info *info)
{
	struct smdp_upp_info tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = walk(upp, len, &tmp, NULL, NULL);
	if (!rc && info)
		*info = tmp;
	return rc;
}

int smdp_upp_pe_ends(const uint8_t *upp, size_t len, size_t **ends, size_t *n)
{
	struct smdp_upp_info info;
	size_t *e;
	int rc;

	if (!ends || !n)
		return SGP_ERR_INVAL;
	*ends = NULL;
	*n = 0;
	rc = smdp_upp_parse(upp, len, &info);
	if (rc)
		return rc;
	e = calloc(info.n_pe, sizeof(*e));
	if (!e)
		return SGP_ERR_NOMEM;
	rc = walk(upp, len, &info, e, n);
	if (rc) {
		free(e);
		return rc;
	}
	*ends = e;
	return SGP_OK;
}

int smdp_upp_load_file(const char *path, struct sgp_buf *out, struct smdp_upp_info *info)
{
	uint8_t chunk[4096];
	FILE *f;
	size_t r;
	int rc = SGP_OK;

	if (!path || !out)
		return SGP_ERR_INVAL;
	f = fopen(path, "rb");
	if (!f) {
		LOGP(DSMDP, LOGL_NOTICE, "UPP: cannot open %s", path);
		return SGP_ERR_IO;
	}
	sgp_buf_reset(out);
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + r > DER_MAX_INPUT) {
			rc = SGP_ERR_TOOBIG;
			break;
		}
		rc = sgp_buf_append(out, chunk, r);
		if (rc)
			break;
	}
	if (!rc && ferror(f))
		rc = SGP_ERR_IO;
	fclose(f);
	if (!rc)
		rc = smdp_upp_parse(out->data, out->len, info);
	if (rc)
		sgp_buf_free(out);
	return rc;
}
