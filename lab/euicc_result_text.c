/* sgp32lab: an EuiccPackageResult (SGP.32 v1.2 2.11.2, 'BF51') in a few
 * words for a step's message — what the eUICC answered, with the ASN.1
 * names of the result and its value ("enableResult 0",
 * "euiccPackageErrorSigned 4"), so that a scenario against an
 * external eIM shows which rule its package broke.
 *
 * The words come from asn1c's canonical XER of each part: element names and
 * values (asn1c 0.9.28 writes the named numbers of these INTEGER types as
 * numbers); nothing is kept by hand. */
#include "lab/lab_eim.h"
#include "core/der/der.h"

#include "EuiccPackageErrorCode.h"
#include "EuiccPackageResult.h"
#include "EuiccResultData.h"
#include "xer_encoder.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct words {
	char *out;
	size_t size, used;
	unsigned n, max;	/* words written, words wanted */
	unsigned skip;		/* words still to drop (the type's own tag) */
	char cur[80];		/* the tag name or text being read */
	size_t cur_len;
	bool in_tag, closing;
};

static void word(struct words *w, const char *s, size_t len)
{
	int k;

	if (!len || w->n >= w->max || w->used + 1 >= w->size)
		return;
	if (w->skip) {
		w->skip--;
		return;
	}
	k = snprintf(w->out + w->used, w->size - w->used, "%s%.*s", w->n ? " " : "", (int)len, s);
	if (k > 0)
		w->used = w->used + (size_t)k < w->size ? w->used + (size_t)k : w->size - 1;
	w->n++;
}

/* XER bytes -> words: the names of opening and empty tags ("<x>", "<x/>"),
 * and element text (a number); closing tags and white space are dropped. */
static int xer_words(const void *buf, size_t size, void *key)
{
	struct words *w = key;
	const char *p = buf;

	for (size_t i = 0; i < size; i++) {
		char c = p[i];

		if (c == '<') {
			if (!w->in_tag)
				word(w, w->cur, w->cur_len);	/* text before the tag */
			w->in_tag = true;
			w->closing = false;
			w->cur_len = 0;
		} else if (w->in_tag && c == '>') {
			if (!w->closing)
				word(w, w->cur, w->cur_len);
			w->in_tag = false;
			w->cur_len = 0;
		} else if (w->in_tag && c == '/') {
			w->closing |= w->cur_len == 0;	/* "</x>"; "<x/>" is a word */
		} else if (c != ' ' && c != '\n' && c != '\t' && w->cur_len < sizeof(w->cur)) {
			w->cur[w->cur_len++] = c;
		}
	}
	return 0;
}

static void describe(struct words *w, asn_TYPE_descriptor_t *td, const void *v, unsigned max)
{
	w->max = w->n + max;
	w->skip = 1;		/* <EuiccResultData>, <EuiccPackageErrorCode> */
	w->in_tag = false;
	w->cur_len = 0;
	xer_encode(td, (void *)v, XER_F_CANONICAL, xer_words, w);
}

void lab_euicc_result_text(const uint8_t *der, size_t len, char *out, size_t size)
{
	EuiccPackageResult_t *r = NULL;
	struct der_error err;
	struct words w = { .out = out, .size = size };

	if (!size)
		return;
	out[0] = '\0';
	if (sgp_der_decode(&asn_DEF_EuiccPackageResult, der, len, (void **)&r, &err) < 0) {
		snprintf(out, size, "undecodable EuiccPackageResult: %s", err.msg);
		return;
	}
	switch (r->present) {
	case EuiccPackageResult_PR_euiccPackageResultSigned: {
		const struct EuiccPackageResultDataSigned__euiccResult *l =
			&r->choice.euiccPackageResultSigned.euiccPackageResultDataSigned.euiccResult;

		for (int i = 0; i < l->list.count && i < 4; i++)
			describe(&w, &asn_DEF_EuiccResultData, l->list.array[i], 3);
		if (!l->list.count)
			snprintf(out, size, "a signed result with no euiccResult");
		break;
	}
	case EuiccPackageResult_PR_euiccPackageErrorSigned:
		w.max = 1;
		word(&w, "euiccPackageErrorSigned", 23);
		describe(&w, &asn_DEF_EuiccPackageErrorCode,
			 &r->choice.euiccPackageErrorSigned.euiccPackageErrorDataSigned
				  .euiccPackageErrorCode, 1);
		break;
	case EuiccPackageResult_PR_euiccPackageErrorUnsigned:
		snprintf(out, size, "euiccPackageErrorUnsigned (the eUICC did not authenticate the eIM: "
			 "unknown eimId or a wrong eimSignature)");
		break;
	default:
		snprintf(out, size, "an EuiccPackageResult of an unknown kind");
		break;
	}
	sgp_der_free(&asn_DEF_EuiccPackageResult, r);
}
