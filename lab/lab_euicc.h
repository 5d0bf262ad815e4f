/* sgp32lab: the lab's eUICCs as other step areas use them */
#ifndef SGP_LAB_LAB_EUICC_H
#define SGP_LAB_LAB_EUICC_H

#include <stddef.h>

struct lab;
struct euicc;

/* The simulated eUICC of device @device (1-based), opened on first use;
 * NULL with a message in err. */
struct euicc *lab_euicc_get(struct lab *lab, unsigned device, char *err, size_t errlen);

#endif
