/* sgp32lab: the eUICC model — SGP.32 state beside the card record
 * (table euicc_sgp32: association tokens, rollback and emergency records)
 * and the profile facts the SGP.32 functions look up (fallback attribute,
 * emergency profile). */
#include "sim/sgp32_int.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/store/store.h"

#include "SGP32-StoreMetadataRequest.h"

#include <stdlib.h>
#include <string.h>

void sgp32_state_release(struct sgp32_state *st)
{
	sgp_buf_free(&st->rollback_epr);
}

int sgp32_state_get(struct euicc *e, struct sgp32_state *st)
{
	struct sgp_stmt *s;
	const void *b;
	size_t len = 0;
	int rc = sgp_store_prepare(e->store, "SELECT next_token, rollback_epr, emergency_return "
				   "FROM euicc_sgp32 WHERE eid = ?1", &s);

	memset(st, 0, sizeof(*st));
	st->next_token = 1;
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 1, e->eid);
	if (rc == SGP_OK)
		rc = sgp_stmt_step(s);
	if (rc <= 0)
		return rc;	/* no row yet: the defaults */
	st->next_token = sgp_stmt_column_int64(s, 0);
	if (sgp_stmt_column_blob(s, 1, &len))
		rc = sgp_stmt_column_buf(s, 1, &st->rollback_epr);
	else
		rc = SGP_OK;
	b = sgp_stmt_column_blob(s, 2, &len);
	if (b && len == 10) {
		memcpy(st->emergency_return, b, 10);
		st->has_emergency_return = true;
	}
	sgp_stmt_reset(s);
	if (rc < 0)
		sgp32_state_release(st);
	return rc < 0 ? rc : SGP_OK;
}

int sgp32_state_put(struct euicc *e, const struct sgp32_state *st)
{
	struct sgp_stmt *s;
	int rc = sgp_store_prepare(e->store, "INSERT INTO euicc_sgp32 (eid, next_token, rollback_epr, "
				   "emergency_return) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (eid) DO UPDATE "
				   "SET next_token = ?2, rollback_epr = ?3, emergency_return = ?4", &s);

	if (rc == SGP_OK)
		rc = sgp_stmt_bind_text(s, 1, e->eid);
	if (rc == SGP_OK)
		rc = sgp_stmt_bind_int64(s, 2, st->next_token);
	if (rc == SGP_OK)
		rc = st->rollback_epr.len ? sgp_stmt_bind_blob(s, 3, st->rollback_epr.data, st->rollback_epr.len)
					  : sgp_stmt_bind_null(s, 3);
	if (rc == SGP_OK)
		rc = st->has_emergency_return ? sgp_stmt_bind_blob(s, 4, st->emergency_return, 10)
					      : sgp_stmt_bind_null(s, 4);
	if (rc == SGP_OK)
		rc = sgp_stmt_step(s);
	return rc < 0 ? rc : SGP_OK;
}

int sgp32_profile_metadata(struct euicc *e, const struct euicc_profile *p,
			   SGP32_StoreMetadataRequest_t **out)
{
	struct der_error err;
	int rc;

	*out = NULL;
	if (!p->metadata.len)
		return SGP_OK;
	rc = sgp_der_decode(&asn_DEF_SGP32_StoreMetadataRequest, p->metadata.data, p->metadata.len,
			    (void **)out, &err);
	if (rc < 0) {
		LOGPE(e, LOGL_ERROR, "metadata of %s: %s", p->iccid_text, err.msg);
		return SGP_ERR_STORE;
	}
	return SGP_OK;
}

/* The first profile for which match() holds. */
static int find_profile(struct euicc *e, bool (*match)(struct euicc *, const struct euicc_profile *),
			struct euicc_profile *out)
{
	struct euicc_profile *v = NULL;
	size_t n = 0;
	int rc = euicc_profile_list(e, &v, &n);
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		if (rc == SGP_OK && !found && match(e, &v[i])) {
			*out = v[i];	/* moves the buffers */
			found = true;
			continue;
		}
		euicc_profile_release(&v[i]);
	}
	free(v);
	if (rc < 0)
		return rc;
	return found ? SGP_OK : SGP_ERR_NOTFOUND;
}

static bool is_emergency(struct euicc *e, const struct euicc_profile *p)
{
	SGP32_StoreMetadataRequest_t *md = NULL;
	bool yes;

	if (sgp32_profile_metadata(e, p, &md) < 0 || !md)
		return false;
	yes = md->ecallIndication && *md->ecallIndication;
	ASN_STRUCT_FREE(asn_DEF_SGP32_StoreMetadataRequest, md);
	return yes;
}

static bool is_fallback(struct euicc *e, const struct euicc_profile *p)
{
	(void)e;
	return p->fallback;
}

int sgp32_find_emergency(struct euicc *e, struct euicc_profile *out)
{
	return find_profile(e, is_emergency, out);
}

int sgp32_find_fallback(struct euicc *e, struct euicc_profile *out)
{
	return find_profile(e, is_fallback, out);
}

int sgp32_ecall_active(struct euicc *e, bool *active)
{
	struct euicc_profile p;
	int rc = sgp32_find_emergency(e, &p);

	*active = false;
	if (rc == SGP_ERR_NOTFOUND)
		return SGP_OK;
	if (rc < 0)
		return rc;
	*active = p.state == EUICC_PROFILE_ENABLED;
	euicc_profile_release(&p);
	return SGP_OK;
}
