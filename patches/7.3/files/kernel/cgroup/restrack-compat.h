/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What restrack needs that differs between kernel lines: 7.3.y's copy,
 * where directory operations start with start_creating() or
 * start_removing() and end with end_creating() or end_removing(), and
 * cgroup_attach_lock() takes a lock mode.
 *
 * Directory operations on restrack's own cgroup2 mount, with kernel
 * credentials and no permission checks beyond the filesystem's.
 */
#ifndef __RESTRACK_COMPAT_H
#define __RESTRACK_COMPAT_H

#include <linux/namei.h>
#include <linux/slab.h>

#include "cgroup-internal.h"

/* The id mapping of restrack's own cgroup2 mount. */
#define RESTRACK_IDMAP	(&nop_mnt_idmap)

/* Look @name up in @dir, taking the directory's lock if it must. */
static inline struct dentry *restrack_lookup_unlocked(struct dentry *dir,
						      const char *name)
{
	return lookup_noperm_unlocked(&QSTR(name), dir);
}

/* mkdir @name in @dir: 0, -EEXIST or an error. */
static inline int restrack_vfs_mkdir(struct dentry *dir, const char *name)
{
	struct dentry *d;

	d = start_creating_noperm(dir, &QSTR(name));
	if (IS_ERR(d))
		return PTR_ERR(d);
	if (d_is_positive(d)) {
		end_creating(d);
		return -EEXIST;
	}
	/* On failure vfs_mkdir() ends the operation itself. */
	d = vfs_mkdir(&nop_mnt_idmap, d_inode(dir), d, 0755, NULL);
	if (IS_ERR(d))
		return PTR_ERR(d);
	end_creating(d);
	return 0;
}

/* rmdir @name in @dir: 0, -ENOENT or an error. */
static inline int restrack_vfs_rmdir(struct dentry *dir, const char *name)
{
	struct dentry *d;
	int err;

	d = start_removing_noperm(dir, &QSTR(name));
	if (IS_ERR(d))
		return PTR_ERR(d);
	err = vfs_rmdir(&nop_mnt_idmap, d_inode(dir), d, NULL);
	end_removing(d);
	return err;
}

/* A zeroed object of the type @p points to. */
#define restrack_zalloc(p)	kzalloc_obj(*(p))

/* Keep every thread group's membership still: no fork, exec or exit. */
static inline void restrack_attach_lock(void)
{
	cgroup_attach_lock(CGRP_ATTACH_LOCK_GLOBAL, NULL);
}

static inline void restrack_attach_unlock(void)
{
	cgroup_attach_unlock(CGRP_ATTACH_LOCK_GLOBAL, NULL);
}

#endif /* __RESTRACK_COMPAT_H */
