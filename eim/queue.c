/* sgp32lab: the eIM's operator side — registration, the package queue,
 * read-back (see eim/eim.h) */
#include "eim/esipa_server_int.h"
#include "eim/eim.h"
#include "eim/package.h"
#include "core/clock.h"
#include "core/crypto/random.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include "IpaEuiccDataRequest.h"
#include "ProfileDownloadTriggerRequest.h"

#include <stdlib.h>
#include <string.h>

/* eimTransactionId: random, 16 bytes (SGP.32 2.11.1.1, TransactionId) */
#define EIM_TID_LEN 16

int eim_register_device(struct eim_server *s, const char *eid, X509 *euicc_cert,
			long association_token, long first_counter)
{
	char cert_eid[SGP_EID_LEN + 1];
	struct sgp_buf der = SGP_BUF_INIT;
	int rc = 0;

	if (!s || !eid || sgp_eid_check(eid))
		return SGP_ERR_INVAL;
	if (!euicc_cert) {
		rc = eim_registry_add_device(s->store, eid, NULL, 0, association_token,
					     first_counter > 0 ? first_counter : 1);
		goto out;
	}
	rc = sgp_pki_cert_eid(euicc_cert, cert_eid);
	if (rc)
		goto out;
	if (strcmp(cert_eid, eid)) {
		LOGP(DEIM, LOGL_ERROR, "eim(%s): certificate of EID %s given for %s", s->eim_id,
		     cert_eid, eid);
		rc = SGP_ERR_VERIFY;
		goto out;
	}
	if (s->pki) {
		struct sgp_pki_verify_info info;
		enum sgp_pki_result pr = sgp_pki_verify(s->pki, euicc_cert, SGP_PKI_ROLE_EUICC, NULL,
							(time_t)eim_server_now(s), eid, &info);
		if (pr != SGP_PKI_OK) {
			LOGP(DEIM, LOGL_ERROR, "eim(%s): eUICC certificate of %s refused: %s (%s)",
			     s->eim_id, eid, sgp_pki_result_str(pr), info.detail);
			rc = SGP_ERR_VERIFY;
			goto out;
		}
	}
	rc = sgp_pki_cert_der(euicc_cert, &der);
	if (!rc)
		rc = eim_registry_add_device(s->store, eid, der.data, der.len, association_token,
					     first_counter > 0 ? first_counter : 1);
out:
	sgp_buf_free(&der);
	return rc;
}

/* Append an encoded package of kind k with transaction id tid (in a tx). */
static int add_encoded(struct eim_server *s, const char *eid, enum eim_pkg_kind k,
		       const asn_TYPE_descriptor_t *td, const void *v, const uint8_t *tid,
		       int64_t *id)
{
	struct sgp_buf der = SGP_BUF_INIT;
	struct der_error de;
	int rc = sgp_der_encode(td, v, &der, &de);

	if (rc)
		LOGP(DEIM, LOGL_ERROR, "eim(%s): cannot encode %s: %s", s->eim_id,
		     eim_pkg_kind_name(k), de.msg);
	else
		rc = eim_registry_queue_add(s->store, eid, k, -1, tid, EIM_TID_LEN, der.data,
					    der.len, eim_server_now(s), id);
	sgp_buf_free(&der);
	return rc;
}

/* Run fn in one transaction on a registered device. */
static int in_tx(struct eim_server *s, const char *eid, int (*fn)(struct eim_server *, const char *,
								  void *), void *arg)
{
	struct eim_device d;
	int rc;

	if (!s || !eid || sgp_eid_check(eid))
		return SGP_ERR_INVAL;
	rc = sgp_store_begin(s->store);
	if (rc)
		return rc;
	rc = eim_registry_get_device(s->store, eid, &d);
	if (!rc) {
		eim_device_release(&d);
		rc = fn(s, eid, arg);
	}
	if (rc)
		sgp_store_rollback(s->store);
	else
		rc = sgp_store_commit(s->store);
	if (!rc)
		eim_push_kick(s, eid);	/* a device that listens gets it now */
	return rc;
}

struct data_arg {
	const struct eim_data_request *r;
	int64_t *id;
};

static int data_tx(struct eim_server *s, const char *eid, void *arg)
{
	const struct data_arg *a = arg;
	const struct eim_data_request *r = a->r;
	IpaEuiccDataRequest_t q;
	uint8_t tid[EIM_TID_LEN];
	long nseq = r->notification_seq, rseq = r->result_seq;
	int rc = sgp_random_bytes(tid, sizeof(tid));

	if (rc)
		return rc;
	memset(&q, 0, sizeof(q));
	q.tagList.buf = (uint8_t *)r->tags;
	q.tagList.size = (int)r->tags_len;
	q.eimTransactionId = &(TransactionId_t){ .buf = tid, .size = sizeof(tid) };
	if (nseq >= 0) {
		q.searchCriteriaNotification = &(struct IpaEuiccDataRequest__searchCriteriaNotification){
			.present = IpaEuiccDataRequest__searchCriteriaNotification_PR_seqNumber,
			.choice.seqNumber = nseq,
		};
	}
	if (rseq >= 0) {
		q.searchCriteriaEuiccPackageResult =
			&(struct IpaEuiccDataRequest__searchCriteriaEuiccPackageResult){
			.present = IpaEuiccDataRequest__searchCriteriaEuiccPackageResult_PR_seqNumber,
			.choice.seqNumber = rseq,
		};
	}
	/* q only borrows: encoded, never freed */
	rc = add_encoded(s, eid, EIM_PKG_DATA_REQUEST, &asn_DEF_IpaEuiccDataRequest, &q, tid, a->id);
	if (!rc)
		LOGP(DEIM, LOGL_INFO, "eim(%s): data request queued for %s", s->eim_id, eid);
	return rc;
}

int eim_queue_data_request(struct eim_server *s, const char *eid,
			   const struct eim_data_request *r, int64_t *id)
{
	struct data_arg a = { r, id };

	/* tagList: at least one tag, at most every IpaEuiccData tag twice */
	if (!r || !r->tags || !r->tags_len || r->tags_len > 32)
		return SGP_ERR_INVAL;
	return in_tx(s, eid, data_tx, &a);
}

int eim_queue_cert_request_tx(struct eim_server *s, const char *eid)
{
	/* IpaEuiccData eumCertificate [5] 'A5', euiccCertificate [6] 'A6' */
	static const uint8_t tags[] = { 0xA5, 0xA6 };
	struct eim_data_request r = { tags, sizeof(tags), -1, -1 };
	struct data_arg a = { &r, NULL };

	return data_tx(s, eid, &a);
}

struct dl_arg {
	enum eim_download_kind k;
	const char *arg;
	int64_t *id;
};

static int download_tx(struct eim_server *s, const char *eid, void *arg)
{
	const struct dl_arg *a = arg;
	ProfileDownloadTriggerRequest_t q;
	ProfileDownloadData_t pdd;
	UTF8String_t smds;
	uint8_t tid[EIM_TID_LEN];
	int rc = sgp_random_bytes(tid, sizeof(tid));

	if (rc)
		return rc;
	memset(&q, 0, sizeof(q));
	memset(&pdd, 0, sizeof(pdd));
	q.eimTransactionId = &(TransactionId_t){ .buf = tid, .size = sizeof(tid) };
	q.profileDownloadData = &pdd;
	switch (a->k) {
	case EIM_DOWNLOAD_ACTIVATION_CODE:
		pdd.present = ProfileDownloadData_PR_activationCode;
		pdd.choice.activationCode.buf = (uint8_t *)a->arg;
		pdd.choice.activationCode.size = (int)strlen(a->arg);
		break;
	case EIM_DOWNLOAD_DEFAULT_SMDP:
		pdd.present = ProfileDownloadData_PR_contactDefaultSmdp;
		break;
	case EIM_DOWNLOAD_SMDS:
		pdd.present = ProfileDownloadData_PR_contactSmds;
		if (a->arg) {
			smds.buf = (uint8_t *)a->arg;
			smds.size = (int)strlen(a->arg);
			pdd.choice.contactSmds.smdsAddress = &smds;
		}
		break;
	}
	rc = add_encoded(s, eid, EIM_PKG_DOWNLOAD_TRIGGER, &asn_DEF_ProfileDownloadTriggerRequest,
			 &q, tid, a->id);
	if (!rc)
		LOGP(DEIM, LOGL_INFO, "eim(%s): download trigger queued for %s", s->eim_id, eid);
	return rc;
}

int eim_queue_download_trigger(struct eim_server *s, const char *eid, enum eim_download_kind k,
			       const char *arg, int64_t *id)
{
	struct dl_arg a = { k, arg, id };

	switch (k) {
	case EIM_DOWNLOAD_ACTIVATION_CODE:
		/* activationCode UTF8String (SIZE(0..255)); an empty one is useless */
		if (!arg || !arg[0] || strlen(arg) > 255)
			return SGP_ERR_INVAL;
		break;
	case EIM_DOWNLOAD_DEFAULT_SMDP:
		if (arg)
			return SGP_ERR_INVAL;
		break;
	case EIM_DOWNLOAD_SMDS:
		if (arg && (!arg[0] || strlen(arg) > 255))
			return SGP_ERR_INVAL;
		break;
	default:
		return SGP_ERR_INVAL;
	}
	return in_tx(s, eid, download_tx, &a);
}

int eim_queue_package(struct eim_server *s, const char *eid, int kind, eim_fill_fn fill,
		      void *arg, int64_t *id)
{
	struct eim_package p = { 0 };
	struct eim_device d = { 0 };
	struct sgp_buf der = SGP_BUF_INIT;
	uint8_t bcd[SGP_EID_BCD_LEN], tid[EIM_TID_LEN];
	long counter = 0;
	bool init = false;
	int rc;

	if (!s || !eid || !fill || (kind != EIM_PACKAGE_PSMO && kind != EIM_PACKAGE_ECO))
		return SGP_ERR_INVAL;
	rc = sgp_eid_to_bcd(eid, bcd);
	if (rc)
		return SGP_ERR_INVAL;
	rc = sgp_random_bytes(tid, sizeof(tid));
	if (rc)
		return rc;
	rc = sgp_store_begin(s->store);
	if (rc)
		return rc;
	rc = eim_registry_get_device(s->store, eid, &d);
	if (!rc)
		rc = eim_registry_take_counter(s->store, eid, &counter);
	if (!rc && counter > EIM_COUNTER_MAX)
		rc = SGP_ERR_STATE;
	if (rc)
		goto out;
	rc = eim_package_init(&p, (enum eim_package_kind)kind, s->eim_id, bcd, counter);
	if (rc)
		goto out;
	init = true;
	p.association_token = d.association_token;
	rc = eim_package_set_transaction_id(&p, tid, sizeof(tid));
	if (!rc)
		rc = fill(&p, arg);
	if (!rc)
		rc = eim_package_sign(&p, s->sk_eim, &der);
	if (!rc)
		rc = eim_registry_queue_add(s->store, eid, EIM_PKG_EUICC_PACKAGE, counter, tid,
					    sizeof(tid), der.data, der.len, eim_server_now(s), id);
out:
	if (rc)
		sgp_store_rollback(s->store);
	else
		rc = sgp_store_commit(s->store);
	if (!rc) {
		LOGP(DEIM, LOGL_INFO, "eim(%s): package counter %ld queued for %s", s->eim_id,
		     counter, eid);
		eim_push_kick(s, eid);
	}
	if (init)
		eim_package_free(&p);
	eim_device_release(&d);
	sgp_buf_free(&der);
	return rc;
}

/* ---- read back ---- */

int eim_get_device(struct eim_server *s, const char *eid, struct eim_device *out)
{
	return eim_registry_get_device(s->store, eid, out);
}

int eim_get_profiles(struct eim_server *s, const char *eid, struct eim_profile **v, size_t *n)
{
	return eim_registry_profiles(s->store, eid, v, n);
}

int eim_get_package(struct eim_server *s, const char *eid, int64_t id, struct eim_pkg *out)
{
	return eim_registry_get_pkg(s->store, eid, id, out);
}

int eim_server_packages(struct eim_server *s, const char *eid, struct eim_pkg **v, size_t *n)
{
	return eim_registry_list(s->store, eid, v, n);
}

int eim_get_notification_count(struct eim_server *s, const char *eid, size_t *n)
{
	return eim_registry_count_notifications(s->store, eid, n);
}

/* ---- PSMOs and eCOs ---- */

static const char *const psmo_names[] = {
	[EIM_PSMO_ENABLE] = "enable",
	[EIM_PSMO_DISABLE] = "disable",
	[EIM_PSMO_DELETE] = "delete",
	[EIM_PSMO_LIST_PROFILE_INFO] = "listProfileInfo",
	[EIM_PSMO_GET_RAT] = "getRAT",
	[EIM_PSMO_CONFIGURE_IMMEDIATE_ENABLE] = "configureImmediateEnable",
	[EIM_PSMO_SET_FALLBACK_ATTRIBUTE] = "setFallbackAttribute",
	[EIM_PSMO_UNSET_FALLBACK_ATTRIBUTE] = "unsetFallbackAttribute",
	[EIM_PSMO_SET_DEFAULT_DP_ADDRESS] = "setDefaultDpAddress",
};

static const char *const eco_names[] = {
	[EIM_ECO_ADD_EIM] = "addEim",
	[EIM_ECO_DELETE_EIM] = "deleteEim",
	[EIM_ECO_UPDATE_EIM] = "updateEim",
	[EIM_ECO_LIST_EIM] = "listEim",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *eim_psmo_op_name(enum eim_psmo_op op)
{
	return (size_t)op < N_OF(psmo_names) ? psmo_names[op] : "?";
}

int eim_psmo_op_from_name(const char *name, enum eim_psmo_op *op)
{
	for (size_t i = 0; name && i < N_OF(psmo_names); i++)
		if (!strcmp(name, psmo_names[i])) {
			*op = (enum eim_psmo_op)i;
			return 0;
		}
	return SGP_ERR_NOTFOUND;
}

const char *eim_eco_op_name(enum eim_eco_op op)
{
	return (size_t)op < N_OF(eco_names) ? eco_names[op] : "?";
}

int eim_eco_op_from_name(const char *name, enum eim_eco_op *op)
{
	for (size_t i = 0; name && i < N_OF(eco_names); i++)
		if (!strcmp(name, eco_names[i])) {
			*op = (enum eim_eco_op)i;
			return 0;
		}
	return SGP_ERR_NOTFOUND;
}

/* An address (FQDN) as the eUICC takes it: 1..255 printable characters. */
static bool address_ok(const char *a)
{
	size_t n = a ? strlen(a) : 0;

	if (n < 1 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)a[i] <= 0x20 || (unsigned char)a[i] >= 0x7F)
			return false;
	return true;
}

struct psmo_arg {
	const struct eim_psmo *v;
	size_t n;
};

static int fill_psmo(struct eim_package *p, void *arg)
{
	const struct psmo_arg *a = arg;
	uint8_t iccid[SGP_ICCID_BCD_LEN];
	int rc = 0;

	for (size_t i = 0; !rc && i < a->n; i++) {
		const struct eim_psmo *o = &a->v[i];

		if (o->iccid && sgp_iccid_to_bcd(o->iccid, iccid))
			return SGP_ERR_INVAL;
		switch (o->op) {
		case EIM_PSMO_ENABLE:
			rc = eim_psmo_enable(p, iccid, o->rollback);
			break;
		case EIM_PSMO_DISABLE:
			rc = eim_psmo_disable(p, iccid);
			break;
		case EIM_PSMO_DELETE:
			rc = eim_psmo_delete(p, iccid);
			break;
		case EIM_PSMO_LIST_PROFILE_INFO:
			rc = eim_psmo_list_profile_info(p);
			break;
		case EIM_PSMO_GET_RAT:
			rc = eim_psmo_get_rat(p);
			break;
		case EIM_PSMO_CONFIGURE_IMMEDIATE_ENABLE:
			rc = eim_psmo_configure_immediate_enable(p, o->immediate_enable, o->address);
			break;
		case EIM_PSMO_SET_FALLBACK_ATTRIBUTE:
			rc = eim_psmo_set_fallback_attribute(p, iccid);
			break;
		case EIM_PSMO_UNSET_FALLBACK_ATTRIBUTE:
			rc = eim_psmo_unset_fallback_attribute(p);
			break;
		case EIM_PSMO_SET_DEFAULT_DP_ADDRESS:
			rc = eim_psmo_set_default_dp_address(p, o->address);
			break;
		}
	}
	return rc;
}

static bool psmo_ok(const struct eim_psmo *o)
{
	bool needs_iccid = o->op == EIM_PSMO_ENABLE || o->op == EIM_PSMO_DISABLE ||
			   o->op == EIM_PSMO_DELETE || o->op == EIM_PSMO_SET_FALLBACK_ATTRIBUTE;

	if ((size_t)o->op >= N_OF(psmo_names) || needs_iccid != (o->iccid != NULL))
		return false;
	if (o->rollback && o->op != EIM_PSMO_ENABLE)
		return false;
	if (o->op == EIM_PSMO_SET_DEFAULT_DP_ADDRESS)
		return address_ok(o->address);
	if (o->op == EIM_PSMO_CONFIGURE_IMMEDIATE_ENABLE)
		return !o->address || address_ok(o->address);
	return !o->address && !o->immediate_enable;
}

/* SGP.32 2.11.1.1: at most this many operations per eUICC package (the lab's bound) */
#define EIM_MAX_OPS 8

int eim_queue_psmo(struct eim_server *s, const char *eid, const struct eim_psmo *v, size_t n,
		   int64_t *id)
{
	struct psmo_arg a = { v, n };

	if (!v || !n || n > EIM_MAX_OPS)
		return SGP_ERR_INVAL;
	for (size_t i = 0; i < n; i++)
		if (!psmo_ok(&v[i]))
			return SGP_ERR_INVAL;
	return eim_queue_package(s, eid, EIM_PACKAGE_PSMO, fill_psmo, &a, id);
}

struct eco_arg {
	struct eim_server *s;
	const struct eim_eco *v;
	size_t n;
};

static int fill_eco(struct eim_package *p, void *arg)
{
	const struct eco_arg *a = arg;
	int rc = 0;

	for (size_t i = 0; !rc && i < a->n; i++) {
		const struct eim_eco *o = &a->v[i];
		struct eim_config c = {
			.eim_id = o->eim_id, .eim_fqdn = o->eim_fqdn,
			.has_counter = o->counter > 0, .counter = o->counter,
			.request_association_token = o->request_association_token,
			.public_key = o->public_key ? o->public_key : a->s->sk_eim,
		};
		struct sgp_buf cfg = SGP_BUF_INIT;

		switch (o->op) {
		case EIM_ECO_ADD_EIM:
		case EIM_ECO_UPDATE_EIM:
			rc = eim_config_encode(&c, &cfg);
			if (!rc)
				rc = o->op == EIM_ECO_ADD_EIM ? eim_eco_add_eim(p, cfg.data, cfg.len) :
							       eim_eco_update_eim(p, cfg.data, cfg.len);
			sgp_buf_free(&cfg);
			break;
		case EIM_ECO_DELETE_EIM:
			rc = eim_eco_delete_eim(p, o->eim_id);
			break;
		case EIM_ECO_LIST_EIM:
			rc = eim_eco_list_eim(p);
			break;
		}
	}
	return rc;
}

static bool eco_ok(const struct eim_eco *o)
{
	size_t idlen = o->eim_id ? strlen(o->eim_id) : 0;

	switch (o->op) {
	case EIM_ECO_ADD_EIM:
	case EIM_ECO_UPDATE_EIM:
		if (o->eim_fqdn && !address_ok(o->eim_fqdn))
			return false;
		if (o->counter < 0 || o->counter > EIM_COUNTER_MAX)
			return false;
		/* fall through */
	case EIM_ECO_DELETE_EIM:
		return idlen >= 1 && idlen <= 128;
	case EIM_ECO_LIST_EIM:
		return !o->eim_id && !o->eim_fqdn && !o->counter;
	}
	return false;
}

int eim_queue_eco(struct eim_server *s, const char *eid, const struct eim_eco *v, size_t n,
		  int64_t *id)
{
	struct eco_arg a = { s, v, n };

	if (!s || !v || !n || n > EIM_MAX_OPS)
		return SGP_ERR_INVAL;
	for (size_t i = 0; i < n; i++)
		if (!eco_ok(&v[i]))
			return SGP_ERR_INVAL;
	return eim_queue_package(s, eid, EIM_PACKAGE_ECO, fill_eco, &a, id);
}

static int one_psmo(struct eim_server *s, const char *eid, enum eim_psmo_op op, const char *iccid,
		    bool rollback, int64_t *id)
{
	struct eim_psmo o = { .op = op, .iccid = iccid, .rollback = rollback };

	return eim_queue_psmo(s, eid, &o, 1, id);
}

int eim_queue_psmo_enable(struct eim_server *s, const char *eid, const char *iccid,
			  bool rollback, int64_t *id)
{
	return iccid ? one_psmo(s, eid, EIM_PSMO_ENABLE, iccid, rollback, id) : SGP_ERR_INVAL;
}

int eim_queue_psmo_disable(struct eim_server *s, const char *eid, const char *iccid, int64_t *id)
{
	return iccid ? one_psmo(s, eid, EIM_PSMO_DISABLE, iccid, false, id) : SGP_ERR_INVAL;
}

int eim_queue_psmo_delete(struct eim_server *s, const char *eid, const char *iccid, int64_t *id)
{
	return iccid ? one_psmo(s, eid, EIM_PSMO_DELETE, iccid, false, id) : SGP_ERR_INVAL;
}

int eim_queue_psmo_list_profile_info(struct eim_server *s, const char *eid, int64_t *id)
{
	return one_psmo(s, eid, EIM_PSMO_LIST_PROFILE_INFO, NULL, false, id);
}

struct sgp_store *eim_server_store(struct eim_server *s)
{
	return s->store;
}
