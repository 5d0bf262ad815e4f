/* sgp32lab: scenario steps for the ASN.1/DER codecs (core/der)
 *
 *   expect decode hex=HEX|base64=B64|file=PATH [as=TYPE] [type=NAME]
 *                 [contains=TEXT]... [result=ok|error]
 *
 * The message is decoded strictly (DER, constraints); without as= its
 * type is found from the outermost tag as `sgp32lab decode` does.  type=
 * names the type it must be; contains= a text its XER form must hold;
 * result=error expects the input to be refused. */
#include "lab/lab.h"
#include "core/buf.h"
#include "core/der/der.h"
#include "core/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (2u << 20)

static int decode_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "hex", "base64", "file", "as", "type", "contains",
					    "result", NULL };
	const char *v;
	int inputs = !!step_arg(st, "hex") + !!step_arg(st, "base64") + !!step_arg(st, "file");

	if (step_check_keys(st, 2, keys, err, errlen) < 0)
		return -1;
	if (inputs != 1) {
		snprintf(err, errlen, "give exactly one of hex=, base64= or file=");
		return -1;
	}
	if ((v = step_arg(st, "as")) && !sgp_der_type_by_name(v)) {
		snprintf(err, errlen, "unknown ASN.1 type '%s' (sgp32lab decode --list-types)", v);
		return -1;
	}
	if ((v = step_arg(st, "result")) && strcmp(v, "ok") && strcmp(v, "error")) {
		snprintf(err, errlen, "result= must be ok or error");
		return -1;
	}
	return 0;
}

/* The input bytes of the step: hex, base64, or a file (DER or text). */
static int load_input(const struct scn_step *st, struct sgp_buf *out, char *err, size_t errlen)
{
	const char *v;
	int rc;

	if ((v = step_arg(st, "hex")))
		rc = sgp_der_from_text(v, strlen(v), DER_TEXT_HEX, out);
	else if ((v = step_arg(st, "base64")))
		rc = sgp_der_from_text(v, strlen(v), DER_TEXT_BASE64, out);
	else
		rc = sgp_der_from_file((v = step_arg(st, "file")), MAX_FILE, DER_TEXT_AUTO, out);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", step_arg(st, "file") ? v : "the input",
			 rc == SGP_ERR_PARSE ? "not valid hex, base64 or DER" : sgp_strerror(rc));
	return rc;
}

/* Check every contains= word against the XER text of value. */
static bool check_contains(const struct scn_step *st, const struct asn_TYPE_descriptor_s *td,
			   const void *value, struct step_ctx *ctx)
{
	char *xer = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&xer, &len);
	bool ok = true;

	if (!f) {
		step_msg(ctx, "out of memory");
		return false;
	}
	sgp_der_print_xer(f, td, value);
	fclose(f);
	for (int i = 2; ok && i < st->argc; i++) {
		if (strncmp(st->argv[i], "contains=", 9) != 0)
			continue;
		if (!xer || !strstr(xer, st->argv[i] + 9)) {
			step_msg(ctx, "the decoded %s does not contain '%s'", sgp_der_type_name(td),
				 st->argv[i] + 9);
			ok = false;
		}
	}
	free(xer);
	return ok;
}

enum step_result step_expect_der(const struct scn_step *st, const uint8_t *der, size_t len,
				 struct step_ctx *ctx)
{
	const char *as = step_arg(st, "as"), *want_type = step_arg(st, "type");
	bool want_error = step_arg(st, "result") && !strcmp(step_arg(st, "result"), "error");
	struct der_error derr = { 0 };
	struct der_guess g;
	const struct asn_TYPE_descriptor_s *td = NULL;
	void *value = NULL;
	enum step_result sr = STEP_FAIL;
	int rc;

	memset(&g, 0, sizeof(g));
	if (as) {
		td = sgp_der_type_by_name(as);
		rc = td ? sgp_der_decode(td, der, len, &value, &derr) : SGP_ERR_NOTFOUND;
	} else {
		rc = sgp_der_guess(der, len, &g, &derr);
		if (rc == SGP_OK) {
			td = g.c[g.chosen].td;
			value = g.c[g.chosen].value;
		}
	}
	if (rc < 0) {
		if (want_error) {
			step_msg(ctx, "refused: %s", derr.msg[0] ? derr.msg : sgp_strerror(rc));
			sr = STEP_OK;
		} else {
			step_msg(ctx, "does not decode: %s", derr.msg[0] ? derr.msg : sgp_strerror(rc));
		}
		goto out;
	}
	if (want_error) {
		step_msg(ctx, "decoded as %s, but it should have been refused", sgp_der_type_name(td));
		goto out;
	}
	if (want_type && strcmp(want_type, sgp_der_type_name(td))) {
		step_msg(ctx, "decoded as %s, not %s", sgp_der_type_name(td), want_type);
		goto out;
	}
	if (!check_contains(st, td, value, ctx))
		goto out;
	step_msg(ctx, "%s, %zu bytes", sgp_der_type_name(td), len);
	sr = STEP_OK;
out:
	if (as && value)
		sgp_der_free(td, value);
	sgp_der_guess_free(&g);
	return sr;
}

static enum step_result decode_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	struct sgp_buf in = SGP_BUF_INIT;
	char err[256] = "";
	enum step_result sr = STEP_FAIL;

	(void)lab;
	if (load_input(st, &in, err, sizeof(err)) < 0)
		step_msg(ctx, "%s", err);
	else
		sr = step_expect_der(st, in.data, in.len, ctx);
	sgp_buf_free(&in);
	return sr;
}

static const struct step_def decode_defs[] = {
	{
		.keyword = "expect", .object = "decode",
		.usage = "expect decode hex=HEX|base64=B64|file=PATH [as=TYPE] [type=NAME] [contains=TEXT]... [result=ok|error]",
		.help = "Decode a message strictly (DER, constraints) and check its type and content, or that it is refused.",
		.check = decode_check, .run = decode_run,
	},
};

const struct step_table steps_decode = {
	.defs = decode_defs,
	.count = sizeof(decode_defs) / sizeof(decode_defs[0]),
};
