/* sgp32lab: the lab's PKI as other step areas use it */
#ifndef SGP_LAB_LAB_PKI_H
#define SGP_LAB_LAB_PKI_H

#include <stddef.h>

struct lab;
struct sgp_pki;

/* The lab's PKI, generated on first use; *dir (may be NULL) receives the
 * folder holding its PEM files.  NULL with a message in err on failure. */
struct sgp_pki *lab_pki_get(struct lab *lab, const char **dir, char *err, size_t errlen);

/* The EID of device N (1-based) in a generated lab PKI: the lab EUM's
 * prefix 89001012, N, the check digits — device 1 is
 * 89001012000000000000000000000150. */
void lab_device_eid(unsigned device, char eid[33]);

#endif
