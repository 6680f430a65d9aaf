// SPDX-License-Identifier: GPL-2.0
/*
 * Functional tests of the restrack cgroup controller.
 *
 * Every test runs agents (see agent.h) in cgroups of its own and, at each
 * quiescent point, compares restrack.heap.current with the sum of VmData and
 * restrack.files.current with the sum of /proc/PID/fd entries over the
 * member processes (rt_track()/rt_check()), exactly.  Limits, events and
 * policies are checked against the wait status of the processes and the
 * errno of the failing call.
 *
 * Usage: test_restrack, with the options of the line's kselftest_harness.h
 * (-l, -t TEST; 6.1's has none); TAP on stdout, exit 0 iff no test failed.
 * Needs root, cgroup2 and CONFIG_CGROUP_RESTRACK.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>

#define RT_TIMEOUT	120
#include "restrack_harness.h"

static long ag_mmap(struct agent *a, long pages, int prot, int flags)
{
	return ag_call(a, AG_MMAP, 0, pages * page_size, prot, flags, -1, 0);
}

static long ag_mmap_rw(struct agent *a, long pages)
{
	return ag_mmap(a, pages, RW, ANON);
}

static long ag_munmap(struct agent *a, long addr, long pages)
{
	return ag_call(a, AG_MUNMAP, addr, pages * page_size);
}

static long ag_open(struct agent *a)
{
	return ag_call(a, AG_OPEN, 0);
}

static long ag_close(struct agent *a, long fd)
{
	return ag_call(a, AG_CLOSE, fd);
}

struct rt_events {
	long heap, files, kill;
};

static int read_events(const char *cg, const char *file, struct rt_events *e)
{
	e->heap = cg_read_key_long(cg, file, "heap.max");
	e->files = cg_read_key_long(cg, file, "files.max");
	e->kill = cg_read_key_long(cg, file, "kill");
	if (e->heap < 0 || e->files < 0 || e->kill < 0) {
		diag("%s/%s: cannot parse heap.max/files.max/kill", cg, file);
		return -1;
	}
	return 0;
}

static bool events_eq(const struct rt_events *a, const struct rt_events *b)
{
	return a->heap == b->heap && a->files == b->files && a->kill == b->kill;
}

static void events_diag(const char *what, const struct rt_events *e)
{
	diag("%s: heap.max %ld files.max %ld kill %ld", what, e->heap,
	     e->files, e->kill);
}

static int expect_events(const char *cg, const char *file, long heap,
			 long files, long kill)
{
	struct rt_events e;

	if (read_events(cg, file, &e))
		return -1;
	if (e.heap == heap && e.files == files && e.kill == kill)
		return 0;
	diag("%s/%s: heap.max %ld files.max %ld kill %ld, expected %ld %ld %ld",
	     cg, file, e.heap, e.files, e.kill, heap, files, kill);
	return -1;
}

/* Number of threads of @pid, from /proc/PID/task */
static long count_tasks(pid_t pid)
{
	return proc_count(pid, "task");
}

/*
 * Waits (5 s at most) until @pid has @n threads: a joined thread is on its
 * way out, and 7.x lists it in /proc/PID/task until its last switch.
 */
static int wait_tasks(pid_t pid, long n)
{
	int i;

	for (i = 0; i < 500 && count_tasks(pid) != n; i++)
		sleep_ms(10);
	if (count_tasks(pid) == n)
		return 0;
	diag("%d has %ld threads, expected %ld", pid, count_tasks(pid), n);
	return -1;
}

/* Pages each heap grower of the table grows by (a thread stack >= 128K). */
#define GROW_PAGES	64

/* ------------------------------------------------------------------ */
/* interface */

/*
 * The controller is listed in cgroup.controllers, every non-root cgroup it
 * is enabled for has the restrack.* files with their defaults, the root
 * cgroup has none, and the read-only files refuse writes.
 */
RT_TEST(interface)
{
	static const char *const files[] = {
		"restrack.heap.current", "restrack.heap.max",
		"restrack.heap.peak", "restrack.files.current",
		"restrack.files.max", "restrack.files.peak",
		"restrack.events", "restrack.events.local", "restrack.policy",
	};
	static const char *const readonly[] = {
		"restrack.heap.current", "restrack.heap.peak",
		"restrack.files.current", "restrack.files.peak",
		"restrack.events", "restrack.events.local",
	};
	const char *mnt = cg_mount();
	char cg[PATH_MAX] = "";
	struct rt_events e, zero = { 0, 0, 0 };
	size_t i;

	CHECK(mnt, "cgroup2 is mounted");
	CHECK(cg_read_has_word(mnt, "cgroup.controllers", "restrack"),
	      "restrack listed in %s/cgroup.controllers", mnt);
	CHECK(!cg_file_exists(mnt, "restrack.heap.current") &&
	      !cg_file_exists(mnt, "restrack.policy"),
	      "the root cgroup has no restrack.* files");
	SETUP(cg_make(cg, root, "interface"));
	CHECK(cg_read_has_word(cg, "cgroup.controllers", "restrack"),
	      "restrack in %s/cgroup.controllers", cg);
	for (i = 0; i < ARRAY_SIZE(files); i++)
		CHECK(cg_file_exists(cg, files[i]), "%s/%s exists", cg,
		      files[i]);
	CHECK(!cg_read_strcmp(cg, "restrack.heap.max", "max\n"), "default");
	CHECK(!cg_read_strcmp(cg, "restrack.files.max", "max\n"), "default");
	CHECK(!cg_read_strcmp(cg, "restrack.policy", "deny\n"), "default");
	CHECK(cg_read_long(cg, "restrack.heap.current") == 0, "empty");
	CHECK(cg_read_long(cg, "restrack.files.current") == 0, "empty");
	CHECK(cg_read_long(cg, "restrack.heap.peak") == 0, "empty");
	CHECK(cg_read_long(cg, "restrack.files.peak") == 0, "empty");
	SETUP(read_events(cg, "restrack.events", &e));
	CHECK(events_eq(&e, &zero), "no events in a new cgroup");
	SETUP(read_events(cg, "restrack.events.local", &e));
	CHECK(events_eq(&e, &zero), "no local events in a new cgroup");
	for (i = 0; i < ARRAY_SIZE(readonly); i++) {
		CHECK(cg_write(cg, readonly[i], "4096") != 0,
		      "writing %s fails", readonly[i]);
	}
	CHECK(cg_read_long(cg, "restrack.heap.current") == 0, "unchanged");
	CHECK(cg_read_long(cg, "restrack.files.current") == 0, "unchanged");
	cg_destroy(cg);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* heap exactness */

/*
 * mmap charges private writable mappings only (anonymous or file backed),
 * munmap uncharges exactly what it removes, also from the middle of a
 * mapping, across holes and when MAP_FIXED replaces pages.
 */
RT_FIXTURE_TEST(heap_mmap)
{
	long ps = page_size, rw, ro, sh, mfd, msh, mpriv, none, gd, r;

	rw = ag_mmap_rw(&f->a, 16);
	CHECK(rw != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "mmap 16 pages private rw", 16 * ps, 0);
	ro = ag_mmap(&f->a, 16, PROT_READ, ANON);
	CHECK(ro != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "mmap private read-only", 0, 0);
	sh = ag_mmap(&f->a, 16, RW, MAP_SHARED | MAP_ANONYMOUS);
	CHECK(sh != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "mmap shared anonymous rw", 0, 0);
	mfd = ag_call(&f->a, AG_NEWFD, NEWFD_MEMFD, 16 * ps);
	CHECK(mfd >= 0, "memfd_create: %s", strerror(errno));
	STEP(&f->t, "memfd_create", 0, 1);
	msh = ag_call(&f->a, AG_MMAP, 0, 16 * ps, RW, MAP_SHARED, mfd, 0);
	CHECK(msh != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "mmap memfd shared rw", 0, 0);
	mpriv = ag_call(&f->a, AG_MMAP, 0, 16 * ps, RW, MAP_PRIVATE, mfd, 0);
	CHECK(mpriv != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "mmap memfd private rw", 16 * ps, 0);
	none = ag_mmap(&f->a, 16, PROT_NONE, ANON);
	CHECK(none != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "mmap PROT_NONE", 0, 0);
	gd = ag_mmap(&f->a, 4, RW, ANON | MAP_GROWSDOWN);
	CHECK(gd != -1, "mmap: %s", strerror(errno));
	/* a stack (VM_GROWSDOWN), not data */
	STEP(&f->t, "mmap MAP_GROWSDOWN", 0, 0);

	CHECK(!ag_call(&f->a, AG_MUNMAP, rw + 4 * ps, 4 * ps), "munmap: %s",
	      strerror(errno));
	STEP(&f->t, "munmap 4 pages in the middle", -4 * ps, 0);
	CHECK(!ag_munmap(&f->a, rw, 2), "munmap: %s", strerror(errno));
	STEP(&f->t, "munmap the first 2 pages", -2 * ps, 0);
	r = ag_call(&f->a, AG_MMAP, rw + 10 * ps, 2 * ps, PROT_READ,
		    ANON | MAP_FIXED, -1, 0);
	CHECK(r == rw + 10 * ps, "mmap MAP_FIXED: %s", strerror(errno));
	STEP(&f->t, "MAP_FIXED read-only over 2 rw pages", -2 * ps, 0);
	/* left: rw pages 2-3, 8-9 and 12-15 and read-only 10-11 */
	CHECK(!ag_munmap(&f->a, rw, 16), "munmap: %s", strerror(errno));
	STEP(&f->t, "munmap across holes and pieces", -8 * ps, 0);

	CHECK(!ag_munmap(&f->a, mpriv, 16), "munmap: %s", strerror(errno));
	STEP(&f->t, "munmap memfd private", -16 * ps, 0);
	CHECK(!ag_munmap(&f->a, msh, 16), "munmap: %s", strerror(errno));
	STEP(&f->t, "munmap memfd shared", 0, 0);
	CHECK(!ag_close(&f->a, mfd), "close: %s", strerror(errno));
	STEP(&f->t, "close memfd", 0, -1);
	CHECK(!ag_munmap(&f->a, sh, 16), "munmap: %s", strerror(errno));
	CHECK(!ag_munmap(&f->a, ro, 16), "munmap: %s", strerror(errno));
	CHECK(!ag_munmap(&f->a, none, 16), "munmap: %s", strerror(errno));
	STEP(&f->t, "munmap uncounted mappings", 0, 0);
	CHECK(!ag_munmap(&f->a, gd, 4), "munmap: %s", strerror(errno));
	STEP(&f->t, "munmap MAP_GROWSDOWN", 0, 0);
	CHECK(f->t.last.heap == f->t.start.heap, "back to the start: %ld vs %ld",
	      f->t.last.heap, f->t.start.heap);
	return KSFT_PASS;
}

/* brk charges what it adds to the heap and uncharges what it gives back. */
RT_FIXTURE_TEST(heap_brk)
{
	long ps = page_size, kb0;

	CHECK(ag_call(&f->a, AG_SBRK, 0) != -1, "sbrk: %s", strerror(errno));
	kb0 = f->a.v[0];
	CHECK(ag_call(&f->a, AG_SBRK, 8 * ps) != -1, "sbrk: %s",
	      strerror(errno));
	CHECK(f->a.v[0] == kb0 + 8 * ps, "break moved to %#lx", f->a.v[0]);
	STEP(&f->t, "brk +8 pages", 8 * ps, 0);
	CHECK(ag_call(&f->a, AG_SBRK, 3 * ps) != -1, "sbrk: %s",
	      strerror(errno));
	STEP(&f->t, "brk +3 pages", 3 * ps, 0);
	CHECK(ag_call(&f->a, AG_SBRK, -5 * ps) != -1, "sbrk: %s",
	      strerror(errno));
	STEP(&f->t, "brk -5 pages", -5 * ps, 0);
	CHECK(ag_call(&f->a, AG_SBRK, -6 * ps) != -1, "sbrk: %s",
	      strerror(errno));
	CHECK(f->a.v[0] == kb0, "break back at %#lx, is %#lx", kb0, f->a.v[0]);
	STEP(&f->t, "brk -6 pages", -6 * ps, 0);
	CHECK(ag_call(&f->a, AG_SBRK, 256 * ps) != -1, "sbrk: %s",
	      strerror(errno));
	STEP(&f->t, "brk +256 pages", 256 * ps, 0);
	CHECK(ag_call(&f->a, AG_SBRK, -256 * ps) != -1, "sbrk: %s",
	      strerror(errno));
	STEP(&f->t, "brk -256 pages", -256 * ps, 0);
	CHECK(f->t.last.heap == f->t.start.heap, "back to the start");
	return KSFT_PASS;
}

/* mremap: grow (moving), shrink in place, move onto a reservation, DONTUNMAP. */
RT_FIXTURE_TEST(heap_mremap)
{
	long ps = page_size, m, res, d = -1, r;

	m = ag_mmap_rw(&f->a, 8);
	CHECK(m != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "mmap 8 pages", 8 * ps, 0);
	m = ag_call(&f->a, AG_MREMAP, m, 8 * ps, 16 * ps, MREMAP_MAYMOVE, 0);
	CHECK(m != -1, "mremap grow: %s", strerror(errno));
	STEP(&f->t, "mremap 8 -> 16 pages", 8 * ps, 0);
	r = ag_call(&f->a, AG_MREMAP, m, 16 * ps, 4 * ps, 0, 0);
	CHECK(r == m, "mremap shrink: %s", strerror(errno));
	STEP(&f->t, "mremap 16 -> 4 pages", -12 * ps, 0);
	res = ag_mmap(&f->a, 16, PROT_NONE, ANON);
	CHECK(res != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "reserve 16 pages PROT_NONE", 0, 0);
	r = ag_call(&f->a, AG_MREMAP, m, 4 * ps, 4 * ps,
		    MREMAP_MAYMOVE | MREMAP_FIXED, res + 4 * ps);
	CHECK(r == res + 4 * ps, "mremap move: %s", strerror(errno));
	STEP(&f->t, "mremap move onto the reservation", 0, 0);
	m = r;
	d = ag_call(&f->a, AG_MREMAP, m, 4 * ps, 4 * ps,
		    MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	/* every supported line has it (5.7+) */
	CHECK(d != -1, "mremap DONTUNMAP: %s", strerror(errno));
	/* the old range stays mapped (and writable) */
	STEP(&f->t, "mremap MREMAP_DONTUNMAP", 4 * ps, 0);
	m = d;
	r = ag_call(&f->a, AG_MREMAP, m, 4 * ps, 64 * ps, MREMAP_MAYMOVE, 0);
	CHECK(r != -1, "mremap grow: %s", strerror(errno));
	STEP(&f->t, "mremap 4 -> 64 pages", 60 * ps, 0);
	m = r;
	CHECK(!ag_munmap(&f->a, m, 64), "munmap: %s", strerror(errno));
	STEP(&f->t, "munmap 64 pages", -64 * ps, 0);
	CHECK(!ag_munmap(&f->a, res, 16), "munmap: %s", strerror(errno));
	/* with the 4 writable pages DONTUNMAP left in it */
	STEP(&f->t, "munmap the reservation", -4 * ps, 0);
	CHECK(f->t.last.heap == f->t.start.heap, "back to the start");
	return KSFT_PASS;
}

/* mprotect: PROT_NONE reservations count once writable, and stop again. */
RT_FIXTURE_TEST(heap_mprotect)
{
	long ps = page_size, r;

	r = ag_mmap(&f->a, 16, PROT_NONE, ANON);
	CHECK(r != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "reserve 16 pages PROT_NONE", 0, 0);
	CHECK(!ag_call(&f->a, AG_MPROTECT, r, 8 * ps, RW), "mprotect: %s",
	      strerror(errno));
	STEP(&f->t, "mprotect 8 pages rw", 8 * ps, 0);
	CHECK(!ag_call(&f->a, AG_MPROTECT, r, 16 * ps, RW), "mprotect: %s",
	      strerror(errno));
	STEP(&f->t, "mprotect all 16 pages rw", 8 * ps, 0);
	CHECK(!ag_call(&f->a, AG_MPROTECT, r + 4 * ps, 4 * ps, PROT_READ),
	      "mprotect: %s", strerror(errno));
	STEP(&f->t, "mprotect 4 pages read-only", -4 * ps, 0);
	CHECK(!ag_call(&f->a, AG_MPROTECT, r + 4 * ps, 4 * ps, RW),
	      "mprotect: %s", strerror(errno));
	STEP(&f->t, "mprotect them rw again", 4 * ps, 0);
	CHECK(!ag_call(&f->a, AG_MPROTECT, r, 16 * ps, PROT_NONE),
	      "mprotect: %s", strerror(errno));
	STEP(&f->t, "mprotect all PROT_NONE", -16 * ps, 0);
	CHECK(!ag_munmap(&f->a, r, 16), "munmap: %s", strerror(errno));
	STEP(&f->t, "munmap", 0, 0);
	return KSFT_PASS;
}

#define VM_SYSCTL	"/proc/sys/vm"	/* a directory the cg_*() helpers take */

struct overcommit {
	long mode, ratio, kbytes;
};

static int overcommit_save(struct overcommit *o)
{
	o->mode = cg_read_long(VM_SYSCTL, "overcommit_memory");
	o->ratio = cg_read_long(VM_SYSCTL, "overcommit_ratio");
	o->kbytes = cg_read_long(VM_SYSCTL, "overcommit_kbytes");
	return o->mode < 0 || o->ratio < 0 || o->kbytes < 0 ? -1 : 0;
}

static void overcommit_restore(const struct overcommit *o)
{
	/* overcommit_ratio clears overcommit_kbytes, and the reverse */
	if (o->kbytes > 0)
		cg_write_numeric(VM_SYSCTL, "overcommit_kbytes", o->kbytes);
	else
		cg_write_numeric(VM_SYSCTL, "overcommit_ratio", o->ratio);
	cg_write_numeric(VM_SYSCTL, "overcommit_memory", o->mode);
}

/*
 * mprotect() and brk() charge their growth before the commit limit
 * (vm.overcommit_memory=2) is checked: when that check refuses it, the
 * call fails and its charge must be gone.  A limit a little above what is
 * committed now refuses a mapping four times the room.  Nothing is checked
 * until the sysctls are back: a failed check ends the test, and the tests
 * after it must not run under that limit.
 */
RT_FIXTURE_TEST(heap_refused_after_charge)
{
	long ps = page_size, n = (64L << 20) / ps, r, committed, brk0;
	long prot_ret = 0, prot_err = 0, brk_ret = 0, brk_err = 0;
	long brk_after = 0;
	int prot_step = 0, brk_step = 0, limit_err;
	struct overcommit saved;

	r = ag_mmap(&f->a, n, PROT_NONE, ANON);
	CHECK(r != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "reserve 64 MiB PROT_NONE", 0, 0);
	brk0 = ag_call(&f->a, AG_SBRK, 0);
	CHECK(brk0 != -1, "sbrk: %s", strerror(errno));

	committed = committed_kb();
	SETUP(overcommit_save(&saved) || committed < 0);
	limit_err = cg_write_numeric(VM_SYSCTL, "overcommit_kbytes",
				     committed + (n * ps >> 10) / 4) ||
		    cg_write(VM_SYSCTL, "overcommit_memory", "2");
	if (!limit_err) {
		prot_ret = ag_call(&f->a, AG_MPROTECT, r, n * ps, RW);
		prot_err = errno;
		prot_step = rt_track(&f->t,
				     "mprotect refused by the commit limit",
				     0, 0);
		brk_ret = ag_call(&f->a, AG_SBRK, n * ps);
		brk_err = errno;
		brk_after = f->a.v[0];
		brk_step = rt_track(&f->t, "brk refused by the commit limit",
				    0, 0);
	}
	overcommit_restore(&saved);
	SETUP(limit_err);
	CHECK(prot_ret == -1 && prot_err == ENOMEM,
	      "mprotect 64 MiB rw over the commit limit: %s",
	      strerror(prot_err));
	CHECK(!prot_step, "mprotect refused by the commit limit");
	CHECK(brk_ret == -1 && brk_err == ENOMEM && brk_after == brk0,
	      "sbrk 64 MiB over the commit limit: %s, break %#lx -> %#lx",
	      strerror(brk_err), brk0, brk_after);
	CHECK(!brk_step, "brk refused by the commit limit");

	/* The same calls within the limit: they were refused for it. */
	CHECK(!ag_call(&f->a, AG_MPROTECT, r, n * ps, RW), "mprotect: %s",
	      strerror(errno));
	STEP(&f->t, "mprotect 64 MiB rw within the limit", n * ps, 0);
	CHECK(ag_call(&f->a, AG_SBRK, n * ps) == brk0, "sbrk: %s",
	      strerror(errno));
	STEP(&f->t, "sbrk 64 MiB within the limit", n * ps, 0);
	CHECK(ag_call(&f->a, AG_SBRK, -n * ps) != -1, "sbrk: %s",
	      strerror(errno));
	CHECK(!ag_munmap(&f->a, r, n), "munmap: %s", strerror(errno));
	STEP(&f->t, "shrink brk, munmap", -2 * n * ps, 0);
	return KSFT_PASS;
}

/*
 * fork charges the child's copy of the address space (without
 * MADV_DONTFORK areas); both processes are members and counted separately.
 */
RT_FIXTURE_TEST(heap_fork)
{
	long ps = page_size, m, dn, sm, pid, sub, vd, nf, st;

	m = ag_mmap_rw(&f->a, 64);
	CHECK(m != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "mmap 64 pages", 64 * ps, 0);
	dn = ag_mmap_rw(&f->a, 32);
	CHECK(dn != -1, "mmap: %s", strerror(errno));
	CHECK(!ag_call(&f->a, AG_MADVISE, dn, 32 * ps, MADV_DONTFORK),
	      "madvise: %s", strerror(errno));
	STEP(&f->t, "mmap 32 pages MADV_DONTFORK", 32 * ps, 0);

	pid = ag_call(&f->a, AG_FORK, 0);
	CHECK(pid > 0, "fork: %s", strerror(errno));
	sub = f->a.v[0];
	CHECK(cg_nr_procs(f->cg) == 2 && cg_has_pid(f->cg, pid) &&
	      cg_has_pid(f->cg, f->a.pid), "parent and child are members");
	/* the child copies all but the MADV_DONTFORK range; +2 pipe ends */
	vd = vmdata_bytes(f->a.pid) - 32 * ps;
	STEP(&f->t, "fork", vd, 2 + fd_count(pid));

	sm = ag_call_sub(&f->a, sub, AG_MMAP, 0, 16 * ps, RW, ANON, -1, 0);
	CHECK(sm != -1, "mmap in child: %s", strerror(errno));
	STEP(&f->t, "child mmaps 16 pages", 16 * ps, 0);
	CHECK(!ag_munmap(&f->a, m, 64), "munmap: %s", strerror(errno));
	STEP(&f->t, "parent unmaps 64 pages (child keeps its copy)", -64 * ps, 0);
	CHECK(!ag_call_sub(&f->a, sub, AG_MUNMAP, sm, 16 * ps), "munmap: %s",
	      strerror(errno));
	STEP(&f->t, "child unmaps 16 pages", -16 * ps, 0);
	vd = vmdata_bytes(pid);
	nf = fd_count(pid);
	st = ag_call_sub(&f->a, sub, AG_EXIT, 0);
	CHECK(st >= 0 && WIFEXITED(st) && !WEXITSTATUS(st),
	      "child exit status %#lx", st);
	STEP(&f->t, "child exited", -vd, -nf - 2);
	CHECK(cg_nr_procs(f->cg) == 1, "one process left");

	pid = ag_call(&f->a, AG_FORK_EXIT, 0);
	CHECK(pid > 0, "fork: %s", strerror(errno));
	STEP(&f->t, "fork + exit + wait", 0, 0);
	return KSFT_PASS;
}

/*
 * exec replaces the charge of the old image with the new image's VmData and
 * drops the O_CLOEXEC descriptors, also from a multi-threaded process.
 */
RT_FIXTURE_TEST(exec)
{
	struct rt_usage before;
	long ps = page_size, m, i, big;
	int st;

	big = (8L << 20) / ps;
	m = ag_mmap_rw(&f->a, big);
	CHECK(m != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "mmap 8M", big * ps, 0);
	for (i = 0; i < 3; i++)
		CHECK(ag_call(&f->a, AG_OPEN, O_CLOEXEC) >= 0, "open: %s",
		      strerror(errno));
	for (i = 0; i < 2; i++)
		CHECK(ag_open(&f->a) >= 0, "open: %s", strerror(errno));
	STEP(&f->t, "open 3 O_CLOEXEC + 2", 0, 5);
	/* two threads, each with an O_CLOEXEC fd, plus an O_CLOEXEC pipe */
	CHECK(!ag_call(&f->a, AG_THREADS, 2, 0, 4, 1) && !f->a.v[0],
	      "threads: %s", strerror(errno));
	STEP(&f->t, "2 threads", 2 * (thread_stack_bytes() + 4 * ps), 4);
	before = f->t.last;

	CHECK(!ag_call(&f->a, AG_EXEC, 0), "exec: %s", strerror(errno));
	CHECK(f->a.v[0] == f->a.pid, "same process after exec");
	CHECK(!wait_tasks(f->a.pid, 1), "other threads gone");
	STEP(&f->t, "exec", ANY, -7);
	CHECK(f->t.last.heap < before.heap - (4L << 20),
	      "old image's heap gone: %ld before, %ld after", before.heap,
	      f->t.last.heap);
	m = ag_mmap_rw(&f->a, 16);
	CHECK(m != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "new image mmaps 16 pages", 16 * ps, 0);

	CHECK(!ag_call(&f->a, AG_THREADS, 3, 0, 0, 0), "threads: %s",
	      strerror(errno));
	/* the new image has no cached stacks */
	STEP(&f->t, "3 threads", 3 * thread_stack_bytes(), 2);
	CHECK(!ag_call(&f->a, AG_EXEC, 0), "exec: %s", strerror(errno));
	STEP(&f->t, "exec from a multi-threaded process", ANY, -2);

	st = agent_stop(&f->a);
	CHECK(st != -1 && WIFEXITED(st), "agent exit status %#x", st);
	CHECK(!rt_wait_zero(f->cg, 1000), "back to 0");
	return KSFT_PASS;
}

/*
 * Threads share one mm and one fd table: counted once.  Their stacks and
 * what each thread maps or opens are charged to the process.
 */
RT_FIXTURE_TEST(threads)
{
	long ps = page_size, m, stack;

	stack = thread_stack_bytes();
	SETUP(stack <= 0);
	CHECK(!ag_call(&f->a, AG_THREADS, 4, 0, 8, 1) && !f->a.v[0],
	      "threads: %s", strerror(errno));
	CHECK(count_tasks(f->a.pid) == 5, "5 threads, got %ld",
	      count_tasks(f->a.pid));
	CHECK(cg_nr_procs(f->cg) == 1, "one process");
	/* each thread opened one fd; the agent made a pipe */
	STEP(&f->t, "4 threads, each mapping 8 pages and opening a file",
	     4 * (stack + 8 * ps), 4 + 2);
	m = ag_mmap_rw(&f->a, 16);
	CHECK(m != -1, "mmap: %s", strerror(errno));
	STEP(&f->t, "mmap while threads run", 16 * ps, 0);
	CHECK(!ag_call(&f->a, AG_THREADS_STOP, 0), "join: %s", strerror(errno));
	CHECK(!wait_tasks(f->a.pid, 1), "threads gone");
	/* glibc keeps the stacks of joined threads for new ones */
	STEP(&f->t, "threads unmapped, closed and exited", -4 * 8 * ps, -6);
	CHECK(!ag_munmap(&f->a, m, 16), "munmap: %s", strerror(errno));
	STEP(&f->t, "munmap", -16 * ps, 0);
	CHECK(!ag_call(&f->a, AG_THREADS, 3, 256 << 10, 0, 0), "threads: %s",
	      strerror(errno));
	/* too small for the cached 8M stacks: 3 new ones */
	STEP(&f->t, "3 threads with 256K stacks", 3 * (256 << 10), 2);
	CHECK(agent_stop(&f->a) != -1, "agent exits");
	CHECK(!rt_wait_zero(f->cg, 1000), "back to 0 after exit with threads");
	return KSFT_PASS;
}

/* @g grows the heap of @f's agent by @need bytes, charged exactly. */
static int grow_exactly(struct fixture *f, const struct heap_grower *g,
			long need, long *state)
{
	if (g->grow(&f->a, GROW_PAGES, state) == -1) {
		diag("%s: %s", g->name, strerror(errno));
		return -1;
	}
	return rt_track(&f->t, g->name, g->transient ? 0 : need, g->dfiles);
}

/*
 * Every heap grower of the table is charged exactly what it adds, and an
 * exit gives it all back.
 */
RT_FIXTURE_TEST(heap_growers)
{
	long need, state;
	int i;

	for (i = 0; i < nr_heap_growers; i++) {
		const struct heap_grower *g = &heap_growers[i];

		SETUP(heap_grow_prep(g, &f->a, GROW_PAGES, &state));
		STEP(&f->t, g->name, g->prep_pages * page_size, 0);
		need = heap_grow_need(g, &f->a, GROW_PAGES);
		CHECK(!grow_exactly(f, g, need, &state), "%s", g->name);
	}
	CHECK(agent_stop(&f->a) != -1, "agent exits");
	CHECK(!rt_wait_zero(f->cg, 1000), "back to 0");
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* files exactness */

/* open, dup, dup2 (new and existing target), dup3, F_DUPFD*, close. */
RT_FIXTURE_TEST(files_dup)
{
	struct rlimit rl;
	long fd, d1, hi, r, f5, f6;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return KSFT_FAIL;
	hi = rl.rlim_cur > 1001 ? 1000 : (long)rl.rlim_cur - 1;

	fd = ag_open(&f->a);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	STEP(&f->t, "open", 0, 1);
	d1 = ag_call(&f->a, AG_DUP, fd);
	CHECK(d1 >= 0, "dup: %s", strerror(errno));
	STEP(&f->t, "dup", 0, 1);
	r = ag_call(&f->a, AG_DUP2, fd, hi);
	CHECK(r == hi, "dup2: %s", strerror(errno));
	STEP(&f->t, "dup2 to a new high fd (table grows)", 0, 1);
	r = ag_call(&f->a, AG_DUP2, d1, hi);
	CHECK(r == hi, "dup2: %s", strerror(errno));
	STEP(&f->t, "dup2 onto an open fd", 0, 0);
	r = ag_call(&f->a, AG_DUP2, fd, fd);
	CHECK(r == fd, "dup2: %s", strerror(errno));
	STEP(&f->t, "dup2 onto itself", 0, 0);
	r = ag_call(&f->a, AG_DUP3, fd, hi - 1, O_CLOEXEC);
	CHECK(r == hi - 1, "dup3: %s", strerror(errno));
	STEP(&f->t, "dup3", 0, 1);
	r = ag_call(&f->a, AG_DUP3, d1, hi - 1, 0);
	CHECK(r == hi - 1, "dup3: %s", strerror(errno));
	STEP(&f->t, "dup3 onto an open fd", 0, 0);
	f5 = ag_call(&f->a, AG_FCNTL, fd, F_DUPFD, 500);
	CHECK(f5 >= 500, "F_DUPFD: %s", strerror(errno));
	STEP(&f->t, "F_DUPFD", 0, 1);
	f6 = ag_call(&f->a, AG_FCNTL, fd, F_DUPFD_CLOEXEC, 0);
	CHECK(f6 >= 0, "F_DUPFD_CLOEXEC: %s", strerror(errno));
	STEP(&f->t, "F_DUPFD_CLOEXEC", 0, 1);

	CHECK(!ag_close(&f->a, f6) && !ag_close(&f->a, f5), "close: %s",
	      strerror(errno));
	STEP(&f->t, "close 2", 0, -2);
	CHECK(!ag_close(&f->a, hi) && !ag_close(&f->a, hi - 1), "close: %s",
	      strerror(errno));
	STEP(&f->t, "close the high fds", 0, -2);
	CHECK(ag_close(&f->a, hi) == -1 && errno == EBADF, "double close");
	STEP(&f->t, "close of a closed fd", 0, 0);
	CHECK(!ag_close(&f->a, d1) && !ag_close(&f->a, fd), "close: %s",
	      strerror(errno));
	STEP(&f->t, "close 2", 0, -2);
	CHECK(f->t.last.files == f->t.start.files, "back to the start");
	return KSFT_PASS;
}

/*
 * Every descriptor creator of the table is charged exactly, and close
 * uncharges.
 */
RT_FIXTURE_TEST(files_creators)
{
	struct fd_env env;
	long fds[48][2], n[48] = { 0 };
	int i, j;
	bool trunc;

	SETUP(nr_fd_creators > 48);
	SETUP(fd_env_setup(&f->a, &env));
	STEP(&f->t, "the descriptors the creators use", 0, FD_ENV_FDS);

	for (i = 0; i < nr_fd_creators; i++) {
		const struct fd_creator *c = &fd_creators[i];

		n[i] = fd_create(&f->a, c, &env, fds[i], &trunc);
		CHECK(n[i] == c->nfds && !trunc, "%s: %ld (%s)", c->name,
		      n[i], strerror(errno));
		STEP(&f->t, c->name, 0, c->nfds);
	}
	for (i = 0; i < nr_fd_creators; i++)
		for (j = 0; j < n[i]; j++) {
			CHECK(!ag_close(&f->a, fds[i][j]), "close %ld (%s): %s",
			      fds[i][j], fd_creators[i].name, strerror(errno));
			STEP(&f->t, "close", 0, -1);
		}
	CHECK(f->t.last.files == f->t.start.files + FD_ENV_FDS,
	      "back to the start");
	CHECK(f->t.last.heap == f->t.start.heap, "heap unchanged");
	return KSFT_PASS;
}

/*
 * Descriptors passed with SCM_RIGHTS are charged to the receiver when it
 * receives them, not to the sender and not while in flight.
 */
RT_TEST(files_scm_rights)
{
	char p[PATH_MAX] = "", cs[PATH_MAX], cr[PATH_MAX];
	struct agent s = AGENT_INIT, r = AGENT_INIT;
	struct rt_track ts, tr;
	int sv[2], i;
	long ssock, rsock, f, n, got[3];

	SETUP(cg_make(p, root, "scm") || cg_enable(p, "restrack") ||
	      cg_make(cs, p, "sender") || cg_make(cr, p, "receiver"));
	SETUP(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	/* the agents inherit the sockets under the same numbers */
	ssock = sv[0];
	rsock = sv[1];
	SETUP(agent_start_keep(&s, cs, sv[0]) || agent_start_keep(&r, cr, sv[1]));
	close(sv[0]);
	close(sv[1]);
	SETUP(rt_track_start(&ts, cs) || rt_track_start(&tr, cr));

	f = ag_open(&s);
	CHECK(f >= 0, "open: %s", strerror(errno));
	STEP(&ts, "sender opens", 0, 1);
	CHECK(!ag_call(&s, AG_SCM_SEND, ssock, f, 3), "sendmsg: %s",
	      strerror(errno));
	STEP(&ts, "sender sends 3 copies", 0, 0);
	STEP(&tr, "in flight", 0, 0);
	n = ag_call(&r, AG_SCM_RECV, rsock);
	CHECK(n == 3, "received %ld fds: %s", n, strerror(errno));
	CHECK(!(r.v[0] & MSG_CTRUNC), "no MSG_CTRUNC");
	memcpy(got, &r.v[1], sizeof(got));
	STEP(&tr, "receiver got 3 fds", 0, 3);
	STEP(&ts, "sender unchanged", 0, 0);
	for (i = 0; i < 3; i++)
		CHECK(!ag_close(&r, got[i]), "close: %s", strerror(errno));
	STEP(&tr, "receiver closes them", 0, -3);
	CHECK(!rt_check(p, "parent"), "parent exact");
	agent_stop(&s);
	agent_stop(&r);
	cg_destroy(p);
	return KSFT_PASS;
}

/* close_range closes (and uncharges) exactly the open fds in the range. */
RT_FIXTURE_TEST(files_close_range)
{
	long fd, r, i;

	fd = ag_open(&f->a);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	for (i = 0; i < 5; i++) {
		r = ag_call(&f->a, AG_FCNTL, fd, F_DUPFD, 100);
		CHECK(r == 100 + i, "F_DUPFD gave %ld: %s", r,
		      strerror(errno));
	}
	STEP(&f->t, "open + 5 fds at 100-104", 0, 6);
	r = ag_call(&f->a, AG_CLOSE_RANGE, 101, 103, 0);
	CHECK(!r, "close_range: %s", strerror(errno));
	STEP(&f->t, "close_range(101, 103)", 0, -3);
	r = ag_call(&f->a, AG_CLOSE_RANGE, 100, 104, CLOSE_RANGE_CLOEXEC);
	CHECK(!r, "close_range CLOEXEC: %s", strerror(errno));
	STEP(&f->t, "close_range CLOSE_RANGE_CLOEXEC closes nothing", 0, 0);
	r = ag_call(&f->a, AG_CLOSE_RANGE, 100, ~0U, 0);
	CHECK(!r, "close_range: %s", strerror(errno));
	STEP(&f->t, "close_range(100, ~0) with holes", 0, -2);
	for (i = 0; i < 4; i++) {
		r = ag_call(&f->a, AG_FCNTL, fd, F_DUPFD, 200);
		CHECK(r == 200 + i, "F_DUPFD gave %ld: %s", r,
		      strerror(errno));
	}
	STEP(&f->t, "4 fds at 200-203", 0, 4);
	r = ag_call(&f->a, AG_CLOSE_RANGE, 200, 203, CLOSE_RANGE_UNSHARE);
	CHECK(!r, "close_range UNSHARE: %s", strerror(errno));
	STEP(&f->t, "close_range CLOSE_RANGE_UNSHARE (table copied)", 0, -4);
	r = ag_call(&f->a, AG_UNSHARE, CLONE_FILES);
	CHECK(!r, "unshare: %s", strerror(errno));
	STEP(&f->t, "unshare(CLONE_FILES) of an unshared table", 0, 0);
	CHECK(!ag_close(&f->a, fd), "close: %s", strerror(errno));
	STEP(&f->t, "close", 0, -1);
	return KSFT_PASS;
}

/* fork charges the child's copy of the fd table; its opens are its own. */
RT_FIXTURE_TEST(files_fork)
{
	long pid, sub, f1, f2, st, nf, vd, fds[3];
	int i;

	for (i = 0; i < 3; i++) {
		fds[i] = ag_open(&f->a);
		CHECK(fds[i] >= 0, "open: %s", strerror(errno));
	}
	SETUP(rt_track_start(&f->t, f->cg));

	pid = ag_call(&f->a, AG_FORK, 0);
	CHECK(pid > 0, "fork: %s", strerror(errno));
	sub = f->a.v[0];
	/* parent: +2 pipe ends to the child; child: its copy */
	STEP(&f->t, "fork", vmdata_bytes(f->a.pid), 2 + fd_count(pid));
	f1 = ag_call_sub(&f->a, sub, AG_OPEN, 0);
	f2 = ag_call_sub(&f->a, sub, AG_DUP, f1);
	CHECK(f1 >= 0 && f2 >= 0, "open/dup in child: %s", strerror(errno));
	STEP(&f->t, "child opens 2", 0, 2);
	CHECK(!ag_call_sub(&f->a, sub, AG_CLOSE, fds[1]), "close: %s",
	      strerror(errno));
	STEP(&f->t, "child closes an inherited fd", 0, -1);
	CHECK(ag_open(&f->a) >= 0, "open: %s", strerror(errno));
	STEP(&f->t, "parent opens 1", 0, 1);
	nf = fd_count(pid);
	vd = vmdata_bytes(pid);
	st = ag_call_sub(&f->a, sub, AG_EXIT, 0);
	CHECK(st >= 0 && WIFEXITED(st), "child exit status %#lx", st);
	STEP(&f->t, "child exited", -vd, -nf - 2);
	CHECK(ag_call(&f->a, AG_FORK_EXIT, 0) > 0, "fork: %s", strerror(errno));
	STEP(&f->t, "fork + exit + wait", 0, 0);
	return KSFT_PASS;
}

/* Expected usage when @a and @sub (if > 0) share one fd table or not. */
static int check_pair(const char *cg, const char *label, pid_t a, pid_t sub,
		      bool shared)
{
	long heap = vmdata_bytes(a), files = fd_count(a);

	if (sub > 0) {
		heap += vmdata_bytes(sub);
		if (shared) {
			if (fd_count(sub) != files) {
				diag("%s: tables not shared? %ld vs %ld fds",
				     label, files, fd_count(sub));
				return -1;
			}
		} else {
			files += fd_count(sub);
		}
	}
	return rt_check_expect(cg, label, heap, files);
}

/*
 * A table shared with CLONE_FILES is counted once, until one side unshares
 * it; the exit of one sharer uncharges nothing.
 */
RT_FIXTURE_TEST(files_clone_files)
{
	long pid, sub, st, before;

	CHECK(!rt_check(f->cg, "start"), "exact");

	pid = ag_call(&f->a, AG_FORK, CLONE_FILES);
	CHECK(pid > 0, "clone(CLONE_FILES): %s", strerror(errno));
	sub = f->a.v[0];
	CHECK(!check_pair(f->cg, "clone(CLONE_FILES)", f->a.pid, pid, true),
	      "shared table counted once");
	CHECK(ag_call_sub(&f->a, sub, AG_OPEN, 0) >= 0 &&
	      ag_call_sub(&f->a, sub, AG_OPEN, 0) >= 0, "open: %s",
	      strerror(errno));
	CHECK(!check_pair(f->cg, "child opens 2", f->a.pid, pid, true), "exact");
	CHECK(ag_open(&f->a) >= 0, "open: %s", strerror(errno));
	CHECK(!check_pair(f->cg, "parent opens 1", f->a.pid, pid, true), "exact");
	CHECK(!ag_call_sub(&f->a, sub, AG_UNSHARE, CLONE_FILES), "unshare: %s",
	      strerror(errno));
	CHECK(!check_pair(f->cg, "child unshares", f->a.pid, pid, false),
	      "two tables now");
	CHECK(ag_call_sub(&f->a, sub, AG_OPEN, 0) >= 0, "open: %s",
	      strerror(errno));
	CHECK(!check_pair(f->cg, "child opens 1", f->a.pid, pid, false), "exact");
	st = ag_call_sub(&f->a, sub, AG_EXIT, 0);
	CHECK(st >= 0 && WIFEXITED(st), "child exit status %#lx", st);
	CHECK(!rt_check(f->cg, "unshared child exited"), "exact");

	pid = ag_call(&f->a, AG_FORK, CLONE_FILES);
	CHECK(pid > 0, "clone(CLONE_FILES): %s", strerror(errno));
	sub = f->a.v[0];
	CHECK(!check_pair(f->cg, "clone(CLONE_FILES) again", f->a.pid, pid, true),
	      "exact");
	before = cg_read_long(f->cg, "restrack.files.current");
	st = ag_call_sub(&f->a, sub, AG_EXIT, 0);
	CHECK(st >= 0 && WIFEXITED(st), "child exit status %#lx", st);
	/* the parent closed its 4 pipe ends to the child, nothing else */
	CHECK(!rt_check(f->cg, "sharing child exited"), "exact");
	CHECK(cg_read_long(f->cg, "restrack.files.current") == before - 4,
	      "the exit of a sharer does not uncharge the shared table");
	return KSFT_PASS;
}

/*
 * vfork() and posix_spawn() (glibc's clone(CLONE_VM | CLONE_VFORK)): the
 * child shares the mm, so no heap is charged for it even at heap.max,
 * where fork() is refused; its descriptor table is a copy, charged and
 * refused at files.max like fork()'s.  Each refusal is one event.
 */
RT_FIXTURE_TEST(vfork_spawn)
{
	long r, nf;

	/* heap at the max: fork() copies the mm, vfork() does not */
	SETUP(set_headroom(f->cg, true, 0));
	r = ag_call(&f->a, AG_FORK_EXIT, 0);
	CHECK(r == -1 && errno == ENOMEM, "fork at heap.max: %ld (%s)", r,
	      strerror(errno));
	STEP(&f->t, "fork denied", 0, 0);
	r = ag_call(&f->a, AG_VFORK_EXIT, 0);
	CHECK(r > 0 && WIFEXITED(f->a.v[0]) && !WEXITSTATUS(f->a.v[0]),
	      "vfork at heap.max: %ld (%s), status %#lx", r, strerror(errno),
	      f->a.v[0]);
	STEP(&f->t, "vfork + exit", 0, 0);
	SETUP(cg_write(f->cg, "restrack.heap.max", "max"));

	/* the table copied one descriptor over the max, then exactly */
	nf = fd_count(f->a.pid);
	SETUP(set_headroom(f->cg, false, nf - 1));
	r = ag_call(&f->a, AG_VFORK_EXIT, 0);
	CHECK(r == -1 && errno == EMFILE, "vfork, table over files.max: %ld (%s)",
	      r, strerror(errno));
	STEP(&f->t, "vfork denied", 0, 0);
	r = ag_call(&f->a, AG_SPAWN_EXIT, 0);
	CHECK(r == -1 && errno == EMFILE,
	      "posix_spawn, table over files.max: %ld (%s)", r,
	      strerror(errno));
	STEP(&f->t, "posix_spawn denied", 0, 0);
	CHECK(cg_nr_procs(f->cg) == 1, "no child left");

	SETUP(set_headroom(f->cg, false, nf));
	r = ag_call(&f->a, AG_VFORK_EXIT, 0);
	CHECK(r > 0 && WIFEXITED(f->a.v[0]) && !WEXITSTATUS(f->a.v[0]),
	      "vfork whose table fits exactly: %ld (%s), status %#lx", r,
	      strerror(errno), f->a.v[0]);
	STEP(&f->t, "vfork + exit", 0, 0);
	r = ag_call(&f->a, AG_SPAWN_EXIT, 0);
	CHECK(r > 0 && WIFEXITED(f->a.v[0]) && !WEXITSTATUS(f->a.v[0]),
	      "posix_spawn whose table fits exactly: %ld (%s), status %#lx",
	      r, strerror(errno), f->a.v[0]);
	STEP(&f->t, "posix_spawn + exit", 0, 0);

	CHECK(!expect_events(f->cg, "restrack.events.local", 1, 2, 0),
	      "one heap and two files refusals counted");
	return KSFT_PASS;
}

/*
 * The group leader exits while its threads go on: the process keeps its
 * mm and descriptor table, which /proc/PID no longer shows (the oracle
 * reads them through a live thread), and the leader hands the charges on
 * to a thread.  They stay exact, and go when the last thread exits.  (Not
 * moved: cgroup.procs lists such a process under the cgroup its leader
 * died in, wherever its threads go, so no per-process oracle follows.)
 */
struct leader_exit {
	int go;			/* read end: EOF ends the threads */
	int ready;		/* threads that have mapped and opened */
};

static void *leader_exit_thread(void *arg)
{
	struct leader_exit *le = arg;
	char *p;
	char c;

	p = mmap(NULL, MIB, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || open("/dev/null", O_RDONLY) < 0 ||
	    open("/dev/null", O_RDONLY) < 0)
		return NULL;
	memset(p, 1, MIB);
	__atomic_add_fetch(&le->ready, 1, __ATOMIC_SEQ_CST);
	while (read(le->go, &c, 1) > 0)
		;
	return NULL;
}

static int leader_exit_main(const char *cg, void *arg)
{
	struct leader_exit *le = arg;
	pthread_t t[2];
	int i;

	isolate_fds(le->go);
	for (i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, leader_exit_thread, le))
			return 1;
	/* the leader alone: the threads keep the process */
	syscall(SYS_exit, 0);
	return 1;
}

static bool leader_is_zombie(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return false;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

RT_FIXTURE_TEST(leader_exits)
{
	struct leader_exit *le;
	int go[2] = { -1, -1 }, st, i;
	pid_t pid = -1;

	le = mmap(NULL, sizeof(*le), RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(le == MAP_FAILED);
	SETUP(pipe(go));
	le->go = go[0];
	pid = cg_run_nowait(f->cg, leader_exit_main, le);
	SETUP(pid < 0);
	close(go[0]);
	go[0] = -1;
	for (i = 0; i < 500 && !(__atomic_load_n(&le->ready, __ATOMIC_SEQ_CST) == 2 &&
				 leader_is_zombie(pid)); i++)
		sleep_ms(10);
	CHECK(le->ready == 2 && leader_is_zombie(pid),
	      "threads ready %d, leader exited %d", le->ready,
	      leader_is_zombie(pid));
	CHECK(vmdata_bytes(pid) >= 2 * MIB && fd_count(pid) >= 4,
	      "the oracle reads the process through a thread: %ld bytes, %ld fds",
	      vmdata_bytes(pid), fd_count(pid));
	CHECK(!rt_check(f->cg, "the leader exited, threads live"), "exact");
	close(go[1]);
	go[1] = -1;
	CHECK(!wait_exit(pid, 5000, &st), "the threads end");
	pid = -1;
	CHECK(!rt_check(f->cg, "the last thread exited"), "exact");
	munmap(le, sizeof(*le));
	return KSFT_PASS;
}

/*
 * cgroup.freeze and cgroup.kill with charges: a frozen process keeps its
 * charges exactly, moves out of and back into the frozen cgroup with
 * them (the writer moves the charge, the frozen task never runs), and
 * cgroup.kill of a frozen cgroup leaves nothing charged.  No event.
 */
RT_FIXTURE_TEST(freeze_kill)
{
	char other[PATH_MAX] = "", num[16];
	long st;

	SETUP(cg_make(other, f->root, "freeze-other"));
	CHECK(ag_mmap(&f->a, 256, RW, ANON) != -1 && ag_open(&f->a) >= 0,
	      "charge: %s", strerror(errno));
	CHECK(!rt_check(f->cg, "charged"), "exact");

	CHECK(!cg_write(f->cg, "cgroup.freeze", "1") &&
	      !cg_wait_frozen(f->cg, 1, 5000),
	      "frozen");
	CHECK(!rt_check(f->cg, "frozen"), "exact");
	snprintf(num, sizeof(num), "%d", f->a.pid);
	CHECK(!cg_write(other, "cgroup.procs", num), "move out: %s",
	      strerror(errno));
	CHECK(!rt_check(f->cg, "moved out (from)") &&
	      !rt_check(other, "moved out (to)"), "the charges moved");
	CHECK(!cg_write(f->cg, "cgroup.procs", num), "move back: %s",
	      strerror(errno));
	CHECK(!cg_wait_frozen(f->cg, 1, 5000), "frozen again");
	CHECK(!rt_check(f->cg, "moved back into the frozen cgroup") &&
	      !rt_check(other, "left"), "the charges came back");
	CHECK(cg_read_long(other, "restrack.heap.current") == 0 &&
	      cg_read_long(other, "restrack.files.current") == 0,
	      "nothing left behind");

	CHECK(!cg_write(f->cg, "cgroup.kill", "1"), "cgroup.kill: %s",
	      strerror(errno));
	st = agent_wait(&f->a, 5000);
	CHECK(killed_by_sigkill(st), "killed by SIGKILL: %#lx", st);
	CHECK(!rt_wait_zero(f->cg, 5000), "nothing charged after the kill");
	CHECK(!expect_events(f->cg, "restrack.events.local", 0, 0, 0),
	      "no event");
	cg_destroy(other);
	return KSFT_PASS;
}

/*
 * seccomp's SECCOMP_IOCTL_NOTIF_ADDFD: a supervisor outside the cgroup
 * installs a descriptor into a process inside it, which makes the
 * descriptor in its own context: charged to the target's cgroup, and
 * refused there at files.max (the supervisor's ioctl gets EMFILE).
 */
#define ADDFD_ROUNDS	2

static int addfd_target(const char *cg, void *arg)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = ARRAY_SIZE(filter), .filter = filter,
	};
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "l", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	int sock = *(int *)arg, listener, i;
	struct cmsghdr *cm;
	char c;

	isolate_fds(sock);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return 2;
	listener = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
			   SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (listener < 0)
		return 3;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &listener, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		return 4;
	close(listener);
	/* each getppid() waits for the supervisor's answer */
	for (i = 0; i < ADDFD_ROUNDS; i++)
		syscall(__NR_getppid);
	while (read(sock, &c, 1) > 0)
		;
	return 0;
}

static int recv_one_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

RT_FIXTURE_TEST(seccomp_addfd)
{
	int sv[2] = { -1, -1 }, listener = -1, src = -1, i, st;
	struct seccomp_notif_resp resp;
	struct seccomp_notif req;
	pid_t pid = -1;
	long r;

	SETUP(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = cg_run_nowait(f->cg, addfd_target, &sv[1]);
	SETUP(pid < 0);
	close(sv[1]);
	sv[1] = -1;
	listener = recv_one_fd(sv[0]);
	CHECK(listener >= 0, "no listener from the target");
	src = open("/dev/null", O_RDONLY | O_CLOEXEC);
	SETUP(src < 0);

	for (i = 0; i < ADDFD_ROUNDS; i++) {
		struct seccomp_notif_addfd addfd = {
			.srcfd = src, .newfd_flags = O_CLOEXEC,
		};

		memset(&req, 0, sizeof(req));
		CHECK(!ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req),
		      "NOTIF_RECV: %s", strerror(errno));
		CHECK(!rt_check(f->cg, "the target waits"), "exact");
		/* round 0: room for none; round 1: room for one */
		SETUP(set_headroom(f->cg, false, i));
		addfd.id = req.id;
		errno = 0;
		r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd);
		if (i == 0)
			CHECK(r == -1 && errno == EMFILE,
			      "ADDFD at files.max: %ld (%s)", r,
			      strerror(errno));
		else
			CHECK(r >= 0, "ADDFD with room for one: %ld (%s)", r,
			      strerror(errno));
		CHECK(!rt_check(f->cg, "after ADDFD"), "exact");
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		CHECK(!ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp),
		      "NOTIF_SEND: %s", strerror(errno));
	}
	CHECK(!expect_events(f->cg, "restrack.events.local", 0, 1, 0),
	      "one files.max event");
	close(sv[0]);
	sv[0] = -1;
	CHECK(!wait_exit(pid, 5000, &st) && WIFEXITED(st) && !WEXITSTATUS(st),
	      "target status %#x", st);
	pid = -1;
	CHECK(!rt_check(f->cg, "the target exited"), "exact");
	close(listener);
	close(src);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* deny */

/*
 * Policy deny, heap: every heap grower of the table fails one page over
 * the max with its errno and changes nothing, and a growth that fits
 * exactly succeeds, charged exactly; each denial is one heap.max event.
 * brk leaves the break unchanged, and moving a mapping at the limit is no
 * growth.
 */
RT_FIXTURE_TEST(deny_heap)
{
	long ps = page_size, r, m, res, kb, need, state, denials = 0;
	int i;

	for (i = 0; i < nr_heap_growers; i++) {
		const struct heap_grower *g = &heap_growers[i];

		SETUP(heap_grow_prep(g, &f->a, GROW_PAGES, &state));
		STEP(&f->t, g->name, g->prep_pages * ps, 0);
		need = heap_grow_need(g, &f->a, GROW_PAGES);
		SETUP(set_headroom(f->cg, true, need - ps));
		r = g->grow(&f->a, GROW_PAGES, &state);
		CHECK(r == -1 && errno == g->deny_errno,
		      "%s one page over the limit: %ld (%s)", g->name, r,
		      strerror(errno));
		CHECK(cg_nr_procs(f->cg) == 1, "%s: no child", g->name);
		STEP(&f->t, g->name, 0, 0);
		denials++;
		SETUP(set_headroom(f->cg, true, need));
		CHECK(!grow_exactly(f, g, need, &state), "%s that fits exactly",
		      g->name);
		CHECK(g->transient || cg_read_long(f->cg, "restrack.heap.current") ==
		      cg_read_max(f->cg, "restrack.heap.max"), "at the limit");
		SETUP(cg_write(f->cg, "restrack.heap.max", "max"));
	}

	SETUP(set_headroom(f->cg, true, 16 * ps));
	CHECK(ag_call(&f->a, AG_SBRK, 0) != -1, "sbrk: %s", strerror(errno));
	kb = f->a.v[0];
	r = ag_call(&f->a, AG_SBRK, 17 * ps);
	CHECK(r == -1 && errno == ENOMEM, "brk over the limit: %s",
	      strerror(errno));
	CHECK(f->a.v[0] == kb, "break unchanged: %#lx, was %#lx", f->a.v[0],
	      kb);
	STEP(&f->t, "brk denied", 0, 0);
	denials++;

	m = ag_mmap_rw(&f->a, 16);
	CHECK(m != -1, "mmap that fits exactly: %s", strerror(errno));
	STEP(&f->t, "mmap exactly up to the limit", 16 * ps, 0);
	res = ag_mmap(&f->a, 16, PROT_NONE, ANON);
	CHECK(res != -1, "mmap: %s", strerror(errno));
	r = ag_call(&f->a, AG_MREMAP, m, 16 * ps, 16 * ps,
		    MREMAP_MAYMOVE | MREMAP_FIXED, res);
	CHECK(r == res, "moving a mapping at the limit (no growth) is not denied: %s",
	      strerror(errno));
	STEP(&f->t, "mremap move at the limit", 0, 0);
	CHECK(!ag_munmap(&f->a, res, 16), "munmap: %s", strerror(errno));
	STEP(&f->t, "munmap", -16 * ps, 0);

	CHECK(!expect_events(f->cg, "restrack.events.local", denials, 0, 0),
	      "%ld denials counted, nothing else", denials);
	return KSFT_PASS;
}

/*
 * Policy deny, files: every descriptor creator of the table fails with
 * EMFILE at files.max and changes nothing (SCM_RIGHTS receipt truncates
 * with MSG_CTRUNC), and so does every creator of two with room for one (no
 * half left); replacing an open fd needs no charge; fork fails when the
 * table copy does not fit.  Each denial is one files.max event.
 */
RT_FIXTURE_TEST(deny_files)
{
	struct fd_env env;
	long fds[2], o1, o2, r, nf, denials = 0;
	int room, i;
	bool trunc;

	SETUP(fd_env_setup(&f->a, &env));
	STEP(&f->t, "the descriptors the creators use", 0, FD_ENV_FDS);
	SETUP(set_headroom(f->cg, false, 2));

	o1 = ag_open(&f->a);
	o2 = ag_open(&f->a);
	CHECK(o1 >= 0 && o2 >= 0, "opens within the limit: %s",
	      strerror(errno));
	STEP(&f->t, "open 2 up to the limit", 0, 2);
	CHECK(cg_read_long(f->cg, "restrack.files.current") ==
	      cg_read_max(f->cg, "restrack.files.max"), "at the limit");

	for (room = 0; room < 2; room++) {
		for (i = 0; i < nr_fd_creators; i++) {
			const struct fd_creator *c = &fd_creators[i];

			if (room >= c->nfds)
				continue;
			r = fd_create(&f->a, c, &env, fds, &trunc);
			if (c->truncates)
				CHECK(r == 0 && trunc,
				      "%s with room for %d: %ld fds, %s",
				      c->name, room, r,
				      trunc ? "truncated" : "not truncated");
			else
				CHECK(r == -1 && errno == EMFILE,
				      "%s with room for %d: returned %ld (%s)",
				      c->name, room, r, strerror(errno));
			STEP(&f->t, c->name, 0, 0);
			denials++;
		}
		if (room)
			break;
		r = ag_call(&f->a, AG_DUP2, env.src, o1);
		CHECK(r == o1, "dup2 onto an open fd at the limit: %s",
		      strerror(errno));
		STEP(&f->t, "dup2 onto an open fd", 0, 0);
		CHECK(!ag_close(&f->a, o2), "close: %s", strerror(errno));
		STEP(&f->t, "close 1: room for one", 0, -1);
	}

	CHECK(!ag_call(&f->a, AG_SCM_SEND, env.scm[0], env.src, 3),
	      "sendmsg: %s", strerror(errno));
	r = ag_call(&f->a, AG_SCM_RECV, env.scm[1]);
	CHECK(r == 1, "received %ld of 3 fds with room for one (%s)", r,
	      strerror(errno));
	CHECK(f->a.v[0] & MSG_CTRUNC, "MSG_CTRUNC set");
	STEP(&f->t, "SCM_RIGHTS truncated", 0, 1);
	denials++;
	CHECK(!ag_close(&f->a, f->a.v[1]), "close: %s", strerror(errno));
	STEP(&f->t, "close", 0, -1);

	nf = fd_count(f->a.pid);
	SETUP(set_headroom(f->cg, false, nf - 1));
	r = ag_call(&f->a, AG_FORK_EXIT, 0);
	CHECK(r == -1 && errno == EMFILE, "fork with the table over the limit: %s",
	      strerror(errno));
	CHECK(cg_nr_procs(f->cg) == 1, "no child");
	STEP(&f->t, "fork denied", 0, 0);
	denials++;
	SETUP(set_headroom(f->cg, false, nf));
	r = ag_call(&f->a, AG_FORK_EXIT, 0);
	CHECK(r > 0, "fork whose table fits exactly: %s", strerror(errno));
	STEP(&f->t, "fork + exit", 0, 0);

	CHECK(!cg_write(f->cg, "restrack.files.max", "max"), "unlimit: %s",
	      strerror(errno));
	CHECK(ag_open(&f->a) >= 0, "open without limit: %s", strerror(errno));
	STEP(&f->t, "open after raising the limit", 0, 1);

	CHECK(!expect_events(f->cg, "restrack.events.local", 0, denials, 0),
	      "%ld denials counted, nothing else", denials);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* events */

/*
 * An event is counted once per denied operation at the cgroup whose max was
 * hit: in its events.local and in restrack.events of it and every
 * ancestor, never in a descendant.
 */
RT_FIXTURE_TEST_NESTED(events)
{
	struct rt_events r0, r1;
	long ps = page_size, r, fd;

	SETUP(read_events(f->root, "restrack.events", &r0));

	SETUP(set_headroom(f->cg, true, 4 * ps));
	r = ag_mmap_rw(&f->a, 8);
	CHECK(r == -1 && errno == ENOMEM, "mmap over the child's max: %s",
	      strerror(errno));
	CHECK(!expect_events(f->cg, "restrack.events", 1, 0, 0) &&
	      !expect_events(f->cg, "restrack.events.local", 1, 0, 0) &&
	      !expect_events(f->parent, "restrack.events", 1, 0, 0) &&
	      !expect_events(f->parent, "restrack.events.local", 0, 0, 0),
	      "one heap event at the child");

	fd = ag_open(&f->a);
	CHECK(fd >= 0, "open: %s", strerror(errno));
	SETUP(set_headroom(f->cg, false, 0));
	r = ag_open(&f->a);
	CHECK(r == -1 && errno == EMFILE, "open: %s", strerror(errno));
	r = ag_call(&f->a, AG_DUP, fd);
	CHECK(r == -1 && errno == EMFILE, "dup: %s", strerror(errno));
	CHECK(!expect_events(f->cg, "restrack.events", 1, 2, 0) &&
	      !expect_events(f->cg, "restrack.events.local", 1, 2, 0) &&
	      !expect_events(f->parent, "restrack.events", 1, 2, 0) &&
	      !expect_events(f->parent, "restrack.events.local", 0, 0, 0),
	      "two files events at the child");

	r = ag_mmap_rw(&f->a, 2);
	CHECK(r != -1, "mmap within the limit: %s", strerror(errno));
	CHECK(!cg_write(f->cg, "restrack.heap.max", "max") &&
	      !cg_write(f->cg, "restrack.files.max", "max"), "unlimit");
	SETUP(set_headroom(f->parent, true, 4 * ps));
	r = ag_mmap_rw(&f->a, 8);
	CHECK(r == -1 && errno == ENOMEM, "mmap over the parent's max: %s",
	      strerror(errno));
	CHECK(!expect_events(f->parent, "restrack.events.local", 1, 0, 0) &&
	      !expect_events(f->parent, "restrack.events", 2, 2, 0) &&
	      !expect_events(f->cg, "restrack.events", 1, 2, 0) &&
	      !expect_events(f->cg, "restrack.events.local", 1, 2, 0),
	      "the parent's event counts at the parent only");

	SETUP(read_events(f->root, "restrack.events", &r1));
	CHECK(r1.heap - r0.heap == 2 && r1.files - r0.files == 2 &&
	      r1.kill == r0.kill, "grandparent counts them too: +%ld +%ld +%ld",
	      r1.heap - r0.heap, r1.files - r0.files, r1.kill - r0.kill);
	return KSFT_PASS;
}

/* Counting an event notifies inotify (IN_MODIFY) and poll() waiters. */
RT_FIXTURE_TEST_NESTED(events_notify)
{
	char path[PATH_MAX], buf[4096];
	const char *watched[3];
	int ifd, pfd, wd[3], seen = 0, i;
	struct pollfd pl;
	long deadline, r;

	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	CHECK(ifd >= 0, "inotify_init1: %s", strerror(errno));
	watched[0] = f->cg;
	watched[1] = f->cg;
	watched[2] = f->parent;
	for (i = 0; i < 3; i++) {
		cg_path(path, watched[i], i == 1 ? "restrack.events.local" :
						    "restrack.events");
		wd[i] = inotify_add_watch(ifd, path, IN_MODIFY);
		CHECK(wd[i] >= 0, "watch %s: %s", path, strerror(errno));
	}
	cg_path(path, f->cg, "restrack.events");
	pfd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(pfd >= 0, "open %s: %s", path, strerror(errno));
	CHECK(read(pfd, buf, sizeof(buf)) > 0, "read events");
	while (read(ifd, buf, sizeof(buf)) > 0)
		;

	SETUP(set_headroom(f->cg, false, 0));
	r = ag_open(&f->a);
	CHECK(r == -1 && errno == EMFILE, "open: %s", strerror(errno));

	deadline = now_ms() + 2000;
	while (seen != 7 && now_ms() < deadline) {
		struct pollfd ip = { .fd = ifd, .events = POLLIN };
		ssize_t n;
		char *q;

		if (poll(&ip, 1, 100) <= 0)
			continue;
		n = read(ifd, buf, sizeof(buf));
		for (q = buf; n > 0 && q < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)q;

			for (i = 0; i < 3; i++)
				if (ev->wd == wd[i] && (ev->mask & IN_MODIFY))
					seen |= 1 << i;
			q += sizeof(*ev) + ev->len;
		}
	}
	CHECK(seen & 1, "IN_MODIFY on child restrack.events");
	CHECK(seen & 2, "IN_MODIFY on child restrack.events.local");
	CHECK(seen & 4, "IN_MODIFY on parent restrack.events");
	pl.fd = pfd;
	pl.events = POLLPRI;
	pl.revents = 0;
	CHECK(poll(&pl, 1, 2000) == 1 && (pl.revents & (POLLPRI | POLLERR)),
	      "poll() wakes up: revents %#x", pl.revents);
	close(ifd);
	close(pfd);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* kill */

/*
 * Policy kill: a process whose charge would exceed the max is killed with
 * SIGKILL, whichever heap grower or descriptor creator of the tables it
 * used, and counted once in "kill" and once in heap.max or files.max; the
 * other members live on.
 */
static int kill_victim(const char *cg, bool heap, int i, struct agent *v)
{
	const struct heap_grower *g = heap ? &heap_growers[i] : NULL;
	const struct fd_creator *c = heap ? NULL : &fd_creators[i];
	const char *name = heap ? g->name : c->name;
	long fds[2], state, r;
	struct fd_env env;
	bool trunc;
	int st;

	if (cg_write(cg, heap ? "restrack.heap.max" : "restrack.files.max",
		     "max") || agent_start(v, cg))
		return -1;
	if (heap) {
		if (heap_grow_prep(g, v, GROW_PAGES, &state) ||
		    set_headroom(cg, true,
				 heap_grow_need(g, v, GROW_PAGES) - page_size))
			return -1;
		r = g->grow(v, GROW_PAGES, &state);
	} else {
		if (fd_env_setup(v, &env) ||
		    set_headroom(cg, false, c->nfds - 1))
			return -1;
		r = fd_create(v, c, &env, fds, &trunc);
	}
	if (r != -1 || !v->dead) {
		diag("%s: the victim replied: %ld (%s)", name, r,
		     strerror(errno));
		return -1;
	}
	st = agent_wait(v, 2000);
	if (!killed_by_sigkill(st)) {
		diag("%s: victim not killed by SIGKILL: %#x", name, st);
		return -1;
	}
	return 0;
}

static int kill_table(struct __test_metadata *_metadata,
		      const char *root, bool heap)
{
	int n = heap ? nr_heap_growers : nr_fd_creators;
	struct agent v = AGENT_INIT, b = AGENT_INIT;
	char cg[PATH_MAX] = "";
	int st, i;

	SETUP(cg_make(cg, root, heap ? "kill_heap" : "kill_files") ||
	      cg_write(cg, "restrack.policy", "kill") || agent_start(&b, cg));
	for (i = 0; i < n; i++) {
		CHECK(!kill_victim(cg, heap, i, &v), "victim %d killed", i);
		CHECK(!rt_check(cg, "after the kill"), "exact");
	}
	CHECK(!expect_events(cg, "restrack.events", heap ? n : 0,
			     heap ? 0 : n, n),
	      "%d kills counted, one event each", n);

	SETUP(cg_write(cg, "restrack.heap.max", "max") ||
	      cg_write(cg, "restrack.files.max", "max"));
	CHECK(!ag_call(&b, AG_NOP, 0), "bystander alive");
	CHECK(!rt_check(cg, "bystander"), "exact");
	SETUP(set_headroom(cg, heap, heap ? 4 * page_size : 1));
	CHECK(heap ? ag_mmap_rw(&b, 2) != -1 : ag_open(&b) >= 0,
	      "bystander charges within the limit: %s", strerror(errno));
	CHECK(!rt_check(cg, "bystander charged"), "exact");
	st = agent_stop(&b);
	CHECK(st != -1 && WIFEXITED(st), "bystander exits normally");
	CHECK(!rt_wait_zero(cg, 1000), "back to 0");
	agent_stop(&v);
	agent_stop(&b);
	cg_destroy(cg);
	return KSFT_PASS;
}

RT_TEST(kill_heap)
{
	return kill_table(_metadata, root, true);
}

RT_TEST(kill_files)
{
	return kill_table(_metadata, root, false);
}

/*
 * Policy kill: writing a max below the current usage kills every process
 * of the cgroup's subtree (a forked grandchild too), and nothing outside.
 */
static int kill_lower(struct __test_metadata *_metadata,
		      const char *root, const char *name, bool heap)
{
	const char *maxfile = heap ? "restrack.heap.max" : "restrack.files.max";
	const char *curfile = heap ? "restrack.heap.current" :
				     "restrack.files.current";
	char p[PATH_MAX] = "", c1[PATH_MAX], c2[PATH_MAX], q[PATH_MAX] = "";
	struct agent a[4] = { AGENT_INIT, AGENT_INIT, AGENT_INIT, AGENT_INIT };
	struct rt_events e;
	long cur, newmax, sub = -1;
	int st, i;
	char qname[64];

	snprintf(qname, sizeof(qname), "%s_outside", name);
	SETUP(cg_make(p, root, name) || cg_enable(p, "restrack") ||
	      cg_write(p, "restrack.policy", "kill") ||
	      cg_make(c1, p, "c1") || cg_make(c2, p, "c2") ||
	      cg_make(q, root, qname) || cg_write(q, "restrack.policy", "kill"));
	SETUP(agent_start(&a[0], c1) || agent_start(&a[1], c1) ||
	      agent_start(&a[2], c2) || agent_start(&a[3], q));
	for (i = 0; i < 4; i++) {
		CHECK(ag_mmap_rw(&a[i], 32) != -1, "mmap: %s",
		      strerror(errno));
		CHECK(ag_open(&a[i]) >= 0 && ag_open(&a[i]) >= 0, "open: %s",
		      strerror(errno));
	}
	sub = ag_call(&a[0], AG_FORK, 0);
	CHECK(sub > 0, "fork: %s", strerror(errno));
	CHECK(!rt_check(p, "before") && !rt_check(q, "before"), "exact");

	cur = cg_read_long(p, curfile);
	newmax = heap ? cur / 2 / page_size * page_size : cur / 2;
	CHECK(!cg_write_numeric(p, maxfile, newmax),
	      "writing %s %ld below usage %ld: %s", maxfile, newmax, cur,
	      strerror(errno));
	for (i = 0; i < 3; i++) {
		st = agent_reap(&a[i], 2000);
		CHECK(killed_by_sigkill(st),
		      "member %d killed by SIGKILL: %s, status %#x", i,
		      st == -1 ? "still alive" : "exited", st);
	}
	CHECK(wait_exit(sub, 2000, &st) == 0 && killed_by_sigkill(st),
	      "forked grandchild killed by SIGKILL: %#x", st);
	CHECK(cg_nr_procs(c1) == 0 && cg_nr_procs(c2) == 0, "no members left");
	CHECK(!rt_wait_zero(p, 1000), "back to 0");
	CHECK(cg_read_long(p, maxfile) == newmax, "%s is %ld", maxfile,
	      newmax);
	SETUP(read_events(p, "restrack.events", &e));
	events_diag("events", &e);
	/* three members and the grandchild: one kill each */
	CHECK(e.kill == 4, "4 kills counted");

	CHECK(!ag_call(&a[3], AG_NOP, 0), "the process outside lives");
	CHECK(!rt_check(q, "outside"), "exact");
	CHECK(!expect_events(q, "restrack.events", 0, 0, 0), "no events");
	for (i = 0; i < 4; i++)
		agent_stop(&a[i]);
	cg_destroy(p);
	cg_destroy(q);
	return KSFT_PASS;
}

RT_TEST(kill_lower_heap_max)
{
	return kill_lower(_metadata, root, "kill_lower_heap", true);
}

RT_TEST(kill_lower_files_max)
{
	return kill_lower(_metadata, root, "kill_lower_files", false);
}

/*
 * Policy deny: writing a max below the usage kills nothing and uncharges
 * nothing; further charges fail, frees work.
 */
RT_FIXTURE_TEST(deny_lower_max)
{
	struct rt_track t;
	struct rt_events e;
	long ps = page_size, m, cur, r, fds[4];
	int i;

	m = ag_mmap_rw(&f->a, 64);
	CHECK(m != -1, "mmap: %s", strerror(errno));
	for (i = 0; i < 4; i++) {
		fds[i] = ag_open(&f->a);
		CHECK(fds[i] >= 0, "open: %s", strerror(errno));
	}
	SETUP(rt_track_start(&t, f->cg));

	cur = cg_read_long(f->cg, "restrack.heap.current");
	CHECK(!cg_write_numeric(f->cg, "restrack.heap.max", cur / 2 / ps * ps),
	      "heap.max below usage: %s", strerror(errno));
	cur = cg_read_long(f->cg, "restrack.files.current");
	CHECK(!cg_write_numeric(f->cg, "restrack.files.max", cur - 2),
	      "files.max below usage: %s", strerror(errno));
	sleep_ms(50);
	CHECK(pid_alive(f->a.pid) && !ag_call(&f->a, AG_NOP, 0), "still alive");
	STEP(&t, "limits lowered", 0, 0);
	r = ag_mmap_rw(&f->a, 1);
	CHECK(r == -1 && errno == ENOMEM, "mmap over the limit: %s",
	      strerror(errno));
	r = ag_open(&f->a);
	CHECK(r == -1 && errno == EMFILE, "open over the limit: %s",
	      strerror(errno));
	STEP(&t, "denied", 0, 0);
	CHECK(!ag_munmap(&f->a, m, 64), "munmap: %s", strerror(errno));
	CHECK(!ag_close(&f->a, fds[0]), "close: %s", strerror(errno));
	STEP(&t, "freeing over the limit works", -64 * ps, -1);
	SETUP(read_events(f->cg, "restrack.events", &e));
	CHECK(e.kill == 0 && e.heap == 1 && e.files == 1,
	      "one event per denial, no kill");
	CHECK(pid_alive(f->a.pid), "still alive");
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* hierarchy and moves */

static int check_sum(const char *parent, const char *a, const char *b)
{
	struct rt_usage up, ua, ub = { 0, 0 };

	if (rt_current(parent, &up) || rt_current(a, &ua) ||
	    (b && rt_current(b, &ub)))
		return -1;
	if (up.heap == ua.heap + ub.heap && up.files == ua.files + ub.files)
		return 0;
	diag("%s: %ld/%ld is not the sum of its children %ld/%ld + %ld/%ld",
	     parent, up.heap, up.files, ua.heap, ua.files, ub.heap, ub.files);
	return -1;
}

/*
 * Usage is hierarchical and a charge must fit under the max of every
 * ancestor: a parent's max limits the sum of its children, a middle
 * cgroup's max its own subtree only.
 */
RT_TEST(hierarchy)
{
	char p[PATH_MAX] = "", c1[PATH_MAX], m[PATH_MAX], d[PATH_MAX];
	struct agent a1 = AGENT_INIT, a2 = AGENT_INIT;
	long ps = page_size, x1, r;

	SETUP(cg_make(p, root, "hierarchy") || cg_enable(p, "restrack") ||
	      cg_make(c1, p, "c1") || cg_make(m, p, "mid") ||
	      cg_enable(m, "restrack") || cg_make(d, m, "leaf") ||
	      agent_start(&a1, c1) || agent_start(&a2, d));
	CHECK(!rt_check(p, "P") && !rt_check(c1, "C1") && !rt_check(m, "M") &&
	      !rt_check(d, "D"), "exact");
	CHECK(!check_sum(p, c1, m) && !check_sum(m, d, NULL), "sums");

	SETUP(set_headroom(p, true, 32 * ps));
	x1 = ag_mmap_rw(&a1, 20);
	CHECK(x1 != -1, "mmap under the parent's max: %s", strerror(errno));
	r = ag_mmap_rw(&a2, 20);
	CHECK(r == -1 && errno == ENOMEM,
	      "grandchild denied by the grandparent's max: %s",
	      strerror(errno));
	r = ag_mmap_rw(&a2, 12);
	CHECK(r != -1, "mmap that fits the rest: %s", strerror(errno));
	CHECK(cg_read_long(p, "restrack.heap.current") ==
	      cg_read_max(p, "restrack.heap.max"), "parent at its max");
	CHECK(!rt_check(p, "P") && !rt_check(m, "M") && !rt_check(d, "D"),
	      "exact");
	CHECK(!check_sum(p, c1, m) && !check_sum(m, d, NULL), "sums");
	CHECK(!expect_events(p, "restrack.events.local", 1, 0, 0) &&
	      !expect_events(m, "restrack.events", 0, 0, 0) &&
	      !expect_events(d, "restrack.events", 0, 0, 0),
	      "event counted at the parent");

	CHECK(!ag_munmap(&a1, x1, 20), "munmap: %s", strerror(errno));
	CHECK(ag_mmap_rw(&a2, 16) != -1, "room freed by a sibling: %s",
	      strerror(errno));
	SETUP(set_headroom(m, true, 0));
	r = ag_mmap_rw(&a2, 1);
	CHECK(r == -1 && errno == ENOMEM, "denied by the middle max: %s",
	      strerror(errno));
	CHECK(ag_mmap_rw(&a1, 1) != -1, "outside the middle cgroup: %s",
	      strerror(errno));
	CHECK(!expect_events(m, "restrack.events.local", 1, 0, 0),
	      "event at the middle cgroup");

	SETUP(set_headroom(p, false, 3));
	CHECK(ag_open(&a1) >= 0 && ag_open(&a1) >= 0, "opens: %s",
	      strerror(errno));
	CHECK(ag_open(&a2) >= 0, "open: %s", strerror(errno));
	r = ag_open(&a2);
	CHECK(r == -1 && errno == EMFILE, "open over the parent's max: %s",
	      strerror(errno));
	r = ag_open(&a1);
	CHECK(r == -1 && errno == EMFILE, "open over the parent's max: %s",
	      strerror(errno));
	CHECK(!rt_check(p, "P") && !rt_check(c1, "C1") && !rt_check(m, "M") &&
	      !rt_check(d, "D"), "exact");
	CHECK(!check_sum(p, c1, m) && !check_sum(m, d, NULL), "sums");
	agent_stop(&a1);
	agent_stop(&a2);
	cg_destroy(p);
	return KSFT_PASS;
}

struct ev_snap {
	struct rt_events e[4][2];
};

static int snap_events(const char *const cgs[4], struct ev_snap *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (read_events(cgs[i], "restrack.events", &s->e[i][0]) ||
		    read_events(cgs[i], "restrack.events.local", &s->e[i][1]))
			return -1;
	return 0;
}

/*
 * A move carries the process's charges exactly from source to destination
 * (and up their ancestors), is never refused for limits and counts no
 * events; afterwards charges go to the destination.
 */
RT_TEST(move)
{
	char p[PATH_MAX] = "", s1[PATH_MAX], s2[PATH_MAX], q[PATH_MAX] = "";
	const char *cgs[4] = { p, s1, s2, q };
	struct agent x = AGENT_INIT, y = AGENT_INIT;
	struct rt_usage us2, up, uq, ux, cur;
	struct ev_snap ev0, ev1;
	long ps = page_size, m, r;
	int i;

	SETUP(cg_make(p, root, "move") || cg_enable(p, "restrack") ||
	      cg_make(s1, p, "s1") || cg_make(s2, p, "s2") ||
	      cg_make(q, root, "move_outside") ||
	      agent_start(&x, s1) || agent_start(&y, s2));
	CHECK(!ag_call(&x, AG_THREADS, 2, 256 << 10, 4, 1), "threads: %s",
	      strerror(errno));
	m = ag_mmap_rw(&x, 64);
	CHECK(m != -1, "mmap: %s", strerror(errno));
	for (i = 0; i < 3; i++)
		CHECK(ag_open(&x) >= 0, "open: %s", strerror(errno));
	CHECK(ag_mmap_rw(&y, 8) != -1 && ag_open(&y) >= 0, "y: %s",
	      strerror(errno));
	for (i = 0; i < 4; i++)
		CHECK(!rt_check(cgs[i], "before"), "exact");
	SETUP(set_headroom(s2, true, ps) || set_headroom(s2, false, 1));
	SETUP(snap_events(cgs, &ev0) || rt_current(s2, &us2) ||
	      rt_current(p, &up) || rt_current(q, &uq));
	ux.heap = vmdata_bytes(x.pid);
	ux.files = fd_count(x.pid);

	CHECK(!cg_enter(s2, x.pid),
	      "move over the destination's max is not refused: %s",
	      strerror(errno));
	CHECK(!rt_check_expect(s1, "source after the move", 0, 0),
	      "source back to 0");
	CHECK(!rt_check_expect(s2, "destination after the move",
			       us2.heap + ux.heap, us2.files + ux.files),
	      "destination gained the process's usage");
	CHECK(!rt_check(s2, "destination"), "exact");
	CHECK(!rt_check_expect(p, "parent", up.heap, up.files),
	      "parent unchanged");
	SETUP(snap_events(cgs, &ev1));
	CHECK(!memcmp(&ev0, &ev1, sizeof(ev0)), "the move counted no events");

	r = ag_mmap_rw(&x, 2);
	CHECK(r == -1 && errno == ENOMEM, "charged to the destination: %s",
	      strerror(errno));
	r = ag_open(&x);
	CHECK(r == -1 && errno == EMFILE, "charged to the destination: %s",
	      strerror(errno));
	CHECK(!ag_munmap(&x, m, 64), "munmap: %s", strerror(errno));
	CHECK(!rt_check(s2, "after munmap in the destination"), "exact");
	CHECK(!cg_write(s2, "restrack.heap.max", "max") &&
	      !cg_write(s2, "restrack.files.max", "max"), "unlimit");

	CHECK(!cg_enter(s1, x.pid), "move back: %s", strerror(errno));
	for (i = 0; i < 4; i++)
		CHECK(!rt_check(cgs[i], "after moving back"), "exact");
	rt_current(p, &up);
	ux.heap = vmdata_bytes(x.pid);
	ux.files = fd_count(x.pid);
	CHECK(!cg_enter(q, x.pid), "move out of the parent: %s",
	      strerror(errno));
	CHECK(!rt_check_expect(p, "parent after moving out",
			       up.heap - ux.heap, up.files - ux.files),
	      "parent dropped by the process's usage");
	CHECK(!rt_check_expect(q, "outside", uq.heap + ux.heap,
			       uq.files + ux.files), "exact");
	CHECK(!cg_enter(s2, x.pid), "move into the parent: %s",
	      strerror(errno));
	for (i = 0; i < 4; i++)
		CHECK(!rt_check(cgs[i], "after moving in"), "exact");
	CHECK(!rt_current(q, &cur) && cur.heap == 0 && cur.files == 0,
	      "outside empty again");
	CHECK(!ag_call(&x, AG_THREADS_STOP, 0), "join: %s", strerror(errno));
	CHECK(!rt_check(s2, "threads gone"), "exact");
	agent_stop(&x);
	agent_stop(&y);
	cg_destroy(p);
	cg_destroy(q);
	return KSFT_PASS;
}

/*
 * Enabling the controller on a populated subtree accounts its processes
 * exactly; disabling it hands the charges to the nearest ancestor with the
 * controller (whose usage stays right); enabling it again splits them back.
 */
RT_TEST(enable_populated)
{
	char p[PATH_MAX] = "", c[PATH_MAX];
	struct agent a = AGENT_INIT;
	struct rt_track tp, tc;
	long ps = page_size, m, pid, sub, st;
	int status;

	SETUP(cg_make(p, root, "enable") || cg_make(c, p, "child") ||
	      agent_start(&a, c));
	CHECK(!cg_file_exists(c, "restrack.heap.current"),
	      "controller not enabled on the child yet");
	m = ag_mmap_rw(&a, 100);
	CHECK(m != -1, "mmap: %s", strerror(errno));
	CHECK(ag_open(&a) >= 0 && ag_open(&a) >= 0, "open: %s",
	      strerror(errno));
	pid = ag_call(&a, AG_FORK, 0);
	CHECK(pid > 0, "fork: %s", strerror(errno));
	sub = a.v[0];
	CHECK(ag_call_sub(&a, sub, AG_MMAP, 0, 10 * ps, RW, ANON, -1, 0) != -1,
	      "mmap in child: %s", strerror(errno));
	SETUP(rt_track_start(&tp, p));

	CHECK(!cg_enable(p, "restrack"), "enable on a populated child: %s",
	      strerror(errno));
	CHECK(cg_file_exists(c, "restrack.heap.current"), "files appeared");
	SETUP(rt_track_start(&tc, c));
	STEP(&tp, "parent unchanged by enabling", 0, 0);
	CHECK(tc.last.heap == tp.last.heap && tc.last.files == tp.last.files,
	      "all usage is the child's");
	CHECK(ag_mmap_rw(&a, 16) != -1, "mmap: %s", strerror(errno));
	STEP(&tc, "mmap after enabling", 16 * ps, 0);
	STEP(&tp, "parent too", 16 * ps, 0);
	CHECK(ag_call_sub(&a, sub, AG_OPEN, 0) >= 0, "open: %s",
	      strerror(errno));
	STEP(&tc, "open in the forked process", 0, 1);
	STEP(&tp, "parent too", 0, 1);

	CHECK(!cg_disable(p, "restrack"), "disable: %s", strerror(errno));
	CHECK(!cg_file_exists(c, "restrack.heap.current"), "files gone");
	STEP(&tp, "parent unchanged by disabling", 0, 0);
	CHECK(!ag_munmap(&a, m, 100), "munmap: %s", strerror(errno));
	STEP(&tp, "munmap while disabled", -100 * ps, 0);
	CHECK(ag_open(&a) >= 0, "open: %s", strerror(errno));
	STEP(&tp, "open while disabled", 0, 1);
	st = ag_call_sub(&a, sub, AG_EXIT, 0);
	CHECK(st >= 0 && WIFEXITED(st), "child exit %#lx", st);
	STEP(&tp, "child exit while disabled", ANY, ANY);

	CHECK(!cg_enable(p, "restrack"), "enable again: %s", strerror(errno));
	STEP(&tp, "parent unchanged by enabling again", 0, 0);
	CHECK(!rt_check(c, "child after enabling again"), "exact");
	CHECK(cg_read_long(c, "restrack.heap.current") == tp.last.heap,
	      "all usage is the child's");
	status = agent_stop(&a);
	CHECK(status != -1 && WIFEXITED(status), "agent exit %#x", status);
	CHECK(!rt_wait_zero(c, 1000) && !rt_wait_zero(p, 1000), "back to 0");
	agent_stop(&a);
	cg_destroy(p);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* peak, limits, policy */

/* peak is at least current, and keeps the high watermark after frees. */
RT_FIXTURE_TEST_NESTED(peak)
{
	long ps = page_size, m, hi, peak, fhi, fpeak, fds[10];
	int i;

	CHECK(cg_read_long(f->cg, "restrack.heap.peak") >=
	      cg_read_long(f->cg, "restrack.heap.current"), "peak >= current");
	CHECK(cg_read_long(f->cg, "restrack.files.peak") >=
	      cg_read_long(f->cg, "restrack.files.current"), "peak >= current");

	m = ag_mmap_rw(&f->a, 256);
	CHECK(m != -1, "mmap: %s", strerror(errno));
	hi = cg_read_long(f->cg, "restrack.heap.current");
	peak = cg_read_long(f->cg, "restrack.heap.peak");
	CHECK(peak >= hi, "peak %ld >= current %ld", peak, hi);
	CHECK(cg_read_long(f->parent, "restrack.heap.peak") >= hi, "parent peak");
	CHECK(!ag_munmap(&f->a, m, 256), "munmap: %s", strerror(errno));
	CHECK(cg_read_long(f->cg, "restrack.heap.current") == hi - 256 * ps,
	      "current dropped");
	CHECK(cg_read_long(f->cg, "restrack.heap.peak") == peak,
	      "peak kept after munmap: %ld, was %ld",
	      cg_read_long(f->cg, "restrack.heap.peak"), peak);
	CHECK(ag_mmap_rw(&f->a, 64) != -1, "mmap: %s", strerror(errno));
	CHECK(cg_read_long(f->cg, "restrack.heap.peak") == peak,
	      "peak not raised below the watermark");

	for (i = 0; i < 10; i++) {
		fds[i] = ag_open(&f->a);
		CHECK(fds[i] >= 0, "open: %s", strerror(errno));
	}
	fhi = cg_read_long(f->cg, "restrack.files.current");
	fpeak = cg_read_long(f->cg, "restrack.files.peak");
	CHECK(fpeak >= fhi, "files peak %ld >= current %ld", fpeak, fhi);
	for (i = 0; i < 10; i++)
		CHECK(!ag_close(&f->a, fds[i]), "close: %s", strerror(errno));
	CHECK(cg_read_long(f->cg, "restrack.files.current") == fhi - 10,
	      "current dropped");
	CHECK(cg_read_long(f->cg, "restrack.files.peak") == fpeak,
	      "files peak kept after close");
	CHECK(cg_read_long(f->parent, "restrack.files.peak") >= fhi, "parent peak");
	CHECK(!rt_check(f->cg, "end"), "exact");
	CHECK(agent_stop(&f->a) != -1, "exit");
	CHECK(!rt_wait_zero(f->cg, 1000), "back to 0");
	CHECK(cg_read_long(f->cg, "restrack.heap.peak") == peak &&
	      cg_read_long(f->cg, "restrack.files.peak") == fpeak,
	      "peaks survive the exit");
	return KSFT_PASS;
}

/*
 * One charge of check_max_below_peak(): an mmap() of PEAK_PAGES pages or
 * an open(); *@undo gets what frees it.  Returns -1 with errno on failure.
 */
#define PEAK_PAGES 16

static long peak_grow(struct fixture *f, bool heap, long *undo)
{
	*undo = heap ? ag_mmap_rw(&f->a, PEAK_PAGES) : ag_open(&f->a);
	return *undo == -1 ? -1 : 0;
}

static long peak_shrink(struct fixture *f, bool heap, long undo)
{
	return heap ? ag_munmap(&f->a, undo, PEAK_PAGES) : ag_close(&f->a, undo);
}

/*
 * In @cg, the agent's cgroup or its parent: a max set below the peak holds
 * exactly (charges up to it pass, the next is denied, the peak stays), and
 * once the max is lifted the peak follows usage past its old high.
 */
static int check_max_below_peak(struct __test_metadata *_metadata,
				struct fixture *f, const char *cg, bool heap)
{
	const char *cur_file = heap ? "restrack.heap.current" :
				      "restrack.files.current";
	const char *max_file = heap ? "restrack.heap.max" : "restrack.files.max";
	const char *peak_file = heap ? "restrack.heap.peak" :
				       "restrack.files.peak";
	long unit = heap ? PEAK_PAGES * page_size : 1;
	long undo[64], cur0, peak, cur;
	struct rt_events e, want;
	int n = 0, i;

	cur0 = cg_read_long(cg, cur_file);
	for (i = 0; i < 6; i++, n++)
		CHECK(!peak_grow(f, heap, &undo[n]), "grow: %s", strerror(errno));
	peak = cg_read_long(cg, peak_file);
	CHECK(peak >= cur0 + 6 * unit, "%s %ld after growing to %ld", peak_file,
	      peak, cur0 + 6 * unit);
	for (i = 0; i < 4; i++)
		CHECK(!peak_shrink(f, heap, undo[--n]), "shrink: %s",
		      strerror(errno));
	CHECK(cg_read_long(cg, cur_file) == cur0 + 2 * unit, "shrunk");

	/* The max below the peak: two more charges fit, the third does not. */
	SETUP(read_events(cg, "restrack.events.local", &want));
	if (heap)
		want.heap++;
	else
		want.files++;
	CHECK(!cg_write_numeric(cg, max_file, cur0 + 4 * unit), "%s: %s",
	      max_file, strerror(errno));
	for (i = 0; i < 2; i++, n++)
		CHECK(!peak_grow(f, heap, &undo[n]), "grow to the max: %s",
		      strerror(errno));
	CHECK(peak_grow(f, heap, &undo[n]) == -1 &&
	      errno == (heap ? ENOMEM : EMFILE), "past the max: %s",
	      strerror(errno));
	CHECK(cg_read_long(cg, cur_file) == cur0 + 4 * unit, "at the max");
	SETUP(read_events(cg, "restrack.events.local", &e));
	CHECK(events_eq(&e, &want),
	      "one event: heap.max %ld, files.max %ld, kill %ld", e.heap,
	      e.files, e.kill);
	CHECK(cg_read_long(cg, peak_file) == peak, "peak kept");

	/* Lifted: up to the old peak, then past it, each high recorded. */
	CHECK(!cg_write(cg, max_file, "max"), "%s: %s", max_file,
	      strerror(errno));
	while ((cur = cg_read_long(cg, cur_file)) <= peak + unit) {
		CHECK(n < 64, "%ld never passed the peak %ld", cur, peak);
		CHECK(!peak_grow(f, heap, &undo[n++]), "grow: %s",
		      strerror(errno));
		CHECK(cg_read_long(cg, peak_file) ==
		      (cur + unit > peak ? cur + unit : peak),
		      "%s %ld at %ld", peak_file, cg_read_long(cg, peak_file),
		      cur + unit);
	}
	CHECK(!rt_check(f->cg, "past the peak"), "exact");
	while (n > 0)
		peak_shrink(f, heap, undo[--n]);
	return 0;
}

/* check_max_below_peak() for both resources, in the cgroup and its parent */
RT_FIXTURE_TEST_NESTED(max_below_peak)
{
	CHECK(!check_max_below_peak(_metadata, f, f->cg, true), "heap");
	CHECK(!check_max_below_peak(_metadata, f, f->cg, false), "files");
	CHECK(!check_max_below_peak(_metadata, f, f->parent, true),
	      "parent heap");
	CHECK(!check_max_below_peak(_metadata, f, f->parent, false),
	      "parent files");
	CHECK(!rt_check(f->cg, "end"), "exact");
	return KSFT_PASS;
}

struct write_case {
	const char *in;
	long out;	/* value read back; CG_MAX for "max" */
};

static int check_valid_writes(const char *cg, const char *file,
			      const struct write_case *c, int n)
{
	int i, err;

	for (i = 0; i < n; i++) {
		long v;

		err = cg_write_errno(cg, file, c[i].in);
		if (err) {
			diag("%s: writing \"%s\" failed: %s", file, c[i].in,
			     strerror(err));
			return -1;
		}
		v = cg_read_max(cg, file);
		if (v != c[i].out) {
			diag("%s: \"%s\" reads back %ld, expected %ld", file,
			     c[i].in, v, c[i].out);
			return -1;
		}
	}
	return 0;
}

static int check_invalid_writes(const char *cg, const char *file,
				const char *const *bad, int n, long keep)
{
	int i, err;

	for (i = 0; i < n; i++) {
		err = cg_write_errno(cg, file, bad[i]);
		if (err != EINVAL) {
			diag("%s: writing \"%s\": %s, expected EINVAL", file,
			     bad[i], err ? strerror(err) : "accepted");
			return -1;
		}
		if (cg_read_max(cg, file) != keep) {
			diag("%s: \"%s\" changed the value to %ld", file,
			     bad[i], cg_read_max(cg, file));
			return -1;
		}
	}
	/* an empty write() never reaches the controller; must not change it */
	cg_write_raw(cg, file, "", 0);
	if (cg_read_max(cg, file) != keep) {
		diag("%s: an empty write changed the value", file);
		return -1;
	}
	return 0;
}

/*
 * heap.max takes "max" or bytes with K/M/G suffixes, stored in whole pages
 * (rounded down); files.max "max" or a count.  Anything else is EINVAL and
 * changes nothing.
 */
RT_TEST(limit_writes)
{
	static const char *const bad_heap[] = {
		"-1", "abc", "\n", " ", "99999999999999999999999", "10x", "5 6",
		"1.5M", "1MB", "max1", "maxx", "0x", "--1",
	};
	static const char *const bad_files[] = {
		"-1", "abc", "\n", "99999999999999999999999", "10x", "5 6",
		"10K", "1M", "1.5", "max1", "1e3",
	};
	long ps = page_size;
	struct write_case heap[] = {
		{ "max", CG_MAX },
		{ "1M", 1L << 20 },
		{ "4096", 4096 / ps * ps },
		{ "10K", 10240 / ps * ps },
		{ "1G", 1L << 30 },
		{ "8192\n", 8192 / ps * ps },
		{ "0", 0 },
		{ "3m", 3L << 20 },
		{ "max\n", CG_MAX },
		{ "100000", 100000 / ps * ps },
	};
	struct write_case files[] = {
		{ "max", CG_MAX },
		{ "0", 0 },
		{ "10", 10 },
		{ "1000000", 1000000 },
		{ "7\n", 7 },
		{ "max\n", CG_MAX },
	};
	char cg[PATH_MAX] = "";

	SETUP(cg_make(cg, root, "limit_writes"));
	CHECK(!check_valid_writes(cg, "restrack.heap.max", heap,
				  ARRAY_SIZE(heap)), "valid heap.max writes");
	CHECK(!cg_write(cg, "restrack.heap.max", "1M"), "set 1M");
	CHECK(!check_invalid_writes(cg, "restrack.heap.max", bad_heap,
				    ARRAY_SIZE(bad_heap), 1L << 20),
	      "invalid heap.max writes");
	CHECK(!cg_write(cg, "restrack.heap.max", "max"), "set max");
	CHECK(!check_invalid_writes(cg, "restrack.heap.max", bad_heap,
				    ARRAY_SIZE(bad_heap), CG_MAX),
	      "invalid heap.max writes keep max");

	CHECK(!check_valid_writes(cg, "restrack.files.max", files,
				  ARRAY_SIZE(files)), "valid files.max writes");
	CHECK(!cg_write(cg, "restrack.files.max", "64"), "set 64");
	CHECK(!check_invalid_writes(cg, "restrack.files.max", bad_files,
				    ARRAY_SIZE(bad_files), 64),
	      "invalid files.max writes");
	cg_destroy(cg);
	return KSFT_PASS;
}

/* restrack.policy takes "deny" or "kill"; anything else is EINVAL. */
RT_TEST(policy_writes)
{
	static const char *const bad[] = {
		"\n", "Kill", "DENY", "stop", "kill deny", "killx", "denyx",
		"1", "max", "kil",
	};
	char cg[PATH_MAX] = "";
	int err;
	size_t i;

	SETUP(cg_make(cg, root, "policy_writes"));
	CHECK(!cg_read_strcmp(cg, "restrack.policy", "deny\n"), "default deny");
	CHECK(!cg_write(cg, "restrack.policy", "kill"), "kill: %s",
	      strerror(errno));
	CHECK(!cg_read_strcmp(cg, "restrack.policy", "kill\n"), "reads kill");
	CHECK(!cg_write(cg, "restrack.policy", "deny\n"), "deny\\n: %s",
	      strerror(errno));
	CHECK(!cg_read_strcmp(cg, "restrack.policy", "deny\n"), "reads deny");
	CHECK(!cg_write(cg, "restrack.policy", "kill\n"), "kill\\n: %s",
	      strerror(errno));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err = cg_write_errno(cg, "restrack.policy", bad[i]);
		CHECK(err == EINVAL, "\"%s\": %s", bad[i],
		      err ? strerror(err) : "accepted");
		CHECK(!cg_read_strcmp(cg, "restrack.policy", "kill\n"),
		      "\"%s\" left the policy unchanged", bad[i]);
	}
	cg_write_raw(cg, "restrack.policy", "", 0);
	CHECK(!cg_read_strcmp(cg, "restrack.policy", "kill\n"),
	      "an empty write changes nothing");
	cg_destroy(cg);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* exit, root */

/*
 * Usage returns to exactly 0 once all processes are gone, whether they
 * exit normally, with threads running, or by SIGKILL.
 */
RT_TEST(zero_after_exit)
{
	char p[PATH_MAX] = "", c[PATH_MAX];
	struct agent a = AGENT_INIT, b = AGENT_INIT;
	long ps = page_size, sub, sub2, st;
	int status, i;

	SETUP(cg_make(p, root, "zero") || cg_enable(p, "restrack") ||
	      cg_make(c, p, "child") || agent_start(&a, c) ||
	      agent_start(&b, c));
	CHECK(!ag_call(&a, AG_THREADS, 3, 0, 4, 1), "threads: %s",
	      strerror(errno));
	CHECK(ag_mmap_rw(&a, 128) != -1, "mmap: %s", strerror(errno));
	CHECK(ag_call(&a, AG_SBRK, 32 * ps) != -1, "sbrk: %s",
	      strerror(errno));
	for (i = 0; i < 5; i++)
		CHECK(ag_open(&a) >= 0, "open: %s", strerror(errno));
	CHECK(ag_call(&a, AG_FORK, 0) > 0, "fork: %s", strerror(errno));
	sub = a.v[0];
	CHECK(ag_call_sub(&a, sub, AG_MMAP, 0, 16 * ps, RW, ANON, -1, 0) != -1,
	      "mmap: %s", strerror(errno));
	CHECK(ag_call_sub(&a, sub, AG_PIPE, 0) == 0, "pipe: %s",
	      strerror(errno));
	CHECK(!ag_call(&b, AG_THREADS, 2, 0, 4, 1), "threads: %s",
	      strerror(errno));
	CHECK(ag_mmap_rw(&b, 64) != -1, "mmap: %s", strerror(errno));
	CHECK(!rt_check(c, "all running") && !rt_check(p, "parent"), "exact");
	CHECK(ag_call(&a, AG_FORK, CLONE_FILES) > 0, "clone: %s",
	      strerror(errno));
	sub2 = a.v[0];
	CHECK(ag_call_sub(&a, sub2, AG_OPEN, 0) >= 0, "open: %s",
	      strerror(errno));

	status = agent_kill(&b);
	CHECK(killed_by_sigkill(status), "b killed");
	st = ag_call_sub(&a, sub, AG_EXIT, 0);
	CHECK(st >= 0 && WIFEXITED(st), "sub exit %#lx", st);
	st = ag_call_sub(&a, sub2, AG_EXIT, 0);
	CHECK(st >= 0 && WIFEXITED(st), "sub exit %#lx", st);
	status = agent_stop(&a);
	CHECK(status != -1 && WIFEXITED(status), "a exit %#x", status);
	CHECK(cg_nr_procs(c) == 0, "no members");
	CHECK(!rt_wait_zero(c, 1000), "child back to 0");
	CHECK(!rt_wait_zero(p, 1000), "parent back to 0");
	CHECK(cg_read_long(c, "restrack.heap.peak") > 0 &&
	      cg_read_long(c, "restrack.files.peak") > 0, "peaks kept");
	agent_stop(&a);
	agent_stop(&b);
	cg_destroy(p);
	return KSFT_PASS;
}

/*
 * Processes in the root cgroup are neither limited nor charged anywhere; a
 * move from the root charges the destination exactly, a move back to the
 * root uncharges it.
 */
RT_TEST(root_unaffected)
{
	char cg[PATH_MAX] = "";
	struct agent r = AGENT_INIT, i = AGENT_INIT;
	struct rt_usage ut, uroot, now, ur;
	long ps = page_size, m, big;
	int k;

	SETUP(cg_make(cg, root, "root_unaffected") || agent_start(&i, cg) ||
	      agent_start(&r, cg_mount()));
	CHECK(cg_has_pid(cg_mount(), r.pid), "agent in the root cgroup");
	SETUP(set_headroom(cg, true, 16 * ps) || set_headroom(cg, false, 2) ||
	      rt_current(cg, &ut) || rt_current(root, &uroot));

	big = (64L << 20) / ps;
	m = ag_mmap_rw(&r, big);
	CHECK(m != -1, "a root process maps 64M: %s", strerror(errno));
	for (k = 0; k < 64; k++)
		CHECK(ag_open(&r) >= 0, "a root process opens 64 files: %s",
		      strerror(errno));
	CHECK(ag_call(&r, AG_FORK_EXIT, 0) > 0, "fork: %s", strerror(errno));
	CHECK(!rt_check_expect(cg, "limited cgroup", ut.heap, ut.files),
	      "unchanged");
	CHECK(!rt_current(root, &now) && now.heap == uroot.heap &&
	      now.files == uroot.files, "test root unchanged");

	ur.heap = vmdata_bytes(r.pid);
	ur.files = fd_count(r.pid);
	CHECK(!cg_enter(cg, r.pid), "move from the root: %s",
	      strerror(errno));
	CHECK(!rt_check_expect(cg, "after the move in", ut.heap + ur.heap,
			       ut.files + ur.files), "charged exactly");
	CHECK(ag_mmap_rw(&r, 1) == -1 && errno == ENOMEM, "now limited");
	CHECK(!ag_munmap(&r, m, big), "munmap: %s", strerror(errno));
	CHECK(!rt_check(cg, "after munmap"), "exact");
	CHECK(!cg_enter(cg_mount(), r.pid), "move to the root: %s",
	      strerror(errno));
	CHECK(!rt_check_expect(cg, "after the move out", ut.heap, ut.files),
	      "uncharged exactly");
	CHECK(ag_mmap_rw(&r, 1024) != -1, "unlimited again: %s",
	      strerror(errno));
	CHECK(!rt_check_expect(cg, "root process maps", ut.heap, ut.files),
	      "unchanged");
	agent_stop(&r);
	agent_stop(&i);
	cg_destroy(cg);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* review findings */

/*
 * MAP_FIXED over mappings that are not heap (PROT_NONE, read-only) grows
 * the heap by the whole new range: over max it is denied with ENOMEM, or
 * kills under "kill", the event is counted, and usage never goes above max
 * (heap.peak).  Replacing heap by heap of the same size needs no room.
 */
static int map_fixed_policy(struct __test_metadata *_metadata,
			    const char *root, bool kill_policy)
{
	struct fixture f = FIXTURE_INIT;
	struct rt_events e0, e;
	long ps = page_size, res, r, m, max, st;
	int i;
	static const int prots[] = { PROT_NONE, PROT_READ };

	SETUP(fixture_setup(&f, root, kill_policy ? "map_fixed_kill" :
						  "map_fixed") ||
	      (kill_policy && cg_write(f.cg, "restrack.policy", "kill")) ||
	      set_headroom(f.cg, true, 16 * ps));
	max = cg_read_max(f.cg, "restrack.heap.max");
	for (i = 0; i < (int)ARRAY_SIZE(prots); i++) {
		SETUP(read_events(f.cg, "restrack.events.local", &e0));
		res = ag_mmap(&f.a, 32, prots[i], ANON);
		CHECK(res != -1, "mmap 32 pages prot %d: %s", prots[i],
		      strerror(errno));
		CHECK(!rt_check(f.cg, "reserved, not heap"), "exact");
		r = ag_call(&f.a, AG_MMAP, res, 17 * ps, RW, ANON | MAP_FIXED,
			    -1, 0);
		if (kill_policy) {
			CHECK(r == -1 && f.a.dead, "no reply from the victim");
			st = agent_wait(&f.a, 2000);
			CHECK(killed_by_sigkill(st),
			      "MAP_FIXED victim killed by SIGKILL: %#lx", st);
		} else {
			CHECK(r == -1 && errno == ENOMEM,
			      "MAP_FIXED RW over prot %d past max: %ld %s",
			      prots[i], r, strerror(errno));
		}
		SETUP(read_events(f.cg, "restrack.events.local", &e));
		CHECK(e.heap == e0.heap + 1, "one heap.max event: %ld -> %ld",
		      e0.heap, e.heap);
		CHECK(e.kill == e0.kill + kill_policy, "kills: %ld -> %ld",
		      e0.kill, e.kill);
		CHECK(cg_read_long(f.cg, "restrack.heap.peak") <= max,
		      "usage never above max: peak %ld, max %ld",
		      cg_read_long(f.cg, "restrack.heap.peak"), max);
		if (kill_policy) {
			CHECK(!rt_wait_zero(f.cg, 2000), "back to 0");
			break;
		}
		CHECK(!rt_check(f.cg, "after the denial"), "exact");
		r = ag_call(&f.a, AG_MMAP, res, 16 * ps, RW, ANON | MAP_FIXED,
			    -1, 0);
		CHECK(r == res, "MAP_FIXED that fits exactly: %s",
		      strerror(errno));
		CHECK(!rt_check(f.cg, "MAP_FIXED up to the limit"), "exact");
		CHECK(cg_read_long(f.cg, "restrack.heap.current") == max,
		      "at the limit");
		CHECK(!ag_munmap(&f.a, res, 32), "munmap: %s", strerror(errno));
		CHECK(!rt_check(f.cg, "munmap"), "exact");
	}
	if (!kill_policy) {
		m = ag_mmap_rw(&f.a, 16);
		CHECK(m != -1, "mmap up to the limit: %s", strerror(errno));
		r = ag_call(&f.a, AG_MMAP, m, 16 * ps, RW, ANON | MAP_FIXED,
			    -1, 0);
		CHECK(r == m, "heap replaced by heap at the limit: %s",
		      strerror(errno));
		CHECK(!rt_check(f.cg, "replaced"), "exact");
		CHECK(cg_read_long(f.cg, "restrack.heap.peak") <= max,
		      "never above max: peak %ld",
		      cg_read_long(f.cg, "restrack.heap.peak"));
	}
	fixture_teardown(&f);
	return KSFT_PASS;
}

RT_TEST(map_fixed_deny)
{
	return map_fixed_policy(_metadata, root, false);
}

RT_TEST(map_fixed_kill)
{
	return map_fixed_policy(_metadata, root, true);
}

/*
 * An mm or fd table shared with a CLONE_VM or CLONE_FILES child stays
 * charged to a live user: a sharer that moves elsewhere and exits leaves
 * the charge where its owner is, and when the owner moves and exits, the
 * charge follows the sharer that is left.  Usage returns to 0 exactly and
 * the cgroups the sharers left can be removed.
 */
static char sharer_stack[64 << 10] __aligned(16);

static int sharer_sleep(void *arg)
{
	for (;;)
		pause();
	return 0;
}

struct sharer_arg {
	bool vm;
	int report;
	int (*sharer)(void *arg);	/* what a CLONE_VM sharer runs */
	void *sharer_arg;
};

/* In its cgroup: map 256 pages, make the sharer, report its pid, sleep. */
static int sharer_main(const char *cg, void *p)
{
	struct sharer_arg *sa = p;
	pid_t c;

	if (mmap(NULL, 256 * page_size, RW, ANON, -1, 0) == MAP_FAILED)
		return 1;
	/* reap the sharer at once when the test kills it */
	signal(SIGCHLD, SIG_IGN);
	if (sa->vm)
		c = clone(sa->sharer ?: sharer_sleep,
			  sharer_stack + sizeof(sharer_stack),
			  CLONE_VM | SIGCHLD, sa->sharer_arg);
	else
		c = syscall(SYS_clone, (long)(CLONE_FILES | SIGCHLD), 0L, 0L,
			    0L, 0L);
	if (c == 0)
		sharer_sleep(NULL);
	if (c < 0 || write(sa->report, &c, sizeof(c)) != sizeof(c))
		return 1;
	sharer_sleep(NULL);
	return 0;
}

/* restrack.heap or .files.current of @cg is @want; else diag. */
static int usage_is(const char *cg, bool heap, long want, const char *label)
{
	long cur = cg_read_long(cg, heap ? "restrack.heap.current" :
					   "restrack.files.current");

	if (cur != want) {
		diag("%s: %s %s.current %ld, expected %ld", label, cg,
		     heap ? "heap" : "files", cur, want);
		return -1;
	}
	return 0;
}

static long usage_of(pid_t pid, bool heap)
{
	return heap ? vmdata_bytes(pid) : fd_count(pid);
}

/* Kill and reap the owner @p and the sharer @c if alive; close @fds. */
static void end_sharers(pid_t p, pid_t c, int fds[2])
{
	if (p > 0)
		kill(p, SIGKILL);
	if (c > 0)
		kill(c, SIGKILL);
	if (p > 0)
		wait_exit(p, 5000, NULL);
	if (c > 0)
		wait_exit(c, 5000, NULL);
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
}

static int shared_owner(struct __test_metadata *_metadata,
			const char *root, bool vm, bool owner_moves)
{
	char x[PATH_MAX] = "", y[PATH_MAX] = "";
	struct sharer_arg sa = { .vm = vm };
	pid_t p = -1, c = -1, mover, stayer;
	int fds[2] = { -1, -1 };

	SETUP(cg_make(x, root, "owner_x") || cg_make(y, root, "owner_y") ||
	      pipe(fds));
	sa.report = fds[1];
	p = cg_run_nowait(x, sharer_main, &sa);
	SETUP(p < 0);
	SETUP(read_full_timeout(fds[0], &c, sizeof(c), 5000) != sizeof(c));
	CHECK(!usage_is(x, vm, usage_of(p, vm), "shared once"), "exact");

	mover = owner_moves ? p : c;
	stayer = owner_moves ? c : p;
	CHECK(!cg_enter(y, mover), "move %d: %s", mover, strerror(errno));
	if (owner_moves) {
		CHECK(!usage_is(y, vm, usage_of(p, vm), "the owner moved"),
		      "the charge follows its owner");
		CHECK(!usage_is(x, vm, 0, "the owner moved"), "exact");
	} else {
		CHECK(!usage_is(x, vm, usage_of(p, vm), "the sharer moved"),
		      "the charge stays with its owner");
		CHECK(!usage_is(y, vm, 0, "the sharer moved"), "exact");
	}

	kill(mover, SIGKILL);
	CHECK(wait_exit(mover, 5000, NULL) >= 0, "%d exits", mover);
	CHECK(!usage_is(x, vm, usage_of(stayer, vm), "the mover exited"),
	      "charged where the live user is");
	CHECK(!usage_is(y, vm, 0, "the mover exited"), "nothing left");
	CHECK(!rmdir(y), "rmdir %s: %s", y, strerror(errno));

	kill(stayer, SIGKILL);
	CHECK(wait_exit(stayer, 5000, NULL) >= 0, "%d exits", stayer);
	CHECK(!rt_wait_zero(x, 2000), "back to 0");
	end_sharers(p, c, fds);
	cg_destroy(x);
	return KSFT_PASS;
}

RT_TEST(owner_mm_sharer_leaves)
{
	return shared_owner(_metadata, root, true, false);
}

RT_TEST(owner_mm_owner_leaves)
{
	return shared_owner(_metadata, root, true, true);
}

RT_TEST(owner_files_sharer_leaves)
{
	return shared_owner(_metadata, root, false, false);
}

RT_TEST(owner_files_owner_leaves)
{
	return shared_owner(_metadata, root, false, true);
}

/*
 * The charge of a busy mm moves exactly: the owner of an mm is moved back
 * and forth, then exits, handing the mm over, while the sharer left maps,
 * mprotects and unmaps data all along.  The heap hooks hold only the
 * mmap_lock; moves and hand-overs take it for writing, and on the debug
 * kernels lockdep checks that order here.  A move that forgot the lock
 * would race a hook only rarely: a kernel without it passed this test in
 * four runs of 100 and 1,000 moves under TCG.
 */
struct busy_arg {
	int *stop, *idle;	/* in memory shared with the test */
};

/*
 * The flags a test shares with the processes it starts (MAP_SHARED): each
 * read and write is one access the compiler keeps, as READ_ONCE() and
 * WRITE_ONCE() are in the kernel.
 */
static int flag_get(const int *flag)
{
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

static void flag_set(int *flag, int val)
{
	__atomic_store_n(flag, val, __ATOMIC_RELEASE);
}

static int busy_sharer(void *p)
{
	struct busy_arg *ba = p;

	while (!flag_get(ba->stop)) {
		char *m = mmap(NULL, 16 * page_size, RW, ANON, -1, 0);

		if (m == MAP_FAILED)
			break;
		mprotect(m, 8 * page_size, PROT_READ);
		mprotect(m, 8 * page_size, RW);
		munmap(m + 4 * page_size, 4 * page_size);
		munmap(m, 16 * page_size);
	}
	flag_set(ba->idle, 1);
	for (;;)
		pause();
	return 0;
}

RT_TEST(owner_mm_busy)
{
	char x[PATH_MAX] = "", y[PATH_MAX] = "", z[PATH_MAX] = "";
	int *flags;
	struct busy_arg ba;
	struct sharer_arg sa = { .vm = true, .sharer = busy_sharer,
				 .sharer_arg = &ba };
	pid_t p = -1, c = -1;
	int fds[2] = { -1, -1 }, i;
	long deadline;

	flags = mmap(NULL, page_size, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(flags == MAP_FAILED);
	SETUP(cg_make(x, root, "busy_x") || cg_make(y, root, "busy_y") ||
	      cg_make(z, root, "busy_z") || pipe(fds));
	ba = (struct busy_arg){ .stop = &flags[0], .idle = &flags[1] };
	sa.report = fds[1];
	p = cg_run_nowait(x, sharer_main, &sa);
	SETUP(p < 0);
	SETUP(read_full_timeout(fds[0], &c, sizeof(c), 5000) != sizeof(c));
	CHECK(!cg_enter(y, c), "move the sharer: %s", strerror(errno));
	for (i = 1; i <= 100; i++)
		CHECK(!cg_enter(i % 2 ? z : x, p), "move the owner: %s",
		      strerror(errno));
	kill(p, SIGKILL);
	CHECK(wait_exit(p, 5000, NULL) >= 0, "the owner exits");
	p = -1;
	flag_set(&flags[0], 1);
	deadline = now_ms() + 5000;
	while (!flag_get(&flags[1]) && now_ms() < deadline)
		sleep_ms(2);
	CHECK(flag_get(&flags[1]), "the sharer stops mapping");
	CHECK(!usage_is(y, true, vmdata_bytes(c), "handed over, busy"),
	      "exact where the sharer is");
	CHECK(!usage_is(x, true, 0, "the owner left"), "nothing left");
	CHECK(!usage_is(z, true, 0, "the owner left"), "nothing left");
	kill(c, SIGKILL);
	CHECK(wait_exit(c, 5000, NULL) >= 0, "the sharer exits");
	c = -1;
	CHECK(!rt_wait_zero(y, 2000), "back to 0");
	end_sharers(p, c, fds);
	munmap(flags, page_size);
	cg_destroy(z);
	cg_destroy(y);
	cg_destroy(x);
	return KSFT_PASS;
}

/*
 * Every kill is in the kernel log, with the cgroup, the limit, usage and
 * max, so that it can be found after the cgroup is gone: one process
 * killed at files.max, and a cgroup killed whole by a heap.max lowered
 * below its usage.  The log's ratelimit (10 lines in 5 s) is left to
 * drain first, as the kill tests before fill it.
 */
static bool kmsg_find(int fd, const char *needle, char *line, size_t len)
{
	ssize_t n;

	for (;;) {
		n = read(fd, line, len - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: read on */
		if (n <= 0)
			return false;
		line[n] = '\0';
		if (strstr(line, needle))
			return true;
	}
}

static int fill_fds(const char *cg, void *arg)
{
	prctl(PR_SET_NAME, "rt-kill-log");
	for (;;)
		if (open("/dev/null", O_RDONLY) < 0)
			return 1;
}

static int hold_heap(const char *cg, void *arg)
{
	char *p = mmap(NULL, 64 * page_size, RW, ANON | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	for (;;)
		pause();
}

RT_TEST(kill_logged)
{
	char cg[PATH_MAX] = "", want[PATH_MAX + 128], line[1024];
	const char *rel;
	pid_t a, b;
	int fd, st;
	long max, deadline, held;

	SETUP(cg_make(cg, root, "kill_log") ||
	      cg_write(cg, "restrack.policy", "kill") ||
	      cg_write(cg, "restrack.files.max", "8"));
	rel = cg + strlen(cg_mount());
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	SETUP(fd < 0 || lseek(fd, 0, SEEK_END) < 0);
	sleep_ms(5200);

	a = cg_run_nowait(cg, fill_fds, NULL);
	SETUP(a < 0);
	CHECK(wait_exit(a, 5000, &st) >= 0 && killed_by_sigkill(st),
	      "killed at files.max: %#x", st);
	snprintf(want, sizeof(want),
		 "restrack: files.max of %s: killed process %d (rt-kill-log), usage 8, max 8",
		 rel, a);
	CHECK(kmsg_find(fd, want, line, sizeof(line)), "in the log: %s", want);

	SETUP(cg_write(cg, "restrack.files.max", "max"));
	/* a holder starts with our VmData, and maps once in cg */
	held = vmdata_bytes(getpid());
	SETUP(held < 0);
	held += 64 * page_size;
	a = cg_run_nowait(cg, hold_heap, NULL);
	b = cg_run_nowait(cg, hold_heap, NULL);
	SETUP(a < 0 || b < 0);
	for (deadline = now_ms() + 5000; now_ms() < deadline; sleep_ms(10))
		if (vmdata_bytes(a) >= held && vmdata_bytes(b) >= held)
			break;
	CHECK(!usage_is(cg, true, vmdata_bytes(a) + vmdata_bytes(b),
			"two holders"), "exact before the kill");
	max = cg_read_long(cg, "restrack.heap.current") - 16 * page_size;
	SETUP(cg_write_numeric(cg, "restrack.heap.max", max));
	CHECK(wait_exit(a, 5000, &st) >= 0 && killed_by_sigkill(st),
	      "first killed by the lower max: %#x", st);
	CHECK(wait_exit(b, 5000, &st) >= 0 && killed_by_sigkill(st),
	      "second killed by the lower max: %#x", st);
	snprintf(want, sizeof(want),
		 "restrack: heap.max of %s: killed 2 processes, usage ", rel);
	CHECK(kmsg_find(fd, want, line, sizeof(line)), "in the log: %s", want);
	snprintf(want, sizeof(want), ", max %ld\n", max);
	CHECK(strstr(line, want), "%s in: %s", want, line);
	close(fd);
	cg_destroy(cg);
	return KSFT_PASS;
}

/*
 * A migration never waits, under the cgroup locks, for a task that holds
 * the mmap_lock of a moved mm: fork(), exec() and exit() take
 * cgroup_threadgroup_rwsem, which a migration holds for writing, so one
 * task stuck in a fault on a hung network or FUSE mount (through
 * /proc/PID/mem) would stall them on the whole machine.  The stand-in for
 * that task is a CLONE_VM sharer of the owner populating a huge read-only
 * mapping with MADV_POPULATE_READ, which holds the mmap_lock for reading
 * until it ends or is killed (zero pages, no charge).  While it holds it, a
 * writer moves the owner to another cgroup and blocks until it can move
 * the charge; an unrelated process must meanwhile fork a child and reap
 * it.  When the holder is killed, the write returns and the charge is
 * where the owner is, exactly.
 */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#define STALL_BYTES	(64L << 30)

static int stall_sharer(void *p)
{
	int *started = p;
	void *m;

	m = mmap(NULL, STALL_BYTES, PROT_READ, ANON | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	madvise(m, STALL_BYTES, MADV_NOHUGEPAGE);
	flag_set(started, 1);
	madvise(m, STALL_BYTES, MADV_POPULATE_READ);
	flag_set(started, 2);
	for (;;)
		pause();
	return 0;
}

static long vmpte_kb(pid_t pid)
{
	char path[64], buf[2048], *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nVmPTE:");
	return p ? atol(p + 7) : -1;
}

/* 'D', 'R', ... of @pid; 0 if it is gone */
static char task_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* A child that waits for a byte on @go, then runs @fn(@arg): its status. */
static pid_t on_signal(int go, int (*fn)(void *), void *arg)
{
	pid_t pid;
	char b;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(go, &b, 1) != 1)
		_exit(3);
	_exit(fn(arg));
}

struct stall_move {
	const char *to;
	pid_t pid;
};

static int stall_move(void *p)
{
	struct stall_move *m = p;

	return cg_enter(m->to, m->pid) ? 1 : 0;
}

static int stall_fork(void *p)
{
	int *done = p, st;
	pid_t c = fork();

	if (!c)
		_exit(0);
	if (c < 0 || waitpid(c, &st, 0) != c || st)
		return 1;
	return write(*done, "d", 1) == 1 ? 0 : 1;
}

RT_TEST(move_holder_stalls_nobody)
{
	char x[PATH_MAX] = "", y[PATH_MAX] = "";
	int *flags;
	struct sharer_arg sa = { .vm = true, .sharer = stall_sharer };
	struct stall_move mv;
	pid_t p, c, w, f;
	int fds[2], gw[2], gf[2], done[2], st = -1;
	char w_blocked = 0, w_after = 0, b;
	bool forked, holding;
	long deadline;

	flags = mmap(NULL, page_size, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(flags == MAP_FAILED);
	SETUP(cg_make(x, root, "stall_x") || cg_make(y, root, "stall_y") ||
	      pipe(fds) || pipe(gw) || pipe(gf) || pipe(done));
	sa.sharer_arg = flags;
	sa.report = fds[1];
	p = cg_run_nowait(x, sharer_main, &sa);
	SETUP(p < 0);
	SETUP(read_full_timeout(fds[0], &c, sizeof(c), 5000) != sizeof(c));
	mv = (struct stall_move){ .to = y, .pid = p };
	w = on_signal(gw[0], stall_move, &mv);
	SETUP(w < 0);
	f = on_signal(gf[0], stall_fork, &done[1]);
	SETUP(f < 0);

	/* the sharer is populating: its page tables grow */
	for (deadline = now_ms() + 10000; now_ms() < deadline; sleep_ms(10))
		if (flag_get(&flags[0]) == 1 && vmpte_kb(p) >= 256)
			break;
	CHECK(flag_get(&flags[0]) == 1 && vmpte_kb(p) >= 256,
	      "the sharer holds the mmap_lock (started %d, VmPTE %ld kB)",
	      flag_get(&flags[0]), vmpte_kb(p));

	/*
	 * From here until the sharer dies, the test must not fork, exit or
	 * take cgroup_mutex.  The owner is listed in @y once the migration
	 * holds cgroup_threadgroup_rwsem, which it keeps until ->attach
	 * returns; the writer then waits for the mmap_lock, in ->attach or
	 * after it.
	 */
	SETUP(write(gw[1], "g", 1) != 1);
	for (deadline = now_ms() + 5000; now_ms() < deadline; sleep_ms(10)) {
		if (!cg_has_pid(y, p))
			continue;
		w_blocked = task_state(w);
		if (w_blocked == 'D')
			break;
	}
	SETUP(write(gf[1], "g", 1) != 1);
	forked = read_full_timeout(done[0], &b, 1, 10000) == 1;
	w_after = task_state(w);
	holding = flag_get(&flags[0]) == 1 && pid_alive(c);
	kill(c, SIGKILL);

	CHECK(w_blocked == 'D',
	      "the move waits for the mmap_lock (writer state '%c', owner %s)",
	      w_blocked ?: '-', cg_has_pid(y, p) ? "moved" : "not moved");
	CHECK(forked, "fork() and exit() went on during a move of a locked mm");
	CHECK(w_after == 'D' && holding,
	      "the lock was still held when fork() returned (writer '%c', sharer %s)",
	      w_after ?: '-', holding ? "populating" : "done");
	CHECK(wait_exit(w, 5000, &st) >= 0 && WIFEXITED(st) &&
	      !WEXITSTATUS(st), "the move returns once the lock is free (%#x)",
	      st);
	CHECK(wait_exit(f, 5000, &st) >= 0 && WIFEXITED(st) &&
	      !WEXITSTATUS(st), "the forker is done (%#x)", st);
	CHECK(!usage_is(y, true, vmdata_bytes(p), "moved past a holder"),
	      "the charge is where its owner is");
	CHECK(!usage_is(x, true, 0, "moved past a holder"), "nothing left");
	end_sharers(p, -1, fds);
	for (int i = 0; i < 2; i++) {
		close(gw[i]);
		close(gf[i]);
		close(done[i]);
	}
	munmap(flags, page_size);
	cg_destroy(y);
	cg_destroy(x);
	return KSFT_PASS;
}

/*
 * clone3(CLONE_INTO_CGROUP) checks the child's copies against the limits
 * of the cgroup it is created in, as pids does: ENOMEM for the heap and
 * EMFILE for the table, with the event counted and nothing charged there;
 * a child that fits is charged there exactly.
 */
static int clone_into(int cgfd)
{
	long pid = sys_clone3(CLONE_INTO_CGROUP, cgfd, NULL);

	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

RT_TEST(clone_into_cgroup)
{
	char cg[PATH_MAX] = "";
	struct rt_events e;
	long ps = page_size;
	int fd = -1, pid = -1;

	SETUP(cg_make(cg, root, "clone_into") ||
	      cg_write_numeric(cg, "restrack.heap.max", ps));
	fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	SETUP(fd < 0);

	errno = 0;
	pid = clone_into(fd);
	CHECK(pid == -1 && errno == ENOMEM,
	      "heap copy over the new cgroup's max: %d %s", pid,
	      strerror(errno));
	SETUP(read_events(cg, "restrack.events.local", &e));
	CHECK(e.heap == 1 && e.files == 0, "one heap.max event");
	CHECK(cg_nr_procs(cg) == 0, "no child");
	CHECK(!rt_check_expect(cg, "denied", 0, 0), "nothing charged");

	SETUP(cg_write(cg, "restrack.heap.max", "max") ||
	      cg_write_numeric(cg, "restrack.files.max", 1));
	errno = 0;
	pid = clone_into(fd);
	CHECK(pid == -1 && errno == EMFILE,
	      "table copy over the new cgroup's max: %d %s", pid,
	      strerror(errno));
	SETUP(read_events(cg, "restrack.events.local", &e));
	CHECK(e.heap == 1 && e.files == 1, "one files.max event");
	CHECK(!rt_check_expect(cg, "denied", 0, 0), "nothing charged");

	/* the parent lives elsewhere: the kill policy does not kill it */
	SETUP(cg_write(cg, "restrack.policy", "kill") ||
	      cg_write_numeric(cg, "restrack.heap.max", ps));
	errno = 0;
	pid = clone_into(fd);
	CHECK(pid == -1 && errno == ENOMEM, "under kill: %d %s", pid,
	      strerror(errno));
	SETUP(read_events(cg, "restrack.events.local", &e));
	CHECK(e.heap == 2 && e.kill == 0, "counted, nobody killed");

	SETUP(cg_write(cg, "restrack.files.max", "max") ||
	      cg_write(cg, "restrack.heap.max", "max"));
	pid = clone_into(fd);
	CHECK(pid > 0, "a child that fits: %s", strerror(errno));
	CHECK(cg_has_pid(cg, pid), "created in %s", cg);
	CHECK(!rt_check(cg, "charged where it lives"), "exact");
	kill(pid, SIGKILL);
	wait_exit(pid, 5000, NULL);
	close(fd);
	cg_destroy(cg);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* escapes: ways past a max that must stay closed */

/* argv[1] of an image that test_exec_shared_table() execs: exit at once */
#define EXIT_AT_ONCE	"--exit-at-once"

#define NR_SHARERS	6

/* What the sharers' parent reports (MAP_SHARED: no heap of its own). */
struct sharers {
	int ready;		/* 1: opened and forked, 2: all waited */
	int status[NR_SHARERS];
};

/*
 * The parent of the sharers, in @cg: open descriptors up to @fds, then
 * fork @nr children sharing the table (clone(CLONE_FILES)), one by one,
 * each of which execs at once; their wait statuses go to @sh.  Then wait
 * to be killed, so that its table stays for the checks.
 */
static void __noreturn
sharers_parent(const char *cg, int fds, int nr, struct sharers *sh)
{
	char *const argv[] = { "test_restrack", EXIT_AT_ONCE, NULL };
	pid_t pid;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	isolate_fds(-1);
	if (cg_enter(cg, getpid()))
		_exit(2);
	/* isolate_fds() left 0, 1 and 2 */
	for (i = 3; i < fds; i++)
		if (open("/dev/null", O_RDONLY) < 0)
			_exit(3);
	for (i = 0; i < nr; i++) {
		/* a fork sharing the table: no stack of its own needed */
		pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0) {
			execv("/proc/self/exe", argv);
			_exit(errno);
		}
		if (pid < 0 || waitpid(pid, &sh->status[i], 0) != pid)
			_exit(4);
	}
	__atomic_store_n(&sh->ready, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
}

/*
 * Runs sharers_parent() in @cg, under @policy, with files.max @max and
 * @fds open; checks what its sharers' execs did (@fits: all exit 0, else
 * all refused: EMFILE under deny, SIGKILL under kill, one event each),
 * that files.peak never passed the max and that usage is exact.
 */
static int exec_sharers(const char *cg, const char *policy, long max, int fds,
			bool fits)
{
	struct sharers *sh;
	bool kill_policy = !strcmp(policy, "kill");
	long peak, cur;
	pid_t pid = -1;
	int ret = -1, i, st;

	sh = mmap(NULL, sizeof(*sh), RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	memset(sh, 0, sizeof(*sh));
	if (cg_write(cg, "restrack.policy", policy) ||
	    cg_write_numeric(cg, "restrack.files.max", max))
		goto out;
	fflush(NULL);
	pid = fork();
	if (!pid)
		sharers_parent(cg, fds, NR_SHARERS, sh);
	for (i = 0; i < 1000 && !__atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE);
	     i++)
		sleep_ms(10);
	if (!sh->ready) {
		diag("%s: the sharers did not finish", policy);
		goto out;
	}
	for (i = 0; i < NR_SHARERS; i++) {
		st = sh->status[i];
		if (fits ? !WIFEXITED(st) || WEXITSTATUS(st) :
		    kill_policy ? !killed_by_sigkill(st) :
		    !WIFEXITED(st) || WEXITSTATUS(st) != EMFILE) {
			diag("%s, files.max %ld, %d open: sharer %d's exec: status %#x",
			     policy, max, fds, i, st);
			goto out;
		}
	}
	peak = cg_read_long(cg, "restrack.files.peak");
	cur = cg_read_long(cg, "restrack.files.current");
	if (peak > max || cur != fds) {
		diag("%s, files.max %ld: files.peak %ld, files.current %ld, %d open",
		     policy, max, peak, cur, fds);
		goto out;
	}
	if (rt_check(cg, policy) ||
	    expect_events(cg, "restrack.events.local", 0,
			  fits ? 0 : NR_SHARERS,
			  fits || !kill_policy ? 0 : NR_SHARERS))
		goto out;
	ret = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		wait_exit(pid, 5000, NULL);
	}
	munmap(sh, sizeof(*sh));
	return ret;
}

/*
 * exec() gives a process that shares its table with other processes
 * (clone(CLONE_FILES)) a copy of its own.  The copy is charged within
 * files.max, like any other: an exec whose copy does not fit fails with
 * EMFILE (deny) or is killed (kill), counted, and usage never passes the
 * max; one that fits goes through.
 */
RT_TEST(exec_shared_table)
{
	static const struct {
		const char *name, *policy;
		long max;
		bool fits;
	} cases[] = {
		{ "exec_deny", "deny", 32, false },
		{ "exec_kill", "kill", 32, false },
		{ "exec_fits", "deny", 46, true },
	};
	char cg[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		SETUP(cg_make(cg, root, cases[i].name));
		CHECK(!exec_sharers(cg, cases[i].policy, cases[i].max, 23,
				    cases[i].fits), "%s", cases[i].name);
		CHECK(!rt_wait_zero(cg, 1000), "back to 0");
		cg_destroy(cg);
	}
	return KSFT_PASS;
}

/*
 * A thread-group's own threads end at exec(): no copy, so a process at
 * its files.max execs from many threads.
 */
RT_FIXTURE_TEST(exec_threads_at_max)
{
	long cur;

	CHECK(!ag_call(&f->a, AG_THREADS, 3, 0, 0, 0), "threads: %s",
	      strerror(errno));
	cur = cg_read_long(f->cg, "restrack.files.current");
	CHECK(cur > 0 && !cg_write_numeric(f->cg, "restrack.files.max", cur),
	      "files.max = files.current %ld", cur);
	CHECK(!ag_call(&f->a, AG_EXEC, 0), "exec: %s", strerror(errno));
	CHECK(!wait_tasks(f->a.pid, 1), "other threads gone");
	CHECK(!rt_check(f->cg, "exec at the max"), "exact");
	CHECK(!expect_events(f->cg, "restrack.events.local", 0, 0, 0),
	      "no event");
	return KSFT_PASS;
}

#define FLIP_BIG	(32L << 20)
#define FLIP_CHUNK	(64L << 10)
#define FLIP_BYTES	(40L << 20)

/*
 * mprotect() between two data protections (RW and W only) over a 32M
 * mapping and then 128 small ones, in a loop; meanwhile another process of
 * the cgroup maps 40M, which heap.max (64M) never has room for.  Not once
 * may its mmap() go through, and heap.peak stays within the max: the
 * charge of the pages mprotect() re-accounts is held while it walks the
 * mappings (else the 32M it took away first would be free until the end
 * of the walk).
 */
RT_TEST(mprotect_keeps_charge)
{
	char cg[PATH_MAX] = "";
	long *got, max = 64L << 20, peak, deadline;
	int st, i;
	pid_t flipper, mapper;

	got = mmap(NULL, page_size, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(got == MAP_FAILED);
	got[0] = 0;
	got[1] = 0;
	got[2] = 0;
	SETUP(cg_make(cg, root, "mprotect_keep") ||
	      cg_write_numeric(cg, "restrack.heap.max", max));

	fflush(NULL);
	flipper = fork();
	if (!flipper) {
		char *p;
		long n;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cg_enter(cg, getpid()))
			_exit(2);
		p = mmap(NULL, FLIP_BYTES, RW, ANON, -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		/* after the big one, every other chunk unforkable: no merges */
		for (n = FLIP_BIG; n < FLIP_BYTES; n += 2 * FLIP_CHUNK)
			if (madvise(p + n, FLIP_CHUNK, MADV_DONTFORK))
				_exit(4);
		__atomic_store_n(&got[0], 1, __ATOMIC_RELEASE);
		for (;;) {
			if (mprotect(p, FLIP_BYTES, PROT_WRITE) ||
			    mprotect(p, FLIP_BYTES, RW))
				_exit(5);
			__atomic_add_fetch(&got[1], 1, __ATOMIC_RELAXED);
		}
	}
	SETUP(flipper < 0);
	for (i = 0; i < 500 && !__atomic_load_n(&got[0], __ATOMIC_ACQUIRE); i++)
		sleep_ms(10);
	CHECK(got[0] == 1, "the flipper mapped its 40M");

	mapper = fork();
	if (!mapper) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cg_enter(cg, getpid()))
			_exit(2);
		for (;;) {
			void *q = mmap(NULL, FLIP_BYTES, RW, ANON, -1, 0);

			if (q != MAP_FAILED) {
				__atomic_add_fetch(&got[2], 1, __ATOMIC_RELAXED);
				munmap(q, FLIP_BYTES);
			}
		}
	}
	SETUP(mapper < 0);
	deadline = now_ms() + 3000;
	while (now_ms() < deadline && !got[2])
		sleep_ms(50);
	kill(mapper, SIGKILL);
	wait_exit(mapper, 5000, &st);
	CHECK(pid_alive(flipper), "the flipper still flips");
	kill(flipper, SIGKILL);
	wait_exit(flipper, 5000, &st);

	peak = cg_read_long(cg, "restrack.heap.peak");
	CHECK(!got[2] && peak <= max,
	      "%ld mmaps of 40M went through beside 40M held (%ld flips); heap.peak %ld, max %ld",
	      got[2], got[1], peak, max);
	CHECK(got[1] > 0, "the flipper flipped");
	CHECK(!rt_wait_zero(cg, 1000), "back to 0");
	munmap(got, page_size);
	cg_destroy(cg);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], EXIT_AT_ONCE))
		return 0;
	agent_exec_hook(argc, argv);
	return rt_harness_main(argc, argv, "restrack-test");
}
