/* sgp32lab: the lab's PKI as other step areas use it */
#ifndef SGP_LAB_LAB_PKI_H
#define SGP_LAB_LAB_PKI_H

#include <stddef.h>

struct lab;
struct sgp_pki;

/* The lab's PKI, generated on first use; *dir (may be NULL) receives the
 * folder holding its PEM files.  NULL with a message in err on failure. */
struct sgp_pki *lab_pki_get(struct lab *lab, const char **dir, char *err, size_t errlen);

#endif
