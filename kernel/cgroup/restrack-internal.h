/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What restrack.c shares with restrack_syscalls.c, the system call and
 * /proc/tracker_status shims.
 */
#ifndef __RESTRACK_INTERNAL_H
#define __RESTRACK_INTERNAL_H

#include <linux/cgroup.h>

#define RESTRACK_MAX		LONG_MAX
#define RESTRACK_MAX_STR	"max"

enum restrack_res {
	RESTRACK_HEAP,
	RESTRACK_FILES,
	RESTRACK_NR_RES,
};

enum restrack_event {
	RESTRACK_EV_HEAP_MAX,
	RESTRACK_EV_FILES_MAX,
	RESTRACK_EV_KILL,
	RESTRACK_NR_EVENTS,
};

enum restrack_policy {
	RESTRACK_POLICY_DENY,
	RESTRACK_POLICY_KILL,
};

/*
 * Usage and limit of one resource, in pages (heap) or descriptors.
 * @ceiling is at most min(@max, @peak): a charge that leaves usage at or
 * below it fits and sets no new high, which the charge fast path tests
 * with one compare a level.  @max and @ceiling are written under the lock
 * of their cgroup, so that @ceiling never passes a lowered @max; @peak
 * only rises (cmpxchg), so @ceiling stays at or below it.  All are read
 * without the lock.
 */
struct restrack_counter {
	atomic_long_t usage;
	long max;
	long peak;
	long ceiling;
};

struct restrack_cgroup {
	struct cgroup_subsys_state css;
	struct restrack_cgroup *up;	/* the parent, NULL if that is the root */
	struct restrack_counter res[RESTRACK_NR_RES];
	spinlock_t lock;	/* writes of max and ceiling */
	int policy;
	bool registered;	/* a cgroup of the system calls (their flag) */

	atomic64_t events[RESTRACK_NR_EVENTS];		/* this and below */
	atomic64_t events_local[RESTRACK_NR_EVENTS];	/* this cgroup only */
	struct cgroup_file events_file;
	struct cgroup_file events_local_file;
};

static inline struct restrack_cgroup *css_rc(struct cgroup_subsys_state *css)
{
	return css ? container_of(css, struct restrack_cgroup, css) : NULL;
}

/*
 * What the files and the events know of a resource, one row of
 * restrack_res_desc[] each, as misc.c has misc_res_name[]: the name of its
 * restrack.NAME.* files, the shift from its units to what they show
 * (pages to bytes for the heap), how a max written there is parsed, the
 * event its max counts, and the highest max other than RESTRACK_MAX.  A
 * resource is a row, three cftypes and the hooks that charge it.
 */
struct restrack_res_desc {
	const char *name;
	unsigned int shift;
	int (*parse)(char *buf, enum restrack_res res, long *max);
	enum restrack_event event;
	long max_limit;
};

extern const struct restrack_res_desc restrack_res_desc[RESTRACK_NR_RES];

/* The highest max, other than RESTRACK_MAX, that restrack.*.max shows. */
static inline long restrack_max_limit(enum restrack_res res)
{
	return restrack_res_desc[res].max_limit;
}

void restrack_set_max(struct restrack_cgroup *rc, enum restrack_res res,
		      long max);
void restrack_enforce(struct restrack_cgroup *rc);
void restrack_set_exit_notifier(void (*notify)(struct task_struct *task));

#endif /* __RESTRACK_INTERNAL_H */
