/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the commands of restrack(8) share: messages, usage errors, the
 * cgroup v2 mount, running systemctl, and the view of status, top and
 * exporter.  Each command is a cmd_*.c file; restrack.c has main() and the
 * table of commands.  The library they use is librestrack.h.
 */
#ifndef RESTRACK_CLI_H
#define RESTRACK_CLI_H

#include <getopt.h>
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
/*
 * The options of each command are read by getopt_long(): call opt_start()
 * first, and give it an OPTSTRING beginning with ":" (after "+" for those
 * that stop at the first argument), so that it says nothing itself and
 * returns ':' for a missing value, '?' for an unknown option.
 */
void opt_start(void);
/* The usage error for '?': "unknown option '--frob'" (or '-x') */
int opt_unknown(char **argv, const struct option *longopts);
/*
 * The option getopt_long() returned as C (':': the one without its value)
 * as it was given: "-n", "--iterations" or "--output=".
 */
const char *opt_spelling(char **argv, int c);
/* The one UNIT argument after the options, or NULL after a usage error */
const char *unit_arg(int argc, char **argv);
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
/*
 * The options every view takes, for getopt_long(): -a, -s KEY, -d N.
 * view_opt() acts on what getopt_long() returned, C: 0 when it took it,
 * else a usage error's exit status (for '?', ':' and anything else: the
 * command handles its own options first).
 */
#define VIEW_OPTSTRING	"as:d:"
#define VIEW_LONGOPTS	{ "all", no_argument, NULL, 'a' }, \
			{ "sort", required_argument, NULL, 's' }, \
			{ "depth", required_argument, NULL, 'd' }
int view_opt(struct view *v, int c, char **argv,
	     const struct option *longopts);
/* The UNIT|CGROUP arguments ARGV[optind...]: 0 or an exit status */
int view_resolve(struct view *v, int argc, char **argv, const char **mntp);
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
