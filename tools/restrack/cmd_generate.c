// SPDX-License-Identifier: GPL-2.0
/*
 * restrack generate (restrack-generator): the systemd generator, whose
 * work is restrack_generate() in generate.c.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifndef RESTRACK_SBINDIR
#define RESTRACK_SBINDIR "/usr/local/sbin"
#endif

#ifndef RESTRACK_GENERATORDIR
#define RESTRACK_GENERATORDIR "/usr/local/lib/systemd/system-generators"
#endif
#define RESTRACK_GENERATOR_LINK	RESTRACK_GENERATORDIR "/restrack-generator"

const char usage_generate[] =
"Usage: restrack generate NORMAL-DIR [EARLY-DIR LATE-DIR]\n"
"       restrack-generator NORMAL-DIR [EARLY-DIR LATE-DIR]\n"
"\n"
"The systemd generator (systemd.generator(7)), run by systemd at boot and\n"
"at every daemon-reload as " RESTRACK_GENERATOR_LINK ",\n"
"a link to this program.  It reads the [X-Restrack] sections of the\n"
"services, slices and their drop-ins in the unit search path, and writes\n"
"NORMAL-DIR/UNIT.d/" RESTRACK_GEN_DROPIN " for each service that declares\n"
"limits, sits in a slice that does, or was limited before (so that its\n"
"limits are lifted): it runs\n"
"  ExecStartPre=+" RESTRACK_SBINDIR "/restrack apply %n\n"
"before the service's own ExecStartPre= lines, or as its first\n"
"ExecCondition= when it has some.  Each slice that declares limits gets\n"
"NORMAL-DIR/SLICE.d/" RESTRACK_GEN_DROPIN ", with Requires= and After= on\n"
"restrack-slice@SLICE.service, which runs\n"
"  restrack apply --create SLICE\n"
"before systemd starts the slice: the limits are on its cgroup before any\n"
"unit of the slice (scopes and login sessions too) runs.  Other units get\n"
"nothing.\n"
"\n"
"$RESTRACK_UNIT_PATH (directories separated by colons, highest priority\n"
"first) replaces the search path of the system manager.\n";

/* generate */

static const char *const default_unit_path[] = {
	"/etc/systemd/system.control", "/run/systemd/system.control",
	"/run/systemd/transient", "/run/systemd/generator.early",
	"/etc/systemd/system", "/etc/systemd/system.attached",
	"/run/systemd/system", "/run/systemd/system.attached",
	"/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
	"/run/systemd/generator.late", "/lib/systemd/system",
};

int cmd_generate(int argc, char **argv)
{
	const char *path[64], *env = getenv("RESTRACK_UNIT_PATH");
	const char *state = getenv("RESTRACK_STATE_DIR");
	char *copy = NULL, *tok, *save;
	size_t nr = 0, written;
	int err;

	if (argc > 1 && is_help(argv[1])) {
		fputs(usage_generate, stdout);
		return 0;
	}
	if (argc < 2 || argc > 4)
		return usage_error(argc < 2 ? "no output directory" :
				   "too many arguments");
	if (env && *env) {
		copy = strdup(env);
		for (tok = strtok_r(copy, ":", &save); tok && nr < ARRAY_SIZE(path);
		     tok = strtok_r(NULL, ":", &save))
			path[nr++] = tok;
	} else {
		for (nr = 0; nr < ARRAY_SIZE(default_unit_path); nr++)
			path[nr] = default_unit_path[nr];
	}
	if (!state || !*state)
		state = "/run/restrack/applied";
	err = restrack_generate(path, nr, argv[1], RESTRACK_SBINDIR, state,
				stderr, &written);
	free(copy);
	if (err) {
		say("%s: %s", argv[1], restrack_strerror(err));
		return EXIT_FAILURE;
	}
	return 0;
}
