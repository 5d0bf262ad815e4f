/* sgp32lab: `lab endpoints` — where the lab's simulated roles listen, for
 * a user who points their own component (or curl, or Wireshark) at them:
 *
 *   lab endpoints
 *       starts every declared server role (SM-DP+, SM-DS, eIM) and prints
 *       its addresses, the devices' EIDs, the PKI folder (its ci.pem is the
 *       trust anchor for every TLS server of the lab) and the database.
 *
 * In the sandbox (`sgp32lab serve --dir DIR`) the PKI and the database live
 * in DIR and are there again after a restart; the ports are new. */
#include "lab/lab.h"
#include "lab/lab_eim.h"
#include "lab/lab_pki.h"
#include "lab/lab_rsp.h"
#include "core/clock.h"
#include "core/pki/pki.h"

#include <stdarg.h>

#include <stdio.h>
#include <string.h>

static int endpoints_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc != 2) {
		snprintf(err, errlen, "expected: lab endpoints");
		return -1;
	}
	return 0;
}

/* Append to out (size n) what fmt says, keeping it terminated. */
static void add(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *out, size_t n, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	if (used < n)
		vsnprintf(out + used, n - used, fmt, ap);
	va_end(ap);
}

static enum step_result endpoints_run(struct lab *lab, const struct scn_step *st,
				      struct step_ctx *ctx)
{
	char out[1000] = "", err[256] = "", url[200];
	const char *dir = NULL;

	(void)st;
	if (!lab_pki_get(lab, &dir, err, sizeof(err))) {
		step_msg(ctx, "%s", err);
		return STEP_FAIL;
	}
	if (lab->roles & (1u << LAB_ROLE_SMDP)) {
		if (!lab_smdp(lab, err, sizeof(err)))
			goto fail;
		add(out, sizeof(out), "\n  SM-DP+  https://%s/gsma/rsp2/es9plus/ (ES9+), "
		    "https://%s/gsma/rsp2/es2plus/ (ES2+)", lab_rsp_state(lab)->smdp_address,
		    lab_rsp_state(lab)->smdp_address);
	}
	if (lab->smdp_addr[0])
		add(out, sizeof(out), "\n  SM-DP+  https://%s/gsma/rsp2/es9plus/ (external)",
		    lab->smdp_addr);
	if (lab->roles & (1u << LAB_ROLE_SMDS)) {
		if (!lab_smds(lab, err, sizeof(err)))
			goto fail;
		add(out, sizeof(out), "\n  SM-DS   https://%s/gsma/rsp2/es11/ (ES11)",
		    lab_rsp_state(lab)->smds_address);
	}
	if (lab->roles & (1u << LAB_ROLE_EIM)) {
		if (lab_eim_url(lab, url, sizeof(url), err, sizeof(err)) < 0)
			goto fail;
		add(out, sizeof(out), "\n  eIM     %s (ESipa); `eim api` starts its operator API", url);
	}
	for (unsigned i = 1; i <= lab->devices && (lab->roles & (1u << LAB_ROLE_EUICC)); i++) {
		char eid[SGP_EID_LEN + 1];

		lab_device_eid(i, eid);
		add(out, sizeof(out), "\n  device @%u  EID %s", i, eid);
	}
	add(out, sizeof(out), "\n  PKI     %s (trust anchor %s/ci.pem)", dir, dir);
	if (!sgp_clock_is_simulated(lab->clock))
		add(out, sizeof(out), "\n  state   %s/lab.db", lab->workdir);
	step_msg(ctx, "%s", out);
	return STEP_OK;
fail:
	step_msg(ctx, "%s", err);
	return STEP_FAIL;
}

static const struct step_def endpoints_defs[] = {
	{
		.keyword = "lab", .object = "endpoints",
		.usage = "lab endpoints",
		.help = "Start the declared server roles and print where they listen, the devices' EIDs and the PKI.",
		.check = endpoints_check, .run = endpoints_run,
	},
};

const struct step_table steps_endpoints = {
	.defs = endpoints_defs,
	.count = sizeof(endpoints_defs) / sizeof(endpoints_defs[0]),
	.teardown = NULL,
};
