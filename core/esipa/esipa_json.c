/* sgp32lab: ESipa JSON binding <-> ASN.1 binding (SGP.32 v1.2 6.4 / 6.3).
 *
 * Table driven, on the DER TLVs: each message is its outer tag and either
 * a SEQUENCE of fields (requests) or a CHOICE of alternatives (answers,
 * HandleNotificationEsipa).  A field knows its tag in the ESipa message,
 * its JSON form and, for a structured value, how its type's own DER sits
 * in the message: as is, implicitly re-tagged, or explicitly wrapped
 * (the module has AUTOMATIC TAGS; see the tag list in esipa_map.c).
 * The DER built from JSON is checked whole with the strict decoder. */
#include "core/esipa/esipa_json.h"
#include "core/esipa/esipa_int.h"
#include "core/der/der.h"
#include "core/err.h"

#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum jkind {
	JK_B64,		/* OCTET STRING: base64 of the value */
	JK_HEX,		/* OCTET STRING: hex of the value */
	JK_UTF8,	/* UTF8String */
	JK_INT,		/* INTEGER: a JSON number */
	JK_TRUE,	/* NULL: true */
	JK_EID,		/* Octet16 eidValue: 32 hex digits */
	JK_DER,		/* a structured type: base64 of its own DER */
};

enum jwire {
	JW_SAME,	/* the type's DER is the field's TLV (tag 0: any tag) */
	JW_RETAG,	/* implicit: the field tag replaces the type's tag nat */
	JW_WRAP,	/* explicit: the field tag wraps the type's DER (nat 0: any) */
};

struct jfield {
	const char *name;
	uint32_t tag;
	uint8_t kind, wire;
	bool opt;
	uint32_t nat;
	uint16_t min, max;	/* value size for B64 / HEX / UTF8 (max 0: any) */
};

/* An alternative of a CHOICE: one member (member set), or a SEQUENCE of
 * tag whose fields are flattened into the object. */
struct jalt {
	const struct jfield *member;
	uint32_t tag;
	const struct jfield *fields;
	size_t n;
};

struct jmsg {
	uint32_t tag;
	const struct jfield *fields;	/* SEQUENCE */
	size_t n;
	const struct jalt *alts;	/* CHOICE */
	size_t nalts;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TID(o) { "transactionId", 0x80, JK_HEX, JW_SAME, o, 0, 1, 16 }

/* ---- 6.3.2.1 InitiateAuthentication */
static const struct jfield ia_req[] = {
	{ "euiccChallenge", 0x81, JK_B64, JW_SAME, false, 0, 16, 16 },
	{ "smdpAddress", 0x83, JK_UTF8, JW_SAME, true, 0, 1, 255 },
	{ "euiccInfo1", 0xBF20, JK_DER, JW_SAME, true, 0, 0, 0 },
	{ "eimTransactionId", 0x82, JK_HEX, JW_SAME, true, 0, 1, 16 },
};
static const struct jfield ia_ok[] = {
	TID(true),
	{ "serverSigned1", 0x30, JK_DER, JW_SAME, false, 0, 0, 0 },
	{ "serverSignature1", 0x5F37, JK_B64, JW_SAME, false, 0, 1, 0 },
	{ "euiccCiPKIdentifierToBeUsed", 0x04, JK_B64, JW_SAME, false, 0, 0, 0 },
	{ "serverCertificate", 0x30, JK_DER, JW_SAME, false, 0, 0, 0 },
	{ "matchingId", 0x0C, JK_UTF8, JW_SAME, true, 0, 0, 0 },
	{ "ctxParams1", 0xA2, JK_DER, JW_WRAP, true, 0, 0, 0 },
};
static const struct jfield ia_err = { "initiateAuthenticationErrorEsipa", 0x81, JK_INT, JW_SAME,
				      false, 0, 0, 0 };
static const struct jalt ia_alts[] = {
	{ NULL, 0xA0, ia_ok, N(ia_ok) },
	{ &ia_err, 0, NULL, 0 },
};

/* ---- 6.3.2.2 AuthenticateClient */
static const struct jfield ac_req[] = {
	TID(false),
	{ "authenticateServerResponse", 0xBF38, JK_DER, JW_SAME, false, 0, 0, 0 },
};
static const struct jfield ac_ok_dp[] = {
	TID(true),
	{ "profileMetaData", 0xBF25, JK_DER, JW_SAME, true, 0, 0, 0 },
	{ "smdpSigned2", 0x30, JK_DER, JW_SAME, false, 0, 0, 0 },
	{ "smdpSignature2", 0x5F37, JK_B64, JW_SAME, false, 0, 1, 0 },
	{ "smdpCertificate", 0x30, JK_DER, JW_SAME, false, 0, 0, 0 },
	{ "hashCc", 0x04, JK_B64, JW_SAME, true, 0, 32, 32 },
};
static const struct jfield ac_ok_ds[] = {
	TID(false),
	{ "profileDownloadTrigger", 0xBF54, JK_DER, JW_SAME, true, 0, 0, 0 },
};
static const struct jfield ac_err = { "authenticateClientErrorEsipa", 0x82, JK_INT, JW_SAME, false,
				      0, 0, 0 };
static const struct jalt ac_alts[] = {
	{ NULL, 0xA0, ac_ok_dp, N(ac_ok_dp) },
	{ NULL, 0xA1, ac_ok_ds, N(ac_ok_ds) },
	{ &ac_err, 0, NULL, 0 },
};

/* ---- 6.3.2.3 GetBoundProfilePackage */
static const struct jfield gbpp_req[] = {
	TID(false),
	{ "prepareDownloadResponse", 0xBF21, JK_DER, JW_SAME, false, 0, 0, 0 },
};
static const struct jfield gbpp_ok[] = {
	TID(true),
	{ "boundProfilePackage", 0xBF36, JK_DER, JW_SAME, false, 0, 0, 0 },
};
static const struct jfield gbpp_err = { "getBoundProfilePackageErrorEsipa", 0x81, JK_INT, JW_SAME,
					false, 0, 0, 0 };
static const struct jalt gbpp_alts[] = {
	{ NULL, 0xA0, gbpp_ok, N(gbpp_ok) },
	{ &gbpp_err, 0, NULL, 0 },
};

/* ---- 6.3.2.5 CancelSession */
static const struct jfield cs_req[] = {
	{ "transactionId", 0x80, JK_HEX, JW_SAME, false, 0, 1, 16 },
	{ "cancelSessionResponse", 0xA1, JK_DER, JW_RETAG, false, 0xBF41, 0, 0 },
};
static const struct jfield cs_err = { "cancelSessionError", 0x81, JK_INT, JW_SAME, false, 0, 0, 0 };
static const struct jalt cs_alts[] = {
	{ NULL, 0xA0, NULL, 0 },
	{ &cs_err, 0, NULL, 0 },
};

/* ---- 6.3.2.4 HandleNotification */
static const struct jfield hn_pending = { "pendingNotification", 0xA0, JK_DER, JW_WRAP, false, 0,
					  0, 0 };
static const struct jfield hn_result = { "provideEimPackageResult", 0xBF50, JK_DER, JW_SAME, false,
					 0, 0, 0 };
static const struct jalt hn_alts[] = {
	{ &hn_pending, 0, NULL, 0 },
	{ &hn_result, 0, NULL, 0 },
};

/* ---- 6.3.2.6 GetEimPackage */
static const struct jfield gep_req[] = {
	{ "eidValue", 0x5A, JK_EID, JW_SAME, false, 0, 16, 16 },
	{ "notifyStateChange", 0x80, JK_TRUE, JW_SAME, true, 0, 0, 0 },
	{ "stateChangeCause", 0x81, JK_INT, JW_SAME, true, 0, 0, 0 },
	{ "rPLMN", 0x82, JK_HEX, JW_SAME, true, 0, 3, 3 },
};
static const struct jfield gep_ans[] = {
	{ "euiccPackageRequest", 0xBF51, JK_DER, JW_SAME, false, 0, 0, 0 },
	{ "ipaEuiccDataRequest", 0xBF52, JK_DER, JW_SAME, false, 0, 0, 0 },
	{ "profileDownloadTriggerRequest", 0xBF54, JK_DER, JW_SAME, false, 0, 0, 0 },
	{ "eimPackageError", 0x02, JK_INT, JW_SAME, false, 0, 0, 0 },
};
static const struct jalt gep_alts[] = {
	{ &gep_ans[0], 0, NULL, 0 },
	{ &gep_ans[1], 0, NULL, 0 },
	{ &gep_ans[2], 0, NULL, 0 },
	{ &gep_ans[3], 0, NULL, 0 },
};

/* ---- 6.3.2.7 ProvideEimPackageResult */
static const struct jfield pepr_req[] = {
	{ "eidValue", 0x5A, JK_EID, JW_SAME, true, 0, 16, 16 },
	{ "eimPackageResult", 0, JK_DER, JW_SAME, false, 0, 0, 0 },	/* untagged CHOICE */
};
static const struct jfield pepr_ans[] = {
	{ "eimAcknowledgements", 0xBF53, JK_DER, JW_SAME, false, 0, 0, 0 },
	{ "provideEimPackageResultError", 0x02, JK_INT, JW_SAME, false, 0, 0, 0 },
};
static const struct jalt pepr_alts[] = {
	{ &pepr_ans[0], 0, NULL, 0 },
	{ NULL, 0x30, NULL, 0 },		/* emptyResponse */
	{ &pepr_ans[1], 0, NULL, 0 },
};

static const struct {
	const char *name;
	struct jmsg req, ans;
} fns[ESIPA_JSON_FN_COUNT] = {
	[ESIPA_JSON_INITIATE_AUTHENTICATION] = { "initiateAuthentication",
		{ 0xBF39, ia_req, N(ia_req), NULL, 0 }, { 0xBF39, NULL, 0, ia_alts, N(ia_alts) } },
	[ESIPA_JSON_AUTHENTICATE_CLIENT] = { "authenticateClient",
		{ 0xBF3B, ac_req, N(ac_req), NULL, 0 }, { 0xBF3B, NULL, 0, ac_alts, N(ac_alts) } },
	[ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE] = { "getBoundProfilePackage",
		{ 0xBF3A, gbpp_req, N(gbpp_req), NULL, 0 },
		{ 0xBF3A, NULL, 0, gbpp_alts, N(gbpp_alts) } },
	[ESIPA_JSON_CANCEL_SESSION] = { "cancelSession",
		{ 0xBF41, cs_req, N(cs_req), NULL, 0 }, { 0xBF41, NULL, 0, cs_alts, N(cs_alts) } },
	[ESIPA_JSON_HANDLE_NOTIFICATION] = { "handleNotification",
		{ 0xBF3D, NULL, 0, hn_alts, N(hn_alts) }, { 0, NULL, 0, NULL, 0 } },
	[ESIPA_JSON_GET_EIM_PACKAGE] = { "getEimPackage",
		{ 0xBF4F, gep_req, N(gep_req), NULL, 0 },
		{ 0xBF4F, NULL, 0, gep_alts, N(gep_alts) } },
	[ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT] = { "provideEimPackageResult",
		{ 0xBF50, pepr_req, N(pepr_req), NULL, 0 },
		{ 0xBF50, NULL, 0, pepr_alts, N(pepr_alts) } },
	/* the eIM's push (TransferEimPackage): transcoded elsewhere */
	[ESIPA_JSON_TRANSFER_EIM_PACKAGE] = { "transferEimPackage",
		{ 0, NULL, 0, NULL, 0 }, { 0, NULL, 0, NULL, 0 } },
};

static int fail(struct esipa_json_error *e, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct esipa_json_error *e, int rc, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return rc;
}

const char *esipa_json_fn_name(enum esipa_json_fn f)
{
	return (unsigned)f < ESIPA_JSON_FN_COUNT ? fns[f].name : NULL;
}

int esipa_json_fn_from_path(const char *path, enum esipa_json_fn *f)
{
	size_t n = strlen(ESIPA_JSON_PATH_PREFIX);

	if (!path || strncmp(path, ESIPA_JSON_PATH_PREFIX, n))
		return SGP_ERR_NOTFOUND;
	for (int i = 0; i < ESIPA_JSON_FN_COUNT; i++)
		if (!strcmp(path + n, fns[i].name)) {
			*f = (enum esipa_json_fn)i;
			return SGP_OK;
		}
	return SGP_ERR_NOTFOUND;
}

int esipa_json_fn_of_der(const uint8_t *der, size_t len, enum esipa_json_fn *f)
{
	static const uint32_t tags[ESIPA_JSON_FN_COUNT] = {
		0xBF39, 0xBF3B, 0xBF3A, 0xBF41, 0xBF3D, 0xBF4F, 0xBF50, 0xBF4E,
	};

	for (int i = 0; der && len >= 2 && i < ESIPA_JSON_FN_COUNT; i++)
		if (der[0] == 0xBF && der[1] == (tags[i] & 0xFF)) {
			*f = (enum esipa_json_fn)i;
			return SGP_OK;
		}
	return SGP_ERR_NOTFOUND;
}

/* ------------------------------------------------------------ DER -> JSON */

static int field_to_json(const struct jfield *fd, const struct sgp_tlv *t, json_t *obj,
			 struct esipa_json_error *e)
{
	struct sgp_buf nat = SGP_BUF_INIT;
	const uint8_t *v = t->v;
	size_t vl = t->vl;
	json_t *j = NULL;
	char *s = NULL;
	int rc = SGP_OK;

	switch (fd->kind) {
	case JK_B64:
	case JK_HEX:
	case JK_UTF8:
		if (vl < fd->min || (fd->max && vl > fd->max)) {
			rc = fail(e, SGP_ERR_PARSE, "%s: %zu bytes", fd->name, vl);
			goto out;
		}
		if (fd->kind == JK_UTF8) {
			j = json_stringn((const char *)v, vl);
			if (!j || memchr(v, 0, vl))
				rc = fail(e, SGP_ERR_PARSE, "%s: not UTF-8 text", fd->name);
			goto out;
		}
		s = fd->kind == JK_B64 ? sgp_base64_encode(v, vl) : sgp_hex_encode(v, vl, true);
		break;
	case JK_EID:
		if (vl != 16) {
			rc = fail(e, SGP_ERR_PARSE, "%s: %zu bytes", fd->name, vl);
			goto out;
		}
		s = sgp_hex_encode(v, vl, true);
		break;
	case JK_INT:
		if (!vl || vl > 4) {
			rc = fail(e, SGP_ERR_PARSE, "%s: INTEGER of %zu bytes", fd->name, vl);
			goto out;
		}
		j = json_integer(esipa_get_int(t));
		break;
	case JK_TRUE:
		if (vl) {
			rc = fail(e, SGP_ERR_PARSE, "%s: NULL with content", fd->name);
			goto out;
		}
		j = json_true();
		break;
	case JK_DER:
		if (fd->wire == JW_SAME) {
			s = sgp_base64_encode(t->whole, t->wl);
		} else if (fd->wire == JW_RETAG) {
			rc = sgp_der_put_tlv(&nat, fd->nat, v, vl);
			if (rc < 0)
				goto out;
			s = sgp_base64_encode(nat.data, nat.len);
		} else {
			const uint8_t *p = v;
			size_t l = vl;
			struct sgp_tlv in;

			if (sgp_der_next_tlv(&p, &l, &in) < 0 || l || (fd->nat && in.tag != fd->nat)) {
				rc = fail(e, SGP_ERR_PARSE, "%s: not one value", fd->name);
				goto out;
			}
			s = sgp_base64_encode(in.whole, in.wl);
		}
		break;
	}
	if (s)
		j = json_string(s);
	if (!j)
		rc = SGP_ERR_NOMEM;
out:
	if (rc == SGP_OK && json_object_set_new(obj, fd->name, j))
		rc = SGP_ERR_NOMEM;
	else if (rc < 0)
		json_decref(j);
	free(s);
	sgp_buf_free(&nat);
	return rc;
}

/* The TLVs of [p, p + len) against the SEQUENCE fields, in order. */
static int seq_to_json(const struct jfield *fields, size_t n, const uint8_t *p, size_t len,
		       json_t *obj, struct esipa_json_error *e)
{
	struct sgp_tlv t;
	bool have = false;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (!have) {
			rc = sgp_der_next_tlv(&p, &len, &t);
			if (rc == SGP_ERR_PARSE)
				return fail(e, rc, "malformed TLV");
			have = rc == SGP_OK;
		}
		if (have && (!fields[i].tag || t.tag == fields[i].tag)) {
			rc = field_to_json(&fields[i], &t, obj, e);
			if (rc < 0)
				return rc;
			have = false;
		} else if (!fields[i].opt) {
			return fail(e, SGP_ERR_PARSE, "%s missing", fields[i].name);
		}
	}
	if (have || len)
		return fail(e, SGP_ERR_UNSUPPORTED, "a member the JSON binding cannot carry");
	return SGP_OK;
}

static int msg_to_json(const struct jmsg *m, const uint8_t *der, size_t len, char **json,
		       struct esipa_json_error *e)
{
	struct sgp_tlv outer, t;
	json_t *obj = json_object();
	const uint8_t *p = der;
	size_t l = len;
	int rc = SGP_OK;

	if (!obj)
		return SGP_ERR_NOMEM;
	if (!m->tag || (!m->fields && !m->alts)) {
		rc = fail(e, SGP_ERR_UNSUPPORTED, "no JSON form");
		goto out;
	}
	if (sgp_der_next_tlv(&p, &l, &outer) < 0 || l || outer.tag != m->tag) {
		rc = fail(e, SGP_ERR_PARSE, "not one message of tag %X", (unsigned)m->tag);
		goto out;
	}
	if (m->fields) {
		rc = seq_to_json(m->fields, m->n, outer.v, outer.vl, obj, e);
		goto out;
	}
	p = outer.v;
	l = outer.vl;
	if (sgp_der_next_tlv(&p, &l, &t) < 0 || l) {
		rc = fail(e, SGP_ERR_PARSE, "not one alternative");
		goto out;
	}
	rc = fail(e, SGP_ERR_UNSUPPORTED, "alternative %X has no JSON form", (unsigned)t.tag);
	for (size_t i = 0; i < m->nalts; i++) {
		const struct jalt *a = &m->alts[i];

		if (a->member && a->member->tag == t.tag) {
			rc = field_to_json(a->member, &t, obj, e);
			break;
		}
		if (!a->member && a->tag == t.tag) {
			rc = seq_to_json(a->fields, a->n, t.v, t.vl, obj, e);
			break;
		}
	}
out:
	if (rc == SGP_OK) {
		*json = json_dumps(obj, JSON_COMPACT);
		if (!*json)
			rc = SGP_ERR_NOMEM;
	}
	json_decref(obj);
	return rc;
}

int esipa_json_req_from_der(const uint8_t *der, size_t len, enum esipa_json_fn *f,
			    char **json, struct esipa_json_error *e)
{
	if (!der || !f || !json || esipa_json_fn_of_der(der, len, f) < 0)
		return fail(e, SGP_ERR_PARSE, "not an ESipa request");
	return msg_to_json(&fns[*f].req, der, len, json, e);
}

int esipa_json_resp_from_der(const uint8_t *der, size_t len, enum esipa_json_fn *f,
			     char **json, struct esipa_json_error *e)
{
	if (!der || !f || !json || esipa_json_fn_of_der(der, len, f) < 0)
		return fail(e, SGP_ERR_PARSE, "not an ESipa answer");
	return msg_to_json(&fns[*f].ans, der, len, json, e);
}

/* ------------------------------------------------------------ JSON -> DER */

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return false;
	return true;
}

static int field_from_json(const struct jfield *fd, json_t *j, struct sgp_buf *b,
			   struct esipa_json_error *e)
{
	struct sgp_buf v = SGP_BUF_INIT;
	const char *s = json_string_value(j);
	size_t sl = s ? json_string_length(j) : 0;
	int rc = SGP_OK;

	if (fd->kind == JK_INT) {
		json_int_t x = json_integer_value(j);

		if (!json_is_integer(j))
			return fail(e, SGP_ERR_PARSE, "%s: not an integer", fd->name);
		if (x < 0 || x > 0x7FFFFFFF)
			return fail(e, SGP_ERR_PARSE, "%s: %lld out of range", fd->name,
				    (long long)x);
		return esipa_put_int(b, fd->tag, (long)x);
	}
	if (fd->kind == JK_TRUE) {
		if (!json_is_true(j))
			return fail(e, SGP_ERR_PARSE, "%s: not true", fd->name);
		return sgp_der_put_tlv(b, fd->tag, NULL, 0);
	}
	if (!s)
		return fail(e, SGP_ERR_PARSE, "%s: not a string", fd->name);
	switch (fd->kind) {
	case JK_UTF8:
		if (strlen(s) != sl)
			return fail(e, SGP_ERR_PARSE, "%s: NUL in text", fd->name);
		rc = sgp_buf_set(&v, s, sl);
		break;
	case JK_HEX:
	case JK_EID:
		if (!all_hex(s, sl) || (fd->kind == JK_EID && sl != 32)) {
			rc = fail(e, SGP_ERR_PARSE, "%s: bad hex", fd->name);
			goto out;
		}
		rc = sgp_hex_decode(s, &v);
		if (rc < 0)
			rc = fail(e, SGP_ERR_PARSE, "%s: bad hex", fd->name);
		break;
	default:
		rc = sgp_base64_decode(s, sl, &v);
		if (rc < 0)
			rc = fail(e, SGP_ERR_PARSE, "%s: bad base64", fd->name);
		break;
	}
	if (rc < 0)
		goto out;
	if (fd->kind != JK_DER) {
		if (v.len < fd->min || (fd->max && v.len > fd->max)) {
			rc = fail(e, SGP_ERR_PARSE, "%s: %zu bytes", fd->name, v.len);
			goto out;
		}
		rc = sgp_der_put_tlv(b, fd->tag, v.data, v.len);
	} else {
		const uint8_t *p = v.data;
		size_t l = v.len;
		struct sgp_tlv t;

		if (sgp_der_next_tlv(&p, &l, &t) < 0 || l) {
			rc = fail(e, SGP_ERR_PARSE, "%s: not one DER value", fd->name);
			goto out;
		}
		if ((fd->wire == JW_SAME && fd->tag && t.tag != fd->tag) ||
		    (fd->wire != JW_SAME && fd->nat && t.tag != fd->nat)) {
			rc = fail(e, SGP_ERR_PARSE, "%s: wrong tag %X", fd->name, (unsigned)t.tag);
			goto out;
		}
		if (fd->wire == JW_SAME)
			rc = sgp_buf_append(b, t.whole, t.wl);
		else if (fd->wire == JW_RETAG)
			rc = sgp_der_put_tlv(b, fd->tag, t.v, t.vl);
		else
			rc = sgp_der_put_tlv(b, fd->tag, t.whole, t.wl);
	}
out:
	sgp_buf_free(&v);
	return rc;
}

static const struct jfield *find(const struct jfield *fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

/* The object as the SEQUENCE fields: every member known, every mandatory
 * field present. */
static int seq_from_json(const struct jfield *fields, size_t n, json_t *obj, struct sgp_buf *b,
			 struct esipa_json_error *e)
{
	const char *key;
	json_t *v;
	int rc;

	json_object_foreach(obj, key, v)
		if (!find(fields, n, key))
			return fail(e, SGP_ERR_PARSE, "unknown member %.60s", key);
	for (size_t i = 0; i < n; i++) {
		v = json_object_get(obj, fields[i].name);
		if (!v) {
			if (!fields[i].opt)
				return fail(e, SGP_ERR_PARSE, "%s missing", fields[i].name);
			continue;
		}
		rc = field_from_json(&fields[i], v, b, e);
		if (rc < 0)
			return rc;
	}
	return SGP_OK;
}

static int choice_from_json(const struct jmsg *m, json_t *obj, struct sgp_buf *b,
			    struct esipa_json_error *e)
{
	struct sgp_buf inner = SGP_BUF_INIT;
	int rc = fail(e, SGP_ERR_PARSE, "no alternative of the answer");

	/* an alternative named by its member */
	for (size_t i = 0; i < m->nalts; i++) {
		const struct jalt *a = &m->alts[i];
		json_t *v = a->member ? json_object_get(obj, a->member->name) : NULL;

		if (!v)
			continue;
		if (json_object_size(obj) != 1)
			return fail(e, SGP_ERR_PARSE, "%s with other members", a->member->name);
		return field_from_json(a->member, v, b, e);
	}
	/* a flattened SEQUENCE: the first whose members fit */
	for (size_t i = 0; i < m->nalts; i++) {
		const struct jalt *a = &m->alts[i];

		if (a->member)
			continue;
		sgp_buf_reset(&inner);
		rc = seq_from_json(a->fields, a->n, obj, &inner, e);
		if (rc == SGP_OK)
			rc = sgp_der_put_tlv(b, a->tag, inner.data, inner.len);
		if (rc != SGP_ERR_PARSE)
			break;
	}
	sgp_buf_free(&inner);
	return rc;
}

static int msg_from_json(const struct jmsg *m, const struct asn_TYPE_descriptor_s *td,
			 enum es9_function check_as, const char *text, size_t len,
			 struct sgp_buf *der, struct esipa_json_error *e)
{
	struct sgp_buf b = SGP_BUF_INIT;
	json_error_t je;
	json_t *obj = NULL;
	int rc;

	if (!m->tag || (!m->fields && !m->alts))
		return fail(e, SGP_ERR_UNSUPPORTED, "no JSON form");
	if (!text || len > ESIPA_JSON_MAX_TEXT)
		return fail(e, SGP_ERR_TOOBIG, "JSON text of %zu bytes", len);
	obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!obj) {
		rc = fail(e, SGP_ERR_PARSE, "malformed JSON: %.100s", je.text);
		goto out;
	}
	if (!json_is_object(obj)) {
		rc = fail(e, SGP_ERR_PARSE, "not a JSON object");
		goto out;
	}
	rc = m->fields ? seq_from_json(m->fields, m->n, obj, &b, e)
		       : choice_from_json(m, obj, &b, e);
	if (rc < 0)
		goto out;
	rc = sgp_der_wrap(&b, m->tag);
	if (rc < 0)
		goto out;
	rc = esipa_check(b.data, b.len, check_as, td);
	if (rc < 0) {
		rc = fail(e, rc, "not a valid ESipa message");
		goto out;
	}
	sgp_buf_free(der);
	*der = b;
	b = (struct sgp_buf)SGP_BUF_INIT;
out:
	json_decref(obj);
	sgp_buf_free(&b);
	return rc;
}

int esipa_json_req_to_der(enum esipa_json_fn f, const char *json, size_t len,
			  struct sgp_buf *der, struct esipa_json_error *e)
{
	if ((unsigned)f >= ESIPA_JSON_FN_COUNT || !der)
		return fail(e, SGP_ERR_INVAL, "no such function");
	return msg_from_json(&fns[f].req, &asn_DEF_EsipaMessageFromIpaToEim,
			     ES9_INITIATE_AUTHENTICATION, json, len, der, e);
}

int esipa_json_resp_to_der(enum esipa_json_fn f, const char *json, size_t len,
			   struct sgp_buf *der, struct esipa_json_error *e)
{
	if ((unsigned)f >= ESIPA_JSON_FN_COUNT || !der)
		return fail(e, SGP_ERR_INVAL, "no such function");
	/* a result sent as notification is answered as ProvideEimPackageResult */
	if (f == ESIPA_JSON_HANDLE_NOTIFICATION)
		f = ESIPA_JSON_PROVIDE_EIM_PACKAGE_RESULT;
	return msg_from_json(&fns[f].ans, &asn_DEF_EsipaMessageFromEimToIpa,
			     f == ESIPA_JSON_GET_BOUND_PROFILE_PACKAGE ?
			     ES9_GET_BOUND_PROFILE_PACKAGE : ES9_INITIATE_AUTHENTICATION,
			     json, len, der, e);
}
