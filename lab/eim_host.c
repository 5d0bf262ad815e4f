/* sgp32lab: the lab's eIM as one piece — ESipa server and operator API on a
 * lab PKI folder (see lab/eim_host.h) */
#include "lab/eim_host.h"
#include "lab/api_steps.h"
#include "core/crypto/key.h"
#include "core/err.h"
#include "core/http/http.h"
#include "core/pki/pki.h"
#include "eim/api.h"
#include "eim/esipa_server.h"

#include <stdio.h>
#include <string.h>

int lab_eim_host_start(struct lab_eim_host *h, struct event_base *base, struct sgp_store *store,
		       struct sgp_clock *clock, struct sgp_pki *pki, const char *pki_dir,
		       const char *eim_id, const char *host, uint16_t port, char *err,
		       size_t errlen)
{
	struct http_tls_cfg tls = { 0 };
	struct eim_server_cfg cfg = { .eim_id = eim_id };
	int rc = SGP_OK;

	memset(h, 0, sizeof(*h));
	h->base = base;
	if (snprintf(h->host, sizeof(h->host), "%s", host) >= (int)sizeof(h->host)) {
		snprintf(err, errlen, "host name '%s' too long", host);
		return SGP_ERR_INVAL;
	}
	rc = sgp_key_from_evp(sgp_pki_key(pki, SGP_PKI_ROLE_EIM), &h->sk);
	if (rc < 0) {
		snprintf(err, errlen, "the PKI in %s has no eIM key (eim.key)", pki_dir);
		goto fail;
	}
	snprintf(h->cert, sizeof(h->cert), "%s/eimtls.pem", pki_dir);
	snprintf(h->key, sizeof(h->key), "%s/eimtls.key", pki_dir);
	snprintf(h->ci, sizeof(h->ci), "%s/ci.pem", pki_dir);
	tls.cert_file = h->cert;
	tls.key_file = h->key;
	cfg.es9_ca_file = h->ci;	/* the relay's ES9+ client trusts the lab CI */
	cfg.store = store;
	cfg.clock = clock;
	cfg.sk_eim = h->sk;
	cfg.pki = pki;
	cfg.http.name = "eim";
	cfg.http.addr = h->host;
	cfg.http.port = port;
	cfg.http.tls = &tls;
	h->srv = eim_server_new(base, &cfg, &rc);
	if (!h->srv) {
		snprintf(err, errlen, "cannot start the eIM on %s:%u: %s", host, port,
			 sgp_strerror(rc));
		goto fail;
	}
	snprintf(h->address, sizeof(h->address), "%s:%u", h->host, eim_server_port(h->srv));
	return SGP_OK;
fail:
	lab_eim_host_stop(h);
	return rc < 0 ? rc : SGP_ERR_INVAL;
}

int lab_eim_host_api(struct lab_eim_host *h, struct lab *lab, const char *host, uint16_t port,
		     char *err, size_t errlen)
{
	struct http_tls_cfg tls = { .cert_file = h->cert, .key_file = h->key };
	struct http_server_cfg cfg = { .name = "eim-api", .addr = host, .port = port, .tls = &tls };
	int rc = SGP_OK;

	if (h->api)
		return SGP_OK;
	if (!h->srv) {
		snprintf(err, errlen, "the eIM is not running");
		return SGP_ERR_STATE;
	}
	h->api = eim_api_new(h->base, h->srv, &cfg, &rc);
	if (!h->api) {
		snprintf(err, errlen, "cannot start the operator API on %s:%u: %s", host, port,
			 sgp_strerror(rc));
		return rc < 0 ? rc : SGP_ERR_INVAL;
	}
	/* the sandbox's steps, too (POST /api/v1/steps) */
	rc = lab_api_steps_attach(lab, eim_api_http(h->api));
	if (rc < 0) {
		snprintf(err, errlen, "cannot serve steps on the operator API: %s", sgp_strerror(rc));
		eim_api_free(h->api);
		h->api = NULL;
	}
	return rc;
}

uint16_t lab_eim_host_api_port(const struct lab_eim_host *h)
{
	return h->api ? eim_api_port(h->api) : 0;
}

void lab_eim_host_url(const struct lab_eim_host *h, char *url, size_t size)
{
	snprintf(url, size, "https://%s%s", h->address, ESIPA_PATH);
}

void lab_eim_host_stop(struct lab_eim_host *h)
{
	eim_api_free(h->api);
	eim_server_free(h->srv);
	sgp_key_free(h->sk);
	h->api = NULL;
	h->srv = NULL;
	h->sk = NULL;
}
