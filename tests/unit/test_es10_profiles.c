/* sgp32lab: unit tests for the eUICC's profile operations, profile
 * management notifications and the ES10c / notification functions
 * (sim/profile_ops.c, sim/notify.c, sim/es10_profiles.c) */
#include "euicc_testbed.h"
#include "sim/euicc.h"
#include "sim/euicc_int.h"	/* white-box: store accessors, profile_op_* */
#include "core/buf.h"
#include "core/crypto/ecdsa.h"
#include "core/crypto/key.h"
#include "core/der/der.h"
#include "core/err.h"
#include "core/ids.h"
#include "core/store/store.h"
#include "testutil.h"

#include "DeleteProfileRequest.h"
#include "DeleteProfileResponse.h"
#include "DisableProfileRequest.h"
#include "DisableProfileResponse.h"
#include "EnableProfileRequest.h"
#include "EnableProfileResponse.h"
#include "EuiccMemoryResetRequest.h"
#include "EuiccMemoryResetResponse.h"
#include "EuiccPackageResult.h"
#include "GetRatRequest.h"
#include "GetRatResponse.h"
#include "ListNotificationRequest.h"
#include "ListNotificationResponse.h"
#include "NotificationMetadata.h"
#include "NotificationSentRequest.h"
#include "NotificationSentResponse.h"
#include "OperatorId.h"
#include "PendingNotification.h"
#include "ProfileInfoListRequest.h"
#include "ProfilePolicyAuthorisationRule.h"
#include "SGP32-ProfileInfo.h"
#include "SGP32-ProfileInfoListResponse.h"
#include "SGP32-RetrieveNotificationsListRequest.h"
#include "SGP32-RetrieveNotificationsListResponse.h"
#include "SetNicknameRequest.h"
#include "SetNicknameResponse.h"
#include "StoreMetadataRequest.h"

#include <stdio.h>
#include <string.h>

/* --- fixtures --- */

#define ICCID_A "89049032000001000001"
#define ICCID_B "89049032000001000019"
#define ICCID_C "89049032000001000027"
#define ICCID_X "89049032000001000035"	/* never installed */

enum { EV_INSTALL = 1, EV_ENABLE = 2, EV_DISABLE = 4, EV_DELETE = 8, EV_ALL = 15 };

struct nci_spec {
	unsigned events;	/* EV_* */
	const char *address;
};

/* A BIT STRING with the bits of mask (bit 0 first), DER-minimal. */
static void bits_from_mask(BIT_STRING_t *bs, unsigned mask)
{
	int top = -1;

	for (int i = 0; i < 8; i++)
		if (mask & (1u << i))
			top = i;
	ck_assert_int_ge(top, 0);
	bs->buf = calloc(1, 1);
	ck_assert_ptr_nonnull(bs->buf);
	for (int i = 0; i <= top; i++)
		if (mask & (1u << i))
			bs->buf[0] |= (uint8_t)(0x80 >> i);
	bs->size = 1;
	bs->bits_unused = 7 - top;
}

/* StoreMetadataRequest (SGP.22 form) DER of a profile. */
static void make_metadata(const uint8_t iccid[10], const char *name, int cls, uint32_t ppr,
			  const struct nci_spec *nci, size_t n_nci, struct sgp_buf *out)
{
	StoreMetadataRequest_t *m = calloc(1, sizeof(*m));
	struct der_error err = { 0 };

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(OCTET_STRING_fromBuf(&m->iccid, (const char *)iccid, 10), 0);
	ck_assert_int_eq(OCTET_STRING_fromString(&m->serviceProviderName, "Lab Telecom"), 0);
	ck_assert_int_eq(OCTET_STRING_fromString(&m->profileName, name), 0);
	if (cls != EUICC_CLASS_OPERATIONAL) {
		m->profileClass = calloc(1, sizeof(*m->profileClass));
		*m->profileClass = cls;
	}
	if (n_nci) {
		m->notificationConfigurationInfo = calloc(1, sizeof(*m->notificationConfigurationInfo));
		for (size_t i = 0; i < n_nci; i++) {
			NotificationConfigurationInformation_t *c = calloc(1, sizeof(*c));
			ck_assert_ptr_nonnull(c);
			bits_from_mask(&c->profileManagementOperation, nci[i].events);
			ck_assert_int_eq(OCTET_STRING_fromString(&c->notificationAddress,
								 nci[i].address), 0);
			ck_assert_int_eq(ASN_SEQUENCE_ADD(&m->notificationConfigurationInfo->list, c), 0);
		}
	}
	if (ppr) {
		m->profilePolicyRules = calloc(1, sizeof(*m->profilePolicyRules));
		bits_from_mask(m->profilePolicyRules, ppr);
	}
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_StoreMetadataRequest, m, out, &err), SGP_OK);
	ASN_STRUCT_FREE(asn_DEF_StoreMetadataRequest, m);
}

/* Install a profile directly in the store, as a completed download would. */
static void install(struct testbed *tb, const char *iccid_text, int state, int cls, uint32_t ppr,
		    bool fallback, const struct nci_spec *nci, size_t n_nci)
{
	struct euicc_profile p;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(sgp_iccid_to_bcd(iccid_text, p.iccid), SGP_OK);
	snprintf(p.iccid_text, sizeof(p.iccid_text), "%s", iccid_text);
	ck_assert_int_eq(euicc_card_next_isdp_aid(tb->euicc, p.isdp_aid, &p.isdp_aid_len), SGP_OK);
	p.state = state;
	p.profile_class = cls;
	p.ppr = ppr;
	p.fallback = fallback;
	snprintf(p.service_provider_name, sizeof(p.service_provider_name), "Lab Telecom");
	snprintf(p.profile_name, sizeof(p.profile_name), "profile %s", iccid_text + 16);
	make_metadata(p.iccid, p.profile_name, cls, ppr, nci, n_nci, &p.metadata);
	ck_assert_int_eq(sgp_buf_set(&p.package, (const uint8_t *)"\x30\x00", 2), SGP_OK);
	ck_assert_int_eq(euicc_profile_put(tb->euicc, &p), SGP_OK);
	euicc_profile_release(&p);
}

static const struct nci_spec nci_all[] = { { EV_ALL, "smdp.sgp32lab.test" } };

/* Three operational profiles, A enabled; notifications for every event. */
static void install_abc(struct testbed *tb)
{
	install(tb, ICCID_A, EUICC_PROFILE_ENABLED, EUICC_CLASS_OPERATIONAL, 0, false, nci_all, 1);
	install(tb, ICCID_B, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 0, false, nci_all, 1);
	install(tb, ICCID_C, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 0, false, nci_all, 1);
}

static int state_of(struct testbed *tb, const char *iccid_text)
{
	struct euicc_profile p;
	int rc = euicc_profile_find(tb->euicc, iccid_text, &p);

	if (rc == SGP_ERR_NOTFOUND)
		return -1;
	ck_assert_int_eq(rc, SGP_OK);
	euicc_profile_release(&p);
	return p.state;
}

/* Everything an operation may change, serialised: profiles, notifications,
 * the card record. */
static void snapshot(struct testbed *tb, struct sgp_buf *out)
{
	struct euicc_profile *ps = NULL;
	struct euicc_notification *ns = NULL;
	struct euicc_card c;
	size_t np = 0, nn = 0;

	sgp_buf_reset(out);
	ck_assert_int_eq(euicc_profile_list(tb->euicc, &ps, &np), SGP_OK);
	for (size_t i = 0; i < np; i++) {
		ck_assert_int_eq(sgp_buf_append(out, (const uint8_t *)&ps[i],
						offsetof(struct euicc_profile, metadata)), SGP_OK);
		ck_assert_int_eq(sgp_buf_append(out, ps[i].metadata.data, ps[i].metadata.len), SGP_OK);
		euicc_profile_release(&ps[i]);
	}
	free(ps);
	ck_assert_int_eq(euicc_notification_list(tb->euicc, &ns, &nn), SGP_OK);
	for (size_t i = 0; i < nn; i++) {
		ck_assert_int_eq(sgp_buf_append(out, (const uint8_t *)&ns[i],
						offsetof(struct euicc_notification, data)), SGP_OK);
		ck_assert_int_eq(sgp_buf_append(out, ns[i].data.data, ns[i].data.len), SGP_OK);
		euicc_notification_release(&ns[i]);
	}
	free(ns);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(euicc_card_get(tb->euicc, &c), SGP_OK);
	ck_assert_int_eq(sgp_buf_append(out, (const uint8_t *)&c, sizeof(c)), SGP_OK);
}

static void assert_unchanged(struct testbed *tb, const struct sgp_buf *before)
{
	struct sgp_buf now = SGP_BUF_INIT;

	snapshot(tb, &now);
	ck_assert_msg(now.len == before->len && !memcmp(now.data, before->data, now.len),
		      "a refused operation changed the store");
	sgp_buf_free(&now);
}

/* Check one stored notification: a PendingNotification carrying an
 * OtherSignedNotification for (seq, event, address, iccid), signed by the
 * eUICC's key, with our two certificates. */
static void check_notification(struct testbed *tb, const struct euicc_notification *n, uint32_t seq,
			       int event, const char *address, const char *iccid_text)
{
	PendingNotification_t *pn = NULL;
	struct der_error err = { 0 };
	struct sgp_buf tbs = SGP_BUF_INIT, cert = SGP_BUF_INIT;
	struct sgp_key *pub = NULL;
	X509 *ecert = NULL;
	EVP_PKEY *ekey = NULL;
	const char *eid = NULL;
	uint8_t iccid[10];
	OtherSignedNotification_t *osn;

	ck_assert_uint_eq(n->seq, seq);
	ck_assert_int_eq(n->kind, EUICC_NOTIF_PROFILE);
	ck_assert_int_eq(n->event, event);
	ck_assert_str_eq(n->address, address);
	ck_assert_int_eq(sgp_iccid_to_bcd(iccid_text, iccid), SGP_OK);
	ck_assert(n->has_iccid && !memcmp(n->iccid, iccid, 10));

	ck_assert_int_eq(sgp_der_decode(&asn_DEF_PendingNotification, n->data.data, n->data.len,
					(void **)&pn, &err), SGP_OK);
	ck_assert_int_eq(pn->present, PendingNotification_PR_otherSignedNotification);
	osn = &pn->choice.otherSignedNotification;
	ck_assert_int_eq(osn->tbsOtherNotification.seqNumber, (long)seq);
	ck_assert_int_eq(osn->tbsOtherNotification.profileManagementOperation.size, 1);
	ck_assert_int_eq(osn->tbsOtherNotification.profileManagementOperation.buf[0], 0x80 >> event);
	ck_assert_int_eq(osn->tbsOtherNotification.notificationAddress.size, (int)strlen(address));
	ck_assert(!memcmp(osn->tbsOtherNotification.notificationAddress.buf, address, strlen(address)));
	ck_assert_ptr_nonnull(osn->tbsOtherNotification.iccid);
	ck_assert(!memcmp(osn->tbsOtherNotification.iccid->buf, iccid, 10));

	/* the signature verifies with the eUICC certificate's public key */
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_NotificationMetadata, &osn->tbsOtherNotification,
					&tbs, &err), SGP_OK);
	ck_assert_int_eq(sgp_pki_euicc_get(tb->pki, 0, &eid, &ecert, &ekey), SGP_OK);
	ck_assert_int_eq(sgp_key_from_evp(sgp_pki_cert_pubkey(ecert), &pub), SGP_OK);
	ck_assert_int_eq(osn->euiccNotificationSignature.size, 64);
	ck_assert_int_eq(sgp_ecdsa_verify(pub, tbs.data, tbs.len, osn->euiccNotificationSignature.buf,
					  64), SGP_OK);
	/* ... and no longer once the signed data is altered */
	tbs.data[tbs.len - 1] ^= 1;
	ck_assert_int_eq(sgp_ecdsa_verify(pub, tbs.data, tbs.len, osn->euiccNotificationSignature.buf,
					  64), SGP_ERR_VERIFY);
	/* the certificates are the eUICC's and the EUM's */
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_Certificate, &osn->euiccCertificate, &cert, &err), SGP_OK);
	ck_assert(cert.len == tb->euicc->cert_der.len &&
		  !memcmp(cert.data, tb->euicc->cert_der.data, cert.len));
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_Certificate, &osn->eumCertificate, &cert, &err), SGP_OK);
	ck_assert(cert.len == tb->euicc->eum_der.len &&
		  !memcmp(cert.data, tb->euicc->eum_der.data, cert.len));
	sgp_key_free(pub);
	sgp_buf_free(&tbs);
	sgp_buf_free(&cert);
	ASN_STRUCT_FREE(asn_DEF_PendingNotification, pn);
}

static size_t notif_count(struct testbed *tb)
{
	struct euicc_notification *ns = NULL;
	size_t n = 0;

	ck_assert_int_eq(euicc_notification_list(tb->euicc, &ns, &n), SGP_OK);
	for (size_t i = 0; i < n; i++)
		euicc_notification_release(&ns[i]);
	free(ns);
	return n;
}

static struct profile_ref ref_iccid(uint8_t buf[10], const char *iccid_text)
{
	struct profile_ref r = { 0 };

	ck_assert_int_eq(sgp_iccid_to_bcd(iccid_text, buf), SGP_OK);
	r.iccid = buf;
	return r;
}

/* --- profile_ops.c and notify.c --- */

START_TEST(test_op_enable_switches_and_notifies)
{
	struct testbed tb;
	struct euicc_notification *ns = NULL;
	enum profile_op_result res = PROFILE_OP_UNDEFINED;
	struct profile_ref r;
	uint8_t ib[10];
	size_t n = 0;

	testbed_init(&tb, _i ? "brp" : "nist", false);
	install_abc(&tb);
	r = ref_iccid(ib, ICCID_B);
	ck_assert_int_eq(profile_op_enable(tb.euicc, &r, false, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_OK);
	ck_assert_int_eq(state_of(&tb, ICCID_A), EUICC_PROFILE_DISABLED);
	ck_assert_int_eq(state_of(&tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(state_of(&tb, ICCID_C), EUICC_PROFILE_DISABLED);
	/* the disable of A first, then the enable of B */
	ck_assert_int_eq(euicc_notification_list(tb.euicc, &ns, &n), SGP_OK);
	ck_assert_uint_eq(n, 2);
	check_notification(&tb, &ns[0], 1, 2, "smdp.sgp32lab.test", ICCID_A);
	check_notification(&tb, &ns[1], 2, 1, "smdp.sgp32lab.test", ICCID_B);
	for (size_t i = 0; i < n; i++)
		euicc_notification_release(&ns[i]);
	free(ns);

	/* no rollback asked for: none recorded */
	{
		struct euicc_card c;
		ck_assert_int_eq(euicc_card_get(tb.euicc, &c), SGP_OK);
		ck_assert(!c.has_rollback);
	}
	testbed_free(&tb);
}
END_TEST

START_TEST(test_op_disable_delete_by_aid)
{
	struct testbed tb;
	struct euicc_notification *ns = NULL;
	struct euicc_profile p;
	enum profile_op_result res = PROFILE_OP_UNDEFINED;
	struct profile_ref r = { 0 };
	size_t n = 0;

	testbed_init(&tb, "nist", false);
	install_abc(&tb);
	ck_assert_int_eq(euicc_profile_find(tb.euicc, ICCID_A, &p), SGP_OK);
	r.aid = p.isdp_aid;
	r.aid_len = p.isdp_aid_len;
	ck_assert_int_eq(profile_op_disable(tb.euicc, &r, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_OK);
	ck_assert_int_eq(state_of(&tb, ICCID_A), EUICC_PROFILE_DISABLED);
	ck_assert_int_eq(profile_op_delete(tb.euicc, &r, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_OK);
	ck_assert_int_eq(state_of(&tb, ICCID_A), -1);
	euicc_profile_release(&p);
	ck_assert_int_eq(euicc_notification_list(tb.euicc, &ns, &n), SGP_OK);
	ck_assert_uint_eq(n, 2);
	check_notification(&tb, &ns[0], 1, 2, "smdp.sgp32lab.test", ICCID_A);
	check_notification(&tb, &ns[1], 2, 3, "smdp.sgp32lab.test", ICCID_A);
	for (size_t i = 0; i < n; i++)
		euicc_notification_release(&ns[i]);
	free(ns);
	/* no enabled profile left: enabling C disables nothing */
	{
		uint8_t ib[10];
		r = ref_iccid(ib, ICCID_C);
		ck_assert_int_eq(profile_op_enable(tb.euicc, &r, false, &res), SGP_OK);
		ck_assert_int_eq(res, PROFILE_OP_OK);
		ck_assert_uint_eq(notif_count(&tb), 3);
	}
	testbed_free(&tb);
}
END_TEST

/* Each address gets the events it asks for, and only those. */
START_TEST(test_notification_configuration)
{
	static const struct nci_spec nci[] = {
		{ EV_ENABLE, "enable.example" },
		{ EV_DISABLE | EV_DELETE, "dd.example" },
		{ EV_DELETE, "delete.example" },
	};
	struct testbed tb;
	struct euicc_notification *ns = NULL;
	enum profile_op_result res;
	struct profile_ref r;
	uint8_t ib[10];
	size_t n = 0;

	testbed_init(&tb, "nist", false);
	install(&tb, ICCID_A, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 0, false, nci, 3);
	install(&tb, ICCID_B, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 0, false, NULL, 0);
	r = ref_iccid(ib, ICCID_A);
	ck_assert_int_eq(profile_op_enable(tb.euicc, &r, false, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_OK);
	r = ref_iccid(ib, ICCID_B);		/* B asks for nothing */
	ck_assert_int_eq(profile_op_enable(tb.euicc, &r, false, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_OK);
	ck_assert_int_eq(profile_op_disable(tb.euicc, &r, &res), SGP_OK);
	ck_assert_int_eq(profile_op_delete(tb.euicc, &r, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_OK);
	r = ref_iccid(ib, ICCID_A);
	ck_assert_int_eq(profile_op_delete(tb.euicc, &r, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_OK);

	ck_assert_int_eq(euicc_notification_list(tb.euicc, &ns, &n), SGP_OK);
	ck_assert_uint_eq(n, 4);
	check_notification(&tb, &ns[0], 1, 1, "enable.example", ICCID_A);
	check_notification(&tb, &ns[1], 2, 2, "dd.example", ICCID_A);
	check_notification(&tb, &ns[2], 3, 3, "dd.example", ICCID_A);
	check_notification(&tb, &ns[3], 4, 3, "delete.example", ICCID_A);
	for (size_t i = 0; i < n; i++)
		euicc_notification_release(&ns[i]);
	free(ns);
	testbed_free(&tb);
}
END_TEST

/* Refusals: the result code, and nothing changed. */
static void refused(struct testbed *tb, int op, const char *iccid_text, enum profile_op_result want)
{
	struct sgp_buf before = SGP_BUF_INIT;
	enum profile_op_result res = PROFILE_OP_UNDEFINED;
	struct profile_ref r;
	uint8_t ib[10];
	int rc;

	snapshot(tb, &before);
	r = ref_iccid(ib, iccid_text);
	rc = op == 'e' ? profile_op_enable(tb->euicc, &r, true, &res) :
	     op == 'd' ? profile_op_disable(tb->euicc, &r, &res) :
			 profile_op_delete(tb->euicc, &r, &res);
	ck_assert_int_eq(rc, SGP_OK);
	ck_assert_msg(res == want, "%c %s: result %d, want %d", op, iccid_text, res, want);
	assert_unchanged(tb, &before);
	sgp_buf_free(&before);
}

START_TEST(test_op_refusals)
{
	struct testbed tb;
	struct euicc_card c;
	struct profile_ref r = { 0 };
	enum profile_op_result res;
	struct sgp_buf before = SGP_BUF_INIT;
	static const uint8_t no_aid[16] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
					    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x1F, 0xFF };

	testbed_init(&tb, "nist", false);
	/* A enabled with PPR1, B disabled with PPR2, C the fallback profile */
	install(&tb, ICCID_A, EUICC_PROFILE_ENABLED, EUICC_CLASS_OPERATIONAL, 1u << 1, false, nci_all, 1);
	install(&tb, ICCID_B, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 1u << 2, false, nci_all, 1);
	install(&tb, ICCID_C, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 0, true, nci_all, 1);

	refused(&tb, 'e', ICCID_X, PROFILE_OP_NOT_FOUND);
	refused(&tb, 'd', ICCID_X, PROFILE_OP_NOT_FOUND);
	refused(&tb, 'x', ICCID_X, PROFILE_OP_NOT_FOUND);
	refused(&tb, 'e', ICCID_A, PROFILE_OP_WRONG_STATE);	/* already enabled */
	refused(&tb, 'd', ICCID_B, PROFILE_OP_WRONG_STATE);	/* not enabled */
	refused(&tb, 'x', ICCID_A, PROFILE_OP_WRONG_STATE);	/* enabled */
	refused(&tb, 'e', ICCID_B, PROFILE_OP_DISALLOWED_BY_POLICY);	/* A has PPR1 */
	refused(&tb, 'd', ICCID_A, PROFILE_OP_DISALLOWED_BY_POLICY);	/* PPR1 */
	refused(&tb, 'x', ICCID_B, PROFILE_OP_DISALLOWED_BY_POLICY);	/* PPR2 */
	refused(&tb, 'x', ICCID_C, PROFILE_OP_DISALLOWED_BY_POLICY);	/* Fallback Attribute */

	/* an unknown ISD-P AID, and an empty one */
	snapshot(&tb, &before);
	r.aid = no_aid;
	r.aid_len = sizeof(no_aid);
	ck_assert_int_eq(profile_op_enable(tb.euicc, &r, false, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_NOT_FOUND);
	r.aid_len = 0;
	ck_assert_int_eq(profile_op_delete(tb.euicc, &r, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_NOT_FOUND);
	assert_unchanged(&tb, &before);
	sgp_buf_free(&before);

	/* SGP.32: the way back after a fallback, the target of a rollback */
	install(&tb, ICCID_X, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 0, false, nci_all, 1);
	ck_assert_int_eq(euicc_card_get(tb.euicc, &c), SGP_OK);
	ck_assert_int_eq(sgp_iccid_to_bcd(ICCID_X, c.fallback_iccid), SGP_OK);
	c.has_fallback = true;
	ck_assert_int_eq(euicc_card_put(tb.euicc, &c), SGP_OK);
	refused(&tb, 'x', ICCID_X, PROFILE_OP_RETURN_FALLBACK);
	c.has_fallback = false;
	ck_assert_int_eq(sgp_iccid_to_bcd(ICCID_X, c.rollback_iccid), SGP_OK);
	c.has_rollback = true;
	ck_assert_int_eq(euicc_card_put(tb.euicc, &c), SGP_OK);
	refused(&tb, 'x', ICCID_X, PROFILE_OP_ROLLBACK_NOT_AVAILABLE);
	testbed_free(&tb);
}
END_TEST

/* A Test Profile may be enabled over PPR1 (SGP.21 TPRO8); an operational
 * one may not. */
START_TEST(test_op_test_profile_overrides_ppr1)
{
	struct testbed tb;
	enum profile_op_result res;
	struct profile_ref r;
	uint8_t ib[10];

	testbed_init(&tb, "nist", false);
	install(&tb, ICCID_A, EUICC_PROFILE_ENABLED, EUICC_CLASS_OPERATIONAL, 1u << 1, false, nci_all, 1);
	install(&tb, ICCID_B, EUICC_PROFILE_DISABLED, EUICC_CLASS_TEST, 0, false, NULL, 0);
	install(&tb, ICCID_C, EUICC_PROFILE_DISABLED, EUICC_CLASS_PROVISIONING, 0, false, NULL, 0);
	refused(&tb, 'e', ICCID_C, PROFILE_OP_DISALLOWED_BY_POLICY);
	r = ref_iccid(ib, ICCID_B);
	ck_assert_int_eq(profile_op_enable(tb.euicc, &r, false, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_OK);
	ck_assert_int_eq(state_of(&tb, ICCID_A), EUICC_PROFILE_DISABLED);
	ck_assert_int_eq(state_of(&tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_uint_eq(notif_count(&tb), 1);	/* A's disable; B asks for none */
	testbed_free(&tb);
}
END_TEST

/* Enable with rollback records the profile to return to, and it persists. */
START_TEST(test_op_enable_rollback_persists)
{
	struct testbed tb;
	struct euicc_card c;
	enum profile_op_result res;
	struct profile_ref r;
	uint8_t ib[10], ia[10];

	testbed_init(&tb, "nist", true);
	install_abc(&tb);
	r = ref_iccid(ib, ICCID_B);
	ck_assert_int_eq(profile_op_enable(tb.euicc, &r, true, &res), SGP_OK);
	ck_assert_int_eq(res, PROFILE_OP_OK);
	testbed_restart(&tb);
	ck_assert_int_eq(euicc_card_get(tb.euicc, &c), SGP_OK);
	ck_assert(c.has_rollback);
	ck_assert_int_eq(sgp_iccid_to_bcd(ICCID_A, ia), SGP_OK);
	ck_assert(!memcmp(c.rollback_iccid, ia, 10));
	ck_assert_int_eq(c.next_seq, 3);
	ck_assert_int_eq(state_of(&tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_uint_eq(notif_count(&tb), 2);
	testbed_free(&tb);
}
END_TEST

/* Stored metadata that does not decode is an internal error, not a crash. */
START_TEST(test_notify_bad_metadata)
{
	struct testbed tb;
	struct euicc_profile p;

	testbed_init(&tb, "nist", false);
	install(&tb, ICCID_A, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 0, false, nci_all, 1);
	ck_assert_int_eq(euicc_profile_find(tb.euicc, ICCID_A, &p), SGP_OK);
	ck_assert_int_eq(euicc_notify_profile_event(tb.euicc, &p, 1), SGP_OK);
	ck_assert_int_eq(euicc_notify_profile_event(tb.euicc, &p, 4), SGP_ERR_INVAL);
	ck_assert_int_eq(euicc_notify_profile_event(tb.euicc, &p, -1), SGP_ERR_INVAL);
	p.metadata.len -= 1;	/* truncated */
	ck_assert_int_eq(euicc_notify_profile_event(tb.euicc, &p, 1), SGP_ERR_STORE);
	p.metadata.data[0] = 0x30;	/* another type */
	p.metadata.len += 1;
	ck_assert_int_eq(euicc_notify_profile_event(tb.euicc, &p, 1), SGP_ERR_STORE);
	p.metadata.len = 0;	/* none at all: nothing to send */
	ck_assert_int_eq(euicc_notify_profile_event(tb.euicc, &p, 1), SGP_OK);
	euicc_profile_release(&p);
	ck_assert_uint_eq(notif_count(&tb), 1);
	testbed_free(&tb);
}
END_TEST

/* --- ES10c over euicc_es10() --- */

/* Send Enable ('e'), Disable ('d') or Delete ('x') for a profile named by
 * ICCID text or, with by_aid, by its ISD-P AID; the result code. */
static long es10_op(struct testbed *tb, int op, const char *iccid_text, bool by_aid)
{
	uint8_t iccid[10], aid[16];
	size_t aid_len = 0;
	const uint8_t *id = iccid;
	size_t id_len = 10;
	OCTET_STRING_t *dst;
	long result;

	ck_assert_int_eq(sgp_iccid_to_bcd(iccid_text, iccid), SGP_OK);
	if (by_aid) {
		struct euicc_profile p;
		ck_assert_int_eq(euicc_profile_get(tb->euicc, iccid, &p), SGP_OK);
		memcpy(aid, p.isdp_aid, p.isdp_aid_len);
		aid_len = p.isdp_aid_len;
		euicc_profile_release(&p);
		id = aid;
		id_len = aid_len;
	}
	if (op == 'e') {
		EnableProfileRequest_t req = { 0 };
		EnableProfileResponse_t *rsp = NULL;
		req.profileIdentifier.present = by_aid ? EnableProfileRequest__profileIdentifier_PR_isdpAid :
						      EnableProfileRequest__profileIdentifier_PR_iccid;
		dst = by_aid ? &req.profileIdentifier.choice.isdpAid : &req.profileIdentifier.choice.iccid;
		ck_assert_int_eq(OCTET_STRING_fromBuf(dst, (const char *)id, (int)id_len), 0);
		req.refreshFlag = 1;
		testbed_call(tb, &asn_DEF_EnableProfileRequest, &req, &asn_DEF_EnableProfileResponse,
			     (void **)&rsp);
		result = rsp->enableResult;
		ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EnableProfileRequest, &req);
		ASN_STRUCT_FREE(asn_DEF_EnableProfileResponse, rsp);
	} else if (op == 'd') {
		DisableProfileRequest_t req = { 0 };
		DisableProfileResponse_t *rsp = NULL;
		req.profileIdentifier.present = by_aid ? DisableProfileRequest__profileIdentifier_PR_isdpAid :
						      DisableProfileRequest__profileIdentifier_PR_iccid;
		dst = by_aid ? &req.profileIdentifier.choice.isdpAid : &req.profileIdentifier.choice.iccid;
		ck_assert_int_eq(OCTET_STRING_fromBuf(dst, (const char *)id, (int)id_len), 0);
		testbed_call(tb, &asn_DEF_DisableProfileRequest, &req, &asn_DEF_DisableProfileResponse,
			     (void **)&rsp);
		result = rsp->disableResult;
		ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_DisableProfileRequest, &req);
		ASN_STRUCT_FREE(asn_DEF_DisableProfileResponse, rsp);
	} else {
		DeleteProfileRequest_t req = { 0 };
		DeleteProfileResponse_t *rsp = NULL;
		req.present = by_aid ? DeleteProfileRequest_PR_isdpAid : DeleteProfileRequest_PR_iccid;
		dst = by_aid ? &req.choice.isdpAid : &req.choice.iccid;
		ck_assert_int_eq(OCTET_STRING_fromBuf(dst, (const char *)id, (int)id_len), 0);
		testbed_call(tb, &asn_DEF_DeleteProfileRequest, &req, &asn_DEF_DeleteProfileResponse,
			     (void **)&rsp);
		result = rsp->deleteResult;
		ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_DeleteProfileRequest, &req);
		ASN_STRUCT_FREE(asn_DEF_DeleteProfileResponse, rsp);
	}
	return result;
}

/* A refused ES10c operation: its code, and nothing changed. */
static void es10_refused(struct testbed *tb, int op, const char *iccid_text, long want)
{
	struct sgp_buf before = SGP_BUF_INIT;

	snapshot(tb, &before);
	ck_assert_int_eq(es10_op(tb, op, iccid_text, false), want);
	assert_unchanged(tb, &before);
	sgp_buf_free(&before);
}

START_TEST(test_es10_enable_disable_delete)
{
	struct testbed tb;
	struct euicc_card c;

	testbed_init(&tb, "nist", false);
	install_abc(&tb);
	install(&tb, ICCID_X, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 1u << 2, false, NULL, 0);
	ck_assert_int_eq(es10_op(&tb, 'e', ICCID_B, true), 0);		/* by AID */
	ck_assert_int_eq(state_of(&tb, ICCID_A), EUICC_PROFILE_DISABLED);
	ck_assert_int_eq(state_of(&tb, ICCID_B), EUICC_PROFILE_ENABLED);
	ck_assert_int_eq(es10_op(&tb, 'd', ICCID_B, false), 0);
	ck_assert_int_eq(es10_op(&tb, 'e', ICCID_C, false), 0);
	ck_assert_int_eq(es10_op(&tb, 'x', ICCID_A, true), 0);
	ck_assert_int_eq(state_of(&tb, ICCID_A), -1);
	ck_assert_uint_eq(notif_count(&tb), 5);	/* dis A, en B, dis B, en C, del A */

	es10_refused(&tb, 'e', ICCID_A, 1);	/* iccidOrAidNotFound */
	es10_refused(&tb, 'd', ICCID_A, 1);
	es10_refused(&tb, 'x', ICCID_A, 1);
	es10_refused(&tb, 'e', ICCID_C, 2);	/* profileNotInDisabledState */
	es10_refused(&tb, 'd', ICCID_B, 2);	/* profileNotInEnabledState */
	es10_refused(&tb, 'x', ICCID_C, 2);	/* profileNotInDisabledState */
	es10_refused(&tb, 'x', ICCID_X, 3);	/* PPR2: disallowedByPolicy */
	/* SGP.32-only refusals are disallowedByPolicy in the SGP.22 answer */
	ck_assert_int_eq(euicc_card_get(tb.euicc, &c), SGP_OK);
	ck_assert_int_eq(sgp_iccid_to_bcd(ICCID_B, c.fallback_iccid), SGP_OK);
	c.has_fallback = true;
	ck_assert_int_eq(euicc_card_put(tb.euicc, &c), SGP_OK);
	es10_refused(&tb, 'x', ICCID_B, 3);
	testbed_free(&tb);
}
END_TEST

static SGP32_ProfileInfoListResponse_t *profiles_info(struct testbed *tb, int crit, const void *val,
						      size_t len, const char *tag_hex)
{
	ProfileInfoListRequest_t req = { 0 };
	SGP32_ProfileInfoListResponse_t *rsp = NULL;
	struct sgp_buf tags = SGP_BUF_INIT;

	if (crit) {
		req.searchCriteria = calloc(1, sizeof(*req.searchCriteria));
		req.searchCriteria->present = crit;
		if (crit == ProfileInfoListRequest__searchCriteria_PR_profileClass)
			req.searchCriteria->choice.profileClass = *(const long *)val;
		else
			ck_assert_int_eq(OCTET_STRING_fromBuf(crit == ProfileInfoListRequest__searchCriteria_PR_iccid ?
							      &req.searchCriteria->choice.iccid :
							      &req.searchCriteria->choice.isdpAid,
							      val, (int)len), 0);
	}
	if (tag_hex) {
		ck_assert_int_eq(sgp_hex_decode(tag_hex, &tags), SGP_OK);
		req.tagList = OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING, (const char *)tags.data,
						       (int)tags.len);
	}
	testbed_call(tb, &asn_DEF_ProfileInfoListRequest, &req, &asn_DEF_SGP32_ProfileInfoListResponse,
		     (void **)&rsp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_ProfileInfoListRequest, &req);
	sgp_buf_free(&tags);
	return rsp;
}

static int info_count(SGP32_ProfileInfoListResponse_t *rsp)
{
	ck_assert_int_eq(rsp->present, SGP32_ProfileInfoListResponse_PR_profileInfoListOk);
	return rsp->choice.profileInfoListOk.list.count;
}

START_TEST(test_es10_profiles_info)
{
	static const struct nci_spec nci[] = { { EV_ENABLE | EV_DELETE, "x.example" } };
	struct testbed tb;
	SGP32_ProfileInfoListResponse_t *rsp;
	SGP32_ProfileInfo_t *pi;
	uint8_t iccid[10];
	long cls;
	struct euicc_profile p;

	testbed_init(&tb, "nist", false);
	install(&tb, ICCID_A, EUICC_PROFILE_ENABLED, EUICC_CLASS_OPERATIONAL, 1u << 1, false, nci, 1);
	install(&tb, ICCID_B, EUICC_PROFILE_DISABLED, EUICC_CLASS_TEST, 0, false, NULL, 0);
	install(&tb, ICCID_C, EUICC_PROFILE_DISABLED, EUICC_CLASS_OPERATIONAL, 0, true, NULL, 0);

	/* everything, every field we hold */
	rsp = profiles_info(&tb, 0, NULL, 0, NULL);
	ck_assert_int_eq(info_count(rsp), 3);
	pi = rsp->choice.profileInfoListOk.list.array[0];
	ck_assert_int_eq(sgp_iccid_to_bcd(ICCID_A, iccid), SGP_OK);
	ck_assert(pi->iccid && !memcmp(pi->iccid->buf, iccid, 10));
	ck_assert(pi->isdpAid && pi->isdpAid->size == 16);
	ck_assert(pi->profileState && *pi->profileState == 1);
	ck_assert(pi->profileClass && *pi->profileClass == 2);
	ck_assert(pi->profileName && pi->serviceProviderName);
	ck_assert_ptr_null(pi->profileNickname);
	ck_assert(pi->profilePolicyRules && pi->profilePolicyRules->buf[0] == 0x40);
	ck_assert(pi->notificationConfigurationInfo &&
		  pi->notificationConfigurationInfo->list.count == 1);
	ck_assert_ptr_null(pi->fallbackAttribute);
	pi = rsp->choice.profileInfoListOk.list.array[2];
	ck_assert(pi->fallbackAttribute && *pi->fallbackAttribute);
	ck_assert_ptr_null(pi->profilePolicyRules);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);

	/* by ICCID, by AID, by class; no match is an empty list */
	rsp = profiles_info(&tb, ProfileInfoListRequest__searchCriteria_PR_iccid, iccid, 10, NULL);
	ck_assert_int_eq(info_count(rsp), 1);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);
	ck_assert_int_eq(euicc_profile_find(tb.euicc, ICCID_C, &p), SGP_OK);
	rsp = profiles_info(&tb, ProfileInfoListRequest__searchCriteria_PR_isdpAid, p.isdp_aid,
			    p.isdp_aid_len, NULL);
	ck_assert_int_eq(info_count(rsp), 1);
	ck_assert_int_eq(*rsp->choice.profileInfoListOk.list.array[0]->profileState, 0);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);
	euicc_profile_release(&p);
	cls = EUICC_CLASS_TEST;
	rsp = profiles_info(&tb, ProfileInfoListRequest__searchCriteria_PR_profileClass, &cls, 0, NULL);
	ck_assert_int_eq(info_count(rsp), 1);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);
	cls = EUICC_CLASS_PROVISIONING;
	rsp = profiles_info(&tb, ProfileInfoListRequest__searchCriteria_PR_profileClass, &cls, 0, NULL);
	ck_assert_int_eq(info_count(rsp), 0);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);
	ck_assert_int_eq(sgp_iccid_to_bcd(ICCID_X, iccid), SGP_OK);
	rsp = profiles_info(&tb, ProfileInfoListRequest__searchCriteria_PR_iccid, iccid, 10, NULL);
	ck_assert_int_eq(info_count(rsp), 0);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);

	/* tagList: only what is asked for (an unknown tag 'DF7F' is ignored) */
	rsp = profiles_info(&tb, 0, NULL, 0, "5A9F7099DF7F");
	ck_assert_int_eq(info_count(rsp), 3);
	for (int i = 0; i < 3; i++) {
		pi = rsp->choice.profileInfoListOk.list.array[i];
		ck_assert(pi->iccid && pi->profileState && pi->profilePolicyRules);
		ck_assert(!pi->isdpAid && !pi->profileName && !pi->serviceProviderName &&
			  !pi->profileClass && !pi->notificationConfigurationInfo &&
			  !pi->fallbackAttribute);
	}
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);
	rsp = profiles_info(&tb, 0, NULL, 0, "B69F26");
	pi = rsp->choice.profileInfoListOk.list.array[0];
	ck_assert(!pi->iccid && pi->notificationConfigurationInfo && !pi->fallbackAttribute);
	ck_assert(rsp->choice.profileInfoListOk.list.array[2]->fallbackAttribute);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);

	/* incorrectInputValues: a tagList cut inside a tag, an empty one, a
	 * profileClass that does not exist */
	rsp = profiles_info(&tb, 0, NULL, 0, "5A9F");
	ck_assert_int_eq(rsp->present, SGP32_ProfileInfoListResponse_PR_profileInfoListError);
	ck_assert_int_eq(rsp->choice.profileInfoListError, 1);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);
	rsp = profiles_info(&tb, 0, NULL, 0, "");
	ck_assert_int_eq(rsp->present, SGP32_ProfileInfoListResponse_PR_profileInfoListError);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);
	cls = 7;
	rsp = profiles_info(&tb, ProfileInfoListRequest__searchCriteria_PR_profileClass, &cls, 0, NULL);
	ck_assert_int_eq(rsp->present, SGP32_ProfileInfoListResponse_PR_profileInfoListError);
	ck_assert_int_eq(rsp->choice.profileInfoListError, 1);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);

	/* stored metadata that no longer decodes: undefinedError */
	ck_assert_int_eq(euicc_profile_find(tb.euicc, ICCID_B, &p), SGP_OK);
	p.metadata.len--;
	ck_assert_int_eq(euicc_profile_put(tb.euicc, &p), SGP_OK);
	euicc_profile_release(&p);
	rsp = profiles_info(&tb, 0, NULL, 0, NULL);
	ck_assert_int_eq(rsp->present, SGP32_ProfileInfoListResponse_PR_profileInfoListError);
	ck_assert_int_eq(rsp->choice.profileInfoListError, 127);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);
	testbed_free(&tb);
}
END_TEST

static long set_nickname(struct testbed *tb, const char *iccid_text, const char *nick)
{
	SetNicknameRequest_t req = { 0 };
	SetNicknameResponse_t *rsp = NULL;
	uint8_t iccid[10];
	long r;

	ck_assert_int_eq(sgp_iccid_to_bcd(iccid_text, iccid), SGP_OK);
	ck_assert_int_eq(OCTET_STRING_fromBuf(&req.iccid, (const char *)iccid, 10), 0);
	ck_assert_int_eq(OCTET_STRING_fromString(&req.profileNickname, nick), 0);
	testbed_call(tb, &asn_DEF_SetNicknameRequest, &req, &asn_DEF_SetNicknameResponse, (void **)&rsp);
	r = rsp->setNicknameResult;
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_SetNicknameRequest, &req);
	ASN_STRUCT_FREE(asn_DEF_SetNicknameResponse, rsp);
	return r;
}

START_TEST(test_es10_set_nickname_persists)
{
	struct testbed tb;
	struct euicc_profile p;
	struct sgp_buf before = SGP_BUF_INIT;
	SGP32_ProfileInfoListResponse_t *rsp;
	/* 64 characters, 128 bytes of UTF-8: within SIZE(0..64), beyond what
	 * the record keeps */
	char wide[129] = "";

	for (int i = 0; i < 64; i++)
		strcat(wide, "\xc3\xa9");
	testbed_init(&tb, "brp", true);
	install_abc(&tb);
	ck_assert_int_eq(set_nickname(&tb, ICCID_B, "work phone"), 0);
	snapshot(&tb, &before);
	ck_assert_int_eq(set_nickname(&tb, ICCID_X, "nobody"), 1);	/* iccidNotFound */
	ck_assert_int_eq(set_nickname(&tb, ICCID_B, wide), 127);
	assert_unchanged(&tb, &before);
	testbed_restart(&tb);
	ck_assert_int_eq(euicc_profile_find(tb.euicc, ICCID_B, &p), SGP_OK);
	ck_assert_str_eq(p.nickname, "work phone");
	euicc_profile_release(&p);
	rsp = profiles_info(&tb, 0, NULL, 0, "90");
	ck_assert_int_eq(info_count(rsp), 3);
	ck_assert_ptr_null(rsp->choice.profileInfoListOk.list.array[0]->profileNickname);
	ck_assert_int_eq(rsp->choice.profileInfoListOk.list.array[1]->profileNickname->size, 10);
	ASN_STRUCT_FREE(asn_DEF_SGP32_ProfileInfoListResponse, rsp);
	ck_assert_int_eq(set_nickname(&tb, ICCID_B, ""), 0);	/* cleared */
	ck_assert_int_eq(euicc_profile_find(tb.euicc, ICCID_B, &p), SGP_OK);
	ck_assert_str_eq(p.nickname, "");
	euicc_profile_release(&p);
	sgp_buf_free(&before);
	testbed_free(&tb);
}
END_TEST

static long memory_reset(struct testbed *tb, unsigned mask)
{
	EuiccMemoryResetRequest_t req = { 0 };
	EuiccMemoryResetResponse_t *rsp = NULL;
	long r;

	bits_from_mask(&req.resetOptions, mask);
	testbed_call(tb, &asn_DEF_EuiccMemoryResetRequest, &req, &asn_DEF_EuiccMemoryResetResponse,
		     (void **)&rsp);
	r = rsp->resetResult;
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_EuiccMemoryResetRequest, &req);
	ASN_STRUCT_FREE(asn_DEF_EuiccMemoryResetResponse, rsp);
	return r;
}

START_TEST(test_es10_memory_reset)
{
	struct testbed tb;
	struct euicc_card c;
	struct euicc_notification *ns = NULL;
	struct sgp_buf before = SGP_BUF_INIT;
	size_t n = 0;

	testbed_init(&tb, "nist", false);
	/* A enabled with PPR1+PPR2, B a test profile, C a provisioning one */
	install(&tb, ICCID_A, EUICC_PROFILE_ENABLED, EUICC_CLASS_OPERATIONAL, 6, true, nci_all, 1);
	install(&tb, ICCID_B, EUICC_PROFILE_DISABLED, EUICC_CLASS_TEST, 0, false, nci_all, 1);
	install(&tb, ICCID_C, EUICC_PROFILE_DISABLED, EUICC_CLASS_PROVISIONING, 0, false, nci_all, 1);
	ck_assert_int_eq(euicc_card_get(tb.euicc, &c), SGP_OK);
	ck_assert_int_eq(sgp_iccid_to_bcd(ICCID_A, c.rollback_iccid), SGP_OK);
	c.has_rollback = true;
	ck_assert_int_eq(euicc_card_put(tb.euicc, &c), SGP_OK);

	ck_assert_int_eq(memory_reset(&tb, 1), 0);	/* deleteOperationalProfiles */
	ck_assert_int_eq(state_of(&tb, ICCID_A), -1);	/* PPRs and state do not stop it */
	ck_assert_int_eq(state_of(&tb, ICCID_B), EUICC_PROFILE_DISABLED);
	ck_assert_int_eq(euicc_notification_list(tb.euicc, &ns, &n), SGP_OK);
	ck_assert_uint_eq(n, 1);
	check_notification(&tb, &ns[0], 1, 3, "smdp.sgp32lab.test", ICCID_A);
	euicc_notification_release(&ns[0]);
	free(ns);
	ck_assert_int_eq(euicc_card_get(tb.euicc, &c), SGP_OK);
	ck_assert(!c.has_rollback);
	ck_assert_int_eq(c.next_seq, 2);

	/* nothing operational left */
	snapshot(&tb, &before);
	ck_assert_int_eq(memory_reset(&tb, 1), 1);	/* nothingToDelete */
	assert_unchanged(&tb, &before);
	ck_assert_int_eq(memory_reset(&tb, 2), 0);	/* deleteFieldLoadedTestProfiles */
	ck_assert_int_eq(state_of(&tb, ICCID_B), -1);
	ck_assert_int_eq(state_of(&tb, ICCID_C), EUICC_PROFILE_DISABLED);	/* provisioning stays */
	ck_assert_uint_eq(notif_count(&tb), 2);
	ck_assert_int_eq(memory_reset(&tb, 3), 1);
	/* resetDefaultSmdpAddress */
	ck_assert_int_eq(euicc_card_get(tb.euicc, &c), SGP_OK);
	ck_assert_str_eq(c.default_smdp, "smdp.sgp32lab.test");
	ck_assert_int_eq(memory_reset(&tb, 4), 0);
	ck_assert_int_eq(euicc_card_get(tb.euicc, &c), SGP_OK);
	ck_assert_str_eq(c.default_smdp, "");
	sgp_buf_free(&before);
	testbed_free(&tb);
}
END_TEST

START_TEST(test_es10_get_rat)
{
	struct testbed tb;
	GetRatRequest_t req = { 0 };
	GetRatResponse_t *rsp = NULL;
	ProfilePolicyAuthorisationRule_t *r;

	testbed_init(&tb, "nist", false);
	testbed_call(&tb, &asn_DEF_GetRatRequest, &req, &asn_DEF_GetRatResponse, (void **)&rsp);
	ck_assert_int_eq(rsp->rat.list.count, 2);
	r = rsp->rat.list.array[0];
	ck_assert(r->pprIds.size == 1 && r->pprIds.buf[0] == 0x60);
	ck_assert_int_eq(r->allowedOperators.list.count, 1);
	ck_assert(!memcmp(r->allowedOperators.list.array[0]->mccMnc.buf, "\x00\xF1\x10", 3));
	ck_assert_int_eq(r->pprFlags.size, 0);		/* no consent needed */
	r = rsp->rat.list.array[1];
	ck_assert(!memcmp(r->allowedOperators.list.array[0]->mccMnc.buf, "\xEE\xEE\xEE", 3));
	ck_assert(r->pprFlags.size == 1 && r->pprFlags.buf[0] == 0x80);	/* consentRequired */
	ASN_STRUCT_FREE(asn_DEF_GetRatResponse, rsp);
	testbed_free(&tb);
}
END_TEST

static ListNotificationResponse_t *list_notification(struct testbed *tb, unsigned filter)
{
	ListNotificationRequest_t req = { 0 };
	ListNotificationResponse_t *rsp = NULL;

	if (filter) {
		req.profileManagementOperation = calloc(1, sizeof(*req.profileManagementOperation));
		bits_from_mask(req.profileManagementOperation, filter);
	}
	testbed_call(tb, &asn_DEF_ListNotificationRequest, &req, &asn_DEF_ListNotificationResponse,
		     (void **)&rsp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_ListNotificationRequest, &req);
	ck_assert_int_eq(rsp->present, ListNotificationResponse_PR_notificationMetadataList);
	return rsp;
}

static SGP32_RetrieveNotificationsListResponse_t *retrieve(struct testbed *tb, int crit, long seq,
							   unsigned ops)
{
	SGP32_RetrieveNotificationsListRequest_t req = { 0 };
	SGP32_RetrieveNotificationsListResponse_t *rsp = NULL;

	if (crit) {
		req.searchCriteria = calloc(1, sizeof(*req.searchCriteria));
		req.searchCriteria->present = crit;
		if (crit == SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_seqNumber)
			req.searchCriteria->choice.seqNumber = seq;
		else if (crit == SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_profileManagementOperation)
			bits_from_mask(&req.searchCriteria->choice.profileManagementOperation, ops);
	}
	testbed_call(tb, &asn_DEF_SGP32_RetrieveNotificationsListRequest, &req,
		     &asn_DEF_SGP32_RetrieveNotificationsListResponse, (void **)&rsp);
	ASN_STRUCT_FREE_CONTENTS_ONLY(asn_DEF_SGP32_RetrieveNotificationsListRequest, &req);
	return rsp;
}

static long notification_sent(struct testbed *tb, long seq)
{
	NotificationSentRequest_t req = { .seqNumber = seq };
	NotificationSentResponse_t *rsp = NULL;
	long r;

	testbed_call(tb, &asn_DEF_NotificationSentRequest, &req, &asn_DEF_NotificationSentResponse,
		     (void **)&rsp);
	r = rsp->deleteNotificationStatus;
	ASN_STRUCT_FREE(asn_DEF_NotificationSentResponse, rsp);
	return r;
}

/* EuiccPackageResult: euiccPackageErrorUnsigned { eimId "eim-lab-1" } */
#define PACKAGE_RESULT_HEX "BF510DA20B800965696D2D6C61622D31"

START_TEST(test_es10_notifications)
{
	struct testbed tb;
	ListNotificationResponse_t *ln;
	SGP32_RetrieveNotificationsListResponse_t *rn;
	struct euicc_notification *ns = NULL;
	struct sgp_buf pr = SGP_BUF_INIT, enc = SGP_BUF_INIT;
	struct der_error err = { 0 };
	EuiccPackageResult_t *epr = NULL;
	size_t n = 0;
	uint32_t seq;

	testbed_init(&tb, "nist", true);
	install_abc(&tb);
	ck_assert_int_eq(es10_op(&tb, 'e', ICCID_B, false), 0);	/* seq 1 disable A, 2 enable B */
	/* an eUICC Package Result, as the SGP.32 functions store it */
	ck_assert_int_eq(sgp_hex_decode(PACKAGE_RESULT_HEX, &pr), SGP_OK);
	ck_assert_int_eq(sgp_der_decode(&asn_DEF_EuiccPackageResult, pr.data, pr.len, (void **)&epr,
					&err), SGP_OK);
	ASN_STRUCT_FREE(asn_DEF_EuiccPackageResult, epr);
	ck_assert_int_eq(euicc_card_next_seq(tb.euicc, &seq), SGP_OK);
	ck_assert_int_eq(seq, 3);
	ck_assert_int_eq(euicc_notification_add(tb.euicc, EUICC_NOTIF_PACKAGE_RESULT, 0, "eim-lab-1",
						NULL, pr.data, pr.len, seq), SGP_OK);
	ck_assert_int_eq(es10_op(&tb, 'd', ICCID_B, false), 0);	/* seq 4 disable B */
	testbed_restart(&tb);

	/* ListNotification: profile notifications only, filtered by operation */
	ln = list_notification(&tb, 0);
	ck_assert_int_eq(ln->choice.notificationMetadataList.list.count, 3);
	ck_assert_int_eq(ln->choice.notificationMetadataList.list.array[0]->seqNumber, 1);
	ck_assert_int_eq(ln->choice.notificationMetadataList.list.array[1]->seqNumber, 2);
	ck_assert_int_eq(ln->choice.notificationMetadataList.list.array[2]->seqNumber, 4);
	ASN_STRUCT_FREE(asn_DEF_ListNotificationResponse, ln);
	ln = list_notification(&tb, EV_DISABLE);
	ck_assert_int_eq(ln->choice.notificationMetadataList.list.count, 2);
	ck_assert_int_eq(ln->choice.notificationMetadataList.list.array[1]->profileManagementOperation.buf[0],
			 0x20);
	ASN_STRUCT_FREE(asn_DEF_ListNotificationResponse, ln);
	ln = list_notification(&tb, EV_INSTALL | EV_DELETE);
	ck_assert_int_eq(ln->choice.notificationMetadataList.list.count, 0);
	ASN_STRUCT_FREE(asn_DEF_ListNotificationResponse, ln);

	/* RetrieveNotificationsList: the very PendingNotifications stored */
	ck_assert_int_eq(euicc_notification_list(tb.euicc, &ns, &n), SGP_OK);
	ck_assert_uint_eq(n, 4);
	rn = retrieve(&tb, 0, 0, 0);
	ck_assert_int_eq(rn->present, SGP32_RetrieveNotificationsListResponse_PR_notificationList);
	ck_assert_int_eq(rn->choice.notificationList.list.count, 3);
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_SGP32_PendingNotification,
					rn->choice.notificationList.list.array[2], &enc, &err), SGP_OK);
	ck_assert(enc.len == ns[3].data.len && !memcmp(enc.data, ns[3].data.data, enc.len));
	check_notification(&tb, &ns[3], 4, 2, "smdp.sgp32lab.test", ICCID_B);
	ASN_STRUCT_FREE(asn_DEF_SGP32_RetrieveNotificationsListResponse, rn);
	rn = retrieve(&tb, SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_seqNumber, 2, 0);
	ck_assert_int_eq(rn->choice.notificationList.list.count, 1);
	ck_assert_int_eq(rn->choice.notificationList.list.array[0]->choice.otherSignedNotification
			 .tbsOtherNotification.seqNumber, 2);
	ASN_STRUCT_FREE(asn_DEF_SGP32_RetrieveNotificationsListResponse, rn);
	rn = retrieve(&tb, SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_seqNumber, 3, 0);
	ck_assert_int_eq(rn->choice.notificationList.list.count, 0);	/* 3 is a package result */
	ASN_STRUCT_FREE(asn_DEF_SGP32_RetrieveNotificationsListResponse, rn);
	rn = retrieve(&tb, SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_profileManagementOperation,
		      0, EV_ENABLE);
	ck_assert_int_eq(rn->choice.notificationList.list.count, 1);
	ASN_STRUCT_FREE(asn_DEF_SGP32_RetrieveNotificationsListResponse, rn);
	rn = retrieve(&tb, SGP32_RetrieveNotificationsListRequest__searchCriteria_PR_euiccPackageResults, 0, 0);
	ck_assert_int_eq(rn->present, SGP32_RetrieveNotificationsListResponse_PR_euiccPackageResultList);
	ck_assert_int_eq(rn->choice.euiccPackageResultList.list.count, 1);
	ck_assert_int_eq(sgp_der_encode(&asn_DEF_EuiccPackageResult,
					rn->choice.euiccPackageResultList.list.array[0], &enc, &err), SGP_OK);
	ck_assert(enc.len == pr.len && !memcmp(enc.data, pr.data, pr.len));
	ASN_STRUCT_FREE(asn_DEF_SGP32_RetrieveNotificationsListResponse, rn);
	for (size_t i = 0; i < n; i++)
		euicc_notification_release(&ns[i]);
	free(ns);

	/* RemoveNotificationFromList: ok once, then nothingToDelete */
	ck_assert_int_eq(notification_sent(&tb, 2), 0);
	ck_assert_int_eq(notification_sent(&tb, 2), 1);
	ck_assert_int_eq(notification_sent(&tb, 3), 0);	/* a package result goes too */
	ck_assert_int_eq(notification_sent(&tb, 99), 1);
	ck_assert_int_eq(notification_sent(&tb, -1), 1);
	ck_assert_int_eq(notification_sent(&tb, 0x100000000L), 1);
	ck_assert_uint_eq(notif_count(&tb), 2);
	testbed_restart(&tb);
	ck_assert_uint_eq(notif_count(&tb), 2);
	/* seqNumbers keep increasing after a restart */
	ck_assert_int_eq(es10_op(&tb, 'x', ICCID_B, false), 0);
	ln = list_notification(&tb, EV_DELETE);
	ck_assert_int_eq(ln->choice.notificationMetadataList.list.count, 1);
	ck_assert_int_eq(ln->choice.notificationMetadataList.list.array[0]->seqNumber, 5);
	ASN_STRUCT_FREE(asn_DEF_ListNotificationResponse, ln);

	/* a stored item that does not decode: undefinedError */
	ck_assert_int_eq(euicc_notification_add(tb.euicc, EUICC_NOTIF_PROFILE, 1, "a.example", NULL,
						(const uint8_t *)"\x30\x01", 2, 77), SGP_OK);
	rn = retrieve(&tb, 0, 0, 0);
	ck_assert_int_eq(rn->present, SGP32_RetrieveNotificationsListResponse_PR_notificationsListResultError);
	ck_assert_int_eq(rn->choice.notificationsListResultError, 127);
	ASN_STRUCT_FREE(asn_DEF_SGP32_RetrieveNotificationsListResponse, rn);
	sgp_buf_free(&pr);
	sgp_buf_free(&enc);
	testbed_free(&tb);
}
END_TEST

/* Malformed ES10c commands: SGP_ERR_PARSE, no answer, nothing changed. */
START_TEST(test_es10_malformed)
{
	static const char *const bad[] = {
		"BF2D0480025A00",		/* GetProfilesInfo: iccid criterion of 0 bytes */
		"BF2D03A00100",			/* searchCriteria holding garbage */
		"BF3100",			/* EnableProfile: no profileIdentifier */
		"BF3108A0035A01008101FF",	/* an Iccid of one byte */
		"BF3109A0045A020000810101",	/* refreshFlag 01: not DER */
		"BF3203A00100",			/* DisableProfile without refreshFlag */
		"BF3300",			/* DeleteProfile: empty CHOICE */
		"BF33034F0000",			/* an empty isdpAid, and a trailing byte */
		"BF340382020000",		/* resetOptions, a bit string cut short */
		"BF2900",			/* SetNickname: nothing */
		"BF2B038001",			/* RetrieveNotificationsList cut */
		"BF3004800101",			/* NotificationSent, cut short */
		"BF2803810107",			/* ListNotification: bit string with 7 unused of 0 */
		"BF430100",			/* GetRAT with content */
	};
	struct testbed tb;
	struct sgp_buf r = SGP_BUF_INIT, before = SGP_BUF_INIT;

	testbed_init(&tb, "nist", false);
	install_abc(&tb);
	ck_assert_int_eq(es10_op(&tb, 'e', ICCID_B, false), 0);
	snapshot(&tb, &before);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sgp_buf cmd = SGP_BUF_INIT;
		ck_assert_int_eq(sgp_hex_decode(bad[i], &cmd), SGP_OK);
		ck_assert_msg(testbed_es10(&tb, cmd.data, cmd.len, &r) == SGP_ERR_PARSE,
			      "accepted %s", bad[i]);
		ck_assert_uint_eq(r.len, 0);
		sgp_buf_free(&cmd);
	}
	assert_unchanged(&tb, &before);
	sgp_buf_free(&r);
	sgp_buf_free(&before);
	testbed_free(&tb);
}
END_TEST

static Suite *es10_profiles_suite(void)
{
	Suite *s = suite_create("es10_profiles");
	TCase *tc = tcase_create("profile_ops");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_op_enable_switches_and_notifies, 0, 2);
	tcase_add_test(tc, test_op_disable_delete_by_aid);
	tcase_add_test(tc, test_notification_configuration);
	tcase_add_test(tc, test_op_refusals);
	tcase_add_test(tc, test_op_test_profile_overrides_ppr1);
	tcase_add_test(tc, test_op_enable_rollback_persists);
	tcase_add_test(tc, test_notify_bad_metadata);
	suite_add_tcase(s, tc);
	tc = tcase_create("es10c");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_es10_enable_disable_delete);
	tcase_add_test(tc, test_es10_profiles_info);
	tcase_add_test(tc, test_es10_set_nickname_persists);
	tcase_add_test(tc, test_es10_memory_reset);
	tcase_add_test(tc, test_es10_get_rat);
	tcase_add_test(tc, test_es10_notifications);
	tcase_add_test(tc, test_es10_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(es10_profiles_suite());
}
