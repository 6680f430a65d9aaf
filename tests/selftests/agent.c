// SPDX-License-Identifier: GPL-2.0
/*
 * The test side of an agent: start it in a cgroup, send it commands, stop,
 * kill or reap it; see agent.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/prctl.h>

#include "restrack_test.h"

int agent_start_keep(struct agent *a, const char *cg, int keepfd)
{
	struct ag_reply rep;
	int to[2], from[2];
	pid_t parent = getpid(), pid;
	ssize_t n;

	a->pid = -1;
	a->wfd = -1;
	a->rfd = -1;
	a->dead = false;
	if (pipe(to))
		return -1;
	if (pipe(from)) {
		close(to[0]);
		close(to[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		agent_child(to[0], from[1], keepfd, cg);
	}
	close(to[0]);
	close(from[1]);
	if (pid < 0) {
		close(to[1]);
		close(from[0]);
		return -1;
	}
	a->pid = pid;
	a->wfd = to[1];
	a->rfd = from[0];
	n = read_full_timeout(a->rfd, &rep, sizeof(rep), AGENT_TIMEOUT_MS);
	if (n != sizeof(rep) || rep.ret) {
		diag("agent for %s did not start: %s", cg ? cg : "(none)",
		     n == sizeof(rep) ? strerror(rep.err) : "no reply");
		agent_kill(a);
		return -1;
	}
	return 0;
}

int agent_start(struct agent *a, const char *cg)
{
	return agent_start_keep(a, cg, -1);
}

static long agent_call_(struct agent *a, int target, int op,
			const long args[6], int nth, long *left)
{
	struct ag_cmd c = { .op = op, .target = target, .fail_nth = nth };
	struct ag_reply rep;
	ssize_t n;

	memcpy(c.a, args, sizeof(c.a));
	if (a->dead || a->pid < 0) {
		errno = EPIPE;
		return -1;
	}
	if (write_full(a->wfd, &c, sizeof(c)) < 0) {
		a->dead = true;
		errno = EPIPE;
		return -1;
	}
	if (op == AG_EXIT && !target)
		return 0;
	n = read_full_timeout(a->rfd, &rep, sizeof(rep), AGENT_TIMEOUT_MS);
	if (n != sizeof(rep)) {
		a->dead = true;
		if (n < 0 && errno == ETIMEDOUT)
			diag("agent %d: no reply to command %d", a->pid, op);
		errno = n < 0 && errno == ETIMEDOUT ? ETIMEDOUT : EPIPE;
		return -1;
	}
	a->err = rep.err;
	memcpy(a->v, rep.v, sizeof(a->v));
	if (left)
		*left = rep.fail_left;
	errno = rep.err;
	return rep.ret;
}

long agent_call(struct agent *a, int target, int op, const long args[6])
{
	return agent_call_(a, target, op, args, 0, NULL);
}

long agent_call_faulted(struct agent *a, int nth, int op, const long args[6],
			long *left)
{
	*left = -1;
	return agent_call_(a, 0, op, args, nth, left);
}

static void agent_close(struct agent *a)
{
	if (a->wfd >= 0)
		close(a->wfd);
	if (a->rfd >= 0)
		close(a->rfd);
	a->wfd = -1;
	a->rfd = -1;
	a->dead = true;
}

/* Waits for the agent to exit; returns its wait status, -1 if unknown. */
int agent_wait(struct agent *a, int timeout_ms)
{
	int status = -1;

	if (a->pid < 0)
		return -1;
	agent_close(a);
	if (wait_exit(a->pid, timeout_ms, &status) < 0) {
		diag("agent %d did not exit within %d ms", a->pid, timeout_ms);
		kill(a->pid, SIGKILL);
		waitpid(a->pid, NULL, 0);
		status = -1;
	}
	a->pid = -1;
	return status;
}

/*
 * Waits for the agent to die on its own (it is blocked reading its command
 * pipe, so it cannot exit by itself); returns its wait status, -1 if it is
 * still alive after @timeout_ms (then it is left running for cleanup).
 */
int agent_reap(struct agent *a, int timeout_ms)
{
	int status = -1;

	if (a->pid < 0)
		return -1;
	if (wait_exit(a->pid, timeout_ms, &status) < 0)
		return -1;
	agent_close(a);
	a->pid = -1;
	return status;
}

/* Asks the agent to exit; returns its wait status. */
int agent_stop(struct agent *a)
{
	if (a->pid < 0)
		return -1;
	if (!a->dead)
		ag_call(a, AG_EXIT, 0);
	return agent_wait(a, 5000);
}

int agent_kill(struct agent *a)
{
	if (a->pid < 0)
		return -1;
	kill(a->pid, SIGKILL);
	return agent_wait(a, 5000);
}
