/* sgp32lab: the table-driven JSON message engine (see json_msg.h) */
#include "core/es9/json_msg.h"
#include "core/err.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const exec_status_names[] = {
	[ES_EXECUTED_SUCCESS] = "Executed-Success",
	[ES_EXECUTED_WITH_WARNING] = "Executed-WithWarning",
	[ES_FAILED] = "Failed",
	[ES_EXPIRED] = "Expired",
};

const char *es_exec_status_str(enum es_exec_status s)
{
	if ((unsigned)s < sizeof(exec_status_names) / sizeof(exec_status_names[0]))
		return exec_status_names[s];
	return "?";
}

const char *json_msg_err_str(enum json_msg_err e)
{
	switch (e) {
	case JSON_MSG_OK: return "ok";
	case JSON_MSG_E_SYNTAX: return "malformed JSON";
	case JSON_MSG_E_TOOBIG: return "too big";
	case JSON_MSG_E_TYPE: return "wrong JSON type";
	case JSON_MSG_E_MISSING: return "mandatory member missing";
	case JSON_MSG_E_UNKNOWN: return "unknown member";
	case JSON_MSG_E_BASE64: return "bad base64";
	case JSON_MSG_E_HEX: return "bad hex";
	case JSON_MSG_E_VALUE: return "value out of range";
	}
	return "?";
}

static int fail(struct json_msg_error *err, enum json_msg_err kind, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct json_msg_error *err, enum json_msg_err kind, const char *field,
		const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->kind = kind;
		snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
		va_start(ap, fmt);
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
		va_end(ap);
	}
	return kind == JSON_MSG_E_TOOBIG ? SGP_ERR_TOOBIG : SGP_ERR_PARSE;
}

static char **str_at(void *msg, const struct json_field *f)
{
	return (char **)((char *)msg + f->off);
}

static struct sgp_buf *buf_at(void *msg, const struct json_field *f)
{
	return (struct sgp_buf *)((char *)msg + f->off);
}

/* ---- decoding ---- */

static int get_string(json_t *v, const char *name, size_t min, size_t max, char **out,
		      struct json_msg_error *err)
{
	size_t len;

	if (!json_is_string(v))
		return fail(err, JSON_MSG_E_TYPE, name, "%s: not a string", name);
	len = json_string_length(v);
	if (memchr(json_string_value(v), '\0', len))
		return fail(err, JSON_MSG_E_VALUE, name, "%s: NUL in string", name);
	if (max && len > max)
		return fail(err, JSON_MSG_E_TOOBIG, name, "%s: %zu characters, at most %zu",
			    name, len, max);
	if (len < min)
		return fail(err, JSON_MSG_E_VALUE, name, "%s: %zu characters, at least %zu",
			    name, len, min);
	*out = strdup(json_string_value(v));
	return *out ? 0 : SGP_ERR_NOMEM;
}

static int decode_status_code_data(json_t *o, struct es_status_code_data *scd,
				   unsigned flags, struct json_msg_error *err)
{
	static const char *const names[] = { "subjectCode", "reasonCode",
					     "subjectIdentifier", "message" };
	char **dst[] = { &scd->subject_code, &scd->reason_code,
			 &scd->subject_identifier, &scd->message };
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return fail(err, JSON_MSG_E_TYPE, "statusCodeData", "statusCodeData: not an object");
	json_object_foreach(o, key, v) {
		size_t i;

		for (i = 0; i < 4; i++)
			if (!strcmp(key, names[i]))
				break;
		if (i == 4) {
			if (flags & JSON_MSG_ALLOW_UNKNOWN)
				continue;
			return fail(err, JSON_MSG_E_UNKNOWN, key, "statusCodeData.%s: unknown", key);
		}
		rc = get_string(v, names[i], 1, 256, dst[i], err);
		if (rc)
			return rc;
	}
	if (!scd->subject_code || !scd->reason_code)
		return fail(err, JSON_MSG_E_MISSING, scd->subject_code ? "reasonCode" : "subjectCode",
			    "statusCodeData: subjectCode and reasonCode are mandatory");
	return 0;
}

/* functionExecutionStatus { status, statusCodeData } (SGP.22 6.5.1.4) */
static int decode_exec_status(json_t *o, struct es_resp_header *h, unsigned flags,
			      struct json_msg_error *err)
{
	const char *key;
	json_t *v;
	bool have_status = false;
	int rc;

	if (!json_is_object(o))
		return fail(err, JSON_MSG_E_TYPE, "functionExecutionStatus",
			    "functionExecutionStatus: not an object");
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "status")) {
			unsigned i;

			if (!json_is_string(v))
				return fail(err, JSON_MSG_E_TYPE, "status", "status: not a string");
			for (i = 0; i < 4; i++)
				if (!strcmp(json_string_value(v), exec_status_names[i]))
					break;
			if (i == 4)
				return fail(err, JSON_MSG_E_VALUE, "status", "status: unknown value");
			h->status = (enum es_exec_status)i;
			have_status = true;
		} else if (!strcmp(key, "statusCodeData")) {
			rc = decode_status_code_data(v, &h->scd, flags, err);
			if (rc)
				return rc;
			h->has_status_code_data = true;
		} else if (!(flags & JSON_MSG_ALLOW_UNKNOWN)) {
			return fail(err, JSON_MSG_E_UNKNOWN, key,
				    "functionExecutionStatus.%s: unknown", key);
		}
	}
	if (!have_status)
		return fail(err, JSON_MSG_E_MISSING, "status", "functionExecutionStatus.status missing");
	return 0;
}

static int decode_resp_header(json_t *o, struct es_resp_header *h, unsigned flags,
			      struct json_msg_error *err)
{
	const char *key;
	json_t *v;
	bool have = false;
	int rc;

	if (!json_is_object(o))
		return fail(err, JSON_MSG_E_TYPE, "header", "header: not an object");
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "functionExecutionStatus")) {
			rc = decode_exec_status(v, h, flags, err);
			if (rc)
				return rc;
			have = true;
		} else if (!(flags & JSON_MSG_ALLOW_UNKNOWN)) {
			return fail(err, JSON_MSG_E_UNKNOWN, key, "header.%s: unknown", key);
		}
	}
	if (!have)
		return fail(err, JSON_MSG_E_MISSING, "functionExecutionStatus",
			    "header.functionExecutionStatus missing");
	return 0;
}

static int decode_req_header(json_t *o, struct es_req_header *h, unsigned flags,
			     struct json_msg_error *err)
{
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return fail(err, JSON_MSG_E_TYPE, "header", "header: not an object");
	json_object_foreach(o, key, v) {
		char **dst;

		if (!strcmp(key, "functionRequesterIdentifier"))
			dst = &h->function_requester_identifier;
		else if (!strcmp(key, "functionCallIdentifier"))
			dst = &h->function_call_identifier;
		else if (flags & JSON_MSG_ALLOW_UNKNOWN)
			continue;
		else
			return fail(err, JSON_MSG_E_UNKNOWN, key, "header.%s: unknown", key);
		rc = get_string(v, key, 0, 256, dst, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int decode_events(json_t *a, struct es_event_list *l, unsigned flags,
			 struct json_msg_error *err)
{
	size_t i;
	json_t *e;
	int rc;

	if (!json_is_array(a))
		return fail(err, JSON_MSG_E_TYPE, "eventEntries", "eventEntries: not an array");
	if (json_array_size(a) > 1000)
		return fail(err, JSON_MSG_E_TOOBIG, "eventEntries", "eventEntries: too many");
	if (!json_array_size(a))
		return 0;
	l->entries = calloc(json_array_size(a), sizeof(*l->entries));
	if (!l->entries)
		return SGP_ERR_NOMEM;
	json_array_foreach(a, i, e) {
		struct es_event_entry *ent = &l->entries[i];
		const char *key;
		json_t *v;

		l->count = i + 1;
		if (!json_is_object(e))
			return fail(err, JSON_MSG_E_TYPE, "eventEntries", "eventEntries[%zu]: not an object", i);
		json_object_foreach(e, key, v) {
			char **dst;

			if (!strcmp(key, "eventId"))
				dst = &ent->event_id;
			else if (!strcmp(key, "rspServerAddress"))
				dst = &ent->rsp_server_address;
			else if (flags & JSON_MSG_ALLOW_UNKNOWN)
				continue;
			else
				return fail(err, JSON_MSG_E_UNKNOWN, key, "eventEntries[%zu].%s: unknown", i, key);
			rc = get_string(v, key, 1, 255, dst, err);
			if (rc)
				return rc;
		}
		if (!ent->event_id || !ent->rsp_server_address)
			return fail(err, JSON_MSG_E_MISSING, ent->event_id ? "rspServerAddress" : "eventId",
				    "eventEntries[%zu]: eventId and rspServerAddress are mandatory", i);
	}
	return 0;
}

static int decode_field(const struct json_field *f, json_t *v, void *msg, unsigned flags,
			struct json_msg_error *err)
{
	struct sgp_buf *b;
	int rc;

	switch (f->kind) {
	case JF_STRING:
		return get_string(v, f->name, f->min_len, f->max_len, str_at(msg, f), err);
	case JF_BASE64:
	case JF_HEX:
		if (!json_is_string(v))
			return fail(err, JSON_MSG_E_TYPE, f->name, "%s: not a string", f->name);
		b = buf_at(msg, f);
		/* 4 base64 characters or 2 hex digits per 3 / 1 bytes: refuse
		 * oversized text before decoding it */
		if (f->max_len && json_string_length(v) >
		    (f->kind == JF_BASE64 ? (f->max_len + 2) / 3 * 4 + 4 : f->max_len * 2))
			return fail(err, JSON_MSG_E_TOOBIG, f->name, "%s: over %zu bytes",
				    f->name, f->max_len);
		if (f->kind == JF_BASE64) {
			rc = sgp_base64_decode(json_string_value(v), json_string_length(v), b);
			if (rc == SGP_ERR_NOMEM)
				return rc;
			if (rc)
				return fail(err, JSON_MSG_E_BASE64, f->name, "%s: not base64", f->name);
		} else {
			rc = sgp_hex_decode(json_string_value(v), b);
			if (rc == SGP_ERR_NOMEM)
				return rc;
			if (rc || strlen(json_string_value(v)) != json_string_length(v))
				return fail(err, JSON_MSG_E_HEX, f->name, "%s: not hex", f->name);
		}
		if ((f->max_len && b->len > f->max_len) || b->len < f->min_len ||
		    ((f->flags & JF_MANDATORY) && !b->len))
			return fail(err, JSON_MSG_E_VALUE, f->name, "%s: %zu bytes, expected %zu..%zu",
				    f->name, b->len, f->min_len, f->max_len);
		return 0;
	case JF_BOOL:
		if (!json_is_boolean(v))
			return fail(err, JSON_MSG_E_TYPE, f->name, "%s: not a boolean", f->name);
		*(bool *)((char *)msg + f->off) = json_is_true(v);
		*(bool *)((char *)msg + f->has_off) = true;
		return 0;
	case JF_INT:
		if (!json_is_integer(v))
			return fail(err, JSON_MSG_E_TYPE, f->name, "%s: not an integer", f->name);
		*(long *)((char *)msg + f->off) = (long)json_integer_value(v);
		*(bool *)((char *)msg + f->has_off) = true;
		return 0;
	case JF_REQ_HEADER:
		return decode_req_header(v, (struct es_req_header *)((char *)msg + f->off), flags, err);
	case JF_RESP_HEADER:
		return decode_resp_header(v, (struct es_resp_header *)((char *)msg + f->off), flags, err);
	case JF_STATUS:
		return decode_exec_status(v, (struct es_resp_header *)((char *)msg + f->off), flags, err);
	case JF_EVENT_ARRAY:
		return decode_events(v, (struct es_event_list *)((char *)msg + f->off), flags, err);
	}
	return SGP_ERR_INVAL;
}

static const struct es_resp_header *resp_header_of(const struct json_msg_desc *d, const void *msg)
{
	for (size_t i = 0; i < d->n_fields; i++)
		if (d->fields[i].kind == JF_RESP_HEADER)
			return (const struct es_resp_header *)((const char *)msg + d->fields[i].off);
	return NULL;
}

int json_msg_decode(const struct json_msg_desc *desc, const char *text, size_t len,
		    size_t max_text, unsigned flags, void *out, struct json_msg_error *err)
{
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *key;
	const struct es_resp_header *rh;
	bool failed_resp;
	int rc;

	if (err)
		memset(err, 0, sizeof(*err));
	if (!desc || !out || (!text && len))
		return SGP_ERR_INVAL;
	if (!max_text || max_text > JSON_MSG_MAX_TEXT)
		max_text = JSON_MSG_MAX_TEXT;
	if (len > max_text) {
		rc = fail(err, JSON_MSG_E_TOOBIG, "", "%s: %zu bytes of JSON, at most %zu",
			  desc->name, len, max_text);
		goto out;
	}
	root = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (!root) {
		rc = fail(err, JSON_MSG_E_SYNTAX, "", "%s: line %d col %d: %s", desc->name,
			  jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = fail(err, JSON_MSG_E_SYNTAX, "", "%s: not a JSON object", desc->name);
		goto out;
	}
	json_object_foreach(root, key, v) {
		const struct json_field *f = NULL;

		for (size_t i = 0; i < desc->n_fields; i++)
			if (!strcmp(desc->fields[i].name, key)) {
				f = &desc->fields[i];
				break;
			}
		if (!f) {
			if (flags & JSON_MSG_ALLOW_UNKNOWN)
				continue;
			rc = fail(err, JSON_MSG_E_UNKNOWN, key, "%s: unknown member %.40s",
				  desc->name, key);
			goto out;
		}
		rc = decode_field(f, v, out, flags, err);
		if (rc)
			goto out;
	}
	rh = resp_header_of(desc, out);
	failed_resp = rh && (rh->status == ES_FAILED || rh->status == ES_EXPIRED);
	for (size_t i = 0; i < desc->n_fields; i++) {
		const struct json_field *f = &desc->fields[i];

		if (!(f->flags & (JF_MANDATORY | JF_SUCCESS_ONLY)))
			continue;
		if ((f->flags & JF_SUCCESS_ONLY) && failed_resp)
			continue;
		if (!json_object_get(root, f->name)) {
			rc = fail(err, JSON_MSG_E_MISSING, f->name, "%s: %s missing", desc->name,
				  f->name);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	if (rc)
		json_msg_free(desc, out);
	return rc;
}

/* ---- encoding ---- */

static int set_str(json_t *o, const char *name, const char *s)
{
	return json_object_set_new(o, name, json_string(s)) ? SGP_ERR_NOMEM : 0;
}

static json_t *encode_exec_status(const struct es_resp_header *h)
{
	json_t *fes = json_object(), *scd;
	const struct es_status_code_data *d = &h->scd;

	if (!fes || set_str(fes, "status", es_exec_status_str(h->status)))
		goto err;
	if (!h->has_status_code_data)
		return fes;
	scd = json_object();
	if (!scd || json_object_set_new(fes, "statusCodeData", scd))
		goto err;
	if (set_str(scd, "subjectCode", d->subject_code ? d->subject_code : "") ||
	    set_str(scd, "reasonCode", d->reason_code ? d->reason_code : "") ||
	    (d->subject_identifier && set_str(scd, "subjectIdentifier", d->subject_identifier)) ||
	    (d->message && set_str(scd, "message", d->message)))
		goto err;
	return fes;
err:
	json_decref(fes);
	return NULL;
}

static int encode_field(const struct json_field *f, const void *msg, json_t *o)
{
	const void *p = (const char *)msg + f->off;
	json_t *v = NULL;

	switch (f->kind) {
	case JF_STRING: {
		const char *s = *(char *const *)p;

		if (!s)
			return (f->flags & JF_MANDATORY) ? SGP_ERR_INVAL : 0;
		return set_str(o, f->name, s);
	}
	case JF_BASE64:
	case JF_HEX: {
		const struct sgp_buf *b = p;
		char *s;
		int rc;

		if (!b->len)
			return (f->flags & (JF_MANDATORY | JF_SUCCESS_ONLY)) ? SGP_ERR_INVAL : 0;
		s = f->kind == JF_BASE64 ? sgp_base64_encode(b->data, b->len)
					 : sgp_hex_encode(b->data, b->len, true);
		if (!s)
			return SGP_ERR_NOMEM;
		rc = set_str(o, f->name, s);
		free(s);
		return rc;
	}
	case JF_BOOL:
		if (!*(const bool *)((const char *)msg + f->has_off))
			return (f->flags & JF_MANDATORY) ? SGP_ERR_INVAL : 0;
		v = json_boolean(*(const bool *)p);
		break;
	case JF_INT:
		if (!*(const bool *)((const char *)msg + f->has_off))
			return (f->flags & JF_MANDATORY) ? SGP_ERR_INVAL : 0;
		v = json_integer(*(const long *)p);
		break;
	case JF_REQ_HEADER: {
		const struct es_req_header *h = p;

		if (!h->function_requester_identifier && !h->function_call_identifier)
			return (f->flags & JF_MANDATORY) ? SGP_ERR_INVAL : 0;
		v = json_object();
		if (!v || (h->function_requester_identifier &&
			   set_str(v, "functionRequesterIdentifier", h->function_requester_identifier)) ||
		    (h->function_call_identifier &&
		     set_str(v, "functionCallIdentifier", h->function_call_identifier))) {
			json_decref(v);
			return SGP_ERR_NOMEM;
		}
		break;
	}
	case JF_RESP_HEADER: {
		json_t *fes = encode_exec_status(p);

		v = json_object();
		if (!fes || !v || json_object_set_new(v, "functionExecutionStatus", fes)) {
			json_decref(v);
			return SGP_ERR_NOMEM;
		}
		break;
	}
	case JF_STATUS:
		v = encode_exec_status(p);
		break;
	case JF_EVENT_ARRAY: {
		const struct es_event_list *l = p;

		v = json_array();
		for (size_t i = 0; v && i < l->count; i++) {
			json_t *e = json_object();

			if (!e || json_array_append_new(v, e) ||
			    set_str(e, "eventId", l->entries[i].event_id ? l->entries[i].event_id : "") ||
			    set_str(e, "rspServerAddress", l->entries[i].rsp_server_address ?
				    l->entries[i].rsp_server_address : "")) {
				json_decref(v);
				return SGP_ERR_NOMEM;
			}
		}
		break;
	}
	}
	if (!v)
		return SGP_ERR_NOMEM;
	return json_object_set_new(o, f->name, v) ? SGP_ERR_NOMEM : 0;
}

int json_msg_encode(const struct json_msg_desc *desc, const void *in, char **text,
		    size_t *text_len)
{
	const struct es_resp_header *rh;
	bool header_only;
	json_t *o;
	char *s;
	int rc = 0;

	if (!desc || !in || !text)
		return SGP_ERR_INVAL;
	*text = NULL;
	rh = resp_header_of(desc, in);
	header_only = rh && (rh->status == ES_FAILED || rh->status == ES_EXPIRED);
	o = json_object();
	if (!o)
		return SGP_ERR_NOMEM;
	for (size_t i = 0; i < desc->n_fields && !rc; i++) {
		const struct json_field *f = &desc->fields[i];

		if (header_only && f->kind != JF_RESP_HEADER)
			continue;
		rc = encode_field(f, in, o);
	}
	if (rc)
		goto out;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s) {
		rc = SGP_ERR_NOMEM;
		goto out;
	}
	*text = s;
	if (text_len)
		*text_len = strlen(s);
out:
	json_decref(o);
	return rc;
}

/* ---- freeing ---- */

static void scd_free(struct es_status_code_data *d)
{
	free(d->subject_code);
	free(d->reason_code);
	free(d->subject_identifier);
	free(d->message);
	memset(d, 0, sizeof(*d));
}

void es_resp_header_free(struct es_resp_header *h)
{
	scd_free(&h->scd);
	memset(h, 0, sizeof(*h));
}

int es_resp_header_set_failed(struct es_resp_header *h, const char *subject_code,
			      const char *reason_code, const char *message)
{
	es_resp_header_free(h);
	h->status = ES_FAILED;
	h->has_status_code_data = true;
	h->scd.subject_code = strdup(subject_code);
	h->scd.reason_code = strdup(reason_code);
	h->scd.message = message ? strdup(message) : NULL;
	if (!h->scd.subject_code || !h->scd.reason_code || (message && !h->scd.message)) {
		es_resp_header_free(h);
		h->status = ES_FAILED;
		return SGP_ERR_NOMEM;
	}
	return 0;
}

void json_msg_free(const struct json_msg_desc *desc, void *msg)
{
	if (!desc || !msg)
		return;
	for (size_t i = 0; i < desc->n_fields; i++) {
		const struct json_field *f = &desc->fields[i];
		void *p = (char *)msg + f->off;

		switch (f->kind) {
		case JF_STRING:
			free(*(char **)p);
			break;
		case JF_BASE64:
		case JF_HEX:
			sgp_buf_free(p);
			break;
		case JF_BOOL:
		case JF_INT:
			break;
		case JF_REQ_HEADER: {
			struct es_req_header *h = p;

			free(h->function_requester_identifier);
			free(h->function_call_identifier);
			break;
		}
		case JF_RESP_HEADER:
		case JF_STATUS:
			scd_free(&((struct es_resp_header *)p)->scd);
			break;
		case JF_EVENT_ARRAY: {
			struct es_event_list *l = p;

			for (size_t k = 0; k < l->count; k++) {
				free(l->entries[k].event_id);
				free(l->entries[k].rsp_server_address);
			}
			free(l->entries);
			break;
		}
		}
	}
	memset(msg, 0, desc->size);
}
