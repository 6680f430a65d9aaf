/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The restrack system calls: their numbers, struct per_proc_resource and
 * thin wrappers that return -1 with errno set, as syscall(2) does.
 *
 * This is the one place userspace takes the numbers from.  They are the same
 * on x86_64 and arm64 and on every kernel line, 1000-1004, far above the
 * numbers upstream allocates (Documentation/userspace-api/restrack.rst); the
 * uapi header of a patched kernel, when the compiler finds it, provides the
 * struct and the constants.
 * No kernel tree is needed to build against this header.
 */
#ifndef RESTRACK_SYS_H
#define RESTRACK_SYS_H

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__has_include)
/* "": the quoted form finds what <> does, with no file of that name here */
#if __has_include("linux/restrack.h")
#include <linux/restrack.h>
#define RESTRACK_HAVE_UAPI_HEADER 1
#endif
#endif

#ifndef RESTRACK_HAVE_UAPI_HEADER
struct per_proc_resource {
	pid_t pid;
	unsigned long heapsize;		/* MiB, rounded down */
	unsigned long openfile_count;
};
#endif

#ifndef RESTRACK_UNLIMITED
#define RESTRACK_UNLIMITED	(-1L)
#endif

#ifndef __NR_register
#define __NR_register		1000
#endif
#ifndef __NR_fetch
#define __NR_fetch		1001
#endif
#ifndef __NR_deregister
#define __NR_deregister		1002
#endif
#ifndef __NR_resource_cap
#define __NR_resource_cap	1003
#endif
#ifndef __NR_resource_reset
#define __NR_resource_reset	1004
#endif

/*
 * The wrappers are rt_*, not restrack_*: the kernel has a restrack_register()
 * of its own, which does something else (a part of the system call), and
 * one name for both would send a reader of one side to the wrong function.
 * Every argument is passed as a long: syscall(2) reads whole registers.
 */
static inline long rt_register(pid_t pid)
{
	return syscall(__NR_register, (long)pid);
}

static inline long rt_fetch(struct per_proc_resource *stats, pid_t pid)
{
	return syscall(__NR_fetch, (long)stats, (long)pid);
}

static inline long rt_deregister(pid_t pid)
{
	return syscall(__NR_deregister, (long)pid);
}

static inline long rt_resource_cap(pid_t pid, long heap_quota_mib,
				   long file_quota)
{
	return syscall(__NR_resource_cap, (long)pid, heap_quota_mib,
		       file_quota);
}

static inline long rt_resource_reset(pid_t pid)
{
	return syscall(__NR_resource_reset, (long)pid);
}

#endif /* RESTRACK_SYS_H */
