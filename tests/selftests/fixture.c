// SPDX-License-Identifier: GPL-2.0
/*
 * The fixture and the tables of descriptor creators and heap growers; see
 * fixture.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "restrack_test.h"

int fixture_setup(struct fixture *f, const char *root, const char *name)
{
	if (cg_make(f->cg, root, name) || agent_start(&f->a, f->cg) ||
	    rt_track_start(&f->t, f->cg)) {
		diag("fixture %s: setup failed: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

int fixture_setup_nested(struct fixture *f, const char *root,
			 const char *name)
{
	if (cg_make(f->parent, root, name) || cg_enable(f->parent, "restrack")) {
		diag("fixture %s: setup failed: %s", name, strerror(errno));
		return -1;
	}
	return fixture_setup(f, f->parent, "child");
}

void fixture_teardown(struct fixture *f)
{
	agent_stop(&f->a);
	cg_destroy(f->parent[0] ? f->parent : f->cg);
}

int fixture_run(struct __test_metadata *_metadata, const char *root,
		const char *name, bool nested,
		int (*body)(struct __test_metadata *_metadata,
			    struct fixture *f))
{
	struct fixture f = FIXTURE_INIT;
	int ret = KSFT_FAIL;

	f.root = root;
	if (!(nested ? fixture_setup_nested(&f, root, name) :
		       fixture_setup(&f, root, name)))
		ret = body(_metadata, &f);
	fixture_teardown(&f);
	return ret;
}

int set_headroom(const char *cg, bool heap, long room)
{
	const char *cur = heap ? "restrack.heap.current" :
				 "restrack.files.current";
	const char *max = heap ? "restrack.heap.max" : "restrack.files.max";
	long usage = cg_read_long(cg, cur);

	if (usage < 0) {
		diag("%s: cannot read %s", cg, cur);
		return -1;
	}
	if (cg_write_numeric(cg, max, usage + room)) {
		diag("%s: setting %s to %ld: %s", cg, max, usage + room,
		     strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The data a thread with a default stack adds: glibc maps its guard page,
 * PROT_NONE, beyond the stack size.
 */
long thread_stack_bytes(void)
{
	pthread_attr_t attr;
	size_t size;

	if (pthread_getattr_default_np(&attr) ||
	    pthread_attr_getstacksize(&attr, &size))
		return -1;
	pthread_attr_destroy(&attr);
	return size;
}

/* ------------------------------------------------------------------ */
/* descriptor creators */

const struct fd_creator fd_creators[] = {
	{ "open", AG_OPEN, { 0 }, 1 },
	{ "open O_CLOEXEC", AG_OPEN, { O_CLOEXEC }, 1 },
	{ "open O_PATH", AG_OPEN, { O_PATH }, 1 },
	{ "openat2", AG_NEWFD, { NEWFD_OPENAT2 }, 1 },
	{ "dup", AG_DUP, { FD_SRC }, 1 },
	{ "dup2 to a new fd", AG_DUP2, { FD_SRC, FD_HI }, 1 },
	{ "dup3 to a new fd", AG_DUP3, { FD_SRC, FD_HI1, O_CLOEXEC }, 1 },
	{ "F_DUPFD", AG_FCNTL, { FD_SRC, F_DUPFD, 0 }, 1 },
	{ "F_DUPFD_CLOEXEC", AG_FCNTL, { FD_SRC, F_DUPFD_CLOEXEC, 0 }, 1 },
	{ "pipe", AG_PIPE, { 0 }, 2 },
	{ "pipe2 O_CLOEXEC", AG_PIPE, { O_CLOEXEC }, 2 },
	{ "socketpair stream", AG_SOCKETPAIR, { SOCK_STREAM }, 2 },
	{ "socketpair dgram", AG_SOCKETPAIR, { SOCK_DGRAM }, 2 },
	{ "socket", AG_NEWFD, { NEWFD_SOCKET }, 1 },
	{ "accept", AG_ACCEPT, { FD_LISTEN }, 1 },
	{ "accept4", AG_NEWFD, { NEWFD_ACCEPT4, FD_LISTEN }, 1 },
	{ "eventfd", AG_NEWFD, { NEWFD_EVENTFD }, 1 },
	{ "epoll_create1", AG_NEWFD, { NEWFD_EPOLL }, 1 },
	{ "signalfd", AG_NEWFD, { NEWFD_SIGNALFD }, 1 },
	{ "timerfd_create", AG_NEWFD, { NEWFD_TIMERFD }, 1 },
	{ "inotify_init1", AG_NEWFD, { NEWFD_INOTIFY }, 1 },
	{ "memfd_create", AG_NEWFD, { NEWFD_MEMFD }, 1 },
	{ "pidfd_open", AG_NEWFD, { NEWFD_PIDFD }, 1 },
	{ "pidfd_getfd", AG_NEWFD, { NEWFD_PIDFD_GETFD, FD_PIDFD, FD_SRC }, 1 },
	{ "clone CLONE_PIDFD", AG_NEWFD, { NEWFD_CLONE_PIDFD }, 1 },
	{ "perf_event_open", AG_NEWFD, { NEWFD_PERF }, 1 },
	{ "fsopen", AG_NEWFD, { NEWFD_FSOPEN }, 1 },
	{ "open_tree", AG_NEWFD, { NEWFD_OPEN_TREE }, 1 },
	{ "userfaultfd", AG_NEWFD, { NEWFD_USERFAULTFD }, 1 },
	{ "fanotify_init", AG_NEWFD, { NEWFD_FANOTIFY }, 1 },
	{ "io_uring_setup", AG_NEWFD, { NEWFD_IO_URING }, 1 },
	{ "io_uring openat in a worker", AG_NEWFD,
	  { NEWFD_URING_OPENAT, FD_URING }, 1 },
	{ "SCM_RIGHTS receipt", AG_SCM_RECV, { FD_SCM_RECV }, 1, true },
};

const int nr_fd_creators = ARRAY_SIZE(fd_creators);

int fd_env_setup(struct agent *a, struct fd_env *env)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	/* two unused fd numbers for dup2/dup3 to a new fd */
	env->hi = rl.rlim_cur > 902 ? 900 : (long)rl.rlim_cur - 3;
	env->src = ag_call(a, AG_OPEN, 0);
	env->listen = ag_call(a, AG_LISTEN, 0);
	env->pidfd = ag_call(a, AG_NEWFD, NEWFD_PIDFD);
	env->uring = ag_call(a, AG_NEWFD, NEWFD_URING_RING);
	/* a connection pending for accept, and one for accept4 */
	if (env->src < 0 || env->listen < 0 || env->pidfd < 0 ||
	    env->uring < 0 ||
	    ag_call(a, AG_CONNECT, env->listen) < 0 ||
	    ag_call(a, AG_CONNECT, env->listen) < 0 ||
	    ag_call(a, AG_SOCKETPAIR, SOCK_DGRAM)) {
		diag("%s: %s", __func__, strerror(errno));
		return -1;
	}
	env->scm[0] = a->v[0];
	env->scm[1] = a->v[1];
	return 0;
}

static long fd_arg(long arg, const struct fd_env *env)
{
	switch (arg) {
	case FD_SRC:		return env->src;
	case FD_LISTEN:		return env->listen;
	case FD_SCM_RECV:	return env->scm[1];
	case FD_HI:		return env->hi;
	case FD_HI1:		return env->hi + 1;
	case FD_PIDFD:		return env->pidfd;
	case FD_URING:		return env->uring;
	}
	return arg;
}

long fd_create(struct agent *a, const struct fd_creator *c,
	       const struct fd_env *env, long fds[2], bool *trunc)
{
	long args[6], r;
	int i;

	for (i = 0; i < 6; i++)
		args[i] = fd_arg(c->a[i], env);
	*trunc = false;
	/* the descriptor in flight is the sender's src, charged already */
	if (c->op == AG_SCM_RECV &&
	    ag_call(a, AG_SCM_SEND, env->scm[0], env->src, 1)) {
		diag("%s: sendmsg: %s", c->name, strerror(errno));
		return -1;
	}
	r = agent_call(a, 0, c->op, args);
	if (r == -1)
		return -1;
	switch (c->op) {
	case AG_PIPE:
	case AG_SOCKETPAIR:
		fds[0] = a->v[0];
		fds[1] = a->v[1];
		return 2;
	case AG_SCM_RECV:
		*trunc = a->v[0] & MSG_CTRUNC;
		fds[0] = a->v[1];
		return r;
	}
	fds[0] = r;
	return 1;
}

/* ------------------------------------------------------------------ */
/* heap growers */

static long grow_brk(struct agent *a, long pages, long *state)
{
	(void)state;
	return ag_call(a, AG_SBRK, pages * page_size);
}

static long grow_mmap(struct agent *a, long pages, long *state)
{
	(void)state;
	return ag_call(a, AG_MMAP, 0, pages * page_size, RW, ANON, -1, 0);
}

/* mremap grows a mapped page by @pages */
static int prep_mremap(struct agent *a, long pages, long *state)
{
	(void)pages;
	*state = ag_call(a, AG_MMAP, 0, page_size, RW, ANON, -1, 0);
	return *state == -1 ? -1 : 0;
}

static long grow_mremap(struct agent *a, long pages, long *state)
{
	return ag_call(a, AG_MREMAP, *state, page_size,
		       (pages + 1) * page_size, MREMAP_MAYMOVE, 0);
}

/* mprotect makes a PROT_NONE reservation (not data yet) writable */
static int prep_mprotect(struct agent *a, long pages, long *state)
{
	*state = ag_call(a, AG_MMAP, 0, pages * page_size, PROT_NONE, ANON,
			 -1, 0);
	return *state == -1 ? -1 : 0;
}

static long grow_mprotect(struct agent *a, long pages, long *state)
{
	return ag_call(a, AG_MPROTECT, *state, pages * page_size, RW);
}

/* a thread whose stack is @pages pages (glibc adds a PROT_NONE guard) */
static long grow_thread(struct agent *a, long pages, long *state)
{
	(void)state;
	return ag_call(a, AG_THREADS, 1, pages * page_size, 0, 0);
}

/* fork charges the child's copy of the heap; the child exits at once */
static long grow_fork(struct agent *a, long pages, long *state)
{
	(void)pages;
	(void)state;
	return ag_call(a, AG_FORK_EXIT, 0);
}

const struct heap_grower heap_growers[] = {
	{ .name = "brk", .grow = grow_brk, .deny_errno = ENOMEM },
	{ .name = "anonymous mmap", .grow = grow_mmap, .deny_errno = ENOMEM },
	{ .name = "mremap", .prep = prep_mremap, .prep_pages = 1,
	  .grow = grow_mremap, .deny_errno = ENOMEM },
	{ .name = "mprotect", .prep = prep_mprotect, .grow = grow_mprotect,
	  .deny_errno = ENOMEM },
	/* pthread_create() reports its failed stack mprotect as EAGAIN */
	{ .name = "thread stack", .grow = grow_thread, .deny_errno = EAGAIN,
	  .dfiles = 2 },
	{ .name = "fork", .grow = grow_fork, .transient = true,
	  .deny_errno = ENOMEM },
};

const int nr_heap_growers = ARRAY_SIZE(heap_growers);

int heap_grow_prep(const struct heap_grower *g, struct agent *a, long pages,
		   long *state)
{
	*state = 0;
	return g->prep ? g->prep(a, pages, state) : 0;
}

long heap_grow_need(const struct heap_grower *g, struct agent *a, long pages)
{
	return g->transient ? vmdata_bytes(a->pid) : pages * page_size;
}
