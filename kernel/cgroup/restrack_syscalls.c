// SPDX-License-Identifier: GPL-2.0-only
/*
 * restrack system calls and /proc/tracker_status.
 *
 * The interface of the course project restrack grew from, kept as shims over
 * the controller.  register(pid) moves the whole process into a cgroup of its
 * own, restrack/<pid> below the root of the default hierarchy (creating
 * "restrack" and enabling the controller on the way) and remembers where it
 * came from; resource_cap() and resource_reset() write that cgroup's limits
 * and policy, fetch() reads its usage, and deregister() moves the process,
 * and any child it left there, back and removes the cgroup.  When the
 * process exits, the same happens by itself.  Errors follow the course
 * contract (Documentation/userspace-api/restrack.rst).
 *
 * A registration is of the process' struct pid, not of its number: once the
 * process is reaped its number may be reused before the reaper has run, and
 * the new process is not registered.  Registering it dissolves the stale
 * registration first.
 *
 * cgroupfs is driven through a kernel-internal mount of the default
 * hierarchy with kernel credentials, as an administrator would; moves use
 * cgroup_attach_task() like a write to cgroup.procs.
 *
 * Locking: restrack_reg_mutex serialises the system calls, the reaper and
 * /proc/tracker_status, and protects restrack_regs and every registration.
 * It nests outside the cgroupfs inode locks and cgroup_mutex.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kernfs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/linux/restrack.h>

#include "cgroup-internal.h"
#include "restrack-compat.h"
#include "restrack-internal.h"

#define RESTRACK_DIR	"restrack"

struct restrack_reg {
	struct pid *pid;	/* the registered process (thread group) */
	struct cgroup *cgrp;	/* restrack/<pid>, referenced */
	struct cgroup *origin;	/* where the process came from, referenced */
	struct restrack_cgroup *rc;	/* the controller's state of @cgrp */
	bool capped;		/* resource_cap() since the last reset */
};

static DEFINE_MUTEX(restrack_reg_mutex);
static DEFINE_XARRAY(restrack_regs);	/* global pid number -> registration */
static struct vfsmount *restrack_mnt;	/* the default hierarchy */
static const struct cred *restrack_cred;	/* kernel credentials */

static void restrack_reap(struct work_struct *work);
static DECLARE_WORK(restrack_reap_work, restrack_reap);

/* The live process @nr names in current's pid namespace, referenced. */
static struct task_struct *restrack_find_process(pid_t nr, struct pid **pidp)
{
	struct task_struct *task = NULL;
	struct pid *pid;

	rcu_read_lock();
	pid = find_vpid(nr);
	if (pid)
		task = pid_task(pid, PIDTYPE_TGID);
	if (task && atomic_read(&task->signal->live) &&
	    !(task->flags & PF_KTHREAD)) {
		get_task_struct(task);
		*pidp = get_pid(pid);
	} else {
		task = NULL;
	}
	rcu_read_unlock();
	return task;
}

static struct restrack_reg *restrack_reg_find(struct pid *pid)
{
	struct restrack_reg *reg;

	lockdep_assert_held(&restrack_reg_mutex);
	reg = xa_load(&restrack_regs, pid_nr(pid));
	return reg && reg->pid == pid ? reg : NULL;
}

/*
 * cgroupfs helpers, all on restrack_mnt with kernel credentials.  @dir is a
 * directory dentry of restrack_mnt.
 */
static struct dentry *restrack_lookup(struct dentry *dir, const char *name)
{
	struct dentry *d;

	inode_lock_shared(d_inode(dir));
	d = lookup_one_len_unlocked(name, dir, strlen(name));
	inode_unlock_shared(d_inode(dir));
	if (!IS_ERR(d) && d_is_negative(d)) {
		dput(d);
		d = ERR_PTR(-ENOENT);
	}
	return d;
}

/* mkdir @name in @dir if it is not there; return its dentry. */
static struct dentry *restrack_mkdir(struct dentry *dir, const char *name)
{
	struct inode *inode = d_inode(dir);
	struct dentry *d;
	int err = 0;

	inode_lock_nested(inode, I_MUTEX_PARENT);
	d = lookup_one_len(name, dir, strlen(name));
	if (!IS_ERR(d)) {
		if (d_is_negative(d))
			err = vfs_mkdir(RESTRACK_IDMAP, inode, d, 0755);
		dput(d);
	}
	inode_unlock(inode);
	if (IS_ERR(d))
		return d;
	if (err && err != -EEXIST)
		return ERR_PTR(err);
	/* kernfs leaves the dentry of a new directory negative: look again */
	return restrack_lookup(dir, name);
}

static int restrack_rmdir(struct dentry *dir, const char *name)
{
	struct inode *inode = d_inode(dir);
	struct dentry *d;
	int err = -ENOENT;

	inode_lock_nested(inode, I_MUTEX_PARENT);
	d = lookup_one_len(name, dir, strlen(name));
	if (IS_ERR(d)) {
		err = PTR_ERR(d);
	} else {
		if (d_is_positive(d))
			err = vfs_rmdir(RESTRACK_IDMAP, inode, d);
		dput(d);
	}
	inode_unlock(inode);
	return err;
}

static int restrack_write_file(struct dentry *dir, const char *name,
			       const char *val)
{
	struct path root = { .mnt = restrack_mnt, .dentry = dir };
	struct file *file;
	loff_t pos = 0;
	ssize_t ret;

	file = file_open_root(&root, name, O_WRONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = kernel_write(file, val, strlen(val), &pos);
	fput(file);
	return ret < 0 ? ret : 0;
}

static struct cgroup *restrack_cgroup_of_dir(struct dentry *d)
{
	struct cgroup_subsys_state *css = css_tryget_online_from_dir(d, NULL);

	return IS_ERR(css) ? ERR_CAST(css) : css->cgroup;
}

/* Enable the controller for the children of the cgroup @dir, if it is not. */
static int restrack_enable_children(struct dentry *dir)
{
	struct cgroup *cgrp = restrack_cgroup_of_dir(dir);
	bool enabled;

	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);
	enabled = READ_ONCE(cgrp->subtree_control) & BIT(restrack_cgrp_id);
	cgroup_put(cgrp);
	return enabled ? 0 :
	       restrack_write_file(dir, "cgroup.subtree_control", "+restrack");
}

/* restrack/, with the controller enabled for it and its children. */
static struct dentry *restrack_top_dir(void)
{
	struct dentry *root = restrack_mnt->mnt_root;
	struct dentry *top;
	int err;

	err = restrack_enable_children(root);
	if (err)
		return ERR_PTR(err);
	top = restrack_mkdir(root, RESTRACK_DIR);
	if (IS_ERR(top))
		return top;
	err = restrack_enable_children(top);
	if (err) {
		dput(top);
		return ERR_PTR(err);
	}
	return top;
}

/*
 * Move the process of @pid into the empty cgroup @dst.  Return 0, -ESRCH if
 * it is gone or exiting (nothing moved then), or an error of the migration.
 */
static int restrack_move_process(struct pid *pid, struct cgroup *dst)
{
	struct task_struct *leader;
	int ret = -ESRCH;

	mutex_lock(&cgroup_mutex);
	cgroup_attach_lock(true);	/* no exec can change the leader now */

	rcu_read_lock();
	leader = pid_task(pid, PIDTYPE_TGID);
	if (leader && atomic_read(&leader->signal->live))
		get_task_struct(leader);
	else
		leader = NULL;
	rcu_read_unlock();

	if (leader) {
		ret = cgroup_is_dead(dst) ? -ENODEV :
		      cgroup_attach_task(dst, leader, true);
		/*
		 * The migration skips exiting tasks: if none moved into the
		 * fresh @dst, the process is on its way out.
		 */
		if (!ret && !cgroup_is_populated(dst))
			ret = -ESRCH;
		put_task_struct(leader);
	}

	cgroup_attach_unlock(true);
	mutex_unlock(&cgroup_mutex);
	return ret;
}

/* Move every process of @from to @to, or to an ancestor if it cannot. */
static void restrack_empty(struct cgroup *from, struct cgroup *to)
{
	struct css_task_iter it;
	struct task_struct *task;
	int pass;

	mutex_lock(&cgroup_mutex);
	cgroup_attach_lock(true);	/* and no fork adds one meanwhile */

	/*
	 * The nearest living ancestor that may host processes: the cgroup
	 * may have died or have enabled controllers for children meanwhile.
	 */
	while (cgroup_is_dead(to) || cgroup_migrate_vet_dst(to))
		to = cgroup_parent(to);

	/* A dying leader is listed while its threads live: bound the passes. */
	for (pass = 0; pass < 2 && cgroup_is_populated(from); pass++) {
		css_task_iter_start(&from->self, CSS_TASK_ITER_PROCS, &it);
		while ((task = css_task_iter_next(&it)))
			cgroup_attach_task(to, task, true);
		css_task_iter_end(&it);
	}

	cgroup_attach_unlock(true);
	mutex_unlock(&cgroup_mutex);
}

static void restrack_reg_free(struct restrack_reg *reg)
{
	put_pid(reg->pid);
	if (reg->rc)
		css_put(&reg->rc->css);
	if (reg->cgrp)
		cgroup_put(reg->cgrp);
	cgroup_put(reg->origin);
	kfree(reg);
}

/*
 * Dissolve @reg: everything in restrack/<pid> goes back where the process
 * came from, and the cgroup goes.  Return -EBUSY, with @reg kept, if the
 * cgroup cannot be removed yet.
 */
static int restrack_unregister(struct restrack_reg *reg)
{
	const struct cred *old_cred;
	struct dentry *top;
	char name[16];
	int err;

	lockdep_assert_held(&restrack_reg_mutex);

	restrack_empty(reg->cgrp, reg->origin);

	old_cred = override_creds(restrack_cred);
	top = restrack_lookup(restrack_mnt->mnt_root, RESTRACK_DIR);
	if (IS_ERR(top)) {
		err = PTR_ERR(top);
	} else {
		snprintf(name, sizeof(name), "%d", pid_nr(reg->pid));
		err = restrack_rmdir(top, name);
		dput(top);
	}
	revert_creds(old_cred);

	/*
	 * Gone already (an administrator's rmdir) is fine.  Else threads of
	 * an exiting process still hold it: the reaper tries again after
	 * their exit.
	 */
	if (err && err != -ENOENT)
		return -EBUSY;

	WRITE_ONCE(reg->rc->registered, false);
	xa_erase(&restrack_regs, pid_nr(reg->pid));
	restrack_reg_free(reg);
	return 0;
}

/* The process of @reg has exited, or is exiting with no live thread. */
static bool restrack_reg_gone(struct restrack_reg *reg)
{
	struct task_struct *task;
	bool gone;

	rcu_read_lock();
	task = pid_task(reg->pid, PIDTYPE_TGID);
	gone = !task || !atomic_read(&task->signal->live);
	rcu_read_unlock();
	return gone;
}

static void restrack_reap(struct work_struct *work)
{
	struct restrack_reg *reg;
	unsigned long idx;

	mutex_lock(&restrack_reg_mutex);
	xa_for_each(&restrack_regs, idx, reg)
		if (restrack_reg_gone(reg))
			restrack_unregister(reg);
	mutex_unlock(&restrack_reg_mutex);
}

/**
 * restrack_reg_exit - the last thread of @task's process is exiting
 * @task: the exiting task, already out of its cgroup's population
 *
 * If the process lived in a registered cgroup, reap registrations whose
 * process is gone.  The reaper runs again for each such exit, so the one
 * after the last thread leaves the cgroup finds it empty.
 */
void restrack_reg_exit(struct task_struct *task)
{
	struct restrack_cgroup *rc;
	bool registered;

	rcu_read_lock();
	rc = css_rc(task_css(task, restrack_cgrp_id));
	registered = READ_ONCE(rc->registered);
	rcu_read_unlock();

	if (registered)
		schedule_work(&restrack_reap_work);
}

static int restrack_register(pid_t nr)
{
	const struct cred *old_cred;
	struct restrack_reg *reg;
	struct task_struct *task;
	struct dentry *top, *dir;
	struct pid *pid;
	char name[16];
	int err;

	if (!restrack_mnt)
		return -ENODEV;
	task = restrack_find_process(nr, &pid);
	if (!task)
		return -ESRCH;

	mutex_lock(&restrack_reg_mutex);
	err = -ENFILE;
	if (restrack_reg_find(pid))
		goto out_unlock;
	/* The number's previous owner has gone; its reaper may not have run. */
	reg = xa_load(&restrack_regs, pid_nr(pid));
	err = -EBUSY;
	if (reg && restrack_unregister(reg))
		goto out_unlock;
	err = -ENOMEM;
	reg = kzalloc(sizeof(*reg), GFP_KERNEL);
	if (!reg)
		goto out_unlock;
	reg->pid = pid;
	pid = NULL;
	rcu_read_lock();
	reg->origin = task_dfl_cgroup(task);
	cgroup_get(reg->origin);
	rcu_read_unlock();

	old_cred = override_creds(restrack_cred);
	top = restrack_top_dir();
	if (IS_ERR(top)) {
		err = PTR_ERR(top);
		goto out_free;
	}
	snprintf(name, sizeof(name), "%d", pid_nr(reg->pid));
	dir = restrack_mkdir(top, name);
	if (IS_ERR(dir)) {
		err = PTR_ERR(dir);
		goto out_top;
	}
	reg->cgrp = restrack_cgroup_of_dir(dir);
	dput(dir);
	if (IS_ERR(reg->cgrp)) {
		err = PTR_ERR(reg->cgrp);
		reg->cgrp = NULL;
		goto out_rmdir;
	}
	/* Referenced: an administrator may disable the controller there. */
	reg->rc = css_rc(cgroup_get_e_css(reg->cgrp, &restrack_cgrp_subsys));
	err = -ENODEV;
	if (!reg->rc->css.parent)	/* the controller is off there */
		goto out_rmdir;

	err = xa_insert(&restrack_regs, pid_nr(reg->pid), reg, GFP_KERNEL);
	if (err)
		goto out_rmdir;
	WRITE_ONCE(reg->rc->registered, true);

	err = restrack_move_process(reg->pid, reg->cgrp);
	if (err) {
		WRITE_ONCE(reg->rc->registered, false);
		xa_erase(&restrack_regs, pid_nr(reg->pid));
		goto out_rmdir;
	}

	dput(top);
	revert_creds(old_cred);
	mutex_unlock(&restrack_reg_mutex);
	put_task_struct(task);
	return 0;

out_rmdir:
	restrack_rmdir(top, name);
out_top:
	dput(top);
out_free:
	revert_creds(old_cred);
	restrack_reg_free(reg);
out_unlock:
	mutex_unlock(&restrack_reg_mutex);
	put_pid(pid);
	put_task_struct(task);
	return err;
}

/*
 * Check the arguments and privilege of the calls that act on a registration,
 * in the contract's order, and look it up.  Return it with restrack_reg_mutex
 * held, or an error (mutex not held): -EINVAL for @nr < 1, -EPERM without
 * CAP_SYS_RESOURCE if @privileged, -ESRCH for no such process, @unregistered
 * if it is not registered.
 */
static struct restrack_reg *restrack_reg_get(pid_t nr, bool privileged,
					     int unregistered)
{
	struct restrack_reg *reg;
	struct task_struct *task;
	struct pid *pid;

	if (nr < 1)
		return ERR_PTR(-EINVAL);
	if (privileged && !capable(CAP_SYS_RESOURCE))
		return ERR_PTR(-EPERM);

	task = restrack_find_process(nr, &pid);
	if (!task)
		return ERR_PTR(-ESRCH);
	put_task_struct(task);

	mutex_lock(&restrack_reg_mutex);
	reg = restrack_reg_find(pid);
	put_pid(pid);	/* the registration holds its own */
	if (!reg) {
		mutex_unlock(&restrack_reg_mutex);
		return ERR_PTR(unregistered);
	}
	return reg;
}

static long restrack_quota_to_max(long quota, unsigned int shift)
{
	if (quota == RESTRACK_UNLIMITED)
		return RESTRACK_MAX;
	if (quota > (RESTRACK_MAX - 1) >> shift)
		return RESTRACK_MAX - 1;
	return quota << shift;
}

/**
 * sys_register - track a process in a cgroup of its own
 * @pid: the process, in the caller's pid namespace
 *
 * Return: 0; -EINVAL for @pid < 1, -EPERM without CAP_SYS_RESOURCE, -ESRCH
 * if there is no such process, -ENFILE if it is registered already.
 */
SYSCALL_DEFINE1(register, pid_t, pid)
{
	if (pid < 1)
		return -EINVAL;
	if (!capable(CAP_SYS_RESOURCE))
		return -EPERM;
	return restrack_register(pid);
}

/**
 * sys_fetch - read the usage of a registered process
 * @stats: where to store it
 * @pid: the process, in the caller's pid namespace
 *
 * Needs no privilege, like reading /proc/PID/status.
 *
 * Return: 0; -EINVAL for @pid < 1, no such process or a process not
 * registered; -EFAULT if @stats cannot be written.
 */
SYSCALL_DEFINE2(fetch, struct per_proc_resource __user *, stats, pid_t, pid)
{
	struct per_proc_resource res = { .pid = pid };
	struct restrack_reg *reg;
	struct restrack_cgroup *rc;

	reg = restrack_reg_get(pid, false, -EINVAL);
	if (IS_ERR(reg))
		return PTR_ERR(reg) == -ESRCH ? -EINVAL : PTR_ERR(reg);

	rc = reg->rc;
	res.heapsize = atomic_long_read(&rc->res[RESTRACK_HEAP].usage) >>
		       (20 - PAGE_SHIFT);
	res.openfile_count = atomic_long_read(&rc->res[RESTRACK_FILES].usage);
	mutex_unlock(&restrack_reg_mutex);

	return copy_to_user(stats, &res, sizeof(res)) ? -EFAULT : 0;
}

/**
 * sys_deregister - stop tracking a process
 * @pid: the process, in the caller's pid namespace
 *
 * Moves it, with any process left in its cgroup, back to the cgroup it came
 * from (or the nearest living ancestor) and removes its cgroup.
 *
 * Return: 0; -EINVAL for @pid < 1, -EPERM without CAP_SYS_RESOURCE, -ESRCH
 * if there is no such process (or it is exiting) or it is not registered.
 */
SYSCALL_DEFINE1(deregister, pid_t, pid)
{
	struct restrack_reg *reg;
	int err;

	reg = restrack_reg_get(pid, true, -ESRCH);
	if (IS_ERR(reg))
		return PTR_ERR(reg);
	err = restrack_unregister(reg);
	mutex_unlock(&restrack_reg_mutex);
	/* Threads still exiting hold the cgroup: the reaper finishes. */
	return err == -EBUSY ? -ESRCH : err;
}

/**
 * sys_resource_cap - set the quotas of a registered process
 * @pid: the process, in the caller's pid namespace
 * @heap_quota_mib: heap limit in MiB, -1 for none
 * @file_quota: descriptor limit, -1 for none
 *
 * Sets its cgroup's restrack.heap.max and restrack.files.max and the kill
 * policy: a process over a quota, now or later, is killed.
 *
 * Return: 0; -EINVAL for @pid < 1, a quota below -1 or a process not
 * registered; -EPERM without CAP_SYS_RESOURCE; -ESRCH if there is no such
 * process; -ENFILE if quotas are set already (resource_reset() first).
 */
SYSCALL_DEFINE3(resource_cap, pid_t, pid, long, heap_quota_mib,
		long, file_quota)
{
	struct restrack_reg *reg;
	struct restrack_cgroup *rc;

	if (heap_quota_mib < RESTRACK_UNLIMITED ||
	    file_quota < RESTRACK_UNLIMITED)
		return -EINVAL;
	reg = restrack_reg_get(pid, true, -EINVAL);
	if (IS_ERR(reg))
		return PTR_ERR(reg);

	if (reg->capped) {
		mutex_unlock(&restrack_reg_mutex);
		return -ENFILE;
	}
	reg->capped = true;
	rc = reg->rc;
	WRITE_ONCE(rc->policy, RESTRACK_POLICY_KILL);
	restrack_set_max(rc, RESTRACK_HEAP,
			 restrack_quota_to_max(heap_quota_mib, 20 - PAGE_SHIFT));
	restrack_set_max(rc, RESTRACK_FILES,
			 restrack_quota_to_max(file_quota, 0));
	mutex_unlock(&restrack_reg_mutex);
	return 0;
}

/**
 * sys_resource_reset - lift the quotas of a registered process
 * @pid: the process, in the caller's pid namespace
 *
 * Return: 0; -EINVAL for @pid < 1 or a process not registered; -EPERM
 * without CAP_SYS_RESOURCE; -ESRCH if there is no such process.
 */
SYSCALL_DEFINE1(resource_reset, pid_t, pid)
{
	struct restrack_reg *reg;
	struct restrack_cgroup *rc;

	reg = restrack_reg_get(pid, true, -EINVAL);
	if (IS_ERR(reg))
		return PTR_ERR(reg);

	rc = reg->rc;
	restrack_set_max(rc, RESTRACK_HEAP, RESTRACK_MAX);
	restrack_set_max(rc, RESTRACK_FILES, RESTRACK_MAX);
	reg->capped = false;
	mutex_unlock(&restrack_reg_mutex);
	return 0;
}

/* /proc/tracker_status */

static void restrack_show_limit(struct seq_file *m, long max,
				unsigned int shift)
{
	if (max == RESTRACK_MAX)
		seq_puts(m, " max");
	else
		seq_printf(m, " %ld", max >> shift);
}

static int restrack_status_show(struct seq_file *m, void *v)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct cgroup_namespace *cgns = current->nsproxy->cgroup_ns;
	char comm[TASK_COMM_LEN], *path, *s;
	struct restrack_reg *reg;
	unsigned long idx;

	path = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!path)
		return -ENOMEM;

	seq_puts(m, "PID COMMAND HEAP_MIB HEAP_CAP_MIB FILES FILE_CAP POLICY CGROUP\n");

	mutex_lock(&restrack_reg_mutex);
	xa_for_each(&restrack_regs, idx, reg) {
		struct restrack_cgroup *rc = reg->rc;
		pid_t nr = pid_nr_ns(reg->pid, ns);
		struct task_struct *task;

		if (!nr)	/* not visible from the reader's namespace */
			continue;

		strscpy(comm, "-", sizeof(comm));
		rcu_read_lock();
		task = pid_task(reg->pid, PIDTYPE_TGID);
		if (task)
			get_task_comm(comm, task);
		rcu_read_unlock();
		for (s = comm; *s; s++)	/* keep the columns parseable */
			if (isspace(*s))
				*s = '_';

		if (cgroup_path_ns(reg->cgrp, path, PATH_MAX, cgns) < 0)
			strscpy(path, "?", PATH_MAX);

		seq_printf(m, "%d %s %ld", nr, comm,
			   atomic_long_read(&rc->res[RESTRACK_HEAP].usage) >>
			   (20 - PAGE_SHIFT));
		restrack_show_limit(m, READ_ONCE(rc->res[RESTRACK_HEAP].max),
				    20 - PAGE_SHIFT);
		seq_printf(m, " %ld",
			   atomic_long_read(&rc->res[RESTRACK_FILES].usage));
		restrack_show_limit(m, READ_ONCE(rc->res[RESTRACK_FILES].max), 0);
		seq_printf(m, " %s %s\n",
			   READ_ONCE(rc->policy) == RESTRACK_POLICY_KILL ?
			   "kill" : "deny", path);
	}
	mutex_unlock(&restrack_reg_mutex);

	kfree(path);
	return 0;
}

static int __init restrack_syscalls_init(void)
{
	struct file_system_type *type;

	type = get_fs_type("cgroup2");
	if (!type)
		return -ENODEV;
	/* From init: the mount sees the whole hierarchy, not a namespace. */
	restrack_mnt = kern_mount(type);
	put_filesystem(type);
	if (IS_ERR(restrack_mnt)) {
		pr_err("restrack: cannot mount cgroup2: %ld\n",
		       PTR_ERR(restrack_mnt));
		restrack_mnt = NULL;
		return -ENODEV;
	}

	restrack_cred = prepare_kernel_cred(&init_task);
	if (!restrack_cred)
		return -ENOMEM;

	proc_create_single("tracker_status", 0444, NULL, restrack_status_show);
	return 0;
}
late_initcall(restrack_syscalls_init);
