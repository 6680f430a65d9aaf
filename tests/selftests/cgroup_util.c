// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup v2 file helpers, named as upstream's
 * tools/testing/selftests/cgroup/cgroup_util.h names them.
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
#include <sys/wait.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "restrack_test.h"

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

/*
 * @parent/@name into @buf, a PATH_MAX buffer; -1 if it does not fit.
 * (Upstream's cg_name() returns it in malloc()ed memory instead.)
 */
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

int cg_killall(const char *cg)
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
		if (cg_read(cg, "cgroup.procs", buf, sizeof(buf)) || !buf[0])
			return 0;
		reap_zombies();
		sleep_ms(10);
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
	cg_killall(cg);
	deadline = now_ms() + 5000;
	while (rmdir(cg)) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || now_ms() > deadline) {
			diag("rmdir %s: %s", cg, strerror(errno));
			return -1;
		}
		cg_killall(cg);
		sleep_ms(10);
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

int cg_write_numeric(const char *cg, const char *file, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return cg_write(cg, file, buf);
}

/* As upstream's: @cg/@file into @buf, NUL-terminated; 0, or -1 */
int cg_read(const char *cg, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (cg_path(path, cg, file)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return read_text(path, buf, len) < 0 ? -1 : 0;
}

/*
 * As upstream's: 0 if @cg/@file reads @expected, its newline included;
 * -1 if it cannot be read.  Unlike upstream's, the whole file is compared,
 * not its first strlen(@expected) bytes.
 */
int cg_read_strcmp(const char *cg, const char *file, const char *expected)
{
	char buf[4096];

	if (cg_read(cg, file, buf, sizeof(buf)))
		return -1;
	return strcmp(expected, buf);
}

bool cg_read_has_word(const char *cg, const char *file, const char *word)
{
	char buf[4096], *tok, *save = NULL;

	if (cg_read(cg, file, buf, sizeof(buf)))
		return false;
	for (tok = strtok_r(buf, "\n ", &save); tok;
	     tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, word))
			return true;
	return false;
}

long cg_read_long(const char *cg, const char *file)
{
	char buf[64];
	long val;

	if (cg_read(cg, file, buf, sizeof(buf)) || parse_long(buf, &val))
		return -1;
	return val;
}

long cg_read_max(const char *cg, const char *file)
{
	char buf[64];
	long val;

	if (cg_read(cg, file, buf, sizeof(buf)))
		return -1;
	if (!strcmp(buf, "max\n") || !strcmp(buf, "max"))
		return CG_MAX;
	return parse_long(buf, &val) ? -1 : val;
}

long cg_read_key_long(const char *cg, const char *file, const char *key)
{
	char buf[4096], *line, *save = NULL;
	size_t klen = strlen(key);
	long val;

	if (cg_read(cg, file, buf, sizeof(buf)))
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

/* The v2 cgroup of @pid (0: of the caller), or of its thread @tid. */
int task_cgroup(pid_t pid, pid_t tid, char *buf, size_t len)
{
	char path[96], text[4096], *line, *save = NULL;

	if (!pid)
		snprintf(path, sizeof(path), "/proc/self/cgroup");
	else if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/cgroup", pid,
			 tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	if (read_text(path, text, sizeof(text)) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "0::", 3)) {
			snprintf(buf, len, "%s", line + 3);
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}

int cg_enter(const char *cg, pid_t pid)
{
	return cg_write_numeric(cg, "cgroup.procs", pid);
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

/*
 * The pids of @cg's cgroup.procs, at most @max of them stored; their
 * number, or -1 if the file cannot be opened.  A read that fails ends the
 * list.  Without malloc() (no stdio), for the fuzzer's processes.
 */
int cg_read_pids(const char *cg, pid_t *pids, int max)
{
	char path[PATH_MAX], buf[4096], *p, *end;
	size_t len = 0;
	int fd, n = 0;
	ssize_t r;

	if (cg_path(path, cg, "cgroup.procs"))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		r = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0)
			len += r;
		buf[len] = '\0';
		/* a number that ends the buffer may go on in the next read */
		for (p = buf;; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p || (r > 0 && !*end))
				break;
			if (n < max)
				pids[n] = v;
			n++;
		}
		len -= p - buf;
		memmove(buf, p, len);
		if (r <= 0 || len == sizeof(buf) - 1)
			break;
	}
	close(fd);
	return n;
}

static int subtree_pids(const char *cg, pid_t *pids, int n, int max,
			int depth)
{
	char path[PATH_MAX];
	struct dirent *de;
	int got;
	DIR *d;

	if (depth > 16)
		return -1;
	got = cg_read_pids(cg, pids + n, max - n);
	if (got < 0 || got > max - n)
		return -1;
	n += got;
	d = opendir(cg);
	if (!d)
		return -1;
	while (n >= 0 && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		n = cg_path(path, cg, de->d_name) ? -1 :
		    subtree_pids(path, pids, n, max, depth + 1);
	}
	closedir(d);
	return n;
}

/*
 * The processes of @cg and of every cgroup below it, at most @max, into
 * @pids: how many, or -1 if a cgroup of the subtree cannot be read, the
 * subtree is more than 16 levels deep or holds more than @max processes.
 */
int cg_subtree_pids(const char *cg, pid_t *pids, int max)
{
	return subtree_pids(cg, pids, 0, max, 0);
}

int cg_nr_procs(const char *cg)
{
	pid_t dummy;

	return cg_read_pids(cg, &dummy, 0);
}

bool cg_has_pid(const char *cg, pid_t pid)
{
	pid_t pids[256];
	int n = cg_read_pids(cg, pids, 256), i;

	for (i = 0; i < n && i < 256; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* As upstream's: @fn(@cg, @arg) in a child in @cg; its pid, or -1 */
pid_t cg_run_nowait(const char *cg, int (*fn)(const char *cg, void *arg),
		    void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (cg_enter(cg, getpid()))
			_exit(126);
		_exit(fn(cg, arg));
	}
	return pid;
}

/* cgroup.events "frozen" of @cg reads @want within @timeout_ms: 0, else -1 */
int cg_wait_frozen(const char *cg, int want, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	while (cg_read_key_long(cg, "cgroup.events", "frozen") != want) {
		if (now_ms() > deadline)
			return -1;
		sleep_ms(10);
	}
	return 0;
}
