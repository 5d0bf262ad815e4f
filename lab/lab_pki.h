/* sgp32lab: the lab's PKI as other step areas use it */
#ifndef SGP_LAB_LAB_PKI_H
#define SGP_LAB_LAB_PKI_H

#include <stddef.h>
#include <time.h>

struct lab;
struct sgp_pki;

/* The lab's PKI, generated on first use; *dir (may be NULL) receives the
 * folder holding its PEM files.  NULL with a message in err on failure. */
struct sgp_pki *lab_pki_get(struct lab *lab, const char **dir, char *err, size_t errlen);

/* notBefore of a PKI made outside a scenario run (`pki init`, `serve`):
 * a day before the earlier of now and the scenarios' simulated start
 * (LAB_EPOCH_MS), so both a scenario that loads it (`pki load`) and real
 * time accept its certificates. */
time_t lab_pki_not_before(void);

/* The EID of device N (1-based) in a generated lab PKI: the lab EUM's
 * prefix 89001012, N, the check digits — device 1 is
 * 89001012000000000000000000000150. */
void lab_device_eid(unsigned device, char eid[33]);

#endif
