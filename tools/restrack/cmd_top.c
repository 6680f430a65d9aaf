// SPDX-License-Identifier: GPL-2.0
/*
 * restrack top: a live view, like systemd-cgtop.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const char usage_top[] =
"Usage: restrack top [OPTIONS] [UNIT|CGROUP...]\n"
"\n"
"A live view of every cgroup where restrack is enabled (or of the given\n"
"ones and what is below them), like systemd-cgtop: heap current, peak\n"
"and limit, open files current, peak and limit, and the events of each\n"
"interval, largest heap first.\n"
"\n"
"Keys: h sort by heap, f by open files, n by name (the tree), space\n"
"refresh, q quit.\n"
"\n"
"Options:\n"
"  -s, --sort KEY         heap (default), files or name\n"
"  -d, --depth N          as restrack status --depth\n"
"  --delay SECONDS        refresh every SECONDS (default 1)\n"
"  -n, --iterations N     stop after N refreshes\n"
"  -b, --batch            no screen control, no keys: each refresh after\n"
"                         the last (also when the output is no terminal)\n"
"  -h, --help             this text\n";

/* top: a live view, like systemd-cgtop */

static volatile sig_atomic_t top_stop;
static struct termios top_saved;
static bool top_raw;

static void top_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static void top_restore(void)
{
	if (top_raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &top_saved);
	top_raw = false;
}

/* The events of PATH in PREV, or NULL when it was not there */
static const uint64_t *top_prev_events(const struct restrack_snapshot *prev,
				       const char *path)
{
	size_t i;

	for (i = 0; prev && i < prev->nr_cgroups; i++)
		if (!strcmp(prev->cgroups[i].path, path))
			return prev->cgroups[i].events;
	return NULL;
}

/* One screen: header, columns, as many cgroups as ROWS lets in */
static void top_draw(FILE *f, const struct restrack_snapshot *snap,
		     const struct restrack_snapshot *prev,
		     const struct view *v, double delay, bool tty, int rows,
		     int cols)
{
	char b[RESTRACK_USAGE_COLUMNS][RESTRACK_SIZE_BUFSZ], ev[128];
	char line[1024], date[32];
	time_t now = time(NULL);
	int width = 24, n = 0;
	size_t i;

	strftime(date, sizeof(date), "%H:%M:%S", localtime(&now));
	if (tty)
		fputs("\033[H\033[2J", f);
	snprintf(line, sizeof(line),
		 "restrack top  %s  every %gs  sorted by %s%s", date, delay,
		 restrack_sort_names[v->sort],
		 tty ? "  (h heap, f files, n name, q quit)" : "");
	fprintf(f, "%.*s\n\n", cols, line);
	width = restrack_name_width(snap, width);
	if (width > cols - 62 && cols - 62 >= 16)
		width = cols - 62;
	snprintf(line, sizeof(line), "%-*s %7s %7s %7s %6s %6s %6s %s", width,
		 "CGROUP", "HEAP", "PEAK", "LIMIT", "FILES", "PEAK", "LIMIT",
		 "EVENTS/INTERVAL");
	fprintf(f, "%.*s\n", cols, line);
	for (i = 0; i < snap->nr_cgroups && (!tty || n < rows - 4); i++, n++) {
		const struct restrack_cgroup_stat *c = &snap->cgroups[i];
		const char *name = restrack_unit_name(c->path);
		const uint64_t *pe = top_prev_events(prev, c->path);
		size_t off = 0;
		int e;

		ev[0] = '\0';
		for (e = 0; pe && e < RT_NR_EVENTS; e++)
			if (c->events[e] > pe[e] && off < sizeof(ev))
				off += snprintf(ev + off, sizeof(ev) - off,
						"%s%s+%llu", off ? " " : "",
						rt_event_names[e],
						(unsigned long long)(c->events[e] - pe[e]));
		if (!off)
			snprintf(ev, sizeof(ev), "-");
		restrack_format_usage(c, b);
		snprintf(line, sizeof(line),
			 "%-*.*s %7s %7s %7s %6s %6s %6s %s", width, width,
			 name ? name : c->path, b[0], b[2], b[1], b[3], b[5],
			 b[4], ev);
		fprintf(f, "%.*s\n", cols, line);
	}
	if (!tty)
		fputc('\n', f);
	fflush(f);
}

enum { OPT_DELAY = 256 };

static const struct option top_options[] = {
	VIEW_LONGOPTS,
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "iterations", required_argument, NULL, 'n' },
	{ "batch", no_argument, NULL, 'b' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_top(int argc, char **argv)
{
	const char *mnt;
	struct restrack_snapshot snap = { 0 }, prev = { 0 };
	uint64_t iterations = 0, iter = 0;
	double delay = 1;
	bool batch = false, tty, keys, have_prev = false;
	struct view view;
	int c, ret = EXIT_FAILURE;

	if (view_init(&view, argc))
		return EXIT_FAILURE;
	view.sel.all = true;
	view.sort = RESTRACK_SORT_HEAP;
	opt_start();
	while ((c = getopt_long(argc, argv, ":hbn:" VIEW_OPTSTRING,
				top_options, NULL)) != -1) {
		/* a missing value: as a bad one, "" */
		const char *val = c == ':' ? "" : optarg;

		switch (c == ':' ? optopt : c) {
		case 'h':
			fputs(usage_top, stdout);
			ret = 0;
			goto out;
		case 'b':
			batch = true;
			continue;
		case OPT_DELAY:
			if (c == ':' || restrack_parse_seconds(val, &delay)) {
				ret = usage_error("bad interval '%s': expected seconds, e.g. 1 or 0.5",
						  val);
				goto out;
			}
			continue;
		case 'n':
			if (c == ':' || restrack_parse_count(val, &iterations) ||
			    !iterations || iterations == RT_LIMIT_MAX) {
				ret = usage_error("bad count '%s': expected a positive number",
						  val);
				goto out;
			}
			continue;
		}
		ret = view_opt(&view, c, argv, top_options);
		if (ret)
			goto out;
	}
	ret = view_resolve(&view, argc, argv, &mnt);
	if (ret)
		goto out;
	ret = EXIT_FAILURE;
	tty = !batch && isatty(STDOUT_FILENO);
	keys = tty && isatty(STDIN_FILENO);
	/* a screen in one write: never half of one on the terminal */
	if (tty)
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (keys && !tcgetattr(STDIN_FILENO, &top_saved)) {
		struct termios t = top_saved;
		struct sigaction sa = { .sa_handler = top_signal };

		t.c_lflag &= ~(ICANON | ECHO);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		if (!tcsetattr(STDIN_FILENO, TCSAFLUSH, &t))
			top_raw = true;
		atexit(top_restore);
		fputs("\033[?25l", stdout);	/* no cursor */
	}
	while (!top_stop) {
		struct winsize ws = { .ws_row = 24, .ws_col = 80 };
		struct timespec start, t;

		if (view_snapshot(&view, mnt, &snap, false))
			goto out;
		if (tty)
			ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
		top_draw(stdout, &snap, have_prev ? &prev : NULL, &view, delay,
			 tty, ws.ws_row ? ws.ws_row : 24,
			 tty && ws.ws_col ? ws.ws_col : 1023);
		if (iterations && ++iter >= iterations)
			break;
		clock_gettime(CLOCK_MONOTONIC, &start);
		/* until the interval is over; a key redraws in a new order */
		while (!top_stop) {
			double left;
			struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
			bool redraw = false;
			char c;

			clock_gettime(CLOCK_MONOTONIC, &t);
			left = delay - (t.tv_sec - start.tv_sec) -
			       (t.tv_nsec - start.tv_nsec) / 1e9;
			if (left <= 0)
				break;
			if (!keys) {
				sleep_seconds(left);
				continue;
			}
			if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
				continue;
			if (read(STDIN_FILENO, &c, 1) != 1) {
				keys = false;	/* the terminal went away */
				continue;
			}
			switch (c) {
			case 'q': case 'Q': case 4:	/* ^D */
				top_stop = 1;
				break;
			case 'h': case 'm':
				view.sort = RESTRACK_SORT_HEAP;
				redraw = true;
				break;
			case 'f':
				view.sort = RESTRACK_SORT_FILES;
				redraw = true;
				break;
			case 'n': case 'p':
				view.sort = RESTRACK_SORT_NAME;
				redraw = true;
				break;
			case ' ':
				start.tv_sec -= (time_t)delay + 1;	/* now */
				break;
			}
			/* the same snapshot and events, in the new order */
			if (redraw) {
				restrack_snapshot_sort(&snap, view.sort);
				top_draw(stdout, &snap, have_prev ? &prev : NULL,
					 &view, delay, tty,
					 ws.ws_row ? ws.ws_row : 24,
					 tty && ws.ws_col ? ws.ws_col : 1023);
			}
		}
		/* the events of the next screen are those since this one */
		restrack_snapshot_free(&prev);
		prev = snap;
		memset(&snap, 0, sizeof(snap));
		have_prev = true;
	}
	ret = 0;
out:
	if (top_raw) {
		fputs("\033[?25h\n", stdout);
		fflush(stdout);
	}
	top_restore();
	restrack_snapshot_free(&snap);
	restrack_snapshot_free(&prev);
	view_free(&view);
	return ret;
}
