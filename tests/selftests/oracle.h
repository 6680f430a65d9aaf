/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The independent oracles (oracle.c): VmData in /proc/PID/status and the
 * entries of /proc/PID/fd, and the checks of restrack.*.current against
 * them.
 */
#ifndef RESTRACK_ORACLE_H
#define RESTRACK_ORACLE_H

#include <limits.h>
#include <sys/types.h>

/* "don't check this delta" for rt_track() */
#define ANY		LONG_MIN

long vmdata_bytes(pid_t pid);
long fd_count(pid_t pid);
long proc_count(pid_t pid, const char *dir);
struct rt_usage {
	long heap;
	long files;
};

int rt_current(const char *cg, struct rt_usage *u);
void rt_oracle_add(struct rt_usage *u, pid_t pid);
int rt_oracle(const char *cg, struct rt_usage *u);
int rt_check(const char *cg, const char *label);
int rt_check_expect(const char *cg, const char *label, long heap, long files);
int rt_wait_zero(const char *cg, int timeout_ms);

/*
 * Follows one cgroup through a test: every rt_track() checks the currents
 * against the oracle and the change since the previous step against the
 * expected deltas (bytes, descriptors; ANY to skip).
 */
struct rt_track {
	const char *cg;
	struct rt_usage start;
	struct rt_usage last;
};

int rt_track_start(struct rt_track *t, const char *cg);
int rt_track(struct rt_track *t, const char *label, long dheap, long dfiles);

#endif /* RESTRACK_ORACLE_H */
