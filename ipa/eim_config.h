/* sgp32lab: where the IPA finds its eIM — ES10b.GetEimConfigurationData
 * (SGP.32 v1.2 5.9.18, 'BF55'): the eUICC keeps the eIM configuration that
 * AddInitialEim / addEim put in, and the IPA reaches the eIM at the eimFqdn
 * of an entry (SGP.32 6.1: https://<eimFqdn>/gsma/rsp2/asn1 for the ASN.1
 * binding of ESipa).
 */
#ifndef SGP_IPA_EIM_CONFIG_H
#define SGP_IPA_EIM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ipa/es10_client.h"

struct ipa_eim_address {
	int rc;			/* 0; SGP_ERR_NOTFOUND: no entry has an eimFqdn; else the
				 * ES10 or decoding error */
	char reason[300];	/* when rc < 0 */
	char eim_id[129];	/* the first entry with an eimFqdn */
	char eim_fqdn[256];
	unsigned entries;	/* entries the eUICC has */
};

/* Ask the eUICC for its eIM configuration (every entry): cb (as
 * ipa_es10_call's) runs once with the answer, which
 * ipa_eim_address_from_es10() reads.  A negative return: nothing was sent. */
int ipa_eim_address_read(struct ipa_es10 *c, ipa_es10_cb cb, void *arg);
/* The first entry with an eimFqdn from that answer, or why there is none
 * (out->rc, out->reason); returns out->rc. */
int ipa_eim_address_from_es10(const struct ipa_es10_result *res, struct ipa_eim_address *out);
/* Decode a GetEimConfigurationDataResponse. */
int ipa_eim_address_parse(const uint8_t *der, size_t len, struct ipa_eim_address *out);

/* The ESipa URL of the ASN.1 binding at fqdn ("host" or "host:port"):
 * SGP_ERR_INVAL when fqdn holds characters no host name has, or does not fit. */
int ipa_eim_url_from_fqdn(const char *fqdn, char *url, size_t size);

#endif
