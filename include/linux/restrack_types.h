/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_RESTRACK_TYPES_H
#define _LINUX_RESTRACK_TYPES_H

#include <linux/spinlock_types.h>

struct restrack_cgroup;
struct task_struct;

/**
 * struct restrack_charge - what one mm or one fd table has charged
 * @lock: orders the moves and owner changes of an mm's charge, which
 *	hold the mmap_lock for writing too while tasks may use the mm; the
 *	heap hooks hold the mmap_lock only (see kernel/cgroup/restrack.c).
 *	An fd table's fields are protected by its file_lock instead.
 * @rc: the cgroup charged, holding a css reference; NULL while untracked
 *	(the task lives in the root cgroup, or the controller was off)
 * @charged: units charged to @rc: heap pages or descriptors
 * @reserved: heap pages charged ahead of data_vm by the operation in
 *	progress; always 0 for fd tables
 * @reserving: an operation holds @reserved (see restrack_heap_try_charge())
 * @owner: the user of the mm or table whose cgroup is charged; when it
 *	stops using it, another user takes over (restrack_*_leave()).  NULL
 *	while untracked, or when only borrowers (get_task_mm()) are left.
 *
 * Embedded in struct mm_struct and struct files_struct, so that an mm or a
 * table shared by several tasks is charged exactly once, and so that its
 * uncharge always lands on the cgroup it was charged to.
 */
struct restrack_charge {
	spinlock_t lock;	/* see above */
	struct restrack_cgroup *rc;
	unsigned long charged;
	unsigned long reserved;
	bool reserving;
	struct task_struct *owner;
};

#endif /* _LINUX_RESTRACK_TYPES_H */
