// SPDX-License-Identifier: GPL-2.0
/*
 * librestrack: units, error words and cgroup v2 file access; see
 * librestrack.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "librestrack.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

const char *const rt_event_names[RT_NR_EVENTS] = {
	[RT_EVENT_HEAP_MAX]	= "heap.max",
	[RT_EVENT_FILES_MAX]	= "files.max",
	[RT_EVENT_KILL]		= "kill",
};

/* Digits into *v; -ERANGE past INT64_MAX.  Returns the end. */
static const char *parse_digits(const char *p, uint64_t *v, int *err)
{
	*v = 0;
	for (; isdigit((unsigned char)*p); p++) {
		if (*v > (INT64_MAX - (uint64_t)(*p - '0')) / 10)
			*err = -ERANGE;
		else
			*v = *v * 10 + (*p - '0');
	}
	return p;
}

/* "max", as cgroupfs writes no limit, or "infinity", as systemd does */
static bool restrack_is_unlimited(const char *s)
{
	return !strcmp(s, "max") || !strcmp(s, "infinity");
}

int restrack_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t whole, frac = 0, fracdiv = 1;
	const char *p = s;
	unsigned __int128 v;
	int shift = 0, err = 0;

	if (restrack_is_unlimited(s)) {
		*bytes = RT_LIMIT_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;		/* "", "-1", "+1", " 1", ".5" */
	p = parse_digits(p, &whole, &err);
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			if (fracdiv >= 100000000000000000ULL)
				continue;	/* far below a byte */
			frac = frac * 10 + (*p - '0');
			fracdiv *= 10;
		}
	}
	if (*p && strchr("kKmMgGtTpPeE", *p))
		shift = 10 * (int)(strchr("kmgtpe", tolower((unsigned char)*p)) -
				   "kmgtpe" + 1);
	if (shift) {
		p++;
		if (!strcmp(p, "iB") || !strcmp(p, "B"))
			p += strlen(p);
	} else if (*p == 'B' && !p[1]) {
		p++;
	}
	if (*p)
		return -EINVAL;
	if (!shift && frac)
		return -EINVAL;		/* a fraction of a byte */
	if (err)
		return err;
	/* fractions of a unit are rounded down to a byte */
	v = ((unsigned __int128)whole << shift) +
	    (((unsigned __int128)frac << shift) / fracdiv);
	if (v > INT64_MAX)
		return -ERANGE;
	*bytes = (uint64_t)v;
	return 0;
}

int restrack_parse_count(const char *s, uint64_t *n)
{
	const char *end;
	int err = 0;

	if (restrack_is_unlimited(s)) {
		*n = RT_LIMIT_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	end = parse_digits(s, n, &err);
	if (*end)
		return -EINVAL;
	return err;
}

int restrack_parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "y", "t" };
	static const char *const no[] = { "no", "false", "off", "0", "n", "f" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*b = false;
			return 0;
		}
	}
	return -EINVAL;
}

int restrack_parse_quota_mib(const char *s, long *mib)
{
	const char *p = s;
	uint64_t v;
	int err;

	if (!strcmp(s, "-1") || restrack_is_unlimited(s)) {
		*mib = RESTRACK_UNLIMITED;
		return 0;
	}
	while (isdigit((unsigned char)*p))
		p++;
	if (p != s && !*p) {
		/* a bare number: MiB */
		err = restrack_parse_count(s, &v);
		if (!err && v > (uint64_t)INT64_MAX >> 20)
			err = -ERANGE;
	} else {
		err = restrack_parse_size(s, &v);
		if (!err && v & ((1 << 20) - 1))
			err = -EDOM;
		v >>= 20;
	}
	if (err)
		return err;
	*mib = (long)v;
	return 0;
}

int restrack_parse_pid(const char *s, pid_t *pid)
{
	uint64_t v;
	const char *end;
	int err = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	end = parse_digits(s, &v, &err);
	if (*end || err || v < 1 || v > INT_MAX)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

int restrack_parse_seconds(const char *s, double *secs)
{
	char *end;
	double v;

	if (!isdigit((unsigned char)*s) && *s != '.')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v > 0) || v > 86400)
		return -EINVAL;
	*secs = v;
	return 0;
}

const char *restrack_format_size(uint64_t bytes, char buf[RESTRACK_SIZE_BUFSZ])
{
	static const char units[] = "BKMGTPE";
	unsigned __int128 tenths;
	int u = 0;

	if (bytes == RT_LIMIT_MAX)
		return strcpy(buf, "max");
	if (bytes == 0)
		return strcpy(buf, "0");
	while (u < 6 && bytes >= (1ULL << (10 * (u + 1))))
		u++;
	for (;;) {
		unsigned __int128 unit = (unsigned __int128)1 << (10 * u);

		tenths = ((unsigned __int128)bytes * 10 + unit / 2) / unit;
		if (tenths < 10240 || u == 6)
			break;
		u++;			/* 1023.96K rounds to 1M */
	}
	if (u == 0 || tenths % 10 == 0)
		snprintf(buf, RESTRACK_SIZE_BUFSZ, "%llu%c",
			 (unsigned long long)(tenths / 10), units[u]);
	else
		snprintf(buf, RESTRACK_SIZE_BUFSZ, "%llu.%llu%c",
			 (unsigned long long)(tenths / 10),
			 (unsigned long long)(tenths % 10), units[u]);
	return buf;
}

const char *restrack_format_count(uint64_t n, char buf[RESTRACK_SIZE_BUFSZ])
{
	if (n == RT_LIMIT_MAX)
		return strcpy(buf, "max");
	snprintf(buf, RESTRACK_SIZE_BUFSZ, "%llu", (unsigned long long)n);
	return buf;
}

const char *restrack_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case EPERM:
		return "operation not permitted: needs CAP_SYS_RESOURCE, and root "
		       "as cgroupfs would for the same change";
	case EACCES:
		return "permission denied: needs root, or a cgroup delegated to you";
	case ESRCH:
		return "no such process";
	case ENOSYS:
		return "this kernel has no restrack system calls";
	case EROFS:
		return "the cgroup file system is read-only";
	case ENOENT:
		return "no such cgroup or cgroup file";
	case EBUSY:
		return "the cgroup is busy";
	case ERANGE:
		return "number too large";
	}
	return strerror(err);
}

const char *restrack_cgroup_mount(void)
{
	static char mnt[PATH_MAX];
	const char *env = getenv("RESTRACK_CGROUP_ROOT");
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (env && *env) {
		struct stat st;

		return stat(env, &st) == 0 && S_ISDIR(st.st_mode) ? env : NULL;
	}
	if (mnt[0])
		return mnt;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SRC OPTS */
		char *sep = strstr(line, " - "), *field, *save, *o;
		const char *in;
		int i;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		field = strtok_r(line, " ", &save);
		for (i = 0; i < 4 && field; i++)
			field = strtok_r(NULL, " ", &save);
		if (!field)
			continue;
		/* unescape \040 and friends */
		for (in = field, o = mnt; *in && o < mnt + sizeof(mnt) - 1; o++) {
			if (in[0] == '\\' && isdigit((unsigned char)in[1]) &&
			    isdigit((unsigned char)in[2]) &&
			    isdigit((unsigned char)in[3])) {
				*o = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 +
					    (in[3] - '0'));
				in += 4;
			} else {
				*o = *in++;
			}
		}
		*o = '\0';
		break;
	}
	free(line);
	fclose(f);
	return mnt[0] ? mnt : NULL;
}

bool restrack_is_cgroup2(const char *dir)
{
	struct statfs sfs;

	return statfs(dir, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

int restrack_controller_available(const char *mnt)
{
	return restrack_cg_has_word(mnt, "cgroup.controllers", "restrack") ?
	       0 : -ENOENT;
}

static int open_at(const char *dir, const char *file, int flags)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, flags | O_CLOEXEC);
}

int restrack_cg_read(const char *dir, const char *file, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd = open_at(dir, file, O_RDONLY);

	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1 &&
	       (n = read(fd, buf + total, len - 1 - total)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		total += n;
	}
	close(fd);
	while (total > 0 && buf[total - 1] == '\n')
		total--;
	buf[total] = '\0';
	return total;
}

int restrack_cg_write(const char *dir, const char *file, const char *val)
{
	size_t len = strlen(val);
	int fd = open_at(dir, file, O_WRONLY), err = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int restrack_cg_read_u64(const char *dir, const char *file, uint64_t *v)
{
	char buf[64];
	int n = restrack_cg_read(dir, file, buf, sizeof(buf));

	if (n < 0)
		return n;
	return restrack_parse_count(buf, v);
}

bool restrack_cg_has_word(const char *dir, const char *file, const char *word)
{
	size_t len = strlen(word), n;
	const char *p;
	char buf[4096];

	if (restrack_cg_read(dir, file, buf, sizeof(buf)) < 0)
		return false;
	for (p = buf + strspn(buf, " \n"); *p; p += n + strspn(p + n, " \n")) {
		n = strcspn(p, " \n");
		if (n == len && !memcmp(p, word, len))
			return true;
	}
	return false;
}

bool restrack_cg_has_procs(const char *dir)
{
	char buf[16];

	return restrack_cg_read(dir, "cgroup.procs", buf, sizeof(buf)) > 0;
}

/* The limit files of a cgroup, as systemd's properties set them */
static const struct {
	const char *file, *property;
	enum { LIM_MAX, LIM_CPU, LIM_IO } kind;
} own_limits[] = {
	{ "pids.max", "TasksMax=", LIM_MAX },
	{ "memory.max", "MemoryMax=", LIM_MAX },
	{ "memory.high", "MemoryHigh=", LIM_MAX },
	{ "memory.swap.max", "MemorySwapMax=", LIM_MAX },
	{ "memory.zswap.max", "MemoryZSwapMax=", LIM_MAX },
	{ "cpu.max", "CPUQuota=", LIM_CPU },
	{ "io.max", "IO*Max=", LIM_IO },
	{ "restrack.heap.max", "HeapMax=", LIM_MAX },
	{ "restrack.files.max", "FilesMax=", LIM_MAX },
};

int restrack_cg_own_limit(const char *dir, char *what, size_t len)
{
	char buf[256];
	size_t i;
	bool set;
	int n;

	for (i = 0; i < ARRAY_SIZE(own_limits); i++) {
		n = restrack_cg_read(dir, own_limits[i].file, buf, sizeof(buf));
		if (n == -ENOENT)
			continue;
		if (n < 0)
			return n;
		switch (own_limits[i].kind) {
		case LIM_MAX:
			set = strcmp(buf, "max") != 0;
			break;
		case LIM_CPU:	/* "max 100000" or "QUOTA PERIOD" */
			set = strncmp(buf, "max", 3) || (buf[3] && buf[3] != ' ');
			break;
		default:	/* one line per device with a limit */
			set = n > 0;
			break;
		}
		if (set) {
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(what, len, "%s (%s %s)", own_limits[i].property,
				 own_limits[i].file, buf);
			return 1;
		}
	}
	return 0;
}

int restrack_cg_read_events(const char *dir, const char *file,
			    uint64_t events[RT_NR_EVENTS])
{
	char buf[512], *line, *save;
	int n = restrack_cg_read(dir, file, buf, sizeof(buf)), i;

	if (n < 0)
		return n;
	for (i = 0; i < RT_NR_EVENTS; i++)
		events[i] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			return -EINVAL;
		*sp = '\0';
		for (i = 0; i < RT_NR_EVENTS; i++)
			if (!strcmp(line, rt_event_names[i]) &&
			    restrack_parse_count(sp + 1, &events[i]))
				return -EINVAL;
	}
	return 0;
}

static int enable_in(const char *dir, char *bad, size_t badlen, bool root)
{
	int err;

	if (restrack_cg_has_word(dir, "cgroup.subtree_control", "restrack"))
		return 0;
	err = -EBUSY;
	if (root || !restrack_cg_has_procs(dir))
		err = restrack_cg_write(dir, "cgroup.subtree_control",
					"+restrack");
	if (err)
		snprintf(bad, badlen, "%s", dir);
	return err;
}

int restrack_enable_path(const char *mnt, const char *rel, char *bad,
			 size_t badlen)
{
	char path[PATH_MAX], comp[PATH_MAX], *c, *save;
	int err;

	snprintf(bad, badlen, "%s", mnt);
	err = enable_in(mnt, bad, badlen, true);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s", mnt);
	snprintf(comp, sizeof(comp), "%s", rel);
	for (c = strtok_r(comp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		size_t len = strlen(path);

		if (len + 1 + strlen(c) >= sizeof(path))
			return -ENAMETOOLONG;
		snprintf(path + len, sizeof(path) - len, "/%s", c);
		if (mkdir(path, 0755) && errno != EEXIST) {
			snprintf(bad, badlen, "%s", path);
			return -errno;
		}
		err = enable_in(path, bad, badlen, false);
		if (err)
			return err;
	}
	return 0;
}

static int parse_limit(const char *s, uint64_t *v)
{
	return restrack_parse_count(s, v);
}

int restrack_parse_tracker_line(const char *line, struct restrack_proc *p)
{
	char pid[24], heap[24], hcap[24], files[24], fcap[24], extra[2];
	int n;

	n = sscanf(line, "%23s %63s %23s %23s %23s %23s %7s %4095s %1s", pid,
		   p->command, heap, hcap, files, fcap, p->policy, p->cgroup,
		   extra);
	if (n != 8 || restrack_parse_pid(pid, &p->pid) ||
	    parse_limit(heap, &p->heap_mib) || p->heap_mib == RT_LIMIT_MAX ||
	    parse_limit(hcap, &p->heap_cap_mib) ||
	    parse_limit(files, &p->files) || p->files == RT_LIMIT_MAX ||
	    parse_limit(fcap, &p->file_cap))
		return -EINVAL;
	return 0;
}
