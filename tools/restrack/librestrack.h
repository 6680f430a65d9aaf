/* SPDX-License-Identifier: GPL-2.0 */
/*
 * librestrack: what the restrack tool, the tests and the bench share.
 *
 *  - sizes and counts in the units people type and read: "64M", "1.5G",
 *    "max" (no limit, RT_LIMIT_MAX);
 *  - errno values explained in words;
 *  - cgroup v2 file system access: where it is mounted, reading and writing
 *    the restrack.* files, enabling the controller down a path;
 *  - a snapshot of every limited or registered cgroup and its printing as a
 *    table, JSON or Prometheus text (snapshot.c).
 *
 * Functions return 0 or a negative errno unless they say otherwise.
 *
 * What the kernel defines under the same name with another meaning is rt_*
 * here: RT_LIMIT_MAX (bytes or a count; the kernel's RESTRACK_MAX counts
 * pages), enum rt_event, and the system call wrappers of restrack_sys.h.
 */
#ifndef LIBRESTRACK_H
#define LIBRESTRACK_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "restrack_sys.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/* "max" in restrack.*.max: no limit, whatever the unit (bytes, files). */
#define RT_LIMIT_MAX		UINT64_MAX
#define RESTRACK_SIZE_BUFSZ	32

/* Where run puts its cgroups unless --parent says otherwise. */
#define RESTRACK_RUN_PARENT	"restrack.run"

/*
 * "4096", "64K", "64M", "1.5G", "2T", "1E" (binary units K, M, G, T, P and
 * E as restrack.heap.max takes them, case-insensitive, an optional
 * trailing "B" or "iB"), or "max" or "infinity" (as systemd writes it) for
 * no limit.  -EINVAL for anything else, negative numbers and fractions of
 * a byte included; -ERANGE when it does not fit in 63 bits.
 */
int restrack_parse_size(const char *s, uint64_t *bytes);
/* A decimal count, or "max" or "infinity"; same errors. */
int restrack_parse_count(const char *s, uint64_t *n);
/* A boolean as systemd's unit files spell one: yes/no, true/false, on/off, 1/0 */
int restrack_parse_bool(const char *s, bool *b);
/*
 * A heap quota for resource_cap(), in MiB: a bare number is MiB, as the
 * system call takes it; a size with a unit must be a whole number of MiB
 * (-EDOM otherwise: never rounded down); -1, "max" or "infinity" for none
 * (RESTRACK_UNLIMITED).  Else the errors of restrack_parse_size().
 */
int restrack_parse_quota_mib(const char *s, long *mib);
/* A process id: a positive decimal number. -EINVAL otherwise. */
int restrack_parse_pid(const char *s, pid_t *pid);
/* Seconds with an optional fraction, > 0, at most a day; -EINVAL. */
int restrack_parse_seconds(const char *s, double *secs);

/* "max", "0", "512B" ... "64M", "1.5G": one decimal at most. */
const char *restrack_format_size(uint64_t bytes, char buf[RESTRACK_SIZE_BUFSZ]);
/* "max" or the decimal count. */
const char *restrack_format_count(uint64_t n, char buf[RESTRACK_SIZE_BUFSZ]);

/* An errno in the words of a cgroup file or system call operation. */
const char *restrack_strerror(int err);

/*
 * The cgroup v2 mount point: $RESTRACK_CGROUP_ROOT when set (tests point it
 * at a fake tree), else the first cgroup2 entry of /proc/self/mountinfo.
 * NULL when there is none.
 */
const char *restrack_cgroup_mount(void);
/* Whether the mount point really is a cgroup2 file system (statfs). */
bool restrack_is_cgroup2(const char *dir);
/* 0 when restrack is in MNT/cgroup.controllers, -ENOENT when not. */
int restrack_controller_available(const char *mnt);

/* DIR/FILE into BUF, without the trailing newline. Returns the length. */
int restrack_cg_read(const char *dir, const char *file, char *buf, size_t len);
int restrack_cg_write(const char *dir, const char *file, const char *val);
/* A number or "max" (RT_LIMIT_MAX). */
int restrack_cg_read_u64(const char *dir, const char *file, uint64_t *v);
/* Whether the whitespace-separated DIR/FILE contains WORD. */
bool restrack_cg_has_word(const char *dir, const char *file, const char *word);
/* Whether DIR/cgroup.procs lists a process. */
bool restrack_cg_has_procs(const char *dir);

/*
 * Whether the cgroup DIR has a limit of its own that a process leaving it
 * for a sibling would lose: pids.max, memory.max, memory.high,
 * memory.swap.max, memory.zswap.max, cpu.max (a quota), io.max (a line),
 * restrack.heap.max or restrack.files.max.  A file absent (controller not
 * enabled) or unlimited is none.  1 with the first one in WHAT, as
 * "TasksMax= (pids.max 5)"; 0 when there is none.
 */
int restrack_cg_own_limit(const char *dir, char *what, size_t len);

enum rt_event {
	RT_EVENT_HEAP_MAX,
	RT_EVENT_FILES_MAX,
	RT_EVENT_KILL,
	RT_NR_EVENTS,
};
extern const char *const rt_event_names[RT_NR_EVENTS];

/* restrack.events or restrack.events.local: "heap.max N" lines. */
int restrack_cg_read_events(const char *dir, const char *file,
			    uint64_t events[RT_NR_EVENTS]);

/*
 * Enable restrack for the children of MNT/REL: "+restrack" in the
 * cgroup.subtree_control of the root and of every cgroup down to REL
 * included, creating missing cgroups on the way.  A non-root cgroup that
 * holds processes is never touched (cgroup v2 forbids controllers in it and
 * systemd would not expect it): -EBUSY, with its path in BAD.
 */
int restrack_enable_path(const char *mnt, const char *rel, char *bad,
			 size_t badlen);

/* One line of /proc/tracker_status. */
struct restrack_proc {
	pid_t pid;
	char command[64];
	uint64_t heap_mib, heap_cap_mib;	/* cap RT_LIMIT_MAX: none */
	uint64_t files, file_cap;
	char policy[8];
	char cgroup[PATH_MAX];
};
/* 0, or -EINVAL when LINE is not a tracker_status entry. */
int restrack_parse_tracker_line(const char *line, struct restrack_proc *p);

struct restrack_usage {
	uint64_t current, max, peak;		/* max RT_LIMIT_MAX: none */
};

/*
 * A kill the kernel logged (KERN_INFO, rate-limited), in one of the forms
 *   restrack: files.max of /system.slice/web.service: killed process 812 (nginx), usage 1000, max 1000
 *   restrack: heap.max of /batch/job: killed 3 processes, usage 73400320, max 67108864
 * the path relative to the cgroup2 mount.
 */
struct restrack_kill {
	bool valid;
	char limit[16];		/* "heap.max" or "files.max" */
	pid_t pid;		/* 0 in the "killed N processes" form */
	char comm[64];		/* "" in that form */
	uint64_t processes;	/* 1 in the "killed process" form */
	uint64_t usage, max;
	uint64_t usec;		/* the record's time since boot, microseconds */
};

/*
 * One record of /dev/kmsg ("6,1234,5678901,-;restrack: ...") into K and the
 * cgroup path into PATH; \xNN escapes undone.  -EINVAL if it is not a kill.
 */
int restrack_parse_kill(const char *record, struct restrack_kill *k,
			char *path, size_t len);

struct restrack_cgroup_stat {
	char path[PATH_MAX];		/* "/a/b", relative to the mount */
	struct restrack_usage heap, files;
	char policy[8];
	uint64_t events[RT_NR_EVENTS];
	uint64_t events_local[RT_NR_EVENTS];
	struct restrack_kill last_kill;	/* the newest logged, if valid */
};

struct restrack_snapshot {
	struct restrack_cgroup_stat *cgroups;
	size_t nr_cgroups;
	struct restrack_proc *procs;
	size_t nr_procs;
	bool have_tracker;	/* /proc/tracker_status was readable */
};

/*
 * Every cgroup below MNT with a restrack limit or a registered process, in
 * path order, and every registered process.  TRACKER is the path of
 * tracker_status ($RESTRACK_TRACKER_STATUS or /proc/tracker_status).
 */
int restrack_snapshot_take(const char *mnt, const char *tracker,
			   struct restrack_snapshot *snap);

/* Which cgroups a snapshot takes, beyond the limited and registered ones */
struct restrack_select {
	bool all;			/* every one with the controller */
	const char *const *roots;	/* only these (paths below the mount, */
	size_t nr_roots;		/* "/a/b"), and all below them */
	bool depth_limited;		/* none deeper than max_depth levels */
	unsigned int max_depth;		/* below its root, or below the mount */
};

/* The depth of cgroup REL ("/a/b": 2) below ROOT ("/a": 1; "/" or "": 2). */
unsigned int restrack_path_depth(const char *rel, const char *root);

/* The cgroup path REL ("/a/b") is ROOT or below it. */
bool restrack_path_below(const char *rel, const char *root);

/* restrack_snapshot_take() of the cgroups SEL selects (NULL: the default) */
int restrack_snapshot_select(const char *mnt, const char *tracker,
			     const struct restrack_select *sel,
			     struct restrack_snapshot *snap);

/*
 * The cgroup (its path below MNT, in OUT) of systemd unit NAME ("web.service",
 * "batch.slice"): the directory of that name below MNT.  -ENOENT if none.
 */
int restrack_find_unit(const char *mnt, const char *name, char *out,
		       size_t len);

/* One process of a cgroup, as /proc shows it */
struct restrack_task {
	pid_t pid;
	uint64_t vmdata;	/* VmData, bytes */
	uint64_t fds;		/* entries of /proc/PID/fd; RT_LIMIT_MAX if unreadable */
	char cmdline[256];	/* arguments joined by spaces, or [comm] */
};

/*
 * The processes of the cgroup at path DIR and of all below it, in *TASKS
 * (malloc'd, *NR of them, sorted by pid).  0 or a negative errno.
 */
int restrack_cgroup_tasks(const char *dir, struct restrack_task **tasks,
			  size_t *nr);
void restrack_snapshot_free(struct restrack_snapshot *snap);

/*
 * The newest logged kill of each cgroup of SNAP, from KMSG (/dev/kmsg, or a
 * file of records one a line, for tests).  Nothing, and 0, when KMSG
 * cannot be read (not root, dmesg_restrict): the kills stay unknown.
 */
int restrack_snapshot_kills(struct restrack_snapshot *snap, const char *kmsg);

/* The systemd unit a cgroup path names ("/system.slice/x.service"), or NULL. */
const char *restrack_unit_name(const char *path);
/*
 * The unit a cgroup belongs to: its own name when it names one, else that
 * of its nearest ancestor that does ("/system.slice/x.service/sub":
 * "x.service"), in BUF.  NULL when no component of PATH names a unit.
 */
const char *restrack_unit_of(const char *path, char *buf, size_t len);

/* The orders of restrack status --sort and restrack top */
enum restrack_sort {
	RESTRACK_SORT_NAME,	/* by path: the tree, as walked (default) */
	RESTRACK_SORT_HEAP,	/* heap.current, largest first */
	RESTRACK_SORT_FILES,	/* files.current, largest first */
};
/* "name", "path", "heap" or "files" into *S; -EINVAL otherwise. */
int restrack_parse_sort(const char *s, enum restrack_sort *sort);
extern const char *const restrack_sort_names[3];
/* Reorder the cgroups of SNAP (ties and NAME: by path). */
void restrack_snapshot_sort(struct restrack_snapshot *snap,
			    enum restrack_sort sort);

/*
 * The columns of a cgroup's line in status's table and top's screen: heap
 * current, max and peak, then files current, max and peak, "max" for none.
 */
#define RESTRACK_USAGE_COLUMNS	6
void restrack_format_usage(const struct restrack_cgroup_stat *c,
			   char b[RESTRACK_USAGE_COLUMNS][RESTRACK_SIZE_BUFSZ]);
/* The width of the CGROUP column: the longest unit name or path, or WIDTH. */
int restrack_name_width(const struct restrack_snapshot *snap, int width);
void restrack_print_table(FILE *f, const struct restrack_snapshot *snap);
void restrack_print_json(FILE *f, const struct restrack_snapshot *snap);
/* The same document on one line, for NDJSON (status --json --watch). */
void restrack_print_json_compact(FILE *f, const struct restrack_snapshot *snap);
/*
 * The Prometheus exposition (restrack(8), PROMETHEUS OUTPUT): labels
 * cgroup and unit; the registration cgroups (/restrack/PID) and run's
 * (.../run-PID) and all below them are folded into one series per parent,
 * its cgroup label the parent's path and a star: "/restrack/" "*" and
 * ".../run-" "*".
 */
void restrack_print_prometheus(FILE *f, const struct restrack_snapshot *snap);
/*
 * Where the Prometheus output folds cgroup PATH: 1 with the series' cgroup
 * label (a star for the PID) in BUF, 2 when it is below such a cgroup (left
 * out: the cgroup above counts it), 0 when it has a series of its own.
 */
int restrack_prom_fold(const char *path, char *buf, size_t len);

/* STR as a JSON string / a Prometheus label value, quotes included. */
void restrack_json_string(FILE *f, const char *str);
void restrack_prom_label(FILE *f, const char *str);

/*
 * systemd units (unit.c).  Limits are declared in a unit file or a drop-in:
 *
 *   [X-Restrack]
 *   HeapMax=64M       a size or max
 *   FilesMax=32       a count or max
 *   Policy=kill       deny (the default) or kill
 *
 * systemd ignores sections whose names start with "X-".  Later files
 * override earlier ones; an empty value resets a key.
 */
#define RESTRACK_UNIT_SECTION	"X-Restrack"

struct restrack_decl {
	bool present;		/* the section is in one of the files */
	uint64_t heap, files;	/* RT_LIMIT_MAX: no limit */
	char policy[8];
	/*
	 * SubtreeControl=yes, of a slice: restrack in the slice's own
	 * cgroup.subtree_control too, so that what starts in it (a container
	 * runtime's scopes) has restrack's files and can be given limits
	 */
	bool subtree;
};

/* What "systemctl show -p Id -p ControlGroup ..." says of one unit. */
struct restrack_unit_info {
	char id[256];
	char cgroup[PATH_MAX];
	char fragment[PATH_MAX];
	char dropins[4 * PATH_MAX];	/* space-separated, systemd's order */
	char load_state[32];
};

void restrack_decl_init(struct restrack_decl *d);
/* S without its leading and trailing white space (cut off in place). */
char *restrack_trim(char *s);
/* Whether S ends with SUFFIX (a unit's type: ".slice") */
bool restrack_ends_with(const char *s, const char *suffix);
/*
 * The [X-Restrack] section of the unit file F (NAME for messages) into D.
 * -EINVAL with the file, line and reason in WHY for a bad declaration.
 */
int restrack_decl_parse(FILE *f, const char *name, struct restrack_decl *d,
			char *why, size_t whylen);
int restrack_decl_parse_file(const char *path, struct restrack_decl *d,
			     char *why, size_t whylen);
/* A unit's fragment, then its drop-ins. */
int restrack_decl_of_unit(const struct restrack_unit_info *u,
			  struct restrack_decl *d, char *why, size_t whylen);
/*
 * The cgroup systemd gives slice SLICE when it starts it, relative to the
 * cgroup v2 mount: "/a.slice/a-b.slice" for a-b.slice, "/" for -.slice,
 * escaped as systemd escapes names (cpu.slice is "/_cpu.slice").  -EINVAL
 * for a name that is not a slice's.
 */
int restrack_slice_cgroup(const char *slice, char *buf, size_t len);
/* The blocks of "systemctl show" output TEXT, one per unit, into UNITS. */
int restrack_parse_show(const char *text, struct restrack_unit_info *units,
			size_t max_units, size_t *nr);

/*
 * The systemd generator (generate.c).  Reads the units (.service, .slice),
 * their drop-in directories (NAME.d/ with .conf files) and service.d/ in the
 * directories of UNIT_PATH, highest priority first, and writes
 * OUT/NAME.d/RESTRACK_GEN_DROPIN for each service that declares
 * [X-Restrack] limits, sits in a slice that does (or a slice above it), or
 * was limited by apply (STATE_DIR/NAME): an ExecStartPre=+SBINDIR/restrack
 * apply %n run before the unit's own ExecStartPre= lines (and before its
 * ExecCondition= lines, when it has some).  Nothing for any other unit.
 * Problems go to LOG; *WRITTEN counts the drop-ins.
 */
#define RESTRACK_GEN_DROPIN	"zz-restrack.conf"
/*
 * And for each slice that declares limits (not -.slice), SLICE.d/
 * RESTRACK_GEN_DROPIN with Requires= and After= on
 * RESTRACK_SLICE_PREFIX SLICE.service, an instance of the oneshot
 * OUT/RESTRACK_SLICE_TEMPLATE that runs "restrack apply --create SLICE"
 * before systemd starts the slice.
 */
#define RESTRACK_SLICE_PREFIX	"restrack-slice@"
#define RESTRACK_SLICE_TEMPLATE	RESTRACK_SLICE_PREFIX ".service"
/* What restrack set writes in system.control/UNIT.d/, as set-property does */
#define RESTRACK_SET_DROPIN	"50-restrack.conf"
int restrack_generate(const char *const *unit_path, size_t nr_path,
		      const char *out, const char *sbindir,
		      const char *state_dir, FILE *log, size_t *written);

#endif /* LIBRESTRACK_H */
