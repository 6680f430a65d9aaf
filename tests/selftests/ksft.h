/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the restrack tests share beside kselftest_harness.h (ksft.c): TAP
 * diagnostics, the program's cgroup, the record of violations of the
 * randomized tests, and the attribute macros of the kernel.
 */
#ifndef RESTRACK_KSFT_H
#define RESTRACK_KSFT_H

/*
 * The attribute macros of the kernel's compiler_attributes.h, which
 * kselftest.h and tools/include define for the other selftests.
 */
#define __ksft_attribute(...)	__attribute__((__VA_ARGS__))
/* kselftest.h, which the test programs include first, has its own */
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

/* A TAP diagnostic: "# " before each line, flushed */
__printf(1, 2) void diag(const char *fmt, ...);
/*
 * Makes @rootname, a cgroup with restrack enabled in its subtree, at the
 * top of the cgroup2 mount, removing a stale one first; its path in @root
 * (PATH_MAX).  0, or -1 after a diagnostic.
 */
int rt_setup_root(const char *rootname, char *root);
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

#endif /* RESTRACK_KSFT_H */
