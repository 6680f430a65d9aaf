// SPDX-License-Identifier: GPL-2.0
/*
 * The course-project system calls: restrack register, fetch, cap, reset
 * and deregister PID (restrack_sys.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char usage_register[] =
"Usage: restrack register PID\n"
"\n"
"Move process PID (all its threads) into its own cgroup, restrack/PID,\n"
"where its heap and open files are counted.  It leaves its cgroup, and\n"
"every limit there, of every controller.  Needs CAP_SYS_RESOURCE and, as\n"
"cgroupfs would, root (uid 0 or CAP_DAC_OVERRIDE).\n";

const char usage_fetch[] =
"Usage: restrack fetch PID\n"
"\n"
"Print the heap (MiB, rounded down) and the open files of the cgroup of\n"
"registered process PID: \"pid PID heap NM files N\".\n";

const char usage_cap[] =
"Usage: restrack cap PID HEAP FILES\n"
"\n"
"Set the quotas of registered process PID: HEAP in MiB (64), or a size that\n"
"is a whole number of MiB (64M, 1G), FILES a count; \"max\", \"infinity\" or\n"
"-1 for no quota.  A process over a quota is killed (policy kill).  Reset\n"
"before setting new quotas.  Needs CAP_SYS_RESOURCE and, as cgroupfs would,\n"
"root (uid 0 or CAP_DAC_OVERRIDE).\n";

const char usage_reset[] =
"Usage: restrack reset PID\n"
"\n"
"Lift both quotas of registered process PID.  Needs CAP_SYS_RESOURCE and,\n"
"as cgroupfs would, root (uid 0 or CAP_DAC_OVERRIDE).\n";

const char usage_deregister[] =
"Usage: restrack deregister PID\n"
"\n"
"Move registered process PID back to the cgroup it came from and remove\n"
"restrack/PID.  Needs CAP_SYS_RESOURCE and, as cgroupfs would, root (uid 0\n"
"or CAP_DAC_OVERRIDE).\n";

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

int cmd_syscall(int argc, char **argv, const char *help)
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
