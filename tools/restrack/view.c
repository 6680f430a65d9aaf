// SPDX-License-Identifier: GPL-2.0
/*
 * The view of status, top and exporter: which cgroups (--all, --depth,
 * UNIT|CGROUP arguments), in which order (--sort), and their snapshot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int view_init(struct view *v, int argc)
{
	memset(v, 0, sizeof(*v));
	v->args = calloc(argc, sizeof(*v->args));
	if (!v->args) {
		say("out of memory");
		return -ENOMEM;
	}
	return 0;
}

void view_free(struct view *v)
{
	free(v->args);
	free(v->roots);
}

/*
 * argv[*i] if it is one of the view's options or arguments: 1 when taken
 * (with its value), 0 when not, or a usage error's exit status (2) + 1.
 */
int view_opt(struct view *v, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *val;
	uint64_t n;

	if (!strcmp(a, "-a") || !strcmp(a, "--all")) {
		v->sel.all = true;
	} else if (a[0] != '-' && a[0]) {
		v->args[v->nargs++] = a;
	} else if (is_opt(a, "--sort") || !strcmp(a, "-s")) {
		val = opt_arg(argc, argv, i);
		if (!val)
			return 1 + usage_error("option '%s' needs heap, files or name", a);
		if (restrack_parse_sort(val, &v->sort))
			return 1 + usage_error("bad sort '%s': expected heap, files or name", val);
	} else if (is_opt(a, "--depth") || !strcmp(a, "-d")) {
		val = opt_arg(argc, argv, i);
		if (!val)
			return 1 + usage_error("option '%s' needs a number of levels", a);
		if (restrack_parse_count(val, &n) || n > 4096)
			return 1 + usage_error("bad depth '%s': expected a number of levels, 0 or more", val);
		v->sel.depth_limited = true;
		v->sel.max_depth = (unsigned int)n;
	} else {
		return 0;
	}
	return 1;
}

/* The mount, and the arguments resolved to cgroups: 0, or exit status 1. */
int view_resolve(struct view *v, const char **mntp)
{
	const char *mnt = restrack_mount();
	size_t i;

	if (!mnt)
		return 1;
	*mntp = mnt;
	v->roots = calloc(v->nargs ? v->nargs : 1, sizeof(*v->roots));
	if (!v->roots) {
		say("out of memory");
		return 1;
	}
	/* a unit by its name, a cgroup by its path (below the mount or in it) */
	for (i = 0; i < v->nargs; i++) {
		const char *a = v->args[i];
		size_t n = strlen(mnt);
		char full[PATH_MAX];
		struct stat st;

		if (!strchr(a, '/') && restrack_unit_name(a)) {
			if (restrack_find_unit(mnt, a, v->roots[i], PATH_MAX)) {
				say("no cgroup for unit %s below %s", a, mnt);
				return 1;
			}
			continue;
		}
		if (!strncmp(a, mnt, n) && n > 1 && (a[n] == '/' || !a[n]))
			a += n;
		snprintf(v->roots[i], PATH_MAX, "%s%s", *a == '/' ? "" : "/", a);
		snprintf(full, sizeof(full), "%s%s", mnt, v->roots[i]);
		if (stat(full, &st) || !S_ISDIR(st.st_mode)) {
			say("no cgroup %s below %s", v->roots[i], mnt);
			return 1;
		}
	}
	if (v->nargs) {
		for (i = 0; i < v->nargs; i++)
			v->args[i] = v->roots[i];
		v->sel.roots = v->args;
		v->sel.nr_roots = v->nargs;
	}
	v->tracker = getenv("RESTRACK_TRACKER_STATUS");
	if (!v->tracker || !*v->tracker)
		v->tracker = "/proc/tracker_status";
	v->kmsg = getenv("RESTRACK_KMSG");
	if (!v->kmsg || !*v->kmsg)
		v->kmsg = "/dev/kmsg";
	return 0;
}

/* A snapshot of what V shows, in its order; says why not. */
int view_snapshot(const struct view *v, const char *mnt,
			 struct restrack_snapshot *snap, bool kills)
{
	int err = restrack_snapshot_select(mnt, v->tracker, &v->sel, snap);

	if (err) {
		say("reading %s: %s", mnt, restrack_strerror(err));
		return err;
	}
	if (kills)
		restrack_snapshot_kills(snap, v->kmsg);
	restrack_snapshot_sort(snap, v->sort);
	return 0;
}
