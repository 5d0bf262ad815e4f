/* sgp32lab decode: show an SGP.22 / SGP.32 DER message as XER.
 *
 * The input is hex, base64, a file (binary DER, or hex / base64 text) or
 * "-" for stdin.  Without --type the message type is found from the
 * outermost tag (core/der sgp_der_guess).  Exit codes: 0 decoded,
 * 1 undecodable input, 2 usage error. */
#include "core/buf.h"
#include "core/der/der.h"
#include "core/err.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* cmd_decode() is declared with the other commands. */
#include "lab/commands.h"

/* Text input may spell DER_MAX_INPUT bytes as hex (2 chars per byte)
 * with white space. */
#define TEXT_MAX (3 * DER_MAX_INPUT)

enum text_enc { ENC_AUTO, ENC_HEX, ENC_BASE64 };

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sgp32lab decode [--type NAME] [--format xer] [--hex|--base64] INPUT\n"
"       sgp32lab decode --list-types\n"
"\n"
"Decode one DER-encoded SGP.22 v2.5 / SGP.32 v1.2 message and print it as\n"
"XER (XML).  INPUT is a hex or base64 string, a file holding binary DER or\n"
"hex / base64 text, or - to read stdin.  Text is taken as hex when it holds\n"
"only hex digits and white space, else as base64.\n"
"\n"
"Decoding is strict DER: indefinite or non-minimal lengths, trailing bytes,\n"
"non-canonical values and SIZE constraint violations are errors.\n"
"\n"
"  -t, --type NAME    decode as this type (see --list-types); without it\n"
"                     every type with the input's outer tag is tried; if\n"
"                     several fit, a type with that tag of its own wins\n"
"                     over an envelope CHOICE (EsipaMessage...), then the\n"
"                     first in --list-types order (SGP.32 before SGP.22)\n"
"  -f, --format xer   output format; only xer is available\n"
"  -x, --hex          the input text is hex\n"
"  -b, --base64       the input text is base64\n"
"  -l, --list-types   list the known message types with their tags\n"
"  -h, --help         this text\n"
"\n"
"Exit status: 0 decoded, 1 input not decodable, 2 usage error.\n");
}

static void list_types(void)
{
	const struct asn_TYPE_descriptor_s *td;
	char tag[40];
	size_t i;

	for (i = 0; (td = sgp_der_type_at(i)); i++) {
		sgp_der_type_tag_text(td, tag, sizeof(tag));
		printf("%-42s %s\n", sgp_der_type_name(td), tag);
	}
}

/* Read a whole file (or stdin for "-"), at most max bytes. */
static int read_all(const char *path, size_t max, struct sgp_buf *out)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	uint8_t chunk[4096];
	size_t n;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "sgp32lab decode: %s: %s\n", path, strerror(errno));
		return SGP_ERR_IO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > max) {
			fprintf(stderr, "sgp32lab decode: %s: larger than %zu bytes\n",
				path, max);
			rc = SGP_ERR_TOOBIG;
			goto out;
		}
		rc = sgp_buf_append(out, chunk, n);
		if (rc)
			goto out;
	}
	if (ferror(f)) {
		fprintf(stderr, "sgp32lab decode: %s: read error\n", path);
		rc = SGP_ERR_IO;
	}
out:
	if (f != stdin)
		fclose(f);
	return rc;
}

static bool is_text(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isprint(p[i]) && !isspace(p[i]))
			return false;
	return true;
}

static bool is_hex_text(const char *s)
{
	size_t digits = 0;

	for (; *s; s++) {
		if (isxdigit((unsigned char)*s))
			digits++;
		else if (!isspace((unsigned char)*s))
			return false;
	}
	return digits && digits % 2 == 0;
}

static int decode_text(const char *text, enum text_enc enc, struct sgp_buf *der)
{
	const char *what;
	int rc;

	if (enc == ENC_AUTO)
		enc = is_hex_text(text) ? ENC_HEX : ENC_BASE64;
	if (enc == ENC_HEX) {
		what = "hex";
		rc = sgp_hex_decode(text, der);
	} else {
		what = "base64";
		rc = sgp_base64_decode(text, strlen(text), der);
	}
	if (rc)
		fprintf(stderr, "sgp32lab decode: input is not valid %s (%s)\n", what,
			sgp_strerror(rc));
	return rc;
}

/* Turn INPUT into DER bytes. */
static int load_input(const char *arg, enum text_enc enc, struct sgp_buf *der)
{
	struct sgp_buf raw = SGP_BUF_INIT;
	struct stat st;
	int rc;

	if (strcmp(arg, "-") && (stat(arg, &st) != 0 || !S_ISREG(st.st_mode))) {
		/* not a file: the argument is the text */
		if (strlen(arg) > TEXT_MAX) {
			fprintf(stderr, "sgp32lab decode: input text too long\n");
			return SGP_ERR_TOOBIG;
		}
		return decode_text(arg, enc, der);
	}
	rc = read_all(arg, TEXT_MAX, &raw);
	if (rc)
		goto out;
	if (enc == ENC_AUTO && !is_text(raw.data, raw.len)) {
		rc = sgp_buf_set(der, raw.data, raw.len);	/* binary DER */
		goto out;
	}
	rc = sgp_buf_append_byte(&raw, 0);
	if (rc)
		goto out;
	rc = decode_text((const char *)raw.data, enc, der);
out:
	sgp_buf_free(&raw);
	return rc;
}

static int decode_as(const char *name, const struct sgp_buf *der)
{
	const struct asn_TYPE_descriptor_s *td = sgp_der_type_by_name(name);
	struct der_error err;
	void *value = NULL;

	if (!td) {
		fprintf(stderr, "sgp32lab decode: unknown type %s (see --list-types)\n",
			name);
		return 2;
	}
	if (sgp_der_decode(td, der->data, der->len, &value, &err)) {
		fprintf(stderr, "sgp32lab decode: not a valid %s: %s\n", name, err.msg);
		return 1;
	}
	sgp_der_print_xer(stdout, td, value);
	sgp_der_free(td, value);
	return 0;
}

static int decode_guess(const struct sgp_buf *der)
{
	struct der_guess *g = calloc(1, sizeof(*g));
	struct der_error err;
	size_t i;
	int rc = 1;

	if (!g) {
		fprintf(stderr, "sgp32lab decode: out of memory\n");
		return 1;
	}
	if (sgp_der_guess(der->data, der->len, g, &err)) {
		fprintf(stderr, "sgp32lab decode: cannot decode: %s\n", err.msg);
		for (i = 0; i < g->n; i++)
			fprintf(stderr, "  tried %s: %s\n", sgp_der_type_name(g->c[i].td),
				g->c[i].err.msg);
		goto out;
	}
	if (g->n_ok > 1) {
		fprintf(stderr, "sgp32lab decode: note: the input is also a valid");
		for (i = 0; i < g->n; i++)
			if ((int)i != g->chosen && g->c[i].value)
				fprintf(stderr, " %s", sgp_der_type_name(g->c[i].td));
		fprintf(stderr, "; showing %s (use --type to choose)\n",
			sgp_der_type_name(g->c[g->chosen].td));
	}
	sgp_der_print_xer(stdout, g->c[g->chosen].td, g->c[g->chosen].value);
	rc = 0;
out:
	sgp_der_guess_free(g);
	free(g);
	return rc;
}

int cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "hex", no_argument, NULL, 'x' },
		{ "base64", no_argument, NULL, 'b' },
		{ "list-types", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sgp_buf der = SGP_BUF_INIT;
	enum text_enc enc = ENC_AUTO;
	const char *type = NULL;
	bool list = false;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:f:xblh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			type = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "xer")) {
				fprintf(stderr, "sgp32lab decode: format %s not available "
					"(only xer)\n", optarg);
				return 2;
			}
			break;
		case 'x':
		case 'b':
			if (enc != ENC_AUTO) {
				fprintf(stderr, "sgp32lab decode: --hex and --base64 exclude each other\n");
				return 2;
			}
			enc = c == 'x' ? ENC_HEX : ENC_BASE64;
			break;
		case 'l':
			list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (list) {
		if (optind != argc) {
			usage(stderr);
			return 2;
		}
		list_types();
		return 0;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (load_input(argv[optind], enc, &der)) {
		rc = 1;
		goto out;
	}
	rc = type ? decode_as(type, &der) : decode_guess(&der);
out:
	sgp_buf_free(&der);
	return rc;
}
