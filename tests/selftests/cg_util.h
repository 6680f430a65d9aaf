/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the restrack selftests: cgroup file access, the independent
 * oracles (VmData, /proc/PID/fd), a controllable child process ("agent")
 * and a small TAP runner.
 *
 * An agent is a forked process that sits in a cgroup and executes one
 * command at a time for the test (mmap, open, fork, ...), replying with the
 * result.  Between commands it is blocked in read(), so its address space
 * and descriptor table are quiescent and the test can compare
 * restrack.*.current with the oracles exactly.
 */
#ifndef RESTRACK_CG_UTIL_H
#define RESTRACK_CG_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#ifndef __NR_pidfd_open
#define __NR_pidfd_open		434
#endif
#ifndef __NR_close_range
#define __NR_close_range	436
#endif
#ifndef __NR_openat2
#define __NR_openat2		437
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE	(1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

/* "max" as returned by cg_read_max() */
#define CG_MAX		LONG_MAX
/* "don't check this delta" for rt_track() */
#define ANY		LONG_MIN

struct cg_test {
	const char *name;
	int (*fn)(const char *root);
};

extern long page_size;

/* TAP output */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ksft_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ksft_run(const char *rootname, const struct cg_test *tests, int ntests,
	     const char *only, int timeout_s);
void ksft_list(const struct cg_test *tests, int ntests);
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

/* cgroup files */
const char *cg_mount(void);
int cg_path(char *buf, const char *parent, const char *name);
int cg_make(char *buf, const char *parent, const char *name);
int cg_create(const char *cg);
int cg_destroy(const char *cg);
int cg_destroy_children(const char *cg);
int cg_write(const char *cg, const char *file, const char *buf);
int cg_write_raw(const char *cg, const char *file, const char *buf,
		 size_t len);
int cg_write_errno(const char *cg, const char *file, const char *buf);
int cg_write_long(const char *cg, const char *file, long val);
ssize_t cg_read(const char *cg, const char *file, char *buf, size_t len);
int cg_read_strcmp(const char *cg, const char *file, const char *expected);
bool cg_read_has_word(const char *cg, const char *file, const char *word);
long cg_read_long(const char *cg, const char *file);
long cg_read_max(const char *cg, const char *file);
long cg_read_key_long(const char *cg, const char *file, const char *key);
bool cg_file_exists(const char *cg, const char *file);
int cg_enter_pid(const char *cg, pid_t pid);
int cg_enable(const char *cg, const char *controller);
int cg_disable(const char *cg, const char *controller);
int cg_nr_procs(const char *cg);
bool cg_has_pid(const char *cg, pid_t pid);
int cg_wait_long(const char *cg, const char *file, long expect,
		 int timeout_ms);
pid_t cg_run_nowait(const char *cg, int (*fn)(void *), void *arg);
int cg_run(const char *cg, int (*fn)(void *), void *arg);

/* processes */
int wait_exit(pid_t pid, int timeout_ms, int *status);
bool pid_alive(pid_t pid);
bool killed_by_sigkill(int status);
void reap_zombies(void);
void kill_strays(void);
/* in a forked child: close all fds but 0-2 and @keep, 0-2 to /dev/null */
void isolate_fds(int keep);
void msleep(int ms);
long now_ms(void);

/* oracles */
long vmdata_bytes(pid_t pid);
long fd_count(pid_t pid);
long proc_count(pid_t pid, const char *dir);
/* @len bytes from @fd within @timeout_ms (-1: no limit); bytes read or -1 */
ssize_t read_full_timeout(int fd, void *buf, size_t len, int timeout_ms);
/* A whole file, NUL-terminated; its length, or -1 with errno set */
ssize_t read_path(const char *path, char *buf, size_t len);

struct rt_usage {
	long heap;
	long files;
};

int rt_current(const char *cg, struct rt_usage *u);
int rt_oracle(const char *cg, struct rt_usage *u);
int rt_check(const char *cg, const char *label);
int rt_check_expect(const char *cg, const char *label, long heap, long files);
int rt_wait_zero(const char *cg, int timeout_ms);

/*
 * Follows one cgroup through a test: every rt_track() checks the currents
 * against the oracle and the change since the previous step against the
 * expected deltas (bytes, descriptors; ANY to skip).
 */
struct rt_track {
	const char *cg;
	struct rt_usage start;
	struct rt_usage last;
};

int rt_track_start(struct rt_track *t, const char *cg);
int rt_track(struct rt_track *t, const char *label, long dheap, long dfiles);
#define STEP(t, label, dheap, dfiles)					\
	do {								\
		if (rt_track((t), (label), (dheap), (dfiles))) {	\
			diag("%s:%d: step failed", __func__, __LINE__);	\
			goto out;					\
		}							\
	} while (0)

/* agents */
enum ag_op {
	AG_NOP = 1,	/* -> 0, v0 = pid */
	AG_EXIT,	/* a0 exit code; no reply (sub: ret = wait status) */
	AG_MMAP,	/* a0 addr, a1 len, a2 prot, a3 flags, a4 fd, a5 off */
	AG_MUNMAP,	/* a0 addr, a1 len */
	AG_MREMAP,	/* a0 addr, a1 old len, a2 new len, a3 flags, a4 new */
	AG_MPROTECT,	/* a0 addr, a1 len, a2 prot */
	AG_MADVISE,	/* a0 addr, a1 len, a2 advice */
	AG_SBRK,	/* a0 delta -> old break; v0 = kernel break after */
	AG_OPEN,	/* a0 extra flags -> fd (of /dev/null or /) */
	AG_CLOSE,	/* a0 fd */
	AG_DUP,		/* a0 fd */
	AG_DUP2,	/* a0 old, a1 new */
	AG_DUP3,	/* a0 old, a1 new, a2 flags */
	AG_FCNTL,	/* a0 fd, a1 cmd, a2 arg */
	AG_PIPE,	/* a0 flags -> 0; v0, v1 */
	AG_SOCKETPAIR,	/* a0 type -> 0; v0, v1 */
	AG_NEWFD,	/* a0 enum ag_newfd, a1 argument -> fd */
	AG_LISTEN,	/* -> listening AF_UNIX stream socket (abstract name) */
	AG_CONNECT,	/* a0 listening fd -> connected socket */
	AG_ACCEPT,	/* a0 listening fd -> accepted socket */
	AG_SCM_SEND,	/* a0 socket, a1 fd, a2 copies */
	AG_SCM_RECV,	/* a0 socket -> fds received; v0 msg_flags, v1.. fds */
	AG_CLOSE_RANGE,	/* a0 first, a1 last, a2 flags */
	AG_UNSHARE,	/* a0 flags */
	AG_FORK,	/* a0 0 or CLONE_FILES -> pid; v0 = sub-agent number */
	AG_FORK_EXIT,	/* fork a child that exits at once, reap it -> pid */
	AG_THREADS,	/* a0 n, a1 stack size, a2 pages each maps, a3 open? */
	AG_THREADS_STOP, /* join them (each unmaps and closes its own) */
	AG_EXEC,	/* execve(/proc/self/exe) into a fresh agent -> 0, v0 */
};

enum ag_newfd {
	NEWFD_SOCKET = 1,
	NEWFD_EVENTFD,
	NEWFD_MEMFD,	/* a1: size to ftruncate to */
	NEWFD_PIDFD,
	NEWFD_EPOLL,
	NEWFD_INOTIFY,
	NEWFD_TIMERFD,
	NEWFD_SIGNALFD,
	NEWFD_OPENAT2,
};

struct agent {
	pid_t pid;
	int wfd;
	int rfd;
	bool dead;	/* transport broke: the agent died or timed out */
	long err;	/* errno of the last command */
	long v[4];	/* extra results of the last command */
};

#define AGENT_INIT { .pid = -1, .wfd = -1, .rfd = -1 }

int agent_start(struct agent *ag, const char *cg);
int agent_start_keep(struct agent *ag, const char *cg, int keepfd);
long agent_call(struct agent *ag, int target, int op, const long a[6]);
int agent_wait(struct agent *ag, int timeout_ms);
int agent_reap(struct agent *ag, int timeout_ms);
int agent_stop(struct agent *ag);
int agent_kill(struct agent *ag);
void agent_exec_hook(int argc, char **argv);

/* Commands to the agent itself (sub 0) or to its sub-agent number sub. */
#define ag_call(ag, op, ...)						\
	agent_call((ag), 0, (op), (const long[6]) { __VA_ARGS__ })
#define ag_call_sub(ag, sub, op, ...)					\
	agent_call((ag), (sub), (op), (const long[6]) { __VA_ARGS__ })

#endif /* RESTRACK_CG_UTIL_H */
