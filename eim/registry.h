/* sgp32lab: the eIM's device registry and package queue (schema "eim")
 *
 * What the eIM knows of each eUICC it manages (SGP.32 v1.2 section 3.5):
 * the EID, the eUICC certificate that verifies its EuiccPackageResults,
 * the associationToken the eUICC gave this eIM (0: none), and the
 * counterValue the next eUICC package will carry (SGP.32 2.11.1.1: it
 * must grow with every package, the eUICC refuses a value it already saw).
 *
 * Per device a queue of eIM packages (SGP.32 6.3.2.6 GetEimPackageResponse)
 * of three kinds: eUICC packages (EuiccPackageRequest 'BF51'), eUICC data
 * requests (IpaEuiccDataRequest 'BF52') and profile download triggers
 * (ProfileDownloadTriggerRequest 'BF54'), each with a random
 * eimTransactionId, in the states queued -> delivered (answered to a
 * getEimPackage) -> result_received (the IPA's EimPackageResult checked
 * and recorded).
 *
 * A device may be known by its EID only ("bootstrap": the eUICC
 * certificate is learned from an IpaEuiccData on first contact); per device
 * the registry also keeps its last contact, the last notifyStateChange, the
 * last known profiles (registry_profiles.c), the notifications received and
 * what IpaEuiccData told (EUM certificate, euiccInfo2, IpaCapabilities).
 *
 * Every function runs on the caller's store; the ones marked "in a
 * transaction" must be called inside sgp_store_tx() or begin/commit. */
#ifndef SGP_EIM_REGISTRY_H
#define SGP_EIM_REGISTRY_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sgp_store;

#define EIM_EID_DIGITS 32

/* Bring the "eim" schema up to date. */
int eim_registry_migrate(struct sgp_store *st);

struct eim_device {
	char eid[EIM_EID_DIGITS + 1];
	struct sgp_buf euicc_cert;	/* DER of the eUICC certificate; empty: bootstrap */
	long association_token;		/* 0: none */
	long next_counter;		/* counterValue of the next package */
	int64_t last_contact;		/* lab clock, seconds; 0: never */
	bool notify_state_change;	/* of the last GetEimPackageRequest */
	long state_change_cause;	/* StateChangeCause, -1: absent */
	struct sgp_buf eum_cert;	/* from IpaEuiccData, may be empty */
	struct sgp_buf euicc_info2;	/* SGP32-EUICCInfo2 DER, may be empty */
	struct sgp_buf ipa_capabilities;	/* IpaCapabilities DER, may be empty */
};
void eim_device_release(struct eim_device *d);
/* The eUICC certificate is not known yet. */
static inline bool eim_device_bootstrap(const struct eim_device *d)
{
	return d->euicc_cert.len == 0;
}

/* Add a device; SGP_ERR_EXISTS if the EID is already known.  cert_der
 * NULL: EID only (bootstrap). */
int eim_registry_add_device(struct sgp_store *st, const char *eid, const uint8_t *cert_der,
			    size_t cert_len, long association_token, long first_counter);
/* SGP_ERR_NOTFOUND for an unknown EID. */
int eim_registry_get_device(struct sgp_store *st, const char *eid, struct eim_device *out);
/* Take the device's next counterValue and advance it (in a transaction). */
int eim_registry_take_counter(struct sgp_store *st, const char *eid, long *counter);
/* A GetEimPackage from the device: last contact, notifyStateChange. */
int eim_registry_touch(struct sgp_store *st, const char *eid, int64_t now, bool notify,
		       long cause);
/* Certificates learned from IpaEuiccData (already verified by the caller). */
int eim_registry_set_certs(struct sgp_store *st, const char *eid, const struct sgp_buf *euicc,
			   const struct sgp_buf *eum);
enum eim_device_info { EIM_INFO_EUICC_INFO2, EIM_INFO_IPA_CAPABILITIES };
int eim_registry_set_info(struct sgp_store *st, const char *eid, enum eim_device_info what,
			  const uint8_t *der, size_t len);
/* Every registered EID, in order of registration (free() the array). */
int eim_registry_eids(struct sgp_store *st, char (**v)[EIM_EID_DIGITS + 1], size_t *n);

enum eim_pkg_state {
	EIM_PKG_QUEUED = 0,
	EIM_PKG_DELIVERED = 1,
	EIM_PKG_RESULT_RECEIVED = 2,
};
const char *eim_pkg_state_name(enum eim_pkg_state s);

/* What a package holds (GetEimPackageResponse choice). */
enum eim_pkg_kind {
	EIM_PKG_EUICC_PACKAGE = 0,	/* EuiccPackageRequest 'BF51' */
	EIM_PKG_DATA_REQUEST = 1,	/* IpaEuiccDataRequest 'BF52' */
	EIM_PKG_DOWNLOAD_TRIGGER = 2,	/* ProfileDownloadTriggerRequest 'BF54' */
};
const char *eim_pkg_kind_name(enum eim_pkg_kind k);

/* How a package ended (result_kind); the first three are enum
 * eim_result_kind (package.h) for EuiccPackageResults. */
enum eim_pkg_outcome {
	EIM_OUT_NONE = -1,
	EIM_OUT_EPR_SIGNED = 0,		/* euiccPackageResultSigned */
	EIM_OUT_EPR_ERROR_SIGNED = 1,	/* euiccPackageErrorSigned, error_code */
	EIM_OUT_EPR_ERROR_UNSIGNED = 2,	/* never recorded: nothing proves it */
	EIM_OUT_DATA = 10,		/* ipaEuiccData */
	EIM_OUT_DATA_ERROR = 11,	/* ipaEuiccDataResponseError, error_code */
	EIM_OUT_DOWNLOAD_OK = 12,	/* profileInstallationResult success, iccid */
	EIM_OUT_DOWNLOAD_ERROR = 13,	/* PIR errorResult (error_code: reason) or
					 * profileDownloadError (error_code) */
	EIM_OUT_IPA_ERROR = 14,		/* eimPackageResultResponseError, error_code */
};
/* "ok" or "error" for a result, "" while none. */
const char *eim_pkg_outcome_name(int outcome);

/* One queued package and, once received, its result. */
struct eim_pkg {
	int64_t id;
	char eid[EIM_EID_DIGITS + 1];
	enum eim_pkg_kind kind;
	long counter;			/* eUICC packages; -1 for the other kinds */
	uint8_t transaction_id[16];
	size_t transaction_id_len;
	enum eim_pkg_state state;
	int64_t created;		/* lab clock, seconds */
	struct sgp_buf der;		/* the package as delivered */
	/* result_received: */
	struct sgp_buf result;		/* the result's DER */
	int result_kind;		/* enum eim_pkg_outcome */
	bool result_verified;		/* the eUICC's signature verified */
	long seq_number;		/* euiccPackageResultSigned only, else -1 */
	long error_code;		/* an error outcome's code, else -1 */
	char iccid[21];			/* EIM_OUT_DOWNLOAD_OK: the installed profile */
};

/* A result to record (eim_registry_record_result). */
struct eim_pkg_result {
	const uint8_t *der;
	size_t len;
	int kind;			/* enum eim_pkg_outcome */
	bool verified;
	long seq_number;		/* -1: none */
	long error_code;		/* -1: none */
	const char *iccid;		/* NULL: none */
};
void eim_pkg_release(struct eim_pkg *p);
void eim_pkg_list_free(struct eim_pkg *v, size_t n);

/* Append a package (an eUICC package in a transaction with
 * eim_registry_take_counter; counter -1 for the other kinds). */
int eim_registry_queue_add(struct sgp_store *st, const char *eid, enum eim_pkg_kind kind,
			   long counter, const uint8_t *tid, size_t tid_len, const uint8_t *der,
			   size_t len, int64_t created, int64_t *id);
/* The package of eid (NULL: of any device; eimTransactionIds are unique)
 * with this eimTransactionId; SGP_ERR_NOTFOUND if none. */
int eim_registry_find_tid(struct sgp_store *st, const char *eid, const uint8_t *tid,
			  size_t tid_len, struct eim_pkg *out);
/* Number of packages of eid in state delivered (of any kind when kind < 0). */
int eim_registry_count_delivered(struct sgp_store *st, const char *eid, int kind, size_t *n);
/* The single delivered package of eid when exactly one waits for a result;
 * SGP_ERR_NOTFOUND otherwise. */
int eim_registry_only_delivered(struct sgp_store *st, const char *eid, struct eim_pkg *out);
/* Whether a data request of eid is queued or delivered (no result yet). */
int eim_registry_data_request_open(struct sgp_store *st, const char *eid, bool *open);
/* The oldest package still queued for eid, of this kind (any kind when
 * kind < 0); SGP_ERR_NOTFOUND if none. */
int eim_registry_next_queued(struct sgp_store *st, const char *eid, int kind, struct eim_pkg *out);
/* The package of eid with this counterValue; SGP_ERR_NOTFOUND if none. */
int eim_registry_find_counter(struct sgp_store *st, const char *eid, long counter,
			      struct eim_pkg *out);
/* queued -> delivered; SGP_ERR_STATE if the package is not queued. */
int eim_registry_mark_delivered(struct sgp_store *st, int64_t id);
/* delivered -> result_received with the result; SGP_ERR_STATE if the
 * package is not in state delivered. */
int eim_registry_record_result(struct sgp_store *st, int64_t id, const struct eim_pkg_result *r);
/* Every package of eid, oldest first (*v NULL when n is 0). */
int eim_registry_list(struct sgp_store *st, const char *eid, struct eim_pkg **v, size_t *n);
/* One package by id (of eid); SGP_ERR_NOTFOUND if none. */
int eim_registry_get_pkg(struct sgp_store *st, const char *eid, int64_t id, struct eim_pkg *out);

/* ---- last known profiles (registry_profiles.c) ---- */

/* ProfileState disabled(0) / enabled(1); ProfileClass test(0),
 * provisioning(1), operational(2), -1 unknown. */
struct eim_profile {
	char iccid[21];
	int state;
	int profile_class;
	char nickname[65];
	bool fallback;
};
/* Replace the device's profiles with a listProfileInfo result. */
int eim_registry_profiles_replace(struct sgp_store *st, const char *eid,
				  const struct eim_profile *v, size_t n);
/* After an enable: iccid enabled, every other profile disabled (SGP.32
 * 2.11.1.1.3: one enabled profile).  A profile not known yet is added. */
int eim_registry_profile_enabled(struct sgp_store *st, const char *eid, const char *iccid);
int eim_registry_profile_disabled(struct sgp_store *st, const char *eid, const char *iccid);
int eim_registry_profile_deleted(struct sgp_store *st, const char *eid, const char *iccid);
/* setFallbackAttribute(iccid) / unsetFallbackAttribute (iccid NULL). */
int eim_registry_profile_fallback(struct sgp_store *st, const char *eid, const char *iccid);
/* Oldest first by ICCID (free() the array). */
int eim_registry_profiles(struct sgp_store *st, const char *eid, struct eim_profile **v,
			  size_t *n);

/* ---- notifications received (registry_profiles.c) ---- */

/* Record a PendingNotification by its seqNumber; SGP_ERR_EXISTS when that
 * seqNumber of eid is already recorded (a replay: nothing changes). */
int eim_registry_add_notification(struct sgp_store *st, const char *eid, long seq_number,
				  const uint8_t *der, size_t len, int64_t now);
int eim_registry_count_notifications(struct sgp_store *st, const char *eid, size_t *n);

/* The device's push address (ESipa.TransferEimPackage, eim/esipa_push.c):
 * url NULL clears it; "" read back when none.  SGP_ERR_NOTFOUND for an
 * unknown EID (registry_push.c). */
#define EIM_PUSH_URL_MAX 512
int eim_registry_set_push_url(struct sgp_store *st, const char *eid, const char *url);
int eim_registry_get_push_url(struct sgp_store *st, const char *eid, char *url, size_t size);

#endif
