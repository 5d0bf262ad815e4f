/* sgp32lab: scenario steps that talk to a simulated eUICC as a terminal does
 *
 *   apdu @N HEX [sw=XXXX] [data=HEX]
 *       one command APDU to the card; checks the status word (default 9000)
 *       and, with data=, the response data
 *   es10 @N HEX [sw=XXXX] [as=TYPE] [type=NAME] [contains=TEXT]... [result=ok|error]
 *       one ES10 command through the ISD-R (SELECT, STORE DATA blocks,
 *       GET RESPONSE) on the basic channel; the answer is judged like
 *       `expect decode`
 *   euicc @N install-profile iccid=ICCID [imsi=IMSI] [name=TEXT] [spn=TEXT]
 *       [class=test|provisioning|operational] [ppr=1,2] [notify=EVENTS]
 *       [address=FQDN] [result=ok|REASON]
 *       a profile download with the lab in the SM-DP+'s place, over ES10
 *       and the card front end: mutual authentication, PrepareDownload and
 *       a Bound Profile Package built and protected by the SM-DP+ code
 *       (smdp/) — everything but ES9+ on the wire, which the SM-DP+ role
 *       brings.  result= names the expected outcome. */
#include "lab/lab.h"
#include "lab/lab_card.h"
#include "lab/lab_euicc.h"
#include "lab/lab_pki.h"
#include "core/apdu/es10_apdu.h"
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/crypto/random.h"
#include "core/der/bpp_split.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/pki/pki.h"
#include "ipa/es10_requests.h"
#include "sim/card.h"
#include "smdp/auth.h"
#include "smdp/bpp.h"
#include "smdp/metadata.h"
#include "smdp/upp.h"


#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES 10000
#define LAB_SMDP_ADDRESS "smdp.sgp32lab.test"
static const char isd_r_select[] = "00A4040010A0000005591010FFFFFFFF890000010000";

static struct card *step_card(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	char err[256];
	struct card *c = lab_card_get(lab, (unsigned)step_device(st->argv[1], MAX_DEVICES), err,
				      sizeof(err));
	if (!c)
		step_msg(ctx, "%s", err);
	return c;
}

static int device_word(const struct scn_step *st, char *err, size_t errlen)
{
	if (st->argc < 2 || step_device(st->argv[1], MAX_DEVICES) < 0) {
		snprintf(err, errlen, "name the device as @N (e.g. @1)");
		return -1;
	}
	return 0;
}

static int sw_arg(const struct scn_step *st, unsigned *sw)
{
	const char *v = step_arg(st, "sw");
	uint8_t b[2];

	*sw = 0x9000;
	if (!v)
		return 0;
	if (sgp_hex_decode_fixed(v, b, 2) < 0)
		return -1;
	*sw = (unsigned)b[0] << 8 | b[1];
	return 0;
}

/* Send apdu; the whole response (data and SW) in rapdu. */
static int transmit(struct card *c, const uint8_t *apdu, size_t len, struct sgp_buf *rapdu)
{
	int rc = card_apdu(c, apdu, len, rapdu);

	return rc < 0 || rapdu->len < 2 ? SGP_ERR_PEER : SGP_OK;
}

/* Run one exchange through es10_rsp: the command, then GET RESPONSE while
 * the card asks for it.  *sw is the final status word. */
static int exchange(struct card *c, struct sgp_buf *apdu, bool last, struct es10_rsp *r,
		    enum es10_rsp_step *step, uint16_t *sw)
{
	struct sgp_buf rapdu = SGP_BUF_INIT;
	int rc;

	do {
		rc = transmit(c, apdu->data, apdu->len, &rapdu);
		if (rc < 0)
			break;
		*step = es10_rsp_feed(r, rapdu.data, rapdu.len, last, apdu, sw);
	} while (*step == ES10_RSP_GET_RESPONSE);
	sgp_buf_free(&rapdu);
	return rc;
}

/* SELECT ISD-R on the basic channel. */
static int select_isd_r(struct card *c, uint16_t *sw)
{
	struct sgp_buf apdu = SGP_BUF_INIT;
	struct es10_rsp r;
	enum es10_rsp_step step = ES10_RSP_ERROR;
	int rc = sgp_hex_decode(isd_r_select, &apdu);

	es10_rsp_init(&r, 0);
	if (rc == SGP_OK)
		rc = exchange(c, &apdu, true, &r, &step, sw);
	if (rc == SGP_OK && step != ES10_RSP_DONE)
		rc = SGP_ERR_PEER;
	es10_rsp_free(&r);
	sgp_buf_free(&apdu);
	return rc;
}

/* One ES10 command over STORE DATA; the answer in resp.  SGP_ERR_PEER with
 * *sw when the card refuses. */
static int store_data_es10(struct card *c, const uint8_t *cmd, size_t len, struct sgp_buf *resp,
		     uint16_t *sw)
{
	struct es10_apdu_writer w;
	struct es10_rsp r;
	struct sgp_buf apdu = SGP_BUF_INIT;
	enum es10_rsp_step step = ES10_RSP_ERROR;
	int rc = SGP_OK;

	es10_apdu_writer_init(&w, cmd, len, 0);
	es10_rsp_init(&r, 0);
	while (rc == SGP_OK && es10_apdu_writer_next(&w, &apdu)) {
		rc = exchange(c, &apdu, es10_apdu_writer_done(&w), &r, &step, sw);
		if (rc == SGP_OK && step == ES10_RSP_ERROR)
			rc = SGP_ERR_PEER;
	}
	if (rc == SGP_OK && step != ES10_RSP_DONE)
		rc = SGP_ERR_PEER;
	if (rc == SGP_OK)
		rc = sgp_buf_set(resp, r.data.data, r.data.len);
	es10_rsp_free(&r);
	sgp_buf_free(&apdu);
	return rc;
}

int lab_card_es10(struct card *c, const uint8_t *cmd, size_t len, struct sgp_buf *resp,
		  uint16_t *sw)
{
	int rc = select_isd_r(c, sw);

	return rc < 0 ? rc : store_data_es10(c, cmd, len, resp, sw);
}

/* --- apdu @N HEX --- */

static int apdu_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "sw", "data", NULL };
	struct sgp_buf b = SGP_BUF_INIT;
	unsigned sw;
	int rc;

	if (device_word(st, err, errlen) < 0)
		return -1;
	if (st->argc < 3 || strchr(st->argv[2], '=')) {
		snprintf(err, errlen, "give the command APDU in hex");
		return -1;
	}
	rc = sgp_hex_decode(st->argv[2], &b);
	sgp_buf_free(&b);
	if (rc < 0) {
		snprintf(err, errlen, "the command APDU is not valid hex");
		return -1;
	}
	if (sw_arg(st, &sw) < 0) {
		snprintf(err, errlen, "sw= takes four hex digits, e.g. 6A82");
		return -1;
	}
	return step_check_keys(st, 3, keys, err, errlen);
}

static enum step_result apdu_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	struct card *c = step_card(lab, st, ctx);
	struct sgp_buf cmd = SGP_BUF_INIT, rapdu = SGP_BUF_INIT, want = SGP_BUF_INIT;
	const char *data = step_arg(st, "data");
	enum step_result sr = STEP_FAIL;
	unsigned want_sw, sw;
	char *hex = NULL;

	if (!c)
		return STEP_FAIL;
	sw_arg(st, &want_sw);
	sgp_hex_decode(st->argv[2], &cmd);
	card_apdu(c, cmd.data, cmd.len, &rapdu);
	if (rapdu.len < 2) {
		step_msg(ctx, "the card gave no status word");
		goto out;
	}
	sw = (unsigned)rapdu.data[rapdu.len - 2] << 8 | rapdu.data[rapdu.len - 1];
	hex = sgp_hex_encode(rapdu.data, rapdu.len - 2, true);
	if (sw != want_sw) {
		step_msg(ctx, "SW %04X, expected %04X%s%s", sw, want_sw, hex && *hex ? ", data " : "",
			 hex ? hex : "");
		goto out;
	}
	if (data && (sgp_hex_decode(data, &want) < 0 || want.len != rapdu.len - 2 ||
		     memcmp(want.data, rapdu.data, want.len))) {
		step_msg(ctx, "SW %04X with the data %s", sw, hex && *hex ? hex : "(none)");
		goto out;
	}
	step_msg(ctx, "SW %04X%s%s", sw, hex && *hex ? ", " : "", hex ? hex : "");
	sr = STEP_OK;
out:
	free(hex);
	sgp_buf_free(&cmd);
	sgp_buf_free(&rapdu);
	sgp_buf_free(&want);
	return sr;
}

/* --- es10 @N HEX --- */

static int es10_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "sw", "as", "type", "contains", "result", NULL };
	unsigned sw;

	if (device_word(st, err, errlen) < 0)
		return -1;
	if (st->argc < 3 || strchr(st->argv[2], '=')) {
		snprintf(err, errlen, "give the ES10 command in hex");
		return -1;
	}
	if (sw_arg(st, &sw) < 0) {
		snprintf(err, errlen, "sw= takes four hex digits, e.g. 6A80");
		return -1;
	}
	return step_check_keys(st, 3, keys, err, errlen);
}

static enum step_result es10_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	struct card *c = step_card(lab, st, ctx);
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	enum step_result sr = STEP_FAIL;
	unsigned want_sw;
	uint16_t sw = 0;
	int rc;

	if (!c)
		return STEP_FAIL;
	sw_arg(st, &want_sw);
	if (sgp_hex_decode(st->argv[2], &cmd) < 0) {
		step_msg(ctx, "the command is not valid hex");
		goto out;
	}
	rc = select_isd_r(c, &sw);
	if (rc < 0) {
		step_msg(ctx, "SELECT ISD-R failed (SW %04X)", sw);
		goto out;
	}
	rc = store_data_es10(c, cmd.data, cmd.len, &resp, &sw);
	if (rc < 0 && sw == 0) {
		step_msg(ctx, "no valid answer from the card");
		goto out;
	}
	if (sw != want_sw) {
		step_msg(ctx, "SW %04X, expected %04X", sw, want_sw);
		goto out;
	}
	if (sw != 0x9000) {
		step_msg(ctx, "SW %04X", sw);
		sr = STEP_OK;
		goto out;
	}
	sr = step_expect_der(st, resp.data, resp.len, ctx);
out:
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	return sr;
}

/* --- euicc @N install-profile --- */

static const char *const class_names[] = { "test", "provisioning", "operational" };
static const char *const event_names[] = { "install", "enable", "disable", "delete" };

static int word_index(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v, names[i]))
			return i;
	return -1;
}

/* "enable,delete" -> bits; -1 for an unknown word */
static int parse_list(const char *v, const char *const *names, int n, unsigned *bits)
{
	char buf[128], *save = NULL;

	*bits = 0;
	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int i = word_index(t, names, n);
		if (i < 0)
			return -1;
		*bits |= 1u << i;
	}
	return 0;
}

static int install_check(const struct scn_step *st, char *err, size_t errlen)
{
	static const char *const keys[] = { "iccid", "imsi", "name", "spn", "class", "ppr",
					    "notify", "address", "result", NULL };
	static const char *const ppr_names[] = { "0", "1", "2" };
	const char *v;
	uint8_t bcd[10];
	unsigned bits;

	if (device_word(st, err, errlen) < 0 || step_check_keys(st, 3, keys, err, errlen) < 0)
		return -1;
	if (!(v = step_arg(st, "iccid")) || sgp_iccid_to_bcd(v, bcd) < 0) {
		snprintf(err, errlen, "iccid= must be an ICCID of 18 to 20 digits");
		return -1;
	}
	if ((v = step_arg(st, "class")) && word_index(v, class_names, 3) < 0) {
		snprintf(err, errlen, "class= must be test, provisioning or operational");
		return -1;
	}
	if ((v = step_arg(st, "ppr")) && (parse_list(v, ppr_names, 3, &bits) < 0 || (bits & 1))) {
		snprintf(err, errlen, "ppr= lists profile policy rules 1 and/or 2");
		return -1;
	}
	if ((v = step_arg(st, "notify")) && parse_list(v, event_names, 4, &bits) < 0) {
		snprintf(err, errlen, "notify= lists events: install, enable, disable, delete");
		return -1;
	}
	return 0;
}

/* The ICCID's digits -> an IMSI for the profile when none is given. */
static void default_imsi(const char *iccid, char imsi[16])
{
	size_t n = strlen(iccid);

	snprintf(imsi, 16, "00101%.10s", n >= 10 ? iccid + n - 10 : iccid);
}

struct install {
	struct card *card;
	struct sgp_pki *pki;
	struct sgp_key *dpauth, *dppb;
	struct smdp_euicc euicc;
	struct smdp_auth_status st;
	uint8_t tid[16];
	char why[300];
};

static int es10_or_why(struct install *in, const struct sgp_buf *cmd, struct sgp_buf *resp,
		       const char *what)
{
	uint16_t sw = 0;
	int rc = store_data_es10(in->card, cmd->data, cmd->len, resp, &sw);

	if (rc < 0)
		snprintf(in->why, sizeof(in->why), "%s: the card answered SW %04X", what, sw);
	return rc;
}

/* Mutual authentication and PrepareDownload; *otpk gets otPK.EUICC.ECKA. */
static int install_authenticate(struct install *in, time_t now, uint8_t otpk[SGP_CURVE_POINT_LEN])
{
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT, ss = SGP_BUF_INIT;
	struct sgp_buf ski = SGP_BUF_INIT, cert = SGP_BUF_INIT;
	struct ipa_ctx_params ctxp = { .tac = { 0x35, 0x29, 0x06, 0x11 } };
	uint8_t sch[16], sig[64], sig2[64];
	int rc;

	rc = sgp_random_bytes(in->tid, sizeof(in->tid));
	if (rc == SGP_OK)
		rc = sgp_random_bytes(sch, sizeof(sch));
	if (rc == SGP_OK)
		rc = sgp_hex_decode("BF2E00", &cmd);
	if (rc == SGP_OK)
		rc = es10_or_why(in, &cmd, &resp, "GetEUICCChallenge");
	if (rc == SGP_OK && (resp.len != 21 || resp.data[4] != 0x10)) {
		snprintf(in->why, sizeof(in->why), "GetEUICCChallenge: unexpected answer");
		rc = SGP_ERR_PEER;
	}
	if (rc == SGP_OK)
		rc = smdp_auth_sign_server1(in->dpauth, in->tid, sizeof(in->tid), resp.data + 5,
					    LAB_SMDP_ADDRESS, sch, &ss, sig);
	if (rc == SGP_OK)
		rc = sgp_pki_cert_ski(sgp_pki_cert(in->pki, SGP_PKI_ROLE_CI), &ski);
	if (rc == SGP_OK)
		rc = sgp_pki_cert_der(sgp_pki_cert(in->pki, SGP_PKI_ROLE_DPAUTH), &cert);
	if (rc == SGP_OK)
		rc = ipa_build_authenticate_server(ss.data, ss.len, sig, ski.data, ski.len,
						   cert.data, cert.len, &ctxp, &cmd);
	if (rc == SGP_OK)
		rc = es10_or_why(in, &cmd, &resp, "AuthenticateServer");
	if (rc == SGP_OK) {
		rc = smdp_auth_check_authenticate_server_response(in->pki, now, in->tid,
				sizeof(in->tid), sch, LAB_SMDP_ADDRESS, resp.data, resp.len,
				&in->euicc, &in->st);
		if (rc < 0)
			snprintf(in->why, sizeof(in->why), "AuthenticateServer: %s%s",
				 smdp_auth_reason_str(in->st.reason),
				 in->st.reason == SMDP_AUTH_EUICC_ERROR ? " from the eUICC" : "");
	}
	if (rc == SGP_OK)
		rc = smdp_auth_sign_smdp2(in->dppb, in->tid, sizeof(in->tid), false, NULL, 0,
					  in->euicc.euicc_signature1, &ss, sig2);
	if (rc == SGP_OK)
		rc = sgp_pki_cert_der(sgp_pki_cert(in->pki, SGP_PKI_ROLE_DPPB), &cert);
	if (rc == SGP_OK)
		rc = ipa_build_prepare_download(ss.data, ss.len, sig2, NULL, cert.data, cert.len, &cmd);
	if (rc == SGP_OK)
		rc = es10_or_why(in, &cmd, &resp, "PrepareDownload");
	if (rc == SGP_OK) {
		rc = smdp_auth_check_prepare_download_response(&in->euicc, in->tid, sizeof(in->tid),
							       sig2, NULL, resp.data, resp.len,
							       otpk, &in->st);
		if (rc < 0)
			snprintf(in->why, sizeof(in->why), "PrepareDownload: %s",
				 smdp_auth_reason_str(in->st.reason));
	}
	if (rc < 0 && !in->why[0])
		snprintf(in->why, sizeof(in->why), "%s", sgp_strerror(rc));
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	sgp_buf_free(&ss);
	sgp_buf_free(&ski);
	sgp_buf_free(&cert);
	return rc;
}

/* Build the profile and its metadata as the step asks. */
static int install_bpp(struct install *in, const struct scn_step *st,
		       const uint8_t otpk[SGP_CURVE_POINT_LEN], struct sgp_buf *bpp)
{
	static const char *const ppr_names[] = { "0", "1", "2" };
	const char *iccid = step_arg(st, "iccid"), *v;
	char imsi[16];
	struct smdp_notif_cfg notif[4];
	struct smdp_profile_metadata md = {
		.iccid = iccid,
		.service_provider_name = step_arg(st, "spn") ? step_arg(st, "spn") : "sgp32lab",
		.profile_name = step_arg(st, "name") ? step_arg(st, "name") : iccid,
		.profile_class = 2,
		.notif = notif,
	};
	struct smdp_upp_params up = { .iccid = iccid, .imsi = imsi };
	struct sgp_buf upp = SGP_BUF_INIT, meta = SGP_BUF_INIT;
	struct smdp_bpp_params bp = {
		.transaction_id = in->tid, .transaction_id_len = sizeof(in->tid),
		.euicc_otpk = otpk, .euicc_otpk_len = SGP_CURVE_POINT_LEN,
		.eid = in->euicc.eid_bcd, .dppb = in->dppb,
	};
	unsigned bits;
	int rc;

	if (step_arg(st, "imsi"))
		snprintf(imsi, sizeof(imsi), "%s", step_arg(st, "imsi"));
	else
		default_imsi(iccid, imsi);
	if ((v = step_arg(st, "class")))
		md.profile_class = word_index(v, class_names, 3);
	if ((v = step_arg(st, "ppr")) && parse_list(v, ppr_names, 3, &bits) == 0)
		md.ppr = bits;
	if ((v = step_arg(st, "notify")) && parse_list(v, event_names, 4, &bits) == 0)
		for (int e = 0; e < 4; e++)
			if (bits & (1u << e))
				notif[md.n_notif++] = (struct smdp_notif_cfg){
					.event = (enum smdp_notif_event)e,
					.address = step_arg(st, "address") ? step_arg(st, "address")
									   : LAB_SMDP_ADDRESS,
				};
	rc = smdp_upp_build(&up, &upp);
	if (rc == SGP_OK)
		rc = smdp_metadata_encode(&md, &meta);
	if (rc == SGP_OK) {
		bp.upp = upp.data;
		bp.upp_len = upp.len;
		bp.metadata = meta.data;
		bp.metadata_len = meta.len;
		rc = smdp_bpp_build(&bp, bpp);
	}
	if (rc < 0)
		snprintf(in->why, sizeof(in->why), "building the profile failed: %s", sgp_strerror(rc));
	sgp_buf_free(&upp);
	sgp_buf_free(&meta);
	return rc;
}

/* The BPP as LoadBoundProfilePackage commands; the ProfileInstallationResult. */
static int install_load(struct install *in, const struct sgp_buf *bpp, struct smdp_pir *pir)
{
	struct sgp_bpp_cmd *cmds = NULL;
	struct sgp_buf cmd = SGP_BUF_INIT, resp = SGP_BUF_INIT;
	size_t n = 0;
	int rc = sgp_bpp_split(bpp->data, bpp->len, &cmds, &n);

	for (size_t i = 0; rc == SGP_OK && i < n; i++) {
		rc = sgp_buf_set(&cmd, bpp->data + cmds[i].off, cmds[i].len);
		if (rc == SGP_OK)
			rc = es10_or_why(in, &cmd, &resp, "LoadBoundProfilePackage");
		if (rc == SGP_OK && resp.len)
			break;		/* the result ends the loading, success or not */
	}
	if (rc == SGP_OK && !resp.len) {
		snprintf(in->why, sizeof(in->why), "no ProfileInstallationResult");
		rc = SGP_ERR_PEER;
	}
	if (rc == SGP_OK) {
		rc = smdp_auth_check_pir(in->euicc.pk, in->tid, sizeof(in->tid), resp.data,
					 resp.len, pir, &in->st);
		if (rc < 0)
			snprintf(in->why, sizeof(in->why), "ProfileInstallationResult: %s",
				 smdp_auth_reason_str(in->st.reason));
	}
	free(cmds);
	sgp_buf_free(&cmd);
	sgp_buf_free(&resp);
	return rc;
}

/* ErrorReason (SGP.22 5.7.6) by name; asn1c 0.9.28 keeps no names for the
 * values of a named INTEGER, so the scenario language lists them. */
static const char *error_reason_name(long v)
{
	static const char *const names[] = {
		[1] = "incorrectInputValues", [2] = "invalidSignature",
		[3] = "invalidTransactionId", [4] = "unsupportedCrtValues",
		[5] = "unsupportedRemoteOperationType", [6] = "unsupportedProfileClass",
		[7] = "scp03tStructureError", [8] = "scp03tSecurityError",
		[9] = "installFailedDueToIccidAlreadyExistsOnEuicc",
		[10] = "installFailedDueToInsufficientMemoryForProfile",
		[11] = "installFailedDueToInterruption",
		[12] = "installFailedDueToPEProcessingError",
		[13] = "installFailedDueToDataMismatch",
		[14] = "testProfileInstallFailedDueToInvalidNaaKey",
		[15] = "pprNotAllowed",
	};

	if (v == 127)
		return "installFailedDueToUnknownError";
	return v > 0 && v < (long)(sizeof(names) / sizeof(names[0])) ? names[v] : "?";
}

static enum step_result install_run(struct lab *lab, const struct scn_step *st, struct step_ctx *ctx)
{
	struct install in = { .card = step_card(lab, st, ctx) };
	const char *want = step_arg(st, "result") ? step_arg(st, "result") : "ok";
	struct sgp_buf bpp = SGP_BUF_INIT;
	uint8_t otpk[SGP_CURVE_POINT_LEN];
	struct smdp_pir pir = { 0 };
	enum step_result sr = STEP_FAIL;
	uint16_t sw;
	int rc;

	if (!in.card)
		return STEP_FAIL;
	in.pki = lab_pki_get(lab, NULL, in.why, sizeof(in.why));
	if (!in.pki) {
		step_msg(ctx, "%s", in.why);
		return STEP_FAIL;
	}
	rc = sgp_key_from_evp(sgp_pki_key(in.pki, SGP_PKI_ROLE_DPAUTH), &in.dpauth);
	if (rc == SGP_OK)
		rc = sgp_key_from_evp(sgp_pki_key(in.pki, SGP_PKI_ROLE_DPPB), &in.dppb);
	if (rc < 0) {
		step_msg(ctx, "the lab PKI has no SM-DP+ keys");
		goto out;
	}
	rc = select_isd_r(in.card, &sw);
	if (rc < 0) {
		step_msg(ctx, "SELECT ISD-R failed (SW %04X)", sw);
		goto out;
	}
	rc = install_authenticate(&in, sgp_clock_now(lab->clock), otpk);
	if (rc == SGP_OK)
		rc = install_bpp(&in, st, otpk, &bpp);
	if (rc == SGP_OK)
		rc = install_load(&in, &bpp, &pir);
	if (rc < 0) {
		step_msg(ctx, "%s", in.why);
		goto out;
	}
	if (pir.success && !strcmp(want, "ok")) {
		step_msg(ctx, "installed, seqNumber %ld", pir.seq_number);
		sr = STEP_OK;
	} else if (!pir.success && !strcmp(want, error_reason_name(pir.error_reason))) {
		step_msg(ctx, "refused: %s (bppCommandId %ld)", want, pir.bpp_command_id);
		sr = STEP_OK;
	} else if (pir.success) {
		step_msg(ctx, "installed, but %s was expected", want);
	} else {
		step_msg(ctx, "refused with %s (bppCommandId %ld), expected %s",
			 error_reason_name(pir.error_reason), pir.bpp_command_id, want);
	}
out:
	smdp_euicc_release(&in.euicc);
	sgp_key_free(in.dpauth);
	sgp_key_free(in.dppb);
	sgp_buf_free(&bpp);
	return sr;
}

static const struct step_def card_defs[] = {
	{
		.keyword = "apdu",
		.usage = "apdu @N HEX [sw=XXXX] [data=HEX]",
		.help = "Send one command APDU to the card and check its status word (default 9000) and data.",
		.check = apdu_check, .run = apdu_run,
	},
	{
		.keyword = "es10",
		.usage = "es10 @N HEX [sw=XXXX] [as=TYPE] [type=NAME] [contains=TEXT]... [result=ok|error]",
		.help = "Send one ES10 command to the ISD-R (SELECT, STORE DATA, GET RESPONSE) and check the answer.",
		.check = es10_check, .run = es10_run,
	},
	{
		.keyword = "euicc", .object = "install-profile",
		.usage = "euicc @N install-profile iccid=ICCID [imsi=] [name=] [spn=] [class=C] [ppr=1,2] [notify=EVENTS] [address=FQDN] [result=ok|ErrorReason]",
		.help = "Download a profile with the lab as the SM-DP+ (SM-DP+ code, ES10 over the card; no ES9+).",
		.check = install_check, .run = install_run,
	},
};

const struct step_table steps_card = {
	.defs = card_defs,
	.count = sizeof(card_defs) / sizeof(card_defs[0]),
};
