// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the restrack system calls -- register(2), fetch(2),
 * deregister(2), resource_cap(2), resource_reset(2) -- and of
 * /proc/tracker_status.
 *
 * The return code table of the contract is checked row by row, with the
 * state left unchanged by each failing call.  What the calls do is checked
 * in the cgroup tree (/proc/PID/cgroup of every thread, the per-process
 * cgroup restrack/<pid>, its restrack.* files), fetch() against the
 * independent oracles (VmData and /proc/PID/fd of the processes in the
 * cgroup), quota kills against wait statuses, and the listing line by line.
 * Then pid reuse, pid namespaces, privilege, a race hammer that must leak
 * nothing, and a listing of 1000 entries.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/types.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define RT_TIMEOUT	180
#include "restrack_harness.h"

/* How long an exited process' registration may take to vanish. */
#define GONE_MS		2500

#define STATUS_PATH	"/proc/tracker_status"
#define STATUS_HEADER	"PID COMMAND HEAP_MIB HEAP_CAP_MIB FILES FILE_CAP POLICY CGROUP"

static const char *errno_name(int err)
{
	switch (err) {
	case 0:		return "no error";
	case EPERM:	return "EPERM";
	case ENOENT:	return "ENOENT";
	case ESRCH:	return "ESRCH";
	case ENOMEM:	return "ENOMEM";
	case EFAULT:	return "EFAULT";
	case EBUSY:	return "EBUSY";
	case EEXIST:	return "EEXIST";
	case ENODEV:	return "ENODEV";
	case EINVAL:	return "EINVAL";
	case ENFILE:	return "ENFILE";
	}
	return strerror(err);
}

static void check_call(struct __test_metadata *_metadata, long r, int err,
		       int want, const char *expr, const char *func, int line)
{
	if (want ? r == -1 && err == want : r == 0)
		return;
	diag("%s:%d: %s = %ld (%s), expected %s%s", func, line, expr, r,
	     r == -1 ? errno_name(err) : "no error", want ? "-1 " : "0",
	     want ? errno_name(want) : "");
	check_failed(_metadata);
}

/*
 * @expr must return 0 (@want 0) or -1 with errno @want.  Anything else is
 * reported with the line and the call, and fails as CHECK() does.
 */
#define CHECK_CALL(expr, want)						\
	({								\
		long r_;						\
									\
		errno = 0;						\
		r_ = (expr);						\
		check_call(_metadata, r_, errno, (want), #expr,		\
			   __func__, __LINE__);				\
	})

static bool dir_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* restrack/<pid>, the cgroup register(pid) creates, as a file system path */
static void reg_dir(char *buf, pid_t pid)
{
	snprintf(buf, PATH_MAX, "%s/restrack/%d", cg_mount(), pid);
}

/* A cgroup's path as /proc/PID/cgroup shows it: /rt-sys-test/a */
static const char *cg_rel(const char *cg)
{
	return cg + strlen(cg_mount());
}

/* @pid is in the cgroup @rel (as /proc/PID/cgroup shows it); else diag. */
static bool in_cgroup(pid_t pid, const char *rel)
{
	char cur[PATH_MAX];

	if (task_cgroup(pid, 0, cur, sizeof(cur))) {
		diag("reading /proc/%d/cgroup: %s", pid, strerror(errno));
		return false;
	}
	if (strcmp(cur, rel)) {
		diag("process %d is in %s, expected %s", pid, cur, rel);
		return false;
	}
	return true;
}

/* @pid is in restrack/<@owner>. */
static bool in_reg_cgroup(pid_t pid, pid_t owner)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "/restrack/%d", owner);
	return in_cgroup(pid, rel);
}

/* Every thread of @pid is in @rel, and there are @nr_threads of them. */
static int threads_in_cgroup(pid_t pid, const char *rel, int nr_threads)
{
	char path[64], cur[PATH_MAX];
	struct dirent *de;
	int n = 0, bad = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		diag("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		pid_t tid = atoi(de->d_name);

		if (tid <= 0)
			continue;
		n++;
		if (task_cgroup(pid, tid, cur, sizeof(cur))) {
			diag("thread %d of %d: %s", tid, pid, strerror(errno));
			bad++;
		} else if (strcmp(cur, rel)) {
			diag("thread %d of %d is in %s, expected %s", tid, pid,
			     cur, rel);
			bad++;
		}
	}
	closedir(d);
	if (n != nr_threads)
		diag("process %d has %d threads, expected %d", pid, n,
		     nr_threads);
	return bad || n != nr_threads ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* /proc/tracker_status */

struct status_entry {
	long pid;
	char comm[32];
	long heap;
	long heap_cap;		/* CG_MAX for "max" */
	long files;
	long file_cap;		/* CG_MAX for "max" */
	char policy[16];
	char cgroup[256];
};

static int parse_count(const char *s, long *val)
{
	char *end;

	errno = 0;
	*val = strtol(s, &end, 10);
	return errno || end == s || *end || *val < 0 ? -1 : 0;
}

static int parse_cap(const char *s, long *val)
{
	if (!strcmp(s, "max")) {
		*val = CG_MAX;
		return 0;
	}
	return parse_count(s, val);
}

/* One entry line: exactly eight whitespace-separated columns. */
static int status_parse_line(char *line, struct status_entry *e)
{
	char *tok[8], *t, *save = NULL;
	int n = 0;

	for (t = strtok_r(line, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n == 8)
			return -1;
		tok[n++] = t;
	}
	if (n != 8 || parse_count(tok[0], &e->pid) || e->pid < 1 ||
	    strlen(tok[1]) >= sizeof(e->comm) ||
	    parse_count(tok[2], &e->heap) || parse_cap(tok[3], &e->heap_cap) ||
	    parse_count(tok[4], &e->files) || parse_cap(tok[5], &e->file_cap) ||
	    (strcmp(tok[6], "deny") && strcmp(tok[6], "kill")) ||
	    strlen(tok[7]) >= sizeof(e->cgroup))
		return -1;
	snprintf(e->comm, sizeof(e->comm), "%s", tok[1]);
	snprintf(e->policy, sizeof(e->policy), "%s", tok[6]);
	snprintf(e->cgroup, sizeof(e->cgroup), "%s", tok[7]);
	return 0;
}

/*
 * Reads /proc/tracker_status, checks the header and the format of every
 * line and returns the number of entries, -1 on error.  With @pid > 0,
 * *@found tells whether @pid has an entry (at most one), and @e gets it.
 */
static int status_read_at(const char *path, pid_t pid, struct status_entry *e,
			  bool *found);

static int status_read(pid_t pid, struct status_entry *e, bool *found)
{
	return status_read_at(STATUS_PATH, pid, e, found);
}

/* The same, of the tracker_status at @path (of another procfs) */
static int status_read_at(const char *path, pid_t pid, struct status_entry *e,
			  bool *found)
{
	char *buf = read_text_alloc(path, NULL), *line, *save = NULL;
	char copy[512];
	struct status_entry tmp;
	int entries = 0, ret = -1;

	if (found)
		*found = false;
	if (!buf) {
		diag("reading %s: %s", path, strerror(errno));
		return -1;
	}
	line = strtok_r(buf, "\n", &save);
	if (!line || strcmp(line, STATUS_HEADER)) {
		diag("%s: header is \"%s\", expected \"%s\"", path,
		     line ? line : "", STATUS_HEADER);
		goto out;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		snprintf(copy, sizeof(copy), "%s", line);
		if (status_parse_line(line, &tmp)) {
			diag("%s: malformed line \"%s\"", path, copy);
			goto out;
		}
		entries++;
		if (pid <= 0 || tmp.pid != pid)
			continue;
		if (found && *found) {
			diag("%s: two lines for pid %d", path, pid);
			goto out;
		}
		if (e)
			*e = tmp;
		if (found)
			*found = true;
	}
	ret = entries;
out:
	free(buf);
	return ret;
}

/* 1 if @pid has a line in /proc/tracker_status, 0 if not, -1 on error */
static int status_has(pid_t pid)
{
	bool found;

	if (status_read(pid, NULL, &found) < 0)
		return -1;
	return found;
}

/* The line of @pid; 0 if there is one, else diag. */
static int status_get(pid_t pid, struct status_entry *e)
{
	bool found;

	if (status_read(pid, e, &found) < 0)
		return -1;
	if (!found) {
		diag("%s has no line for %d", STATUS_PATH, pid);
		return -1;
	}
	return 0;
}

/* @pid is registered: it has a line, a cgroup, and it is in that cgroup. */
static bool is_registered(pid_t pid)
{
	char dir[PATH_MAX];
	int listed = status_has(pid);

	reg_dir(dir, pid);
	if (listed != 1)
		diag("%d is not listed in %s", pid, STATUS_PATH);
	if (!dir_exists(dir))
		diag("%s does not exist", dir);
	return listed == 1 && dir_exists(dir) && in_reg_cgroup(pid, pid);
}

/* @pid has neither a line nor a cgroup restrack/<pid>. */
static bool is_unregistered(pid_t pid)
{
	char dir[PATH_MAX];
	int listed = status_has(pid);

	reg_dir(dir, pid);
	if (listed)
		diag("%d is listed in %s", pid, STATUS_PATH);
	if (dir_exists(dir))
		diag("%s exists", dir);
	return !listed && !dir_exists(dir);
}

/* Waits until @pid has neither a line nor a cgroup. */
static int wait_unregistered(pid_t pid, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	char dir[PATH_MAX];
	bool exists;
	int listed;

	reg_dir(dir, pid);
	for (;;) {
		listed = status_has(pid);
		exists = dir_exists(dir);
		if (!listed && !exists)
			return 0;
		if (listed < 0 || now_ms() > deadline)
			break;
		sleep_ms(5);
	}
	diag("%d still registered after %d ms:%s%s", pid, timeout_ms,
	     listed ? " listed in " STATUS_PATH : "",
	     exists ? " its cgroup exists" : "");
	return -1;
}

/* Waits until @pid has no line in /proc/tracker_status. */
static int wait_unlisted(pid_t pid, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	int listed;

	while ((listed = status_has(pid)) == 1 && now_ms() < deadline)
		sleep_ms(5);
	if (listed)
		diag("%d still listed after %d ms", pid, timeout_ms);
	return listed ? -1 : 0;
}

/* Number of restrack/<pid> cgroups; diag names them if @show. */
static int count_reg_dirs(bool show)
{
	char top[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(top, sizeof(top), "%s/restrack", cg_mount());
	d = opendir(top);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || atoi(de->d_name) <= 0)
			continue;
		if (show && n < 20)
			diag("left over: %s/%s", top, de->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/*
 * Waits until no process is registered: /proc/tracker_status has only its
 * header and restrack/ no <pid> cgroup.  Reaps orphans meanwhile.
 */
static int wait_no_registrations(int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	int entries, dirs;
	char *text;

	for (;;) {
		reap_zombies();
		entries = status_read(0, NULL, NULL);
		dirs = count_reg_dirs(false);
		if (!entries && !dirs)
			return 0;
		if (entries < 0 || dirs < 0 || now_ms() > deadline)
			break;
		sleep_ms(10);
	}
	diag("after %d ms: %d entries in %s, %d cgroups in restrack/",
	     timeout_ms, entries, STATUS_PATH, dirs);
	text = read_text_alloc(STATUS_PATH, NULL);
	if (text) {
		diag("%.900s", text);
		free(text);
	}
	count_reg_dirs(true);
	return -1;
}

/* ------------------------------------------------------------------ */
/* processes */

/* A pid no process has: that of a child that exited and was reaped. */
static pid_t unused_pid(void)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		return -1;
	if (!kill(pid, 0) || errno != ESRCH)
		return -1;
	return pid;
}

/* A child that has exited and is not reaped yet. */
static pid_t zombie(void)
{
	siginfo_t si;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitid(P_PID, pid, &si, WEXITED | WNOWAIT))
		return -1;
	return pid;
}

/* @pid is a kernel thread (PF_KTHREAD in /proc/PID/stat) */
static bool is_kthread(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long flags;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return false;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return false;
	return flags & 0x00200000;
}

/* The first kernel thread in /proc (kthreadd is pid 2 but need not be), or -1 */
static pid_t find_kthread(void)
{
	pid_t pid;

	for (pid = 2; pid < 4096; pid++)
		if (is_kthread(pid))
			return pid;
	return -1;
}

static void kill_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	wait_exit(pid, 5000, NULL);
}

/*
 * Sleepers: processes that only sleep until released, for tests that send
 * no commands (a changed comm, a chosen pid, a thousand of them).  They
 * share two pipes: each reports on @ready once set up, and all leave when
 * @go is closed.
 */
struct sleepers {
	int go[2];
	int ready[2];
};

static int sleepers_init(struct sleepers *s)
{
	if (pipe(s->go) || pipe(s->ready)) {
		diag("pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* All sleepers exit. */
static void sleepers_release(struct sleepers *s)
{
	if (s->go[1] >= 0)
		close(s->go[1]);
	s->go[1] = -1;
}

static void sleepers_close(struct sleepers *s)
{
	int i;

	sleepers_release(s);
	for (i = 0; i < 2; i++) {
		if (s->ready[i] >= 0)
			close(s->ready[i]);
		s->ready[i] = -1;
	}
	if (s->go[0] >= 0)
		close(s->go[0]);
	s->go[0] = -1;
}

/* Uses only system calls: it also runs in a child of a raw clone3(). */
static void __noreturn
sleeper_main(struct sleepers *s, const char *cg, const char *comm,
	     pid_t parent)
{
	char c = 'R';

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	close(s->go[1]);
	close(s->ready[0]);
	if (cg && cg_enter(cg, getpid()))
		c = 'E';
	if (comm)
		prctl(PR_SET_NAME, comm);
	if (write(s->ready[1], &c, 1) != 1 || c != 'R')
		_exit(1);
	while (read(s->go[0], &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static pid_t sleeper_ready(struct sleepers *s, pid_t pid)
{
	char c = 0;

	if (read_full_timeout(s->ready[0], &c, 1, 5000) != 1 || c != 'R') {
		diag("sleeper %d did not start", pid);
		kill_reap(pid);
		return -1;
	}
	return pid;
}

/* A sleeper in @cg (NULL: ours) with the command name @comm (NULL: ours) */
static pid_t sleeper_start(struct sleepers *s, const char *cg,
			   const char *comm)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		sleeper_main(s, cg, comm, parent);
	if (pid < 0) {
		diag("fork: %s", strerror(errno));
		return -1;
	}
	return sleeper_ready(s, pid);
}

/*
 * A sleeper with the pid @want, in our cgroup (clone3() with set_tid).
 * Returns -1 with errno set if the kernel does not allow it.
 */
static pid_t sleeper_start_pid(struct sleepers *s, pid_t want)
{
	pid_t tid = want, parent = getpid();
	long pid;

	pid = sys_clone3(0, -1, &tid);
	if (pid == 0)
		sleeper_main(s, NULL, NULL, parent);
	if (pid < 0)
		return -1;
	return sleeper_ready(s, pid);
}

/* ------------------------------------------------------------------ */
/* agents */

static long ag_map(struct agent *a, long bytes)
{
	return ag_call(a, AG_MMAP, 0, bytes, RW, ANON, -1, 0);
}

static long ag_open(struct agent *a)
{
	return ag_call(a, AG_OPEN, 0);
}

/* The agent must die of SIGKILL (it is reaped here). */
static int expect_killed(struct agent *a, const char *what)
{
	pid_t pid = a->pid;
	int status = agent_wait(a, 5000);

	if (!killed_by_sigkill(status)) {
		diag("%s: process %d: wait status %#x, expected SIGKILL", what,
		     pid, status);
		return -1;
	}
	return 0;
}

/*
 * fetch(@pid), checked against its cgroup's restrack.*.current and against
 * the oracles: the VmData of the cgroup's processes, summed, in MiB rounded
 * down, and their /proc/PID/fd entries.  Only while they are quiescent.
 */
static int fetch_check(pid_t pid, struct per_proc_resource *st)
{
	char dir[PATH_MAX];
	struct rt_usage o, cur;

	memset(st, 0xa5, sizeof(*st));
	if (rt_fetch(st, pid)) {
		diag("fetch(%d): %s", pid, errno_name(errno));
		return -1;
	}
	reg_dir(dir, pid);
	if (rt_oracle(dir, &o) || rt_current(dir, &cur))
		return -1;
	if (st->pid != pid || st->heapsize != (unsigned long)(o.heap >> 20) ||
	    st->openfile_count != (unsigned long)o.files ||
	    cur.heap != o.heap || cur.files != o.files) {
		diag("fetch(%d): pid %d heapsize %lu MiB openfile_count %lu;\n"
		     "oracle: %ld MiB (%ld bytes), %ld files;\n"
		     "restrack.heap.current %ld, restrack.files.current %ld",
		     pid, st->pid, st->heapsize, st->openfile_count,
		     o.heap >> 20, o.heap, o.files, cur.heap, cur.files);
		return -1;
	}
	return 0;
}

/*
 * restrack.heap.max (bytes) and restrack.files.max of @pid's cgroup are
 * @heap and @files (CG_MAX: "max"), and its policy is @policy (NULL: any).
 */
static int limits_are(pid_t pid, long heap, long files, const char *policy)
{
	char dir[PATH_MAX], line[16];
	long h, f;

	reg_dir(dir, pid);
	h = cg_read_max(dir, "restrack.heap.max");
	f = cg_read_max(dir, "restrack.files.max");
	snprintf(line, sizeof(line), "%s\n", policy ? policy : "");
	if (h != heap || f != files ||
	    (policy && cg_read_strcmp(dir, "restrack.policy", line))) {
		diag("%s: heap.max %ld, files.max %ld, expected %ld, %ld and policy %s",
		     dir, h, f, heap, files, policy ? policy : "any");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* the return code table */

/* The calls exist and /proc/tracker_status has its header. */
RT_TEST(present)
{
	CHECK_CALL(rt_register(-1), EINVAL);
	CHECK_CALL(rt_fetch(NULL, -1), EINVAL);
	CHECK_CALL(rt_deregister(-1), EINVAL);
	CHECK_CALL(rt_resource_cap(-1, -1, -1), EINVAL);
	CHECK_CALL(rt_resource_reset(-1), EINVAL);
	CHECK(status_read(0, NULL, NULL) >= 0, "%s is readable", STATUS_PATH);
	return KSFT_PASS;
}

/*
 * The return codes of the contract (DESIGN.md section 4,
 * Documentation/userspace-api/restrack.rst), one row per call, one column
 * per condition; 0 where the contract has no such case.  Every failure
 * leaves the process where it was, unregistered.
 */
enum { RC_PID_LT1, RC_NO_PROCESS, RC_NOT_REGISTERED, RC_ALREADY, RC_NR };

static long rc_register(pid_t pid)
{
	return rt_register(pid);
}

static long rc_fetch(pid_t pid)
{
	struct per_proc_resource st;

	return rt_fetch(&st, pid);
}

static long rc_cap(pid_t pid)
{
	return rt_resource_cap(pid, 100, 100);
}

static const struct rc_row {
	const char *name;
	long (*call)(pid_t pid);
	int err[RC_NR];
} rc_table[] = {
	{ "register", rc_register, { EINVAL, ESRCH, 0, ENFILE } },
	{ "fetch", rc_fetch, { EINVAL, EINVAL, EINVAL, 0 } },
	{ "deregister", rt_deregister, { EINVAL, ESRCH, ESRCH, 0 } },
	{ "resource_cap", rc_cap, { EINVAL, ESRCH, EINVAL, ENFILE } },
	{ "resource_reset", rt_resource_reset,
	  { EINVAL, ESRCH, EINVAL, 0 } },
};

RT_TEST(return_codes)
{
	static const pid_t below1[] = { 0, -1, INT_MIN };
	struct fixture f = FIXTURE_INIT;
	pid_t gone;
	size_t r, i;

	gone = unused_pid();
	CHECK(gone > 0, "a free pid");
	SETUP(fixture_setup(&f, root, "a"));
	for (r = 0; r < ARRAY_SIZE(rc_table); r++) {
		const struct rc_row *row = &rc_table[r];

		diag("%s", row->name);
		for (i = 0; i < ARRAY_SIZE(below1); i++)
			CHECK_CALL(row->call(below1[i]), row->err[RC_PID_LT1]);
		CHECK_CALL(row->call(gone), row->err[RC_NO_PROCESS]);
		if (row->err[RC_NOT_REGISTERED])
			CHECK_CALL(row->call(f.a.pid),
				   row->err[RC_NOT_REGISTERED]);
		CHECK(in_cgroup(f.a.pid, cg_rel(f.cg)) && is_unregistered(f.a.pid),
		      "%s: nothing changed", row->name);
		CHECK(is_unregistered(gone), "nothing created for %d", gone);
		if (!row->err[RC_ALREADY])
			continue;
		/* the call succeeds once, and is refused the second time */
		if (row->call != rc_register)
			CHECK_CALL(rt_register(f.a.pid), 0);
		CHECK_CALL(row->call(f.a.pid), 0);
		CHECK_CALL(row->call(f.a.pid), row->err[RC_ALREADY]);
		CHECK(is_registered(f.a.pid), "%s: still registered, once",
		      row->name);
		CHECK_CALL(rt_deregister(f.a.pid), 0);
		CHECK(in_cgroup(f.a.pid, cg_rel(f.cg)), "back in %s", f.cg);
	}
	fixture_teardown(&f);
	return KSFT_PASS;
}

/*
 * register, beyond test_return_codes: a zombie and a kernel thread are no
 * process to track; a refused second register changes nothing.
 */
RT_FIXTURE_TEST(register_errors)
{
	pid_t z = -1, k;

	/* an exited process, not yet reaped, is no process to track */
	z = zombie();
	CHECK(z > 0, "a zombie");
	CHECK_CALL(rt_register(z), ESRCH);
	CHECK(is_unregistered(z), "nothing created for zombie %d", z);
	kill_reap(z);
	z = -1;

	k = find_kthread();
	CHECK(k > 0, "a kernel thread in /proc");
	CHECK_CALL(rt_register(k), ESRCH);

	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK(is_registered(f->a.pid), "registered");
	CHECK_CALL(rt_register(f->a.pid), ENFILE);
	CHECK(is_registered(f->a.pid), "still registered, once");
	CHECK(limits_are(f->a.pid, CG_MAX, CG_MAX, "deny") == 0, "unchanged");
	CHECK_CALL(rt_deregister(f->a.pid), 0);
	CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)), "back in %s", f->cg);
	kill_reap(z);
	return KSFT_PASS;
}

/*
 * fetch: pid < 1, no such process, not registered: EINVAL, with the buffer
 * untouched; a bad buffer: EFAULT.
 */
RT_FIXTURE_TEST(fetch_errors)
{
	struct per_proc_resource st, pattern;
	char *ro, *two;
	pid_t gone;

	memset(&pattern, 0xa5, sizeof(pattern));
	st = pattern;
	CHECK_CALL(rt_fetch(&st, 0), EINVAL);
	CHECK_CALL(rt_fetch(&st, -1), EINVAL);
	CHECK_CALL(rt_fetch(&st, INT_MIN), EINVAL);
	gone = unused_pid();
	CHECK(gone > 0, "a free pid");
	CHECK_CALL(rt_fetch(&st, gone), EINVAL);

	CHECK_CALL(rt_fetch(&st, f->a.pid), EINVAL);
	CHECK(!memcmp(&st, &pattern, sizeof(st)),
	      "failed fetches leave the buffer alone");
	CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)) && is_unregistered(f->a.pid),
	      "fetch registers nothing");

	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK_CALL(rt_fetch(NULL, f->a.pid), EFAULT);
	CHECK_CALL(rt_fetch((void *)1, f->a.pid), EFAULT);
	ro = mmap(NULL, page_size, PROT_READ, ANON, -1, 0);
	CHECK(ro != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK_CALL(rt_fetch((void *)ro, f->a.pid), EFAULT);
	/* a buffer running into an unmapped page */
	two = mmap(NULL, 2 * page_size, RW, ANON, -1, 0);
	CHECK(two != MAP_FAILED, "mmap: %s", strerror(errno));
	CHECK(!munmap(two + page_size, page_size), "munmap");
	CHECK_CALL(rt_fetch((void *)(two + page_size - 8), f->a.pid),
		   EFAULT);
	CHECK(is_registered(f->a.pid), "still registered");

	CHECK(!fetch_check(f->a.pid, &st), "a good fetch");
	CHECK_CALL(rt_deregister(f->a.pid), 0);
	st = pattern;
	CHECK_CALL(rt_fetch(&st, f->a.pid), EINVAL);
	CHECK(!memcmp(&st, &pattern, sizeof(st)), "buffer untouched");
	munmap(ro, page_size);
	munmap(two, page_size);
	return KSFT_PASS;
}

/* deregister, beyond test_return_codes: after a deregister, ESRCH again */
RT_FIXTURE_TEST(deregister_errors)
{
	CHECK_CALL(rt_deregister(f->a.pid), ESRCH);
	CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)) && is_unregistered(f->a.pid),
	      "nothing changed");
	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK_CALL(rt_deregister(f->a.pid), 0);
	CHECK_CALL(rt_deregister(f->a.pid), ESRCH);
	CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)) && is_unregistered(f->a.pid),
	      "nothing changed");
	return KSFT_PASS;
}

/*
 * resource_cap, beyond test_return_codes: a quota below -1 is EINVAL, a
 * second cap ENFILE until a reset; limits and policy unchanged by each
 * failure, -1 is no limit.
 */
RT_FIXTURE_TEST(cap_errors)
{
	struct status_entry e;
	pid_t pid;

	pid = f->a.pid;
	CHECK_CALL(rt_resource_cap(pid, 100, 100), EINVAL);
	CHECK(in_cgroup(pid, cg_rel(f->cg)) && is_unregistered(pid),
	      "nothing changed");
	CHECK(cg_read_max(f->cg, "restrack.heap.max") == CG_MAX &&
	      cg_read_max(f->cg, "restrack.files.max") == CG_MAX &&
	      !cg_read_strcmp(f->cg, "restrack.policy", "deny\n"),
	      "the process' own cgroup is left alone");

	CHECK_CALL(rt_register(pid), 0);
	CHECK_CALL(rt_resource_cap(pid, -2, 100), EINVAL);
	CHECK_CALL(rt_resource_cap(pid, 100, -5), EINVAL);
	CHECK_CALL(rt_resource_cap(pid, LONG_MIN, -1), EINVAL);
	CHECK_CALL(rt_resource_cap(pid, -1, LONG_MIN), EINVAL);
	CHECK(!limits_are(pid, CG_MAX, CG_MAX, "deny"), "nothing changed");

	CHECK_CALL(rt_resource_cap(pid, 1024, 1000), 0);
	CHECK(!limits_are(pid, 1024 * MIB, 1000, "kill"), "capped");
	CHECK(!status_get(pid, &e) && e.heap_cap == 1024 &&
	      e.file_cap == 1000 && !strcmp(e.policy, "kill"),
	      "listed as capped");
	CHECK_CALL(rt_resource_cap(pid, 512, 500), ENFILE);
	CHECK_CALL(rt_resource_cap(pid, -1, -1), ENFILE);
	CHECK_CALL(rt_resource_cap(pid, -2, 100), EINVAL);
	CHECK(!limits_are(pid, 1024 * MIB, 1000, "kill"), "unchanged");

	/* after a reset, quotas may be set again; -1 is no limit */
	CHECK_CALL(rt_resource_reset(pid), 0);
	CHECK_CALL(rt_resource_cap(pid, -1, 1000), 0);
	CHECK(!limits_are(pid, CG_MAX, 1000, "kill"), "files only");
	CHECK_CALL(rt_resource_reset(pid), 0);
	CHECK_CALL(rt_resource_cap(pid, 1024, -1), 0);
	CHECK(!limits_are(pid, 1024 * MIB, CG_MAX, "kill"), "heap only");
	CHECK_CALL(rt_resource_reset(pid), 0);
	CHECK_CALL(rt_resource_cap(pid, -1, -1), 0);
	CHECK(!limits_are(pid, CG_MAX, CG_MAX, "kill"), "neither");
	CHECK_CALL(rt_resource_cap(pid, 10, 10), ENFILE);

	CHECK(ag_call(&f->a, AG_NOP, 0) == 0, "the process lives");
	CHECK_CALL(rt_deregister(pid), 0);
	CHECK_CALL(rt_resource_cap(pid, 100, 100), EINVAL);
	return KSFT_PASS;
}

/*
 * resource_reset, beyond test_return_codes: it lifts the quotas, may be
 * repeated, and is EINVAL again after deregister.
 */
RT_FIXTURE_TEST(reset_errors)
{
	struct status_entry e;
	pid_t pid;

	pid = f->a.pid;
	CHECK_CALL(rt_resource_reset(pid), EINVAL);
	CHECK(in_cgroup(pid, cg_rel(f->cg)) && is_unregistered(pid),
	      "nothing changed");

	CHECK_CALL(rt_register(pid), 0);
	CHECK_CALL(rt_resource_reset(pid), 0);
	CHECK(!limits_are(pid, CG_MAX, CG_MAX, "deny"), "nothing to lift");
	CHECK_CALL(rt_resource_cap(pid, 1024, 1000), 0);
	CHECK_CALL(rt_resource_reset(pid), 0);
	CHECK(!limits_are(pid, CG_MAX, CG_MAX, NULL), "lifted");
	CHECK(!status_get(pid, &e) && e.heap_cap == CG_MAX &&
	      e.file_cap == CG_MAX, "listed as max, max");
	CHECK_CALL(rt_resource_reset(pid), 0);
	CHECK_CALL(rt_deregister(pid), 0);
	CHECK_CALL(rt_resource_reset(pid), EINVAL);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* privilege */

static bool has_cap(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return true;
	return d[cap / 32].effective & (1U << (cap % 32));
}

static int drop_cap(int cap)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[cap / 32].effective &= ~(1U << (cap % 32));
	d[cap / 32].permitted &= ~(1U << (cap % 32));
	d[cap / 32].inheritable &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &h, d);
}

/* Runs @fn(@arg) in a forked child; KSFT_PASS if it returned that. */
static int in_child(int (*fn)(void *), void *arg, const char *what)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(fn(arg));
	}
	if (pid < 0 || wait_exit(pid, 10000, &status)) {
		kill_reap(pid);
		return KSFT_FAIL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != KSFT_PASS) {
		diag("%s: failed (status %#x)", what, status);
		return KSFT_FAIL;
	}
	return KSFT_PASS;
}

/*
 * A cgroup delegated to a user, as systemd's Delegate=yes does, under
 * nsdelegate (the test VM mounts cgroup2 with it): the user's process,
 * in a cgroup namespace rooted at the delegating cgroup D, owns D/c.  It
 * may lift D/c's own limit, but D's still holds: exactly D's room opens,
 * then EMFILE.  It cannot write D's limit, move itself out of D, or use
 * the system calls to get out (EPERM).
 */
struct deleg {
	int go, go_w;		/* EOF: the parent has set the limits */
	int ready[2];		/* the child is in D/c, in its namespace */
	long max_d, max_c, move_root, move_d, opened, open_err;
	long reg, cap, reset;
};

static long errno_of(int r)
{
	return r ? errno : 0;
}

static int deleg_main(const char *cg, void *arg)
{
	struct deleg *d = arg;
	char buf[16], top[PATH_MAX], c[PATH_MAX];
	int fd;

	/* @arg's paths: D is this process's cgroup now */
	snprintf(top, sizeof(top), "%s", (char *)(d + 1));
	if (cg_path(c, top, "c"))
		return 4;
	close(d->go_w);
	close(d->ready[0]);
	if (unshare(CLONE_NEWCGROUP) || cg_enter(c, getpid()) ||
	    become_nobody(0))
		return 2;
	if (write(d->ready[1], "r", 1) != 1 || read(d->go, buf, 1) < 0)
		return 3;

	d->max_d = cg_write_errno(top, "restrack.files.max", "max");
	d->max_c = cg_write_errno(c, "restrack.files.max", "max");
	snprintf(buf, sizeof(buf), "%d", getpid());
	d->move_root = cg_write_errno(cg_mount(), "cgroup.procs", buf);
	d->move_d = cg_write_errno(top, "cgroup.procs", buf);
	d->reg = errno_of(rt_register(getpid()));
	d->cap = errno_of(rt_resource_cap(getpid(), 1000, 100000));
	d->reset = errno_of(rt_resource_reset(getpid()));
	for (d->opened = 0; d->opened < 100; d->opened++) {
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			d->open_err = errno;
			break;
		}
	}
	return 0;
}

static int chown_tree(const char *dir, uid_t uid)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dp;
	int ret = 0;

	if (chown(dir, uid, uid))
		return -1;
	dp = opendir(dir);
	if (!dp)
		return -1;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (chown(path, uid, uid))
			ret = -1;
	}
	closedir(dp);
	return ret;
}

RT_TEST(delegated_user)
{
	char top[PATH_MAX] = "", c[PATH_MAX];
	int go[2] = { -1, -1 }, st = -1;
	struct deleg *d;
	pid_t pid = -1;
	char ch;

	/* the struct, then D's path, shared with the child */
	d = mmap(NULL, 4096, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(d == MAP_FAILED);
	d->ready[0] = -1;
	d->ready[1] = -1;
	SETUP(cg_make(top, root, "deleg") || cg_make(c, top, "c") ||
	      pipe(go) || pipe(d->ready));
	snprintf((char *)(d + 1), 4096 - sizeof(*d), "%s", top);
	d->go = go[0];
	d->go_w = go[1];
	SETUP(chown_tree(c, NOBODY));
	pid = cg_run_nowait(top, deleg_main, d);
	SETUP(pid < 0);
	CHECK(read_full_timeout(d->ready[0], &ch, 1, 5000) == 1,
	      "the child never got to D/c");
	/* D is empty now: the controller for D/c, and D's limit */
	CHECK(!cg_enable(top, "restrack"), "enable: %s", strerror(errno));
	CHECK(!chown_tree(c, NOBODY), "delegate D/c: %s", strerror(errno));
	CHECK(!cg_write(c, "restrack.files.max", "10"), "D/c's limit");
	CHECK(!set_headroom(top, false, 5), "D's limit");
	close(go[1]);
	go[1] = -1;
	CHECK(!wait_exit(pid, 10000, &st) && WIFEXITED(st) &&
	      !WEXITSTATUS(st), "child status %#x", st);

	CHECK(d->max_d == EACCES || d->max_d == EPERM,
	      "writing D's files.max: %s", errno_name(d->max_d));
	CHECK(d->max_c == 0, "writing its own D/c files.max: %s",
	      errno_name(d->max_c));
	CHECK(d->move_root != 0, "moving to the root cgroup succeeded");
	CHECK(d->move_d != 0, "moving to D succeeded");
	CHECK(d->reg == EPERM && d->cap == EPERM && d->reset == EPERM,
	      "register %s, resource_cap %s, resource_reset %s",
	      errno_name(d->reg), errno_name(d->cap), errno_name(d->reset));
	CHECK(d->opened == 5 && d->open_err == EMFILE,
	      "%ld opens, then %s: D's room was 5", d->opened,
	      errno_name(d->open_err));
	close_pair(go);
	close_pair(d->ready);
	return KSFT_PASS;
}

struct unpriv {
	pid_t target;
	bool registered;
	struct per_proc_resource expect;
	bool as_nobody;
};

/* In a child without CAP_SYS_RESOURCE: only fetch works. */
static int unpriv_calls(struct __test_metadata *_metadata,
			const struct unpriv *u)
{
	struct per_proc_resource st;

	CHECK_CALL(rt_register(u->target), EPERM);
	CHECK_CALL(rt_deregister(u->target), EPERM);
	CHECK_CALL(rt_resource_cap(u->target, 100, 100), EPERM);
	CHECK_CALL(rt_resource_reset(u->target), EPERM);
	if (!u->registered) {
		CHECK_CALL(rt_fetch(&st, u->target), EINVAL);
	} else {
		CHECK_CALL(rt_fetch(&st, u->target), 0);
		CHECK(st.pid == u->target &&
		      st.heapsize == u->expect.heapsize &&
		      st.openfile_count == u->expect.openfile_count,
		      "fetch: pid %d heap %lu files %lu, expected %d %lu %lu",
		      st.pid, st.heapsize, st.openfile_count, u->target,
		      u->expect.heapsize, u->expect.openfile_count);
	}
	return KSFT_PASS;
}

/* In a child, as nobody or as root without CAP_SYS_RESOURCE */
static int unpriv_child(void *p)
{
	struct __test_metadata *_metadata = NULL;
	const struct unpriv *u = p;

	if (u->as_nobody ? become_nobody(0) :
			   drop_cap(CAP_SYS_RESOURCE)) {
		diag("dropping privilege: %s", strerror(errno));
		return KSFT_FAIL;
	}
	if (has_cap(CAP_SYS_RESOURCE)) {
		diag("CAP_SYS_RESOURCE is still effective");
		return KSFT_FAIL;
	}
	return unpriv_calls(_metadata, u);
}

static int run_unprivileged(struct unpriv *u, bool as_nobody)
{
	u->as_nobody = as_nobody;
	return in_child(unpriv_child, u, as_nobody ? "calls as nobody" :
			"calls as root without CAP_SYS_RESOURCE");
}

/*
 * Without CAP_SYS_RESOURCE -- as nobody, or as root without that one
 * capability -- register, deregister, resource_cap and resource_reset fail
 * with EPERM and change nothing; fetch works.
 */
RT_FIXTURE_TEST(privilege)
{
	struct unpriv u = { 0 };
	int i;

	u.target = f->a.pid;

	for (i = 0; i < 2; i++) {
		bool as_nobody = !i;

		u.registered = false;
		CHECK(run_unprivileged(&u, as_nobody) == KSFT_PASS,
		      "unregistered target");
		CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)) && is_unregistered(f->a.pid),
		      "nothing changed");

		CHECK_CALL(rt_register(f->a.pid), 0);
		u.registered = true;
		CHECK(!fetch_check(f->a.pid, &u.expect), "fetch");
		CHECK(run_unprivileged(&u, as_nobody) == KSFT_PASS,
		      "registered target");
		CHECK(is_registered(f->a.pid), "still registered");
		CHECK(!limits_are(f->a.pid, CG_MAX, CG_MAX, "deny"),
		      "not capped");

		CHECK_CALL(rt_resource_cap(f->a.pid, 1024, 1000), 0);
		CHECK(run_unprivileged(&u, as_nobody) == KSFT_PASS,
		      "capped target");
		CHECK(is_registered(f->a.pid), "still registered");
		CHECK(!limits_are(f->a.pid, 1024 * MIB, 1000, "kill"),
		      "still capped");

		CHECK_CALL(rt_deregister(f->a.pid), 0);
		CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)), "back");
	}
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* what the calls do */

/*
 * register moves the process into restrack/<pid> (creating restrack/ and
 * enabling the controller as needed), its children follow it there, and
 * deregister moves them all back to exactly where it came from and removes
 * the cgroup.  The process can register again.
 */
RT_FIXTURE_TEST(register_moves)
{
	char top[PATH_MAX], dir[PATH_MAX];
	struct per_proc_resource st;
	long sub = -1;

	/* restrack/ is made on demand: take it away if nobody uses it */
	snprintf(top, sizeof(top), "%s/restrack", cg_mount());
	if (status_read(0, NULL, NULL) == 0 && !count_reg_dirs(false) &&
	    rmdir(top) && errno != ENOENT)
		diag("rmdir %s: %s", top, strerror(errno));

	CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)), "started in %s", f->cg);
	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK(in_reg_cgroup(f->a.pid, f->a.pid), "moved");
	reg_dir(dir, f->a.pid);
	CHECK(cg_has_pid(dir, f->a.pid) && !cg_has_pid(f->cg, f->a.pid),
	      "cgroup.procs agree");
	CHECK(cg_read_has_word(top, "cgroup.subtree_control", "restrack") &&
	      cg_read_has_word(cg_mount(), "cgroup.subtree_control",
			       "restrack"), "the controller is enabled");
	CHECK(!limits_are(f->a.pid, CG_MAX, CG_MAX, "deny"), "no limits yet");
	CHECK(status_has(f->a.pid) == 1, "listed");

	sub = ag_call(&f->a, AG_FORK, 0);
	CHECK(sub > 0, "fork: %s", strerror(errno));
	CHECK(in_reg_cgroup(sub, f->a.pid), "a child starts in its cgroup");
	CHECK(status_has(sub) == 0, "but is not registered itself");
	CHECK_CALL(rt_fetch(&st, sub), EINVAL);
	CHECK_CALL(rt_deregister(sub), ESRCH);
	CHECK_CALL(rt_resource_cap(sub, 100, 100), EINVAL);
	CHECK_CALL(rt_resource_reset(sub), EINVAL);
	CHECK_CALL(rt_register(sub), 0);
	CHECK(is_registered(sub), "the child registers on its own");
	CHECK_CALL(rt_deregister(sub), 0);
	CHECK(in_reg_cgroup(sub, f->a.pid), "and goes back to its parent's");

	CHECK_CALL(rt_deregister(f->a.pid), 0);
	CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)), "back where it came from");
	CHECK(in_cgroup(sub, cg_rel(f->cg)), "with its child");
	CHECK(is_unregistered(f->a.pid), "cgroup and entry gone at once");
	CHECK(ag_call(&f->a, AG_NOP, 0) == 0, "the process lives on");

	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK(is_registered(f->a.pid), "registered again");
	CHECK_CALL(rt_deregister(f->a.pid), 0);
	CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)), "back again");
	kill_reap(sub);
	return KSFT_PASS;
}

/*
 * restrack/ is an empty cgroup between registrations, and an administrator
 * may remove it at any time.  With another process removing it as fast as
 * it can, root's register must never be refused as unprivileged: it makes
 * restrack/ again, or at worst says ENODEV, and a process it registered
 * goes back where it came from.
 */
#define TOP_RACE_ROUNDS	300
RT_FIXTURE_TEST(register_top_removed)
{
	long n_ok = 0, n_nodev = 0, removed = -1, deadline;
	long *nrm = MAP_FAILED;		/* the remover's removals so far */
	int fds[2] = { -1, -1 }, i, status = 0;
	char top[PATH_MAX];
	pid_t remover = -1;

	snprintf(top, sizeof(top), "%s/restrack", cg_mount());
	/* registrations of earlier tests would keep restrack/ busy */
	CHECK(!wait_no_registrations(GONE_MS), "nothing registered before");
	nrm = mmap(NULL, sizeof(*nrm), RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(nrm == MAP_FAILED);
	*nrm = 0;
	SETUP(pipe(fds));
	fflush(NULL);
	remover = fork();
	SETUP(remover < 0);
	if (remover == 0) {
		long n = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[1]);
		/* until the parent closes its end of the pipe */
		while (poll(&(struct pollfd){ .fd = fds[0] }, 1, 0) == 0)
			if (!rmdir(top)) {
				n++;
				__atomic_store_n(nrm, n, __ATOMIC_RELAXED);
			}
		_exit(n > 255 ? 255 : n);
	}
	close(fds[0]);
	fds[0] = -1;

	/*
	 * TOP_RACE_ROUNDS, and on a slow guest (a loaded host: the remover
	 * once never ran while restrack/ was empty) more, with a pause after
	 * each deregister, until the remover has removed restrack/ once, for
	 * 20 s at most.
	 */
	deadline = now_ms() + 20000;
	for (i = 0; i < TOP_RACE_ROUNDS ||
	     (!__atomic_load_n(nrm, __ATOMIC_RELAXED) && now_ms() < deadline);
	     i++) {
		long r;

		errno = 0;
		r = rt_register(f->a.pid);
		if (r == 0) {
			n_ok++;
			CHECK(in_reg_cgroup(f->a.pid, f->a.pid),
			      "round %d: registered but not moved", i);
			CHECK_CALL(rt_deregister(f->a.pid), 0);
			if (i >= TOP_RACE_ROUNDS)
				sleep_ms(1);
		} else {
			CHECK(errno == ENODEV, "round %d: register = %s", i,
			      errno_name(errno));
			n_nodev++;
		}
		CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)),
		      "round %d: not back in %s", i, f->cg);
	}
	close(fds[1]);
	fds[1] = -1;
	CHECK(!wait_exit(remover, 5000, &status) && WIFEXITED(status),
	      "remover: status %#x", status);
	removed = WEXITSTATUS(status);
	diag("%ld registered, %ld ENODEV, restrack/ removed %s%ld times",
	     n_ok, n_nodev, removed == 255 ? "at least " : "", removed);
	CHECK(removed > 0, "the remover never removed restrack/");
	CHECK(n_ok > 0, "no register succeeded");
	close_pair(fds);
	munmap(nrm, sizeof(*nrm));
	return KSFT_PASS;
}

/*
 * A thread that is not the leader registers its process, as a library
 * would from a worker thread: the whole process moves, both threads, and
 * deregister brings both back.
 */
struct thread_reg {
	int go;			/* read end: EOF ends the process */
	long ret, err;
	int done;
};

static void *thread_reg_fn(void *arg)
{
	struct thread_reg *tr = arg;
	char c;

	errno = 0;
	tr->ret = rt_register(getpid());
	tr->err = errno;
	__atomic_store_n(&tr->done, 1, __ATOMIC_SEQ_CST);
	while (read(tr->go, &c, 1) > 0)
		;
	return NULL;
}

static int thread_reg_main(const char *cg, void *arg)
{
	struct thread_reg *tr = arg;
	pthread_t t;
	char c;

	isolate_fds(tr->go);
	if (pthread_create(&t, NULL, thread_reg_fn, tr))
		return 1;
	while (read(tr->go, &c, 1) > 0)
		;
	pthread_join(t, NULL);
	return 0;
}

RT_TEST(thread_registers)
{
	char cg[PATH_MAX] = "", rel[64];
	struct thread_reg *tr;
	int go[2] = { -1, -1 }, i;
	pid_t pid = -1;

	tr = mmap(NULL, sizeof(*tr), RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(tr == MAP_FAILED);
	SETUP(cg_make(cg, root, "thread-reg") || pipe(go));
	tr->go = go[0];
	pid = cg_run_nowait(cg, thread_reg_main, tr);
	SETUP(pid < 0);
	close(go[0]);
	go[0] = -1;
	for (i = 0; i < 500 && !__atomic_load_n(&tr->done, __ATOMIC_SEQ_CST); i++)
		sleep_ms(10);
	CHECK(tr->done, "the thread never registered");
	CHECK(tr->ret == 0, "register(getpid()) from a thread: %ld (%s)",
	      tr->ret, errno_name(tr->err));
	CHECK(is_registered(pid), "registered");
	snprintf(rel, sizeof(rel), "/restrack/%d", pid);
	CHECK(!threads_in_cgroup(pid, rel, 2), "both threads moved");
	CHECK_CALL(rt_deregister(pid), 0);
	CHECK(!threads_in_cgroup(pid, cg_rel(cg), 2), "both threads back");
	CHECK(is_unregistered(pid), "gone");
	close_pair(go);
	if (wait_exit(pid, 5000, NULL))
		kill_reap(pid);
	munmap(tr, sizeof(*tr));
	return KSFT_PASS;
}

/*
 * The calls mount cgroup2 internally at their first use, and a mount of
 * cgroup2 applies its options to the whole hierarchy: the system's own
 * options (/init mounts it with nsdelegate, as systemd does) must still
 * be in force after a register and a deregister.
 */
RT_FIXTURE_TEST(mount_options_kept)
{
	char *mounts = NULL, *line;
	bool found = false;

	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK_CALL(rt_deregister(f->a.pid), 0);
	mounts = read_text_alloc("/proc/self/mounts", NULL);
	SETUP(!mounts);
	for (line = strtok(mounts, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strstr(line, " cgroup2 "))
			continue;
		found = true;
		CHECK(strstr(line, "nsdelegate"), "nsdelegate is gone: %s",
		      line);
	}
	CHECK(found, "no cgroup2 mount in /proc/self/mounts");
	free(mounts);
	return KSFT_PASS;
}

/* deregister after the process' cgroup was removed: the nearest ancestor */
RT_TEST(deregister_origin_gone)
{
	char b[PATH_MAX] = "", c[PATH_MAX], d[PATH_MAX] = "", e[PATH_MAX];
	char f[PATH_MAX];
	struct agent a1 = AGENT_INIT, a2 = AGENT_INIT;
	int ret = KSFT_FAIL;

	if (cg_make(b, root, "b") || cg_make(c, b, "c") ||
	    cg_make(d, root, "d") || cg_make(e, d, "e") || cg_make(f, e, "f") ||
	    agent_start(&a1, c) || agent_start(&a2, f))
		goto out;
	CHECK_CALL(rt_register(a1.pid), 0);
	CHECK_CALL(rt_register(a2.pid), 0);
	CHECK(!rmdir(c), "rmdir %s: %s", c, strerror(errno));
	CHECK(!rmdir(f) && !rmdir(e), "rmdir %s, %s: %s", f, e,
	      strerror(errno));

	CHECK_CALL(rt_deregister(a1.pid), 0);
	CHECK(in_cgroup(a1.pid, cg_rel(b)), "one level up");
	CHECK_CALL(rt_deregister(a2.pid), 0);
	CHECK(in_cgroup(a2.pid, cg_rel(d)), "two levels up");
	CHECK(is_unregistered(a1.pid) && is_unregistered(a2.pid), "gone");
	CHECK(ag_call(&a1, AG_NOP, 0) == 0 && ag_call(&a2, AG_NOP, 0) == 0,
	      "both live on");
	ret = KSFT_PASS;
out:
	agent_kill(&a1);
	agent_kill(&a2);
	cg_destroy(b);
	cg_destroy(d);
	return ret;
}

/*
 * When a registered process exits -- by itself or killed -- its entry
 * vanishes by itself; a child it left behind stays in its cgroup, which
 * is removed once the child has gone too.
 */
RT_TEST(exit_cleanup)
{
	char cg[PATH_MAX] = "";
	struct agent a = AGENT_INIT, b = AGENT_INIT;
	struct per_proc_resource st;
	pid_t pid;
	long sub = -1;
	int ret = KSFT_FAIL, status;

	if (cg_make(cg, root, "a") || agent_start(&a, cg) ||
	    agent_start(&b, cg))
		goto out;
	pid = a.pid;
	CHECK_CALL(rt_register(pid), 0);
	sub = ag_call(&a, AG_FORK, 0);
	CHECK(sub > 0, "fork: %s", strerror(errno));
	CHECK(in_reg_cgroup(sub, pid), "the child is in restrack/%d", pid);
	ag_call(&a, AG_EXIT, 0);
	status = agent_wait(&a, 5000);
	CHECK(status != -1 && WIFEXITED(status), "exited: %#x", status);
	CHECK(!wait_unlisted(pid, GONE_MS), "entry vanished");
	CHECK(in_reg_cgroup(sub, pid), "the child stays in restrack/%d", pid);
	CHECK_CALL(rt_fetch(&st, pid), EINVAL);
	CHECK_CALL(rt_deregister(pid), ESRCH);
	kill(sub, SIGKILL);
	CHECK(wait_exit(sub, 5000, NULL) >= 0, "child gone");
	sub = -1;
	CHECK(!wait_unregistered(pid, GONE_MS), "cgroup removed once empty");

	pid = b.pid;
	CHECK_CALL(rt_register(pid), 0);
	CHECK_CALL(rt_resource_cap(pid, 1024, 1000), 0);
	kill(pid, SIGKILL);
	CHECK(!expect_killed(&b, "kill -9"), "killed");
	CHECK(!wait_unregistered(pid, GONE_MS), "vanished");
	ret = KSFT_PASS;
out:
	if (sub > 0)
		kill(sub, SIGKILL);
	agent_kill(&a);
	agent_kill(&b);
	if (sub > 0)
		wait_exit(sub, 5000, NULL);
	cg_destroy(cg);
	return ret;
}

/*
 * fetch reports the cgroup's heap in MiB rounded down and its descriptors,
 * equal to the oracles, before and after the process maps 40 MiB (untouched)
 * and opens 20 files, and summed over a child in the cgroup.
 */
RT_FIXTURE_TEST(fetch_values)
{
	struct per_proc_resource st0, st;
	long sub = -1, subno, i;

	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK(!fetch_check(f->a.pid, &st0), "fetch after register");
	CHECK(st0.openfile_count >= 3, "the process is counted: %lu files",
	      st0.openfile_count);

	CHECK(ag_map(&f->a, 40 * MIB) != -1, "mmap 40 MiB: %s", strerror(errno));
	for (i = 0; i < 20; i++)
		CHECK(ag_open(&f->a) >= 0, "open: %s", strerror(errno));
	CHECK(!fetch_check(f->a.pid, &st), "fetch after mmap and open");
	CHECK(st.heapsize == st0.heapsize + 40 &&
	      st.openfile_count == st0.openfile_count + 20,
	      "heap %lu -> %lu MiB, files %lu -> %lu", st0.heapsize,
	      st.heapsize, st0.openfile_count, st.openfile_count);

	/* a child in the cgroup counts too */
	sub = ag_call(&f->a, AG_FORK, 0);
	CHECK(sub > 0, "fork: %s", strerror(errno));
	subno = f->a.v[0];
	CHECK(ag_call_sub(&f->a, subno, AG_MMAP, 0, 8 * MIB, RW, ANON, -1, 0) !=
	      -1, "the child maps 8 MiB: %s", strerror(errno));
	CHECK(ag_call_sub(&f->a, subno, AG_OPEN, 0) >= 0, "the child opens");
	CHECK(!fetch_check(f->a.pid, &st), "fetch with a child");
	CHECK(st.heapsize >= st0.heapsize + 40 + 8 + 40,
	      "the child's copy and mapping count: %lu MiB", st.heapsize);
	kill_reap(sub);
	return KSFT_PASS;
}

/*
 * register moves every thread; deregister moves them all back; threads
 * started while registered are in the cgroup; what any thread maps or
 * opens is counted.
 */
RT_FIXTURE_TEST(threads)
{
	char rel[64];
	struct per_proc_resource st0, st1, st2;
	const long stack = 256 << 10;

	snprintf(rel, sizeof(rel), "/restrack/%d", f->a.pid);
	CHECK(ag_call(&f->a, AG_THREADS, 4, stack, MIB / page_size, 1) == 0 &&
	      f->a.v[0] == 0, "4 threads mapping 1 MiB and opening a file: %s",
	      strerror(errno));
	CHECK(!threads_in_cgroup(f->a.pid, cg_rel(f->cg), 5), "all in %s", f->cg);
	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK(!threads_in_cgroup(f->a.pid, rel, 5), "all moved");
	CHECK(!fetch_check(f->a.pid, &st0), "fetch with 4 threads");

	/*
	 * The threads unmap and close what they had, and end; the agent
	 * closes the pipe that stopped them: 4 + 2 descriptors less.
	 */
	CHECK(ag_call(&f->a, AG_THREADS_STOP, 0) == 0, "join");
	CHECK(!fetch_check(f->a.pid, &st1), "fetch after the threads ended");
	CHECK(st1.openfile_count == st0.openfile_count - 6 &&
	      st1.heapsize + 4 <= st0.heapsize,
	      "heap %lu -> %lu MiB, files %lu -> %lu", st0.heapsize,
	      st1.heapsize, st0.openfile_count, st1.openfile_count);

	/* new threads, started while registered: 4 files and a pipe */
	CHECK(ag_call(&f->a, AG_THREADS, 4, stack, 2 * MIB / page_size, 1) ==
	      0 && f->a.v[0] == 0, "4 more threads: %s", strerror(errno));
	CHECK(!threads_in_cgroup(f->a.pid, rel, 5), "new threads are in %s",
	      rel);
	CHECK(!fetch_check(f->a.pid, &st2), "fetch with the new threads");
	CHECK(st2.openfile_count == st1.openfile_count + 6 &&
	      st2.heapsize >= st1.heapsize + 8,
	      "heap %lu -> %lu MiB, files %lu -> %lu", st1.heapsize,
	      st2.heapsize, st1.openfile_count, st2.openfile_count);

	CHECK_CALL(rt_deregister(f->a.pid), 0);
	CHECK(!threads_in_cgroup(f->a.pid, cg_rel(f->cg), 5), "all moved back");
	CHECK(ag_call(&f->a, AG_THREADS_STOP, 0) == 0, "join");
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* quotas */

/*
 * The fixture's agent registered and capped at its usage plus @dheap MiB
 * and @dfiles descriptors (-1: no quota), listed so; its usage before in
 * @st0.
 */
static int capped_agent(struct __test_metadata *_metadata,
			struct fixture *f, long dheap, long dfiles,
			struct per_proc_resource *st0)
{
	long heap, files;
	struct status_entry e;
	pid_t pid;

	pid = f->a.pid;
	CHECK_CALL(rt_register(pid), 0);
	CHECK(!fetch_check(pid, st0), "fetch");
	heap = dheap < 0 ? -1 : (long)st0->heapsize + dheap;
	files = dfiles < 0 ? -1 : (long)st0->openfile_count + dfiles;
	CHECK_CALL(rt_resource_cap(pid, heap, files), 0);
	CHECK(!limits_are(pid, heap < 0 ? CG_MAX : heap * MIB,
			  files < 0 ? CG_MAX : files, "kill"), "capped");
	CHECK(!status_get(pid, &e) &&
	      e.heap_cap == (heap < 0 ? CG_MAX : heap) &&
	      e.file_cap == (files < 0 ? CG_MAX : files) &&
	      !strcmp(e.policy, "kill"), "listed");
	return KSFT_PASS;
}

/* Mapping beyond the heap quota kills; the registration vanishes. */
RT_FIXTURE_TEST(cap_kill_heap)
{
	struct per_proc_resource st0, st;
	pid_t pid;
	long h, r;

	SETUP(capped_agent(_metadata, f, 8, -1, &st0) != KSFT_PASS);
	pid = f->a.pid;
	h = st0.heapsize;

	CHECK(ag_map(&f->a, 4 * MIB) != -1, "4 MiB fit: %s", strerror(errno));
	CHECK(!fetch_check(pid, &st) && st.heapsize == (unsigned long)h + 4,
	      "heap %lu MiB, expected %ld", st.heapsize, h + 4);
	r = ag_map(&f->a, 8 * MIB);
	CHECK(r == -1 && f->a.dead, "8 MiB more do not: mmap returned %#lx (%s)",
	      r, strerror(errno));
	CHECK(!expect_killed(&f->a, "over the heap quota"), "killed");
	CHECK(!wait_unregistered(pid, GONE_MS), "vanished");
	CHECK_CALL(rt_fetch(&st, pid), EINVAL);
	return KSFT_PASS;
}

/* Opening beyond the file quota kills; the registration vanishes. */
RT_FIXTURE_TEST(cap_kill_files)
{
	struct per_proc_resource st0, st;
	pid_t pid;
	long nf, r, i;

	SETUP(capped_agent(_metadata, f, -1, 3, &st0) != KSFT_PASS);
	pid = f->a.pid;
	nf = st0.openfile_count;

	for (i = 0; i < 3; i++)
		CHECK(ag_open(&f->a) >= 0, "open %ld of 3 fits: %s", i + 1,
		      strerror(errno));
	CHECK(!fetch_check(pid, &st) &&
	      st.openfile_count == (unsigned long)nf + 3, "at the quota");
	r = ag_open(&f->a);
	CHECK(r == -1 && f->a.dead, "one more does not: open returned %ld (%s)",
	      r, strerror(errno));
	CHECK(!expect_killed(&f->a, "over the file quota"), "killed");
	CHECK(!wait_unregistered(pid, GONE_MS), "vanished");
	return KSFT_PASS;
}

/*
 * resource_cap on a process already over a quota succeeds and kills it at
 * once; one exactly at the quota lives until it goes over.
 */
RT_TEST(cap_over_quota)
{
	char cg[PATH_MAX] = "";
	struct agent a = AGENT_INIT;
	struct per_proc_resource st;
	pid_t pid;
	long i, r;
	int ret = KSFT_FAIL;

	if (cg_make(cg, root, "a"))
		goto out;

	/* heap: 40 MiB mapped, capped to 8 */
	if (agent_start(&a, cg))
		goto out;
	pid = a.pid;
	CHECK(ag_map(&a, 40 * MIB) != -1, "mmap: %s", strerror(errno));
	CHECK_CALL(rt_register(pid), 0);
	CHECK_CALL(rt_resource_cap(pid, 8, -1), 0);
	CHECK(!expect_killed(&a, "capped below its heap"), "killed");
	CHECK(!wait_unregistered(pid, GONE_MS), "vanished");

	/* files: 10 more open, capped to 4 */
	if (agent_start(&a, cg))
		goto out;
	pid = a.pid;
	for (i = 0; i < 10; i++)
		CHECK(ag_open(&a) >= 0, "open: %s", strerror(errno));
	CHECK_CALL(rt_register(pid), 0);
	CHECK_CALL(rt_resource_cap(pid, -1, 4), 0);
	CHECK(!expect_killed(&a, "capped below its files"), "killed");
	CHECK(!wait_unregistered(pid, GONE_MS), "vanished");

	/* at the quota is not over it */
	if (agent_start(&a, cg))
		goto out;
	pid = a.pid;
	CHECK_CALL(rt_register(pid), 0);
	CHECK(!fetch_check(pid, &st), "fetch");
	CHECK_CALL(rt_resource_cap(pid, st.heapsize + 1,
				   st.openfile_count), 0);
	sleep_ms(50);
	CHECK(ag_call(&a, AG_NOP, 0) == 0 && is_registered(pid),
	      "alive at the quota");
	r = ag_open(&a);
	CHECK(r == -1 && a.dead, "open over the quota returned %ld", r);
	CHECK(!expect_killed(&a, "one file over"), "killed");
	CHECK(!wait_unregistered(pid, GONE_MS), "vanished");
	ret = KSFT_PASS;
out:
	agent_kill(&a);
	cg_destroy(cg);
	return ret;
}

/*
 * resource_reset lifts the quotas: what killed a process of the cgroup
 * before succeeds afterwards, and the limits read "max".
 */
RT_FIXTURE_TEST(reset_lifts)
{
	struct per_proc_resource st0, st;
	struct status_entry e;
	long s1 = -1, s2 = -1, n1, n2, room, i, r;
	pid_t pid;

	pid = f->a.pid;
	CHECK_CALL(rt_register(pid), 0);
	/* two children in the cgroup, to be killed over the quotas */
	s1 = ag_call(&f->a, AG_FORK, 0);
	n1 = f->a.v[0];
	CHECK(s1 > 0, "fork: %s", strerror(errno));
	s2 = ag_call(&f->a, AG_FORK, 0);
	n2 = f->a.v[0];
	CHECK(s2 > 0, "fork: %s", strerror(errno));
	CHECK(!fetch_check(pid, &st0), "fetch");
	CHECK_CALL(rt_resource_cap(pid, st0.heapsize + 4,
				   st0.openfile_count + 2), 0);

	CHECK(!fetch_check(pid, &st), "fetch");
	room = st0.openfile_count + 2 - st.openfile_count;
	for (i = 0; i < room; i++)
		CHECK(ag_call_sub(&f->a, n2, AG_OPEN, 0) >= 0, "open fits: %s",
		      strerror(errno));
	r = ag_call_sub(&f->a, n2, AG_OPEN, 0);
	CHECK(r == -1 && f->a.err == EPIPE && killed_by_sigkill(f->a.v[0]),
	      "an open over the quota kills: %ld (%s), status %#lx", r,
	      errno_name(f->a.err), f->a.v[0]);
	s2 = -1;
	r = ag_call_sub(&f->a, n1, AG_MMAP, 0, 64 * MIB, RW, ANON, -1, 0);
	CHECK(r == -1 && f->a.err == EPIPE && killed_by_sigkill(f->a.v[0]),
	      "a 64 MiB mmap over the quota kills: %#lx (%s), status %#lx",
	      r, errno_name(f->a.err), f->a.v[0]);
	s1 = -1;
	CHECK(ag_call(&f->a, AG_NOP, 0) == 0, "the process itself lives");

	CHECK_CALL(rt_resource_reset(pid), 0);
	CHECK(!limits_are(pid, CG_MAX, CG_MAX, NULL), "lifted");
	CHECK(!status_get(pid, &e) && e.heap_cap == CG_MAX &&
	      e.file_cap == CG_MAX, "listed as max, max");
	CHECK(ag_map(&f->a, 64 * MIB) != -1, "the 64 MiB mmap succeeds: %s",
	      strerror(errno));
	CHECK(!fetch_check(pid, &st), "fetch");
	room = st0.openfile_count + 2 - st.openfile_count + 4;
	for (i = 0; i < room; i++)
		CHECK(ag_open(&f->a) >= 0, "open %ld: %s", i, strerror(errno));
	CHECK(ag_call(&f->a, AG_NOP, 0) == 0, "alive");
	CHECK(!fetch_check(pid, &st), "fetch");
	CHECK(st.heapsize > st0.heapsize + 4 &&
	      st.openfile_count > st0.openfile_count + 2,
	      "beyond the old quotas: %lu MiB, %lu files", st.heapsize,
	      st.openfile_count);
	CHECK_CALL(rt_deregister(pid), 0);
	kill_reap(s1);
	kill_reap(s2);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */
/* pids */

/* The process with the recycled pid @pid is not registered. */
static int check_fresh(struct __test_metadata *_metadata,
		       pid_t pid, const char *own_cg)
{
	struct per_proc_resource st;

	CHECK(is_unregistered(pid), "no entry, no cgroup");
	CHECK(in_cgroup(pid, own_cg), "in its parent's cgroup");
	CHECK_CALL(rt_fetch(&st, pid), EINVAL);
	CHECK_CALL(rt_deregister(pid), ESRCH);
	CHECK_CALL(rt_resource_cap(pid, 100, 100), EINVAL);
	CHECK_CALL(rt_resource_reset(pid), EINVAL);
	return 0;
}

/*
 * A registered sleeper in @cg is killed and reaped, and a new sleeper is
 * given its pid at once (clone3() with set_tid: every supported line has
 * it, as root); with @wait, only once the old registration vanished, and
 * the gone pid names no process (ESRCH/EINVAL) meanwhile.  The new
 * sleeper's pid, or -1.
 */
static pid_t reuse_pid(struct __test_metadata *_metadata,
		       struct sleepers *s, const char *cg, bool wait)
{
	struct per_proc_resource st;
	pid_t p, q;
	int status;

	p = sleeper_start(s, cg, NULL);
	CHECK(p > 0, "sleeper");
	CHECK_CALL(rt_register(p), 0);
	kill(p, SIGKILL);
	CHECK(waitpid(p, &status, 0) == p && killed_by_sigkill(status),
	      "killed");
	if (wait) {
		CHECK(!wait_unregistered(p, GONE_MS), "vanished");
		CHECK_CALL(rt_fetch(&st, p), EINVAL);
		CHECK_CALL(rt_deregister(p), ESRCH);
		CHECK_CALL(rt_resource_cap(p, 100, 100), ESRCH);
		CHECK_CALL(rt_resource_reset(p), ESRCH);
		CHECK_CALL(rt_register(p), ESRCH);
	}
	q = sleeper_start_pid(s, p);
	CHECK(q == p, "clone3 gave pid %d, asked for %d: %s", q, p,
	      strerror(errno));
	return q;
}

/*
 * @rounds times: a registered process exits, a new one gets its pid
 * (reuse_pid()), and the new one is not registered, and can be.  Without
 * @wait the pid is recycled as soon as the registered process is reaped,
 * possibly before the kernel has dissolved the old registration (its
 * cgroup may still be there).
 */
static int pid_reuse(struct __test_metadata *_metadata,
		     const char *root, bool wait, int rounds)
{
	char cg[PATH_MAX] = "", own[PATH_MAX];
	struct sleepers s = { { -1, -1 }, { -1, -1 } };
	struct per_proc_resource st;
	pid_t q = -1;
	int ret = KSFT_FAIL, round;

	if (sleepers_init(&s) || cg_make(cg, root, "a") ||
	    task_cgroup(0, 0, own, sizeof(own)))
		goto out;
	for (round = 0; round < rounds; round++) {
		q = reuse_pid(_metadata, &s, cg, wait);
		CHECK(q > 0, "round %d: a process with a reaped pid", round);
		if (wait) {
			CHECK(!check_fresh(_metadata, q, own),
			      "the new process is not registered");
		} else {
			CHECK_CALL(rt_fetch(&st, q), EINVAL);
			CHECK_CALL(rt_deregister(q), ESRCH);
		}
		CHECK_CALL(rt_register(q), 0);
		CHECK(is_registered(q), "round %d: registered", round);
		CHECK(!fetch_check(q, &st), "fetch");
		CHECK_CALL(rt_deregister(q), 0);
		CHECK(in_cgroup(q, own), "back");
		kill_reap(q);
		CHECK(!wait_unregistered(q, GONE_MS), "vanished");
		q = -1;
	}
	ret = KSFT_PASS;
out:
	kill_reap(q);
	sleepers_close(&s);
	cg_destroy(cg);
	return ret;
}

/*
 * After a registered process exited and its registration vanished, its pid
 * names no process (ESRCH/EINVAL), and a new process given the same pid is
 * not registered, and can be.
 */
RT_TEST(pid_reuse)
{
	return pid_reuse(_metadata, root, true, 1);
}

/*
 * The same, twenty times, without waiting for the old registration to
 * vanish: the new process must not be registered, and register() on it
 * must succeed all the same.
 */
RT_TEST(pid_reuse_immediate)
{
	return pid_reuse(_metadata, root, false, 20);
}

/* ------------------------------------------------------------------ */
/* /proc/tracker_status */

/*
 * A registered process has one line: its pid, its comm with blanks as '_',
 * heap MiB and files as fetch reports them, caps "max" or the quotas,
 * policy, cgroup path.  It goes with deregister.
 */
RT_TEST(status_columns)
{
	char cg[PATH_MAX] = "", path[64], comm[64], want[64], *c;
	struct sleepers s = { { -1, -1 }, { -1, -1 } };
	struct agent a = AGENT_INIT;
	struct per_proc_resource st;
	struct status_entry e;
	pid_t p = -1;
	long i;
	int ret = KSFT_FAIL;

	if (sleepers_init(&s) || cg_make(cg, root, "a"))
		goto out;
	p = sleeper_start(&s, cg, "rt sys\ttest");
	CHECK(p > 0, "sleeper");
	CHECK_CALL(rt_register(p), 0);
	snprintf(path, sizeof(path), "/proc/%d/comm", p);
	CHECK(read_text(path, comm, sizeof(comm)) > 0, "%s", path);
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(want, sizeof(want), "%s", comm);
	for (c = want; *c; c++)
		if (*c == ' ' || *c == '\t')
			*c = '_';
	CHECK(!strcmp(want, "rt_sys_test"), "comm is \"%s\"", comm);

	CHECK(!status_get(p, &e), "listed");
	CHECK(!fetch_check(p, &st), "fetch");
	snprintf(path, sizeof(path), "/restrack/%d", p);
	CHECK(e.pid == p && !strcmp(e.comm, want) &&
	      e.heap == (long)st.heapsize && e.heap_cap == CG_MAX &&
	      e.files == (long)st.openfile_count && e.file_cap == CG_MAX &&
	      !strcmp(e.policy, "deny") && !strcmp(e.cgroup, path),
	      "line: %ld %s %ld %ld %ld %ld %s %s; expected %d %s %lu max %lu max deny %s",
	      e.pid, e.comm, e.heap, e.heap_cap, e.files, e.file_cap,
	      e.policy, e.cgroup, p, want, st.heapsize, st.openfile_count,
	      path);
	CHECK_CALL(rt_resource_cap(p, 1000, 500), 0);
	CHECK(!status_get(p, &e) && e.heap_cap == 1000 &&
	      e.file_cap == 500 && !strcmp(e.policy, "kill"),
	      "after cap: %ld %ld %s", e.heap_cap, e.file_cap, e.policy);

	/* heap and files as they change */
	if (agent_start(&a, cg))
		goto out;
	CHECK(ag_map(&a, 40 * MIB) != -1, "mmap: %s", strerror(errno));
	for (i = 0; i < 10; i++)
		CHECK(ag_open(&a) >= 0, "open: %s", strerror(errno));
	CHECK_CALL(rt_register(a.pid), 0);
	CHECK(!fetch_check(a.pid, &st), "fetch");
	CHECK(!status_get(a.pid, &e) && e.heap == (long)st.heapsize &&
	      e.heap >= 40 && e.files == (long)st.openfile_count &&
	      e.files >= 13, "heap %ld files %ld, fetch %lu %lu", e.heap,
	      e.files, st.heapsize, st.openfile_count);

	CHECK_CALL(rt_deregister(p), 0);
	CHECK_CALL(rt_deregister(a.pid), 0);
	CHECK(status_has(p) == 0 && status_has(a.pid) == 0, "lines gone");
	ret = KSFT_PASS;
out:
	agent_kill(&a);
	kill_reap(p);
	sleepers_close(&s);
	cg_destroy(cg);
	return ret;
}

struct pidns_ctx {
	pid_t outer;	/* a registered process outside */
	int go;		/* read end: the outside checked */
	int report;	/* write end: registered */
};

/* Pid 1 of a new pid namespace. */
static int pidns_inner(const struct pidns_ctx *c)
{
	struct __test_metadata *_metadata = NULL;
	struct per_proc_resource st;
	struct status_entry e;
	char self[PATH_MAX], outer_status[64], x = 'R';
	bool found;
	int host = -1;

	CHECK(getpid() == 1, "pid %d in the new namespace", getpid());
	/*
	 * /proc of the new namespace, as a container mounts it; the outer
	 * procfs stays at hand: its tracker_status shows the pids it shows.
	 */
	host = open("/proc", O_PATH | O_DIRECTORY);
	SETUP(host < 0 || unshare(CLONE_NEWNS) ||
	      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	      mount("proc", "/proc", "proc", 0, NULL));
	snprintf(outer_status, sizeof(outer_status),
		 "/proc/self/fd/%d/tracker_status", host);
	CHECK(status_read_at(outer_status, c->outer, NULL, &found) >= 1 &&
	      found, "the outer procfs lists the outer process by its pid");
	/* the outer process has no pid here */
	CHECK_CALL(rt_fetch(&st, c->outer), EINVAL);
	CHECK_CALL(rt_deregister(c->outer), ESRCH);
	CHECK_CALL(rt_resource_cap(c->outer, 100, 100), ESRCH);
	CHECK_CALL(rt_resource_reset(c->outer), ESRCH);
	CHECK_CALL(rt_register(c->outer), ESRCH);
	CHECK(status_read(0, NULL, NULL) == 0,
	      "the outer registration is not listed here");

	CHECK_CALL(rt_register(1), 0);
	CHECK(!task_cgroup(0, 0, self, sizeof(self)) &&
	      !strncmp(self, "/restrack/", 10), "in %s", self);
	CHECK(status_read(1, &e, &found) == 1 && found,
	      "listed, alone, as pid 1");
	CHECK(!strcmp(e.cgroup, self), "cgroup %s, expected %s", e.cgroup,
	      self);
	CHECK_CALL(rt_fetch(&st, 1), 0);
	CHECK(st.pid == 1, "fetch names pid %d", st.pid);
	CHECK(write(c->report, &x, 1) == 1, "report");
	CHECK(read_full_timeout(c->go, &x, 1, 10000) == 1, "go");

	CHECK_CALL(rt_deregister(1), 0);
	CHECK(status_read(0, NULL, NULL) == 0, "gone");
	return KSFT_PASS;
}

/*
 * Pids are those of the caller's pid namespace for the calls, and those of
 * the procfs it was opened from for the listing, which shows only the
 * processes that procfs shows, with their pids there.
 */
RT_TEST(status_pidns)
{
	char cg[PATH_MAX] = "", rel[64];
	struct agent a = AGENT_INIT;
	struct per_proc_resource st;
	struct status_entry e;
	struct pidns_ctx ctx;
	int gp[2] = { -1, -1 }, rep[2] = { -1, -1 }, go[2] = { -1, -1 };
	pid_t c = -1, g = -1, gpid, parent = getpid();
	int ret = KSFT_FAIL, status;
	char x;

	if (cg_make(cg, root, "a") || agent_start(&a, cg) || pipe(gp) ||
	    pipe(rep) || pipe(go))
		goto out;
	CHECK_CALL(rt_register(a.pid), 0);
	ctx.outer = a.pid;
	ctx.go = go[0];
	ctx.report = rep[1];

	fflush(NULL);
	c = fork();
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(KSFT_FAIL);
		close(gp[0]);
		close(rep[0]);
		close(go[1]);
		/* CONFIG_PID_NS is in every configuration (tests/config) */
		if (unshare(CLONE_NEWPID)) {
			diag("unshare(CLONE_NEWPID): %s", strerror(errno));
			_exit(KSFT_FAIL);
		}
		g = fork();
		if (g == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(gp[1]);
			_exit(pidns_inner(&ctx));
		}
		if (g < 0 || write(gp[1], &g, sizeof(g)) != sizeof(g))
			_exit(KSFT_FAIL);
		close(gp[1]);
		close(rep[1]);
		close(go[0]);
		if (waitpid(g, &status, 0) != g || !WIFEXITED(status))
			_exit(KSFT_FAIL);
		_exit(WEXITSTATUS(status));
	}
	close(gp[1]);
	close(rep[1]);
	close(go[0]);
	gp[1] = -1;
	rep[1] = -1;
	go[0] = -1;
	CHECK(c > 0, "fork: %s", strerror(errno));

	if (read_full_timeout(gp[0], &g, sizeof(g), 5000) != (ssize_t)sizeof(g)) {
		g = -1;
		CHECK(0, "no process in a new pid namespace");
	}
	CHECK(read_full_timeout(rep[0], &x, 1, 10000) == 1,
	      "the process in the namespace did not register");
	/* outside, it is listed with its outer pid */
	snprintf(rel, sizeof(rel), "/restrack/%d", g);
	CHECK(!status_get(g, &e) && !strcmp(e.cgroup, rel),
	      "listed as %d in %s", g, rel);
	CHECK(status_has(a.pid) == 1, "the outer process is listed");
	CHECK(in_reg_cgroup(g, g), "in its cgroup");
	CHECK_CALL(rt_fetch(&st, g), 0);
	CHECK(st.pid == g, "fetch names pid %d", st.pid);
	CHECK(write(go[1], "D", 1) == 1, "go");

	CHECK(!wait_exit(c, 10000, &status), "the namespace ends");
	c = -1;
	gpid = g;
	g = -1;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == KSFT_PASS,
	      "checks in the namespace failed: %#x", status);
	CHECK(!wait_unregistered(gpid, GONE_MS), "deregistered");
	CHECK_CALL(rt_deregister(a.pid), 0);
	ret = KSFT_PASS;
out:
	kill_reap(g);
	kill_reap(c);
	agent_kill(&a);
	close(gp[0]);
	close(gp[1]);
	close(rep[0]);
	close(rep[1]);
	close(go[0]);
	close(go[1]);
	cg_destroy(cg);
	return ret;
}

/* ------------------------------------------------------------------ */
/* races */

#define HAMMER_WORKERS	4
#define HAMMER_MS	5000
/* ...and longer, until every call succeeded at least once (slow kernels) */
#define HAMMER_MAX_MS	(4 * HAMMER_MS)
#define HAMMER_BAD_MSGS	8

enum hammer_op {
	H_REGISTER,
	H_FETCH,
	H_DEREGISTER,
	H_CAP,
	H_RESET,
	H_KILL,
	H_NR_OPS,
};

static const char *const hammer_op_names[H_NR_OPS] = {
	"register", "fetch", "deregister", "resource_cap", "resource_reset",
	"kill",
};

/* Shared by the workers: outcome counts by errno (63: other) and errors. */
struct hammer_shared {
	long count[H_NR_OPS][64];
	long children;
	int bad;
	char bad_msg[HAMMER_BAD_MSGS][160];
};

static struct hammer_shared *hammer;

/* register, cap and deregister all succeeded at least once */
static bool hammer_hit_all(void)
{
	long *ok[] = { &hammer->count[H_REGISTER][0], &hammer->count[H_CAP][0],
		       &hammer->count[H_DEREGISTER][0] };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (!__atomic_load_n(ok[i], __ATOMIC_RELAXED))
			return false;
	return true;
}

/* Two threads of a worker work on one child at a time. */
struct hammer_worker {
	pthread_barrier_t start, done;
	pid_t child;
	bool stop;
	unsigned int seed[2];
};

/* The errors the contract allows when a process may exit at any time */
static bool hammer_allowed(int op, int err)
{
	switch (op) {
	case H_REGISTER:
		/* EBUSY: what a previous owner of the number forked is there */
		return !err || err == ESRCH || err == ENFILE || err == EBUSY;
	case H_FETCH:
		return !err || err == EINVAL;
	case H_DEREGISTER:
		return !err || err == ESRCH;
	case H_CAP:
		return !err || err == ESRCH || err == EINVAL || err == ENFILE;
	case H_RESET:
		return !err || err == ESRCH || err == EINVAL;
	}
	return true;
}

static void hammer_one(pid_t pid, unsigned int *seed)
{
	struct per_proc_resource st;
	int r = rand_r(seed) % 16, op, err, n;
	long ret, heap, files;

	op = r < 4 ? H_REGISTER : r < 7 ? H_FETCH : r < 10 ? H_DEREGISTER :
	     r < 13 ? H_CAP : r < 15 ? H_RESET : H_KILL;
	errno = 0;
	switch (op) {
	case H_REGISTER:
		ret = rt_register(pid);
		break;
	case H_FETCH:
		st.pid = -1;
		ret = rt_fetch(&st, pid);
		break;
	case H_DEREGISTER:
		ret = rt_deregister(pid);
		break;
	case H_CAP:
		heap = rand_r(seed) % 4 ? rand_r(seed) % 48 : -1;
		files = rand_r(seed) % 4 ? rand_r(seed) % 24 : -1;
		ret = rt_resource_cap(pid, heap, files);
		break;
	case H_RESET:
		ret = rt_resource_reset(pid);
		break;
	default:
		ret = kill(pid, SIGKILL);
		break;
	}
	err = !ret ? 0 : ret == -1 ? errno : 1000;
	__atomic_fetch_add(&hammer->count[op][err < 63 ? err : 63], 1,
			   __ATOMIC_RELAXED);
	if (!hammer_allowed(op, err) ||
	    (op == H_FETCH && !ret && st.pid != pid)) {
		n = __atomic_fetch_add(&hammer->bad, 1, __ATOMIC_RELAXED);
		if (n < HAMMER_BAD_MSGS)
			snprintf(hammer->bad_msg[n], sizeof(hammer->bad_msg[n]),
				 "%s(%d) = %ld, errno %d (%s)%s",
				 hammer_op_names[op], pid, ret, err,
				 errno_name(err),
				 op == H_FETCH && !ret ? ", wrong pid" : "");
	}
}

static void hammer_ops(pid_t pid, unsigned int *seed)
{
	int n = 1 + rand_r(seed) % 6;

	while (n--) {
		hammer_one(pid, seed);
		if (rand_r(seed) % 2)
			usleep(rand_r(seed) % 300);
	}
}

static void *hammer_helper(void *arg)
{
	struct hammer_worker *w = arg;

	for (;;) {
		pthread_barrier_wait(&w->start);
		if (w->stop)
			return NULL;
		hammer_ops(w->child, &w->seed[1]);
		pthread_barrier_wait(&w->done);
	}
}

/*
 * A short life: maybe map, open, fork a short-lived child; then exit.  One
 * in four lives up to 50 ms, long enough for a slow kernel's register.
 * After HAMMER_MS without every call's success (a debug kernel on a
 * loaded host: 115 children in 20 s, none capped), every child lives
 * 100-200 ms (@slow), so that the calls can reach one alive.
 */
static void __noreturn hammer_child(unsigned int seed, bool slow)
{
	int i, n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	usleep(rand_r(&seed) % 1500);
	if (rand_r(&seed) % 3 == 0)
		mmap(NULL, (1 + rand_r(&seed) % 8) * MIB, RW, ANON, -1, 0);
	if (rand_r(&seed) % 3 == 0) {
		n = 1 + rand_r(&seed) % 6;
		for (i = 0; i < n; i++)
			open("/dev/null", O_RDONLY);
	}
	if (rand_r(&seed) % 4 == 0 && fork() == 0) {
		usleep(rand_r(&seed) % 1000);
		_exit(0);
	}
	if (slow)
		usleep(100000 + rand_r(&seed) % 100000);
	else
		usleep(rand_r(&seed) % (rand_r(&seed) % 4 ? 1500 : 50000));
	_exit(0);
}

static int hammer_worker_main(int id, const char *cg)
{
	struct hammer_worker w;
	pthread_t helper;
	long start, end;
	pid_t pid;

	alarm(HAMMER_MAX_MS / 1000 + 30);
	if (cg_enter(cg, getpid()))
		return KSFT_FAIL;
	memset(&w, 0, sizeof(w));
	w.seed[0] = now_us() * (id + 1);
	w.seed[1] = w.seed[0] ^ 0x5bd1e995;
	if (pthread_barrier_init(&w.start, NULL, 2) ||
	    pthread_barrier_init(&w.done, NULL, 2) ||
	    pthread_create(&helper, NULL, hammer_helper, &w))
		return KSFT_FAIL;

	start = now_ms();
	end = start + HAMMER_MS;
	while (now_ms() < end ||
	       (!hammer_hit_all() && now_ms() < start + HAMMER_MAX_MS)) {
		unsigned int seed = rand_r(&w.seed[0]);

		pid = fork();
		if (pid == 0)
			hammer_child(seed, now_ms() >= end);
		if (pid < 0) {
			sleep_ms(1);
			continue;
		}
		__atomic_fetch_add(&hammer->children, 1, __ATOMIC_RELAXED);
		w.child = pid;
		pthread_barrier_wait(&w.start);
		hammer_ops(pid, &w.seed[0]);
		pthread_barrier_wait(&w.done);
		if (rand_r(&w.seed[0]) % 2)
			kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	w.stop = true;
	pthread_barrier_wait(&w.start);
	pthread_join(helper, NULL);
	return KSFT_PASS;
}

/*
 * Four workers, two threads each, fork short-lived children for 5 s (up
 * to 20 s, until register, cap and deregister succeeded once) and
 * register, fetch, cap, reset, deregister and kill them concurrently, while
 * they exit at random points.  Only the documented errors may come back,
 * and afterwards no registration and no cgroup is left.
 */
RT_TEST(hammer)
{
	char cg[PATH_MAX] = "", line[1024];
	pid_t workers[HAMMER_WORKERS] = { 0 };
	int ret = KSFT_FAIL, i, j, left = 0, status;
	long deadline;
	size_t len;

	hammer = mmap(NULL, sizeof(*hammer), RW, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (hammer == MAP_FAILED) {
		hammer = NULL;
		goto out;
	}
	CHECK(!wait_no_registrations(GONE_MS), "nothing registered before");
	if (cg_make(cg, root, "hammer"))
		goto out;

	fflush(NULL);
	for (i = 0; i < HAMMER_WORKERS; i++) {
		workers[i] = fork();
		if (workers[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			_exit(hammer_worker_main(i, cg));
		}
		CHECK(workers[i] > 0, "fork: %s", strerror(errno));
		left++;
	}

	/* reap the workers, and the orphans they leave to us */
	deadline = now_ms() + HAMMER_MAX_MS + 40000;
	while (left) {
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			for (i = 0; i < HAMMER_WORKERS; i++) {
				if (workers[i] != pid)
					continue;
				workers[i] = 0;
				left--;
				CHECK(WIFEXITED(status) &&
				      WEXITSTATUS(status) == KSFT_PASS,
				      "worker %d: status %#x", i, status);
			}
			continue;
		}
		CHECK(now_ms() < deadline, "%d workers hang", left);
		sleep_ms(5);
	}

	diag("%ld children", hammer->children);
	for (i = 0; i < H_NR_OPS; i++) {
		len = snprintf(line, sizeof(line), "%s:", hammer_op_names[i]);
		for (j = 0; j < 64; j++)
			if (hammer->count[i][j] && len < sizeof(line))
				len += snprintf(line + len, sizeof(line) - len,
						" %s %ld",
						j ? j == 63 ? "other" :
						errno_name(j) : "ok",
						hammer->count[i][j]);
		diag("%s", line);
	}
	for (i = 0; i < hammer->bad && i < HAMMER_BAD_MSGS; i++)
		diag("undocumented: %s", hammer->bad_msg[i]);
	CHECK(!hammer->bad, "%d calls returned undocumented errors",
	      hammer->bad);
	CHECK(hammer_hit_all(),
	      "register, cap and deregister succeeded sometimes");
	CHECK(!wait_no_registrations(GONE_MS + 500),
	      "nothing left registered");
	ret = KSFT_PASS;
out:
	for (i = 0; i < HAMMER_WORKERS; i++)
		kill_reap(workers[i]);
	reap_zombies();
	if (hammer)
		munmap(hammer, sizeof(*hammer));
	hammer = NULL;
	cg_destroy(cg);
	return ret;
}

/* ------------------------------------------------------------------ */
/* scale */

#define MANY	1000

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * /proc/tracker_status with 1000 registered processes: 1001 lines, one per
 * process; the time of one read is reported.
 */
RT_TEST(status_1000)
{
	char cg[PATH_MAX] = "", *text = NULL, *line, *save = NULL;
	struct sleepers s = { { -1, -1 }, { -1, -1 } };
	struct status_entry e;
	pid_t *pids = NULL, *hit;
	unsigned char *seen = NULL;
	int ret = KSFT_FAIL, n = 0, i, lines, found = 0;
	long t, us;
	size_t len;

	pids = calloc(MANY, sizeof(*pids));
	seen = calloc(MANY, 1);
	if (!pids || !seen || sleepers_init(&s) || cg_make(cg, root, "many"))
		goto out;
	CHECK(!wait_no_registrations(GONE_MS), "nothing registered before");

	t = now_ms();
	for (n = 0; n < MANY; n++) {
		pids[n] = sleeper_start(&s, cg, NULL);
		CHECK(pids[n] > 0, "process %d of %d", n + 1, MANY);
	}
	diag("started %d processes in %ld ms", MANY, now_ms() - t);
	t = now_ms();
	for (i = 0; i < MANY; i++)
		CHECK_CALL(rt_register(pids[i]), 0);
	diag("registered them in %ld ms", now_ms() - t);

	us = now_us();
	text = read_text_alloc(STATUS_PATH, &len);
	us = now_us() - us;
	CHECK(text, "reading %s: %s", STATUS_PATH, strerror(errno));
	diag("tracker_status read of %d entries: %ld.%03ld ms (%zu bytes)",
	     MANY, us / 1000, us % 1000, len);
	for (lines = 0, line = text; (line = strchr(line, '\n')); line++)
		lines++;
	CHECK(lines == MANY + 1, "%d lines, expected %d", lines, MANY + 1);

	qsort(pids, MANY, sizeof(*pids), cmp_pid);
	line = strtok_r(text, "\n", &save);
	CHECK(line && !strcmp(line, STATUS_HEADER), "header");
	while ((line = strtok_r(NULL, "\n", &save))) {
		CHECK(!status_parse_line(line, &e), "a malformed line");
		hit = bsearch(&(pid_t){ e.pid }, pids, MANY, sizeof(*pids),
			      cmp_pid);
		CHECK(hit && !seen[hit - pids], "pid %ld listed %s", e.pid,
		      hit ? "twice" : "but not registered by us");
		seen[hit - pids] = 1;
		found++;
	}
	CHECK(found == MANY, "%d of %d listed", found, MANY);

	/* half deregistered, half gone by exiting */
	t = now_ms();
	for (i = 0; i < MANY / 2; i++)
		CHECK_CALL(rt_deregister(pids[i]), 0);
	diag("deregistered %d in %ld ms", MANY / 2, now_ms() - t);
	sleepers_release(&s);
	t = now_ms();
	/*
	 * A thousand exits at once take over 10 s on a debug kernel: one
	 * deadline for them all, that only a hang misses (timings are the
	 * bench's).
	 */
	for (i = 0; i < n; i++) {
		CHECK(!wait_exit(pids[i], (int)(t + 60000 - now_ms()), NULL),
		      "%d exits (%d of %d within 60 s)", pids[i], i, n);
		pids[i] = 0;
	}
	CHECK(!wait_no_registrations(30000), "all gone");
	diag("exits cleaned up in %ld ms", now_ms() - t);
	ret = KSFT_PASS;
out:
	free(text);
	if (pids) {
		sleepers_release(&s);
		for (i = 0; i < n; i++)
			if (pids[i] > 0)
				kill(pids[i], SIGKILL);
		for (i = 0; i < n; i++)
			if (pids[i] > 0)
				wait_exit(pids[i], 5000, NULL);
	}
	free(pids);
	free(seen);
	sleepers_close(&s);
	cg_destroy(cg);
	return ret;
}

/* ------------------------------------------------------------------ */
/* review findings */

/*
 * A capped process cannot escape its quota by fork and exit: the child it
 * leaves in restrack/<pid> keeps the limits and the kill policy, and the
 * cgroup goes once the child has gone.
 */
static int escape_main(const char *cg, void *p)
{
	int *fds = p;	/* cmd read end, report write end, go read end */
	char c;
	pid_t child;
	int i;

	if (read(fds[0], &c, 1) != 1)
		return 1;
	child = fork();
	if (child == 0) {
		if (read(fds[2], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < 64; i++)
			if (open("/dev/null", O_RDONLY) < 0)
				_exit(2);
		_exit(0);
	}
	if (child < 0 || write(fds[1], &child, sizeof(child)) != sizeof(child))
		return 1;
	for (;;)
		pause();
}

RT_TEST(fork_exit_escape)
{
	char cg[PATH_MAX] = "";
	int cmd[2] = { -1, -1 }, rep[2] = { -1, -1 }, go[2] = { -1, -1 };
	int fds[3], status, i;
	struct per_proc_resource st;
	pid_t p = -1, c = -1, reg;
	long quota;

	SETUP(cg_make(cg, root, "escape") || pipe(cmd) || pipe(rep) ||
	      pipe(go));
	fds[0] = cmd[0];
	fds[1] = rep[1];
	fds[2] = go[0];
	p = cg_run_nowait(cg, escape_main, fds);
	SETUP(p < 0);
	reg = p;
	/* it enters @cg itself: register it only then */
	for (i = 0; i < 500 && !cg_has_pid(cg, p); i++)
		sleep_ms(10);
	CHECK(cg_has_pid(cg, p), "%d started in %s", p, cg);
	CHECK_CALL(rt_register(p), 0);
	SETUP(write(cmd[1], "f", 1) != 1);
	SETUP(read_full_timeout(rep[0], &c, sizeof(c), 5000) != (ssize_t)sizeof(c));
	CHECK(in_reg_cgroup(c, p), "the child starts in restrack/%d", p);
	CHECK(!fetch_check(p, &st), "fetch");
	quota = st.openfile_count + 8;
	CHECK_CALL(rt_resource_cap(p, -1, quota), 0);

	kill(p, SIGKILL);
	CHECK(wait_exit(p, 5000, NULL) >= 0, "the registered process exits");
	CHECK(!wait_unlisted(reg, GONE_MS), "its entry vanished");
	CHECK(in_reg_cgroup(c, reg), "the child stays where it was");
	CHECK(!limits_are(reg, CG_MAX, quota, "kill"),
	      "with the quota and the kill policy");

	SETUP(write(go[1], "o", 1) != 1);
	CHECK(wait_exit(c, 5000, &status) >= 0 && killed_by_sigkill(status),
	      "the child opening 64 files past the quota dies of SIGKILL: %#x",
	      status);
	CHECK(!wait_unregistered(reg, GONE_MS), "then the cgroup goes");
	for (status = 0; status < 2; status++) {
		close(cmd[status]);
		close(rep[status]);
		close(go[status]);
	}
	cg_destroy(cg);
	return KSFT_PASS;
}

/* Runs @fn(@arg) in a child; its exit code as a KSFT result. */
struct outsider {
	pid_t target;	/* a root process, registered */
};

/* In a cgroup namespace of its own, with every capability: EPERM. */
static int cgroupns_calls(void *p)
{
	struct __test_metadata *_metadata = NULL;
	const struct outsider *o = p;
	struct per_proc_resource st;

	SETUP(unshare(CLONE_NEWCGROUP));
	CHECK_CALL(rt_register(getpid()), EPERM);
	CHECK_CALL(rt_resource_cap(o->target, 0, 0), EPERM);
	CHECK_CALL(rt_resource_reset(o->target), EPERM);
	CHECK_CALL(rt_deregister(o->target), EPERM);
	CHECK_CALL(rt_fetch(&st, o->target), 0);
	return KSFT_PASS;
}

/*
 * As nobody with CAP_SYS_RESOURCE alone: not a root process (kill(2) and
 * prlimit(2) would refuse it too), and not its own either, which it could
 * not move out of its cgroup through cgroup.procs (root's) either.
 */
static int other_user_calls(void *p)
{
	struct __test_metadata *_metadata = NULL;
	const struct outsider *o = p;
	char cg[PATH_MAX];

	SETUP(task_cgroup(getpid(), 0, cg, sizeof(cg)));
	SETUP(become_nobody(CAP(CAP_SYS_RESOURCE)));
	CHECK(has_cap(CAP_SYS_RESOURCE) && !has_cap(CAP_KILL) &&
	      !has_cap(CAP_DAC_OVERRIDE), "caps");
	CHECK_CALL(rt_resource_cap(o->target, 0, 0), EPERM);
	CHECK_CALL(rt_resource_reset(o->target), EPERM);
	CHECK_CALL(rt_deregister(o->target), EPERM);
	CHECK_CALL(rt_register(getpid()), EPERM);
	CHECK(in_cgroup(getpid(), cg) && is_unregistered(getpid()),
	      "still where it was");
	return KSFT_PASS;
}

/*
 * As nobody with CAP_SYS_RESOURCE and CAP_DAC_OVERRIDE, which lets it
 * write cgroup.procs: its own process yes.
 */
static int dac_override_calls(void *p)
{
	struct __test_metadata *_metadata = NULL;

	(void)p;
	SETUP(become_nobody(CAP(CAP_SYS_RESOURCE) | CAP(CAP_DAC_OVERRIDE)));
	CHECK_CALL(rt_register(getpid()), 0);
	CHECK(in_reg_cgroup(getpid(), getpid()), "registered itself");
	CHECK_CALL(rt_resource_cap(getpid(), -1, 1000), 0);
	CHECK(!limits_are(getpid(), CG_MAX, 1000, "kill"), "capped");
	CHECK_CALL(rt_resource_reset(getpid()), 0);
	CHECK_CALL(rt_deregister(getpid()), 0);
	CHECK(is_unregistered(getpid()), "deregistered");
	return KSFT_PASS;
}

/*
 * Registered and capped by root, then nobody with CAP_SYS_RESOURCE: it
 * can neither lift its quotas nor leave its cgroup, as cgroupfs would not
 * let it write the limits or cgroup.procs (root's).
 */
static int capped_self_calls(void *p)
{
	struct __test_metadata *_metadata = NULL;

	(void)p;
	CHECK_CALL(rt_register(getpid()), 0);
	CHECK_CALL(rt_resource_cap(getpid(), -1, 1000), 0);
	SETUP(become_nobody(CAP(CAP_SYS_RESOURCE)));
	CHECK_CALL(rt_resource_reset(getpid()), EPERM);
	CHECK_CALL(rt_deregister(getpid()), EPERM);
	CHECK_CALL(rt_resource_cap(getpid(), -1, -1), EPERM);
	CHECK(is_registered(getpid()) &&
	      !limits_are(getpid(), CG_MAX, 1000, "kill"), "still capped");
	return KSFT_PASS;
}

static int other_user_register(void *p)
{
	struct __test_metadata *_metadata = NULL;
	const struct outsider *o = p;

	SETUP(become_nobody(CAP(CAP_SYS_RESOURCE)));
	CHECK_CALL(rt_register(o->target), EPERM);
	return KSFT_PASS;
}

/*
 * The calls that move, limit or kill need the caller in the initial
 * cgroup namespace, and for another process the permission kill(2) and
 * prlimit(2) need; refused calls change nothing.
 */
RT_FIXTURE_TEST(privilege_scope)
{
	struct outsider o;

	o.target = f->a.pid;
	CHECK(in_child(other_user_register, &o, "register a root process as nobody") ==
	      KSFT_PASS, "refused");
	CHECK(in_cgroup(f->a.pid, cg_rel(f->cg)) && is_unregistered(f->a.pid),
	      "nothing changed");
	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK(in_child(cgroupns_calls, &o, "cgroup namespace") == KSFT_PASS,
	      "refused");
	CHECK(in_child(other_user_calls, &o, "nobody with CAP_SYS_RESOURCE") ==
	      KSFT_PASS, "refused");
	CHECK(is_registered(f->a.pid) && !limits_are(f->a.pid, CG_MAX, CG_MAX, "deny"),
	      "nothing changed");
	CHECK(ag_call(&f->a, AG_NOP, 0) == 0, "alive");
	CHECK_CALL(rt_deregister(f->a.pid), 0);
	CHECK(in_child(dac_override_calls, NULL,
		       "nobody with CAP_SYS_RESOURCE and CAP_DAC_OVERRIDE") ==
	      KSFT_PASS, "allowed");
	CHECK(in_child(capped_self_calls, NULL, "capped, then nobody") ==
	      KSFT_PASS, "refused");
	return KSFT_PASS;
}

/* In a cgroup with files.max 16, as nobody with CAP_SYS_RESOURCE alone */
static int files_max_16_calls(void *p)
{
	struct __test_metadata *_metadata = NULL;
	const char *cg = p;
	int n = 0, err, fd = -1, last = -1;
	long before, cur;

	SETUP(cg_enter(cg, getpid()));
	/* less the descriptor that lists /proc/PID/fd */
	before = fd_count(getpid()) - 1;
	SETUP(before < 0);
	SETUP(become_nobody(CAP(CAP_SYS_RESOURCE)));
	CHECK_CALL(rt_register(getpid()), EPERM);
	while (n < 64 && (fd = open("/dev/null", O_RDONLY)) >= 0) {
		last = fd;
		n++;
	}
	err = errno;
	/* one descriptor back, to read files.current with */
	if (last >= 0)
		close(last);
	cur = cg_read_long(cg, "restrack.files.current");
	CHECK(err == EMFILE && before + n == 16 && cur == 16,
	      "%ld open, then %d more, then %s; files.current %ld",
	      before, n, strerror(err), cur);
	return KSFT_PASS;
}

/*
 * register cannot take a process out of its cgroup's limits for a caller
 * that cgroupfs would not let move it: a process of uid 1000 with
 * CAP_SYS_RESOURCE alone, in a cgroup with files.max 16, stays there and
 * gets 16 descriptors, not more.
 */
RT_TEST(register_keeps_limits)
{
	char cg[PATH_MAX] = "";

	SETUP(cg_make(cg, root, "files16") ||
	      cg_write(cg, "restrack.files.max", "16"));
	CHECK(in_child(files_max_16_calls, cg, "files.max 16, nobody") ==
	      KSFT_PASS, "the limit holds");
	CHECK(!rt_wait_zero(cg, 1000), "back to 0");
	cg_destroy(cg);
	return KSFT_PASS;
}

/* With hidepid=2 on /proc, nobody may neither fetch nor list root's. */
static int hidepid_calls(void *p)
{
	struct __test_metadata *_metadata = NULL;
	const struct outsider *o = p;
	struct per_proc_resource st;

	SETUP(unshare(CLONE_NEWNS) ||
	      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	      mount("proc", "/proc", "proc", 0, "hidepid=2"));
	SETUP(become_nobody(0));
	CHECK_CALL(rt_fetch(&st, o->target), EPERM);
	CHECK(status_has(o->target) == 0, "not listed");
	return KSFT_PASS;
}

/*
 * With no procfs at /proc (a tmpfs over it), nothing says what /proc would
 * hide: nobody may fetch root's process, which it may not ptrace-read.
 */
static int no_procfs_calls(void *p)
{
	struct __test_metadata *_metadata = NULL;
	const struct outsider *o = p;
	struct per_proc_resource st;

	SETUP(unshare(CLONE_NEWNS) ||
	      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	      mount("tmpfs", "/proc", "tmpfs", 0, NULL));
	CHECK_CALL(rt_fetch(&st, getpid()), EINVAL);
	SETUP(become_nobody(0));
	CHECK_CALL(rt_fetch(&st, o->target), EPERM);
	return KSFT_PASS;
}

RT_FIXTURE_TEST(fetch_no_procfs)
{
	struct outsider o;

	o.target = f->a.pid;
	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK(in_child(no_procfs_calls, &o, "tmpfs over /proc") == KSFT_PASS,
	      "refused");
	CHECK_CALL(rt_deregister(f->a.pid), 0);
	return KSFT_PASS;
}

RT_FIXTURE_TEST(fetch_hidepid)
{
	struct outsider o;

	o.target = f->a.pid;
	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK(status_has(f->a.pid) == 1, "listed for root");
	CHECK(in_child(hidepid_calls, &o, "hidepid=2") == KSFT_PASS,
	      "hidden");
	CHECK_CALL(rt_deregister(f->a.pid), 0);
	return KSFT_PASS;
}

/* The max file of @pid's cgroup reads @want, and takes it back unchanged. */
static int max_reads(pid_t pid, const char *file, const char *want)
{
	char dir[PATH_MAX], buf[64];

	reg_dir(dir, pid);
	if (cg_read(dir, file, buf, sizeof(buf)))
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, want)) {
		diag("%s/%s reads %s, expected %s", dir, file, buf, want);
		return -1;
	}
	if (cg_write(dir, file, buf) || cg_read(dir, file, buf, sizeof(buf)))
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, want)) {
		diag("%s/%s reads %s after writing it back", dir, file, buf);
		return -1;
	}
	return 0;
}

/*
 * Huge quotas are clamped to the largest limit the max files show, and
 * what they show can be written back unchanged.
 */
RT_FIXTURE_TEST(cap_huge)
{
	char top[32];

	snprintf(top, sizeof(top), "%llu",
		 (unsigned long long)(UINT64_MAX / page_size * page_size));
	CHECK_CALL(rt_register(f->a.pid), 0);
	CHECK_CALL(rt_resource_cap(f->a.pid, 1L << 44, LONG_MAX), 0);
	CHECK(!max_reads(f->a.pid, "restrack.heap.max", top), "2^44 MiB");
	CHECK(!max_reads(f->a.pid, "restrack.files.max", "9223372036854775806"),
	      "LONG_MAX files");
	CHECK_CALL(rt_resource_reset(f->a.pid), 0);
	CHECK_CALL(rt_resource_cap(f->a.pid, LONG_MAX, -1), 0);
	CHECK(!max_reads(f->a.pid, "restrack.heap.max", top), "LONG_MAX MiB");
	CHECK_CALL(rt_resource_reset(f->a.pid), 0);
	CHECK_CALL(rt_resource_cap(f->a.pid, 1L << 43, -1), 0);
	CHECK(!max_reads(f->a.pid, "restrack.heap.max", "9223372036854775808"),
	      "2^43 MiB");
	CHECK(ag_call(&f->a, AG_NOP, 0) == 0, "alive");
	CHECK_CALL(rt_deregister(f->a.pid), 0);
	return KSFT_PASS;
}

/*
 * resource_cap() on a process over both quotas kills it once and counts
 * one kill (restrack.events of restrack/, which outlives the cgroup).
 */
RT_FIXTURE_TEST(cap_kill_once)
{
	char top[PATH_MAX];
	long before, after;
	int i;

	snprintf(top, sizeof(top), "%s/restrack", cg_mount());
	CHECK(ag_map(&f->a, 40 * MIB) != -1, "mmap: %s", strerror(errno));
	for (i = 0; i < 10; i++)
		CHECK(ag_open(&f->a) >= 0, "open: %s", strerror(errno));
	CHECK_CALL(rt_register(f->a.pid), 0);
	before = cg_read_key_long(top, "restrack.events", "kill");
	CHECK_CALL(rt_resource_cap(f->a.pid, 8, 4), 0);
	CHECK(!expect_killed(&f->a, "over both quotas"), "killed");
	after = cg_read_key_long(top, "restrack.events", "kill");
	CHECK(before >= 0 && after == before + 1, "kill %ld -> %ld", before,
	      after);
	return KSFT_PASS;
}

/*
 * register refuses with EBUSY, changing nothing, when restrack/<pid>
 * exists already (processes a previous owner of the number left there, or
 * an administrator's mkdir), rather than adopting it.
 */
RT_TEST(register_busy)
{
	bool refused, unchanged, empty, removed;
	char cg[PATH_MAX] = "", dir[PATH_MAX];
	struct agent a = AGENT_INIT, b = AGENT_INIT;
	int err, rm_err;

	SETUP(cg_make(cg, root, "a") || agent_start(&a, cg) ||
	      agent_start(&b, cg));
	CHECK_CALL(rt_register(b.pid), 0);	/* makes restrack/ */
	reg_dir(dir, a.pid);
	SETUP(mkdir(dir, 0755));
	/* checked once dir is gone: the teardown does not look there */
	errno = 0;
	refused = rt_register(a.pid) == -1;
	err = errno;
	unchanged = in_cgroup(a.pid, cg_rel(cg)) && status_has(a.pid) == 0;
	empty = cg_nr_procs(dir) == 0;
	removed = !rmdir(dir);
	rm_err = errno;
	CHECK(refused && err == EBUSY, "register: %s, expected EBUSY",
	      refused ? errno_name(err) : "no error");
	CHECK(unchanged, "nothing changed");
	CHECK(empty, "nothing moved in");
	CHECK(removed, "rmdir %s: %s", dir, strerror(rm_err));
	CHECK_CALL(rt_register(a.pid), 0);
	CHECK_CALL(rt_deregister(a.pid), 0);
	CHECK_CALL(rt_deregister(b.pid), 0);
	agent_kill(&a);
	agent_kill(&b);
	cg_destroy(cg);
	return KSFT_PASS;
}

/*
 * An administrator disables the controller in restrack/: the exit of a
 * registered process still ends its registration, and its cgroup goes
 * once its last process has gone too.
 */
RT_FIXTURE_TEST(controller_disabled)
{
	bool exited, unlisted, sub_gone, unregistered;
	char top[PATH_MAX];
	int status;
	long sub;
	pid_t pid;

	snprintf(top, sizeof(top), "%s/restrack", cg_mount());
	pid = f->a.pid;
	CHECK_CALL(rt_register(pid), 0);
	sub = ag_call(&f->a, AG_FORK, 0);
	CHECK(sub > 0, "fork: %s", strerror(errno));
	CHECK(!cg_disable(top, "restrack"), "disable restrack in %s: %s",
	      top, strerror(errno));
	/* checked once restrack is back in restrack/, for the tests after */
	ag_call(&f->a, AG_EXIT, 0);
	status = agent_wait(&f->a, 5000);
	exited = status != -1 && WIFEXITED(status);
	unlisted = !wait_unlisted(pid, GONE_MS);
	kill(sub, SIGKILL);
	sub_gone = wait_exit(sub, 5000, NULL) >= 0;
	unregistered = !wait_unregistered(pid, GONE_MS);
	CHECK(!cg_enable(top, "restrack"), "enable restrack in %s again: %s",
	      top, strerror(errno));
	CHECK(exited, "exited: %#x", status);
	CHECK(unlisted, "the registration ended");
	CHECK(sub_gone, "the child is gone");
	CHECK(unregistered, "and so is the cgroup");
	return KSFT_PASS;
}

/* fetch leaves no kernel bytes in the padding of its structure. */
RT_FIXTURE_TEST(fetch_padding)
{
	struct per_proc_resource st;
	unsigned char *b = (unsigned char *)&st;
	size_t i, pad = offsetof(struct per_proc_resource, heapsize);

	CHECK_CALL(rt_register(f->a.pid), 0);
	memset(&st, 0xa5, sizeof(st));
	CHECK_CALL(rt_fetch(&st, f->a.pid), 0);
	for (i = sizeof(st.pid); i < pad; i++)
		CHECK(b[i] == 0, "padding byte %zu is %#x", i, b[i]);
	CHECK_CALL(rt_deregister(f->a.pid), 0);
	return KSFT_PASS;
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	agent_exec_hook(argc, argv);
	return rt_harness_main(argc, argv, "rt-sys-test");
}
