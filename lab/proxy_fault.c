/* sgp32lab: the ES9+ message edits of the lab's fault-injecting proxy (see
 * proxy_fault.h).  JSON through jansson, DER through core/der's TLV walk;
 * an edit keeps every length valid except malformed-der's, so each fault
 * breaks exactly the one check it is meant for. */
#include "lab/proxy_fault.h"
#include "core/der/bpp_split.h"
#include "core/der/der.h"
#include "core/err.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const what_names[LAB_FAULT_COUNT] = {
	[LAB_FAULT_BAD_SIGNATURE] = "bad-signature",
	[LAB_FAULT_WRONG_TRANSACTION_ID] = "wrong-transaction-id",
	[LAB_FAULT_MALFORMED_DER] = "malformed-der",
	[LAB_FAULT_UNKNOWN_CI] = "unknown-ci",
	[LAB_FAULT_SWAP_CERT] = "swap-cert",
	[LAB_FAULT_REPLAY] = "replay",
	[LAB_FAULT_DROP] = "drop",
};

/* Where each edit looks, in this order, when the step names no member:
 * the ES9+ members (SGP.22 6.5.2.6-6.5.2.10) that carry its target. */
static const char *const sig_members[] = { "serverSignature1", "authenticateServerResponse",
	"smdpSignature2", "prepareDownloadResponse", "pendingNotification",
	"cancelSessionResponse", NULL };
static const char *const der_members[] = { "euiccInfo1", "serverSigned1",
	"authenticateServerResponse", "smdpSigned2", "prepareDownloadResponse",
	"boundProfilePackage", "pendingNotification", "cancelSessionResponse", NULL };
static const char *const ci_members[] = { "euiccInfo1", NULL };
static const char *const cert_members[] = { "serverCertificate", "authenticateServerResponse",
	"smdpCertificate", NULL };

#define TAG_SIGNATURE 0x5F37u
#define MAX_DEPTH 24

const char *lab_fault_what_name(enum lab_fault_what w)
{
	return (unsigned)w < LAB_FAULT_COUNT ? what_names[w] : "?";
}

int lab_fault_what_parse(const char *name)
{
	for (int i = 0; i < LAB_FAULT_COUNT; i++)
		if (name && !strcmp(name, what_names[i]))
			return i;
	return -1;
}

bool lab_fault_is_edit(enum lab_fault_what w)
{
	return w <= LAB_FAULT_SWAP_CERT;
}

static bool constructed(uint32_t tag)
{
	uint32_t first = tag;

	while (first > 0xFF)
		first >>= 8;
	return first & 0x20;
}

/* Offset of the value of the first TLV of tag in [p, p + len), depth
 * first through constructed TLVs; -1 if none or the DER is malformed. */
static long find_value(const uint8_t *base, const uint8_t *p, size_t len, uint32_t tag,
		       size_t *vlen, unsigned depth)
{
	struct sgp_tlv t;
	long off;

	if (depth > MAX_DEPTH)
		return -1;
	while (sgp_der_next_tlv(&p, &len, &t) == SGP_OK) {
		if (t.tag == tag) {
			*vlen = t.vl;
			return (long)(t.v - base);
		}
		if (constructed(t.tag) &&
		    (off = find_value(base, t.v, t.vl, tag, vlen, depth + 1)) >= 0)
			return off;
	}
	return -1;
}

/* Alter every OCTET STRING ('04') among the children of [p, p + len):
 * a key identifier no CI has.  Returns how many. */
static int alter_key_ids(uint8_t *base, const uint8_t *p, size_t len)
{
	struct sgp_tlv t;
	int n = 0;

	while (sgp_der_next_tlv(&p, &len, &t) == SGP_OK) {
		if (t.tag == 0x04 && t.vl) {
			base[t.v - base] ^= 0xA5;
			n++;
		}
	}
	return n;
}

static int edit_unknown_ci(struct sgp_buf *der)
{
	const uint8_t *v, *list;
	size_t vl, ll;
	uint32_t tag;
	size_t hl;
	int n = 0;

	if (sgp_der_tlv_header(der->data, der->len, &tag, &hl, &vl) < 0 || hl + vl != der->len)
		return SGP_ERR_PARSE;
	v = der->data + hl;
	if (sgp_der_find_value(v, vl, 0xA9, &list, &ll, NULL) == SGP_OK)
		n += alter_key_ids(der->data, list, ll);
	if (sgp_der_find_value(v, vl, 0xAA, &list, &ll, NULL) == SGP_OK)
		n += alter_key_ids(der->data, list, ll);
	return n ? SGP_OK : SGP_ERR_NOTFOUND;
}

/* Rebuild the TLV [p, p + len) with the child at path (indices, one per
 * level below it) replaced by repl; the enclosing lengths follow. */
static int replace_at(const uint8_t *p, size_t len, const unsigned *path, size_t depth,
		      const uint8_t *repl, size_t repl_len, struct sgp_buf *out)
{
	struct sgp_buf content = SGP_BUF_INIT;
	struct sgp_tlv t;
	const uint8_t *c;
	uint32_t tag;
	size_t hl, vl, cl;
	unsigned i = 0;
	bool found = false;
	int rc;

	if (!depth)
		return sgp_buf_append(out, repl, repl_len);
	if (sgp_der_tlv_header(p, len, &tag, &hl, &vl) < 0 || hl + vl != len)
		return SGP_ERR_PARSE;
	c = p + hl;
	cl = vl;
	while ((rc = sgp_der_next_tlv(&c, &cl, &t)) == SGP_OK) {
		if (i++ == path[0]) {
			found = true;
			rc = replace_at(t.whole, t.wl, path + 1, depth - 1, repl, repl_len, &content);
		} else {
			rc = sgp_buf_append(&content, t.whole, t.wl);
		}
		if (rc < 0)
			goto out;
	}
	if (rc != SGP_ERR_NOTFOUND)
		goto out;
	rc = found ? sgp_der_put_tlv(out, tag, content.data, content.len) : SGP_ERR_NOTFOUND;
out:
	sgp_buf_free(&content);
	return rc;
}

static int edit_swap_cert(const struct lab_fault_edit *e, struct sgp_buf *der, char *note,
			  size_t notelen, const char *member)
{
	/* AuthenticateServerResponse 'BF38' { authenticateResponseOk 'A0' {
	 * euiccSigned1, euiccSignature1, euiccCertificate, eumCertificate } } */
	static const unsigned euicc_cert[] = { 0, 2 };
	struct sgp_buf out = SGP_BUF_INIT;
	const uint8_t *v;
	size_t vl;
	int rc;

	if (!e->cert || !e->cert_len)
		return SGP_ERR_INVAL;
	if (der->len >= 2 && der->data[0] == 0xBF && der->data[1] == 0x38) {
		if (sgp_der_outer_value(der->data, der->len, 0xBF38, &v, &vl) < 0)
			return SGP_ERR_PARSE;
		if (!vl || v[0] != 0xA0)
			return SGP_ERR_NOTFOUND;	/* the eUICC's error: no certificate */
		rc = replace_at(der->data, der->len, euicc_cert, 2, e->cert, e->cert_len, &out);
		snprintf(note, notelen, "%s: euiccCertificate replaced", member);
	} else if (der->len && der->data[0] == 0x30) {
		rc = sgp_buf_append(&out, e->cert, e->cert_len);
		snprintf(note, notelen, "%s: certificate replaced", member);
	} else {
		rc = SGP_ERR_NOTFOUND;
	}
	if (rc == SGP_OK) {
		sgp_buf_free(der);
		*der = out;
	} else {
		sgp_buf_free(&out);
	}
	return rc;
}

/* The edit of one ASN.1 member's DER, in place in der. */
static int edit_der(const struct lab_fault_edit *e, struct sgp_buf *der, const char *member,
		    char *note, size_t notelen)
{
	struct der_error derr;
	size_t vl = 0;
	long off;

	switch (e->what) {
	case LAB_FAULT_BAD_SIGNATURE:
		off = find_value(der->data, der->data, der->len, TAG_SIGNATURE, &vl, 0);
		if (off < 0 || !vl)
			return SGP_ERR_NOTFOUND;
		der->data[off + (long)vl - 1] ^= 0x01;
		snprintf(note, notelen, "%s: a bit of its signature ('5F37') flipped", member);
		return SGP_OK;
	case LAB_FAULT_MALFORMED_DER:
		/* valid DER made invalid, not garbage passed on */
		if (sgp_der_check_tlv(der->data, der->len, &derr) < 0)
			return SGP_ERR_PARSE;
		der->len--;
		snprintf(note, notelen, "%s: cut by its last byte (%zu bytes left)", member,
			 der->len);
		return SGP_OK;
	case LAB_FAULT_UNKNOWN_CI:
		snprintf(note, notelen, "%s: CI key identifiers altered", member);
		return edit_unknown_ci(der);
	case LAB_FAULT_SWAP_CERT:
		return edit_swap_cert(e, der, note, notelen, member);
	default:
		return SGP_ERR_INVAL;
	}
}

static const char *const *members_of(enum lab_fault_what w)
{
	switch (w) {
	case LAB_FAULT_BAD_SIGNATURE: return sig_members;
	case LAB_FAULT_MALFORMED_DER: return der_members;
	case LAB_FAULT_UNKNOWN_CI: return ci_members;
	case LAB_FAULT_SWAP_CERT: return cert_members;
	default: return NULL;
	}
}

/* transactionId: the last hex digit changed, the length kept. */
static int edit_tid(json_t *root, char *note, size_t notelen)
{
	json_t *tid = json_object_get(root, "transactionId");
	const char *s = json_string_value(tid);
	char *copy;
	size_t n;
	int rc;

	if (!s || !(n = strlen(s)))
		return SGP_ERR_NOTFOUND;
	copy = strdup(s);
	if (!copy)
		return SGP_ERR_NOMEM;
	copy[n - 1] = copy[n - 1] == '0' ? '1' : '0';
	snprintf(note, notelen, "transactionId %s -> %s", s, copy);
	/* s dies with the old value */
	rc = json_object_set_new(root, "transactionId", json_string(copy)) ? SGP_ERR_NOMEM : 0;
	free(copy);
	return rc;
}

static int edit_member(const struct lab_fault_edit *e, json_t *root, const char *member,
		       char *note, size_t notelen)
{
	const char *s = json_string_value(json_object_get(root, member));
	struct sgp_buf der = SGP_BUF_INIT;
	char *b64 = NULL;
	int rc;

	if (!s)
		return SGP_ERR_NOTFOUND;
	rc = sgp_base64_decode(s, strlen(s), &der);
	if (rc == SGP_OK)
		rc = edit_der(e, &der, member, note, notelen);
	if (rc == SGP_OK && !(b64 = sgp_base64_encode(der.data, der.len)))
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK && json_object_set_new(root, member, json_string(b64)))
		rc = SGP_ERR_NOMEM;
	free(b64);
	sgp_buf_free(&der);
	return rc;
}

int lab_fault_mutate(const struct lab_fault_edit *e, const uint8_t *body, size_t len,
		     struct sgp_buf *out, char *note, size_t notelen)
{
	const char *const *list;
	const char *one[2] = { NULL, NULL };
	char scratch[8];
	json_t *root;
	char *text = NULL;
	int rc = SGP_ERR_NOTFOUND;

	if (!note) {
		note = scratch;
		notelen = sizeof(scratch);
	}
	if (!e || !lab_fault_is_edit(e->what) || !out)
		return SGP_ERR_INVAL;
	root = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return SGP_ERR_PARSE;
	}
	if (e->what == LAB_FAULT_WRONG_TRANSACTION_ID) {
		rc = edit_tid(root, note, notelen);
	} else {
		one[0] = e->member;
		list = e->member ? one : members_of(e->what);
		for (; *list && rc == SGP_ERR_NOTFOUND; list++)
			rc = edit_member(e, root, *list, note, notelen);
	}
	if (rc == SGP_OK && !(text = json_dumps(root, JSON_COMPACT)))
		rc = SGP_ERR_NOMEM;
	if (rc == SGP_OK)
		rc = sgp_buf_set(out, text, strlen(text));
	free(text);
	json_decref(root);
	return rc;
}

int lab_fault_euicc_error(const uint8_t *body, size_t len, long *code, bool *download)
{
	static const struct { const char *member; uint32_t tag; bool download; } where[] = {
		{ "authenticateServerResponse", 0xBF38, false },
		{ "prepareDownloadResponse", 0xBF21, true },
	};
	json_t *root = json_loadb((const char *)body, len, 0, NULL);
	int rc = SGP_ERR_NOTFOUND;

	for (size_t i = 0; json_is_object(root) && i < 2 && rc == SGP_ERR_NOTFOUND; i++) {
		const char *s = json_string_value(json_object_get(root, where[i].member));
		struct sgp_buf der = SGP_BUF_INIT;
		const uint8_t *v, *er, *c;
		size_t vl, el, cl;

		if (!s || sgp_base64_decode(s, strlen(s), &der) < 0)
			continue;
		if (sgp_der_outer_value(der.data, der.len, where[i].tag, &v, &vl) == SGP_OK &&
		    sgp_der_find_value(v, vl, 0xA1, &er, &el, NULL) == SGP_OK &&
		    sgp_der_find_value(er, el, 0x02, &c, &cl, NULL) == SGP_OK && cl &&
		    cl <= sizeof(long) - 1) {
			long x = (c[0] & 0x80) ? -1 : 0;

			for (size_t k = 0; k < cl; k++)
				x = (long)((unsigned long)x << 8) | c[k];
			*code = x;
			*download = where[i].download;
			rc = SGP_OK;
		}
		sgp_buf_free(&der);
	}
	json_decref(root);
	return rc;
}

const char *lab_fault_euicc_error_name(long code, bool download)
{
	/* SGP.22 v2.5 RSPDefinitions: AuthenticateErrorCode, DownloadErrorCode */
	switch (code) {
	case 1: return "invalidCertificate";
	case 2: return "invalidSignature";
	case 3: return "unsupportedCurve";
	case 4: return "noSessionContext";
	case 5: return download ? "invalidTransactionId" : "invalidOid";
	case 6: return download ? NULL : "euiccChallengeMismatch";
	case 7: return download ? NULL : "ciPKUnknown";
	case 127: return "undefinedError";
	default: return NULL;
	}
}
