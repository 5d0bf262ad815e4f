/* sgp32lab: test-bed helpers that need the eIM library (eim/package.c) —
 * only for the tests that link it ($(SGP_ALL_LIBS)); euicc_testbed.c stays
 * free of it for the tests that link the sim library alone */
#ifndef SGP_TEST_EIM_TESTBED_H
#define SGP_TEST_EIM_TESTBED_H

#include "euicc_testbed.h"

struct sgp_key;

/* ES10b AddInitialEim (SGP.32 5.9.18) into tb's eUICC: one eIM, eim_id,
 * eim_fqdn, counter 0, the public key of eim_key, an association token
 * requested.  Asserts addInitialEimOk with exactly one result, that result
 * an association token > 0, and returns that token. */
long testbed_add_initial_eim(struct testbed *tb, const char *eim_id, const char *eim_fqdn,
			     const struct sgp_key *eim_key);

#endif
