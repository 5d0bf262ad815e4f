/* sgp32lab: curve names and OIDs (SGP.22 §2.6.5, RFC 5480, RFC 5639). */
#include "core/crypto/curve.h"
#include "core/crypto/internal.h"
#include "core/err.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

struct curve_info {
	enum sgp_curve curve;
	const char *name;		/* lab configuration name */
	const char *ossl;		/* OpenSSL group name */
	const char *oid;		/* dotted */
	uint8_t oid_der[9];		/* OBJECT IDENTIFIER content octets */
	size_t oid_der_len;
	uint8_t order[SGP_CURVE_FIELD_LEN];	/* group order n */
	const char *aliases[3];
};

static const struct curve_info curves[] = {
	{
		.curve = SGP_CURVE_NIST_P256,
		.name = "nist",
		.ossl = "prime256v1",
		.oid = "1.2.840.10045.3.1.7",
		.oid_der = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 },
		.oid_der_len = 8,
		/* FIPS 186-4 D.1.2.3 */
		.order = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
			   0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51 },
		.aliases = { "P-256", "secp256r1", "nistp256" },
	},
	{
		.curve = SGP_CURVE_BRAINPOOL_P256R1,
		.name = "brp",
		.ossl = "brainpoolP256r1",
		.oid = "1.3.36.3.3.2.8.1.1.7",
		.oid_der = { 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07 },
		.oid_der_len = 9,
		/* RFC 5639 §3.4, q */
		.order = { 0xa9, 0xfb, 0x57, 0xdb, 0xa1, 0xee, 0xa9, 0xbc,
			   0x3e, 0x66, 0x0a, 0x90, 0x9d, 0x83, 0x8d, 0x71,
			   0x8c, 0x39, 0x7a, 0xa3, 0xb5, 0x61, 0xa6, 0xf7,
			   0x90, 0x1e, 0x0e, 0x82, 0x97, 0x48, 0x56, 0xa7 },
		.aliases = { "brainpool", "brainpoolP256", NULL },
	},
};

#define NCURVES (sizeof(curves) / sizeof(curves[0]))

static const struct curve_info *info(enum sgp_curve curve)
{
	for (size_t i = 0; i < NCURVES; i++)
		if (curves[i].curve == curve)
			return &curves[i];
	return NULL;
}

int sgp_curve_parse(const char *name, enum sgp_curve *out)
{
	if (!name || !out)
		return SGP_ERR_INVAL;
	for (size_t i = 0; i < NCURVES; i++) {
		const struct curve_info *c = &curves[i];
		bool hit = !strcasecmp(name, c->name) || !strcasecmp(name, c->ossl) ||
			   !strcmp(name, c->oid);

		for (size_t a = 0; !hit && a < 3 && c->aliases[a]; a++)
			hit = !strcasecmp(name, c->aliases[a]);
		if (hit) {
			*out = c->curve;
			return SGP_OK;
		}
	}
	return SGP_ERR_NOTFOUND;
}

int sgp_curve_from_oid_der(const uint8_t *oid, size_t len, enum sgp_curve *out)
{
	if ((!oid && len) || !out)
		return SGP_ERR_INVAL;
	for (size_t i = 0; i < NCURVES; i++) {
		if (len == curves[i].oid_der_len && !memcmp(oid, curves[i].oid_der, len)) {
			*out = curves[i].curve;
			return SGP_OK;
		}
	}
	return SGP_ERR_NOTFOUND;
}

const uint8_t *sgp_curve_oid_der(enum sgp_curve curve, size_t *len)
{
	const struct curve_info *c = info(curve);

	if (len)
		*len = c ? c->oid_der_len : 0;
	return c ? c->oid_der : NULL;
}

const char *sgp_curve_name(enum sgp_curve curve)
{
	const struct curve_info *c = info(curve);

	return c ? c->name : "?";
}

const char *sgp_curve_ossl_name(enum sgp_curve curve)
{
	const struct curve_info *c = info(curve);

	return c ? c->ossl : NULL;
}

const char *sgp_curve_oid(enum sgp_curve curve)
{
	const struct curve_info *c = info(curve);

	return c ? c->oid : NULL;
}

const uint8_t *sgp_curve_order(enum sgp_curve curve)
{
	const struct curve_info *c = info(curve);

	return c ? c->order : NULL;
}
