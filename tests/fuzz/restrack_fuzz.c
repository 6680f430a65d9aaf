// SPDX-License-Identifier: GPL-2.0
/*
 * restrack_fuzz: a random, seeded, time-bounded fuzzer of the restrack
 * controller and its system calls, run as root in the test guest.
 *
 * Several worker processes, each under a "head" process that only waits for
 * it (the worker's parent, a target of the system calls), do random
 * sequences of:
 *  - the five system calls with edge arguments: pid 0, -1, INT_MIN, INT_MAX,
 *    pid_max, self, parent, a zombie, a kernel thread, a pid just reused
 *    (clone3() with set_tid), a random process of the fuzzed cgroups;
 *    quotas -2, -1, 0, 1, LONG_MAX, LONG_MIN; NULL, unmapped, kernel,
 *    read-only and page-straddling pointers; the calls unprivileged, and
 *    register() by nobody with CAP_SYS_RESOURCE, which must move nobody;
 *  - writes of edge values and random junk to every restrack.* file of
 *    every fuzzed cgroup, bad buffer pointers, reads of all of them and of
 *    /proc/tracker_status;
 *  - cgroup mkdir, rmdir and moves, "+restrack" / "-restrack" in
 *    cgroup.subtree_control while processes hold charges, limits set just
 *    at and around the current usage;
 *  - fork, threads, exec (also of a child sharing the table, so that exec
 *    copies it), exit, zombies, and mmap (also striped into a VMA a page),
 *    munmap, mremap, mprotect (also of a whole striped mapping), brk,
 *    open, dup, dup2, dup3, F_DUPFD, close, close_range, pipe, socketpair,
 *    eventfd at and over the limits;
 *  - the two ways past a limit that got through before, aimed at: the exec
 *    of a child sharing the table just after the files limit refused an
 *    open (op_exec_full()), and mprotect() of a mapping that fills the
 *    heap limit while a child tries to take what a dip of the charge
 *    would free (op_flip_race()); what they let through is kept, asleep,
 *    until the barrier.
 *
 * The run is cut into rounds.  At the end of each, every worker stops at a
 * barrier (its children finished or asleep) and in every cgroup of the
 * fuzzed tree and of restrack/ restrack.heap.current must equal the sum of
 * VmData and restrack.files.current the sum of /proc/PID/fd entries of
 * the processes of its subtree, with peaks not below currents, and no
 * cgroup's usage may be above the greater of its max and its usage when
 * the round's steady last quarter began, nor have been since: its peak
 * may not have risen above that either.  The round must also have done
 * something: a worker at the barrier, at least half of the workers with
 * MIN_WORKER_OPS operations in the round, and charges granted (so neither
 * workers killed as they start nor a kernel that refuses every charge
 * pass).  Before the first round a trap springs the kill policy: a process
 * at its cgroup's heap max maps a page, one at its files max opens a file,
 * and each must die of SIGKILL, counted in restrack.events.  Over the run,
 * the workers must have seen SIGKILLs and refusals and the tree's
 * restrack.events count limit hits and kills (the trap's two at least:
 * the fuzzing's own depend on the timing).  The answers
 * of the system calls and of the limit files are checked where the
 * contract (DESIGN.md, restrack.rst) fixes them.  After the last round
 * everything is killed: every cgroup must return to exactly 0, no
 * registration may be left in /proc/tracker_status and no restrack/<pid>
 * cgroup may remain (the kernel's reaper removes them within about a
 * second; this waits up to 5 s).  Kernel reports (lockdep, KASAN, ...) are
 * caught by the harness on the console.
 *
 * The seed fixes, for each worker slot and generation (the slot's n-th
 * worker), where its head goes looking and the kind and the draws of its
 * worker's n-th operation, each operation from a stream of its own (so a
 * call that failed, and drew less, does not shift the next); a child's
 * streams come from its parent's at the fork, not from its pid, and so do
 * an exec'd child's and a thread's.  The conductor's draws of a round come
 * from (seed, round).  What stays timing-dependent: the rounds and their
 * steady quarter are wall-clock, so how many operations a worker runs in
 * each and which of them fall in the steady quarter (where an operation
 * not allowed is replaced by an allowed one) vary; a generation ends when
 * its worker is killed, which depends on the others' usage and limits;
 * the cgroup tree an operation picks from, the pids it finds, and what the
 * kernel answers depend on the interleaving, and so does the state later
 * operations act on (maps, descriptors, children).  At the end each
 * slot's first generation shows its first FIRST_OPS operations (a letter
 * per kind), the same in every run of the seed.  Output is TAP; the seed
 * and the command to rerun with it come first.
 *
 * Usage: restrack_fuzz [-s SEED] [-d SECONDS] [-w WORKERS] [-r ROUNDS]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/*
 * The selftests' helpers (tests/selftests, linked as for every test): the
 * ones a worker calls do not allocate (no malloc() in workers, see
 * op_brk()): cg_read(), cg_read_long(), cg_read_max(), cg_read_pids(),
 * cg_write_raw(), task_cgroup(), dir_each(), read_text(), violation_add().
 */
#include "restrack_test.h"
#include "../seeded.h"

#define CGROOT		"/sys/fs/cgroup"
#define FUZZ_ROOT	CGROOT "/restrack-fuzz"
#define REG_ROOT	CGROOT "/restrack"
#define MAX_WORKERS	16
#define MAX_CGS		64
#define CG_LEN		160
#define MAX_MAPS	32
#define MAX_FDS		40
#define MAX_SLEEPERS	3
#define MAX_ZOMBIES	3
#define NOFILE		2048
#define SETTLE_MS	5000	/* bound of every wait for the kernel */
#define MIN_WORKER_OPS	20	/* a round's operations of a busy worker */
#define FIRST_OPS	24	/* operations shown of each first worker */
#define REG_BUCKETS	1024	/* of register() calls in flight, by pid */

static const char *const rt_files[] = {
	"restrack.heap.current", "restrack.heap.max", "restrack.heap.peak",
	"restrack.files.current", "restrack.files.max", "restrack.files.peak",
	"restrack.events", "restrack.events.local", "restrack.policy",
};

static const char *const cur_file[2] = {
	"restrack.heap.current", "restrack.files.current",
};
static const char *const max_file[2] = {
	"restrack.heap.max", "restrack.files.max",
};
static const char *const peak_file[2] = {
	"restrack.heap.peak", "restrack.files.peak",
};

/* ------------------------------------------------------------------ */
/* shared between the conductor and every process (MAP_SHARED: not heap) */

/*
 * PH_STEADY, the end of a round: only operations that cannot push usage
 * above a max (no move, limit write, toggle, registration, cgroup mkdir or
 * rmdir), so that at the barrier every cgroup's usage is within its max,
 * or within what it was when the phase began or a worker was respawned.
 */
enum { PH_RUN, PH_PARK, PH_EXIT, PH_STEADY };

enum stat_id {
	S_OPS, S_SYS, S_SYS_OK, S_ENOMEM, S_EMFILE, S_CGW, S_CGW_OK, S_MKDIR,
	S_RMDIR, S_MOVE, S_TOGGLE, S_FORK, S_EXEC, S_THREAD, S_REUSE,
	S_KILLED, S_ROOM, S_GRANTED, S_RACED, S_FULL_EXEC, S_FULL_EXEC_OK,
	S_FLIP_RACE, S_FLIP_GRAB, NR_STATS
};

static const char *const stat_names[NR_STATS] = {
	"ops", "syscalls", "syscalls ok", "ENOMEM", "EMFILE", "limit writes",
	"limit writes ok", "mkdir", "rmdir", "moves", "toggles", "forks",
	"execs", "threads", "pid reuses", "SIGKILLed", "rooms made",
	"charges granted", "reuse answers excused",
	"shared-table execs at files.max", "of them refused",
	"mprotect races at heap.max", "of them grabbed",
};

/*
 * What moves charges or changes a limit (a write to cgroup.procs,
 * cgroup.subtree_control, a max or the policy; register, deregister), by
 * whom and when: printed for a cgroup found over its steady ceiling.
 */
#define NEV		256
struct event {
	long t;			/* ms since the conductor started */
	pid_t pid, ppid;	/* who, and its parent then */
	short w, gen;		/* its worker slot (-1: the conductor), gen. */
	char ph0, ph1;		/* phase when its operation began, and now */
	char depth;		/* 0 a worker, 1 its child, 2 an exec'd child */
	int err;
	char what[112];
};

struct ctl {
	int phase;
	int park_seq;
	int sealed;			/* see files_refusal_explained() */
	int seal_no;
	int parked[MAX_WORKERS];
	int steady[MAX_WORKERS];	/* the park_seq a worker is steady for */
	int placed[MAX_WORKERS];	/* the generation whose head moved */
	long stats[NR_STATS];
	long wops[MAX_WORKERS];		/* ops of each worker's processes */
	char first_ops[MAX_WORKERS][FIRST_OPS + 1]; /* of its generation 1 */
	struct violations violations;
	long t0;			/* the conductor's start, ms */
	int nev;			/* events recorded, see note() */
	struct event ev[NEV];
	struct event last[MAX_WORKERS];	/* each worker slot's last one */
	/* register() calls on a pid of each bucket, see reg_call() */
	long reg_started[REG_BUCKETS], reg_finished[REG_BUCKETS];
};

static struct ctl *ctl;

/* ------------------------------------------------------------------ */
/* options and per-process state */

static unsigned long seed;
static int duration_s = 60, nworkers = 4, nrounds;
static const char *self_exe = "/proc/self/exe";
static pid_t conductor;
static int pid_max = 32768;

static int worker_id = -1;	/* -1: the conductor, else the worker's */
static int generation_no;	/* the worker's: 1 for the slot's first */
static uint64_t op_base;	/* the process's operations' streams */
static long op_index;		/* operations it ran */
static int depth;		/* 0: the worker; >0: a child of it */
static bool execd;		/* an exec'd child: its ctl is not shared */
static int op_phase;		/* the phase the running operation began in */
static int op_sealed;		/* and ctl->sealed then */
static int lim_sealed;		/* the ctl->sealed lim_files was read in */
static bool lim_files;		/* a files.max on the way from us up */
static int head_of = -1;	/* a head: its worker's slot */
static pid_t head;		/* the worker's parent */
static uint64_t rng;

struct map {
	char *addr;
	long len;
};

static struct map maps[MAX_MAPS];
static int nmaps;
static int fds[MAX_FDS];
static int nfds;
static char *brk_base, *brk_cur;
static pid_t sleepers[MAX_SLEEPERS];
static pid_t zombies[MAX_ZOMBIES];
static pid_t reaped[4];		/* recently reaped children: pids to reuse */

/* pointers for fetch(): see init_pointers() */
static struct per_proc_resource good_res;
static char misaligned[sizeof(good_res) + 8] __attribute__((aligned(16)));
static char *ro_page, *straddle;

static char cgs[MAX_CGS][CG_LEN];
static int ncgs;
static int cgs_age;

/* ------------------------------------------------------------------ */
/* helpers */

static uint64_t rnd_next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

/* splitmix64's finaliser: inputs a bit apart give unrelated outputs */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * The streams a seed fixes: a head's placement and a worker's operations
 * by (seed, worker, generation), the conductor's by (seed, round); none
 * depends on how many draws another made.
 */
enum { STREAM_HEAD, STREAM_WORKER, STREAM_ROUND };

static uint64_t stream_seed(int what, int w, int n)
{
	return mix64(mix64(mix64(seed ^ mix64(what)) ^ (uint64_t)w) ^
		     (uint64_t)n) | 1;
}

/* uniform in [lo, hi] */
static long rnd(long lo, long hi)
{
	return lo + (long)(rnd_next() % (uint64_t)(hi - lo + 1));
}

static bool chance(int percent)
{
	return rnd(0, 99) < percent;
}

/*
 * Only steady operations: in PH_STEADY, and in PH_PARK, which follows it.
 * A worker stops at the barrier between two operations, and one of them
 * may be a fork() whose child is still running its operations when the
 * conductor sets PH_PARK: with only PH_STEADY steady, that child went on
 * with moves, toggles, limit writes and registrations until its parent
 * stopped, after the steady ceilings were read and before the barrier's
 * check (issue 28: a child's deregister() began in PH_PARK).
 */
static bool steady_phase(void)
{
	int ph = __atomic_load_n(&ctl->phase, __ATOMIC_ACQUIRE);

	return ph == PH_STEADY || ph == PH_PARK;
}

static void stat_add(enum stat_id id)
{
	__atomic_add_fetch(&ctl->stats[id], 1, __ATOMIC_RELAXED);
}

static const char phase_char[] = "RPXS";

/* Record an event (see struct event).  No malloc here. */
static void __attribute__((format(printf, 2, 3))) note(int err, const char *fmt, ...)
{
	int n = __atomic_fetch_add(&ctl->nev, 1, __ATOMIC_RELAXED);
	struct event *e = &ctl->ev[n % NEV];
	va_list ap;

	e->t = now_ms() - ctl->t0;
	e->pid = getpid();
	e->ppid = getppid();
	e->w = worker_id >= 0 ? worker_id : head_of >= 0 ? 100 + head_of : -1;
	e->gen = generation_no;
	e->depth = depth;
	e->ph0 = phase_char[op_phase & 3];
	e->ph1 = phase_char[__atomic_load_n(&ctl->phase, __ATOMIC_ACQUIRE) & 3];
	e->err = err;
	va_start(ap, fmt);
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
	va_end(ap);
	if (worker_id >= 0 && worker_id < MAX_WORKERS)
		ctl->last[worker_id] = *e;
}

/* A broken promise of the kernel: fails the round.  No malloc here. */
#define violation(...)	violation_add(&ctl->violations, __VA_ARGS__)

static void count_err(int err)
{
	if (err == ENOMEM)
		stat_add(S_ENOMEM);
	else if (err == EMFILE)
		stat_add(S_EMFILE);
}

/*
 * Write @len bytes of @buf to @dir/@file (cg_write_raw()); 0 or an errno.
 * What moves charges or changes a limit is recorded (note()).
 */
static int file_write(const char *dir, const char *file, const void *buf,
		      size_t len)
{
	int err, i;

	err = cg_write_raw(dir, file, buf, len) ? errno : 0;
	/* at our own descriptor limit: make room, or no write is tried */
	for (i = 0; err == EMFILE && nfds && i < 4; i++) {
		close(fds[--nfds]);
		err = cg_write_raw(dir, file, buf, len) ? errno : 0;
	}
	if (!strcmp(file, "cgroup.procs") ||
	    !strcmp(file, "cgroup.subtree_control") ||
	    strstr(file, ".max") || strstr(file, ".policy"))
		note(err, "%s/%s <- %.*s", dir + sizeof(CGROOT), file,
		     (int)(len < 24 ? len : 24), (const char *)buf);
	return err;
}

static int file_write_str(const char *dir, const char *file, const char *s)
{
	return file_write(dir, file, s, strlen(s));
}

/* ------------------------------------------------------------------ */
/* the cgroups: the fuzzed tree and restrack/ of the system calls */

static void scan_cgs(const char *dir, int level);

struct scan {
	const char *dir;
	int level;
};

static int scan_sub(const char *name, unsigned char type, void *arg)
{
	const struct scan *sc = arg;
	char sub[CG_LEN];

	if (type == DT_DIR && name[0] != '.' &&
	    snprintf(sub, sizeof(sub), "%s/%s", sc->dir, name) < (int)sizeof(sub))
		scan_cgs(sub, sc->level + 1);
	return 0;
}

/* @dir and its subdirectories, parents first: no malloc (dir_each()). */
static void scan_cgs(const char *dir, int level)
{
	struct scan sc = { dir, level };

	if (ncgs >= MAX_CGS)
		return;
	snprintf(cgs[ncgs++], CG_LEN, "%s", dir);
	if (level >= 5)
		return;
	dir_each(dir, scan_sub, &sc);
}

static void refresh_cgs(bool force)
{
	if (!force && ncgs && --cgs_age > 0)
		return;
	ncgs = 0;
	scan_cgs(FUZZ_ROOT, 0);
	if (!access(REG_ROOT, F_OK))
		scan_cgs(REG_ROOT, 0);
	cgs_age = 16;
}

static const char *pick_cg(void)
{
	refresh_cgs(false);
	return cgs[rnd(0, ncgs - 1)];
}

/* A cgroup of the fuzzed tree (not of restrack/, which is the kernel's) */
static const char *pick_fuzz_cg(void)
{
	int i, n = 0;

	refresh_cgs(false);
	for (i = 0; i < ncgs; i++)
		if (!strncmp(cgs[i], FUZZ_ROOT, strlen(FUZZ_ROOT)))
			n++;
	n = rnd(0, n - 1);
	for (i = 0; i < ncgs; i++)
		if (!strncmp(cgs[i], FUZZ_ROOT, strlen(FUZZ_ROOT)) && !n--)
			return cgs[i];
	return FUZZ_ROOT;
}

/*
 * Where a process may be moved: not the two roots, which would keep their
 * processes and then could not enable the controller for their children
 * again (the no-internal-process rule), and the fuzzing would lose them.
 */
static const char *pick_dst_cg(void)
{
	const char *cg;
	int i;

	for (i = 0; i < 4; i++) {
		cg = pick_cg();
		if (strcmp(cg, FUZZ_ROOT) && strcmp(cg, REG_ROOT))
			return cg;
	}
	return FUZZ_ROOT "/g0";
}

/* The cgroup of the calling process. */
static void own_cg(char *buf, size_t size)
{
	char rel[CG_LEN - sizeof(CGROOT)];

	if (task_cgroup(0, 0, rel, sizeof(rel)))
		snprintf(buf, size, "%s", FUZZ_ROOT);
	else
		snprintf(buf, size, "%s%s", CGROOT, rel);
}

static int move_pid(const char *cg, pid_t pid)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", pid);
	return file_write_str(cg, "cgroup.procs", buf);
}

/* init and the conductor are never moved, capped or killed */
static bool protected_pid(pid_t pid)
{
	return pid == 1 || pid == conductor;
}

/* A random process of a random fuzzed cgroup, or 0 */
static pid_t pick_cg_pid(void)
{
	pid_t pids[32], pid;
	int n = cg_read_pids(pick_cg(), pids, 32);

	if (n <= 0)
		return 0;
	pid = pids[rnd(0, (n < 32 ? n : 32) - 1)];
	return protected_pid(pid) ? 0 : pid;
}

/* ------------------------------------------------------------------ */
/* heap and descriptor operations */

static void add_fd(int fd)
{
	if (nfds < MAX_FDS)
		fds[nfds++] = fd;
	else
		close(fd);
}

static void forget_fd(int fd)
{
	int i;

	for (i = 0; i < nfds; i++)
		if (fds[i] == fd) {
			fds[i] = fds[--nfds];
			return;
		}
}

static void add_map(void *p, long len)
{
	if (nmaps < MAX_MAPS) {
		maps[nmaps].addr = p;
		maps[nmaps].len = len;
		nmaps++;
	} else {
		munmap(p, len);
	}
}

/* Bytes left under the heap limit of our own cgroup, or -1. */
static long heap_room(void)
{
	char cg[CG_LEN];
	long max, cur;

	own_cg(cg, sizeof(cg));
	max = cg_read_max(cg, "restrack.heap.max");
	cur = cg_read_long(cg, "restrack.heap.current");
	if (max < 0 || max == LONG_MAX || cur < 0)
		return -1;
	return max - cur;
}

static void op_mmap(void)
{
	static const int prots[] = {
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_NONE,
		PROT_READ,
	};
	long len = rnd(1, 64) * page_size, room;
	int prot = prots[rnd(0, ARRAY_SIZE(prots) - 1)];
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	bool striped = false;
	void *p;

	switch (rnd(0, 9)) {
	case 0:		/* just at, under or over the limit */
		room = heap_room();
		if (room >= 0)
			len = room + rnd(-1, 1) * page_size;
		if (len <= 0 || len > (256L << 20))
			len = page_size;
		prot = PROT_READ | PROT_WRITE;
		break;
	case 1:		/* far over any limit, never touched */
		len = 1L << rnd(28, 34);
		flags |= MAP_NORESERVE;
		break;
	case 2:
		flags = MAP_SHARED | MAP_ANONYMOUS;
		break;
	case 3:
		flags |= MAP_GROWSDOWN;
		break;
	case 4:		/* striped: see below */
		len = rnd(8, 32) * page_size;
		prot = PROT_READ | PROT_WRITE;
		striped = true;
		break;
	}
	p = mmap(NULL, len, prot, flags, -1, 0);
	if (p == MAP_FAILED) {
		count_err(errno);
		return;
	}
	/*
	 * Every other page VM_DONTCOPY: a VMA a page, which no later
	 * mprotect() of the whole mapping merges, so that op_mprotect()
	 * walks many VMAs while the other workers charge.  One mapping in
	 * ten, of at most 16 VMAs: when every larger mapping was striped,
	 * workers held hundreds of VMAs, and on the debug kernels (KASAN,
	 * kmemleak) their forks took so long that no round finished.
	 */
	if (striped)
		for (room = 0; room < len; room += 2 * page_size)
			madvise((char *)p + room, page_size, MADV_DONTFORK);
	if ((prot & PROT_WRITE) && len < (64L << 20))
		((volatile char *)p)[len - 1] = 1;
	if ((prot & PROT_WRITE) && (flags & MAP_PRIVATE))
		stat_add(S_GRANTED);
	add_map(p, len);
}

static void op_munmap(void)
{
	struct map *m;
	long pages, off, len;

	if (!nmaps) {
		/* nothing of ours: unmapped and bad ranges */
		munmap((void *)(1UL << 46), page_size);
		munmap((void *)1, page_size);
		return;
	}
	m = &maps[rnd(0, nmaps - 1)];
	pages = m->len / page_size;
	if (pages < 3 || chance(50)) {
		munmap(m->addr, m->len);
		*m = maps[--nmaps];
		return;
	}
	off = rnd(1, pages - 2);
	len = rnd(1, pages - 1 - off);
	munmap(m->addr + off * page_size, len * page_size);
	if (nmaps < MAX_MAPS) {
		maps[nmaps].addr = m->addr + (off + len) * page_size;
		maps[nmaps].len = m->len - (off + len) * page_size;
		nmaps++;
		m->len = off * page_size;
	}
}

static void op_mremap(void)
{
	struct map *m;
	long len;
	void *p;

	if (!nmaps)
		return;
	m = &maps[rnd(0, nmaps - 1)];
	len = chance(10) ? (1L << 30) : rnd(1, 128) * page_size;
	if (chance(20) && nmaps < MAX_MAPS) {
		/* the old range stays mapped, emptied */
		p = mremap(m->addr, m->len, m->len,
			   MREMAP_MAYMOVE | 4 /* MREMAP_DONTUNMAP */);
		if (p != MAP_FAILED)
			add_map(p, m->len);
		else
			count_err(errno);
		return;
	}
	p = mremap(m->addr, m->len, len, MREMAP_MAYMOVE);
	if (p == MAP_FAILED) {
		count_err(errno);
		return;
	}
	if (len > m->len)
		stat_add(S_GRANTED);
	m->addr = p;
	m->len = len;
}

/*
 * Between the data protections (RW, RWX, W only) data_vm dips and comes
 * back for each VMA mprotect() walks: a whole mapping, that earlier calls
 * split into many VMAs, one time in three, so that the walk is long and
 * the other workers charge while it runs.
 */
static void op_mprotect(void)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_WRITE,
	};
	struct map *m;
	long pages, off, len;

	if (!nmaps)
		return;
	m = &maps[rnd(0, nmaps - 1)];
	pages = m->len / page_size;
	if (chance(33)) {
		off = 0;
		len = pages;
	} else {
		off = rnd(0, pages - 1);
		len = rnd(1, pages - off);
	}
	if (mprotect(m->addr + off * page_size, len * page_size,
		     prots[rnd(0, ARRAY_SIZE(prots) - 1)]))
		count_err(errno);
}

/*
 * The break moves between brk_base, where it was at the start, and 64M
 * above; the C library allocates nothing from it (no malloc() in workers).
 */
static void op_brk(void)
{
	static const unsigned long wild[] = {
		0, 1, 4096, ~0UL, ~0UL - 4095, 1UL << 47, 0xffff888000000000UL,
	};
	long room, top = 64L << 20;
	char *want, *old;

	if (!brk_base)
		return;
	switch (rnd(0, 5)) {
	case 0:		/* below the heap, huge, kernel: refused or no-ops */
		syscall(SYS_brk, wild[rnd(0, ARRAY_SIZE(wild) - 1)]);
		brk_cur = (char *)syscall(SYS_brk, 0);
		return;
	case 1:		/* far over any limit */
		want = brk_cur + (1L << 36);
		top = 1L << 37;
		break;
	case 2:		/* just at the limit */
		room = heap_room();
		want = brk_cur + (room > 0 ? room : page_size);
		break;
	case 3:
	case 4:
		want = brk_cur + rnd(1, 64) * page_size - rnd(0, 1);
		break;
	default:	/* shrink */
		want = brk_base + rnd(0, brk_cur - brk_base);
		break;
	}
	if (want > brk_base + top)
		want = brk_base + (64L << 20);
	old = brk_cur;
	brk_cur = (char *)syscall(SYS_brk, want);
	if (brk_cur < want)
		count_err(ENOMEM);
	else if (brk_cur > old)
		stat_add(S_GRANTED);
	if (brk_cur > brk_base)
		((volatile char *)brk_cur)[-1] = 1;
}

/*
 * Whether a files.max is set in our cgroup or one above it: 1 or 0, or -1
 * if it could not be read (a read needs a descriptor: not at the limit).
 */
static int path_files_limited(void)
{
	char rel[CG_LEN - sizeof(CGROOT)], cg[CG_LEN], *slash;
	long max;

	if (task_cgroup(0, 0, rel, sizeof(rel)))
		return -1;
	snprintf(cg, sizeof(cg), "%s%s", CGROOT, rel);
	for (;;) {
		errno = 0;
		max = cg_read_max(cg, "restrack.files.max");
		if (max >= 0 && max != LONG_MAX)
			return 1;
		if (errno == EMFILE || errno == ENFILE)
			return -1;
		slash = strrchr(cg, '/');
		if (!slash || slash - cg <= (long)strlen(CGROOT))
			return 0;
		*slash = 0;
	}
}

/*
 * An EMFILE must come from a files.max of our cgroup or of one above it
 * (RLIMIT_NOFILE is NOFILE, far above the descriptors a worker holds).
 * Checked where nobody changes a limit or moves us: the operation began
 * after the conductor read the steady ceilings (ctl->sealed, set after
 * every worker turned steady and the stragglers were reaped, cleared
 * before the next round writes limits again), and the limits on our way
 * up were read since (random_op(), as the refused open leaves no
 * descriptor to read them with).  A kernel that refuses opens under no
 * limit fails the round.
 */
static void files_refusal_explained(void)
{
	if (!op_sealed || execd || lim_sealed != op_sealed || lim_files)
		return;
	if (__atomic_load_n(&ctl->sealed, __ATOMIC_ACQUIRE) == op_sealed)
		violation("EMFILE in steady operation %ld, with no files.max on the way up",
			  op_index);
}

/* What made descriptor @fd: kept and counted granted, or its errno counted */
static bool got_fd(int fd)
{
	int err = errno;

	if (fd < 0) {
		count_err(err);
		if (err == EMFILE)
			files_refusal_explained();
		errno = err;
		return false;
	}
	stat_add(S_GRANTED);
	add_fd(fd);
	return true;
}

static void op_open(void)
{
	int i, n;

	if (chance(15)) {
		/* a burst to and over the limit, then back */
		n = rnd(8, 200);
		for (i = 0; i < n; i++)
			if (!got_fd(open("/dev/null", O_RDONLY | O_CLOEXEC)))
				break;
		return;
	}
	got_fd(open(chance(50) ? "/dev/null" : "/", O_RDONLY));
}

static void op_dup(void)
{
	int old, fd, target = rnd(3, NOFILE + 8);

	if (!nfds) {
		op_open();
		return;
	}
	old = fds[rnd(0, nfds - 1)];
	switch (rnd(0, 5)) {
	case 0:
		fd = dup(old);
		break;
	case 1:		/* high, at or over RLIMIT_NOFILE: the table grows */
		fd = dup2(old, chance(50) ? NOFILE - 1 : target);
		break;
	case 2:		/* onto a descriptor of ours: one closes, one opens */
		fd = dup2(old, fds[rnd(0, nfds - 1)]);
		if (fd >= 0)
			forget_fd(fd);
		break;
	case 3:
		fd = dup3(old, target, chance(50) ? O_CLOEXEC : 0x7fff);
		if (fd >= 0)
			forget_fd(fd);
		break;
	case 4:
		fd = fcntl(old, chance(50) ? F_DUPFD : F_DUPFD_CLOEXEC, target);
		break;
	default:
		fd = dup2(old, old);
		return;
	}
	got_fd(fd);
}

static void op_close(void)
{
	int i;

	if (chance(3)) {
		/* everything but stdio: nothing else is ours */
		syscall(436 /* close_range */, 3U, ~0U, 0U);
		nfds = 0;
		return;
	}
	if (!nfds || chance(5)) {
		close(-1);
		close(NOFILE + 100);
		return;
	}
	for (i = rnd(1, 1 + nfds / 3); i > 0 && nfds; i--) {
		int k = rnd(0, nfds - 1);

		close(fds[k]);
		fds[k] = fds[--nfds];
	}
}

static void op_pair(void)
{
	int p[2], r;

	if (nfds > MAX_FDS - 2)
		return;
	switch (rnd(0, 2)) {
	case 0:
		r = pipe2(p, O_CLOEXEC);
		break;
	case 1:
		r = socketpair(AF_UNIX, SOCK_STREAM, 0, p);
		break;
	default:
		got_fd(eventfd(0, 0));
		return;
	}
	if (r) {
		count_err(errno);
		return;
	}
	stat_add(S_GRANTED);
	add_fd(p[0]);
	add_fd(p[1]);
}

/* ------------------------------------------------------------------ */
/* the system calls */

enum pid_kind {
	P_ZERO, P_NEG, P_INT_MIN, P_INT_MAX, P_PID_MAX, P_SELF, P_PARENT,
	P_ZOMBIE, P_KTHREAD, P_REAPED, P_CG, P_SLEEPER, NR_PID_KINDS
};

static pid_t pick_pid(enum pid_kind *kind)
{
	pid_t pid = 0;

	*kind = rnd(0, NR_PID_KINDS - 1);
	switch (*kind) {
	case P_ZERO:
		return 0;
	case P_NEG:
		return -rnd(1, 2);
	case P_INT_MIN:
		return INT_MIN;
	case P_INT_MAX:
		return INT_MAX;
	case P_PID_MAX:		/* beyond any pid */
		return pid_max + rnd(0, 1);
	case P_SELF:
		return getpid();
	case P_PARENT:
		pid = getppid();
		break;
	case P_ZOMBIE:
		pid = zombies[rnd(0, MAX_ZOMBIES - 1)];
		break;
	case P_KTHREAD:		/* kthreadd */
		return 2;
	case P_REAPED:		/* free, or reused by now */
		pid = reaped[rnd(0, ARRAY_SIZE(reaped) - 1)];
		break;
	case P_CG:
		pid = pick_cg_pid();
		break;
	case P_SLEEPER:
		pid = sleepers[rnd(0, MAX_SLEEPERS - 1)];
		break;
	default:
		break;
	}
	if (pid <= 0 || protected_pid(pid)) {
		*kind = P_SELF;
		return getpid();
	}
	return pid;
}

static const long quotas[] = {
	-2, -1, -1, 0, 1, 2, 4, 16, 64, 1024, LONG_MAX, LONG_MIN, INT_MAX,
	(LONG_MAX >> 20) + 1,
};

static long pick_quota(void)
{
	if (chance(10))
		return (long)rnd_next();
	return quotas[rnd(0, ARRAY_SIZE(quotas) - 1)];
}

enum ptr_kind { PTR_GOOD, PTR_BAD };

static void *pick_ptr(enum ptr_kind *kind)
{
	*kind = PTR_BAD;
	switch (rnd(0, 8)) {
	case 0:
		return NULL;
	case 1:
		return (void *)1;
	case 2:		/* unmapped (or beyond the address space) */
		return (void *)(1UL << 46);
	case 3:		/* kernel */
		return (void *)0xffff888000000000UL;
	case 4:
		return ro_page;
	case 5:		/* half in a page, half in PROT_NONE */
		return straddle;
	case 6:		/* misaligned, fine */
		*kind = PTR_GOOD;
		return misaligned + 1;
	default:
		*kind = PTR_GOOD;
		return &good_res;
	}
}

/*
 * register(@pid), counted in @pid's bucket before and after the call: a
 * registration of a pid by anyone (but an exec'd child, see op_sys())
 * happens within a call counted there.  op_reuse() uses it to tell
 * whether another process may have registered its reused pid.
 */
static long reg_call(pid_t pid)
{
	int b = pid > 0 ? pid % REG_BUCKETS : 0;
	long ret;
	int err;

	__atomic_add_fetch(&ctl->reg_started[b], 1, __ATOMIC_SEQ_CST);
	ret = rt_register(pid);
	err = errno;
	__atomic_add_fetch(&ctl->reg_finished[b], 1, __ATOMIC_SEQ_CST);
	errno = err;
	return ret;
}

static const char *const sys_names[] = {
	"register", "fetch", "deregister", "resource_cap", "resource_reset",
};

static long call(int nr, pid_t pid, void *ptr, long hq, long fq)
{
	long ret;

	switch (nr) {
	case 0:
		ret = reg_call(pid);
		note(ret ? errno : 0, "register(%d) = %ld", pid, ret);
		return ret;
	case 1: return rt_fetch(ptr, pid);
	case 2:
		ret = rt_deregister(pid);
		note(ret ? errno : 0, "deregister(%d) = %ld", pid, ret);
		return ret;
	case 3: return rt_resource_cap(pid, hq, fq);
	default: return rt_resource_reset(pid);
	}
}

/*
 * The errno the contract fixes for a call, or 0 if it fixes none: pid < 1
 * and quotas < -1 are EINVAL; no such process (a kernel thread, a zombie,
 * beyond pid_max) is ESRCH, EINVAL for fetch; unprivileged callers get
 * EPERM; fetch() through a bad pointer never succeeds.
 */
static int expected_errno(int nr, pid_t pid, bool gone, bool unpriv, long hq,
			  long fq)
{
	if (pid < 1)
		return EINVAL;
	if (nr == 3 && (hq < -1 || fq < -1))
		return EINVAL;
	if (unpriv && nr != 1)
		return EPERM;
	if (gone)
		return nr == 1 ? EINVAL : ESRCH;
	return 0;
}

static void check_call(int nr, pid_t pid, enum pid_kind kind,
		       enum ptr_kind pk, long hq, long fq, bool unpriv,
		       long ret, int err)
{
	bool gone = kind == P_INT_MAX || kind == P_PID_MAX ||
		    kind == P_KTHREAD || kind == P_ZOMBIE;
	int want = expected_errno(nr, pid, gone, unpriv, hq, fq);

	/* fetch looks at the pointer only after the process */
	if (nr == 1 && pk == PTR_BAD && ret == 0)
		violation("%s(%d) through a bad pointer succeeded",
			  sys_names[nr], pid);
	if (want && (ret == 0 || err != want))
		violation("%s(%d%s) (pid kind %d, quotas %ld %ld): %ld, errno %d, expected errno %d",
			  sys_names[nr], pid, unpriv ? ", unprivileged" : "",
			  kind, hq, fq, ret, ret ? err : 0, want);
}

static void op_sys(bool unpriv)
{
	enum pid_kind kind;
	enum ptr_kind pk = PTR_GOOD;
	int nr = rnd(0, 4);
	pid_t pid = pick_pid(&kind);
	long hq = pick_quota(), fq = pick_quota(), ret;
	void *ptr = nr == 1 ? pick_ptr(&pk) : NULL;

	/*
	 * An exec'd child's reg_call()s are not counted where the others
	 * see them: it registers no other process of the tree, so none of
	 * op_reuse()'s reused pids.
	 */
	if (nr == 0 && execd && kind == P_CG) {
		kind = P_SELF;
		pid = getpid();
	}
	good_res.pid = -1;
	ret = call(nr, pid, ptr, hq, fq);
	stat_add(S_SYS);
	if (!ret)
		stat_add(S_SYS_OK);
	if (!ret && ptr == &good_res && good_res.pid != pid)
		violation("fetch(%d) stored pid %d", pid, good_res.pid);
	check_call(nr, pid, kind, pk, hq, fq, unpriv, ret, errno);
}

/*
 * nobody with CAP_SYS_RESOURCE, the capability the calls ask for, but no
 * write access to any cgroup.procs: a cgroupfs write could move nobody,
 * so register() must move nobody either, itself included, out of its
 * cgroup and the limits there (a service with AmbientCapabilities=).
 */
static void cap_register(void)
{
	char before[512], after[512];
	pid_t pids[2] = { getpid(), getppid() };
	long ret;
	int i;

	if (read_text("/proc/self/cgroup", before, sizeof(before)) < 0)
		return;
	for (i = 0; i < 2; i++) {
		ret = call(0, pids[i], NULL, 0, 0);
		if (!ret || (errno != EPERM && !(i && errno == ESRCH)))
			violation("register(%d) by nobody with CAP_SYS_RESOURCE: %ld, errno %d, expected EPERM",
				  pids[i], ret, ret ? errno : 0);
	}
	if (read_text("/proc/self/cgroup", after, sizeof(after)) >= 0 &&
	    strcmp(before, after))
		violation("nobody with CAP_SYS_RESOURCE left its cgroup: %s is now %s",
			  before, after);
}

/*
 * The calls from a process without privilege: a child that drops it, and
 * keeps CAP_SYS_RESOURCE one time in four.
 */
static void op_unpriv(void)
{
	bool keep = chance(25);
	pid_t pid = fork();
	int i;

	if (pid < 0) {
		count_err(errno);
		return;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (become_nobody(keep ? CAP(CAP_SYS_RESOURCE) : 0))
			_exit(1);
		if (keep)
			cap_register();
		else
			for (i = rnd(1, 8); i > 0; i--)
				op_sys(true);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

/*
 * @pid has a line of a live process in /proc/tracker_status (an ended
 * registration the reaper has not removed yet shows "-" as command).
 */
static bool listed_in_status(pid_t pid)
{
	static char buf[65536];
	char key[16], *p;
	int n = snprintf(key, sizeof(key), "\n%d ", pid);

	if (read_text("/proc/tracker_status", buf, sizeof(buf)) < 0)
		return false;
	p = strstr(buf, key);
	return p && p[n] != '-';
}

/*
 * Whether a process other than this one may have registered @pid since
 * @done, reg_finished[] of its bucket read before @pid existed: whether a
 * register() of that bucket that had not finished then has started since
 * (calls of this one after @done: @own).  Every call that started before
 * now finished before @pid existed only if as many started by now as had
 * finished then.
 */
static bool reg_raced(pid_t pid, long done, int own)
{
	if (__atomic_load_n(&ctl->reg_started[pid % REG_BUCKETS],
			    __ATOMIC_SEQ_CST) - own == done)
		return false;
	stat_add(S_RACED);
	return true;
}

/*
 * A registered process exits and a new one takes its number at once: it is
 * not registered, its number can be registered afresh.  Another worker may
 * register the new process meanwhile (it finds it in a cgroup or reuses an
 * old pid of its own): an answer of a registered process is excused only
 * if a register() of its pid may have overlapped (reg_raced()).  Whether it
 * is still registered when looked at says nothing: a deregister() that
 * found it registered has just ended that (issue 28, 6.12 x86_64 seed 12:
 * another worker's register() of the reused pid, then this deregister()
 * answered 0 and moved it out).
 */
static void op_reuse(void)
{
	pid_t x, y;
	long ret, done;
	int err, own = 0;

	x = fork();
	if (x < 0) {
		count_err(errno);
		return;
	}
	if (x == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	ret = reg_call(x);
	note(ret ? errno : 0, "reuse: register(%d) = %ld", x, ret);
	kill(x, SIGKILL);
	waitpid(x, NULL, 0);
	if (ret)
		return;
	/* before y exists: a register() finished by then cannot be y's */
	done = __atomic_load_n(&ctl->reg_finished[x % REG_BUCKETS],
			       __ATOMIC_SEQ_CST);
	y = sys_clone3(0, -1, &x);
	if (y < 0)
		return;		/* taken meanwhile, or no clone3 */
	if (y == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	stat_add(S_REUSE);
	if (listed_in_status(y) && !reg_raced(y, done, own))
		violation("pid %d reused: listed in /proc/tracker_status", y);
	ret = rt_fetch(&good_res, y);
	err = errno;
	if ((ret == 0 || err != EINVAL) && !reg_raced(y, done, own))
		violation("pid %d reused: fetch() %ld errno %d, expected EINVAL",
			  y, ret, ret ? err : 0);
	ret = rt_resource_cap(y, 1, 1);
	err = errno;
	if ((ret == 0 || err != EINVAL) && !reg_raced(y, done, own))
		violation("pid %d reused: resource_cap() %ld errno %d, expected EINVAL",
			  y, ret, ret ? err : 0);
	ret = rt_deregister(y);
	err = errno;
	note(ret ? err : 0, "reuse: deregister(%d) = %ld", y, ret);
	if ((ret == 0 || err != ESRCH) && !reg_raced(y, done, own))
		violation("pid %d reused: deregister() %ld errno %d, expected ESRCH (no register() of it since it exists)",
			  y, ret, ret ? err : 0);
	ret = reg_call(y);
	err = errno;
	own++;
	note(ret ? err : 0, "reuse: register(%d) = %ld", y, ret);
	if (ret && !(err == EBUSY || err == ENFILE) && !reg_raced(y, done, own))
		violation("pid %d reused: register() %ld errno %d, expected 0",
			  y, ret, err);
	if (!ret && chance(50)) {
		ret = rt_deregister(y);
		note(ret ? errno : 0, "reuse: deregister(%d) = %ld", y, ret);
	}
	kill(y, SIGKILL);
	waitpid(y, NULL, 0);
	reaped[rnd(0, ARRAY_SIZE(reaped) - 1)] = y;
}

/* ------------------------------------------------------------------ */
/* cgroup files */

enum { BAD, GOOD, EITHER };

struct value {
	const char *s;
	char heap, files;	/* BAD, GOOD, EITHER */
};

static const struct value max_values[] = {
	{ "max", GOOD, GOOD }, { "max\n", GOOD, GOOD }, { "0", GOOD, GOOD },
	{ "1", GOOD, GOOD }, { "4096", GOOD, GOOD }, { " 12 \n", GOOD, GOOD },
	{ "1K", GOOD, BAD }, { "1k", GOOD, BAD }, { "64M", GOOD, BAD },
	{ "1G", GOOD, BAD }, { "8E", GOOD, BAD }, { "16E", BAD, BAD },
	{ "9223372036854775807", GOOD, BAD },
	{ "18446744073709551615", GOOD, BAD },
	{ "18446744073709551616", BAD, BAD }, { "-1", BAD, BAD },
	{ "-2", BAD, BAD }, { "abc", BAD, BAD }, { "", BAD, BAD },
	{ "\n", BAD, BAD }, { "1x", BAD, BAD }, { "1KB", BAD, BAD },
	{ "max max", BAD, BAD }, { "0x10", BAD, BAD }, { "1.5M", BAD, BAD },
	{ "maxx", BAD, BAD }, { "MAX", BAD, BAD }, { "+5", BAD, EITHER },
	{ "1\n2", BAD, BAD }, { "4294967296", GOOD, GOOD },
};

static const struct value policy_values[] = {
	{ "kill", GOOD }, { "deny", GOOD }, { "deny", GOOD },
	{ "kill\n", GOOD }, { " deny \n", GOOD }, { "KILL", BAD },
	{ "kil", BAD }, { "", BAD }, { "killl", BAD }, { "kill deny", BAD },
	{ "max", BAD },
};

/*
 * An errno that means the file or its cgroup went away under us, or that
 * the writer could not open it: at its own limit of descriptors or heap.
 */
static bool vanished(int err)
{
	return err == ENOENT || err == ENODEV || err == EMFILE ||
	       err == ENFILE || err == ENOMEM;
}

static void op_cg_write(void)
{
	static const char *const writable[] = {
		"restrack.heap.max", "restrack.files.max", "restrack.policy",
	};
	const char *cg = pick_cg();
	/* mostly the files that take writes, sometimes the others */
	const char *file = chance(75) ?
			   writable[rnd(0, ARRAY_SIZE(writable) - 1)] :
			   rt_files[rnd(0, ARRAY_SIZE(rt_files) - 1)];
	bool heap = !strcmp(file, "restrack.heap.max");
	bool files = !strcmp(file, "restrack.files.max");
	bool policy = !strcmp(file, "restrack.policy");
	static char junk[8192];
	const struct value *v;
	const char *what = "(junk)";
	long cur, len;
	char num[32];
	int err, want = EITHER, i;

	stat_add(S_CGW);
	switch (rnd(0, 9)) {
	case 0:		/* random bytes */
		len = rnd(0, 64);
		for (i = 0; i < len; i++)
			junk[i] = rnd_next();
		err = file_write(cg, file, junk, len);
		break;
	case 1:		/* long: many digits */
		len = rnd(30, sizeof(junk));
		memset(junk, '9', len);
		err = file_write(cg, file, junk, len);
		what = "(many nines)";
		if (heap || files)
			want = BAD;
		break;
	case 2:		/* a bad buffer */
		err = file_write(cg, file, chance(50) ? NULL :
				 (void *)(1UL << 46), rnd(1, 16));
		what = "(bad pointer)";
		if (heap || files || policy)
			want = BAD;
		break;
	case 3:		/* around the current usage */
		if (!heap && !files) {
			err = file_write_str(cg, file, "max");
			break;
		}
		cur = cg_read_long(cg, heap ? "restrack.heap.current" :
				   "restrack.files.current");
		cur += heap ? rnd(-2, 4) * page_size : rnd(-1, 3);
		if (cur < 0)
			cur = 0;
		snprintf(num, sizeof(num), "%ld", cur);
		err = file_write_str(cg, file, num);
		what = num;
		want = GOOD;
		break;
	default:
		if (policy) {
			v = &policy_values[rnd(0, ARRAY_SIZE(policy_values) - 1)];
			want = v->heap;
		} else {
			v = &max_values[rnd(0, ARRAY_SIZE(max_values) - 1)];
			want = heap ? v->heap : files ? v->files : EITHER;
		}
		err = file_write_str(cg, file, v->s);
		what = v->s;
		/* write(2) of 0 bytes returns 0 without reaching the file */
		if ((!heap && !files && !policy) || !v->s[0])
			want = EITHER;
		if (want != EITHER && strchr(v->s, '\n') &&
		    strchr(v->s, '\n')[1])
			want = EITHER;	/* kernfs may see it in one piece */
		break;
	}
	if (!err)
		stat_add(S_CGW_OK);
	if (vanished(err) || want == EITHER)
		return;
	if (want == GOOD && err)
		violation("writing \"%.40s\" to %s/%s: errno %d", what, cg,
			  file, err);
	if (want == BAD && !err)
		violation("\"%.40s\" written to %s/%s was accepted", what, cg,
			  file);
}

/* Every restrack.* file reads back in its format. */
static void op_cg_read(void)
{
	const char *cg = pick_cg();
	char buf[256], *end;
	size_t i;
	long v;

	for (i = 0; i < ARRAY_SIZE(rt_files); i++) {
		const char *f = rt_files[i];

		if (cg_read(cg, f, buf, sizeof(buf)))
			continue;	/* the controller is off there, or gone */
		if (strstr(f, "events")) {
			long a, b, c;

			if (sscanf(buf, "heap.max %ld\nfiles.max %ld\nkill %ld",
				   &a, &b, &c) != 3 || a < 0 || b < 0 || c < 0)
				violation("%s/%s reads \"%.60s\"", cg, f, buf);
			continue;
		}
		if (strstr(f, "policy")) {
			if (strcmp(buf, "kill\n") && strcmp(buf, "deny\n"))
				violation("%s/%s reads \"%.60s\"", cg, f, buf);
			continue;
		}
		if (strstr(f, ".max")) {
			/* a u64, up to the largest limit in bytes */
			errno = 0;
			if (strcmp(buf, "max\n") &&
			    (strtoull(buf, &end, 10), errno || end == buf ||
			     *end != '\n' || buf[0] == '-'))
				violation("%s/%s reads \"%.60s\"", cg, f, buf);
			continue;
		}
		errno = 0;
		v = strtol(buf, &end, 10);
		if (errno || end == buf || *end != '\n' || v < 0)
			violation("%s/%s reads \"%.60s\"", cg, f, buf);
	}
	if (chance(20)) {
		static char st[65536];

		if (read_text("/proc/tracker_status", st, sizeof(st)) >= 0 &&
		    strncmp(st, "PID COMMAND ", 12))
			violation("/proc/tracker_status reads \"%.60s\"", st);
	}
}

static void op_mkdir(void)
{
	const char *cg = pick_fuzz_cg();
	char path[CG_LEN];
	int slashes = 0;
	const char *p;

	for (p = cg + strlen(FUZZ_ROOT); *p; p++)
		slashes += *p == '/';
	if (slashes >= 3)
		return;
	snprintf(path, sizeof(path), "%s/g%ld", cg, rnd(0, 3));
	if (!mkdir(path, 0755))
		stat_add(S_MKDIR);
	cgs_age = 0;
}

static void op_rmdir(void)
{
	const char *cg = pick_cg();

	if (!strcmp(cg, FUZZ_ROOT))
		return;
	if (!strcmp(cg, REG_ROOT) && !chance(10))
		return;
	if (!rmdir(cg))
		stat_add(S_RMDIR);
	cgs_age = 0;
}

static void op_move(void)
{
	pid_t pid;

	switch (rnd(0, 3)) {
	case 0:
		pid = sleepers[rnd(0, MAX_SLEEPERS - 1)];
		break;
	case 1:
		pid = pick_cg_pid();
		break;
	default:
		pid = getpid();
		break;
	}
	if (pid <= 0 || protected_pid(pid))
		pid = getpid();
	if (!move_pid(pick_dst_cg(), pid))
		stat_add(S_MOVE);
}

static void op_toggle(void)
{
	const char *cg = pick_cg();

	if (!file_write_str(cg, "cgroup.subtree_control",
			    chance(50) ? "+restrack" : "-restrack"))
		stat_add(S_TOGGLE);
	cgs_age = 0;
}

/* ------------------------------------------------------------------ */
/* processes */

static void light_ops(int n);

/*
 * A child dies with its parent; one whose parent died before the prctl()
 * leaves at once.  Such an orphan would go on with operations no worker
 * waits for, a move or a registration in the steady phase among them.
 */
static void child_start(pid_t parent)
{
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	depth++;
	for (i = 0; i < MAX_SLEEPERS; i++)
		sleepers[i] = 0;
	for (i = 0; i < MAX_ZOMBIES; i++)
		zombies[i] = 0;
	/* its own streams, the same in every run of the seed: not the pid */
	op_base = mix64(rng ^ 0x632be59bd9b4e019ULL);
	op_index = 0;
	rng = mix64(op_base) | 1;
}

static void op_fork(void)
{
	int slot = -1, i, how = rnd(0, 9);
	volatile int *asleep;
	pid_t pid, parent = getpid();
	long deadline;

	for (i = 0; i < MAX_SLEEPERS; i++)
		if (!sleepers[i])
			slot = i;
	if (how < 3 && slot < 0)
		how = 5;
	/* shared, so not heap; no descriptor a child's dup2() could hit */
	asleep = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (asleep == MAP_FAILED) {
		count_err(errno);
		return;
	}
	/*
	 * how 8, 9: a child that shares the table, CLONE_FILES, and execs at
	 * once, so that exec() copies the table: a copy that would not fit
	 * must fail the exec (or kill it), not go past files.max.  The raw
	 * system call: glibc's clone() wants a stack, and this one needs
	 * none (no CLONE_VM).
	 */
	if (how >= 8)
		pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	else
		pid = fork();
	if (pid < 0) {
		count_err(errno);
		munmap((void *)asleep, page_size);
		return;
	}
	stat_add(S_FORK);
	stat_add(S_GRANTED);
	if (pid == 0) {
		child_start(parent);
		/* the table is the parent's: no operation on it */
		if (how < 8)
			light_ops(rnd(0, 12));
		if (how < 3) {		/* a sleeper: holds its charges */
			*asleep = 1;
			for (;;)
				pause();
		}
		if (how < 5 || how >= 8) {	/* exec, a tail of the seed */
			char s[24], c[16];

			snprintf(s, sizeof(s), "%lu", (unsigned long)rnd_next());
			snprintf(c, sizeof(c), "%d", conductor);
			stat_add(S_EXEC);
			execl(self_exe, "restrack_fuzz", "--exec-child", s, c,
			      steady_phase() ? "steady" : "run", (char *)NULL);
			_exit(127);
		}
		_exit(0);
	}
	if (how < 3) {
		/* until it sleeps, or dies */
		deadline = now_ms() + 30000;
		while (!*asleep) {
			if (waitpid(pid, NULL, WNOHANG) == pid) {
				reaped[rnd(0, ARRAY_SIZE(reaped) - 1)] = pid;
				pid = 0;
				break;
			}
			if (now_ms() > deadline) {
				violation("a child did not finish 12 operations in 30 s");
				kill(pid, SIGKILL);
			}
			sleep_ms(1);
		}
		sleepers[slot] = pid;
	} else {
		waitpid(pid, NULL, 0);
		reaped[rnd(0, ARRAY_SIZE(reaped) - 1)] = pid;
	}
	munmap((void *)asleep, page_size);
}

static void op_kill_sleeper(void)
{
	int i = rnd(0, MAX_SLEEPERS - 1);

	if (!sleepers[i])
		return;
	kill(sleepers[i], SIGKILL);
	waitpid(sleepers[i], NULL, 0);
	reaped[rnd(0, ARRAY_SIZE(reaped) - 1)] = sleepers[i];
	sleepers[i] = 0;
}

static void op_zombie(void)
{
	int i = rnd(0, MAX_ZOMBIES - 1);
	pid_t pid;

	if (zombies[i]) {
		waitpid(zombies[i], NULL, 0);
		reaped[rnd(0, ARRAY_SIZE(reaped) - 1)] = zombies[i];
		zombies[i] = 0;
		return;
	}
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		/* until it is a zombie: waitid() without reaping */
		siginfo_t si;

		waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
		zombies[i] = pid;
	}
}

struct thread_arg {
	uint64_t seed;
	int n;
};

static void *thread_fn(void *arg)
{
	struct thread_arg *a = arg;
	uint64_t s = a->seed;
	void *m[4];
	int f[4], i, k;

	for (k = 0; k < a->n; k++) {
		for (i = 0; i < 4; i++) {
			s = s * 6364136223846793005ULL + 1;
			m[i] = mmap(NULL, ((s >> 33) % 32 + 1) * page_size,
				    PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			f[i] = open("/dev/null", O_RDONLY);
		}
		for (i = 0; i < 4; i++) {
			if (m[i] != MAP_FAILED)
				munmap(m[i], page_size);	/* a part */
			if (f[i] >= 0 && (s >> (40 + i)) & 1)
				close(f[i]);
		}
	}
	return NULL;
}

static void op_threads(void)
{
	static const size_t stacks[] = {
		16384, 65536, 262144, 1 << 20, 8 << 20,
	};
	struct thread_arg args[4];
	pthread_t t[4];
	pthread_attr_t attr;
	int n = rnd(1, 4), i, ok[4];

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, stacks[rnd(0, ARRAY_SIZE(stacks) - 1)]);
	for (i = 0; i < n; i++) {
		args[i].seed = rnd_next();
		args[i].n = rnd(1, 4);
		ok[i] = !pthread_create(&t[i], &attr, thread_fn, &args[i]);
		if (ok[i])
			stat_add(S_THREAD);
		else
			count_err(ENOMEM);
	}
	/* what the threads left mapped and open is the process's now */
	for (i = 0; i < n; i++)
		if (ok[i])
			pthread_join(t[i], NULL);
	pthread_attr_destroy(&attr);
}

/*
 * The two ways past a limit that got through before, aimed at, each in a
 * leaf of its own, TIGHT_ROOT/<worker>-<n>, outside the fuzzed tree: no
 * other worker picks it, so only the operation's processes charge there,
 * nobody writes its limits, and what it must hold is known exactly.  The
 * worker moves in, sets the limit just above what it holds, runs the
 * race, checks the leaf, and moves back (to a fuzzed cgroup if its own
 * was removed meanwhile).  They run in PH_RUN only, as every move does.
 */
#define TIGHT_ROOT	CGROOT "/restrack-fuzz-tight"

static char tight_home[CG_LEN];

/* Move in to a new leaf of TIGHT_ROOT, @leaf; 0 or -1 */
static int tight_enter(char *leaf, size_t size)
{
	own_cg(tight_home, sizeof(tight_home));
	snprintf(leaf, size, "%s/%d-%d-%ld", TIGHT_ROOT, worker_id,
		 generation_no, op_index);
	if (mkdir(leaf, 0755))
		return -1;
	if (move_pid(leaf, getpid())) {
		rmdir(leaf);
		return -1;
	}
	return 0;
}

/*
 * A finding in @leaf, unless the worker is no longer there: another
 * worker's move or register() of a pid it read before we moved in can
 * take us out (never in: nobody else picks the leaf), and what we hold
 * goes with us, making room in the leaf.  Counted as excused then.
 */
static bool in_leaf(const char *leaf)
{
	char cg[CG_LEN];

	own_cg(cg, sizeof(cg));
	return !strcmp(cg, leaf);
}

#define tight_violation(leaf, ...)			\
	do {						\
		if (in_leaf(leaf))			\
			violation(__VA_ARGS__);		\
		else					\
			stat_add(S_RACED);		\
	} while (0)

/* Back to where we came from, or elsewhere in the tree; the leaf removed */
static void tight_leave(const char *leaf)
{
	int i;

	if (move_pid(tight_home, getpid()))
		for (i = 0; i < 8; i++)
			if (!move_pid(pick_dst_cg(), getpid()))
				break;
	if (rmdir(leaf) && errno != ENOENT && errno != EBUSY)
		violation("rmdir %s: errno %d", leaf, errno);
}

/*
 * The leaf's usage of @r within its max, now and at its peak: only the
 * operation's processes charge there (see above), and the levels above
 * have no limit, so the peak is exact.
 */
static void tight_check(const char *leaf, int r, const char *what)
{
	long cur = cg_read_long(leaf, cur_file[r]);
	long max = cg_read_max(leaf, max_file[r]);
	long peak = cg_read_long(leaf, peak_file[r]);

	if (cur < 0 || max < 0 || peak < 0)
		tight_violation(leaf, "%s: cannot read %s's %s", what, leaf,
				cur_file[r]);
	else if (cur > max || peak > max)
		tight_violation(leaf, "%s: %s %ld (peak %ld), max %ld", what,
				cur_file[r], cur, peak, max);
}

/* Wait for @pid: its wait status, or -1 */
static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	reaped[rnd(0, ARRAY_SIZE(reaped) - 1)] = pid;
	return st;
}

/*
 * The exec of a child that shares a table which cannot be copied: in the
 * leaf, files.max is set k above what the table holds, k opens must go
 * through and the next one fail with EMFILE; then a child that shares the
 * table (clone(CLONE_FILES)) execs, and exec() must copy the table, which
 * cannot fit beside the one it shares.  Under "deny" the exec must fail
 * with EMFILE, under "kill" the child must die of SIGKILL, and the worker
 * must live; the leaf never above its max.  An exec that went through
 * says so on a pipe (opened before, so that nothing needs a descriptor at
 * the limit) and sleeps.  What is found is judged once the table is below
 * the limit again, as reading /proc or a cgroup file takes a descriptor.
 */
static void op_exec_full(void)
{
	int k = rnd(1, 8), i, st = 0, opened[MAX_FDS], n = 0, err = 0;
	int pp[2] = { -1, -1 }, pfd = -1;
	bool kill_policy = chance(50), ok = false;
	pid_t pid = -1, parent = getpid();
	char leaf[CG_LEN], why[200] = "", c[16], w[16], byte, path[CG_LEN + 20];
	long cur = -1, deadline;

	if (nfds + k + 2 > MAX_FDS || pipe2(pp, O_NONBLOCK))
		return;
	fcntl(pp[0], F_SETFD, FD_CLOEXEC);
	if (tight_enter(leaf, sizeof(leaf)))
		goto out;
	stat_add(S_FULL_EXEC);
	/*
	 * The policy is set once the table is full, or the refused open
	 * would kill us; with a descriptor opened now, as nothing can be
	 * opened then.
	 */
	snprintf(path, sizeof(path), "%s/restrack.policy", leaf);
	pfd = open(path, O_WRONLY | O_CLOEXEC);
	/* less the descriptor the read takes */
	cur = cg_read_long(leaf, "restrack.files.current") - 1;
	if (pfd < 0 || cur < 0 ||
	    cg_write_numeric(leaf, "restrack.files.max", cur + k)) {
		snprintf(why, sizeof(why), "cannot set the limits of %s", leaf);
		goto judge;
	}
	for (i = 0; i <= k; i++) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0) {
			err = errno;
			break;
		}
		opened[n++] = fd;
	}
	if (n != k || err != EMFILE) {
		snprintf(why, sizeof(why),
			 "files.max %ld with %ld open: %d opens went through, then errno %d",
			 cur + k, cur, n, err);
		goto judge;
	}
	if (kill_policy && write(pfd, "kill", 4) != 4) {
		snprintf(why, sizeof(why), "policy kill at files.max: errno %d",
			 errno);
		goto judge;
	}
	snprintf(c, sizeof(c), "%d", conductor);
	snprintf(w, sizeof(w), "%d", pp[1]);
	pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0) {
		count_err(errno);
		goto judge;
	}
	if (pid == 0) {
		child_start(parent);
		execl(self_exe, "restrack_fuzz", "--exec-sleeper", c, w,
		      (char *)NULL);
		_exit(errno & 0x7f);
	}
	stat_add(S_EXEC);
	deadline = now_ms() + 30000;
	while (waitpid(pid, &st, WNOHANG) != pid) {
		if (read(pp[0], &byte, 1) == 1 || now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			snprintf(why, sizeof(why),
				 "the exec of a child sharing a table of %ld at files.max %ld went through (%s)",
				 cur + k, cur + k,
				 kill_policy ? "kill" : "deny");
			goto judge;
		}
		sleep_ms(1);
	}
	reaped[rnd(0, ARRAY_SIZE(reaped) - 1)] = pid;
	if (kill_policy ? !(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) :
			  !(WIFEXITED(st) && WEXITSTATUS(st) == EMFILE))
		snprintf(why, sizeof(why),
			 "exec of a shared table at files.max under %s: wait status 0x%x",
			 kill_policy ? "kill" : "deny", st);
	else
		ok = true;
judge:
	for (i = 0; i < n; i++)
		close(opened[i]);
	if (pfd >= 0)
		close(pfd);
	if (why[0])
		tight_violation(leaf, "exec at files.max: %s", why);
	else if (ok)
		stat_add(S_FULL_EXEC_OK);
	tight_check(leaf, 1, "exec at files.max");
	tight_leave(leaf);
out:
	close(pp[0]);
	close(pp[1]);
}

/*
 * --exec-sleeper CONDUCTOR FD: what op_exec_full()'s child runs if its
 * execve() goes through: it writes a byte to FD and holds its table.
 */
static int exec_sleeper(const char *c, const char *fd)
{
	(void)c;
	if (write(atoi(fd), "x", 1) != 1)
		_exit(1);
	for (;;)
		pause();
	return 0;
}

/*
 * The mprotect() window: in the leaf, a child is forked, heap.max set
 * @room above what both hold, and a mapping that fills it, a large VMA
 * followed by FLIP_STRIPES one-page VMAs (every other page VM_DONTCOPY),
 * is flipped whole between two data protections (write-only and
 * read-write) while the child tries to map half of the large VMA.
 * mprotect() takes the pages of each VMA away and puts them back: if the
 * charge dipped with them, the child would get what the first VMA's dip
 * freed while the walk goes over the stripes, and the charge that came
 * back would go past the max.  The child must get nothing, and the leaf
 * stay within its max.
 */
#define FLIP_STRIPES	64
#define FLIP_ROUNDS	64

static void op_flip_race(void)
{
	long room = rnd(256, 4096) * page_size, big, off, cur;
	long *sh;		/* [0] go, [1] stop, [2] got */
	pid_t pid, parent = getpid();
	char leaf[CG_LEN];
	char *p = MAP_FAILED;
	int k = 0;

	sh = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		count_err(errno);
		return;
	}
	if (tight_enter(leaf, sizeof(leaf))) {
		munmap(sh, page_size);
		return;
	}
	pid = fork();
	if (pid < 0) {
		count_err(errno);
		goto out;
	}
	if (pid == 0) {
		void *q = MAP_FAILED;
		long len;

		child_start(parent);
		while (!__atomic_load_n(&sh[0], __ATOMIC_ACQUIRE))
			sleep_ms(1);
		len = __atomic_load_n(&sh[0], __ATOMIC_ACQUIRE);
		while (len > 0 && q == MAP_FAILED &&
		       !__atomic_load_n(&sh[1], __ATOMIC_ACQUIRE))
			q = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (q != MAP_FAILED)
			__atomic_store_n(&sh[2], 1, __ATOMIC_RELEASE);
		for (;;)
			pause();
	}
	stat_add(S_FORK);
	big = room - FLIP_STRIPES * page_size;
	cur = cg_read_long(leaf, "restrack.heap.current");
	if (cur < 0 || cg_write_numeric(leaf, "restrack.heap.max", cur + room)) {
		tight_violation(leaf, "mprotect race: cannot set heap.max of %s", leaf);
		goto out;
	}
	p = mmap(NULL, room, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		tight_violation(leaf,
				"mprotect race: a map of %ld at heap.max %ld with %ld held: errno %d",
				room, cur + room, cur, errno);
		goto out;
	}
	for (off = big; off < room; off += 2 * page_size)
		madvise(p + off, page_size, MADV_DONTFORK);
	stat_add(S_FLIP_RACE);
	__atomic_store_n(&sh[0], big / 2, __ATOMIC_RELEASE);
	for (k = 0; k < FLIP_ROUNDS && !__atomic_load_n(&sh[2], __ATOMIC_ACQUIRE);
	     k++)
		if (mprotect(p, room, PROT_WRITE) ||
		    mprotect(p, room, PROT_READ | PROT_WRITE))
			tight_violation(leaf, "mprotect race: flip %d: errno %d", k, errno);
	__atomic_store_n(&sh[1], 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&sh[2], __ATOMIC_ACQUIRE)) {
		stat_add(S_FLIP_GRAB);
		tight_violation(leaf,
				"mprotect race: %ld mapped beside %ld held at heap.max %ld, in %d flips",
				big / 2, room + cur, cur + room, k);
	}
	tight_check(leaf, 0, "mprotect race");
out:
	if (pid > 0) {
		__atomic_store_n(&sh[0], -1, __ATOMIC_RELEASE);
		kill(pid, SIGKILL);
		reap(pid);
	}
	if (p != MAP_FAILED)
		munmap(p, room);
	munmap(sh, page_size);
	tight_leave(leaf);
}

/* TIGHT_ROOT's leaves: their processes killed, rmdir'd; how many are left */
static int tight_rmdir(const char *name, unsigned char type, void *arg)
{
	char leaf[CG_LEN];
	pid_t pids[16];
	long deadline = now_ms() + SETTLE_MS;
	int n, i;

	if (type != DT_DIR || name[0] == '.')
		return 0;
	snprintf(leaf, sizeof(leaf), "%s/%s", TIGHT_ROOT, name);
	while ((n = cg_read_pids(leaf, pids, 16)) > 0 && now_ms() < deadline) {
		for (i = 0; i < n && i < 16; i++)
			kill(pids[i], SIGKILL);
		sleep_ms(20);
	}
	if (rmdir(leaf) && errno != ENOENT) {
		diag("rmdir %s: %s", leaf, strerror(errno));
		(*(int *)arg)++;
	}
	return 0;
}

static int tight_remove(void)
{
	int left = 0;

	dir_each(TIGHT_ROOT, tight_rmdir, &left);
	return left;
}

static void op_bad_exec(void)
{
	static char *const argv[] = { NULL };

	if (chance(50))
		syscall(SYS_execve, (void *)(1UL << 46), argv, argv);
	else
		execve("/nonexistent/restrack", argv, argv);
}

/* ------------------------------------------------------------------ */

struct op {
	void (*fn)(void);
	int weight;
	bool light;	/* also in children, which have no children */
	bool steady;	/* also in PH_STEADY: never charges above a max */
};

static void op_sys_priv(void)
{
	op_sys(false);
}

static const struct op ops[] = {
	{ op_sys_priv, 8, true }, { op_unpriv, 1, false },
	{ op_reuse, 1, false }, { op_cg_write, 8, true },
	{ op_cg_read, 2, true, true }, { op_mkdir, 2, false },
	{ op_rmdir, 2, true }, { op_move, 3, true }, { op_toggle, 2, true },
	{ op_fork, 3, false, true }, { op_kill_sleeper, 1, false, true },
	{ op_zombie, 1, false, true }, { op_threads, 2, true, true },
	{ op_bad_exec, 1, true, true }, { op_mmap, 6, true, true },
	{ op_munmap, 4, true, true }, { op_mremap, 2, true, true },
	{ op_mprotect, 2, true, true }, { op_brk, 4, true, true },
	{ op_open, 6, true, true }, { op_dup, 4, true, true },
	{ op_close, 6, true, true }, { op_pair, 2, true, true },
	{ op_exec_full, 2, false }, { op_flip_race, 2, false },
};

static bool op_ok(size_t i, bool light, bool steady)
{
	return (!light || ops[i].light) && (!steady || ops[i].steady);
}

/* The operation @u picks among those op_ok() for @light and @steady. */
static size_t pick_op(uint64_t u, bool light, bool steady)
{
	long total = 0, r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (op_ok(i, light, steady))
			total += ops[i].weight;
	r = u % total;
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		if (!op_ok(i, light, steady))
			continue;
		r -= ops[i].weight;
		if (r < 0)
			break;
	}
	return i;
}

/*
 * The n-th operation of a process and all its draws come from a stream of
 * its own, mix64(op_base, n): what earlier operations drew (which depends
 * on what the kernel answered: a failed mmap has nothing to unmap) does
 * not shift it.  Its kind is picked among all operations first, and only
 * if that one is not allowed here (light, steady) among the allowed.
 */
static void random_op(bool light)
{
	bool steady = steady_phase();
	uint64_t u;
	size_t i;

	op_index++;
	op_phase = __atomic_load_n(&ctl->phase, __ATOMIC_ACQUIRE);
	op_sealed = __atomic_load_n(&ctl->sealed, __ATOMIC_ACQUIRE);
	if (op_sealed && !execd && lim_sealed != op_sealed) {
		int lim = path_files_limited();

		if (lim >= 0) {
			lim_files = lim;
			lim_sealed = op_sealed;
		}
	}
	rng = mix64(op_base ^ mix64(op_index)) | 1;
	u = rnd_next();
	i = pick_op(u, false, false);
	if (!op_ok(i, light, steady))
		i = pick_op(u >> 32, light, steady);
	if (depth == 0 && generation_no == 1 && op_index <= FIRST_OPS)
		ctl->first_ops[worker_id][op_index - 1] = 'a' + i;
	ops[i].fn();
	stat_add(S_OPS);
	if (worker_id >= 0)
		__atomic_add_fetch(&ctl->wops[worker_id], 1, __ATOMIC_RELAXED);
}

static void light_ops(int n)
{
	while (n-- > 0)
		random_op(true);
}

static void init_pointers(void)
{
	char *p;

	p = mmap(NULL, 2 * page_size, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	ro_page = p;
	p = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	mprotect(p + page_size, page_size, PROT_NONE);
	straddle = p + page_size - sizeof(pid_t);
}

static void worker_exit(void)
{
	int i;

	for (i = 0; i < MAX_SLEEPERS; i++)
		if (sleepers[i])
			kill(sleepers[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	_exit(0);
}

/*
 * @head_pid: its parent.  A worker whose head died before the prctl()
 * leaves: the conductor has respawned the slot, and two workers of one
 * slot would answer its barriers for each other.
 */
static void __attribute__((noreturn)) worker_main(int w, uint64_t wseed,
						   int gen, pid_t head_pid)
{
	int seq;

	worker_id = w;
	generation_no = gen;
	op_base = wseed;
	op_index = 0;
	rng = mix64(op_base) | 1;
	head = head_pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != head)
		_exit(0);
	init_pointers();
	brk_base = brk_cur = (char *)syscall(SYS_brk, 0);
	for (;;) {
		int ph = __atomic_load_n(&ctl->phase, __ATOMIC_ACQUIRE);

		if (ph == PH_EXIT)
			worker_exit();
		if (ph == PH_PARK) {
			seq = __atomic_load_n(&ctl->park_seq, __ATOMIC_ACQUIRE);
			__atomic_store_n(&ctl->parked[w], seq, __ATOMIC_RELEASE);
			while (__atomic_load_n(&ctl->phase, __ATOMIC_ACQUIRE) ==
			       PH_PARK &&
			       __atomic_load_n(&ctl->park_seq,
					       __ATOMIC_ACQUIRE) == seq)
				sleep_ms(2);
			refresh_cgs(true);
			continue;
		}
		if (ph == PH_STEADY) {
			/* no descendant runs an operation between two */
			seq = __atomic_load_n(&ctl->park_seq, __ATOMIC_ACQUIRE);
			__atomic_store_n(&ctl->steady[w], seq, __ATOMIC_RELEASE);
		} else if (mix64(op_base ^ 0x5851f42d4c957f2dULL ^ op_index) %
			   500 == 0) {
			worker_exit();	/* an exit: the conductor respawns */
		}
		random_op(false);
	}
}

/*
 * Room a new worker needs at every level above it: its head's copy for
 * the fork, and room to run a while.  A head placed without it starves its
 * worker: "deny" refuses the fork, "kill" kills the head at the fork or
 * the worker at its first charge, and the conductor respawns it into the
 * same trap every 20 ms (issue 28: a whole run with no worker at a
 * barrier, killed ones rising by 1,700 a round, no operation done).
 */
#define ROOM_HEAP	(4L << 20)
#define ROOM_FILES	32

/*
 * Whether @cg and each ancestor up to the root leave @need of each
 * resource (heap bytes, descriptors); a level with the controller off has
 * no limit.  With @make, raises to "max" each limit that leaves less, and
 * says so.
 */
static bool room(const char *cg, const long need[2], bool make)
{
	char path[CG_LEN], *slash;
	long cur, max;
	int r;

	snprintf(path, sizeof(path), "%s", cg);
	while (strlen(path) > strlen(CGROOT)) {
		for (r = 0; r < 2; r++) {
			cur = cg_read_long(path, cur_file[r]);
			max = cg_read_max(path, max_file[r]);
			if (cur < 0 || max < 0 || max == LONG_MAX ||
			    max - cur >= need[r])
				continue;
			if (!make)
				return false;
			file_write_str(path, max_file[r], "max");
		}
		slash = strrchr(path, '/');
		*slash = '\0';
	}
	return true;
}

/*
 * The head moves itself into a random cgroup of the fuzzed tree (not its
 * root) that has room for a worker at every level: the first of 8 random
 * picks that has, or else the last pick, whose limits it raises where they
 * leave too little.  Its worker may then go anywhere, and into the traps
 * (a tiny max under "kill"), as the operations take it; the kills go on,
 * but each respawn gets a worker that runs.  Before the conductor reads
 * the steady phase's ceilings (respawn_steady()), so a raised max is read.
 */
static void place_head(void)
{
	char own[CG_LEN];
	const char *cg = NULL;
	long need[2];
	int i;

	/* no malloc() in a head: vmdata_bytes() and fd_count() do none */
	need[0] = 2 * vmdata_bytes(getpid()) + ROOM_HEAP;
	/* not the descriptor that listed them */
	need[1] = 2 * (fd_count(getpid()) - 1) + ROOM_FILES;
	refresh_cgs(true);
	for (i = 0; i < 8; i++) {
		cg = pick_fuzz_cg();
		if (!strcmp(cg, FUZZ_ROOT))
			continue;
		/* a move is never refused at a limit, but EBUSY, ENOENT, ... */
		if (room(cg, need, false) && !move_pid(cg, getpid()))
			return;
	}
	stat_add(S_ROOM);
	if (!cg || !strcmp(cg, FUZZ_ROOT))
		cg = FUZZ_ROOT "/g0";
	room(cg, need, true);
	if (move_pid(cg, getpid())) {
		room(FUZZ_ROOT "/g0", need, true);
		move_pid(FUZZ_ROOT "/g0", getpid());
	}
	own_cg(own, sizeof(own));
	room(own, need, true);
}

/* The head: the worker's parent, in a cgroup of the tree. */
static void __attribute__((noreturn)) head_main(int w, uint64_t wseed,
						 int gen)
{
	pid_t pid = -1, self = getpid();
	int i, st;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != conductor)
		_exit(0);
	head_of = w;
	generation_no = gen;
	op_phase = __atomic_load_n(&ctl->phase, __ATOMIC_ACQUIRE);
	rng = wseed;
	for (i = 0; i < 4; i++) {
		place_head();
		pid = fork();
		if (pid >= 0)
			break;
		/* refused at a limit taken meanwhile: elsewhere */
		count_err(errno);
	}
	if (pid == 0)
		worker_main(w, stream_seed(STREAM_WORKER, w, gen), gen, self);
	if (pid < 0)
		_exit(3);
	/* where it stays: after a placement again, not before */
	__atomic_store_n(&ctl->placed[w], gen, __ATOMIC_RELEASE);
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		stat_add(S_KILLED);
	_exit(0);
}

/*
 * --exec-child SEED CONDUCTOR PHASE: what a forked child runs after
 * execve(), in PH_STEADY's operations only if PHASE is "steady".
 */
static int exec_child(const char *s, const char *c, const char *phase)
{
	static struct ctl dummy;

	ctl = &dummy;		/* its statistics and findings are lost */
	execd = true;
	if (!strcmp(phase, "steady"))
		dummy.phase = PH_STEADY;
	conductor = atoi(c);
	page_size = sysconf(_SC_PAGESIZE);
	op_base = mix64(strtoull(s, NULL, 10));
	rng = mix64(op_base) | 1;
	depth = 2;
	brk_base = brk_cur = (char *)syscall(SYS_brk, 0);
	light_ops(rnd(0, 10));
	return 0;
}

/* ------------------------------------------------------------------ */
/* the conductor */

static int tap_n;
static int tap_failed;

static void __attribute__((format(printf, 2, 3))) tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

/*
 * The oracle (rt_oracle_add()) over the processes of @cg's subtree (cgs[]
 * from @i on).
 */
static void oracle(int i, struct rt_usage *u, int *procs)
{
	size_t len = strlen(cgs[i]);
	pid_t pids[256];
	int j, k, n;

	u->heap = u->files = 0;
	*procs = 0;
	for (j = i; j < ncgs; j++) {
		if (j > i && (strncmp(cgs[j], cgs[i], len) || cgs[j][len] != '/'))
			continue;
		n = cg_read_pids(cgs[j], pids, 256);
		for (k = 0; k < n && k < 256; k++)
			rt_oracle_add(u, pids[k]);
		if (n > 0)
			*procs += n;
	}
}

/*
 * Every cgroup with the controller: usage equals the oracle, peaks are not
 * below it.  Polled up to SETTLE_MS for processes still exiting; the
 * mismatches of the last attempt are printed.  Returns the number of bad
 * cgroups; *checked the number compared.
 */
static int check_usage(bool want_zero, int *checked)
{
	long deadline = now_ms() + SETTLE_MS;
	int bad, i;

	for (;;) {
		bool last = now_ms() > deadline;

		refresh_cgs(true);
		bad = 0;
		*checked = 0;
		for (i = 0; i < ncgs; i++) {
			long hc, fc, hp, fp;
			struct rt_usage o;
			int procs;

			hc = cg_read_long(cgs[i], "restrack.heap.current");
			fc = cg_read_long(cgs[i], "restrack.files.current");
			if (hc < 0 || fc < 0)
				continue;	/* controller off, or gone */
			oracle(i, &o, &procs);
			hp = cg_read_long(cgs[i], "restrack.heap.peak");
			fp = cg_read_long(cgs[i], "restrack.files.peak");
			/* read again: the oracle must agree with one reading */
			if (hc != o.heap || fc != o.files) {
				hc = cg_read_long(cgs[i], "restrack.heap.current");
				fc = cg_read_long(cgs[i], "restrack.files.current");
			}
			if (hc < 0 || fc < 0)
				continue;
			(*checked)++;
			if (hc == o.heap && fc == o.files && hp >= hc && fp >= fc &&
			    (!want_zero || (!hc && !fc)))
				continue;
			bad++;
			if (last)
				diag("%s: heap.current %ld, VmData sum %ld (diff %ld); files.current %ld, fd sum %ld (diff %ld); peaks %ld %ld; %d processes",
				     cgs[i], hc, o.heap, hc - o.heap, fc, o.files,
				     fc - o.files, hp, fp, procs);
		}
		if (!bad || last)
			return bad;
		sleep_ms(100);
	}
}

static long stat_get(enum stat_id id)
{
	return __atomic_load_n(&ctl->stats[id], __ATOMIC_RELAXED);
}

/* restrack.events of the fuzzed tree's root: all its cgroups' events. */
static void tree_events(long ev[3])
{
	char buf[256];

	ev[0] = ev[1] = ev[2] = -1;
	if (!cg_read(FUZZ_ROOT, "restrack.events", buf, sizeof(buf)))
		sscanf(buf, "heap.max %ld\nfiles.max %ld\nkill %ld", &ev[0],
		       &ev[1], &ev[2]);
}

static void dump_stats(void)
{
	char line[1024];
	int i, n = 0;

	for (i = 0; i < NR_STATS; i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s %ld",
			      i ? ", " : "", stat_names[i],
			      __atomic_load_n(&ctl->stats[i], __ATOMIC_RELAXED));
	diag("%s", line);
}

/* Print and clear the violations; their number. */
static int report_violations(void)
{
	return violations_report(&ctl->violations, "contract: ", NULL);
}

static pid_t heads[MAX_WORKERS];
static int generation[MAX_WORKERS];

static void reap_children(void)
{
	pid_t pid;
	int w, st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			stat_add(S_KILLED);
		for (w = 0; w < nworkers; w++)
			if (heads[w] == pid)
				heads[w] = 0;
	}
}

static void spawn(int w)
{
	pid_t pid;

	generation[w]++;
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		head_main(w, stream_seed(STREAM_HEAD, w, generation[w]),
			  generation[w]);
	if (pid > 0)
		heads[w] = pid;
}

/*
 * Until every live worker has answered @seq in @seen (ctl->parked,
 * ctl->steady); -1, after saying which did not @what, past @deadline.
 */
static int wait_workers(const int *seen, int seq, long deadline,
			const char *what)
{
	int w;

	for (w = 0; w < nworkers; w++) {
		while (heads[w] &&
		       __atomic_load_n(&seen[w], __ATOMIC_ACQUIRE) != seq) {
			if (now_ms() > deadline) {
				diag("worker %d did not %s within 60 s", w, what);
				return -1;
			}
			reap_children();
			sleep_ms(5);
		}
	}
	return 0;
}

static int wait_parked(int seq, long deadline)
{
	return wait_workers(ctl->parked, seq, deadline, "stop");
}

static int barrier_respawns;	/* park_all()'s in the round */
static void respawn_steady(int w);

/*
 * Stop every worker at the barrier.  If none is alive there (the kill
 * policy took the last of them in the steady quarter, as it may: 7.3
 * arm64 seed 3775510650 round 2), the dead slots are respawned, as in the
 * steady quarter, and their workers stop at once: the barrier checks live
 * workers' usage, and a worker that dies as it starts still leaves none.
 */
static int park_all(void)
{
	long deadline = now_ms() + 60000;
	int seq = __atomic_add_fetch(&ctl->park_seq, 1, __ATOMIC_ACQ_REL);
	int w, n = 0;

	__atomic_store_n(&ctl->phase, PH_PARK, __ATOMIC_RELEASE);
	if (wait_parked(seq, deadline))
		return -1;
	for (w = 0; w < nworkers; w++)
		n += heads[w] != 0;
	if (n)
		return 0;
	for (w = 0; w < nworkers; w++) {
		respawn_steady(w);
		barrier_respawns++;
	}
	return wait_parked(seq, now_ms() + 60000);
}

/*
 * The ceilings of the steady phase: in every cgroup with the controller,
 * the greater of max and usage, read once every worker runs only steady
 * operations (so after the last move, limit write, toggle and
 * registration of the round).  From then on a charge goes through only if
 * it leaves usage within max at every level: usage at the barrier is at
 * most its ceiling.  A charge in flight when usage was read, that will be
 * refused, only raises the reading.
 */
static char steady_cgs[MAX_CGS][CG_LEN];
static long steady_ceil[MAX_CGS][2];
static long steady_peak[MAX_CGS][2];	/* peaks when the ceilings were read */
static int nsteady;
static long steady_t, ceil_t;	/* ms: PH_STEADY set, ceilings last read */
static int stragglers;		/* reap_stragglers()'s in the round */
static int steady_ev;		/* events recorded when PH_STEADY was set */
static int ceil_ev;		/* and when the ceilings were last read */

static void record_ceilings(void);

static bool is_head(pid_t pid)
{
	int w;

	for (w = 0; w < nworkers; w++)
		if (heads[w] == pid)
			return true;
	return false;
}

/*
 * What is left of a slot's earlier generations: its worker once its head
 * was reaped, that worker's children, their exec()s.  They die of
 * PR_SET_PDEATHSIG (an unprivileged child lost it at setresuid(), a pid
 * reuse's child may have set it too late), but SIGKILL waits for the
 * system call in progress, and that may be an operation of the run phase:
 * a move, toggle, limit write or registration.  The conductor stops
 * waiting for a slot when it reaps the head, so such a straggler could
 * move charges after the steady ceilings were read.  The conductor is
 * their subreaper: kill every child of it but the live heads and reap it,
 * its system call finished and its children the conductor's, until none
 * is left.  Returns how many.
 */
static int reap_stragglers(void)
{
	long deadline = now_ms() + 60000;
	int total = 0, found, st;
	struct dirent *de;
	pid_t pid;
	DIR *d;

	do {
		found = 0;
		d = opendir("/proc");
		if (!d)
			return total;
		while ((de = readdir(d))) {
			pid = atoi(de->d_name);
			if (pid <= 0 || pid == conductor || is_head(pid) ||
			    parent_of(pid) != conductor)
				continue;
			kill(pid, SIGKILL);
			if (waitpid(pid, &st, 0) == pid)
				found++;
		}
		closedir(d);
		total += found;
	} while (found && now_ms() < deadline);
	return total;
}

static int start_steady(void)
{
	long deadline = now_ms() + 60000;
	int seq = __atomic_add_fetch(&ctl->park_seq, 1, __ATOMIC_ACQ_REL);

	steady_t = now_ms() - ctl->t0;
	steady_ev = __atomic_load_n(&ctl->nev, __ATOMIC_ACQUIRE);
	__atomic_store_n(&ctl->phase, PH_STEADY, __ATOMIC_RELEASE);
	if (wait_workers(ctl->steady, seq, deadline, "turn steady"))
		return -1;
	stragglers += reap_stragglers();
	record_ceilings();
	__atomic_store_n(&ctl->sealed, ++ctl->seal_no, __ATOMIC_RELEASE);
	return 0;
}

/*
 * A worker respawned in the steady phase: its head moved itself, a
 * charge above max; the ceilings are read again once it has.
 */
static void respawn_steady(int w)
{
	long deadline = now_ms() + 60000;

	spawn(w);
	while (heads[w] && __atomic_load_n(&ctl->placed[w], __ATOMIC_ACQUIRE) !=
	       generation[w]) {
		if (now_ms() > deadline) {
			diag("worker %d's head not placed within 60 s", w);
			break;
		}
		reap_children();
		sleep_ms(1);
	}
	stragglers += reap_stragglers();
	record_ceilings();
}

static void record_ceilings(void)
{
	int i, r;

	ceil_ev = __atomic_load_n(&ctl->nev, __ATOMIC_ACQUIRE);
	refresh_cgs(true);
	ceil_t = now_ms() - ctl->t0;
	nsteady = 0;
	for (i = 0; i < ncgs; i++) {
		long v[2][2], pk[2];

		for (r = 0; r < 2; r++) {
			v[r][0] = cg_read_long(cgs[i], cur_file[r]);
			v[r][1] = cg_read_max(cgs[i], max_file[r]);
			pk[r] = cg_read_long(cgs[i], peak_file[r]);
		}
		if (v[0][0] < 0 || v[0][1] < 0 || v[1][0] < 0 || v[1][1] < 0 ||
		    pk[0] < 0 || pk[1] < 0)
			continue;	/* controller off, or gone */
		memcpy(steady_cgs[nsteady], cgs[i], CG_LEN);
		for (r = 0; r < 2; r++) {
			steady_ceil[nsteady][r] = v[r][0] > v[r][1] ?
						  v[r][0] : v[r][1];
			steady_peak[nsteady][r] = pk[r];
		}
		nsteady++;
	}
}

static void print_event(const char *tag, const struct event *e)
{
	diag("  %s%6ld ms pid %d (parent %d) w %d gen %d depth %d phase %c->%c err %d: %s",
	     tag, e->t, e->pid, e->ppid, e->w, e->gen, e->depth, e->ph0,
	     e->ph1, e->err, e->what);
}

/*
 * The events of the steady phase (none but a respawned head's placement
 * is expected), the last ones before it, and each slot's last.
 */
static void dump_events(void)
{
	int n = __atomic_load_n(&ctl->nev, __ATOMIC_ACQUIRE), i, w;

	diag("  conductor %d; steady phase set at %ld ms, ceilings last read at %ld ms (event %d), barrier at %ld ms; events %d-%d in it:",
	     conductor, steady_t, ceil_t, ceil_ev, now_ms() - ctl->t0,
	     steady_ev, n);
	for (i = steady_ev - 6 > 0 ? steady_ev - 6 : 0; i < n; i++) {
		if (n - i > NEV)
			continue;
		if (i - steady_ev > 60) {
			diag("  ... %d more", n - i);
			break;
		}
		print_event(i < steady_ev ? "before " : "", &ctl->ev[i % NEV]);
	}
	for (w = 0; w < nworkers; w++)
		if (ctl->last[w].t)
			print_event("last of slot: ", &ctl->last[w]);
}

/*
 * The events recorded since the ceilings were last read: none is expected
 * (a respawned head's placement comes before a reading).
 */
static void steady_events(int round)
{
	int n = __atomic_load_n(&ctl->nev, __ATOMIC_ACQUIRE), i, k = 0;

	if (!steady_t)
		return;
	for (i = ceil_ev; i < n; i++) {
		const struct event *e = &ctl->ev[i % NEV];

		if (n - i > NEV)
			continue;
		if (!k++)
			diag("round %d: events after the steady ceilings were read (at %ld ms):",
			     round, ceil_t);
		print_event("", e);
	}
}

/* /proc/@pid/@file's first line with @key (or the first line) into @buf. */
static void proc_line(pid_t pid, const char *file, const char *key,
		      char *buf, size_t size)
{
	char path[64], all[4096], *p;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	buf[0] = '\0';
	if (read_text(path, all, sizeof(all)) <= 0)
		return;
	p = key ? strstr(all, key) : all;
	if (!p)
		return;
	snprintf(buf, size, "%.*s", (int)strcspn(p, "\n"), p);
}

/* Where the usage of @cg is: its cgroups' limits, processes and VmData. */
static void dump_subtree(const char *cg)
{
	size_t len = strlen(cg);
	pid_t pids[16];
	char pol[16], ev[128], sc[64];
	int i, k, n;

	refresh_cgs(true);
	for (i = 0; i < ncgs; i++) {
		if (strncmp(cgs[i], cg, len) ||
		    (cgs[i][len] && cgs[i][len] != '/'))
			continue;
		n = cg_read_pids(cgs[i], pids, 16);
		if (cg_read(cgs[i], "restrack.policy", pol, sizeof(pol)))
			strcpy(pol, "-");
		pol[strcspn(pol, "\n")] = '\0';
		if (cg_read(cgs[i], "restrack.events", ev, sizeof(ev)))
			strcpy(ev, "-");
		for (k = 0; ev[k]; k++)
			if (ev[k] == '\n')
				ev[k] = ev[k + 1] ? ',' : '\0';
		if (cg_read(cgs[i], "cgroup.subtree_control", sc,
			    sizeof(sc)))
			strcpy(sc, "-");
		sc[strcspn(sc, "\n")] = '\0';
		diag("  %s: heap %ld of %ld (peak %ld), files %ld of %ld (peak %ld), policy %s, events %s, subtree_control \"%s\"%s",
		     cgs[i], cg_read_long(cgs[i], cur_file[0]),
		     cg_read_max(cgs[i], max_file[0]),
		     cg_read_long(cgs[i], "restrack.heap.peak"),
		     cg_read_long(cgs[i], cur_file[1]),
		     cg_read_max(cgs[i], max_file[1]),
		     cg_read_long(cgs[i], "restrack.files.peak"),
		     pol, ev, sc,
		     n > 0 ? ", processes:" : "");
		for (k = 0; k < n && k < 16; k++) {
			char comm[64], cgl[CG_LEN], pcg[CG_LEN], state[64];
			pid_t pp = parent_of(pids[k]);

			proc_line(pids[k], "comm", NULL, comm, sizeof(comm));
			proc_line(pids[k], "cgroup", NULL, cgl, sizeof(cgl));
			proc_line(pids[k], "status", "State:", state,
				  sizeof(state));
			proc_line(pp, "cgroup", NULL, pcg, sizeof(pcg));
			diag("    %d %s (%s, %s; parent %d in %s): VmData %ld, %ld fds",
			     pids[k], comm, state, cgl, pp, pcg,
			     vmdata_bytes(pids[k]), fd_count(pids[k]));
		}
	}
}

/*
 * At the barrier: no cgroup's usage above its steady ceiling, now or at
 * any time since the ceilings were read: its peak may have risen only to
 * the ceiling.  A charge that went past max for a moment (and was gone by
 * the barrier: an exec'd child's copy of a table, a settle after
 * mprotect()) shows there.  Returns the number over; *checked the number
 * compared.
 */
static int check_limits(int *checked)
{
	int over = 0, i, r;

	*checked = 0;
	for (i = 0; i < nsteady; i++) {
		long cur[2], pk[2], top[2];
		bool ok = true;

		for (r = 0; r < 2; r++) {
			cur[r] = cg_read_long(steady_cgs[i], cur_file[r]);
			pk[r] = cg_read_long(steady_cgs[i], peak_file[r]);
			top[r] = steady_peak[i][r] > steady_ceil[i][r] ?
				 steady_peak[i][r] : steady_ceil[i][r];
		}
		if (cur[0] < 0 || cur[1] < 0 || pk[0] < 0 || pk[1] < 0)
			continue;	/* gone (a registration reaped) */
		(*checked)++;
		for (r = 0; r < 2; r++)
			ok = ok && cur[r] <= steady_ceil[i][r] && pk[r] <= top[r];
		if (ok)
			continue;
		over++;
		diag("%s: heap.current %ld (peak %ld), files.current %ld (peak %ld): over max and over what they were when the steady phase began (heap %ld, peak %ld; files %ld, peak %ld)",
		     steady_cgs[i], cur[0], pk[0], cur[1], pk[1],
		     steady_ceil[i][0], steady_peak[i][0], steady_ceil[i][1],
		     steady_peak[i][1]);
		dump_subtree(steady_cgs[i]);
	}
	if (over)
		dump_events();
	return over;
}

/* Kill every process of the trees; how many were signalled. */
static int kill_tree(void)
{
	pid_t pids[256];
	int i, k, n, total = 0;

	refresh_cgs(true);
	for (i = 0; i < ncgs; i++) {
		n = cg_read_pids(cgs[i], pids, 256);
		for (k = 0; k < n && k < 256; k++) {
			if (pids[k] == conductor || pids[k] == 1)
				continue;
			kill(pids[k], SIGKILL);
			total++;
		}
	}
	return total;
}

/* @text a diag() line each, after @what: diag() takes 1 KiB at a time */
static void dump_lines(const char *what, const char *text)
{
	size_t len;

	diag("%s:", what);
	for (; *text; text += len + !!text[len]) {
		len = strcspn(text, "\n");
		diag("%.*s", (int)len, text);
	}
}

/* restrack/ has no <pid> child left and no registration is listed. */
static int check_registrations(char *what, size_t size)
{
	long deadline = now_ms() + SETTLE_MS;
	static char st[65536];
	int lines;
	char *p;

	for (;;) {
		bool last = now_ms() > deadline;

		ncgs = 0;
		if (!access(REG_ROOT, F_OK))
			scan_cgs(REG_ROOT, 0);
		lines = 0;
		if (read_text("/proc/tracker_status", st, sizeof(st)) < 0) {
			snprintf(what, size, "cannot read /proc/tracker_status");
			return -1;
		}
		for (p = st; (p = strchr(p, '\n')) && p[1]; p++)
			lines++;
		if (ncgs <= 1 && !lines)
			return 0;
		if (last) {
			snprintf(what, size, "%d cgroup(s) left in %s (first %s), %d registration(s) listed",
				 ncgs ? ncgs - 1 : 0, REG_ROOT,
				 ncgs > 1 ? cgs[1] : "-", lines);
			if (lines)
				dump_lines("/proc/tracker_status", st);
			return -1;
		}
		sleep_ms(100);
	}
}

/* rmdir the fuzzed tree, leaves first; 0 if it is all gone. */
static int remove_tree(void)
{
	int i;

	refresh_cgs(true);
	for (i = ncgs - 1; i >= 0; i--)
		if (!strncmp(cgs[i], FUZZ_ROOT, strlen(FUZZ_ROOT)) &&
		    rmdir(cgs[i]) && errno != ENOENT)
			diag("rmdir %s: %s", cgs[i], strerror(errno));
	return access(FUZZ_ROOT, F_OK) ? 0 : -1;
}

/*
 * The kill policy, for certain once a run: the fuzzing's own kills depend
 * on a worker charging over a tiny max under "kill" before something else
 * ends it, and on the 6.12 x86_64 debug kernel a 60 s run had none (seed
 * 390465837: 13 SIGKILLs, all of them of other sources, and "kill 0").
 * Before the workers start, a child of the conductor is moved into
 * restrack-fuzz/trap, whose max of @res is set at its usage there and
 * whose policy is kill; it then maps a page (heap) or opens /dev/null
 * (files).  It must die of SIGKILL, and trap's restrack.events.local must
 * count one hit of that max and one kill.  Nothing else runs, nothing
 * else can kill it.  0, or -1 with @what said.
 */
static int kill_trap(int res, char *what, size_t size)
{
	static const char *const name[2] = { "heap", "files" };
	const char *cg = FUZZ_ROOT "/trap";
	char buf[256], num[32], c;
	long cur, again, ev[3] = { -1, -1, -1 };
	int go[2], st = 0, i, fd;
	pid_t pid;
	void *p;

	if (mkdir(cg, 0755) && errno != EEXIST) {
		snprintf(what, size, "%s: mkdir %s: %s", name[res], cg,
			 strerror(errno));
		return -1;
	}
	if (pipe(go)) {
		snprintf(what, size, "%s: pipe: %s", name[res], strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(what, size, "%s: fork: %s", name[res], strerror(errno));
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if (pid == 0) {
		/* no charge changes until it reads: no close, no malloc */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(go[0], &c, 1) != 1)
			_exit(10);
		if (res == 0) {
			p = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			_exit(p != MAP_FAILED ? 0 : errno == ENOMEM ? 1 : 2);
		}
		fd = open("/dev/null", O_RDONLY);
		_exit(fd >= 0 ? 0 : errno == EMFILE ? 1 : 2);
	}
	close(go[0]);
	what[0] = '\0';
	i = move_pid(cg, pid);
	cur = cg_read_long(cg, cur_file[res]);
	snprintf(num, sizeof(num), "%ld", cur);
	if (i)
		snprintf(what, size, "%s: moving the child: %s", name[res],
			 strerror(i));
	else if (cur <= 0)
		snprintf(what, size, "%s: the child moved, %s %ld", name[res],
			 cur_file[res], cur);
	else if ((i = file_write_str(cg, max_file[res], num)) ||
		 (i = file_write_str(cg, "restrack.policy", "kill")))
		snprintf(what, size, "%s: setting the trap: %s", name[res],
			 strerror(i));
	else if ((again = cg_read_long(cg, cur_file[res])) != cur)
		snprintf(what, size, "%s: usage moved from %ld to %ld before the trap sprang",
			 name[res], cur, again);
	if (what[0]) {
		kill(pid, SIGKILL);
	} else if (write(go[1], "g", 1) != 1) {
		snprintf(what, size, "%s: waking the child: %s", name[res],
			 strerror(errno));
		kill(pid, SIGKILL);
	}
	close(go[1]);
	waitpid(pid, &st, 0);
	if (!what[0] && !cg_read(cg, "restrack.events.local", buf,
				 sizeof(buf)))
		sscanf(buf, "heap.max %ld\nfiles.max %ld\nkill %ld", &ev[0],
		       &ev[1], &ev[2]);
	if (what[0])
		;
	else if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		snprintf(what, size, "%s: at max %ld, the child %s: %s %d",
			 name[res], cur,
			 res ? "opened /dev/null" : "mapped a page",
			 WIFSIGNALED(st) ? "killed by signal" : "exit",
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	else if (ev[res] != 1 || ev[1 - res] != 0 || ev[2] != 1)
		snprintf(what, size, "%s: the child was killed, but trap's restrack.events.local counts heap.max %ld, files.max %ld, kill %ld",
			 name[res], ev[0], ev[1], ev[2]);
	else
		stat_add(S_KILLED);
	/* empty now; its events stay counted in restrack-fuzz's */
	for (i = 0; rmdir(cg) && errno == EBUSY && i < SETTLE_MS / 10; i++)
		sleep_ms(10);
	return what[0] ? -1 : 0;
}

static int run(void)
{
	long round_ms = duration_s * 1000L / nrounds, t0 = now_ms(), end;
	int round, w, bad, checked, v, n, over, lchecked, busy;
	long ops0, granted0, wops0[MAX_WORKERS], ops, granted, ev[3];
	bool steady;
	char what[512], line[256];

	printf("1..%d\n", 2 * nrounds + 6);
	diag("seed %lu, %d s, %d workers, %d rounds (rerun: restrack_fuzz -s %lu -d %d -w %d -r %d)",
	     seed, duration_s, nworkers, nrounds, seed, duration_s, nworkers,
	     nrounds);
	fflush(stdout);

	what[0] = '\0';
	v = kill_trap(0, what, sizeof(what));
	if (!v) {
		n = strlen(what);
		v = kill_trap(1, what + n, sizeof(what) - n);
	}
	tap(!v, "the kill policy kills: a process mapping a page at heap.max and one opening a file at files.max die of SIGKILL, counted%s%s",
	    v ? ": " : "", what);

	for (round = 1; round <= nrounds; round++) {
		/* limits are written again from here on */
		__atomic_store_n(&ctl->sealed, 0, __ATOMIC_RELEASE);
		end = now_ms() + round_ms;
		rng = stream_seed(STREAM_ROUND, -1, round);
		ops0 = stat_get(S_OPS);
		granted0 = stat_get(S_GRANTED);
		for (w = 0; w < nworkers; w++)
			wops0[w] = __atomic_load_n(&ctl->wops[w], __ATOMIC_RELAXED);
		/*
		 * Half the cgroups lose their limits and the kill policy: a
		 * cgroup left with policy kill and a tiny max kills every
		 * worker that enters it, and the fuzzing stalls.
		 */
		refresh_cgs(true);
		for (w = 0; w < ncgs; w++) {
			if (!chance(50))
				continue;
			file_write_str(cgs[w], "restrack.policy", "deny");
			file_write_str(cgs[w], "restrack.heap.max", "max");
			file_write_str(cgs[w], "restrack.files.max", "max");
		}
		/* the controller back at the top, if the last round took it */
		file_write_str(FUZZ_ROOT, "cgroup.subtree_control", "+restrack");
		if (!access(REG_ROOT, F_OK))
			file_write_str(REG_ROOT, "cgroup.subtree_control",
				       "+restrack");
		__atomic_store_n(&ctl->phase, PH_RUN, __ATOMIC_RELEASE);
		steady = false;
		nsteady = 0;
		steady_t = 0;
		stragglers = 0;
		barrier_respawns = 0;
		while (now_ms() < end) {
			reap_children();
			/* the last quarter: steady */
			if (!steady && now_ms() >= end - round_ms / 4) {
				steady = true;
				if (start_steady()) {
					tap(false, "round %d: every worker turns steady",
					    round);
					break;
				}
			}
			for (w = 0; w < nworkers; w++)
				if (!heads[w] && steady)
					respawn_steady(w);
				else if (!heads[w])
					spawn(w);
			sleep_ms(20);
		}
		if (park_all()) {
			tap(false, "round %d: every worker stops", round);
			continue;
		}
		/*
		 * What the round did: workers parked at the barrier (alive, so
		 * not starved by a trap), operations and charges granted.  A
		 * fuzzer whose workers all die as they start, or a kernel that
		 * refuses every charge, passes the other checks vacuously.
		 */
		n = busy = 0;
		line[0] = '\0';
		for (w = 0; w < nworkers; w++) {
			long d = __atomic_load_n(&ctl->wops[w], __ATOMIC_RELAXED) -
				 wops0[w];

			n += heads[w] && __atomic_load_n(&ctl->parked[w],
					__ATOMIC_ACQUIRE) == ctl->park_seq;
			busy += d >= MIN_WORKER_OPS;
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
				 "%s%ld", w ? " " : "", d);
		}
		ops = stat_get(S_OPS) - ops0;
		granted = stat_get(S_GRANTED) - granted0;
		diag("round %d: %d of %d workers at the barrier (%d respawned there), ops by worker %s, %d cgroups steady, %d stragglers killed",
		     round, n, nworkers, barrier_respawns, line, nsteady,
		     stragglers);
		steady_events(round);
		bad = check_usage(false, &checked);
		over = check_limits(&lchecked);
		v = report_violations();
		dump_stats();
		tap(!bad && !v && checked && !over && lchecked,
		    "round %d: usage equals VmData and /proc/PID/fd in %d cgroups (%d bad), within max or what it was when the steady phase began in %d (%d over), %d contract violations",
		    round, checked, bad, lchecked, over, v);
		tap(n >= 1 && busy >= (nworkers + 1) / 2 && ops > 0 &&
		    granted > 0,
		    "round %d: %d of %d workers at the barrier, %d of them did %d operations or more, %ld operations, %ld charges granted",
		    round, n, nworkers, busy, MIN_WORKER_OPS, ops, granted);
	}

	__atomic_store_n(&ctl->sealed, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&ctl->phase, PH_EXIT, __ATOMIC_RELEASE);
	end = now_ms() + 10000;
	for (;;) {
		reap_children();
		for (w = 0; w < nworkers && !heads[w]; w++)
			;
		if (w == nworkers || now_ms() > end)
			break;
		sleep_ms(20);
	}
	/* what is left (sleepers of killed workers, ...) goes, reaped here */
	end = now_ms() + SETTLE_MS;
	while ((n = kill_tree()) && now_ms() < end) {
		reap_children();
		sleep_ms(50);
	}
	reap_children();
	if (n)
		diag("%d processes still in the tree after %d ms", n, SETTLE_MS);
	bad = check_usage(true, &checked);
	tap(!bad && checked,
	    "all processes gone: every cgroup back to 0 (%d cgroups, %d not)",
	    checked, bad);
	what[0] = '\0';
	v = check_registrations(what, sizeof(what));
	tap(!v, "no registration and no restrack/<pid> cgroup left%s%s",
	    v ? ": " : "", what);
	/*
	 * Over the run, kills and refusals: the kill policy and the limits
	 * were reached, seen by the workers and counted by the kernel.
	 */
	tree_events(ev);
	tap(stat_get(S_KILLED) > 0 && stat_get(S_ENOMEM) + stat_get(S_EMFILE) > 0 &&
	    ev[0] + ev[1] > 0 && ev[2] > 0,
	    "the run reached the limits: %ld SIGKILLs, %ld ENOMEM, %ld EMFILE; the tree's restrack.events: heap.max %ld, files.max %ld, kill %ld",
	    stat_get(S_KILLED), stat_get(S_ENOMEM), stat_get(S_EMFILE),
	    ev[0], ev[1], ev[2]);
	tap(stat_get(S_FULL_EXEC) > 0 && stat_get(S_FLIP_RACE) > 0,
	    "the aimed races ran: %ld execs of a shared table at files.max (%ld refused as the policy says), %ld mprotect races at heap.max (%ld grabbed)",
	    stat_get(S_FULL_EXEC), stat_get(S_FULL_EXEC_OK),
	    stat_get(S_FLIP_RACE), stat_get(S_FLIP_GRAB));
	v = report_violations();
	tap(!remove_tree() && !tight_remove() && !rmdir(TIGHT_ROOT) && !v &&
	    __atomic_load_n(&ctl->stats[S_OPS], __ATOMIC_RELAXED) > 100,
	    "the tree is removed, %ld ops done, %d late contract violations",
	    __atomic_load_n(&ctl->stats[S_OPS], __ATOMIC_RELAXED), v);
	dump_stats();
	/* the same in every run of the seed, but where a phase began early */
	for (w = 0; w < nworkers; w++)
		diag("worker %d: %d generations; the first began with %s", w,
		     generation[w], ctl->first_ops[w]);
	diag("fuzz: %d passed, %d failed, %ld s; seed %lu", tap_n - tap_failed,
	     tap_failed, (now_ms() - t0) / 1000, seed);
	return tap_failed ? 1 : 0;
}

static int setup(void)
{
	struct rlimit rl = { NOFILE, NOFILE };
	FILE *f;

	if (file_write_str(CGROOT, "cgroup.subtree_control", "+restrack")) {
		printf("1..0 # SKIP no restrack controller\n");
		return 4;
	}
	/* a tree left by an earlier run */
	if (!access(FUZZ_ROOT, F_OK)) {
		kill_tree();
		sleep_ms(200);
		remove_tree();
	}
	if (mkdir(FUZZ_ROOT, 0755) && errno != EEXIST) {
		perror(FUZZ_ROOT);
		return 1;
	}
	file_write_str(FUZZ_ROOT, "cgroup.subtree_control", "+restrack");
	mkdir(FUZZ_ROOT "/g0", 0755);
	mkdir(FUZZ_ROOT "/g1", 0755);
	file_write_str(FUZZ_ROOT "/g1", "cgroup.subtree_control", "+restrack");
	mkdir(FUZZ_ROOT "/g1/g0", 0755);
	mkdir(FUZZ_ROOT "/g1/g1", 0755);
	tight_remove();
	if (mkdir(TIGHT_ROOT, 0755) && errno != EEXIST) {
		perror(TIGHT_ROOT);
		return 1;
	}
	file_write_str(TIGHT_ROOT, "cgroup.subtree_control", "+restrack");
	setrlimit(RLIMIT_NOFILE, &rl);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	f = fopen("/proc/sys/kernel/pid_max", "r");
	if (f) {
		if (fscanf(f, "%d", &pid_max) != 1)
			pid_max = 32768;
		fclose(f);
	}
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-s SEED] [-d SECONDS] [-w WORKERS] [-r ROUNDS]\n",
		prog);
}

int main(int argc, char **argv)
{
	int ret;

	if (argc == 5 && !strcmp(argv[1], "--exec-child"))
		return exec_child(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "--exec-sleeper"))
		return exec_sleeper(argv[2], argv[3]);
	ret = seeded_getopt(argc, argv, &seed, &duration_s, &nrounds, &nworkers);
	if (!ret && !nrounds)
		nrounds = duration_s / 20 > 1 ? duration_s / 20 : 1;
	if (!ret && (duration_s < 1 || duration_s > 86400 || nworkers < 1 ||
		     nworkers > MAX_WORKERS || nrounds < 1 || nrounds > 1000))
		ret = 2;
	if (ret) {
		usage(argv[0]);
		return ret == 1 ? 0 : 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	conductor = getpid();
	ctl = mmap(NULL, sizeof(*ctl), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctl == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(ctl, 0, sizeof(*ctl));
	ctl->t0 = now_ms();
	rng = seed | 1;
	ret = setup();
	if (ret)
		return ret;
	return run();
}
