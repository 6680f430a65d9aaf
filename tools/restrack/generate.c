// SPDX-License-Identifier: GPL-2.0
/*
 * restrack-generator: drop-ins that apply the [X-Restrack] limits of the
 * services that declare them or sit in a slice that does, written at boot
 * and at every daemon-reload (systemd.generator(7)).  Nothing is written
 * for any other unit.  See librestrack.h and restrack(8).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "librestrack.h"

struct gen_unit {
	char name[256];
	char fragment[PATH_MAX];
	bool masked;
	char **dropins;		/* full paths, sorted by file name */
	size_t nr_dropins;
};

struct gen_units {
	struct gen_unit *u;
	size_t nr, cap;
};

static struct gen_unit *gen_get(struct gen_units *us, const char *name)
{
	size_t i;

	for (i = 0; i < us->nr; i++)
		if (!strcmp(us->u[i].name, name))
			return &us->u[i];
	if (strlen(name) >= sizeof(us->u[0].name))
		return NULL;
	if (us->nr == us->cap) {
		size_t cap = us->cap ? us->cap * 2 : 64;
		struct gen_unit *n = realloc(us->u, cap * sizeof(*n));

		if (!n)
			return NULL;
		us->u = n;
		us->cap = cap;
	}
	memset(&us->u[us->nr], 0, sizeof(us->u[0]));
	snprintf(us->u[us->nr].name, sizeof(us->u[0].name), "%s", name);
	return &us->u[us->nr++];
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* A copy of S at the end of the array *V of *NR strings. */
static int strv_add(char ***v, size_t *nr, const char *s)
{
	char **n = realloc(*v, (*nr + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	*v = n;
	n[*nr] = strdup(s);
	if (!n[*nr])
		return -ENOMEM;
	(*nr)++;
	return 0;
}

/* A drop-in of a higher-priority directory hides one of the same name. */
static int gen_add_dropin(struct gen_unit *u, const char *path)
{
	size_t i;

	for (i = 0; i < u->nr_dropins; i++)
		if (!strcmp(base(u->dropins[i]), base(path)))
			return 0;
	return strv_add(&u->dropins, &u->nr_dropins, path);
}

static bool gen_type(const char *name)
{
	return restrack_ends_with(name, ".service") ||
	       restrack_ends_with(name, ".slice");
}

/* One directory of the unit search path. */
static int gen_scan_dir(struct gen_units *us, const char *dir)
{
	char path[PATH_MAX], conf[PATH_MAX + 256], target[PATH_MAX];
	struct dirent *de, *ce;
	DIR *d = opendir(dir), *cd;
	int err = 0;

	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while (!err && (de = readdir(d))) {
		const char *n = de->d_name;
		struct gen_unit *u;
		struct stat st;
		char name[256];
		bool has_target;

		if (n[0] == '.' || strlen(n) >= sizeof(name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, n);
		if (stat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && restrack_ends_with(n, ".d")) {
			snprintf(name, sizeof(name), "%.*s", (int)strlen(n) - 2, n);
			/* the unit's own, or every service's (service.d) */
			if (!gen_type(name) && strcmp(name, "service") &&
			    strcmp(name, "slice"))
				continue;
			u = gen_get(us, name);
			cd = opendir(path);
			if (!u || !cd) {
				if (cd)
					closedir(cd);
				err = -ENOMEM;
				break;
			}
			while (!err && (ce = readdir(cd)))
				if (restrack_ends_with(ce->d_name, ".conf") &&
				    ce->d_name[0] != '.') {
					snprintf(conf, sizeof(conf), "%s/%s",
						 path, ce->d_name);
					err = gen_add_dropin(u, conf);
				}
			closedir(cd);
			continue;
		}
		if (!gen_type(n))
			continue;
		/* an alias (a link to a unit of another name) is that unit */
		has_target = realpath(path, target);
		if (has_target && strcmp(target, "/dev/null") &&
		    gen_type(base(target)) && strcmp(base(target), n))
			continue;
		u = gen_get(us, n);
		if (!u) {
			err = -ENOMEM;
			break;
		}
		if (u->fragment[0] || u->masked)
			continue;	/* a higher-priority directory has it */
		u->masked = has_target && !strcmp(target, "/dev/null");
		snprintf(u->fragment, sizeof(u->fragment), "%s", path);
	}
	closedir(d);
	return err;
}

static int cmp_base(const void *a, const void *b)
{
	return strcmp(base(*(char *const *)a), base(*(char *const *)b));
}

/*
 * What the generator needs of a service's files besides the declaration:
 * its Slice=, and its ExecCondition= and ExecStartPre= lines, in order,
 * an empty assignment emptying the list as in systemd.
 */
struct gen_exec {
	char **lines;
	size_t nr;
};

struct gen_scan {
	char slice[256];
	struct gen_exec cond, pre;
};

static int exec_add(struct gen_exec *e, const char *val)
{
	size_t i;

	if (!*val) {
		for (i = 0; i < e->nr; i++)
			free(e->lines[i]);
		e->nr = 0;
		return 0;
	}
	return strv_add(&e->lines, &e->nr, val);
}

static void exec_free(struct gen_exec *e)
{
	exec_add(e, "");
	free(e->lines);
	e->lines = NULL;
}

static int gen_scan_file(const char *path, struct gen_scan *sc)
{
	FILE *f = fopen(path, "re");
	char line[8192], *s, *eq, *val;
	bool service = false;
	int err = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		/* a line ending in a backslash goes on, the backslash a space */
		while (len >= 2 && line[len - 1] == '\n' && line[len - 2] == '\\' &&
		       len < sizeof(line) - 1) {
			line[len - 2] = ' ';
			line[len - 1] = '\0';
			if (!fgets(line + len - 1, sizeof(line) - len + 1, f))
				break;
			len = strlen(line);
		}
		s = restrack_trim(line);
		if (*s == '[') {
			service = !strcmp(s, "[Service]");
			continue;
		}
		if (!service || *s == '#' || *s == ';' || !(eq = strchr(s, '=')))
			continue;
		*eq = '\0';
		s = restrack_trim(s);
		val = restrack_trim(eq + 1);
		if (!strcmp(s, "Slice"))
			snprintf(sc->slice, sizeof(sc->slice), "%s", val);
		else if (!strcmp(s, "ExecStartPre"))
			err = exec_add(&sc->pre, val);
		else if (!strcmp(s, "ExecCondition"))
			err = exec_add(&sc->cond, val);
	}
	fclose(f);
	return err;
}

/*
 * What the files of U declare: a limit (DECL_LIMITS), only
 * SubtreeControl=yes (DECL_SUBTREE), or nothing: an [X-Restrack] section
 * whose keys are all reset to no limit declares none.  A bad declaration
 * counts as a limit: the unit gets the hook all the same, and apply
 * refuses it, saying why.
 */
enum gen_decl_kind { DECL_NONE, DECL_SUBTREE, DECL_LIMITS };

static enum gen_decl_kind gen_decl(const struct gen_unit *u,
				   const struct gen_unit *type, FILE *log)
{
	char why[PATH_MAX + 256];
	struct restrack_decl d;
	size_t i;

	restrack_decl_init(&d);
	if (u->fragment[0] && restrack_decl_parse_file(u->fragment, &d, why,
							sizeof(why)))
		goto bad;
	for (i = 0; type && i < type->nr_dropins; i++)
		if (restrack_decl_parse_file(type->dropins[i], &d, why,
					     sizeof(why)))
			goto bad;
	for (i = 0; i < u->nr_dropins; i++)
		if (restrack_decl_parse_file(u->dropins[i], &d, why, sizeof(why)))
			goto bad;
	if (!d.present)
		return DECL_NONE;
	if (d.heap != RT_LIMIT_MAX || d.files != RT_LIMIT_MAX)
		return DECL_LIMITS;
	return d.subtree ? DECL_SUBTREE : DECL_NONE;
bad:
	fprintf(log, "restrack-generator: %s: %s\n", u->name, why);
	return DECL_LIMITS;
}

static enum gen_decl_kind gen_declares(struct gen_units *us, const char *name,
				       const char *state_dir, FILE *log)
{
	enum gen_decl_kind kind = DECL_NONE;
	struct gen_unit *u = NULL, *type;
	char mark[PATH_MAX];
	size_t i;

	/* first: gen_get() may move the array */
	type = gen_get(us, restrack_ends_with(name, ".slice") ? "slice" :
		       "service");
	for (i = 0; i < us->nr; i++)
		if (!strcmp(us->u[i].name, name))
			u = &us->u[i];
	if (u && !u->masked)
		kind = gen_decl(u, type, log);
	/*
	 * Declared when applied, and no more: apply lifts its limits.  A
	 * slice that now declares only SubtreeControl=yes keeps wanting its
	 * oneshot, whose apply lifts them too.
	 */
	snprintf(mark, sizeof(mark), "%s/%s", state_dir, name);
	if (kind != DECL_SUBTREE && !access(mark, F_OK))
		return DECL_LIMITS;
	return kind;
}

/*
 * Whether one of the slices above SLICE, itself included (a-b.slice, then
 * a.slice), declares limits, which its services must apply.
 */
static bool gen_slice_declares(struct gen_units *us, const char *slice,
			       const char *state_dir, FILE *log)
{
	char s[256], *dash;

	snprintf(s, sizeof(s), "%s", slice);
	while (restrack_ends_with(s, ".slice") && strcmp(s, "-.slice")) {
		if (gen_declares(us, s, state_dir, log) == DECL_LIMITS)
			return true;
		s[strlen(s) - 6] = '\0';
		dash = strrchr(s, '-');
		if (!dash)
			break;
		strcpy(dash, ".slice");
	}
	return false;
}

static void gen_exec_block(FILE *f, const char *key, const char *apply,
			   const struct gen_exec *e)
{
	size_t i;

	if (e->nr)
		fprintf(f, "%s=\n", key);
	fprintf(f, "%s=+%s %%n\n", key, apply);
	for (i = 0; i < e->nr; i++)
		fprintf(f, "%s=%s\n", key, e->lines[i]);
}

/* OUT/UNIT.d/RESTRACK_GEN_DROPIN, created for writing; NULL with errno. */
static FILE *gen_dropin(const char *out, const char *unit)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s.d", out, unit);
	if (mkdir(path, 0755) && errno != EEXIST)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s.d/" RESTRACK_GEN_DROPIN, out, unit);
	return fopen(path, "we");
}

static int gen_write(const char *out, const struct gen_unit *u,
		     const struct gen_unit *type, const char *sbindir,
		     const char *why)
{
	char apply[PATH_MAX + 64];
	struct gen_scan sc = { 0 };
	FILE *f;
	size_t i;
	int err;

	/* only the files systemd loads before this drop-in */
	err = u->fragment[0] ? gen_scan_file(u->fragment, &sc) : 0;
	for (i = 0; !err && type && i < type->nr_dropins; i++)
		if (strcmp(base(type->dropins[i]), RESTRACK_GEN_DROPIN) < 0)
			err = gen_scan_file(type->dropins[i], &sc);
	for (i = 0; !err && i < u->nr_dropins; i++)
		if (strcmp(base(u->dropins[i]), RESTRACK_GEN_DROPIN) < 0)
			err = gen_scan_file(u->dropins[i], &sc);
	if (err)
		goto out;
	f = gen_dropin(out, u->name);
	if (!f) {
		err = -errno;
		goto out;
	}
	fprintf(f, "# Written by restrack-generator: %s (restrack(8)).\n", why);
	fprintf(f, "# The limits go on before the first process of the unit runs.\n");
	fprintf(f, "[Service]\n");
	snprintf(apply, sizeof(apply), "%s/restrack apply", sbindir);
	if (sc.cond.nr) {
		/* a failing ExecCondition= skips the unit unless it exits 255 */
		snprintf(apply, sizeof(apply), "%s/restrack apply --condition",
			 sbindir);
		gen_exec_block(f, "ExecCondition", apply, &sc.cond);
	} else {
		gen_exec_block(f, "ExecStartPre", apply, &sc.pre);
	}
	if (fclose(f))
		err = -errno;
out:
	exec_free(&sc.cond);
	exec_free(&sc.pre);
	return err;
}

/*
 * A slice's limits: a service of the slice runs apply, but scopes (login
 * sessions, systemd-run --scope) and transient units run no ExecStartPre=.
 * systemd has no hook that runs in a slice's start itself, so the slice
 * requires a oneshot ordered before it, which creates the slice's cgroup
 * and sets the limits there (apply --create); systemd then starts the
 * slice in that cgroup, and every unit of the slice after it (each unit
 * has Requires= and After= on its slice).  PartOf= runs it again at the
 * next start of the slice, whose cgroup is then new.  Stopping it by hand
 * would stop the slice with it (Requires=): refused.  It lives in -.slice,
 * which is always there, so that no slice it limits is above it.
 */
static int gen_write_template(const char *out, const char *sbindir)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" RESTRACK_SLICE_TEMPLATE, out);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "# Written by restrack-generator (restrack(8)): the [X-Restrack] limits of\n"
		"# slice %%i on its cgroup before systemd starts the slice.\n"
		"[Unit]\n"
		"Description=restrack limits of %%i\n"
		"Documentation=man:restrack(8)\n"
		"DefaultDependencies=no\n"
		"Before=%%i\n"
		"PartOf=%%i\n"
		"RefuseManualStop=yes\n"
		"IgnoreOnIsolate=yes\n"
		"[Service]\n"
		"Type=oneshot\n"
		"RemainAfterExit=yes\n"
		"Slice=-.slice\n"
		"ExecStart=%s/restrack apply --create %%i\n", sbindir);
	return fclose(f) ? -errno : 0;
}

/*
 * A slice with limits requires its oneshot: when the limits cannot be
 * set, the slice and its units are refused rather than run without them.
 * A slice that declares only SubtreeControl=yes wants it: nothing of the
 * slice asked for a limit, so a failure (restrack disabled, the tool
 * gone) must not stop the slice; whoever sets a limit in it gets the
 * error of the missing restrack files instead.
 */
static int gen_write_slice(const char *out, const char *slice, bool limits)
{
	FILE *f = gen_dropin(out, slice);

	if (!f)
		return -errno;
	if (limits)
		fprintf(f, "# Written by restrack-generator: %s declares limits (restrack(8)).\n"
			"# restrack-slice@%s.service sets them on the slice's cgroup before\n"
			"# systemd starts the slice, before any unit of it runs; when it fails,\n"
			"# the slice and its units are refused.\n"
			"[Unit]\n"
			"Requires=" RESTRACK_SLICE_PREFIX "%s.service\n",
			slice, slice, slice);
	else
		fprintf(f, "# Written by restrack-generator: %s declares SubtreeControl=yes\n"
			"# (restrack(8)).  restrack-slice@%s.service enables restrack in the\n"
			"# slice's cgroup.subtree_control before systemd starts the slice; when\n"
			"# it fails, the slice starts all the same.\n"
			"[Unit]\n"
			"Wants=" RESTRACK_SLICE_PREFIX "%s.service\n",
			slice, slice, slice);
	fprintf(f, "After=" RESTRACK_SLICE_PREFIX "%s.service\n", slice);
	return fclose(f) ? -errno : 0;
}

/* The slice a service lands in when its files name none. */
static void gen_default_slice(const char *name, char *slice, size_t len)
{
	const char *at = strchr(name, '@');

	if (at)
		snprintf(slice, len, "system-%.*s.slice", (int)(at - name), name);
	else
		snprintf(slice, len, "system.slice");
}

int restrack_generate(const char *const *unit_path, size_t nr_path,
		      const char *out, const char *sbindir,
		      const char *state_dir, FILE *log, size_t *written)
{
	struct gen_units us = { 0 };
	char seen[32][PATH_MAX];
	size_t i, j, nr_seen = 0;
	bool template = false;
	int err = 0;

	*written = 0;
	for (i = 0; i < nr_path && !err; i++) {
		char real[PATH_MAX];
		bool dup = false;

		if (!realpath(unit_path[i], real))
			continue;
		for (j = 0; j < nr_seen; j++)
			dup |= !strcmp(seen[j], real);
		if (dup)
			continue;	/* /lib is /usr/lib on merged /usr */
		if (nr_seen < ARRAY_SIZE(seen))
			snprintf(seen[nr_seen++], PATH_MAX, "%s", real);
		err = gen_scan_dir(&us, unit_path[i]);
	}
	for (i = 0; i < us.nr; i++)
		qsort(us.u[i].dropins, us.u[i].nr_dropins, sizeof(char *),
		      cmp_base);

	for (i = 0; i < us.nr && !err; i++) {
		struct gen_unit *u = &us.u[i], *type;
		struct gen_scan sc = { 0 };
		char why[600];
		size_t k;

		if (!restrack_ends_with(u->name, ".service") || u->masked ||
		    !u->fragment[0])
			continue;
		type = gen_get(&us, "service");
		u = &us.u[i];		/* gen_get may have moved the array */
		if (gen_declares(&us, u->name, state_dir, log) == DECL_LIMITS) {
			snprintf(why, sizeof(why), "%s declares limits", u->name);
		} else {
			err = gen_scan_file(u->fragment, &sc);
			for (k = 0; !err && k < type->nr_dropins; k++)
				err = gen_scan_file(type->dropins[k], &sc);
			for (k = 0; !err && k < u->nr_dropins; k++)
				err = gen_scan_file(u->dropins[k], &sc);
			exec_free(&sc.cond);
			exec_free(&sc.pre);
			if (err)
				break;
			if (!sc.slice[0])
				gen_default_slice(u->name, sc.slice,
						  sizeof(sc.slice));
			if (!gen_slice_declares(&us, sc.slice, state_dir, log))
				continue;
			snprintf(why, sizeof(why), "%s sits in %s, where a slice declares limits",
				 u->name, sc.slice);
		}
		type = gen_get(&us, "service");
		u = &us.u[i];
		err = gen_write(out, u, type, sbindir, why);
		if (err)
			fprintf(log, "restrack-generator: %s: cannot write its drop-in: %s\n",
				u->name, strerror(-err));
		else
			(*written)++;
	}
	for (i = 0; i < us.nr && !err; i++) {
		enum gen_decl_kind kind;
		char name[256], cg[PATH_MAX];

		snprintf(name, sizeof(name), "%s", us.u[i].name);
		if (!restrack_ends_with(name, ".slice") || us.u[i].masked ||
		    restrack_slice_cgroup(name, cg, sizeof(cg)) ||
		    !strcmp(cg, "/") ||
		    strlen(name) + strlen(RESTRACK_SLICE_PREFIX ".service") > 255)
			continue;
		kind = gen_declares(&us, name, state_dir, log);
		if (kind == DECL_NONE)
			continue;
		if (!template) {
			err = gen_write_template(out, sbindir);
			template = !err;
		}
		if (!err)
			err = gen_write_slice(out, name, kind == DECL_LIMITS);
		if (err)
			fprintf(log, "restrack-generator: %s: cannot write its drop-in: %s\n",
				name, strerror(-err));
		else
			(*written)++;
	}
	for (i = 0; i < us.nr; i++) {
		for (j = 0; j < us.u[i].nr_dropins; j++)
			free(us.u[i].dropins[j]);
		free(us.u[i].dropins);
	}
	free(us.u);
	return err;
}
