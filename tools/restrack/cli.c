// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers the commands share (cli.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const char *cmd_name = "restrack";

/* "restrack: [COMMAND: ]" and the message, without the newline */
static void vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "restrack: ");
	if (strcmp(cmd_name, "restrack"))
		fprintf(stderr, "%s: ", cmd_name);
	vfprintf(stderr, fmt, ap);
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	if (strcmp(cmd_name, "restrack"))
		fprintf(stderr, " (see restrack %s --help)\n", cmd_name);
	else
		fprintf(stderr, " (see restrack --help)\n");
	return EXIT_USAGE;
}

bool is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

void opt_start(void)
{
	optind = 0;	/* glibc: start again, as set's apply does */
	opterr = 0;
}

/* ARG, "--name[=value]", is LONGOPTS' option VAL or an abbreviation of it */
static bool long_opt_is(const char *arg, const struct option *longopts,
			int val)
{
	size_t n = strcspn(arg + 2, "=");

	for (; longopts->name; longopts++)
		if (longopts->val == val && !strncmp(longopts->name, arg + 2, n))
			return true;
	return false;
}

int opt_unknown(char **argv, const struct option *longopts)
{
	const char *a = argv[optind - 1];

	/* "--frob", or "--all=x" (optopt 'a'); else a short one, "-x" */
	if (!optopt || (!strncmp(a, "--", 2) &&
			long_opt_is(a, longopts, optopt)))
		return usage_error("unknown option '%s'", a);
	return usage_error("unknown option '-%c'", optopt);
}

const char *opt_spelling(char **argv, int c)
{
	static char buf[3];
	const char *a = argv[optind - 1];

	if (optarg && a == optarg && optind >= 2)
		a = argv[optind - 2];	/* "-o FILE": the option before */
	if (!strncmp(a, "--", 2))
		return a;
	snprintf(buf, sizeof(buf), "-%c", c == ':' ? optopt : c);
	return buf;
}

const char *unit_arg(int argc, char **argv)
{
	if (optind + 1 < argc) {
		usage_error("too many arguments");
		return NULL;
	}
	if (optind >= argc || !*argv[optind]) {
		usage_error("no unit given");
		return NULL;
	}
	return argv[optind];
}

int bad_size(const char *what, const char *s, int err)
{
	return usage_error("bad %s '%s': %s", what, s,
			   err == -ERANGE ? "too large" :
			   "expected a number with an optional K, M, G, T, P or E suffix, or max");
}

int bad_count(const char *what, const char *s, int err)
{
	return usage_error("bad %s '%s': %s", what, s,
			   err == -ERANGE ? "too large" :
			   "expected a whole number or max");
}

const char *restrack_mount(void)
{
	const char *mnt = restrack_cgroup_mount();
	char buf[8];

	if (!mnt) {
		say("cgroup v2 is not mounted (mount -t cgroup2 none /sys/fs/cgroup)");
		return NULL;
	}
	if (restrack_cg_read(mnt, "cgroup.controllers", buf, sizeof(buf)) < 0) {
		say("%s is not a cgroup v2 file system", mnt);
		return NULL;
	}
	if (restrack_controller_available(mnt)) {
		say("this kernel has no restrack controller (CONFIG_CGROUP_RESTRACK)");
		return NULL;
	}
	return mnt;
}

char *run_capture(char *const argv[], int *status)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);
	int fds[2];
	pid_t pid;
	ssize_t n;

	if (!buf || pipe2(fds, O_CLOEXEC)) {
		free(buf);
		return NULL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(buf);
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "restrack: apply: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fds[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fds[0]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return buf;
}

int systemctl_show(char **names, size_t nr_names,
			  struct restrack_unit_info *units, size_t *nr)
{
	const char *systemctl = getenv("RESTRACK_SYSTEMCTL");
	char *argv[APPLY_MAX_UNITS + 16], *out;
	size_t i, a = 0;
	int status = 0, err;

	argv[a++] = (char *)(systemctl && *systemctl ? systemctl : "systemctl");
	argv[a++] = "show";
	argv[a++] = "-p";
	argv[a++] = "Id,ControlGroup,FragmentPath,DropInPaths,LoadState";
	argv[a++] = "--";
	for (i = 0; i < nr_names && i < APPLY_MAX_UNITS; i++)
		argv[a++] = names[i];
	argv[a] = NULL;
	out = run_capture(argv, &status);
	if (!out) {
		say("cannot run %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		say("%s show %s failed", argv[0], names[0]);
		free(out);
		return -1;
	}
	err = restrack_parse_show(out, units, APPLY_MAX_UNITS, nr);
	free(out);
	if (err || *nr != nr_names) {
		say("cannot read the output of %s show", argv[0]);
		return -1;
	}
	return 0;
}

void sleep_seconds(double interval)
{
	struct timespec ts = {
		(time_t)interval,
		(long)((interval - (time_t)interval) * 1e9),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
