// SPDX-License-Identifier: GPL-2.0
/*
 * A small TAP runner in the shape of kselftest: every test runs in its own
 * forked process under a cgroup of its own, with a timeout; SKIP carries
 * the reason the test gave.
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
#include <getopt.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "restrack_test.h"

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
