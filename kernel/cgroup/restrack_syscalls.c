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
 * process exits, its registration ends, but its cgroup, with its limits,
 * stays as long as processes it forked remain in it: a quota cannot be
 * escaped by fork and exit.  The cgroup is removed when it empties.  Errors
 * follow the course contract (Documentation/userspace-api/restrack.rst).
 *
 * A registration is of the process' struct pid, not of its number: once the
 * process is reaped its number may be reused before the reaper has run, and
 * the new process is not registered.  Registering it ends the stale
 * registration first.
 *
 * Privilege: moving processes between cgroups, setting limits and killing
 * are an administrator's acts, so the calls that do them need
 * CAP_SYS_RESOURCE in the initial user namespace, a caller in the initial
 * cgroup namespace (a container must not leave its cgroups through them),
 * and for another process what kill(2) and prlimit(2) need.  On top of
 * that, no call lets its caller do what cgroupfs would not: a move needs
 * what a write of the destination's cgroup.procs needs (write access to it
 * and to the cgroup.procs of the nearest common ancestor, with the
 * caller's credentials), and resource_cap() and resource_reset() need
 * write access to the files they write.  Registering takes a process out
 * of its cgroup, and so out of every limit there, of every controller.
 * fetch() needs what reading /proc/PID/status needs.
 *
 * cgroupfs is driven through a kernel-internal mount of the default
 * hierarchy with kernel credentials, once the caller's own have been
 * checked; moves use cgroup_attach_task() like a write to cgroup.procs.
 *
 * Locking: restrack_reg_mutex serialises the system calls, the reaper and
 * /proc/tracker_status, and protects restrack_regs, restrack_orphans and
 * every registration.  It nests outside the cgroupfs inode locks and
 * cgroup_mutex.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/kernfs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/magic.h>
#include <linux/pid_namespace.h>
#include <linux/proc_fs.h>
#include <linux/ptrace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/security.h>
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
/* Retries of making restrack/ and a cgroup in it, against a racing rmdir */
#define RESTRACK_TOP_TRIES	3

/*
 * A registration, in restrack_regs while its process lives.  When it ends
 * with processes left in its cgroup, it waits on restrack_orphans until the
 * cgroup empties and can be removed.
 */
struct restrack_reg {
	struct pid *pid;	/* the registered process (thread group) */
	pid_t nr;		/* its global number, the cgroup's name */
	struct cgroup *cgrp;	/* restrack/<nr>, referenced */
	struct cgroup *origin;	/* where the process came from, referenced */
	struct restrack_cgroup *rc;	/* the controller's state of @cgrp */
	bool capped;		/* resource_cap() since the last reset */
	struct list_head orphan;	/* on restrack_orphans once ended */
};

static DEFINE_MUTEX(restrack_reg_mutex);
static DEFINE_XARRAY(restrack_regs);	/* global pid number -> registration */
static LIST_HEAD(restrack_orphans);	/* ended, cgroup not removed yet */
/* the default hierarchy, mounted at first use (restrack_mount()) */
static struct vfsmount *restrack_mnt;
static DEFINE_MUTEX(restrack_mnt_mutex);
static const struct cred *restrack_cred;	/* kernel credentials */

static void restrack_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(restrack_reap_work, restrack_reap);

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

	/* Takes the directory's i_rwsem itself when it must look further. */
	d = restrack_lookup_unlocked(dir, name);
	if (!IS_ERR(d) && d_is_negative(d)) {
		dput(d);
		d = ERR_PTR(-ENOENT);
	}
	return d;
}

/*
 * mkdir @name in @dir; return its dentry.  A directory that exists already
 * is returned if @exist_ok, else it is -EBUSY.  One made here that cannot
 * be looked up (no memory) is removed again: callers only clean up what
 * they were given.
 */
static struct dentry *restrack_mkdir(struct dentry *dir, const char *name,
				     bool exist_ok)
{
	int err = restrack_vfs_mkdir(dir, name);
	struct dentry *d;

	if (err == -EEXIST && !exist_ok)
		return ERR_PTR(-EBUSY);
	if (err && err != -EEXIST)
		return ERR_PTR(err);
	/* kernfs leaves the dentry of a new directory negative: look again */
	d = restrack_lookup(dir, name);
	if (IS_ERR(d) && !err)
		restrack_vfs_rmdir(dir, name);
	return d;
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

/* Did an operation in restrack/ fail because it was removed meanwhile? */
static bool restrack_top_gone(int err)
{
	return err == -ENOENT || err == -ENODEV;
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
	top = restrack_mkdir(root, RESTRACK_DIR, true);
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
 * May @cred write the file @name of @cgrp, as opening it through cgroupfs
 * would check?  0, -EPERM, or -ENOMEM if its inode cannot be had: an
 * allocation that fails is no answer about privilege.
 */
static int restrack_may_write(const struct cred *cred, struct cgroup *cgrp,
			      const char *name)
{
	const struct cred *old_cred;
	struct kernfs_node *kn;
	struct inode *inode;
	int err = -EPERM;

	kn = kernfs_find_and_get(cgrp->kn, name);
	if (!kn)
		return -EPERM;
	inode = kernfs_get_inode(restrack_mnt->mnt_sb, kn);
	kernfs_put(kn);
	if (!inode)
		return -ENOMEM;
	old_cred = override_creds(cred);
	if (!inode_permission(RESTRACK_IDMAP, inode, MAY_WRITE))
		err = 0;
	revert_creds(old_cred);
	iput(inode);
	return err;
}

/*
 * May @cred move a process from @src to @dst, as a write of @dst's
 * cgroup.procs would let it (cgroup_procs_write_permission()): write
 * access to that file and to the cgroup.procs of the nearest common
 * ancestor.  Its namespace rule holds: callers are in the initial cgroup
 * namespace (restrack_may_manage()).  0, -EPERM or -ENOMEM.
 */
static int restrack_may_migrate(const struct cred *cred, struct cgroup *src,
				struct cgroup *dst)
{
	struct cgroup *com = src;

	while (!cgroup_is_descendant(dst, com))
		com = cgroup_parent(com);
	return restrack_may_write(cred, com, "cgroup.procs") ?:
	       restrack_may_write(cred, dst, "cgroup.procs");
}

/*
 * May current move @task's process into a new cgroup in restrack/?  Asked
 * before anything is made: the new cgroup is made by root, as restrack/
 * is, so restrack/ (or the root, before it exists) stands for it.
 */
static int restrack_may_register(struct task_struct *task)
{
	struct cgroup *home = NULL, *dst;
	const struct cred *old_cred;
	struct dentry *top;
	int err;

	old_cred = override_creds(restrack_cred);
	top = restrack_lookup(restrack_mnt->mnt_root, RESTRACK_DIR);
	revert_creds(old_cred);
	if (!IS_ERR(top)) {
		home = restrack_cgroup_of_dir(top);
		dput(top);
		if (IS_ERR(home))
			home = NULL;
	}
	mutex_lock(&cgroup_mutex);
	/*
	 * restrack/ may have been removed since the lookup; register makes
	 * it again under the root then, so the move is checked as one
	 * towards the root, never refused for a dead directory.
	 */
	dst = home && !cgroup_is_dead(home) ? home : &cgrp_dfl_root.cgrp;
	err = restrack_may_migrate(current_cred(), task_dfl_cgroup(task), dst);
	mutex_unlock(&cgroup_mutex);
	if (home)
		cgroup_put(home);
	return err;
}

/*
 * May current write the limits and the policy of @reg's cgroup, as
 * writing them through cgroupfs would need?  0, -EPERM or -ENOMEM.
 */
static int restrack_may_limit(struct restrack_reg *reg)
{
	static const char * const files[] = {
		"restrack.heap.max", "restrack.files.max", "restrack.policy",
	};
	int i, err;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		err = restrack_may_write(current_cred(), reg->cgrp, files[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Move the process of @pid into the empty cgroup @dst, if @cred may
 * (restrack_may_migrate()).  Return 0, -EPERM, -ESRCH if it is gone or
 * exiting (nothing moved then), or an error of the migration.
 */
static int restrack_move_process(const struct cred *cred, struct pid *pid,
				 struct cgroup *dst)
{
	struct task_struct *leader;
	int ret = -ESRCH;

	mutex_lock(&cgroup_mutex);
	restrack_attach_lock();	/* no exec can change the leader now */

	rcu_read_lock();
	leader = pid_task(pid, PIDTYPE_TGID);
	if (leader && atomic_read(&leader->signal->live))
		get_task_struct(leader);
	else
		leader = NULL;
	rcu_read_unlock();

	if (leader) {
		ret = cgroup_is_dead(dst) ? -ENODEV :
		      restrack_may_migrate(cred, task_dfl_cgroup(leader), dst) ?:
		      cgroup_attach_task(dst, leader, true);
		/*
		 * The migration skips exiting tasks: if none moved into the
		 * fresh @dst, the process is on its way out.
		 */
		if (!ret && !cgroup_is_populated(dst))
			ret = -ESRCH;
		put_task_struct(leader);
	}

	restrack_attach_unlock();
	mutex_unlock(&cgroup_mutex);
	return ret;
}

/*
 * Move every process of @from to @to, or to an ancestor if it cannot, if
 * current may (restrack_may_migrate()): 0, -EPERM, or -ENOMEM if a check
 * or a move ran out of memory, with what did not move left in @from.
 */
static int restrack_empty(struct cgroup *from, struct cgroup *to)
{
	struct css_task_iter it;
	struct task_struct *task;
	bool nomem = false;
	int pass, err;

	mutex_lock(&cgroup_mutex);
	restrack_attach_lock();	/* and no fork adds one meanwhile */

	/*
	 * The nearest living ancestor that may host processes: the cgroup
	 * may have died or have enabled controllers for children meanwhile.
	 */
	while (cgroup_is_dead(to) || cgroup_migrate_vet_dst(to))
		to = cgroup_parent(to);
	err = restrack_may_migrate(current_cred(), from, to);
	if (err)
		goto out;

	/* A dying leader is listed while its threads live: bound the passes. */
	for (pass = 0; pass < 2 && cgroup_is_populated(from); pass++) {
		css_task_iter_start(&from->self, CSS_TASK_ITER_PROCS, &it);
		while ((task = css_task_iter_next(&it)))
			if (cgroup_attach_task(to, task, true) == -ENOMEM)
				nomem = true;
		css_task_iter_end(&it);
	}
	/* a move that failed and was not made good by the next pass */
	if (nomem && cgroup_is_populated(from))
		err = -ENOMEM;
out:
	restrack_attach_unlock();
	mutex_unlock(&cgroup_mutex);
	return err;
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
 * Remove the cgroup of an ended registration and free it.  Return -EBUSY,
 * with @reg kept, while processes remain in the cgroup, or the error that
 * prevented the removal.
 */
static int restrack_reg_remove(struct restrack_reg *reg)
{
	const struct cred *old_cred;
	struct dentry *top;
	char name[16];
	int err;

	lockdep_assert_held(&restrack_reg_mutex);
	if (cgroup_is_populated(reg->cgrp))
		return -EBUSY;

	old_cred = override_creds(restrack_cred);
	top = restrack_lookup(restrack_mnt->mnt_root, RESTRACK_DIR);
	if (IS_ERR(top)) {
		err = PTR_ERR(top);
	} else {
		snprintf(name, sizeof(name), "%d", reg->nr);
		err = restrack_vfs_rmdir(top, name);
		dput(top);
	}
	revert_creds(old_cred);

	/* Gone already (an administrator's rmdir) is fine. */
	if (err && err != -ENOENT)
		return err;

	WRITE_ONCE(reg->rc->registered, false);
	restrack_reg_free(reg);
	return 0;
}

/*
 * The registration of @reg is over: its process is gone, or has been moved
 * out.  Its cgroup goes now, or, if processes remain in it, once they are
 * gone (restrack_reap()).
 */
static void restrack_reg_end(struct restrack_reg *reg)
{
	lockdep_assert_held(&restrack_reg_mutex);
	xa_erase(&restrack_regs, reg->nr);
	put_pid(reg->pid);
	reg->pid = NULL;
	if (restrack_reg_remove(reg)) {
		list_add_tail(&reg->orphan, &restrack_orphans);
		/* An exit in the cgroup normally runs the reaper: a fallback. */
		mod_delayed_work(system_wq, &restrack_reap_work, HZ);
	}
}

/* Remove the cgroup of the ended registration @reg, or keep it an orphan. */
static void restrack_orphan_remove(struct restrack_reg *reg)
{
	list_del(&reg->orphan);
	if (restrack_reg_remove(reg))
		list_add_tail(&reg->orphan, &restrack_orphans);
}

/* Has @cgrp a thread that is not exiting? */
static bool restrack_cgroup_live(struct cgroup *cgrp)
{
	struct css_task_iter it;
	bool live;

	/* The iterator hides exiting tasks of thread groups without a live one. */
	css_task_iter_start(&cgrp->self, 0, &it);
	live = css_task_iter_next(&it);
	css_task_iter_end(&it);
	return live;
}

/*
 * Before a number is registered again: an ended registration of the same
 * number may still have its cgroup when its processes have all exited,
 * since a task leaves its cgroup only after its last context switch (7.x),
 * possibly after its parent reaped it and reused its pid.  Wait for such
 * tasks, a second at most, and remove the cgroup.  One with live processes
 * stays: register then fails with -EBUSY.
 */
static void restrack_reap_number(int nr)
{
	struct restrack_reg *reg;
	int i;

	lockdep_assert_held(&restrack_reg_mutex);
	list_for_each_entry(reg, &restrack_orphans, orphan) {
		if (reg->nr != nr)
			continue;
		for (i = 0; i < 50 && cgroup_is_populated(reg->cgrp) &&
		     !restrack_cgroup_live(reg->cgrp); i++)
			msleep(20);
		restrack_orphan_remove(reg);
		break;	/* one cgroup per number: restrack/<nr> */
	}
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

/*
 * End the registrations whose process is gone, and remove the cgroups of
 * ended registrations that have emptied.  Orphans whose cgroup lost the
 * controller (and with it the exit notifications) or could not be removed
 * are looked at again every second.
 */
static void restrack_reap(struct work_struct *work)
{
	struct restrack_reg *reg, *tmp;
	LIST_HEAD(orphans);
	unsigned long idx;

	mutex_lock(&restrack_reg_mutex);
	xa_for_each(&restrack_regs, idx, reg)
		if (restrack_reg_gone(reg))
			restrack_reg_end(reg);
	list_splice_init(&restrack_orphans, &orphans);
	list_for_each_entry_safe(reg, tmp, &orphans, orphan)
		restrack_orphan_remove(reg);
	if (!list_empty(&restrack_orphans))
		mod_delayed_work(system_wq, &restrack_reap_work, HZ);
	mutex_unlock(&restrack_reg_mutex);
}

/*
 * The last thread of a registered process, or of a process in a cgroup of
 * the system calls (registered, or ended and waiting to empty), has
 * exited: reap.  The reaper runs for
 * each such exit, so the one after the last process leaves finds the
 * cgroup empty.
 */
static void restrack_reg_exit(struct task_struct *task)
{
	struct restrack_cgroup *rc;
	bool ours;

	rcu_read_lock();
	rc = css_rc(task_css(task, restrack_cgrp_id));
	/* The registered process itself, wherever the controller is. */
	ours = READ_ONCE(rc->registered) ||
	       xa_load(&restrack_regs, task_tgid_nr(task));
	rcu_read_unlock();

	if (ours)
		mod_delayed_work(system_wq, &restrack_reap_work, 0);
}

/* May current see @task in a procfs with @fs_info, as fs/proc/base.c says. */
static bool restrack_proc_visible(struct proc_fs_info *fs_info,
				  struct task_struct *task)
{
	if (fs_info->hide_pid == HIDEPID_NOT_PTRACEABLE)
		return ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS);
	if (fs_info->hide_pid < HIDEPID_NO_ACCESS)
		return true;
	if (in_group_p(fs_info->pid_gid))
		return true;
	return ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS);
}

/*
 * May current see @task as reading /proc/PID/status would let it: the
 * hidepid= option of the procfs at /proc in current's mount namespace,
 * checked as fs/proc/base.c does.  Where no procfs is mounted there (a
 * chroot, a tmpfs over /proc), nothing tells what it would hide: then
 * only what may ptrace-read @task may see it, as under hidepid=2.
 */
static bool restrack_may_read(struct task_struct *task)
{
	struct path path;
	bool ok;

	if (same_thread_group(task, current))
		return true;
	if (kern_path("/proc", LOOKUP_FOLLOW, &path))
		return ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS);
	if (path.dentry->d_sb->s_magic == PROC_SUPER_MAGIC)
		ok = restrack_proc_visible(proc_sb_info(path.dentry->d_sb),
					   task);
	else
		ok = ptrace_may_access(task, PTRACE_MODE_READ_FSCREDS);
	path_put(&path);
	return ok;
}

/*
 * May current act on @task: what kill(2) needs (matching ids or
 * CAP_KILL), and what prlimit(2) needs to raise a limit, checked as
 * ptrace_may_access() does, and what the LSMs say of both.  Current holds
 * CAP_SYS_RESOURCE already.
 */
static bool restrack_may_control(struct task_struct *task)
{
	const struct cred *cred = current_cred(), *tcred;
	bool ok;

	if (same_thread_group(task, current))
		return true;
	rcu_read_lock();
	tcred = __task_cred(task);
	ok = (uid_eq(cred->euid, tcred->suid) ||
	      uid_eq(cred->euid, tcred->uid) ||
	      uid_eq(cred->uid, tcred->suid) ||
	      uid_eq(cred->uid, tcred->uid) ||
	      ns_capable(tcred->user_ns, CAP_KILL)) &&
	     !security_task_prlimit(cred, tcred,
				    LSM_PRLIMIT_READ | LSM_PRLIMIT_WRITE);
	rcu_read_unlock();
	return ok && !security_task_kill(task, SEND_SIG_NOINFO, SIGKILL, NULL) &&
	       ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS);
}

/*
 * The system calls that move processes, set limits or kill need
 * CAP_SYS_RESOURCE in the initial user namespace and a caller in the
 * initial cgroup namespace.
 */
static bool restrack_may_manage(void)
{
	return capable(CAP_SYS_RESOURCE) &&
	       current->nsproxy->cgroup_ns == &init_cgroup_ns;
}

static int restrack_register(struct task_struct *task, struct pid *pid)
{
	const struct cred *old_cred;
	struct restrack_reg *reg;
	struct dentry *top, *dir;
	char name[16];
	int err, tries;

	mutex_lock(&restrack_reg_mutex);
	err = -ENFILE;
	if (restrack_reg_find(pid))
		goto out_unlock;
	err = restrack_may_register(task);
	if (err)
		goto out_unlock;
	/* The number's previous owner has gone; its reaper may not have run. */
	reg = xa_load(&restrack_regs, pid_nr(pid));
	if (reg)
		restrack_reg_end(reg);
	restrack_reap_number(pid_nr(pid));
	err = -ENOMEM;
	reg = restrack_zalloc(reg);
	if (!reg)
		goto out_unlock;
	reg->pid = get_pid(pid);
	reg->nr = pid_nr(pid);
	rcu_read_lock();
	reg->origin = task_dfl_cgroup(task);
	cgroup_get(reg->origin);
	rcu_read_unlock();

	old_cred = override_creds(restrack_cred);
	snprintf(name, sizeof(name), "%d", reg->nr);
	/*
	 * restrack/ is an empty cgroup like any other between registrations:
	 * whoever may rmdir it can remove it between our lookup and the mkdir
	 * in it (-ENOENT, or -ENODEV from a dying cgroup).  Make it again then;
	 * if it is removed each time, restrack/ is not available: -ENODEV.
	 */
	for (tries = 0;; tries++) {
		top = restrack_top_dir();
		if (IS_ERR(top)) {
			err = PTR_ERR(top);
			if (!restrack_top_gone(err))
				goto out_free;
			if (tries < RESTRACK_TOP_TRIES)
				continue;
			err = -ENODEV;
			goto out_free;
		}
		/* -EBUSY if what a previous owner of the number forked is in it */
		dir = restrack_mkdir(top, name, false);
		if (!IS_ERR(dir) || !restrack_top_gone(PTR_ERR(dir)) ||
		    tries == RESTRACK_TOP_TRIES)
			break;
		dput(top);
	}
	if (IS_ERR(dir)) {
		err = PTR_ERR(dir);
		if (restrack_top_gone(err))
			err = -ENODEV;
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

	err = xa_insert(&restrack_regs, reg->nr, reg, GFP_KERNEL);
	if (err)
		goto out_rmdir;
	WRITE_ONCE(reg->rc->registered, true);

	err = restrack_move_process(old_cred, reg->pid, reg->cgrp);
	if (err) {
		WRITE_ONCE(reg->rc->registered, false);
		xa_erase(&restrack_regs, reg->nr);
		goto out_rmdir;
	}

	dput(top);
	revert_creds(old_cred);
	mutex_unlock(&restrack_reg_mutex);
	return 0;

out_rmdir:
	restrack_vfs_rmdir(top, name);
out_top:
	dput(top);
out_free:
	revert_creds(old_cred);
	restrack_reg_free(reg);
out_unlock:
	mutex_unlock(&restrack_reg_mutex);
	return err;
}

/*
 * Mount the default hierarchy for the calls, once.  Not at boot: the first
 * mount of cgroup2 makes it visible in /proc/PID/cgroup (a "0::/" line),
 * which a system that never mounts it must not see change.  Called by
 * privileged callers only, who are in the initial cgroup namespace
 * (restrack_may_manage()): the mount is of the whole hierarchy.
 *
 * Every mount of cgroup2 applies its options to the hierarchy
 * (apply_cgroup_root_flags()), so this one is made with the options in
 * force: a mount without them would turn off nsdelegate, and the memory
 * options, that the system's own mount set.  (At boot nothing had set
 * them yet.)  0, -ENOMEM, or -ENODEV if cgroup2 cannot be mounted.
 */
static int restrack_mount(void)
{
	struct file_system_type *type;
	struct vfsmount *mnt = NULL;
	struct fs_context *fc;
	int err = 0;

	/* pairs with the release below: the mount is complete when seen */
	if (smp_load_acquire(&restrack_mnt))
		return 0;
	mutex_lock(&restrack_mnt_mutex);
	if (restrack_mnt)
		goto out;
	type = get_fs_type("cgroup2");
	if (!type) {
		err = -ENODEV;
		goto out;
	}
	fc = fs_context_for_mount(type, SB_KERNMOUNT);
	put_filesystem(type);	/* @fc holds its own */
	if (IS_ERR(fc)) {
		mnt = ERR_CAST(fc);
	} else {
		cgroup_fc2context(fc)->flags = READ_ONCE(cgrp_dfl_root.flags);
		mnt = fc_mount(fc);
		put_fs_context(fc);
	}
	if (IS_ERR(mnt)) {
		err = PTR_ERR(mnt) == -ENOMEM ? -ENOMEM : -ENODEV;
		pr_err_ratelimited("restrack: cannot mount cgroup2: %ld\n",
				   PTR_ERR(mnt));
		goto out;
	}
	/* pairs with the acquire above */
	smp_store_release(&restrack_mnt, mnt);
out:
	mutex_unlock(&restrack_mnt_mutex);
	return err;
}

/*
 * Check the arguments and privilege of a call, in the contract's order, and
 * find its process: -EINVAL for @nr < 1; -EPERM if @privileged and current
 * may not manage restrack (restrack_may_manage()); -ESRCH for no such
 * process; -EPERM if current may not act on it (@privileged) or read it.
 * Return it referenced, with its struct pid in @pidp.
 */
static struct task_struct *restrack_get_process(pid_t nr, bool privileged,
						struct pid **pidp)
{
	struct task_struct *task;
	bool ok;

	if (nr < 1)
		return ERR_PTR(-EINVAL);
	if (privileged && !restrack_may_manage())
		return ERR_PTR(-EPERM);
	/* fetch needs no mount: nothing is registered without one */
	if (privileged) {
		int err = restrack_mount();

		if (err)
			return ERR_PTR(err);
	}

	task = restrack_find_process(nr, pidp);
	if (!task)
		return ERR_PTR(-ESRCH);
	ok = privileged ? restrack_may_control(task) : restrack_may_read(task);
	if (!ok) {
		put_pid(*pidp);
		put_task_struct(task);
		return ERR_PTR(-EPERM);
	}
	return task;
}

/*
 * As restrack_get_process(), then look its registration up: return it with
 * restrack_reg_mutex held, or an error (mutex not held), @unregistered if
 * it is not registered.
 */
static struct restrack_reg *restrack_reg_get(pid_t nr, bool privileged,
					     int unregistered)
{
	struct restrack_reg *reg;
	struct task_struct *task;
	struct pid *pid;

	task = restrack_get_process(nr, privileged, &pid);
	if (IS_ERR(task))
		return ERR_CAST(task);
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

/*
 * A quota in units of 2^@shift to a max: clamped, as restrack.*.max clamps
 * what is written to it, so that it reads back as a value it accepts.
 */
static long restrack_quota_to_max(long quota, enum restrack_res res,
				  unsigned int shift)
{
	if (quota == RESTRACK_UNLIMITED)
		return RESTRACK_MAX;
	if (quota > restrack_max_limit(res) >> shift)
		return restrack_max_limit(res);
	return quota << shift;
}

/**
 * sys_register - track a process in a cgroup of its own
 * @pid: the process, in the caller's pid namespace
 *
 * Return: 0; -EINVAL for @pid < 1, -EPERM without the privilege the
 * contract asks, -ESRCH if there is no such process, -ENFILE if it is
 * registered already, -EBUSY if its cgroup's name is taken by processes a
 * previous owner of the number left behind, -ENODEV if the controller is
 * unavailable, -ENOMEM.
 */
SYSCALL_DEFINE1(register, pid_t, pid)
{
	struct task_struct *task;
	struct pid *p;
	int err;

	task = restrack_get_process(pid, true, &p);
	if (IS_ERR(task))
		return PTR_ERR(task);
	err = restrack_register(task, p);
	put_pid(p);
	put_task_struct(task);
	return err;
}

/**
 * sys_fetch - read the usage of a registered process
 * @stats: where to store it
 * @pid: the process, in the caller's pid namespace
 *
 * Needs what reading /proc/PID/status needs.
 *
 * Return: 0; -EINVAL for @pid < 1, no such process or a process not
 * registered; -EPERM if /proc would hide it; -EFAULT if @stats cannot be
 * written.
 */
SYSCALL_DEFINE2(fetch, struct per_proc_resource __user *, stats, pid_t, pid)
{
	struct per_proc_resource res;
	struct restrack_reg *reg;
	struct restrack_cgroup *rc;

	reg = restrack_reg_get(pid, false, -EINVAL);
	if (IS_ERR(reg))
		return PTR_ERR(reg) == -ESRCH ? -EINVAL : PTR_ERR(reg);

	memset(&res, 0, sizeof(res));	/* no padding leaks to userspace */
	res.pid = pid;
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
 * from (or the nearest living ancestor) and removes its cgroup, at once or,
 * if exiting threads still hold it, once they are gone.
 *
 * Return: 0; -EINVAL for @pid < 1, -EPERM without the privilege the
 * contract asks, -ESRCH if there is no such process (or it is exiting) or
 * it is not registered; -ENOMEM if memory ran out, the registration kept.
 */
SYSCALL_DEFINE1(deregister, pid_t, pid)
{
	struct restrack_reg *reg;
	int err;

	reg = restrack_reg_get(pid, true, -ESRCH);
	if (IS_ERR(reg))
		return PTR_ERR(reg);
	err = restrack_empty(reg->cgrp, reg->origin);
	if (!err)
		restrack_reg_end(reg);
	mutex_unlock(&restrack_reg_mutex);
	return err;
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
 * registered; -EPERM without the privilege the contract asks; -ESRCH if
 * there is no such process; -ENFILE if quotas are set already
 * (resource_reset() first); -ENOMEM if memory ran out, nothing changed.
 */
SYSCALL_DEFINE3(resource_cap, pid_t, pid, long, heap_quota_mib,
		long, file_quota)
{
	struct restrack_reg *reg;
	struct restrack_cgroup *rc;
	int err;

	if (heap_quota_mib < RESTRACK_UNLIMITED ||
	    file_quota < RESTRACK_UNLIMITED)
		return -EINVAL;
	reg = restrack_reg_get(pid, true, -EINVAL);
	if (IS_ERR(reg))
		return PTR_ERR(reg);

	err = restrack_may_limit(reg);
	if (!err && reg->capped)
		err = -ENFILE;
	if (err) {
		mutex_unlock(&restrack_reg_mutex);
		return err;
	}
	reg->capped = true;
	rc = reg->rc;
	WRITE_ONCE(rc->policy, RESTRACK_POLICY_KILL);
	restrack_set_max(rc, RESTRACK_HEAP,
			 restrack_quota_to_max(heap_quota_mib, RESTRACK_HEAP,
					       20 - PAGE_SHIFT));
	restrack_set_max(rc, RESTRACK_FILES,
			 restrack_quota_to_max(file_quota, RESTRACK_FILES, 0));
	restrack_enforce(rc);
	mutex_unlock(&restrack_reg_mutex);
	return 0;
}

/**
 * sys_resource_reset - lift the quotas of a registered process
 * @pid: the process, in the caller's pid namespace
 *
 * Return: 0; -EINVAL for @pid < 1 or a process not registered; -EPERM
 * without the privilege the contract asks; -ESRCH if there is no such
 * process; -ENOMEM if memory ran out, nothing changed.
 */
SYSCALL_DEFINE1(resource_reset, pid_t, pid)
{
	struct restrack_reg *reg;
	struct restrack_cgroup *rc;
	int err;

	reg = restrack_reg_get(pid, true, -EINVAL);
	if (IS_ERR(reg))
		return PTR_ERR(reg);
	err = restrack_may_limit(reg);
	if (err) {
		mutex_unlock(&restrack_reg_mutex);
		return err;
	}

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

/*
 * A line per registration, in pid order, streamed through the seq_file
 * iterator: a read costs time linear in the registrations, where a single
 * show() of all of them ran again from the start at every doubling of the
 * buffer.  Position 0 is the header; position k > 0 the first registration
 * at an index >= k - 1 of restrack_regs.  The mutex is held from start to
 * stop, so a chunk sees a stable set; the set may change between chunks,
 * as /proc's directory listings may.
 */
static void *restrack_status_find(loff_t *pos)
{
	unsigned long idx = *pos - 1;
	struct restrack_reg *reg;

	reg = xa_find(&restrack_regs, &idx, ULONG_MAX, XA_PRESENT);
	if (reg)
		*pos = (loff_t)idx + 1;
	return reg;
}

static void *restrack_status_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&restrack_reg_mutex);
	if (!*pos)
		return SEQ_START_TOKEN;
	return restrack_status_find(pos);
}

static void *restrack_status_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return restrack_status_find(pos);
}

static void restrack_status_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&restrack_reg_mutex);
}

static int restrack_status_show(struct seq_file *m, void *v)
{
	struct super_block *sb = file_inode(m->file)->i_sb;
	/* pids as the procfs it was opened from shows them, as /proc/PID */
	struct pid_namespace *ns = proc_pid_ns(sb);
	struct cgroup_namespace *cgns = current->nsproxy->cgroup_ns;
	struct proc_fs_info *fs_info = proc_sb_info(sb);
	struct restrack_reg *reg = v;
	struct restrack_cgroup *rc;
	char comm[TASK_COMM_LEN], *path = m->private, *s;
	struct task_struct *task;
	bool visible;
	pid_t nr;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "PID COMMAND HEAP_MIB HEAP_CAP_MIB FILES FILE_CAP POLICY CGROUP\n");
		return 0;
	}

	rc = reg->rc;
	nr = pid_nr_ns(reg->pid, ns);
	if (!nr)	/* not visible from the reader's namespace */
		return SEQ_SKIP;

	strscpy(comm, "-", sizeof(comm));
	rcu_read_lock();
	task = pid_task(reg->pid, PIDTYPE_TGID);
	if (task)
		get_task_struct(task);
	rcu_read_unlock();
	if (task) {
		/* What the reader's /proc hides, this hides too. */
		visible = restrack_proc_visible(fs_info, task);
		get_task_comm(comm, task);
		put_task_struct(task);
		if (!visible)
			return SEQ_SKIP;
	}
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
	seq_printf(m, " %ld", atomic_long_read(&rc->res[RESTRACK_FILES].usage));
	restrack_show_limit(m, READ_ONCE(rc->res[RESTRACK_FILES].max), 0);
	seq_printf(m, " %s %s\n",
		   READ_ONCE(rc->policy) == RESTRACK_POLICY_KILL ? "kill" : "deny",
		   path);
	return 0;
}

static const struct seq_operations restrack_status_ops = {
	.start	= restrack_status_start,
	.next	= restrack_status_next,
	.stop	= restrack_status_stop,
	.show	= restrack_status_show,
};

static int __init restrack_syscalls_init(void)
{
	restrack_cred = prepare_kernel_cred(&init_task);
	if (!restrack_cred)
		return -ENOMEM;

	restrack_set_exit_notifier(restrack_reg_exit);
	/* a buffer for the cgroup path of a line, per open file */
	proc_create_seq_private("tracker_status", 0444, NULL,
				&restrack_status_ops, PATH_MAX, NULL);
	return 0;
}
late_initcall(restrack_syscalls_init);
