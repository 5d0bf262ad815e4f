/* sgp32lab: the SM-DS's internals shared by its files.
 *
 * Status codes (SGP.22 v2.5 section 6.5.1.4 subject and reason codes; the
 * per-function lists of 5.8.1/5.8.2 (ES11) and 5.9.1/5.9.2 (ES12)):
 *   subjects: 8.1 eUICC, 8.1.1 EID, 8.1.2 EUM Certificate, 8.1.3 eUICC
 *             Certificate, 8.8.1 SM-DP+ (RSP server) Address, 8.9.1 SM-DS
 *             Address, 8.9.2 Security configuration, 8.9.3 Specification
 *             Version Number, 8.9.4 Certificate, 8.9.5 Event Record,
 *             8.10.1 TransactionId, 8.11.1 CI Public Key
 *   reasons:  2.1 Invalid (format), 2.2 Mandatory Element Missing,
 *             3.1 Not supported, 3.3 Already in use, 3.7 Unavailable,
 *             3.8 Refused, 3.9 Unknown, 6.1 Verification failed, 6.3 Expired
 * A body that is not a JSON object is answered with HTTP 400; every
 * function that ran (successfully or not) is answered with HTTP 200 and
 * its functionExecutionStatus (6.5.1). */
#ifndef SGP_SMDS_INT_H
#define SGP_SMDS_INT_H

#include "smds/smds.h"
#include "core/clock.h"

#include <jansson.h>

struct http_request;
struct http_server;

struct smds {
	struct smds_cfg cfg;
	char address[300];
	struct http_server *srv;
	struct sgp_timer sweep;		/* removes expired sessions */
};

/* A failed function: the status code and a message for the peer. */
struct smds_status {
	const char *subject;
	const char *reason;
	char message[200];
};

/* Fill st and return SGP_ERR_PEER (the error a handler passes up). */
int smds_fail(struct smds_status *st, const char *subject, const char *reason,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Answer req: HTTP 200 with header.functionExecutionStatus, Failed with
 * st when st is given, else Executed-Success with the fields of body
 * (body is consumed; may be NULL). */
void smds_reply(struct http_request *req, json_t *body, const struct smds_status *st);
/* Parse the request body as a JSON object; on failure the request is
 * answered (HTTP 400) and NULL returned. */
json_t *smds_request_json(struct http_request *req, const char *function);

/* A mandatory string field: 0, or the status (2.2 missing, 2.1 not a
 * string / over max characters) with subject. */
int smds_get_string(json_t *obj, const char *name, size_t max, const char *subject,
		    const char **out, struct smds_status *st);

/* events.c */
int smds_events_migrate(struct sgp_store *st);
int smds_event_register(struct smds *s, const struct smds_event *ev, struct smds_status *st);
int smds_event_delete(struct smds *s, const char *eid, const char *event_id,
		      struct smds_status *st);

/* sessions (es11.c) */
void smds_sessions_sweep(void *arg);

/* route handlers */
void smds_es12_register_event(struct http_request *req, void *arg);
void smds_es12_delete_event(struct http_request *req, void *arg);
void smds_es11_initiate_authentication(struct http_request *req, void *arg);
void smds_es11_authenticate_client(struct http_request *req, void *arg);

#endif
