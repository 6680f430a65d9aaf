/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * restrack system calls: register(2), fetch(2), deregister(2),
 * resource_cap(2) and resource_reset(2).  See
 * Documentation/userspace-api/restrack.rst.
 */
#ifndef _UAPI_LINUX_RESTRACK_H
#define _UAPI_LINUX_RESTRACK_H

#include <linux/types.h>

/* What fetch() returns for a registered process. */
struct per_proc_resource {
	__kernel_pid_t pid;		/* the pid asked for */
	unsigned long heapsize;		/* heap of its cgroup, MiB, rounded down */
	unsigned long openfile_count;	/* open descriptors of its cgroup */
};

/* resource_cap(): no limit. */
#define RESTRACK_UNLIMITED	(-1L)

#endif /* _UAPI_LINUX_RESTRACK_H */
