/* jit_gen.h - a seeded generator of random VALID eBPF programs, and a differential runner
 * that executes one program on the interpreter and on the JIT and compares r0, the error
 * (code and message) and the memory the program wrote. Shared by test_jit_diff.c (a fixed
 * number of seeds in the suite) and tests/fuzz/fuzz_jit_diff.c (libFuzzer bytes as seeds).
 *
 * Program shape: r6 holds the memory pointer (r1 at entry) and is never written; r9 counts
 * loop iterations; r0, r2-r5, r7, r8 hold data. The main function is a list of segments:
 * straight-line ALU/memory/atomic code, forward conditional skips, bounded loops, local
 * calls into a DAG of subfunctions, helper calls (call and callx), LD_ABS/LD_IND, lddw, and
 * (when g->maps) map work: lookups in an ARRAY, a HASH and an LRU_HASH followed by a load,
 * store or atomic on the value, updates with each flag, deletes, and direct value access
 * (lddw src=6). The runner resets the maps before each engine's run and compares their
 * whole contents afterwards, so map effects must match too. Hash value pointers never leave
 * the snippet (an element's address may differ between the two runs); array addresses do.
 * Values favour the edge cases (0, -1, INT_MIN, 32-bit boundaries) so division by zero,
 * INT_MIN/-1 and shift masking come up often. A few accesses go out of bounds or are
 * misaligned on purpose (gen.faults), exercising the runtime checks of both engines.
 */
#ifndef XBPF_JIT_GEN_H
#define XBPF_JIT_GEN_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "xbpf/xbpf.h"

#define GEN_MEM 64       /* bytes of memory at r1/r6 */
#define GEN_MAX 4096     /* instruction slots */

struct gen {
	uint64_t s;                  /* xorshift state */
	struct xbpf_insn insn[GEN_MAX];
	size_t n;
	bool faults;                 /* allow out-of-bounds / misaligned accesses */
	bool overflow;               /* ran out of room */
	bool maps;                   /* emit map snippets (needs a gen_vm(true) VM) */
};

/* Helper ids of the generator's own helpers; GEN_H_NONE is never registered. */
#define GEN_H_MIX 1000
#define GEN_H_XOR 1001
#define GEN_H_NONE 1010

/* The maps programs reference by index (lddw src=5/6): an ARRAY (u32 key), a HASH and an
 * LRU_HASH (u64 keys), and a one-entry ARRAY for direct value access (as global data; the
 * kernel allows it only there), all with 16-byte values. Keys used are 0..GEN_MAP_KEYS-1. */
enum { GEN_MAP_ARRAY, GEN_MAP_HASH, GEN_MAP_LRU, GEN_MAP_DATA, GEN_NMAPS };
#define GEN_MAP_VALUE 16
#define GEN_MAP_KEYS 16
static const uint32_t gen_map_entries[GEN_NMAPS] = {8, 8, 4, 1};
static inline bool gen_map_is_array(unsigned i)
{
	return i == GEN_MAP_ARRAY || i == GEN_MAP_DATA;
}

static inline uint64_t gen_rand(struct gen *g)
{
	uint64_t x = g->s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return g->s = x;
}
static inline unsigned gen_below(struct gen *g, unsigned n) { return (unsigned)(gen_rand(g) % n); }

static inline int64_t gen_value(struct gen *g)
{
	static const int64_t edge[] = {0, 1, -1, 2, 31, 32, 63, 64, INT32_MIN, INT32_MAX,
				       0x80000000ll, 0xffffffffll, INT64_MIN, INT64_MAX, 0x100000000ll,
				       7, -7, 0xff, 0xffff, 3};
	switch (gen_below(g, 4)) {
	case 0: return edge[gen_below(g, sizeof edge / sizeof edge[0])];
	case 1: return (int64_t)(gen_below(g, 16)) - 4;
	case 2: return (int32_t)gen_rand(g);
	default: return (int64_t)gen_rand(g);
	}
}

static inline void gen_put(struct gen *g, uint8_t code, unsigned dst, unsigned src, int16_t off,
		    int32_t imm)
{
	if (g->n >= GEN_MAX - 4) {
		g->overflow = true;
		return;
	}
	struct xbpf_insn *i = &g->insn[g->n++];
	i->code = code;
	i->dst_reg = dst & 15;
	i->src_reg = src & 15;
	i->off = off;
	i->imm = imm;
}

static const uint8_t gen_data_regs[] = {0, 2, 3, 4, 5, 7, 8};
static inline unsigned gen_dreg(struct gen *g) { return gen_data_regs[gen_below(g, 7)]; }

static inline void gen_lddw(struct gen *g, unsigned dst, uint64_t v)
{
	gen_put(g, XBPF_LD | XBPF_IMM | XBPF_DW, dst, 0, 0, (int32_t)(uint32_t)v);
	gen_put(g, 0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
}

/* One ALU instruction on data registers. */
static inline void gen_alu(struct gen *g)
{
	static const uint8_t ops[] = {XBPF_ADD, XBPF_SUB, XBPF_MUL, XBPF_DIV, XBPF_OR, XBPF_AND,
				      XBPF_LSH, XBPF_RSH, XBPF_NEG, XBPF_MOD, XBPF_XOR, XBPF_MOV,
				      XBPF_ARSH, XBPF_END};
	uint8_t op = ops[gen_below(g, sizeof ops)];
	bool is64 = gen_below(g, 2), x = gen_below(g, 2);
	unsigned dst = gen_dreg(g), src = gen_below(g, 8) == 0 ? 6 : gen_dreg(g);
	uint8_t cls = is64 ? XBPF_ALU64 : XBPF_ALU;
	int16_t off = 0;
	int32_t imm = (int32_t)gen_value(g);
	if (op == XBPF_NEG) {
		gen_put(g, cls | op, dst, 0, 0, 0);
		return;
	}
	if (op == XBPF_END) {
		static const int w[] = {16, 32, 64};
		uint8_t s = is64 ? XBPF_TO_LE : (gen_below(g, 2) ? XBPF_TO_BE : XBPF_TO_LE);
		gen_put(g, cls | op | s, dst, 0, 0, w[gen_below(g, 3)]);
		return;
	}
	if ((op == XBPF_DIV || op == XBPF_MOD) && gen_below(g, 2))
		off = 1; /* sdiv / smod */
	if (op == XBPF_MOV && x && gen_below(g, 4) == 0) { /* movsx */
		static const int16_t w64[] = {8, 16, 32}, w32[] = {8, 16};
		off = is64 ? w64[gen_below(g, 3)] : w32[gen_below(g, 2)];
	}
	if (x)
		gen_put(g, cls | op | XBPF_X, dst, src, off, 0);
	else
		gen_put(g, cls | op | XBPF_K, dst, 0, off, imm);
}

/* A memory access: mem at r6 or stack at r10; sometimes deliberately bad. */
static inline void gen_mem(struct gen *g)
{
	static const uint8_t sizes[] = {XBPF_B, XBPF_H, XBPF_W, XBPF_DW};
	static const unsigned bytes[] = {1, 2, 4, 8};
	unsigned si = gen_below(g, 4), sz = bytes[si], kind = gen_below(g, 5);
	bool stack = gen_below(g, 2);
	unsigned base = stack ? 10 : 6;
	int off;
	if (stack)
		off = -(int)(sz * (1 + gen_below(g, 512 / sz)));
	else
		off = (int)(sz * gen_below(g, GEN_MEM / sz));
	if (g->faults && gen_below(g, 40) == 0)
		off += gen_below(g, 2) ? GEN_MEM + 8 : 1;   /* out of bounds or misaligned */
	unsigned r = gen_dreg(g);
	switch (kind) {
	case 0: /* load, zero- or sign-extending */
		if (si != 3 && gen_below(g, 3) == 0)
			gen_put(g, XBPF_LDX | XBPF_MEMSX | sizes[si], r, base, (int16_t)off, 0);
		else
			gen_put(g, XBPF_LDX | XBPF_MEM | sizes[si], r, base, (int16_t)off, 0);
		break;
	case 1:
		gen_put(g, XBPF_ST | XBPF_MEM | sizes[si], base, 0, (int16_t)off, (int32_t)gen_value(g));
		break;
	case 2:
		gen_put(g, XBPF_STX | XBPF_MEM | sizes[si], base, r, (int16_t)off, 0);
		break;
	default: { /* atomic, 4 or 8 bytes */
		static const int32_t aops[] = {XBPF_ADD, XBPF_OR, XBPF_AND, XBPF_XOR,
					       XBPF_ADD | XBPF_FETCH, XBPF_OR | XBPF_FETCH,
					       XBPF_AND | XBPF_FETCH, XBPF_XOR | XBPF_FETCH,
					       XBPF_XCHG, XBPF_CMPXCHG};
		uint8_t s = gen_below(g, 2) ? XBPF_DW : XBPF_W;
		unsigned asz = s == XBPF_DW ? 8 : 4;
		if (!(g->faults && gen_below(g, 20) == 0))
			off = off / (int)asz * (int)asz;
		if (!stack && off + (int)asz > GEN_MEM && !g->faults)
			off = GEN_MEM - (int)asz;
		gen_put(g, XBPF_STX | XBPF_ATOMIC | s, base, r, (int16_t)off,
			aops[gen_below(g, sizeof aops / sizeof aops[0])]);
	}
	}
}

static inline void gen_straight(struct gen *g, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		unsigned k = gen_below(g, 11);
		if (k == 10 && gen_below(g, 3) == 0) { /* x <<= 32; y = x; y >>= 32 (fused) */
			unsigned x = gen_dreg(g), y = gen_dreg(g);
			gen_put(g, XBPF_ALU64 | XBPF_LSH | XBPF_K, x, 0, 0, 32);
			gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_X, y, x, 0, 0);
			gen_put(g, XBPF_ALU64 | (gen_below(g, 2) ? XBPF_RSH : XBPF_ARSH) | XBPF_K, y, 0, 0, 32);
			if (gen_below(g, 2))
				gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_K, x, 0, 0, (int32_t)gen_value(g));
		} else if (k == 10) { /* copy and add (the JIT fuses it into one lea) */
			unsigned d = gen_dreg(g);
			gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_X, d, gen_below(g, 4) ? gen_dreg(g) : 10, 0, 0);
			if (gen_below(g, 2))
				gen_put(g, XBPF_ALU64 | XBPF_ADD | XBPF_X, d, gen_dreg(g), 0, 0);
			else
				gen_put(g, XBPF_ALU64 | XBPF_ADD | XBPF_K, d, 0, 0, (int32_t)gen_value(g));
		} else if (k < 6)
			gen_alu(g);
		else if (k < 9)
			gen_mem(g);
		else
			gen_lddw(g, gen_dreg(g), (uint64_t)gen_value(g));
	}
}

/* if (cond) skip the next few instructions */
static inline void gen_skip(struct gen *g)
{
	static const uint8_t ops[] = {XBPF_JEQ, XBPF_JGT, XBPF_JGE, XBPF_JSET, XBPF_JNE, XBPF_JSGT,
				      XBPF_JSGE, XBPF_JLT, XBPF_JLE, XBPF_JSLT, XBPF_JSLE};
	uint8_t cls = gen_below(g, 2) ? XBPF_JMP : XBPF_JMP32, op = ops[gen_below(g, 11)];
	size_t at = g->n;
	if (gen_below(g, 2))
		gen_put(g, cls | op | XBPF_X, gen_dreg(g), gen_dreg(g), 0, 0);
	else
		gen_put(g, cls | op | XBPF_K, gen_dreg(g), 0, 0, (int32_t)gen_value(g));
	gen_straight(g, 1 + gen_below(g, 4));
	if (gen_below(g, 4) == 0) { /* if-else: ja over an else branch */
		size_t ja = g->n;
		gen_put(g, XBPF_JMP | XBPF_JA, 0, 0, 0, 0);
		g->insn[at].off = (int16_t)(g->n - at - 1);
		gen_straight(g, 1 + gen_below(g, 3));
		g->insn[ja].off = (int16_t)(g->n - ja - 1);
	} else {
		g->insn[at].off = (int16_t)(g->n - at - 1);
	}
}

/* r9 = k; loop: body; r9 -= 1; if r9 != 0 goto loop */
static inline void gen_loop(struct gen *g)
{
	gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_K, 9, 0, 0, (int32_t)(1 + gen_below(g, 6)));
	size_t top = g->n;
	gen_straight(g, 1 + gen_below(g, 5));
	if (gen_below(g, 2))
		gen_skip(g);
	gen_put(g, XBPF_ALU64 | XBPF_SUB | XBPF_K, 9, 0, 0, 1);
	gen_put(g, XBPF_JMP | XBPF_JNE | XBPF_K, 9, 0, (int16_t)(top - g->n - 1), 0);
}

/* helper 1 (mix) by call or callx; helper ids for callx come from a register */
static inline void gen_helper(struct gen *g)
{
	if (gen_below(g, 3) == 0) {
		unsigned r = gen_dreg(g);
		uint32_t id = (g->faults && gen_below(g, 10) == 0) ? GEN_H_NONE
				: GEN_H_MIX + gen_below(g, 2);
		gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_K, r, 0, 0, (int32_t)id);
		gen_put(g, XBPF_JMP | XBPF_CALL | XBPF_X, r, 0, 0, 0);
	} else {
		gen_put(g, XBPF_JMP | XBPF_CALL, 0, 0, 0, GEN_H_MIX + (int32_t)gen_below(g, 2));
	}
}

static inline void gen_ldpkt(struct gen *g)
{
	static const uint8_t sz[] = {XBPF_B, XBPF_H, XBPF_W};
	int32_t imm = (int32_t)gen_below(g, GEN_MEM + (g->faults ? 8 : 0));
	if (gen_below(g, 2))
		gen_put(g, XBPF_LD | XBPF_ABS | sz[gen_below(g, 3)], 0, 0, 0, imm);
	else
		gen_put(g, XBPF_LD | XBPF_IND | sz[gen_below(g, 3)], 0, gen_dreg(g), 0, imm / 4);
}

/* A data register other than r0 (r0 holds the value pointer in a map snippet). */
static inline unsigned gen_dreg_not0(struct gen *g) { return gen_data_regs[1 + gen_below(g, 6)]; }

/* A load, store or atomic at [ptr + off] within the `room` bytes of a map value that ptr
 * points to (sometimes past them when g->faults). */
static inline void gen_value_access(struct gen *g, unsigned ptr, unsigned room)
{
	static const uint8_t sizes[] = {XBPF_B, XBPF_H, XBPF_W, XBPF_DW};
	static const int32_t aops[] = {XBPF_ADD, XBPF_OR, XBPF_AND, XBPF_XOR, XBPF_ADD | XBPF_FETCH,
				       XBPF_XOR | XBPF_FETCH, XBPF_XCHG};
	unsigned si = gen_below(g, 4), sz = 1u << si, r = gen_dreg_not0(g);
	int off = (int)(sz * gen_below(g, room / sz));
	if (g->faults && gen_below(g, 20) == 0)
		off = (int)room - (int)sz + 1 + (int)gen_below(g, sz); /* past the value */
	switch (gen_below(g, 4)) {
	case 0:
		gen_put(g, XBPF_LDX | XBPF_MEM | sizes[si], r, ptr, (int16_t)off, 0);
		break;
	case 1:
		gen_put(g, XBPF_ST | XBPF_MEM | sizes[si], ptr, 0, (int16_t)off, (int32_t)gen_value(g));
		break;
	case 2:
		gen_put(g, XBPF_STX | XBPF_MEM | sizes[si], ptr, r, (int16_t)off, 0);
		break;
	default: {
		uint8_t s = gen_below(g, 2) ? XBPF_DW : XBPF_W;
		int a = s == XBPF_DW ? 8 : 4;
		off = (int)gen_below(g, room / (unsigned)a) * a;
		gen_put(g, XBPF_STX | XBPF_ATOMIC | s, ptr, r, (int16_t)off,
			aops[gen_below(g, sizeof aops / sizeof aops[0])]);
	}
	}
}

static inline void gen_ld_map(struct gen *g, unsigned map)
{
	gen_put(g, XBPF_LD | XBPF_IMM | XBPF_DW, 1, XBPF_PSEUDO_MAP_IDX, 0, (int32_t)map);
	gen_put(g, 0, 0, 0, 0, 0);
}

/* The key (a data register & 15, sometimes out of the array's range) at r10-8, r2 = its
 * address, r1 = map (in either order: lddw right before the call is the JIT's inline
 * ARRAY lookup). r1 is free: it is no data register. */
static inline void gen_map_args(struct gen *g, unsigned map, bool lddw_last)
{
	gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_X, 1, gen_dreg(g), 0, 0);
	gen_put(g, XBPF_ALU64 | XBPF_AND | XBPF_K, 1, 0, 0, GEN_MAP_KEYS - 1);
	gen_put(g, XBPF_STX | XBPF_MEM | XBPF_DW, 10, 1, -8, 0);
	if (!lddw_last)
		gen_ld_map(g, map);
	gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_X, 2, 10, 0, 0);
	gen_put(g, XBPF_ALU64 | XBPF_ADD | XBPF_K, 2, 0, 0, -8);
	if (lddw_last)
		gen_ld_map(g, map);
}

/* One map operation (see the header comment). */
static inline void gen_map(struct gen *g)
{
	unsigned map = gen_below(g, GEN_MAP_DATA + 1); /* the data map too: a 1-entry array */
	switch (gen_below(g, 5)) {
	case 0:
	case 1: { /* r0 = lookup; if (r0) { access; r0 = *(u64 *)(r0 + 0/8) } */
		gen_map_args(g, map, gen_below(g, 3) != 0);
		gen_put(g, XBPF_JMP | XBPF_CALL, 0, 0, 0, 1);
		size_t at = g->n;
		gen_put(g, XBPF_JMP | XBPF_JEQ | XBPF_K, 0, 0, 0, 0);
		for (unsigned i = gen_below(g, 3); i > 0; i--)
			gen_value_access(g, 0, GEN_MAP_VALUE);
		gen_put(g, XBPF_LDX | XBPF_MEM | XBPF_DW, 0, 0, (int16_t)(8 * gen_below(g, 2)), 0);
		g->insn[at].off = (int16_t)(g->n - at - 1);
		break;
	}
	case 2: { /* r0 = update(map, key, value from two data registers, flags) */
		gen_map_args(g, map, gen_below(g, 2));
		gen_put(g, XBPF_STX | XBPF_MEM | XBPF_DW, 10, gen_dreg(g), -24, 0);
		gen_put(g, XBPF_STX | XBPF_MEM | XBPF_DW, 10, gen_dreg(g), -16, 0);
		gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_X, 3, 10, 0, 0);
		gen_put(g, XBPF_ALU64 | XBPF_ADD | XBPF_K, 3, 0, 0, -24);
		gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_K, 4, 0, 0,
			(int32_t)gen_below(g, g->faults ? 4 : 3));      /* ANY, NOEXIST, EXIST (bad) */
		gen_put(g, XBPF_JMP | XBPF_CALL, 0, 0, 0, 2);
		break;
	}
	case 3: /* r0 = delete(map, key) (arrays: -EINVAL) */
		gen_map_args(g, map, gen_below(g, 2));
		gen_put(g, XBPF_JMP | XBPF_CALL, 0, 0, 0, 3);
		break;
	default: { /* rX = &data[0] + 0/8 (direct value access); access through it */
		unsigned r = gen_dreg_not0(g), at = 8 * gen_below(g, 2);
		gen_put(g, XBPF_LD | XBPF_IMM | XBPF_DW, r, XBPF_PSEUDO_MAP_IDX_VALUE, 0, GEN_MAP_DATA);
		gen_put(g, 0, 0, 0, 0, (int32_t)at);
		gen_value_access(g, r, GEN_MAP_VALUE - at);
	}
	}
}

struct gen_call { size_t at; unsigned callee; };

/* A function body: segments, then exit. Calls go to functions with a higher index. */
static inline void gen_body(struct gen *g, unsigned self, unsigned nfuncs, struct gen_call *calls,
		     unsigned *ncalls, unsigned segments)
{
	for (unsigned s = 0; s < segments && !g->overflow; s++) {
		unsigned k = gen_below(g, g->maps ? 15 : 12);
		if (k < 4)
			gen_straight(g, 1 + gen_below(g, 5));
		else if (k < 6)
			gen_skip(g);
		else if (k < 7 && self == 0)
			gen_loop(g);
		else if (k < 8 && self + 1 < nfuncs && *ncalls < 64) {
			calls[*ncalls].at = g->n;
			calls[(*ncalls)++].callee = self + 1 + gen_below(g, nfuncs - self - 1);
			gen_put(g, XBPF_JMP | XBPF_CALL, 0, XBPF_PSEUDO_CALL, 0, 0);
		} else if (k < 10)
			gen_helper(g);
		else if (k < 11)
			gen_ldpkt(g);
		else if (k < 12)
			gen_straight(g, 2);
		else
			gen_map(g);
	}
	gen_put(g, XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0);
}

/* Generate a program from `seed`; with `maps`, half the programs use the maps. Returns
 * its length in slots. */
static inline size_t gen_program(struct gen *g, uint64_t seed, bool faults, bool maps)
{
	memset(g, 0, sizeof *g);
	g->s = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	if (!g->s)
		g->s = 1;
	g->faults = faults;
	g->maps = maps && gen_below(g, 2);
	struct gen_call calls[64];
	unsigned ncalls = 0, nfuncs = 1 + gen_below(g, 4);
	size_t start[8];
	gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_X, 6, 1, 0, 0);           /* r6 = r1 */
	for (unsigned i = 0; i < 7; i++) {
		unsigned r = gen_data_regs[i];
		if (gen_below(g, 2))
			gen_lddw(g, r, (uint64_t)gen_value(g));
		else
			gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_K, r, 0, 0, (int32_t)gen_value(g));
	}
	for (unsigned f = 0; f < nfuncs; f++) {
		start[f] = f == 0 ? 0 : g->n;
		gen_body(g, f, nfuncs, calls, &ncalls, f == 0 ? 4 + gen_below(g, 10) : 1 + gen_below(g, 4));
	}
	for (unsigned i = 0; i < ncalls; i++)
		g->insn[calls[i].at].imm = (int32_t)(start[calls[i].callee] - calls[i].at - 1);
	return g->n;
}

/* ---- the differential runner ----------------------------------------------------------- */

static inline uint64_t gen_h_mix(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			  struct xbpf_run_ctx *rc)
{
	return a * 31 + (b ^ (c << 3)) - d + (e >> 1);
}
static inline uint64_t gen_h_xor(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			  struct xbpf_run_ctx *rc)
{
	return a ^ b ^ c ^ d ^ e;
}

/* A VM with the generator's helpers; with `map_helpers`, also xbpf's built-ins (the map
 * helpers, which the JIT inlines for ARRAY lookups). Without them no program can reach a
 * helper whose answer differs between two runs (time, random numbers). */
static inline struct xbpf_vm *gen_vm(bool map_helpers)
{
	struct xbpf_vm_opts vo = {.sz = sizeof vo, .no_builtin_helpers = !map_helpers};
	struct xbpf_vm *vm = xbpf_vm__new(&vo);
	if (vm) {
		xbpf_vm__register_helper(vm, GEN_H_MIX, "mix", gen_h_mix, NULL);
		xbpf_vm__register_helper(vm, GEN_H_XOR, "xor", gen_h_xor, NULL);
	}
	return vm;
}

struct gen_maps {
	struct xbpf_map *map[GEN_NMAPS];
};

static inline int gen_maps_new(struct gen_maps *m)
{
	static const enum xbpf_map_type types[GEN_NMAPS] = {
		XBPF_MAP_TYPE_ARRAY, XBPF_MAP_TYPE_HASH, XBPF_MAP_TYPE_LRU_HASH, XBPF_MAP_TYPE_ARRAY};
	for (unsigned i = 0; i < GEN_NMAPS; i++) {
		m->map[i] = xbpf_map__create(types[i], gen_map_is_array(i) ? 4 : 8, GEN_MAP_VALUE,
					     gen_map_entries[i], NULL);
		if (!m->map[i])
			return -errno;
	}
	return 0;
}

static inline void gen_maps_free(struct gen_maps *m)
{
	for (unsigned i = 0; i < GEN_NMAPS; i++)
		if (m->map[i])
			xbpf_map__put(m->map[i]);
}

/* The same starting contents for every run: array values and a seed-chosen set of hash
 * keys, each value a pattern of the seed. */
static inline void gen_maps_reset(struct gen_maps *m, uint64_t seed)
{
	for (unsigned i = 0; i < GEN_NMAPS; i++)
		for (uint64_t k = 0; k < GEN_MAP_KEYS; k++) {
			if (!gen_map_is_array(i)) {
				xbpf_map__delete_elem(m->map[i], &k);
				continue;
			}
			uint8_t v[GEN_MAP_VALUE];
			uint32_t k32 = (uint32_t)k;
			for (unsigned b = 0; b < GEN_MAP_VALUE; b++)
				v[b] = (uint8_t)(seed * 29 + k * 13 + b + i);
			if (k < gen_map_entries[i])
				xbpf_map__update_elem(m->map[i], &k32, v, XBPF_ANY);
		}
	for (unsigned i = GEN_MAP_HASH; i <= GEN_MAP_LRU; i++)
		for (uint64_t k = 0, n = 0; k < GEN_MAP_KEYS && n < gen_map_entries[i]; k++)
			if ((seed >> (k + 4 * i)) & 1) {
				uint8_t v[GEN_MAP_VALUE];
				memset(v, (int)(seed + k), sizeof v);
				xbpf_map__update_elem(m->map[i], &k, v, XBPF_NOEXIST);
				n++;
			}
}

/* Every key's presence and value, in a fixed order. */
struct gen_map_dump {
	uint8_t present[GEN_NMAPS][GEN_MAP_KEYS];
	uint8_t value[GEN_NMAPS][GEN_MAP_KEYS][GEN_MAP_VALUE];
};

static inline void gen_maps_dump(const struct gen_maps *m, struct gen_map_dump *d)
{
	memset(d, 0, sizeof *d);
	for (unsigned i = 0; i < GEN_NMAPS; i++)
		for (uint64_t k = 0; k < GEN_MAP_KEYS; k++) {
			uint32_t k32 = (uint32_t)k;
			const void *key = gen_map_is_array(i) ? (const void *)&k32 : (const void *)&k;
			d->present[i][k] = xbpf_map__lookup_elem(m->map[i], key, d->value[i][k]) == 0;
		}
}

struct gen_result {
	int err;
	uint64_t r0;
	uint8_t mem[GEN_MEM];
	char log[256];
	struct gen_map_dump maps;
};

/* noinline: both engines must see the same buffer and stack addresses (programs can leak
 * pointers into r0 and memory) */
static __attribute__((noinline, unused)) void gen_run(struct xbpf_prog *p, enum xbpf_engine e,
							struct gen_maps *maps, uint64_t budget,
							uint64_t seed, struct gen_result *res)
{
	_Alignas(8) uint8_t mem[GEN_MEM];
	for (unsigned i = 0; i < GEN_MEM; i++)
		mem[i] = (uint8_t)(seed * 131 + i * 7);
	memset(res, 0, sizeof *res);
	gen_maps_reset(maps, seed);
	struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = mem, .ctx_size = GEN_MEM,
				   .budget = budget, .engine = e, .log_buf = res->log,
				   .log_size = sizeof res->log};
	res->err = xbpf_prog__run(p, &ro);
	res->r0 = res->err ? 0 : ro.retval;
	memcpy(res->mem, mem, GEN_MEM);
	gen_maps_dump(maps, &res->maps);
}

/* A fault message with the address dropped where the message also gives the offset in its
 * region ("... at 0x7f..: at offset 13 of memory a helper returned (16 bytes) ..."): a hash
 * element may sit elsewhere in the second run, the offset in it may not. */
static inline void gen_log_norm(const char *in, char *out, size_t size)
{
	snprintf(out, size, "%s", in);
	char *at = strstr(out, " at 0x"), *end = at ? strchr(at + 6, ':') : NULL;
	if (end && !strncmp(end, ": at offset ", 12))
		memmove(at + 3, end, strlen(end) + 1);
}

/* Where two map dumps first differ, as text (empty when equal). */
static inline void gen_maps_diff(const struct gen_map_dump *a, const struct gen_map_dump *b,
				 char *out, size_t size)
{
	static const char *names[GEN_NMAPS] = {"array", "hash", "lru_hash", "data"};
	out[0] = 0;
	for (unsigned i = 0; i < GEN_NMAPS; i++)
		for (unsigned k = 0; k < GEN_MAP_KEYS; k++)
			if (a->present[i][k] != b->present[i][k] ||
			    (a->present[i][k] && memcmp(a->value[i][k], b->value[i][k], GEN_MAP_VALUE))) {
				snprintf(out, size, "; %s key %u: interp %s / jit %s", names[i], k,
					 a->present[i][k] ? "present" : "absent",
					 b->present[i][k] ? (a->present[i][k] ? "other value" : "present")
							  : "absent");
				return;
			}
}

/* Load insns with `flags` (maps by index from `maps`), run with `budget` on both engines
 * from the same start, compare. Returns 1 on a mismatch (described in why), 0 when equal,
 * -1 when the program did not load. */
static inline int gen_diff(struct xbpf_vm *vm, struct gen_maps *maps,
			   const struct xbpf_insn *insns, size_t n, uint32_t flags,
			   uint64_t budget, uint64_t seed, char *why, size_t why_size)
{
	char log[256] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .flags = flags,
					 .engine = XBPF_ENGINE_JIT, .log_buf = log,
					 .log_size = sizeof log, .maps = maps->map,
					 .map_cnt = GEN_NMAPS};
	struct xbpf_prog *p = xbpf_prog__load(vm, insns, n, &lo);
	if (!p) {
		snprintf(why, why_size, "load: %s", log);
		return -1;
	}
	struct gen_result a, b;
	gen_run(p, XBPF_ENGINE_INTERP, maps, budget, seed, &a);
	gen_run(p, XBPF_ENGINE_JIT, maps, budget, seed, &b);
	xbpf_prog__free(p);
	char mapdiff[128], alog[sizeof a.log], blog[sizeof b.log];
	gen_maps_diff(&a.maps, &b.maps, mapdiff, sizeof mapdiff);
	gen_log_norm(a.log, alog, sizeof alog);
	gen_log_norm(b.log, blog, sizeof blog);
	if (a.err != b.err || a.r0 != b.r0 || memcmp(a.mem, b.mem, GEN_MEM) ||
	    strcmp(alog, blog) || mapdiff[0]) {
		int m = 0;
		while (m < GEN_MEM && a.mem[m] == b.mem[m])
			m++;
		snprintf(why, why_size, "interp err %d r0 0x%llx \"%s\" / jit err %d r0 0x%llx "
			 "\"%s\"; first memory difference at byte %d%s", a.err,
			 (unsigned long long)a.r0, a.log, b.err, (unsigned long long)b.r0, b.log,
			 m < GEN_MEM ? m : -1, mapdiff);
		return 1;
	}
	return 0;
}

#endif /* XBPF_JIT_GEN_H */
