/* sgp32lab: SM-DP+ — the Unprotected Profile Package (UPP, SGP.22 v2.5
 * section 2.5.2): a sequence of DER ProfileElements of the TCA eUICC
 * Profile Package interoperable format (asn1/tca-pe.asn).
 *
 * smdp_upp_build() makes a minimal profile from an ICCID and an IMSI:
 *   header        ProfileHeader: version 2.3, profileType, iccid (the
 *                 digits in order as BCD, 'F'-padded: "8944..." -> 89 44 ..,
 *                 as pySim's saip writes and reads it; not the swapped
 *                 form of EF ICCID and of the Iccid type),
 *                 eUICC-Mandatory-services {usim, milenage},
 *                 eUICC-Mandatory-GFSTEList {MF and USIM templates}
 *   mf            PE-MF on template 2.23.143.1.2.1: the template's files,
 *                 EF ICCID filled with the ICCID (swapped BCD, as Iccid)
 *   usim          PE-USIM on template 2.23.143.1.2.4.2: ADF USIM named by
 *                 the USIM AID, EF IMSI filled from the IMSI
 *                 (TS 31.102 4.2.2), EF ACC with the access class of the
 *                 IMSI's last digit, the other mandatory files as in the
 *                 template
 *   akaParameter  PE-AKAParameter: Milenage with Ki and OPc (random unless
 *                 given), the template's constants and SQN options
 *   end           PE-End
 * This is the smallest package that has every mandatory field of the real
 * types; a real card would also want PIN/PUK codes and a security domain,
 * which an imported package can bring (smdp_upp_parse() accepts them).
 *
 * smdp_upp_parse() checks a user's package: DER profile elements one after
 * the other, the first a ProfileHeader, the last a PE-End, exactly one of
 * each; the elements modelled in asn1/tca-pe.asn are decoded strictly, the
 * others (tags of the ProfileElement CHOICE not modelled here, e.g. pinCodes
 * 'A2', securityDomain 'A6', application 'A8') are checked as DER TLVs only. */
#ifndef SGP_SMDP_UPP_H
#define SGP_SMDP_UPP_H

#include "core/buf.h"
#include "core/ids.h"

#include <stddef.h>
#include <stdint.h>

#define SMDP_UPP_KEY_LEN 16

struct smdp_upp_params {
	const char *iccid;		/* 18 to 20 digits */
	const char *imsi;		/* 6 to 15 digits */
	const char *profile_type;	/* ProfileHeader.profileType, NULL: none */
	const uint8_t *ki;		/* 16 bytes, NULL: random */
	const uint8_t *opc;		/* 16 bytes, NULL: random */
};

/* ProfileHeader.iccid (plain BCD) <-> Iccid (swapped BCD): swap the
 * nibbles of each byte; the same operation both ways. */
void smdp_upp_iccid_swap(const uint8_t in[SGP_ICCID_BCD_LEN], uint8_t out[SGP_ICCID_BCD_LEN]);

/* Build the UPP into out (replaced).  SGP_ERR_INVAL on a bad ICCID/IMSI. */
int smdp_upp_build(const struct smdp_upp_params *p, struct sgp_buf *out);

struct smdp_upp_info {
	uint8_t iccid[SGP_ICCID_BCD_LEN];	/* as Iccid (swapped BCD) */
	char iccid_text[SGP_ICCID_MAX_DIGITS + 1];
	long major_version, minor_version;
	size_t n_pe;				/* profile elements, header and end included */
};

/* Check a UPP (exactly len bytes) and read its header.  SGP_ERR_PARSE on
 * anything that is not such a package (the reason is logged). */
int smdp_upp_parse(const uint8_t *upp, size_t len, struct smdp_upp_info *info);
/* Read a UPP file (at most DER_MAX_INPUT bytes) and check it. */
int smdp_upp_load_file(const char *path, struct sgp_buf *out, struct smdp_upp_info *info);

/* Offsets of the profile elements of a checked UPP, for callers that cut
 * the package at PE boundaries (smdp/bpp.c): *ends[i] is the end of the
 * i-th PE.  *ends is allocated (free()). */
int smdp_upp_pe_ends(const uint8_t *upp, size_t len, size_t **ends, size_t *n);

#endif
