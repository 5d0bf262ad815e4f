/* sgp32lab: roles `sgp32lab serve --role ROLE` runs on their own, for a
 * user's implementation of the other side to test against */
#ifndef SGP_LAB_SERVE_ROLES_H
#define SGP_LAB_SERVE_ROLES_H

#include "core/pki/pki.h"

#include <stdint.h>

struct lab;
struct serve_eim;

/* --role eim (lab/serve_eim.c): the lab's eIM with the PKI in DIR/pki
 * (generated on first start with the eUICC certificates of devices
 * 1..devices) and its registry in DIR/lab.db, ESipa on esipa_host:port and
 * the operator API on api_host:port (ports 0: any free port).  Prints its
 * endpoints on stdout, one per line:
 *   eim id ID
 *   eim esipa https://HOST:PORT/gsma/rsp2/asn1
 *   eim api https://HOST:PORT/api/v1
 *   eim pki DIR/pki
 * 0, or a negative sgp_err after a message on stderr. */
int serve_eim_start(struct lab *lab, const char *dir, enum sgp_pki_curve curve,
		    unsigned devices, const char *esipa_host, uint16_t esipa_port,
		    const char *api_host, uint16_t api_port, struct serve_eim **out);
void serve_eim_stop(struct serve_eim *se);

#endif
