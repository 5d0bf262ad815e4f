/* sgp32lab: a driver for the fuzz targets without libFuzzer.
 *
 * `make check` runs every target over its seed corpus (tests/fuzz/corpus/
 * NAME) and over deterministic mutations of each seed: every truncation,
 * and a fixed number of byte flips, insertions and deletions from a seeded
 * generator.  Under the sanitizer build this is a small, repeatable fuzz
 * run; with --enable-fuzzing the same targets link against libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUTATIONS_PER_SEED 400
#define MAX_SEED (1u << 20)

static unsigned long runs;

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void run(const uint8_t *data, size_t len)
{
	/* a private copy, exactly len bytes: ASan sees any over-read */
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
	runs++;
}

static void mutate_and_run(const uint8_t *seed, size_t len, uint32_t rng)
{
	uint8_t *buf = malloc(len + 16);

	if (!buf)
		abort();
	run(seed, len);
	for (size_t cut = 0; cut < len; cut++)
		run(seed, cut);
	for (int m = 0; m < MUTATIONS_PER_SEED; m++) {
		size_t n = len, pos;

		memcpy(buf, seed, len);
		switch (next_rand(&rng) % 4) {
		case 0:	/* flip a byte */
			if (n) buf[next_rand(&rng) % n] ^= (uint8_t)(1 + next_rand(&rng) % 255);
			break;
		case 1:	/* set a byte to an edge value */
			if (n) buf[next_rand(&rng) % n] = (uint8_t[]){ 0x00, 0x7f, 0x80, 0x81, 0xff }[next_rand(&rng) % 5];
			break;
		case 2:	/* insert a byte */
			pos = n ? next_rand(&rng) % (n + 1) : 0;
			memmove(buf + pos + 1, buf + pos, n - pos);
			buf[pos] = (uint8_t)next_rand(&rng);
			n++;
			break;
		default: /* delete a byte */
			if (n) {
				pos = next_rand(&rng) % n;
				memmove(buf + pos, buf + pos + 1, n - pos - 1);
				n--;
			}
		}
		run(buf, n);
	}
	free(buf);
}

static int run_file(const char *path, uint32_t rng)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	size_t n;

	if (!f) {
		perror(path);
		return -1;
	}
	data = malloc(MAX_SEED);
	if (!data)
		abort();
	n = fread(data, 1, MAX_SEED, f);
	fclose(f);
	mutate_and_run(data, n, rng);
	free(data);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *root = getenv("SGP_FUZZ_CORPUS");
	char dir[1024];
	char *files[512];
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	/* fuzz_der -> corpus/der; explicit files may be given instead */
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			rc |= run_file(argv[i], 0x9e3779b9u + (uint32_t)i);
		printf("%s: %lu inputs, no crash\n", name, runs);
		return rc ? 1 : 0;
	}
	if (!root) {
		fprintf(stderr, "%s: set SGP_FUZZ_CORPUS or give input files\n", name);
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/%s", root, strncmp(name, "fuzz_", 5) ? name : name + 5);
	d = opendir(dir);
	if (!d) {
		perror(dir);
		return 1;
	}
	while ((de = readdir(d)) && n < sizeof(files) / sizeof(files[0])) {
		char p[2048];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (de->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
			files[n++] = strdup(p);
	}
	closedir(d);
	qsort(files, n, sizeof(files[0]), cmp);
	for (size_t i = 0; i < n; i++) {
		rc |= run_file(files[i], 0x9e3779b9u + (uint32_t)i);
		free(files[i]);
	}
	printf("%s: %zu seeds, %lu inputs, no crash\n", name, n, runs);
	return rc || n == 0 ? 1 : 0;
}
