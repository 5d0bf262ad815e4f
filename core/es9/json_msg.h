/* sgp32lab: a small table-driven JSON message engine (jansson) for the
 * HTTPS JSON bindings of SGP.22 (ES9+, ES11, ES2+, ES12).
 *
 * A message is a C struct described by a table of fields: the JSON member
 * name, its kind (string, base64 ASN.1 value, hex string, boolean, ...),
 * the offset of the C member, whether it is mandatory and its size limits.
 * json_msg_decode() and json_msg_encode() walk that table, so every message
 * of every binding is parsed by the same strict code:
 *
 * - the text must be UTF-8 JSON holding one object, no duplicate keys, at
 *   most JSON_MSG_MAX_TEXT bytes (or the caller's limit);
 * - every member has the JSON type its kind asks for; base64 is strict
 *   (RFC 4648 alphabet, padding), hex has an even number of digits;
 * - a mandatory member that is absent is reported as missing;
 * - members the table does not know: rejected unless JSON_MSG_ALLOW_UNKNOWN
 *   is given (see es9.h for the policy of each binding).
 *
 * The common "header" member is part of every message (SGP.22 6.5.1.3 for
 * requests: functionRequesterIdentifier, functionCallIdentifier; 6.5.1.4 for
 * responses: functionExecutionStatus {status, statusCodeData}).
 *
 * Ownership: decoded strings are malloc'ed, byte values live in struct
 * sgp_buf; json_msg_free() releases them and leaves the struct zeroed.
 */
#ifndef SGP_CORE_ES9_JSON_MSG_H
#define SGP_CORE_ES9_JSON_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* Default and absolute limit of one JSON text (a Bound Profile Package in
 * base64 is the largest value: a few hundred KiB at most). */
#define JSON_MSG_MAX_TEXT (2u * 1024 * 1024)

/* ---- the common header (SGP.22 6.5.1.3 / 6.5.1.4) ---- */

enum es_exec_status {
	ES_EXECUTED_SUCCESS = 0,	/* "Executed-Success" */
	ES_EXECUTED_WITH_WARNING,	/* "Executed-WithWarning" */
	ES_FAILED,			/* "Failed" */
	ES_EXPIRED,			/* "Expired" */
};
const char *es_exec_status_str(enum es_exec_status s);

struct es_status_code_data {
	char *subject_code;		/* e.g. "8.8.1" */
	char *reason_code;		/* e.g. "3.8" */
	char *subject_identifier;	/* optional */
	char *message;			/* optional */
};

/* Request header: both members optional on ES9+/ES11 (an LPA has no
 * requester identifier), mandatory on ES2+/ES12 (see the flags). */
struct es_req_header {
	char *function_requester_identifier;
	char *function_call_identifier;
};

/* Response header: functionExecutionStatus. */
struct es_resp_header {
	enum es_exec_status status;
	bool has_status_code_data;
	struct es_status_code_data scd;
};

/* ---- field kinds ---- */

enum json_field_kind {
	JF_STRING,	/* char *: a JSON string */
	JF_BASE64,	/* struct sgp_buf: a JSON string in base64 */
	JF_HEX,		/* struct sgp_buf: a JSON string of hex digits */
	JF_BOOL,	/* bool + presence flag (see has_off) */
	JF_REQ_HEADER,	/* struct es_req_header: the "header" member */
	JF_RESP_HEADER,	/* struct es_resp_header: the "header" member */
	JF_EVENT_ARRAY,	/* struct es_event_list: ES11 eventEntries */
	JF_STATUS,	/* struct es_resp_header: a bare functionExecutionStatus
			 * object (ES2+ notificationPointStatus) */
	JF_INT,		/* long + presence flag (has_off): a JSON integer */
};

/* ES11 AuthenticateClient response: eventEntries (SGP.22 6.6.2.2) */
struct es_event_entry {
	char *event_id;
	char *rsp_server_address;
};
struct es_event_list {
	struct es_event_entry *entries;
	size_t count;
};

#define JF_MANDATORY	0x01	/* absent: JSON_MSG_E_MISSING */
#define JF_SUCCESS_ONLY	0x02	/* response member: mandatory only when
				 * the status is Executed-Success/-WithWarning */

struct json_field {
	const char *name;		/* JSON member name */
	enum json_field_kind kind;
	size_t off;			/* offsetof the C member */
	size_t has_off;			/* JF_BOOL: offsetof its bool "present" */
	unsigned flags;
	size_t min_len, max_len;	/* bytes (decoded) or characters; 0: no limit */
};

struct json_msg_desc {
	const char *name;		/* for log lines, e.g. "InitiateAuthenticationRequest" */
	size_t size;			/* sizeof the C struct */
	const struct json_field *fields;
	size_t n_fields;
};

/* ---- errors: why a text was refused ---- */

enum json_msg_err {
	JSON_MSG_OK = 0,
	JSON_MSG_E_SYNTAX,	/* not JSON, not one object, bad UTF-8, duplicate key */
	JSON_MSG_E_TOOBIG,	/* text or a member over its limit */
	JSON_MSG_E_TYPE,	/* a member of the wrong JSON type */
	JSON_MSG_E_MISSING,	/* a mandatory member is absent */
	JSON_MSG_E_UNKNOWN,	/* a member the message does not define */
	JSON_MSG_E_BASE64,	/* a base64 value that does not decode */
	JSON_MSG_E_HEX,		/* a hex value that does not decode */
	JSON_MSG_E_VALUE,	/* a value out of its range (length, enum) */
};
const char *json_msg_err_str(enum json_msg_err e);

struct json_msg_error {
	enum json_msg_err kind;
	char field[64];		/* the member concerned ("header.functionExecutionStatus.status") */
	char text[160];		/* a human readable reason */
};

#define JSON_MSG_ALLOW_UNKNOWN	0x01	/* ignore members the table does not know */

/* Parse text (len bytes, need not be NUL terminated) into out (a zeroed
 * struct of desc->size bytes; on failure it is freed and zeroed again).
 * max_text 0: JSON_MSG_MAX_TEXT.  Returns 0, SGP_ERR_PARSE / SGP_ERR_TOOBIG
 * with *err filled in (err may be NULL), or SGP_ERR_NOMEM. */
int json_msg_decode(const struct json_msg_desc *desc, const char *text, size_t len,
		    size_t max_text, unsigned flags, void *out, struct json_msg_error *err);

/* Encode in as compact JSON text (malloc'ed, NUL terminated, *text_len
 * without the NUL; text_len may be NULL).  A response whose status is
 * Failed or Expired carries only its header.  Absent optional members
 * (NULL strings, empty buffers, bools without presence) are left out.
 * Returns 0, SGP_ERR_INVAL (a mandatory member empty) or SGP_ERR_NOMEM. */
int json_msg_encode(const struct json_msg_desc *desc, const void *in, char **text,
		    size_t *text_len);

/* Release what decode (or the caller) put in the struct; zeroes it. */
void json_msg_free(const struct json_msg_desc *desc, void *msg);

/* Helpers for building responses. */
int es_resp_header_set_failed(struct es_resp_header *h, const char *subject_code,
			      const char *reason_code, const char *message);
void es_resp_header_free(struct es_resp_header *h);

#endif
