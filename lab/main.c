/* sgp32lab: entry point and subcommand dispatch */
#include "config.h"
#include "lab/commands.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "run scenario files or folders, report pass/fail (JUnit XML on request)" },
	{ "serve", cmd_serve, "keep a lab up and take scenario steps from a console" },
	{ "decode", cmd_decode, "decode an SGP.22/SGP.32 message given as hex, base64 or a file" },
	{ "pki", cmd_pki, "generate, show and verify a lab PKI (SGP.22 certificate profiles)" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sgp32lab COMMAND [OPTIONS] [ARGS]\n"
		"\n"
		"A GSMA SGP.32 (eSIM IoT) lab simulator: software models of the eUICC, SM-DP+,\n"
		"SM-DS, eIM and IPA over real sockets with real cryptography, driven by scenarios.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"  -h, --help     show this help (COMMAND --help shows a command's own)\n"
		"  -V, --version  show the version\n"
		"\n"
		"Exit codes: 0 success, 1 failure (scenario failed, verification failed,\n"
		"undecodable input), 2 usage or file error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		/* every command answers --version too */
		for (int a = 2; a < argc && strcmp(argv[a], "--"); a++) {
			if (!strcmp(argv[a], "--version")) {
				printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
				return 0;
			}
		}
		/* one-shot commands report errors themselves; run and serve
		 * choose their own log levels (-v) */
		log_set_level_all(LOGL_NONE);
		return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "sgp32lab: unknown command '%s' (sgp32lab --help lists them)\n", argv[1]);
	return EXIT_USAGE;
}
