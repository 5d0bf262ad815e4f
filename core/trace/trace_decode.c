/* sgp32lab: the decoded content of a traced message, as HTML text.
 *
 * DER (the ASN.1 bindings, ES10 in APDUs) goes through core/der as
 * `sgp32lab decode` does: the type is guessed from the outermost tag and
 * the value printed as XER.  JSON is pretty-printed, other text shown as
 * it is, anything else as a hex dump.  Everything is escaped. */
#include "core/trace/trace_int.h"
#include "core/der/der.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void trace_decode_ctx_free(struct trace_decode_ctx *dc)
{
	sgp_buf_free(&dc->cmd);
	sgp_buf_free(&dc->rsp);
	memset(dc, 0, sizeof(*dc));
}

static void hex_dump(FILE *f, const uint8_t *d, size_t len)
{
	for (size_t off = 0; off < len; off += 16) {
		fprintf(f, "%04zx ", off);
		for (size_t i = off; i < off + 16 && i < len; i++)
			fprintf(f, " %02X", d[i]);
		fputc('\n', f);
	}
}

/* Decode as DER and print XER; false (nothing printed) when no type fits. */
static bool der_print(FILE *f, const uint8_t *d, size_t len)
{
	struct der_guess *g = calloc(1, sizeof(*g));
	struct der_error err;
	char *xer = NULL;
	size_t xlen = 0;
	FILE *m;
	bool ok = false;

	if (!g)
		return false;
	if (sgp_der_guess(d, len, g, &err) == 0 && (m = open_memstream(&xer, &xlen))) {
		sgp_der_print_xer(m, g->c[g->chosen].td, g->c[g->chosen].value);
		if (fclose(m) == 0) {
			fprintf(f, "<span class=\"type\">");
			trace_html_escape(f, sgp_der_type_name(g->c[g->chosen].td),
					  strlen(sgp_der_type_name(g->c[g->chosen].td)));
			fprintf(f, "</span>\n");
			trace_html_escape(f, xer, xlen);
			ok = true;
		}
		free(xer);
	}
	sgp_der_guess_free(g);
	free(g);
	return ok;
}

/* DER if it decodes, else a note and the hex. */
static void der_or_hex(FILE *f, const uint8_t *d, size_t len)
{
	if (len && der_print(f, d, len))
		return;
	hex_dump(f, d, len);
}

static bool printable(const uint8_t *d, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isprint(d[i]) && !isspace(d[i]))
			return false;
	return true;
}

static void http_body(FILE *f, const struct trace_event *ev)
{
	const char *ct = ev->content_type ? ev->content_type : "";
	bool truncated = ev->body_len < ev->full_len;
	json_t *j;

	if (!ev->body_len)
		return;
	if (!truncated && (strstr(ct, "json") || ev->body[0] == '{')) {
		j = json_loadb((const char *)ev->body, ev->body_len, 0, NULL);
		if (j) {
			char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

			json_decref(j);
			if (s) {
				trace_html_escape(f, s, strlen(s));
				free(s);
				return;
			}
		}
	}
	if (!truncated && (strstr(ct, "asn1") || (ev->body[0] & 0xE0) == 0xA0 ||
			   ev->body[0] == 0x30) && der_print(f, ev->body, ev->body_len))
		return;
	if (printable(ev->body, ev->body_len))
		trace_html_escape(f, (const char *)ev->body, ev->body_len);
	else
		hex_dump(f, ev->body, ev->body_len);
}

/* A command APDU: the header, then the data; STORE DATA blocks are joined
 * and the ES10 command decoded with its last block (SGP.22 5.7.1). */
static void apdu_cmd(FILE *f, const struct trace_event *ev, struct trace_decode_ctx *dc)
{
	const uint8_t *a = ev->body;
	size_t n = ev->body_len;
	size_t lc = n > 5 ? a[4] : 0;
	const uint8_t *data = n > 5 ? a + 5 : NULL;

	if (n == 1) {
		fprintf(f, "vpcd control %02X\n", a[0]);
		return;
	}
	if (n < 4) {
		hex_dump(f, a, n);
		return;
	}
	fprintf(f, "CLA %02X INS %02X P1 %02X P2 %02X", a[0], a[1], a[2], a[3]);
	if (n > 5 && lc > n - 5)
		lc = n - 5;	/* malformed or truncated: show what there is */
	if (n == 5)
		fprintf(f, " Le %02X", a[4]);
	else if (n > 5)
		fprintf(f, " Lc %02zX", lc);
	fputc('\n', f);
	dc->last_was_store = a[1] == 0xE2;
	if (a[1] != 0xE2) {
		if (data)
			hex_dump(f, data, lc);
		return;
	}
	sgp_buf_reset(&dc->rsp);
	if (a[3] == 0) {
		sgp_buf_reset(&dc->cmd);
		dc->cmd_blocks = 0;
	}
	dc->cmd_blocks++;
	if (data && sgp_buf_append(&dc->cmd, data, lc) < 0)
		sgp_buf_reset(&dc->cmd);
	if (!(a[2] & 0x80)) {
		fprintf(f, "block %u, more follow\n", a[3]);
		if (data)
			hex_dump(f, data, lc);
		return;
	}
	if (dc->cmd_blocks > 1)
		fprintf(f, "last block: the command of %u blocks, %zu bytes\n", dc->cmd_blocks,
			dc->cmd.len);
	der_or_hex(f, dc->cmd.data, dc->cmd.len);
}

/* An answer: data, then SW1 SW2; the ES10 answer decoded once complete. */
static void apdu_rsp(FILE *f, const struct trace_event *ev, const struct trace_event *req,
		     struct trace_decode_ctx *dc)
{
	size_t n = ev->body_len;
	uint16_t sw;

	if (!ev->body) {
		fprintf(f, "(no answer)\n");
		return;
	}
	if (req && req->full_len == 1) {
		fprintf(f, "ATR\n");
		hex_dump(f, ev->body, n);
		return;
	}
	if (n < 2) {
		hex_dump(f, ev->body, n);
		return;
	}
	sw = (uint16_t)(ev->body[n - 2] << 8 | ev->body[n - 1]);
	fprintf(f, "SW %04X%s\n", sw, sw == 0x9000 ? " (OK)" :
		(sw & 0xFF00) == 0x6100 ? " (more data: GET RESPONSE)" : "");
	if (!req || !req->body || req->body_len < 2 ||
	    (req->body[1] != 0xE2 && req->body[1] != 0xC0)) {
		if (n > 2)
			hex_dump(f, ev->body, n - 2);
		return;
	}
	if (sgp_buf_append(&dc->rsp, ev->body, n - 2) < 0)
		sgp_buf_reset(&dc->rsp);
	if (sw == 0x9000 && dc->rsp.len)
		der_or_hex(f, dc->rsp.data, dc->rsp.len);
	else if (n > 2)
		hex_dump(f, ev->body, n - 2);
}

void trace_decode_body(FILE *f, const struct trace_event *ev, const struct trace_event *req,
		       struct trace_decode_ctx *dc)
{
	if (ev->note) {
		trace_html_escape(f, ev->note, strlen(ev->note));
		fputc('\n', f);
	}
	if (ev->body_len < ev->full_len)
		fprintf(f, "(the first %zu of %zu bytes)\n", ev->body_len, ev->full_len);
	if (ev->kind == TRACE_APDU) {
		if (!ev->response && ev->body)
			apdu_cmd(f, ev, dc);
		else if (ev->response)
			apdu_rsp(f, ev, req, dc);
		return;
	}
	http_body(f, ev);
}
