/* sgp32lab: Activation Codes (SGP.22 v2.5 section 4.1), see ac.h */
#include "core/ac.h"
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define AC_MAX_FIELDS 5		/* format, address, token, OID, CC flag */

const char *sgp_ac_err_str(enum sgp_ac_err e)
{
	switch (e) {
	case SGP_AC_OK: return "ok";
	case SGP_AC_EMPTY: return "empty activation code";
	case SGP_AC_TOO_LONG: return "activation code too long";
	case SGP_AC_NOT_ASCII: return "character outside printable ASCII";
	case SGP_AC_BAD_VERSION: return "unsupported AC_Format (only \"1\" is defined)";
	case SGP_AC_MISSING_DELIMITER: return "missing '$' field delimiter";
	case SGP_AC_TOO_MANY_FIELDS: return "too many fields";
	case SGP_AC_MISSING_ADDRESS: return "missing SM-DP+ address";
	case SGP_AC_BAD_ADDRESS: return "SM-DP+ address is not a valid FQDN";
	case SGP_AC_ADDRESS_TOO_LONG: return "SM-DP+ address too long";
	case SGP_AC_BAD_TOKEN: return "invalid character in the matching ID";
	case SGP_AC_TOKEN_TOO_LONG: return "matching ID too long";
	case SGP_AC_BAD_OID: return "SM-DP+ OID is not a dotted-decimal OID";
	case SGP_AC_BAD_CC_FLAG: return "confirmation code required flag must be \"1\"";
	}
	return "?";
}

struct field {
	const char *p;
	size_t len;
	size_t off;		/* offset in the whole input, for messages */
};

static int fail(enum sgp_ac_err e, enum sgp_ac_err *why, char *errbuf, size_t errlen,
		const char *fmt, ...)
{
	if (why)
		*why = e;
	if (errbuf && errlen) {
		int n = snprintf(errbuf, errlen, "%s", sgp_ac_err_str(e));

		if (fmt && n >= 0 && (size_t)n < errlen) {
			va_list ap;

			va_start(ap, fmt);
			vsnprintf(errbuf + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return e == SGP_AC_TOO_LONG ? SGP_ERR_TOOBIG : SGP_ERR_PARSE;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 1035 host name, optionally followed by ":port"; *bad gets the
 * offset of the first offending character. */
static enum sgp_ac_err check_address(const char *p, size_t len, size_t *bad)
{
	size_t host = len, label = 0, i;

	*bad = 0;
	if (!len)
		return SGP_AC_MISSING_ADDRESS;
	if (len > SGP_AC_ADDRESS_MAX)
		return SGP_AC_ADDRESS_TOO_LONG;
	for (i = 0; i < len; i++)
		if (p[i] == ':') {
			host = i;
			break;
		}
	if (host < len) {
		unsigned long port = 0;

		if (host + 1 == len || len - host - 1 > 5 || p[host + 1] == '0') {
			*bad = host;
			return SGP_AC_BAD_ADDRESS;
		}
		for (i = host + 1; i < len; i++) {
			if (!is_digit(p[i])) {
				*bad = i;
				return SGP_AC_BAD_ADDRESS;
			}
			port = port * 10 + (unsigned long)(p[i] - '0');
		}
		if (port > 65535) {
			*bad = host + 1;
			return SGP_AC_BAD_ADDRESS;
		}
	}
	for (i = 0; i <= host; i++) {
		if (i == host || p[i] == '.') {
			/* a label ends: 1..63 characters, no '-' at its edges */
			if (!label || label > 63 || p[i - 1] == '-' || p[i - label] == '-') {
				*bad = i;
				return SGP_AC_BAD_ADDRESS;
			}
			label = 0;
			continue;
		}
		if (!is_alnum(p[i]) && p[i] != '-') {
			*bad = i;
			return SGP_AC_BAD_ADDRESS;
		}
		label++;
	}
	return SGP_AC_OK;
}

/* AC_Token / Matching ID: upper-case letters, digits, '-' (SGP.22 4.1). */
static enum sgp_ac_err check_token(const char *p, size_t len, size_t *bad)
{
	*bad = 0;
	if (len > SGP_AC_TOKEN_MAX)
		return SGP_AC_TOKEN_TOO_LONG;
	for (size_t i = 0; i < len; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || is_digit(p[i]) || p[i] == '-')) {
			*bad = i;
			return SGP_AC_BAD_TOKEN;
		}
	return SGP_AC_OK;
}

/* Dotted decimal OID (X.660): at least two arcs, no empty arc, no leading
 * zero, first arc 0..2, second arc below 40 under arcs 0 and 1. */
static enum sgp_ac_err check_oid(const char *p, size_t len, size_t *bad)
{
	size_t arc = 0, start = 0;

	*bad = 0;
	if (len > SGP_AC_OID_MAX)
		return SGP_AC_BAD_OID;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && is_digit(p[i]))
			continue;
		if (i < len && p[i] != '.') {
			*bad = i;
			return SGP_AC_BAD_OID;
		}
		/* arc p[start..i) */
		if (i == start || (i - start > 1 && p[start] == '0') || i - start > 20) {
			*bad = start;
			return SGP_AC_BAD_OID;
		}
		if (arc == 0 && (i - start != 1 || p[start] > '2')) {
			*bad = start;
			return SGP_AC_BAD_OID;
		}
		if (arc == 1 && p[0] != '2' && (i - start > 2 || (i - start == 2 && p[start] > '3'))) {
			*bad = start;
			return SGP_AC_BAD_OID;
		}
		arc++;
		start = i + 1;
	}
	if (arc < 2) {
		*bad = len;
		return SGP_AC_BAD_OID;
	}
	return SGP_AC_OK;
}

bool sgp_ac_address_valid(const char *text, size_t len)
{
	size_t bad;

	return text && check_address(text, len, &bad) == SGP_AC_OK;
}

static void copy(char *dst, const struct field *f)
{
	memcpy(dst, f->p, f->len);
	dst[f->len] = '\0';
}

int sgp_ac_parse(const char *text, size_t len, struct sgp_ac *out, enum sgp_ac_err *why,
		 char *errbuf, size_t errlen)
{
	static const char names[][24] = { "AC_Format", "SM-DP+ address", "matching ID",
					  "SM-DP+ OID", "CC required flag" };
	struct field f[AC_MAX_FIELDS];
	size_t n = 0, start = 0, base = 0, bad;
	enum sgp_ac_err e;

	if (why)
		*why = SGP_AC_OK;
	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!out || (!text && len))
		return SGP_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (len > SGP_AC_TEXT_MAX)
		return fail(SGP_AC_TOO_LONG, why, errbuf, errlen, " (%zu characters, at most %d)",
			    len, SGP_AC_TEXT_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7E)
			return fail(SGP_AC_NOT_ASCII, why, errbuf, errlen,
				    " (byte 0x%02X at offset %zu)", (unsigned char)text[i], i);
	/* SGP.22 4.1.2: the QR code carries "LPA:" before the activation code */
	if (len >= 4 && !memcmp(text, "LPA:", 4))
		base = 4;
	if (len == base)
		return fail(SGP_AC_EMPTY, why, errbuf, errlen, NULL);
	start = base;
	for (size_t i = base; i <= len; i++) {
		if (i < len && text[i] != '$')
			continue;
		if (n == AC_MAX_FIELDS)
			return fail(SGP_AC_TOO_MANY_FIELDS, why, errbuf, errlen,
				    " (a sixth field starts at offset %zu; at most %d)", start,
				    AC_MAX_FIELDS);
		f[n].p = text + start;
		f[n].len = i - start;
		f[n].off = start;
		n++;
		start = i + 1;
	}
	if (f[0].len != 1 || f[0].p[0] != '1')
		return fail(SGP_AC_BAD_VERSION, why, errbuf, errlen, " (\"%.*s\")",
			    (int)(f[0].len > 16 ? 16 : f[0].len), f[0].p);
	if (n < 3)
		return fail(n == 1 || !f[1].len ? SGP_AC_MISSING_ADDRESS :
			    SGP_AC_MISSING_DELIMITER, why, errbuf, errlen,
			    " (%zu of at least 3 fields: format$address$token)", n);
	e = check_address(f[1].p, f[1].len, &bad);
	if (e)
		return fail(e, why, errbuf, errlen, " (%s at offset %zu)", names[1],
			    f[1].off + bad);
	e = check_token(f[2].p, f[2].len, &bad);
	if (e)
		return fail(e, why, errbuf, errlen, " (%s at offset %zu)", names[2],
			    f[2].off + bad);
	if (n > 3 && f[3].len) {
		e = check_oid(f[3].p, f[3].len, &bad);
		if (e)
			return fail(e, why, errbuf, errlen, " (\"%.*s\", at offset %zu)",
				    (int)(f[3].len > 32 ? 32 : f[3].len), f[3].p, f[3].off + bad);
		copy(out->smdp_oid, &f[3]);
	}
	if (n > 4 && f[4].len) {
		if (f[4].len != 1 || f[4].p[0] != '1')
			return fail(SGP_AC_BAD_CC_FLAG, why, errbuf, errlen,
				    " (\"%.*s\" at offset %zu)", (int)(f[4].len > 16 ? 16 : f[4].len),
				    f[4].p, f[4].off);
		out->cc_required = true;
	}
	copy(out->smdp_address, &f[1]);
	copy(out->matching_id, &f[2]);
	return SGP_OK;
}

int sgp_ac_build(const struct sgp_ac *ac, bool qr_prefix, char *out, size_t size,
		 enum sgp_ac_err *why)
{
	size_t bad;
	enum sgp_ac_err e;
	int n;

	if (why)
		*why = SGP_AC_OK;
	if (!ac || !out || !size)
		return SGP_ERR_INVAL;
	out[0] = '\0';
	e = check_address(ac->smdp_address, strnlen(ac->smdp_address, sizeof(ac->smdp_address)),
			  &bad);
	if (!e)
		e = check_token(ac->matching_id, strnlen(ac->matching_id, sizeof(ac->matching_id)),
				&bad);
	if (!e && ac->smdp_oid[0])
		e = check_oid(ac->smdp_oid, strnlen(ac->smdp_oid, sizeof(ac->smdp_oid)), &bad);
	if (e) {
		if (why)
			*why = e;
		return SGP_ERR_PARSE;
	}
	n = snprintf(out, size, "%s1$%s$%s%s%s%s", qr_prefix ? "LPA:" : "", ac->smdp_address,
		     ac->matching_id, ac->smdp_oid[0] || ac->cc_required ? "$" : "",
		     ac->smdp_oid, ac->cc_required ? "$1" : "");
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		return SGP_ERR_TOOBIG;
	}
	return SGP_OK;
}
