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

int view_opt(struct view *v, int c, char **argv,
	     const struct option *longopts)
{
	uint64_t n;

	switch (c) {
	case 'a':
		v->sel.all = true;
		return 0;
	case 's':
		if (restrack_parse_sort(optarg, &v->sort))
			return usage_error("bad sort '%s': expected heap, files or name", optarg);
		return 0;
	case 'd':
		if (restrack_parse_count(optarg, &n) || n > 4096)
			return usage_error("bad depth '%s': expected a number of levels, 0 or more", optarg);
		v->sel.depth_limited = true;
		v->sel.max_depth = (unsigned int)n;
		return 0;
	case ':':
		if (optopt == 's')
			return usage_error("option '%s' needs heap, files or name",
					   opt_spelling(argv, c));
		if (optopt == 'd')
			return usage_error("option '%s' needs a number of levels",
					   opt_spelling(argv, c));
		return usage_error("option '%s' needs a value",
				   opt_spelling(argv, c));
	}
	return opt_unknown(argv, longopts);
}

/*
 * The mount, and the UNIT|CGROUP arguments, ARGV[optind...], resolved to
 * cgroups: 0, a usage error's exit status, or 1.
 */
int view_resolve(struct view *v, int argc, char **argv, const char **mntp)
{
	const char *mnt;
	size_t i;
	int a;

	for (a = optind; a < argc; a++) {
		/* "-" and "" name no unit or cgroup */
		if (!argv[a][0] || !strcmp(argv[a], "-"))
			return usage_error("unknown option '%s'", argv[a]);
		v->args[v->nargs++] = argv[a];
	}
	mnt = restrack_mount();
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
