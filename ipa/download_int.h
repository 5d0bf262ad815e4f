/* sgp32lab: the IPA's download FSM — shared between the table
 * (download.c) and the steps (download_steps.c) */
#ifndef SGP_IPA_DOWNLOAD_INT_H
#define SGP_IPA_DOWNLOAD_INT_H

#include "ipa/download.h"
#include "core/es9/client.h"
#include "ipa/esipa_client.h"
#include "core/buf.h"
#include "core/der/bpp_split.h"
#include "core/fsm.h"

enum dl_state {
	DL_INIT,
	DL_WAIT_ADDRESSES,	/* ES10a GetEuiccConfiguredAddresses */
	DL_WAIT_EUICC_INFO1,	/* ES10b GetEUICCInfo1 */
	DL_WAIT_CHALLENGE,	/* ES10b GetEUICCChallenge */
	DL_WAIT_INITIATE_AUTH,	/* ES9+ initiateAuthentication */
	DL_WAIT_AUTH_SERVER,	/* ES10b AuthenticateServer */
	DL_WAIT_AUTH_CLIENT,	/* ES9+ authenticateClient */
	DL_WAIT_PREPARE,	/* ES10b PrepareDownload */
	DL_WAIT_GET_BPP,	/* ES9+ getBoundProfilePackage */
	DL_WAIT_LOAD,		/* ES10b LoadBoundProfilePackage, one piece */
	DL_WAIT_HANDLE_NOTIF,	/* ES9+ handleNotification */
	DL_WAIT_REMOVE_NOTIF,	/* ES10b RemoveNotificationFromList */
	DL_WAIT_CANCEL_EUICC,	/* ES10b CancelSession */
	DL_WAIT_CANCEL_SERVER,	/* ES9+ cancelSession */
	DL_DONE,
	DL_NUM_STATES,
};

enum dl_event {
	DL_EV_START,
	DL_EV_ES10,	/* data: const struct ipa_es10_result * */
	DL_EV_ES9,	/* data: const struct es9_answer * */
	DL_NUM_EVENTS,
};

struct ipa_download {
	struct sgp_fsm_inst *fi;
	struct ipa_es10 *es10;
	struct http_client *http;
	struct es9_call *call;
	struct ipa_esipa_call *esipa_call;	/* indirect mode */
	char *eim_url;				/* NULL: direct */
	enum ipa_esipa_binding esipa_binding;
	uint8_t eim_tid[16];
	size_t eim_tid_len;
	enum es9_function esipa_fn;		/* the function in flight */
	ipa_download_done_fn done;
	void *done_arg;
	ipa_download_consent_fn consent;
	void *consent_arg;
	unsigned es10_timeout_ms, es9_timeout_ms;
	uint8_t tac[4];
	char address[256];
	char matching_id[256];
	char *cc;
	/* the session */
	uint8_t challenge[16];
	struct sgp_buf euicc_info1;
	uint8_t smdp_signature2[64];
	struct sgp_buf bpp, pir;
	struct sgp_bpp_cmd *bpp_cmds;
	size_t n_bpp_cmds, next_cmd;
	bool session_open;		/* the eUICC holds a download session */
	bool cancelling, finished, starting;
	bool forward_error;		/* an eUICC error was sent to the SM-DP+ */
	bool pir_failed;		/* the PIR says errorResult */
	enum ipa_download_step cancel_after;	/* fault injection (download.h) */
	int cancel_after_reason;
	bool keep_notification;			/* fault injection (download.h) */
	int fail_rc;
	struct ipa_download_result res;
};

const struct sgp_fsm *ipa_download_fsm(void);

int dl_es10(struct ipa_download *d, uint32_t st, const uint8_t *cmd, size_t len);
/* Cancel the ES9+ (or ESipa) call in flight, if any. */
void dl_cancel_call(struct ipa_download *d);
int dl_es9(struct ipa_download *d, uint32_t st, const char *function,
	   const struct json_msg_desc *req_desc, const void *req,
	   const struct json_msg_desc *resp_desc);
void dl_finish(struct ipa_download *d, int rc);
void dl_fail(struct ipa_download *d, int rc, int reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* download_steps.c */
void dl_begin(struct ipa_download *d);
void dl_on_es10(struct ipa_download *d, const struct ipa_es10_result *res);
void dl_on_es9(struct ipa_download *d, const struct es9_answer *ans);
int dl_cancel_session(struct ipa_download *d, int reason);
/* Fault injection: true (and the session being cancelled) when the
 * download was told to stop after step. */
bool dl_cancel_injected(struct ipa_download *d, enum ipa_download_step step);

#endif
