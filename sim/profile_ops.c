/* sgp32lab: the eUICC model — enable, disable and delete a profile
 *
 * One set of rules for ES10c (SGP.22 5.7.16 EnableProfile, 5.7.17
 * DisableProfile, 5.7.18 DeleteProfile) and the SGP.32 PSMOs enable /
 * disable / delete (SGP.32 5.9.x, eUICC packages).  Every check comes
 * before the first change, so a refused operation changes nothing.
 *
 * Rules applied, in this order:
 *  enable   iccidOrAidNotFound; profileNotInDisabledState (the target is
 *           enabled); disallowedByPolicy when the enabled profile carries
 *           PPR1 "disabling not allowed" (SGP.22 2.9.1) — unless the target
 *           is a Test Profile: enabling a Test Profile overrides PPR1
 *           (SGP.21 test profile requirement TPRO8).
 *  disable  iccidOrAidNotFound; profileNotInEnabledState; disallowedByPolicy
 *           for PPR1 on the target.
 *  delete   iccidOrAidNotFound; profileNotInDisabledState (an enabled
 *           profile is never deleted); disallowedByPolicy for PPR2
 *           "deletion not allowed" and — our reading of SGP.32 v1.2 section
 *           on the Fallback Mechanism — for the profile that carries the
 *           Fallback Attribute (the eIM unsets it first); SGP.32
 *           returnFallbackProfile for the profile the eUICC must return to
 *           after the Fallback Mechanism ran (card.fallback_iccid), and
 *           rollbackNotAvailable for the profile an enable with rollbackFlag
 *           would roll back to (card.rollback_iccid).  These two SGP.32
 *           codes are our reading of their names: the standard's text was
 *           not at hand.
 * Not modelled: catBusy (no proactive session), wrongProfileReenabling
 * (needs the REFRESH state of the device), the Device Test Mode gate on
 * Test Profiles (an LPA rule, SGP.21 TPRO6), re-enabling the previous
 * Operational Profile when a Test Profile is disabled (TPRO10). */
#include "sim/profile_ops.h"
#include "core/err.h"

#include <stdlib.h>
#include <string.h>

/* Look the profile up by ICCID or ISD-P AID: 0, SGP_ERR_NOTFOUND or an
 * internal error. */
static int profile_lookup(struct euicc *e, const struct profile_ref *ref, struct euicc_profile *p)
{
	if (ref->iccid)
		return euicc_profile_get(e, ref->iccid, p);
	if (!ref->aid || !ref->aid_len || ref->aid_len > sizeof(p->isdp_aid))
		return SGP_ERR_NOTFOUND;
	return euicc_profile_get_by_aid(e, ref->aid, ref->aid_len, p);
}

/* Start an operation: find the target; *found false (and the result set)
 * when it is not there. */
static int op_begin(struct euicc *e, const struct profile_ref *ref, struct euicc_profile *p,
		    bool *found, enum profile_op_result *result)
{
	int rc = profile_lookup(e, ref, p);

	*found = rc == SGP_OK;
	if (rc == SGP_ERR_NOTFOUND) {
		*result = PROFILE_OP_NOT_FOUND;
		return SGP_OK;
	}
	return rc;
}

static int set_state_notify(struct euicc *e, struct euicc_profile *p, int state)
{
	int rc = euicc_profile_set_state(e, p->iccid, state);

	if (rc < 0)
		return rc;
	p->state = state;
	return euicc_notify_profile_event(e, p, state == EUICC_PROFILE_ENABLED ?
					  NOTIF_EVENT_ENABLE : NOTIF_EVENT_DISABLE);
}

/* SGP.32: remember (or forget) where ProfileRollback returns to. */
static int record_rollback(struct euicc *e, const struct euicc_profile *prev)
{
	struct euicc_card c;
	int rc = euicc_card_get(e, &c);

	if (rc < 0)
		return rc;
	c.has_rollback = prev != NULL;
	memset(c.rollback_iccid, 0, sizeof(c.rollback_iccid));
	if (prev)
		memcpy(c.rollback_iccid, prev->iccid, sizeof(c.rollback_iccid));
	return euicc_card_put(e, &c);
}

int profile_op_enable(struct euicc *e, const struct profile_ref *ref, bool rollback,
		      enum profile_op_result *result)
{
	struct euicc_profile p, cur;
	bool found, have_cur = false;
	int rc = op_begin(e, ref, &p, &found, result);

	if (rc < 0 || !found)
		return rc;
	memset(&cur, 0, sizeof(cur));
	if (p.state == EUICC_PROFILE_ENABLED) {
		*result = PROFILE_OP_WRONG_STATE;
		goto out;
	}
	rc = euicc_profile_get_enabled(e, &cur);
	if (rc == SGP_ERR_NOTFOUND)
		rc = SGP_OK;
	else if (rc == SGP_OK)
		have_cur = true;
	else
		goto out;
	if (have_cur && (cur.ppr & PPR1_DISABLE_NOT_ALLOWED) &&
	    p.profile_class != EUICC_CLASS_TEST) {
		LOGPE(e, LOGL_NOTICE, "enable %s: %s has PPR1", p.iccid_text, cur.iccid_text);
		*result = PROFILE_OP_DISALLOWED_BY_POLICY;
		goto out;
	}
	/* the disable notification of the old profile comes first */
	if (have_cur)
		rc = set_state_notify(e, &cur, EUICC_PROFILE_DISABLED);
	if (rc == SGP_OK)
		rc = set_state_notify(e, &p, EUICC_PROFILE_ENABLED);
	if (rc == SGP_OK && rollback)
		rc = record_rollback(e, have_cur ? &cur : NULL);
	if (rc == SGP_OK) {
		LOGPE(e, LOGL_INFO, "profile %s enabled%s", p.iccid_text,
		      rollback ? " (rollback recorded)" : "");
		*result = PROFILE_OP_OK;
	}
out:
	euicc_profile_release(&p);
	euicc_profile_release(&cur);
	return rc;
}

int profile_op_disable(struct euicc *e, const struct profile_ref *ref,
		       enum profile_op_result *result)
{
	struct euicc_profile p;
	bool found;
	int rc = op_begin(e, ref, &p, &found, result);

	if (rc < 0 || !found)
		return rc;
	if (p.state != EUICC_PROFILE_ENABLED) {
		*result = PROFILE_OP_WRONG_STATE;
	} else if (p.ppr & PPR1_DISABLE_NOT_ALLOWED) {
		LOGPE(e, LOGL_NOTICE, "disable %s: PPR1", p.iccid_text);
		*result = PROFILE_OP_DISALLOWED_BY_POLICY;
	} else {
		rc = set_state_notify(e, &p, EUICC_PROFILE_DISABLED);
		if (rc == SGP_OK) {
			LOGPE(e, LOGL_INFO, "profile %s disabled", p.iccid_text);
			*result = PROFILE_OP_OK;
		}
	}
	euicc_profile_release(&p);
	return rc;
}

int profile_op_delete(struct euicc *e, const struct profile_ref *ref,
		      enum profile_op_result *result)
{
	struct euicc_profile p;
	struct euicc_card c;
	bool found;
	int rc = op_begin(e, ref, &p, &found, result);

	if (rc < 0 || !found)
		return rc;
	rc = euicc_card_get(e, &c);
	if (rc < 0)
		goto out;
	if (p.state != EUICC_PROFILE_DISABLED) {
		*result = PROFILE_OP_WRONG_STATE;
	} else if ((p.ppr & PPR2_DELETE_NOT_ALLOWED) || p.fallback) {
		LOGPE(e, LOGL_NOTICE, "delete %s: %s", p.iccid_text,
		      p.fallback ? "it has the Fallback Attribute" : "PPR2");
		*result = PROFILE_OP_DISALLOWED_BY_POLICY;
	} else if (c.has_fallback && !memcmp(c.fallback_iccid, p.iccid, sizeof(p.iccid))) {
		*result = PROFILE_OP_RETURN_FALLBACK;
	} else if (c.has_rollback && !memcmp(c.rollback_iccid, p.iccid, sizeof(p.iccid))) {
		*result = PROFILE_OP_ROLLBACK_NOT_AVAILABLE;
	} else {
		/* the notification is built from the metadata before it goes */
		rc = euicc_notify_profile_event(e, &p, NOTIF_EVENT_DELETE);
		if (rc == SGP_OK)
			rc = euicc_profile_delete(e, p.iccid);
		if (rc == SGP_OK) {
			LOGPE(e, LOGL_INFO, "profile %s deleted", p.iccid_text);
			*result = PROFILE_OP_OK;
		}
	}
out:
	euicc_profile_release(&p);
	return rc;
}

/* eUICC Memory Reset (SGP.22 3.3.3 / 5.7.19): operational and / or Test
 * Profiles go whatever their state and PPRs (the reset is the End User's
 * last resort), each with its delete notification; Provisioning Profiles
 * stay (only SGP.32's BF64 form can delete them).  All our Test Profiles
 * count as field-loaded: the model installs none at manufacture. */
static bool reset_selects(unsigned options, const struct euicc_profile *p)
{
	if (p->profile_class == EUICC_CLASS_OPERATIONAL)
		return options & MEMORY_RESET_OPERATIONAL;
	if (p->profile_class == EUICC_CLASS_TEST)
		return options & MEMORY_RESET_FIELD_TEST;
	return false;
}

int profile_op_memory_reset(struct euicc *e, unsigned options, bool *done)
{
	struct euicc_profile *ps = NULL;
	struct euicc_card c;
	size_t n = 0;
	bool drop_fallback = false, drop_rollback = false;
	int rc = euicc_card_get(e, &c);

	*done = false;
	if (rc == SGP_OK)
		rc = euicc_profile_list(e, &ps, &n);
	for (size_t i = 0; rc == SGP_OK && i < n; i++) {
		if (!reset_selects(options, &ps[i]))
			continue;
		rc = euicc_notify_profile_event(e, &ps[i], NOTIF_EVENT_DELETE);
		if (rc == SGP_OK)
			rc = euicc_profile_delete(e, ps[i].iccid);
		if (rc < 0)
			break;
		LOGPE(e, LOGL_INFO, "memory reset: profile %s deleted", ps[i].iccid_text);
		drop_fallback |= c.has_fallback && !memcmp(c.fallback_iccid, ps[i].iccid, 10);
		drop_rollback |= c.has_rollback && !memcmp(c.rollback_iccid, ps[i].iccid, 10);
		*done = true;
	}
	for (size_t i = 0; i < n; i++)
		euicc_profile_release(&ps[i]);
	free(ps);
	if (rc < 0 || (!drop_fallback && !drop_rollback && !(options & MEMORY_RESET_DEFAULT_SMDP)))
		return rc;
	/* read again: the notifications advanced the seqNumber */
	rc = euicc_card_get(e, &c);
	if (rc < 0)
		return rc;
	if (drop_fallback)
		c.has_fallback = false;
	if (drop_rollback)
		c.has_rollback = false;
	if (options & MEMORY_RESET_DEFAULT_SMDP) {
		/* no address is kept from manufacture: the reset leaves none */
		c.default_smdp[0] = '\0';
		*done = true;
	}
	return euicc_card_put(e, &c);
}
