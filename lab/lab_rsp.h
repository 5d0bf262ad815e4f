/* sgp32lab: the lab's profile download roles — shared by steps_smdp.c
 * (the SM-DP+ and SM-DS servers) and steps_ipa.c (each device's IPA) */
#ifndef SGP_LAB_LAB_RSP_H
#define SGP_LAB_LAB_RSP_H

#include "core/http/http.h"

#include <stdbool.h>
#include <stddef.h>

struct lab;
struct scn_step;
struct step_ctx;
struct card_vpcd;
struct ipa_apdu_transport;
struct ipa_es10;
struct ipa_download;
struct ipa_discovery;
struct ipa_notify;
struct smdp_server;
struct smds;
struct event;

#define LAB_MAX_DEVICES 10000

struct lab_ipa_dev {
	struct lab *lab;
	unsigned device;
	struct card_vpcd *cv;		/* the card, listening */
	struct ipa_apdu_transport *t;	/* the IPA's reader, connected to it */
	struct ipa_es10 *es10;
	struct ipa_download *dl;
	struct ipa_discovery *ds;	/* the last discovery, freed at the next one */
	struct ipa_notify *nt;		/* a notification delivery run */
	char event_mid[129], event_addr[256];
	struct event *wait_link;	/* until the reader is connected */
	unsigned waited;
	void (*linked)(void *arg, bool up);	/* lab_ipa_dev_when_linked() */
	void *linked_arg;
	bool link_waiting;
	struct step_ctx *ctx;		/* the download step running */
	const struct scn_step *st;
	struct step_ctx *settle_ctx;	/* its verdict, given once the ES10 */
	bool settle_ok;			/* client is idle (steps_ipa.c) */
	char settle_msg[400];
};

struct lab_rsp {
	struct smdp_server *smdp;
	char smdp_address[64];		/* where the devices reach it */
	/* set before lab_smdp(): the address the SM-DP+ calls its own
	 * (serverAddress) because something stands before it (the fault proxy) */
	char smdp_front[64];
	struct smds *smds;
	char smds_address[64];
	struct http_client *http;	/* the operator's ES2+ client */
	struct http_client *ipa_http;	/* the IPAs' ES9+, ES11 and ESipa client */
	struct http_tls_cfg tls_client;
	char ca[4200], cert[4200], key[4200];
	struct lab_ipa_dev **ipa;
	size_t n_ipa;
	/* the ES2+ exchange of an `smdp order` step */
	struct step_ctx *order_ctx;
	const struct scn_step *order_st;
	int order_stage;		/* 0 downloadOrder, 1 confirmOrder */
	/* `expect smds events`: waiting for the SM-DP+'s ES12 calls */
	struct event *smds_wait;
	struct step_ctx *smds_ctx;
	const struct scn_step *smds_st;
	unsigned smds_waited_ms;
};


/* The state, the shared HTTPS client (trust: the lab CI) and the servers,
 * each made on first use; NULL with a message in err. */
struct lab_rsp *lab_rsp_state(struct lab *lab);
struct http_client *lab_http(struct lab *lab, char *err, size_t errlen);
struct smdp_server *lab_smdp(struct lab *lab, char *err, size_t errlen);
/* The SM-DP+'s address (HOST:PORT): the external one (`lab smdp=`), else
 * the lab's (started on first use). */
const char *lab_smdp_address(struct lab *lab, char *err, size_t errlen);
struct smds *lab_smds(struct lab *lab, char *err, size_t errlen);
/* Device N's IPA with its ES10 client (its card on vpcd), made on first use. */
struct lab_ipa_dev *lab_ipa_dev(struct lab *lab, unsigned device, char *err, size_t errlen);
/* The reader reaches the card asynchronously: cb(arg, true) from the event
 * loop once it has, cb(arg, false) if it has not within 2 s of real time.
 * One wait per device at a time (a new one replaces it).  0 or
 * SGP_ERR_NOMEM. */
int lab_ipa_dev_when_linked(struct lab_ipa_dev *d, void (*cb)(void *arg, bool up), void *arg);
/* A modem reset: the reader's connection to the card and the ES10 client
 * go (a power loss for the card); lab_ipa_dev_when_linked() then makes
 * new ones.  SGP_ERR_STATE mid-download. */
int lab_ipa_dev_reconnect(struct lab_ipa_dev *d);

#endif
