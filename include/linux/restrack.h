/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restrack: per-cgroup hard limits on heap (data_vm) and open descriptors.
 *
 * Hooks called from mm/ and fs/.  Each is a static-branch test while no
 * cgroup below the root has the controller enabled, and a no-op when
 * CONFIG_CGROUP_RESTRACK=n.  They are __always_inline: a compiler that
 * optimises for size otherwise makes the test a call.  See
 * kernel/cgroup/restrack.c.
 */
#ifndef _LINUX_RESTRACK_H
#define _LINUX_RESTRACK_H

#include <linux/types.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/fdtable.h>

#ifdef CONFIG_CGROUP_RESTRACK

#include <linux/jump_label.h>
#include <linux/restrack_types.h>
#include <linux/spinlock.h>

DECLARE_STATIC_KEY_FALSE(restrack_active);

bool __restrack_heap_try_charge(struct mm_struct *mm, vm_flags_t flags,
				unsigned long npages);
bool __restrack_heap_charge(struct mm_struct *mm, vm_flags_t flags,
			    unsigned long npages);
void __restrack_heap_keep(struct mm_struct *mm, vm_flags_t oldflags,
			  vm_flags_t newflags);
void __restrack_heap_account(struct mm_struct *mm, long npages);
void __restrack_heap_settle(struct mm_struct *mm);
int __restrack_heap_dup(struct mm_struct *mm);
void __restrack_heap_exec(struct mm_struct *mm);
void __restrack_heap_release(struct mm_struct *mm);
void __restrack_heap_leave(struct mm_struct *mm);
bool __restrack_files_try_charge(struct files_struct *files);
void __restrack_files_uncharge(struct files_struct *files);
struct file *__restrack_files_close(struct files_struct *files,
				    struct file *file);
int __restrack_files_exec(struct files_struct *files);
int __restrack_files_dup(struct files_struct *files);
void __restrack_files_release(struct files_struct *files);
void __restrack_files_leave(struct files_struct *files);

static __always_inline bool restrack_enabled(void)
{
	return static_branch_unlikely(&restrack_active);
}

static inline void restrack_charge_init(struct restrack_charge *c)
{
	spin_lock_init(&c->lock);
	c->rc = NULL;
	c->charged = 0;
	c->reserved = 0;
	c->reserving = false;
	c->owner = NULL;
}

/* A new mm: mm_init() leaves it untracked. */
static inline void restrack_heap_init(struct mm_struct *mm)
{
	restrack_charge_init(&mm->restrack_heap);
}

/*
 * An operation is about to add @npages to the mappings of @mm with @flags
 * (a no-op unless they are data, see is_data_mapping()): charge them, or
 * fail.  Called where may_expand_vm() checks RLIMIT_DATA, mmap_lock held.
 */
static __always_inline bool restrack_heap_try_charge(struct mm_struct *mm,
						     vm_flags_t flags,
						     unsigned long npages)
{
	return !restrack_enabled() ||
	       __restrack_heap_try_charge(mm, flags, npages);
}

/*
 * Like restrack_heap_try_charge(), for an operation that accounts the
 * growth in data_vm next and unmaps nothing before (mprotect() making a
 * mapping writable, brk()): charged at once, with no reservation to keep.
 */
static __always_inline bool restrack_heap_charge(struct mm_struct *mm,
						 vm_flags_t flags,
						 unsigned long npages)
{
	return !restrack_enabled() ||
	       __restrack_heap_charge(mm, flags, npages);
}

/*
 * mprotect() is about to account pages it changed from @oldflags to
 * @newflags: if both are data, hold their charge while data_vm dips.  Only
 * writable pages can be data, which the call tests first.
 */
static __always_inline void restrack_heap_keep(struct mm_struct *mm,
					       vm_flags_t oldflags,
					       vm_flags_t newflags)
{
	if (restrack_enabled() && (oldflags & newflags & VM_WRITE))
		__restrack_heap_keep(mm, oldflags, newflags);
}

/*
 * mm->data_vm has just changed by @npages.  Growth outside a reservation
 * has nothing to do here: it was charged already (restrack_heap_charge()),
 * or is when the operation settles.
 */
static __always_inline void restrack_heap_account(struct mm_struct *mm,
						  long npages)
{
	if (restrack_enabled() &&
	    (npages < 0 || mm->restrack_heap.reserving))
		__restrack_heap_account(mm, npages);
}

/*
 * End of an mm operation, mmap_lock held: drop what it charged but did not
 * map.  There is nothing to settle, and no call to make, when it holds no
 * reservation and data_vm is what is charged (the end of every mmap(),
 * brk() and mprotect() that went as charged).  An untracked mm charges
 * nothing: it calls out whenever it has data, to return there.
 */
static __always_inline void restrack_heap_settle(struct mm_struct *mm)
{
	struct restrack_charge *c = &mm->restrack_heap;

	if (restrack_enabled() &&
	    (c->reserving || c->charged != mm->data_vm))
		__restrack_heap_settle(mm);
}

/* fork: charge the child's copy of the data to the forking cgroup. */
static __always_inline int restrack_heap_dup(struct mm_struct *mm)
{
	return restrack_enabled() ? __restrack_heap_dup(mm) : 0;
}

/* exec: the new mm is charged to current's cgroup from now on. */
static __always_inline void restrack_heap_exec(struct mm_struct *mm)
{
	if (restrack_enabled())
		__restrack_heap_exec(mm);
}

/*
 * Last user of the mm is gone.  A charge holds a reference on its cgroup,
 * so the static branch stays on while anything is charged.
 */
static __always_inline void restrack_heap_release(struct mm_struct *mm)
{
	if (restrack_enabled())
		__restrack_heap_release(mm);
}

/*
 * current has stopped using @mm (exit, exec), which others may still use:
 * if its cgroup holds the charge, hand it to one of them.
 */
static __always_inline void restrack_heap_leave(struct mm_struct *mm)
{
	if (restrack_enabled())
		__restrack_heap_leave(mm);
}

/* A new fd table starts untracked... */
static inline void restrack_files_init(struct files_struct *files)
{
	restrack_charge_init(&files->restrack_files);
}

/* ...and dup_fd() charges it to current's cgroup. */
static __always_inline int restrack_files_dup(struct files_struct *files)
{
	return restrack_enabled() ? __restrack_files_dup(files) : 0;
}

/*
 * exec, before its point of no return: the copy of a table shared with
 * other processes, made after it, must fit.
 */
static __always_inline int restrack_files_exec(struct files_struct *files)
{
	return restrack_enabled() ? __restrack_files_exec(files) : 0;
}

/* A descriptor is about to be marked open in @files (file_lock held). */
static __always_inline bool
restrack_files_try_charge(struct files_struct *files)
{
	return !restrack_enabled() || __restrack_files_try_charge(files);
}

/* A descriptor was marked free in @files (file_lock held). */
static __always_inline void restrack_files_uncharge(struct files_struct *files)
{
	if (restrack_enabled())
		__restrack_files_uncharge(files);
}

/*
 * restrack_files_uncharge() for a caller that returns @file, the file of
 * the descriptor, which it returns: the call can then be a tail call, or
 * at least keep its stack frame off the path without restrack.
 */
static __always_inline struct file *
restrack_files_close(struct files_struct *files, struct file *file)
{
	return restrack_enabled() ? __restrack_files_close(files, file) : file;
}

/* current is about to drop its reference to @files, as for the mm. */
static __always_inline void restrack_files_leave(struct files_struct *files)
{
	if (restrack_enabled())
		__restrack_files_leave(files);
}

/* Last reference to @files is gone. */
static __always_inline void restrack_files_release(struct files_struct *files)
{
	if (restrack_enabled())
		__restrack_files_release(files);
}

#else /* !CONFIG_CGROUP_RESTRACK */

static inline void restrack_heap_init(struct mm_struct *mm) { }

static inline bool restrack_heap_try_charge(struct mm_struct *mm,
					    vm_flags_t flags,
					    unsigned long npages)
{
	return true;
}

static inline bool restrack_heap_charge(struct mm_struct *mm,
					vm_flags_t flags,
					unsigned long npages)
{
	return true;
}

static inline void restrack_heap_keep(struct mm_struct *mm,
				      vm_flags_t oldflags,
				      vm_flags_t newflags) { }

static inline void restrack_heap_account(struct mm_struct *mm, long npages) { }

static inline void restrack_heap_settle(struct mm_struct *mm) { }

static inline int restrack_heap_dup(struct mm_struct *mm) { return 0; }

static inline void restrack_heap_exec(struct mm_struct *mm) { }

static inline void restrack_heap_release(struct mm_struct *mm) { }

static inline void restrack_heap_leave(struct mm_struct *mm) { }

static inline void restrack_files_init(struct files_struct *files) { }

static inline int restrack_files_exec(struct files_struct *files) { return 0; }

static inline int restrack_files_dup(struct files_struct *files) { return 0; }

static inline bool restrack_files_try_charge(struct files_struct *files)
{
	return true;
}

static inline void restrack_files_uncharge(struct files_struct *files) { }

static inline struct file *restrack_files_close(struct files_struct *files,
						struct file *file)
{
	return file;
}

static inline void restrack_files_release(struct files_struct *files) { }

static inline void restrack_files_leave(struct files_struct *files) { }

#endif /* CONFIG_CGROUP_RESTRACK */

#endif /* _LINUX_RESTRACK_H */
