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

#include "restrack_test.h"
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
};

static struct ctl *ctl;

/* The cgroups: S/{A, B, N/C, K}; workers live in A, B and C. */
enum { CG_S, CG_A, CG_B, CG_N, CG_C, CG_K, NR_CG };
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

static void count_err(struct thread_state *t, int err)
{
	if (err == ENOMEM)
		__atomic_add_fetch(&ctl->enomem[t->worker], 1, __ATOMIC_RELAXED);
	else if (err == EMFILE)
		__atomic_add_fetch(&ctl->emfile[t->worker], 1, __ATOMIC_RELAXED);
}

static void add_fd(struct thread_state *t, int fd)
{
	int i;

	for (i = 0; i < t->nfds; i++)
		if (t->fds[i] == fd)
			return;
	if (t->nfds < MAX_FDS)
		t->fds[t->nfds++] = fd;
	else
		close(fd);
}

static void drop_fd(struct thread_state *t, int i)
{
	close(t->fds[i]);
	t->fds[i] = t->fds[--t->nfds];
}

static void op_mmap(struct thread_state *t)
{
	long pages = rnd(&t->rng, 0, 15) ? rnd(&t->rng, 1, 64) :
					    rnd(&t->rng, 64, 1024);
	long r = rnd(&t->rng, 0, 99);
	int prot = r < 70 ? PROT_READ | PROT_WRITE :
		   r < 85 ? PROT_NONE : PROT_READ;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	void *p;

	if (t->nmaps == MAX_MAPS)
		return;
	r = rnd(&t->rng, 0, 99);
	if (r < 10)
		flags = MAP_SHARED | MAP_ANONYMOUS;
	else if (r < 15)
		flags |= MAP_NORESERVE;
	p = mmap(NULL, pages * page_size, prot, flags, -1, 0);
	if (p == MAP_FAILED) {
		count_err(t, errno);
		return;
	}
	if (prot & PROT_WRITE)
		((volatile char *)p)[0] = 1;
	t->maps[t->nmaps].addr = p;
	t->maps[t->nmaps].len = pages * page_size;
	t->nmaps++;
	__atomic_add_fetch(&ctl->granted[t->worker], 1, __ATOMIC_RELAXED);
}

static void op_munmap(struct thread_state *t)
{
	struct map *m;
	long pages, off, len;
	int i;

	if (!t->nmaps)
		return;
	i = rnd(&t->rng, 0, t->nmaps - 1);
	m = &t->maps[i];
	pages = m->len / page_size;
	switch (pages > 2 ? rnd(&t->rng, 0, 3) : 0) {
	case 0:		/* all of it */
		munmap(m->addr, m->len);
		*m = t->maps[--t->nmaps];
		break;
	case 1:		/* head */
		len = rnd(&t->rng, 1, pages - 1) * page_size;
		munmap(m->addr, len);
		m->addr += len;
		m->len -= len;
		break;
	case 2:		/* tail */
		len = rnd(&t->rng, 1, pages - 1) * page_size;
		munmap(m->addr + m->len - len, len);
		m->len -= len;
		break;
	default:	/* middle: the mapping splits in two */
		if (t->nmaps == MAX_MAPS)
			break;
		off = rnd(&t->rng, 1, pages - 2);
		len = rnd(&t->rng, 1, pages - 1 - off);
		munmap(m->addr + off * page_size, len * page_size);
		t->maps[t->nmaps].addr = m->addr + (off + len) * page_size;
		t->maps[t->nmaps].len = m->len - (off + len) * page_size;
		t->nmaps++;
		m->len = off * page_size;
		break;
	}
}

static void op_mremap(struct thread_state *t)
{
	struct map *m;
	long pages;
	void *p;

	if (!t->nmaps)
		return;
	m = &t->maps[rnd(&t->rng, 0, t->nmaps - 1)];
	pages = rnd(&t->rng, 1, 128);
	p = mremap(m->addr, m->len, pages * page_size, MREMAP_MAYMOVE);
	if (p == MAP_FAILED) {
		/* EFAULT when mprotect split the range: fine */
		count_err(t, errno);
		return;
	}
	m->addr = p;
	m->len = pages * page_size;
}

static void op_mprotect(struct thread_state *t)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_WRITE,
	};
	struct map *m;
	long pages, off, len;

	if (!t->nmaps)
		return;
	m = &t->maps[rnd(&t->rng, 0, t->nmaps - 1)];
	pages = m->len / page_size;
	off = rnd(&t->rng, 0, pages - 1);
	len = rnd(&t->rng, 1, pages - off);
	if (mprotect(m->addr + off * page_size, len * page_size,
		     prots[rnd(&t->rng, 0, ARRAY_SIZE(prots) - 1)]))
		count_err(t, errno);
}

/* Only thread 0 of a worker moves the break: sbrk is not thread-safe. */
static void op_brk(struct thread_state *t)
{
	long delta;

	if (t->idx) {
		op_mmap(t);
		return;
	}
	if (t->brk_grown && rnd(&t->rng, 0, 1)) {
		delta = rnd(&t->rng, 1, t->brk_grown / page_size) * page_size;
		if (sbrk(-delta) != (void *)-1)
			t->brk_grown -= delta;
		return;
	}
	delta = rnd(&t->rng, 1, 32) * page_size;
	if (sbrk(delta) == (void *)-1)
		count_err(t, errno);
	else
		t->brk_grown += delta;
}

static void op_open(struct thread_state *t)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd < 0) {
		count_err(t, errno);
		return;
	}
	add_fd(t, fd);
	__atomic_add_fetch(&ctl->granted[t->worker], 1, __ATOMIC_RELAXED);
}

static void op_dup(struct thread_state *t)
{
	int fd, old;

	if (!t->nfds) {
		op_open(t);
		return;
	}
	old = t->fds[rnd(&t->rng, 0, t->nfds - 1)];
	if (rnd(&t->rng, 0, 1))
		fd = dup(old);
	else
		fd = dup2(old, DUP2_BASE + t->idx * 32 + rnd(&t->rng, 0, 31));
	if (fd < 0)
		count_err(t, errno);
	else
		add_fd(t, fd);
}

static void op_close(struct thread_state *t)
{
	if (t->nfds)
		drop_fd(t, rnd(&t->rng, 0, t->nfds - 1));
}

static void op_pair(struct thread_state *t)
{
	int fds[2], r;

	if (t->nfds > MAX_FDS - 2)
		return;
	switch (rnd(&t->rng, 0, 2)) {
	case 0:
		r = pipe(fds);
		break;
	case 1:
		r = socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
		break;
	default:
		fds[0] = eventfd(0, 0);
		r = fds[0] < 0 ? -1 : 0;
		if (!r) {
			add_fd(t, fds[0]);
			return;
		}
	}
	if (r) {
		count_err(t, errno);
		return;
	}
	add_fd(t, fds[0]);
	add_fd(t, fds[1]);
}

static void op_fork(struct thread_state *t)
{
	pid_t pid = fork();
	int i;

	if (pid == 0) {
		/* only async-signal-safe calls: we are a forked thread */
		for (i = rnd(&t->rng, 0, 3); i > 0; i--) {
			if (rnd(&t->rng, 0, 1))
				mmap(NULL, rnd(&t->rng, 1, 32) * page_size,
				     PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			else
				open("/dev/null", O_RDONLY);
		}
		_exit(0);
	}
	if (pid < 0) {
		count_err(t, errno);
		return;
	}
	waitpid(pid, NULL, 0);
	__atomic_add_fetch(&ctl->forks[t->worker], 1, __ATOMIC_RELAXED);
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
		msleep(1);
	}
}

static void __attribute__((noreturn)) worker_main(int w, const char *cg)
{
	pthread_attr_t attr;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	isolate_fds(-1);
	if (cg_enter(cg, getpid()))
		_exit(2);
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
		msleep(1);
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
			msleep(1);
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
			msleep(1);
		}
	}
	return 0;
}

static int limit(int cg, const char *file, long val)
{
	if (cg_write_numeric(cgs[cg], file, val)) {
		diag("%s/%s = %ld: %s", cgs[cg], file, val, strerror(errno));
		return -1;
	}
	return 0;
}

/* A's limits (restored at every barrier), and what the rounds write there */
#define A_HEAP_PAGES	6144
#define A_FILES		96

static int a_limits(void)
{
	return limit(CG_A, "restrack.heap.max", A_HEAP_PAGES * page_size) ||
	       limit(CG_A, "restrack.files.max", A_FILES);
}

static int rewrite_a_max(uint64_t *rng)
{
	/* A's limit, half of it, or none (-1) */
	static const long files[] = { A_FILES, A_FILES / 2, -1 };
	static const long pages[] = { A_HEAP_PAGES, A_HEAP_PAGES / 2, -1 };
	long f = files[rnd(rng, 0, 2)], h = pages[rnd(rng, 0, 2)];

	if ((f < 0 ? cg_write(cgs[CG_A], "restrack.files.max", "max") :
		     limit(CG_A, "restrack.files.max", f)) ||
	    (h < 0 ? cg_write(cgs[CG_A], "restrack.heap.max", "max") :
		     limit(CG_A, "restrack.heap.max", h * page_size))) {
		diag("A: files.max %ld, heap.max %ld pages: %s", f, h,
		     strerror(errno));
		return -1;
	}
	return 0;
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
static int probe_a_files_max(int round)
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
	if (pid < 0 || read(res[0], &ready, 1) != 1 ||
	    cg_enter(cgs[CG_A], pid) ||
	    (cur = cg_read_long(cgs[CG_A], "restrack.files.current")) < 0) {
		diag("round %d: probe: %s", round, strerror(errno));
		fails++;
	} else if (rt_oracle(cgs[CG_A], &want) || want.files != cur) {
		diag("round %d: A's files.current %ld with the probe in it, its processes hold %ld",
		     round, cur, want.files);
		fails++;
	} else if (limit(CG_A, "restrack.files.max", cur + 2) ||
		   write(go[1], "x", 1) != 1 ||
		   read(res[0], got, sizeof(got)) != sizeof(got)) {
		diag("round %d: probe: %s", round, strerror(errno));
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

static int test_stress(const char *root)
{
	pid_t workers[NWORKERS] = { 0 }, victims[MAX_VICTIMS] = { 0 };
	long kills = 0, victims_done = 0, moves = 0, toggles = 0, rewrites = 0;
	long ps = page_size, round_ms, t0;
	uint64_t rng = seed ^ 0x9e3779b97f4a7c15ULL;
	int ret = KSFT_FAIL, fails = 0, round, w, i, st = 0;
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
	SETUP(a_limits() ||
	      limit(CG_N, "restrack.heap.max", 12288 * ps) ||
	      limit(CG_N, "restrack.files.max", 160) ||
	      limit(CG_K, "restrack.heap.max", 1024 * ps) ||
	      limit(CG_K, "restrack.files.max", 24) ||
	      cg_write(cgs[CG_K], "restrack.policy", "kill"));

	for (w = 0; w < NWORKERS; w++) {
		fflush(NULL);
		workers[w] = fork();
		SETUP(workers[w] < 0);
		if (!workers[w])
			worker_main(w, cgs[leaves[w % ARRAY_SIZE(leaves)]]);
	}
	t0 = now_ms();
	for (w = 0; w < NWORKERS; w++) {
		while (!__atomic_load_n(&ctl->ready[w], __ATOMIC_ACQUIRE)) {
			EXPECT(now_ms() - t0 < 10000, "worker %d starts", w);
			EXPECT(!waitpid(workers[w], &st, WNOHANG),
			       "worker %d died at start: %#x", w, st);
			msleep(1);
		}
	}
	EXPECT(check_barrier(0, true, 0) == 0, "exact before the start");

	round_ms = duration_s * 1000L / nrounds;
	for (round = 1; round <= nrounds; round++) {
		bool last = round == nrounds;
		long end = now_ms() + round_ms, next_move = 0, next_toggle = 0;
		long next_rewrite = 0;
		long ops = 0, enomem = 0, emfile = 0, forks = 0;

		set_phase(PH_RUN);
		while (now_ms() < end) {
			long now = now_ms();

			if (now >= next_move) {
				w = rnd(&rng, 0, NWORKERS - 1);
				i = leaves[rnd(&rng, 0, ARRAY_SIZE(leaves) - 1)];
				if (cg_enter(cgs[i], workers[w])) {
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
				if ((enabled ? cg_disable : cg_enable)
				    (cgs[CG_N], "restrack")) {
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
			msleep(5);
		}

		/* quiesce: victims finish, controller on, A's limits, parked */
		if (a_limits())
			fails++;
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
		if (!enabled) {
			if (cg_enable(cgs[CG_N], "restrack")) {
				diag("enabling restrack on N: %s",
				     strerror(errno));
				fails++;
			}
			enabled = true;
		}
		EXPECT(!park_all(10000), "all workers at the barrier");
		for (w = 0; w < NWORKERS; w++) {
			ops += ctl->ops[w];
			enomem += ctl->enomem[w];
			emfile += ctl->emfile[w];
			forks += ctl->forks[w];
		}
		diag("round %d: %ld ops (%ld ENOMEM, %ld EMFILE, %ld forks), %ld moves, %ld victims (%ld killed), %ld toggles, %ld limit rewrites",
		     round, ops, enomem, emfile, forks, moves, victims_done,
		     kills, toggles, rewrites);
		fails += check_barrier(round, !toggled, kills);
		fails += probe_a_files_max(round);
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
	EXPECT(ctl->ops[0] + ctl->ops[1] + ctl->ops[2] + ctl->ops[3] > 1000,
	       "the workers made progress");
	/* a kernel that refused everything would pass the checks above */
	EXPECT(ctl->granted[0] + ctl->granted[1] + ctl->granted[2] +
	       ctl->granted[3] > 100, "mmaps and opens went through: %ld",
	       ctl->granted[0] + ctl->granted[1] + ctl->granted[2] +
	       ctl->granted[3]);
	/* K's limits are far below what a victim maps and opens */
	EXPECT(kills > 0, "victims were killed");
	EXPECT(!fails, "%d check(s) failed", fails);
	ret = KSFT_PASS;
out:
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
	return ret;
}

static const struct cg_test tests[] = {
	TEST(test_stress),
};

static void usage(void)
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
		usage();
		return ret == 1 ? 0 : 2;
	}
	return ksft_run("restrack-stress", tests, ARRAY_SIZE(tests), NULL,
			duration_s + 90);
}
