/* sgp32lab: identifiers every role handles — ICCID and EID in text and in
 * their ASN.1 encodings.
 *
 * Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10)) holds the ICCID's digits
 * as BCD with the nibbles of each byte swapped and 'F' padding (ITU-T E.118,
 * SGP.22 section 2.2.3: "89 44 ..." -> 98 44 ...).  The EID (Octet16) is its
 * 32 decimal digits as plain BCD. */
#ifndef SGP_CORE_IDS_H
#define SGP_CORE_IDS_H

#include <stddef.h>
#include <stdint.h>

#define SGP_ICCID_BCD_LEN 10
#define SGP_ICCID_MAX_DIGITS 20
#define SGP_EID_BCD_LEN 16
#define SGP_EID_DIGITS 32

/* "8944000000000000001" (18 to 20 digits) -> 10 swapped-BCD bytes. */
int sgp_iccid_to_bcd(const char *text, uint8_t bcd[SGP_ICCID_BCD_LEN]);
/* 10 swapped-BCD bytes -> text; SGP_ERR_PARSE on a non-digit nibble
 * before the padding. */
int sgp_iccid_from_bcd(const uint8_t *bcd, size_t len, char text[SGP_ICCID_MAX_DIGITS + 1]);

/* 32 digits <-> 16 BCD bytes. */
int sgp_eid_to_bcd(const char *text, uint8_t bcd[SGP_EID_BCD_LEN]);
int sgp_eid_from_bcd(const uint8_t *bcd, size_t len, char text[SGP_EID_DIGITS + 1]);

#endif
