/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the commands of restrack(8) share: messages, usage errors, the
 * cgroup v2 mount, running systemctl, and the view of status, top and
 * exporter.  Each command is a cmd_*.c file; restrack.c has main() and the
 * table of commands.  The library they use is librestrack.h.
 */
#ifndef RESTRACK_CLI_H
#define RESTRACK_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "librestrack.h"

#define EXIT_USAGE	2
/* run's own failures, as env(1) and timeout(1) report theirs */
#define EXIT_RUN_FAILED	125

/* The units systemctl_show() asks about at once: a unit and its slices */
#define APPLY_MAX_UNITS	16

/*
 * What status, top and exporter show: --all, --depth, --sort and the
 * UNIT|CGROUP arguments.
 */
struct view {
	struct restrack_select sel;
	enum restrack_sort sort;
	const char **args;		/* argc of them at most */
	size_t nargs;
	char (*roots)[PATH_MAX];
	const char *tracker, *kmsg;
};

/* The command running, for messages: "run", "status"... or "restrack" */
extern const char *cmd_name;

/* "restrack: [COMMAND: ]" and the message, on stderr */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: one line, and where to read more.  EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "--help" or "-h" */
bool is_help(const char *a);
bool is_opt(const char *a, const char *name);
const char *opt_arg(int argc, char **argv, int *i);
/* The usage errors of a bad size or count WHAT (S), ERR from the parser */
int bad_size(const char *what, const char *s, int err);
int bad_count(const char *what, const char *s, int err);
/* The cgroup v2 mount with the restrack controller, or NULL after saying why. */
const char *restrack_mount(void);
/* Output of CMD... (stdout), NUL-terminated in a malloc'd buffer. */
char *run_capture(char *const argv[], int *status);
/* systemctl show of NAMES into UNITS; *NR of them.  0 or -1 after saying why. */
int systemctl_show(char **names, size_t nr_names,
		   struct restrack_unit_info *units, size_t *nr);
void sleep_seconds(double interval);

/* view.c */
int view_init(struct view *v, int argc);
void view_free(struct view *v);
int view_opt(struct view *v, int argc, char **argv, int *i);
int view_resolve(struct view *v, const char **mntp);
int view_snapshot(const struct view *v, const char *mnt,
		  struct restrack_snapshot *snap, bool kills);

/* The commands: cmd_NAME.c, with their --help texts */
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_exporter(int argc, char **argv);
int cmd_apply(int argc, char **argv);
/* apply as set runs it: in the caller's cgroup */
int apply_staying(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_generate(int argc, char **argv);
/* register, fetch, cap, reset, deregister: argv[0] says which */
int cmd_syscall(int argc, char **argv, const char *help);

extern const char usage_run[], usage_status[], usage_top[], usage_exporter[];
extern const char usage_apply[], usage_set[], usage_generate[];
extern const char usage_register[], usage_fetch[], usage_cap[], usage_reset[];
extern const char usage_deregister[];

#endif /* RESTRACK_CLI_H */
