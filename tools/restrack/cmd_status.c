// SPDX-License-Identifier: GPL-2.0
/*
 * restrack status: the limited cgroups as a table, JSON or Prometheus
 * text, once, watched, or into a file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const char usage_status[] =
"Usage: restrack status [OPTIONS] [UNIT|CGROUP...]\n"
"\n"
"Show every cgroup with a restrack limit or a registered process: heap\n"
"current, max and peak, open files current, max and peak, policy and\n"
"events; then the processes registered with restrack register.  Given\n"
"units (web.service, batch.slice) or cgroups (/batch.slice), show those and\n"
"every cgroup below them, limited or not.\n"
"\n"
"Options:\n"
"  -a, --all              every cgroup where restrack is enabled\n"
"  -s, --sort KEY         heap or files (largest first), or name (the tree,\n"
"                         by path: the default)\n"
"  -d, --depth N          nothing more than N levels below the given\n"
"                         cgroups (below the root without any): 0 is the\n"
"                         given ones alone, 1 their children too\n"
"  -p, --processes        each process of the cgroups shown (or of the given\n"
"                         ones): its VmData, open files and command line, and\n"
"                         its share of the cgroup's usage\n"
"  --json                 JSON (schema in restrack(8); sizes in bytes,\n"
"                         no limit is null)\n"
"  --prometheus           Prometheus text format, for node_exporter's\n"
"                         textfile collector: labels cgroup and unit; the\n"
"                         restrack/PID and run-PID cgroups summed into one\n"
"                         series per parent (cgroup=\"/restrack/*\")\n"
"  -w, --watch [SECONDS]  refresh every SECONDS (default 2) on a terminal;\n"
"                         one snapshot per interval otherwise; with --json\n"
"                         one compact document a line (NDJSON)\n"
"  -n, --iterations N     stop after N snapshots\n"
"  -o, --output FILE      write to FILE, replaced atomically each time\n"
"  -h, --help             this text\n"
"\n"
"A cgroup's last kill (heap.max or files.max, policy kill), as the kernel\n"
"logged it, shows below its line (\"last kill:\") and in JSON (\"last_kill\"),\n"
"read from /dev/kmsg: root only, and while the log still holds the line.\n";

/* status */

enum status_format { STATUS_TABLE, STATUS_JSON, STATUS_PROMETHEUS, STATUS_NDJSON };

static void print_snapshot(FILE *f, enum status_format fmt,
			   const struct restrack_snapshot *snap)
{
	switch (fmt) {
	case STATUS_TABLE:
		restrack_print_table(f, snap);
		break;
	case STATUS_JSON:
		restrack_print_json(f, snap);
		break;
	case STATUS_NDJSON:
		restrack_print_json_compact(f, snap);
		break;
	case STATUS_PROMETHEUS:
		restrack_print_prometheus(f, snap);
		break;
	}
}

/*
 * The processes of each cgroup in ROOTS (paths below MNT), or of every
 * cgroup of SNAP with no ancestor in it: pid, VmData, open files, their
 * shares of the cgroup's heap.current and files.current, and the command.
 */
static int print_processes(FILE *f, const char *mnt,
			   const struct restrack_snapshot *snap)
{
	char dir[PATH_MAX], b[RESTRACK_SIZE_BUFSZ], fds[24];
	size_t i, j, nr;

	for (i = 0; i < snap->nr_cgroups; i++) {
		const struct restrack_cgroup_stat *c = &snap->cgroups[i];
		struct restrack_task *t;
		int err;

		/* a cgroup below one listed is in that one's list */
		for (j = 0; j < snap->nr_cgroups; j++)
			if (j != i && restrack_path_below(c->path,
							  snap->cgroups[j].path))
				break;
		if (j < snap->nr_cgroups)
			continue;
		snprintf(dir, sizeof(dir), "%s%s", mnt, c->path);
		err = restrack_cgroup_tasks(dir, &t, &nr);
		if (err)
			return err;
		fprintf(f, "\n%s: heap %s, files %llu\n", c->path,
			restrack_format_size(c->heap.current, b),
			(unsigned long long)c->files.current);
		fprintf(f, "%7s %7s %5s %6s %5s %s\n", "PID", "HEAP", "SHARE",
			"FILES", "SHARE", "COMMAND");
		for (j = 0; j < nr; j++) {
			char hs[24] = "-", fs[24] = "-";

			if (c->heap.current)
				snprintf(hs, sizeof(hs), "%llu%%",
					 (unsigned long long)(t[j].vmdata * 100 /
							      c->heap.current));
			if (c->files.current && t[j].fds != RT_LIMIT_MAX)
				snprintf(fs, sizeof(fs), "%llu%%",
					 (unsigned long long)(t[j].fds * 100 /
							      c->files.current));
			if (t[j].fds == RT_LIMIT_MAX)
				snprintf(fds, sizeof(fds), "?");
			else
				snprintf(fds, sizeof(fds), "%llu",
					 (unsigned long long)t[j].fds);
			fprintf(f, "%7d %7s %5s %6s %5s %s\n", t[j].pid,
				restrack_format_size(t[j].vmdata, b), hs, fds,
				fs, t[j].cmdline);
		}
		free(t);
	}
	return 0;
}

/* FILE is replaced atomically, as node_exporter's textfile collector wants. */
static int write_output(const char *file, enum status_format fmt,
			const struct restrack_snapshot *snap)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", file, getpid());
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	print_snapshot(f, fmt, snap);
	if (fflush(f) || ferror(f) || fclose(f) || rename(tmp, file)) {
		int err = -errno;

		unlink(tmp);
		return err ? err : -EIO;
	}
	return 0;
}

enum { OPT_JSON = 256, OPT_PROMETHEUS };

static const struct option status_options[] = {
	VIEW_LONGOPTS,
	{ "processes", no_argument, NULL, 'p' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
	{ "watch", optional_argument, NULL, 'w' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_status(int argc, char **argv)
{
	enum status_format fmt = STATUS_TABLE;
	const char *mnt, *output = NULL;
	uint64_t iterations = 0, iter;
	double interval = 2;
	bool watch = false, tty, processes = false;
	struct view view;
	int c, ret = EXIT_FAILURE;

	if (view_init(&view, argc))
		return EXIT_FAILURE;
	opt_start();
	while ((c = getopt_long(argc, argv, ":hpw::n:o:" VIEW_OPTSTRING,
				status_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_status, stdout);
			ret = 0;
			goto out;
		case 'p':
			processes = true;
			continue;
		case OPT_JSON:
		case OPT_PROMETHEUS:
			if (fmt != STATUS_TABLE)
				return usage_error("--json and --prometheus exclude each other");
			fmt = c == OPT_JSON ? STATUS_JSON : STATUS_PROMETHEUS;
			continue;
		case 'w':
			watch = true;
			/* SECONDS is optional: a number, not a unit or cgroup */
			if (!optarg && optind < argc && argv[optind][0] &&
			    strchr("0123456789.", argv[optind][0]))
				optarg = argv[optind++];
			if (optarg && restrack_parse_seconds(optarg, &interval))
				return usage_error("bad interval '%s': expected seconds, e.g. 2 or 0.5",
						   optarg);
			continue;
		case 'n':
			if (restrack_parse_count(optarg, &iterations) ||
			    iterations == 0 || iterations == RT_LIMIT_MAX)
				return usage_error("bad count '%s': expected a positive number",
						   optarg);
			continue;
		case 'o':
			if (!*optarg)
				return usage_error("option '%s' needs a file",
						   opt_spelling(argv, c));
			output = optarg;
			continue;
		case ':':
			if (optopt == 'n')
				return usage_error("option '%s' needs a count",
						   opt_spelling(argv, c));
			if (optopt == 'o')
				return usage_error("option '%s' needs a file",
						   opt_spelling(argv, c));
			break;
		}
		ret = view_opt(&view, c, argv, status_options);
		if (ret)
			goto out;
	}
	if (iterations && !watch)
		watch = true;
	if (processes && fmt != STATUS_TABLE)
		return usage_error("--processes is a table: not with --json or --prometheus");
	/* NDJSON: one compact document a line, never a screen redrawn */
	if (fmt == STATUS_JSON && watch && !output)
		fmt = STATUS_NDJSON;

	ret = view_resolve(&view, argc, argv, &mnt);
	if (ret)
		goto out;
	ret = EXIT_FAILURE;
	tty = !output && fmt != STATUS_NDJSON && isatty(STDOUT_FILENO);

	for (iter = 0; ; iter++) {
		struct restrack_snapshot snap;
		int err;

		if (view_snapshot(&view, mnt, &snap, true))
			goto out;
		if (output) {
			err = write_output(output, fmt, &snap);
			if (err) {
				say("writing %s: %s", output, restrack_strerror(err));
				restrack_snapshot_free(&snap);
				goto out;
			}
		} else {
			if (watch && tty) {
				char date[64];
				time_t now = time(NULL);

				strftime(date, sizeof(date), "%c",
					 localtime(&now));
				printf("\033[H\033[2JEvery %gs: restrack status%*s\n\n",
				       interval, 40, date);
			} else if (iter && fmt == STATUS_TABLE) {
				putchar('\n');
			}
			print_snapshot(stdout, fmt, &snap);
			if (processes) {
				err = print_processes(stdout, mnt, &snap);
				if (err) {
					say("reading the processes: %s",
					    restrack_strerror(err));
					restrack_snapshot_free(&snap);
					goto out;
				}
			}
			fflush(stdout);
		}
		restrack_snapshot_free(&snap);
		if (!watch || (iterations && iter + 1 >= iterations))
			break;
		sleep_seconds(interval);
	}
	if (ferror(stdout)) {
		say("writing the output: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	view_free(&view);
	return ret;
}
