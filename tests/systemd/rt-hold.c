// SPDX-License-Identifier: GPL-2.0
/*
 * rt-hold: the workload of the systemd guest's tests.  Opens descriptors
 * and grows its heap as told, reports what it got, then holds them.
 *
 *   rt-hold [--files N | --total N] [--heap SIZE] [--report FILE] [--hold]
 *
 * --files N   open /dev/null N times, stopping at the first failure
 * --total N   open /dev/null until the process holds N descriptors in all
 *             (entries of /proc/self/fd, those it inherited included), so
 *             that a test knows the exact count whatever the service
 *             manager left open; the report's TOTAL is then the count
 *             before the loop plus what was opened, without a second
 *             reading, which would need one descriptor more than N
 * --heap SIZE map SIZE bytes of private writable memory (counted in VmData)
 * --report F  write "files OPENED TOTAL ERRNO heap OK|ERRNO" to F, where
 *             TOTAL is the number of entries of /proc/self/fd when the
 *             loop ended (the oracle: the kernel's own count) and ERRNO the
 *             name of the error that stopped it, or "-"
 * --hold      then sleep until killed (a service that stays)
 *
 * Exit status: 0 when everything was had, 1 when something was refused.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *errname(int err)
{
	switch (err) {
	case 0:		return "-";
	case EMFILE:	return "EMFILE";
	case ENFILE:	return "ENFILE";
	case ENOMEM:	return "ENOMEM";
	default:	return strerror(err);
	}
}

/* Entries of /proc/self/fd, less the one that reads it. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

int main(int argc, char **argv)
{
	long files = 0, opened = 0, total, want = -1, before = 0;
	unsigned long long heap = 0;
	const char *report = NULL;
	int i, ferr = 0, herr = 0, hold = 0, rfd = -1;
	char line[128];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--files") && i + 1 < argc)
			files = atol(argv[++i]);
		else if (!strcmp(argv[i], "--total") && i + 1 < argc)
			want = atol(argv[++i]);
		else if (!strcmp(argv[i], "--heap") && i + 1 < argc)
			heap = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--report") && i + 1 < argc)
			report = argv[++i];
		else if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else {
			fprintf(stderr, "rt-hold: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	/* opened before the loop: the report is written whatever it hits */
	if (report) {
		rfd = open(report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (rfd < 0) {
			perror(report);
			return 2;
		}
	}
	if (heap) {
		void *p = mmap(NULL, heap, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			herr = errno;
	}
	if (want >= 0) {
		before = count_fds();
		if (before < 0) {
			perror("/proc/self/fd");
			return 2;
		}
		files = want > before ? want - before : 0;
	}
	for (; opened < files; opened++)
		if (open("/dev/null", O_RDONLY) < 0) {
			ferr = errno;
			break;
		}
	/* one descriptor is needed to count them: free one if it was refused */
	if (want >= 0) {
		total = before + opened;
	} else if (ferr && opened) {
		close(3 + (rfd == 3));
		total = count_fds() + 1;
	} else {
		total = count_fds();
	}
	snprintf(line, sizeof(line), "files %ld %ld %s heap %s\n", opened, total,
		 errname(ferr), herr ? errname(herr) : "OK");
	if (rfd >= 0 && write(rfd, line, strlen(line)) < 0)
		return 2;
	fputs(line, stdout);
	fflush(stdout);
	if (hold)
		for (;;)
			pause();
	return ferr || herr ? 1 : 0;
}
