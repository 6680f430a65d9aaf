// SPDX-License-Identifier: GPL-2.0
/*
 * librestrack: the [X-Restrack] section of systemd unit files and the
 * output of "systemctl show"; see librestrack.h and restrack(8).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "librestrack.h"

void restrack_decl_init(struct restrack_decl *d)
{
	memset(d, 0, sizeof(*d));
	d->heap = RT_LIMIT_MAX;
	d->files = RT_LIMIT_MAX;
	snprintf(d->policy, sizeof(d->policy), "deny");
}

bool restrack_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

char *restrack_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * One "Key=Value" of the section.  An empty value resets the key, as an
 * empty assignment does in systemd's own sections.
 */
static int decl_set(struct restrack_decl *d, const char *key, const char *val,
		    char *why, size_t whylen)
{
	int err;

	if (!strcmp(key, "HeapMax")) {
		d->heap = RT_LIMIT_MAX;
		err = *val ? restrack_parse_size(val, &d->heap) : 0;
		if (err)
			snprintf(why, whylen, "bad HeapMax=%s: %s", val,
				 err == -ERANGE ? "too large" :
				 "expected a size with an optional K, M, G or T suffix, or max");
	} else if (!strcmp(key, "FilesMax")) {
		d->files = RT_LIMIT_MAX;
		err = *val ? restrack_parse_count(val, &d->files) : 0;
		if (err)
			snprintf(why, whylen, "bad FilesMax=%s: %s", val,
				 err == -ERANGE ? "too large" :
				 "expected a whole number or max");
	} else if (!strcmp(key, "Policy")) {
		err = 0;
		if (!*val)
			val = "deny";
		if (strcmp(val, "deny") && strcmp(val, "kill")) {
			err = -EINVAL;
			snprintf(why, whylen, "bad Policy=%s: expected deny or kill",
				 val);
		} else {
			snprintf(d->policy, sizeof(d->policy), "%s", val);
		}
	} else if (!strcmp(key, "SubtreeControl")) {
		err = restrack_parse_bool(*val ? val : "no", &d->subtree);
		if (err)
			snprintf(why, whylen,
				 "bad SubtreeControl=%s: expected yes or no", val);
	} else {
		err = -EINVAL;
		snprintf(why, whylen,
			 "unknown key %s= (HeapMax=, FilesMax=, Policy=, SubtreeControl=)",
			 key);
	}
	return err;
}

int restrack_decl_parse(FILE *f, const char *name, struct restrack_decl *d,
			char *why, size_t whylen)
{
	char line[4096], msg[512];
	bool in_section = false;
	int lineno = 0, err = 0;

	while (fgets(line, sizeof(line), f)) {
		char *s = restrack_trim(line), *eq;

		lineno++;
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			in_section = !strcmp(s, "[" RESTRACK_UNIT_SECTION "]");
			if (in_section)
				d->present = true;
			continue;
		}
		if (!in_section)
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(why, whylen, "%s:%d: not Key=Value: %s", name,
				 lineno, s);
			return -EINVAL;
		}
		*eq = '\0';
		if (decl_set(d, restrack_trim(s), restrack_trim(eq + 1), msg,
			     sizeof(msg))) {
			snprintf(why, whylen, "%s:%d: %s", name, lineno, msg);
			err = -EINVAL;
			break;
		}
	}
	if (!err && ferror(f)) {
		err = -EIO;
		snprintf(why, whylen, "%s: read error", name);
	}
	return err;
}

int restrack_decl_parse_file(const char *path, struct restrack_decl *d,
			     char *why, size_t whylen)
{
	FILE *f = fopen(path, "re");
	int err;

	if (!f) {
		err = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return err;
	}
	err = restrack_decl_parse(f, path, d, why, whylen);
	fclose(f);
	return err;
}

/* KEY=VALUE lines, blocks separated by an empty line, one block per unit. */
int restrack_parse_show(const char *text, struct restrack_unit_info *units,
			size_t max_units, size_t *nr)
{
	const char *p = text;
	bool in_block = false;

	*nr = 0;
	while (*p) {
		const char *end = strchr(p, '\n'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct restrack_unit_info *u;
		char *dst = NULL;
		size_t dstlen = 0;

		if (!len) {
			in_block = false;
			p += end ? 1 : 0;
			continue;
		}
		if (!in_block) {
			if (*nr >= max_units)
				return -E2BIG;
			memset(&units[*nr], 0, sizeof(units[*nr]));
			(*nr)++;
			in_block = true;
		}
		u = &units[*nr - 1];
		eq = memchr(p, '=', len);
		if (!eq)
			return -EINVAL;
#define KEY(k, field)	\
		else if ((size_t)(eq - p) == strlen(k) && !strncmp(p, k, eq - p)) { \
			dst = u->field; dstlen = sizeof(u->field); }
		if (0) {
		}
		KEY("Id", id)
		KEY("ControlGroup", cgroup)
		KEY("FragmentPath", fragment)
		KEY("DropInPaths", dropins)
		KEY("LoadState", load_state)
#undef KEY
		if (dst) {
			size_t vlen = len - (eq + 1 - p);

			if (vlen >= dstlen)
				return -ENAMETOOLONG;
			memcpy(dst, eq + 1, vlen);
			dst[vlen] = '\0';
		}
		p += len + (end ? 1 : 0);
	}
	return 0;
}

int restrack_decl_of_unit(const struct restrack_unit_info *u,
			  struct restrack_decl *d, char *why, size_t whylen)
{
	char paths[sizeof(u->dropins)], *tok, *save;
	int err;

	restrack_decl_init(d);
	if (u->fragment[0]) {
		err = restrack_decl_parse_file(u->fragment, d, why, whylen);
		if (err)
			return err;
	}
	/* drop-ins in systemd's order: a later one overrides an earlier one */
	snprintf(paths, sizeof(paths), "%s", u->dropins);
	for (tok = strtok_r(paths, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		err = restrack_decl_parse_file(tok, d, why, whylen);
		if (err)
			return err;
	}
	return 0;
}

/*
 * systemd's cgroup name for unit NAME (cg_escape()): an underscore before
 * a name that starts with "_" or ".", that is a file of cgroup v1's root or
 * starts with "cgroup.", or with the name of a controller systemd knows
 * followed by a dot.
 */
static bool cg_needs_escape(const char *n)
{
	static const char *const ctl[] = {
		"cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices",
		"pids", "bpf-firewall", "bpf-devices", "bpf-foreign",
		"bpf-socket-bind", "bpf-restrict-network-interfaces",
	};
	size_t i;

	if (n[0] == '_' || n[0] == '.' || !strncmp(n, "cgroup.", 7) ||
	    !strcmp(n, "notify_on_release") || !strcmp(n, "release_agent") ||
	    !strcmp(n, "tasks"))
		return true;
	for (i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++)
		if (!strncmp(n, ctl[i], strlen(ctl[i])) && n[strlen(ctl[i])] == '.')
			return true;
	return false;
}

int restrack_slice_cgroup(const char *slice, char *buf, size_t len)
{
	size_t n = strlen(slice), off = 0, i;

	if (n <= 6 || strcmp(slice + n - 6, ".slice") || strchr(slice, '/') ||
	    strchr(slice, '@') || slice[0] == '-' || slice[n - 7] == '-' ||
	    strstr(slice, "--"))
		return strcmp(slice, "-.slice") ? -EINVAL :
			(snprintf(buf, len, "/"), 0);
	buf[0] = '\0';
	/* a-b-c.slice: /a.slice/a-b.slice/a-b-c.slice */
	for (i = 0; i <= n - 6; i++) {
		char comp[256];
		int w;

		if (i < n - 6 && slice[i] != '-')
			continue;
		if (i >= sizeof(comp) - 8)
			return -ENAMETOOLONG;
		snprintf(comp, sizeof(comp), "%.*s.slice", (int)i, slice);
		w = snprintf(buf + off, len - off, "/%s%s",
			     cg_needs_escape(comp) ? "_" : "", comp);
		if (w < 0 || (size_t)w >= len - off)
			return -ENAMETOOLONG;
		off += w;
	}
	return 0;
}
