/* sgp32lab: the eIM's device registry and package queue (schema "eim")
 *
 * What the eIM knows of each eUICC it manages (SGP.32 v1.2 section 3.5):
 * the EID, the eUICC certificate that verifies its EuiccPackageResults,
 * the associationToken the eUICC gave this eIM (0: none), and the
 * counterValue the next eUICC package will carry (SGP.32 2.11.1.1: it
 * must grow with every package, the eUICC refuses a value it already saw).
 *
 * Per device a queue of eUICC packages (EuiccPackageRequest DER) in the
 * states queued -> delivered (answered to a getEimPackage) ->
 * result_received (an EuiccPackageResult verified and recorded).
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
	struct sgp_buf euicc_cert;	/* DER of the eUICC certificate */
	long association_token;		/* 0: none */
	long next_counter;		/* counterValue of the next package */
};
void eim_device_release(struct eim_device *d);

/* Add a device; SGP_ERR_EXISTS if the EID is already known. */
int eim_registry_add_device(struct sgp_store *st, const char *eid, const uint8_t *cert_der,
			    size_t cert_len, long association_token, long first_counter);
/* SGP_ERR_NOTFOUND for an unknown EID. */
int eim_registry_get_device(struct sgp_store *st, const char *eid, struct eim_device *out);
/* Take the device's next counterValue and advance it (in a transaction). */
int eim_registry_take_counter(struct sgp_store *st, const char *eid, long *counter);

enum eim_pkg_state {
	EIM_PKG_QUEUED = 0,
	EIM_PKG_DELIVERED = 1,
	EIM_PKG_RESULT_RECEIVED = 2,
};
const char *eim_pkg_state_name(enum eim_pkg_state s);

/* One queued package and, once received, its result. */
struct eim_pkg {
	int64_t id;
	char eid[EIM_EID_DIGITS + 1];
	long counter;
	uint8_t transaction_id[16];
	size_t transaction_id_len;
	enum eim_pkg_state state;
	struct sgp_buf der;		/* the signed EuiccPackageRequest */
	/* result_received: */
	struct sgp_buf result;		/* the EuiccPackageResult DER */
	int result_kind;		/* enum eim_result_kind */
	bool result_verified;		/* the eUICC's signature verified */
	long seq_number;		/* euiccPackageResultSigned only, else -1 */
	long error_code;		/* euiccPackageErrorSigned only, else -1 */
};
void eim_pkg_release(struct eim_pkg *p);
void eim_pkg_list_free(struct eim_pkg *v, size_t n);

/* Append a package (in a transaction with eim_registry_take_counter). */
int eim_registry_queue_add(struct sgp_store *st, const char *eid, long counter,
			   const uint8_t *tid, size_t tid_len, const uint8_t *der, size_t len,
			   int64_t *id);
/* The oldest package still queued for eid; SGP_ERR_NOTFOUND if none. */
int eim_registry_next_queued(struct sgp_store *st, const char *eid, struct eim_pkg *out);
/* The package of eid with this counterValue; SGP_ERR_NOTFOUND if none. */
int eim_registry_find_counter(struct sgp_store *st, const char *eid, long counter,
			      struct eim_pkg *out);
/* queued -> delivered; SGP_ERR_STATE if the package is not queued. */
int eim_registry_mark_delivered(struct sgp_store *st, int64_t id);
/* delivered -> result_received with the result; SGP_ERR_STATE if the
 * package is not in state delivered. */
int eim_registry_record_result(struct sgp_store *st, int64_t id, const uint8_t *der, size_t len,
			       int kind, bool verified, long seq_number, long error_code);
/* Every package of eid, oldest first (*v NULL when n is 0). */
int eim_registry_list(struct sgp_store *st, const char *eid, struct eim_pkg **v, size_t *n);

#endif
