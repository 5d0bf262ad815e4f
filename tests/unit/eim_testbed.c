/* sgp32lab: test-bed helpers that need the eIM library (eim_testbed.h) */
#include "eim_testbed.h"
#include "eim/package.h"
#include "core/der/der.h"
#include "core/err.h"

#include "AddInitialEimRequest.h"
#include "AddInitialEimResponse.h"
#include "EimConfigurationData.h"

#include <check.h>

long testbed_add_initial_eim(struct testbed *tb, const char *eim_id, const char *eim_fqdn,
			     const struct sgp_key *eim_key)
{
	struct eim_config c = { .eim_id = eim_id, .eim_fqdn = eim_fqdn, .has_counter = true,
				.counter = 0, .request_association_token = true,
				.public_key = eim_key };
	struct sgp_buf der = SGP_BUF_INIT;
	AddInitialEimRequest_t req = { 0 };
	AddInitialEimResponse_t *rsp = NULL;
	EimConfigurationData_t *d = NULL;
	struct der_error err;
	long token;

	ck_assert_int_eq(eim_config_encode(&c, &der), SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_EimConfigurationData, der.data, der.len,
					(void **)&d, &err), SGP_OK);
	ck_assert_int_eq(ASN_SEQUENCE_ADD(&req.eimConfigurationDataList.list, d), 0);
	testbed_call(tb, &asn_DEF_AddInitialEimRequest, &req, &asn_DEF_AddInitialEimResponse,
		     (void **)&rsp);
	ck_assert_int_eq(rsp->present, AddInitialEimResponse_PR_addInitialEimOk);
	ck_assert_int_eq(rsp->choice.addInitialEimOk.list.count, 1);
	ck_assert_int_eq(rsp->choice.addInitialEimOk.list.array[0]->present,
			 AddInitialEimResponse__addInitialEimOk__Member_PR_associationToken);
	token = rsp->choice.addInitialEimOk.list.array[0]->choice.associationToken;
	ck_assert_int_gt(token, 0);
	ASN_STRUCT_FREE(asn_DEF_AddInitialEimResponse, rsp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_AddInitialEimRequest, &req);
	sgp_buf_free(&der);
	return token;
}
