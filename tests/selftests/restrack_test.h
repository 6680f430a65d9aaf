/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one header of the restrack selftests: the constants and system call
 * numbers they share, and the helpers, each from its own file:
 *
 *   ksft.h          diag(), the program's cgroup, the record of
 *                   violations of the randomized tests, and the attribute
 *                   macros (__printf(), __noreturn, __aligned())
 *   cgroup_util.h   cgroup files (cgroup_util.c) and small process
 *                   helpers (util.c)
 *   oracle.h        VmData and /proc/PID/fd, checked against restrack
 *   agent.h         a child process that acts on the test's command
 *                   (agent.c, agent_child.c, agent_fds.c)
 *   fixture.h       "a cgroup with an agent in it", and the tables of
 *                   descriptor creators and heap growers
 *
 * The test programs include restrack_harness.h instead, which adds
 * kselftest_harness.h and the tests' CHECK() and fixture to this.
 *
 * The five restrack system call numbers and their wrappers come from
 * tools/restrack/restrack_sys.h, the one place that defines them for the
 * tool, the bench and the tests.
 */
#ifndef RESTRACK_TEST_H
#define RESTRACK_TEST_H

#include <sys/mman.h>
#include <sys/syscall.h>

#include "restrack_sys.h"

#include "ksft.h"
#include "cgroup_util.h"
#include "oracle.h"
#include "agent.h"
#include "fixture.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define RW		(PROT_READ | PROT_WRITE)
#define ANON		(MAP_PRIVATE | MAP_ANONYMOUS)
#define MIB		(1024L * 1024)

/*
 * The tests are built against the uapi headers of the kernel they test
 * (scripts/mkinitramfs.sh): every supported line (6.1+) has these system
 * calls and flags.  The fallbacks are for a libc whose headers predate
 * them; they live here and nowhere else.
 */
#ifndef __NR_pidfd_open
#define __NR_pidfd_open		434
#endif
#ifndef __NR_clone3
#define __NR_clone3		435
#endif
#ifndef __NR_close_range
#define __NR_close_range	436
#endif
#ifndef __NR_openat2
#define __NR_openat2		437
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE	2U
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	4U
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP	0x200000000ULL
#endif

/*
 * clone3(2) with the fields the tests use (CLONE_INTO_CGROUP's
 * @cgroup_fd, set_tid's @set_tid, 0 or NULL when unused); like fork(), 0 in
 * the child, the child's pid in the parent, -1 with errno set.
 */
pid_t sys_clone3(unsigned long long flags, int cgroup_fd, pid_t *set_tid);

#endif /* RESTRACK_TEST_H */
