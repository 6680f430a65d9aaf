/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of most tests, "a cgroup with an agent in it", and the two
 * tables the exactness, deny, kill and event-count tests loop over: every
 * way a process creates a descriptor and every way it grows its heap.  A
 * new way is one line in a table (fixture.c), and every such test covers
 * it.
 */
#ifndef RESTRACK_FIXTURE_H
#define RESTRACK_FIXTURE_H

#include <limits.h>
#include <stdbool.h>

#include "agent.h"
#include "oracle.h"

struct fixture {
	const char *root;	/* of the test program, for fixture_run() */
	char parent[PATH_MAX];	/* of a nested fixture, else "" */
	char cg[PATH_MAX];
	struct agent a;
	struct rt_track t;
};

#define FIXTURE_INIT { .parent = "", .cg = "", .a = AGENT_INIT }

/* @name under @root, with an agent in it, tracked from here (rt_track) */
int fixture_setup(struct fixture *f, const char *root, const char *name);
/* The same one level down: @name/child, restrack enabled in @name */
int fixture_setup_nested(struct fixture *f, const char *root,
			 const char *name);
/* stops the agent and removes the cgroup(s); safe after a failed setup */
void fixture_teardown(struct fixture *f);

struct __test_metadata;

/*
 * Runs @body on a fixture named @name under @root, @nested or not, and
 * tears it down; a failed setup is KSFT_FAIL.  The RT_FIXTURE_TEST()s of
 * restrack_harness.h run on it.
 */
int fixture_run(struct __test_metadata *_metadata, const char *root,
		const char *name, bool nested,
		int (*body)(struct __test_metadata *_metadata,
			    struct fixture *f));

/* Bytes of data a thread with a default stack adds; -1 on error */
long thread_stack_bytes(void);

/* Sets restrack.heap.max (@heap) or .files.max to current usage + @room. */
int set_headroom(const char *cg, bool heap, long room);

/* The arguments of a creator that name a descriptor of its fd_env */
enum {
	FD_SRC = -1000,	/* an open file to duplicate */
	FD_LISTEN,	/* a listening socket with a connection pending */
	FD_SCM_RECV,	/* a datagram socket an fd was just sent to */
	FD_HI,		/* an unused descriptor number */
	FD_HI1,		/* another one, FD_HI + 1 */
	FD_PIDFD,	/* a pidfd of the agent itself */
	FD_URING,	/* the agent's io_uring */
};

/* the descriptors fd_env_setup() makes, charged */
#define FD_ENV_FDS	8

struct fd_env {
	long src, listen, scm[2], hi, pidfd, uring;
};

struct fd_creator {
	const char *name;
	int op;			/* enum ag_op */
	long a[6];		/* its arguments, FD_* resolved by fd_create() */
	int nfds;		/* descriptors one call creates */
	bool truncates;		/* denied as SCM_RIGHTS is: 0 fds, MSG_CTRUNC */
};

extern const struct fd_creator fd_creators[];
extern const int nr_fd_creators;

/* Makes the descriptors the creators use (charged, FD_ENV_FDS of them). */
int fd_env_setup(struct agent *a, struct fd_env *env);
/*
 * Runs @c in @a: the number of descriptors created, their numbers in
 * @fds[0..1]; -1 with errno set if the call failed (a truncated SCM_RIGHTS
 * receipt is 0 with *@trunc set).
 */
long fd_create(struct agent *a, const struct fd_creator *c,
	       const struct fd_env *env, long fds[2], bool *trunc);

struct heap_grower {
	const char *name;
	/* makes what grow() needs (if anything) before the limit is set */
	int (*prep)(struct agent *a, long pages, long *state);
	long prep_pages;	/* of heap that costs */
	/* grows the heap by @pages pages (fork: by its copy) or fails */
	long (*grow)(struct agent *a, long pages, long *state);
	bool transient;		/* the growth is gone when grow() returns */
	int deny_errno;		/* what the denied call fails with */
	long dfiles;		/* descriptors a successful grow() adds */
};

extern const struct heap_grower heap_growers[];
extern const int nr_heap_growers;

/* Runs @g's prep, if any */
int heap_grow_prep(const struct heap_grower *g, struct agent *a, long pages,
		   long *state);
/* Bytes a grow() of @pages by @a charges: @pages pages, or the fork copy */
long heap_grow_need(const struct heap_grower *g, struct agent *a, long pages);

#endif /* RESTRACK_FIXTURE_H */
