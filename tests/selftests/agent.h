/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Agents (agent.c, the test side; agent_child.c, the child side).
 *
 * An agent is a forked process that sits in a cgroup and executes one
 * command at a time for the test (mmap, open, fork, ...), replying with the
 * result.  Between commands it is blocked in read(), so its address space
 * and descriptor table are quiescent and the test can compare
 * restrack.*.current with the oracles exactly.
 */
#ifndef RESTRACK_AGENT_H
#define RESTRACK_AGENT_H

#include <stdbool.h>
#include <sys/types.h>

#define AGENT_TIMEOUT_MS	10000

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
	/* vfork a child that exits at once, reap it -> pid; v0 = its status */
	AG_VFORK_EXIT,
	/* posix_spawn /proc/self/exe that exits at once, reap it -> pid; v0 as */
	AG_SPAWN_EXIT,
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
	NEWFD_ACCEPT4,		/* a1: listening fd, accept4(SOCK_CLOEXEC) */
	NEWFD_PIDFD_GETFD,	/* a1: pidfd of the agent, a2: fd to copy */
	NEWFD_CLONE_PIDFD,	/* clone(CLONE_PIDFD) a child that exits */
	NEWFD_PERF,		/* perf_event_open() of a software event */
	NEWFD_FSOPEN,		/* fsopen("tmpfs") */
	NEWFD_OPEN_TREE,	/* open_tree(OPEN_TREE_CLONE) of /tmp */
	NEWFD_USERFAULTFD,
	NEWFD_FANOTIFY,
	NEWFD_IO_URING,		/* io_uring_setup() */
	NEWFD_URING_RING,	/* the agent's ring for NEWFD_URING_OPENAT */
	NEWFD_URING_OPENAT,	/* a1: that ring; openat in an io-wq worker */
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
/*
 * agent_call() to the agent itself, with its @nth allocation failed
 * (/proc/thread-self/fail-nth); *@left is what fail-nth read after the
 * command, 0 if an allocation was failed, -1 if fail-nth is not there.
 */
long agent_call_faulted(struct agent *ag, int nth, int op, const long a[6],
			long *left);
int agent_wait(struct agent *ag, int timeout_ms);
int agent_reap(struct agent *ag, int timeout_ms);
int agent_stop(struct agent *ag);
int agent_kill(struct agent *ag);
void agent_exec_hook(int argc, char **argv);
/* in a forked child: close all fds but 0-2 and @keep, 0-2 to /dev/null */
void isolate_fds(int keep);

/* Commands to the agent itself (sub 0) or to its sub-agent number sub. */
#define ag_call(ag, op, ...)						\
	agent_call((ag), 0, (op), (const long[6]) { __VA_ARGS__ })
#define ag_call_fault(ag, nth, left, op, ...)				\
	agent_call_faulted((ag), (nth), (op),				\
			   (const long[6]) { __VA_ARGS__ }, (left))
#define ag_call_sub(ag, sub, op, ...)					\
	agent_call((ag), (sub), (op), (const long[6]) { __VA_ARGS__ })

/* The wire format between the two sides */
struct ag_cmd {
	int op;
	int target;
	int fail_nth;	/* fail the n-th allocation of the command; 0: none */
	long a[6];
};

struct ag_reply {
	long ret;
	long err;
	long v[4];
	long fail_left;	/* fail-nth after the command: 0 if it failed one */
};

/* agent_fds.c: the descriptors the child makes for some commands */
long ag_scm_send(const struct ag_cmd *c);
long ag_scm_recv(const struct ag_cmd *c, struct ag_reply *rep);
long ag_newfd(const struct ag_cmd *c, const char *devnull);
long ag_listen(void);
long ag_connect(int lfd);

/* agent_child.c: the forked child of agent_start_keep() */
void __noreturn agent_child(int in, int out, int keepfd, const char *cg);

#endif /* RESTRACK_AGENT_H */
