/* sgp32lab: SM-DP+ — profile inventory and download orders (see orders.h)
 *
 * ES2+ status codes (SGP.22 v2.5 section 5.3.x; subject codes from the
 * subject code table: 8.1.1 EID, 8.2.1 Profile ICCID, 8.2.5 Profile Type,
 * 8.2.6 Matching ID, 8.9.1 SM-DS Address; reason codes: 2.1 Invalid,
 * 3.3 Already in use, 3.7 Unavailable, 3.8 Refused, 3.9 Unknown,
 * 3.10 Invalid association):
 *   downloadOrder   8.1.1/2.1 EID invalid, 8.2.1/3.9 ICCID unknown,
 *                   8.2.1/3.7 profile not available, 8.2.5/3.9 profile type
 *                   unknown, 8.2.5/3.7 no profile of that type available
 *   confirmOrder    8.2.1/3.9 unknown, 8.1.1/3.10 EID differs from the
 *                   order, 8.2.6/3.3 matchingId already in use, 8.2.1/3.8
 *                   order not in a confirmable state, 8.2.6/2.1 matchingId
 *                   malformed
 *   cancelOrder     8.2.1/3.9, 8.1.1/3.10, 8.2.6/3.10 matchingId differs,
 *                   8.2.1/3.8 not cancellable (already downloaded)
 *   releaseProfile  8.2.1/3.9, 8.2.1/3.8 not in state confirmed
 * Where SGP.22 names a code for the case, it is that one; the state
 * refusals without a dedicated code use 3.8 Refused. */
#include "smdp/orders.h"
#include "smdp/upp.h"
#include "core/crypto/random.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[SMDP_PROFILE_STATE_COUNT] = {
	"available", "allocated", "linked", "confirmed", "released",
	"downloaded", "installed", "error", "unavailable",
};

const char *smdp_profile_state_name(enum smdp_profile_state s)
{
	return (unsigned)s < SMDP_PROFILE_STATE_COUNT ? state_names[s] : "?";
}

int smdp_profile_state_parse(const char *name)
{
	for (int i = 0; name && i < SMDP_PROFILE_STATE_COUNT; i++)
		if (!strcmp(name, state_names[i]))
			return i;
	return -1;
}

static const char *const schema_steps[] = {
	"CREATE TABLE smdp_profile ("
	" iccid TEXT PRIMARY KEY, imsi TEXT NOT NULL DEFAULT '',"
	" profile_type TEXT NOT NULL DEFAULT '', upp BLOB NOT NULL,"
	" state INTEGER NOT NULL DEFAULT 0, eid TEXT NOT NULL DEFAULT '',"
	" matching_id TEXT NOT NULL DEFAULT '', cc TEXT NOT NULL DEFAULT '',"
	" cc_attempts INTEGER NOT NULL DEFAULT 0, smds_address TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX smdp_profile_mid ON smdp_profile(matching_id);"
	"CREATE TABLE smdp_session ("
	" tid BLOB PRIMARY KEY, state INTEGER NOT NULL, expires_ms INTEGER NOT NULL,"
	" euicc_challenge BLOB NOT NULL, server_challenge BLOB NOT NULL,"
	" ci_pkid BLOB NOT NULL, iccid TEXT NOT NULL DEFAULT '', eid TEXT NOT NULL DEFAULT '',"
	" euicc_cert BLOB, eum_cert BLOB, euicc_sig1 BLOB, smdp_sig2 BLOB,"
	" cc_required INTEGER NOT NULL DEFAULT 0);",
};

static const struct sgp_store_schema schema = {
	"smdp", schema_steps, sizeof(schema_steps) / sizeof(schema_steps[0]),
};

int smdp_orders_migrate(struct sgp_store *st)
{
	return sgp_store_migrate(st, &schema);
}

void smdp_profile_release(struct smdp_profile *p)
{
	sgp_buf_free(&p->upp);
	memset(p, 0, sizeof(*p));
}

static void refuse(struct smdp_status *sc, const char *subject, const char *reason,
		   const char *msg)
{
	if (sc) {
		sc->subject_code = subject;
		sc->reason_code = reason;
		sc->message = msg;
	}
}

/* ---- inventory ---- */

static int insert_profile(struct sgp_store *st, const char *iccid, const char *imsi,
			  const char *type, const uint8_t *upp, size_t len)
{
	struct sgp_stmt *s;
	int rc = sgp_store_prepare(st, "INSERT INTO smdp_profile(iccid, imsi, profile_type, upp)"
				   " VALUES(?, ?, ?, ?)", &s);

	if (!rc)
		rc = sgp_stmt_bind_text(s, 1, iccid);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 2, imsi ? imsi : "");
	if (!rc)
		rc = sgp_stmt_bind_text(s, 3, type ? type : "");
	if (!rc)
		rc = sgp_stmt_bind_blob(s, 4, upp, len);
	if (!rc)
		rc = sgp_stmt_step(s);
	if (!rc)
		LOGP(DSMDP, LOGL_INFO, "smdp: profile %s added (type '%s')", iccid, type ? type : "");
	return rc < 0 ? rc : 0;
}

int smdp_profile_create(struct sgp_store *st, const char *iccid, const char *imsi,
			const char *profile_type)
{
	struct smdp_upp_params p = { .iccid = iccid, .imsi = imsi, .profile_type = profile_type };
	struct sgp_buf upp = SGP_BUF_INIT;
	int rc;

	if (profile_type && strlen(profile_type) > 64)
		return SGP_ERR_INVAL;
	rc = smdp_upp_build(&p, &upp);
	if (!rc)
		rc = insert_profile(st, iccid, imsi, profile_type, upp.data, upp.len);
	sgp_buf_free_secure(&upp);
	return rc;
}

int smdp_profile_import(struct sgp_store *st, const uint8_t *upp, size_t len,
			const char *profile_type, char iccid_out[21])
{
	struct smdp_upp_info info;
	int rc;

	if (profile_type && strlen(profile_type) > 64)
		return SGP_ERR_INVAL;
	rc = smdp_upp_parse(upp, len, &info);
	if (rc)
		return rc;
	rc = insert_profile(st, info.iccid_text, "", profile_type, upp, len);
	if (!rc && iccid_out)
		snprintf(iccid_out, 21, "%s", info.iccid_text);
	return rc;
}

#define PROFILE_COLS "iccid, imsi, profile_type, state, eid, matching_id, cc, cc_attempts," \
	" smds_address, upp"

static int read_profile(struct sgp_stmt *s, struct smdp_profile *out)
{
	int rc = sgp_stmt_step(s);

	if (rc < 0)
		return rc;
	if (rc != SGP_STORE_ROW)
		return SGP_ERR_NOTFOUND;
	memset(out, 0, sizeof(*out));
#define COPY(col, f) snprintf(out->f, sizeof(out->f), "%s", \
			      sgp_stmt_column_text(s, col) ? sgp_stmt_column_text(s, col) : "")
	COPY(0, iccid);
	COPY(1, imsi);
	COPY(2, profile_type);
	out->state = (enum smdp_profile_state)sgp_stmt_column_int64(s, 3);
	COPY(4, eid);
	COPY(5, matching_id);
	COPY(6, cc);
	out->cc_attempts = (int)sgp_stmt_column_int64(s, 7);
	COPY(8, smds_address);
#undef COPY
	rc = sgp_stmt_column_buf(s, 9, &out->upp);
	sgp_stmt_reset(s);
	if (rc)
		smdp_profile_release(out);
	return rc;
}

static int get_by(struct sgp_store *st, const char *sql, const char *a, const char *b,
		  struct smdp_profile *out)
{
	struct sgp_stmt *s;
	int rc = sgp_store_prepare(st, sql, &s);

	if (!rc)
		rc = sgp_stmt_bind_text(s, 1, a);
	if (!rc && b)
		rc = sgp_stmt_bind_text(s, 2, b);
	return rc ? rc : read_profile(s, out);
}

int smdp_profile_get(struct sgp_store *st, const char *iccid, struct smdp_profile *out)
{
	return get_by(st, "SELECT " PROFILE_COLS " FROM smdp_profile WHERE iccid = ?",
		      iccid, NULL, out);
}

int smdp_profile_by_matching_id(struct sgp_store *st, const char *matching_id,
				struct smdp_profile *out)
{
	if (!matching_id || !*matching_id)
		return SGP_ERR_NOTFOUND;
	return get_by(st, "SELECT " PROFILE_COLS " FROM smdp_profile WHERE matching_id = ?",
		      matching_id, NULL, out);
}

int smdp_profile_released_for_eid(struct sgp_store *st, const char *eid,
				  struct smdp_profile *out)
{
	char state[4];

	snprintf(state, sizeof(state), "%d", SMDP_PROFILE_RELEASED);
	return get_by(st, "SELECT " PROFILE_COLS " FROM smdp_profile WHERE eid = ? AND state = ?"
		      " ORDER BY iccid LIMIT 1", eid, state, out);
}

static int update(struct sgp_store *st, const char *sql, int64_t v, const char *text,
		  const char *iccid)
{
	struct sgp_stmt *s;
	int rc = sgp_store_prepare(st, sql, &s);

	if (!rc)
		rc = text ? sgp_stmt_bind_text(s, 1, text) : sgp_stmt_bind_int64(s, 1, v);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 2, iccid);
	if (!rc)
		rc = sgp_stmt_step(s);
	if (rc < 0)
		return rc;
	return sgp_store_changes(st) == 1 ? 0 : SGP_ERR_NOTFOUND;
}

int smdp_profile_set_state(struct sgp_store *st, const char *iccid,
			   enum smdp_profile_state state)
{
	int rc = update(st, "UPDATE smdp_profile SET state = ? WHERE iccid = ?", state, NULL, iccid);

	if (!rc)
		LOGP(DSMDP, LOGL_INFO, "smdp: profile %s -> %s", iccid, smdp_profile_state_name(state));
	return rc;
}

int smdp_profile_set_eid(struct sgp_store *st, const char *iccid, const char *eid)
{
	return update(st, "UPDATE smdp_profile SET eid = ? WHERE iccid = ?", 0, eid, iccid);
}

int smdp_profile_cc_failed(struct sgp_store *st, const char *iccid, int *attempts)
{
	struct smdp_profile p;
	int rc = update(st, "UPDATE smdp_profile SET cc_attempts = cc_attempts + ? WHERE iccid = ?",
			1, NULL, iccid);

	if (!rc)
		rc = smdp_profile_get(st, iccid, &p);
	if (!rc) {
		*attempts = p.cc_attempts;
		smdp_profile_release(&p);
	}
	return rc;
}

/* ---- ES2+ ---- */

int smdp_order_download(struct sgp_store *st, const char *eid, const char *iccid,
			const char *profile_type, char iccid_out[21], struct smdp_status *sc)
{
	struct smdp_profile p;
	struct sgp_stmt *s;
	int rc;

	if (eid && *eid && sgp_eid_check(eid) != 0) {
		refuse(sc, "8.1.1", "2.1", "EID invalid");
		return SGP_ERR_STATE;
	}
	if (iccid && *iccid) {
		rc = smdp_profile_get(st, iccid, &p);
		if (rc == SGP_ERR_NOTFOUND) {
			refuse(sc, "8.2.1", "3.9", "Profile ICCID unknown");
			return SGP_ERR_STATE;
		}
		if (rc)
			return rc;
		if (p.state != SMDP_PROFILE_AVAILABLE) {
			smdp_profile_release(&p);
			refuse(sc, "8.2.1", "3.7", "Profile ICCID not available");
			return SGP_ERR_STATE;
		}
	} else if (profile_type && *profile_type) {
		char state[4];

		snprintf(state, sizeof(state), "%d", SMDP_PROFILE_AVAILABLE);
		rc = sgp_store_prepare(st, "SELECT count(*) FROM smdp_profile WHERE profile_type = ?", &s);
		if (!rc)
			rc = sgp_stmt_bind_text(s, 1, profile_type);
		if (!rc)
			rc = sgp_stmt_step(s);
		if (rc < 0)
			return rc;
		if (!sgp_stmt_column_int64(s, 0)) {
			sgp_stmt_reset(s);
			refuse(sc, "8.2.5", "3.9", "Profile Type unknown");
			return SGP_ERR_STATE;
		}
		sgp_stmt_reset(s);
		rc = get_by(st, "SELECT " PROFILE_COLS " FROM smdp_profile WHERE profile_type = ?"
			    " AND state = ? ORDER BY iccid LIMIT 1", profile_type, state, &p);
		if (rc == SGP_ERR_NOTFOUND) {
			refuse(sc, "8.2.5", "3.7", "No profile of this type available");
			return SGP_ERR_STATE;
		}
		if (rc)
			return rc;
	} else {
		refuse(sc, "8.2.1", "2.2", "iccid or profileType required");
		return SGP_ERR_STATE;
	}
	rc = smdp_profile_set_eid(st, p.iccid, eid ? eid : "");
	if (!rc)
		rc = smdp_profile_set_state(st, p.iccid, eid && *eid ? SMDP_PROFILE_LINKED
							      : SMDP_PROFILE_ALLOCATED);
	if (!rc)
		snprintf(iccid_out, 21, "%s", p.iccid);
	smdp_profile_release(&p);
	return rc;
}

static bool matching_id_ok(const char *m)
{
	size_t n = strlen(m);

	if (!n || n > SMDP_MATCHING_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)	/* SGP.22 4.1: [0-9A-Z-] */
		if (!isdigit((unsigned char)m[i]) && !isupper((unsigned char)m[i]) && m[i] != '-')
			return false;
	return true;
}

static void generate_matching_id(char out[SMDP_MATCHING_ID_MAX + 1])
{
	uint8_t r[10];

	sgp_random_bytes(r, sizeof(r));
	snprintf(out, SMDP_MATCHING_ID_MAX + 1, "%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]);
}

int smdp_order_confirm(struct sgp_store *st, const char *iccid, const char *eid,
		       const char *matching_id, const char *cc, const char *smds_address,
		       bool release, char matching_id_out[SMDP_MATCHING_ID_MAX + 1],
		       struct smdp_status *sc)
{
	struct smdp_profile p, other;
	char mid[SMDP_MATCHING_ID_MAX + 1];
	struct sgp_stmt *s;
	int rc = smdp_profile_get(st, iccid ? iccid : "", &p);

	if (rc == SGP_ERR_NOTFOUND) {
		refuse(sc, "8.2.1", "3.9", "Profile ICCID unknown");
		return SGP_ERR_STATE;
	}
	if (rc)
		return rc;
	rc = SGP_ERR_STATE;
	if (p.state != SMDP_PROFILE_ALLOCATED && p.state != SMDP_PROFILE_LINKED) {
		refuse(sc, "8.2.1", "3.8", "Order not in a confirmable state");
		goto out;
	}
	if (eid && *eid && sgp_eid_check(eid) != 0) {
		refuse(sc, "8.1.1", "2.1", "EID invalid");
		goto out;
	}
	if (eid && *eid && p.eid[0] && strcmp(eid, p.eid)) {
		refuse(sc, "8.1.1", "3.10", "EID differs from the order");
		goto out;
	}
	if (cc && strlen(cc) > SMDP_CC_MAX) {
		refuse(sc, "8.2.7", "2.1", "Confirmation code too long");
		goto out;
	}
	if (matching_id && *matching_id) {
		if (!matching_id_ok(matching_id)) {
			refuse(sc, "8.2.6", "2.1", "Matching ID invalid");
			goto out;
		}
		rc = smdp_profile_by_matching_id(st, matching_id, &other);
		if (rc == 0) {
			smdp_profile_release(&other);
			refuse(sc, "8.2.6", "3.3", "Matching ID already in use");
			rc = SGP_ERR_STATE;
			goto out;
		}
		if (rc != SGP_ERR_NOTFOUND)
			goto out;
		snprintf(mid, sizeof(mid), "%s", matching_id);
	} else {
		generate_matching_id(mid);
	}
	rc = sgp_store_prepare(st, "UPDATE smdp_profile SET state = ?, eid = ?, matching_id = ?,"
			       " cc = ?, cc_attempts = 0, smds_address = ? WHERE iccid = ?", &s);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 1, release ? SMDP_PROFILE_RELEASED : SMDP_PROFILE_CONFIRMED);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 2, eid && *eid ? eid : p.eid);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 3, mid);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 4, cc ? cc : "");
	if (!rc)
		rc = sgp_stmt_bind_text(s, 5, smds_address ? smds_address : "");
	if (!rc)
		rc = sgp_stmt_bind_text(s, 6, p.iccid);
	if (!rc)
		rc = sgp_stmt_step(s);
	if (rc < 0)
		goto out;
	rc = 0;
	snprintf(matching_id_out, SMDP_MATCHING_ID_MAX + 1, "%s", mid);
	LOGP(DSMDP, LOGL_INFO, "smdp: order %s confirmed, matchingId %s%s%s", p.iccid, mid,
	     cc && *cc ? ", confirmation code" : "", release ? ", released" : "");
out:
	smdp_profile_release(&p);
	return rc;
}

int smdp_order_cancel(struct sgp_store *st, const char *iccid, const char *eid,
		      const char *matching_id, const char *final, struct smdp_status *sc)
{
	struct smdp_profile p;
	struct sgp_stmt *s;
	enum smdp_profile_state to;
	int rc;

	if (final && !strcmp(final, "Available")) {
		to = SMDP_PROFILE_AVAILABLE;
	} else if (final && !strcmp(final, "Unavailable")) {
		to = SMDP_PROFILE_UNAVAILABLE;
	} else {
		refuse(sc, "8.2.1", "2.1", "finalProfileStatusIndicator invalid");
		return SGP_ERR_STATE;
	}
	rc = smdp_profile_get(st, iccid ? iccid : "", &p);
	if (rc == SGP_ERR_NOTFOUND) {
		refuse(sc, "8.2.1", "3.9", "Profile ICCID unknown");
		return SGP_ERR_STATE;
	}
	if (rc)
		return rc;
	rc = SGP_ERR_STATE;
	if (eid && *eid && strcmp(eid, p.eid)) {
		refuse(sc, "8.1.1", "3.10", "EID differs from the order");
		goto out;
	}
	if (matching_id && *matching_id && strcmp(matching_id, p.matching_id)) {
		refuse(sc, "8.2.6", "3.10", "Matching ID differs from the order");
		goto out;
	}
	if (p.state < SMDP_PROFILE_ALLOCATED || p.state > SMDP_PROFILE_RELEASED) {
		refuse(sc, "8.2.1", "3.8", "Order cannot be cancelled in this state");
		goto out;
	}
	rc = sgp_store_prepare(st, "UPDATE smdp_profile SET state = ?, eid = '', matching_id = '',"
			       " cc = '', cc_attempts = 0, smds_address = '' WHERE iccid = ?", &s);
	if (!rc)
		rc = sgp_stmt_bind_int64(s, 1, to);
	if (!rc)
		rc = sgp_stmt_bind_text(s, 2, p.iccid);
	if (!rc)
		rc = sgp_stmt_step(s);
	if (rc >= 0) {
		rc = 0;
		LOGP(DSMDP, LOGL_INFO, "smdp: order %s cancelled -> %s", p.iccid,
		     smdp_profile_state_name(to));
	}
out:
	smdp_profile_release(&p);
	return rc;
}

int smdp_order_release(struct sgp_store *st, const char *iccid, struct smdp_status *sc)
{
	struct smdp_profile p;
	int rc = smdp_profile_get(st, iccid ? iccid : "", &p);

	if (rc == SGP_ERR_NOTFOUND) {
		refuse(sc, "8.2.1", "3.9", "Profile ICCID unknown");
		return SGP_ERR_STATE;
	}
	if (rc)
		return rc;
	if (p.state != SMDP_PROFILE_CONFIRMED) {
		refuse(sc, "8.2.1", "3.8", "Profile not in state confirmed");
		rc = SGP_ERR_STATE;
	} else {
		rc = smdp_profile_set_state(st, p.iccid, SMDP_PROFILE_RELEASED);
	}
	smdp_profile_release(&p);
	return rc;
}
