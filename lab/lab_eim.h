/* sgp32lab: the lab's eIM (lab/steps_eim.c) as the other step files see it
 * (lab/steps_eim_ops.c, lab/steps_ipa.c) */
#ifndef SGP_LAB_LAB_EIM_H
#define SGP_LAB_LAB_EIM_H

#include <stddef.h>
#include <stdint.h>

struct lab;
struct eim_server;

#define LAB_EIM_ID "eim-lab-1"

/* The lab's eIM, started on first use; NULL with err set (also when the
 * scenario declared an external eIM: `lab eim=URL`). */
struct eim_server *lab_eim_server(struct lab *lab, char *err, size_t errlen);
/* The ESipa URL the IPAs poll: the external eIM's (`lab eim=URL`), else
 * the lab's eIM's (started on first use): 0, or -1 with err (no eIM in
 * this lab, it cannot start). */
int lab_eim_url(struct lab *lab, char *url, size_t size, char *err, size_t errlen);
/* The port of the eIM's operator API (started on first use, with the eIM):
 * 0, or -1 with err. */
int lab_eim_api_port(struct lab *lab, uint16_t *port, char *err, size_t errlen);
/* The push address of device N's IPA at the lab eIM (url NULL: it polls
 * only); the eIM's push (eim/esipa_push.h) starts on first use, trusting
 * the lab CI.  0, or -1 with err. */
int lab_eim_set_push_url(struct lab *lab, unsigned dev, const char *url, char *err,
			 size_t errlen);

/* An EuiccPackageResult in a few words with its ASN.1 names ("enableResult
 * 0", "euiccPackageErrorSigned 4": asn1c 0.9.28 writes named numbers as
 * numbers), for step messages
 * (lab/euicc_result_text.c). */
void lab_euicc_result_text(const uint8_t *der, size_t len, char *out, size_t size);

#endif
