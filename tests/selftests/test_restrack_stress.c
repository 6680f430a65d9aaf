// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized stress test of the restrack cgroup controller.
 *
 * Several multi-threaded worker processes do random heap and descriptor
 * operations (mmap, partial munmap, mremap, mprotect, brk, open, dup, dup2,
 * close, pipe, socketpair, eventfd, fork + exit) in sibling and nested
 * cgroups, some of them limited, while the test moves them between cgroups,
 * spawns short-lived processes into a cgroup with the kill policy, rewrites
 * the limits of a limited cgroup (lower, higher, none) and, in the last
 * round, switches the controller off and on for a subtree.
 *
 * At the end of every round all of them stop at a barrier and, for every
 * cgroup, restrack.heap.current must equal the sum of VmData and
 * restrack.files.current the sum of /proc/PID/fd entries of its processes,
 * exactly; events must add up over the hierarchy and "kill" must equal the
 * number of processes that died of SIGKILL.  A probe process then checks
 * that a limit still holds to the unit after the round's rewrites raced
 * with charges.  When everything has exited all usage must be 0.
 *
 * Limits are checked, not only usage (see explain() and check_limits()):
 * every ENOMEM and EMFILE a worker gets must be explained by a limited
 * level of its cgroup whose usage plus the charge is over its max, unless
 * a change of unknown size raced with it; the "max" events counted in the
 * levels of the workers must equal their refusals, and levels without a
 * limit must count none; each victim killed in K counts one event; and at
 * the barrier usage may be above max only as far as it was already when the
 * last move or max write of the round ended (the round's last quarter has
 * none of them, so that charges meet the final limits).
 *
 * Usage: test_restrack_stress [-s SEED] [-d SECONDS] [-r ROUNDS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

/* the longest run -d allows, and time to check it */
#define RT_TIMEOUT	(3600 + 90)
#include "restrack_harness.h"
#include "../seeded.h"

#define NWORKERS	4
#define NTHREADS	3	/* op threads per worker (plus its main thread) */
#define MAX_MAPS	32
#define MAX_FDS		24
#define DUP2_BASE	300	/* thread t of a worker owns 32 fds from here */
#define MAX_VICTIMS	2

static unsigned long seed;
static const char *prog = "test_restrack_stress";
static int duration_s = 10;
static int nrounds = 4;

enum { PH_START, PH_RUN, PH_PARK, PH_EXIT };

/* The cgroups: S/{A, B, N/C, K}; workers live in A, B and C. */
enum { CG_S, CG_A, CG_B, CG_N, CG_C, CG_K, NR_CG };

enum { R_HEAP, R_FILES, NR_RES };

/* Shared between the test and the workers (MAP_SHARED: not heap). */
struct ctl {
	int phase;
	int park_seq;
	int ready[NWORKERS];
	int parked[NWORKERS];
	long ops[NWORKERS];
	long enomem[NWORKERS];
	long emfile[NWORKERS];
	long forks[NWORKERS];
	long granted[NWORKERS];	/* mmaps and opens that went through */
	long child_enomem;	/* refusals in the workers' forked children */
	long child_emfile;
	/*
	 * What may change usage while a refusal is explained (explain()):
	 * a change of unknown size by the test (a move, a max written, a
	 * toggle) counts in unb_started when it starts and in unb_finished
	 * when it is over; a worker's fork (its copy, its child's exit) does
	 * the same in lunb_*[L], L the limited level the worker is under (A,
	 * N; none in B); a worker's operation that may lower L's usage by at
	 * most N (an unmap, a close, a charge that may be taken back) adds N
	 * to dec_started[L][res] before and to dec_finished[L][res] after.
	 */
	long unb_started, unb_finished;
	long lunb_started[NR_CG], lunb_finished[NR_CG];
	long dec_started[NR_CG][NR_RES], dec_finished[NR_CG][NR_RES];
	int where[NWORKERS];		/* the cgroup worker w was moved to */
	long max_of[NR_CG][NR_RES];	/* the max the test wrote; LONG_MAX: none */
	long explained[NR_RES];		/* refusals explained by a level */
	long excused[NR_RES];		/* raced with a change of unknown size */
	long unchecked;			/* fork refusals: events only */
	struct violations violations;	/* unexplained refusals */
};

static struct ctl *ctl;

static const char *const cg_names[NR_CG] = { "S", "A", "B", "N", "C", "K" };
static char cgs[NR_CG][PATH_MAX];
static const int leaves[] = { CG_A, CG_B, CG_C };

/* ------------------------------------------------------------------ */
/* random numbers: xorshift64* */

static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* uniform in [lo, hi] */
static long rnd(uint64_t *s, long lo, long hi)
{
	return lo + (long)(rnd_next(s) % (uint64_t)(hi - lo + 1));
}

/* ------------------------------------------------------------------ */
/* workers */

struct map {
	char *addr;
	long len;
};

struct thread_state {
	int worker, idx;
	uint64_t rng;
	struct map maps[MAX_MAPS];
	int nmaps;
	int fds[MAX_FDS];
	int nfds;
	long brk_grown;		/* bytes this thread added with sbrk */
	int parked;		/* park_seq this thread is parked for */
	pthread_t tid;
};

static struct thread_state threads[NTHREADS];

/* A worker's descriptors of the usage of the limited levels A and N */
static int cur_fd[NR_CG][NR_RES] = {
	[0 ... NR_CG - 1] = { -1, -1 },
};

static const char *const cur_files[NR_RES] = {
	"restrack.heap.current", "restrack.files.current",
};

static long load(long *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void add(long *p, long n)
{
	__atomic_add_fetch(p, n, __ATOMIC_SEQ_CST);
}

/* A change of unknown size to the usage or the limits of the workers */
static void unb_begin(void)
{
	add(&ctl->unb_started, 1);
}

static void unb_end(void)
{
	add(&ctl->unb_finished, 1);
}

/* The limited level worker @w is under: A, N, or -1 (in B) */
static int level_of(int w)
{
	int where = __atomic_load_n(&ctl->where[w], __ATOMIC_SEQ_CST);

	return where == CG_A ? CG_A : where == CG_C ? CG_N : -1;
}

/*
 * An operation of thread @t that may lower its level's usage of @res by at
 * most @n: returns the level, to give dec_end().  A move of the worker in
 * between is a change of unknown size of its own.
 */
static int dec_begin(struct thread_state *t, int res, long n)
{
	int level = level_of(t->worker);

	if (level >= 0)
		add(&ctl->dec_started[level][res], n);
	return level;
}

static void dec_end(int level, int res, long n)
{
	if (level >= 0)
		add(&ctl->dec_finished[level][res], n);
}

#define violation(...)	violation_add(&ctl->violations, __VA_ARGS__)

/*
 * What was finished before a charge of @res of @c units (bytes,
 * descriptors) started, taken before the operation: win_open() then
 * dec_begin(res, c), the call, explain() if it was refused, dec_end().
 */
struct window {
	int res;
	long c;
	long own;	/* what else the operation declared (dec_begin()) */
	int level;	/* the worker's limited level, or -1 */
	long unb;	/* ctl->unb_finished */
	long lunb;	/* ctl->lunb_finished[level] */
	long dec;	/* ctl->dec_finished[level][res] */
};

static void win_open(struct thread_state *t, struct window *w, int res,
		     long c)
{
	w->res = res;
	w->c = c;
	w->own = 0;
	w->unb = load(&ctl->unb_finished);
	w->level = level_of(t->worker);
	if (w->level >= 0) {
		w->lunb = load(&ctl->lunb_finished[w->level]);
		w->dec = load(&ctl->dec_finished[w->level][res]);
		/* a refused charge is taken back */
		add(&ctl->dec_started[w->level][res], c);
	}
}

static void win_close(struct window *w)
{
	dec_end(w->level, w->res, w->c);
}

static long read_fd_long(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/*
 * The charge of @w->c units was refused at time T: under a correct kernel,
 * some level L of the worker's cgroup had usage(T) + c > max(T).  Of the
 * worker's levels only A and N have a limit, and only one of them is
 * above the worker (in B none is, nor in S above all of them: no charge
 * may be refused there, ever).  Read now, after T, usage(L) may be lower
 * by what was taken back or freed meanwhile, which is at most what the
 * operations of the workers under L in flight since the charge started
 * declared, less the operation's own (the charge is refused before it
 * unmaps or closes anything):
 * D = dec_started(now) - dec_finished(before) - c - own.  So a correct
 * kernel has usage(now) + c + D > max, provided that no move, max write
 * or toggle, nor a fork under L, overlapped (then the refusal is only
 * counted as excused), and so the worker's level and its max are those
 * the test recorded.
 */
static void explain(struct thread_state *t, const struct window *w,
		    const char *what)
{
	int where = __atomic_load_n(&ctl->where[t->worker], __ATOMIC_SEQ_CST);
	int level = w->level;
	long cur = level < 0 ? -1 : read_fd_long(cur_fd[level][w->res]);
	long max = level < 0 ? LONG_MAX : load(&ctl->max_of[level][w->res]);
	long d = level < 0 ? 0 : load(&ctl->dec_started[level][w->res]) -
				 w->dec - w->c - w->own;

	if (load(&ctl->unb_started) != w->unb ||
	    (level >= 0 && load(&ctl->lunb_started[level]) != w->lunb)) {
		add(&ctl->excused[w->res], 1);
		return;
	}
	if (max != LONG_MAX && cur >= 0 && cur + w->c + d > max) {
		add(&ctl->explained[w->res], 1);
		return;
	}
	violation("worker %d in %s: %s of %ld %s refused; %s: %ld + %ld + %ld in flight <= max %ld",
		  t->worker, cg_names[where], what, w->c,
		  w->res == R_HEAP ? "bytes" : "fds",
		  level < 0 ? "no level" : cg_names[level], cur, w->c, d,
		  max == LONG_MAX ? -1 : max);
}

static void count_err(struct thread_state *t, int err)
{
	if (err == ENOMEM)
		__atomic_add_fetch(&ctl->enomem[t->worker], 1, __ATOMIC_RELAXED);
	else if (err == EMFILE)
		__atomic_add_fetch(&ctl->emfile[t->worker], 1, __ATOMIC_RELAXED);
}

/* A refusal of the charge of @w: counted, and explained if it is ours */
static void refused(struct thread_state *t, const struct window *w, int err,
		    const char *what)
{
	count_err(t, err);
	if (err == (w->res == R_HEAP ? ENOMEM : EMFILE) && w->c > 0)
		explain(t, w, what);
}

static void add_fd(struct thread_state *t, int fd)
{
	int i, lv;

	for (i = 0; i < t->nfds; i++)
		if (t->fds[i] == fd)
			return;
	if (t->nfds < MAX_FDS) {
		t->fds[t->nfds++] = fd;
		return;
	}
	lv = dec_begin(t, R_FILES, 1);
	close(fd);
	dec_end(lv, R_FILES, 1);
}

static void drop_fd(struct thread_state *t, int i)
{
	int lv;

	lv = dec_begin(t, R_FILES, 1);
	close(t->fds[i]);
	dec_end(lv, R_FILES, 1);
	t->fds[i] = t->fds[--t->nfds];
}

static void op_mmap(struct thread_state *t)
{
	long pages = rnd(&t->rng, 0, 15) ? rnd(&t->rng, 1, 64) :
					    rnd(&t->rng, 64, 1024);
	long r = rnd(&t->rng, 0, 99);
	int prot = r < 70 ? PROT_READ | PROT_WRITE :
		   r < 85 ? PROT_NONE : PROT_READ;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS, err;
	struct window w;
	void *p;

	if (t->nmaps == MAX_MAPS)
		return;
	r = rnd(&t->rng, 0, 99);
	if (r < 10)
		flags = MAP_SHARED | MAP_ANONYMOUS;
	else if (r < 15)
		flags |= MAP_NORESERVE;
	win_open(t, &w, R_HEAP, pages * page_size);
	p = mmap(NULL, pages * page_size, prot, flags, -1, 0);
	err = errno;
	if (p == MAP_FAILED)
		refused(t, &w, err, "mmap");
	win_close(&w);
	if (p == MAP_FAILED)
		return;
	if (prot & PROT_WRITE)	/* a store the compiler keeps: fault it in */
		__atomic_store_n((char *)p, 1, __ATOMIC_RELAXED);
	t->maps[t->nmaps].addr = p;
	t->maps[t->nmaps].len = pages * page_size;
	t->nmaps++;
	__atomic_add_fetch(&ctl->granted[t->worker], 1, __ATOMIC_RELAXED);
}

static void op_munmap(struct thread_state *t)
{
	struct map *m;
	long pages, off, len;
	int i, lv;

	if (!t->nmaps)
		return;
	i = rnd(&t->rng, 0, t->nmaps - 1);
	m = &t->maps[i];
	pages = m->len / page_size;
	switch (pages > 2 ? rnd(&t->rng, 0, 3) : 0) {
	case 0:		/* all of it */
		lv = dec_begin(t, R_HEAP, m->len);
		munmap(m->addr, m->len);
		dec_end(lv, R_HEAP, m->len);
		*m = t->maps[--t->nmaps];
		break;
	case 1:		/* head */
		len = rnd(&t->rng, 1, pages - 1) * page_size;
		lv = dec_begin(t, R_HEAP, len);
		munmap(m->addr, len);
		dec_end(lv, R_HEAP, len);
		m->addr += len;
		m->len -= len;
		break;
	case 2:		/* tail */
		len = rnd(&t->rng, 1, pages - 1) * page_size;
		lv = dec_begin(t, R_HEAP, len);
		munmap(m->addr + m->len - len, len);
		dec_end(lv, R_HEAP, len);
		m->len -= len;
		break;
	default:	/* middle: the mapping splits in two */
		if (t->nmaps == MAX_MAPS)
			break;
		off = rnd(&t->rng, 1, pages - 2);
		len = rnd(&t->rng, 1, pages - 1 - off);
		lv = dec_begin(t, R_HEAP, len * page_size);
		munmap(m->addr + off * page_size, len * page_size);
		dec_end(lv, R_HEAP, len * page_size);
		t->maps[t->nmaps].addr = m->addr + (off + len) * page_size;
		t->maps[t->nmaps].len = m->len - (off + len) * page_size;
		t->nmaps++;
		m->len = off * page_size;
		break;
	}
}

static void op_mremap(struct thread_state *t)
{
	struct window w;
	struct map *m;
	long pages, grow;
	void *p;
	int err, lv;

	if (!t->nmaps)
		return;
	m = &t->maps[rnd(&t->rng, 0, t->nmaps - 1)];
	pages = rnd(&t->rng, 1, 128);
	grow = pages * page_size - m->len;
	/* a move unmaps the old range: it may lower usage by that much */
	win_open(t, &w, R_HEAP, grow > 0 ? grow : 0);
	w.own = m->len;
	lv = dec_begin(t, R_HEAP, m->len);
	p = mremap(m->addr, m->len, pages * page_size, MREMAP_MAYMOVE);
	err = errno;
	/* EFAULT when mprotect split the range: fine */
	if (p == MAP_FAILED)
		refused(t, &w, err, "mremap");
	win_close(&w);
	dec_end(lv, R_HEAP, m->len);
	if (p == MAP_FAILED)
		return;
	m->addr = p;
	m->len = pages * page_size;
}

static void op_mprotect(struct thread_state *t)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_WRITE,
	};
	struct window w;
	struct map *m;
	long pages, off, len;

	if (!t->nmaps)
		return;
	m = &t->maps[rnd(&t->rng, 0, t->nmaps - 1)];
	pages = m->len / page_size;
	off = rnd(&t->rng, 0, pages - 1);
	len = rnd(&t->rng, 1, pages - off);
	/* at most len bytes charged (or freed: dropping write access) */
	win_open(t, &w, R_HEAP, len * page_size);
	if (mprotect(m->addr + off * page_size, len * page_size,
		     prots[rnd(&t->rng, 0, ARRAY_SIZE(prots) - 1)]))
		refused(t, &w, errno, "mprotect");
	win_close(&w);
}

/* Only thread 0 of a worker moves the break: sbrk is not thread-safe. */
static void op_brk(struct thread_state *t)
{
	struct window w;
	long delta;
	void *p;
	int lv;

	if (t->idx) {
		op_mmap(t);
		return;
	}
	if (t->brk_grown && rnd(&t->rng, 0, 1)) {
		delta = rnd(&t->rng, 1, t->brk_grown / page_size) * page_size;
		lv = dec_begin(t, R_HEAP, delta);
		if (sbrk(-delta) != (void *)-1)
			t->brk_grown -= delta;
		dec_end(lv, R_HEAP, delta);
		return;
	}
	delta = rnd(&t->rng, 1, 32) * page_size;
	win_open(t, &w, R_HEAP, delta);
	p = sbrk(delta);
	if (p == (void *)-1)
		refused(t, &w, errno, "sbrk");
	else
		t->brk_grown += delta;
	win_close(&w);
}

static void op_open(struct thread_state *t)
{
	struct window w;
	int fd;

	win_open(t, &w, R_FILES, 1);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0)
		refused(t, &w, errno, "open");
	win_close(&w);
	if (fd < 0)
		return;
	add_fd(t, fd);
	__atomic_add_fetch(&ctl->granted[t->worker], 1, __ATOMIC_RELAXED);
}

static void op_dup(struct thread_state *t)
{
	struct window w;
	int fd, old, lv;

	if (!t->nfds) {
		op_open(t);
		return;
	}
	old = t->fds[rnd(&t->rng, 0, t->nfds - 1)];
	/* dup2() onto an open descriptor closes it */
	win_open(t, &w, R_FILES, 1);
	w.own = 1;
	lv = dec_begin(t, R_FILES, 1);
	if (rnd(&t->rng, 0, 1))
		fd = dup(old);
	else
		fd = dup2(old, DUP2_BASE + t->idx * 32 + rnd(&t->rng, 0, 31));
	if (fd < 0)
		refused(t, &w, errno, "dup");
	win_close(&w);
	dec_end(lv, R_FILES, 1);
	if (fd >= 0)
		add_fd(t, fd);
}

static void op_close(struct thread_state *t)
{
	if (t->nfds)
		drop_fd(t, rnd(&t->rng, 0, t->nfds - 1));
}

static void op_pair(struct thread_state *t)
{
	int fds[2], r, how, err;
	struct window w;

	if (t->nfds > MAX_FDS - 2)
		return;
	how = rnd(&t->rng, 0, 2);
	/* two descriptors, one by one: refused at the first or the second */
	win_open(t, &w, R_FILES, how == 2 ? 1 : 2);
	switch (how) {
	case 0:
		r = pipe(fds);
		break;
	case 1:
		r = socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
		break;
	default:
		fds[0] = eventfd(0, 0);
		r = fds[0] < 0 ? -1 : 0;
		break;
	}
	err = errno;
	if (r)
		refused(t, &w, err, how == 0 ? "pipe" : how == 1 ?
			"socketpair" : "eventfd");
	win_close(&w);
	if (r)
		return;
	if (how == 2) {
		add_fd(t, fds[0]);
		return;
	}
	add_fd(t, fds[0]);
	add_fd(t, fds[1]);
}

/*
 * The copy a fork charges, taken back if refused, and freed when the child
 * exits, is the worker's whole usage: a change of unknown size to its
 * level.
 */
static void op_fork(struct thread_state *t)
{
	int i, lv = level_of(t->worker);
	pid_t pid;

	if (lv >= 0)
		add(&ctl->lunb_started[lv], 1);
	pid = fork();
	if (pid == 0) {
		/* only async-signal-safe calls: we are a forked thread */
		for (i = rnd(&t->rng, 0, 3); i > 0; i--) {
			if (rnd(&t->rng, 0, 1)) {
				if (mmap(NULL, rnd(&t->rng, 1, 32) * page_size,
					 PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
				    MAP_FAILED && errno == ENOMEM)
					add(&ctl->child_enomem, 1);
			} else if (open("/dev/null", O_RDONLY) < 0 &&
				   errno == EMFILE) {
				add(&ctl->child_emfile, 1);
			}
		}
		_exit(0);
	}
	if (pid < 0) {
		count_err(t, errno);
		if (errno == ENOMEM || errno == EMFILE)
			add(&ctl->unchecked, 1);
	} else {
		waitpid(pid, NULL, 0);
		__atomic_add_fetch(&ctl->forks[t->worker], 1, __ATOMIC_RELAXED);
	}
	if (lv >= 0)
		add(&ctl->lunb_finished[lv], 1);
}

static void random_op(struct thread_state *t)
{
	static void (*const table[])(struct thread_state *) = {
		op_mmap, op_mmap, op_mmap, op_mmap,
		op_munmap, op_munmap, op_munmap,
		op_mremap, op_mremap,
		op_mprotect, op_mprotect,
		op_brk, op_brk,
		op_open, op_open, op_open,
		op_dup, op_dup,
		op_close, op_close, op_close, op_close,
		op_pair,
		op_fork,
	};

	table[rnd(&t->rng, 0, ARRAY_SIZE(table) - 1)](t);
	__atomic_add_fetch(&ctl->ops[t->worker], 1, __ATOMIC_RELAXED);
}

static void *worker_thread(void *arg)
{
	struct thread_state *t = arg;

	for (;;) {
		int ph = __atomic_load_n(&ctl->phase, __ATOMIC_ACQUIRE);

		if (ph == PH_EXIT)
			return NULL;
		if (ph == PH_RUN) {
			random_op(t);
			continue;
		}
		if (ph == PH_PARK)
			__atomic_store_n(&t->parked,
					 __atomic_load_n(&ctl->park_seq,
							 __ATOMIC_ACQUIRE),
					 __ATOMIC_RELEASE);
		sleep_ms(1);
	}
}

static void __noreturn worker_main(int w, const char *cg)
{
	pthread_attr_t attr;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	isolate_fds(-1);
	if (cg_enter(cg, getpid()))
		_exit(2);
	/* explain() reads the limited levels even at the worker's fd limit */
	for (i = 0; i < NR_RES; i++) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/%s", cgs[CG_A], cur_files[i]);
		cur_fd[CG_A][i] = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "%s/%s", cgs[CG_N], cur_files[i]);
		cur_fd[CG_N][i] = open(path, O_RDONLY | O_CLOEXEC);
		if (cur_fd[CG_A][i] < 0 || cur_fd[CG_N][i] < 0)
			_exit(4);
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	for (i = 0; i < NTHREADS; i++) {
		threads[i].worker = w;
		threads[i].idx = i;
		threads[i].rng = seed * 1000003ULL + w * 31 + i + 1;
		if (pthread_create(&threads[i].tid, &attr, worker_thread,
				   &threads[i]))
			_exit(3);
	}
	__atomic_store_n(&ctl->ready[w], 1, __ATOMIC_RELEASE);

	for (;;) {
		int ph = __atomic_load_n(&ctl->phase, __ATOMIC_ACQUIRE);
		int seq = __atomic_load_n(&ctl->park_seq, __ATOMIC_ACQUIRE);

		if (ph == PH_EXIT)
			break;
		if (ph == PH_PARK && ctl->parked[w] != seq) {
			for (i = 0; i < NTHREADS; i++)
				if (__atomic_load_n(&threads[i].parked,
						    __ATOMIC_ACQUIRE) != seq)
					break;
			if (i == NTHREADS)
				__atomic_store_n(&ctl->parked[w], seq,
						 __ATOMIC_RELEASE);
		}
		sleep_ms(1);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(threads[i].tid, NULL);
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* victims: short-lived processes in K (policy kill, tight limits) */

static pid_t spawn_victim(uint64_t *rng)
{
	uint64_t vrng = rnd_next(rng);
	pid_t pid;
	int i;

	pid = fork();
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	isolate_fds(-1);
	if (cg_enter(cgs[CG_K], getpid()))
		_exit(2);
	for (i = 0; i < 40; i++) {
		if (rnd(&vrng, 0, 1))
			mmap(NULL, rnd(&vrng, 16, 256) * page_size,
			     PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		else
			open("/dev/null", O_RDONLY);
		if (!rnd(&vrng, 0, 3))
			sleep_ms(1);
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* checks at the barrier */

static const char *const ev_keys[] = { "heap.max", "files.max", "kill" };

static long subtree_local(int cg, const char *key)
{
	long sum = cg_read_key_long(cgs[cg], "restrack.events.local", key);

	if (cg == CG_S)
		return sum + subtree_local(CG_A, key) + subtree_local(CG_B, key) +
		       subtree_local(CG_N, key) + subtree_local(CG_K, key);
	if (cg == CG_N)
		return sum + subtree_local(CG_C, key);
	return sum;
}

static int check_barrier(int round, bool events_exact, long kills)
{
	int fails = 0, i;
	long kill_count;
	size_t k;
	char label[64];

	for (i = 0; i < NR_CG; i++) {
		long hp, fp, hc, fc;

		snprintf(label, sizeof(label), "round %d, %s", round,
			 cg_names[i]);
		if (rt_check(cgs[i], label))
			fails++;
		hc = cg_read_long(cgs[i], "restrack.heap.current");
		fc = cg_read_long(cgs[i], "restrack.files.current");
		hp = cg_read_long(cgs[i], "restrack.heap.peak");
		fp = cg_read_long(cgs[i], "restrack.files.peak");
		if (hp < hc || fp < fc) {
			diag("%s: peak below current: heap %ld < %ld or files %ld < %ld",
			     label, hp, hc, fp, fc);
			fails++;
		}
		for (k = 0; k < ARRAY_SIZE(ev_keys); k++) {
			long ev = cg_read_key_long(cgs[i], "restrack.events",
						   ev_keys[k]);
			long sum = subtree_local(i, ev_keys[k]);

			if (ev < 0 || (events_exact ? ev != sum : ev < sum)) {
				diag("%s: events %s %ld, sum of events.local in the subtree %ld",
				     label, ev_keys[k], ev, sum);
				fails++;
			}
		}
	}
	kill_count = cg_read_key_long(cgs[CG_K], "restrack.events.local",
				      "kill");
	if (kill_count != kills) {
		diag("round %d: K counts %ld kills, %ld victims died of SIGKILL",
		     round, kill_count, kills);
		fails++;
	}
	return fails;
}

/* ------------------------------------------------------------------ */

static void set_phase(int ph)
{
	__atomic_store_n(&ctl->phase, ph, __ATOMIC_RELEASE);
}

static int park_all(long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	int seq = __atomic_add_fetch(&ctl->park_seq, 1, __ATOMIC_ACQ_REL);
	int w;

	set_phase(PH_PARK);
	for (w = 0; w < NWORKERS; w++) {
		while (__atomic_load_n(&ctl->parked[w], __ATOMIC_ACQUIRE) !=
		       seq) {
			if (now_ms() > deadline) {
				diag("worker %d did not reach the barrier", w);
				return -1;
			}
			sleep_ms(1);
		}
	}
	return 0;
}

static const char *const max_files[NR_RES] = {
	"restrack.heap.max", "restrack.files.max",
};

/*
 * Writes @val (< 0: "max") to @cg's max of @res and records it for the
 * workers' explain(): a change of unknown size while it is written.
 */
static int set_max(int cg, int res, long val)
{
	int r;

	unb_begin();
	r = val < 0 ? cg_write(cgs[cg], max_files[res], "max") :
		      cg_write_numeric(cgs[cg], max_files[res], val);
	if (!r)
		__atomic_store_n(&ctl->max_of[cg][res], val < 0 ? LONG_MAX : val,
				 __ATOMIC_SEQ_CST);
	unb_end();
	if (r)
		diag("%s/%s = %ld: %s", cgs[cg], max_files[res], val,
		     strerror(errno));
	return r ? -1 : 0;
}

/* Moves worker @w to @cg, and tells the workers' explain() */
static int move_worker(pid_t pid, int w, int cg)
{
	int r;

	unb_begin();
	__atomic_store_n(&ctl->where[w], cg, __ATOMIC_SEQ_CST);
	r = cg_enter(cgs[cg], pid);
	unb_end();
	return r;
}

/* The same for a toggle of the controller on N */
static int toggle_n(bool on)
{
	int r;

	unb_begin();
	r = (on ? cg_enable : cg_disable)(cgs[CG_N], "restrack");
	unb_end();
	return r;
}

/* A's limits (restored at every barrier), and what the rounds write there */
#define A_HEAP_PAGES	6144
#define A_FILES		96

static int a_limits(void)
{
	return set_max(CG_A, R_HEAP, A_HEAP_PAGES * page_size) ||
	       set_max(CG_A, R_FILES, A_FILES);
}

static int rewrite_a_max(uint64_t *rng)
{
	/* A's limit, half of it, or none (-1) */
	static const long files[] = { A_FILES, A_FILES / 2, -1 };
	static const long pages[] = { A_HEAP_PAGES, A_HEAP_PAGES / 2, -1 };
	long f = files[rnd(rng, 0, 2)], h = pages[rnd(rng, 0, 2)];

	return set_max(CG_A, R_FILES, f) ||
	       set_max(CG_A, R_HEAP, h < 0 ? -1 : h * page_size);
}

/*
 * The end of a round's moves, max writes and toggles: A's limits and N's
 * controller back, and then, for the limited levels of the workers, the
 * ceiling their usage may have at the barrier: after the last change that
 * could push usage above max, a charge goes through only if it leaves
 * usage within max, so usage read now (plus charges in flight that will be
 * refused, which only raise the reading) stays below the greater of max
 * and that reading.
 */
static int set_limits(bool *enabled, long ceiling[NR_CG][NR_RES])
{
	static const int limited[] = { CG_A, CG_N };
	int fails = 0, res;
	size_t i;

	if (a_limits())
		fails++;
	if (!*enabled) {
		if (toggle_n(true)) {
			diag("enabling restrack on N: %s", strerror(errno));
			fails++;
		}
		*enabled = true;
	}
	for (i = 0; i < ARRAY_SIZE(limited); i++) {
		for (res = 0; res < NR_RES; res++) {
			int cg = limited[i];
			long cur = cg_read_long(cgs[cg], cur_files[res]);
			long max = ctl->max_of[cg][res];

			if (cur < 0) {
				diag("%s/%s: %s", cg_names[cg], cur_files[res],
				     strerror(errno));
				fails++;
			}
			ceiling[cg][res] = cur > max ? cur : max;
		}
	}
	return fails;
}

static long events_local(int cg, const char *key)
{
	return cg_read_key_long(cgs[cg], "restrack.events.local", key);
}

/*
 * At the barrier, with the workers parked: usage of A and N within their
 * ceilings (set_limits()); every refusal the workers, their children and
 * the probe saw counted as one "max" event by one level of the workers'
 * (S, A, B, N, C), and no event at all where no limit is (S, B, C); each
 * victim K killed counted one "max" event in K; and every refusal the
 * workers explained (explain()).
 */
static int check_limits(int round, long ceiling[NR_CG][NR_RES], long kills,
			long probe_refusals)
{
	static const int levels[] = { CG_S, CG_A, CG_B, CG_N, CG_C };
	static const int limited[] = { CG_A, CG_N };
	long want[NR_RES] = { ctl->child_enomem,
			      ctl->child_emfile + probe_refusals };
	long got[NR_RES] = { 0, 0 }, k;
	int fails = 0, res, w;
	char prefix[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(limited); i++) {
		for (res = 0; res < NR_RES; res++) {
			int cg = limited[i];
			long cur = cg_read_long(cgs[cg], cur_files[res]);

			if (cur < 0 || cur > ceiling[cg][res]) {
				diag("round %d: %s's %s %ld, over its max %ld\n"
				     "and over what it was when the last change ended",
				     round, cg_names[cg], cur_files[res], cur,
				     ctl->max_of[cg][res]);
				fails++;
			}
		}
	}
	for (w = 0; w < NWORKERS; w++) {
		want[R_HEAP] += ctl->enomem[w];
		want[R_FILES] += ctl->emfile[w];
	}
	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		int cg = levels[i];
		long h = events_local(cg, "heap.max");
		long f = events_local(cg, "files.max");

		k = events_local(cg, "kill");
		if (h < 0 || f < 0 || k ||
		    (ctl->max_of[cg][R_HEAP] == LONG_MAX && h) ||
		    (ctl->max_of[cg][R_FILES] == LONG_MAX && f)) {
			diag("round %d: %s, %s limit, counts heap.max %ld, files.max %ld, kill %ld",
			     round, cg_names[cg],
			     ctl->max_of[cg][R_HEAP] == LONG_MAX ? "without" :
			     "with", h, f, k);
			fails++;
		}
		got[R_HEAP] += h;
		got[R_FILES] += f;
	}
	if (got[R_HEAP] != want[R_HEAP] || got[R_FILES] != want[R_FILES]) {
		diag("round %d: the workers' levels count %ld heap.max and %ld files.max events;\n"
		     "the workers saw %ld ENOMEM and %ld EMFILE",
		     round, got[R_HEAP], got[R_FILES], want[R_HEAP],
		     want[R_FILES]);
		fails++;
	}
	k = events_local(CG_K, "heap.max") + events_local(CG_K, "files.max");
	if (k != kills) {
		diag("round %d: K counts %ld max events, %ld victims died of SIGKILL",
		     round, k, kills);
		fails++;
	}
	snprintf(prefix, sizeof(prefix), "round %d: ", round);
	fails += violations_report(&ctl->violations, prefix,
				   "unexplained refusals");
	diag("round %d: refusals explained by a level's usage: %ld heap, %ld files;\n"
	     "raced with a move, max write or fork: %ld, %ld; forks refused: %ld;\n"
	     "events %ld heap.max, %ld files.max",
	     round, ctl->explained[R_HEAP], ctl->explained[R_FILES],
	     ctl->excused[R_HEAP], ctl->excused[R_FILES], ctl->unchecked,
	     got[R_HEAP], got[R_FILES]);
	return fails;
}

/*
 * With the workers parked: a probe process moved into A, whose files.max
 * is then set two above A's usage, opens until refused.  Exactly two
 * opens must pass, whatever the round's max rewrites, racing with charges
 * and new highs, left of the ceilings of A and S.
 *
 * A's usage is read only once nothing in A can change it: the workers are
 * parked, and the probe has closed the pipe ends it does not use and said
 * so before it is moved (closes after the read would let two more opens
 * pass on a correct kernel).  The usage read must then equal the oracle.
 */
static int probe_a_files_max(int round, long *refusals)
{
	long got[2] = { -1, 0 }, cur;
	int go[2], res[2], st, fails = 0;
	struct rt_usage want;
	char ready;
	pid_t pid;

	if (pipe(go) || pipe(res)) {
		diag("round %d: probe pipes: %s", round, strerror(errno));
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (!pid) {
		long r[2] = { 0, 0 };
		char c;

		close(go[1]);
		close(res[0]);
		if (write(res[1], "r", 1) == 1 && read(go[0], &c, 1) == 1)
			while (r[0] < 64 && open("/dev/null", O_RDONLY) >= 0)
				r[0]++;
		r[1] = errno;
		_exit(write(res[1], r, sizeof(r)) != sizeof(r));
	}
	close(go[0]);
	close(res[1]);
	cur = -1;
	if (pid >= 0 && read(res[0], &ready, 1) == 1 &&
	    !cg_enter(cgs[CG_A], pid))
		cur = cg_read_long(cgs[CG_A], "restrack.files.current");
	if (cur < 0) {
		diag("round %d: probe: %s", round, strerror(errno));
		fails++;
	} else if (rt_oracle(cgs[CG_A], &want) || want.files != cur) {
		diag("round %d: A's files.current %ld with the probe in it, its processes hold %ld",
		     round, cur, want.files);
		fails++;
	} else if (set_max(CG_A, R_FILES, cur + 2) ||
		   write(go[1], "x", 1) != 1 ||
		   read(res[0], got, sizeof(got)) != sizeof(got)) {
		diag("round %d: probe: %s", round, strerror(errno));
		fails++;
	} else if (got[1] == EMFILE && ++*refusals && got[0] != 2) {
		diag("round %d: A's files.max two above its usage let %ld opens pass",
		     round, got[0]);
		fails++;
	} else if (got[0] != 2 || got[1] != EMFILE) {
		diag("round %d: A's files.max two above its usage let %ld opens pass, then: %s",
		     round, got[0], strerror(got[1]));
		fails++;
	}
	close(go[1]);
	close(res[0]);
	if (pid > 0 && wait_exit(pid, 5000, &st)) {
		diag("round %d: probe stuck", round);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fails++;
	}
	if (a_limits())
		fails++;
	return fails;
}

RT_TEST(stress)
{
	pid_t workers[NWORKERS] = { 0 }, victims[MAX_VICTIMS] = { 0 };
	long kills = 0, victims_done = 0, moves = 0, toggles = 0, rewrites = 0;
	long ceiling[NR_CG][NR_RES] = { { 0 } }, probe_refusals = 0;
	long ps = page_size, round_ms, t0;
	uint64_t rng = seed ^ 0x9e3779b97f4a7c15ULL;
	int fails = 0, round, w, i, st = 0;
	bool toggled = false, enabled = true;

	diag("seed %lu (rerun with: %s -s %lu -d %d -r %d)", seed, prog, seed,
	     duration_s, nrounds);
	alarm(duration_s + 60);
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	SETUP(ctl == MAP_FAILED);
	memset(ctl, 0, sizeof(*ctl));

	for (i = 0; i < NR_CG; i++) {
		const char *parent = i == CG_S ? root :
				     i == CG_C ? cgs[CG_N] : cgs[CG_S];

		SETUP(cg_make(cgs[i], parent, cg_names[i]));
		if (i == CG_S || i == CG_N)
			SETUP(cg_enable(cgs[i], "restrack"));
	}
	for (i = 0; i < NR_CG; i++) {
		ctl->max_of[i][R_HEAP] = LONG_MAX;
		ctl->max_of[i][R_FILES] = LONG_MAX;
	}
	SETUP(a_limits() ||
	      set_max(CG_N, R_HEAP, 12288 * ps) ||
	      set_max(CG_N, R_FILES, 160) ||
	      set_max(CG_K, R_HEAP, 1024 * ps) ||
	      set_max(CG_K, R_FILES, 24) ||
	      cg_write(cgs[CG_K], "restrack.policy", "kill"));

	for (w = 0; w < NWORKERS; w++) {
		ctl->where[w] = leaves[w % ARRAY_SIZE(leaves)];
		fflush(NULL);
		workers[w] = fork();
		SETUP(workers[w] < 0);
		if (!workers[w])
			worker_main(w, cgs[leaves[w % ARRAY_SIZE(leaves)]]);
	}
	t0 = now_ms();
	for (w = 0; w < NWORKERS; w++) {
		while (!__atomic_load_n(&ctl->ready[w], __ATOMIC_ACQUIRE)) {
			CHECK(now_ms() - t0 < 10000, "worker %d starts", w);
			CHECK(!waitpid(workers[w], &st, WNOHANG),
			      "worker %d died at start: %#x", w, st);
			sleep_ms(1);
		}
	}
	CHECK(check_barrier(0, true, 0) == 0, "exact before the start");

	round_ms = duration_s * 1000L / nrounds;
	for (round = 1; round <= nrounds; round++) {
		bool last = round == nrounds;
		long end = now_ms() + round_ms, next_move = 0, next_toggle = 0;
		long next_rewrite = 0, tail = end - round_ms / 4;
		long ops = 0, enomem = 0, emfile = 0, forks = 0;
		bool in_tail = false;

		set_phase(PH_RUN);
		while (now_ms() < end) {
			long now = now_ms();

			/*
			 * The round's last quarter: A's limits and N's
			 * controller back, then no move, max write or toggle
			 * until the barrier, where usage must be within what
			 * set_limits() recorded.
			 */
			if (!in_tail && now >= tail) {
				in_tail = true;
				fails += set_limits(&enabled, ceiling);
			}
			if (in_tail)
				goto victims;
			if (now >= next_move) {
				w = rnd(&rng, 0, NWORKERS - 1);
				i = leaves[rnd(&rng, 0, ARRAY_SIZE(leaves) - 1)];
				if (move_worker(workers[w], w, i)) {
					diag("moving worker %d to %s: %s", w,
					     cg_names[i], strerror(errno));
					fails++;
				}
				moves++;
				next_move = now + rnd(&rng, 20, 80);
			}
			if (now >= next_rewrite) {
				if (rewrite_a_max(&rng))
					fails++;
				rewrites++;
				next_rewrite = now + rnd(&rng, 10, 60);
			}
			if (last && now >= next_toggle) {
				if (toggle_n(!enabled)) {
					diag("%s restrack on N: %s",
					     enabled ? "disabling" : "enabling",
					     strerror(errno));
					fails++;
				} else {
					enabled = !enabled;
					toggled = true;
					toggles++;
				}
				next_toggle = now + rnd(&rng, 100, 300);
			}
victims:
			for (i = 0; i < MAX_VICTIMS; i++) {
				if (victims[i] &&
				    waitpid(victims[i], &st, WNOHANG) ==
				    victims[i]) {
					victims[i] = 0;
					victims_done++;
					if (killed_by_sigkill(st))
						kills++;
				}
				if (!victims[i] && now < end - 200)
					victims[i] = spawn_victim(&rng);
			}
			sleep_ms(5);
		}

		/* quiesce: victims finish, parked */
		if (!in_tail)
			fails += set_limits(&enabled, ceiling);
		for (i = 0; i < MAX_VICTIMS; i++) {
			if (!victims[i])
				continue;
			if (wait_exit(victims[i], 5000, &st)) {
				diag("victim %d stuck", victims[i]);
				kill(victims[i], SIGTERM);
				waitpid(victims[i], &st, 0);
				fails++;
			}
			victims[i] = 0;
			victims_done++;
			if (killed_by_sigkill(st))
				kills++;
		}
		CHECK(!park_all(10000), "all workers at the barrier");
		for (w = 0; w < NWORKERS; w++) {
			ops += ctl->ops[w];
			enomem += ctl->enomem[w];
			emfile += ctl->emfile[w];
			forks += ctl->forks[w];
		}
		diag("round %d: %ld ops (%ld ENOMEM, %ld EMFILE, %ld forks), %ld moves,\n"
		     "%ld victims (%ld killed), %ld toggles, %ld limit rewrites",
		     round, ops, enomem, emfile, forks, moves, victims_done,
		     kills, toggles, rewrites);
		fails += check_barrier(round, !toggled, kills);
		fails += check_limits(round, ceiling, kills, probe_refusals);
		fails += probe_a_files_max(round, &probe_refusals);
	}

	set_phase(PH_EXIT);
	for (w = 0; w < NWORKERS; w++) {
		int r = wait_exit(workers[w], 10000, &st);

		if (r || !WIFEXITED(st) || WEXITSTATUS(st)) {
			diag("worker %d: %s, status %#x", w,
			     r ? "did not exit" : "bad exit", st);
			fails++;
		}
		workers[w] = 0;
	}
	for (i = 0; i < NR_CG; i++)
		if (rt_wait_zero(cgs[i], 1000))
			fails++;
	CHECK(ctl->ops[0] + ctl->ops[1] + ctl->ops[2] + ctl->ops[3] > 1000,
	      "the workers made progress");
	/* a kernel that refused everything would pass the checks above */
	CHECK(ctl->granted[0] + ctl->granted[1] + ctl->granted[2] +
	      ctl->granted[3] > 100, "mmaps and opens went through: %ld",
	      ctl->granted[0] + ctl->granted[1] + ctl->granted[2] +
	      ctl->granted[3]);
	/* K's limits are far below what a victim maps and opens */
	CHECK(kills > 0, "victims were killed");
	CHECK(!fails, "%d check(s) failed", fails);
	if (ctl && ctl != MAP_FAILED)
		set_phase(PH_EXIT);
	for (w = 0; w < NWORKERS; w++)
		if (workers[w] > 0)
			kill(workers[w], SIGKILL);
	for (i = 0; i < MAX_VICTIMS; i++)
		if (victims[i] > 0)
			kill(victims[i], SIGKILL);
	reap_zombies();
	cg_destroy(cgs[CG_S]);
	alarm(0);
	return KSFT_PASS;
}

static void print_usage(void)
{
	fprintf(stderr, "usage: %s [-s SEED] [-d SECONDS] [-r ROUNDS]\n", prog);
}

int main(int argc, char **argv)
{
	int ret;

	agent_exec_hook(argc, argv);
	prog = argv[0];
	ret = seeded_getopt(argc, argv, &seed, &duration_s, &nrounds, NULL);
	if (!ret && (duration_s < 1 || duration_s > 3600 || nrounds < 1 ||
		     nrounds > 100))
		ret = 2;
	if (ret) {
		print_usage();
		return ret == 1 ? 0 : 2;
	}
	/* the options are this program's, not the harness's */
	return rt_harness_main(1, argv, "restrack-stress");
}
