/* sgp32lab: the faults the lab's ES9+ proxy (lab/proxy.c) puts into one
 * message — edits of an ES9+ JSON body (SGP.22 v2.5 6.5.2), each breaking
 * one thing a receiver must check:
 *
 *   bad-signature         one bit of the first signature ('5F37') in the
 *                         message flipped (serverSignature1, euiccSignature1
 *                         in authenticateServerResponse, smdpSignature2,
 *                         euiccSignature2, euiccSignPIR, ...)
 *   wrong-transaction-id  the last hex digit of transactionId changed
 *   malformed-der         the first ASN.1 member cut by its last byte: its
 *                         outer length then runs past the end
 *   unknown-ci            every key identifier of euiccInfo1's
 *                         euiccCiPKIdListForVerification ('A9') and
 *                         euiccCiPKIdListForSigning ('AA') altered
 *   swap-cert             a certificate replaced by the caller's: the
 *                         serverCertificate or smdpCertificate member, or the
 *                         euiccCertificate inside authenticateServerResponse
 *
 * replay and drop are what the proxy does with a message, not edits.
 *
 * Everything here is pure (bytes in, bytes out) and answers hostile input
 * with an error: the body comes off the wire. */
#ifndef SGP_LAB_PROXY_FAULT_H
#define SGP_LAB_PROXY_FAULT_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lab_fault_what {
	LAB_FAULT_BAD_SIGNATURE,
	LAB_FAULT_WRONG_TRANSACTION_ID,
	LAB_FAULT_MALFORMED_DER,
	LAB_FAULT_UNKNOWN_CI,
	LAB_FAULT_SWAP_CERT,
	LAB_FAULT_REPLAY,	/* the proxy sends the request twice */
	LAB_FAULT_DROP,		/* the proxy closes the connection unanswered */
	LAB_FAULT_COUNT
};

const char *lab_fault_what_name(enum lab_fault_what w);
/* -1 for an unknown name. */
int lab_fault_what_parse(const char *name);
/* True for the kinds lab_fault_mutate() does. */
bool lab_fault_is_edit(enum lab_fault_what w);

struct lab_fault_edit {
	enum lab_fault_what what;
	/* the JSON member to edit; NULL: the first member present of the
	 * kind's list (see the table in proxy_fault.c) */
	const char *member;
	/* LAB_FAULT_SWAP_CERT: the certificate (DER) put in */
	const uint8_t *cert;
	size_t cert_len;
};

/* Apply e to the JSON body [body, body + len): *out gets the new body and
 * note (may be NULL) says what changed ("serverSignature1: bit flipped").
 * SGP_ERR_PARSE: the body is no JSON object, or the member is no valid
 * base64/DER; SGP_ERR_NOTFOUND: nothing this edit applies to;
 * SGP_ERR_INVAL: e is not an edit. */
int lab_fault_mutate(const struct lab_fault_edit *e, const uint8_t *body, size_t len,
		     struct sgp_buf *out, char *note, size_t notelen);

/* The eUICC's error in an ES9+ request body: authenticateServerResponse
 * 'BF38' or prepareDownloadResponse 'BF21' holding the error alternative
 * 'A1' { ..., INTEGER }.  0 with *code and *download (true: a
 * DownloadErrorCode of PrepareDownload, false: an AuthenticateErrorCode);
 * SGP_ERR_NOTFOUND when the body carries none. */
int lab_fault_euicc_error(const uint8_t *body, size_t len, long *code, bool *download);
/* The ASN.1 name of an AuthenticateErrorCode / DownloadErrorCode (SGP.22
 * 5.7.13, 5.7.5), NULL for an unnamed value. */
const char *lab_fault_euicc_error_name(long code, bool download);

#endif
