// SPDX-License-Identifier: GPL-2.0-only
/*
 * Heap and file descriptor limiting controller for cgroups.
 *
 * restrack puts hard limits on two resources of the processes in a cgroup:
 *
 *  - heap: the data address space, exactly as RLIMIT_DATA counts it and
 *    /proc/PID/status shows it as VmData (mm->data_vm: private writable
 *    mappings, the brk heap and thread stacks).  Unlike RLIMIT_DATA the limit
 *    covers the whole cgroup and cannot be escaped by forking.
 *  - files: open file descriptors, however created.
 *
 * An mm or an fd table is charged once, however many tasks share it, to the
 * cgroup of the tasks using it, and to every ancestor of that cgroup.  Usage
 * is therefore hierarchical, like pids.current.  A charge must fit under
 * restrack.*.max of the cgroup and of every ancestor.  When it does not, the
 * cgroup whose limit was hit counts a restrack.events event and applies its
 * restrack.policy:
 *
 *  - "deny" (default): the operation fails.  Heap growth (mmap, brk, mremap,
 *    mprotect, fork) fails with -ENOMEM, descriptor creation with -EMFILE,
 *    and nothing else changes.
 *  - "kill": as "deny", and the offending process is sent SIGKILL.  Setting
 *    a max below the current usage kills every process of the cgroup and of
 *    its descendants.
 *
 * Organisational operations are never refused: moving a process moves its
 * charges, even above the destination's max, and counts no event.  A child
 * created in another cgroup (clone3() with CLONE_INTO_CGROUP) is charged
 * there within the limits, as pids does.  An mm or table that tasks of
 * several cgroups share is charged to its owner's cgroup, and handed to
 * another user when the owner stops using it.
 *
 * Processes in the root cgroup are not charged.  While no cgroup has the
 * controller enabled every hook is a single static branch; once one has,
 * the hooks of root-cgroup processes test one pointer and return.
 *
 * Locking: usage, max and peak are per-cgroup counters walked without a
 * global lock: usage is atomic, peak only rises (cmpxchg), and the lock of
 * a cgroup orders a new max against raising the ceiling its charges test
 * (see struct restrack_counter).  Each mm and fd table carries a struct
 * restrack_charge.  An mm's is changed by the heap hooks under the
 * mmap_lock, which they hold already, and by moves and owner changes under
 * its own spinlock, taken inside the mmap_lock held for writing while
 * tasks may be running hooks on the mm (a move, which the task that
 * migrated its user makes out of the cgroup locks; a hand-over at exit or
 * exec), alone where none can (the copy fork() made, before the child
 * runs; the mm exec() installs; the last put).  An fd table's is
 * protected by files->file_lock, which every files hook holds already.
 * Moves and owner changes take task_lock() of the task to pin task->mm and
 * task->files; it nests inside the mmap_lock and outside the charge's
 * lock.  A cgroup's lock nests inside all of these.
 */

#include <linux/cgroup.h>
#include <linux/ctype.h>
#include <linux/fdtable.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/ratelimit.h>
#include <linux/restrack.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "restrack-compat.h"
#include "restrack-internal.h"

static const char * const restrack_event_names[RESTRACK_NR_EVENTS] = {
	[RESTRACK_EV_HEAP_MAX]	= "heap.max",
	[RESTRACK_EV_FILES_MAX]	= "files.max",
	[RESTRACK_EV_KILL]	= "kill",
};

static const char * const restrack_policy_names[] = {
	[RESTRACK_POLICY_DENY]	= "deny",
	[RESTRACK_POLICY_KILL]	= "kill",
};

DEFINE_STATIC_KEY_FALSE(restrack_active);

static struct restrack_cgroup *restrack_parent(struct restrack_cgroup *rc)
{
	return css_rc(rc->css.parent);
}

/*
 * Charges walk from a cgroup up to, but excluding, the root: only non-root
 * cgroups carry counters, the root is never charged.
 */
static bool restrack_is_root(struct restrack_cgroup *rc)
{
	return !rc->css.parent;
}

/* Raise the watermark to @usage if that is a new high. */
static void restrack_update_peak(struct restrack_counter *c, long usage)
{
	long peak = READ_ONCE(c->peak);

	/* Only ever raised, so that the highest of racing charges wins. */
	while (usage > peak && !try_cmpxchg(&c->peak, &peak, usage))
		;
}

/* What the ceiling of a level is to be: the lower of its max and peak. */
static long restrack_ceiling_of(struct restrack_counter *c)
{
	return min(READ_ONCE(c->max), READ_ONCE(c->peak));
}

/*
 * Bring the ceiling of @res in @rc up to restrack_ceiling_of(), after a
 * charge that went through raised the peak, or reached a peak that a
 * forced charge raised.  Under the lock, so that it never passes a max
 * restrack_set_max() wrote meanwhile.
 */
static void restrack_raise_ceiling(struct restrack_cgroup *rc,
				   enum restrack_res res)
{
	struct restrack_counter *c = &rc->res[res];

	spin_lock(&rc->lock);
	WRITE_ONCE(c->ceiling, restrack_ceiling_of(c));
	spin_unlock(&rc->lock);
}

/*
 * Is @p, reached by ->up, a level a charge counts at: one with counters
 * (->up of a child of the root is NULL: the root carries none), below @top
 * unless that is NULL?  Charges walk from their cgroup, never the root
 * (whatever the root's tasks use is untracked), up while it is.  The hot
 * paths pass a constant NULL: their loops test the one pointer a level
 * they load anyway.
 */
static __always_inline bool restrack_counts_at(struct restrack_cgroup *p,
					       struct restrack_cgroup *top)
{
	return p && p != top;
}

/**
 * restrack_charge_force_below - charge without checking any limit
 * @rc: cgroup to charge, with its ancestors
 * @res: resource
 * @n: units
 * @top: the first ancestor not to charge, NULL for none
 *
 * Used where the charge already happened elsewhere (moves) or where the
 * kernel cannot fail the operation any more.  Usage may exceed max.
 */
static __always_inline void
restrack_charge_force_below(struct restrack_cgroup *rc, enum restrack_res res,
			    long n, struct restrack_cgroup *top)
{
	struct restrack_cgroup *p = rc;

	if (rc == top)
		return;
	do {
		restrack_update_peak(&p->res[res],
				     atomic_long_add_return(n, &p->res[res].usage));
		p = p->up;
	} while (restrack_counts_at(p, top));
}

static __always_inline void
restrack_charge_force(struct restrack_cgroup *rc, enum restrack_res res, long n)
{
	restrack_charge_force_below(rc, res, n, NULL);
}

/*
 * Uncharge @n units from @rc and its ancestors below @top (NULL: all).
 * Inlined: the uncharge of every descriptor.  Unordered: what reads usage
 * only needs to see charges in time (restrack_set_max()), not uncharges.
 */
static __always_inline void
restrack_uncharge_below(struct restrack_cgroup *rc, enum restrack_res res,
			long n, struct restrack_cgroup *top)
{
	struct restrack_cgroup *p = rc;

	if (rc == top)
		return;
	do {
		WARN_ON_ONCE(atomic_long_add_negative_relaxed(-n,
							      &p->res[res].usage));
		p = p->up;
	} while (restrack_counts_at(p, top));
}

static __always_inline void restrack_uncharge(struct restrack_cgroup *rc,
					      enum restrack_res res, long n)
{
	restrack_uncharge_below(rc, res, n, NULL);
}

/*
 * The fast part of a charge: add @n units of @res to @rc and its ancestors
 * below @top (NULL: up to the root) while each level's usage stays within
 * its ceiling, which is below max and sets no new high: one compare a
 * level.  Return NULL when every level took the charge, else the level
 * whose ceiling it passed, with its usage in @usage: the charge is added
 * up to there, and restrack_charge_slow() goes on from there.  Inlined: it
 * is the fast path of every descriptor and heap charge.
 */
static __always_inline struct restrack_cgroup *
restrack_charge_fast(struct restrack_cgroup *rc, enum restrack_res res,
		     long n, struct restrack_cgroup *top, long *usage)
{
	struct restrack_cgroup *p = rc;

	if (rc == top)
		return NULL;
	do {
		/* Acquire: ordered against restrack_set_max(), see there. */
		*usage = atomic_long_add_return_acquire(n, &p->res[res].usage);
		if (unlikely(*usage > READ_ONCE(p->res[res].ceiling)))
			return p;
		p = p->up;
	} while (restrack_counts_at(p, top));
	return NULL;
}

/*
 * The rest of a charge restrack_charge_fast() left at level @p, which took
 * it at @usage: check that level and those above against their max.
 * Return NULL when charged, with @n added to *@charged (if not NULL) and
 * the watermarks and ceilings raised, else the cgroup whose max would be
 * exceeded, with the charge taken back.
 */
static noinline struct restrack_cgroup *
restrack_charge_slow(struct restrack_cgroup *rc, enum restrack_res res,
		     long n, struct restrack_cgroup *top,
		     struct restrack_cgroup *p, long usage,
		     unsigned long *charged)
{
	struct restrack_cgroup *q;

	for (;;) {
		/* The add before was an acquire, see restrack_set_max(). */
		if (usage > READ_ONCE(p->res[res].max))
			break;
		/*
		 * A level that took the charge records the usage it took it
		 * at, as page_counter does: never above the max it was
		 * checked against, though it may hold a charge that a level
		 * above refuses, or another charge's add being taken back.
		 */
		restrack_update_peak(&p->res[res], usage);
		p = p->up;
		if (!restrack_counts_at(p, top))
			goto charged;
		usage = atomic_long_add_return_acquire(n, &p->res[res].usage);
	}
	for (q = rc; ; q = q->up) {
		atomic_long_sub(n, &q->res[res].usage);
		if (q == p)
			return p;
	}

charged:
	/*
	 * The levels below the one restrack_charge_fast() stopped at took
	 * the charge below their peak; the ceilings of every level follow
	 * the watermarks once every level took it.
	 */
	for (p = rc; restrack_counts_at(p, top); p = p->up) {
		struct restrack_counter *c = &p->res[res];

		if (READ_ONCE(c->ceiling) < restrack_ceiling_of(c))
			restrack_raise_ceiling(p, res);
	}
	if (charged)
		*charged += n;
	return NULL;
}

/*
 * Charge @n units of @res to @rc and its ancestors below @top (NULL: up to
 * the root), within their limits.  Return NULL when charged, else the
 * cgroup whose max would be exceeded; nothing is charged then.
 */
static __always_inline struct restrack_cgroup *
restrack_charge_try_below(struct restrack_cgroup *rc, enum restrack_res res,
			  long n, struct restrack_cgroup *top)
{
	struct restrack_cgroup *p;
	long usage;

	p = restrack_charge_fast(rc, res, n, top, &usage);
	if (unlikely(p))
		return restrack_charge_slow(rc, res, n, top, p, usage, NULL);
	return NULL;
}

/**
 * restrack_charge_try - charge within the limits of the whole hierarchy
 * @rc: cgroup to charge, with its ancestors
 * @res: resource
 * @n: units, > 0
 * @charged: the count of the object charged (its restrack_charge), which
 *	takes the @n units too
 *
 * The slow path adds to *@charged too, so that a caller has nothing left
 * to do after it but on failure: the fast path then saves no registers
 * for the call.
 *
 * Return: NULL when charged, else the cgroup whose max would be exceeded;
 * nothing is charged then.
 */
static __always_inline struct restrack_cgroup *
restrack_charge_try(struct restrack_cgroup *rc, enum restrack_res res, long n,
		    unsigned long *charged)
{
	struct restrack_cgroup *p;
	long usage;

	p = restrack_charge_fast(rc, res, n, NULL, &usage);
	if (unlikely(p))
		return restrack_charge_slow(rc, res, n, NULL, p, usage,
					    charged);
	*charged += n;
	return NULL;
}

static void restrack_event(struct restrack_cgroup *rc, enum restrack_event ev,
			   long n)
{
	struct restrack_cgroup *p;

	atomic64_add(n, &rc->events_local[ev]);
	cgroup_file_notify(&rc->events_local_file);

	for (p = rc; !restrack_is_root(p); p = restrack_parent(p)) {
		atomic64_add(n, &p->events[ev]);
		cgroup_file_notify(&p->events_file);
	}
}

static u64 restrack_to_user(enum restrack_res res, long units)
{
	return (u64)units << restrack_res_desc[res].shift;
}

/*
 * Every kill is logged, as memcg logs its OOM kills, so that it can be
 * found after the cgroup and its restrack.events are gone: which limit of
 * which cgroup, its usage and max (bytes for the heap), and who.  One
 * ratelimit for all, as the OOM killer's.  The path is made under a lock
 * of its own, a leaf lock taken in atomic context too: cgroup_path() on
 * the default hierarchy takes no sleeping lock.
 */
static DEFINE_RATELIMIT_STATE(restrack_kill_rs, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);
static DEFINE_SPINLOCK(restrack_log_lock);
static char restrack_log_path[PATH_MAX];

static void restrack_log_kill(struct restrack_cgroup *rc,
			      enum restrack_res res, struct task_struct *task,
			      long killed)
{
	struct restrack_counter *c = &rc->res[res];
	const char *limit = restrack_res_desc[res].name;
	u64 usage = restrack_to_user(res, atomic_long_read(&c->usage));
	u64 max = restrack_to_user(res, READ_ONCE(c->max));

	if (!__ratelimit(&restrack_kill_rs))
		return;
	spin_lock(&restrack_log_lock);
	cgroup_path(rc->css.cgroup, restrack_log_path,
		    sizeof(restrack_log_path));
	if (task)
		pr_info("restrack: %s.max of %s: killed process %d (%s), usage %llu, max %llu\n",
			limit, restrack_log_path, task_pid_nr(task), task->comm,
			usage, max);
	else
		pr_info("restrack: %s.max of %s: killed %ld processes, usage %llu, max %llu\n",
			limit, restrack_log_path, killed, usage, max);
	spin_unlock(&restrack_log_lock);
}

/*
 * A charge of @res by current did not fit under @over's max: count it, and
 * if @may_kill and @over's policy is kill, kill current.  Safe in atomic
 * context.
 */
static void restrack_limit_hit(struct restrack_cgroup *over,
			       enum restrack_res res, bool may_kill)
{
	/* Already killed: its last gasps are not new events. */
	if (fatal_signal_pending(current))
		return;

	restrack_event(over, restrack_res_desc[res].event, 1);

	if (may_kill && READ_ONCE(over->policy) == RESTRACK_POLICY_KILL &&
	    !(current->flags & PF_KTHREAD)) {
		send_sig(SIGKILL, current, 1);
		restrack_event(over, RESTRACK_EV_KILL, 1);
		restrack_log_kill(over, res, current, 1);
	}
}

static void restrack_over_limit(struct restrack_cgroup *over,
				enum restrack_res res)
{
	restrack_limit_hit(over, res, true);
}

/*
 * Kill every process of @rc and its descendants, @res of @rc being above
 * its max; @rc counts the kills.
 */
static void restrack_kill_all(struct restrack_cgroup *rc,
			      enum restrack_res res)
{
	struct cgroup_subsys_state *pos;
	long killed = 0;

	rcu_read_lock();
	css_for_each_descendant_pre(pos, &rc->css) {
		struct css_task_iter it;
		struct task_struct *task;

		css_task_iter_start(pos, CSS_TASK_ITER_PROCS, &it);
		while ((task = css_task_iter_next(&it))) {
			if (task->flags & PF_KTHREAD)
				continue;
			send_sig(SIGKILL, task, 1);
			killed++;
		}
		css_task_iter_end(&it);
	}
	rcu_read_unlock();

	if (killed) {
		restrack_event(rc, RESTRACK_EV_KILL, killed);
		restrack_log_kill(rc, res, NULL, killed);
	}
}

/* The cgroup current is charged to, with a reference; NULL for the root. */
static struct restrack_cgroup *restrack_get_current(void)
{
	struct cgroup_subsys_state *css;

	css = task_get_css(current, restrack_cgrp_id);
	if (!css->parent) {
		css_put(css);
		return NULL;
	}
	return css_rc(css);
}

/*
 * Bring @c->charged to @target units by charging or uncharging the
 * difference, without checking limits.  Caller holds what orders the
 * writers of @c: the mmap_lock in a heap hook, else the lock of @c.
 * Inlined: in __restrack_heap_account() it is the uncharge of every
 * munmap(), brk() shrink and mprotect() that drops write access.  The
 * charge is the rarer way (growth that went uncharged: a settle after
 * growth past a reservation, exec), and inlined too, so that the hooks'
 * fast paths make no call and need no stack frame (arm64).
 */
static __always_inline void restrack_sync(struct restrack_charge *c,
					  enum restrack_res res,
					  unsigned long target)
{
	if (target == c->charged)
		return;
	if (unlikely(target > c->charged))
		restrack_charge_force(c->rc, res, target - c->charged);
	else
		restrack_uncharge(c->rc, res, c->charged - target);
	c->charged = target;
}

/* @a is @b or an ancestor of it, in the controller's own tree. */
static bool restrack_is_ancestor(struct restrack_cgroup *a,
				 struct restrack_cgroup *b)
{
	for (; b; b = restrack_parent(b))
		if (b == a)
			return true;
	return false;
}

/*
 * The nearest state that is @a or an ancestor of it and holds @b.  Walks
 * states, not cgroups: after the controller was disabled and enabled again
 * a cgroup has a new state, which is not a descendant of the old one.
 */
static struct restrack_cgroup *restrack_common(struct restrack_cgroup *a,
					       struct restrack_cgroup *b)
{
	for (; !restrack_is_root(a); a = restrack_parent(a))
		if (restrack_is_ancestor(a, b))
			break;
	return a;
}

/*
 * Move the charge @c to @to, which may be NULL (untracked), following its
 * new @owner there.  @amount is what an untracked object has to be
 * charged: it was not followed until now.  The levels @c's cgroup and @to
 * share keep the charge throughout: a move never frees room there that a
 * charge could take meanwhile.  Caller holds the lock of @c.  Returns the
 * reference to drop, if any.
 */
static struct restrack_cgroup *restrack_move(struct restrack_charge *c,
					     enum restrack_res res,
					     struct restrack_cgroup *to,
					     unsigned long amount,
					     struct task_struct *owner)
{
	struct restrack_cgroup *from = c->rc, *top = NULL;

	c->owner = to ? owner : NULL;
	if (from == to)
		return NULL;

	if (from) {
		if (to)
			top = restrack_common(from, to);
		restrack_uncharge_below(from, res, c->charged, top);
		amount = c->charged;
	}
	if (to) {
		css_get(&to->css);
		restrack_charge_force_below(to, res, amount, top);
		c->charged = amount;
	} else {
		c->charged = 0;
		WRITE_ONCE(c->reserved, 0);
		WRITE_ONCE(c->reserving, false);
	}
	c->rc = to;
	return from;
}

/* Drop everything @c has charged.  Caller holds the lock of @c. */
static struct restrack_cgroup *restrack_release(struct restrack_charge *c,
						enum restrack_res res)
{
	return restrack_move(c, res, NULL, 0, NULL);
}

/*
 * Move the charge @c to @to, not the root, within the limits of @to and of
 * its ancestors up to the one it shares with the cgroup charged now.
 * @amount is what an untracked object has to be charged.  Caller holds the
 * lock of @c.  Return NULL when moved, with the reference to drop in @old,
 * else the cgroup whose max would be exceeded; nothing changed then.
 */
static struct restrack_cgroup *
restrack_move_checked(struct restrack_charge *c, enum restrack_res res,
		      struct restrack_cgroup *to, unsigned long amount,
		      struct task_struct *owner, struct restrack_cgroup **old)
{
	struct restrack_cgroup *from = c->rc, *top = NULL, *over = NULL;

	*old = NULL;
	if (from == to) {
		c->owner = owner;
		return NULL;
	}
	if (from) {
		amount = c->charged;
		top = restrack_common(from, to);
	}
	if (amount)
		over = restrack_charge_try_below(to, res, amount, top);
	if (over)
		return over;
	if (from)
		restrack_uncharge_below(from, res, amount, top);
	css_get(&to->css);
	c->rc = to;
	c->charged = amount;
	c->owner = owner;
	*old = from;
	return NULL;
}

/*
 * Objects of the root cgroup return at once.  ->rc is stable in the hooks:
 * an mm moves under its mmap_lock held for writing, an fd table under
 * file_lock, which they hold; a plain read lets the compiler reuse it.
 */
static bool restrack_untracked(struct restrack_charge *c)
{
	return !c->rc;
}

static void restrack_put(struct restrack_cgroup *rc)
{
	if (rc)
		css_put(&rc->css);
}

/*
 * Heap.
 *
 * The charge of an mm follows mm->data_vm.  An operation that grows it
 * charges the growth first, where may_expand_vm() checks RLIMIT_DATA, so
 * that growth elsewhere in the cgroup cannot overshoot max meanwhile: the
 * charge is "reserved" ahead of data_vm.  Growth then consumes the
 * reservation.  Until the reservation is used up, data pages the operation
 * unmaps on the way (MAP_FIXED over data, mremap()) are not uncharged but
 * added to it: the check already counted them as freed, and handing them
 * back in between would let another mm take them.  At the end of the
 * operation (restrack_heap_settle()) whatever it did not use is dropped and
 * the charge is data_vm again.  An operation that unmaps nothing before it
 * accounts its growth (mprotect() making a mapping writable, brk()) needs
 * no reservation: restrack_heap_charge() charges the growth at once, and
 * data_vm catches up with the charge when the growth is accounted, or the
 * operation's settle drops the charge if it fails before that.  All of it
 * runs under the mmap_lock of the mm, held for writing, or for reading by
 * an munmap() that downgraded it, which excludes every other writer of the
 * charge: hooks of the mm, and moves, which hold it for writing
 * (restrack_move_mm(), hand-overs).  The hooks therefore take no lock of
 * their own, and a move never finds an operation half done.  The
 * reservation (->reserved, ->reserving) is the operation's own; a move to
 * untracked voids it (a reservation is void while ->reserving is clear).
 */

/*
 * What vm_stat_account() counts in data_vm: is_data_mapping() and not
 * is_stack_mapping(), which takes shadow stacks (x86 CET, arm64 GCS) too:
 * they are writable and private, and yet stack.
 */
static bool restrack_is_data(vm_flags_t flags)
{
	return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE &&
	       !(flags & VM_SHADOW_STACK);
}

/**
 * __restrack_heap_try_charge - charge heap growth ahead of the change
 * @mm: the mm to grow, current's
 * @flags: the flags of the mappings that grow
 * @npages: pages the operation adds to them
 *
 * Return: false, with the limit's event counted and its policy applied, if
 * the growth is data and does not fit under every max; true otherwise.
 */
bool __restrack_heap_try_charge(struct mm_struct *mm, vm_flags_t flags,
				unsigned long npages)
{
	struct restrack_charge *c = &mm->restrack_heap;
	struct restrack_cgroup *over = NULL;
	unsigned long more;

	lockdep_assert_held(&mm->mmap_lock);
	if (!restrack_is_data(flags) || restrack_untracked(c))
		return true;

	if (!c->reserving) {
		/* A new operation: start from what is mapped. */
		c->reserved = 0;
		restrack_sync(c, RESTRACK_HEAP, mm->data_vm);
	}
	more = npages > c->reserved ? npages - c->reserved : 0;
	if (more)
		over = restrack_charge_try(c->rc, RESTRACK_HEAP, more,
					   &c->charged);
	if (over) {
		restrack_over_limit(over, RESTRACK_HEAP);
	} else {
		c->reserved += more;
		c->reserving = true;
	}
	return !over;
}

/**
 * __restrack_heap_charge - charge heap growth that is accounted next
 * @mm: the mm to grow, current's, its mmap_lock held for writing
 * @flags: the flags of the mappings that grow
 * @npages: pages the operation adds to them, > 0
 *
 * For an operation that unmaps no data between this charge and the
 * accounting of its growth in data_vm, and reserves nothing: the charge is
 * exact at once, with no reservation to consume.  If the operation fails
 * before it accounts, restrack_heap_settle() at its end drops the charge.
 *
 * Return: as __restrack_heap_try_charge().
 */
bool __restrack_heap_charge(struct mm_struct *mm, vm_flags_t flags,
			    unsigned long npages)
{
	struct restrack_charge *c = &mm->restrack_heap;
	struct restrack_cgroup *over;

	lockdep_assert_held_write(&mm->mmap_lock);
	if (!restrack_is_data(flags) || restrack_untracked(c))
		return true;
	/* Within a reservation the growth would count twice until settled. */
	VM_WARN_ON_ONCE(c->reserving);

	restrack_sync(c, RESTRACK_HEAP, mm->data_vm);
	over = restrack_charge_try(c->rc, RESTRACK_HEAP, npages, &c->charged);
	if (over) {
		restrack_over_limit(over, RESTRACK_HEAP);
		return false;
	}
	return true;
}

/**
 * __restrack_heap_keep - hold the charge while mprotect() re-accounts data
 * @mm: current's mm, its mmap_lock held for writing
 * @oldflags: the flags of the pages before
 * @newflags: and after
 *
 * mprotect() accounts the pages it changes under their old flags, taken
 * away, then under the new ones.  Between two data protections (RW to W
 * only or RWX, a new protection key) data_vm dips and comes back: the
 * charge must not dip with it, or another mm of the cgroup could take
 * what the dip freed while mprotect() walks its other mappings, and the
 * charge that came back later would go past the max.  A reservation holds
 * it: the dip adds the pages to it and their return uses them up.
 */
void __restrack_heap_keep(struct mm_struct *mm, vm_flags_t oldflags,
			  vm_flags_t newflags)
{
	struct restrack_charge *c = &mm->restrack_heap;

	lockdep_assert_held_write(&mm->mmap_lock);
	if (restrack_untracked(c) || !restrack_is_data(oldflags) ||
	    !restrack_is_data(newflags))
		return;
	if (!c->reserving) {
		c->reserved = 0;
		c->reserving = true;
	}
}

/**
 * __restrack_heap_account - follow a change of mm->data_vm
 * @mm: the mm whose data_vm has just changed
 * @npages: by how many pages
 */
void __restrack_heap_account(struct mm_struct *mm, long npages)
{
	struct restrack_charge *c = &mm->restrack_heap;

	lockdep_assert_held(&mm->mmap_lock);
	if (restrack_untracked(c))
		return;

	if (c->reserving) {
		if (npages < 0) {
			c->reserved -= npages;
			return;
		}
		/*
		 * Growth past the reservation (mremap() maps the new range
		 * before it unmaps the old one) is charged when the
		 * operation settles.
		 */
		c->reserved -= min_t(unsigned long, c->reserved, npages);
		if (!c->reserved)
			c->reserving = false;
		return;
	}
	/*
	 * Data unmapped outside an operation's reservation is uncharged now;
	 * growth that was not charged ahead is charged when it settles.
	 */
	if (npages < 0)
		restrack_sync(c, RESTRACK_HEAP, mm->data_vm);
}

/**
 * __restrack_heap_settle - make the charge of @mm exactly its data_vm
 * @mm: the mm at the end of an operation that may have grown it
 *
 * Drops a reservation the operation did not use, and charges growth that
 * bypassed restrack_heap_try_charge().
 */
void __restrack_heap_settle(struct mm_struct *mm)
{
	struct restrack_charge *c = &mm->restrack_heap;

	lockdep_assert_held(&mm->mmap_lock);
	c->reserving = false;
	/*
	 * ->charged is data_vm plus what is still reserved, or less after
	 * growth past the reservation.
	 */
	if (!restrack_untracked(c))
		restrack_sync(c, RESTRACK_HEAP, mm->data_vm);
}

/**
 * __restrack_heap_dup - charge the copy of the data that fork() made
 * @mm: the child's new mm, not yet visible to anyone
 *
 * Return: 0, or -ENOMEM if the copy does not fit under the limits of the
 * forking task's cgroup.
 */
int __restrack_heap_dup(struct mm_struct *mm)
{
	struct restrack_charge *c = &mm->restrack_heap;
	struct restrack_cgroup *rc, *over = NULL;

	rc = restrack_get_current();
	if (!rc)
		return 0;

	if (mm->data_vm)
		over = restrack_charge_try_below(rc, RESTRACK_HEAP, mm->data_vm,
						 NULL);
	if (over) {
		restrack_over_limit(over, RESTRACK_HEAP);
		restrack_put(rc);
		return -ENOMEM;
	}

	/* Owned by the child from restrack_fork() on. */
	spin_lock(&c->lock);
	c->rc = rc;
	c->charged = mm->data_vm;
	spin_unlock(&c->lock);
	return 0;
}

/**
 * __restrack_heap_exec - start following the mm exec() installed
 * @mm: current's new mm
 *
 * Called under task_lock(current), so that a concurrent move of current
 * either sees the new mm or runs before it is charged here.
 */
void __restrack_heap_exec(struct mm_struct *mm)
{
	struct restrack_charge *c = &mm->restrack_heap;
	struct restrack_cgroup *rc = restrack_get_current();

	if (!rc)
		return;

	spin_lock(&c->lock);
	if (!c->rc) {
		c->rc = rc;
		c->owner = current;
		c->charged = 0;
		restrack_sync(c, RESTRACK_HEAP, mm->data_vm);
		rc = NULL;
	}
	spin_unlock(&c->lock);
	restrack_put(rc);
}

/**
 * __restrack_heap_release - uncharge an mm whose last user is gone
 * @mm: the mm
 */
void __restrack_heap_release(struct mm_struct *mm)
{
	struct restrack_charge *c = &mm->restrack_heap;
	struct restrack_cgroup *old;

	spin_lock(&c->lock);
	/*
	 * No operation is under way: the charge is data_vm, as the "Heap"
	 * comment has it.  A drift would end with the mm and be lost from
	 * sight, so say so here.
	 */
	WARN_ONCE(c->rc && (c->reserving || c->charged != mm->data_vm),
		  "restrack: mm released with %lu pages charged, data_vm %lu%s\n",
		  c->charged, mm->data_vm, c->reserving ? ", reserving" : "");
	old = restrack_release(c, RESTRACK_HEAP);
	spin_unlock(&c->lock);
	restrack_put(old);
}

/*
 * Files.
 *
 * An fd table is charged one unit per bit set in its open_fds bitmap, that
 * is per descriptor allocated, including those between get_unused_fd_flags()
 * and fd_install().  All hooks run under files->file_lock.
 */

/* The descriptors open in @files; file_lock held. */
static unsigned long restrack_count_fds(struct files_struct *files)
{
	struct fdtable *fdt = files_fdtable(files);

	return bitmap_weight(fdt->open_fds, fdt->max_fds);
}

/**
 * __restrack_files_try_charge - charge one new descriptor
 * @files: the table the descriptor is allocated in, file_lock held
 *
 * Return: false, with the limit's event counted and its policy applied, if
 * the descriptor does not fit under every max; true otherwise.
 */
bool __restrack_files_try_charge(struct files_struct *files)
{
	struct restrack_charge *c = &files->restrack_files;
	struct restrack_cgroup *rc, *over;

	lockdep_assert_held(&files->file_lock);
	rc = READ_ONCE(c->rc);
	if (!rc)
		return true;

	over = restrack_charge_try(rc, RESTRACK_FILES, 1, &c->charged);
	if (over) {
		restrack_over_limit(over, RESTRACK_FILES);
		return false;
	}
	return true;
}

/* Uncharge one descriptor freed in @files, file_lock held. */
static __always_inline void
restrack_files_uncharge_one(struct files_struct *files)
{
	struct restrack_charge *c = &files->restrack_files;
	struct restrack_cgroup *rc = READ_ONCE(c->rc);

	lockdep_assert_held(&files->file_lock);
	if (!rc || WARN_ON_ONCE(!c->charged))
		return;

	restrack_uncharge(rc, RESTRACK_FILES, 1);
	c->charged--;
}

/**
 * __restrack_files_uncharge - uncharge one freed descriptor
 * @files: the table, file_lock held
 */
void __restrack_files_uncharge(struct files_struct *files)
{
	restrack_files_uncharge_one(files);
}

/**
 * __restrack_files_close - uncharge the descriptor of a file taken out
 * @files: the table, file_lock held
 * @file: the file the freed descriptor referred to
 *
 * The uncharge of __restrack_files_uncharge(), not a call to it, which
 * would need a stack frame here where sibling calls are off (arm64).
 *
 * Return: @file, for the caller to return: see restrack_files_close().
 */
struct file *__restrack_files_close(struct files_struct *files,
				    struct file *file)
{
	restrack_files_uncharge_one(files);
	return file;
}

/*
 * The level of @rc or its ancestors whose max @n more units of @res would
 * pass, or NULL if they fit.  A test, not a charge: usage may change as
 * soon as it returns.
 */
static struct restrack_cgroup *
restrack_would_exceed(struct restrack_cgroup *rc, enum restrack_res res,
		      long n)
{
	struct restrack_cgroup *p;

	for (p = rc; restrack_counts_at(p, NULL); p = p->up)
		if (atomic_long_read(&p->res[res].usage) + n >
		    READ_ONCE(p->res[res].max))
			return p;
	return NULL;
}

/**
 * __restrack_files_exec - refuse an exec whose copy of the table cannot fit
 * @files: current's table, before exec's point of no return
 *
 * exec() gives current a table of its own (unshare_files()) if processes
 * other than its own threads, which exec() ends, share it.  That copy comes
 * after the point of no return, where a failure kills the task.  Check here
 * that it fits, while exec() can still fail: -EMFILE, counted and under the
 * policy of the limit, as any new descriptor would be.  The copy itself is
 * charged within the limits too: if the cgroup charged more meanwhile and
 * it no longer fits, the exec fails after its point of no return and the
 * task dies, as it does when the copy cannot be allocated.
 *
 * Return: 0, or -EMFILE if the copy would not fit.
 */
int __restrack_files_exec(struct files_struct *files)
{
	struct restrack_cgroup *rc, *over;
	struct task_struct *t;
	unsigned long n;
	int users = 0;

	if (atomic_read(&files->count) == 1)
		return 0;
	rcu_read_lock();
	for_each_thread(current, t)
		if (READ_ONCE(t->files) == files)
			users++;
	rcu_read_unlock();
	if (atomic_read(&files->count) <= users)
		return 0;	/* no copy: only current's threads use it */

	rc = restrack_get_current();
	if (!rc)
		return 0;
	spin_lock(&files->file_lock);
	n = restrack_count_fds(files);
	spin_unlock(&files->file_lock);
	over = restrack_would_exceed(rc, RESTRACK_FILES, n);
	if (over)
		restrack_over_limit(over, RESTRACK_FILES);
	restrack_put(rc);
	return over ? -EMFILE : 0;
}

/**
 * __restrack_files_dup - charge a table copied by fork(), unshare() or exec()
 * @files: the new table, not yet visible to anyone
 *
 * Return: 0, or -EMFILE if its descriptors do not fit under the limits of
 * current's cgroup.  exec() checked before its point of no return that its
 * copy fits (__restrack_files_exec()).
 */
int __restrack_files_dup(struct files_struct *files)
{
	struct restrack_charge *c = &files->restrack_files;
	struct restrack_cgroup *rc, *over = NULL;
	unsigned long n;

	rc = restrack_get_current();
	if (!rc)
		return 0;

	/* Nobody else sees the table yet, but its fdt is file_lock's. */
	spin_lock(&files->file_lock);
	n = restrack_count_fds(files);
	if (n)
		over = restrack_charge_try_below(rc, RESTRACK_FILES, n, NULL);
	if (over) {
		restrack_over_limit(over, RESTRACK_FILES);
	} else {
		/* A fork's child takes it over in restrack_fork(). */
		c->rc = rc;
		c->owner = current;
		c->charged = n;
	}
	spin_unlock(&files->file_lock);

	if (over) {
		restrack_put(rc);
		return -EMFILE;
	}
	return 0;
}

/**
 * __restrack_files_release - uncharge a table whose last user is gone
 * @files: the table
 */
void __restrack_files_release(struct files_struct *files)
{
	struct restrack_charge *c = &files->restrack_files;
	struct restrack_cgroup *old;
	unsigned long n;

	spin_lock(&files->file_lock);
	/* As for an mm: the charge is the descriptors allocated. */
	if (c->rc) {
		n = restrack_count_fds(files);
		WARN_ONCE(c->charged != n,
			  "restrack: table released with %lu charged, %lu open\n",
			  c->charged, n);
	}
	old = restrack_release(c, RESTRACK_FILES);
	spin_unlock(&files->file_lock);
	restrack_put(old);
}

/*
 * Owners.  An mm or table shared by several tasks (threads, CLONE_VM or
 * CLONE_FILES children) is charged to the cgroup of one of them, its owner,
 * as memcg's mm->owner: the task that created it, or that moved it into a
 * tracked cgroup.  It moves when its owner moves, and when the owner stops
 * using it while others still do, one of them takes it over and the charge
 * follows that one's cgroup: usage always sits with a live user.  Owners
 * change under task_lock() of the new owner, so that a task that stops
 * using the object after it was picked finds itself owner and hands it on.
 */

/* The lock of the charge @c of @obj: its own in an mm, file_lock in a table. */
static spinlock_t *restrack_lock_of(struct restrack_charge *c,
				    enum restrack_res res, void *obj)
{
	return res == RESTRACK_HEAP ? &c->lock :
	       &((struct files_struct *)obj)->file_lock;
}

/* Make @t the owner of @c if @t uses @obj.  Under rcu_read_lock(). */
static bool restrack_take_over(struct task_struct *t, struct restrack_charge *c,
			       enum restrack_res res, void *obj)
{
	struct restrack_cgroup *to, *old = NULL;
	struct cgroup_subsys_state *css;
	void *used;

	if (t == current || (t->flags & PF_KTHREAD))
		return false;
	used = res == RESTRACK_HEAP ? (void *)READ_ONCE(t->mm) :
				      (void *)READ_ONCE(t->files);
	if (used != obj)
		return false;

	task_lock(t);
	used = res == RESTRACK_HEAP ? (void *)t->mm : (void *)t->files;
	if (used != obj) {
		task_unlock(t);
		return false;
	}
	css = task_css(t, restrack_cgrp_id);
	to = css->parent ? css_rc(css) : NULL;
	spin_lock(restrack_lock_of(c, res, obj));
	if (c->owner == current)
		old = restrack_move(c, res, to, c->charged, t);
	spin_unlock(restrack_lock_of(c, res, obj));
	task_unlock(t);
	restrack_put(old);
	return true;
}

/* Nobody but borrowers uses @obj: @c stays charged until it is released. */
static void restrack_disown(struct restrack_charge *c, enum restrack_res res,
			    void *obj)
{
	spin_lock(restrack_lock_of(c, res, obj));
	if (c->owner == current)
		c->owner = NULL;
	spin_unlock(restrack_lock_of(c, res, obj));
}

/*
 * current, the owner of @c, stops using @obj, which has other users: hand
 * it to one, looking in current's thread group first.  If only borrowers
 * are left, the charge stays until the last reference goes.  For an mm,
 * the caller holds its mmap_lock for writing.
 */
static void restrack_hand_over(struct restrack_charge *c,
			       enum restrack_res res, void *obj)
{
	struct task_struct *g, *t;

	rcu_read_lock();
	for_each_thread(current, t)
		if (restrack_take_over(t, c, res, obj))
			goto out;
	for_each_process_thread(g, t)
		if (restrack_take_over(t, c, res, obj))
			goto out;
	restrack_disown(c, res, obj);
out:
	rcu_read_unlock();
}

/**
 * __restrack_heap_leave - current stops using @mm
 * @mm: its mm before exit or exec, still referenced by current
 *
 * Its other users may be running heap hooks on it: a hand-over holds the
 * mmap_lock for writing, see restrack_move_mm().
 */
void __restrack_heap_leave(struct mm_struct *mm)
{
	struct restrack_charge *c = &mm->restrack_heap;

	if (READ_ONCE(c->owner) == current && atomic_read(&mm->mm_users) > 1) {
		mmap_write_lock(mm);
		restrack_hand_over(c, RESTRACK_HEAP, mm);
		mmap_write_unlock(mm);
	}
}

/**
 * __restrack_files_leave - current is about to drop a reference to @files
 * @files: the table, which current no longer uses if it is the owner's
 *	last reference (exit, exec, unshare, close_range)
 */
void __restrack_files_leave(struct files_struct *files)
{
	struct restrack_charge *c = &files->restrack_files;

	if (READ_ONCE(c->owner) == current && current->files != files &&
	    atomic_read(&files->count) > 1)
		restrack_hand_over(c, RESTRACK_FILES, files);
}

/*
 * Moves.  Called for each migrating task and for each new child: the mm and
 * the fd table follow their owner.  A task that uses an untracked one, or
 * one that only borrowers hold, becomes its owner.
 */
static bool restrack_moves_with(struct restrack_charge *c,
				struct task_struct *task)
{
	return !c->rc || !c->owner || c->owner == task;
}

/*
 * Move the mm @task uses, @mm, to @to if it follows @task.  Caller holds
 * the mmap_lock of @mm for writing: tasks may be running heap hooks on
 * it, which take no lock but the mmap_lock.  If exec() or exit() replaced
 * it meanwhile, the new mm was charged where @task lives now, and the old
 * one is left to its other users, as at any exec() or exit().  Returns the
 * reference to drop, if any.
 */
static struct restrack_cgroup *
restrack_move_mm_locked(struct task_struct *task, struct mm_struct *mm,
			struct restrack_cgroup *to)
{
	struct restrack_charge *c = &mm->restrack_heap;
	struct restrack_cgroup *old = NULL;

	mmap_assert_write_locked(mm);
	task_lock(task);
	spin_lock(&c->lock);
	if (task->mm == mm && restrack_moves_with(c, task))
		old = restrack_move(c, RESTRACK_HEAP, to, mm->data_vm, task);
	spin_unlock(&c->lock);
	task_unlock(task);
	return old;
}

/*
 * A move of @task's mm that attach left to the task that migrated @task:
 * made on its way back to user space, out of the cgroup locks, to the
 * cgroup @task is in then.
 */
struct restrack_mm_move {
	struct callback_head work;
	struct task_struct *task;
	struct mm_struct *mm;
};

static void restrack_mm_move_fn(struct callback_head *work)
{
	struct restrack_mm_move *mv = container_of(work, struct restrack_mm_move,
						   work);
	struct restrack_cgroup *old = NULL;
	struct cgroup_subsys_state *css;

	/*
	 * Not killable: the charge must end where its owner is, and a write
	 * to cgroupfs waits for the holder of this lock as it did in attach,
	 * only without the cgroup locks.
	 */
	mmap_write_lock(mv->mm);
	css = task_get_css(mv->task, restrack_cgrp_id);
	old = restrack_move_mm_locked(mv->task, mv->mm,
				      css->parent ? css_rc(css) : NULL);
	mmap_write_unlock(mv->mm);
	css_put(css);
	restrack_put(old);
	mmdrop(mv->mm);
	put_task_struct(mv->task);
	kfree(mv);
}

/* Queue the move of @mm, which @task uses, for current's return. */
static bool restrack_defer_mm_move(struct task_struct *task,
				   struct mm_struct *mm)
{
	struct restrack_mm_move *mv;

	/* a kernel thread or an io_uring worker may never return to user */
	if (current->flags & (PF_KTHREAD | PF_IO_WORKER))
		return false;
	mv = restrack_zalloc(mv);
	if (!mv)
		return false;
	get_task_struct(task);
	mmgrab(mm);
	mv->task = task;
	mv->mm = mm;
	init_task_work(&mv->work, restrack_mm_move_fn);
	if (task_work_add(current, &mv->work, TWA_RESUME)) {
		mmdrop(mm);
		put_task_struct(task);
		kfree(mv);
		return false;
	}
	return true;
}

/*
 * attach: move the mm @task uses to @to if it follows @task.  That needs
 * its mmap_lock for writing, as cpuset_attach() takes it to rebind an mm's
 * policies, but attach runs under cgroup_mutex and, for writing,
 * cgroup_threadgroup_rwsem, which every fork, exec and exit takes: a task
 * that holds the mmap_lock for long (a fault on a hung FUSE or NFS mount,
 * through /proc/PID/mem) would stall them all.  So the task that migrates
 * @task moves the charge on its return to user space, with no cgroup lock
 * held (restrack_defer_mm_move()): the write to cgroup.procs or
 * cgroup.subtree_control, or the system call, returns with the move done.
 * (A try-lock here first would save nothing that matters: migrations are
 * rare, and not every line has mmap_write_trylock().)  Only a kernel
 * thread or an io_uring worker, or a failed allocation, waits for the lock
 * here.  Most tasks of a migrating process do not own its mm, or find it
 * charged where they go, and take no lock at all.  The mm is pinned by
 * get_task_mm(), as the mmap_lock nests outside task_lock().  Returns the
 * reference to drop, if any.
 */
static struct restrack_cgroup *restrack_move_mm(struct task_struct *task,
						struct restrack_cgroup *to)
{
	struct restrack_cgroup *old = NULL;
	struct restrack_charge *c;
	struct mm_struct *mm;
	bool move;

	mm = get_task_mm(task);
	if (!mm)
		return NULL;
	c = &mm->restrack_heap;
	task_lock(task);
	spin_lock(&c->lock);
	move = task->mm == mm && restrack_moves_with(c, task);
	if (move && c->rc == to) {
		/* charged there already: @task just becomes the owner */
		restrack_move(c, RESTRACK_HEAP, to, 0, task);
		move = false;
	}
	spin_unlock(&c->lock);
	task_unlock(task);
	if (move && !restrack_defer_mm_move(task, mm)) {
		mmap_write_lock(mm);
		old = restrack_move_mm_locked(task, mm, to);
		mmap_write_unlock(mm);
	}
	mmput(mm);
	return old;
}

/*
 * Move what @task uses to @css: its mm and its fd table, each if it
 * follows @task.  @fork: @task is a new child, which has not run: an mm it
 * does not share with current is its own copy, on which no hook runs.
 */
static void restrack_move_task(struct task_struct *task,
			       struct cgroup_subsys_state *css, bool fork)
{
	struct restrack_cgroup *to = css->parent ? css_rc(css) : NULL;
	struct restrack_cgroup *old = NULL, *old_files = NULL;
	struct files_struct *files;
	struct mm_struct *mm;
	struct restrack_charge *c;

	if (!fork)
		old = restrack_move_mm(task, to);

	task_lock(task);
	mm = task->mm;
	if (fork && mm && !(task->flags & PF_KTHREAD) && mm != current->mm) {
		/* The child's own copy: it follows its new owner. */
		c = &mm->restrack_heap;
		spin_lock(&c->lock);
		old = restrack_move(c, RESTRACK_HEAP, to, mm->data_vm, task);
		spin_unlock(&c->lock);
	}

	files = task->files;
	if (files && !(fork && files == current->files)) {
		c = &files->restrack_files;
		spin_lock(&files->file_lock);
		if (fork)
			c->owner = task;
		if (restrack_moves_with(c, task))
			old_files = restrack_move(c, RESTRACK_FILES, to,
						  c->rc ? 0 :
						  restrack_count_fds(files),
						  task);
		spin_unlock(&files->file_lock);
	}
	task_unlock(task);

	restrack_put(old);
	restrack_put(old_files);
}

static void restrack_attach(struct cgroup_taskset *tset)
{
	struct cgroup_subsys_state *css;
	struct task_struct *task;

	cgroup_taskset_for_each(task, css, tset)
		restrack_move_task(task, css, false);
}

/*
 * clone3(CLONE_INTO_CGROUP): the copies dup_mm() and dup_fd() charged to
 * the parent's cgroup move to the child's before it runs, within the
 * limits there, as pids charges the new task where it will live.  A denial
 * fails the clone like any other: -ENOMEM for the heap, -EMFILE for the
 * table.  The parent lives elsewhere, so the kill policy of the child's
 * cgroup does not kill it.  Shared mms and tables stay where they are
 * charged.
 */
static int restrack_can_fork(struct task_struct *task, struct css_set *cset)
{
	struct cgroup_subsys_state *css = cset->subsys[restrack_cgrp_id];
	struct restrack_cgroup *to, *over = NULL, *old;
	struct restrack_charge *c;

	if (!restrack_enabled() || !css->parent)
		return 0;
	to = css_rc(css);

	if (task->mm && task->mm != current->mm) {
		c = &task->mm->restrack_heap;
		spin_lock(&c->lock);
		over = restrack_move_checked(c, RESTRACK_HEAP, to,
					     task->mm->data_vm, task, &old);
		spin_unlock(&c->lock);
		if (over) {
			restrack_limit_hit(over, RESTRACK_HEAP, false);
			return -ENOMEM;
		}
		restrack_put(old);
	}

	if (task->files && task->files != current->files) {
		c = &task->files->restrack_files;
		spin_lock(&task->files->file_lock);
		over = restrack_move_checked(c, RESTRACK_FILES, to,
					     restrack_count_fds(task->files),
					     task, &old);
		spin_unlock(&task->files->file_lock);
		if (over) {
			restrack_limit_hit(over, RESTRACK_FILES, false);
			return -EMFILE;
		}
		restrack_put(old);
	}
	return 0;
}

/*
 * The child inherits the copies dup_mm()/dup_fd() charged to the parent's
 * cgroup; restrack_can_fork() moved them if it lives elsewhere.  This
 * catches a child whose parent was untracked at the copy.
 */
static void restrack_fork(struct task_struct *task)
{
	struct cgroup_subsys_state *css;

	if (!restrack_enabled())
		return;
	css = task_get_css(task, restrack_cgrp_id);
	restrack_move_task(task, css, true);
	css_put(css);
}

static void (*restrack_exit_notify)(struct task_struct *task) __read_mostly;

/**
 * restrack_set_exit_notifier - learn of process exits in restrack cgroups
 * @notify: called from the exit of the last thread of each process in a
 *	cgroup below the root, after the process left the cgroup's
 *	population; may not sleep
 *
 * For the system call shims, which remove their cgroups when they empty.
 */
void restrack_set_exit_notifier(void (*notify)(struct task_struct *task))
{
	WRITE_ONCE(restrack_exit_notify, notify);
}

static void restrack_exit(struct task_struct *task)
{
	void (*notify)(struct task_struct *task);

	if (!restrack_enabled() || atomic_read(&task->signal->live))
		return;
	notify = READ_ONCE(restrack_exit_notify);
	if (notify)
		notify(task);
}

static struct cgroup_subsys_state *
restrack_css_alloc(struct cgroup_subsys_state *parent)
{
	struct restrack_cgroup *rc;
	int i;

	rc = restrack_zalloc(rc);
	if (!rc)
		return ERR_PTR(-ENOMEM);

	/* No peak yet: the ceiling of zero sends the first charge slow. */
	for (i = 0; i < RESTRACK_NR_RES; i++)
		rc->res[i].max = RESTRACK_MAX;
	spin_lock_init(&rc->lock);
	rc->policy = RESTRACK_POLICY_DENY;
	if (parent && parent->parent)
		rc->up = css_rc(parent);

	/* Hooks run from the first cgroup below the root until the last. */
	if (parent)
		static_branch_inc(&restrack_active);
	return &rc->css;
}

static void restrack_css_free(struct cgroup_subsys_state *css)
{
	if (css->parent)
		static_branch_dec(&restrack_active);
	kfree(css_rc(css));
}

/* Interface files. */

static int restrack_current_show(struct seq_file *sf, void *v)
{
	struct restrack_cgroup *rc = css_rc(seq_css(sf));
	enum restrack_res res = seq_cft(sf)->private;

	long usage = atomic_long_read(&rc->res[res].usage);

	seq_printf(sf, "%llu\n", restrack_to_user(res, usage));
	return 0;
}

static int restrack_peak_show(struct seq_file *sf, void *v)
{
	struct restrack_cgroup *rc = css_rc(seq_css(sf));
	enum restrack_res res = seq_cft(sf)->private;

	long peak = READ_ONCE(rc->res[res].peak);

	seq_printf(sf, "%llu\n", restrack_to_user(res, peak));
	return 0;
}

static int restrack_max_show(struct seq_file *sf, void *v)
{
	struct restrack_cgroup *rc = css_rc(seq_css(sf));
	enum restrack_res res = seq_cft(sf)->private;
	long max = READ_ONCE(rc->res[res].max);

	if (max == RESTRACK_MAX)
		seq_puts(sf, RESTRACK_MAX_STR "\n");
	else
		seq_printf(sf, "%llu\n", restrack_to_user(res, max));
	return 0;
}

/*
 * Parse a size: decimal bytes with an optional K, M, G, T, P or E suffix,
 * as memory.max takes, rounded down to the units of @res (pages for the
 * heap).  Unlike memparse(), reject overflow and anything after the
 * suffix.
 */
static int restrack_parse_bytes(char *buf, enum restrack_res res, long *pages)
{
	static const char suffixes[] = "KMGTPE";
	unsigned int shift = 0;
	char *end = buf;
	const char *s;
	u64 bytes;

	while (isdigit(*end))
		end++;
	if (end == buf)
		return -EINVAL;
	if (*end) {
		s = strchr(suffixes, toupper(*end));
		if (!s || end[1])
			return -EINVAL;
		shift = 10 * (s - suffixes + 1);
		*end = '\0';
	}
	if (kstrtou64(buf, 10, &bytes) || bytes > (U64_MAX >> shift))
		return -EINVAL;

	bytes = (bytes << shift) >> restrack_res_desc[res].shift;
	*pages = min_t(u64, bytes, restrack_max_limit(res));
	return 0;
}

/* A count of descriptors: a decimal number, no suffix. */
static int restrack_parse_count(char *buf, enum restrack_res res, long *max)
{
	unsigned long n;

	if (kstrtoul(buf, 10, &n) || n >= RESTRACK_MAX)
		return -EINVAL;
	*max = n;
	return 0;
}

const struct restrack_res_desc restrack_res_desc[RESTRACK_NR_RES] = {
	[RESTRACK_HEAP] = {
		.name		= "heap",
		.shift		= PAGE_SHIFT,
		.parse		= restrack_parse_bytes,
		.event		= RESTRACK_EV_HEAP_MAX,
		/* heap.max shows bytes: pages << PAGE_SHIFT within a u64 */
		.max_limit	= (long)(U64_MAX >> PAGE_SHIFT),
	},
	[RESTRACK_FILES] = {
		.name		= "files",
		.parse		= restrack_parse_count,
		.event		= RESTRACK_EV_FILES_MAX,
		.max_limit	= RESTRACK_MAX - 1,
	},
};

/**
 * restrack_parse_max - parse a value written to restrack.*.max
 * @buf: the stripped text
 * @res: resource the file is for
 * @max: the limit in units of @res
 *
 * Return: 0, or -EINVAL for anything but "max" or a number in range.
 */
static int restrack_parse_max(char *buf, enum restrack_res res, long *max)
{
	if (!strcmp(buf, RESTRACK_MAX_STR)) {
		*max = RESTRACK_MAX;
		return 0;
	}
	return restrack_res_desc[res].parse(buf, res, max);
}

/**
 * restrack_set_max - set a limit, as writing restrack.*.max does
 * @rc: the cgroup
 * @res: resource
 * @max: the limit in units of @res, RESTRACK_MAX for none
 *
 * Charges only fail from now on: usage already above the new limit stays
 * charged.  Callers follow with restrack_enforce().
 */
void restrack_set_max(struct restrack_cgroup *rc, enum restrack_res res,
		      long max)
{
	struct restrack_counter *c = &rc->res[res];

	spin_lock(&rc->lock);
	WRITE_ONCE(c->max, max);
	WRITE_ONCE(c->ceiling, restrack_ceiling_of(c));
	spin_unlock(&rc->lock);
	/*
	 * A charge adds to usage with an acquire RMW, then reads the ceiling
	 * (and max).  This fully ordered RMW of usage, after the stores, comes
	 * before or after the charge's in the order of usage's writes.  After:
	 * the charge reads from it, or from a later RMW, and sees the new
	 * ceiling and max (release, RMW sequence, acquire).  Before: it, and
	 * so restrack_enforce()'s read of usage after it, see the charge.
	 * Either the charge fails, or restrack_enforce() sees it and kills.
	 */
	atomic_long_fetch_add(0, &c->usage);
}

/**
 * restrack_enforce - apply the kill policy to a cgroup over its limits
 * @rc: the cgroup
 *
 * Under the kill policy a usage above a max kills the whole cgroup, as
 * memory.oom.group does.  Called after a max was written.
 */
void restrack_enforce(struct restrack_cgroup *rc)
{
	int i;

	if (READ_ONCE(rc->policy) != RESTRACK_POLICY_KILL)
		return;
	for (i = 0; i < RESTRACK_NR_RES; i++) {
		if (atomic_long_read(&rc->res[i].usage) >
		    READ_ONCE(rc->res[i].max)) {
			restrack_kill_all(rc, i);
			return;
		}
	}
}

static ssize_t restrack_max_write(struct kernfs_open_file *of, char *buf,
				  size_t nbytes, loff_t off)
{
	struct restrack_cgroup *rc = css_rc(of_css(of));
	enum restrack_res res = of_cft(of)->private;
	long max;
	int err;

	err = restrack_parse_max(strstrip(buf), res, &max);
	if (err)
		return err;

	restrack_set_max(rc, res, max);
	restrack_enforce(rc);
	return nbytes;
}

static void restrack_events_print(struct seq_file *sf, atomic64_t *events)
{
	int i;

	for (i = 0; i < RESTRACK_NR_EVENTS; i++)
		seq_printf(sf, "%s %lld\n", restrack_event_names[i],
			   (s64)atomic64_read(&events[i]));
}

static int restrack_events_show(struct seq_file *sf, void *v)
{
	restrack_events_print(sf, css_rc(seq_css(sf))->events);
	return 0;
}

static int restrack_events_local_show(struct seq_file *sf, void *v)
{
	restrack_events_print(sf, css_rc(seq_css(sf))->events_local);
	return 0;
}

static int restrack_policy_show(struct seq_file *sf, void *v)
{
	struct restrack_cgroup *rc = css_rc(seq_css(sf));

	seq_printf(sf, "%s\n", restrack_policy_names[READ_ONCE(rc->policy)]);
	return 0;
}

static ssize_t restrack_policy_write(struct kernfs_open_file *of, char *buf,
				     size_t nbytes, loff_t off)
{
	struct restrack_cgroup *rc = css_rc(of_css(of));
	int policy;

	policy = sysfs_match_string(restrack_policy_names, strstrip(buf));
	if (policy < 0)
		return -EINVAL;

	WRITE_ONCE(rc->policy, policy);
	return nbytes;
}

static struct cftype restrack_cftypes[] = {
	{
		.name = "heap.current",
		.private = RESTRACK_HEAP,
		.seq_show = restrack_current_show,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "heap.max",
		.private = RESTRACK_HEAP,
		.seq_show = restrack_max_show,
		.write = restrack_max_write,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "heap.peak",
		.private = RESTRACK_HEAP,
		.seq_show = restrack_peak_show,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "files.current",
		.private = RESTRACK_FILES,
		.seq_show = restrack_current_show,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "files.max",
		.private = RESTRACK_FILES,
		.seq_show = restrack_max_show,
		.write = restrack_max_write,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "files.peak",
		.private = RESTRACK_FILES,
		.seq_show = restrack_peak_show,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "events",
		.seq_show = restrack_events_show,
		.file_offset = offsetof(struct restrack_cgroup, events_file),
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "events.local",
		.seq_show = restrack_events_local_show,
		.file_offset = offsetof(struct restrack_cgroup,
					events_local_file),
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{
		.name = "policy",
		.seq_show = restrack_policy_show,
		.write = restrack_policy_write,
		.flags = CFTYPE_NOT_ON_ROOT,
	},
	{ }	/* terminate */
};

struct cgroup_subsys restrack_cgrp_subsys = {
	.css_alloc	= restrack_css_alloc,
	.css_free	= restrack_css_free,
	.attach		= restrack_attach,
	.can_fork	= restrack_can_fork,
	.fork		= restrack_fork,
	.exit		= restrack_exit,
	.legacy_cftypes	= restrack_cftypes,
	.dfl_cftypes	= restrack_cftypes,
};
