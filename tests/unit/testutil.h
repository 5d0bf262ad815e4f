/* sgp32lab: helpers shared by the Check unit tests */
#ifndef SGP_TESTUTIL_H
#define SGP_TESTUTIL_H

#include <check.h>
#include <stdlib.h>
#include <unistd.h>

/* Folder of the GSMA reference material, or NULL when it is absent (tests
 * that need it then skip). */
static inline const char *test_reference_dir(void)
{
	const char *d = getenv("SGP_REFERENCE_DIR");
	return d && *d && access(d, R_OK | X_OK) == 0 ? d : NULL;
}

/* Run a suite; the exit status follows Check's failure count. */
static inline int test_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
