/* sgp32lab: SM-DP+ server internals shared by es9plus_*.c and es2plus_server.c */
#ifndef SGP_SMDP_SERVER_INT_H
#define SGP_SMDP_SERVER_INT_H

#include "smdp/smdp_server.h"
#include "smdp/orders.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/es9/json_msg.h"

struct smdp_server {
	struct event_base *base;
	struct http_server *http;
	struct http_client *client;
	struct sgp_store *store;
	struct sgp_clock *clock;
	const struct sgp_pki *pki;
	struct sgp_key *dpauth, *dppb;
	struct sgp_buf dpauth_cert, dppb_cert;
	struct sgp_buf ci_pkid;		/* SKI of the CI above DPauth (its AKI) */
	struct sgp_buf smdp_oid;	/* SAN registeredID of CERT.DPauth (DER contents) */
	char *address;
	char *operator_url;
	uint64_t session_timeout_ms;
	unsigned cc_max_attempts;
	unsigned json_flags;
	smdp_es12_fn es12;
	void *es12_arg;
	uint16_t es12_port;
	struct sgp_timer expiry;
	struct smdp_server_stats stats;
};

/* What one handler produces: a response struct of desc, or a refusal. */
struct smdp_call {
	struct smdp_server *s;
	struct smdp_status sc;		/* set with rc SGP_ERR_STATE */
	bool commit_on_refusal;		/* keep the transaction's writes anyway */
	char msgbuf[160];		/* room for a refusal message */
};

/* Reply with a JSON body (encoded from msg by desc), or with a Failed
 * status; both send Content-Type and X-Admin-Protocol. */
void smdp_reply_json(struct http_request *req, int http_status,
		     const struct json_msg_desc *desc, const void *msg);
void smdp_reply_failed(struct http_request *req, int http_status, const char *subject,
		       const char *reason, const char *message);
/* Checks shared by ES9+ and ES2+: method/headers/JSON; on failure the
 * request has been answered and false returned. */
bool smdp_request_decode(struct smdp_server *s, struct http_request *req,
			 const struct json_msg_desc *desc, void *out);

/* es9plus_functions.c */
int smdp_es9_initiate_authentication(struct smdp_call *c, const void *rq, void *rs);
int smdp_es9_authenticate_client(struct smdp_call *c, const void *rq, void *rs);
int smdp_es9_get_bound_profile_package(struct smdp_call *c, const void *rq, void *rs);
int smdp_es9_handle_notification(struct smdp_call *c, const void *rq, void *rs);
int smdp_es9_cancel_session(struct smdp_call *c, const void *rq, void *rs);
/* (re)arm the expiry timer on the earliest session deadline */
void smdp_sessions_rearm(struct smdp_server *s);

/* es2plus_server.c */
int smdp_es2_add_routes(struct smdp_server *s);
/* an order ended (installed, error, cancelled): delete its SM-DS event and
 * tell the operator (handleDownloadProgressInfo) */
void smdp_order_event(struct smdp_server *s, const struct smdp_profile *p,
		      const char *notification_point, bool success);

/* es9plus_functions.c: the sessions (see there) */
enum session_state {
	WAIT_AUTHENTICATE_CLIENT = 1,
	WAIT_GET_BPP = 2,
	WAIT_NOTIFICATION = 3,
};

struct smdp_session {
	uint8_t tid[16];
	size_t tid_len;
	int state;
	uint8_t euicc_challenge[16], server_challenge[16];
	char iccid[21], eid[33];
	struct sgp_buf euicc_cert, eum_cert, euicc_sig1, smdp_sig2;
	bool cc_required;
};
struct smdp_euicc;
int smdp_refuse(struct smdp_call *c, const char *subject, const char *reason, const char *msg);
/* the live session of tid that accepts function f (enum es9_function);
 * refusal 8.10.1/3.9 otherwise */
int smdp_session_load(struct smdp_call *c, const struct sgp_buf *tid, int f,
		      struct smdp_session *ss);
void smdp_session_free(struct smdp_session *ss);
int smdp_session_delete(struct smdp_call *c, const uint8_t *tid, size_t len);
int smdp_session_euicc(const struct smdp_session *ss, struct smdp_euicc *eu);

#endif
