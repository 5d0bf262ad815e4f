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

#include "NotificationMetadata.h"
#include "PendingNotification.h"
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
	return s;
}

int main(void)
{
	return test_run_suite(es10_profiles_suite());
}
