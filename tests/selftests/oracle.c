// SPDX-License-Identifier: GPL-2.0
/*
 * The independent oracles: VmData of /proc/PID/status and the entries of
 * /proc/PID/fd, summed over a cgroup's subtree and compared with
 * restrack.heap.current and restrack.files.current.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "restrack_test.h"

/*
 * A live thread of process @pid other than its leader, for a process
 * whose leader has exited while other threads go on: /proc/PID shows the
 * leader, which has no mm and no descriptor table left, while the
 * process still has both.  0 if there is none.
 */
struct live_thread {
	pid_t pid, tid;
};

static int live_thread(const char *name, unsigned char type, void *arg)
{
	struct live_thread *lt = arg;
	char path[80], buf[4096];
	pid_t t = atoi(name);

	if (t <= 0 || t == lt->pid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", lt->pid, t);
	if (read_text(path, buf, sizeof(buf)) > 0 && strstr(buf, "\nVmData:"))
		lt->tid = t;
	return lt->tid;
}

static pid_t other_live_thread(pid_t pid)
{
	char path[80];
	struct live_thread lt = { pid, 0 };

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir_each(path, live_thread, &lt);
	return lt.tid;
}

/* the status (@file "status") or "fd" path of @pid's process, as above */
static void proc_path(char *path, size_t len, pid_t pid, const char *file,
		      bool leader)
{
	pid_t tid = leader ? 0 : other_live_thread(pid);

	if (tid)
		snprintf(path, len, "/proc/%d/task/%d/%s", pid, tid, file);
	else
		snprintf(path, len, "/proc/%d/%s", pid, file);
}

/*
 * VmData of @pid in bytes; 0 for a process without an mm, -1 if gone.
 * A process whose leader exited is read through a live thread.
 */
long vmdata_bytes(pid_t pid)
{
	char path[80], buf[4096], *p;
	bool leader;
	long kb;

	for (leader = true;; leader = false) {
		proc_path(path, sizeof(path), pid, "status", leader);
		if (read_text(path, buf, sizeof(buf)) < 0)
			return -1;
		p = strstr(buf, "\nVmData:");
		if (p || !leader)
			break;
	}
	if (!p)
		return 0;
	if (sscanf(p + 8, "%ld", &kb) != 1)
		return -1;
	return kb * 1024;
}

static int count_one(const char *name, unsigned char type, void *arg)
{
	(*(long *)arg)++;
	return 0;
}

/* Entries of the directory @path; -1 if it cannot be read */
static long dir_count(const char *path)
{
	long n = 0;

	return dir_each(path, count_one, &n) ? -1 : n;
}

/*
 * Number of entries in /proc/PID/@dir ("fd", "task"); -1 if PID is gone.
 * /proc/self/fd lists the descriptor that reads it.  No malloc().
 */
long proc_count(pid_t pid, const char *dir)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, dir);
	return dir_count(path);
}

/*
 * Number of entries in /proc/PID/fd; -1 if the process is gone.  A
 * process whose leader exited is read through a live thread.
 */
long fd_count(pid_t pid)
{
	char path[80];
	long n, m;
	pid_t tid;

	n = proc_count(pid, "fd");
	if (n > 0)
		return n;
	tid = other_live_thread(pid);
	if (!tid)
		return n;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/fd", pid, tid);
	m = dir_count(path);
	return m < 0 ? n : m;
}

/*
 * Adds what process @pid holds by the oracle to @u: its VmData and its
 * entries of /proc/PID/fd.  A process that exited under us holds nothing.
 */
void rt_oracle_add(struct rt_usage *u, pid_t pid)
{
	long heap = vmdata_bytes(pid);
	long files = fd_count(pid);

	u->heap += heap > 0 ? heap : 0;
	u->files += files > 0 ? files : 0;
}

int rt_current(const char *cg, struct rt_usage *u)
{
	u->heap = cg_read_long(cg, "restrack.heap.current");
	u->files = cg_read_long(cg, "restrack.files.current");
	if (u->heap < 0 || u->files < 0) {
		diag("reading restrack.*.current of %s failed", cg);
		return -1;
	}
	return 0;
}

static void oracle_dump(const char *cg, int depth)
{
	char path[PATH_MAX];
	pid_t pids[256];
	struct dirent *de;
	int n, i;
	DIR *d;

	if (depth > 8)
		return;
	n = cg_read_pids(cg, pids, 256);
	for (i = 0; i < n && i < 256; i++)
		diag("  %s: pid %d VmData %ld bytes, %ld fds", cg, pids[i],
		     vmdata_bytes(pids[i]), fd_count(pids[i]));
	d = opendir(cg);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (!cg_path(path, cg, de->d_name))
			oracle_dump(path, depth + 1);
	}
	closedir(d);
}

/* processes of a subtree the oracle sums, at most */
#define ORACLE_PIDS	8192

/*
 * Sum of VmData and of /proc/PID/fd entries over the processes of @cg and
 * of all its descendants.  Correct when no fd table is shared between
 * processes (CLONE_FILES); threads are fine, cgroup.procs lists each
 * process once.
 */
int rt_oracle(const char *cg, struct rt_usage *u)
{
	pid_t *pids = malloc(ORACLE_PIDS * sizeof(*pids));
	int n = pids ? cg_subtree_pids(cg, pids, ORACLE_PIDS) : -1, i;

	u->heap = 0;
	u->files = 0;
	for (i = 0; i < n; i++)
		rt_oracle_add(u, pids[i]);
	free(pids);
	if (n < 0) {
		diag("walking %s failed", cg);
		return -1;
	}
	return 0;
}

int rt_check_expect(const char *cg, const char *label, long heap, long files)
{
	struct rt_usage cur;

	if (rt_current(cg, &cur))
		return -1;
	if (cur.heap == heap && cur.files == files)
		return 0;
	diag("%s: %s: heap.current %ld, oracle %ld (%+ld); files.current %ld, oracle %ld (%+ld)",
	     label, cg, cur.heap, heap, cur.heap - heap, cur.files, files,
	     cur.files - files);
	oracle_dump(cg, 0);
	return -1;
}

int rt_check(const char *cg, const char *label)
{
	struct rt_usage o;

	if (rt_oracle(cg, &o))
		return -1;
	return rt_check_expect(cg, label, o.heap, o.files);
}

int rt_wait_zero(const char *cg, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	struct rt_usage u;

	for (;;) {
		if (rt_current(cg, &u))
			return -1;
		if (!u.heap && !u.files)
			return 0;
		if (now_ms() > deadline) {
			diag("%s: not back to 0 after %d ms: heap %ld, files %ld",
			     cg, timeout_ms, u.heap, u.files);
			return -1;
		}
		sleep_ms(5);
	}
}

int rt_track_start(struct rt_track *t, const char *cg)
{
	t->cg = cg;
	if (rt_check(cg, "start") || rt_current(cg, &t->last))
		return -1;
	t->start = t->last;
	return 0;
}

int rt_track(struct rt_track *t, const char *label, long dheap, long dfiles)
{
	struct rt_usage cur;
	int ret = 0;

	if (rt_check(t->cg, label) || rt_current(t->cg, &cur))
		return -1;
	if (dheap != ANY && cur.heap - t->last.heap != dheap) {
		diag("%s: heap.current changed by %ld, expected %ld", label,
		     cur.heap - t->last.heap, dheap);
		ret = -1;
	}
	if (dfiles != ANY && cur.files - t->last.files != dfiles) {
		diag("%s: files.current changed by %ld, expected %ld", label,
		     cur.files - t->last.files, dfiles);
		ret = -1;
	}
	t->last = cur;
	return ret;
}
