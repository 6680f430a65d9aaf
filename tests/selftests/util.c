// SPDX-License-Identifier: GPL-2.0
/*
 * Small I/O and process helpers of the restrack selftests: sleeping,
 * reading whole files and pipes with a timeout, waiting for and reaping
 * processes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "restrack_test.h"

long page_size;

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

void close_pair(int p[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		if (p[i] >= 0)
			close(p[i]);
		p[i] = -1;
	}
}

ssize_t write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return done;
}

/* Returns len, 0 on EOF, -1 on error or (timeout_ms >= 0) timeout. */
ssize_t read_full_timeout(int fd, void *buf, size_t len, int timeout_ms)
{
	char *p = buf;
	size_t done = 0;
	long deadline = now_ms() + timeout_ms;

	while (done < len) {
		ssize_t n;

		if (timeout_ms >= 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			long left = deadline - now_ms();
			int r;

			if (left < 0)
				left = 0;
			r = poll(&pfd, 1, left);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -1;
			if (r == 0) {
				errno = ETIMEDOUT;
				return -1;
			}
		}
		n = read(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		done += n;
	}
	return done;
}

ssize_t read_text(const char *path, char *buf, size_t len)
{
	ssize_t n, done = 0;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)done < len - 1) {
		n = read(fd, buf + done, len - 1 - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		done += n;
	}
	buf[done] = '\0';
	close(fd);
	return done;
}

/* The whole of a file, NUL-terminated, in malloc()ed memory; NULL on error. */
char *read_text_alloc(const char *path, size_t *lenp)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap), *bigger;
	int fd, saved;
	ssize_t n;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	for (;;) {
		if (len + 1 >= cap) {
			bigger = realloc(buf, cap * 2);
			if (!bigger)
				goto fail;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = saved;
	return NULL;
}

/* Committed_AS of /proc/meminfo in kB; -1 on error */
long committed_kb(void)
{
	char buf[8192], *p;

	if (read_text("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "Committed_AS:");
	return p ? strtol(p + strlen("Committed_AS:"), NULL, 10) : -1;
}

/* Parses a whole decimal number, allowing one trailing newline. */
int parse_long(const char *s, long *val)
{
	char *end;

	errno = 0;
	*val = strtol(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == '\n')
		end++;
	return *end ? -1 : 0;
}

/*
 * Waits for @pid to exit and reaps it.  Tolerates a pid that is not (yet)
 * our child: a grandchild is reparented to us (we are a subreaper) when its
 * parent dies.  Returns 0 with *status set, 1 if it vanished without being
 * reaped by us (status unknown, *status = -1), -1 on timeout.
 */
int wait_exit(pid_t pid, int timeout_ms, int *status)
{
	long deadline = now_ms() + timeout_ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			if (status)
				*status = st;
			return 0;
		}
		if (r < 0 && errno == ECHILD && kill(pid, 0) && errno == ESRCH) {
			if (status)
				*status = -1;
			return 1;
		}
		if (now_ms() > deadline)
			return -1;
		sleep_ms(2);
	}
}

/*
 * Calls @fn(name, type, @arg) for each entry of the directory @path but "."
 * and "..", until one returns nonzero, which it returns; 0 after the last,
 * -1 with errno set if @path cannot be opened.  With getdents64() on a
 * stack buffer: no malloc() (opendir() allocates), for the processes that
 * must not, the fuzzer's (their heap is the test's).
 */
int dir_each(const char *path,
	     int (*fn)(const char *name, unsigned char type, void *arg),
	     void *arg)
{
	struct linux_dirent64 {
		uint64_t d_ino;
		int64_t d_off;
		unsigned short d_reclen;
		unsigned char d_type;
		char d_name[];
	} *d;
	char buf[4096] __aligned(8);
	int fd, n, off, ret = 0, saved;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (!ret && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; !ret && off < n; off += d->d_reclen) {
			d = (void *)(buf + off);
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				ret = fn(d->d_name, d->d_type, arg);
		}
	}
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

/* The parent of @pid (PPid in /proc/PID/status); 0 if it is gone. */
pid_t parent_of(pid_t pid)
{
	char path[64], buf[4096], *p;
	int ppid;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "\nPPid:");
	if (!p || sscanf(p + 6, "%d", &ppid) != 1)
		return 0;
	return ppid;
}

bool pid_alive(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return false;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

bool killed_by_sigkill(int status)
{
	return status != -1 && WIFSIGNALED(status) &&
	       WTERMSIG(status) == SIGKILL;
}

void reap_zombies(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * Kills and reaps the processes a test left behind that were reparented to
 * us (we are a subreaper), e.g. sub-agents whose agent is gone.
 */
void kill_strays(void)
{
	struct dirent *de;
	pid_t self = getpid();
	int n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	while ((de = readdir(d))) {
		pid_t pid = atoi(de->d_name);

		if (pid > 0 && parent_of(pid) == self) {
			kill(pid, SIGKILL);
			n++;
		}
	}
	closedir(d);
	if (n)
		sleep_ms(20);
	reap_zombies();
}

/* The clone_args of clone3(2) up to @cgroup (CLONE_ARGS_SIZE_VER2) */
struct clone_args_v2 {
	unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal;
	unsigned long long stack, stack_size, tls, set_tid, set_tid_size;
	unsigned long long cgroup;
};

pid_t sys_clone3(unsigned long long flags, int cgroup_fd, pid_t *set_tid)
{
	struct clone_args_v2 args = {
		.flags = flags,
		.exit_signal = SIGCHLD,
		.cgroup = cgroup_fd >= 0 ? cgroup_fd : 0,
		.set_tid = (uintptr_t)set_tid,
		.set_tid_size = set_tid ? 1 : 0,
	};

	fflush(NULL);
	return syscall(__NR_clone3, &args, sizeof(args));
}

/* Become nobody, keeping the capabilities of the mask @keep (CAP(c)). */
int become_nobody(unsigned long long keep)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = { { 0 } };
	int i;

	if (keep && prctl(PR_SET_KEEPCAPS, 1))
		return -1;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	if (!keep)
		return 0;
	for (i = 0; i < 2; i++) {
		d[i].effective = keep >> (32 * i);
		d[i].permitted = keep >> (32 * i);
	}
	return syscall(SYS_capset, &h, d);
}
