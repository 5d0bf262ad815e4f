/* sgp32lab: the IPA reads its eIM's address from the eUICC
 * (ES10b.GetEimConfigurationData, SGP.32 v1.2 5.9.18) */
#include "ipa/eim_config.h"
#include "ipa/es10_client.h"
#include "ipa/esipa_client.h"
#include "core/der/der.h"
#include "core/err.h"

#include "EimConfigurationData.h"
#include "GetEimConfigurationDataResponse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GetEimConfigurationDataRequest without searchCriteria: every entry */
static const uint8_t get_eim_config_cmd[] = { 0xBF, 0x55, 0x00 };

/* A UTF8String as C text: it must fit and hold no NUL. */
static int utf8_text(const UTF8String_t *s, char *out, size_t size)
{
	if (!s || (size_t)s->size >= size || memchr(s->buf, 0, (size_t)s->size))
		return SGP_ERR_PARSE;
	memcpy(out, s->buf, (size_t)s->size);
	out[s->size] = '\0';
	return SGP_OK;
}

int ipa_eim_address_parse(const uint8_t *der, size_t len, struct ipa_eim_address *out)
{
	GetEimConfigurationDataResponse_t *r = NULL;
	struct der_error err;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sgp_der_decode(&asn_DEF_GetEimConfigurationDataResponse, der, len, (void **)&r, &err);
	if (rc < 0) {
		snprintf(out->reason, sizeof(out->reason),
			 "GetEimConfigurationDataResponse undecodable: %s", err.msg);
		goto out;
	}
	out->entries = (unsigned)r->eimConfigurationDataList.list.count;
	rc = SGP_ERR_NOTFOUND;
	for (int i = 0; i < r->eimConfigurationDataList.list.count; i++) {
		const EimConfigurationData_t *e = r->eimConfigurationDataList.list.array[i];

		if (!e->eimFqdn)
			continue;
		if (utf8_text(&e->eimId, out->eim_id, sizeof(out->eim_id)) < 0 ||
		    utf8_text(e->eimFqdn, out->eim_fqdn, sizeof(out->eim_fqdn)) < 0) {
			rc = SGP_ERR_PARSE;
			snprintf(out->reason, sizeof(out->reason),
				 "eIM configuration entry %d: eimId or eimFqdn unusable", i + 1);
			goto out;
		}
		rc = SGP_OK;
		break;
	}
	if (rc == SGP_ERR_NOTFOUND)
		snprintf(out->reason, sizeof(out->reason),
			 "the eUICC has %u eIM configuration entr%s, none with an eimFqdn",
			 out->entries, out->entries == 1 ? "y" : "ies");
out:
	out->rc = rc;
	sgp_der_free(&asn_DEF_GetEimConfigurationDataResponse, r);
	return rc;
}

int ipa_eim_address_read(struct ipa_es10 *c, ipa_es10_cb cb, void *arg)
{
	if (!c || !cb)
		return SGP_ERR_INVAL;
	return ipa_es10_call(c, get_eim_config_cmd, sizeof(get_eim_config_cmd), cb, arg);
}

int ipa_eim_address_from_es10(const struct ipa_es10_result *res, struct ipa_eim_address *out)
{
	if (res->rc >= 0)
		return ipa_eim_address_parse(res->data, res->len, out);
	memset(out, 0, sizeof(*out));
	out->rc = res->rc;
	snprintf(out->reason, sizeof(out->reason), "ES10b.GetEimConfigurationData: %s%s%s",
		 sgp_strerror(res->rc), res->stage ? " at " : "", res->stage ? res->stage : "");
	return res->rc;
}

int ipa_eim_url_from_fqdn(const char *fqdn, char *url, size_t size)
{
	int n;

	if (!fqdn || !*fqdn)
		return SGP_ERR_INVAL;
	/* a host name, an IPv4 address or [IPv6], and an optional port */
	for (const char *p = fqdn; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789.-:[]", *p))
			return SGP_ERR_INVAL;
	n = snprintf(url, size, "https://%s" IPA_ESIPA_PATH, fqdn);
	return n < 0 || (size_t)n >= size ? SGP_ERR_INVAL : SGP_OK;
}
