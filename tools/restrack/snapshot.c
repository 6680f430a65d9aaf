// SPDX-License-Identifier: GPL-2.0
/*
 * librestrack: a snapshot of every limited or registered cgroup, and its
 * printing as a table, JSON or Prometheus text.  The JSON and Prometheus
 * formats are documented in restrack(8) and are stable: fields and metrics
 * may be added, never renamed or removed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "librestrack.h"

static int tracker_read(const char *path, struct restrack_snapshot *snap)
{
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	snap->have_tracker = true;
	while (getline(&line, &cap, f) > 0) {
		struct restrack_proc p;

		if (restrack_parse_tracker_line(line, &p))
			continue;	/* the header */
		if (snap->nr_procs == alloc) {
			void *n;

			alloc = alloc ? alloc * 2 : 16;
			n = realloc(snap->procs, alloc * sizeof(p));
			if (!n) {
				free(line);
				fclose(f);
				return -ENOMEM;
			}
			snap->procs = n;
		}
		snap->procs[snap->nr_procs++] = p;
	}
	free(line);
	fclose(f);
	return 0;
}

static bool registered_in(const struct restrack_snapshot *snap,
			  const char *rel)
{
	size_t i;

	for (i = 0; i < snap->nr_procs; i++)
		if (!strcmp(snap->procs[i].cgroup, rel))
			return true;
	return false;
}

bool restrack_path_below(const char *rel, const char *root)
{
	size_t n = strlen(root);

	while (n && root[n - 1] == '/')
		n--;	/* "/" and "/a/" */
	return !strncmp(rel, root, n) && (rel[n] == '/' || !rel[n]);
}

unsigned int restrack_path_depth(const char *rel, const char *root)
{
	size_t n = strlen(root);
	unsigned int d = 0;

	while (n && root[n - 1] == '/')
		n--;
	for (rel += n; *rel; rel++)
		if (*rel == '/' && rel[1])
			d++;
	return d;
}

/* Too deep for SEL's --depth below every root that REL is in */
static bool too_deep(const struct restrack_select *sel, const char *rel)
{
	size_t i;

	if (!sel->depth_limited)
		return false;
	if (!sel->nr_roots)
		return restrack_path_depth(rel, "") > sel->max_depth;
	for (i = 0; i < sel->nr_roots; i++)
		if (restrack_path_below(rel, sel->roots[i]) &&
		    restrack_path_depth(rel, sel->roots[i]) <= sel->max_depth)
			return false;
	return true;
}

/* Is REL one SEL asks for whatever its limits (1), not at all (-1), or 0? */
static int selected(const struct restrack_select *sel, const char *rel)
{
	size_t i;

	if (!sel)
		return 0;
	if (too_deep(sel, rel))
		return -1;
	if (sel->nr_roots) {
		for (i = 0; i < sel->nr_roots; i++)
			if (restrack_path_below(rel, sel->roots[i]))
				return 1;
		return -1;
	}
	return sel->all ? 1 : 0;
}

/* Add DIR (REL below the mount) if it is limited, registered or selected. */
static int consider(struct restrack_snapshot *snap, size_t *alloc,
		    const char *dir, const char *rel,
		    const struct restrack_select *sel)
{
	struct restrack_cgroup_stat st;
	char buf[sizeof(st.policy)];
	int want = selected(sel, rel);

	memset(&st, 0, sizeof(st));
	if (want < 0)
		return 0;
	if (restrack_cg_read_u64(dir, "restrack.heap.max", &st.heap.max) ||
	    restrack_cg_read_u64(dir, "restrack.files.max", &st.files.max))
		return 0;	/* no controller here, or gone meanwhile */
	if (!want && st.heap.max == RT_LIMIT_MAX &&
	    st.files.max == RT_LIMIT_MAX && !registered_in(snap, rel))
		return 0;
	if (restrack_cg_read_u64(dir, "restrack.heap.current", &st.heap.current) ||
	    restrack_cg_read_u64(dir, "restrack.heap.peak", &st.heap.peak) ||
	    restrack_cg_read_u64(dir, "restrack.files.current", &st.files.current) ||
	    restrack_cg_read_u64(dir, "restrack.files.peak", &st.files.peak) ||
	    restrack_cg_read(dir, "restrack.policy", buf, sizeof(buf)) < 0 ||
	    restrack_cg_read_events(dir, "restrack.events", st.events) ||
	    restrack_cg_read_events(dir, "restrack.events.local",
				    st.events_local))
		return 0;
	memcpy(st.policy, buf, sizeof(buf));
	snprintf(st.path, sizeof(st.path), "%s", rel);

	if (snap->nr_cgroups == *alloc) {
		void *n;

		*alloc = *alloc ? *alloc * 2 : 16;
		n = realloc(snap->cgroups, *alloc * sizeof(st));
		if (!n)
			return -ENOMEM;
		snap->cgroups = n;
	}
	snap->cgroups[snap->nr_cgroups++] = st;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Visit the children of PATH (a PATH_MAX buffer) in name order: VISIT each,
 * then its children.  A non-zero return of VISIT ends the walk with it.
 */
struct walker {
	int (*visit)(struct walker *w, const char *dir, const char *rel);
	size_t mntlen;
};

static int walk(struct walker *w, char *path)
{
	char **names = NULL;
	size_t nr = 0, cap = 0, i, len = strlen(path);
	struct dirent *de;
	int err = 0;
	DIR *d = opendir(path);

	if (!d)
		return 0;	/* removed meanwhile */
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (nr == cap) {
			void *n;

			cap = cap ? cap * 2 : 16;
			n = realloc(names, cap * sizeof(*names));
			if (!n) {
				err = -ENOMEM;
				break;
			}
			names = n;
		}
		names[nr] = strdup(de->d_name);
		if (!names[nr]) {
			err = -ENOMEM;
			break;
		}
		nr++;
	}
	closedir(d);
	if (names)
		qsort(names, nr, sizeof(*names), cmp_names);
	for (i = 0; i < nr; i++) {
		struct stat st;

		if (!err && len + 1 + strlen(names[i]) < PATH_MAX) {
			snprintf(path + len, PATH_MAX - len, "/%s", names[i]);
			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
				err = w->visit(w, path, path + w->mntlen);
				if (!err)
					err = walk(w, path);
			}
			path[len] = '\0';
		}
		free(names[i]);
	}
	free(names);
	return err;
}

/* Walk the tree at MNT with W: its mount length is set here. */
static int walk_mount(struct walker *w, const char *mnt)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", mnt);
	/* "/" is "" below the mount; a trailing slash of MNT is dropped */
	while (strlen(path) > 1 && path[strlen(path) - 1] == '/')
		path[strlen(path) - 1] = '\0';
	w->mntlen = strcmp(path, "/") ? strlen(path) : 0;
	return walk(w, path);
}

struct snap_walker {
	struct walker w;
	struct restrack_snapshot *snap;
	const struct restrack_select *sel;
	size_t alloc;
};

static int snap_visit(struct walker *w, const char *dir, const char *rel)
{
	struct snap_walker *sw = (struct snap_walker *)w;

	return consider(sw->snap, &sw->alloc, dir, rel, sw->sel);
}

int restrack_snapshot_select(const char *mnt, const char *tracker,
			     const struct restrack_select *sel,
			     struct restrack_snapshot *snap)
{
	struct snap_walker sw = {
		.w.visit = snap_visit, .snap = snap, .sel = sel,
	};
	int err;

	memset(snap, 0, sizeof(*snap));
	err = tracker_read(tracker, snap);
	if (err && err != -ENOENT && err != -EACCES && err != -EPERM)
		return err;
	err = walk_mount(&sw.w, mnt);
	if (err) {
		restrack_snapshot_free(snap);
		return err;
	}
	if (sel && sel->nr_roots) {
		/* the registered processes of the cgroups selected */
		size_t i, n = 0;

		for (i = 0; i < snap->nr_procs; i++)
			if (selected(sel, snap->procs[i].cgroup) > 0)
				snap->procs[n++] = snap->procs[i];
		snap->nr_procs = n;
	}
	return 0;
}

int restrack_snapshot_take(const char *mnt, const char *tracker,
			   struct restrack_snapshot *snap)
{
	return restrack_snapshot_select(mnt, tracker, NULL, snap);
}

struct unit_walker {
	struct walker w;
	const char *name;
	char *out;
	size_t len;
};

static int unit_visit(struct walker *w, const char *dir, const char *rel)
{
	struct unit_walker *uw = (struct unit_walker *)w;
	const char *last = strrchr(rel, '/');

	(void)dir;
	if (strcmp(last ? last + 1 : rel, uw->name))
		return 0;
	snprintf(uw->out, uw->len, "%s", rel);
	return 1;	/* found: stop */
}

int restrack_find_unit(const char *mnt, const char *name, char *out,
		       size_t len)
{
	struct unit_walker uw = {
		.w.visit = unit_visit, .name = name, .out = out, .len = len,
	};
	int err = walk_mount(&uw.w, mnt);

	return err == 1 ? 0 : err < 0 ? err : -ENOENT;
}

/* Processes */

static int cmp_tasks(const void *a, const void *b)
{
	const struct restrack_task *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* VmData, the descriptors and the command line of PID, from /proc. */
static int task_read(pid_t pid, struct restrack_task *t)
{
	char path[64], buf[4096], *p;
	ssize_t n;
	int fd;
	DIR *d;
	struct dirent *de;
	uint64_t kb = 0;
	FILE *f;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "VmData: %llu kB", (unsigned long long *)&kb) == 1)
			break;
	fclose(f);
	t->vmdata = kb << 10;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (d) {
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				t->fds++;
		closedir(d);
	} else {
		t->fds = RT_LIMIT_MAX;
	}

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, t->cmdline, sizeof(t->cmdline) - 1);
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		t->cmdline[n] = '\0';
		for (p = t->cmdline; p < t->cmdline + n - 1; p++)
			if (!*p)
				*p = ' ';
	} else {
		/* a kernel thread, or a zombie: its name */
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, buf, 64);
		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(t->cmdline, sizeof(t->cmdline), "[%.64s]", buf);
	}
	return 0;
}

struct task_walker {
	struct walker w;
	struct restrack_task *tasks;
	size_t nr, alloc;
};

static int tasks_of(struct task_walker *tw, const char *dir)
{
	char path[PATH_MAX];
	long pid;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >=
	    (int)sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;	/* removed meanwhile */
	while (fscanf(f, "%ld", &pid) == 1) {
		if (tw->nr == tw->alloc) {
			void *n;

			tw->alloc = tw->alloc ? tw->alloc * 2 : 16;
			n = realloc(tw->tasks, tw->alloc * sizeof(*tw->tasks));
			if (!n) {
				fclose(f);
				return -ENOMEM;
			}
			tw->tasks = n;
		}
		/* a process that exited meanwhile is left out */
		if (!task_read((pid_t)pid, &tw->tasks[tw->nr]))
			tw->nr++;
	}
	fclose(f);
	return 0;
}

static int task_visit(struct walker *w, const char *dir, const char *rel)
{
	(void)rel;
	return tasks_of((struct task_walker *)w, dir);
}

int restrack_cgroup_tasks(const char *dir, struct restrack_task **tasks,
			  size_t *nr)
{
	struct task_walker tw = { .w.visit = task_visit };
	int err = tasks_of(&tw, dir);

	if (!err)
		err = walk_mount(&tw.w, dir);
	if (err) {
		free(tw.tasks);
		return err;
	}
	if (tw.tasks)
		qsort(tw.tasks, tw.nr, sizeof(*tw.tasks), cmp_tasks);
	*tasks = tw.tasks;
	*nr = tw.nr;
	return 0;
}

void restrack_snapshot_free(struct restrack_snapshot *snap)
{
	free(snap->cgroups);
	free(snap->procs);
	memset(snap, 0, sizeof(*snap));
}

const char *restrack_unit_name(const char *path)
{
	static const char *const suffixes[] = {
		".service", ".scope", ".slice", ".socket", ".mount", ".swap",
	};
	const char *last = strrchr(path, '/');
	size_t i, len;

	last = last ? last + 1 : path;
	len = strlen(last);
	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		size_t sl = strlen(suffixes[i]);

		if (len > sl && !strcmp(last + len - sl, suffixes[i]))
			return last;
	}
	return NULL;
}

const char *restrack_unit_of(const char *path, char *buf, size_t len)
{
	char tmp[PATH_MAX], *slash;
	const char *u;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (;;) {
		u = restrack_unit_name(tmp);
		if (u) {
			snprintf(buf, len, "%s", u);
			return buf;
		}
		slash = strrchr(tmp, '/');
		if (!slash)
			return NULL;
		*slash = '\0';
	}
}

/* Sorting */

const char *const restrack_sort_names[3] = {
	[RESTRACK_SORT_NAME] = "name",
	[RESTRACK_SORT_HEAP] = "heap",
	[RESTRACK_SORT_FILES] = "files",
};

int restrack_parse_sort(const char *s, enum restrack_sort *sort)
{
	size_t i;

	if (!strcmp(s, "path")) {
		*sort = RESTRACK_SORT_NAME;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(restrack_sort_names); i++)
		if (!strcmp(s, restrack_sort_names[i])) {
			*sort = (enum restrack_sort)i;
			return 0;
		}
	return -EINVAL;
}

static int cmp_cgroups(const void *a, const void *b, void *arg)
{
	const struct restrack_cgroup_stat *x = a, *y = b;
	enum restrack_sort sort = *(enum restrack_sort *)arg;
	uint64_t vx = 0, vy = 0;

	if (sort == RESTRACK_SORT_HEAP) {
		vx = x->heap.current;
		vy = y->heap.current;
	} else if (sort == RESTRACK_SORT_FILES) {
		vx = x->files.current;
		vy = y->files.current;
	}
	if (vx != vy)
		return vx > vy ? -1 : 1;
	return strcmp(x->path, y->path);
}

void restrack_snapshot_sort(struct restrack_snapshot *snap,
			    enum restrack_sort sort)
{
	if (snap->nr_cgroups)
		qsort_r(snap->cgroups, snap->nr_cgroups,
			sizeof(*snap->cgroups), cmp_cgroups, &sort);
}

/* Table */

static void format_events(const uint64_t *ev, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < RT_NR_EVENTS; i++)
		if (ev[i] && off < len)
			off += snprintf(buf + off, len - off, "%s%s=%llu",
					off ? " " : "", rt_event_names[i],
					(unsigned long long)ev[i]);
	if (!off)
		snprintf(buf, len, "-");
}

/* Kills the kernel logged */

/* "\xNN" escapes of /dev/kmsg undone, in place */
static void kmsg_unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
		    isxdigit((unsigned char)s[3])) {
			char hex[3] = { s[2], s[3], 0 };

			*d++ = (char)strtol(hex, NULL, 16);
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

/* A decimal number at *S, moving past it */
static int kill_num(const char **s, uint64_t *v)
{
	char *end;

	if (!isdigit((unsigned char)**s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(*s, &end, 10);
	if (errno)
		return -EINVAL;
	*s = end;
	return 0;
}

static int kill_word(const char **s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*s, word, n))
		return -EINVAL;
	*s += n;
	return 0;
}

int restrack_parse_kill(const char *record, struct restrack_kill *k,
			char *path, size_t len)
{
	static const char prefix[] = "restrack: ";
	char msg[PATH_MAX + 256], *of, *at;
	unsigned long long usec;
	const char *semi, *p;
	uint64_t v;
	size_t n;

	memset(k, 0, sizeof(*k));
	/* "PRIO,SEQ,USEC,FLAGS[,...];MESSAGE" */
	semi = strchr(record, ';');
	if (!semi || sscanf(record, "%*u,%*u,%llu,", &usec) != 1)
		return -EINVAL;
	snprintf(msg, sizeof(msg), "%s", semi + 1);
	msg[strcspn(msg, "\n")] = '\0';
	kmsg_unescape(msg);
	if (strncmp(msg, prefix, sizeof(prefix) - 1))
		return -EINVAL;
	p = msg + sizeof(prefix) - 1;
	if (!strncmp(p, "heap.max", 8))
		snprintf(k->limit, sizeof(k->limit), "heap.max");
	else if (!strncmp(p, "files.max", 9))
		snprintf(k->limit, sizeof(k->limit), "files.max");
	else
		return -EINVAL;
	p += strlen(k->limit);
	if (kill_word(&p, " of /"))
		return -EINVAL;
	of = (char *)p - 1;
	/* the path ends at the last ": killed " */
	for (at = NULL, p = of; (p = strstr(p, ": killed ")); p++)
		at = (char *)p;
	if (!at)
		return -EINVAL;
	n = at - of;
	if (n >= len)
		return -EINVAL;
	memcpy(path, of, n);
	path[n] = '\0';
	p = at + strlen(": killed ");
	if (!kill_word(&p, "process ")) {
		const char *open, *close = NULL, *q;

		if (kill_num(&p, &v) || !v || v > INT_MAX || kill_word(&p, " ("))
			return -EINVAL;
		k->pid = (pid_t)v;
		open = p;
		for (q = open; (q = strstr(q, "), usage ")); q++)
			close = q;
		if (!close || (size_t)(close - open) >= sizeof(k->comm))
			return -EINVAL;
		memcpy(k->comm, open, close - open);
		k->comm[close - open] = '\0';
		k->processes = 1;
		p = close + 1;
	} else {
		if (kill_num(&p, &k->processes) ||
		    (kill_word(&p, " processes") && kill_word(&p, " process")))
			return -EINVAL;
	}
	if (kill_word(&p, ", usage ") || kill_num(&p, &k->usage) ||
	    kill_word(&p, ", max ") || kill_num(&p, &k->max) || *p)
		return -EINVAL;
	k->usec = usec;
	k->valid = true;
	return 0;
}

/* K is the newest kill so far of a cgroup of SNAP at PATH: keep it */
static void kill_note(struct restrack_snapshot *snap, const char *path,
		      const struct restrack_kill *k)
{
	size_t i;

	for (i = 0; i < snap->nr_cgroups; i++)
		if (!strcmp(snap->cgroups[i].path, path) &&
		    (!snap->cgroups[i].last_kill.valid ||
		     snap->cgroups[i].last_kill.usec <= k->usec))
			snap->cgroups[i].last_kill = *k;
}

int restrack_snapshot_kills(struct restrack_snapshot *snap, const char *kmsg)
{
	char rec[8192], path[PATH_MAX];
	struct restrack_kill k;
	struct stat st;
	int fd;

	fd = open(kmsg, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode)) {
		/* a file of records, one a line (tests) */
		FILE *f = fdopen(fd, "r");

		if (!f) {
			close(fd);
			return 0;
		}
		while (fgets(rec, sizeof(rec), f))
			if (!restrack_parse_kill(rec, &k, path, sizeof(path)))
				kill_note(snap, path, &k);
		fclose(f);
		return 0;
	}
	/* /dev/kmsg: one record a read, from the oldest kept; EAGAIN at the end */
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);

		if (n < 0) {
			if (errno == EINTR || errno == EPIPE)	/* overwritten */
				continue;
			break;
		}
		if (n == 0)
			break;
		rec[n] = '\0';
		if (!restrack_parse_kill(rec, &k, path, sizeof(path)))
			kill_note(snap, path, &k);
	}
	close(fd);
	return 0;
}

/* When K happened, from its time since boot: "YYYY-MM-DD HH:MM:SS" local
 * (ISO false) or RFC 3339 UTC (ISO true).  The kernel's log clock is
 * CLOCK_MONOTONIC's (it stops in suspend). */
static const char *kill_time(const struct restrack_kill *k, bool iso,
			     char *buf, size_t len)
{
	struct timespec now, mono;
	struct tm tm;
	time_t t;

	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	t = now.tv_sec - mono.tv_sec + (time_t)(k->usec / 1000000);
	if (iso)
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
	return buf;
}

/* "heap.max: process 812 (nginx), usage 1000, max 1000" */
static void kill_text(FILE *f, const struct restrack_kill *k)
{
	char t[64];

	fprintf(f, "%s %s: ", kill_time(k, false, t, sizeof(t)), k->limit);
	if (k->pid)
		fprintf(f, "process %d (%s)", k->pid, k->comm);
	else
		fprintf(f, "%llu processes", (unsigned long long)k->processes);
	fprintf(f, ", usage %llu, max %llu", (unsigned long long)k->usage,
		(unsigned long long)k->max);
}

int restrack_name_width(const struct restrack_snapshot *snap, int width)
{
	size_t i;

	for (i = 0; i < snap->nr_cgroups; i++) {
		const char *name = restrack_unit_name(snap->cgroups[i].path);
		int len = strlen(name ? name : snap->cgroups[i].path);

		if (len > width)
			width = len;
	}
	return width;
}

void restrack_format_usage(const struct restrack_cgroup_stat *c,
			   char b[RESTRACK_USAGE_COLUMNS][RESTRACK_SIZE_BUFSZ])
{
	restrack_format_size(c->heap.current, b[0]);
	restrack_format_size(c->heap.max, b[1]);
	restrack_format_size(c->heap.peak, b[2]);
	restrack_format_count(c->files.current, b[3]);
	restrack_format_count(c->files.max, b[4]);
	restrack_format_count(c->files.peak, b[5]);
}

void restrack_print_table(FILE *f, const struct restrack_snapshot *snap)
{
	char b[RESTRACK_USAGE_COLUMNS][RESTRACK_SIZE_BUFSZ], ev[128];
	int width = restrack_name_width(snap, 6);
	size_t i, j;

	fprintf(f, "%-*s %7s %7s %7s %6s %6s %6s %-6s %s\n", width, "CGROUP",
		"HEAP", "MAX", "PEAK", "FILES", "MAX", "PEAK", "POLICY",
		"EVENTS");
	for (i = 0; i < snap->nr_cgroups; i++) {
		const struct restrack_cgroup_stat *c = &snap->cgroups[i];
		const char *name = restrack_unit_name(c->path);

		format_events(c->events, ev, sizeof(ev));
		restrack_format_usage(c, b);
		fprintf(f, "%-*s %7s %7s %7s %6s %6s %6s %-6s %s\n", width,
			name ? name : c->path, b[0], b[1], b[2], b[3], b[4],
			b[5], c->policy, ev);
		if (c->last_kill.valid) {
			fprintf(f, "%*s last kill: ", width, "");
			kill_text(f, &c->last_kill);
			fputc('\n', f);
		}
	}
	if (!snap->nr_procs)
		return;
	fprintf(f, "\n%7s %-16s %s\n", "PID", "COMMAND", "CGROUP");
	for (j = 0; j < snap->nr_procs; j++)
		fprintf(f, "%7d %-16s %s\n", snap->procs[j].pid,
			snap->procs[j].command, snap->procs[j].cgroup);
}

/* JSON */

/* The length of the valid UTF-8 character at S, 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/*
 * Command names and cgroup paths are bytes; JSON and Prometheus text are
 * UTF-8.  A byte that is not part of a valid character becomes U+FFFD.
 */
static void put_escaped(FILE *f, const char *str, bool json)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		int n = utf8_len(s);

		if (!n) {
			fputs(json ? "\\ufffd" : "\xef\xbf\xbd", f);
			s++;
			continue;
		}
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (json && *s == '\t')
			fputs("\\t", f);
		else if (json && (*s < 0x20 || *s == 0x7f))
			fprintf(f, "\\u%04x", *s);
		else
			fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

void restrack_json_string(FILE *f, const char *s)
{
	put_escaped(f, s, true);
}

static void json_number(FILE *f, uint64_t v)
{
	if (v == RT_LIMIT_MAX)
		fputs("null", f);
	else
		fprintf(f, "%llu", (unsigned long long)v);
}

static void json_usage(FILE *f, const char *name,
		       const struct restrack_usage *u)
{
	fprintf(f, "      \"%s\": {\"current\": %llu, \"max\": ", name,
		(unsigned long long)u->current);
	json_number(f, u->max);
	fprintf(f, ", \"peak\": %llu},\n", (unsigned long long)u->peak);
}

static void json_events(FILE *f, const char *name, const uint64_t *ev)
{
	int i;

	fprintf(f, "      \"%s\": {", name);
	for (i = 0; i < RT_NR_EVENTS; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "",
			rt_event_names[i], (unsigned long long)ev[i]);
	fputs("},\n", f);
}

void restrack_print_json(FILE *f, const struct restrack_snapshot *snap)
{
	size_t i, j;

	fputs("{\n  \"version\": 1,\n  \"cgroups\": [", f);
	for (i = 0; i < snap->nr_cgroups; i++) {
		const struct restrack_cgroup_stat *c = &snap->cgroups[i];
		const char *unit = restrack_unit_name(c->path);
		bool first = true;

		fputs(i ? ",\n    {\n" : "\n    {\n", f);
		fputs("      \"path\": ", f);
		restrack_json_string(f, c->path);
		fputs(",\n      \"unit\": ", f);
		if (unit)
			restrack_json_string(f, unit);
		else
			fputs("null", f);
		fputs(",\n      \"policy\": ", f);
		restrack_json_string(f, c->policy);
		fputs(",\n", f);
		json_usage(f, "heap", &c->heap);
		json_usage(f, "files", &c->files);
		json_events(f, "events", c->events);
		json_events(f, "events_local", c->events_local);
		fputs("      \"last_kill\": ", f);
		if (c->last_kill.valid) {
			const struct restrack_kill *k = &c->last_kill;
			char t[64];

			fprintf(f, "{\"time\": \"%s\", \"boot_usec\": %llu, \"limit\": ",
				kill_time(k, true, t, sizeof(t)),
				(unsigned long long)k->usec);
			restrack_json_string(f, k->limit);
			if (k->pid) {
				fprintf(f, ", \"pid\": %d, \"command\": ", k->pid);
				restrack_json_string(f, k->comm);
			} else {
				fputs(", \"pid\": null, \"command\": null", f);
			}
			fprintf(f, ", \"processes\": %llu, \"usage\": %llu, \"max\": %llu},\n",
				(unsigned long long)k->processes,
				(unsigned long long)k->usage,
				(unsigned long long)k->max);
		} else {
			fputs("null,\n", f);
		}
		fputs("      \"processes\": [", f);
		for (j = 0; j < snap->nr_procs; j++) {
			if (strcmp(snap->procs[j].cgroup, c->path))
				continue;
			fprintf(f, "%s{\"pid\": %d, \"command\": ",
				first ? "" : ", ", snap->procs[j].pid);
			restrack_json_string(f, snap->procs[j].command);
			fputc('}', f);
			first = false;
		}
		fputs("]\n    }", f);
	}
	fputs(snap->nr_cgroups ? "\n  ],\n" : "],\n", f);
	fputs("  \"processes\": [", f);
	for (j = 0; j < snap->nr_procs; j++) {
		fprintf(f, "%s    {\"pid\": %d, \"command\": ", j ? ",\n" : "\n",
			snap->procs[j].pid);
		restrack_json_string(f, snap->procs[j].command);
		fputs(", \"cgroup\": ", f);
		restrack_json_string(f, snap->procs[j].cgroup);
		fputc('}', f);
	}
	fputs(snap->nr_procs ? "\n  ]\n}\n" : "]\n}\n", f);
}

/*
 * One line: the pretty document without the white space outside strings
 * (inside them, newlines and tabs are escaped already).
 */
void restrack_print_json_compact(FILE *f, const struct restrack_snapshot *snap)
{
	char *buf = NULL;
	size_t len = 0, i;
	bool str = false, esc = false;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		restrack_print_json(f, snap);	/* no memory: at least valid */
		return;
	}
	restrack_print_json(m, snap);
	if (fclose(m)) {
		free(buf);
		return;
	}
	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
		} else if (c == '"') {
			str = true;
		} else if (c == ' ' || c == '\n') {
			continue;
		}
		fputc(c, f);
	}
	fputc('\n', f);
	free(buf);
}

/* Prometheus text format (node_exporter textfile collector) */

void restrack_prom_label(FILE *f, const char *s)
{
	put_escaped(f, s, false);
}

/*
 * The schema is frozen (restrack(8)): names follow the ecosystem's, bytes
 * in *_bytes as cAdvisor's container_memory_*_bytes, descriptors as
 * process_open_fds; "limit" and "peak", not "max", which cAdvisor uses for
 * the peak (container_memory_max_usage_bytes) and restrack's files for the
 * limit.
 */
enum prom_field {
	PROM_HEAP, PROM_HEAP_LIMIT, PROM_HEAP_PEAK,
	PROM_FDS, PROM_FDS_LIMIT, PROM_FDS_PEAK,
	PROM_CGROUPS,
};

static const struct {
	const char *name, *help;
} prom_metrics[] = {
	[PROM_HEAP] = { "restrack_heap_bytes",
		"Heap (data address space, VmData) of the cgroup's processes and its descendants' in bytes (restrack.heap.current)." },
	[PROM_HEAP_LIMIT] = { "restrack_heap_limit_bytes",
		"Heap limit in bytes (restrack.heap.max), +Inf when unlimited." },
	[PROM_HEAP_PEAK] = { "restrack_heap_peak_bytes",
		"Highest heap usage in bytes (restrack.heap.peak)." },
	[PROM_FDS] = { "restrack_open_fds",
		"Open file descriptors of the cgroup's processes and its descendants' (restrack.files.current)." },
	[PROM_FDS_LIMIT] = { "restrack_open_fds_limit",
		"File descriptor limit (restrack.files.max), +Inf when unlimited." },
	[PROM_FDS_PEAK] = { "restrack_open_fds_peak",
		"Highest number of open file descriptors (restrack.files.peak)." },
	[PROM_CGROUPS] = { "restrack_cgroups",
		"Cgroups the series stands for: 1, or how many registration or run cgroups its cgroup=\"PARENT/*\" label folds together." },
};

/* One series: a cgroup, or the registration or run cgroups of a parent */
struct prom_row {
	char label[PATH_MAX];
	char unit[256];
	bool has_unit;
	uint64_t v[PROM_CGROUPS + 1];
	uint64_t events[RT_NR_EVENTS];
};

/* All digits */
static bool is_number(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

int restrack_prom_fold(const char *path, char *buf, size_t len)
{
	const char *c = path, *prev = NULL, *end;
	size_t prevlen = 0;

	while (*c == '/')
		c++;
	for (; *c; c = *end ? end + 1 : end) {
		size_t n;
		const char *star = NULL;

		end = strchr(c, '/');
		if (!end)
			end = c + strlen(c);
		n = end - c;
		if (n > 4 && !strncmp(c, "run-", 4) && is_number(c + 4, n - 4))
			star = "run-*";
		else if (prev && prevlen == 8 && !strncmp(prev, "restrack", 8) &&
			 is_number(c, n))
			star = "*";
		if (star) {
			snprintf(buf, len, "%.*s%s", (int)(c - path), path, star);
			return *end && end[1] ? 2 : 1;
		}
		prev = c;
		prevlen = n;
	}
	return 0;
}

static void prom_value(FILE *f, uint64_t v)
{
	if (v == RT_LIMIT_MAX)
		fputs(" +Inf\n", f);
	else
		fprintf(f, " %llu\n", (unsigned long long)v);
}

static void prom_labels(FILE *f, const struct prom_row *r)
{
	fputs("{cgroup=", f);
	restrack_prom_label(f, r->label);
	if (r->has_unit) {
		fputs(",unit=", f);
		restrack_prom_label(f, r->unit);
	}
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > RT_LIMIT_MAX - b ? RT_LIMIT_MAX - 1 : a + b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

void restrack_print_prometheus(FILE *f, const struct restrack_snapshot *snap)
{
	struct prom_row *rows = calloc(snap->nr_cgroups ? snap->nr_cgroups : 1,
				       sizeof(*rows));
	size_t nr = 0, m, i, j;
	int e;

	if (!rows)
		return;
	for (i = 0; i < snap->nr_cgroups; i++) {
		const struct restrack_cgroup_stat *c = &snap->cgroups[i];
		char label[PATH_MAX];
		struct prom_row *r = NULL;
		int fold = restrack_prom_fold(c->path, label, sizeof(label));

		if (fold == 2)
			continue;	/* counted in the cgroup it is below */
		if (!fold)
			snprintf(label, sizeof(label), "%s", c->path);
		for (j = 0; fold && j < nr; j++)
			if (!strcmp(rows[j].label, label))
				r = &rows[j];
		if (!r) {
			r = &rows[nr++];
			memcpy(r->label, label, sizeof(label));
			r->has_unit = restrack_unit_of(label, r->unit,
						       sizeof(r->unit));
			r->v[PROM_HEAP] = c->heap.current;
			r->v[PROM_HEAP_LIMIT] = c->heap.max;
			r->v[PROM_HEAP_PEAK] = c->heap.peak;
			r->v[PROM_FDS] = c->files.current;
			r->v[PROM_FDS_LIMIT] = c->files.max;
			r->v[PROM_FDS_PEAK] = c->files.peak;
			r->v[PROM_CGROUPS] = 1;
			memcpy(r->events, c->events, sizeof(r->events));
			continue;
		}
		/* usage and events add up; of limits and peaks, the largest */
		r->v[PROM_HEAP] = add_sat(r->v[PROM_HEAP], c->heap.current);
		r->v[PROM_FDS] = add_sat(r->v[PROM_FDS], c->files.current);
		r->v[PROM_HEAP_LIMIT] = max_u64(r->v[PROM_HEAP_LIMIT], c->heap.max);
		r->v[PROM_FDS_LIMIT] = max_u64(r->v[PROM_FDS_LIMIT], c->files.max);
		r->v[PROM_HEAP_PEAK] = max_u64(r->v[PROM_HEAP_PEAK], c->heap.peak);
		r->v[PROM_FDS_PEAK] = max_u64(r->v[PROM_FDS_PEAK], c->files.peak);
		r->v[PROM_CGROUPS]++;
		for (e = 0; e < RT_NR_EVENTS; e++)
			r->events[e] = add_sat(r->events[e], c->events[e]);
	}
	for (m = 0; m < ARRAY_SIZE(prom_metrics); m++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n",
			prom_metrics[m].name, prom_metrics[m].help,
			prom_metrics[m].name);
		for (i = 0; i < nr; i++) {
			fputs(prom_metrics[m].name, f);
			prom_labels(f, &rows[i]);
			fputc('}', f);
			prom_value(f, rows[i].v[m]);
		}
	}
	fputs("# HELP restrack_events_total Charges refused at restrack.heap.max or restrack.files.max and processes killed for it, in the cgroup and its descendants (restrack.events).\n"
	      "# TYPE restrack_events_total counter\n", f);
	for (i = 0; i < nr; i++)
		for (e = 0; e < RT_NR_EVENTS; e++) {
			fputs("restrack_events_total", f);
			prom_labels(f, &rows[i]);
			fprintf(f, ",event=\"%s\"}", rt_event_names[e]);
			prom_value(f, rows[i].events[e]);
		}
	free(rows);
}
