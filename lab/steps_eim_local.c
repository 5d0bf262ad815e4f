/* sgp32lab: scenario steps with the lab in the eIM's place (SGP.32 ESep)
 *
 *   euicc @N add-initial-eim id=EIMID [counter=N] [fqdn=FQDN] [result=ok|N]
 *       ES10b.AddInitialEim with an EimConfigurationData carrying the lab
 *       PKI's eIM public key
 *   euicc @N eim-package OPERATION id=EIMID counter=N [ARGS]
 *       [error=CODE|unsigned] [contains=TEXT]...
 *   euicc @N eim-package replay [error=CODE]
 *       an eUICC package signed with the eIM key (eim/package.c), sent with
 *       ES10b.LoadEuiccPackage; the answer must be a signed
 *       EuiccPackageResult that verifies with the eUICC's certificate, or the
 *       named EuiccPackageErrorCode (error=replayError, invalidEid,
 *       counterValueOutOfRange, ...; error=unsigned for the unsigned error);
 *       contains= checks the result's XER.  replay sends the device's last
 *       package again, byte for byte.
 *
 *   OPERATION: enable iccid=ICCID [rollback=yes] | disable iccid=ICCID |
 *              delete iccid=ICCID | list-profiles | get-rat |
 *              set-fallback iccid=ICCID | unset-fallback | list-eim |
 *              delete-eim target=EIMID
 *   eid=EID signs the package for another EID (the eUICC must refuse it).
 *
 * The eIM role itself (ESipa, queues, the operator API) brings `eim ...`
 * steps; these exercise the eUICC's side of SGP.32 on its own. */
#include "lab/lab.h"
#include "lab/lab_card.h"
#include "lab/lab_euicc.h"
#include "lab/lab_pki.h"
#include "lab/step_ctx.h"
#include "core/apdu/es10_apdu.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/pki/pki.h"
#include "eim/package.h"
#include "sim/euicc.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES 10000

/* The last package sent to each device, for `replay`. */
struct lab_local_eim {
	struct sgp_buf *last;
	size_t n;
};

static const struct { const char *name; long code; } package_errors[] = {
	{ "invalidEid", 3 }, { "replayError", 4 }, { "counterValueOutOfRange", 6 },
	{ "sizeOverflow", 15 }, { "ecallActive", 104 }, { "undefinedError", 127 },
};

static const char *const operations[] = {
	"enable", "disable", "delete", "list-profiles", "get-rat", "set-fallback",
	"unset-fallback", "list-eim", "delete-eim", "replay", NULL,
};

static struct sgp_buf *last_package(struct lab *lab, unsigned device)
{
	struct lab_local_eim *le = lab->local_eim;

	if (!le && !(le = lab->local_eim = calloc(1, sizeof(*le))))
		return NULL;
	if (device > le->n) {
		struct sgp_buf *v = realloc(le->last, device * sizeof(*v));
		if (!v)
			return NULL;
		memset(v + le->n, 0, (device - le->n) * sizeof(*v));
		le->last = v;
		le->n = device;
	}
	return &le->last[device - 1];
}

static int device_check(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc < 3 || step_device(st->argv[1], MAX_DEVICES) < 0) {
		snprintf(err, errlen, "name the device as @N (e.g. @1)");
		return -1;
	}
	return 0;
}

/* The lab PKI's eIM key, as a crypto key (free it). */
static struct sgp_key *eim_key(struct lab *lab, char *err, size_t errlen)
{
	struct sgp_pki *pki = lab_pki_get(lab, NULL, err, errlen);
	struct sgp_key *k = NULL;

	if (pki && sgp_key_from_evp(sgp_pki_key(pki, SGP_PKI_ROLE_EIM), &k) < 0)
		snprintf(err, errlen, "the lab PKI has no eIM key");
	return k;
}

/* --- add-initial-eim --- */

static int add_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "id", "counter", "fqdn", "result", NULL };
	const char *v;

	if (device_check(st, err, errlen) < 0 || step_check_keys(st, 3, keys, err, errlen) < 0)
		return -1;
	if (!(v = step_arg(st, "id")) || !*v || strlen(v) > 128) {
		snprintf(err, errlen, "id= (the eimId, 1 to 128 characters) is required");
		return -1;
	}
	if ((v = step_arg(st, "result")) && strcmp(v, "ok") && strspn(v, "0123456789") != strlen(v)) {
		snprintf(err, errlen, "result= is ok or the number of an addInitialEimError");
		return -1;
	}
	return 0;
}

static enum step_result add_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[1], MAX_DEVICES);
	const char *want = step_arg(st, "result") ? step_arg(st, "result") : "ok";
	struct sgp_buf cfg = SGP_BUF_INIT, list = SGP_BUF_INIT, cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	struct eim_config c = { .eim_id = step_arg(st, "id"), .eim_fqdn = step_arg(st, "fqdn") };
	enum step_result sr = STEP_FAIL;
	char err[256] = "";
	struct sgp_key *key = eim_key(lab, err, sizeof(err));
	struct card *card = key ? lab_card_get(lab, dev, err, sizeof(err)) : NULL;
	unsigned counter;
	uint16_t sw = 0;
	char contains[160];
	int rc;

	if (!card) {
		step_msg(ctx, "%s", err);
		goto out;
	}
	if (step_arg(st, "counter") && step_parse_uint(step_arg(st, "counter"), 0x7fffff, &counter) == 0) {
		c.has_counter = true;
		c.counter = counter;
	}
	c.public_key = key;
	/* AddInitialEimRequest: eimConfigurationDataList [0] */
	rc = eim_config_encode(&c, &cfg);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&list, 0xA0, cfg.data, cfg.len);
	if (rc == SGP_OK)
		rc = sgp_der_put_tlv(&cmd, 0xBF57, list.data, list.len);
	if (rc == SGP_OK)
		rc = lab_card_es10(card, cmd.data, cmd.len, &resp, &sw);
	if (rc < 0) {
		step_msg(ctx, "AddInitialEim: %s (SW %04X)", sgp_strerror(rc), sw);
		goto out;
	}
	/* judge the answer as `expect decode` would (XER shows error numbers) */
	if (!strcmp(want, "ok"))
		snprintf(contains, sizeof(contains), "contains=<addInitialEimOk>");
	else
		snprintf(contains, sizeof(contains), "contains=<addInitialEimError>%s<", want);
	{
		char *argv[] = { (char *)"x", contains };
		struct scn_step judge = { .argc = 2, .argv = argv };
		sr = step_expect_der(&judge, resp.data, resp.len, ctx);
	}
out:
	sgp_key_free(key);
	sgp_buf_free(&cfg);
	sgp_buf_free(&list);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	return sr;
}

/* --- eim-package --- */

static int package_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "id", "counter", "iccid", "rollback", "target",
					    "eid", "error", "contains", NULL };
	const char *op = st->argc > 3 ? st->argv[3] : "", *v;
	unsigned n;
	bool known = false;

	if (device_check(st, err, errlen) < 0)
		return -1;
	for (const char *const *o = operations; *o; o++)
		known |= !strcmp(op, *o);
	if (!known) {
		snprintf(err, errlen, "unknown operation '%s' (enable, disable, delete, list-profiles, "
			 "get-rat, set-fallback, unset-fallback, list-eim, delete-eim, replay)", op);
		return -1;
	}
	if (step_check_keys(st, 4, keys, err, errlen) < 0)
		return -1;
	if (strcmp(op, "replay") && (!step_arg(st, "id") ||
				     !(v = step_arg(st, "counter")) || step_parse_uint(v, 0xffffffu, &n) < 0)) {
		snprintf(err, errlen, "id= and counter= are required");
		return -1;
	}
	if ((!strcmp(op, "enable") || !strcmp(op, "disable") || !strcmp(op, "delete") ||
	     !strcmp(op, "set-fallback")) && !step_arg(st, "iccid")) {
		snprintf(err, errlen, "%s needs iccid=", op);
		return -1;
	}
	if (!strcmp(op, "delete-eim") && !step_arg(st, "target")) {
		snprintf(err, errlen, "delete-eim needs target=EIMID");
		return -1;
	}
	if ((v = step_arg(st, "error")) && strcmp(v, "unsigned")) {
		known = false;
		for (size_t i = 0; i < sizeof(package_errors) / sizeof(package_errors[0]); i++)
			known |= !strcmp(v, package_errors[i].name);
		if (!known) {
			snprintf(err, errlen, "error= must be unsigned, invalidEid, replayError, "
				 "counterValueOutOfRange, sizeOverflow, ecallActive or undefinedError");
			return -1;
		}
	}
	return 0;
}

/* Build and sign the package the step describes into out. */
static int build_package(struct lab *lab, const struct scn_step *st, unsigned dev,
			 struct sgp_buf *out, char *err, size_t errlen)
{
	const char *op = st->argv[3], *v;
	struct eim_package p;
	uint8_t eid[16], iccid[10];
	unsigned counter = 0;
	struct sgp_key *key;
	bool eco = !strcmp(op, "list-eim") || !strcmp(op, "delete-eim");
	int rc;

	if ((v = step_arg(st, "eid"))) {
		rc = sgp_eid_to_bcd(v, eid);
	} else {
		struct euicc *e = lab_euicc_get(lab, dev, err, errlen);
		rc = e ? sgp_eid_to_bcd(euicc_eid(e), eid) : SGP_ERR_NOTFOUND;
	}
	if (rc < 0) {
		if (!err[0])
			snprintf(err, errlen, "eid= is no EID");
		return rc;
	}
	if ((v = step_arg(st, "iccid")) && sgp_iccid_to_bcd(v, iccid) < 0) {
		snprintf(err, errlen, "iccid= is no ICCID");
		return SGP_ERR_INVAL;
	}
	step_parse_uint(step_arg(st, "counter"), 0xffffffu, &counter);
	key = eim_key(lab, err, errlen);
	if (!key)
		return SGP_ERR_NOTFOUND;
	rc = eim_package_init(&p, eco ? EIM_PACKAGE_ECO : EIM_PACKAGE_PSMO, step_arg(st, "id"), eid,
			      (long)counter);
	if (rc == SGP_OK) {
		if (!strcmp(op, "enable"))
			rc = eim_psmo_enable(&p, iccid, step_arg(st, "rollback") &&
					     !strcmp(step_arg(st, "rollback"), "yes"));
		else if (!strcmp(op, "disable"))
			rc = eim_psmo_disable(&p, iccid);
		else if (!strcmp(op, "delete"))
			rc = eim_psmo_delete(&p, iccid);
		else if (!strcmp(op, "list-profiles"))
			rc = eim_psmo_list_profile_info(&p);
		else if (!strcmp(op, "get-rat"))
			rc = eim_psmo_get_rat(&p);
		else if (!strcmp(op, "set-fallback"))
			rc = eim_psmo_set_fallback_attribute(&p, iccid);
		else if (!strcmp(op, "unset-fallback"))
			rc = eim_psmo_unset_fallback_attribute(&p);
		else if (!strcmp(op, "list-eim"))
			rc = eim_eco_list_eim(&p);
		else
			rc = eim_eco_delete_eim(&p, step_arg(st, "target"));
		if (rc == SGP_OK)
			rc = eim_package_sign(&p, key, out);
		eim_package_free(&p);
	}
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "building the package failed: %s", sgp_strerror(rc));
	sgp_key_free(key);
	return rc;
}

static const char *error_name(long code)
{
	for (size_t i = 0; i < sizeof(package_errors) / sizeof(package_errors[0]); i++)
		if (package_errors[i].code == code)
			return package_errors[i].name;
	return "?";
}

static enum step_result package_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	unsigned dev = (unsigned)step_device(st->argv[1], MAX_DEVICES);
	const char *want_err = step_arg(st, "error");
	struct sgp_buf *last = last_package(lab, dev);
	struct sgp_buf pkg = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	struct eim_result res = { 0 };
	enum step_result sr = STEP_FAIL;
	char err[256] = "";
	struct card *card = lab_card_get(lab, dev, err, sizeof(err));
	struct euicc *e = card ? lab_euicc_get(lab, dev, err, sizeof(err)) : NULL;
	struct sgp_pki *pki = e ? lab_pki_get(lab, NULL, err, sizeof(err)) : NULL;
	X509 *cert = NULL;
	uint16_t sw = 0;
	int rc;

	if (!pki || !last) {
		step_msg(ctx, "%s", err[0] ? err : "out of memory");
		goto out;
	}
	if (!strcmp(st->argv[3], "replay")) {
		if (!last->len) {
			step_msg(ctx, "no package was sent to @%u yet", dev);
			goto out;
		}
		rc = sgp_buf_set(&pkg, last->data, last->len);
	} else {
		rc = build_package(lab, st, dev, &pkg, err, sizeof(err));
		if (rc == SGP_OK)
			rc = sgp_buf_set(last, pkg.data, pkg.len);
	}
	if (rc < 0) {
		step_msg(ctx, "%s", err[0] ? err : sgp_strerror(rc));
		goto out;
	}
	rc = lab_card_es10(card, pkg.data, pkg.len, &resp, &sw);
	if (rc < 0) {
		step_msg(ctx, "LoadEuiccPackage: the card answered SW %04X", sw);
		goto out;
	}
	sgp_pki_euicc_get(pki, dev - 1, NULL, &cert, NULL);
	rc = eim_result_verify(resp.data, resp.len, cert, 0, &res);
	if (rc < 0) {
		step_msg(ctx, "the EuiccPackageResult does not verify: %s", sgp_strerror(rc));
		goto out;
	}
	if (res.kind == EIM_RESULT_ERROR_UNSIGNED) {
		if (want_err && !strcmp(want_err, "unsigned")) {
			step_msg(ctx, "refused with the unsigned error");
			sr = STEP_OK;
		} else {
			step_msg(ctx, "refused with the unsigned error (unknown eIM or bad signature)");
		}
	} else if (res.kind == EIM_RESULT_ERROR_SIGNED) {
		if (want_err && !strcmp(want_err, error_name(res.error_code))) {
			step_msg(ctx, "refused: %s", want_err);
			sr = STEP_OK;
		} else {
			step_msg(ctx, "refused with %s (%ld)%s%s", error_name(res.error_code),
				 res.error_code, want_err ? ", expected " : "", want_err ? want_err : "");
		}
	} else if (want_err) {
		step_msg(ctx, "executed (seqNumber %ld), but %s was expected", res.seq_number, want_err);
	} else {
		/* the signed result: item results judged by contains= */
		sr = step_expect_der(st, resp.data, resp.len, ctx);
	}
out:
	eim_result_free(&res);
	sgp_buf_free(&pkg);
	sgp_buf_free(&resp);
	return sr;
}

static void local_eim_teardown(struct lab *lab)
{
	struct lab_local_eim *le = lab->local_eim;

	if (!le)
		return;
	for (size_t i = 0; i < le->n; i++)
		sgp_buf_free(&le->last[i]);
	free(le->last);
	free(le);
	lab->local_eim = NULL;
}

static const struct step_def local_eim_defs[] = {
	{
		.keyword = "euicc", .object = "add-initial-eim",
		.usage = "euicc @N add-initial-eim id=EIMID [counter=N] [fqdn=FQDN] [result=ok|N]",
		.help = "AddInitialEim with the lab PKI's eIM key (SGP.32 ES10b).",
		.check = add_check, .run = add_run,
	},
	{
		.keyword = "euicc", .object = "eim-package",
		.usage = "euicc @N eim-package OPERATION id=EIMID counter=N [iccid=] [rollback=yes] [target=] [eid=] [error=CODE|unsigned] [contains=TEXT]... | eim-package replay [error=CODE]",
		.help = "A signed eUICC package (PSMO or eCO) from the lab in the eIM's place; checks the eUICC's signed result.",
		.check = package_check, .run = package_run,
	},
};

const struct step_table steps_local_eim = {
	.defs = local_eim_defs,
	.count = sizeof(local_eim_defs) / sizeof(local_eim_defs[0]),
	.teardown = local_eim_teardown,
};
