// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of librestrack's parsing and formatting: sizes, counts, pids,
 * intervals, tracker_status lines and string escaping.  TAP on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "librestrack.h"

static int n_test, n_fail;

static void check(int ok, const char *fmt, const char *arg)
{
	n_test++;
	if (!ok)
		n_fail++;
	printf("%sok %d - ", ok ? "" : "not ", n_test);
	printf(fmt, arg);
	putchar('\n');
}

static const struct {
	const char *in;
	int err;
	uint64_t bytes;
} sizes[] = {
	{ "0", 0, 0 },
	{ "4096", 0, 4096 },
	{ "512B", 0, 512 },
	{ "1K", 0, 1024 },
	{ "1k", 0, 1024 },
	{ "64M", 0, 64ULL << 20 },
	{ "64MiB", 0, 64ULL << 20 },
	{ "64MB", 0, 64ULL << 20 },
	{ "1.5G", 0, 3ULL << 29 },
	{ "0.5K", 0, 512 },
	{ "2T", 0, 2ULL << 40 },
	{ "1P", 0, 1ULL << 50 },
	{ "max", 0, RT_LIMIT_MAX },
	{ "infinity", 0, RT_LIMIT_MAX },
	{ "1E", 0, 1ULL << 60 },
	{ "7E", 0, 7ULL << 60 },
	{ "8E", -ERANGE, 0 },
	{ "Infinity", -EINVAL, 0 },
	{ "9223372036854775807", 0, 9223372036854775807ULL },
	{ "9223372036854775808", -ERANGE, 0 },
	{ "99999999999999999999", -ERANGE, 0 },
	{ "8388608T", -ERANGE, 0 },
	{ "8388607T", 0, 8388607ULL << 40 },
	{ "12Q", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ "1.5", -EINVAL, 0 },
	{ "1.", -EINVAL, 0 },
	{ ".5M", -EINVAL, 0 },
	{ "1MM", -EINVAL, 0 },
	{ "1Mi", -EINVAL, 0 },
	{ "MAX", -EINVAL, 0 },
	{ "0x10", -EINVAL, 0 },
	{ "abc", -EINVAL, 0 },
};

static const struct {
	uint64_t bytes;
	const char *out;
} formats[] = {
	{ 0, "0" },
	{ 1, "1B" },
	{ 1023, "1023B" },
	{ 1024, "1K" },
	{ 1536, "1.5K" },
	{ 64ULL << 20, "64M" },
	{ 3ULL << 29, "1.5G" },
	{ (1ULL << 20) - 1, "1M" },
	{ (1ULL << 30) + (1ULL << 20) * 51, "1G" },
	{ (1ULL << 30) + (1ULL << 20) * 52, "1.1G" },
	{ 5ULL << 40, "5T" },
	{ RT_LIMIT_MAX, "max" },
	{ RT_LIMIT_MAX - 1, "16E" },
};

static const struct {
	const char *in;
	int err;
	uint64_t n;
} counts[] = {
	{ "0", 0, 0 }, { "16", 0, 16 }, { "max", 0, RT_LIMIT_MAX },
	{ "infinity", 0, RT_LIMIT_MAX },
	{ "-1", -EINVAL, 0 }, { "1K", -EINVAL, 0 }, { "", -EINVAL, 0 },
	{ "1.0", -EINVAL, 0 }, { "99999999999999999999", -ERANGE, 0 },
};

static const struct {
	const char *in;
	int ok;
	pid_t pid;
} pids[] = {
	{ "1", 1, 1 }, { "58", 1, 58 }, { "2147483647", 1, 2147483647 },
	{ "0", 0, 0 }, { "-1", 0, 0 }, { "abc", 0, 0 }, { "12a", 0, 0 },
	{ "2147483648", 0, 0 }, { "", 0, 0 }, { " 5", 0, 0 },
};

static void test_sizes(void)
{
	char buf[RESTRACK_SIZE_BUFSZ];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint64_t v = 12345;
		int err = restrack_parse_size(sizes[i].in, &v);

		check(err == sizes[i].err && (err || v == sizes[i].bytes) &&
		      (!err || v == 12345),
		      "parse size '%s'", sizes[i].in);
	}
	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		restrack_format_size(formats[i].bytes, buf);
		check(!strcmp(buf, formats[i].out), "format size %s",
		      formats[i].out);
		if (strcmp(buf, formats[i].out))
			printf("# got '%s'\n", buf);
	}
	/* what format prints, parse reads back exactly for whole units */
	for (i = 0; i < 50; i++) {
		uint64_t in = (uint64_t)(i * 7 + 1) << (10 * (i % 5)), out;

		restrack_format_size(in, buf);
		check(!restrack_parse_size(buf, &out) && out == in,
		      "round trip %s", buf);
	}
}

static const struct {
	const char *in;
	int err;
	long mib;
} quotas[] = {
	{ "64", 0, 64 },		/* a bare number is MiB */
	{ "100", 0, 100 },
	{ "0", 0, 0 },
	{ "64M", 0, 64 },
	{ "1G", 0, 1024 },
	{ "1.5G", 0, 1536 },
	{ "1048576K", 0, 1024 },
	{ "512K", -EDOM, 0 },		/* never rounded down to 0 */
	{ "1.5M", -EDOM, 0 },
	{ "100B", -EDOM, 0 },
	{ "-1", 0, RESTRACK_UNLIMITED },
	{ "max", 0, RESTRACK_UNLIMITED },
	{ "infinity", 0, RESTRACK_UNLIMITED },
	{ "8796093022207", 0, 8796093022207L },
	{ "8796093022208", -ERANGE, 0 },
	{ "-2", -EINVAL, 0 },
	{ "12Q", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
};

static void test_quotas(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(quotas); i++) {
		long v = 12345;
		int err = restrack_parse_quota_mib(quotas[i].in, &v);

		check(err == quotas[i].err && (err ? v == 12345 :
					       v == quotas[i].mib),
		      "parse heap quota '%s'", quotas[i].in);
	}
}

static void test_counts_pids(void)
{
	char buf[RESTRACK_SIZE_BUFSZ];
	double secs;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		uint64_t v;
		int err = restrack_parse_count(counts[i].in, &v);

		check(err == counts[i].err && (err || v == counts[i].n),
		      "parse count '%s'", counts[i].in);
	}
	check(!strcmp(restrack_format_count(RT_LIMIT_MAX, buf), "max"),
	      "format count %s", "max");
	check(!strcmp(restrack_format_count(42, buf), "42"),
	      "format count %s", "42");
	for (i = 0; i < ARRAY_SIZE(pids); i++) {
		pid_t p = 0;
		int ok = !restrack_parse_pid(pids[i].in, &p);

		check(ok == pids[i].ok && (!ok || p == pids[i].pid),
		      "parse pid '%s'", pids[i].in);
	}
	check(!restrack_parse_seconds("0.5", &secs) && secs == 0.5,
	      "parse seconds %s", "0.5");
	check(!restrack_parse_seconds("2", &secs) && secs == 2,
	      "parse seconds %s", "2");
	check(restrack_parse_seconds("0", &secs) == -EINVAL,
	      "reject seconds %s", "0");
	check(restrack_parse_seconds("-1", &secs) == -EINVAL,
	      "reject seconds %s", "-1");
	check(restrack_parse_seconds("2x", &secs) == -EINVAL,
	      "reject seconds %s", "2x");
}

static void test_tracker(void)
{
	struct restrack_proc p;

	check(!restrack_parse_tracker_line("58 sleep 2 64 3 max kill /restrack/58\n", &p) &&
	      p.pid == 58 && !strcmp(p.command, "sleep") && p.heap_mib == 2 &&
	      p.heap_cap_mib == 64 && p.files == 3 &&
	      p.file_cap == RT_LIMIT_MAX && !strcmp(p.policy, "kill") &&
	      !strcmp(p.cgroup, "/restrack/58"),
	      "tracker line %s", "with a heap cap");
	check(!restrack_parse_tracker_line("7 a_b 0 max 0 16 deny /x", &p) &&
	      p.heap_cap_mib == RT_LIMIT_MAX && p.file_cap == 16,
	      "tracker line %s", "without a newline");
	check(restrack_parse_tracker_line("PID COMMAND HEAP_MIB HEAP_CAP_MIB FILES FILE_CAP POLICY CGROUP\n", &p) == -EINVAL,
	      "tracker %s is not an entry", "header");
	check(restrack_parse_tracker_line("58 sleep 2 64 3 max kill\n", &p) == -EINVAL,
	      "tracker line %s rejected", "short");
	check(restrack_parse_tracker_line("58 sleep 2 64 3 max kill /a junk\n", &p) == -EINVAL,
	      "tracker line %s rejected", "long");
	check(restrack_parse_tracker_line("58 sleep max 64 3 max kill /a\n", &p) == -EINVAL,
	      "tracker line %s rejected", "heap max");
}

static void test_escape(void)
{
	char *buf;
	size_t len;
	FILE *f;

	f = open_memstream(&buf, &len);
	restrack_json_string(f, "a\"b\\c\nd\te\x01");
	fclose(f);
	check(!strcmp(buf, "\"a\\\"b\\\\c\\nd\\te\\u0001\""), "json %s", "escapes");
	free(buf);

	f = open_memstream(&buf, &len);
	restrack_prom_label(f, "a\"b\\c\nd");
	fclose(f);
	check(!strcmp(buf, "\"a\\\"b\\\\c\\nd\""), "prometheus %s", "label escapes");
	free(buf);

	f = open_memstream(&buf, &len);
	restrack_json_string(f, "caf\xc3\xa9 \xff\xc3(\xed\xa0\x80");
	fclose(f);
	check(!strcmp(buf, "\"caf\xc3\xa9 \\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\""),
	      "json %s", "UTF-8 kept, invalid bytes replaced");
	free(buf);

	f = open_memstream(&buf, &len);
	restrack_prom_label(f, "caf\xc3\xa9\xff");
	fclose(f);
	check(!strcmp(buf, "\"caf\xc3\xa9\xef\xbf\xbd\""),
	      "prometheus %s", "invalid bytes replaced");
	free(buf);

	check(restrack_unit_name("/system.slice/foo.service") &&
	      !strcmp(restrack_unit_name("/system.slice/foo.service"), "foo.service"),
	      "unit %s", "foo.service");
	check(!restrack_unit_name("/restrack/58"), "unit %s", "none for restrack/58");
	{
		static const char *const sl[][2] = {
			{ "rt.slice", "/rt.slice" },
			{ "a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice" },
			{ "-.slice", "/" },
			{ "cpu.slice", "/_cpu.slice" },
			{ "cpu-x.slice", "/_cpu.slice/cpu-x.slice" },
			{ "cpux.slice", "/cpux.slice" },
			{ "_x.slice", "/__x.slice" },
			{ "a--b.slice", NULL }, { "-a.slice", NULL },
			{ "a-.slice", NULL }, { "x.service", NULL },
			{ "a@b.slice", NULL },
		};
		char cgp[PATH_MAX];
		size_t k;

		for (k = 0; k < sizeof(sl) / sizeof(sl[0]); k++) {
			int r = restrack_slice_cgroup(sl[k][0], cgp, sizeof(cgp));

			check(sl[k][1] ? !r && !strcmp(cgp, sl[k][1]) : r == -EINVAL,
			      "slice cgroup %s", sl[k][0]);
		}
	}
	check(strstr(restrack_strerror(EPERM), "CAP_SYS_RESOURCE") != NULL,
	      "EPERM %s", "needs CAP_SYS_RESOURCE");
	check(strstr(restrack_strerror(-EPERM), "CAP_SYS_RESOURCE") != NULL,
	      "-EPERM %s", "as EPERM");
}

static void put(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

/* A unit's own limits: what run would lose in a scope beside it */
static void test_own_limit(void)
{
	static const struct {
		const char *file, *val, *want;
	} cases[] = {
		{ "pids.max", "5\n", "TasksMax= (pids.max 5)" },
		{ "memory.max", "1073741824\n", "MemoryMax= (memory.max 1073741824)" },
		{ "memory.high", "1000\n", "MemoryHigh= (memory.high 1000)" },
		{ "memory.swap.max", "0\n", "MemorySwapMax= (memory.swap.max 0)" },
		{ "cpu.max", "50000 100000\n", "CPUQuota= (cpu.max 50000 100000)" },
		{ "io.max", "8:0 rbps=1000 wbps=max riops=max wiops=max\n",
		  "IO*Max= (io.max 8:0 rbps=1000 wbps=max riops=max wiops=max)" },
		{ "restrack.heap.max", "67108864\n", "HeapMax= (restrack.heap.max 67108864)" },
		{ "restrack.files.max", "20\n", "FilesMax= (restrack.files.max 20)" },
	};
	char dir[] = "/tmp/restrack-test-XXXXXX", what[320], cmd[64];
	size_t i;

	if (!mkdtemp(dir)) {
		check(0, "own limit: %s", "mkdtemp");
		return;
	}
	check(restrack_cg_own_limit(dir, what, sizeof(what)) == 0,
	      "own limit: %s", "no file at all: none");
	put(dir, "pids.max", "max\n");
	put(dir, "memory.max", "max\n");
	put(dir, "memory.high", "max\n");
	put(dir, "memory.swap.max", "max\n");
	put(dir, "cpu.max", "max 100000\n");
	put(dir, "io.max", "");
	put(dir, "restrack.heap.max", "max\n");
	put(dir, "restrack.files.max", "max\n");
	check(restrack_cg_own_limit(dir, what, sizeof(what)) == 0,
	      "own limit: %s", "all unlimited (cpu.max \"max 100000\", io.max empty): none");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *old = !strcmp(cases[i].file, "cpu.max") ? "max 100000\n" :
			!strcmp(cases[i].file, "io.max") ? "" : "max\n";

		put(dir, cases[i].file, cases[i].val);
		check(restrack_cg_own_limit(dir, what, sizeof(what)) == 1 &&
		      !strcmp(what, cases[i].want), "own limit: %s", cases[i].want);
		put(dir, cases[i].file, old);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) {
		/* a temporary directory left: harmless */
	}
}

/* Kill records of /dev/kmsg */
static void test_kill(void)
{
	struct restrack_kill k;
	char path[PATH_MAX];
	static const char *const bad[] = {
		"6,1,2,-;restrack: files.max of /a: killed process 0 (x), usage 1, max 1",
		"6,1,2,-;restrack: files.max of /a: killed process 5 (x), usage 1, max 1 more",
		"6,1,2,-;restrack: pids.max of /a: killed process 5 (x), usage 1, max 1",
		"6,1,2,-;restrack: files.max of a: killed process 5 (x), usage 1, max 1",
		"6,1,2,-;restrack: files.max of /a killed process 5 (x), usage 1, max 1",
		"restrack: files.max of /a: killed process 5 (x), usage 1, max 1",
		"6,1,2,-;restrack: heap.max of /a: killed many processes, usage 1, max 1",
		"6,1,2,-;restrack: 3 callbacks suppressed",
	};
	size_t i;

	check(!restrack_parse_kill("6,812,5000123,-;restrack: files.max of /system.slice/web.service: killed process 812 (nginx), usage 1000, max 1000\n",
				   &k, path, sizeof(path)) &&
	      !strcmp(path, "/system.slice/web.service") && k.pid == 812 &&
	      !strcmp(k.comm, "nginx") && !strcmp(k.limit, "files.max") &&
	      k.usage == 1000 && k.max == 1000 && k.processes == 1 &&
	      k.usec == 5000123, "kill: %s", "one process");
	check(!restrack_parse_kill("6,9,77,-;restrack: heap.max of /batch/job: killed 3 processes, usage 73400320, max 67108864",
				   &k, path, sizeof(path)) &&
	      !strcmp(path, "/batch/job") && k.pid == 0 && !k.comm[0] &&
	      !strcmp(k.limit, "heap.max") && k.processes == 3 &&
	      k.usage == 73400320 && k.max == 67108864 && k.usec == 77,
	      "kill: %s", "several processes");
	check(!restrack_parse_kill("6,9,77,-;restrack: heap.max of /a b: killed x/c: killed process 4 (a), b), usage 5, max 4",
				   &k, path, sizeof(path)) &&
	      !strcmp(path, "/a b: killed x/c") && !strcmp(k.comm, "a), b") &&
	      k.pid == 4, "kill: %s", "': killed ' in the path, '), ' in comm");
	check(!restrack_parse_kill("6,9,77,-;restrack: heap.max of /odd\\x0aname: killed process 4 (x), usage 5, max 4",
				   &k, path, sizeof(path)) &&
	      !strcmp(path, "/odd\nname"), "kill: %s", "\\xNN escapes undone");
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		check(restrack_parse_kill(bad[i], &k, path, sizeof(path)) == -EINVAL &&
		      !k.valid, "kill: not one: %s", bad[i]);
}

int main(void)
{
	test_sizes();
	test_quotas();
	test_counts_pids();
	test_tracker();
	test_escape();
	test_own_limit();
	test_kill();
	printf("1..%d\n", n_test);
	return n_fail ? 1 : 0;
}
