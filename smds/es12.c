/* sgp32lab: the SM-DS's ES12 server — the SM-DP+ registers and deletes
 * Event Records (SGP.22 v2.5 sections 5.9.1 ES12.RegisterEvent, 5.9.2
 * ES12.DeleteEvent; JSON binding 6.5) */
#include "smds/smds_int.h"
#include "core/ac.h"
#include "core/err.h"
#include "core/http/http.h"
#include "core/log.h"
#include "core/pki/pki.h"

#include <stdio.h>
#include <string.h>

/* EventID: the SM-DP+ chooses it (it is the Matching ID the LPA then
 * presents to the SM-DP+); the lab takes 1..255 printable ASCII characters. */
static bool event_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (!n || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7E)
			return false;
	return true;
}

/* The fields both functions carry: eid (8.1.1) and eventId (8.9.5). */
static int get_ids(json_t *req, const char **eid, const char **event_id,
		   struct smds_status *st)
{
	json_t *hdr = json_object_get(req, "header");
	int rc;

	/* 6.5.1.1: the request header (functionRequesterIdentifier,
	 * functionCallIdentifier) is not needed by the lab; if sent it must
	 * be an object */
	if (hdr && !json_is_object(hdr))
		return smds_fail(st, "1.2", "2.1", "header is not an object");
	rc = smds_get_string(req, "eid", SGP_EID_LEN, "8.1.1", eid, st);
	if (!rc && sgp_eid_check(*eid))
		rc = smds_fail(st, "8.1.1", "2.1", "eid is not a valid EID");
	if (!rc)
		rc = smds_get_string(req, "eventId", 255, "8.9.5", event_id, st);
	if (!rc && !event_id_valid(*event_id))
		rc = smds_fail(st, "8.9.5", "2.1", "eventId invalid");
	return rc;
}

void smds_es12_register_event(struct http_request *req, void *arg)
{
	struct smds *s = arg;
	struct smds_status st;
	struct smds_event ev;
	const char *eid, *event_id, *addr;
	json_t *root = smds_request_json(req, "registerEvent"), *fwd;
	int rc;

	if (!root)
		return;
	rc = get_ids(root, &eid, &event_id, &st);
	if (!rc)
		rc = smds_get_string(root, "rspServerAddress", SGP_AC_ADDRESS_MAX, "8.8.1", &addr,
				     &st);
	if (!rc && !sgp_ac_address_valid(addr, strlen(addr)))
		rc = smds_fail(&st, "8.8.1", "2.1", "rspServerAddress is not an FQDN");
	fwd = json_object_get(root, "forwardingIndicator");
	if (!rc && fwd && !json_is_boolean(fwd))
		rc = smds_fail(&st, "8.9.5", "2.1", "forwardingIndicator is not a boolean");
	if (!rc) {
		memset(&ev, 0, sizeof(ev));
		snprintf(ev.eid, sizeof(ev.eid), "%s", eid);
		snprintf(ev.event_id, sizeof(ev.event_id), "%s", event_id);
		snprintf(ev.rsp_server_address, sizeof(ev.rsp_server_address), "%s", addr);
		/* this SM-DS is the Root SM-DS: there is no further SM-DS to
		 * forward to; the indicator is kept with the record */
		ev.forwarding_indicator = fwd && json_is_true(fwd);
		rc = smds_event_register(s, &ev, &st);
	}
	json_decref(root);
	if (rc == SGP_OK || rc == SGP_ERR_PEER) {
		smds_reply(req, NULL, rc ? &st : NULL);
		return;
	}
	LOGP(DSMDS, LOGL_ERROR, "registerEvent: %s", sgp_strerror(rc));
	http_request_reply(req, 500, NULL, NULL, NULL, 0);
}

void smds_es12_delete_event(struct http_request *req, void *arg)
{
	struct smds *s = arg;
	struct smds_status st;
	const char *eid, *event_id;
	json_t *root = smds_request_json(req, "deleteEvent");
	int rc;

	if (!root)
		return;
	rc = get_ids(root, &eid, &event_id, &st);
	if (!rc)
		rc = smds_event_delete(s, eid, event_id, &st);
	json_decref(root);
	if (rc == SGP_OK || rc == SGP_ERR_PEER) {
		smds_reply(req, NULL, rc ? &st : NULL);
		return;
	}
	LOGP(DSMDS, LOGL_ERROR, "deleteEvent: %s", sgp_strerror(rc));
	http_request_reply(req, 500, NULL, NULL, NULL, 0);
}
