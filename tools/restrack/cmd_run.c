// SPDX-License-Identifier: GPL-2.0
/*
 * restrack run: a command in a fresh limited cgroup below the caller's
 * (or in a delegated transient scope of its slice), waited for.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#ifndef SYS_clone3
#define SYS_clone3	435
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args up to the cgroup field (CLONE_ARGS_SIZE_VER2). */
struct restrack_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* Where run's caller waits while the command runs (restrack(8)) */
#define RUN_LEAF	"restrack.leaf"

const char usage_run[] =
"Usage: restrack run [OPTIONS] [--] CMD [ARG...]\n"
"\n"
"Run CMD in a fresh cgroup with restrack limits, wait for it, print its peak\n"
"heap, peak open files and the limit events on stderr, and remove the cgroup.\n"
"CMD starts inside the cgroup: it never runs unlimited.\n"
"\n"
"The cgroup goes below the caller's own, so every limit that applied to\n"
"the caller (a service's TasksMax=, MemoryMax=, restrack limits, those of\n"
"its slices) applies to CMD too, shared with the caller.  The caller's\n"
"processes wait in a leaf, " RUN_LEAF ", while CMD runs, and move back\n"
"after.  Under systemd that needs a cgroup delegated to the caller\n"
"(Delegate=yes).  A caller in a unit that is not delegated and has no\n"
"limit of its own (a login session's scope) gets the command in a\n"
"delegated transient scope of its slice (systemd-run --scope --slice=SLICE\n"
"-p Delegate=yes), where every limit of the slice still applies; a unit\n"
"with a limit of its own (TasksMax=, MemoryMax=, CPUQuota=, HeapMax=...)\n"
"is refused, naming it: give it Delegate=yes.  A caller in the root\n"
"cgroup gets /" RESTRACK_RUN_PARENT "/run-PID.\n"
"\n"
"Options:\n"
"  --heap SIZE            heap limit (restrack.heap.max), e.g. 64M, 1.5G, max\n"
"  --files N              open file limit (restrack.files.max), or max\n"
"  --policy deny|kill     over a limit: fail the call (ENOMEM, EMFILE; the\n"
"                         default) or SIGKILL the process\n"
"  --parent CGROUP        create the cgroup below CGROUP instead: the limits\n"
"                         of the caller's cgroup no longer apply; restrack is\n"
"                         enabled on the way down, never in a cgroup that\n"
"                         holds processes\n"
"  -q, --quiet            no report at the end\n"
"  -h, --help             this text\n"
"\n"
"Exit status: the command's; 128+N when signal N ended it; 127 when CMD is\n"
"not found, 126 when it cannot be run; 125 when restrack run itself failed\n"
"(CMD did not run), systemd-run failing to start the scope included.\n"
"SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to restrack go to the command.\n";

/* run */

struct run_opts {
	uint64_t heap, files;
	const char *policy;
	const char *parent;
	bool quiet;
	char **argv;
};

/*
 * The command starts in its cgroup before the limits are set, and waits
 * there until they are: limits set first would apply to the copy of
 * restrack that clone3() makes (its data and descriptors), which could fail
 * the clone or, under the kill policy, kill restrack itself.  It never runs
 * unlimited: it execs only once the limits are in place.  One socket pair
 * carries "go" to the child and, if exec fails, the reason back: as few
 * descriptors as possible are charged to the cgroup before the exec.
 */
struct child_pipes {
	int sock[2];		/* [0] restrack, [1] the child */
};

/* What the child tells the parent when it could not become CMD. */
struct child_failure {
	int stage;		/* 0: joining the cgroup, 1: execve */
	int err;
};

static void child_fail(int fd, int stage, int err)
{
	struct child_failure f = { stage, err };

	if (send(fd, &f, sizeof(f), MSG_NOSIGNAL) < 0)
		_exit(127);
	_exit(stage == 1 && err != ENOENT ? 126 : 127);
}

/* In the child: become CMD.  Only async-signal-safe calls from here on. */
static void child_exec(const struct run_opts *o, const sigset_t *mask,
		       const struct child_pipes *p, const char *procs)
{
	char go;

	if (procs) {		/* no clone3: join before execve */
		int fd = open(procs, O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, "0", 1) != 1)
			child_fail(p->sock[1], 0, errno);
		close(fd);
	}
	close(p->sock[0]);
	if (read(p->sock[1], &go, 1) != 1)
		_exit(EXIT_FAILURE);	/* restrack gave up: it says why */
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(o->argv[0], o->argv);
	child_fail(p->sock[1], 1, errno);
}

static pid_t start_in_cgroup(const struct run_opts *o, const char *dir,
			     const sigset_t *mask, const struct child_pipes *p)
{
	struct restrack_clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
	};
	char procs[PATH_MAX + 16];
	int cgfd;
	pid_t pid;

	cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return -1;
	args.cgroup = cgfd;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		child_exec(o, mask, p, NULL);
	close(cgfd);
	if (pid > 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL))
		return pid;

	/* kernels before 5.7: the child joins, then execs */
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	pid = fork();
	if (pid == 0)
		child_exec(o, mask, p, procs);
	return pid;
}

/*
 * The limits, then the policy: a max below the usage of the waiting child
 * (a copy of restrack) is accepted under deny, where under kill it would
 * kill the child before it is the command.
 */
static int set_limits(const struct run_opts *o, const char *dir)
{
	char num[32];
	int err = 0;

	if (o->heap != RT_LIMIT_MAX) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)o->heap);
		err = restrack_cg_write(dir, "restrack.heap.max", num);
	}
	if (!err && o->files != RT_LIMIT_MAX) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)o->files);
		err = restrack_cg_write(dir, "restrack.files.max", num);
	}
	if (!err && o->policy)
		err = restrack_cg_write(dir, "restrack.policy", o->policy);
	return err;
}

/* Kill what CMD left in the cgroup and remove it; 0 or -errno. */
static int remove_cgroup(const char *dir)
{
	int tries, err = 0;

	for (tries = 0; tries < 300; tries++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		err = -errno;
		if (err != -EBUSY)
			return err;
		if (restrack_cg_write(dir, "cgroup.kill", "1")) {
			char buf[4096], *p, *save;

			/* before 5.14: one by one */
			if (restrack_cg_read(dir, "cgroup.procs", buf, sizeof(buf)) > 0)
				for (p = strtok_r(buf, "\n", &save); p;
				     p = strtok_r(NULL, "\n", &save))
					kill(atoi(p), SIGKILL);
		}
		nanosleep(&ts, NULL);
	}
	return err;
}

static void report_run(const struct run_opts *o, const char *dir, int status)
{
	uint64_t heap_peak = 0, files_peak = 0, ev[RT_NR_EVENTS] = { 0 };
	char b[4][RESTRACK_SIZE_BUFSZ];

	restrack_cg_read_u64(dir, "restrack.heap.peak", &heap_peak);
	restrack_cg_read_u64(dir, "restrack.files.peak", &files_peak);
	restrack_cg_read_events(dir, "restrack.events", ev);
	if (o->quiet)
		return;
	if (WIFEXITED(status)) {
		say("%s exited with status %d", o->argv[0], WEXITSTATUS(status));
	} else {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);

		say("%s killed by signal %d (SIG%s)%s", o->argv[0], sig,
		    abbrev ? abbrev : "?",
		    sig == SIGKILL && ev[RT_EVENT_KILL] ?
		    " for going over a limit (policy kill)" : "");
	}
	say("heap peak %s (max %s), files peak %s (max %s), events heap.max %llu, files.max %llu, kill %llu",
	    restrack_format_size(heap_peak, b[0]),
	    restrack_format_size(o->heap, b[1]),
	    restrack_format_count(files_peak, b[2]),
	    restrack_format_count(o->files, b[3]),
	    (unsigned long long)ev[RT_EVENT_HEAP_MAX],
	    (unsigned long long)ev[RT_EVENT_FILES_MAX],
	    (unsigned long long)ev[RT_EVENT_KILL]);
}

/* Wait for PID, passing on the signals sent to us; its wait status. */
static int wait_forwarding(pid_t pid, const sigset_t *set)
{
	int status;

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si);

		if (sig < 0)
			continue;	/* EINTR */
		if (sig == SIGCHLD) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				return status;
			continue;
		}
		/*
		 * Sent by a process (kill, systemd, timeout): pass it on.  The
		 * terminal's ^C reaches the command's process group itself.
		 */
		if (si.si_code <= 0)
			kill(pid, sig);
	}
}

enum { OPT_HEAP = 256, OPT_FILES, OPT_POLICY, OPT_PARENT };

static const struct option run_options[] = {
	{ "heap", required_argument, NULL, OPT_HEAP },
	{ "files", required_argument, NULL, OPT_FILES },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "parent", required_argument, NULL, OPT_PARENT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* 0, -1 after --help, or a usage error's status */
static int run_parse(int argc, char **argv, struct run_opts *o)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	o->heap = RT_LIMIT_MAX;
	o->files = RT_LIMIT_MAX;
	opt_start();
	/* "+": the options end at CMD, whose own follow it */
	while ((c = getopt_long(argc, argv, "+:hq", run_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_run, stdout);
			return -1;
		case 'q':
			o->quiet = true;
			break;
		case OPT_HEAP:
			r = restrack_parse_size(optarg, &o->heap);
			if (r)
				return bad_size("heap size", optarg, r);
			break;
		case OPT_FILES:
			r = restrack_parse_count(optarg, &o->files);
			if (r)
				return bad_count("file count", optarg, r);
			break;
		case OPT_POLICY:
			if (strcmp(optarg, "deny") && strcmp(optarg, "kill"))
				return usage_error("option '--policy' needs deny or kill");
			o->policy = optarg;
			break;
		case OPT_PARENT:
			if (!*optarg)
				return usage_error("option '--parent' needs a cgroup");
			o->parent = optarg;
			break;
		case ':':
			return usage_error("option '--%s' needs %s",
					   run_options[optopt - OPT_HEAP].name,
					   optopt == OPT_HEAP ? "a size" :
					   optopt == OPT_FILES ? "a count" :
					   optopt == OPT_POLICY ? "deny or kill" :
					   "a cgroup");
		default:
			return opt_unknown(argv, run_options);
		}
	}
	if (optind >= argc)
		return usage_error("no command to run");
	o->argv = argv + optind;
	return 0;
}

/*
 * Where run puts the command.  Every limit that applied to the caller must
 * apply to the command: its cgroup goes below the caller's own, so that the
 * caller's cgroup and every ancestor charge it, shared with the caller (a
 * service's TasksMax=, MemoryMax= and restrack limits included).  cgroup v2
 * puts controllers only on cgroups without processes, so the caller's
 * processes move to a leaf, RUN_LEAF, for as long as a command runs, and
 * back after the last one.  Under systemd that is only done where the
 * cgroup is delegated (Delegate=yes): systemd owns the cgroups of other
 * units.  A unit that is not delegated and has no limit of its own (a
 * login session's scope) loses nothing to a delegated scope beside it, in
 * its slice, and run starts again there (run_scope()); one with a limit of
 * its own would leave it, and is refused.  A caller in the root cgroup gets RESTRACK_RUN_PARENT,
 * as the root has no limits to keep.
 */

struct run_place {
	char dir[PATH_MAX];	/* the command's cgroup */
	char home[PATH_MAX];	/* the caller's cgroup when nested, or "" */
	char top[PATH_MAX];	/* RESTRACK_RUN_PARENT when made here, or "" */
	int lock;		/* flock on home: shared while a run uses it */
	char scope_slice[256];	/* run again in a scope in this slice */
};

/*
 * Set by run in the environment of the copy of itself it starts in a
 * transient scope: the number of a pipe's descriptor, where the copy tells
 * that it started, so that a failure of systemd-run is told from the
 * command's status.  Never passed on to the command.
 */
#define RUN_SCOPE_ENV	"RESTRACK_RUN_SCOPE"
static bool run_in_scope;	/* this run is that copy: never again */

/* The cgroup of this process, as a path below the mount ("/a/b" or "/"). */
static int own_cgroup(char *rel, size_t len)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		err = strlen(line + 3) < len ? 0 : -ENAMETOOLONG;
		if (!err)
			memcpy(rel, line + 3, strlen(line + 3) + 1);
		break;
	}
	fclose(f);
	return err;
}

/* PID 1 is systemd, as sd_booted() tells. */
static bool under_systemd(void)
{
	struct stat st;

	return !lstat("/run/systemd/system", &st) && S_ISDIR(st.st_mode);
}

/*
 * systemd marks the cgroup of a unit with Delegate=yes with the extended
 * attribute trusted.delegate (user.delegate since 253): what is below it
 * belongs to the unit's processes, not to systemd.
 */
static bool delegated(const char *mnt, const char *rel)
{
	char path[PATH_MAX], val[4], *slash;
	static const char *const names[] = { "trusted.delegate", "user.delegate" };
	size_t i;
	ssize_t n;

	snprintf(path, sizeof(path), "%s%s", mnt, rel);
	while (strlen(path) > strlen(mnt)) {
		for (i = 0; i < ARRAY_SIZE(names); i++) {
			n = getxattr(path, names[i], val, sizeof(val) - 1);
			if (n > 0) {
				val[n] = '\0';
				if (!strcmp(val, "1"))
					return true;
			}
		}
		slash = strrchr(path, '/');
		*slash = '\0';
	}
	return false;
}

/*
 * Move every process of cgroup FROM to TO.  New ones may be forked into
 * FROM meanwhile: until it is empty, or -EBUSY.  A process that exits
 * meanwhile is no error.
 */
static int move_procs(const char *from, const char *to)
{
	static char buf[65536];
	char *p, *save;
	int pass, err;

	for (pass = 0; pass < 100; pass++) {
		if (restrack_cg_read(from, "cgroup.procs", buf, sizeof(buf)) <= 0)
			return 0;
		for (p = strtok_r(buf, "\n", &save); p;
		     p = strtok_r(NULL, "\n", &save)) {
			err = restrack_cg_write(to, "cgroup.procs", p);
			if (err && err != -ESRCH)
				return err;
		}
	}
	return -EBUSY;
}

/* Undo what run_nest() did to HOME, unless another run uses it. */
static void run_unnest(struct run_place *pl)
{
	char leaf[PATH_MAX + 16];
	int err;

	if (pl->lock < 0)
		return;
	snprintf(leaf, sizeof(leaf), "%s/" RUN_LEAF, pl->home);
	if (flock(pl->lock, LOCK_EX | LOCK_NB) == 0 && !access(leaf, F_OK)) {
		err = restrack_cg_write(pl->home, "cgroup.subtree_control",
					"-restrack");
		if (!err)
			err = move_procs(leaf, pl->home);
		if (!err && rmdir(leaf))
			err = -errno;
		if (err)
			say("cannot give %s its processes back: %s", pl->home,
			    restrack_strerror(err));
	}
	close(pl->lock);
	pl->lock = -1;
}

/*
 * Make HOME (the caller's cgroup REL) able to hold the command's cgroup:
 * its processes into HOME/RUN_LEAF, restrack enabled down to it.  Holds
 * HOME's lock shared, so that the last run ending puts things back.
 */
static int run_nest(const char *mnt, const char *rel, struct run_place *pl)
{
	char leaf[PATH_MAX + 16], bad[PATH_MAX];
	int err;

	snprintf(pl->home, sizeof(pl->home), "%s%s", mnt, rel);
	pl->lock = open(pl->home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pl->lock < 0 || flock(pl->lock, LOCK_EX)) {
		say("cannot open %s: %s", pl->home, restrack_strerror(errno));
		return -1;
	}
	snprintf(leaf, sizeof(leaf), "%s/" RUN_LEAF, pl->home);
	if (!restrack_cg_has_word(pl->home, "cgroup.subtree_control", "restrack") &&
	    restrack_cg_has_procs(pl->home)) {
		if (mkdir(leaf, 0755) && errno != EEXIST) {
			say("cannot create %s: %s", leaf, restrack_strerror(errno));
			goto fail;
		}
		err = move_procs(pl->home, leaf);
		if (err) {
			say("cannot move the processes of %s to %s: %s",
			    pl->home, leaf, restrack_strerror(err));
			goto fail;
		}
	}
	err = restrack_enable_path(mnt, rel, bad, sizeof(bad));
	if (err == -EBUSY) {
		say("cannot enable restrack in %s: it holds processes, and cgroup v2 puts controllers only on cgroups without them",
		    bad);
		goto fail;
	} else if (err) {
		say("cannot enable restrack in %s: %s", bad,
		    restrack_strerror(err));
		goto fail;
	}
	flock(pl->lock, LOCK_SH);
	return 0;
fail:
	run_unnest(pl);
	return -1;
}

/* The command's cgroup below PARENT: run-PID, or run-PID-N if taken. */
static int run_mkdir(const char *parent, struct run_place *pl)
{
	int n;

	for (n = 0; ; n++) {
		if (n)
			snprintf(pl->dir, sizeof(pl->dir), "%s/run-%d-%d",
				 parent, getpid(), n);
		else
			snprintf(pl->dir, sizeof(pl->dir), "%s/run-%d", parent,
				 getpid());
		if (mkdir(pl->dir, 0755) == 0)
			return 0;
		if (errno != EEXIST || n > 100) {
			say("cannot create %s: %s", pl->dir,
			    restrack_strerror(errno));
			return -1;
		}
	}
}

/*
 * The caller's cgroup REL is systemd's, not delegated.  A cgroup for the
 * command below it would break systemd's rules.  When it has no limit of
 * its own, a transient scope beside it, in the same slice, loses nothing:
 * every limit that applied to the caller is the slice's (and those above
 * it), and applies to the scope too.  1 with the slice in PL->scope_slice
 * when so; -1 after saying why not.
 */
static int run_scope_check(const char *mnt, const char *rel,
			   struct run_place *pl)
{
	char dir[PATH_MAX], what[320], parent[PATH_MAX];
	const char *unit = strrchr(rel, '/') + 1, *slash, *slice;
	int r;

	if (run_in_scope) {
		say("%s, the scope systemd-run made, is not delegated to its processes (Delegate=yes was not applied); nothing run",
		    rel);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s%s", mnt, rel);
	r = restrack_cg_own_limit(dir, what, sizeof(what));
	if (r < 0) {
		say("cannot read the limits of %s: %s", dir, restrack_strerror(r));
		return -1;
	}
	if (r > 0) {
		say("%s has a limit of its own, %s, and its cgroup %s is not delegated to its processes: the command can go neither below it (systemd's rules) nor beside it (the limit would be lost); give %s Delegate=yes, or run restrack run where it may (restrack(8))",
		    unit, what, rel, unit);
		return -1;
	}
	/* the slice: the parent cgroup, "/" being -.slice */
	slash = strrchr(rel, '/');
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
	slice = parent[0] ? strrchr(parent, '/') + 1 : "-.slice";
	if (strlen(slice) < 7 || strcmp(slice + strlen(slice) - 6, ".slice") ||
	    strlen(slice) >= sizeof(pl->scope_slice)) {
		say("%s is not delegated to its processes, and %s is not a slice where a scope could go beside it; give the unit Delegate=yes (restrack(8))",
		    rel, parent[0] ? parent : "/");
		return -1;
	}
	snprintf(pl->scope_slice, sizeof(pl->scope_slice), "%s", slice);
	return 1;
}

/*
 * Choose and create the command's cgroup: 0; 1 when run must start again
 * in a transient scope (PL->scope_slice); -1 after saying why not.
 */
static int run_place(const char *mnt, const struct run_opts *o,
		     struct run_place *pl)
{
	char rel[PATH_MAX], parent[PATH_MAX], bad[PATH_MAX];
	const char *p;
	size_t n = strlen(mnt);
	int err;

	memset(pl, 0, sizeof(*pl));
	pl->lock = -1;
	if (o->parent) {
		/* --parent: relative to the mount, or a path below it */
		p = o->parent;
		if (!strncmp(p, mnt, n) && (p[n] == '/' || !p[n]))
			p += n;
		while (*p == '/')
			p++;
	} else {
		err = own_cgroup(rel, sizeof(rel));
		if (err) {
			say("cannot read /proc/self/cgroup: %s",
			    restrack_strerror(err));
			return -1;
		}
		if (strcmp(rel, "/")) {
			if (under_systemd() && !delegated(mnt, rel))
				return run_scope_check(mnt, rel, pl);
			if (run_nest(mnt, rel, pl))
				return -1;
			if (run_mkdir(pl->home, pl)) {
				run_unnest(pl);
				return -1;
			}
			return 0;
		}
		p = RESTRACK_RUN_PARENT;
		snprintf(pl->top, sizeof(pl->top), "%s/%s", mnt, p);
	}
	if (snprintf(parent, sizeof(parent), "%s/%s", mnt, p) >=
	    (int)sizeof(parent) - 32) {
		say("cgroup path too long: %s", p);
		return -1;
	}
	err = restrack_enable_path(mnt, p, bad, sizeof(bad));
	if (err == -EBUSY) {
		say("cannot enable restrack in %s: it holds processes, and cgroup v2 puts controllers only on cgroups without them; choose another --parent",
		    bad);
		return -1;
	} else if (err) {
		say("cannot enable restrack in %s: %s", bad,
		    restrack_strerror(err));
		return -1;
	}
	return run_mkdir(parent, pl);
}

/* Remove the command's cgroup and what was made for it. */
static void run_unplace(struct run_place *pl)
{
	int err = remove_cgroup(pl->dir);

	if (err)
		say("cannot remove %s: %s", pl->dir, restrack_strerror(err));
	run_unnest(pl);
	/* the parent made for callers in the root, when no other run uses it */
	if (pl->top[0])
		rmdir(pl->top);
}

/*
 * Run again, as ARGV says, in a transient scope of SLICE with Delegate=yes:
 * systemd-run --scope --slice=SLICE -p Delegate=yes -- restrack run ...
 * systemd-run execs this program in the new scope, where the delegated
 * path applies.  Its own failure (no D-Bus, a refused unit) would exit 1,
 * as a command could: the copy writes to a pipe as soon as it starts, and
 * without that word run says systemd-run failed and exits 125.  Otherwise
 * the copy's status is passed on: the command's, or 125 for its own
 * failures.
 */
static int run_scope(int argc, char **argv, const char *slice,
		     const sigset_t *set, const sigset_t *oldmask)
{
	const char *systemd_run = getenv("RESTRACK_SYSTEMD_RUN");
	char exe[PATH_MAX], slice_opt[300], fdnum[16], started;
	char **args;
	int fds[2], status, i, a = 0;
	ssize_t n;
	pid_t pid;

	if (!systemd_run || !*systemd_run)
		systemd_run = "systemd-run";
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		say("cannot find this program (/proc/self/exe): %s", strerror(errno));
		return EXIT_RUN_FAILED;
	}
	exe[n] = '\0';
	args = calloc(argc + 16, sizeof(*args));
	if (!args || pipe2(fds, O_CLOEXEC | O_NONBLOCK)) {
		say("cannot start %s: %s", systemd_run, strerror(errno));
		return EXIT_RUN_FAILED;
	}
	snprintf(slice_opt, sizeof(slice_opt), "--slice=%s", slice);
	args[a++] = (char *)systemd_run;
	args[a++] = "--scope";
	args[a++] = "--quiet";
	args[a++] = "--collect";
	args[a++] = slice_opt;
	args[a++] = "-p";
	args[a++] = "Delegate=yes";
	args[a++] = "--";
	args[a++] = exe;
	args[a++] = "run";
	for (i = 1; i < argc; i++)
		args[a++] = argv[i];
	args[a] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int w = dup(fds[1]);	/* without O_CLOEXEC */

		snprintf(fdnum, sizeof(fdnum), "%d", w);
		if (w < 0 || setenv(RUN_SCOPE_ENV, fdnum, 1))
			_exit(127);
		sigprocmask(SIG_SETMASK, oldmask, NULL);
		execvp(args[0], args);
		fprintf(stderr, "restrack: run: cannot run %s: %s\n", args[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	if (pid < 0) {
		say("cannot start %s: %s", systemd_run, strerror(errno));
		close(fds[0]);
		free(args);
		return EXIT_RUN_FAILED;
	}
	status = wait_forwarding(pid, set);
	n = read(fds[0], &started, 1);
	close(fds[0]);
	free(args);
	if (n != 1) {
		if (WIFEXITED(status))
			say("%s --scope --slice=%s failed (exit status %d): the command did not run",
			    systemd_run, slice, WEXITSTATUS(status));
		else
			say("%s --scope --slice=%s killed by signal %d: the command did not run",
			    systemd_run, slice, WTERMSIG(status));
		return EXIT_RUN_FAILED;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* In the copy run_scope() started: tell it so, and hide the marker. */
static void run_scope_started(void)
{
	const char *v = getenv(RUN_SCOPE_ENV);
	int fd;

	if (!v)
		return;
	run_in_scope = true;
	fd = atoi(v);
	if (fd > 2) {
		if (write(fd, "s", 1) < 0) {
			/* the caller is gone or it was not ours: nothing to tell */
		}
		close(fd);
	}
	unsetenv(RUN_SCOPE_ENV);
}

int cmd_run(int argc, char **argv)
{
	struct child_pipes pipes;
	struct run_place pl;
	int status, ret, err, n;
	struct child_failure fail;
	sigset_t set, oldmask;
	struct run_opts o;
	const char *mnt;
	pid_t pid;

	run_scope_started();
	ret = run_parse(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : EXIT_RUN_FAILED;

	/*
	 * From here on the signals meant for the command wait until it runs,
	 * and a SIGCHLD ignored by our caller must not make it unwaitable.
	 */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, &oldmask);

	mnt = restrack_mount();
	if (!mnt)
		return EXIT_RUN_FAILED;
	if (!restrack_is_cgroup2(mnt)) {
		say("%s is not a cgroup v2 file system", mnt);
		return EXIT_RUN_FAILED;
	}
	ret = run_place(mnt, &o, &pl);
	if (ret > 0)
		return run_scope(argc, argv, pl.scope_slice, &set, &oldmask);
	if (ret)
		return EXIT_RUN_FAILED;

	ret = EXIT_RUN_FAILED;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pipes.sock)) {
		say("socketpair: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);

	pid = start_in_cgroup(&o, pl.dir, &oldmask, &pipes);
	close(pipes.sock[1]);
	if (pid < 0) {
		say("cannot start %s: %s", o.argv[0], strerror(errno));
		close(pipes.sock[0]);
		goto out;
	}
	err = set_limits(&o, pl.dir);
	if (err) {
		say("cannot set the limits of %s: %s", pl.dir,
		    restrack_strerror(err));
		shutdown(pipes.sock[0], SHUT_RDWR);
	} else {
		/* a child already dead tells how by its message or status */
		send(pipes.sock[0], "g", 1, MSG_NOSIGNAL);
	}
	n = read(pipes.sock[0], &fail, sizeof(fail));
	close(pipes.sock[0]);
	status = wait_forwarding(pid, &set);
	if (err)
		goto out;
	if (n == sizeof(fail)) {
		if (fail.stage == 0) {
			say("cannot move the command into %s: %s", pl.dir,
			    restrack_strerror(fail.err));
			goto out;
		}
		if (fail.err == ENOENT)
			say("%s: command not found", o.argv[0]);
		else
			say("%s: %s", o.argv[0], strerror(fail.err));
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : 127;
		goto out;
	}

	report_run(&o, pl.dir, status);
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

out:
	run_unplace(&pl);
	return ret;
}
