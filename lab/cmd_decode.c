/* sgp32lab decode: show an SGP.22 / SGP.32 DER message as XER.
 *
 * The input is hex, base64, a file (binary DER, or hex / base64 text) or
 * "-" for stdin.  Without --type the message type is found from the
 * outermost tag (core/der sgp_der_guess).  Exit codes: 0 decoded,
 * 1 undecodable input, 2 usage error. */
#include "core/buf.h"
#include "core/der/der.h"
#include "core/err.h"

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
/* Turn INPUT (text, a file, or - for stdin) into DER bytes. */
static int load_input(const char *arg, enum der_text_enc enc, struct sgp_buf *der)
{
	struct stat st;
	bool file = !strcmp(arg, "-") || (stat(arg, &st) == 0 && S_ISREG(st.st_mode));
	int rc;

	if (file)
		rc = sgp_der_from_file(arg, TEXT_MAX, enc, der);
	else if (strlen(arg) > TEXT_MAX)
		rc = SGP_ERR_TOOBIG;
	else
		rc = sgp_der_from_text(arg, strlen(arg), enc, der);
	if (rc == SGP_ERR_TOOBIG)
		fprintf(stderr, "sgp32lab decode: input larger than %d bytes\n", TEXT_MAX);
	else if (rc == SGP_ERR_PARSE)
		fprintf(stderr, "sgp32lab decode: input is not valid %s\n",
			enc == DER_TEXT_HEX ? "hex" : enc == DER_TEXT_BASE64 ? "base64" :
			"hex, base64 or DER");
	else if (rc < 0)
		fprintf(stderr, "sgp32lab decode: %s: %s\n", arg, sgp_strerror(rc));
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
	enum der_text_enc enc = DER_TEXT_AUTO;
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
			if (enc != DER_TEXT_AUTO) {
				fprintf(stderr, "sgp32lab decode: --hex and --base64 exclude each other\n");
				return 2;
			}
			enc = c == 'x' ? DER_TEXT_HEX : DER_TEXT_BASE64;
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
