/*
 * bw_test.h - the tiny test harness shared by tests/test_*.c.
 *
 * Each test file is its own program: it lists its tests in a table and
 * calls bw_test_main(), which runs them, prints one line per failure and
 * ends with "N passed, N failed". tests/run.sh sums the programs.
 */
#ifndef BW_TEST_H
#define BW_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bw_test {
	const char *name;
	void (*fn)(void);
};

static int bw_test_failed_now;

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",     \
				__FILE__, __LINE__, #cond);                \
			bw_test_failed_now = 1;                            \
		}                                                          \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                 \
	do {                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);        \
		if (a_ != b_) {                                            \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", \
				__FILE__, __LINE__, #a, a_, b_);           \
			bw_test_failed_now = 1;                            \
		}                                                          \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                 \
	do {                                                               \
		const char *a_ = (a), *b_ = (b);                           \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                   \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #a, a_ ? a_ : "(null)", \
				b_ ? b_ : "(null)");                       \
			bw_test_failed_now = 1;                            \
		}                                                          \
	} while (0)

/* Compare a view with a C string. */
#define CHECK_STR_VIEW(view, lit)                                          \
	do {                                                               \
		bw_str v_ = (view);                                        \
		const char *l_ = (lit);                                    \
		if (!v_.p || v_.n != strlen(l_) || memcmp(v_.p, l_, v_.n)) { \
			fprintf(stderr, "  %s:%d: %s == \"%.*s\", expected \"%s\"\n", \
				__FILE__, __LINE__, #view, v_.p ? (int)v_.n : 6, \
				v_.p ? v_.p : "(null)", l_);               \
			bw_test_failed_now = 1;                            \
		}                                                          \
	} while (0)

static inline int bw_test_main(const char *suite, const struct bw_test *tests,
			       int argc, char **argv)
{
	int passed = 0, failed = 0;
	for (const struct bw_test *t = tests; t->name; t++) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		bw_test_failed_now = 0;
		t->fn();
		if (bw_test_failed_now) {
			fprintf(stderr, "FAIL %s.%s\n", suite, t->name);
			failed++;
		} else {
			passed++;
		}
	}
	printf("%s: %d passed, %d failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}

#endif
