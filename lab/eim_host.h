/* sgp32lab: the lab's eIM as one piece — its ESipa server (eim/esipa_server.h)
 * and its operator API (eim/api.h) on a lab PKI folder.  The scenario steps
 * (lab/steps_eim.c) and `sgp32lab serve --role eim` (lab/serve_eim.c) both
 * bring it up through these functions.
 *
 * The ESipa server and the API use the PKI's eIM TLS certificate
 * (DIR/eimtls.pem, .key), the eUICC packages are signed with its eIM key,
 * the relay's ES9+ client trusts DIR/ci.pem.  Ownership: the host owns the
 * server, the API and the key; store, clock and PKI are borrowed and must
 * outlive it. */
#ifndef SGP_LAB_EIM_HOST_H
#define SGP_LAB_EIM_HOST_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct sgp_store;
struct sgp_clock;
struct sgp_pki;
struct sgp_key;
struct eim_server;
struct eim_api;
struct lab;

struct lab_eim_host {
	struct event_base *base;
	struct eim_server *srv;
	struct eim_api *api;		/* NULL until lab_eim_host_api() */
	struct sgp_key *sk;		/* the eIM signing key */
	char host[64];			/* where both listen */
	char address[80];		/* host:port of ESipa (the eIM's FQDN for AddInitialEim) */
	char cert[4200], key[4200], ci[4200];
};

/* Start the ESipa server as eim_id on host:port (port 0: any free port).
 * 0, or a negative sgp_err with a message in err (h is then stopped). */
int lab_eim_host_start(struct lab_eim_host *h, struct event_base *base, struct sgp_store *store,
		       struct sgp_clock *clock, struct sgp_pki *pki, const char *pki_dir,
		       const char *eim_id, const char *host, uint16_t port, char *err,
		       size_t errlen);
/* Start the operator API on host:port (once; again: no change), with the
 * lab's scenario steps on POST /api/v1/steps (lab/api_steps.h).  0, or a
 * negative sgp_err with a message in err. */
int lab_eim_host_api(struct lab_eim_host *h, struct lab *lab, const char *host, uint16_t port,
		     char *err, size_t errlen);
uint16_t lab_eim_host_api_port(const struct lab_eim_host *h);
/* The ESipa URL (ASN.1 binding): "https://HOST:PORT/gsma/rsp2/asn1". */
void lab_eim_host_url(const struct lab_eim_host *h, char *url, size_t size);
/* Free what was started; h may be zeroed or half started. */
void lab_eim_host_stop(struct lab_eim_host *h);

#endif
