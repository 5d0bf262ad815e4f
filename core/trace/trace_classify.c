/* sgp32lab: interface and function of a traced message.
 *
 * HTTP: from the path (SGP.22 6.5.1 / SGP.32 6.1 bindings):
 *   /gsma/rsp2/es9plus/<fn>  ES9+      /gsma/rsp2/es11/<fn>   ES11
 *   /gsma/rsp2/es2plus/<fn>  ES2+      /gsma/rsp2/es12/<fn>   ES12
 *   /gsma/rsp2/esipa/<fn>    ESipa (JSON binding)
 *   /gsma/rsp2/asn1          the ASN.1 binding: ESipa (ES9+ when our end is
 *                            the ES9+ client or the SM-DP+), the function
 *                            from the request's outermost tag
 *   /api/...                 the eIM operator API
 * APDUs: ES10 in STORE DATA (SGP.22 5.7.1), the function from the first
 * block's outermost tag; other commands by their INS. */
#include "core/trace/trace.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Outermost tags of the ES10 commands (SGP.22 v2.5 annex H and SGP.32
 * v1.2 section 5.9) and of the ESipa messages (SGP.32 6.3); the names are
 * the spec's function names. */
static const struct {
	uint32_t tag;
	const char *fn;
} tag_names[] = {
	{ 0xBF20, "GetEUICCInfo1" },
	{ 0xBF21, "PrepareDownload" },
	{ 0xBF22, "GetEUICCInfo2" },
	{ 0xBF23, "InitialiseSecureChannel" },
	{ 0xBF24, "ConfigureISDP" },
	{ 0xBF25, "StoreMetadata" },
	{ 0xBF26, "ReplaceSessionKeys" },
	{ 0xBF28, "ListNotification" },
	{ 0xBF29, "SetNickname" },
	{ 0xBF2A, "UpdateMetadata" },
	{ 0xBF2B, "RetrieveNotificationsList" },
	{ 0xBF2D, "GetProfilesInfo" },
	{ 0xBF2E, "GetEUICCChallenge" },
	{ 0xBF30, "RemoveNotificationFromList" },
	{ 0xBF31, "EnableProfile" },
	{ 0xBF32, "DisableProfile" },
	{ 0xBF33, "DeleteProfile" },
	{ 0xBF34, "eUICCMemoryReset" },
	{ 0xBF35, "LoadCRL" },
	{ 0xBF36, "LoadBoundProfilePackage" },
	{ 0xBF37, "ProfileInstallationResult" },
	{ 0xBF38, "AuthenticateServer" },
	{ 0xBF39, "InitiateAuthentication" },
	{ 0xBF3A, "GetBoundProfilePackage" },
	{ 0xBF3B, "AuthenticateClient" },
	{ 0xBF3C, "GetEuiccConfiguredAddresses" },
	{ 0xBF3D, "HandleNotification" },
	{ 0xBF3E, "GetEID" },
	{ 0xBF3F, "SetDefaultDpAddress" },
	{ 0xBF41, "CancelSession" },
	{ 0xBF42, "IpaeActivation" },
	{ 0xBF43, "GetRAT" },
	{ 0xBF4E, "TransferEimPackage" },
	{ 0xBF4F, "GetEimPackage" },
	{ 0xBF50, "ProvideEimPackageResult" },
	{ 0xBF51, "LoadEuiccPackage" },
	{ 0xBF52, "GetIpaEuiccData" },
	{ 0xBF53, "EimAcknowledgements" },
	{ 0xBF54, "ProfileDownloadTrigger" },
	{ 0xBF55, "GetEimConfigurationData" },
	{ 0xBF56, "GetCerts" },
	{ 0xBF57, "AddInitialEim" },
	{ 0xBF58, "ProfileRollback" },
	{ 0xBF59, "ConfigureImmediateProfileEnabling" },
	{ 0xBF5A, "ImmediateEnable" },
	{ 0xBF5B, "EnableEmergencyProfile" },
	{ 0xBF5C, "DisableEmergencyProfile" },
	{ 0xBF5D, "ExecuteFallbackMechanism" },
	{ 0xBF5E, "ReturnFromFallback" },
	{ 0xBF5F, "GetConnectivityParameters" },
	{ 0xBF64, "eUICCMemoryReset" },
	{ 0xBF65, "SetDefaultDpAddress" },
};

const char *trace_fn_by_tag(uint32_t tag)
{
	for (size_t i = 0; i < sizeof(tag_names) / sizeof(tag_names[0]); i++)
		if (tag_names[i].tag == tag)
			return tag_names[i].fn;
	return NULL;
}

/* The outermost tag as written (1 to 3 bytes), 0 when unreadable. */
static uint32_t first_tag(const uint8_t *d, size_t len)
{
	if (!d || len < 1)
		return 0;
	if ((d[0] & 0x1F) != 0x1F)
		return d[0];
	if (len < 2)
		return 0;
	if (!(d[1] & 0x80))
		return (uint32_t)d[0] << 8 | d[1];
	if (len < 3 || (d[2] & 0x80))
		return 0;
	return (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2];
}

static void http_classify(const struct trace_event *rq, char *iface, size_t ilen,
			  char *fn, size_t flen)
{
	static const struct {
		const char *prefix, *iface;
	} paths[] = {
		{ "/gsma/rsp2/es9plus/", "ES9+" },
		{ "/gsma/rsp2/es11/", "ES11" },
		{ "/gsma/rsp2/es2plus/", "ES2+" },
		{ "/gsma/rsp2/es12/", "ES12" },
		{ "/gsma/rsp2/esipa/", "ESipa" },
	};
	const char *path = rq->path ? rq->path : "";

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		size_t n = strlen(paths[i].prefix);

		if (!strncmp(path, paths[i].prefix, n)) {
			snprintf(iface, ilen, "%s", paths[i].iface);
			snprintf(fn, flen, "%s", path + n);
			return;
		}
	}
	if (!strcmp(path, "/gsma/rsp2/asn1")) {
		const char *name = trace_fn_by_tag(first_tag(rq->body, rq->body_len));
		bool es9 = strstr(rq->name, "es9") || strstr(rq->name, "smdp");

		snprintf(iface, ilen, "%s", es9 ? "ES9+" : "ESipa");
		if (name)
			snprintf(fn, flen, "%c%s", tolower((unsigned char)name[0]), name + 1);
		else
			snprintf(fn, flen, "(unknown message)");
		return;
	}
	if (!strncmp(path, "/api/", 5) || !strcmp(path, "/api")) {
		snprintf(iface, ilen, "eIM API");
		snprintf(fn, flen, "%s %s", rq->method ? rq->method : "", path + 4);
		return;
	}
	snprintf(iface, ilen, "HTTP");
	snprintf(fn, flen, "%s %s", rq->method ? rq->method : "", path);
}

static const char *ins_name(uint8_t ins)
{
	switch (ins) {
	case 0xE2: return "STORE DATA";
	case 0xC0: return "GET RESPONSE";
	case 0xA4: return "SELECT";
	case 0x70: return "MANAGE CHANNEL";
	case 0xAA: return "TERMINAL CAPABILITY";
	case 0xCA: return "GET DATA";
	case 0xF2: return "GET STATUS";
	}
	return NULL;
}

static void apdu_classify(const struct trace_event *rq, struct trace_es10_ctx *ctx,
			  char *iface, size_t ilen, char *fn, size_t flen)
{
	const uint8_t *a = rq->body;
	const char *name;

	if (rq->full_len == 1 && a) {
		snprintf(iface, ilen, "vpcd");
		snprintf(fn, flen, "%s", a[0] == 0x00 ? "power off" : a[0] == 0x01 ? "power on" :
			 a[0] == 0x02 ? "reset" : a[0] == 0x04 ? "get ATR" : "control");
		return;
	}
	snprintf(iface, ilen, "ES10");
	if (!a || rq->body_len < 4) {
		snprintf(fn, flen, "(short APDU)");
		return;
	}
	if (a[1] == 0xE2) {
		if (a[3] == 0) {
			/* the first block: Lc, then the command's outermost tag */
			uint32_t tag = rq->body_len > 5 ? first_tag(a + 5, rq->body_len - 5) : 0;

			name = trace_fn_by_tag(tag);
			/* SGP.22 2.5.5: after the BF36 header the segments of a
			 * Bound Profile Package start with their own tags */
			if (!name && tag && tag < 0xBF && !strcmp(ctx->last_fn, "LoadBoundProfilePackage"))
				name = ctx->last_fn;
			if (name != ctx->last_fn)
				snprintf(ctx->last_fn, sizeof(ctx->last_fn), "%s",
					 name ? name : "STORE DATA");
		}
		snprintf(fn, flen, "%s", ctx->last_fn[0] ? ctx->last_fn : "STORE DATA");
		return;
	}
	name = ins_name(a[1]);
	if (name)
		snprintf(fn, flen, "%s", name);
	else
		snprintf(fn, flen, "INS %02X", a[1]);
}

void trace_classify(const struct trace_event *ev, const struct trace_event *req,
		    struct trace_es10_ctx *ctx, char *iface, size_t ilen, char *fn,
		    size_t flen)
{
	const struct trace_event *rq = ev->response && req ? req : ev;

	if (ev->kind == TRACE_MARK) {
		snprintf(iface, ilen, "scenario");
		snprintf(fn, flen, "%s", ev->name);
		return;
	}
	if (ev->kind == TRACE_APDU) {
		struct trace_es10_ctx keep = *ctx;

		apdu_classify(rq, ctx, iface, ilen, fn, flen);
		if (ev->response)
			*ctx = keep;	/* a response does not start a command */
		return;
	}
	if (ev->response && !req) {
		snprintf(iface, ilen, "HTTP");
		snprintf(fn, flen, "(answer)");
		return;
	}
	http_classify(rq, iface, ilen, fn, flen);
}
