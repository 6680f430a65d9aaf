// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the restrack selftests; see cg_util.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "cg_util.h"

long page_size;

#define AGENT_TIMEOUT_MS	10000
#define AG_EXEC_ARG		"--restrack-agent"
#define AG_MAX_SUB		8
#define AG_MAX_THREADS		32
#define AG_MAX_SCM		16

/* ------------------------------------------------------------------ */
/* small utilities */

void msleep(int ms)
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

static ssize_t write_full(int fd, const void *buf, size_t len)
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

ssize_t read_path(const char *path, char *buf, size_t len)
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

/* Parses a whole decimal number, allowing one trailing newline. */
static int parse_long(const char *s, long *val)
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

/* ------------------------------------------------------------------ */
/* TAP */

struct ksft_shared {
	char reason[256];
};

static struct ksft_shared *ksft_shared;

void diag(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	char *line, *save = NULL;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	fflush(stdout);
}

int ksft_skip(const char *fmt, ...)
{
	va_list ap;

	if (ksft_shared) {
		va_start(ap, fmt);
		vsnprintf(ksft_shared->reason, sizeof(ksft_shared->reason),
			  fmt, ap);
		va_end(ap);
	}
	return KSFT_SKIP;
}

void ksft_list(const struct cg_test *tests, int ntests)
{
	int i;

	for (i = 0; i < ntests; i++)
		printf("%s\n", tests[i].name);
}

static int find_cgroup2(char *buf, size_t len)
{
	char line[1024], dev[256], dir[512], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %511s %63s", dev, dir, type) != 3)
			continue;
		if (!strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", dir);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

const char *cg_mount(void)
{
	static char mnt[PATH_MAX];

	if (mnt[0])
		return mnt;
	if (find_cgroup2(mnt, sizeof(mnt)) == 0)
		return mnt;
	/* A bare VM may not have mounted it yet. */
	mkdir("/sys/fs/cgroup", 0755);
	if (mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL) == 0 &&
	    find_cgroup2(mnt, sizeof(mnt)) == 0)
		return mnt;
	mnt[0] = '\0';
	return NULL;
}

static int setup_root(const char *rootname, char *root)
{
	const char *mnt = cg_mount();

	if (!mnt) {
		diag("no cgroup2 file system mounted (and mounting it failed)");
		return -1;
	}
	if (!cg_read_has_word(mnt, "cgroup.controllers", "restrack")) {
		diag("restrack is not in %s/cgroup.controllers", mnt);
		return -1;
	}
	if (!cg_read_has_word(mnt, "cgroup.subtree_control", "restrack") &&
	    cg_enable(mnt, "restrack")) {
		diag("enabling restrack in %s/cgroup.subtree_control: %s", mnt,
		     strerror(errno));
		return -1;
	}
	cg_path(root, mnt, rootname);
	if (access(root, F_OK) == 0 && cg_destroy(root))
		diag("stale %s could not be removed", root);
	if (cg_create(root)) {
		diag("mkdir %s: %s", root, strerror(errno));
		return -1;
	}
	if (cg_enable(root, "restrack")) {
		diag("enabling restrack in %s: %s", root, strerror(errno));
		return -1;
	}
	return 0;
}

int ksft_run(const char *rootname, const struct cg_test *tests, int ntests,
	     const char *only, int timeout_s)
{
	char root[PATH_MAX] = "";
	int pass = 0, fail = 0, skip = 0, planned = 0, n = 0, i;
	bool setup_ok;

	/* agents put /dev/null on 0-2: no pipe of ours may sit there */
	for (i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
			open("/", O_RDONLY);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	page_size = sysconf(_SC_PAGESIZE);

	for (i = 0; i < ntests; i++)
		if (!only || !strcmp(only, tests[i].name))
			planned++;
	if (!planned) {
		fprintf(stderr, "no test named %s\n", only);
		return 1;
	}

	ksft_shared = mmap(NULL, sizeof(*ksft_shared), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ksft_shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}

	printf("TAP version 13\n1..%d\n", planned);
	diag("page size %ld", page_size);
	/* No @rootname: the tests need no cgroup (nor restrack) */
	setup_ok = !rootname || setup_root(rootname, root) == 0;

	for (i = 0; i < ntests; i++) {
		const struct cg_test *t = &tests[i];
		int status = 0, ret;
		pid_t pid;

		if (only && strcmp(only, t->name))
			continue;
		n++;
		if (!setup_ok) {
			printf("not ok %d %s\n", n, t->name);
			fail++;
			continue;
		}
		ksft_shared->reason[0] = '\0';
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			diag("fork: %s", strerror(errno));
			ret = KSFT_FAIL;
		} else if (pid == 0) {
			prctl(PR_SET_CHILD_SUBREAPER, 1);
			ret = t->fn(root);
			fflush(stdout);
			_exit(ret);
		} else if (wait_exit(pid, timeout_s * 1000, &status)) {
			diag("%s: timed out after %d s", t->name, timeout_s);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ret = KSFT_FAIL;
		} else if (WIFEXITED(status)) {
			ret = WEXITSTATUS(status);
		} else {
			diag("%s: test process died with signal %d", t->name,
			     WIFSIGNALED(status) ? WTERMSIG(status) : -1);
			ret = KSFT_FAIL;
		}
		kill_strays();
		if (rootname && cg_destroy_children(root))
			diag("%s: cleanup of %s failed", t->name, root);
		kill_strays();

		if (ret == KSFT_PASS) {
			printf("ok %d %s\n", n, t->name);
			pass++;
		} else if (ret == KSFT_SKIP) {
			printf("ok %d %s # SKIP %s\n", n, t->name,
			       ksft_shared->reason[0] ? ksft_shared->reason :
			       "unavailable");
			skip++;
		} else {
			printf("not ok %d %s\n", n, t->name);
			fail++;
		}
	}
	if (rootname && setup_ok && cg_destroy(root))
		diag("could not remove %s", root);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);
	fflush(stdout);
	return fail ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* cgroup files */

int cg_path(char *buf, const char *parent, const char *name)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", parent, name);

	return n >= PATH_MAX ? -1 : 0;
}

int cg_make(char *buf, const char *parent, const char *name)
{
	if (cg_path(buf, parent, name))
		return -1;
	if (cg_create(buf)) {
		diag("mkdir %s: %s", buf, strerror(errno));
		return -1;
	}
	return 0;
}

int cg_create(const char *cg)
{
	return mkdir(cg, 0755);
}

static int cg_kill_all(const char *cg)
{
	char buf[64];
	long deadline = now_ms() + 5000;

	if (cg_write(cg, "cgroup.kill", "1")) {
		/* before 5.14: kill them one by one */
		char path[PATH_MAX];
		FILE *f;
		int pid;

		cg_path(path, cg, "cgroup.procs");
		f = fopen(path, "re");
		if (f) {
			while (fscanf(f, "%d", &pid) == 1)
				kill(pid, SIGKILL);
			fclose(f);
		}
	}
	while (now_ms() < deadline) {
		if (cg_read(cg, "cgroup.procs", buf, sizeof(buf)) <= 0)
			return 0;
		reap_zombies();
		msleep(10);
	}
	return -1;
}

int cg_destroy_children(const char *cg)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(cg);
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (cg_path(path, cg, de->d_name))
			continue;
		if (de->d_type != DT_DIR &&
		    (de->d_type != DT_UNKNOWN || stat(path, &st) ||
		     !S_ISDIR(st.st_mode)))
			continue;
		if (cg_destroy(path))
			ret = -1;
	}
	closedir(d);
	return ret;
}

int cg_destroy(const char *cg)
{
	long deadline;

	if (!cg || !cg[0] || access(cg, F_OK))
		return 0;
	cg_destroy_children(cg);
	cg_kill_all(cg);
	deadline = now_ms() + 5000;
	while (rmdir(cg)) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || now_ms() > deadline) {
			diag("rmdir %s: %s", cg, strerror(errno));
			return -1;
		}
		cg_kill_all(cg);
		msleep(10);
	}
	return 0;
}

int cg_write_raw(const char *cg, const char *file, const char *buf,
		 size_t len)
{
	char path[PATH_MAX];
	int fd, saved;
	ssize_t n;

	if (cg_path(path, cg, file)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int cg_write(const char *cg, const char *file, const char *buf)
{
	return cg_write_raw(cg, file, buf, strlen(buf));
}

int cg_write_errno(const char *cg, const char *file, const char *buf)
{
	return cg_write(cg, file, buf) ? errno : 0;
}

int cg_write_long(const char *cg, const char *file, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return cg_write(cg, file, buf);
}

ssize_t cg_read(const char *cg, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (cg_path(path, cg, file)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return read_path(path, buf, len);
}

/* 0 if the file reads exactly @expected (a trailing newline ignored) */
int cg_read_strcmp(const char *cg, const char *file, const char *expected)
{
	char buf[4096];
	ssize_t n = cg_read(cg, file, buf, sizeof(buf));

	if (n < 0)
		return -1;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return strcmp(buf, expected) ? 1 : 0;
}

bool cg_read_has_word(const char *cg, const char *file, const char *word)
{
	char buf[4096], *tok, *save = NULL;

	if (cg_read(cg, file, buf, sizeof(buf)) < 0)
		return false;
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

long cg_read_long(const char *cg, const char *file)
{
	char buf[64];
	long val;

	if (cg_read(cg, file, buf, sizeof(buf)) < 0 || parse_long(buf, &val))
		return -1;
	return val;
}

long cg_read_max(const char *cg, const char *file)
{
	char buf[64];

	if (cg_read(cg, file, buf, sizeof(buf)) < 0)
		return -1;
	if (!strcmp(buf, "max\n") || !strcmp(buf, "max"))
		return CG_MAX;
	return cg_read_long(cg, file);
}

long cg_read_key_long(const char *cg, const char *file, const char *key)
{
	char buf[4096], *line, *save = NULL;
	size_t klen = strlen(key);
	long val;

	if (cg_read(cg, file, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, klen) || line[klen] != ' ')
			continue;
		if (parse_long(line + klen + 1, &val))
			return -1;
		return val;
	}
	return -1;
}

bool cg_file_exists(const char *cg, const char *file)
{
	char path[PATH_MAX];

	return !cg_path(path, cg, file) && access(path, F_OK) == 0;
}

int cg_enter_pid(const char *cg, pid_t pid)
{
	return cg_write_long(cg, "cgroup.procs", pid);
}

int cg_enable(const char *cg, const char *controller)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "+%s", controller);
	return cg_write(cg, "cgroup.subtree_control", buf);
}

int cg_disable(const char *cg, const char *controller)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "-%s", controller);
	return cg_write(cg, "cgroup.subtree_control", buf);
}

static int read_pids(const char *cg, pid_t *pids, int max)
{
	char path[PATH_MAX];
	FILE *f;
	int n = 0, pid;

	if (cg_path(path, cg, "cgroup.procs"))
		return -1;
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%d", &pid) == 1) {
		if (n < max)
			pids[n] = pid;
		n++;
	}
	fclose(f);
	return n;
}

int cg_nr_procs(const char *cg)
{
	pid_t dummy;

	return read_pids(cg, &dummy, 0);
}

bool cg_has_pid(const char *cg, pid_t pid)
{
	pid_t pids[256];
	int n = read_pids(cg, pids, 256), i;

	for (i = 0; i < n && i < 256; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

int cg_wait_long(const char *cg, const char *file, long expect,
		 int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		if (cg_read_long(cg, file) == expect)
			return 0;
		if (now_ms() > deadline)
			return -1;
		msleep(5);
	}
}

pid_t cg_run_nowait(const char *cg, int (*fn)(void *), void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cg_enter_pid(cg, getpid()))
			_exit(126);
		_exit(fn(arg));
	}
	return pid;
}

int cg_run(const char *cg, int (*fn)(void *), void *arg)
{
	pid_t pid = cg_run_nowait(cg, fn, arg);
	int status;

	if (pid < 0)
		return -1;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return status;
}

/* ------------------------------------------------------------------ */
/* processes */

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
		msleep(2);
	}
}

bool pid_alive(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_path(path, buf, sizeof(buf)) <= 0)
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
	char path[64], buf[512], *p;
	struct dirent *de;
	pid_t self = getpid();
	int ppid, n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	while ((de = readdir(d))) {
		pid_t pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		if (read_path(path, buf, sizeof(buf)) <= 0)
			continue;
		p = strrchr(buf, ')');
		if (p && sscanf(p + 1, " %*c %d", &ppid) == 1 && ppid == self) {
			kill(pid, SIGKILL);
			n++;
		}
	}
	closedir(d);
	if (n)
		msleep(20);
	reap_zombies();
}

/* ------------------------------------------------------------------ */
/* oracles */

/* VmData of @pid in bytes; 0 for a process without an mm, -1 if gone */
long vmdata_bytes(pid_t pid)
{
	char path[64], buf[4096], *p;
	long kb;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_path(path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nVmData:");
	if (!p)
		return 0;
	if (sscanf(p + 8, "%ld", &kb) != 1)
		return -1;
	return kb * 1024;
}

/* Number of entries in /proc/PID/@dir ("fd", "task"); -1 if PID is gone */
long proc_count(pid_t pid, const char *dir)
{
	char path[64];
	struct dirent *de;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, dir);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Number of entries in /proc/PID/fd; -1 if the process is gone */
long fd_count(pid_t pid)
{
	return proc_count(pid, "fd");
}

int rt_current(const char *cg, struct rt_usage *u)
{
	u->heap = cg_read_long(cg, "restrack.heap.current");
	u->files = cg_read_long(cg, "restrack.files.current");
	if (u->heap < 0 || u->files < 0) {
		diag("reading restrack.*.current of %s failed", cg);
		return -1;
	}
	return 0;
}

static void oracle_dump(const char *cg, int depth)
{
	char path[PATH_MAX];
	pid_t pids[256];
	struct dirent *de;
	int n, i;
	DIR *d;

	if (depth > 8)
		return;
	n = read_pids(cg, pids, 256);
	for (i = 0; i < n && i < 256; i++)
		diag("  %s: pid %d VmData %ld bytes, %ld fds", cg, pids[i],
		     vmdata_bytes(pids[i]), fd_count(pids[i]));
	d = opendir(cg);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (!cg_path(path, cg, de->d_name))
			oracle_dump(path, depth + 1);
	}
	closedir(d);
}

static int oracle_walk(const char *cg, struct rt_usage *u, int depth)
{
	char path[PATH_MAX];
	pid_t pids[1024];
	struct dirent *de;
	int n, i, ret = 0;
	DIR *d;

	if (depth > 16)
		return -1;
	n = read_pids(cg, pids, 1024);
	if (n < 0 || n > 1024)
		return -1;
	for (i = 0; i < n; i++) {
		long heap = vmdata_bytes(pids[i]);
		long files = fd_count(pids[i]);

		/* a process that exited under us has nothing left */
		u->heap += heap > 0 ? heap : 0;
		u->files += files > 0 ? files : 0;
	}
	d = opendir(cg);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (cg_path(path, cg, de->d_name) ||
		    oracle_walk(path, u, depth + 1))
			ret = -1;
	}
	closedir(d);
	return ret;
}

/*
 * Sum of VmData and of /proc/PID/fd entries over the processes of @cg and
 * of all its descendants.  Correct when no fd table is shared between
 * processes (CLONE_FILES); threads are fine, cgroup.procs lists each
 * process once.
 */
int rt_oracle(const char *cg, struct rt_usage *u)
{
	u->heap = 0;
	u->files = 0;
	if (oracle_walk(cg, u, 0)) {
		diag("walking %s failed", cg);
		return -1;
	}
	return 0;
}

int rt_check_expect(const char *cg, const char *label, long heap, long files)
{
	struct rt_usage cur;

	if (rt_current(cg, &cur))
		return -1;
	if (cur.heap == heap && cur.files == files)
		return 0;
	diag("%s: %s: heap.current %ld, oracle %ld (diff %ld); files.current %ld, oracle %ld (diff %ld)",
	     label, cg, cur.heap, heap, cur.heap - heap, cur.files, files,
	     cur.files - files);
	oracle_dump(cg, 0);
	return -1;
}

int rt_check(const char *cg, const char *label)
{
	struct rt_usage o;

	if (rt_oracle(cg, &o))
		return -1;
	return rt_check_expect(cg, label, o.heap, o.files);
}

int rt_wait_zero(const char *cg, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;
	struct rt_usage u;

	for (;;) {
		if (rt_current(cg, &u))
			return -1;
		if (!u.heap && !u.files)
			return 0;
		if (now_ms() > deadline) {
			diag("%s: not back to 0 after %d ms: heap %ld, files %ld",
			     cg, timeout_ms, u.heap, u.files);
			return -1;
		}
		msleep(5);
	}
}

int rt_track_start(struct rt_track *t, const char *cg)
{
	t->cg = cg;
	if (rt_check(cg, "start") || rt_current(cg, &t->last))
		return -1;
	t->start = t->last;
	return 0;
}

int rt_track(struct rt_track *t, const char *label, long dheap, long dfiles)
{
	struct rt_usage cur;
	int ret = 0;

	if (rt_check(t->cg, label) || rt_current(t->cg, &cur))
		return -1;
	if (dheap != ANY && cur.heap - t->last.heap != dheap) {
		diag("%s: heap.current changed by %ld, expected %ld", label,
		     cur.heap - t->last.heap, dheap);
		ret = -1;
	}
	if (dfiles != ANY && cur.files - t->last.files != dfiles) {
		diag("%s: files.current changed by %ld, expected %ld", label,
		     cur.files - t->last.files, dfiles);
		ret = -1;
	}
	t->last = cur;
	return ret;
}

/* ------------------------------------------------------------------ */
/* agent: the child side */

struct ag_cmd {
	int op;
	int target;
	long a[6];
};

struct ag_reply {
	long ret;
	long err;
	long v[4];
};

struct ag_sub {
	pid_t pid;
	int wfd, rfd;
	int peer_wfd, peer_rfd;	/* the sub's ends, still ours if shared */
	bool shared;
};

static struct {
	int in, out;
	bool top;
	const char *devnull;
	struct ag_sub sub[AG_MAX_SUB];
	int sock_seq;

	int nthreads;
	pthread_t tid[AG_MAX_THREADS];
	int stop_pipe[2];
	sem_t ready;
	long thr_pages;
	bool thr_open;
	int thr_failed;
} ag = { .in = -1, .out = -1, .stop_pipe = { -1, -1 } };

static void __attribute__((noreturn)) ag_loop(void);

static void ag_init(int in, int out, bool top)
{
	ag.in = in;
	ag.out = out;
	ag.top = top;
	ag.devnull = access("/dev/null", R_OK) ? "/" : "/dev/null";
	memset(ag.sub, 0, sizeof(ag.sub));
	ag.nthreads = 0;
	ag.stop_pipe[0] = ag.stop_pipe[1] = -1;
	if (!page_size)
		page_size = sysconf(_SC_PAGESIZE);
}

static void ag_reply(const struct ag_reply *rep)
{
	if (write_full(ag.out, rep, sizeof(*rep)) < 0) {
		if (ag.top)
			_exit(1);
		for (;;)
			pause();
	}
}

/* Closes every descriptor but 0-2 and the (up to three) given ones. */
static void close_other_fds(int k1, int k2, int k3)
{
	int keep[3] = { k1, k2, k3 }, i, j, t;
	unsigned int first = 3;
	struct rlimit rl;
	long max = 4096, fd;

	/* sort, so that the gaps between kept fds can go with close_range */
	for (i = 0; i < 3; i++)
		for (j = i + 1; j < 3; j++)
			if (keep[j] < keep[i]) {
				t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (i = 0; i <= 3; i++) {
		unsigned int last = i < 3 ? (unsigned int)keep[i] - 1 : ~0U;

		if (i < 3 && keep[i] < (int)first)
			continue;
		if (last >= first &&
		    syscall(__NR_close_range, first, last, 0) && errno == ENOSYS)
			goto slow;
		if (i < 3)
			first = keep[i] + 1;
	}
	return;
slow:
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)max)
		max = rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		if (fd != k1 && fd != k2 && fd != k3)
			close(fd);
}

static void null_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

void isolate_fds(int keep)
{
	close_other_fds(keep, -1, -1);
	null_stdio();
}

static void *ag_thread(void *arg)
{
	size_t len = ag.thr_pages * page_size;
	void *p = MAP_FAILED;
	int fd = -1;
	char c;

	(void)arg;
	if (len) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			__atomic_add_fetch(&ag.thr_failed, 1, __ATOMIC_SEQ_CST);
	}
	if (ag.thr_open) {
		fd = open(ag.devnull, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			__atomic_add_fetch(&ag.thr_failed, 1, __ATOMIC_SEQ_CST);
	}
	sem_post(&ag.ready);
	while (read(ag.stop_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	if (fd >= 0)
		close(fd);
	if (p != MAP_FAILED)
		munmap(p, len);
	return NULL;
}

static long ag_threads(const struct ag_cmd *c, struct ag_reply *rep)
{
	pthread_attr_t attr;
	long n = c->a[0], i;

	if (ag.nthreads || n <= 0 || n > AG_MAX_THREADS) {
		errno = EINVAL;
		return -1;
	}
	if (pipe2(ag.stop_pipe, O_CLOEXEC))
		return -1;
	sem_init(&ag.ready, 0, 0);
	ag.thr_pages = c->a[2];
	ag.thr_open = c->a[3];
	ag.thr_failed = 0;
	pthread_attr_init(&attr);
	if (c->a[1])
		pthread_attr_setstacksize(&attr, c->a[1]);
	for (i = 0; i < n; i++) {
		errno = pthread_create(&ag.tid[i], &attr, ag_thread, NULL);
		if (errno)
			break;
		ag.nthreads++;
	}
	pthread_attr_destroy(&attr);
	for (i = 0; i < ag.nthreads; i++)
		while (sem_wait(&ag.ready) && errno == EINTR)
			;
	rep->v[0] = ag.thr_failed;
	rep->v[1] = ag.nthreads;
	return ag.nthreads == n ? 0 : -1;
}

static long ag_threads_stop(void)
{
	int i;

	if (!ag.nthreads) {
		errno = EINVAL;
		return -1;
	}
	close(ag.stop_pipe[1]);
	for (i = 0; i < ag.nthreads; i++)
		pthread_join(ag.tid[i], NULL);
	close(ag.stop_pipe[0]);
	ag.stop_pipe[0] = ag.stop_pipe[1] = -1;
	ag.nthreads = 0;
	return 0;
}

static long ag_fork(long flags, struct ag_reply *rep)
{
	int to[2], from[2], slot, i;
	struct ag_reply hello;
	bool shared = flags & CLONE_FILES;
	pid_t pid;

	for (slot = 0; slot < AG_MAX_SUB; slot++)
		if (!ag.sub[slot].pid)
			break;
	if (slot == AG_MAX_SUB || (flags & ~(long)CLONE_FILES)) {
		errno = EINVAL;
		return -1;
	}
	if (pipe(to))
		return -1;
	if (pipe(from)) {
		int saved = errno;

		close(to[0]);
		close(to[1]);
		errno = saved;
		return -1;
	}
	if (shared)
		pid = syscall(SYS_clone, (long)(CLONE_FILES | SIGCHLD), 0L,
			      0L, 0L, 0L);
	else
		pid = fork();
	if (pid < 0) {
		int saved = errno;

		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		if (!shared) {
			close(ag.in);
			close(ag.out);
			close(to[1]);
			close(from[0]);
			for (i = 0; i < AG_MAX_SUB; i++) {
				if (!ag.sub[i].pid)
					continue;
				close(ag.sub[i].wfd);
				close(ag.sub[i].rfd);
				if (ag.sub[i].shared) {
					close(ag.sub[i].peer_rfd);
					close(ag.sub[i].peer_wfd);
				}
			}
			if (ag.nthreads) {
				close(ag.stop_pipe[0]);
				close(ag.stop_pipe[1]);
			}
		}
		/* (a shared table keeps everything: it is the parent's too) */
		ag_init(to[0], from[1], false);
		memset(&hello, 0, sizeof(hello));
		hello.v[0] = getpid();
		ag_reply(&hello);
		ag_loop();
	}
	ag.sub[slot].pid = pid;
	ag.sub[slot].wfd = to[1];
	ag.sub[slot].rfd = from[0];
	ag.sub[slot].shared = shared;
	ag.sub[slot].peer_rfd = to[0];
	ag.sub[slot].peer_wfd = from[1];
	if (!shared) {
		close(to[0]);
		close(from[1]);
	}
	if (read_full_timeout(from[0], &hello, sizeof(hello), AGENT_TIMEOUT_MS)
	    != sizeof(hello)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		errno = ECHILD;
		return -1;
	}
	rep->v[0] = slot + 1;
	return pid;
}

static void ag_sub_forget(struct ag_sub *s)
{
	close(s->wfd);
	close(s->rfd);
	if (s->shared) {
		close(s->peer_rfd);
		close(s->peer_wfd);
	}
	s->pid = 0;
}

/* Waits for the reply of a sub-agent, or for it to die. */
static void ag_relay(struct ag_cmd *c, struct ag_reply *rep)
{
	int idx = c->target - 1, st = 0;
	struct ag_sub *s;

	if (idx < 0 || idx >= AG_MAX_SUB || !ag.sub[idx].pid) {
		rep->ret = -1;
		rep->err = ESRCH;
		return;
	}
	s = &ag.sub[idx];
	c->target = 0;
	if (write_full(s->wfd, c, sizeof(*c)) < 0)
		goto dead;
	if (c->op == AG_EXIT)
		goto dead;
	for (;;) {
		struct pollfd pfd = { .fd = s->rfd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 10) > 0) {
			n = read_full_timeout(s->rfd, rep, sizeof(*rep), -1);
			if (n == sizeof(*rep))
				return;
			goto dead;
		}
		/* a sub sharing our table never gives us EOF: look for it */
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			ag_sub_forget(s);
			goto died;
		}
	}
dead:
	waitpid(s->pid, &st, 0);
	ag_sub_forget(s);
died:
	memset(rep, 0, sizeof(*rep));
	if (c->op == AG_EXIT) {
		rep->ret = st;
	} else {
		rep->ret = -1;
		rep->err = EPIPE;
		rep->v[0] = st;
	}
}

static long ag_scm_send(const struct ag_cmd *c)
{
	char cbuf[CMSG_SPACE(sizeof(int) * AG_MAX_SCM)];
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int n = c->a[2], i;
	int *fds;

	if (n < 1 || n > AG_MAX_SCM) {
		errno = EINVAL;
		return -1;
	}
	memset(cbuf, 0, sizeof(cbuf));
	msg.msg_control = cbuf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	fds = (int *)CMSG_DATA(cm);
	for (i = 0; i < n; i++)
		fds[i] = c->a[1];
	return sendmsg(c->a[0], &msg, 0) == 1 ? 0 : -1;
}

static long ag_scm_recv(const struct ag_cmd *c, struct ag_reply *rep)
{
	char cbuf[CMSG_SPACE(sizeof(int) * AG_MAX_SCM)];
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	long got = 0;

	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(c->a[0], &msg, 0) < 0)
		return -1;
	rep->v[0] = msg.msg_flags;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		int *fds = (int *)CMSG_DATA(cm);
		long n, i;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++, got++)
			if (got < 3)
				rep->v[1 + got] = fds[i];
	}
	return got;
}

static long ag_newfd(const struct ag_cmd *c)
{
	struct { uint64_t flags, mode, resolve; } how = { O_RDONLY, 0, 0 };
	sigset_t set;
	int fd;

	switch (c->a[0]) {
	case NEWFD_SOCKET:
		return socket(AF_UNIX, SOCK_STREAM, 0);
	case NEWFD_EVENTFD:
		return eventfd(0, 0);
	case NEWFD_MEMFD:
		fd = memfd_create("restrack-test", 0);
		if (fd >= 0 && c->a[1] && ftruncate(fd, c->a[1])) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
		return fd;
	case NEWFD_PIDFD:
		return syscall(__NR_pidfd_open, getpid(), 0);
	case NEWFD_EPOLL:
		return epoll_create1(0);
	case NEWFD_INOTIFY:
		return inotify_init1(0);
	case NEWFD_TIMERFD:
		return timerfd_create(CLOCK_MONOTONIC, 0);
	case NEWFD_SIGNALFD:
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		return signalfd(-1, &set, 0);
	case NEWFD_OPENAT2:
		return syscall(__NR_openat2, AT_FDCWD, ag.devnull, &how,
			       sizeof(how));
	}
	errno = EINVAL;
	return -1;
}

static long ag_listen(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd, n;

	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
		     "restrack-test-%d-%d", getpid(), ag.sock_seq++);
	len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, len) || listen(fd, 16)) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static long ag_connect(int lfd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	int fd;

	if (getsockname(lfd, (struct sockaddr *)&sun, &len))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, len)) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static long ag_exec(void)
{
	char in[16], out[16], top[4];
	char *argv[] = { "restrack-agent", AG_EXEC_ARG, in, out, top, NULL };
	int i;

	for (i = 0; i < AG_MAX_SUB; i++) {
		if (ag.sub[i].pid) {
			errno = EBUSY;
			return -1;
		}
	}
	snprintf(in, sizeof(in), "%d", ag.in);
	snprintf(out, sizeof(out), "%d", ag.out);
	snprintf(top, sizeof(top), "%d", ag.top);
	execv("/proc/self/exe", argv);
	return -1;
}

static void ag_do(const struct ag_cmd *c, struct ag_reply *rep)
{
	const long *a = c->a;
	int fds[2];
	long ret;

	errno = 0;
	switch (c->op) {
	case AG_NOP:
		rep->v[0] = getpid();
		ret = 0;
		break;
	case AG_MMAP:
		ret = (long)mmap((void *)a[0], a[1], a[2], a[3], a[4], a[5]);
		break;
	case AG_MUNMAP:
		ret = munmap((void *)a[0], a[1]);
		break;
	case AG_MREMAP:
		ret = (long)mremap((void *)a[0], a[1], a[2], a[3],
				   (void *)a[4]);
		break;
	case AG_MPROTECT:
		ret = mprotect((void *)a[0], a[1], a[2]);
		break;
	case AG_MADVISE:
		ret = madvise((void *)a[0], a[1], a[2]);
		break;
	case AG_SBRK: {
		void *old = sbrk(a[0]);
		int saved = errno;

		ret = old == (void *)-1 ? -1 : (long)old;
		rep->v[0] = syscall(SYS_brk, 0L);
		errno = saved;
		break;
	}
	case AG_OPEN:
		ret = open(ag.devnull, O_RDONLY | a[0]);
		break;
	case AG_CLOSE:
		ret = close(a[0]);
		break;
	case AG_DUP:
		ret = dup(a[0]);
		break;
	case AG_DUP2:
		ret = dup2(a[0], a[1]);
		break;
	case AG_DUP3:
		ret = dup3(a[0], a[1], a[2]);
		break;
	case AG_FCNTL:
		ret = fcntl(a[0], a[1], a[2]);
		break;
	case AG_PIPE:
		ret = pipe2(fds, a[0]);
		if (!ret) {
			rep->v[0] = fds[0];
			rep->v[1] = fds[1];
		}
		break;
	case AG_SOCKETPAIR:
		ret = socketpair(AF_UNIX, a[0], 0, fds);
		if (!ret) {
			rep->v[0] = fds[0];
			rep->v[1] = fds[1];
		}
		break;
	case AG_NEWFD:
		ret = ag_newfd(c);
		break;
	case AG_LISTEN:
		ret = ag_listen();
		break;
	case AG_CONNECT:
		ret = ag_connect(a[0]);
		break;
	case AG_ACCEPT:
		ret = accept(a[0], NULL, NULL);
		break;
	case AG_SCM_SEND:
		ret = ag_scm_send(c);
		break;
	case AG_SCM_RECV:
		ret = ag_scm_recv(c, rep);
		break;
	case AG_CLOSE_RANGE:
		ret = syscall(__NR_close_range, (unsigned int)a[0],
			      (unsigned int)a[1], (unsigned int)a[2]);
		break;
	case AG_UNSHARE:
		ret = unshare(a[0]);
		break;
	case AG_FORK:
		ret = ag_fork(a[0], rep);
		break;
	case AG_FORK_EXIT:
		ret = fork();
		if (ret == 0)
			_exit(0);
		if (ret > 0)
			waitpid(ret, NULL, 0);
		break;
	case AG_THREADS:
		ret = ag_threads(c, rep);
		break;
	case AG_THREADS_STOP:
		ret = ag_threads_stop();
		break;
	case AG_EXEC:
		ret = ag_exec();
		break;
	default:
		errno = EINVAL;
		ret = -1;
	}
	rep->ret = ret;
	rep->err = ret == -1 ? errno : 0;
}

static void __attribute__((noreturn)) ag_loop(void)
{
	for (;;) {
		struct ag_reply rep;
		struct ag_cmd c;
		ssize_t n;

		n = read_full_timeout(ag.in, &c, sizeof(c), -1);
		if (n != sizeof(c)) {
			/* the test went away */
			if (ag.top)
				_exit(0);
			/* a sub-agent waits to be killed: see kill tests */
			for (;;)
				pause();
		}
		memset(&rep, 0, sizeof(rep));
		if (c.target)
			ag_relay(&c, &rep);
		else if (c.op == AG_EXIT)
			_exit(c.a[0]);
		else
			ag_do(&c, &rep);
		ag_reply(&rep);
	}
}

/* The image an agent execs into (AG_EXEC) starts here. */
void agent_exec_hook(int argc, char **argv)
{
	struct ag_reply rep;

	if (argc < 5 || strcmp(argv[1], AG_EXEC_ARG))
		return;
	ag_init(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	signal(SIGPIPE, SIG_IGN);
	memset(&rep, 0, sizeof(rep));
	rep.v[0] = getpid();
	ag_reply(&rep);
	ag_loop();
}

/* ------------------------------------------------------------------ */
/* agent: the test side */

int agent_start_keep(struct agent *a, const char *cg, int keepfd)
{
	struct ag_reply rep;
	int to[2], from[2];
	pid_t parent = getpid(), pid;
	ssize_t n;

	a->pid = -1;
	a->wfd = a->rfd = -1;
	a->dead = false;
	if (pipe(to))
		return -1;
	if (pipe(from)) {
		close(to[0]);
		close(to[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close_other_fds(to[0], from[1], keepfd);
		/* never hold on to the test's output (a pipe, maybe) */
		null_stdio();
		ag_init(to[0], from[1], true);
		memset(&rep, 0, sizeof(rep));
		rep.v[0] = getpid();
		if (cg && cg_enter_pid(cg, getpid())) {
			rep.ret = -1;
			rep.err = errno;
		}
		ag_reply(&rep);
		if (rep.ret)
			_exit(1);
		ag_loop();
	}
	close(to[0]);
	close(from[1]);
	if (pid < 0) {
		close(to[1]);
		close(from[0]);
		return -1;
	}
	a->pid = pid;
	a->wfd = to[1];
	a->rfd = from[0];
	n = read_full_timeout(a->rfd, &rep, sizeof(rep), AGENT_TIMEOUT_MS);
	if (n != sizeof(rep) || rep.ret) {
		diag("agent for %s did not start: %s", cg ? cg : "(none)",
		     n == sizeof(rep) ? strerror(rep.err) : "no reply");
		agent_kill(a);
		return -1;
	}
	return 0;
}

int agent_start(struct agent *a, const char *cg)
{
	return agent_start_keep(a, cg, -1);
}

long agent_call(struct agent *a, int target, int op, const long args[6])
{
	struct ag_cmd c = { .op = op, .target = target };
	struct ag_reply rep;
	ssize_t n;

	memcpy(c.a, args, sizeof(c.a));
	if (a->dead || a->pid < 0) {
		errno = EPIPE;
		return -1;
	}
	if (write_full(a->wfd, &c, sizeof(c)) < 0) {
		a->dead = true;
		errno = EPIPE;
		return -1;
	}
	if (op == AG_EXIT && !target)
		return 0;
	n = read_full_timeout(a->rfd, &rep, sizeof(rep), AGENT_TIMEOUT_MS);
	if (n != sizeof(rep)) {
		a->dead = true;
		if (n < 0 && errno == ETIMEDOUT)
			diag("agent %d: no reply to command %d", a->pid, op);
		errno = n < 0 && errno == ETIMEDOUT ? ETIMEDOUT : EPIPE;
		return -1;
	}
	a->err = rep.err;
	memcpy(a->v, rep.v, sizeof(a->v));
	errno = rep.err;
	return rep.ret;
}

static void agent_close(struct agent *a)
{
	if (a->wfd >= 0)
		close(a->wfd);
	if (a->rfd >= 0)
		close(a->rfd);
	a->wfd = a->rfd = -1;
	a->dead = true;
}

/* Waits for the agent to exit; returns its wait status, -1 if unknown. */
int agent_wait(struct agent *a, int timeout_ms)
{
	int status = -1;

	if (a->pid < 0)
		return -1;
	agent_close(a);
	if (wait_exit(a->pid, timeout_ms, &status) < 0) {
		diag("agent %d did not exit within %d ms", a->pid, timeout_ms);
		kill(a->pid, SIGKILL);
		waitpid(a->pid, NULL, 0);
		status = -1;
	}
	a->pid = -1;
	return status;
}

/*
 * Waits for the agent to die on its own (it is blocked reading its command
 * pipe, so it cannot exit by itself); returns its wait status, -1 if it is
 * still alive after @timeout_ms (then it is left running for cleanup).
 */
int agent_reap(struct agent *a, int timeout_ms)
{
	int status = -1;

	if (a->pid < 0)
		return -1;
	if (wait_exit(a->pid, timeout_ms, &status) < 0)
		return -1;
	agent_close(a);
	a->pid = -1;
	return status;
}

/* Asks the agent to exit; returns its wait status. */
int agent_stop(struct agent *a)
{
	if (a->pid < 0)
		return -1;
	if (!a->dead)
		ag_call(a, AG_EXIT, 0);
	return agent_wait(a, 5000);
}

int agent_kill(struct agent *a)
{
	if (a->pid < 0)
		return -1;
	kill(a->pid, SIGKILL);
	return agent_wait(a, 5000);
}

int ksft_main(int argc, char **argv, const char *rootname,
	      const struct cg_test *tests, int ntests, int timeout)
{
	const char *only = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "lt:h")) != -1) {
		switch (opt) {
		case 'l':
			ksft_list(tests, ntests);
			return 0;
		case 't':
			only = optarg;
			break;
		default:
			fprintf(opt == 'h' ? stdout : stderr,
				"usage: %s [-l] [-t TEST]\n"
				"  -l       list the tests\n"
				"  -t TEST  run only TEST\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	return ksft_run(rootname, tests, ntests, only, timeout);
}
