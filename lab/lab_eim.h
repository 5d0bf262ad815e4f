/* sgp32lab: the lab's eIM (lab/steps_eim.c) as the other step files see it
 * (lab/steps_eim_ops.c, lab/steps_ipa.c) */
#ifndef SGP_LAB_LAB_EIM_H
#define SGP_LAB_LAB_EIM_H

#include <stddef.h>

struct lab;
struct eim_server;

#define LAB_EIM_ID "eim-lab-1"

/* The lab's eIM, started on first use; NULL with err set. */
struct eim_server *lab_eim_server(struct lab *lab, char *err, size_t errlen);
/* The ESipa URL of the lab's eIM (started on first use): 0, or -1 with
 * err (no eIM in this lab, it cannot start). */
int lab_eim_url(struct lab *lab, char *url, size_t size, char *err, size_t errlen);
/* The files of the eIM's TLS certificate and key (the lab PKI's EIMTLS). */
const char *lab_eim_tls_cert(struct lab *lab);
const char *lab_eim_tls_key(struct lab *lab);
/* The push address of device N's IPA at the lab eIM (url NULL: it polls
 * only); the eIM's push (eim/esipa_push.h) starts on first use, trusting
 * the lab CI.  0, or -1 with err. */
int lab_eim_set_push_url(struct lab *lab, unsigned dev, const char *url, char *err,
			 size_t errlen);

#endif
