/* sgp32lab: the lab's eUICCs as other step areas use them */
#ifndef SGP_LAB_LAB_EUICC_H
#define SGP_LAB_LAB_EUICC_H

#include <stdbool.h>
#include <stddef.h>

struct lab;
struct euicc;
struct card;

/* The simulated eUICC of device @device (1-based), opened on first use;
 * NULL with a message in err. */
struct euicc *lab_euicc_get(struct lab *lab, unsigned device, char *err, size_t errlen);
/* Its card (the APDU front end): what a terminal talks to. */
struct card *lab_card_get(struct lab *lab, unsigned device, char *err, size_t errlen);
/* `lab ipa=HOST:PORT`: whether device N's eUICC is linked to the external
 * IPA's reader (false too when it has no such link). */
bool lab_euicc_ipa_linked(struct lab *lab, unsigned device);

#endif
