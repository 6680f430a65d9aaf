/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What restrack needs that differs between kernel lines: this is for 6.3
 * to 6.14.  A line that differs has its own copy in
 * patches/<line>/files/, which replaces this one in its patch.
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
	return lookup_one_len_unlocked(name, dir, strlen(name));
}

/* mkdir @name in @dir: 0, -EEXIST or an error. */
static inline int restrack_vfs_mkdir(struct dentry *dir, const char *name)
{
	struct inode *inode = d_inode(dir);
	struct dentry *d;
	int err;

	inode_lock_nested(inode, I_MUTEX_PARENT);
	d = lookup_one_len(name, dir, strlen(name));
	if (IS_ERR(d)) {
		err = PTR_ERR(d);
	} else {
		err = d_is_negative(d) ?
		      vfs_mkdir(RESTRACK_IDMAP, inode, d, 0755) : -EEXIST;
		dput(d);
	}
	inode_unlock(inode);
	return err;
}

/* rmdir @name in @dir: 0, -ENOENT or an error. */
static inline int restrack_vfs_rmdir(struct dentry *dir, const char *name)
{
	struct inode *inode = d_inode(dir);
	struct dentry *d;
	int err;

	inode_lock_nested(inode, I_MUTEX_PARENT);
	d = lookup_one_len(name, dir, strlen(name));
	if (IS_ERR(d)) {
		err = PTR_ERR(d);
	} else {
		err = d_is_positive(d) ?
		      vfs_rmdir(RESTRACK_IDMAP, inode, d) : -ENOENT;
		dput(d);
	}
	inode_unlock(inode);
	return err;
}

/* A zeroed object of the type @p points to. */
#define restrack_zalloc(p)	kzalloc(sizeof(*(p)), GFP_KERNEL)

/* Keep every thread group's membership still: no fork, exec or exit. */
static inline void restrack_attach_lock(void)
{
	cgroup_attach_lock(true);
}

static inline void restrack_attach_unlock(void)
{
	cgroup_attach_unlock(true);
}

#endif /* __RESTRACK_COMPAT_H */
