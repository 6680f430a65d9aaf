// SPDX-License-Identifier: GPL-2.0
/*
 * What the restrack tests share beside kselftest_harness.h: TAP
 * diagnostics, the program's cgroup and the record of violations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "restrack_test.h"

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

void violation_add(struct violations *v, const char *fmt, ...)
{
	int n = __atomic_fetch_add(&v->n, 1, __ATOMIC_SEQ_CST);
	va_list ap;

	if (n >= VIOLATIONS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(v->msg[n], sizeof(v->msg[n]), fmt, ap);
	va_end(ap);
}

int violations_report(struct violations *v, const char *prefix,
		      const char *more)
{
	int n = __atomic_exchange_n(&v->n, 0, __ATOMIC_SEQ_CST);
	int i;

	for (i = 0; i < n && i < VIOLATIONS_MAX; i++)
		diag("%s%s", prefix, v->msg[i]);
	if (n > VIOLATIONS_MAX)
		diag("%s... and %d more%s%s", prefix, n - VIOLATIONS_MAX,
		     more ? " " : "", more ? more : "");
	return n;
}

int rt_setup_root(const char *rootname, char *root)
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
