// SPDX-License-Identifier: GPL-2.0
/*
 * restrack - limit and watch the heap and open files of processes.
 *
 *   restrack run [--heap SIZE] [--files N] [--policy deny|kill] -- CMD...
 *   restrack status [--all] [--sort KEY] [--depth N] [--json|--prometheus]
 *                   [--watch [SECONDS]] [UNIT|CGROUP...]
 *   restrack apply [--dry-run] UNIT
 *   restrack set UNIT [--heap SIZE] [--files N] [--policy P] [--runtime]
 *   restrack register|fetch|deregister|reset PID
 *   restrack cap PID HEAP FILES
 *
 * Exit status: 0 on success, 1 when an operation failed, 2 for a usage
 * error; run exits with its command's status, or 125 when it failed
 * itself.  See restrack(8).
 *
 * This file has main() and the table of commands; each command is in its
 * cmd_*.c file, with its --help text, and what several share is in cli.h.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef RESTRACK_VERSION
#define RESTRACK_VERSION "1.0"
#endif

static const char usage_main[] =
"Usage: restrack COMMAND [OPTIONS] [ARGS]\n"
"\n"
"Limit and watch the heap (data address space) and the open file\n"
"descriptors of processes with the restrack cgroup controller.\n"
"\n"
"Commands:\n"
"  run [OPTIONS] -- CMD [ARG...]  run CMD in a fresh limited cgroup below\n"
"                                 the caller's\n"
"  status [OPTIONS]               show limited cgroups and registered processes\n"
"  top [OPTIONS]                  a live view, sorted, like systemd-cgtop\n"
"  exporter [--listen ADDR]       serve the Prometheus metrics over HTTP\n"
"  apply [--dry-run] UNIT         set the limits a systemd unit and its slices\n"
"                                 declare in [X-Restrack] on their cgroups\n"
"  set UNIT [OPTIONS]             change a unit's or slice's limits now and\n"
"                                 for good, like systemctl set-property\n"
"  generate DIR                   the systemd generator: drop-ins running\n"
"                                 apply for the units that declare limits\n"
"  register PID                   move PID into its own cgroup, restrack/PID\n"
"  fetch PID                      print the heap (MiB) and open files of PID\n"
"  cap PID HEAP FILES             set its quotas (over quota = SIGKILL)\n"
"  reset PID                      lift its quotas\n"
"  deregister PID                 move PID back and remove its cgroup\n"
"  help [COMMAND]                 this text, or the help of COMMAND\n"
"\n"
"Sizes: bytes with an optional K, M, G, T, P or E suffix (1.5G); \"max\" or\n"
"\"infinity\" for no limit.  cap's HEAP is MiB (64 = 64M).\n"
"Exit status: 0 success, 1 failure, 2 usage error; run: the command's, or\n"
"125 when run itself failed.\n"
"\"restrack COMMAND --help\" and restrack(8) say more.\n";

static const struct command {
	const char *name;
	const char *help;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "run",	usage_run,	cmd_run },
	{ "status",	usage_status,	cmd_status },
	{ "top",	usage_top,	cmd_top },
	{ "exporter",	usage_exporter,	cmd_exporter },
	{ "apply",	usage_apply,	cmd_apply },
	{ "set",	usage_set,	cmd_set },
	{ "generate",	usage_generate,	cmd_generate },
	{ "register",	usage_register,	NULL },
	{ "fetch",	usage_fetch,	NULL },
	{ "cap",	usage_cap,	NULL },
	{ "reset",	usage_reset,	NULL },
	{ "deregister",	usage_deregister, NULL },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *prog = strrchr(argv[0], '/');
	const struct command *c;

	/* systemd runs generators with the output directories only */
	if (!strcmp(prog ? prog + 1 : argv[0], "restrack-generator")) {
		cmd_name = "generate";
		return cmd_generate(argc, argv);
	}
	if (argc < 2) {
		fputs(usage_main, stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("restrack %s\n", RESTRACK_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			fputs(usage_main, stdout);
			return 0;
		}
		c = find_command(argv[2]);
		if (!c)
			return usage_error("unknown command '%s'", argv[2]);
		fputs(c->help, stdout);
		return 0;
	}
	c = find_command(argv[1]);
	if (!c)
		return usage_error(argv[1][0] == '-' ? "unknown option '%s'" :
				   "unknown command '%s'", argv[1]);
	cmd_name = c->name;
	if (c->fn)
		return c->fn(argc - 1, argv + 1);
	return cmd_syscall(argc - 1, argv + 1, c->help);
}
