/* SPDX-License-Identifier: GPL-2.0 */
/* What restrack needs that differs between kernel lines: 6.1.y's copy. */
#ifndef __RESTRACK_COMPAT_H
#define __RESTRACK_COMPAT_H

/* The id mapping of restrack's own cgroup2 mount, for vfs_mkdir(). */
#define RESTRACK_IDMAP	(&init_user_ns)

#endif /* __RESTRACK_COMPAT_H */
