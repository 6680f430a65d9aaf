// SPDX-License-Identifier: GPL-2.0
/*
 * The child side of an agent: a process that executes one command at a
 * time for the test (mmap, open, fork, ...) and replies with the result;
 * see agent.h.
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
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "restrack_test.h"

#define AG_EXEC_ARG		"--restrack-agent"
#define AG_EXIT_ARG		"--restrack-exit"	/* AG_SPAWN_EXIT */
#define AG_MAX_SUB		8
#define AG_MAX_THREADS		32

struct ag_sub {
	pid_t pid;
	int wfd, rfd;
	int peer_wfd, peer_rfd;	/* the sub's ends, still ours if shared */
	bool shared;
};

static struct {
	int in, out;
	bool top;
	const char *devnull;
	struct ag_sub sub[AG_MAX_SUB];

	int nthreads;
	pthread_t tid[AG_MAX_THREADS];
	int stop_pipe[2];
	sem_t ready;
	long thr_pages;
	bool thr_open;
	int thr_failed;
} ag = { .in = -1, .out = -1, .stop_pipe = { -1, -1 } };

static void __noreturn ag_loop(void);

static void ag_init(int in, int out, bool top)
{
	ag.in = in;
	ag.out = out;
	ag.top = top;
	ag.devnull = access("/dev/null", R_OK) ? "/" : "/dev/null";
	memset(ag.sub, 0, sizeof(ag.sub));
	ag.nthreads = 0;
	ag.stop_pipe[0] = -1;
	ag.stop_pipe[1] = -1;
	if (!page_size)
		page_size = sysconf(_SC_PAGESIZE);
}

static void ag_reply(const struct ag_reply *rep)
{
	if (write_full(ag.out, rep, sizeof(*rep)) < 0) {
		if (ag.top)
			_exit(1);
		for (;;)
			pause();
	}
}

/* Closes every descriptor but 0-2 and the (up to three) given ones. */
static void close_other_fds(int k1, int k2, int k3)
{
	int keep[3] = { k1, k2, k3 }, i, j, t;
	unsigned int first = 3;
	struct rlimit rl;
	long max = 4096, fd;

	/* sort, so that the gaps between kept fds can go with close_range */
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (keep[j] < keep[i]) {
				t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (i = 0; i <= 3; i++) {
		unsigned int last = i < 3 ? (unsigned int)keep[i] - 1 : ~0U;

		if (i < 3 && keep[i] < (int)first)
			continue;
		/* a kernel without close_range() (before 5.9) fails it */
		if (last >= first && syscall(__NR_close_range, first, last, 0))
			goto slow;
		if (i < 3)
			first = keep[i] + 1;
	}
	return;
slow:
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)max)
		max = rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		if (fd != k1 && fd != k2 && fd != k3)
			close(fd);
}

static void null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

void isolate_fds(int keep)
{
	close_other_fds(keep, -1, -1);
	null_stdio();
}

static void *ag_thread(void *arg)
{
	size_t len = ag.thr_pages * page_size;
	void *p = MAP_FAILED;
	int fd = -1;
	char c;

	(void)arg;
	if (len) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			__atomic_add_fetch(&ag.thr_failed, 1, __ATOMIC_SEQ_CST);
	}
	if (ag.thr_open) {
		fd = open(ag.devnull, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			__atomic_add_fetch(&ag.thr_failed, 1, __ATOMIC_SEQ_CST);
	}
	sem_post(&ag.ready);
	while (read(ag.stop_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	if (fd >= 0)
		close(fd);
	if (p != MAP_FAILED)
		munmap(p, len);
	return NULL;
}

static long ag_threads(const struct ag_cmd *c, struct ag_reply *rep)
{
	pthread_attr_t attr;
	long n = c->a[0], i;

	if (ag.nthreads || n <= 0 || n > AG_MAX_THREADS) {
		errno = EINVAL;
		return -1;
	}
	if (pipe2(ag.stop_pipe, O_CLOEXEC))
		return -1;
	sem_init(&ag.ready, 0, 0);
	ag.thr_pages = c->a[2];
	ag.thr_open = c->a[3];
	ag.thr_failed = 0;
	pthread_attr_init(&attr);
	if (c->a[1])
		pthread_attr_setstacksize(&attr, c->a[1]);
	for (i = 0; i < n; i++) {
		errno = pthread_create(&ag.tid[i], &attr, ag_thread, NULL);
		if (errno)
			break;
		ag.nthreads++;
	}
	pthread_attr_destroy(&attr);
	for (i = 0; i < ag.nthreads; i++)
		while (sem_wait(&ag.ready) && errno == EINTR)
			;
	rep->v[0] = ag.thr_failed;
	rep->v[1] = ag.nthreads;
	if (!ag.nthreads) {
		/* nothing to stop: a denied first thread leaves no trace */
		int saved = errno;

		close(ag.stop_pipe[0]);
		close(ag.stop_pipe[1]);
		ag.stop_pipe[0] = -1;
		ag.stop_pipe[1] = -1;
		sem_destroy(&ag.ready);
		errno = saved;
	}
	return ag.nthreads == n ? 0 : -1;
}

static long ag_threads_stop(void)
{
	int i;

	if (!ag.nthreads) {
		errno = EINVAL;
		return -1;
	}
	close(ag.stop_pipe[1]);
	for (i = 0; i < ag.nthreads; i++)
		pthread_join(ag.tid[i], NULL);
	close(ag.stop_pipe[0]);
	ag.stop_pipe[0] = -1;
	ag.stop_pipe[1] = -1;
	ag.nthreads = 0;
	return 0;
}

static long ag_fork(long flags, struct ag_reply *rep)
{
	int to[2], from[2], slot, i;
	struct ag_reply hello;
	bool shared = flags & CLONE_FILES;
	pid_t pid;

	for (slot = 0; slot < AG_MAX_SUB; slot++)
		if (!ag.sub[slot].pid)
			break;
	if (slot == AG_MAX_SUB || (flags & ~(long)CLONE_FILES)) {
		errno = EINVAL;
		return -1;
	}
	if (pipe(to))
		return -1;
	if (pipe(from)) {
		int saved = errno;

		close(to[0]);
		close(to[1]);
		errno = saved;
		return -1;
	}
	if (shared)
		pid = syscall(SYS_clone, (long)(CLONE_FILES | SIGCHLD), 0L,
			      0L, 0L, 0L);
	else
		pid = fork();
	if (pid < 0) {
		int saved = errno;

		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		if (!shared) {
			close(ag.in);
			close(ag.out);
			close(to[1]);
			close(from[0]);
			for (i = 0; i < AG_MAX_SUB; i++) {
				if (!ag.sub[i].pid)
					continue;
				close(ag.sub[i].wfd);
				close(ag.sub[i].rfd);
				if (ag.sub[i].shared) {
					close(ag.sub[i].peer_rfd);
					close(ag.sub[i].peer_wfd);
				}
			}
			if (ag.nthreads) {
				close(ag.stop_pipe[0]);
				close(ag.stop_pipe[1]);
			}
		}
		/* (a shared table keeps everything: it is the parent's too) */
		ag_init(to[0], from[1], false);
		memset(&hello, 0, sizeof(hello));
		hello.v[0] = getpid();
		ag_reply(&hello);
		ag_loop();
	}
	ag.sub[slot].pid = pid;
	ag.sub[slot].wfd = to[1];
	ag.sub[slot].rfd = from[0];
	ag.sub[slot].shared = shared;
	ag.sub[slot].peer_rfd = to[0];
	ag.sub[slot].peer_wfd = from[1];
	if (!shared) {
		close(to[0]);
		close(from[1]);
	}
	if (read_full_timeout(from[0], &hello, sizeof(hello), AGENT_TIMEOUT_MS)
	    != sizeof(hello)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		errno = ECHILD;
		return -1;
	}
	rep->v[0] = slot + 1;
	return pid;
}

static void ag_sub_forget(struct ag_sub *s)
{
	close(s->wfd);
	close(s->rfd);
	if (s->shared) {
		close(s->peer_rfd);
		close(s->peer_wfd);
	}
	s->pid = 0;
}

/* Waits for the reply of a sub-agent, or for it to die. */
static void ag_relay(struct ag_cmd *c, struct ag_reply *rep)
{
	int idx = c->target - 1, st = 0;
	struct ag_sub *s;

	if (idx < 0 || idx >= AG_MAX_SUB || !ag.sub[idx].pid) {
		rep->ret = -1;
		rep->err = ESRCH;
		return;
	}
	s = &ag.sub[idx];
	c->target = 0;
	if (write_full(s->wfd, c, sizeof(*c)) < 0)
		goto dead;
	if (c->op == AG_EXIT)
		goto dead;
	for (;;) {
		struct pollfd pfd = { .fd = s->rfd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 10) > 0) {
			n = read_full_timeout(s->rfd, rep, sizeof(*rep), -1);
			if (n == sizeof(*rep))
				return;
			goto dead;
		}
		/* a sub sharing our table never gives us EOF: look for it */
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			ag_sub_forget(s);
			goto died;
		}
	}
dead:
	waitpid(s->pid, &st, 0);
	ag_sub_forget(s);
died:
	memset(rep, 0, sizeof(*rep));
	if (c->op == AG_EXIT) {
		rep->ret = st;
	} else {
		rep->ret = -1;
		rep->err = EPIPE;
		rep->v[0] = st;
	}
}

static long ag_exec(void)
{
	char in[16], out[16], top[4];
	char *const argv[] = { "restrack-agent", AG_EXEC_ARG, in, out, top, NULL };
	int i;

	for (i = 0; i < AG_MAX_SUB; i++) {
		if (ag.sub[i].pid) {
			errno = EBUSY;
			return -1;
		}
	}
	snprintf(in, sizeof(in), "%d", ag.in);
	snprintf(out, sizeof(out), "%d", ag.out);
	snprintf(top, sizeof(top), "%d", ag.top);
	execv("/proc/self/exe", argv);
	return -1;
}

static void ag_do(const struct ag_cmd *c, struct ag_reply *rep)
{
	const long *a = c->a;
	int fds[2], st;
	long ret;

	errno = 0;
	switch (c->op) {
	case AG_NOP:
		rep->v[0] = getpid();
		ret = 0;
		break;
	case AG_MMAP:
		ret = (long)mmap((void *)a[0], a[1], a[2], a[3], a[4], a[5]);
		break;
	case AG_MUNMAP:
		ret = munmap((void *)a[0], a[1]);
		break;
	case AG_MREMAP:
		ret = (long)mremap((void *)a[0], a[1], a[2], a[3],
				   (void *)a[4]);
		break;
	case AG_MPROTECT:
		ret = mprotect((void *)a[0], a[1], a[2]);
		break;
	case AG_MADVISE:
		ret = madvise((void *)a[0], a[1], a[2]);
		break;
	case AG_SBRK: {
		void *old = sbrk(a[0]);
		int saved = errno;

		ret = old == (void *)-1 ? -1 : (long)old;
		rep->v[0] = syscall(SYS_brk, 0L);
		errno = saved;
		break;
	}
	case AG_OPEN:
		ret = open(ag.devnull, O_RDONLY | a[0]);
		break;
	case AG_CLOSE:
		ret = close(a[0]);
		break;
	case AG_DUP:
		ret = dup(a[0]);
		break;
	case AG_DUP2:
		ret = dup2(a[0], a[1]);
		break;
	case AG_DUP3:
		ret = dup3(a[0], a[1], a[2]);
		break;
	case AG_FCNTL:
		ret = fcntl(a[0], a[1], a[2]);
		break;
	case AG_PIPE:
		ret = pipe2(fds, a[0]);
		if (!ret) {
			rep->v[0] = fds[0];
			rep->v[1] = fds[1];
		}
		break;
	case AG_SOCKETPAIR:
		ret = socketpair(AF_UNIX, a[0], 0, fds);
		if (!ret) {
			rep->v[0] = fds[0];
			rep->v[1] = fds[1];
		}
		break;
	case AG_NEWFD:
		ret = ag_newfd(c, ag.devnull);
		break;
	case AG_LISTEN:
		ret = ag_listen();
		break;
	case AG_CONNECT:
		ret = ag_connect(a[0]);
		break;
	case AG_ACCEPT:
		ret = accept(a[0], NULL, NULL);
		break;
	case AG_SCM_SEND:
		ret = ag_scm_send(c);
		break;
	case AG_SCM_RECV:
		ret = ag_scm_recv(c, rep);
		break;
	case AG_CLOSE_RANGE:
		ret = syscall(__NR_close_range, (unsigned int)a[0],
			      (unsigned int)a[1], (unsigned int)a[2]);
		break;
	case AG_UNSHARE:
		ret = unshare(a[0]);
		break;
	case AG_FORK:
		ret = ag_fork(a[0], rep);
		break;
	case AG_FORK_EXIT:
		ret = fork();
		if (ret == 0)
			_exit(0);
		if (ret > 0)
			waitpid(ret, NULL, 0);
		break;
	case AG_THREADS:
		ret = ag_threads(c, rep);
		break;
	case AG_THREADS_STOP:
		ret = ag_threads_stop();
		break;
	case AG_EXEC:
		ret = ag_exec();
		break;
	case AG_VFORK_EXIT:
		ret = vfork();
		if (ret == 0)
			_exit(0);
		if (ret > 0 && waitpid(ret, &st, 0) == ret)
			rep->v[0] = st;
		break;
	case AG_SPAWN_EXIT: {
		char *const argv[] = { "restrack-agent", AG_EXIT_ARG, NULL };
		pid_t pid;
		int err;

		err = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv,
				  environ);
		if (err) {
			errno = err;
			ret = -1;
			break;
		}
		ret = pid;
		if (waitpid(pid, &st, 0) == pid)
			rep->v[0] = st;
		break;
	}
	default:
		errno = EINVAL;
		ret = -1;
	}
	rep->ret = ret;
	rep->err = ret == -1 ? errno : 0;
}

/*
 * ag_do() with the @c->fail_nth-th allocation of this thread failed
 * (fault injection's /proc/thread-self/fail-nth), and what is left of the
 * count after it in @rep->fail_left: 0 if an allocation was failed.
 */
static void ag_do_faulted(const struct ag_cmd *c, struct ag_reply *rep)
{
	char buf[24];
	ssize_t n;
	int fd;

	rep->fail_left = -1;
	fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		rep->ret = -1;
		rep->err = errno;
		return;
	}
	n = snprintf(buf, sizeof(buf), "%d", c->fail_nth);
	if (write(fd, buf, n) != n) {
		rep->ret = -1;
		rep->err = errno;
		close(fd);
		return;
	}
	ag_do(c, rep);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (write(fd, "0", 1) == 1 && n > 0) {
		buf[n] = '\0';
		rep->fail_left = atol(buf);
	}
	close(fd);
}

static void __noreturn ag_loop(void)
{
	for (;;) {
		struct ag_reply rep;
		struct ag_cmd c;
		ssize_t n;

		n = read_full_timeout(ag.in, &c, sizeof(c), -1);
		if (n != sizeof(c)) {
			/* the test went away */
			if (ag.top)
				_exit(0);
			/* a sub-agent waits to be killed: see kill tests */
			for (;;)
				pause();
		}
		memset(&rep, 0, sizeof(rep));
		if (c.target)
			ag_relay(&c, &rep);
		else if (c.op == AG_EXIT)
			_exit(c.a[0]);
		else if (c.fail_nth)
			ag_do_faulted(&c, &rep);
		else
			ag_do(&c, &rep);
		ag_reply(&rep);
	}
}

/* The image an agent execs into (AG_EXEC) starts here. */
void agent_exec_hook(int argc, char **argv)
{
	struct ag_reply rep;

	if (argc == 2 && !strcmp(argv[1], AG_EXIT_ARG))
		_exit(0);
	if (argc < 5 || strcmp(argv[1], AG_EXEC_ARG))
		return;
	ag_init(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	signal(SIGPIPE, SIG_IGN);
	memset(&rep, 0, sizeof(rep));
	rep.v[0] = getpid();
	ag_reply(&rep);
	ag_loop();
}

/* The forked child of agent_start_keep(): enter @cg, say hello, serve. */
void agent_child(int in, int out, int keepfd, const char *cg)
{
	struct ag_reply rep;

	close_other_fds(in, out, keepfd);
	/* never hold on to the test's output (a pipe, maybe) */
	null_stdio();
	ag_init(in, out, true);
	memset(&rep, 0, sizeof(rep));
	rep.v[0] = getpid();
	if (cg && cg_enter(cg, getpid())) {
		rep.ret = -1;
		rep.err = errno;
	}
	ag_reply(&rep);
	if (rep.ret)
		_exit(1);
	ag_loop();
}
