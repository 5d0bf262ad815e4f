/* sgp32lab: Activation Codes (SGP.22 v2.5 section 4.1).
 *
 * Grammar (4.1 "Activation Code", 4.1.2 the QR code form):
 *
 *   qr-code     = "LPA:" activation-code
 *   activation-code = AC_Format "$" SM-DP+Address "$" AC_Token
 *                     [ "$" SM-DP+OID [ "$" CC_Required_Flag ] ]
 *   AC_Format   = "1"
 *   SM-DP+Address = FQDN (RFC 1035 host name: labels of 1..63 letters,
 *                 digits and '-', not starting or ending with '-',
 *                 dot-separated, 255 characters at most); the lab also
 *                 accepts ":port" after it (1..65535) so that loopback
 *                 servers on ephemeral ports can be named
 *   AC_Token    = the Matching ID: 0..255 characters out of upper-case
 *                 letters, digits and '-'; may be empty
 *   SM-DP+OID   = an OBJECT IDENTIFIER in dotted decimal ("2.999.10"),
 *                 or empty (absent)
 *   CC_Required_Flag = "1" (a Confirmation Code is required), or empty /
 *                 absent (not required)
 *
 * Only printable ASCII is allowed anywhere; the delimiter is '$'.  Parsing
 * never trusts a NUL terminator: the input is (text, len). */
#ifndef SGP_CORE_AC_H
#define SGP_CORE_AC_H

#include <stdbool.h>
#include <stddef.h>

#define SGP_AC_ADDRESS_MAX	255	/* FQDN (plus the lab's ":port") */
#define SGP_AC_TOKEN_MAX	255
#define SGP_AC_OID_MAX		127
/* Longest input looked at: "LPA:" + "1" + 4 delimiters + the fields. */
#define SGP_AC_TEXT_MAX		(4 + 1 + 4 + SGP_AC_ADDRESS_MAX + 6 + SGP_AC_TOKEN_MAX + \
				 SGP_AC_OID_MAX + 1)

struct sgp_ac {
	char smdp_address[SGP_AC_ADDRESS_MAX + 1];
	char matching_id[SGP_AC_TOKEN_MAX + 1];	/* "" when empty */
	char smdp_oid[SGP_AC_OID_MAX + 1];	/* "" when absent */
	bool cc_required;
};

/* Why a code was refused (sgp_ac_err_str gives the text). */
enum sgp_ac_err {
	SGP_AC_OK = 0,
	SGP_AC_EMPTY,			/* no text, or only "LPA:" */
	SGP_AC_TOO_LONG,		/* input over SGP_AC_TEXT_MAX */
	SGP_AC_NOT_ASCII,		/* a byte outside printable ASCII (control, NUL, >0x7E) */
	SGP_AC_BAD_VERSION,		/* AC_Format is not "1" */
	SGP_AC_MISSING_DELIMITER,	/* fewer than three fields */
	SGP_AC_TOO_MANY_FIELDS,		/* more than five fields */
	SGP_AC_MISSING_ADDRESS,		/* SM-DP+ address empty */
	SGP_AC_BAD_ADDRESS,		/* not a host name (or bad port) */
	SGP_AC_ADDRESS_TOO_LONG,
	SGP_AC_BAD_TOKEN,		/* a character outside 0-9 A-Z '-' */
	SGP_AC_TOKEN_TOO_LONG,
	SGP_AC_BAD_OID,			/* not a dotted-decimal OID */
	SGP_AC_BAD_CC_FLAG,		/* CC flag other than "1" */
};
const char *sgp_ac_err_str(enum sgp_ac_err e);

/* Parse an activation code, with or without the "LPA:" prefix.  Returns 0,
 * SGP_ERR_INVAL (NULL arguments), SGP_ERR_TOOBIG (SGP_AC_TOO_LONG) or
 * SGP_ERR_PARSE; *why (may be NULL) gets the reason and errbuf (may be
 * NULL) a message that names the field and the offending position. */
int sgp_ac_parse(const char *text, size_t len, struct sgp_ac *out, enum sgp_ac_err *why,
		 char *errbuf, size_t errlen);

/* Build "LPA:1$addr$token[$oid[$1]]" (qr_prefix) or without "LPA:".  The
 * fields are checked as the parser would; trailing empty fields are left
 * out.  SGP_ERR_TOOBIG if out is too small, SGP_ERR_PARSE for a bad field
 * (*why says which). */
int sgp_ac_build(const struct sgp_ac *ac, bool qr_prefix, char *out, size_t size,
		 enum sgp_ac_err *why);

/* The SM-DP+ / RSP server address rule above (FQDN, the lab's ":port"),
 * for other messages that carry such an address (ES12 rspServerAddress). */
bool sgp_ac_address_valid(const char *text, size_t len);

#endif
