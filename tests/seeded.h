/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line of the seeded, timed programs (tests/fuzz/restrack_fuzz,
 * tests/selftests/test_restrack_stress): -s SEED, -d SECONDS, -r ROUNDS
 * and, where the program has workers, -w WORKERS.  Without -s the seed
 * comes from the time and the pid; the program prints it, so that a run
 * can be repeated.  Each program checks the ranges of its own values.
 */
#ifndef RESTRACK_SEEDED_H
#define RESTRACK_SEEDED_H

#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/*
 * Parses the options into the given variables (@workers: NULL when the
 * program has no -w); a variable not named keeps its value.  0 to go on,
 * 1 for -h, 2 for a usage error.
 */
static inline int seeded_getopt(int argc, char **argv, unsigned long *seed,
				int *duration_s, int *rounds, int *workers)
{
	bool have_seed = false;
	int opt;

	while ((opt = getopt(argc, argv, workers ? "s:d:r:w:h" : "s:d:r:h")) != -1) {
		switch (opt) {
		case 's':
			*seed = strtoul(optarg, NULL, 0);
			have_seed = true;
			break;
		case 'd':
			*duration_s = atoi(optarg);
			break;
		case 'r':
			*rounds = atoi(optarg);
			break;
		case 'w':
			*workers = atoi(optarg);
			break;
		default:
			return opt == 'h' ? 1 : 2;
		}
	}
	if (optind != argc)
		return 2;
	if (!have_seed)
		*seed = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16);
	return 0;
}

#endif /* RESTRACK_SEEDED_H */
