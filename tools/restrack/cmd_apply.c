// SPDX-License-Identifier: GPL-2.0
/*
 * restrack apply: the [X-Restrack] limits of a systemd unit and its
 * slices on their cgroups, run from the generator's drop-ins.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char usage_apply[] =
"Usage: restrack apply [OPTIONS] UNIT\n"
"\n"
"Set the limits that systemd unit UNIT and the slices above it declare in an\n"
"[X-Restrack] section of their unit files or drop-ins (HeapMax=, FilesMax=,\n"
"Policy=) on their cgroups, from the outermost slice in, and enable restrack\n"
"on the way down.  A unit whose declaration was removed since it was last\n"
"applied gets its limits lifted.  Run by the drop-ins of restrack-generator\n"
"(restrack generate) as the first ExecStartPre=+ (or ExecCondition=+) of the\n"
"units that declare limits, so that the limits are set each time the\n"
"unit's cgroup is created, before its own commands; a bad declaration is\n"
"reported, nothing is applied, and the unit is refused.\n"
"\n"
"Options:\n"
"  -n, --dry-run          say what would be set, set nothing\n"
"  -q, --quiet            say nothing when all goes well\n"
"  --condition            exit 255 on failure, as ExecCondition= needs to\n"
"                         fail the unit rather than skip it\n"
"  --create               UNIT is a slice systemd may not have started yet:\n"
"                         create its cgroup (and those above) and set the\n"
"                         limits there; systemd takes it over when it\n"
"                         starts the slice (run by restrack-slice@.service)\n"
"  -h, --help             this text\n"
"\n"
"The unit's cgroup comes from systemctl show -P ControlGroup\n"
"($RESTRACK_SYSTEMCTL names another systemctl).\n";

/* One cgroup on the way to the unit, and what goes into it. */
struct apply_step {
	struct restrack_unit_info *info;
	struct restrack_decl decl;
	bool reset;		/* declared before, not now: lift the limits */
	char dir[PATH_MAX];
	int fd[3];		/* policy, heap.max, files.max */
};

static const char *const apply_files[3] = {
	"restrack.policy", "restrack.heap.max", "restrack.files.max",
};

/* a slice's name: a.slice (not ".slice" alone) */
static bool is_slice(const char *unit)
{
	return strlen(unit) > 6 && restrack_ends_with(unit, ".slice");
}

/* Where apply remembers which units it limited: /run/restrack/applied. */
static int applied_mark(const char *unit, int op)
{
	const char *dir = getenv("RESTRACK_STATE_DIR");
	char path[PATH_MAX];
	int fd;

	if (!dir || !*dir)
		dir = "/run/restrack/applied";
	snprintf(path, sizeof(path), "%s/%s", dir, unit);
	switch (op) {
	case 0:		/* test */
		return access(path, F_OK) == 0;
	case 1:		/* set */
		mkdir("/run/restrack", 0755);
		mkdir(dir, 0755);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	default:	/* clear */
		return unlink(path) && errno != ENOENT ? -errno : 0;
	}
}

/*
 * Run from ExecStartPre=, apply is in the cgroup of the unit it limits,
 * inside the slices it limits: its descriptors, its heap and the systemctl
 * it starts would count against those limits (a slice near its limit
 * would refuse them, or kill them under the kill policy).  It moves itself
 * to the root cgroup first, where nothing is charged.  systemd follows
 * the process, not its cgroup, and it exits soon.  Best effort: where the
 * root cannot be written (a delegated subtree), it stays.
 */
static bool apply_stay;		/* apply run by set: stay in our cgroup */

static void leave_cgroup(void)
{
	const char *mnt = restrack_cgroup_mount();
	char buf[32];

	if (!mnt || !restrack_is_cgroup2(mnt))
		return;
	snprintf(buf, sizeof(buf), "%d", getpid());
	restrack_cg_write(mnt, "cgroup.procs", buf);
}

enum { OPT_CONDITION = 256, OPT_CREATE };

static const struct option apply_options[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "condition", no_argument, NULL, OPT_CONDITION },
	{ "create", no_argument, NULL, OPT_CREATE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_apply(int argc, char **argv)
{
	struct restrack_unit_info *units = NULL;
	struct apply_step steps[APPLY_MAX_UNITS];
	char *names[APPLY_MAX_UNITS], cg[PATH_MAX], *tok, *save;
	char why[PATH_MAX + 256], bad[PATH_MAX], b[2][RESTRACK_SIZE_BUFSZ];
	bool dry = false, quiet = false, any = false, condition = false;
	bool create = false, created = false;
	size_t nr = 0, nr_steps = 0, i, j, deepest = 0;
	const char *unit, *mnt = NULL;
	int ret = EXIT_FAILURE, err, c;

	opt_start();
	while ((c = getopt_long(argc, argv, ":hnq", apply_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_apply, stdout);
			return 0;
		case 'n':
			dry = true;
			break;
		case 'q':
			quiet = true;
			break;
		case OPT_CONDITION:
			condition = true;
			break;
		case OPT_CREATE:
			create = true;
			break;
		default:
			return opt_unknown(argv, apply_options);
		}
	}
	unit = unit_arg(argc, argv);
	if (!unit)
		return EXIT_USAGE;
	if (create && !is_slice(unit))
		return usage_error("--create: %s is not a slice", unit);

	if (!apply_stay)
		leave_cgroup();
	units = calloc(APPLY_MAX_UNITS, sizeof(*units));
	if (!units) {
		say("out of memory");
		return EXIT_FAILURE;
	}
	names[0] = (char *)unit;
	if (systemctl_show(names, 1, units, &nr))
		goto out;
	if (strcmp(units[0].load_state, "loaded")) {
		say("%s: unit not loaded (LoadState=%s)", unit,
		    units[0].load_state);
		goto out;
	}
	/*
	 * A slice systemd has not started yet (restrack-slice@.service runs
	 * before it): the cgroup it will get, which apply creates.
	 */
	if (create && !units[0].cgroup[0] &&
	    !restrack_slice_cgroup(units[0].id, units[0].cgroup,
				   sizeof(units[0].cgroup)))
		created = true;
	if (!units[0].cgroup[0] || !strcmp(units[0].cgroup, "/")) {
		say("%s has no cgroup of its own: %s", units[0].id,
		    units[0].cgroup[0] ? "it is the root cgroup" :
		    "it is not running (ControlGroup is empty)");
		goto out;
	}

	/*
	 * The slices on the way down, from the ControlGroup path: a unit's
	 * cgroup is MNT/a.slice/a-b.slice/x.service.
	 */
	snprintf(cg, sizeof(cg), "%s", units[0].cgroup);
	for (tok = strtok_r(cg, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		const char *u = restrack_unit_name(tok);

		if (!u || !is_slice(u) || !strcmp(u, units[0].id))
			continue;
		if (nr_steps + 2 > APPLY_MAX_UNITS) {
			say("%s: too many slices", unit);
			goto out;
		}
		names[nr_steps++] = tok;
	}
	if (nr_steps) {
		size_t got;

		if (systemctl_show(names, nr_steps, units + 1, &got))
			goto out;
		/* the slices above one not started yet may not be either */
		for (i = 1; created && i <= nr_steps; i++)
			if (!units[i].cgroup[0])
				restrack_slice_cgroup(units[i].id, units[i].cgroup,
						      sizeof(units[i].cgroup));
	}
	/* steps: the slices in path order, then the unit */
	for (i = 0; i <= nr_steps; i++)
		steps[i].info = &units[i == nr_steps ? 0 : i + 1];
	nr_steps++;

	/* Every declaration first: a bad one means nothing is applied. */
	err = 0;
	for (i = 0; i < nr_steps; i++) {
		struct apply_step *s = &steps[i];

		if (restrack_decl_of_unit(s->info, &s->decl, why, sizeof(why))) {
			say("%s: %s", s->info->id, why);
			err = 1;
			continue;
		}
		s->reset = !s->decl.present && applied_mark(s->info->id, 0) > 0;
		if (s->decl.present || s->reset)
			any = true;
		if (s->decl.present)
			deepest = i;
	}
	if (err) {
		say("%s: bad declaration: no limit applied", unit);
		goto out;
	}
	if (!any) {
		ret = 0;
		goto out;
	}

	mnt = restrack_mount();
	if (!mnt)
		goto out;
	for (i = 0; i < nr_steps; i++)
		snprintf(steps[i].dir, sizeof(steps[i].dir), "%s%s", mnt,
			 steps[i].info->cgroup);

	for (i = 0; i < nr_steps; i++) {
		struct apply_step *s = &steps[i];

		if (quiet || !(s->decl.present || s->reset))
			continue;
		if (s->reset)
			say("%s%s: declaration removed: lifting the limits of %s",
			    dry ? "dry run: " : "", s->info->id, s->info->cgroup);
		else
			say("%s%s: %s heap %s files %s policy %s%s",
			    dry ? "dry run: " : "", s->info->id,
			    s->info->cgroup,
			    restrack_format_size(s->decl.heap, b[0]),
			    restrack_format_count(s->decl.files, b[1]),
			    s->decl.policy,
			    s->decl.subtree && is_slice(s->info->id) ?
			    ", restrack in its subtree_control" : "");
	}
	if (dry) {
		ret = 0;
		goto out;
	}

	/*
	 * restrack on the parent of the innermost declared cgroup, and all the
	 * way up; systemd's slices hold no processes.  That is what the limits
	 * need.  Then on down to the unit's parent, so that the unit has
	 * restrack's files too, and status shows which unit uses a slice's
	 * budget; the limits do not depend on it, so a failure there is only
	 * said.
	 */
	if (steps[deepest].decl.present) {
		char parent[PATH_MAX], *slash;

		snprintf(parent, sizeof(parent), "%s", steps[deepest].info->cgroup);
		slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		err = restrack_enable_path(mnt, parent, bad, sizeof(bad));
		if (err == -EBUSY) {
			say("cannot enable restrack in %s: it holds processes, and cgroup v2 puts controllers only on cgroups without them",
			    bad);
			goto out;
		} else if (err) {
			say("cannot enable restrack in %s: %s", bad,
			    restrack_strerror(err));
			goto out;
		}
		snprintf(parent, sizeof(parent), "%s",
			 steps[nr_steps - 1].info->cgroup);
		slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		err = restrack_enable_path(mnt, parent, bad, sizeof(bad));
		if (err)
			say("%s: restrack not enabled in %s (%s): the unit's usage counts in its slice's, but is not shown on its own",
			    units[0].id, bad,
			    err == -EBUSY ? "it holds processes" :
			    restrack_strerror(err));
	}
	/*
	 * --create: the slice's cgroup before systemd starts the slice.  It
	 * takes a cgroup that exists as it finds it (mkdir's EEXIST is no
	 * error to it) and leaves +restrack in the subtree_control above it
	 * alone: it writes only the controllers it knows.
	 */
	if (created && steps[deepest].decl.present) {
		if (!mkdir(steps[deepest].dir, 0755)) {
			if (!quiet)
				say("%s: not started yet: created its cgroup %s for systemd to take over",
				    steps[deepest].info->id,
				    steps[deepest].info->cgroup);
		} else if (errno != EEXIST) {
			say("cannot create %s: %s", steps[deepest].dir,
			    restrack_strerror(-errno));
			goto out;
		}
	}

	/*
	 * SubtreeControl=yes: restrack in the slice's own subtree_control,
	 * for the scopes a container runtime starts in it (systemd enables
	 * its own controllers down to a delegated unit, never restrack).  A
	 * slice holds no processes, so this is allowed.  The slices above a
	 * unit already have it, from the path enabled down to its parent.
	 */
	if (is_slice(steps[nr_steps - 1].info->id) &&
	    steps[nr_steps - 1].decl.subtree) {
		err = restrack_enable_path(mnt, steps[nr_steps - 1].info->cgroup,
					   bad, sizeof(bad));
		if (err) {
			say("cannot enable restrack in %s: %s", bad,
			    err == -EBUSY ? "it holds processes" :
			    restrack_strerror(err));
			goto out;
		}
	}

	/*
	 * This process runs in the unit's cgroup (ExecStartPre=): every file
	 * is opened before the first limit is written, so that no descriptor
	 * is charged against a limit just set, and the policy goes first, so
	 * that nothing is killed for usage from before the limits.
	 */
	for (i = 0; i < nr_steps; i++)
		for (j = 0; j < 3; j++)
			steps[i].fd[j] = -1;
	err = 0;
	for (i = 0; i < nr_steps && !err; i++) {
		struct apply_step *s = &steps[i];

		if (!s->decl.present && !s->reset)
			continue;
		for (j = 0; j < 3; j++) {
			char path[PATH_MAX + 32];

			snprintf(path, sizeof(path), "%s/%s", s->dir,
				 apply_files[j]);
			s->fd[j] = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
			if (s->fd[j] < 0) {
				err = -errno;
				/* a lifted limit on a cgroup without restrack */
				if (s->reset && err == -ENOENT) {
					err = 0;
					break;
				}
				say("cannot open %s: %s", path,
				    restrack_strerror(err));
				break;
			}
		}
	}
	for (i = 0; i < nr_steps && !err; i++) {
		struct apply_step *s = &steps[i];
		char val[3][32];

		if (s->fd[0] < 0 || s->fd[1] < 0 || s->fd[2] < 0)
			continue;
		snprintf(val[0], sizeof(val[0]), "%s", s->decl.policy);
		restrack_format_count(s->decl.heap, val[1]);
		restrack_format_count(s->decl.files, val[2]);
		for (j = 0; j < 3 && !err; j++)
			if (write(s->fd[j], val[j], strlen(val[j])) < 0) {
				err = -errno;
				say("cannot write %s to %s/%s: %s", val[j],
				    s->dir, apply_files[j],
				    restrack_strerror(err));
			}
	}
	for (i = 0; i < nr_steps; i++)
		for (j = 0; j < 3; j++)
			if (steps[i].fd[j] >= 0)
				close(steps[i].fd[j]);
	if (err)
		goto out;
	for (i = 0; i < nr_steps; i++) {
		if (steps[i].decl.present)
			err = applied_mark(steps[i].info->id, 1);
		else if (steps[i].reset)
			err = applied_mark(steps[i].info->id, 2);
		if (err)
			say("cannot record %s in /run/restrack: %s",
			    steps[i].info->id, strerror(-err));
	}
	ret = 0;
out:
	free(units);
	return ret && condition ? 255 : ret;
}

int apply_staying(int argc, char **argv)
{
	apply_stay = true;
	return cmd_apply(argc, argv);
}
