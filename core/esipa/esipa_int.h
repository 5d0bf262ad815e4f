/* sgp32lab: DER helpers shared by the two directions of the ESipa mapping */
#ifndef SGP_CORE_ESIPA_INT_H
#define SGP_CORE_ESIPA_INT_H

#include "core/der/bpp_split.h"

#include "core/esipa/esipa_map.h"

struct asn_TYPE_descriptor_s;

/* tag { INTEGER code, minimal two's complement } */
int esipa_put_int(struct sgp_buf *b, uint32_t tag, long code);
long esipa_get_int(const struct sgp_tlv *t);
/* The outer tag of function f's ESipa messages ('BF39' ...). */
uint32_t esipa_fn_tag(enum es9_function f);
/* body -> esipa_fn_tag(f) { body }, strictly decoded as td; moved into
 * *der on success.  body is freed either way.  SGP_ERR_PARSE when it is
 * not a valid message. */
int esipa_finish(struct sgp_buf *body, enum es9_function f,
		 const struct asn_TYPE_descriptor_s *td, struct sgp_buf *der);

/* Check der as a whole message of td (for function f's answers: with
 * the Bound Profile Package checked by hand).  0 or SGP_ERR_PARSE. */
int esipa_check(const uint8_t *der, size_t len, enum es9_function f,
		const struct asn_TYPE_descriptor_s *td);

#endif
