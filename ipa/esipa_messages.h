/* sgp32lab: the IPA's ESipa and ES10 messages of remote management
 * (SGP.32 v1.2 6.3.2.6 GetEimPackage, 6.3.2.7 ProvideEimPackageResult,
 * 5.9 ES10b) — built and read here so that the poll cycle (eim_poll.c) and
 * the IPAd (ipad.c) only move DER between the eIM and the eUICC.
 *
 * Every reader decodes strictly (core/der) and answers malformed input with
 * SGP_ERR_PARSE. */
#ifndef SGP_IPA_ESIPA_MESSAGES_H
#define SGP_IPA_ESIPA_MESSAGES_H

#include "core/buf.h"
#include "core/ids.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IpaCapabilities (SGP.32 v1.2 2.11.1.2): ipaFeatures bits, named after
 * the ASN.1, as a mask of (1u << bit). */
enum ipa_feature {
	IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION = 0,
	IPA_FEATURE_INDIRECT_RSP_SERVER_COMMUNICATION = 1,
	IPA_FEATURE_EIM_DOWNLOAD_DATA_HANDLING = 2,
	IPA_FEATURE_EIM_CTX_PARAMS1_GENERATION = 3,
	IPA_FEATURE_EIM_PROFILE_METADATA_VERIFICATION = 4,
	IPA_FEATURE_MINIMIZE_ESIPA_BYTES = 5,
};
/* ipaSupportedProtocols bits */
enum ipa_protocol {
	IPA_PROTOCOL_RETRIEVE_HTTPS = 0,
	IPA_PROTOCOL_RETRIEVE_COAPS = 1,
	IPA_PROTOCOL_INJECT_HTTPS = 2,
	IPA_PROTOCOL_INJECT_COAPS = 3,
	IPA_PROTOCOL_PROPRIETARY = 4,
};

struct ipa_capabilities {
	unsigned features;	/* (1u << enum ipa_feature) */
	unsigned protocols;	/* (1u << enum ipa_protocol) */
	uint8_t tac[4];		/* DeviceInfo.tac */
};

/* StateChangeCause (6.3.2.6) */
enum ipa_state_change_cause {
	IPA_STATE_CHANGE_NONE = -1,
	IPA_STATE_CHANGE_OTHER_EIM = 0,
	IPA_STATE_CHANGE_FALLBACK = 1,
	IPA_STATE_CHANGE_EMERGENCY_PROFILE = 2,
	IPA_STATE_CHANGE_LOCAL = 3,
	IPA_STATE_CHANGE_RESET = 4,
	IPA_STATE_CHANGE_IMMEDIATE_ENABLE = 5,
	IPA_STATE_CHANGE_DEVICE_CHANGE = 6,
	IPA_STATE_CHANGE_UNDEFINED = 127,
};

/* What an EimPackageResult carries (the CHOICE of 6.3.2.7). */
enum ipa_eim_result_kind {
	IPA_EIM_RESULT_EUICC_PACKAGE,		/* EuiccPackageResult 'BF51' */
	IPA_EIM_RESULT_IPA_EUICC_DATA,		/* IpaEuiccDataResponse 'BF52' */
	IPA_EIM_RESULT_DOWNLOAD_TRIGGER,	/* ProfileDownloadTriggerResult 'BF54' */
};

/* GetEimPackageRequest; cause IPA_STATE_CHANGE_NONE: no notifyStateChange. */
int ipa_msg_get_eim_package(const uint8_t eid[16], int cause, struct sgp_buf *out);
/* ProvideEimPackageResult carrying der (the kind's type, as DER). */
int ipa_msg_provide_result(const uint8_t eid[16], enum ipa_eim_result_kind kind,
			   const uint8_t *der, size_t len, struct sgp_buf *out);
/* ProvideEimPackageResult with eimPackageResultResponseError: an eIM
 * package the IPA could not run (EimPackageResultErrorCode: 1
 * invalidPackageFormat, 2 unknownPackage, 127 undefinedError). */
int ipa_msg_provide_error(const uint8_t eid[16], const uint8_t *tid, size_t tid_len, long code,
			  struct sgp_buf *out);

/* The eUICC's IpaEuiccDataResponse, completed with what only the IPA
 * knows when the request's tagList asks for it: 'A8' ipaCapabilities and
 * 'A9' deviceInfo (2.11.2.2). */
int ipa_msg_complete_euicc_data(const uint8_t *request, size_t req_len, const uint8_t *response,
				size_t resp_len, const struct ipa_capabilities *caps,
				struct sgp_buf *out);

/* ProfileDownloadTriggerResult: the ProfileInstallationResult pir, or
 * (pir NULL) profileDownloadError with the reason (127 undefinedError). */
int ipa_msg_download_trigger_result(const uint8_t *tid, size_t tid_len, const uint8_t *pir,
				    size_t pir_len, long error_reason, struct sgp_buf *out);

/* The sequence numbers of eimAcknowledgements (up to max); *n 0 for an
 * emptyResponse. */
struct ProvideEimPackageResultResponse;
int ipa_msg_acknowledgements(const struct ProvideEimPackageResultResponse *r, long *seq, size_t max, size_t *n);

/* ES10b requests */
int ipa_msg_notification_sent(long seq, struct sgp_buf *out);	/* 'BF30' */
/* ES10b ProfileRollback 'BF58', ExecuteFallbackMechanism 'BF5D',
 * ReturnFromFallback 'BF5E' (refreshFlag TRUE: a device applies the switch
 * with a REFRESH) */
extern const uint8_t ipa_cmd_profile_rollback[6];
extern const uint8_t ipa_cmd_execute_fallback[6];
extern const uint8_t ipa_cmd_return_from_fallback[6];
/* GetProfilesInfo 'BF2D' (all profiles, all fields) */
extern const uint8_t ipa_cmd_get_profiles_info[3];
/* IpaEuiccDataRequest 'BF52' for the eUICC Package Results it keeps */
extern const uint8_t ipa_cmd_pending_results[6];

/* The result code of the answer to one of the three commands above (cmd
 * is the array itself); ProfileRollback's eUICCPackageResult is left to
 * the pending-result delivery: the eUICC keeps it until acknowledged. */
int ipa_msg_es10_result_code(const uint8_t *cmd, const uint8_t *der, size_t len, long *code);

/* From GetProfilesInfo: the enabled profile's ICCID ("" if none), whether
 * it has the fallback attribute, whether any profile has it. */
struct ipa_profiles_state {
	char enabled[SGP_ICCID_MAX_DIGITS + 1];
	bool enabled_is_fallback;
	bool has_fallback;
};
int ipa_msg_profiles_state(const uint8_t *der, size_t len, struct ipa_profiles_state *st);

/* The eUICC Package Results of an IpaEuiccDataResponse (ipa_cmd_pending_
 * results), each as DER in a new buffer: *out[0..*n) (free each and the
 * array). */
int ipa_msg_pending_results(const uint8_t *der, size_t len, struct sgp_buf **out, size_t *n);

#endif
