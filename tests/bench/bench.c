// SPDX-License-Identifier: GPL-2.0
/*
 * restrack hot-path overhead, measured in the guest in one boot:
 *   (a) controller enabled nowhere (every hook is a static branch),
 *   (b) in a restrack cgroup with limits, nested two levels deep,
 *   (c) in the root cgroup while restrack is enabled elsewhere.
 * Prints the ratios b/a and c/a for each loop; best of several rounds.
 * Then registers 1000 processes through register(2) and times a read of
 * /proc/tracker_status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "restrack_sys.h"	/* tools/restrack: the system call numbers */

#define NR_REGISTERED	1000

#define ROUNDS	7
#define ITERS	20000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void loop_open_close(void)
{
	for (int i = 0; i < ITERS; i++)
		close(open("/proc/self/stat", O_RDONLY));
}

static void loop_mmap_munmap(void)
{
	for (int i = 0; i < ITERS; i++) {
		void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			exit(2);
		munmap(p, 65536);
	}
}

static void loop_brk(void)
{
	for (int i = 0; i < ITERS; i++) {
		if (sbrk(65536) == (void *)-1)
			exit(2);
		sbrk(-65536);
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} loops[] = {
	{ "open/close", loop_open_close },
	{ "mmap/munmap", loop_mmap_munmap },
	{ "brk", loop_brk },
};
#define NR_LOOPS (sizeof(loops) / sizeof(loops[0]))

/* Keep in @ns the best ns per iteration of one run of each loop. */
static void measure(double *ns)
{
	for (unsigned int l = 0; l < NR_LOOPS; l++) {
		double t = now();

		loops[l].fn();
		t = (now() - t) / ITERS * 1e9;
		if (t < ns[l])
			ns[l] = t;
	}
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) < 0) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

static void enter(const char *cg)
{
	char path[256], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	write_file(path, pid);
}

/* Best-of-5 time of one full read of /proc/tracker_status, and its lines. */
static double time_tracker_status(int *lines)
{
	static char buf[1 << 16];
	double best = 1e30;

	for (int r = 0; r < 5; r++) {
		double t = now();
		int fd = open("/proc/tracker_status", O_RDONLY);
		ssize_t n;

		if (fd < 0)
			return -1;
		*lines = 0;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			for (ssize_t i = 0; i < n; i++)
				*lines += buf[i] == '\n';
		close(fd);
		t = now() - t;
		if (t < best)
			best = t;
	}
	return best;
}

static void bench_tracker_status(void)
{
	static pid_t kids[NR_REGISTERED];
	int pipefd[2], registered = 0, lines = 0;
	double t;

	if (pipe(pipefd))
		return;
	for (int i = 0; i < NR_REGISTERED; i++) {
		char c;

		kids[i] = fork();
		if (kids[i] == 0) {
			close(pipefd[1]);
			if (read(pipefd[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		if (kids[i] > 0 && !restrack_register(kids[i]))
			registered++;
	}
	close(pipefd[0]);
	t = time_tracker_status(&lines);
	printf("tracker_status: %d registered, read of %d lines: %.2f ms\n",
	       registered, lines, t * 1e3);
	close(pipefd[1]);	/* the children exit */
	for (int i = 0; i < NR_REGISTERED; i++)
		if (kids[i] > 0)
			waitpid(kids[i], NULL, 0);
}

static void setup(void)
{
	mkdir("/sys/fs/cgroup/bench", 0755);
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+restrack");
	write_file("/sys/fs/cgroup/bench/cgroup.subtree_control", "+restrack");
	mkdir("/sys/fs/cgroup/bench/limited", 0755);
	write_file("/sys/fs/cgroup/bench/restrack.heap.max", "1G");
	write_file("/sys/fs/cgroup/bench/restrack.files.max", "100000");
	write_file("/sys/fs/cgroup/bench/limited/restrack.heap.max", "512M");
	write_file("/sys/fs/cgroup/bench/limited/restrack.files.max", "50000");
}

/* Back to (a): no cgroup below the root has the controller. */
static void teardown(void)
{
	rmdir("/sys/fs/cgroup/bench/limited");
	rmdir("/sys/fs/cgroup/bench");
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "-restrack");
	usleep(200000);		/* css_free, and the static key, follow RCU */
}

int main(void)
{
	double a[NR_LOOPS], b[NR_LOOPS], c[NR_LOOPS];

	for (unsigned int l = 0; l < NR_LOOPS; l++)
		a[l] = b[l] = c[l] = 1e30;

	/* Interleaved rounds, so that drift of the host hits all three. */
	for (int r = 0; r < ROUNDS; r++) {
		measure(a);
		setup();
		enter("/sys/fs/cgroup/bench/limited");
		measure(b);
		enter("/sys/fs/cgroup");
		measure(c);
		teardown();
	}

	printf("restrack bench (ns per iteration, best of %d x %d)\n", ROUNDS, ITERS);
	printf("%-12s %10s %10s %10s %8s %8s\n", "loop", "off(a)",
	       "limited(b)", "root(c)", "b/a", "c/a");
	for (unsigned int l = 0; l < NR_LOOPS; l++)
		printf("%-12s %10.0f %10.0f %10.0f %8.3f %8.3f\n", loops[l].name,
		       a[l], b[l], c[l], b[l] / a[l], c[l] / a[l]);

	bench_tracker_status();
	return 0;
}
