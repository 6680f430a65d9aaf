// SPDX-License-Identifier: GPL-2.0
/*
 * restrack hot-path cost, measured in the guest: one loop per hook, timed
 * with CLOCK_MONOTONIC (under QEMU -icount shift=0 a guest nanosecond is
 * one executed instruction), in up to three configurations of one boot:
 *
 *   off  the root cgroup, no cgroup has the controller (static branch off)
 *   on1  a cgroup one level down with the controller, no limits
 *   on3  three levels down, the controller and limits at every level
 *
 * and, for what a user would use instead, in the same boot (the loops'
 * rounds only, not in the profile or the -smp 4 figures):
 *
 *   memcg3  three levels down with the memory and pids controllers and
 *           memory.max and pids.max at every level, without restrack
 *   both3   the same with restrack's limits too (on3 + memcg3)
 *   rlimit  the root cgroup, RLIMIT_DATA and RLIMIT_NOFILE set
 *
 * Each round of each loop runs in a process forked for it, and a figure is
 * the lowest of the rounds (see best()).  On a kernel without restrack (the
 * unpatched baseline) the same cgroups are made and entered without the
 * controller and only off, memcg3 and rlimit are reported, the others as
 * n/a; so are the
 * system call figures when the calls are absent (ENOSYS).  Then, with the
 * system calls: register + deregister round trips per second, and what
 * they are made of (a cgroup made and removed, with and without the
 * controller; a process moved in and out), and the read time of
 * /proc/tracker_status with 1,000 and 10,000 registrations.
 *
 * "bench smp" instead runs NR_WORKERS processes charging the same cgroup at
 * once, off and on3 (for the -smp 4 boot); "bench macro" Debian's stress-ng
 * stressors, off and on3 (see bench_macro()).
 *
 * Output, one figure a line, for scripts/bench.sh:
 *   bench: result CONFIG LOOP VALUE UNIT
 *   bench: n/a CONFIG LOOP REASON
 * A loop that cannot do what it measures (a failed system call) exits
 * non-zero: that is a failure, not n/a.
 * The kernel command line may scale the work: restrack.bench_scale=PERCENT,
 * restrack.bench_rounds=N; restrack.bench_loops_only leaves out the system
 * call figures (the wall-clock boots); restrack.bench_verbose prints every
 * round's figure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_util.h"	/* tests/selftests: the cgroup file helpers */
#include "restrack_sys.h"	/* tools/restrack: the system call numbers */

#define CG		"/sys/fs/cgroup"
#define TMPFILE		"/tmp/bench-file"
#define FORK_FDS	100
#define FORK_HEAP	(64UL << 20)
#define NR_WORKERS	4

#define MAX_ROUNDS	64
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int rounds = 11;
static bool verbose;		/* every round's figure, restrack.bench_verbose */
static bool loops_only;		/* no system call figures, restrack.bench_loops_only */
static int scale = 100;		/* percent of the default iterations */
static const char *self = "/tests/bench";
static bool profile;		/* restrack.bench_profile, see bench_profile() */

static void die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	fprintf(stdout, "bench: FAIL ");
	vfprintf(stdout, fmt, ap);
	fprintf(stdout, ": %s\n", strerror(err));
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * The lowest of @n figures.  Under -icount a loop's rounds fall into a few
 * modes a few percent apart (where the kernel's allocators stand when the
 * round starts), mostly the same modes on both kernels, in proportions
 * that vary from boot to boot: a median jumps between modes.  The lowest
 * is wrong too when one kernel hits a rare mode the other never does;
 * bench.sh's round spread shows where that can be.
 */
static double best(const double *v, int n)
{
	double b = v[0];

	for (int i = 1; i < n; i++)
		if (v[i] < b)
			b = v[i];
	return b;
}

/* The loops: each does @n iterations and dies if a call fails. */

static int spare_fd;

static void loop_dup_close(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = dup(spare_fd);

		if (fd < 0)
			die("dup");
		close(fd);
	}
}

static void loop_pipe_close(long n)
{
	int p[2];

	for (long i = 0; i < n; i++) {
		if (pipe(p))
			die("pipe");
		close(p[0]);
		close(p[1]);
	}
}

static void loop_socketpair(long n)
{
	int p[2];

	for (long i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, p))
			die("socketpair");
		close(p[0]);
		close(p[1]);
	}
}

static void loop_open_close(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(TMPFILE, O_RDWR);

		if (fd < 0)
			die("open %s", TMPFILE);
		close(fd);
	}
}

static void mmap_munmap(long n, size_t len)
{
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap %zu", len);
		munmap(p, len);
	}
}

static void loop_mmap_4k(long n)
{
	mmap_munmap(n, 4096);
}

static void loop_mmap_1m(long n)
{
	mmap_munmap(n, 1 << 20);
}

static void loop_brk(long n)
{
	for (long i = 0; i < n; i++) {
		if (sbrk(65536) == (void *)-1)
			die("brk up");
		if (sbrk(-65536) == (void *)-1)
			die("brk down");
	}
}

/* Read-only and back: data_vm goes down 16 pages and up again. */
static void loop_mprotect(long n)
{
	void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	for (long i = 0; i < n; i++) {
		if (mprotect(p, 65536, PROT_READ) ||
		    mprotect(p, 65536, PROT_READ | PROT_WRITE))
			die("mprotect");
	}
	munmap(p, 65536);
}

/* Grow 64 KiB to 128 KiB (in place or moved), and shrink it back. */
static void loop_mremap(long n)
{
	void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	for (long i = 0; i < n; i++) {
		p = mremap(p, 65536, 131072, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			die("mremap grow");
		if (mremap(p, 131072, 65536, 0) == MAP_FAILED)
			die("mremap shrink");
	}
	munmap(p, 65536);
}

static void loop_fork(long n)
{
	for (long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid || status != 0)
			die("wait");
	}
}

static int thread_token;

static void *thread_fn(void *arg)
{
	return arg;
}

static void loop_thread(long n)
{
	for (long i = 0; i < n; i++) {
		pthread_t t;
		void *ret;

		errno = pthread_create(&t, NULL, thread_fn, &thread_token);
		if (errno)
			die("pthread_create");
		if (pthread_join(t, &ret) || ret != &thread_token)
			die("pthread_join");
	}
}

/* A loop that timed itself leaves its ns here, for run_loop(). */
static uint64_t self_timed;

/*
 * Exec this program @n times in a chain, timed from just before the first
 * execve() to the start of the last program, which writes its clock back.
 */
static void loop_execve(long n)
{
	char count[32], start[32], fd[16];
	int p[2], status;
	uint64_t end;
	pid_t pid;

	if (pipe(p))
		die("pipe");
	snprintf(count, sizeof(count), "%ld", n);
	snprintf(fd, sizeof(fd), "%d", p[1]);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		snprintf(start, sizeof(start), "%llu",
			 (unsigned long long)now_ns());
		execl(self, self, "exec-chain", count, start, fd, NULL);
		die("execl %s", self);
	}
	close(p[1]);
	if (read(p[0], &end, sizeof(end)) != sizeof(end))
		die("exec chain broke");
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || status != 0)
		die("exec chain exit");
	self_timed = end;
}

static int exec_chain(char **argv)
{
	long n = atol(argv[2]);
	char count[32];

	if (n > 1) {
		snprintf(count, sizeof(count), "%ld", n - 1);
		execl(self, self, "exec-chain", count, argv[3], argv[4], NULL);
		die("execl %s", self);
	}
	/* The end of the chain: its length in ns, to the parent. */
	uint64_t t = now_ns() - strtoull(argv[3], NULL, 10);

	if (write(atoi(argv[4]), &t, sizeof(t)) != sizeof(t))
		die("write");
	return 0;
}

static const struct loop {
	const char *name;
	void (*fn)(long n);
	long iters;
	bool fork_setup;	/* in a child with 100 fds and 64 MiB of heap */
} loops[] = {
	{ "dup+close",		loop_dup_close,	20000 },
	{ "pipe+close",		loop_pipe_close, 5000 },
	{ "socketpair+close",	loop_socketpair, 3000 },
	{ "open+close_tmpfs",	loop_open_close, 5000 },
	{ "mmap+munmap_4K",	loop_mmap_4k,	4000 },
	{ "mmap+munmap_1M",	loop_mmap_1m,	4000 },
	{ "brk_up+down_64K",	loop_brk,	3000 },
	{ "mprotect_data_vm",	loop_mprotect,	3000 },
	{ "mremap_grow",	loop_mremap,	3000 },
	{ "fork+exit+wait",	loop_fork,	150, true },
	{ "thread_create+join",	loop_thread,	1000 },
	{ "execve",		loop_execve,	60 },
};
#define NR_LOOPS ARRAY_SIZE(loops)

static long iters(const struct loop *l)
{
	long n = l->iters * scale / 100;

	return n > 0 ? n : 1;
}

/*
 * In the child that runs @l: the process @l wants, and one untimed run of
 * the loop.
 */
static void prepare(const struct loop *l)
{
	/* A process with 100 more descriptors and 64 MiB more heap. */
	if (l->fork_setup) {
		for (int i = 0; i < FORK_FDS; i++)
			if (dup(spare_fd) < 0)
				die("dup");
		if (sbrk(FORK_HEAP) == (void *)-1)
			die("sbrk");
	}
	l->fn(1);
}

/*
 * ns per iteration of one run of @l, in a child forked for it: every run
 * starts from the same process, whatever the runs before it left behind
 * (mappings, glibc's caches, a grown heap).  The child runs the loop once
 * untimed first, so that the copy-on-write faults of its stack and data
 * and the first touches of its caches are not counted.
 */
static double run_loop(const struct loop *l)
{
	double ns;
	int p[2], status;
	pid_t pid;

	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		uint64_t t;

		close(p[0]);
		prepare(l);
		self_timed = 0;
		t = now_ns();
		l->fn(iters(l));
		t = now_ns() - t;
		ns = (double)(self_timed ? self_timed : t) / iters(l);
		if (write(p[1], &ns, sizeof(ns)) != sizeof(ns))
			die("write");
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &ns, sizeof(ns)) != sizeof(ns))
		die("%s: no result", l->name);
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || status != 0)
		die("%s: helper failed", l->name);
	return ns;
}

/* @dir/@file = @val, or the run fails */
static void write_in(const char *dir, const char *file, const char *val)
{
	if (cg_write(dir, file, val))
		die("write %s to %s/%s", val, dir, file);
}

static void enter(const char *cg)
{
	if (cg_enter(cg, getpid()))
		die("enter %s", cg);
}

/* Configurations: restrack's (NR_RT_CONFIGS), then its peers'. */
enum { OFF, ON1, ON3, NR_RT_CONFIGS, MEMCG3 = NR_RT_CONFIGS, BOTH3, RLIMIT,
	NR_CONFIGS };
static const char *const config_name[] = {
	"off", "on1", "on3", "memcg3", "both3", "rlimit",
};
static const char *const config_cg[] = {
	CG, CG "/b1", CG "/b1/b2/b3", CG "/b1/b2/b3", CG "/b1/b2/b3", CG,
};

/* the configuration measures restrack: n/a on a kernel without it */
static bool needs_restrack(int config)
{
	return config == ON1 || config == ON3 || config == BOTH3;
}

static bool controller;		/* the kernel has restrack */
static struct rlimit saved_data, saved_nofile;	/* RLIMIT's, see setup() */

/*
 * Enter the cgroup of @config.  On a kernel without restrack the same
 * cgroups are made and entered, without the controller, and the figures
 * are dropped: the unpatched kernel goes through the same work between
 * its rounds as the patched one.
 */
static void setup(int config)
{
	static const char *const heap[] = { "8G", "4G", "2G" };
	static const char *const files[] = { "1000000", "100000", "10000" };
	static const char *const pids[] = { "100000", "10000", "1000" };
	bool rt = controller && needs_restrack(config);
	bool memcg = config == MEMCG3 || config == BOTH3;
	const char *ctl = rt && memcg ? "+restrack +memory +pids" :
			  memcg ? "+memory +pids" : "+restrack";
	char dir[128] = CG;

	if (config == OFF)
		return;
	if (config == RLIMIT) {
		struct rlimit data = { 8UL << 30, 8UL << 30 };
		struct rlimit nofile = { 65536, 65536 };

		if (getrlimit(RLIMIT_DATA, &saved_data) ||
		    getrlimit(RLIMIT_NOFILE, &saved_nofile) ||
		    setrlimit(RLIMIT_DATA, &data) ||
		    setrlimit(RLIMIT_NOFILE, &nofile))
			die("setrlimit");
		return;
	}
	if (rt || memcg)
		write_in(CG, "cgroup.subtree_control", ctl);
	for (int level = 0; level < (config == ON1 ? 1 : 3); level++) {
		strcat(dir, level == 0 ? "/b1" : level == 1 ? "/b2" : "/b3");
		if (mkdir(dir, 0755))
			die("mkdir %s", dir);
		if (config == ON1)
			break;
		if (rt) {
			write_in(dir, "restrack.heap.max", heap[level]);
			write_in(dir, "restrack.files.max", files[level]);
		}
		if (memcg) {
			write_in(dir, "memory.max", heap[level]);
			write_in(dir, "pids.max", pids[level]);
		}
		if (level < 2 && (rt || memcg))
			write_in(dir, "cgroup.subtree_control", ctl);
	}
	enter(config_cg[config]);
}

/* Back to no cgroup with the controller: the static branch off. */
static void teardown(int config)
{
	if (config == OFF)
		return;
	if (config == RLIMIT) {
		if (setrlimit(RLIMIT_DATA, &saved_data) ||
		    setrlimit(RLIMIT_NOFILE, &saved_nofile))
			die("setrlimit");
		return;
	}
	enter(CG);
	if (config != ON1) {
		rmdir(CG "/b1/b2/b3");
		rmdir(CG "/b1/b2");
	}
	/* an exiting thread may still be leaving its cgroup */
	for (int i = 0; rmdir(CG "/b1"); i++) {
		if (errno != EBUSY || i == 100)
			die("rmdir b1");
		usleep(10000);
	}
	if (config == MEMCG3 || config == BOTH3)
		write_in(CG, "cgroup.subtree_control", "-memory -pids");
	if (controller && needs_restrack(config))
		write_in(CG, "cgroup.subtree_control", "-restrack");
	usleep(200000);		/* css_free, and the static key, follow RCU */
}

static bool have_controller(void)
{
	char buf[256];

	if (cg_read(CG, "cgroup.controllers", buf, sizeof(buf)))
		die("read cgroup.controllers");
	return strstr(buf, "restrack") != NULL;
}

static bool have_syscalls(void)
{
	errno = 0;
	/* register(0) is -EINVAL where the call exists */
	return rt_register(0) < 0 && errno == EINVAL;
}

static void result(const char *config, const char *loop, double v,
		   const char *unit)
{
	printf("bench: result %s %s %.1f %s\n", config, loop, v, unit);
	fflush(stdout);
}

static void na(const char *config, const char *loop, const char *why)
{
	printf("bench: n/a %s %s %s\n", config, loop, why);
	fflush(stdout);
}

/* Children to register: each waits for the end of @pipe_rd's writer. */
static pid_t spawn_waiter(int pipe_rd, int pipe_wr)
{
	pid_t pid = fork();
	char c;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(pipe_wr);
		if (read(pipe_rd, &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	return pid;
}

/* Best of 3 reads of /proc/tracker_status: ns, and its lines in @lines. */
static double read_tracker_status(long *lines)
{
	static char buf[1 << 16];
	double fastest = 1e30;

	for (int r = 0; r < 3; r++) {
		uint64_t t = now_ns();
		double ns;
		int fd = open("/proc/tracker_status", O_RDONLY);
		ssize_t n;

		if (fd < 0)
			die("open /proc/tracker_status");
		*lines = 0;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			for (ssize_t i = 0; i < n; i++)
				*lines += buf[i] == '\n';
		if (n < 0)
			die("read /proc/tracker_status");
		close(fd);
		ns = now_ns() - t;
		if (ns < fastest)
			fastest = ns;
	}
	return fastest;
}

static void register_round_trip(pid_t pid)
{
	if (rt_register(pid) || rt_deregister(pid))
		die("register/deregister %d", pid);
}

/* How many register + deregister round trips a figure times. */
static long register_iters(void)
{
	return 200 * scale / 100 + 1;
}

/* Round trips of register + deregister of @pid, per second of guest time. */
static double register_rate(pid_t pid, long n)
{
	uint64_t t = now_ns();

	for (long i = 0; i < n; i++)
		register_round_trip(pid);
	return n * 1e9 / (now_ns() - t);
}

/*
 * One round trip after a second without migrations, in guest ns: the
 * cgroup core's cgroup_threadgroup_rwsem, which every migration takes for
 * writing, then waits for an RCU grace period first (its rcu_sync went
 * idle), unless the hierarchy is mounted with favordynmods.
 */
static double register_first_ns(pid_t pid)
{
	uint64_t t;

	sleep(1);
	t = now_ns();
	register_round_trip(pid);
	return now_ns() - t;
}

/* Is the cgroup2 hierarchy at CG mounted with the option @opt? */
static bool cgroup_mounted_with(const char *opt)
{
	char buf[8192], *l;

	if (read_text("/proc/mounts", buf, sizeof(buf)) < 0)
		die("read /proc/mounts");
	for (l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		char dir[256], type[32], opts[512];

		if (sscanf(l, "%*s %255s %31s %511s", dir, type, opts) == 3 &&
		    !strcmp(dir, CG) && !strcmp(type, "cgroup2"))
			return strstr(opts, opt) != NULL;
	}
	die("no cgroup2 at %s", CG);
	return false;
}

static void bench_syscalls(void)
{
	static const long at[] = { 1000, 10000 };
	long n = register_iters(), lines, done = 0;
	char procs[32];
	int p[2], status;
	pid_t pid, *kids;
	uint64_t t;

	/* 10,000 processes: more than a tinyconfig kernel's default */
	write_in("/proc/sys/kernel", "pid_max", "32768");
	if (pipe(p))
		die("pipe");
	/*
	 * register + deregister of one process: one round trip after a
	 * pause, then round trips per second; the first with favordynmods
	 * too.  An untimed one before makes restrack/ and enables the
	 * controller.
	 */
	pid = spawn_waiter(p[0], p[1]);
	register_round_trip(pid);
	result("root", "register+deregister_first", register_first_ns(pid),
	       "ns");
	result("root", "register+deregister", register_rate(pid, n), "/s");
	/* The guest's init mounts the hierarchy with nsdelegate alone. */
	if (cgroup_mounted_with("favordynmods")) {
		na("root", "register+deregister_first_favordynmods", "already");
	} else if (mount("cgroup2", CG, "cgroup2", MS_REMOUNT,
			 "nsdelegate,favordynmods")) {
		na("root", "register+deregister_first_favordynmods", "no-option");
	} else {
		result("root", "register+deregister_first_favordynmods",
		       register_first_ns(pid), "ns");
		if (mount("cgroup2", CG, "cgroup2", MS_REMOUNT, "nsdelegate"))
			die("remount %s", CG);
	}

	/*
	 * What a round trip is made of, done from user space: a cgroup made
	 * and removed where registrations live, and a process moved into an
	 * empty cgroup and back.
	 */
	t = now_ns();
	for (long i = 0; i < n; i++)
		if (mkdir(CG "/restrack/bench", 0755) ||
		    rmdir(CG "/restrack/bench"))
			die("mkdir/rmdir %s", CG "/restrack/bench");
	result("root", "cgroup_mkdir+rmdir", n * 1e9 / (now_ns() - t), "/s");
	/* the same where no controller is enabled: the core's share */
	if (mkdir(CG "/bench", 0755))
		die("mkdir %s", CG "/bench");
	t = now_ns();
	for (long i = 0; i < n; i++)
		if (mkdir(CG "/bench/c", 0755) || rmdir(CG "/bench/c"))
			die("mkdir/rmdir %s", CG "/bench/c");
	result("root", "cgroup_mkdir+rmdir_plain", n * 1e9 / (now_ns() - t),
	       "/s");
	if (rmdir(CG "/bench"))
		die("rmdir %s", CG "/bench");
	if (mkdir(CG "/restrack/bench", 0755))
		die("mkdir %s", CG "/restrack/bench");
	snprintf(procs, sizeof(procs), "%d", pid);
	t = now_ns();
	for (long i = 0; i < n; i++) {
		write_in(CG "/restrack/bench", "cgroup.procs", procs);
		write_in(CG, "cgroup.procs", procs);
	}
	result("root", "migrate_in+out", n * 1e9 / (now_ns() - t), "/s");
	if (rmdir(CG "/restrack/bench"))
		die("rmdir %s", CG "/restrack/bench");

	/* tracker_status with 1,000 then 10,000 registrations */
	kids = calloc(at[1], sizeof(*kids));
	if (!kids)
		die("calloc");
	for (unsigned int k = 0; k < 2; k++) {
		char name[48];

		for (; done < at[k]; done++) {
			kids[done] = spawn_waiter(p[0], p[1]);
			if (rt_register(kids[done]))
				die("register %ld", done);
		}
		t = (uint64_t)read_tracker_status(&lines);
		if (lines < at[k])
			die("tracker_status: %ld lines for %ld registrations",
			    lines, at[k]);
		snprintf(name, sizeof(name), "tracker_status_%ldk", at[k] / 1000);
		result("root", name, t, "ns");
	}
	close(p[0]);
	close(p[1]);		/* the children exit */
	for (long i = 0; i < done; i++)
		waitpid(kids[i], &status, 0);
	waitpid(pid, &status, 0);
	free(kids);
}

/* NR_WORKERS processes in @config doing dup/close and mmap/munmap. */
static double smp_round(long n)
{
	int go[2], status;
	pid_t pids[NR_WORKERS];
	uint64_t t;

	if (pipe(go))
		die("pipe");
	for (int w = 0; w < NR_WORKERS; w++) {
		char c;

		pids[w] = fork();
		if (pids[w] < 0)
			die("fork");
		if (pids[w] == 0) {
			close(go[1]);
			if (read(go[0], &c, 1) < 0)
				die("read");
			loop_dup_close(n);
			mmap_munmap(n, 4096);
			loop_brk(n / 4);
			_exit(0);
		}
	}
	close(go[0]);
	t = now_ns();
	close(go[1]);
	for (int w = 0; w < NR_WORKERS; w++)
		if (waitpid(pids[w], &status, 0) != pids[w] || status != 0)
			die("worker");
	return (double)(now_ns() - t);
}

static void bench_smp(void)
{
	long n = 4000L * scale / 100 + 1;

	for (int c = OFF; c < NR_RT_CONFIGS; c++) {
		double t[MAX_ROUNDS];

		if (c != OFF && !controller) {
			na(config_name[c], "smp4_workers", "no-controller");
			continue;
		}
		for (int r = 0; r < rounds; r++) {
			setup(c);
			t[r] = smp_round(n);
			teardown(c);
		}
		/* operations (a dup/close and an mmap/munmap) per second */
		result(config_name[c], "smp4_workers",
		       NR_WORKERS * n * 2 * 1e9 / best(t, rounds), "/s");
	}
}

/*
 * restrack.bench_profile: run each loop once in each configuration, its
 * timed part between sched_get_priority_max() and sched_get_priority_min(),
 * which nothing else calls: the profiling QEMU plugin (kprof.c) counts the
 * kernel's instructions between the two, one window per run, in the order
 * printed here.  Then, where the system calls exist, one window of
 * register + deregister round trips, which the unpatched kernel has no
 * counterpart of: its functions are listed, not compared.
 */
static void bench_profile(void)
{
	int status, window = 0, p[2];
	double rate;
	pid_t pid;
	long n;

	for (int c = 0; c < NR_RT_CONFIGS; c++) {
		setup(c);
		for (unsigned int i = 0; i < NR_LOOPS; i++) {
			const struct loop *l = &loops[i];

			pid = fork();
			if (pid < 0)
				die("fork");
			if (pid == 0) {
				prepare(l);
				sched_get_priority_max(SCHED_OTHER);
				l->fn(iters(l));
				sched_get_priority_min(SCHED_OTHER);
				_exit(0);
			}
			if (waitpid(pid, &status, 0) != pid || status != 0)
				die("%s: helper failed", l->name);
			printf("bench: profile window %d %s %s %ld\n", window++,
			       config_name[c], l->name, iters(l));
		}
		teardown(c);
	}
	if (!have_syscalls())
		return;
	/* register + deregister, where only the patched kernel has them */
	if (pipe(p))
		die("pipe");
	pid = spawn_waiter(p[0], p[1]);
	/* the first makes restrack/ and enables the controller: not timed */
	register_round_trip(pid);
	n = register_iters();
	sched_get_priority_max(SCHED_OTHER);
	rate = register_rate(pid, n);
	sched_get_priority_min(SCHED_OTHER);
	close(p[1]);
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	printf("bench: profile extra %d root register+deregister %ld %.0f\n",
	       window, n, 1e9 / rate);
}

/*
 * One CPU for the loops and their children: a process that ran on another
 * CPU makes every later munmap() flush the TLB there too (an IPI, counted
 * in the guest's time), whatever the kernel.
 */
static void pin_cpu0(void)
{
	cpu_set_t cpu0;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		die("sched_setaffinity");
}

/*
 * "bench macro": programs nobody here wrote, Debian's stress-ng (in the
 * initramfs overlay of the stress-ng suite, scripts/mkinitramfs.sh), one
 * stressor at a time with a fixed number of bogo operations, off and on3:
 * the guest ns of the whole run, lowest of MACRO_ROUNDS.
 */
#define STRESS_NG	"/bin/stress-ng"
#define MACRO_ROUNDS	3

static const struct macro {
	const char *name;
	long ops;		/* at BENCH_SCALE 100 */
	const char *extra[3];
} macros[] = {
	{ "brk",	6000,	{ NULL } },
	{ "mmap",	400,	{ "--mmap-bytes", "1M", NULL } },
	{ "mremap",	400,	{ "--mremap-bytes", "1M", NULL } },
	{ "fork",	1000,	{ "--fork-max", "4", NULL } },
	{ "clone",	1000,	{ "--clone-max", "32", NULL } },
	{ "open",	20000,	{ "--open-max", "512", NULL } },
	{ "dup",	400,	{ NULL } },
	{ "pipe",	50000,	{ NULL } },
	{ "sockpair",	2000,	{ NULL } },
};

/* One run of stress-ng's @m: guest ns */
static double macro_run(const struct macro *m)
{
	char stressor[32], opsflag[40], ops[24];
	const char *argv[16];
	int n = 0, status, i;
	uint64_t t;
	pid_t pid;

	snprintf(stressor, sizeof(stressor), "--%s", m->name);
	snprintf(opsflag, sizeof(opsflag), "--%s-ops", m->name);
	snprintf(ops, sizeof(ops), "%ld", m->ops * scale / 100 + 1);
	argv[n++] = STRESS_NG;
	argv[n++] = stressor;
	argv[n++] = "1";
	argv[n++] = opsflag;
	argv[n++] = ops;
	for (i = 0; m->extra[i]; i++)
		argv[n++] = m->extra[i];
	argv[n++] = "--timeout";
	argv[n++] = "120s";
	argv[n++] = "--temp-path";
	argv[n++] = "/tmp";
	argv[n++] = "-q";
	argv[n] = NULL;
	t = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		setpgid(0, 0);
		execv(STRESS_NG, (char **)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || status != 0)
		die("stress-ng %s: status %#x", m->name, status);
	t = now_ns() - t;
	/*
	 * What it left (the clone stressor's last children) is ours, the
	 * subreaper's: killed and reaped before the cgroups go.
	 */
	kill(-pid, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
	return (double)t;
}

static void bench_macro(void)
{
	static const int configs[] = { OFF, ON3 };
	double t[MACRO_ROUNDS];
	char name[48];

	if (access(STRESS_NG, X_OK))
		die("no %s: the stress-ng overlay is missing", STRESS_NG);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		die("PR_SET_CHILD_SUBREAPER");
	for (unsigned int c = 0; c < ARRAY_SIZE(configs); c++) {
		int config = configs[c];

		for (unsigned int i = 0; i < ARRAY_SIZE(macros); i++) {
			snprintf(name, sizeof(name), "macro:%s", macros[i].name);
			if (needs_restrack(config) && !controller) {
				na(config_name[config], name, "no-controller");
				continue;
			}
			for (int r = 0; r < MACRO_ROUNDS; r++) {
				setup(config);
				t[r] = macro_run(&macros[i]);
				teardown(config);
			}
			result(config_name[config], name, best(t, MACRO_ROUNDS),
			       "ns");
		}
	}
}

static void parse_cmdline(void)
{
	char buf[4096], *s;

	if (read_text("/proc/cmdline", buf, sizeof(buf)) < 0)
		die("read /proc/cmdline");
	s = strstr(buf, "restrack.bench_scale=");
	if (s)
		scale = atoi(s + strlen("restrack.bench_scale="));
	s = strstr(buf, "restrack.bench_rounds=");
	if (s)
		rounds = atoi(s + strlen("restrack.bench_rounds="));
	profile = strstr(buf, "restrack.bench_profile") != NULL;
	verbose = strstr(buf, "restrack.bench_verbose") != NULL;
	loops_only = strstr(buf, "restrack.bench_loops_only") != NULL;
	if (scale < 1)
		scale = 1;
	if (rounds < 1)
		rounds = 1;
	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
}

int main(int argc, char **argv)
{
	static double runs[NR_CONFIGS][NR_LOOPS][MAX_ROUNDS];
	char cs[64];
	bool syscalls;
	int fd;

	if (argc == 5 && !strcmp(argv[1], "exec-chain"))
		return exec_chain(argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_cmdline();
	controller = have_controller();
	syscalls = have_syscalls();
	printf("bench: kernel controller=%s syscalls=%s rounds=%d scale=%d%%\n",
	       controller ? "yes" : "no", syscalls ? "yes" : "no", rounds, scale);
	/* the clock the figures are in: wall-clock ones need more than jiffies */
	if (read_text("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		      cs, sizeof(cs)) > 0)
		printf("bench: clocksource %s", cs);

	spare_fd = open("/dev/null", O_RDONLY);
	fd = open(TMPFILE, O_RDWR | O_CREAT, 0644);
	if (spare_fd < 0 || fd < 0)
		die("open");
	close(fd);

	if (profile) {
		bench_profile();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "smp")) {
		bench_smp();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "macro")) {
		pin_cpu0();
		bench_macro();
		return 0;
	}

	pin_cpu0();

	/*
	 * Interleaved rounds, so that drift of the host hits all of them.
	 * Round -1 warms up and is not counted: the first run of the loops
	 * finds the kernel in a state the later ones do not, which only
	 * "off" would get.
	 */
	for (int r = -1; r < rounds; r++) {
		for (int c = 0; c < NR_CONFIGS; c++) {
			setup(c);
			for (unsigned int l = 0; l < NR_LOOPS; l++) {
				double ns = run_loop(&loops[l]);

				if (verbose)
					printf("bench: round %d %s %s %.1f\n", r,
					       config_name[c], loops[l].name, ns);
				if (r >= 0)
					runs[c][l][r] = ns;
			}
			teardown(c);
		}
	}
	for (int c = 0; c < NR_CONFIGS; c++)
		for (unsigned int l = 0; l < NR_LOOPS; l++) {
			if (needs_restrack(c) && !controller)
				na(config_name[c], loops[l].name, "no-controller");
			else
				result(config_name[c], loops[l].name,
				       best(runs[c][l], rounds), "ns");
		}

	if (syscalls && !loops_only) {
		bench_syscalls();
	} else {
		const char *why = syscalls ? "skipped" : "no-syscalls";

		na("root", "register+deregister", why);
		na("root", "tracker_status_1k", why);
		na("root", "tracker_status_10k", why);
	}
	return 0;
}
