/* sgp32lab: `sgp32lab serve` — keep a lab up and drive it from a console
 *
 * The sandbox runs on the real-time clock, keeps its state in a folder
 * (PKI, database) that survives restarts, and executes scenario steps typed
 * on standard input, one line at a time, with the same registry as `run`.
 *
 * With --role it also runs one of the lab's roles on its own, for a user's
 * implementation of the other side to test against: an eUICC as a card on
 * the vpcd APDU socket (lab/serve_euicc.c), the eIM with its operator API
 * (lab/serve_eim.c) or the IPA of one device (lab/serve_ipa.c). */
#include "config.h"
#include "lab/commands.h"
#include "lab/lab.h"
#include "lab/serve_console.h"
#include "lab/serve_roles.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/trace/trace.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void serve_usage(FILE *out)
{
	fprintf(out,
		"Usage: sgp32lab serve [OPTIONS]\n"
		"\n"
		"Keep a lab up on the real-time clock and read scenario steps from standard\n"
		"input, one per line (type `help` for the list).  The lab's state lives in\n"
		"DIR and is there again on the next start.  Ctrl-C or end of input stops it.\n"
		"\n"
		"Options:\n"
		"  --dir DIR         the lab's folder (default: ./sgp32lab-lab), created if missing\n"
		"  --role euicc      also run one eUICC as a card on the vpcd APDU socket\n"
		"  --role eim        also run the lab's eIM: ESipa on --listen, the operator\n"
		"                    API (doc/eim-api.md) on --api\n"
		"  --role ipa        also run the lab's IPA of one device: its card reader\n"
		"                    listens on --listen (default 127.0.0.1:0) for an eUICC\n"
		"                    (a scenario's, with `lab ... ipa=HOST:PORT`) or connects\n"
		"                    to one with --vpcd; it polls the eIM the eUICC names\n"
		"  --eid EID         the eUICC's EID (32 digits, prefix 89001012 of the lab EUM;\n"
		"                    required with --role euicc)\n"
		"  --vpcd HOST:PORT  connect the card to a vpcd reader, reconnecting whenever the\n"
		"                    link drops (default 127.0.0.1:35963, pcscd's reader\n"
		"                    \"Virtual PCD 00 00\"); with --role ipa: connect the\n"
		"                    IPA's reader to a card that listens\n"
		"  --listen HOST:PORT  listen for a reader instead (port 0: any free port);\n"
		"                    with --role eim: ESipa's address (default 127.0.0.1:0);\n"
		"                    with --role ipa: where the IPA's reader waits for a card\n"
		"  --api HOST:PORT   --role eim: the operator API's address (default 127.0.0.1:0)\n"
		"  --devices N       --role eim: eUICC certificates of lab devices 1..N in a new\n"
		"                    PKI (default 1)\n"
		"  --eim URL         --role ipa: poll this eIM (https://HOST:PORT/gsma/rsp2/asn1)\n"
		"                    instead of the one in the eUICC's eIM configuration\n"
		"  --interval SECONDS  --role ipa: poll every SECONDS (default 10)\n"
		"  --curve nist|brp  curve of a new lab PKI (default nist); an existing one keeps\n"
		"                    its own\n"
		"  --trace FILE      on exit, write every message that crossed a socket\n"
		"                    (HTTP, APDUs), decoded, with a sequence diagram, as one\n"
		"                    self-contained HTML page; for Wireshark, set\n"
		"                    SSLKEYLOGFILE=FILE to log the TLS keys\n"
		"  --pcap FILE       on exit, write the same messages as a libpcap capture\n"
		"                    for Wireshark: made-up TCP/IPv4 packets (real addresses\n"
		"                    and ports where known) carrying the decrypted HTTP as\n"
		"                    the endpoints saw it (headers: Host, Content-Type,\n"
		"                    Content-Length only; no TLS) and the vpcd APDU frames\n"
		"                    on port 35963; for the encrypted bytes, capture with\n"
		"                    tcpdump and give Wireshark SSLKEYLOGFILE\n"
		"  -v, --verbose     show the models' log (repeat for debug detail)\n"
		"  -h, --help        show this help\n"
		"\n"
		"With --role euicc the PKI lives in DIR/pki (generated on first start; the\n"
		"eUICC certificate for EID is added when missing) and the eUICC's state in\n"
		"DIR/lab.db.  End of input then closes only the console: the card serves\n"
		"until Ctrl-C or SIGTERM.\n"
		"\n"
		"On a terminal the console edits lines and keeps their history in\n"
		"DIR/history (up arrow recalls).\n"
		"\n"
		"With --role eim the PKI lives in DIR/pki (generated on first start, the layout\n"
		"of `sgp32lab pki init`) and the eIM's registry in DIR/lab.db.  It prints its\n"
		"endpoints, one per line: `eim id ID`, `eim esipa URL`, `eim api URL`,\n"
		"`eim pki DIR`, and serves until Ctrl-C or SIGTERM.  Your own IPA can poll\n"
		"it; a scenario points the lab's IPAs and eUICCs at it (or at your own eIM)\n"
		"with `pki load dir=DIR/pki` and `lab eim=URL eim-id=ID`.\n"
		"\n"
		"With --role ipa the PKI (its CI is the IPA's TLS trust) lives in DIR/pki,\n"
		"generated on first start like --role eim's.  It prints `ipa vpcd HOST:PORT`\n"
		"and `ipa pki DIR`, then a line for each card that links or goes and for each\n"
		"run.  When a card links the IPA reads the eIM's address from the eUICC\n"
		"(ES10b.GetEimConfigurationData, eimFqdn), unless --eim is given, polls at\n"
		"once and then every --interval seconds, until Ctrl-C or SIGTERM.  A\n"
		"scenario tests it (or a user's eIM with it) with `pki load dir=DIR/pki`\n"
		"and `lab ... ipa=HOST:PORT`.\n"
		"\n"
		"In the console, `lab roles=euicc,ipa,smdp,smds,eim devices=N` brings those\n"
		"simulated roles up on 127.0.0.1 (ephemeral ports) and the scenario steps\n"
		"drive them, e.g. `smdp order ...` then `ipa @1 download mid=...`, or\n"
		"`eim psmo @1 enable iccid=...` then `ipa @1 poll`; `lab endpoints` prints\n"
		"where they listen and the PKI (DIR/pki, kept across restarts like the\n"
		"state in DIR/lab.db).  `eim api` starts the eIM's operator API, which\n"
		"also takes these steps over HTTPS (POST /api/v1/steps, doc/eim-api.md),\n"
		"in turn with the console's lines.\n");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	(void)what;
	fprintf(stderr, "\nsgp32lab serve: %s, shutting down\n",
		sig == SIGINT ? "interrupted" : "terminated");
	event_base_loopexit(base, NULL);
}

/* Close f, which got the trace or capture (wrc: how writing it went), and
 * say how it went. */
static int written(FILE *f, int wrc, const char *what, const char *path)
{
	if (fclose(f) != 0 && wrc == 0)
		wrc = SGP_ERR_IO;
	if (wrc < 0)
		fprintf(stderr, "sgp32lab serve: cannot write the %s %s: %s\n", what, path,
			sgp_strerror(wrc));
	else
		printf("  %s written to %s\n", what, path);
	return wrc;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "eid", required_argument, NULL, 'e' },
		{ "vpcd", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "curve", required_argument, NULL, 'c' },
		{ "api", required_argument, NULL, 'a' },
		{ "devices", required_argument, NULL, 'n' },
		{ "eim", required_argument, NULL, 'E' },
		{ "interval", required_argument, NULL, 'i' },
		{ "trace", required_argument, NULL, 'T' },
		{ "pcap", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = "sgp32lab-lab", *trace = NULL, *pcap = NULL;
	char absdir[PATH_MAX];
	FILE *trace_file = NULL, *pcap_file = NULL;
	const char *role = NULL, *eid = NULL, *vpcd = NULL, *listen_at = NULL, *api = NULL;
	const char *devices = NULL, *eim_url = NULL, *interval = NULL;
	char esipa_host[64] = "127.0.0.1", api_host[64] = "127.0.0.1", ipa_host[64] = "127.0.0.1";
	uint16_t esipa_port = 0, api_port = 0, ipa_port = 0;
	unsigned n_devices = 1, interval_s = 10;
	bool is_eim, is_ipa;
	int curve = SGP_PKI_CURVE_NIST;
	struct event_base *base = NULL;
	struct lab *lab = NULL;
	struct serve_console *console = NULL;
	struct serve_euicc *euicc = NULL;
	struct serve_eim *eim = NULL;
	struct serve_ipa *ipa = NULL;
	struct event *sigint = NULL, *sigterm = NULL;
	int opt, verbose = 0, rc = EXIT_USAGE;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'r': role = optarg; break;
		case 'e': eid = optarg; break;
		case 'p': vpcd = optarg; break;
		case 'l': listen_at = optarg; break;
		case 'a': api = optarg; break;
		case 'n': devices = optarg; break;
		case 'E': eim_url = optarg; break;
		case 'i': interval = optarg; break;
		case 'c':
			curve = sgp_pki_curve_parse(optarg);
			if (curve < 0) {
				fprintf(stderr, "sgp32lab serve: unknown curve '%s' (nist or brp)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'T': trace = optarg; break;
		case 'P': pcap = optarg; break;
		case 'v': verbose++; break;
		case 'h': serve_usage(stdout); return 0;
		default: serve_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sgp32lab serve: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (role && strcmp(role, "euicc") && strcmp(role, "eim") && strcmp(role, "ipa")) {
		fprintf(stderr, "sgp32lab serve: role '%s' is not available in this build (euicc, "
			"eim and ipa are)\n", role);
		return EXIT_USAGE;
	}
	if (!role && (eid || vpcd || listen_at || api || devices || eim_url || interval)) {
		fprintf(stderr, "sgp32lab serve: --eid, --vpcd, --listen, --api, --devices, --eim "
			"and --interval need --role\n");
		return EXIT_USAGE;
	}
	is_eim = role && !strcmp(role, "eim");
	is_ipa = role && !strcmp(role, "ipa");
	if ((is_eim || is_ipa) && eid) {
		fprintf(stderr, "sgp32lab serve: --eid is an option of --role euicc\n");
		return EXIT_USAGE;
	}
	if (is_eim && vpcd) {
		fprintf(stderr, "sgp32lab serve: --vpcd is an option of --role euicc and ipa\n");
		return EXIT_USAGE;
	}
	if (!is_eim && (api || devices)) {
		fprintf(stderr, "sgp32lab serve: --api and --devices are options of --role eim\n");
		return EXIT_USAGE;
	}
	if (!is_ipa && (eim_url || interval)) {
		fprintf(stderr, "sgp32lab serve: --eim and --interval are options of --role ipa\n");
		return EXIT_USAGE;
	}
	if (is_eim && ((listen_at && lab_parse_hostport(listen_at, esipa_host, sizeof(esipa_host),
						     &esipa_port) < 0) ||
		       (api && lab_parse_hostport(api, api_host, sizeof(api_host), &api_port) < 0))) {
		fprintf(stderr, "sgp32lab serve: --listen and --api take HOST:PORT\n");
		return EXIT_USAGE;
	}
	if (is_ipa && ((listen_at || vpcd) &&
		       lab_parse_hostport(listen_at ? listen_at : vpcd, ipa_host, sizeof(ipa_host),
				      &ipa_port) < 0)) {
		fprintf(stderr, "sgp32lab serve: --listen and --vpcd take HOST:PORT\n");
		return EXIT_USAGE;
	}
	if (eim_url && strncmp(eim_url, "https://", 8)) {
		fprintf(stderr, "sgp32lab serve: --eim takes the eIM's ESipa URL, "
			"https://HOST:PORT/gsma/rsp2/asn1\n");
		return EXIT_USAGE;
	}
	if (interval && (step_parse_uint(interval, 86400, &interval_s) < 0 || interval_s == 0)) {
		fprintf(stderr, "sgp32lab serve: --interval takes seconds from 1 to 86400\n");
		return EXIT_USAGE;
	}
	if (devices && (step_parse_uint(devices, 10000, &n_devices) < 0 || n_devices == 0)) {
		fprintf(stderr, "sgp32lab serve: --devices takes a number from 1 to 10000\n");
		return EXIT_USAGE;
	}
	if (role && !is_eim && !is_ipa && (!eid || sgp_eid_check(eid) < 0)) {
		fprintf(stderr, "sgp32lab serve: --role euicc needs --eid with 32 digits and valid "
			"check digits\n");
		return EXIT_USAGE;
	}
	if (vpcd && listen_at) {
		fprintf(stderr, "sgp32lab serve: --vpcd and --listen exclude each other\n");
		return EXIT_USAGE;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "sgp32lab serve: cannot create %s: %s\n", dir, strerror(errno));
		return EXIT_USAGE;
	}
	/* printed paths (the PKI a scenario loads) work from any folder */
	if (realpath(dir, absdir))
		dir = absdir;
	if (trace && !(trace_file = fopen(trace, "w"))) {
		fprintf(stderr, "sgp32lab serve: cannot write the trace %s: %s\n", trace,
			strerror(errno));
		return EXIT_USAGE;
	}
	if (pcap && !(pcap_file = fopen(pcap, "wb"))) {
		fprintf(stderr, "sgp32lab serve: cannot write the capture %s: %s\n", pcap,
			strerror(errno));
		if (trace_file)
			fclose(trace_file);
		return EXIT_USAGE;
	}
	log_set_level_all(verbose >= 2 ? LOGL_DEBUG : verbose ? LOGL_INFO : LOGL_NOTICE);
	signal(SIGPIPE, SIG_IGN);
	if (trace_file || pcap_file)
		trace_start(0);

	base = event_base_new();
	lab = base ? lab_new(base, false, dir) : NULL;
	if (!lab) {
		fprintf(stderr, "sgp32lab serve: cannot set up the lab in %s\n", dir);
		goto out;
	}
	printf("sgp32lab %s sandbox\n  lab folder: %s\n", PACKAGE_VERSION, dir);
	if (is_eim && serve_eim_start(lab, dir, (enum sgp_pki_curve)curve, n_devices, esipa_host,
				      esipa_port, api_host, api_port, &eim) < 0) {
		rc = EXIT_FAILURE;
		goto out;
	}
	if (is_ipa) {
		struct serve_ipa_cfg icfg = {
			.dir = dir, .curve = (enum sgp_pki_curve)curve, .vpcd_host = ipa_host,
			/* --listen wins over --vpcd, as for --role euicc */
			.vpcd_port = ipa_port, .connect = !listen_at && vpcd, .eim_url = eim_url,
			.interval_s = interval_s,
		};

		if (serve_ipa_start(lab, &icfg, &ipa) < 0) {
			rc = EXIT_FAILURE;
			goto out;
		}
	}
	if (role && !is_eim && !is_ipa &&
	    serve_euicc_start(lab, dir, eid, (enum sgp_pki_curve)curve,
			      listen_at ? listen_at : vpcd ? vpcd : "127.0.0.1:35963",
			      listen_at != NULL, &euicc) < 0) {
		rc = EXIT_FAILURE;
		goto out;
	}
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	if (!sigint || !sigterm || serve_console_new(lab, base, role != NULL, &console) < 0) {
		fprintf(stderr, "sgp32lab serve: cannot set up the console\n");
		goto out;
	}
	if (serve_console_start(console, dir) < 0)
		goto out;
	event_add(sigint, NULL);
	event_add(sigterm, NULL);
	event_base_dispatch(base);
	rc = 0;
out:
	serve_console_stop(console);
	serve_euicc_stop(euicc);
	serve_eim_stop(eim);
	serve_ipa_stop(ipa);
	if (lab)
		step_tables_teardown(lab);
	lab_free(lab);
	serve_console_free(console);
	if (sigint)
		event_free(sigint);
	if (sigterm)
		event_free(sigterm);
	if (base)
		event_base_free(base);
	if (pcap_file &&
	    written(pcap_file, trace_pcap_write(pcap_file, false), "capture", pcap) < 0)
		rc = EXIT_FAILURE;
	if (trace_file &&
	    written(trace_file, trace_html_write(trace_file, "sgp32lab serve"), "trace", trace) < 0)
		rc = EXIT_FAILURE;
	trace_stop();
	return rc;
}
