// SPDX-License-Identifier: GPL-2.0
/*
 * The restrack patch must not change the kernel's own accounting: these
 * tests need no cgroup and run on the kernel built with
 * CONFIG_CGROUP_RESTRACK=n as well (the initramfs installs them with the
 * upstream selftests, which both kernels run).
 *
 * The commit charge of a private writable mapping (the "ac" flag of its
 * VmFlags in /proc/PID/smaps, Committed_AS in /proc/meminfo) must survive
 * mprotect() calls that keep it writable, whether or not its pages were
 * touched: RW -> RWX, RW -> RW, and a split of the mapping by such a call.
 *
 * On a kernel with restrack they run again in a cgroup with a heap limit,
 * where restrack charges the mappings.
 *
 * Usage: test_overcommit, with kselftest_harness.h's options (TAP on
 * stdout)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <sys/mman.h>

#define RT_TIMEOUT	60
#include "restrack_harness.h"

#define MAP_MIB		64
/* Committed_AS moves with everything else the guest does: a margin. */
#define SLACK_KB	(MAP_MIB * 1024 / 4)

/*
 * 1 if the VmFlags of the mapping that starts at @addr have "ac", 0 if
 * not, -1 if there is no such mapping.
 */
static int has_ac(void *addr)
{
	static char buf[1 << 20];
	char head[32], *p, *flags, *eol;

	if (read_text("/proc/self/smaps", buf, sizeof(buf)) < 0)
		return -1;
	snprintf(head, sizeof(head), "\n%lx-", (unsigned long)addr);
	p = strstr(buf, head);
	if (!p)
		return -1;
	flags = strstr(p, "VmFlags:");
	if (!flags)
		return -1;
	eol = strchr(flags, '\n');
	if (eol)
		*eol = '\0';
	return !!strstr(flags, " ac");
}

struct mprotect_case {
	const char *name;
	int prot;		/* the new protection, still writable */
	bool upper_half;	/* change the upper half only (a split) */
	bool touch;		/* fault the pages in first */
};

static int mprotect_keeps_commit(struct __test_metadata *_metadata,
				 const struct mprotect_case *mc)
{
	long size = MAP_MIB << 20, before, after;
	long off = mc->upper_half ? size / 2 : 0;
	int ac;
	char *m;

	m = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	SETUP(m == MAP_FAILED);
	if (mc->touch)
		memset(m, 1, size);
	ac = has_ac(m);
	CHECK(ac == 1, "%s: a new private writable mapping is accounted: %d",
	      mc->name, ac);
	before = committed_kb();
	SETUP(before < 0);

	SETUP(mprotect(m + off, size - off, mc->prot));
	after = committed_kb();
	ac = has_ac(m + off);
	CHECK(ac == 1, "%s: still accounted after mprotect: %d", mc->name,
	      ac);
	CHECK(after > before - SLACK_KB,
	      "%s: Committed_AS %ld kB -> %ld kB: the commit charge dropped",
	      mc->name, before, after);
	munmap(m, size);
	return KSFT_PASS;
}

static const struct mprotect_case cases[] = {
	{ "RW->RWX untouched", PROT_READ | PROT_WRITE | PROT_EXEC, 0, false },
	{ "RW->RWX touched", PROT_READ | PROT_WRITE | PROT_EXEC, 0, true },
	{ "RW->RW untouched", PROT_READ | PROT_WRITE, 0, false },
	{ "RW->RWX of the upper half", PROT_READ | PROT_WRITE | PROT_EXEC,
	  true, false },
};

RT_TEST(mprotect_keeps_commit)
{
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(cases); i++)
		if (mprotect_keeps_commit(_metadata, &cases[i]) != KSFT_PASS)
			return KSFT_FAIL;
	return KSFT_PASS;
}

/*
 * The same in a cgroup with a heap limit, where restrack charges the
 * mappings and holds the charge across mprotect() (restrack_heap_keep()):
 * in the root cgroup it charges nothing, so that path never ran there.
 * Usage must equal VmData after each case.  Skipped on a kernel without
 * restrack (CONFIG_CGROUP_RESTRACK=n, where it runs with the upstream
 * tests).
 */
RT_TEST(mprotect_keeps_commit_limited)
{
	char cg[PATH_MAX], self[16];
	int i;

	if (!cg_read_has_word(cg_mount(), "cgroup.controllers", "restrack"))
		SKIP(return KSFT_SKIP, "no restrack in this kernel");
	snprintf(self, sizeof(self), "%d", getpid());
	SETUP(cg_enable(cg_mount(), "restrack"));
	SETUP(cg_make(cg, cg_mount(), "rt-overcommit"));
	SETUP(cg_enter(cg, getpid()));
	SETUP(set_headroom(cg, true, 4 * (MAP_MIB << 20)));
	for (i = 0; i < (int)ARRAY_SIZE(cases); i++) {
		CHECK(mprotect_keeps_commit(_metadata, &cases[i]) == KSFT_PASS,
		      "%s, limited", cases[i].name);
		CHECK(!rt_check(cg, cases[i].name), "exact");
	}
	CHECK(cg_read_key_long(cg, "restrack.events.local", "heap.max") == 0,
	      "nothing refused");
	cg_write(cg_mount(), "cgroup.procs", self);
	cg_destroy(cg);
	return KSFT_PASS;
}

int main(int argc, char **argv)
{
	return rt_harness_main(argc, argv, NULL);
}
