// SPDX-License-Identifier: GPL-2.0
/*
 * Every allocation failure of restrack's paths, tried one at a time.
 *
 * For each operation -- the five system calls, the writes of restrack's
 * cgroupfs files, mkdir and rmdir of a cgroup with the controller, enabling
 * the controller over a charged cgroup, a migration, and in a charged
 * process mmap, brk, descriptor creation, table growth, fork, a thread and
 * exec (with and without a shared table) -- fail its 1st, 2nd, ...
 * allocation (fault injection's /proc/thread-self/fail-nth) until it runs
 * through without reaching the n-th.  After every try the call must have
 * returned 0 or a clean error, and left a consistent state: no
 * registration, cgroup or limit half made, and usage equal to the oracle
 * (VmData and /proc/PID/fd) in every cgroup involved.  kmemleak, scanned
 * after the run (restrack.kmemleak=1), finds what a failed path leaked.
 *
 * Needs CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC and
 * FAULT_INJECTION_DEBUG_FS (tests/config/debug.config): without them the
 * run fails, it does not skip.  make check-debug runs it
 * (restrack.faults=1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define RT_TIMEOUT	900
#include "restrack_harness.h"

/* More allocations than any of the calls makes, to end a runaway loop. */
#define MAX_NTH		2000

/* over all tests, each run in a process of its own (the harness forks) */
static struct {
	long calls, failed;
} *total;

/* What a faulted call returned: 0, or the errno of a -1. */
static int outcome(long r)
{
	return r == -1 ? errno : 0;
}

/*
 * The errors an allocation failure may give; anything else is a bug.
 * ENFILE: the kernel's answer when a pipe's or a socket's inode cannot be
 * allocated (get_pipe_inode(), sock_alloc()).
 */
static bool clean_error(int err)
{
	return err == ENOMEM || err == EAGAIN || err == ENFILE;
}

/*
 * Fault injection for GFP_KERNEL allocations, order 0 pages included, and
 * silent: by default failslab and fail_page_alloc ignore allocations that
 * may sleep and order-0 pages, and print a stack dump per failure.
 */
static int faults_setup(void)
{
	static const struct {
		const char *file, *val;
	} knobs[] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "0" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "0" },
	};
	const char *dbg = "/sys/kernel/debug";
	char path[PATH_MAX];
	size_t i;

	if (access("/proc/thread-self/fail-nth", W_OK)) {
		diag("/proc/thread-self/fail-nth: %s (no CONFIG_FAULT_INJECTION?)",
		     strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/failslab", dbg);
	if (access(path, F_OK))
		mount("debugfs", dbg, "debugfs", 0, NULL);
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		if (cg_write(dbg, knobs[i].file, knobs[i].val)) {
			diag("%s/%s: %s (no FAILSLAB, FAIL_PAGE_ALLOC or FAULT_INJECTION_DEBUG_FS?)",
			     dbg, knobs[i].file, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * The faulted calls of the test process itself: fail its @nth allocation
 * from here to fault_end(), which says whether one was failed.
 */
static int fail_fd = -1;

static int fault_start(int nth)
{
	char buf[24];
	int n;

	if (fail_fd < 0)
		fail_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d", nth);
	return write(fail_fd, buf, n) == n ? 0 : -1;
}

/* 1 if an allocation was failed since fault_start(), 0 if not, -1 error */
static int fault_end(void)
{
	int saved = errno;
	char buf[24];
	ssize_t n;

	n = pread(fail_fd, buf, sizeof(buf) - 1, 0);
	if (write(fail_fd, "0", 1) != 1 || n <= 0)
		return -1;
	buf[n] = '\0';
	errno = saved;
	return atol(buf) == 0;
}

/*
 * @call (an expression: 0, or -1 with errno set) made with the @nth
 * allocation of the test process failed: its errno, or 0.  @f1 is set to
 * whether an allocation was failed (fault_end()).  The test fails, as
 * CHECK() does, if fail-nth cannot be used, or if the call failed otherwise
 * than cleanly or without a failed allocation.
 */
#define FAULTED(nth, what, f1, call)					\
	({								\
		int __err;						\
									\
		SETUP(fault_start(nth));				\
		__err = outcome(call);					\
		(f1) = fault_end();					\
		CHECK((f1) >= 0, "fail-nth: %s", strerror(errno));	\
		CHECK(!__err || ((f1) && clean_error(__err)),		\
		      "nth %d: %s: %s", nth, what, strerror(__err));	\
		__err;							\
	})

/* Count a try and say whether the loop goes on (an allocation failed). */
static bool tried(int failed, long *calls, long *fails)
{
	(*calls)++;
	total->calls++;
	if (failed > 0) {
		(*fails)++;
		total->failed++;
	}
	return failed > 0;
}

static void summary(const char *what, long calls, long fails)
{
	diag("faults: %s: %ld calls, %ld allocations failed", what, calls,
	     fails);
}

static char *reg_path(char *buf, size_t len, pid_t pid)
{
	snprintf(buf, len, "%s/restrack/%d", cg_mount(), pid);
	return buf;
}

static bool is_registered(pid_t pid)
{
	struct per_proc_resource st;

	return !rt_fetch(&st, pid);
}

/* no registration and no restrack/<pid> cgroup of @pid left */
static bool no_registration(pid_t pid)
{
	char dir[PATH_MAX];

	return !is_registered(pid) && errno == EINVAL &&
	       access(reg_path(dir, sizeof(dir), pid), F_OK) && errno == ENOENT;
}

/*
 * After the @nth try of @call failed with @err: what fetch() says of @pid,
 * whether its restrack/<pid> exists and holds it, and whether @cg does.
 */
static void show_reg_state(int nth, const char *call, int err, pid_t pid,
			   const char *cg)
{
	struct per_proc_resource st;
	int fe = rt_fetch(&st, pid) ? errno : 0;
	char dir[PATH_MAX];

	reg_path(dir, sizeof(dir), pid);
	diag("nth %d: %s %s; fetch %s, %s %s, in it %d, in %s %d", nth, call,
	     strerror(err), strerror(fe), dir,
	     access(dir, F_OK) ? "absent" : "exists", cg_has_pid(dir, pid),
	     cg, cg_has_pid(cg, pid));
}

/* set up fault injection first: a run without it fails */
RT_TEST(fault_injection)
{
	return faults_setup() ? KSFT_FAIL : KSFT_PASS;
}

/*
 * register(), then deregister(), with each allocation of each failed in
 * turn: a failed register leaves the process where it was, unregistered;
 * a failed deregister leaves it registered, and a second one works.
 */
RT_FIXTURE_TEST(register_deregister)
{
	long calls = 0, fails = 0;
	char dir[PATH_MAX];
	int nth, err, f1;

	for (nth = 1; nth < MAX_NTH; nth++) {
		err = FAULTED(nth, "register", f1,
			      rt_register(f->a.pid));
		if (err) {
			if (!no_registration(f->a.pid) ||
			    !cg_has_pid(f->cg, f->a.pid)) {
				show_reg_state(nth, "register", err, f->a.pid,
					       f->cg);
				CHECK(0, "nth %d: a failed register left a trace",
				      nth);
			}
		} else {
			CHECK(is_registered(f->a.pid) &&
			      cg_has_pid(reg_path(dir, sizeof(dir), f->a.pid),
					 f->a.pid), "nth %d: not registered", nth);
			CHECK(!rt_deregister(f->a.pid),
			      "deregister: %s", strerror(errno));
		}
		CHECK(!rt_check(f->cg, "after register"), "nth %d", nth);
		if (!tried(f1, &calls, &fails))
			break;
	}
	CHECK(nth < MAX_NTH, "register never ran through");
	summary("register", calls, fails);

	calls = fails = 0;
	for (nth = 1; nth < MAX_NTH; nth++) {
		CHECK(!rt_register(f->a.pid), "register: %s",
		      strerror(errno));
		err = FAULTED(nth, "deregister", f1,
			      rt_deregister(f->a.pid));
		if (err) {
			if (!is_registered(f->a.pid) ||
			    !cg_has_pid(reg_path(dir, sizeof(dir), f->a.pid),
					f->a.pid)) {
				show_reg_state(nth, "deregister", err, f->a.pid,
					       f->cg);
				CHECK(0, "nth %d: a failed deregister left it half",
				      nth);
			}
			CHECK(!rt_deregister(f->a.pid),
			      "nth %d: deregister again: %s", nth,
			      strerror(errno));
		}
		CHECK(no_registration(f->a.pid) && cg_has_pid(f->cg, f->a.pid),
		      "nth %d: not back", nth);
		CHECK(!rt_check(f->cg, "after deregister"), "nth %d", nth);
		if (!tried(f1, &calls, &fails))
			break;
	}
	CHECK(nth < MAX_NTH, "deregister never ran through");
	summary("deregister", calls, fails);
	return KSFT_PASS;
}

/* op 0: resource_cap(@pid, 1024, 1000), 1: resource_reset(), 2: fetch() */
static long cap_reset_fetch(int op, pid_t pid)
{
	struct per_proc_resource st;

	return op == 0 ? rt_resource_cap(pid, 1024, 1000) :
	       op == 1 ? rt_resource_reset(pid) :
			 rt_fetch(&st, pid);
}

/* resource_cap(), resource_reset() and fetch() of a registered process */
RT_FIXTURE_TEST(cap_reset_fetch)
{
	long calls = 0, fails = 0, heap, files;
	char dir[PATH_MAX];
	int nth, err, f1, op;
	static const char * const names[] = { "cap", "reset", "fetch" };

	reg_path(dir, sizeof(dir), f->a.pid);
	CHECK(!rt_register(f->a.pid), "register: %s", strerror(errno));
	for (op = 0; op < 3; op++) {
		calls = fails = 0;
		for (nth = 1; nth < MAX_NTH; nth++) {
			if (op == 1)
				CHECK(!rt_resource_cap(f->a.pid, 1024,
							     1000),
				      "cap: %s", strerror(errno));
			err = FAULTED(nth, names[op], f1,
				      cap_reset_fetch(op, f->a.pid));
			heap = cg_read_max(dir, "restrack.heap.max");
			files = cg_read_max(dir, "restrack.files.max");
			if (op == 0 && !err)
				CHECK(heap == 1024L * MIB && files == 1000,
				      "nth %d: cap left %ld %ld", nth, heap,
				      files);
			else if (op == 1 && err)
				CHECK(heap == 1024L * MIB && files == 1000,
				      "nth %d: a failed reset changed the limits",
				      nth);
			else
				CHECK(heap == CG_MAX && files == CG_MAX,
				      "nth %d: %s left %ld %ld", nth,
				      names[op], heap, files);
			if (op == 0 && !err)
				CHECK(!rt_resource_reset(f->a.pid),
				      "reset: %s", strerror(errno));
			if (op == 1 && err)
				CHECK(!rt_resource_reset(f->a.pid),
				      "reset again: %s", strerror(errno));
			CHECK(is_registered(f->a.pid), "nth %d: unregistered",
			      nth);
			CHECK(!rt_check(dir, names[op]), "nth %d", nth);
			if (!tried(f1, &calls, &fails))
				break;
		}
		CHECK(nth < MAX_NTH, "%s never ran through", names[op]);
		summary(names[op], calls, fails);
	}
	CHECK(!rt_deregister(f->a.pid), "deregister: %s",
	      strerror(errno));
	return KSFT_PASS;
}

/* the writes of restrack's files: the old value or the new one, no other */
RT_FIXTURE_TEST(cgroupfs_writes)
{
	static const struct {
		const char *file, *val, *old;
	} w[] = {
		{ "restrack.heap.max", "67108864", "max" },
		{ "restrack.files.max", "500", "max" },
		{ "restrack.policy", "kill", "deny" },
	};
	long calls, fails;
	char buf[64];
	int nth, f1, err;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		calls = fails = 0;
		for (nth = 1; nth < MAX_NTH; nth++) {
			err = FAULTED(nth, w[i].file, f1,
				      cg_write(f->cg, w[i].file, w[i].val));
			CHECK(!cg_read(f->cg, w[i].file, buf, sizeof(buf)) && buf[0],
			      "read %s", w[i].file);
			buf[strcspn(buf, "\n")] = '\0';
			CHECK(!strcmp(buf, err ? w[i].old : w[i].val),
			      "nth %d: %s reads %s after %s", nth, w[i].file,
			      buf, err ? strerror(err) : "success");
			CHECK(!cg_write(f->cg, w[i].file, w[i].old),
			      "restore %s", w[i].file);
			CHECK(!rt_check(f->cg, w[i].file), "nth %d", nth);
			if (!tried(f1, &calls, &fails))
				break;
		}
		CHECK(nth < MAX_NTH, "%s never ran through", w[i].file);
		summary(w[i].file, calls, fails);
	}
	return KSFT_PASS;
}

/*
 * mkdir and rmdir of a cgroup under one with restrack enabled, and
 * enabling restrack over a charged cgroup: the controller is on or off,
 * never half, and the charges are where the oracle says.
 */
RT_FIXTURE_TEST_NESTED(mkdir_enable)
{
	char sub[PATH_MAX];
	long calls = 0, fails = 0;
	int nth, f1, err;

	CHECK(!cg_path(sub, f->parent, "sub"), "name");
	for (nth = 1; nth < MAX_NTH; nth++) {
		err = FAULTED(nth, "mkdir", f1, mkdir(sub, 0755));
		if (err) {
			CHECK(access(sub, F_OK) && errno == ENOENT,
			      "nth %d: a failed mkdir left %s", nth, sub);
		} else {
			CHECK(cg_file_exists(sub, "restrack.heap.current"),
			      "nth %d: made without the controller", nth);
			CHECK(!rmdir(sub), "rmdir: %s", strerror(errno));
		}
		CHECK(!rt_check(f->parent, "mkdir"), "nth %d", nth);
		if (!tried(f1, &calls, &fails))
			break;
	}
	CHECK(nth < MAX_NTH, "mkdir never ran through");
	summary("mkdir", calls, fails);

	calls = fails = 0;
	for (nth = 1; nth < MAX_NTH; nth++) {
		CHECK(!mkdir(sub, 0755), "mkdir: %s", strerror(errno));
		err = FAULTED(nth, "rmdir", f1, rmdir(sub));
		if (err)
			CHECK(!rmdir(sub), "rmdir again: %s", strerror(errno));
		CHECK(access(sub, F_OK) && errno == ENOENT, "nth %d: left",
		      nth);
		if (!tried(f1, &calls, &fails))
			break;
	}
	CHECK(nth < MAX_NTH, "rmdir never ran through");
	summary("rmdir", calls, fails);

	/* the agent holds charges: enabling restrack over it charges them */
	CHECK(ag_call(&f->a, AG_MMAP, 0, 4 * MIB, RW,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != -1,
	      "mmap: %s", strerror(errno));
	calls = fails = 0;
	for (nth = 1; nth < MAX_NTH; nth++) {
		CHECK(!cg_disable(f->parent, "restrack"), "disable: %s",
		      strerror(errno));
		err = FAULTED(nth, "enable", f1,
			      cg_write(f->parent, "cgroup.subtree_control",
				       "+restrack"));
		CHECK(cg_file_exists(f->cg, "restrack.heap.current") == !err,
		      "nth %d: controller files after %s", nth,
		      err ? strerror(err) : "success");
		if (err)
			CHECK(!cg_enable(f->parent, "restrack"), "enable: %s",
			      strerror(errno));
		CHECK(!rt_check(f->cg, "enable"), "nth %d", nth);
		CHECK(!rt_check(f->parent, "enable (parent)"), "nth %d", nth);
		if (!tried(f1, &calls, &fails))
			break;
	}
	CHECK(nth < MAX_NTH, "enabling never ran through");
	summary("subtree_control +restrack", calls, fails);
	return KSFT_PASS;
}

/* a charged process moved between two limited cgroups */
RT_FIXTURE_TEST(migrate)
{
	char other[PATH_MAX] = "", pid[16];
	long calls = 0, fails = 0;
	int nth, f1, err;
	bool there;

	CHECK(!cg_make(other, f->root, "migrate-other"), "mkdir: %s",
	      strerror(errno));
	CHECK(!cg_write(other, "restrack.heap.max", "1G") &&
	      !cg_write(f->cg, "restrack.heap.max", "1G"), "limits");
	CHECK(ag_call(&f->a, AG_MMAP, 0, 4 * MIB, RW,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != -1 &&
	      ag_call(&f->a, AG_PIPE, 0) == 0, "charge: %s", strerror(errno));
	snprintf(pid, sizeof(pid), "%d", f->a.pid);
	for (nth = 1; nth < MAX_NTH; nth++) {
		err = FAULTED(nth, "move", f1,
			      cg_write(other, "cgroup.procs", pid));
		/* the mm's charge moves when the agent next runs: let it */
		CHECK(ag_call(&f->a, AG_NOP, 0) == 0, "agent: %s",
		      strerror(errno));
		there = cg_has_pid(other, f->a.pid);
		CHECK(there == !err && cg_has_pid(f->cg, f->a.pid) == !!err,
		      "nth %d: in %s after %s", nth, there ? other : f->cg,
		      err ? strerror(err) : "success");
		CHECK(!rt_check(f->cg, "from") && !rt_check(other, "to"),
		      "nth %d", nth);
		if (there)
			CHECK(!cg_write(f->cg, "cgroup.procs", pid), "back");
		CHECK(!rt_check(f->cg, "back") && !rt_check(other, "left"),
		      "nth %d", nth);
		if (!tried(f1, &calls, &fails))
			break;
	}
	CHECK(nth < MAX_NTH, "the move never ran through");
	summary("migration", calls, fails);
	cg_destroy(other);
	return KSFT_PASS;
}

/*
 * What a charged process does, faulted in the process: each call
 * returns or fails cleanly, and usage equals the oracle after it.
 */
RT_FIXTURE_TEST(process_calls)
{
	enum { MMAP, BRK, OPEN, PIPE, SOCKETS, GROW, FORK, THREAD, NR };
	static const char * const names[NR] = {
		"mmap", "brk", "open", "pipe", "socketpair", "dup2 (table growth)",
		"fork", "thread",
	};
	long calls, fails, r = 0, left, src;
	int op, nth, err;

	CHECK(!cg_write(f->cg, "restrack.heap.max", "1G") &&
	      !cg_write(f->cg, "restrack.files.max", "5000"), "limits");
	src = ag_call(&f->a, AG_OPEN, 0);
	CHECK(src >= 0, "open: %s", strerror(errno));
	for (op = 0; op < NR; op++) {
		calls = fails = 0;
		for (nth = 1; nth < MAX_NTH; nth++) {
			switch (op) {
			case MMAP:
				r = ag_call_fault(&f->a, nth, &left, AG_MMAP, 0,
						  MIB, RW,
						  MAP_PRIVATE | MAP_ANONYMOUS,
						  -1, 0);
				break;
			case BRK:
				r = ag_call_fault(&f->a, nth, &left, AG_SBRK,
						  MIB);
				break;
			case OPEN:
				r = ag_call_fault(&f->a, nth, &left, AG_OPEN, 0);
				break;
			case PIPE:
				r = ag_call_fault(&f->a, nth, &left, AG_PIPE, 0);
				break;
			case SOCKETS:
				r = ag_call_fault(&f->a, nth, &left,
						  AG_SOCKETPAIR, SOCK_STREAM);
				break;
			case GROW:
				/* past the 64 slots a table starts with */
				r = ag_call_fault(&f->a, nth, &left, AG_DUP2,
						  src, 900);
				break;
			case FORK:
				r = ag_call_fault(&f->a, nth, &left,
						  AG_FORK_EXIT, 0);
				break;
			case THREAD:
				r = ag_call_fault(&f->a, nth, &left,
						  AG_THREADS, 1, 0, 4, 1);
				break;
			}
			err = outcome(r);
			CHECK(!f->a.dead, "nth %d: %s: the agent died", nth,
			      names[op]);
			CHECK(left >= 0, "fail-nth: %s", strerror(err));
			CHECK(!err || (!left && clean_error(err)),
			      "nth %d: %s: %s", nth, names[op], strerror(err));
			CHECK(!rt_check(f->cg, names[op]), "nth %d: %s", nth,
			      names[op]);
			/* undo what succeeded */
			if (!err) {
				switch (op) {
				case MMAP:
					r = ag_call(&f->a, AG_MUNMAP, r, MIB);
					break;
				case BRK:
					r = ag_call(&f->a, AG_SBRK, -MIB);
					break;
				case OPEN:
				case GROW:
					r = ag_call(&f->a, AG_CLOSE, r);
					break;
				case PIPE:
				case SOCKETS: {
					/* a reply overwrites v[] */
					long fd1 = f->a.v[1];

					r = ag_call(&f->a, AG_CLOSE, f->a.v[0]);
					if (r != -1)
						r = ag_call(&f->a, AG_CLOSE, fd1);
					break;
				}
				case THREAD:
					r = ag_call(&f->a, AG_THREADS_STOP);
					break;
				default:
					r = 0;
				}
				CHECK(r != -1, "undo %s: %s", names[op],
				      strerror(errno));
				CHECK(!rt_check(f->cg, "undone"), "nth %d: %s",
				      nth, names[op]);
			}
			if (!tried(!left, &calls, &fails))
				break;
		}
		CHECK(nth < MAX_NTH, "%s never ran through", names[op]);
		summary(names[op], calls, fails);
	}
	return KSFT_PASS;
}

/*
 * exec in a charged process, alone and with its descriptor table shared
 * (the copy exec makes is charged before the point of no return).  A
 * failure before it returns a clean error to a process whose usage is
 * the oracle's; after it, the process dies of SIGSEGV or SIGKILL.  The
 * exec'd image reports what was left of fail-nth.
 */
static char exec_path[PATH_MAX];

static int exec_child(const char *cg, bool shared, int nth, int rfd,
		      int wfd)
{
	char arg[16];
	char *argv[] = { "restrack_faults_exec", arg, NULL };
	pid_t peer = 0;
	long err;

	/* an inherited fail-nth is the parent's thread's */
	if (fail_fd >= 0)
		close(fail_fd);
	fail_fd = -1;
	if (cg_enter(cg, getpid()))
		return 90;
	if (shared) {
		/* the test's child, which it kills and reaps */
		peer = syscall(SYS_clone,
			       (long)(CLONE_FILES | CLONE_PARENT | SIGCHLD),
			       0L, 0L, 0L, 0L);
		if (peer == 0)
			for (;;)
				pause();
		if (peer < 0)
			return 91;
	}
	snprintf(arg, sizeof(arg), "%d", wfd);
	if (fault_start(nth))
		return 92;
	/* a path of its own: a walk of /proc may fail with ENOENT */
	execv(exec_path, argv);
	err = errno;
	if (fault_end() < 0)
		return 93;
	/* failed cleanly: say so, and wait to be checked */
	if (write(wfd, &err, sizeof(err)) != sizeof(err))
		return 94;
	if (read(rfd, &err, 1) < 0)
		return 95;
	return 0;
}

/*
 * Usage of @cg against the oracle while the exec'd child @child is
 * stopped after its failed exec: a peer sharing its table (any process
 * but @agent and @child) has the same descriptors, charged once, which
 * the per-process oracle would count twice.
 */
static int check_survivor(const char *cg, pid_t agent, pid_t child)
{
	struct rt_usage o;
	pid_t pids[16];
	int i, n;

	if (rt_oracle(cg, &o))
		return -1;
	n = cg_read_pids(cg, pids, ARRAY_SIZE(pids));
	for (i = 0; i < n; i++)
		if (pids[i] != agent && pids[i] != child)
			o.files -= fd_count(pids[i]);
	return rt_check_expect(cg, "after a failed exec", o.heap, o.files);
}

/* kill and reap what is left in @cg but @keep (a CLONE_PARENT peer) */
static void kill_others(const char *cg, pid_t keep)
{
	pid_t pids[16];
	int i, n = cg_read_pids(cg, pids, ARRAY_SIZE(pids));

	for (i = 0; i < n; i++) {
		if (pids[i] == keep)
			continue;
		kill(pids[i], SIGKILL);
		wait_exit(pids[i], 5000, NULL);
	}
}

static int exec_faults(struct __test_metadata *_metadata,
		       const char *cg, pid_t agent, bool shared)
{
	const char *what = shared ? "exec (shared table)" : "exec";
	long calls = 0, fails = 0, msg;
	int nth, status, to[2] = { -1, -1 }, from[2] = { -1, -1 };
	pid_t pid = -1;
	bool failed;
	ssize_t n;

	for (nth = 1; nth < MAX_NTH; nth++) {
		SETUP(pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC));
		fflush(NULL);
		pid = fork();
		SETUP(pid < 0);
		if (pid == 0) {
			close(to[1]);
			close(from[0]);
			/* the exec'd image writes to @from: keep it open */
			fcntl(from[1], F_SETFD, 0);
			_exit(exec_child(cg, shared, nth, to[0], from[1]));
		}
		close(to[0]);
		close(from[1]);
		to[0] = from[1] = -1;
		n = read_full_timeout(from[0], &msg, sizeof(msg), 20000);
		failed = true;
		if (n == sizeof(msg) && msg > 0) {
			/*
			 * A clean error: the survivor's usage is the oracle's.
			 * exec's own answers to an allocation that fails: E2BIG
			 * (a page of the new stack, copy_strings()), ENOEXEC
			 * (a page of the file's head, which then reads short).
			 */
			CHECK(clean_error(msg) || msg == E2BIG ||
			      msg == ENOEXEC, "nth %d: %s: %s", nth, what,
			      strerror(msg));
			CHECK(!check_survivor(cg, agent, pid), "nth %d: %s failed",
			      nth, what);
		} else if (n == sizeof(msg)) {
			/* it ran: -1 if an allocation failed on the way */
			CHECK(msg != -2, "nth %d: %s: fail-nth unread", nth,
			      what);
			failed = msg == -1;
		}
		close(to[1]);
		to[1] = -1;
		CHECK(!wait_exit(pid, 20000, &status), "nth %d: %s hangs",
		      nth, what);
		pid = -1;
		/*
		 * Without a word from it, the process died past exec's point
		 * of no return (SIGSEGV, SIGKILL), or the new image met the
		 * failure in its own start: static glibc exits 127 when brk()
		 * cannot give it its TLS block.
		 */
		CHECK((WIFEXITED(status) && !WEXITSTATUS(status)) ||
		      (n <= 0 && WIFSIGNALED(status) &&
		       (WTERMSIG(status) == SIGSEGV ||
			WTERMSIG(status) == SIGKILL)) ||
		      (n <= 0 && WIFEXITED(status) &&
		       WEXITSTATUS(status) == 127),
		      "nth %d: %s: status %#x", nth, what, status);
		close(from[0]);
		from[0] = -1;
		kill_others(cg, agent);
		CHECK(cg_nr_procs(cg) == 1, "nth %d: %s: strays", nth, what);
		CHECK(!rt_check(cg, what), "nth %d: %s", nth, what);
		if (!tried(failed, &calls, &fails))
			break;
	}
	CHECK(nth < MAX_NTH, "%s never ran through", what);
	summary(what, calls, fails);
	return 0;
}

RT_FIXTURE_TEST(exec)
{
	ssize_t n = readlink("/proc/self/exe", exec_path, sizeof(exec_path) - 1);

	SETUP(n <= 0);
	exec_path[n] = '\0';
	/* restrack_faults_exec (exec_image.c), beside this program */
	snprintf(exec_path + n, sizeof(exec_path) - n, "_exec");
	SETUP(access(exec_path, X_OK));
	CHECK(!cg_write(f->cg, "restrack.heap.max", "1G") &&
	      !cg_write(f->cg, "restrack.files.max", "5000"), "limits");
	CHECK(!exec_faults(_metadata, f->cg, f->a.pid, false), "exec");
	CHECK(!exec_faults(_metadata, f->cg, f->a.pid, true),
	      "exec with a shared table");
	return KSFT_PASS;
}

RT_TEST(totals)
{
	diag("faults: %ld calls tried, %ld allocations failed", total->calls,
	     total->failed);
	return total->failed > 0 ? KSFT_PASS : KSFT_FAIL;
}

int main(int argc, char **argv)
{
	agent_exec_hook(argc, argv);
	total = mmap(NULL, sizeof(*total), RW, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	if (total == MAP_FAILED)
		return 1;
	return rt_harness_main(argc, argv, "rt-faults");
}
