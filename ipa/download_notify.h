/* sgp32lab: the IPA's delivery of the eUICC's pending notifications
 * (SGP.22 v2.5 3.5; the last step of a download, done for every
 * notification the eUICC keeps), one table FSM per run:
 *
 *   WAIT_LIST      ES10b RetrieveNotificationsList (5.7.10), all profile
 *                  notifications: ProfileInstallationResults ('BF37') and
 *                  OtherSignedNotifications ('30': enable, disable, delete)
 *   per notification, oldest first:
 *   WAIT_DELIVERY  ES9+ HandleNotification (5.6.4) to its
 *                  notificationAddress (or, with eim_url, ESipa
 *                  HandleNotification to the eIM, which relays it; SGP.32
 *                  6.3.2.4)
 *   WAIT_REMOVE    ES10b RemoveNotificationFromList (5.7.11), only once the
 *                  SM-DP+ (or the eIM) took it
 * and MANAGE CHANNEL close at the end.
 *
 * A notification whose delivery fails (no answer, refused, an address that
 * does not answer) stays on the eUICC for the next run; the others are
 * still delivered.  A compact form (SGP.32) has no ES9+ binding: kept.
 * An eUICC failure ends the run.  Every wait has a timeout on the lab
 * clock.  The result reaches the done callback exactly once, unless the
 * run is freed first.
 *
 * Ownership: the run borrows the ES10 client, the HTTP client and the
 * clock; it copies the configuration's strings. */
#ifndef SGP_IPA_DOWNLOAD_NOTIFY_H
#define SGP_IPA_DOWNLOAD_NOTIFY_H

#include "core/http/http.h"
#include "ipa/es10_client.h"
#include "ipa/esipa_client.h"

#include <stdbool.h>

struct sgp_clock;
struct sgp_fsm;
struct ipa_notify;

#define IPA_NOTIFY_MAX 64	/* notifications taken per run */

struct ipa_notify_result {
	int rc;				/* 0: every notification tried; else a negative sgp_err */
	const char *step;		/* the state where it failed ("DONE" on success) */
	char why[256];			/* the first failure, for people */
	unsigned found;			/* profile notifications the eUICC listed */
	unsigned delivered;		/* ... taken by the SM-DP+ (or the eIM) */
	unsigned removed;		/* ... then removed from the eUICC */
	unsigned kept;			/* ... left on the eUICC (delivery failed) */
	char subject_code[16];		/* the first refusal's statusCodeData */
	char reason_code[16];
};

typedef void (*ipa_notify_done_fn)(void *arg, const struct ipa_notify_result *res);

struct ipa_notify_cfg {
	struct sgp_clock *clock;
	struct ipa_es10 *es10;			/* the eUICC */
	struct http_client *http;		/* ES9+ / ESipa (TLS trust of the lab CI) */
	unsigned es10_timeout_ms;		/* per ES10 step; 0: 30 s */
	unsigned es9_timeout_ms;		/* per delivery; 0: 60 s */
	const char *eim_url;			/* non-NULL: through this eIM (ESipa) */
	enum ipa_esipa_binding esipa_binding;
	ipa_notify_done_fn done;
	void *arg;
	const char *id;				/* for log lines; NULL: "1" */
};

/* Start a run.  0: done runs later, exactly once (unless freed); a
 * negative sgp_err when it cannot start: no callback. */
int ipa_notify_start(const struct ipa_notify_cfg *cfg, struct ipa_notify **out);
/* One notification of a RetrieveNotificationsListResponse. */
struct ipa_notify_item {
	size_t off, len;	/* the PendingNotification TLV, in the answer */
	long seq;		/* NotificationMetadata seqNumber; -1 for a compact form */
	char address[256];	/* notificationAddress; "" for a compact form */
};
/* Parse a RetrieveNotificationsListResponse ('BF2B'): up to max items,
 * *n set (the rest of a longer list is left for the next run).
 * SGP_ERR_PEER for notificationsListResultError, SGP_ERR_PARSE for
 * anything malformed (a notification without seqNumber or address, bad
 * lengths, trailing bytes). */
int ipa_notify_parse_list(const uint8_t *der, size_t len, struct ipa_notify_item *items,
			  size_t max, size_t *n);
/* Abort without callback (free it from done, or at shutdown). */
void ipa_notify_free(struct ipa_notify *n);
/* The table (for sgp_fsm_validate in tests). */
const struct sgp_fsm *ipa_notify_fsm(void);

#endif
