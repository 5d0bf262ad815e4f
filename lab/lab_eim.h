/* sgp32lab: the lab's eIM as other step files see it */
#ifndef SGP_LAB_EIM_H
#define SGP_LAB_EIM_H

#include <stddef.h>

struct lab;

/* The ESipa URL of the lab's eIM (started on first use): 0, or -1 with
 * err (no eIM in this lab, it cannot start). */
int lab_eim_url(struct lab *lab, char *url, size_t size, char *err, size_t errlen);

#endif
