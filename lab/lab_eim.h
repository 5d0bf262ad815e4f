/* sgp32lab: the lab's eIM (lab/steps_eim.c) for the other eIM steps
 * (lab/steps_eim_ops.c) */
#ifndef SGP_LAB_LAB_EIM_H
#define SGP_LAB_LAB_EIM_H

#include <stddef.h>

struct lab;
struct eim_server;

#define LAB_EIM_ID "eim-lab-1"

/* The lab's eIM, started on first use; NULL with err set. */
struct eim_server *lab_eim_server(struct lab *lab, char *err, size_t errlen);
/* The files of the eIM's TLS certificate and key (the lab PKI's EIMTLS). */
const char *lab_eim_tls_cert(struct lab *lab);
const char *lab_eim_tls_key(struct lab *lab);

#endif
