/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What restrack needs that differs between kernel lines: this is for 6.4
 * to 6.14.  The repository's patches/<line>/files/ holds an edit of
 * this header for a line that differs a little (6.1), or a copy of its
 * own for one that differs more (7.3).
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

/*
 * mkdir (@mkdir) or rmdir @name in @dir, under the directory's lock: 0,
 * -EEXIST for a mkdir of an entry that exists, -ENOENT for an rmdir of one
 * that does not, or the error of the lookup or the operation.
 */
static inline int restrack_vfs_dirop(struct dentry *dir, const char *name,
				     bool mkdir)
{
	struct inode *inode = d_inode(dir);
	struct dentry *d;
	int err;

	inode_lock_nested(inode, I_MUTEX_PARENT);
	d = lookup_one_len(name, dir, strlen(name));
	if (IS_ERR(d)) {
		inode_unlock(inode);
		return PTR_ERR(d);
	}
	if (mkdir)
		err = d_is_negative(d) ?
		      vfs_mkdir(RESTRACK_IDMAP, inode, d, 0755) : -EEXIST;
	else
		err = d_is_positive(d) ?
		      vfs_rmdir(RESTRACK_IDMAP, inode, d) : -ENOENT;
	dput(d);
	inode_unlock(inode);
	return err;
}

#define restrack_vfs_mkdir(dir, name)	restrack_vfs_dirop(dir, name, true)
#define restrack_vfs_rmdir(dir, name)	restrack_vfs_dirop(dir, name, false)

/* Shadow stacks came in 6.6: no flag before, no stack that is writable. */
#ifndef VM_SHADOW_STACK
#define VM_SHADOW_STACK	VM_NONE
#endif

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
