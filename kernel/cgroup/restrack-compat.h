/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What restrack needs that differs between kernel lines: this is for 6.3
 * and later.  A line that differs has its own copy in
 * patches/<line>/files/, which replaces this one in its patch.
 */
#ifndef __RESTRACK_COMPAT_H
#define __RESTRACK_COMPAT_H

/* The id mapping of restrack's own cgroup2 mount, for vfs_mkdir(). */
#define RESTRACK_IDMAP	(&nop_mnt_idmap)

#endif /* __RESTRACK_COMPAT_H */
