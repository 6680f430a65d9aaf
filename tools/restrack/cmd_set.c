// SPDX-License-Identifier: GPL-2.0
/*
 * restrack set: a unit's limits in a system.control drop-in, as
 * systemctl set-property writes its own, then applied at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

const char usage_set[] =
"Usage: restrack set UNIT|SLICE [--heap SIZE] [--files N] [--policy deny|kill]\n"
"                    [--subtree-control yes|no] [--runtime]\n"
"\n"
"Change the restrack limits of a unit or slice as systemctl set-property\n"
"changes its other ones: write them, as an [X-Restrack] drop-in,\n"
"  /etc/systemd/system.control/UNIT.d/" RESTRACK_SET_DROPIN "\n"
"(keeping the keys it had and not given here), run systemctl daemon-reload\n"
"so that the generator reads it, and set them on the running unit's cgroup\n"
"at once (restrack apply UNIT).  A restart and a reboot keep them.  An\n"
"inactive unit gets them at its next start.  \"max\" lifts a limit.  A\n"
"drop-in of the unit whose name sorts after " RESTRACK_SET_DROPIN " overrides\n"
"it: set says so and exits 1.\n"
"\n"
"Options:\n"
"  --heap SIZE            HeapMax=, e.g. 200M, 1.5G, max\n"
"  --files N              FilesMax=, a count or max\n"
"  --policy deny|kill     Policy=\n"
"  --subtree-control yes|no\n"
"                         SubtreeControl=, of a slice: restrack enabled in\n"
"                         the slice's own cgroup.subtree_control, so that\n"
"                         the scopes a container runtime starts in it can\n"
"                         be given limits (podman --cgroup-conf)\n"
"  --runtime              /run/systemd/system.control instead: gone at the\n"
"                         next boot (remove the file and daemon-reload to\n"
"                         drop it earlier; the running cgroup keeps its\n"
"                         limits until the unit restarts)\n"
"  -h, --help             this text\n"
"\n"
"$RESTRACK_SYSTEMCTL names another systemctl; $RESTRACK_CONTROL_DIR and\n"
"$RESTRACK_RUNTIME_CONTROL_DIR other directories (for tests).\n";

/* set */

/* The [X-Restrack] keys set writes, in this order */
enum { KEY_HEAP, KEY_FILES, KEY_POLICY, KEY_SUBTREE, NR_KEYS };
static const char *const set_keys[NR_KEYS] = {
	"HeapMax", "FilesMax", "Policy", "SubtreeControl",
};

/* The values of set_keys in FILE, written by an earlier set; "" if none. */
static void set_read(const char *file, char val[NR_KEYS][64])
{
	char line[512], *eq;
	bool in = false;
	FILE *f = fopen(file, "re");
	size_t i;

	for (i = 0; i < NR_KEYS; i++)
		val[i][0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '[') {
			in = !strcmp(line, "[" RESTRACK_UNIT_SECTION "]");
			continue;
		}
		eq = strchr(line, '=');
		if (!in || !eq)
			continue;
		*eq = '\0';
		for (i = 0; i < NR_KEYS; i++)
			if (!strcmp(line, set_keys[i]))
				snprintf(val[i], sizeof(val[i]), "%s", eq + 1);
	}
	fclose(f);
}

/* DIR/UNIT.d/RESTRACK_SET_DROPIN with VAL, replaced atomically */
static int set_write(const char *dir, const char *unit, char val[NR_KEYS][64],
		     char *path, size_t len)
{
	char d[PATH_MAX], tmp[PATH_MAX + 16];
	size_t i;
	FILE *f;
	int err;

	if ((size_t)snprintf(d, sizeof(d), "%s/%s.d", dir, unit) >= sizeof(d) - 32 ||
	    (size_t)snprintf(path, len, "%s/%s.d/" RESTRACK_SET_DROPIN, dir, unit) >= len)
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, getpid());
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	if (mkdir(d, 0755) && errno != EEXIST)
		return -errno;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "# Written by restrack set (restrack(8)); edit with it or by hand.\n"
		"[" RESTRACK_UNIT_SECTION "]\n");
	for (i = 0; i < NR_KEYS; i++)
		if (val[i][0])
			fprintf(f, "%s=%s\n", set_keys[i], val[i]);
	if (fflush(f) || ferror(f) || fsync(fileno(f)) || fclose(f) ||
	    rename(tmp, path)) {
		err = errno ? -errno : -EIO;
		unlink(tmp);
		return err;
	}
	return 0;
}

enum { OPT_HEAP = 256, OPT_FILES, OPT_POLICY, OPT_SUBTREE, OPT_RUNTIME };

static const struct option set_options[] = {
	{ "heap", required_argument, NULL, OPT_HEAP },
	{ "files", required_argument, NULL, OPT_FILES },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "subtree-control", required_argument, NULL, OPT_SUBTREE },
	{ "runtime", no_argument, NULL, OPT_RUNTIME },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_set(int argc, char **argv)
{
	const char *unit, *dir, *env, *systemctl;
	char name[256], val[NR_KEYS][64], given[NR_KEYS][64], path[PATH_MAX];
	char why[PATH_MAX + 256], *names[1], *reload[3], keys[NR_KEYS * 96];
	struct restrack_unit_info *info = NULL;
	struct restrack_decl decl;
	bool runtime = false, any = false, yes;
	uint64_t n;
	int c, i, r, status, ret = EXIT_FAILURE;
	size_t nr;

	for (i = 0; i < NR_KEYS; i++)
		given[i][0] = '\0';
	opt_start();
	while ((c = getopt_long(argc, argv, ":h", set_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage_set, stdout);
			return 0;
		case OPT_RUNTIME:
			runtime = true;
			break;
		case OPT_HEAP:
			r = restrack_parse_size(optarg, &n);
			if (r)
				return bad_size("heap size", optarg, r);
			snprintf(given[0], sizeof(given[0]), "%s", optarg);
			break;
		case OPT_FILES:
			r = restrack_parse_count(optarg, &n);
			if (r)
				return bad_count("file count", optarg, r);
			snprintf(given[1], sizeof(given[1]), "%s", optarg);
			break;
		case OPT_POLICY:
			if (strcmp(optarg, "deny") && strcmp(optarg, "kill"))
				return usage_error("option '--policy' needs deny or kill");
			snprintf(given[2], sizeof(given[2]), "%s", optarg);
			break;
		case OPT_SUBTREE:
			if (restrack_parse_bool(optarg, &yes))
				return usage_error("option '--subtree-control' needs yes or no");
			snprintf(given[KEY_SUBTREE], sizeof(given[0]), "%s",
				 yes ? "yes" : "no");
			break;
		case ':':
			return usage_error("option '--%s' needs %s",
					   set_options[optopt - OPT_HEAP].name,
					   optopt == OPT_HEAP ? "a size" :
					   optopt == OPT_FILES ? "a count" :
					   optopt == OPT_POLICY ? "deny or kill" :
					   "yes or no");
		default:
			return opt_unknown(argv, set_options);
		}
	}
	unit = unit_arg(argc, argv);
	if (!unit)
		return EXIT_USAGE;
	if (strchr(unit, '/') || unit[0] == '.' || strlen(unit) > 240)
		return usage_error("bad unit name '%s'", unit);
	for (i = 0; i < NR_KEYS; i++)
		any |= given[i][0] != '\0';
	if (!any)
		return usage_error("nothing to set: give --heap, --files, --policy or --subtree-control");
	/* "web" is web.service, as systemctl has it */
	snprintf(name, sizeof(name), "%s%s", unit,
		 strrchr(unit, '.') ? "" : ".service");

	env = getenv(runtime ? "RESTRACK_RUNTIME_CONTROL_DIR" : "RESTRACK_CONTROL_DIR");
	dir = env && *env ? env : runtime ? "/run/systemd/system.control" :
		"/etc/systemd/system.control";
	snprintf(path, sizeof(path), "%s/%s.d/" RESTRACK_SET_DROPIN, dir, name);
	set_read(path, val);
	for (i = 0; i < NR_KEYS; i++)
		if (given[i][0])
			memcpy(val[i], given[i], sizeof(val[i]));
	r = set_write(dir, name, val, path, sizeof(path));
	if (r) {
		say("cannot write %s: %s", path, restrack_strerror(r));
		return EXIT_FAILURE;
	}
	keys[0] = '\0';
	for (i = 0; i < NR_KEYS; i++)
		if (val[i][0])
			snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys),
				 "%s%s=%s", keys[0] ? " " : "", set_keys[i],
				 val[i]);
	say("%s: %s in %s", name, keys, path);

	/* the generator reads it at daemon-reload, as set-property's own */
	systemctl = getenv("RESTRACK_SYSTEMCTL");
	reload[0] = (char *)(systemctl && *systemctl ? systemctl : "systemctl");
	reload[1] = "daemon-reload";
	reload[2] = NULL;
	free(run_capture(reload, &status));
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		say("%s daemon-reload failed: the limits apply after the next one",
		    reload[0]);
		return EXIT_FAILURE;
	}

	info = calloc(APPLY_MAX_UNITS, sizeof(*info));
	if (!info) {
		say("out of memory");
		return EXIT_FAILURE;
	}
	names[0] = name;
	if (systemctl_show(names, 1, info, &nr))
		goto out;
	/* /etc's system.control hides /run's file of the same name */
	if (!strstr(info->dropins, path)) {
		say("systemd does not read %s: a drop-in of the same name in a directory of higher priority hides it (%s)",
		    path, info->dropins);
		goto out;
	}
	/* a drop-in sorting after ours wins: say so rather than seem to work */
	if (restrack_decl_of_unit(info, &decl, why, sizeof(why))) {
		say("%s: %s", name, why);
		goto out;
	}
	{
		uint64_t want[2];

		restrack_parse_size(val[0][0] ? val[0] : "max", &want[0]);
		restrack_parse_count(val[1][0] ? val[1] : "max", &want[1]);
		if ((given[0][0] && decl.heap != want[0]) ||
		    (given[1][0] && decl.files != want[1]) ||
		    (given[2][0] && strcmp(decl.policy, val[2])) ||
		    (given[KEY_SUBTREE][0] &&
		     decl.subtree != !strcmp(val[KEY_SUBTREE], "yes"))) {
			const char *later = strstr(info->dropins, RESTRACK_SET_DROPIN);

			later = later ? later + strlen(RESTRACK_SET_DROPIN) : "";
			while (*later == ' ')
				later++;
			say("%s: a file read after %s overrides it (%s): change that one",
			    name, path, *later ? later : info->fragment);
			goto out;
		}
	}
	if (strcmp(info->load_state, "loaded") || !info->cgroup[0] ||
	    !strcmp(info->cgroup, "/")) {
		say("%s is not running: its limits apply when it starts", name);
		ret = 0;
		goto out;
	}
	{
		char *args[] = { "apply", name, NULL };

		ret = apply_staying(2, args);
	}
out:
	free(info);
	return ret;
}
