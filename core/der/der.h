/* sgp32lab: strict DER codec over the asn1c-generated types (asn1/).
 *
 * Every role decodes peer messages through sgp_der_decode(), which is stricter
 * than asn1c alone:
 *   1. a DER structure check of the TLVs (X.690 10.1: definite, minimal
 *      lengths; no trailing bytes; nesting depth bounded),
 *   2. asn1c's BER decoder into the generated C structure,
 *   3. asn_check_constraints(), since asn1c's decoder does not check SIZE
 *      and value constraints,
 *   4. re-encoding with asn1c's DER encoder and comparing with the input,
 *      which rejects every remaining non-canonical form (BOOLEAN other than
 *      FF, non-minimal INTEGER, non-zero BIT STRING padding, a DEFAULT value
 *      encoded, unsorted SET OF, unknown extension fields).
 * Inputs above DER_MAX_INPUT are refused.  Decoded values are owned by the
 * caller and released with sgp_der_free().
 *
 * sgp_der_guess() finds the type of an unlabelled message from its outermost
 * tag, using the PDU collection that asn1c generated (asn1/Makefile.am).
 */
#ifndef SGP_CORE_DER_H
#define SGP_CORE_DER_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct asn_TYPE_descriptor_s;

/* Largest DER input accepted (a Bound Profile Package of a large profile
 * stays well below). */
#define DER_MAX_INPUT (1024 * 1024)
/* Deepest TLV nesting accepted; SGP.22/SGP.32 messages stay below 20. */
#define DER_MAX_DEPTH 48

struct der_error {
	int code;		/* 0 or a negative sgp_err */
	size_t offset;		/* input offset of the fault, when known */
	char msg[200];		/* human-readable reason, "" when code == 0 */
};

/* Decode one value of type td from exactly len bytes of DER.  On success
 * *out holds the new value (free with der_free).  On failure *out is NULL,
 * err says why, and the result is SGP_ERR_PARSE, SGP_ERR_TOOBIG,
 * SGP_ERR_INVAL or SGP_ERR_NOMEM. */
int sgp_der_decode(const struct asn_TYPE_descriptor_s *td, const uint8_t *data,
	       size_t len, void **out, struct der_error *err);

/* Check the constraints of value and encode it as DER, replacing the
 * content of out. */
int sgp_der_encode(const struct asn_TYPE_descriptor_s *td, const void *value,
	       struct sgp_buf *out, struct der_error *err);

/* Release a decoded or caller-built value (ASN_STRUCT_FREE); NULL is ok. */
void sgp_der_free(const struct asn_TYPE_descriptor_s *td, void *value);

/* The DER structure check alone (step 1 above). */
int sgp_der_check_tlv(const uint8_t *data, size_t len, struct der_error *err);

/* Outermost tag of a DER input as text, e.g. "[CONTEXT 46]" ('BF2E'). */
int sgp_der_tag_text(const uint8_t *data, size_t len, char *text, size_t size);

/* --- types by name and by tag (der_types.c) --- */

/* The type called name in the PDU collection (ASN.1 name, e.g.
 * "GetEuiccChallengeResponse" or "SGP32-EUICCInfo2"; '_' may stand for '-'),
 * or NULL. */
const struct asn_TYPE_descriptor_s *sgp_der_type_by_name(const char *name);
/* Iterate over the PDU collection: the i-th type, NULL past the end. */
const struct asn_TYPE_descriptor_s *sgp_der_type_at(size_t i);
const char *sgp_der_type_name(const struct asn_TYPE_descriptor_s *td);
/* Outermost tag of a type as text, "(any)" for an open type. */
void sgp_der_type_tag_text(const struct asn_TYPE_descriptor_s *td, char *text,
		       size_t size);

#define DER_MAX_CANDIDATES 24

struct der_candidate {
	const struct asn_TYPE_descriptor_s *td;
	void *value;		/* decoded value when err.code == 0 */
	struct der_error err;	/* why this type did not fit */
};

struct der_guess {
	size_t n;		/* candidates tried (same outermost tag) */
	size_t n_ok;		/* of which decoded strictly */
	int chosen;		/* index of the result in c[], -1 if none */
	struct der_candidate c[DER_MAX_CANDIDATES];
};

/* Decode an input whose type is unknown: every type of the PDU collection
 * whose outermost tag matches the input's is tried with sgp_der_decode().
 * Rule when several decode (e.g. ES9+ and ESipa variants of a message):
 * a type that carries the tag itself wins over an untagged CHOICE that
 * contains it (GetEimPackageResponse before EsipaMessageFromEimToIpa);
 * among those, the one listed first in the PDU collection wins (asn1c lists
 * types in module order, SGP.32 before SGP.22, then in the order of each
 * module).  The others stay in g->c with value != NULL so that a caller can
 * mention them.  Returns 0 when one type fits,
 * SGP_ERR_NOTFOUND when no type has this tag, SGP_ERR_PARSE when types
 * have it but none decodes (g->c[].err says why for each). */
int sgp_der_guess(const uint8_t *data, size_t len, struct der_guess *g,
	      struct der_error *err);
void sgp_der_guess_free(struct der_guess *g);

/* Print a value as XER (X.693 XML, asn1c's xer_fprint).  XER rather than
 * JSON: asn1c produces it for every type with the ASN.1 names of fields,
 * CHOICE alternatives, named bits and named numbers, so nothing has to be
 * maintained by hand for the 300-odd types, and it round-trips through
 * asn1c's XER decoder. */
int sgp_der_print_xer(FILE *f, const struct asn_TYPE_descriptor_s *td,
		  const void *value);

/* --- writing TLVs by hand (parts whose bytes must stay as they are) --- */

/* Tag of one to three bytes as written ('BF37' is 0xBF37), DER length. */
int sgp_der_put_header(struct sgp_buf *out, uint32_t tag, size_t len);
int sgp_der_put_tlv(struct sgp_buf *out, uint32_t tag, const void *value, size_t len);
/* Replace buf by a TLV of tag around its content. */
int sgp_der_wrap(struct sgp_buf *buf, uint32_t tag);

/* --- input as people hand it over --- */

enum der_text_enc {
	DER_TEXT_AUTO,		/* hex when the text holds only hex digits, else base64 */
	DER_TEXT_HEX,
	DER_TEXT_BASE64,
};

/* Message bytes from hex or base64 text (white space ignored). */
int sgp_der_from_text(const char *text, size_t len, enum der_text_enc enc, struct sgp_buf *der);
/* Message bytes from a file ("-": standard input) of at most max bytes:
 * with DER_TEXT_AUTO, printable text is decoded as above and anything else
 * taken as binary DER. */
int sgp_der_from_file(const char *path, size_t max, enum der_text_enc enc, struct sgp_buf *der);

#endif
