// SPDX-License-Identifier: GPL-2.0
/*
 * kprof: a QEMU TCG plugin that counts the kernel instructions a guest
 * executes, per translation block, within windows the guest opens and
 * closes itself: a window opens when the kernel enters the translation
 * block at start=ADDR (the entry of a system call nothing else makes,
 * see bench_profile() in bench.c) and closes at end=ADDR.  At exit it
 * writes "WINDOW PC INSTRUCTIONS" lines to out=FILE, PC in 16 hex digits;
 * scripts/bench.sh maps them to functions with System.map.
 *
 * Written against the plugin interface of QEMU 7.2 (version 1), declared
 * here rather than taken from qemu-plugin.h, which Debian does not ship.
 * Under -icount each guest instruction is counted once; counting costs a
 * callback per executed block, so the guest runs a few times slower.
 *
 * Build: gcc -O2 -shared -fPIC -o kprof.so kprof.c
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
		void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
		void (*cb)(unsigned int vcpu, void *data), int flags, void *data);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
		void (*cb)(qemu_plugin_id_t id, void *data), void *data);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define NR_WINDOWS	64
#define HASH_BITS	18	/* distinct kernel blocks a boot translates: ~10^5 */
#define KERNEL_START	0xffff000000000000ull	/* x86_64 and arm64 */

static struct block {
	uint64_t pc, insns;	/* a block is its address and its length */
	uint64_t *count;	/* [NR_WINDOWS], once it ran in a window */
} *blocks;
static size_t nr_blocks;
static uint64_t start_pc, end_pc;
static int window = -1;
static bool counting;
static const char *out;

static struct block *block_of(uint64_t pc, uint64_t insns)
{
	uint64_t mask = (1ull << HASH_BITS) - 1;
	uint64_t h = (pc * 0x9e3779b97f4a7c15ull) >> (64 - HASH_BITS);

	for (;; h = (h + 1) & mask) {
		struct block *b = &blocks[h];

		if (b->pc == pc && b->insns == insns)
			return b;
		if (!b->pc) {
			if (++nr_blocks > mask / 4 * 3) {
				fprintf(stderr, "kprof: too many blocks\n");
				exit(1);
			}
			b->pc = pc;
			b->insns = insns;
			return b;
		}
	}
}

static void executed(unsigned int vcpu, void *data)
{
	struct block *b = data;

	if (!counting)
		return;
	if (!b->count) {
		b->count = calloc(NR_WINDOWS, sizeof(*b->count));
		if (!b->count) {
			fprintf(stderr, "kprof: out of memory\n");
			exit(1);
		}
	}
	b->count[window] += b->insns;
}

static void opened(unsigned int vcpu, void *data)
{
	if (!counting && window + 1 < NR_WINDOWS) {
		window++;
		counting = true;
	}
}

static void closed(unsigned int vcpu, void *data)
{
	counting = false;
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t pc = qemu_plugin_tb_vaddr(tb);

	if (pc < KERNEL_START)
		return;
	/* the window opens before the block counts, and closes after */
	if (pc == start_pc)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, opened, 0, NULL);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, executed, 0,
			block_of(pc, qemu_plugin_tb_n_insns(tb)));
	if (pc == end_pc)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, closed, 0, NULL);
}

static void finished(qemu_plugin_id_t id, void *data)
{
	FILE *f = fopen(out, "w");

	if (!f) {
		perror(out);
		return;
	}
	for (size_t i = 0; i < (1u << HASH_BITS); i++)
		for (int w = 0; blocks[i].count && w < NR_WINDOWS; w++)
			if (blocks[i].count[w])
				fprintf(f, "%d %016llx %llu\n", w,
					(unsigned long long)blocks[i].pc,
					(unsigned long long)blocks[i].count[w]);
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc,
			char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "start=", 6))
			start_pc = strtoull(argv[i] + 6, NULL, 16);
		else if (!strncmp(argv[i], "end=", 4))
			end_pc = strtoull(argv[i] + 4, NULL, 16);
		else if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
	}
	if (!start_pc || !end_pc || !out) {
		fprintf(stderr, "kprof: start=ADDR,end=ADDR,out=FILE needed\n");
		return -1;
	}
	out = strdup(out);
	blocks = calloc(1u << HASH_BITS, sizeof(*blocks));
	if (!blocks || !out)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, finished, NULL);
	return 0;
}
