/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 file helpers (cgroup_util.c), named as upstream's
 * tools/testing/selftests/cgroup/cgroup_util.h names them, and the small
 * I/O and process helpers (util.c) they and the tests use.
 *
 * A helper named as one of upstream's behaves as upstream's does (the
 * differences are written at the helper).  cg_path() is upstream's
 * cg_name() writing into the caller's PATH_MAX buffer, so that no test
 * needs a free() on each of its error paths.
 */
#ifndef RESTRACK_CGROUP_UTIL_H
#define RESTRACK_CGROUP_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* "max" as returned by cg_read_max() */
#define CG_MAX		LONG_MAX

extern long page_size;

/* cgroup files */
const char *cg_mount(void);
int cg_path(char *buf, const char *parent, const char *name);
int cg_make(char *buf, const char *parent, const char *name);
int cg_create(const char *cg);
int cg_destroy(const char *cg);
int cg_destroy_children(const char *cg);
int cg_killall(const char *cg);
int cg_write(const char *cg, const char *file, const char *buf);
int cg_write_raw(const char *cg, const char *file, const char *buf,
		 size_t len);
int cg_write_errno(const char *cg, const char *file, const char *buf);
int cg_write_numeric(const char *cg, const char *file, long val);
int cg_read(const char *cg, const char *file, char *buf, size_t len);
int cg_read_strcmp(const char *cg, const char *file, const char *expected);
bool cg_read_has_word(const char *cg, const char *file, const char *word);
long cg_read_long(const char *cg, const char *file);
long cg_read_max(const char *cg, const char *file);
long cg_read_key_long(const char *cg, const char *file, const char *key);
bool cg_file_exists(const char *cg, const char *file);
/* @pid's (0: the caller's) or its thread @tid's v2 cgroup, as /proc shows it */
int task_cgroup(pid_t pid, pid_t tid, char *buf, size_t len);
int cg_enter(const char *cg, pid_t pid);
int cg_enable(const char *cg, const char *controller);
int cg_disable(const char *cg, const char *controller);
int cg_read_pids(const char *cg, pid_t *pids, int max);
int cg_subtree_pids(const char *cg, pid_t *pids, int max);
int cg_nr_procs(const char *cg);
int cg_wait_frozen(const char *cg, int want, int timeout_ms);
bool cg_has_pid(const char *cg, pid_t pid);
pid_t cg_run_nowait(const char *cg, int (*fn)(const char *cg, void *arg),
		    void *arg);

/* processes */
int wait_exit(pid_t pid, int timeout_ms, int *status);
bool pid_alive(pid_t pid);
pid_t parent_of(pid_t pid);
bool killed_by_sigkill(int status);
void reap_zombies(void);
void kill_strays(void);
#define NOBODY		65534
#define CAP(c)		(1ULL << (c))
/* setgroups(), uid and gid nobody, keeping the capabilities of @keep (CAP()) */
int become_nobody(unsigned long long keep);
void sleep_ms(int ms);
long now_ms(void);
long now_us(void);

/* @len bytes from @fd within @timeout_ms (-1: no limit); bytes read or -1 */
ssize_t read_full_timeout(int fd, void *buf, size_t len, int timeout_ms);
ssize_t write_full(int fd, const void *buf, size_t len);
/* closes both ends of @p that are open (>= 0) and marks them closed */
void close_pair(int p[2]);
/* A whole file, NUL-terminated; its length, or -1 with errno set */
ssize_t read_text(const char *path, char *buf, size_t len);
/* The whole of a file, NUL-terminated, in malloc()ed memory; NULL on error */
char *read_text_alloc(const char *path, size_t *lenp);
/* Committed_AS of /proc/meminfo in kB; -1 on error */
long committed_kb(void);
/* A whole decimal number, allowing one trailing newline */
int parse_long(const char *s, long *val);
/* @fn for each entry of a directory, without malloc() (util.c) */
int dir_each(const char *path,
	     int (*fn)(const char *name, unsigned char type, void *arg),
	     void *arg);

#endif /* RESTRACK_CGROUP_UTIL_H */
