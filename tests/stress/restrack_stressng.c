// SPDX-License-Identifier: GPL-2.0
/*
 * Real programs under restrack's limits: Debian's stress-ng, written by
 * nobody here, run with its brk, mmap, mremap, fork, clone, open, dup,
 * pipe, sockfd and sockpair stressors in a capped cgroup.
 *
 * Each stressor runs twice under the deny policy: "below", with limits
 * nothing reaches, and "over", with the stressor's resource (heap or
 * files) capped at a share of the peak the "below" run reached, so that
 * its workers hit the limit.  brk and dup run a third time under the kill
 * policy, with a bystander in a sibling cgroup that must survive.  While
 * stress-ng runs, the cgroup is frozen a few times and, at every level up
 * to the suite's cgroup, restrack.heap.current must equal the sum of VmData
 * and restrack.files.current the sum of the /proc/PID/fd entries of the
 * processes below, each mm and each descriptor table counted once (kcmp(2):
 * the clone stressor shares them with CLONE_VM and CLONE_FILES), and
 * current and peak must be at most max.  After stress-ng has exited, the
 * cgroup is back to 0, its peak is at most its max, a "below" run counted
 * no event and exited 0, an "over" run counted max events, and under deny
 * no process was killed and stress-ng exited by itself.
 *
 * make check-debug runs it (restrack.stressng=1, tests/vm/init) when the
 * initramfs has stress-ng (scripts/mkinitramfs.sh: the host's
 * architecture); make stressng runs it alone.  Needs CONFIG_KCMP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/kcmp.h>

#define RT_TIMEOUT	600
#include "restrack_harness.h"

#define STRESS_NG	"/bin/stress-ng"
#define TIMEOUT_S	8	/* stress-ng's --timeout */
#define FREEZES		5	/* per run, while stress-ng runs */
#define FIRST_FREEZE_MS	200
#define FREEZE_EVERY_MS	1000
#define MAX_PIDS	4096
#define LOG_LINES	12	/* of stress-ng's output, per run */

/* generous limits, for the "below" runs and the unlimited resource */
#define HEAP_BIG	(2048L * MIB)
#define FILES_BIG	100000L

struct stressor {
	const char *name;
	const char *args;	/* after --NAME 2 */
	bool heap;		/* capped in the over run: heap, else files */
	int base_procs;		/* stress-ng's processes before any work */
	int over_pct;		/* over files.max: % of the below run's peak */
	int timeout_s;		/* stress-ng's --timeout, if not TIMEOUT_S */
};

static int timeout_of(const struct stressor *s)
{
	return s->timeout_s ? s->timeout_s : TIMEOUT_S;
}

/*
 * The ops caps bound the work (and the brk stressor's memory) of a run on a
 * fast machine; under TCG with KASAN the timeout ends every run.  An over run's heap.max is halfway
 * between stress-ng's own heap -- @base_procs copies of its first
 * process's VmData (the main process and 2 workers; brk, mmap and mremap
 * do their work in a child of each worker) -- and the below run's peak:
 * the workers start and their work hits the limit.  Its files.max is
 * @over_pct of the below run's peak: pipe's workers need theirs to start
 * and hold them, so the limit refuses their start; sockpair's peak
 * depends on how fast its pairs come (slow under TCG), so it is halved.
 * clone runs 24 s: its clones took about 0.5 s each on the 6.1 and 7.3
 * debug kernels beside kernel builds, and 8 s gave its below run 0-1
 * bogo ops, too few to show that the stressor ran.
 */
static const struct stressor stressors[] = {
	{ "brk",      "--brk-ops 60000",			true,  5, 0 },
	{ "mmap",     "--mmap-bytes 1M --mmap-ops 4000",		true,  5, 0 },
	{ "mremap",   "--mremap-bytes 1M --mremap-ops 4000",	true,  5, 0 },
	{ "fork",     "--fork-ops 20000 --fork-max 4",		true,  3, 0 },
	{ "clone",    "--clone-ops 20000 --clone-max 32",	true,  3, 0, 24 },
	{ "open",     "--open-ops 200000 --open-max 512",	false, 0, 50 },
	{ "dup",      "--dup-ops 4000",				false, 0, 50 },
	{ "pipe",     "--pipe-ops 1000000",			false, 0, 85 },
	{ "sockfd",   "--sockfd-ops 40000",			false, 0, 70 },
	{ "sockpair", "--sockpair-ops 40000",			false, 0, 50 },
};

struct run {
	long ops;		/* bogo ops of --metrics-brief, -1 if none */
	int status;		/* stress-ng's wait status */
	int freezes;		/* freezes compared */
	int shared_vm, shared_files;	/* dedups by kcmp, over the freezes */
	int max_procs;		/* processes at a freeze, at most */
	long main_vm;		/* VmData of stress-ng's first process */
	long peak_heap, peak_files;
	long ev_heap, ev_files, ev_kill;
	int stragglers;		/* left after stress-ng exited */
};

/* over all tests, each run in a process of its own (the harness forks) */
static struct {
	long runs, ops, freezes, events, kills;
} *total;

static bool have_kcmp = true;

static int kcmp(pid_t a, pid_t b, int type)
{
	return syscall(SYS_kcmp, a, b, type, 0, 0);
}

/*
 * The oracle of a frozen subtree: VmData and /proc/PID/fd summed over its
 * processes, an mm or a table that kcmp() finds in an earlier process not
 * counted again.  Processes without an mm or a table (exited) add nothing.
 */
static int oracle_dedup(const char *cg, struct rt_usage *u, struct run *r)
{
	static pid_t pids[MAX_PIDS];
	static long heap[MAX_PIDS], files[MAX_PIDS];
	int n, i, j;

	n = cg_subtree_pids(cg, pids, MAX_PIDS);
	if (n < 0) {
		diag("%s: cannot list its processes", cg);
		return -1;
	}
	if (r && n > r->max_procs)
		r->max_procs = n;
	u->heap = u->files = 0;
	for (i = 0; i < n; i++) {
		heap[i] = vmdata_bytes(pids[i]);
		files[i] = fd_count(pids[i]);
		for (j = 0; have_kcmp && j < i; j++) {
			if (heap[i] > 0 && heap[j] > 0 &&
			    !kcmp(pids[i], pids[j], KCMP_VM)) {
				heap[i] = 0;
				if (r)
					r->shared_vm++;
			}
			if (files[i] > 0 && files[j] > 0 &&
			    !kcmp(pids[i], pids[j], KCMP_FILES)) {
				files[i] = 0;
				if (r)
					r->shared_files++;
			}
		}
		u->heap += heap[i] > 0 ? heap[i] : 0;
		u->files += files[i] > 0 ? files[i] : 0;
	}
	return 0;
}

static void dump_procs(const char *cg)
{
	static pid_t pids[MAX_PIDS];
	char path[64], comm[32];
	int n, i;

	n = cg_subtree_pids(cg, pids, MAX_PIDS);
	for (i = 0; i < n && i < 40; i++) {
		snprintf(path, sizeof(path), "/proc/%d/comm", pids[i]);
		if (read_text(path, comm, sizeof(comm)) < 0)
			strcpy(comm, "?\n");
		comm[strcspn(comm, "\n")] = '\0';
		diag("  pid %d %s: VmData %ld, fds %ld, ppid-threads %ld",
		     pids[i], comm, vmdata_bytes(pids[i]), fd_count(pids[i]),
		     proc_count(pids[i], "task"));
	}
}

/* current and peak at most max, for heap and files, at @cg */
static int check_max(const char *cg, const char *label)
{
	static const char * const res[] = { "heap", "files" };
	char file[64];
	long cur, peak, max;
	int i, ret = 0;

	for (i = 0; i < 2; i++) {
		snprintf(file, sizeof(file), "restrack.%s.max", res[i]);
		max = cg_read_max(cg, file);
		snprintf(file, sizeof(file), "restrack.%s.current", res[i]);
		cur = cg_read_long(cg, file);
		snprintf(file, sizeof(file), "restrack.%s.peak", res[i]);
		peak = cg_read_long(cg, file);
		if (max < 0 || cur < 0 || peak < 0 || cur > max || peak > max) {
			diag("%s: %s: %s current %ld, peak %ld, max %ld", label,
			     cg, res[i], cur, peak, max);
			ret = -1;
		}
	}
	return ret;
}

/* Every level from @cg up to @top: usage equal to the oracle, under max. */
static int compare_levels(const char *cg, const char *top, const char *label,
			  struct run *r)
{
	char lvl[PATH_MAX];
	struct rt_usage o;
	int ret = 0;

	snprintf(lvl, sizeof(lvl), "%s", cg);
	for (;;) {
		if (oracle_dedup(lvl, &o, r) ||
		    rt_check_expect(lvl, label, o.heap, o.files)) {
			dump_procs(lvl);
			ret = -1;
		}
		if (check_max(lvl, label))
			ret = -1;
		/* r counts the first level only */
		r = NULL;
		if (!strcmp(lvl, top))
			break;
		*strrchr(lvl, '/') = '\0';
		if (strlen(lvl) < strlen(top))
			break;
	}
	return ret;
}

static void exec_stressng(const char *cg, const char *log,
			  const struct stressor *s)
{
	char cmd[512];
	int fd;

	/* the child enters the cgroup itself, then becomes stress-ng */
	if (cg_enter(cg, 0))
		_exit(126);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		_exit(126);
	syscall(__NR_close_range, 3, ~0U, 0);
	/*
	 * dup, open, sockfd and sockpair take descriptors up to the hard
	 * RLIMIT_NOFILE: 1024 keeps their below runs short (sockpair's
	 * 3,000 pairs under the guest's 4096 left no time for its I/O).
	 */
	if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){ 1024, 1024 }))
		_exit(126);
	if (chdir("/tmp"))
		_exit(126);
	snprintf(cmd, sizeof(cmd),
		 "exec %s --%s 2 %s --timeout %ds --metrics-brief --temp-path /tmp",
		 STRESS_NG, s->name, s->args, timeout_of(s));
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* stress-ng's output: its bogo ops and, under deny, no SIGKILL */
static void read_log(const char *log, const struct stressor *s,
		     struct run *r, bool *sigkill)
{
	char line[512], name[64];
	int shown = 0;
	long ops;
	FILE *f = fopen(log, "re");

	r->ops = -1;
	*sigkill = false;
	if (!f) {
		diag("%s: %s", log, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "] ");

		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, "SIGKILL") || strstr(line, "signal 9"))
			*sigkill = true;
		/* the first line of the stressor's: its bogo ops */
		if (r->ops < 0 && p && strstr(line, "metrc:") &&
		    sscanf(p + 2, "%63s %ld", name, &ops) == 2 &&
		    !strcmp(name, s->name))
			r->ops = ops;
		/* the lines that say what happened, not the banner */
		if (shown < LOG_LINES && !strstr(line, "setting to a") &&
		    !strstr(line, "dispatching hogs") &&
		    !strstr(line, "(secs)") && !strstr(line, "bogo ops")) {
			diag("  | %s", line);
			shown++;
		}
	}
	fclose(f);
}

/*
 * One run of stress-ng with @s in @parent/@name under @heap_max,
 * @files_max and @policy.  The checks during the run and after it; what
 * depends on the kind of run is the caller's.
 */
static int run_stressng(const char *top, const char *parent, const char *name,
			const struct stressor *s, long heap_max,
			long files_max, const char *policy, struct run *r)
{
	char cg[PATH_MAX], log[PATH_MAX], label[128];
	long start = now_ms(), next;
	bool sigkill, exited = false, compared_bad = false;
	int ret = 0, status;
	pid_t pid, w;

	memset(r, 0, sizeof(*r));
	r->ops = -1;
	snprintf(log, sizeof(log), "/tmp/stressng-%s-%s.log", s->name, name);
	if (cg_make(cg, parent, name))
		return -1;
	if (cg_write_numeric(cg, "restrack.heap.max", heap_max) ||
	    cg_write_numeric(cg, "restrack.files.max", files_max) ||
	    cg_write(cg, "restrack.policy", policy)) {
		diag("%s: setting the limits: %s", cg, strerror(errno));
		cg_destroy(cg);
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		diag("fork: %s", strerror(errno));
		cg_destroy(cg);
		return -1;
	}
	if (pid == 0)
		exec_stressng(cg, log, s);

	next = now_ms() + FIRST_FREEZE_MS;
	while (!exited) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			exited = true;
			break;
		}
		if (now_ms() - start > (timeout_of(s) + 120) * 1000L) {
			diag("%s: stress-ng still runs after %d s", cg,
			     timeout_of(s) + 120);
			cg_killall(cg);
			waitpid(pid, &status, 0);
			ret = -1;
			break;
		}
		if (r->freezes >= FREEZES || compared_bad || now_ms() < next) {
			sleep_ms(50);
			continue;
		}
		if (cg_write(cg, "cgroup.freeze", "1")) {
			diag("%s: freeze: %s", cg, strerror(errno));
			ret = -1;
			break;
		}
		if (cg_wait_frozen(cg, 1, 20000)) {
			diag("%s: not frozen after 20 s", cg);
			ret = -1;
		} else if (cg_nr_procs(cg) > 0) {
			long vm = vmdata_bytes(pid);

			if (vm > r->main_vm)
				r->main_vm = vm;
			snprintf(label, sizeof(label), "%s %s, freeze %d",
				 s->name, name, r->freezes + 1);
			/* a difference is reported once, stress-ng goes on */
			if (compare_levels(cg, top, label, r))
				compared_bad = true;
			r->freezes++;
		}
		if (cg_write(cg, "cgroup.freeze", "0") ||
		    cg_wait_frozen(cg, 0, 20000)) {
			diag("%s: thaw failed", cg);
			ret = -1;
		}
		if (ret)
			break;
		next = now_ms() + FREEZE_EVERY_MS;
	}
	if (!exited && ret) {
		cg_write(cg, "cgroup.freeze", "0");
		cg_killall(cg);
		waitpid(pid, &status, 0);
	}
	r->status = status;
	if (compared_bad)
		ret = -1;

	/* stress-ng waits for its workers; orphans would be ours (subreaper) */
	for (next = now_ms() + 20000; cg_nr_procs(cg) > 0 && now_ms() < next;)
		sleep_ms(50);
	r->stragglers = cg_nr_procs(cg);
	if (r->stragglers > 0) {
		diag("%s: %d processes left after stress-ng exited", cg,
		     r->stragglers);
		dump_procs(cg);
		cg_killall(cg);
	}
	reap_zombies();
	if (rt_wait_zero(cg, 10000))
		ret = -1;
	snprintf(label, sizeof(label), "%s %s, after", s->name, name);
	if (compare_levels(cg, top, label, NULL))
		ret = -1;
	r->peak_heap = cg_read_long(cg, "restrack.heap.peak");
	r->peak_files = cg_read_long(cg, "restrack.files.peak");
	r->ev_heap = cg_read_key_long(cg, "restrack.events", "heap.max");
	r->ev_files = cg_read_key_long(cg, "restrack.events", "files.max");
	r->ev_kill = cg_read_key_long(cg, "restrack.events", "kill");
	read_log(log, s, r, &sigkill);
	unlink(log);
	diag("stressng: %s %s (%s): heap max %ld peak %ld, files max %ld peak %ld; ops %ld; %s %d; events heap.max %ld files.max %ld kill %ld; %d freezes compared (%d processes at most, %d shared mm, %d shared tables)",
	     s->name, name, policy, heap_max, r->peak_heap, files_max,
	     r->peak_files, r->ops,
	     WIFEXITED(r->status) ? "exit" : "signal",
	     WIFEXITED(r->status) ? WEXITSTATUS(r->status) :
	     WIFSIGNALED(r->status) ? WTERMSIG(r->status) : -1,
	     r->ev_heap, r->ev_files, r->ev_kill, r->freezes, r->max_procs,
	     r->shared_vm, r->shared_files);
	if (r->peak_heap < 0 || r->peak_files < 0 || r->ev_heap < 0 ||
	    r->ev_files < 0 || r->ev_kill < 0) {
		diag("%s: cannot read peaks or events", cg);
		ret = -1;
	}
	if (r->peak_heap > heap_max || r->peak_files > files_max) {
		diag("%s: a peak over its max", cg);
		ret = -1;
	}
	if (!strcmp(policy, "deny")) {
		if (r->ev_kill || sigkill || !WIFEXITED(r->status) ||
		    r->stragglers) {
			diag("%s: under deny: %ld kills, SIGKILL in the log %d, stress-ng %s, %d left",
			     cg, r->ev_kill, sigkill,
			     WIFEXITED(r->status) ? "exited" : "killed",
			     r->stragglers);
			ret = -1;
		}
		if (WIFEXITED(r->status) && WEXITSTATUS(r->status) >= 126) {
			diag("%s: stress-ng did not start (%d)", cg,
			     WEXITSTATUS(r->status));
			ret = -1;
		}
	}
	if (r->freezes == 0 && (WIFEXITED(r->status) &&
				WEXITSTATUS(r->status) == 0)) {
		diag("%s: stress-ng ran through without a freeze", cg);
		ret = -1;
	}
	total->runs++;
	total->ops += r->ops > 0 ? r->ops : 0;
	total->freezes += r->freezes;
	total->events += r->ev_heap + r->ev_files;
	total->kills += r->ev_kill;
	if (cg_destroy(cg))
		ret = -1;
	return ret;
}

/* the over run's limits, from the below run */
static void over_limits(const struct stressor *s, const struct run *below,
			long *heap_max, long *files_max)
{
	long base = s->base_procs * below->main_vm;

	if (!s->heap) {
		*files_max = below->peak_files * s->over_pct / 100;
		return;
	}
	if (base <= 0 || base >= below->peak_heap)
		base = below->peak_heap / 2;
	*heap_max = base + (below->peak_heap - base) / 2;
	diag("stressng: %s over: heap.max %ld, between %d x %ld of stress-ng and the peak %ld",
	     s->name, *heap_max, s->base_procs, below->main_vm,
	     below->peak_heap);
}

/* The parent of a test's runs: @root/@name, restrack on for its children */
static int make_parent(char *p, const char *root, const char *name)
{
	if (cg_make(p, root, name))
		return -1;
	if (cg_enable(p, "restrack")) {
		diag("%s: enabling restrack: %s", p, strerror(errno));
		return -1;
	}
	return 0;
}

static int stressor_test(struct __test_metadata *_metadata,
			 const char *root, const struct stressor *s)
{
	char p[PATH_MAX];
	long heap_max = HEAP_BIG, files_max = FILES_BIG;
	struct run below, over;

	if (access(STRESS_NG, X_OK))
		SKIP(return KSFT_SKIP, "no %s in the initramfs", STRESS_NG);
	if (make_parent(p, root, s->name))
		return KSFT_FAIL;

	CHECK(!run_stressng(root, p, "below", s, heap_max, files_max,
			    "deny", &below), "%s below", s->name);
	CHECK(WIFEXITED(below.status) && WEXITSTATUS(below.status) == 0,
	      "%s below: stress-ng's status %#x", s->name, below.status);
	CHECK(!below.ev_heap && !below.ev_files,
	      "%s below: a limit was hit", s->name);
	CHECK(below.ops > 0, "%s below: no bogo ops", s->name);

	over_limits(s, &below, &heap_max, &files_max);
	CHECK(!run_stressng(root, p, "over", s, heap_max, files_max, "deny",
			    &over), "%s over", s->name);
	CHECK(s->heap ? over.ev_heap > 0 : over.ev_files > 0,
	      "%s over: the limit was never hit", s->name);
	return KSFT_PASS;
}

/* kcmp(2) first: without it, shared mms and tables are counted twice */
RT_TEST(kcmp)
{
	if (kcmp(getpid(), getpid(), KCMP_VM) == 0)
		return KSFT_PASS;
	diag("kcmp: %s (no CONFIG_KCMP?): processes sharing an mm or a table are counted once each",
	     strerror(errno));
	return KSFT_FAIL;
}

#define STRESSOR_TEST(n, i)						\
	RT_TEST(n)							\
	{								\
		return stressor_test(_metadata, root, &stressors[i]);	\
	}
STRESSOR_TEST(brk, 0)
STRESSOR_TEST(mmap, 1)
STRESSOR_TEST(mremap, 2)
STRESSOR_TEST(fork, 3)
STRESSOR_TEST(clone, 4)
STRESSOR_TEST(open, 5)
STRESSOR_TEST(dup, 6)
STRESSOR_TEST(pipe, 7)
STRESSOR_TEST(sockfd, 8)
STRESSOR_TEST(sockpair, 9)

static int bystander(const char *cg, void *arg)
{
	char *p = malloc(MIB);

	if (p)
		memset(p, 1, MIB);
	for (;;)
		pause();
	return 0;
}

/*
 * The kill policy over the limit: SIGKILLs, counted in the cgroup's
 * events, and none outside it -- a bystander in a sibling cgroup under
 * the kill policy too, and this process, live on.
 */
static int kill_test(struct __test_metadata *_metadata,
		     const char *root, const struct stressor *s,
		     const char *pname)
{
	char p[PATH_MAX], sib[PATH_MAX];
	long heap_max = HEAP_BIG, files_max = FILES_BIG;
	struct run below, over;
	pid_t by = -1;

	if (access(STRESS_NG, X_OK))
		SKIP(return KSFT_SKIP, "no %s in the initramfs", STRESS_NG);
	SETUP(make_parent(p, root, pname));
	SETUP(cg_make(sib, p, "bystander"));
	SETUP(cg_write(sib, "restrack.policy", "kill"));
	by = cg_run_nowait(sib, bystander, NULL);
	SETUP(by < 0);

	CHECK(!run_stressng(root, p, "below", s, heap_max, files_max,
			    "kill", &below), "%s below (kill)", s->name);
	CHECK(!below.ev_heap && !below.ev_files && !below.ev_kill,
	      "%s below (kill): a limit was hit", s->name);
	over_limits(s, &below, &heap_max, &files_max);
	CHECK(!run_stressng(root, p, "over", s, heap_max, files_max, "kill",
			    &over), "%s over (kill)", s->name);
	CHECK(s->heap ? over.ev_heap > 0 : over.ev_files > 0,
	      "%s over (kill): the limit was never hit", s->name);
	CHECK(over.ev_kill > 0, "%s over (kill): nothing killed", s->name);
	CHECK(pid_alive(by) && waitpid(by, NULL, WNOHANG) == 0,
	      "the bystander in %s was killed", sib);
	CHECK(cg_read_key_long(sib, "restrack.events", "kill") == 0,
	      "%s counts a kill", sib);
	CHECK(cg_read_key_long(p, "restrack.events", "kill") == over.ev_kill,
	      "%s: kills %ld, the over run's %ld", p,
	      cg_read_key_long(p, "restrack.events", "kill"), over.ev_kill);
	kill(by, SIGKILL);
	wait_exit(by, 5000, NULL);
	return KSFT_PASS;
}

RT_TEST(kill_brk)
{
	return kill_test(_metadata, root, &stressors[0], "kill-brk");
}

RT_TEST(kill_dup)
{
	return kill_test(_metadata, root, &stressors[6], "kill-dup");
}

RT_TEST(totals)
{
	diag("stressng: %ld runs, %ld bogo ops, %ld freezes compared, %ld limit events, %ld kills",
	     total->runs, total->ops, total->freezes, total->events,
	     total->kills);
	return total->runs > 0 && total->freezes > 0 && total->events > 0 ?
	       KSFT_PASS : KSFT_FAIL;
}

int main(int argc, char **argv)
{
	total = mmap(NULL, sizeof(*total), RW, MAP_SHARED | MAP_ANONYMOUS, -1,
		     0);
	if (total == MAP_FAILED)
		return 1;
	have_kcmp = !(kcmp(getpid(), getpid(), KCMP_VM) && errno == ENOSYS);
	return rt_harness_main(argc, argv, "rt-stressng");
}
