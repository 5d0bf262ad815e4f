/* sgp32lab: certificate profiles of the RSP roles, their names, and the EID
 * check digits.
 *
 * Profiles follow SGP.22 v2.5 section 4.5.2.1 and the GSMA SGP.26 test
 * certificates: policy OIDs id-rspRole-* (RSPDefinitions: id-rspRole
 * 2.23.146.1.2.1), critical keyUsage, basicConstraints only on CAs (EUM with
 * pathLenConstraint 0), registeredID SANs as in SGP.26 (2.999.x example
 * OIDs), TLS certificates with serverAuth+clientAuth and DNS names.
 * SGP.32 v1.2 gives the eIM no role OID and leaves the issuer of its
 * certificates open; the lab lets its CI issue them under example OIDs
 * 2.999.32.1 (signing) and 2.999.32.2 (TLS); the IPA's push listener
 * (SGP.32 6.3.2 injectHttps) gets a TLS certificate under 2.999.32.3. */
#include "core/pki/pki_internal.h"
#include "core/err.h"

#include <openssl/rand.h>
#include <string.h>
#include <strings.h>

#define TLS_DAYS 398	/* SGP.26 TLS certificates: 398 days */

const struct pki_profile pki_profiles[SGP_PKI_ROLE_COUNT] = {
	[SGP_PKI_ROLE_CI] = { "ci", "2.23.146.1.2.1.0", true, true, -1,
		"critical,keyCertSign,cRLSign", false, "2.999.1", "Test CI", NULL, 35 * 365 + 9 },
	[SGP_PKI_ROLE_EUM] = { "eum", "2.23.146.1.2.1.2", true, true, 0,
		"critical,keyCertSign", false, "2.999.5", "EUM Test", NULL, 34 * 365 + 8 },
	[SGP_PKI_ROLE_EUICC] = { "euicc", "2.23.146.1.2.1.1", true, false, -1,
		"critical,digitalSignature", false, NULL, "Test eUICC", NULL, 0 },
	[SGP_PKI_ROLE_DPAUTH] = { "dpauth", "2.23.146.1.2.1.4", true, false, -1,
		"critical,digitalSignature", false, "2.999.10", "TEST SM-DP+", NULL, 3650 },
	[SGP_PKI_ROLE_DPPB] = { "dppb", "2.23.146.1.2.1.5", true, false, -1,
		"critical,digitalSignature", false, "2.999.10", "TEST SM-DP+", NULL, 3650 },
	[SGP_PKI_ROLE_DPTLS] = { "dptls", "2.23.146.1.2.1.3", false, false, -1,
		"critical,digitalSignature", true, "2.999.10", "smdp.sgp32lab.test",
		"smdp.sgp32lab.test", TLS_DAYS },
	[SGP_PKI_ROLE_DSAUTH] = { "dsauth", "2.23.146.1.2.1.7", true, false, -1,
		"critical,digitalSignature", false, "2.999.15", "TEST SM-DS", NULL, 3650 },
	[SGP_PKI_ROLE_DSTLS] = { "dstls", "2.23.146.1.2.1.6", false, false, -1,
		"critical,digitalSignature", true, "2.999.15", "smds.sgp32lab.test",
		"smds.sgp32lab.test", TLS_DAYS },
	[SGP_PKI_ROLE_EIM] = { "eim", "2.999.32.1", true, false, -1,
		"critical,digitalSignature", false, "2.999.32", "TEST eIM", NULL, 3650 },
	[SGP_PKI_ROLE_EIMTLS] = { "eimtls", "2.999.32.2", false, false, -1,
		"critical,digitalSignature", true, "2.999.32", "eim.sgp32lab.test",
		"eim.sgp32lab.test", TLS_DAYS },
	[SGP_PKI_ROLE_IPATLS] = { "ipatls", "2.999.32.3", false, false, -1,
		"critical,digitalSignature", true, "2.999.32", "ipa.sgp32lab.test",
		"ipa.sgp32lab.test", TLS_DAYS },
};

static const char *const result_str[SGP_PKI_RESULT_COUNT] = {
	[SGP_PKI_OK] = "ok",
	[SGP_PKI_MALFORMED] = "malformed certificate",
	[SGP_PKI_UNKNOWN_CI] = "unknown CI",
	[SGP_PKI_UNKNOWN_ISSUER] = "issuer key identifier does not match the issuer",
	[SGP_PKI_BAD_SIGNATURE] = "bad signature",
	[SGP_PKI_ISSUER_MISMATCH] = "issuer name does not match the issuer",
	[SGP_PKI_EXPIRED] = "expired",
	[SGP_PKI_NOT_YET_VALID] = "not yet valid",
	[SGP_PKI_WRONG_ROLE] = "wrong role (certificate policy)",
	[SGP_PKI_BAD_KEY_USAGE] = "bad key usage",
	[SGP_PKI_BAD_BASIC_CONSTRAINTS] = "bad basic constraints",
	[SGP_PKI_BAD_KEY] = "unsupported public key",
	[SGP_PKI_EID_INVALID] = "invalid EID",
	[SGP_PKI_EID_OUTSIDE_EUM] = "EID outside the EUM's name constraints",
	[SGP_PKI_EID_MISMATCH] = "EID does not match the expected EID",
	[SGP_PKI_NO_EUM] = "no EUM certificate for the eUICC certificate",
};

const char *sgp_pki_result_str(enum sgp_pki_result r)
{
	if ((unsigned)r >= SGP_PKI_RESULT_COUNT)
		return "unknown result";
	return result_str[r];
}

const char *sgp_pki_role_name(enum sgp_pki_role role)
{
	if ((unsigned)role >= SGP_PKI_ROLE_COUNT)
		return "?";
	return pki_profiles[role].name;
}

int sgp_pki_role_parse(const char *name)
{
	for (int i = 0; i < SGP_PKI_ROLE_COUNT; i++)
		if (name && strcasecmp(name, pki_profiles[i].name) == 0)
			return i;
	return -1;
}

const char *sgp_pki_role_policy_oid(enum sgp_pki_role role)
{
	if ((unsigned)role >= SGP_PKI_ROLE_COUNT)
		return NULL;
	return pki_profiles[role].policy;
}

const char *sgp_pki_curve_name(enum sgp_pki_curve curve)
{
	return curve == SGP_PKI_CURVE_BRP ? "brp" : "nist";
}

int sgp_pki_curve_parse(const char *name)
{
	if (!name)
		return -1;
	if (!strcasecmp(name, "nist") || !strcasecmp(name, "p256") || !strcasecmp(name, "prime256v1"))
		return SGP_PKI_CURVE_NIST;
	if (!strcasecmp(name, "brp") || !strcasecmp(name, "brainpoolP256r1"))
		return SGP_PKI_CURVE_BRP;
	return -1;
}

/* EID check digits: the 32-digit number taken as an integer is 1 mod 97
 * (ISO 7064 MOD 97-10, the rule of SGP.29 / ITU-T E.118 style identifiers). */
static unsigned eid_mod97(const char *digits, size_t n)
{
	unsigned r = 0;

	for (size_t i = 0; i < n; i++)
		r = (r * 10 + (unsigned)(digits[i] - '0')) % 97;
	return r;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int sgp_eid_check(const char *eid)
{
	if (!eid || strlen(eid) != SGP_EID_LEN || !all_digits(eid, SGP_EID_LEN))
		return SGP_ERR_PARSE;
	return eid_mod97(eid, SGP_EID_LEN) == 1 ? SGP_OK : SGP_ERR_PARSE;
}

int sgp_eid_complete(const char *digits30, char eid[SGP_EID_LEN + 1])
{
	char tmp[SGP_EID_LEN + 1];
	unsigned check;

	if (!digits30 || strlen(digits30) != SGP_EID_LEN - 2 || !all_digits(digits30, SGP_EID_LEN - 2))
		return SGP_ERR_INVAL;
	memcpy(tmp, digits30, SGP_EID_LEN - 2);
	memcpy(tmp + SGP_EID_LEN - 2, "00", 3);
	check = 98 - eid_mod97(tmp, SGP_EID_LEN);
	tmp[SGP_EID_LEN - 2] = (char)('0' + check / 10);
	tmp[SGP_EID_LEN - 1] = (char)('0' + check % 10);
	memcpy(eid, tmp, SGP_EID_LEN + 1);
	return SGP_OK;
}

int sgp_eid_generate(const char *prefix, char eid[SGP_EID_LEN + 1])
{
	char digits[SGP_EID_LEN - 1];
	uint8_t rnd[SGP_EID_LEN];
	size_t plen = prefix ? strlen(prefix) : 0;

	if (plen > SGP_EID_LEN - 2 || !all_digits(prefix ? prefix : "", plen))
		return SGP_ERR_INVAL;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return SGP_ERR_CRYPTO;
	if (plen)
		memcpy(digits, prefix, plen);
	for (size_t i = plen; i < SGP_EID_LEN - 2; i++)
		digits[i] = (char)('0' + rnd[i] % 10);
	digits[SGP_EID_LEN - 2] = '\0';
	return sgp_eid_complete(digits, eid);
}
