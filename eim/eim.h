/* sgp32lab: the eIM's operator side — devices, the package queue, read-back
 * (SGP.32 v1.2 section 3.5, 2.11; ESipa 6.3.2.6)
 *
 * Everything an operator (the lab's scenario steps, the HTTPS operator
 * API in eim/api.c) asks of the eIM goes through these calls:
 *   - register a device, with its eUICC certificate or by its EID only
 *     (bootstrap: the eIM then asks the eUICC for its certificates on the
 *     device's first contact, eim/esipa_result.c);
 *   - queue eIM packages: eUICC packages of PSMOs or eCOs (signed with the
 *     eIM key, the device's next counterValue), IpaEuiccDataRequests and
 *     ProfileDownloadTriggerRequests; each gets a random eimTransactionId;
 *   - read back a device, its last known profiles, its packages and results.
 * Every call runs in its own store transaction. */
#ifndef SGP_EIM_EIM_H
#define SGP_EIM_EIM_H

#include "eim/registry.h"

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct eim_server;
struct eim_package;

/* Register a device: its EID (32 digits), its eUICC certificate (the EID
 * in it must match; with a PKI its chain is verified) or NULL for an
 * EID-only (bootstrap) registration, the association token its eUICC gave
 * this eIM (0: none), and the counterValue of the first package (the
 * eUICC's stored value plus one; 0 means 1). */
int eim_register_device(struct eim_server *s, const char *eid, X509 *euicc_cert,
			long association_token, long first_counter);

/* Queue an eUICC package for eid: in one transaction the device's counter
 * is taken and advanced, fill() adds the PSMOs or eCOs, the package is
 * signed with the eIM key and appended to the queue.  *id (may be NULL)
 * gets the package's id.  kind is enum eim_package_kind. */
typedef int (*eim_fill_fn)(struct eim_package *p, void *arg);
int eim_queue_package(struct eim_server *s, const char *eid, int kind, eim_fill_fn fill,
		      void *arg, int64_t *id);

/* PSMOs (SGP.32 2.11.1.1.3) */
enum eim_psmo_op {
	EIM_PSMO_ENABLE, EIM_PSMO_DISABLE, EIM_PSMO_DELETE, EIM_PSMO_LIST_PROFILE_INFO,
	EIM_PSMO_GET_RAT, EIM_PSMO_CONFIGURE_IMMEDIATE_ENABLE, EIM_PSMO_SET_FALLBACK_ATTRIBUTE,
	EIM_PSMO_UNSET_FALLBACK_ATTRIBUTE, EIM_PSMO_SET_DEFAULT_DP_ADDRESS,
};
struct eim_psmo {
	enum eim_psmo_op op;
	const char *iccid;		/* enable, disable, delete, setFallbackAttribute */
	bool rollback;			/* enable */
	bool immediate_enable;		/* configureImmediateEnable */
	const char *address;		/* setDefaultDpAddress, configureImmediateEnable
					 * (defaultSmdpAddress, NULL: absent) */
};
/* The spec's name ("enable", "listProfileInfo", ...) and back. */
const char *eim_psmo_op_name(enum eim_psmo_op op);
int eim_psmo_op_from_name(const char *name, enum eim_psmo_op *op);
/* One eUICC package with n PSMOs in order (1..8). */
int eim_queue_psmo(struct eim_server *s, const char *eid, const struct eim_psmo *v, size_t n,
		   int64_t *id);

/* eCOs (SGP.32 2.11.1.1.2) */
enum eim_eco_op { EIM_ECO_ADD_EIM, EIM_ECO_DELETE_EIM, EIM_ECO_UPDATE_EIM, EIM_ECO_LIST_EIM };
struct eim_eco {
	enum eim_eco_op op;
	const char *eim_id;		/* add, update, delete: the eIM concerned */
	const char *eim_fqdn;		/* add, update; NULL: absent */
	long counter;			/* add, update: its counterValue; 0: absent */
	bool request_association_token;	/* add */
	/* add, update: the eIM's public key; this eIM's key when NULL */
	const struct sgp_key *public_key;
};
const char *eim_eco_op_name(enum eim_eco_op op);
int eim_eco_op_from_name(const char *name, enum eim_eco_op *op);
int eim_queue_eco(struct eim_server *s, const char *eid, const struct eim_eco *v, size_t n,
		  int64_t *id);

/* IpaEuiccDataRequest (SGP.32 2.11.2 / 6.3.2.6): the tags of IpaEuiccData
 * wanted (tagList, concatenated tags: e.g. 'A5' 'A6' 'BF22' 'A8'),
 * optional search criteria (seqNumber < 0: absent). */
struct eim_data_request {
	const uint8_t *tags;
	size_t tags_len;
	long notification_seq;		/* searchCriteriaNotification seqNumber */
	long result_seq;		/* searchCriteriaEuiccPackageResult seqNumber */
};
int eim_queue_data_request(struct eim_server *s, const char *eid,
			   const struct eim_data_request *r, int64_t *id);

/* ProfileDownloadTriggerRequest (SGP.32 2.11.3 / 6.3.2.6) */
enum eim_download_kind {
	EIM_DOWNLOAD_ACTIVATION_CODE,	/* arg: the activation code */
	EIM_DOWNLOAD_DEFAULT_SMDP,	/* contactDefaultSmdp, arg NULL */
	EIM_DOWNLOAD_SMDS,		/* contactSmds, arg: smdsAddress or NULL */
};
int eim_queue_download_trigger(struct eim_server *s, const char *eid, enum eim_download_kind k,
			       const char *arg, int64_t *id);

/* The device's push address (ESipa.TransferEimPackage, eim/esipa_push.h):
 * an https:// URL of its IPA's listener, e.g.
 * "https://127.0.0.1:4711/gsma/rsp2/asn1"; NULL: the device polls only.
 * With push enabled, what is queued goes there at once. */
int eim_set_push_url(struct eim_server *s, const char *eid, const char *url);

/* Read back (eim_device_release / free / eim_pkg_release,
 * eim_pkg_list_free). */
int eim_get_device(struct eim_server *s, const char *eid, struct eim_device *out);
int eim_get_profiles(struct eim_server *s, const char *eid, struct eim_profile **v, size_t *n);
int eim_get_package(struct eim_server *s, const char *eid, int64_t id, struct eim_pkg *out);
int eim_server_packages(struct eim_server *s, const char *eid, struct eim_pkg **v, size_t *n);
int eim_get_notification_count(struct eim_server *s, const char *eid, size_t *n);
/* The store the eIM keeps its registry in (for eim_registry_* reads). */
struct sgp_store *eim_server_store(struct eim_server *s);
/* Why the eIM last refused a ProvideEimPackageResult of eid (its answer's
 * code and the rule the result broke), for a test harness: 0, or
 * SGP_ERR_NOTFOUND when it refused none (of the last few devices). */
int eim_server_last_refusal(const struct eim_server *s, const char *eid, char *out, size_t size);

/* Single-PSMO shortcuts; iccid as text (19 or 20 digits). */
int eim_queue_psmo_enable(struct eim_server *s, const char *eid, const char *iccid,
			  bool rollback, int64_t *id);
int eim_queue_psmo_disable(struct eim_server *s, const char *eid, const char *iccid, int64_t *id);
int eim_queue_psmo_delete(struct eim_server *s, const char *eid, const char *iccid, int64_t *id);
int eim_queue_psmo_list_profile_info(struct eim_server *s, const char *eid, int64_t *id);

#endif
