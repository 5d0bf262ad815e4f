/* sgp32lab: entry point */
#include "config.h"
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argc; (void)argv;
	printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
	return 0;
}
