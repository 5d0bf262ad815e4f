/* sgp32lab: roles `sgp32lab serve --role ROLE` runs on their own, for a
 * user's implementation of the other side to test against */
#ifndef SGP_LAB_SERVE_ROLES_H
#define SGP_LAB_SERVE_ROLES_H

#include "core/pki/pki.h"

#include <stdbool.h>
#include <stdint.h>

struct lab;
struct serve_eim;
struct serve_ipa;
struct serve_euicc;

/* DIR/pki of a role served on its own: loaded, or generated (with the
 * eUICC certificates of lab devices 1..devices, valid for scenarios that
 * load it too) and saved; eid (may be NULL): its eUICC certificate is added
 * when missing, *eid_idx its index.  0, or a negative sgp_err after a
 * message on stderr (lab/serve_pki.c). */
int serve_pki_open(const char *path, enum sgp_pki_curve curve, unsigned devices,
		   const char *eid, size_t *eid_idx, struct sgp_pki **out);

/* --role euicc (lab/serve_euicc.c): one eUICC with EID eid (its certificate
 * added to DIR/pki when missing, its state in DIR/lab.db) as a card on the
 * vpcd socket: connecting to a reader at hostport (reconnecting when the
 * link drops), or listening there.  0, or a negative sgp_err after a
 * message on stderr. */
int serve_euicc_start(struct lab *lab, const char *dir, const char *eid, enum sgp_pki_curve curve,
		      const char *hostport, bool listen, struct serve_euicc **out);
void serve_euicc_stop(struct serve_euicc *se);

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

/* --role ipa (lab/serve_ipa.c): the lab's IPA (IPAd) of one device, for a
 * scenario's eUICC and eIM (`lab ... ipa=HOST:PORT`) or a user's card and
 * eIM to test against.  Its card reader (vpcd framing) listens on
 * vpcd_host:vpcd_port (port 0: any free port), or connects to a card that
 * listens (connect).  When a card links, the IPA reads the eIM's address
 * from the eUICC (ES10b.GetEimConfigurationData, eimFqdn) unless eim_url
 * is given, polls the eIM at once and then every interval_s seconds (real
 * time), and runs what it gets; TLS trust is the CI of DIR/pki.  Prints on
 * stdout, one per line:
 *   ipa vpcd HOST:PORT
 *   ipa pki DIR/pki
 * then what it does (card linked, eIM found, each run's outcome). */
struct serve_ipa_cfg {
	const char *dir;
	enum sgp_pki_curve curve;
	const char *vpcd_host;
	uint16_t vpcd_port;
	bool connect;			/* connect to a listening card */
	const char *eim_url;		/* NULL: from the eUICC */
	unsigned interval_s;
};
int serve_ipa_start(struct lab *lab, const struct serve_ipa_cfg *cfg, struct serve_ipa **out);
void serve_ipa_stop(struct serve_ipa *si);

#endif
