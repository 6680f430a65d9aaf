// SPDX-License-Identifier: GPL-2.0
/*
 * The image restrack_faults execs with an allocation failing (its
 * exec_faults()): it tells the fd of its argument what was left of the
 * fail-nth set before the exec, -1 if an allocation was failed on the way
 * (the open of fail-nth may be the one), 0 if not, -2 if it cannot tell.
 *
 * A program of its own, not the test program run again: that one's start
 * runs the constructors of kselftest_harness.h, which map an object per
 * test on 6.9 and later and would double the allocations each exec is
 * tried at, on paths that are not restrack's.
 *
 * Usage: restrack_faults_exec FD
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[24];
	ssize_t n;
	long msg;
	int fd;

	if (argc != 2)
		return 2;
	fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		msg = errno == ENOMEM ? -1 : -2;
	} else {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (write(fd, "0", 1) != 1 || n <= 0) {
			msg = -2;
		} else {
			buf[n] = '\0';
			msg = atol(buf) == 0 ? -1 : 0;
		}
	}
	if (write(atoi(argv[1]), &msg, sizeof(msg)) != sizeof(msg))
		return 1;
	return 0;
}
