// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptors an agent makes on command that need more than one call:
 * SCM_RIGHTS sends and receipts, the AG_NEWFD kinds, a listening socket
 * and a connection to it; see agent.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sched.h>

#include "restrack_test.h"

#define AG_MAX_SCM		16

static int sock_seq;

/* not in every libc's headers */
#ifndef CLONE_PIDFD
#define CLONE_PIDFD		0x00001000
#endif
#define RT_FSOPEN_CLOEXEC	0x00000001
#define RT_OPEN_TREE_CLONE	1
#define RT_FAN_CLASS_NOTIF	0x00000000
#define RT_FAN_CLOEXEC		0x00000001

/* The agent's io_uring for asynchronous opens (NEWFD_URING_*): one. */
static struct {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
} ring = { .fd = -1 };

/* io_uring_setup() and the mappings of its rings (shared: not data) */
static long uring_setup(void)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;
	void *sqes;
	int fd;

	if (ring.fd >= 0) {
		errno = EBUSY;
		return -1;
	}
	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0)
		return -1;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		    IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	ring.sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	ring.sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	ring.sq_array = (unsigned int *)(sq + p.sq_off.array);
	ring.cq_head = (unsigned int *)(cq + p.cq_off.head);
	ring.cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	ring.cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	ring.cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	ring.sqes = sqes;
	ring.fd = fd;
	return fd;
}

/*
 * An openat of @path through the ring, forced to an io-wq worker thread
 * (IOSQE_ASYNC): the descriptor is made by that thread, not by the
 * agent's own.  Returns it, or -1 with the completion's error.
 */
static long uring_openat(int fd, const char *path)
{
	struct io_uring_sqe *sqe;
	unsigned int tail, head, idx;
	int res;

	if (fd != ring.fd || fd < 0) {
		errno = EINVAL;
		return -1;
	}
	tail = *ring.sq_tail;
	idx = tail & *ring.sq_mask;
	sqe = &ring.sqes[idx];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_OPENAT;
	sqe->flags = IOSQE_ASYNC;
	sqe->fd = AT_FDCWD;
	sqe->addr = (uintptr_t)path;
	sqe->open_flags = O_RDONLY | O_CLOEXEC;
	ring.sq_array[idx] = idx;
	__atomic_store_n(ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -1;
	head = *ring.cq_head;
	if (head == __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE)) {
		errno = EAGAIN;
		return -1;
	}
	res = ring.cqes[head & *ring.cq_mask].res;
	__atomic_store_n(ring.cq_head, head + 1, __ATOMIC_RELEASE);
	if (res < 0) {
		errno = -res;
		return -1;
	}
	return res;
}

/*
 * clone(CLONE_PIDFD) of a child that exits at once, reaped: the pidfd is
 * the only descriptor left.  CLONE_FILES and CLONE_VFORK: the child
 * copies no table (no charge of its own) and is gone when clone returns.
 */
static long clone_pidfd(void)
{
	int pidfd = -1;
	long pid;

	pid = syscall(SYS_clone, (long)(CLONE_PIDFD | CLONE_FILES |
					CLONE_VFORK | SIGCHLD),
		      0L, &pidfd, 0L, 0L);
	if (pid == 0)
		syscall(SYS_exit, 0);
	if (pid < 0)
		return -1;
	waitpid(pid, NULL, 0);
	return pidfd;
}

long ag_scm_send(const struct ag_cmd *c)
{
	char cbuf[CMSG_SPACE(sizeof(int) * AG_MAX_SCM)];
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int n = c->a[2], i;
	int *fds;

	if (n < 1 || n > AG_MAX_SCM) {
		errno = EINVAL;
		return -1;
	}
	memset(cbuf, 0, sizeof(cbuf));
	msg.msg_control = cbuf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	fds = (int *)CMSG_DATA(cm);
	for (i = 0; i < n; i++)
		fds[i] = c->a[1];
	return sendmsg(c->a[0], &msg, 0) == 1 ? 0 : -1;
}

long ag_scm_recv(const struct ag_cmd *c, struct ag_reply *rep)
{
	char cbuf[CMSG_SPACE(sizeof(int) * AG_MAX_SCM)];
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	long got = 0;

	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(c->a[0], &msg, 0) < 0)
		return -1;
	rep->v[0] = msg.msg_flags;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		int *fds = (int *)CMSG_DATA(cm);
		long n, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++, got++)
			if (got < 3)
				rep->v[1 + got] = fds[i];
	}
	return got;
}

long ag_newfd(const struct ag_cmd *c, const char *devnull)
{
	struct { uint64_t flags, mode, resolve; } how = { O_RDONLY, 0, 0 };
	sigset_t set;
	int fd;

	switch (c->a[0]) {
	case NEWFD_SOCKET:
		return socket(AF_UNIX, SOCK_STREAM, 0);
	case NEWFD_EVENTFD:
		return eventfd(0, 0);
	case NEWFD_MEMFD:
		fd = memfd_create("restrack-test", 0);
		if (fd >= 0 && c->a[1] && ftruncate(fd, c->a[1])) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
		return fd;
	case NEWFD_PIDFD:
		return syscall(__NR_pidfd_open, getpid(), 0);
	case NEWFD_EPOLL:
		return epoll_create1(0);
	case NEWFD_INOTIFY:
		return inotify_init1(0);
	case NEWFD_TIMERFD:
		return timerfd_create(CLOCK_MONOTONIC, 0);
	case NEWFD_SIGNALFD:
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		return signalfd(-1, &set, 0);
	case NEWFD_OPENAT2:
		return syscall(__NR_openat2, AT_FDCWD, devnull, &how,
			       sizeof(how));
	case NEWFD_ACCEPT4:
		return accept4(c->a[1], NULL, NULL, SOCK_CLOEXEC);
	case NEWFD_PIDFD_GETFD:
		return syscall(__NR_pidfd_getfd, (int)c->a[1], (int)c->a[2], 0);
	case NEWFD_CLONE_PIDFD:
		return clone_pidfd();
	case NEWFD_PERF: {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE,
			.size = sizeof(attr),
			.config = PERF_COUNT_SW_DUMMY,
			.disabled = 1,
		};

		return syscall(__NR_perf_event_open, &attr, 0, -1, -1,
			       PERF_FLAG_FD_CLOEXEC);
	}
	case NEWFD_FSOPEN:
		return syscall(__NR_fsopen, "tmpfs", RT_FSOPEN_CLOEXEC);
	case NEWFD_OPEN_TREE:
		return syscall(__NR_open_tree, AT_FDCWD, "/tmp",
			       RT_OPEN_TREE_CLONE | O_CLOEXEC);
	case NEWFD_USERFAULTFD:
		return syscall(__NR_userfaultfd, O_CLOEXEC);
	case NEWFD_FANOTIFY:
		return syscall(__NR_fanotify_init,
			       RT_FAN_CLASS_NOTIF | RT_FAN_CLOEXEC, O_RDONLY);
	case NEWFD_IO_URING: {
		struct io_uring_params p;

		memset(&p, 0, sizeof(p));
		return syscall(__NR_io_uring_setup, 4, &p);
	}
	case NEWFD_URING_RING:
		return uring_setup();
	case NEWFD_URING_OPENAT:
		return uring_openat(c->a[1], devnull);
	}
	errno = EINVAL;
	return -1;
}

long ag_listen(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd, n;

	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
		     "restrack-test-%d-%d", getpid(), sock_seq++);
	len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, len) || listen(fd, 16)) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

long ag_connect(int lfd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	int fd;

	if (getsockname(lfd, (struct sockaddr *)&sun, &len))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, len)) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
