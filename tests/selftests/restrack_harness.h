/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The restrack test programs on kselftest_harness.h.  Each includes this
 * header once, in its one file of tests (the harness defines a global and
 * static functions; the helpers of restrack_test.h do without it):
 *
 *   RT_TEST(x) { ... }          test "restrack.x": int test_x(_metadata,
 *                               root), root being the program's cgroup
 *   RT_FIXTURE_TEST(x) { ... }  the same, its body run on @f, "a cgroup
 *                               with an agent in it" (fixture.h)
 *   RT_FIXTURE_TEST_NESTED(x)   the fixture one level down
 *
 * A test returns KSFT_PASS, or KSFT_FAIL after a diagnostic; SKIP(return
 * KSFT_SKIP, ...) skips it.  CHECK(cond, fmt, ...), SETUP(cond) and STEP()
 * (rt_track() of oracle.h) end the test as ASSERT_*() does when they fail:
 * the test process leaves at once, so what a test sets up it leaves to the
 * fixture's teardown, which kills every process the test started and
 * removes every cgroup under root.  A test may still clean up on its way
 * to KSFT_PASS.  What the teardown does not know of (a sysctl, a cgroup
 * outside root) a test puts back before it checks anything.  In a
 * process the test forked, a failed check ends that process with
 * KSFT_FAIL instead, for the test to see in its wait status; a function
 * that only ever runs in such a child declares
 * "struct __test_metadata *_metadata = NULL;" to use them.
 *
 * Each program defines RT_TIMEOUT, the seconds one of its tests may take,
 * before it includes this header.
 */
#ifndef RESTRACK_HARNESS_H
#define RESTRACK_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

/* one ordered stream: the harness's messages go where diag()'s do */
#define TH_LOG_STREAM	stdout
#include "kselftest_harness.h"

#include "restrack_test.h"

/* The process of the test running, for check_failed() */
static pid_t rt_test_pid;
/* The program's cgroup, made by rt_harness_main(); "" without one */
static char rt_root[PATH_MAX];
static bool rt_root_failed;

static inline void check_failed(struct __test_metadata *_metadata)
{
	bool check_passed = false;

	if (!_metadata || getpid() != rt_test_pid) {
		fflush(stdout);
		_exit(KSFT_FAIL);
	}
	ASSERT_TRUE(check_passed);
}

static inline __printf(6, 7)
void check_cond(struct __test_metadata *_metadata, bool ok, const char *func,
		int line, const char *cond, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag("%s:%d: expected %s: %s", func, line, cond, msg);
	check_failed(_metadata);
}

static inline void check_setup(struct __test_metadata *_metadata,
			       bool failed, const char *func, int line,
			       const char *cond)
{
	int err = errno;

	if (!failed)
		return;
	diag("%s:%d: setup failed: %s: %s", func, line, cond, strerror(err));
	check_failed(_metadata);
}

#define CHECK(cond, fmt, ...)						\
	check_cond(_metadata, !!(cond), __func__, __LINE__, #cond, fmt,	\
		   ##__VA_ARGS__)
#define SETUP(cond)							\
	check_setup(_metadata, !!(cond), __func__, __LINE__, #cond)
#define STEP(t, label, dheap, dfiles)					\
	check_cond(_metadata, !rt_track((t), (label), (dheap), (dfiles)), \
		   __func__, __LINE__, "rt_track() == 0", "step failed")

/* Every test starts in a program cgroup with nothing left in it. */
FIXTURE(restrack) {
	const char *root;
};

FIXTURE_SETUP(restrack)
{
	rt_test_pid = getpid();
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	self->root = rt_root;
	ASSERT_FALSE(rt_root_failed)
		TH_LOG("the program's cgroup could not be set up");
	ASSERT_FALSE(rt_root[0] && cg_destroy_children(rt_root))
		TH_LOG("what an earlier test left in %s", rt_root);
}

FIXTURE_TEARDOWN(restrack)
{
	kill_strays();
	if (rt_root[0] && cg_destroy_children(rt_root))
		diag("cleanup of %s failed", rt_root);
	kill_strays();
}

static inline void rt_result(struct __test_metadata *_metadata, int ret)
{
	if (ret == KSFT_SKIP)
		return;
	ASSERT_EQ(KSFT_PASS, ret);
}

#define RT_TEST(name)							\
	static int test_##name(struct __test_metadata *_metadata,	\
			       const char *root);			\
	TEST_F_TIMEOUT(restrack, name, RT_TIMEOUT)			\
	{								\
		rt_result(_metadata, test_##name(_metadata, self->root)); \
	}								\
	static int test_##name(struct __test_metadata *_metadata,	\
			       const char *root)

#define RT_FIXTURE_TEST_(name, nested)					\
	static int test_##name(struct __test_metadata *_metadata,	\
			       struct fixture *f);			\
	TEST_F_TIMEOUT(restrack, name, RT_TIMEOUT)			\
	{								\
		rt_result(_metadata, fixture_run(_metadata, self->root,	\
						 #name, nested,		\
						 test_##name));		\
	}								\
	static int test_##name(struct __test_metadata *_metadata,	\
			       struct fixture *f)
#define RT_FIXTURE_TEST(name)		RT_FIXTURE_TEST_(name, false)
#define RT_FIXTURE_TEST_NESTED(name)	RT_FIXTURE_TEST_(name, true)

/*
 * main() of a test program: the harness's, run with restrack enabled in
 * a cgroup named @rootname of its own (NULL: the tests need no cgroup, nor
 * restrack), and stdio fit for agents and aborts.
 */
static inline int rt_harness_main(int argc, char **argv, const char *rootname)
{
	int i, ret;

	/* agents put /dev/null on 0-2: no pipe of ours may sit there */
	for (i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
			open("/", O_RDONLY);
	/* a test that fails aborts: what it printed must be out by then */
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	page_size = sysconf(_SC_PAGESIZE);
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-h"))
			rootname = NULL;
	if (rootname && rt_setup_root(rootname, rt_root))
		rt_root_failed = true;
	ret = test_harness_run(argc, argv);
	if (rt_root[0] && cg_destroy(rt_root))
		diag("could not remove %s", rt_root);
	return ret;
}

#endif /* RESTRACK_HARNESS_H */
