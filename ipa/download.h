/* sgp32lab: the IPA's profile download (SGP.22 v2.5 3.1.3, as SGP.32
 * 3.2.3 has the IPA run it in direct mode), one table FSM per download:
 *
 *   [GetEuiccConfiguredAddresses]   no address given: the default SM-DP+
 *   GetEUICCInfo1, GetEUICCChallenge
 *   ES9+ initiateAuthentication     serverAddress checked against ours
 *   ES10b AuthenticateServer
 *   ES9+ authenticateClient         (an eUICC error is forwarded, then ends)
 *   consent on the profile metadata (callback), confirmation code
 *   ES10b PrepareDownload           hashCc = SHA256(SHA256(CC) | tid)
 *   ES9+ getBoundProfilePackage
 *   LoadBoundProfilePackage         core/der/bpp_split.h pieces
 *   ES9+ handleNotification         the ProfileInstallationResult
 *   ES10b RemoveNotificationFromList
 * and MANAGE CHANNEL close at the end.
 *
 * Indirect mode (SGP.32 3.2.3.2, cfg.eim_url set): the same steps, but
 * each ES9+ function goes as its ESipa counterpart to the eIM, which
 * relays it to the SM-DP+ (core/esipa maps both ways; the result carries
 * the ES9+ status codes the ESipa errors stand for).
 *
 * Any failure once the eUICC holds a session: ES10b CancelSession with the
 * SGP.22 CancelSessionReason (5.7.14) that fits, then ES9+ cancelSession
 * with the eUICC's signed answer.  Every wait has a timeout on the lab
 * clock.  The result reaches the done callback exactly once, unless the
 * download is freed first.
 *
 * Ownership: the download borrows the ES10 client, the HTTP client and the
 * clock; it copies the configuration's strings. */
#ifndef SGP_IPA_DOWNLOAD_H
#define SGP_IPA_DOWNLOAD_H

#include "core/http/http.h"
#include "ipa/es10_client.h"
#include "ipa/esipa_client.h"

#include <stdbool.h>
#include <stdint.h>

struct sgp_clock;
struct ipa_download;

/* CancelSessionReason (SGP.22 5.7.14) */
enum ipa_cancel_reason {
	IPA_CANCEL_END_USER_REJECTION = 0,
	IPA_CANCEL_POSTPONED = 1,
	IPA_CANCEL_TIMEOUT = 2,
	IPA_CANCEL_PPR_NOT_ALLOWED = 3,
	IPA_CANCEL_METADATA_MISMATCH = 4,
	IPA_CANCEL_LOAD_BPP_EXECUTION_ERROR = 5,
	IPA_CANCEL_UNDEFINED_REASON = 127,
	IPA_CANCEL_NONE = -1,
};
const char *ipa_cancel_reason_str(int reason);
/* The CancelSessionReason called name, IPA_CANCEL_NONE for none. */
int ipa_cancel_reason_parse(const char *name);

/* Fault injection (a test harness's word, not a device's): the download
 * step after whose answer the IPA cancels the session, as SGP.22 3.1.3
 * lets the LPA do at any point once the eUICC holds one. */
enum ipa_download_step {
	IPA_DL_STEP_NONE = 0,
	IPA_DL_STEP_AUTHENTICATE_SERVER,	/* ES10b AuthenticateServer answered */
	IPA_DL_STEP_AUTHENTICATE_CLIENT,	/* ES9+ authenticateClient answered */
	IPA_DL_STEP_PREPARE_DOWNLOAD,		/* ES10b PrepareDownload answered */
	IPA_DL_STEP_GET_BPP,			/* ES9+ getBoundProfilePackage answered */
};
/* "authenticateServer", ... (the function names); NULL for none */
const char *ipa_download_step_name(enum ipa_download_step step);
/* The step named name, or -1. */
int ipa_download_step_from_name(const char *name);

/* The end user's (or the device policy's) word on the profile metadata:
 * IPA_CONSENT_ACCEPT, or the CancelSessionReason to cancel with
 * (endUserRejection, postponed, pprNotAllowed, metadataMismatch). */
#define IPA_CONSENT_ACCEPT (-1)
typedef int (*ipa_download_consent_fn)(void *arg, const uint8_t *metadata, size_t len);

struct ipa_download_result {
	int rc;				/* 0: installed; else a negative sgp_err */
	bool installed;
	const char *step;		/* the state where it failed ("DONE" on success) */
	char why[256];			/* what went wrong, for people */
	int cancel_reason;		/* the CancelSession sent, IPA_CANCEL_NONE if none */
	bool cancel_confirmed;		/* the SM-DP+ accepted ES9+ cancelSession */
	long euicc_error;		/* an ES10 error code the eUICC answered, or -1 */
	char subject_code[16];		/* the SM-DP+'s statusCodeData, when it refused */
	char reason_code[16];
	long bpp_error_reason;		/* ProfileInstallationResult errorReason, or -1 */
	long seq_number;		/* notification sequence number, or -1 */
	bool notification_sent;		/* handleNotification accepted */
	bool notification_removed;	/* RemoveNotificationFromList ok */
	uint8_t transaction_id[16];
	size_t transaction_id_len;
	/* the eUICC's ProfileInstallationResult ('BF37') DER, borrowed during
	 * the callback; NULL when none came (SGP.32 6.3.2.7: the IPA hands it
	 * to the eIM in profileDownloadTriggerResult) */
	const uint8_t *pir;
	size_t pir_len;
};

typedef void (*ipa_download_done_fn)(void *arg, const struct ipa_download_result *res);

struct ipa_download_cfg {
	struct sgp_clock *clock;
	struct ipa_es10 *es10;			/* the eUICC */
	struct http_client *http;		/* ES9+ (TLS trust of the lab CI) */
	/* one of: an activation code "LPA:1$<address>$<matching id>...", an
	 * address (+ matching id, e.g. from an SM-DS event), or neither: the
	 * eUICC's default SM-DP+ address */
	const char *activation_code;
	const char *smdp_address;
	const char *matching_id;
	const char *confirmation_code;		/* NULL: none at hand */
	uint8_t tac[4];				/* DeviceInfo.tac */
	unsigned es10_timeout_ms;		/* per ES10 step; 0: 30 s */
	unsigned es9_timeout_ms;		/* per ES9+ call; 0: 60 s */
	ipa_download_consent_fn consent;	/* NULL: accept */
	void *consent_arg;
	ipa_download_done_fn done;
	void *arg;
	const char *id;				/* for log lines; NULL: "1" */
	const char *eim_url;  /* non-NULL: indirect — the ES9+ functions go as ESipa to this eIM URL */
	const uint8_t *eim_transaction_id; size_t eim_transaction_id_len;
	enum ipa_esipa_binding esipa_binding;	/* indirect: ASN.1 (default) or JSON */
	/* (sent in InitiateAuthenticationRequestEsipa; SGP.32 3.2.3.2) */
	/* fault injection: cancel right after this step with cancel_reason
	 * (a CancelSessionReason); IPA_DL_STEP_NONE: run to the end */
	enum ipa_download_step cancel_after;
	int cancel_reason;
	/* fault injection: the link drops once the eUICC gave its
	 * ProfileInstallationResult: no handleNotification, the result stays
	 * on the eUICC (ipa/download_notify.h delivers it later) */
	bool keep_notification;
};

/* Start a download.  0: done runs later, exactly once (unless freed);
 * a negative sgp_err when it cannot even start (no card): no callback. */
int ipa_download_start(const struct ipa_download_cfg *cfg, struct ipa_download **out);
/* Abort without callback (no CancelSession is sent: free it from done, or
 * when the lab shuts down). */
void ipa_download_free(struct ipa_download *d);


#endif
