/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TAP runner of the restrack selftests (ksft.c), in the shape of
 * kselftest: a table of tests, -l to list them, -t TEST to run one.
 */
#ifndef RESTRACK_KSFT_H
#define RESTRACK_KSFT_H

/*
 * The attribute macros of the kernel's compiler_attributes.h, which
 * kselftest.h and tools/include define for the other selftests.
 */
#define __ksft_attribute(...)	__attribute__((__VA_ARGS__))
#ifndef __printf
#define __printf(a, b)		__ksft_attribute(format(printf, a, b))
#endif
#ifndef __noreturn
#define __noreturn		__ksft_attribute(noreturn)
#endif
#ifndef __aligned
#define __aligned(x)		__ksft_attribute(aligned(x))
#endif

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

/* An entry of a test table: the function and its name */
#define TEST(fn)	{ #fn, fn }

struct cg_test {
	const char *name;
	int (*fn)(const char *root);
};

/* TAP output */
__printf(1, 2) void diag(const char *fmt, ...);
__printf(1, 2) int ksft_skip(const char *fmt, ...);
int ksft_run(const char *rootname, const struct cg_test *tests, int ntests,
	     const char *only, int timeout_s);
void ksft_list(const struct cg_test *tests, int ntests);
/*
 * What the processes of a randomized test (the stress test, the fuzzer)
 * found broken, recorded where the one that checks reads it: in memory
 * they share (MAP_SHARED).  violation_add() takes no lock and does not
 * allocate; violations_report() prints the first VIOLATIONS_MAX of them,
 * each after @prefix, then how many more (and @more, what they are: NULL
 * for nothing), clears them and returns how many there were.
 */
#define VIOLATIONS_MAX	24

struct violations {
	int n;
	char msg[VIOLATIONS_MAX][256];
};

__printf(2, 3) void violation_add(struct violations *v, const char *fmt, ...);
int violations_report(struct violations *v, const char *prefix,
		      const char *more);

/* main() of a test program: -l lists the tests, -t TEST runs one. */
int ksft_main(int argc, char **argv, const char *rootname,
	      const struct cg_test *tests, int ntests, int timeout);

#define EXPECT(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			diag("%s:%d: expected %s: " fmt, __func__,	\
			     __LINE__, #cond, ##__VA_ARGS__);		\
			goto out;					\
		}							\
	} while (0)

/* For the setup steps of a test: a failure is reported with its errno. */
#define SETUP(cond)							\
	do {								\
		if (cond) {						\
			diag("%s:%d: setup failed: %s", __func__,	\
			     __LINE__, strerror(errno));		\
			goto out;					\
		}							\
	} while (0)

#endif /* RESTRACK_KSFT_H */
