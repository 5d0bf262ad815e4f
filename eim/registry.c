/* sgp32lab: the eIM's device registry and package queue (schema "eim") */
#include "eim/registry.h"
#include "eim/registry_int.h"
#include "core/err.h"
#include "core/log.h"
#include "core/store/store.h"

#include <stdlib.h>
#include <string.h>

static const char *const schema_steps[] = {
	"CREATE TABLE eim_device ("
	" eid TEXT PRIMARY KEY, euicc_cert BLOB NOT NULL,"
	" association_token INTEGER NOT NULL DEFAULT 0,"
	" next_counter INTEGER NOT NULL DEFAULT 1);"
	"CREATE TABLE eim_package ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" eid TEXT NOT NULL REFERENCES eim_device(eid),"
	" counter INTEGER NOT NULL, transaction_id BLOB,"
	" state INTEGER NOT NULL DEFAULT 0, der BLOB NOT NULL,"
	" result BLOB, result_kind INTEGER NOT NULL DEFAULT -1,"
	" result_verified INTEGER NOT NULL DEFAULT 0,"
	" seq_number INTEGER NOT NULL DEFAULT -1, error_code INTEGER NOT NULL DEFAULT -1,"
	" UNIQUE(eid, counter));",
	/* 2: every kind of eIM package (counter only for eUICC packages), a
	 * unique eimTransactionId, the device's contact and what it told,
	 * its last known profiles and the notifications received */
	"CREATE TABLE eim_package_v2 ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" eid TEXT NOT NULL REFERENCES eim_device(eid),"
	" kind INTEGER NOT NULL DEFAULT 0,"
	" counter INTEGER, transaction_id BLOB NOT NULL,"
	" state INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL DEFAULT 0,"
	" der BLOB NOT NULL,"
	" result BLOB, result_kind INTEGER NOT NULL DEFAULT -1,"
	" result_verified INTEGER NOT NULL DEFAULT 0,"
	" seq_number INTEGER NOT NULL DEFAULT -1, error_code INTEGER NOT NULL DEFAULT -1,"
	" iccid TEXT,"
	" UNIQUE(eid, counter), UNIQUE(eid, transaction_id));"
	"INSERT INTO eim_package_v2(id, eid, counter, transaction_id, state, der, result,"
	" result_kind, result_verified, seq_number, error_code)"
	" SELECT id, eid, counter, COALESCE(transaction_id, X'00'), state, der, result,"
	" result_kind, result_verified, seq_number, error_code FROM eim_package;"
	"DROP TABLE eim_package;"
	"ALTER TABLE eim_package_v2 RENAME TO eim_package;"
	"ALTER TABLE eim_device ADD COLUMN last_contact INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE eim_device ADD COLUMN notify_state_change INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE eim_device ADD COLUMN state_change_cause INTEGER NOT NULL DEFAULT -1;"
	"ALTER TABLE eim_device ADD COLUMN eum_cert BLOB;"
	"ALTER TABLE eim_device ADD COLUMN euicc_info2 BLOB;"
	"ALTER TABLE eim_device ADD COLUMN ipa_capabilities BLOB;"
	"CREATE TABLE eim_profile ("
	" eid TEXT NOT NULL REFERENCES eim_device(eid), iccid TEXT NOT NULL,"
	" state INTEGER NOT NULL, class INTEGER NOT NULL DEFAULT -1, nickname TEXT,"
	" fallback INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(eid, iccid));"
	"CREATE TABLE eim_notification ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" eid TEXT NOT NULL REFERENCES eim_device(eid), seq_number INTEGER NOT NULL,"
	" der BLOB NOT NULL, received INTEGER NOT NULL, UNIQUE(eid, seq_number));",
	/* 3: the address an eIM pushes packages to (ESipa.TransferEimPackage,
	 * a device whose IPA advertises ipaInjectHttps); NULL: polls only */
	"ALTER TABLE eim_device ADD COLUMN push_url TEXT;",
};

static const struct sgp_store_schema schema = {
	"eim", schema_steps, sizeof(schema_steps) / sizeof(schema_steps[0]),
};

int eim_registry_migrate(struct sgp_store *st)
{
	return sgp_store_migrate(st, &schema);
}

void eim_device_release(struct eim_device *d)
{
	sgp_buf_free(&d->euicc_cert);
	sgp_buf_free(&d->eum_cert);
	sgp_buf_free(&d->euicc_info2);
	sgp_buf_free(&d->ipa_capabilities);
	memset(d, 0, sizeof(*d));
}

static int check_eid(const char *eid)
{
	size_t n = eid ? strlen(eid) : 0;

	if (n != EIM_EID_DIGITS)
		return SGP_ERR_INVAL;
	for (size_t i = 0; i < n; i++)
		if (eid[i] < '0' || eid[i] > '9')
			return SGP_ERR_INVAL;
	return 0;
}

int eim_registry_add_device(struct sgp_store *st, const char *eid, const uint8_t *cert_der,
			    size_t cert_len, long association_token, long first_counter)
{
	struct sgp_stmt *s;
	int rc = check_eid(eid);

	if (!rc && ((cert_der && !cert_len) || first_counter < 1))
		rc = SGP_ERR_INVAL;
	if (!rc)
		rc = sgp_store_prepare(st, "INSERT INTO eim_device(eid, euicc_cert, association_token,"
				       " next_counter) VALUES(?, ?, ?, ?)", &s);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 1, eid);
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 2, cert_der ? cert_der : (const uint8_t *)"",
					cert_der ? cert_len : 0);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 3, association_token);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 4, first_counter);
	if (!rc)
		rc = sgp_stmt_step(s);
	if (!rc)
		LOGP(DEIM, LOGL_INFO, "eim: device %s registered%s", eid,
		     cert_der ? "" : " by its EID only");
	return rc < 0 ? rc : 0;
}

int eim_registry_get_device(struct sgp_store *st, const char *eid, struct eim_device *out)
{
	struct sgp_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = check_eid(eid);
	if (rc)
		return SGP_ERR_NOTFOUND;
	rc = eim_reg_prepare_eid(st, "SELECT euicc_cert, association_token, next_counter,"
				 " last_contact, notify_state_change, state_change_cause, eum_cert,"
				 " euicc_info2, ipa_capabilities FROM eim_device WHERE eid = ?", eid, &s);
	if (!rc)
		rc = sgp_stmt_step(s);
	if (rc == SGP_STORE_DONE)
		return SGP_ERR_NOTFOUND;
	if (rc < 0)
		return rc;
	snprintf(out->eid, sizeof(out->eid), "%s", eid);
	out->association_token = (long)sgp_stmt_column_int64(s, 1);
	out->next_counter = (long)sgp_stmt_column_int64(s, 2);
	out->last_contact = sgp_stmt_column_int64(s, 3);
	out->notify_state_change = sgp_stmt_column_int64(s, 4) != 0;
	out->state_change_cause = (long)sgp_stmt_column_int64(s, 5);
	rc = sgp_stmt_column_buf(s, 0, &out->euicc_cert);
	if (!rc && !sgp_stmt_column_is_null(s, 6))
		rc = sgp_stmt_column_buf(s, 6, &out->eum_cert);
	if (!rc && !sgp_stmt_column_is_null(s, 7))
		rc = sgp_stmt_column_buf(s, 7, &out->euicc_info2);
	if (!rc && !sgp_stmt_column_is_null(s, 8))
		rc = sgp_stmt_column_buf(s, 8, &out->ipa_capabilities);
	sgp_stmt_reset(s);
	if (rc)
		eim_device_release(out);
	return rc;
}

int eim_registry_take_counter(struct sgp_store *st, const char *eid, long *counter)
{
	struct eim_device d;
	struct sgp_stmt *s;
	int rc;

	if (!sgp_store_in_tx(st))
		return SGP_ERR_STATE;
	rc = eim_registry_get_device(st, eid, &d);
	if (rc)
		return rc;
	*counter = d.next_counter;
	eim_device_release(&d);
	rc = eim_reg_prepare_eid(st, "UPDATE eim_device SET next_counter = next_counter + 1"
				 " WHERE eid = ?", eid, &s);
	if (!rc)
		rc = sgp_stmt_step(s);
	return rc < 0 ? rc : 0;
}

const char *eim_pkg_state_name(enum eim_pkg_state s)
{
	switch (s) {
	case EIM_PKG_QUEUED:
		return "queued";
	case EIM_PKG_DELIVERED:
		return "delivered";
	case EIM_PKG_RESULT_RECEIVED:
		return "result-received";
	}
	return "?";
}

void eim_pkg_release(struct eim_pkg *p)
{
	sgp_buf_free(&p->der);
	sgp_buf_free(&p->result);
	memset(p, 0, sizeof(*p));
}

void eim_pkg_list_free(struct eim_pkg *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		eim_pkg_release(&v[i]);
	free(v);
}

int eim_reg_prepare_eid(struct sgp_store *st, const char *sql, const char *eid,
			struct sgp_stmt **s)
{
	int rc = sgp_store_prepare(st, sql, s);

	return rc ? rc : sgp_stmt_bind_text(*s, 1, eid);
}

int eim_reg_step_changed(struct sgp_store *st, struct sgp_stmt *s, int rc, int none_err)
{
	if (!rc)
		rc = sgp_stmt_step(s);
	if (rc < 0)
		return rc;
	return sgp_store_changes(st) >= 1 ? 0 : none_err;
}

int eim_reg_count(struct sgp_stmt *s, int rc, size_t *n)
{
	if (!rc)
		rc = sgp_stmt_step(s);
	if (rc != SGP_STORE_ROW)
		return rc < 0 ? rc : SGP_ERR_STORE;
	*n = (size_t)sgp_stmt_column_int64(s, 0);
	sgp_stmt_reset(s);
	return 0;
}

int eim_registry_touch(struct sgp_store *st, const char *eid, int64_t now, bool notify,
		       long cause)
{
	struct sgp_stmt *s;
	int rc = sgp_store_prepare(st, "UPDATE eim_device SET last_contact = ?,"
				   " notify_state_change = ?, state_change_cause = ? WHERE eid = ?",
				   &s);

	if (!rc)
		rc = sgp_stmt_bind_int64(s, 1, now);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 2, notify ? 1 : 0);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 3, cause);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 4, eid);
	return eim_reg_step_changed(st, s, rc, SGP_ERR_NOTFOUND);
}

int eim_registry_set_certs(struct sgp_store *st, const char *eid, const struct sgp_buf *euicc,
			   const struct sgp_buf *eum)
{
	struct sgp_stmt *s;
	int rc;

	if (!euicc || !euicc->len)
		return SGP_ERR_INVAL;
	rc = sgp_store_prepare(st, "UPDATE eim_device SET euicc_cert = ?, eum_cert = ?"
			       " WHERE eid = ?", &s);
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 1, euicc->data, euicc->len);
	if (!rc)
		rc = eum && eum->len ? sgp_stmt_bind_blob(s, 2, eum->data, eum->len) :
				       sgp_stmt_bind_null(s, 2);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 3, eid);
	return eim_reg_step_changed(st, s, rc, SGP_ERR_NOTFOUND);
}

int eim_registry_set_info(struct sgp_store *st, const char *eid, enum eim_device_info what,
			  const uint8_t *der, size_t len)
{
	struct sgp_stmt *s;
	int rc;

	if (!der || !len)
		return SGP_ERR_INVAL;
	rc = sgp_store_prepare(st, what == EIM_INFO_EUICC_INFO2 ?
			       "UPDATE eim_device SET euicc_info2 = ? WHERE eid = ?" :
			       "UPDATE eim_device SET ipa_capabilities = ? WHERE eid = ?", &s);
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 1, der, len);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 2, eid);
	return eim_reg_step_changed(st, s, rc, SGP_ERR_NOTFOUND);
}

int eim_registry_eids(struct sgp_store *st, char (**v)[EIM_EID_DIGITS + 1], size_t *n)
{
	char (*arr)[EIM_EID_DIGITS + 1] = NULL, (*tmp)[EIM_EID_DIGITS + 1];
	struct sgp_stmt *s;
	size_t cnt = 0;
	int rc = sgp_store_prepare(st, "SELECT eid FROM eim_device ORDER BY rowid", &s);

	*v = NULL;
	*n = 0;
	while (!rc && (rc = sgp_stmt_step(s)) == SGP_STORE_ROW) {
		const char *t = sgp_stmt_column_text(s, 0);

		tmp = realloc(arr, (cnt + 1) * sizeof(*arr));
		if (!tmp) {
			sgp_stmt_reset(s);
			rc = SGP_ERR_NOMEM;
			break;
		}
		arr = tmp;
		snprintf(arr[cnt++], sizeof(arr[0]), "%s", t ? t : "");
		rc = 0;
	}
	if (rc < 0) {
		free(arr);
		return rc;
	}
	*v = arr;
	*n = cnt;
	return 0;
}

const char *eim_pkg_kind_name(enum eim_pkg_kind k)
{
	switch (k) {
	case EIM_PKG_EUICC_PACKAGE:
		return "euiccPackageRequest";
	case EIM_PKG_DATA_REQUEST:
		return "ipaEuiccDataRequest";
	case EIM_PKG_DOWNLOAD_TRIGGER:
		return "profileDownloadTriggerRequest";
	}
	return "?";
}

const char *eim_pkg_outcome_name(int outcome)
{
	switch (outcome) {
	case EIM_OUT_EPR_SIGNED:
	case EIM_OUT_DATA:
	case EIM_OUT_DOWNLOAD_OK:
		return "ok";
	case EIM_OUT_NONE:
		return "";
	default:
		return "error";
	}
}

int eim_registry_queue_add(struct sgp_store *st, const char *eid, enum eim_pkg_kind kind,
			   long counter, const uint8_t *tid, size_t tid_len, const uint8_t *der,
			   size_t len, int64_t created, int64_t *id)
{
	struct sgp_stmt *s;
	int rc;

	if (!tid || !tid_len || tid_len > 16 || !der || !len ||
	    (kind == EIM_PKG_EUICC_PACKAGE) != (counter >= 0))
		return SGP_ERR_INVAL;
	rc = sgp_store_prepare(st, "INSERT INTO eim_package(eid, kind, counter, transaction_id,"
			       " der, created) VALUES(?, ?, ?, ?, ?, ?)", &s);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 1, eid);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 2, kind);
	if (!rc)
		rc = counter >= 0 ? sgp_stmt_bind_int64(s, 3, counter) : sgp_stmt_bind_null(s, 3);
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 4, tid, tid_len);
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 5, der, len);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 6, created);
	if (!rc)
		rc = sgp_stmt_step(s);
	if (rc < 0)
		return rc;
	if (id)
		*id = sgp_store_last_insert_rowid(st);
	return 0;
}

#define PKG_COLUMNS "id, eid, counter, transaction_id, state, der, result, result_kind," \
	" result_verified, seq_number, error_code, kind, created, iccid FROM eim_package"

static int read_pkg(struct sgp_stmt *s, struct eim_pkg *p)
{
	const void *tid;
	const char *t;
	size_t tid_len = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	p->id = sgp_stmt_column_int64(s, 0);
	t = sgp_stmt_column_text(s, 1);
	snprintf(p->eid, sizeof(p->eid), "%s", t ? t : "");
	p->counter = sgp_stmt_column_is_null(s, 2) ? -1 : (long)sgp_stmt_column_int64(s, 2);
	tid = sgp_stmt_column_blob(s, 3, &tid_len);
	if (tid && tid_len <= sizeof(p->transaction_id)) {
		memcpy(p->transaction_id, tid, tid_len);
		p->transaction_id_len = tid_len;
	}
	p->state = (enum eim_pkg_state)sgp_stmt_column_int64(s, 4);
	rc = sgp_stmt_column_buf(s, 5, &p->der);
	if (!rc && !sgp_stmt_column_is_null(s, 6))
		rc = sgp_stmt_column_buf(s, 6, &p->result);
	p->result_kind = (int)sgp_stmt_column_int64(s, 7);
	p->result_verified = sgp_stmt_column_int64(s, 8) != 0;
	p->seq_number = (long)sgp_stmt_column_int64(s, 9);
	p->error_code = (long)sgp_stmt_column_int64(s, 10);
	p->kind = (enum eim_pkg_kind)sgp_stmt_column_int64(s, 11);
	p->created = sgp_stmt_column_int64(s, 12);
	t = sgp_stmt_column_text(s, 13);
	snprintf(p->iccid, sizeof(p->iccid), "%s", t ? t : "");
	if (rc)
		eim_pkg_release(p);
	return rc;
}

/* Run a prepared SELECT of PKG_COLUMNS expecting at most one row. */
static int one_pkg(struct sgp_stmt *s, struct eim_pkg *out)
{
	int rc = sgp_stmt_step(s);

	if (rc == SGP_STORE_DONE)
		return SGP_ERR_NOTFOUND;
	if (rc < 0)
		return rc;
	rc = read_pkg(s, out);
	sgp_stmt_reset(s);
	return rc;
}

int eim_registry_find_tid(struct sgp_store *st, const char *eid, const uint8_t *tid,
			  size_t tid_len, struct eim_pkg *out)
{
	struct sgp_stmt *s;
	int rc;

	if (!tid || !tid_len)
		return SGP_ERR_NOTFOUND;
	rc = sgp_store_prepare(st, "SELECT " PKG_COLUMNS
			       " WHERE (?1 IS NULL OR eid = ?1) AND transaction_id = ?2", &s);
	if (!rc)
		rc = eid ? sgp_stmt_bind_text(s, 1, eid) : sgp_stmt_bind_null(s, 1);
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 2, tid, tid_len);
	return rc ? rc : one_pkg(s, out);
}

int eim_registry_count_delivered(struct sgp_store *st, const char *eid, int kind, size_t *n)
{
	struct sgp_stmt *s;
	int rc = eim_reg_prepare_eid(st, "SELECT COUNT(*) FROM eim_package WHERE eid = ?1"
				     " AND state = 1 AND (?2 < 0 OR kind = ?2)", eid, &s);

	if (!rc)
		rc = sgp_stmt_bind_int64(s, 2, kind);
	return eim_reg_count(s, rc, n);
}

int eim_registry_only_delivered(struct sgp_store *st, const char *eid, struct eim_pkg *out)
{
	struct sgp_stmt *s;
	size_t n = 0;
	int rc = eim_registry_count_delivered(st, eid, -1, &n);

	if (rc)
		return rc;
	if (n != 1)
		return SGP_ERR_NOTFOUND;
	rc = eim_reg_prepare_eid(st, "SELECT " PKG_COLUMNS " WHERE eid = ? AND state = 1", eid, &s);
	return rc ? rc : one_pkg(s, out);
}

int eim_registry_data_request_open(struct sgp_store *st, const char *eid, bool *open)
{
	struct sgp_stmt *s;
	size_t n = 0;
	int rc = eim_reg_prepare_eid(st, "SELECT COUNT(*) FROM eim_package WHERE eid = ?"
				     " AND kind = 1 AND state < 2", eid, &s);

	rc = eim_reg_count(s, rc, &n);
	if (!rc)
		*open = n > 0;
	return rc;
}

int eim_registry_get_pkg(struct sgp_store *st, const char *eid, int64_t id, struct eim_pkg *out)
{
	struct sgp_stmt *s;
	int rc = eim_reg_prepare_eid(st, "SELECT " PKG_COLUMNS " WHERE eid = ? AND id = ?", eid, &s);

	if (!rc)
		rc = sgp_stmt_bind_int64(s, 2, id);
	return rc ? rc : one_pkg(s, out);
}

int eim_registry_next_queued(struct sgp_store *st, const char *eid, int kind, struct eim_pkg *out)
{
	struct sgp_stmt *s;
	int rc = eim_reg_prepare_eid(st, "SELECT " PKG_COLUMNS " WHERE eid = ?1 AND state = 0"
				     " AND (?2 < 0 OR kind = ?2) ORDER BY id LIMIT 1", eid, &s);

	if (!rc)
		rc = sgp_stmt_bind_int64(s, 2, kind);
	return rc ? rc : one_pkg(s, out);
}

int eim_registry_find_counter(struct sgp_store *st, const char *eid, long counter,
			      struct eim_pkg *out)
{
	struct sgp_stmt *s;
	int rc = eim_reg_prepare_eid(st, "SELECT " PKG_COLUMNS " WHERE eid = ? AND counter = ?",
				     eid, &s);

	if (!rc)
		rc = sgp_stmt_bind_int64(s, 2, counter);
	return rc ? rc : one_pkg(s, out);
}

int eim_registry_mark_delivered(struct sgp_store *st, int64_t id)
{
	struct sgp_stmt *s;
	int rc = sgp_store_prepare(st, "UPDATE eim_package SET state = 1 WHERE id = ? AND state = 0",
				   &s);

	if (!rc)
		rc = sgp_stmt_bind_int64(s, 1, id);
	return eim_reg_step_changed(st, s, rc, SGP_ERR_STATE);
}

int eim_registry_record_result(struct sgp_store *st, int64_t id, const struct eim_pkg_result *r)
{
	struct sgp_stmt *s;
	int rc;

	if (!r || !r->der || !r->len)
		return SGP_ERR_INVAL;
	rc = sgp_store_prepare(st, "UPDATE eim_package SET state = 2, result = ?,"
			       " result_kind = ?, result_verified = ?, seq_number = ?,"
			       " error_code = ?, iccid = ? WHERE id = ? AND state = 1", &s);
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 1, r->der, r->len);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 2, r->kind);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 3, r->verified ? 1 : 0);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 4, r->seq_number);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 5, r->error_code);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 6, r->iccid);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 7, id);
	return eim_reg_step_changed(st, s, rc, SGP_ERR_STATE);
}

int eim_registry_list(struct sgp_store *st, const char *eid, struct eim_pkg **v, size_t *n)
{
	struct eim_pkg *arr = NULL, *tmp;
	size_t cnt = 0;
	struct sgp_stmt *s;
	int rc = eim_reg_prepare_eid(st, "SELECT " PKG_COLUMNS " WHERE eid = ? ORDER BY id", eid, &s);

	*v = NULL;
	*n = 0;
	while (!rc && (rc = sgp_stmt_step(s)) == SGP_STORE_ROW) {
		tmp = realloc(arr, (cnt + 1) * sizeof(*arr));
		if (!tmp) {
			rc = SGP_ERR_NOMEM;
			break;
		}
		arr = tmp;
		rc = read_pkg(s, &arr[cnt]);
		if (rc)
			break;
		cnt++;
	}
	if (rc < 0) {
		sgp_stmt_reset(s);
		eim_pkg_list_free(arr, cnt);
		return rc;
	}
	*v = arr;
	*n = cnt;
	return 0;
}
