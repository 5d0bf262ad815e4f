/* sgp32lab fuzz target: the scenario parser and the step argument checks */
#include "lab/lab.h"
#include "lab/runner.h"
#include "lab/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct scenario *s = scenario_parse("fuzz.scn", (const char *)data, size, err, sizeof(err));

	if (s)
		runner_check(s, err, sizeof(err));
	scenario_free(s);
	return 0;
}
