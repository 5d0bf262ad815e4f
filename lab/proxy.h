/* sgp32lab: a fault-injecting HTTPS proxy in front of the lab's SM-DP+.
 *
 * It terminates TLS with the SM-DP+'s own TLS certificate (CERT.DP.TLS of
 * the lab PKI, which the IPA already trusts), forwards every request to
 * the real SM-DP+ with core/http's client, and hands the answer back, so
 * both legs are real sockets and appear in a trace (as "proxy").  A rule
 * armed by a scenario step changes ONE message of one ES9+ function on its
 * way (lab/proxy_fault.h), replays it, or drops the connection.
 *
 * The SM-DP+ behind it takes the proxy's address as its own serverAddress,
 * so that what the IPA calls and what the SM-DP+ signs agree (SGP.22
 * 3.1.2: the LPA checks serverSigned1's serverAddress).
 *
 * Ownership: the proxy borrows the event base; it copies the TLS file
 * names and the certificate of a swap-cert rule. */
#ifndef SGP_LAB_PROXY_H
#define SGP_LAB_PROXY_H

#include "core/es9/es9.h"
#include "core/http/http.h"
#include "lab/proxy_fault.h"

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct lab_proxy;

int lab_proxy_new(struct event_base *base, const struct http_tls_cfg *server_tls,
		  const struct http_tls_cfg *client_tls, struct lab_proxy **out);
void lab_proxy_free(struct lab_proxy *p);
/* Where it listens: 127.0.0.1 and this port. */
uint16_t lab_proxy_port(const struct lab_proxy *p);
/* The server every request goes to ("host:port", https). */
int lab_proxy_set_upstream(struct lab_proxy *p, const char *address);

/* Arm a rule: the next message of ES9+ function (request, or response when
 * response is true) gets the fault; e->member must be NULL (the edit's
 * default members, proxy_fault.c).  A message the edit does not apply to
 * passes unchanged and the rule stays armed.  One rule at a time: a new one replaces
 * the last.  replay and drop act on the exchange (response is ignored):
 * replay forwards the request twice and answers with the second answer;
 * drop forwards it, then closes every connection of the proxy (the
 * client's among them) unanswered and listens again on the same port. */
int lab_proxy_arm(struct lab_proxy *p, const char *function, bool response,
		  const struct lab_fault_edit *e);

/* ES9+ functions whose answers are counted (SGP.22 5.6.1-5.6.5) */
#define LAB_PROXY_FUNCTIONS ES9_FUNCTION_COUNT	/* indexed by enum es9_function */

struct lab_proxy_stats {
	unsigned long forwarded;	/* requests relayed to the SM-DP+ */
	unsigned applied;		/* rules applied (each once) */
	bool armed;			/* a rule waits for its message */
	char last_note[200];		/* what the last applied rule did */
	/* the last eUICC error (AuthenticateServerResponse or
	 * PrepareDownloadResponse error) seen in a request; -1: none */
	long euicc_error;
	bool euicc_error_download;
	/* the SM-DP+'s answers per ES9+ function, as they crossed the proxy
	 * (header.functionExecutionStatus.status, SGP.22 6.5.1.4) */
	struct {
		char function[32];
		unsigned executed, failed;	/* Executed-Success/-WithWarning, Failed */
	} answers[LAB_PROXY_FUNCTIONS];
};
void lab_proxy_get_stats(const struct lab_proxy *p, struct lab_proxy_stats *st);

#endif
