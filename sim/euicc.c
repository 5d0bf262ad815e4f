/* sgp32lab: the eUICC model — lifecycle and the ES10 dispatcher
 *
 * An ES10 command is recognised by its outermost tag (SGP.22 section 5.7,
 * SGP.32 section 5.9) and handed to the function that owns it.  Every
 * command runs in one store transaction; a handler that fails rolls back,
 * so a rejected command leaves the card as it was. */
#include "sim/euicc_int.h"
#include "core/crypto/ecdsa.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/pki/pki.h"
#include "core/store/store.h"

#include <stdlib.h>
#include <string.h>

static const struct es10_table *const es10_tables[] = {
	&es10_download,
	&es10_profiles,
	&es10_sgp32,
};

int euicc_open(const struct euicc_cfg *cfg, struct euicc **out)
{
	struct euicc *e;
	struct euicc_card card;
	int rc;

	*out = NULL;
	if (!cfg->store || !cfg->sk_euicc || !cfg->cert_euicc || !cfg->cert_eum || !cfg->n_ci)
		return SGP_ERR_INVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return SGP_ERR_NOMEM;
	rc = sgp_eid_to_bcd(cfg->eid, e->eid_bcd);
	if (rc < 0)
		goto fail;
	snprintf(e->eid, sizeof(e->eid), "%s", cfg->eid);
	e->store = cfg->store;
	e->clock = cfg->clock;
	rc = sgp_key_from_evp(cfg->sk_euicc, &e->sk);
	if (rc < 0)
		goto fail;
	e->ci = calloc(cfg->n_ci, sizeof(*e->ci));
	if (!e->ci) {
		rc = SGP_ERR_NOMEM;
		goto fail;
	}
	for (size_t i = 0; i < cfg->n_ci; i++) {
		X509_up_ref(cfg->ci[i]);
		e->ci[e->n_ci++] = cfg->ci[i];
	}
	X509_up_ref(cfg->cert_euicc);
	e->cert = cfg->cert_euicc;
	X509_up_ref(cfg->cert_eum);
	e->eum = cfg->cert_eum;
	rc = sgp_pki_cert_der(e->cert, &e->cert_der);
	if (rc == SGP_OK)
		rc = sgp_pki_cert_der(e->eum, &e->eum_der);
	if (rc < 0)
		goto fail;

	rc = euicc_store_migrate(e->store);
	if (rc < 0)
		goto fail;
	rc = euicc_card_get(e, &card);
	if (rc == SGP_ERR_NOTFOUND) {
		rc = euicc_card_create(e, cfg->default_smdp, cfg->root_smds);
		if (rc == SGP_OK)
			LOGPE(e, LOGL_INFO, "new eUICC %s", e->eid);
	}
	if (rc < 0)
		goto fail;
	*out = e;
	return SGP_OK;
fail:
	euicc_free(e);
	return rc;
}

void euicc_reset(struct euicc *e)
{
	download_session_free(e->dl);
	e->dl = NULL;
}

void euicc_free(struct euicc *e)
{
	if (!e)
		return;
	euicc_reset(e);
	sgp_key_free(e->sk);
	for (size_t i = 0; i < e->n_ci; i++)
		X509_free(e->ci[i]);
	free(e->ci);
	X509_free(e->cert);
	X509_free(e->eum);
	sgp_buf_free(&e->cert_der);
	sgp_buf_free(&e->eum_der);
	free(e);
}

const char *euicc_eid(const struct euicc *e)
{
	return e->eid;
}

/* The outermost tag of a DER value (one to three bytes), or 0. */
static uint32_t outer_tag(const uint8_t *p, size_t len)
{
	uint32_t tag;
	size_t i = 1;

	if (len < 2)
		return 0;
	tag = p[0];
	if ((p[0] & 0x1f) != 0x1f)
		return tag;
	do {
		if (i >= len || i > 2)
			return 0;
		tag = tag << 8 | p[i];
	} while (p[i++] & 0x80);
	return tag;
}

static const struct es10_function *es10_lookup(uint32_t tag)
{
	for (size_t t = 0; t < sizeof(es10_tables) / sizeof(es10_tables[0]); t++)
		for (size_t i = 0; i < es10_tables[t]->count; i++)
			if (es10_tables[t]->fns[i].tag == tag)
				return &es10_tables[t]->fns[i];
	return NULL;
}

int euicc_es10(struct euicc *e, const uint8_t *cmd, size_t len, struct sgp_buf *resp)
{
	uint32_t tag = outer_tag(cmd, len);
	const struct es10_function *f = es10_lookup(tag);
	int rc;

	sgp_buf_reset(resp);
	if (!f) {
		LOGPE(e, LOGL_NOTICE, "no ES10 function has the tag %X", tag);
		return SGP_ERR_PARSE;
	}
	rc = sgp_store_begin(e->store);
	if (rc < 0)
		return rc;
	LOGPE(e, LOGL_DEBUG, "ES10 %s (%zu bytes)", f->name, len);
	rc = f->fn(e, cmd, len, resp);
	if (rc < 0) {
		sgp_store_rollback(e->store);
		sgp_buf_reset(resp);
		LOGPE(e, LOGL_NOTICE, "ES10 %s refused: %s", f->name, sgp_strerror(rc));
		return rc;
	}
	rc = sgp_store_commit(e->store);
	if (rc < 0) {
		sgp_buf_reset(resp);
		LOGPE(e, LOGL_ERROR, "ES10 %s: commit failed: %s", f->name,
		      sgp_store_errmsg(e->store));
	}
	return rc;
}

int es10_decode(struct euicc *e, const struct asn_TYPE_descriptor_s *td,
		const uint8_t *cmd, size_t len, void **out)
{
	struct der_error err = { 0 };
	int rc = sgp_der_decode(td, cmd, len, out, &err);

	if (rc < 0) {
		LOGPE(e, LOGL_NOTICE, "malformed %s: %s", sgp_der_type_name(td), err.msg);
		return rc == SGP_ERR_NOMEM ? rc : SGP_ERR_PARSE;
	}
	return SGP_OK;
}

int es10_encode(struct euicc *e, const struct asn_TYPE_descriptor_s *td,
		const void *value, struct sgp_buf *resp)
{
	struct der_error err = { 0 };
	int rc;

	sgp_buf_reset(resp);
	rc = sgp_der_encode(td, value, resp, &err);
	if (rc < 0)
		LOGPE(e, LOGL_ERROR, "cannot encode %s: %s", sgp_der_type_name(td), err.msg);
	return rc;
}

int euicc_sign(struct euicc *e, const uint8_t *data, size_t len, uint8_t sig[64])
{
	return sgp_ecdsa_sign(e->sk, data, len, sig);
}
