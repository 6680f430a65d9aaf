// SPDX-License-Identifier: GPL-2.0
/*
 * restrack - command line front end of the restrack system calls.
 *
 *   restrack register|fetch|deregister|reset PID
 *   restrack cap PID HEAP FILES     (HEAP like 64M or 1G, FILES a count;
 *                                     "max" or -1 for no limit)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef __NR_register
#define __NR_register		467
#define __NR_fetch		468
#define __NR_deregister		469
#define __NR_resource_cap	470
#define __NR_resource_reset	471
#endif

struct per_proc_resource {
	pid_t pid;
	unsigned long heapsize;
	unsigned long openfile_count;
};

static const char usage[] =
"Usage: restrack COMMAND PID [ARGS]\n"
"\n"
"Track and limit the heap and open files of a process (restrack syscalls).\n"
"\n"
"Commands:\n"
"  register PID            move PID into its own cgroup, restrack/PID\n"
"  fetch PID               print its heap (MiB) and open files\n"
"  cap PID HEAP FILES      set quotas; HEAP in bytes with K/M/G (whole MiB),\n"
"                          FILES a count, \"max\" for none; over quota = SIGKILL\n"
"  reset PID               lift both quotas\n"
"  deregister PID          move PID back and remove its cgroup\n"
"  --help                  this text\n"
"\n"
"Register, cap, reset and deregister need CAP_SYS_RESOURCE.\n";

/* Explain an errno the way the restrack contract uses it. */
static void explain(const char *cmd, pid_t pid, int err)
{
	const char *why = strerror(err);

	switch (err) {
	case EINVAL:
		why = strcmp(cmd, "register") ? "invalid pid, no such process, "
			"not registered, or invalid quota" : "invalid pid";
		break;
	case ESRCH:
		why = strcmp(cmd, "deregister") ? "no such process" :
			"no such process, or not registered";
		break;
	case ENFILE:
		why = strcmp(cmd, "cap") ? "already registered" :
			"quotas already set: reset first";
		break;
	case EPERM:
		why = "permission denied: needs CAP_SYS_RESOURCE";
		break;
	case ENOSYS:
		why = "this kernel has no restrack system calls";
		break;
	}
	fprintf(stderr, "restrack: %s %d: %s\n", cmd, pid, why);
}

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -2147483647L || v > 2147483647L)
		return -1;
	*pid = v;
	return 0;
}

/* "max"/-1 -> -1; else SIZE with K/M/G/T suffix (bytes) / 2^20 (MiB). */
static int parse_heap_mib(const char *s, long *mib)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!strcmp(s, "max") || !strcmp(s, "-1")) {
		*mib = -1;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end || v > (~0ULL >> shift))
		return -1;
	v <<= shift;
	if ((v >> 20) > 0x7fffffffffffffffULL)
		return -1;
	*mib = v >> 20;
	return 0;
}

static int parse_count(const char *s, long *n)
{
	char *end;

	if (!strcmp(s, "max") || !strcmp(s, "-1")) {
		*n = -1;
		return 0;
	}
	errno = 0;
	*n = strtol(s, &end, 10);
	return errno || end == s || *end || *n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	pid_t pid;
	long ret;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 3 || parse_pid(argv[2], &pid)) {
		fputs(usage, stderr);
		return 2;
	}
	cmd = argv[1];

	if (!strcmp(cmd, "register") && argc == 3) {
		ret = syscall(__NR_register, pid);
	} else if (!strcmp(cmd, "deregister") && argc == 3) {
		ret = syscall(__NR_deregister, pid);
	} else if (!strcmp(cmd, "reset") && argc == 3) {
		ret = syscall(__NR_resource_reset, pid);
	} else if (!strcmp(cmd, "cap") && argc == 5) {
		long heap, files;

		if (parse_heap_mib(argv[3], &heap)) {
			fprintf(stderr, "restrack: bad heap size '%s'\n", argv[3]);
			return 2;
		}
		if (parse_count(argv[4], &files)) {
			fprintf(stderr, "restrack: bad file count '%s'\n", argv[4]);
			return 2;
		}
		ret = syscall(__NR_resource_cap, pid, heap, files);
	} else if (!strcmp(cmd, "fetch") && argc == 3) {
		struct per_proc_resource res;

		ret = syscall(__NR_fetch, &res, pid);
		if (!ret)
			printf("pid %d heap %luM files %lu\n", res.pid,
			       res.heapsize, res.openfile_count);
	} else {
		fputs(usage, stderr);
		return 2;
	}

	if (ret) {
		explain(cmd, pid, errno);
		return 1;
	}
	return 0;
}
