/* sgp32lab: the lab eIM as other step files need it (lab/steps_eim.c) */
#ifndef SGP_LAB_LAB_EIM_H
#define SGP_LAB_LAB_EIM_H

#include <stddef.h>

struct lab;

/* The lab eIM's ESipa URL (https://127.0.0.1:PORT/gsma/rsp2/asn1), the eIM
 * started on first use; -1 with a message in err. */
int lab_eim_url(struct lab *lab, char *url, size_t len, char *err, size_t errlen);

#endif
