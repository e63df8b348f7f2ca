/*
 * replay.c - run a fuzz target over saved inputs without libFuzzer, so
 * any compiler (gcc in `make test`) can replay the committed corpus as a
 * regression test.
 *
 *   replay_TARGET FILE_OR_DIR...
 *
 * Calls LLVMFuzzerInitialize once, then LLVMFuzzerTestOneInput on every
 * regular file given or found (one level) in a directory, each from an
 * exact-size heap copy, after naming it on stderr ("replay: FILE"): a
 * failing input crashes the run (sanitizer report or abort) and the last
 * name printed is the culprit. Prints "replay: N inputs" on stdout and
 * exits 0 otherwise; 2 when a path cannot be read.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path, unsigned long *count)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	int bad = ferror(f) || !buf;
	fclose(f);
	if (bad) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		return -1;
	}
	/* exact size, so reading past the input is an ASan error */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, n);
	free(buf);
	fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	(*count)++;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int rc = 0;
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			rc = 2;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i], &count) < 0)
				rc = 2;
			continue;
		}
		DIR *d = opendir(argv[i]);
		if (!d) {
			perror(argv[i]);
			rc = 2;
			continue;
		}
		/* sorted, so a failing run names the same input every time */
		char **names = NULL;
		size_t nn = 0, cap = 0;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (nn == cap) {
				char **nb = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
				if (!nb)
					abort();
				names = nb;
			}
			size_t len = strlen(argv[i]) + strlen(de->d_name) + 2;
			names[nn] = malloc(len);
			if (!names[nn])
				abort();
			snprintf(names[nn++], len, "%s/%s", argv[i], de->d_name);
		}
		closedir(d);
		if (nn)
			qsort(names, nn, sizeof(*names), cmp);
		for (size_t k = 0; k < nn; k++) {
			if (stat(names[k], &st) == 0 && S_ISREG(st.st_mode) &&
			    run_file(names[k], &count) < 0)
				rc = 2;
			free(names[k]);
		}
		free(names);
	}
	printf("replay: %lu inputs\n", count);
	return rc;
}
