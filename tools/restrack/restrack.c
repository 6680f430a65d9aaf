// SPDX-License-Identifier: GPL-2.0
/*
 * restrack - limit and watch the heap and open files of processes.
 *
 *   restrack run [--heap SIZE] [--files N] [--policy deny|kill] -- CMD...
 *   restrack status [--all] [--sort KEY] [--depth N] [--json|--prometheus]
 *                   [--watch [SECONDS]] [UNIT|CGROUP...]
 *   restrack apply [--dry-run] UNIT
 *   restrack set UNIT [--heap SIZE] [--files N] [--policy P] [--runtime]
 *   restrack register|fetch|deregister|reset PID
 *   restrack cap PID HEAP FILES
 *
 * Exit status: 0 on success, 1 when an operation failed, 2 for a usage
 * error; run exits with its command's status, or 125 when it failed
 * itself.  See restrack(8).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "librestrack.h"

#define EXIT_USAGE	2
/* run's own failures, as env(1) and timeout(1) report theirs */
#define EXIT_RUN_FAILED	125

#ifndef RESTRACK_SBINDIR
#define RESTRACK_SBINDIR "/usr/local/sbin"
#endif

#ifndef RESTRACK_GENERATORDIR
#define RESTRACK_GENERATORDIR "/usr/local/lib/systemd/system-generators"
#endif
#define RESTRACK_GENERATOR_LINK	RESTRACK_GENERATORDIR "/restrack-generator"

#define EXPORTER_DEFAULT_PORT	"9808"

#ifndef RESTRACK_VERSION
#define RESTRACK_VERSION "1.0"
#endif

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

static const char *cmd_name = "restrack";

/* "restrack: [COMMAND: ]" and the message, without the newline */
static void vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "restrack: ");
	if (strcmp(cmd_name, "restrack"))
		fprintf(stderr, "%s: ", cmd_name);
	vfprintf(stderr, fmt, ap);
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A usage error: one line, and where to read more. */
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	if (strcmp(cmd_name, "restrack"))
		fprintf(stderr, " (see restrack %s --help)\n", cmd_name);
	else
		fprintf(stderr, " (see restrack --help)\n");
	return EXIT_USAGE;
}

static const char usage_main[] =
"Usage: restrack COMMAND [OPTIONS] [ARGS]\n"
"\n"
"Limit and watch the heap (data address space) and the open file\n"
"descriptors of processes with the restrack cgroup controller.\n"
"\n"
"Commands:\n"
"  run [OPTIONS] -- CMD [ARG...]  run CMD in a fresh limited cgroup below\n"
"                                 the caller's\n"
"  status [OPTIONS]               show limited cgroups and registered processes\n"
"  top [OPTIONS]                  a live view, sorted, like systemd-cgtop\n"
"  exporter [--listen ADDR]       serve the Prometheus metrics over HTTP\n"
"  apply [--dry-run] UNIT         set the limits a systemd unit and its slices\n"
"                                 declare in [X-Restrack] on their cgroups\n"
"  set UNIT [OPTIONS]             change a unit's or slice's limits now and\n"
"                                 for good, like systemctl set-property\n"
"  generate DIR                   the systemd generator: drop-ins running\n"
"                                 apply for the units that declare limits\n"
"  register PID                   move PID into its own cgroup, restrack/PID\n"
"  fetch PID                      print the heap (MiB) and open files of PID\n"
"  cap PID HEAP FILES             set its quotas (over quota = SIGKILL)\n"
"  reset PID                      lift its quotas\n"
"  deregister PID                 move PID back and remove its cgroup\n"
"  help [COMMAND]                 this text, or the help of COMMAND\n"
"\n"
"Sizes: bytes with an optional K, M, G, T, P or E suffix (1.5G); \"max\" or\n"
"\"infinity\" for no limit.  cap's HEAP is MiB (64 = 64M).\n"
"Exit status: 0 success, 1 failure, 2 usage error; run: the command's, or\n"
"125 when run itself failed.\n"
"\"restrack COMMAND --help\" and restrack(8) say more.\n";

static const char usage_run[] =
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

static const char usage_status[] =
"Usage: restrack status [OPTIONS] [UNIT|CGROUP...]\n"
"\n"
"Show every cgroup with a restrack limit or a registered process: heap\n"
"current, max and peak, open files current, max and peak, policy and\n"
"events; then the processes registered with restrack register.  Given\n"
"units (web.service, batch.slice) or cgroups (/batch.slice), show those and\n"
"every cgroup below them, limited or not.\n"
"\n"
"Options:\n"
"  -a, --all              every cgroup where restrack is enabled\n"
"  -s, --sort KEY         heap or files (largest first), or name (the tree,\n"
"                         by path: the default)\n"
"  -d, --depth N          nothing more than N levels below the given\n"
"                         cgroups (below the root without any): 0 is the\n"
"                         given ones alone, 1 their children too\n"
"  -p, --processes        each process of the cgroups shown (or of the given\n"
"                         ones): its VmData, open files and command line, and\n"
"                         its share of the cgroup's usage\n"
"  --json                 JSON (schema in restrack(8); sizes in bytes,\n"
"                         no limit is null)\n"
"  --prometheus           Prometheus text format, for node_exporter's\n"
"                         textfile collector: labels cgroup and unit; the\n"
"                         restrack/PID and run-PID cgroups summed into one\n"
"                         series per parent (cgroup=\"/restrack/*\")\n"
"  -w, --watch [SECONDS]  refresh every SECONDS (default 2) on a terminal;\n"
"                         one snapshot per interval otherwise; with --json\n"
"                         one compact document a line (NDJSON)\n"
"  -n, --iterations N     stop after N snapshots\n"
"  -o, --output FILE      write to FILE, replaced atomically each time\n"
"  -h, --help             this text\n"
"\n"
"A cgroup's last kill (heap.max or files.max, policy kill), as the kernel\n"
"logged it, shows below its line (\"last kill:\") and in JSON (\"last_kill\"),\n"
"read from /dev/kmsg: root only, and while the log still holds the line.\n";

static const char usage_top[] =
"Usage: restrack top [OPTIONS] [UNIT|CGROUP...]\n"
"\n"
"A live view of every cgroup where restrack is enabled (or of the given\n"
"ones and what is below them), like systemd-cgtop: heap current, peak\n"
"and limit, open files current, peak and limit, and the events of each\n"
"interval, largest heap first.\n"
"\n"
"Keys: h sort by heap, f by open files, n by name (the tree), space\n"
"refresh, q quit.\n"
"\n"
"Options:\n"
"  -s, --sort KEY         heap (default), files or name\n"
"  -d, --depth N          as restrack status --depth\n"
"  --delay SECONDS        refresh every SECONDS (default 1)\n"
"  -n, --iterations N     stop after N refreshes\n"
"  -b, --batch            no screen control, no keys: each refresh after\n"
"                         the last (also when the output is no terminal)\n"
"  -h, --help             this text\n";

static const char usage_exporter[] =
"Usage: restrack exporter [OPTIONS] [UNIT|CGROUP...]\n"
"\n"
"Serve restrack status --all --prometheus over HTTP: GET /metrics, a fresh\n"
"snapshot each time, one request at a time (HTTP/1.0 and 1.1, no\n"
"keep-alive).  Given units or cgroups, those and what is below them.\n"
"\n"
"Options:\n"
"  -l, --listen ADDR      where to listen: HOST:PORT, [IPV6]:PORT, or PORT\n"
"                         or :PORT for loopback; default 127.0.0.1:" EXPORTER_DEFAULT_PORT "\n"
"                         (the network only when its address is named,\n"
"                         e.g. 0.0.0.0:" EXPORTER_DEFAULT_PORT "; there is no authentication)\n"
"  -d, --depth N          as restrack status --depth\n"
"  -h, --help             this text\n";

static const char usage_apply[] =
"Usage: restrack apply [OPTIONS] UNIT\n"
"\n"
"Set the limits that systemd unit UNIT and the slices above it declare in an\n"
"[X-Restrack] section of their unit files or drop-ins (HeapMax=, FilesMax=,\n"
"Policy=) on their cgroups, from the outermost slice in, and enable restrack\n"
"on the way down.  A unit whose declaration was removed since it was last\n"
"applied gets its limits lifted.  Run by the drop-ins of restrack-generator\n"
"(restrack generate) as the first ExecStartPre=+ (or ExecCondition=+) of the\n"
"units that declare limits, so that the limits are set each time the\n"
"unit's cgroup is created, before its own commands; a bad declaration is\n"
"reported, nothing is applied, and the unit is refused.\n"
"\n"
"Options:\n"
"  -n, --dry-run          say what would be set, set nothing\n"
"  -q, --quiet            say nothing when all goes well\n"
"  --condition            exit 255 on failure, as ExecCondition= needs to\n"
"                         fail the unit rather than skip it\n"
"  --create               UNIT is a slice systemd may not have started yet:\n"
"                         create its cgroup (and those above) and set the\n"
"                         limits there; systemd takes it over when it\n"
"                         starts the slice (run by restrack-slice@.service)\n"
"  -h, --help             this text\n"
"\n"
"The unit's cgroup comes from systemctl show -P ControlGroup\n"
"($RESTRACK_SYSTEMCTL names another systemctl).\n";

static const char usage_generate[] =
"Usage: restrack generate NORMAL-DIR [EARLY-DIR LATE-DIR]\n"
"       restrack-generator NORMAL-DIR [EARLY-DIR LATE-DIR]\n"
"\n"
"The systemd generator (systemd.generator(7)), run by systemd at boot and\n"
"at every daemon-reload as " RESTRACK_GENERATOR_LINK ",\n"
"a link to this program.  It reads the [X-Restrack] sections of the\n"
"services, slices and their drop-ins in the unit search path, and writes\n"
"NORMAL-DIR/UNIT.d/" RESTRACK_GEN_DROPIN " for each service that declares\n"
"limits, sits in a slice that does, or was limited before (so that its\n"
"limits are lifted): it runs\n"
"  ExecStartPre=+" RESTRACK_SBINDIR "/restrack apply %n\n"
"before the service's own ExecStartPre= lines, or as its first\n"
"ExecCondition= when it has some.  Each slice that declares limits gets\n"
"NORMAL-DIR/SLICE.d/" RESTRACK_GEN_DROPIN ", with Requires= and After= on\n"
"restrack-slice@SLICE.service, which runs\n"
"  restrack apply --create SLICE\n"
"before systemd starts the slice: the limits are on its cgroup before any\n"
"unit of the slice (scopes and login sessions too) runs.  Other units get\n"
"nothing.\n"
"\n"
"$RESTRACK_UNIT_PATH (directories separated by colons, highest priority\n"
"first) replaces the search path of the system manager.\n";

static const char usage_set[] =
"Usage: restrack set UNIT|SLICE [--heap SIZE] [--files N] [--policy deny|kill]\n"
"                    [--runtime]\n"
"\n"
"Change the restrack limits of a unit or slice as systemctl set-property\n"
"changes its other ones: write them, as an [X-Restrack] drop-in,\n"
"  /etc/systemd/system.control/UNIT.d/" RESTRACK_SET_DROPIN "\n"
"(keeping the keys it had and not given here), run systemctl daemon-reload\n"
"so that the generator reads it, and set them on the running unit's cgroup\n"
"at once (restrack apply UNIT).  A restart and a reboot keep them.  An\n"
"inactive unit gets them at its next start.  \"max\" lifts a limit.  A\n"
"drop-in of the unit whose name sorts after " RESTRACK_SET_DROPIN " overrides\n"
"it: set says so and exits 1.\n"
"\n"
"Options:\n"
"  --heap SIZE            HeapMax=, e.g. 200M, 1.5G, max\n"
"  --files N              FilesMax=, a count or max\n"
"  --policy deny|kill     Policy=\n"
"  --runtime              /run/systemd/system.control instead: gone at the\n"
"                         next boot (remove the file and daemon-reload to\n"
"                         drop it earlier; the running cgroup keeps its\n"
"                         limits until the unit restarts)\n"
"  -h, --help             this text\n"
"\n"
"$RESTRACK_SYSTEMCTL names another systemctl; $RESTRACK_CONTROL_DIR and\n"
"$RESTRACK_RUNTIME_CONTROL_DIR other directories (for tests).\n";

static const char usage_register[] =
"Usage: restrack register PID\n"
"\n"
"Move process PID (all its threads) into its own cgroup, restrack/PID,\n"
"where its heap and open files are counted.  It leaves its cgroup, and\n"
"every limit there, of every controller.  Needs CAP_SYS_RESOURCE and, as\n"
"cgroupfs would, root (uid 0 or CAP_DAC_OVERRIDE).\n";

static const char usage_fetch[] =
"Usage: restrack fetch PID\n"
"\n"
"Print the heap (MiB, rounded down) and the open files of the cgroup of\n"
"registered process PID: \"pid PID heap NM files N\".\n";

static const char usage_cap[] =
"Usage: restrack cap PID HEAP FILES\n"
"\n"
"Set the quotas of registered process PID: HEAP in MiB (64), or a size that\n"
"is a whole number of MiB (64M, 1G), FILES a count; \"max\", \"infinity\" or\n"
"-1 for no quota.  A process over a quota is killed (policy kill).  Reset\n"
"before setting new quotas.  Needs CAP_SYS_RESOURCE and, as cgroupfs would,\n"
"root (uid 0 or CAP_DAC_OVERRIDE).\n";

static const char usage_reset[] =
"Usage: restrack reset PID\n"
"\n"
"Lift both quotas of registered process PID.  Needs CAP_SYS_RESOURCE and,\n"
"as cgroupfs would, root (uid 0 or CAP_DAC_OVERRIDE).\n";

static const char usage_deregister[] =
"Usage: restrack deregister PID\n"
"\n"
"Move registered process PID back to the cgroup it came from and remove\n"
"restrack/PID.  Needs CAP_SYS_RESOURCE and, as cgroupfs would, root (uid 0\n"
"or CAP_DAC_OVERRIDE).\n";

static bool is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

/* Whether A is option NAME, as "--name" or "--name=VALUE". */
static bool is_opt(const char *a, const char *name)
{
	size_t len = strlen(name);

	return !strncmp(a, name, len) && (!a[len] || a[len] == '=');
}

/* The value of the option at argv[*i], moving past it; NULL if missing. */
static const char *opt_arg(int argc, char **argv, int *i)
{
	const char *eq = strchr(argv[*i], '=');

	if (eq && argv[*i][1] == '-')
		return eq + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int bad_size(const char *what, const char *s, int err)
{
	return usage_error("bad %s '%s': %s", what, s,
			   err == -ERANGE ? "too large" :
			   "expected a number with an optional K, M, G, T, P or E suffix, or max");
}

static int bad_count(const char *what, const char *s, int err)
{
	return usage_error("bad %s '%s': %s", what, s,
			   err == -ERANGE ? "too large" :
			   "expected a whole number or max");
}

/* The cgroup v2 mount with the restrack controller, or NULL after saying why. */
static const char *restrack_mount(void)
{
	const char *mnt = restrack_cgroup_mount();
	char buf[8];

	if (!mnt) {
		say("cgroup v2 is not mounted (mount -t cgroup2 none /sys/fs/cgroup)");
		return NULL;
	}
	if (restrack_cg_read(mnt, "cgroup.controllers", buf, sizeof(buf)) < 0) {
		say("%s is not a cgroup v2 file system", mnt);
		return NULL;
	}
	if (restrack_controller_available(mnt)) {
		say("this kernel has no restrack controller (CONFIG_CGROUP_RESTRACK)");
		return NULL;
	}
	return mnt;
}

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

static int run_parse(int argc, char **argv, struct run_opts *o)
{
	int i, r;

	memset(o, 0, sizeof(*o));
	o->heap = RT_LIMIT_MAX;
	o->files = RT_LIMIT_MAX;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		if (is_help(a)) {
			fputs(usage_run, stdout);
			return -1;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = true;
		} else if (is_opt(a, "--heap")) {
			v = opt_arg(argc, argv, &i);
			if (!v)
				return usage_error("option '--heap' needs a size");
			r = restrack_parse_size(v, &o->heap);
			if (r)
				return bad_size("heap size", v, r);
		} else if (is_opt(a, "--files")) {
			v = opt_arg(argc, argv, &i);
			if (!v)
				return usage_error("option '--files' needs a count");
			r = restrack_parse_count(v, &o->files);
			if (r)
				return bad_count("file count", v, r);
		} else if (is_opt(a, "--policy")) {
			v = opt_arg(argc, argv, &i);
			if (!v || (strcmp(v, "deny") && strcmp(v, "kill")))
				return usage_error("option '--policy' needs deny or kill");
			o->policy = v;
		} else if (is_opt(a, "--parent")) {
			v = opt_arg(argc, argv, &i);
			if (!v || !*v)
				return usage_error("option '--parent' needs a cgroup");
			o->parent = v;
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	if (i >= argc)
		return usage_error("no command to run");
	o->argv = argv + i;
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

static int cmd_run(int argc, char **argv)
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

/* apply */

#define APPLY_MAX_UNITS	16

/* Output of CMD... (stdout), NUL-terminated in a malloc'd buffer. */
static char *run_capture(char *const argv[], int *status)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);
	int fds[2];
	pid_t pid;
	ssize_t n;

	if (!buf || pipe2(fds, O_CLOEXEC)) {
		free(buf);
		return NULL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(buf);
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "restrack: apply: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fds[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fds[0]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return buf;
}

/* systemctl show of NAMES into UNITS; *NR of them.  0 or -1 after saying why. */
static int systemctl_show(char **names, size_t nr_names,
			  struct restrack_unit_info *units, size_t *nr)
{
	const char *systemctl = getenv("RESTRACK_SYSTEMCTL");
	char *argv[APPLY_MAX_UNITS + 16], *out;
	size_t i, a = 0;
	int status = 0, err;

	argv[a++] = (char *)(systemctl && *systemctl ? systemctl : "systemctl");
	argv[a++] = "show";
	argv[a++] = "-p";
	argv[a++] = "Id,ControlGroup,FragmentPath,DropInPaths,LoadState";
	argv[a++] = "--";
	for (i = 0; i < nr_names && i < APPLY_MAX_UNITS; i++)
		argv[a++] = names[i];
	argv[a] = NULL;
	out = run_capture(argv, &status);
	if (!out) {
		say("cannot run %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		say("%s show %s failed", argv[0], names[0]);
		free(out);
		return -1;
	}
	err = restrack_parse_show(out, units, APPLY_MAX_UNITS, nr);
	free(out);
	if (err || *nr != nr_names) {
		say("cannot read the output of %s show", argv[0]);
		return -1;
	}
	return 0;
}

/* One cgroup on the way to the unit, and what goes into it. */
struct apply_step {
	struct restrack_unit_info *info;
	struct restrack_decl decl;
	bool reset;		/* declared before, not now: lift the limits */
	char dir[PATH_MAX];
	int fd[3];		/* policy, heap.max, files.max */
};

static const char *const apply_files[3] = {
	"restrack.policy", "restrack.heap.max", "restrack.files.max",
};

/* Where apply remembers which units it limited: /run/restrack/applied. */
static int applied_mark(const char *unit, int op)
{
	const char *dir = getenv("RESTRACK_STATE_DIR");
	char path[PATH_MAX];
	int fd;

	if (!dir || !*dir)
		dir = "/run/restrack/applied";
	snprintf(path, sizeof(path), "%s/%s", dir, unit);
	switch (op) {
	case 0:		/* test */
		return access(path, F_OK) == 0;
	case 1:		/* set */
		mkdir("/run/restrack", 0755);
		mkdir(dir, 0755);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	default:	/* clear */
		return unlink(path) && errno != ENOENT ? -errno : 0;
	}
}

/*
 * Run from ExecStartPre=, apply is in the cgroup of the unit it limits,
 * inside the slices it limits: its descriptors, its heap and the systemctl
 * it starts would count against those limits (a slice near its limit
 * would refuse them, or kill them under the kill policy).  It moves itself
 * to the root cgroup first, where nothing is charged.  systemd follows
 * the process, not its cgroup, and it exits soon.  Best effort: where the
 * root cannot be written (a delegated subtree), it stays.
 */
static bool apply_stay;		/* apply run by set: stay in our cgroup */

static void leave_cgroup(void)
{
	const char *mnt = restrack_cgroup_mount();
	char buf[32];

	if (!mnt || !restrack_is_cgroup2(mnt))
		return;
	snprintf(buf, sizeof(buf), "%d", getpid());
	restrack_cg_write(mnt, "cgroup.procs", buf);
}

static int cmd_apply(int argc, char **argv)
{
	struct restrack_unit_info *units = NULL;
	struct apply_step steps[APPLY_MAX_UNITS];
	char *names[APPLY_MAX_UNITS], cg[PATH_MAX], *tok, *save;
	char why[PATH_MAX + 256], bad[PATH_MAX], b[2][RESTRACK_SIZE_BUFSZ];
	bool dry = false, quiet = false, any = false, condition = false;
	bool create = false, created = false;
	size_t nr = 0, nr_steps = 0, i, j, deepest = 0;
	const char *unit = NULL, *mnt = NULL;
	int ret = EXIT_FAILURE, err, k;

	for (k = 1; k < argc; k++) {
		const char *a = argv[k];

		if (is_help(a)) {
			fputs(usage_apply, stdout);
			return 0;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--dry-run")) {
			dry = true;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--condition")) {
			condition = true;
		} else if (!strcmp(a, "--create")) {
			create = true;
		} else if (!strcmp(a, "--")) {
			if (k + 1 < argc && !unit)
				unit = argv[++k];
			if (k + 1 < argc)
				return usage_error("too many arguments");
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else if (unit) {
			return usage_error("too many arguments");
		} else {
			unit = a;
		}
	}
	if (!unit || !*unit)
		return usage_error("no unit given");
	if (create && (strlen(unit) <= 6 ||
		       strcmp(unit + strlen(unit) - 6, ".slice")))
		return usage_error("--create: %s is not a slice", unit);

	if (!apply_stay)
		leave_cgroup();
	units = calloc(APPLY_MAX_UNITS, sizeof(*units));
	if (!units) {
		say("out of memory");
		return EXIT_FAILURE;
	}
	names[0] = (char *)unit;
	if (systemctl_show(names, 1, units, &nr))
		goto out;
	if (strcmp(units[0].load_state, "loaded")) {
		say("%s: unit not loaded (LoadState=%s)", unit,
		    units[0].load_state);
		goto out;
	}
	/*
	 * A slice systemd has not started yet (restrack-slice@.service runs
	 * before it): the cgroup it will get, which apply creates.
	 */
	if (create && !units[0].cgroup[0] &&
	    !restrack_slice_cgroup(units[0].id, units[0].cgroup,
				   sizeof(units[0].cgroup)))
		created = true;
	if (!units[0].cgroup[0] || !strcmp(units[0].cgroup, "/")) {
		say("%s has no cgroup of its own: %s", units[0].id,
		    units[0].cgroup[0] ? "it is the root cgroup" :
		    "it is not running (ControlGroup is empty)");
		goto out;
	}

	/*
	 * The slices on the way down, from the ControlGroup path: a unit's
	 * cgroup is MNT/a.slice/a-b.slice/x.service.
	 */
	snprintf(cg, sizeof(cg), "%s", units[0].cgroup);
	for (tok = strtok_r(cg, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		const char *u = restrack_unit_name(tok);

		if (!u || strcmp(u + strlen(u) - 6, ".slice") ||
		    !strcmp(u, units[0].id))
			continue;
		if (nr_steps + 2 > APPLY_MAX_UNITS) {
			say("%s: too many slices", unit);
			goto out;
		}
		names[nr_steps++] = tok;
	}
	if (nr_steps) {
		size_t got;

		if (systemctl_show(names, nr_steps, units + 1, &got))
			goto out;
		/* the slices above one not started yet may not be either */
		for (i = 1; created && i <= nr_steps; i++)
			if (!units[i].cgroup[0])
				restrack_slice_cgroup(units[i].id, units[i].cgroup,
						      sizeof(units[i].cgroup));
	}
	/* steps: the slices in path order, then the unit */
	for (i = 0; i <= nr_steps; i++)
		steps[i].info = &units[i == nr_steps ? 0 : i + 1];
	nr_steps++;

	/* Every declaration first: a bad one means nothing is applied. */
	err = 0;
	for (i = 0; i < nr_steps; i++) {
		struct apply_step *s = &steps[i];

		if (restrack_decl_of_unit(s->info, &s->decl, why, sizeof(why))) {
			say("%s: %s", s->info->id, why);
			err = 1;
			continue;
		}
		s->reset = !s->decl.present && applied_mark(s->info->id, 0) > 0;
		if (s->decl.present || s->reset)
			any = true;
		if (s->decl.present)
			deepest = i;
	}
	if (err) {
		say("%s: bad declaration: no limit applied", unit);
		goto out;
	}
	if (!any) {
		ret = 0;
		goto out;
	}

	mnt = restrack_mount();
	if (!mnt)
		goto out;
	for (i = 0; i < nr_steps; i++)
		snprintf(steps[i].dir, sizeof(steps[i].dir), "%s%s", mnt,
			 steps[i].info->cgroup);

	for (i = 0; i < nr_steps; i++) {
		struct apply_step *s = &steps[i];

		if (quiet || !(s->decl.present || s->reset))
			continue;
		if (s->reset)
			say("%s%s: declaration removed: lifting the limits of %s",
			    dry ? "dry run: " : "", s->info->id, s->info->cgroup);
		else
			say("%s%s: %s heap %s files %s policy %s",
			    dry ? "dry run: " : "", s->info->id,
			    s->info->cgroup,
			    restrack_format_size(s->decl.heap, b[0]),
			    restrack_format_count(s->decl.files, b[1]),
			    s->decl.policy);
	}
	if (dry) {
		ret = 0;
		goto out;
	}

	/*
	 * restrack on the parent of the innermost declared cgroup, and all the
	 * way up; systemd's slices hold no processes.  That is what the limits
	 * need.  Then on down to the unit's parent, so that the unit has
	 * restrack's files too, and status shows which unit uses a slice's
	 * budget; the limits do not depend on it, so a failure there is only
	 * said.
	 */
	if (steps[deepest].decl.present) {
		char parent[PATH_MAX], *slash;

		snprintf(parent, sizeof(parent), "%s", steps[deepest].info->cgroup);
		slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		err = restrack_enable_path(mnt, parent, bad, sizeof(bad));
		if (err == -EBUSY) {
			say("cannot enable restrack in %s: it holds processes, and cgroup v2 puts controllers only on cgroups without them",
			    bad);
			goto out;
		} else if (err) {
			say("cannot enable restrack in %s: %s", bad,
			    restrack_strerror(err));
			goto out;
		}
		snprintf(parent, sizeof(parent), "%s",
			 steps[nr_steps - 1].info->cgroup);
		slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		err = restrack_enable_path(mnt, parent, bad, sizeof(bad));
		if (err)
			say("%s: restrack not enabled in %s (%s): the unit's usage counts in its slice's, but is not shown on its own",
			    units[0].id, bad,
			    err == -EBUSY ? "it holds processes" :
			    restrack_strerror(err));
	}
	/*
	 * --create: the slice's cgroup before systemd starts the slice.  It
	 * takes a cgroup that exists as it finds it (mkdir's EEXIST is no
	 * error to it) and leaves +restrack in the subtree_control above it
	 * alone: it writes only the controllers it knows.
	 */
	if (created && steps[deepest].decl.present) {
		if (!mkdir(steps[deepest].dir, 0755)) {
			if (!quiet)
				say("%s: not started yet: created its cgroup %s for systemd to take over",
				    steps[deepest].info->id,
				    steps[deepest].info->cgroup);
		} else if (errno != EEXIST) {
			say("cannot create %s: %s", steps[deepest].dir,
			    restrack_strerror(-errno));
			goto out;
		}
	}

	/*
	 * This process runs in the unit's cgroup (ExecStartPre=): every file
	 * is opened before the first limit is written, so that no descriptor
	 * is charged against a limit just set, and the policy goes first, so
	 * that nothing is killed for usage from before the limits.
	 */
	for (i = 0; i < nr_steps; i++)
		for (j = 0; j < 3; j++)
			steps[i].fd[j] = -1;
	err = 0;
	for (i = 0; i < nr_steps && !err; i++) {
		struct apply_step *s = &steps[i];

		if (!s->decl.present && !s->reset)
			continue;
		for (j = 0; j < 3; j++) {
			char path[PATH_MAX + 32];

			snprintf(path, sizeof(path), "%s/%s", s->dir,
				 apply_files[j]);
			s->fd[j] = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
			if (s->fd[j] < 0) {
				err = -errno;
				/* a lifted limit on a cgroup without restrack */
				if (s->reset && err == -ENOENT) {
					err = 0;
					break;
				}
				say("cannot open %s: %s", path,
				    restrack_strerror(err));
				break;
			}
		}
	}
	for (i = 0; i < nr_steps && !err; i++) {
		struct apply_step *s = &steps[i];
		char val[3][32];

		if (s->fd[0] < 0 || s->fd[1] < 0 || s->fd[2] < 0)
			continue;
		snprintf(val[0], sizeof(val[0]), "%s", s->decl.policy);
		restrack_format_count(s->decl.heap, val[1]);
		restrack_format_count(s->decl.files, val[2]);
		for (j = 0; j < 3 && !err; j++)
			if (write(s->fd[j], val[j], strlen(val[j])) < 0) {
				err = -errno;
				say("cannot write %s to %s/%s: %s", val[j],
				    s->dir, apply_files[j],
				    restrack_strerror(err));
			}
	}
	for (i = 0; i < nr_steps; i++)
		for (j = 0; j < 3; j++)
			if (steps[i].fd[j] >= 0)
				close(steps[i].fd[j]);
	if (err)
		goto out;
	for (i = 0; i < nr_steps; i++) {
		if (steps[i].decl.present)
			err = applied_mark(steps[i].info->id, 1);
		else if (steps[i].reset)
			err = applied_mark(steps[i].info->id, 2);
		if (err)
			say("cannot record %s in /run/restrack: %s",
			    steps[i].info->id, strerror(-err));
	}
	ret = 0;
out:
	free(units);
	return ret && condition ? 255 : ret;
}

/* set */

/* The [X-Restrack] keys set writes, in this order */
static const char *const set_keys[3] = { "HeapMax", "FilesMax", "Policy" };

/* The values of set_keys in FILE, written by an earlier set; "" if none. */
static void set_read(const char *file, char val[3][64])
{
	char line[512], *eq;
	bool in = false;
	FILE *f = fopen(file, "re");
	size_t i;

	for (i = 0; i < 3; i++)
		val[i][0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '[') {
			in = !strcmp(line, "[" RESTRACK_UNIT_SECTION "]");
			continue;
		}
		eq = strchr(line, '=');
		if (!in || !eq)
			continue;
		*eq = '\0';
		for (i = 0; i < 3; i++)
			if (!strcmp(line, set_keys[i]))
				snprintf(val[i], sizeof(val[i]), "%s", eq + 1);
	}
	fclose(f);
}

/* DIR/UNIT.d/RESTRACK_SET_DROPIN with VAL, replaced atomically */
static int set_write(const char *dir, const char *unit, char val[3][64],
		     char *path, size_t len)
{
	char d[PATH_MAX], tmp[PATH_MAX + 16];
	size_t i;
	FILE *f;
	int err;

	if ((size_t)snprintf(d, sizeof(d), "%s/%s.d", dir, unit) >= sizeof(d) - 32 ||
	    (size_t)snprintf(path, len, "%s/%s.d/" RESTRACK_SET_DROPIN, dir, unit) >= len)
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, getpid());
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(d, 0755) && errno != EEXIST)
		return -errno;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "# Written by restrack set (restrack(8)); edit with it or by hand.\n"
		"[" RESTRACK_UNIT_SECTION "]\n");
	for (i = 0; i < 3; i++)
		if (val[i][0])
			fprintf(f, "%s=%s\n", set_keys[i], val[i]);
	if (fflush(f) || ferror(f) || fsync(fileno(f)) || fclose(f) ||
	    rename(tmp, path)) {
		err = errno ? -errno : -EIO;
		unlink(tmp);
		return err;
	}
	return 0;
}

static int cmd_set(int argc, char **argv)
{
	const char *unit = NULL, *dir, *env, *v, *systemctl;
	char name[256], val[3][64], given[3][64], path[PATH_MAX];
	char why[PATH_MAX + 256], *names[1], *reload[3];
	struct restrack_unit_info *info = NULL;
	struct restrack_decl decl;
	bool runtime = false, any = false;
	uint64_t n;
	int i, r, status, ret = EXIT_FAILURE;
	size_t nr;

	for (i = 0; i < 3; i++)
		given[i][0] = '\0';
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (is_help(a)) {
			fputs(usage_set, stdout);
			return 0;
		} else if (!strcmp(a, "--runtime")) {
			runtime = true;
		} else if (is_opt(a, "--heap")) {
			v = opt_arg(argc, argv, &i);
			if (!v)
				return usage_error("option '--heap' needs a size");
			r = restrack_parse_size(v, &n);
			if (r)
				return bad_size("heap size", v, r);
			snprintf(given[0], sizeof(given[0]), "%s", v);
		} else if (is_opt(a, "--files")) {
			v = opt_arg(argc, argv, &i);
			if (!v)
				return usage_error("option '--files' needs a count");
			r = restrack_parse_count(v, &n);
			if (r)
				return bad_count("file count", v, r);
			snprintf(given[1], sizeof(given[1]), "%s", v);
		} else if (is_opt(a, "--policy")) {
			v = opt_arg(argc, argv, &i);
			if (!v || (strcmp(v, "deny") && strcmp(v, "kill")))
				return usage_error("option '--policy' needs deny or kill");
			snprintf(given[2], sizeof(given[2]), "%s", v);
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else if (unit) {
			return usage_error("too many arguments");
		} else {
			unit = a;
		}
	}
	if (!unit || !*unit)
		return usage_error("no unit given");
	if (strchr(unit, '/') || unit[0] == '.' || strlen(unit) > 240)
		return usage_error("bad unit name '%s'", unit);
	for (i = 0; i < 3; i++)
		any |= given[i][0] != '\0';
	if (!any)
		return usage_error("nothing to set: give --heap, --files or --policy");
	/* "web" is web.service, as systemctl has it */
	snprintf(name, sizeof(name), "%s%s", unit,
		 strrchr(unit, '.') ? "" : ".service");

	env = getenv(runtime ? "RESTRACK_RUNTIME_CONTROL_DIR" : "RESTRACK_CONTROL_DIR");
	dir = env && *env ? env : runtime ? "/run/systemd/system.control" :
		"/etc/systemd/system.control";
	snprintf(path, sizeof(path), "%s/%s.d/" RESTRACK_SET_DROPIN, dir, name);
	set_read(path, val);
	for (i = 0; i < 3; i++)
		if (given[i][0])
			memcpy(val[i], given[i], sizeof(val[i]));
	r = set_write(dir, name, val, path, sizeof(path));
	if (r) {
		say("cannot write %s: %s", path, restrack_strerror(r));
		return EXIT_FAILURE;
	}
	say("%s: %s%s%s%s%s%s in %s", name,
	    val[0][0] ? "HeapMax=" : "", val[0],
	    val[1][0] ? (val[0][0] ? " FilesMax=" : "FilesMax=") : "", val[1],
	    val[2][0] ? (val[0][0] || val[1][0] ? " Policy=" : "Policy=") : "", val[2],
	    path);

	/* the generator reads it at daemon-reload, as set-property's own */
	systemctl = getenv("RESTRACK_SYSTEMCTL");
	reload[0] = (char *)(systemctl && *systemctl ? systemctl : "systemctl");
	reload[1] = "daemon-reload";
	reload[2] = NULL;
	free(run_capture(reload, &status));
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		say("%s daemon-reload failed: the limits apply after the next one",
		    reload[0]);
		return EXIT_FAILURE;
	}

	info = calloc(APPLY_MAX_UNITS, sizeof(*info));
	if (!info) {
		say("out of memory");
		return EXIT_FAILURE;
	}
	names[0] = name;
	if (systemctl_show(names, 1, info, &nr))
		goto out;
	/* /etc's system.control hides /run's file of the same name */
	if (!strstr(info->dropins, path)) {
		say("systemd does not read %s: a drop-in of the same name in a directory of higher priority hides it (%s)",
		    path, info->dropins);
		goto out;
	}
	/* a drop-in sorting after ours wins: say so rather than seem to work */
	if (restrack_decl_of_unit(info, &decl, why, sizeof(why))) {
		say("%s: %s", name, why);
		goto out;
	}
	{
		uint64_t want[2];

		restrack_parse_size(val[0][0] ? val[0] : "max", &want[0]);
		restrack_parse_count(val[1][0] ? val[1] : "max", &want[1]);
		if ((given[0][0] && decl.heap != want[0]) ||
		    (given[1][0] && decl.files != want[1]) ||
		    (given[2][0] && strcmp(decl.policy, val[2]))) {
			const char *later = strstr(info->dropins, RESTRACK_SET_DROPIN);

			later = later ? later + strlen(RESTRACK_SET_DROPIN) : "";
			while (*later == ' ')
				later++;
			say("%s: a file read after %s overrides it (%s): change that one",
			    name, path, *later ? later : info->fragment);
			goto out;
		}
	}
	if (strcmp(info->load_state, "loaded") || !info->cgroup[0] ||
	    !strcmp(info->cgroup, "/")) {
		say("%s is not running: its limits apply when it starts", name);
		ret = 0;
		goto out;
	}
	{
		char *args[] = { "apply", name, NULL };

		apply_stay = true;
		ret = cmd_apply(2, args);
	}
out:
	free(info);
	return ret;
}

/* generate */

static const char *const default_unit_path[] = {
	"/etc/systemd/system.control", "/run/systemd/system.control",
	"/run/systemd/transient", "/run/systemd/generator.early",
	"/etc/systemd/system", "/etc/systemd/system.attached",
	"/run/systemd/system", "/run/systemd/system.attached",
	"/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
	"/run/systemd/generator.late", "/lib/systemd/system",
};

static int cmd_generate(int argc, char **argv)
{
	const char *path[64], *env = getenv("RESTRACK_UNIT_PATH");
	const char *state = getenv("RESTRACK_STATE_DIR");
	char *copy = NULL, *tok, *save;
	size_t nr = 0, written;
	int err;

	if (argc > 1 && is_help(argv[1])) {
		fputs(usage_generate, stdout);
		return 0;
	}
	if (argc < 2 || argc > 4)
		return usage_error(argc < 2 ? "no output directory" :
				   "too many arguments");
	if (env && *env) {
		copy = strdup(env);
		for (tok = strtok_r(copy, ":", &save); tok && nr < ARRAY_SIZE(path);
		     tok = strtok_r(NULL, ":", &save))
			path[nr++] = tok;
	} else {
		for (nr = 0; nr < ARRAY_SIZE(default_unit_path); nr++)
			path[nr] = default_unit_path[nr];
	}
	if (!state || !*state)
		state = "/run/restrack/applied";
	err = restrack_generate(path, nr, argv[1], RESTRACK_SBINDIR, state,
				stderr, &written);
	free(copy);
	if (err) {
		say("%s: %s", argv[1], restrack_strerror(err));
		return EXIT_FAILURE;
	}
	return 0;
}

/* status */

enum status_format { STATUS_TABLE, STATUS_JSON, STATUS_PROMETHEUS, STATUS_NDJSON };

static void print_snapshot(FILE *f, enum status_format fmt,
			   const struct restrack_snapshot *snap)
{
	switch (fmt) {
	case STATUS_TABLE:
		restrack_print_table(f, snap);
		break;
	case STATUS_JSON:
		restrack_print_json(f, snap);
		break;
	case STATUS_NDJSON:
		restrack_print_json_compact(f, snap);
		break;
	case STATUS_PROMETHEUS:
		restrack_print_prometheus(f, snap);
		break;
	}
}

/*
 * The processes of each cgroup in ROOTS (paths below MNT), or of every
 * cgroup of SNAP with no ancestor in it: pid, VmData, open files, their
 * shares of the cgroup's heap.current and files.current, and the command.
 */
static int print_processes(FILE *f, const char *mnt,
			   const struct restrack_snapshot *snap)
{
	char dir[PATH_MAX], b[RESTRACK_SIZE_BUFSZ], fds[24];
	size_t i, j, nr;

	for (i = 0; i < snap->nr_cgroups; i++) {
		const struct restrack_cgroup_stat *c = &snap->cgroups[i];
		struct restrack_task *t;
		int err;

		/* a cgroup below one listed is in that one's list */
		for (j = 0; j < snap->nr_cgroups; j++)
			if (j != i && restrack_path_below(c->path,
							  snap->cgroups[j].path))
				break;
		if (j < snap->nr_cgroups)
			continue;
		snprintf(dir, sizeof(dir), "%s%s", mnt, c->path);
		err = restrack_cgroup_tasks(dir, &t, &nr);
		if (err)
			return err;
		fprintf(f, "\n%s: heap %s, files %llu\n", c->path,
			restrack_format_size(c->heap.current, b),
			(unsigned long long)c->files.current);
		fprintf(f, "%7s %7s %5s %6s %5s %s\n", "PID", "HEAP", "SHARE",
			"FILES", "SHARE", "COMMAND");
		for (j = 0; j < nr; j++) {
			char hs[24] = "-", fs[24] = "-";

			if (c->heap.current)
				snprintf(hs, sizeof(hs), "%llu%%",
					 (unsigned long long)(t[j].vmdata * 100 /
							      c->heap.current));
			if (c->files.current && t[j].fds != RT_LIMIT_MAX)
				snprintf(fs, sizeof(fs), "%llu%%",
					 (unsigned long long)(t[j].fds * 100 /
							      c->files.current));
			if (t[j].fds == RT_LIMIT_MAX)
				snprintf(fds, sizeof(fds), "?");
			else
				snprintf(fds, sizeof(fds), "%llu",
					 (unsigned long long)t[j].fds);
			fprintf(f, "%7d %7s %5s %6s %5s %s\n", t[j].pid,
				restrack_format_size(t[j].vmdata, b), hs, fds,
				fs, t[j].cmdline);
		}
		free(t);
	}
	return 0;
}

/* FILE is replaced atomically, as node_exporter's textfile collector wants. */
static int write_output(const char *file, enum status_format fmt,
			const struct restrack_snapshot *snap)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", file, getpid());
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	print_snapshot(f, fmt, snap);
	if (fflush(f) || ferror(f) || fclose(f) || rename(tmp, file)) {
		int err = -errno;

		unlink(tmp);
		return err ? err : -EIO;
	}
	return 0;
}

/*
 * What status, top and exporter show: --all, --depth, --sort and the
 * UNIT|CGROUP arguments.
 */
struct view {
	struct restrack_select sel;
	enum restrack_sort sort;
	const char **args;		/* argc of them at most */
	size_t nargs;
	char (*roots)[PATH_MAX];
	const char *tracker, *kmsg;
};

static int view_init(struct view *v, int argc)
{
	memset(v, 0, sizeof(*v));
	v->args = calloc(argc, sizeof(*v->args));
	if (!v->args) {
		say("out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void view_free(struct view *v)
{
	free(v->args);
	free(v->roots);
}

/*
 * argv[*i] if it is one of the view's options or arguments: 1 when taken
 * (with its value), 0 when not, or a usage error's exit status (2) + 1.
 */
static int view_opt(struct view *v, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *val;
	uint64_t n;

	if (!strcmp(a, "-a") || !strcmp(a, "--all")) {
		v->sel.all = true;
	} else if (a[0] != '-' && a[0]) {
		v->args[v->nargs++] = a;
	} else if (is_opt(a, "--sort") || !strcmp(a, "-s")) {
		val = opt_arg(argc, argv, i);
		if (!val)
			return 1 + usage_error("option '%s' needs heap, files or name", a);
		if (restrack_parse_sort(val, &v->sort))
			return 1 + usage_error("bad sort '%s': expected heap, files or name", val);
	} else if (is_opt(a, "--depth") || !strcmp(a, "-d")) {
		val = opt_arg(argc, argv, i);
		if (!val)
			return 1 + usage_error("option '%s' needs a number of levels", a);
		if (restrack_parse_count(val, &n) || n > 4096)
			return 1 + usage_error("bad depth '%s': expected a number of levels, 0 or more", val);
		v->sel.depth_limited = true;
		v->sel.max_depth = (unsigned int)n;
	} else {
		return 0;
	}
	return 1;
}

/* The mount, and the arguments resolved to cgroups: 0, or exit status 1. */
static int view_resolve(struct view *v, const char **mntp)
{
	const char *mnt = restrack_mount();
	size_t i;

	if (!mnt)
		return 1;
	*mntp = mnt;
	v->roots = calloc(v->nargs ? v->nargs : 1, sizeof(*v->roots));
	if (!v->roots) {
		say("out of memory");
		return 1;
	}
	/* a unit by its name, a cgroup by its path (below the mount or in it) */
	for (i = 0; i < v->nargs; i++) {
		const char *a = v->args[i];
		size_t n = strlen(mnt);
		char full[PATH_MAX];
		struct stat st;

		if (!strchr(a, '/') && restrack_unit_name(a)) {
			if (restrack_find_unit(mnt, a, v->roots[i], PATH_MAX)) {
				say("no cgroup for unit %s below %s", a, mnt);
				return 1;
			}
			continue;
		}
		if (!strncmp(a, mnt, n) && n > 1 && (a[n] == '/' || !a[n]))
			a += n;
		snprintf(v->roots[i], PATH_MAX, "%s%s", *a == '/' ? "" : "/", a);
		snprintf(full, sizeof(full), "%s%s", mnt, v->roots[i]);
		if (stat(full, &st) || !S_ISDIR(st.st_mode)) {
			say("no cgroup %s below %s", v->roots[i], mnt);
			return 1;
		}
	}
	if (v->nargs) {
		for (i = 0; i < v->nargs; i++)
			v->args[i] = v->roots[i];
		v->sel.roots = v->args;
		v->sel.nr_roots = v->nargs;
	}
	v->tracker = getenv("RESTRACK_TRACKER_STATUS");
	if (!v->tracker || !*v->tracker)
		v->tracker = "/proc/tracker_status";
	v->kmsg = getenv("RESTRACK_KMSG");
	if (!v->kmsg || !*v->kmsg)
		v->kmsg = "/dev/kmsg";
	return 0;
}

/* A snapshot of what V shows, in its order; says why not. */
static int view_snapshot(const struct view *v, const char *mnt,
			 struct restrack_snapshot *snap, bool kills)
{
	int err = restrack_snapshot_select(mnt, v->tracker, &v->sel, snap);

	if (err) {
		say("reading %s: %s", mnt, restrack_strerror(err));
		return err;
	}
	if (kills)
		restrack_snapshot_kills(snap, v->kmsg);
	restrack_snapshot_sort(snap, v->sort);
	return 0;
}

static void sleep_seconds(double interval)
{
	struct timespec ts = {
		(time_t)interval,
		(long)((interval - (time_t)interval) * 1e9),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int cmd_status(int argc, char **argv)
{
	enum status_format fmt = STATUS_TABLE;
	const char *mnt, *output = NULL, *v;
	uint64_t iterations = 0, iter;
	double interval = 2;
	bool watch = false, tty, processes = false;
	struct view view;
	int i, r, ret = EXIT_FAILURE;

	if (view_init(&view, argc))
		return EXIT_FAILURE;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (is_help(a)) {
			fputs(usage_status, stdout);
			view_free(&view);
			return 0;
		}
		r = view_opt(&view, argc, argv, &i);
		if (r > 1) {
			view_free(&view);
			return r - 1;
		}
		if (r)
			continue;
		if (!strcmp(a, "-p") || !strcmp(a, "--processes")) {
			processes = true;
		} else if (!strcmp(a, "--json") || !strcmp(a, "--prometheus")) {
			if (fmt != STATUS_TABLE)
				return usage_error("--json and --prometheus exclude each other");
			fmt = a[2] == 'j' ? STATUS_JSON : STATUS_PROMETHEUS;
		} else if (!strcmp(a, "-w") || !strcmp(a, "--watch")) {
			watch = true;
			/* SECONDS is optional: a number, not a unit or cgroup */
			if (i + 1 < argc && strchr("0123456789.", argv[i + 1][0]) &&
			    argv[i + 1][0] &&
			    restrack_parse_seconds(argv[++i], &interval))
				return usage_error("bad interval '%s': expected seconds, e.g. 2 or 0.5",
						   argv[i]);
		} else if (!strncmp(a, "--watch=", 8)) {
			watch = true;
			if (restrack_parse_seconds(a + 8, &interval))
				return usage_error("bad interval '%s': expected seconds, e.g. 2 or 0.5",
						   a + 8);
		} else if (is_opt(a, "--iterations") || !strcmp(a, "-n")) {
			v = opt_arg(argc, argv, &i);
			if (!v)
				return usage_error("option '%s' needs a count", a);
			if (restrack_parse_count(v, &iterations) ||
			    iterations == 0 || iterations == RT_LIMIT_MAX)
				return usage_error("bad count '%s': expected a positive number", v);
		} else if (is_opt(a, "--output") || !strcmp(a, "-o")) {
			v = opt_arg(argc, argv, &i);
			if (!v || !*v)
				return usage_error("option '%s' needs a file", a);
			output = v;
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	if (iterations && !watch)
		watch = true;
	if (processes && fmt != STATUS_TABLE)
		return usage_error("--processes is a table: not with --json or --prometheus");
	/* NDJSON: one compact document a line, never a screen redrawn */
	if (fmt == STATUS_JSON && watch && !output)
		fmt = STATUS_NDJSON;

	if (view_resolve(&view, &mnt))
		goto out;
	tty = !output && fmt != STATUS_NDJSON && isatty(STDOUT_FILENO);

	for (iter = 0; ; iter++) {
		struct restrack_snapshot snap;
		int err;

		if (view_snapshot(&view, mnt, &snap, true))
			goto out;
		if (output) {
			err = write_output(output, fmt, &snap);
			if (err) {
				say("writing %s: %s", output, restrack_strerror(err));
				restrack_snapshot_free(&snap);
				goto out;
			}
		} else {
			if (watch && tty) {
				char date[64];
				time_t now = time(NULL);

				strftime(date, sizeof(date), "%c",
					 localtime(&now));
				printf("\033[H\033[2JEvery %gs: restrack status%*s\n\n",
				       interval, 40, date);
			} else if (iter && fmt == STATUS_TABLE) {
				putchar('\n');
			}
			print_snapshot(stdout, fmt, &snap);
			if (processes) {
				err = print_processes(stdout, mnt, &snap);
				if (err) {
					say("reading the processes: %s",
					    restrack_strerror(err));
					restrack_snapshot_free(&snap);
					goto out;
				}
			}
			fflush(stdout);
		}
		restrack_snapshot_free(&snap);
		if (!watch || (iterations && iter + 1 >= iterations))
			break;
		sleep_seconds(interval);
	}
	if (ferror(stdout)) {
		say("writing the output: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	view_free(&view);
	return ret;
}

/* exporter: GET /metrics over HTTP */

/*
 * ADDR into a socket address: "PORT", ":PORT", "HOST:PORT" or
 * "[V6]:PORT", HOST a numeric address or localhost (no resolver: the
 * binary may be static).  Without a host, loopback: the network only
 * when named.
 */
static int exporter_addr(const char *addr, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 8] = "127.0.0.1", port[16];
	const char *colon = strrchr(addr, ':');
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	bool v6 = false;
	unsigned long p;
	char *end;
	size_t n;

	if (!colon) {
		snprintf(port, sizeof(port), "%s", addr);
	} else {
		n = colon - addr;
		if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
			addr++;
			n -= 2;
			v6 = true;
		}
		if (n >= sizeof(host) || strlen(colon + 1) >= sizeof(port))
			return -EINVAL;
		if (n) {
			memcpy(host, addr, n);
			host[n] = '\0';
		}
		snprintf(port, sizeof(port), "%s", colon + 1);
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p > 65535 || !strchr("0123456789", *port))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (!v6 && inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		*len = sizeof(*in);
		return 0;
	}
	if (v6 && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

static void http_reply(int fd, int code, const char *reason,
		       const char *type, const char *body, size_t len,
		       bool head)
{
	char hdr[512];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %d %s\r\n"
			 "Content-Type: %s\r\n"
			 "Content-Length: %zu\r\n"
			 "%s"
			 "Connection: close\r\n\r\n",
			 code, reason, type, len,
			 code == 405 ? "Allow: GET, HEAD\r\n" : "");

	send_all(fd, hdr, n);
	if (!head)
		send_all(fd, body, len);
}

/* One request on FD: read its head, answer, and that is all (close). */
static void exporter_serve(int fd, const struct view *v, const char *mnt)
{
	static const char text[] = "text/plain; charset=utf-8";
	char req[8192], method[16], target[1024], version[16];
	struct timeval tv = { 5, 0 };
	size_t len = 0;
	bool head;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(req) - 1) {
		ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[len] = '\0';
	if (sscanf(req, "%15s %1023s %15s", method, target, version) != 3 ||
	    (strcmp(version, "HTTP/1.0") && strcmp(version, "HTTP/1.1"))) {
		http_reply(fd, 400, "Bad Request", text, "bad request\n", 12, false);
		return;
	}
	head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head) {
		http_reply(fd, 405, "Method Not Allowed", text,
			   "GET or HEAD\n", 12, false);
		return;
	}
	target[strcspn(target, "?#")] = '\0';
	if (!strcmp(target, "/")) {
		static const char body[] =
			"restrack exporter: the metrics are at /metrics\n";

		http_reply(fd, 200, "OK", text, body, sizeof(body) - 1, head);
	} else if (!strcmp(target, "/metrics")) {
		struct restrack_snapshot snap;
		char *buf = NULL;
		size_t blen = 0;
		FILE *m;

		if (view_snapshot(v, mnt, &snap, false)) {
			http_reply(fd, 500, "Internal Server Error", text,
				   "reading the cgroups failed\n", 27, head);
			return;
		}
		m = open_memstream(&buf, &blen);
		if (m) {
			restrack_print_prometheus(m, &snap);
			if (fclose(m))
				m = NULL;
		}
		restrack_snapshot_free(&snap);
		if (!m)
			http_reply(fd, 500, "Internal Server Error", text,
				   "out of memory\n", 14, head);
		else
			http_reply(fd, 200, "OK",
				   "text/plain; version=0.0.4; charset=utf-8",
				   buf, blen, head);
		free(buf);
	} else {
		http_reply(fd, 404, "Not Found", text, "not found: try /metrics\n",
			   24, head);
	}
}

static int cmd_exporter(int argc, char **argv)
{
	const char *mnt, *listen_addr = "127.0.0.1:" EXPORTER_DEFAULT_PORT;
	char host[INET6_ADDRSTRLEN];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	unsigned int port;
	struct view view;
	int i, r, fd, one = 1, ret = EXIT_FAILURE;

	if (view_init(&view, argc))
		return EXIT_FAILURE;
	view.sel.all = true;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (is_help(a)) {
			fputs(usage_exporter, stdout);
			view_free(&view);
			return 0;
		}
		r = view_opt(&view, argc, argv, &i);
		if (r > 1) {
			view_free(&view);
			return r - 1;
		}
		if (r)
			continue;
		if (is_opt(a, "--listen") || !strcmp(a, "-l")) {
			listen_addr = opt_arg(argc, argv, &i);
			if (!listen_addr || !*listen_addr)
				return usage_error("option '%s' needs an address, e.g. 127.0.0.1:" EXPORTER_DEFAULT_PORT, a);
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	if (exporter_addr(listen_addr, &ss, &sl))
		return usage_error("bad address '%s': expected [HOST]:PORT, [IPV6]:PORT or PORT", listen_addr);
	if (view_resolve(&view, &mnt))
		goto out;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 16)) {
		say("listening on %s: %s", listen_addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			  host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	say("serving http://%s%s%s:%u/metrics%s", ss.ss_family == AF_INET6 ? "[" : "",
	    host, ss.ss_family == AF_INET6 ? "]" : "", port,
	    is_loopback((struct sockaddr *)&ss) ? "" :
	    " to the network, without authentication");
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE) {
				if (errno != EINTR && errno != ECONNABORTED)
					sleep_seconds(0.1);
				continue;
			}
			say("accept: %s", strerror(errno));
			break;
		}
		exporter_serve(c, &view, mnt);
		close(c);
	}
	close(fd);
out:
	view_free(&view);
	return ret;
}

/* top: a live view, like systemd-cgtop */

static volatile sig_atomic_t top_stop;
static struct termios top_saved;
static bool top_raw;

static void top_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static void top_restore(void)
{
	if (top_raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &top_saved);
	top_raw = false;
}

/* The events of PATH in PREV, or NULL when it was not there */
static const uint64_t *top_prev_events(const struct restrack_snapshot *prev,
				       const char *path)
{
	size_t i;

	for (i = 0; prev && i < prev->nr_cgroups; i++)
		if (!strcmp(prev->cgroups[i].path, path))
			return prev->cgroups[i].events;
	return NULL;
}

/* One screen: header, columns, as many cgroups as ROWS lets in */
static void top_draw(FILE *f, const struct restrack_snapshot *snap,
		     const struct restrack_snapshot *prev,
		     const struct view *v, double delay, bool tty, int rows,
		     int cols)
{
	char b[RESTRACK_USAGE_COLUMNS][RESTRACK_SIZE_BUFSZ], ev[128];
	char line[1024], date[32];
	time_t now = time(NULL);
	int width = 24, n = 0;
	size_t i;

	strftime(date, sizeof(date), "%H:%M:%S", localtime(&now));
	if (tty)
		fputs("\033[H\033[2J", f);
	snprintf(line, sizeof(line),
		 "restrack top  %s  every %gs  sorted by %s%s", date, delay,
		 restrack_sort_names[v->sort],
		 tty ? "  (h heap, f files, n name, q quit)" : "");
	fprintf(f, "%.*s\n\n", cols, line);
	width = restrack_name_width(snap, width);
	if (width > cols - 62 && cols - 62 >= 16)
		width = cols - 62;
	snprintf(line, sizeof(line), "%-*s %7s %7s %7s %6s %6s %6s %s", width,
		 "CGROUP", "HEAP", "PEAK", "LIMIT", "FILES", "PEAK", "LIMIT",
		 "EVENTS/INTERVAL");
	fprintf(f, "%.*s\n", cols, line);
	for (i = 0; i < snap->nr_cgroups && (!tty || n < rows - 4); i++, n++) {
		const struct restrack_cgroup_stat *c = &snap->cgroups[i];
		const char *name = restrack_unit_name(c->path);
		const uint64_t *pe = top_prev_events(prev, c->path);
		size_t off = 0;
		int e;

		ev[0] = '\0';
		for (e = 0; pe && e < RT_NR_EVENTS; e++)
			if (c->events[e] > pe[e] && off < sizeof(ev))
				off += snprintf(ev + off, sizeof(ev) - off,
						"%s%s+%llu", off ? " " : "",
						rt_event_names[e],
						(unsigned long long)(c->events[e] - pe[e]));
		if (!off)
			snprintf(ev, sizeof(ev), "-");
		restrack_format_usage(c, b);
		snprintf(line, sizeof(line),
			 "%-*.*s %7s %7s %7s %6s %6s %6s %s", width, width,
			 name ? name : c->path, b[0], b[2], b[1], b[3], b[5],
			 b[4], ev);
		fprintf(f, "%.*s\n", cols, line);
	}
	if (!tty)
		fputc('\n', f);
	fflush(f);
}

static int cmd_top(int argc, char **argv)
{
	const char *mnt, *val;
	struct restrack_snapshot snap = { 0 }, prev = { 0 };
	uint64_t iterations = 0, iter = 0;
	double delay = 1;
	bool batch = false, tty, keys, have_prev = false;
	struct view view;
	int i, r, ret = EXIT_FAILURE;

	if (view_init(&view, argc))
		return EXIT_FAILURE;
	view.sel.all = true;
	view.sort = RESTRACK_SORT_HEAP;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (is_help(a)) {
			fputs(usage_top, stdout);
			view_free(&view);
			return 0;
		}
		r = view_opt(&view, argc, argv, &i);
		if (r > 1) {
			view_free(&view);
			return r - 1;
		}
		if (r)
			continue;
		if (is_opt(a, "--delay")) {
			val = opt_arg(argc, argv, &i);
			if (!val || restrack_parse_seconds(val, &delay))
				return usage_error("bad interval '%s': expected seconds, e.g. 1 or 0.5",
						   val ? val : "");
		} else if (is_opt(a, "--iterations") || !strcmp(a, "-n")) {
			val = opt_arg(argc, argv, &i);
			if (!val || restrack_parse_count(val, &iterations) ||
			    !iterations || iterations == RT_LIMIT_MAX)
				return usage_error("bad count '%s': expected a positive number",
						   val ? val : "");
		} else if (!strcmp(a, "-b") || !strcmp(a, "--batch")) {
			batch = true;
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	if (view_resolve(&view, &mnt))
		goto out;
	tty = !batch && isatty(STDOUT_FILENO);
	keys = tty && isatty(STDIN_FILENO);
	/* a screen in one write: never half of one on the terminal */
	if (tty)
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (keys && !tcgetattr(STDIN_FILENO, &top_saved)) {
		struct termios t = top_saved;
		struct sigaction sa = { .sa_handler = top_signal };

		t.c_lflag &= ~(ICANON | ECHO);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		if (!tcsetattr(STDIN_FILENO, TCSAFLUSH, &t))
			top_raw = true;
		atexit(top_restore);
		fputs("\033[?25l", stdout);	/* no cursor */
	}
	while (!top_stop) {
		struct winsize ws = { .ws_row = 24, .ws_col = 80 };
		struct timespec start, t;

		if (view_snapshot(&view, mnt, &snap, false))
			goto out;
		if (tty)
			ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
		top_draw(stdout, &snap, have_prev ? &prev : NULL, &view, delay,
			 tty, ws.ws_row ? ws.ws_row : 24,
			 tty && ws.ws_col ? ws.ws_col : 1023);
		if (iterations && ++iter >= iterations)
			break;
		clock_gettime(CLOCK_MONOTONIC, &start);
		/* until the interval is over; a key redraws in a new order */
		while (!top_stop) {
			double left;
			struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
			bool redraw = false;
			char c;

			clock_gettime(CLOCK_MONOTONIC, &t);
			left = delay - (t.tv_sec - start.tv_sec) -
			       (t.tv_nsec - start.tv_nsec) / 1e9;
			if (left <= 0)
				break;
			if (!keys) {
				sleep_seconds(left);
				continue;
			}
			if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
				continue;
			if (read(STDIN_FILENO, &c, 1) != 1) {
				keys = false;	/* the terminal went away */
				continue;
			}
			switch (c) {
			case 'q': case 'Q': case 4:	/* ^D */
				top_stop = 1;
				break;
			case 'h': case 'm':
				view.sort = RESTRACK_SORT_HEAP;
				redraw = true;
				break;
			case 'f':
				view.sort = RESTRACK_SORT_FILES;
				redraw = true;
				break;
			case 'n': case 'p':
				view.sort = RESTRACK_SORT_NAME;
				redraw = true;
				break;
			case ' ':
				start.tv_sec -= (time_t)delay + 1;	/* now */
				break;
			}
			/* the same snapshot and events, in the new order */
			if (redraw) {
				restrack_snapshot_sort(&snap, view.sort);
				top_draw(stdout, &snap, have_prev ? &prev : NULL,
					 &view, delay, tty,
					 ws.ws_row ? ws.ws_row : 24,
					 tty && ws.ws_col ? ws.ws_col : 1023);
			}
		}
		/* the events of the next screen are those since this one */
		restrack_snapshot_free(&prev);
		prev = snap;
		memset(&snap, 0, sizeof(snap));
		have_prev = true;
	}
	ret = 0;
out:
	if (top_raw) {
		fputs("\033[?25h\n", stdout);
		fflush(stdout);
	}
	top_restore();
	restrack_snapshot_free(&snap);
	restrack_snapshot_free(&prev);
	view_free(&view);
	return ret;
}

/* The course-project system calls */

static void explain(const char *cmd, pid_t pid, int err)
{
	const char *why = restrack_strerror(err);

	switch (err) {
	case EINVAL:
		why = strcmp(cmd, "register") ? "no such process, not registered, or invalid quota" :
			"invalid pid";
		if (!strcmp(cmd, "fetch") || !strcmp(cmd, "reset"))
			why = "no such process, or not registered";
		break;
	case ESRCH:
		why = strcmp(cmd, "deregister") ? "no such process" :
			"no such process, or not registered";
		break;
	case ENFILE:
		why = strcmp(cmd, "cap") ? "already registered" :
			"quotas already set: reset first";
		break;
	case EACCES:
		why = "permission denied: needs CAP_SYS_RESOURCE";
		break;
	case ENOSYS:
		why = "this kernel has no restrack system calls (CONFIG_CGROUP_RESTRACK)";
		break;
	}
	fprintf(stderr, "restrack: %s %d: %s\n", cmd, pid, why);
}

static int cmd_syscall(int argc, char **argv, const char *help)
{
	const char *cmd = argv[0], *tracker;
	int nargs = strcmp(cmd, "cap") ? 1 : 3, r;
	long heap_mib = 0, nfiles = 0, ret;
	pid_t pid;

	if (argc > 1 && is_help(argv[1])) {
		fputs(help, stdout);
		return 0;
	}
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] &&
	    !(argv[1][1] >= '0' && argv[1][1] <= '9'))
		return usage_error("unknown option '%s'", argv[1]);
	if (argc != nargs + 1)
		return usage_error(argc < nargs + 1 ? "missing argument" :
				   "too many arguments");
	if (restrack_parse_pid(argv[1], &pid))
		return usage_error("'%s' is not a process id (a positive number)",
				   argv[1]);
	if (!strcmp(cmd, "cap")) {
		uint64_t files = RT_LIMIT_MAX;

		r = restrack_parse_quota_mib(argv[2], &heap_mib);
		if (r == -EDOM)
			return usage_error("bad heap quota '%s': not a whole number of MiB (the system call counts MiB)",
					   argv[2]);
		if (r)
			return usage_error("bad heap quota '%s': %s", argv[2],
					   r == -ERANGE ? "too large" :
					   "expected MiB (64), a size in whole MiB (64M, 1G), or max");
		r = strcmp(argv[3], "-1") ? restrack_parse_count(argv[3], &files) : 0;
		if (r)
			return bad_count("file quota", argv[3], r);
		nfiles = files == RT_LIMIT_MAX ? RESTRACK_UNLIMITED : (long)files;
	}

	/*
	 * Elsewhere these numbers may be other system calls: make none of
	 * them unless the kernel shows restrack's /proc/tracker_status.
	 */
	tracker = getenv("RESTRACK_TRACKER_STATUS");
	if (access(tracker && *tracker ? tracker : "/proc/tracker_status",
		   F_OK)) {
		say("this kernel has no restrack system calls (CONFIG_CGROUP_RESTRACK)");
		return EXIT_FAILURE;
	}

	if (!strcmp(cmd, "register")) {
		ret = rt_register(pid);
	} else if (!strcmp(cmd, "deregister")) {
		ret = rt_deregister(pid);
	} else if (!strcmp(cmd, "reset")) {
		ret = rt_resource_reset(pid);
	} else if (!strcmp(cmd, "cap")) {
		ret = rt_resource_cap(pid, heap_mib, nfiles);
	} else {
		struct per_proc_resource res;

		ret = rt_fetch(&res, pid);
		if (!ret)
			printf("pid %d heap %luM files %lu\n", res.pid,
			       res.heapsize, res.openfile_count);
	}
	if (ret) {
		explain(cmd, pid, errno);
		return EXIT_FAILURE;
	}
	return 0;
}

static const struct command {
	const char *name;
	const char *help;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run",	usage_run,	cmd_run },
	{ "status",	usage_status,	cmd_status },
	{ "top",	usage_top,	cmd_top },
	{ "exporter",	usage_exporter,	cmd_exporter },
	{ "apply",	usage_apply,	cmd_apply },
	{ "set",	usage_set,	cmd_set },
	{ "generate",	usage_generate,	cmd_generate },
	{ "register",	usage_register,	NULL },
	{ "fetch",	usage_fetch,	NULL },
	{ "cap",	usage_cap,	NULL },
	{ "reset",	usage_reset,	NULL },
	{ "deregister",	usage_deregister, NULL },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *prog = strrchr(argv[0], '/');
	const struct command *c;

	/* systemd runs generators with the output directories only */
	if (!strcmp(prog ? prog + 1 : argv[0], "restrack-generator")) {
		cmd_name = "generate";
		return cmd_generate(argc, argv);
	}
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("restrack %s\n", RESTRACK_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			fputs(usage_main, stdout);
			return 0;
		}
		c = find_command(argv[2]);
		if (!c)
			return usage_error("unknown command '%s'", argv[2]);
		fputs(c->help, stdout);
		return 0;
	}
	c = find_command(argv[1]);
	if (!c)
		return usage_error(argv[1][0] == '-' ? "unknown option '%s'" :
				   "unknown command '%s'", argv[1]);
	cmd_name = c->name;
	if (c->fn)
		return c->fn(argc - 1, argv + 1);
	return cmd_syscall(argc - 1, argv + 1, c->help);
}
