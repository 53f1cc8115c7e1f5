/* jit_gen.h - a seeded generator of random VALID eBPF programs, and a differential runner
 * that executes one program on the interpreter and on the JIT and compares r0, the error
 * (code and message) and the memory the program wrote. Shared by test_jit_diff.c (a fixed
 * number of seeds in the suite) and tests/fuzz/fuzz_jit_diff.c (libFuzzer bytes as seeds).
 *
 * Program shape: r6 holds the memory pointer (r1 at entry) and is never written; r9 counts
 * loop iterations; r0, r2-r5, r7, r8 hold data. The main function is a list of segments:
 * straight-line ALU/memory/atomic code, forward conditional skips, bounded loops, local
 * calls into a DAG of subfunctions, helper calls (call and callx), LD_ABS/LD_IND, lddw.
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
};

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
		uint32_t id = (g->faults && gen_below(g, 10) == 0) ? 77 : 1 + gen_below(g, 2);
		gen_put(g, XBPF_ALU64 | XBPF_MOV | XBPF_K, r, 0, 0, (int32_t)id);
		gen_put(g, XBPF_JMP | XBPF_CALL | XBPF_X, r, 0, 0, 0);
	} else {
		gen_put(g, XBPF_JMP | XBPF_CALL, 0, 0, 0, 1 + (int32_t)gen_below(g, 2));
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

struct gen_call { size_t at; unsigned callee; };

/* A function body: segments, then exit. Calls go to functions with a higher index. */
static inline void gen_body(struct gen *g, unsigned self, unsigned nfuncs, struct gen_call *calls,
		     unsigned *ncalls, unsigned segments)
{
	for (unsigned s = 0; s < segments && !g->overflow; s++) {
		unsigned k = gen_below(g, 12);
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
		else
			gen_straight(g, 2);
	}
	gen_put(g, XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0);
}

/* Generate a program from `seed`. Returns its length in slots. */
static inline size_t gen_program(struct gen *g, uint64_t seed, bool faults)
{
	memset(g, 0, sizeof *g);
	g->s = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	if (!g->s)
		g->s = 1;
	g->faults = faults;
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

static inline struct xbpf_vm *gen_vm(void)
{
	struct xbpf_vm_opts vo = {.sz = sizeof vo, .no_builtin_helpers = true};
	struct xbpf_vm *vm = xbpf_vm__new(&vo);
	if (vm) {
		xbpf_vm__register_helper(vm, 1, "mix", gen_h_mix, NULL);
		xbpf_vm__register_helper(vm, 2, "xor", gen_h_xor, NULL);
	}
	return vm;
}

struct gen_result {
	int err;
	uint64_t r0;
	uint8_t mem[GEN_MEM];
	char log[256];
};

/* noinline: both engines must see the same buffer and stack addresses (programs can leak
 * pointers into r0 and memory) */
static __attribute__((noinline, unused)) void gen_run(struct xbpf_prog *p, enum xbpf_engine e,
							uint64_t budget, uint64_t seed,
							struct gen_result *res)
{
	_Alignas(8) uint8_t mem[GEN_MEM];
	for (unsigned i = 0; i < GEN_MEM; i++)
		mem[i] = (uint8_t)(seed * 131 + i * 7);
	memset(res, 0, sizeof *res);
	struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = mem, .ctx_size = GEN_MEM,
				   .budget = budget, .engine = e, .log_buf = res->log,
				   .log_size = sizeof res->log};
	res->err = xbpf_prog__run(p, &ro);
	res->r0 = res->err ? 0 : ro.retval;
	memcpy(res->mem, mem, GEN_MEM);
}

/* Load insns with `flags` on both engines, run with `budget`, compare. Returns 1 on a
 * mismatch (described in why), 0 when equal, -1 when the program did not load. */
static inline int gen_diff(struct xbpf_vm *vm, const struct xbpf_insn *insns, size_t n,
		    uint32_t flags, uint64_t budget, uint64_t seed, char *why, size_t why_size)
{
	char log[256] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .flags = flags,
					 .engine = XBPF_ENGINE_JIT, .log_buf = log,
					 .log_size = sizeof log};
	struct xbpf_prog *p = xbpf_prog__load(vm, insns, n, &lo);
	if (!p) {
		snprintf(why, why_size, "load: %s", log);
		return -1;
	}
	struct gen_result a, b;
	gen_run(p, XBPF_ENGINE_INTERP, budget, seed, &a);
	gen_run(p, XBPF_ENGINE_JIT, budget, seed, &b);
	xbpf_prog__free(p);
	if (a.err != b.err || a.r0 != b.r0 || memcmp(a.mem, b.mem, GEN_MEM) ||
	    strcmp(a.log, b.log)) {
		int m = 0;
		while (m < GEN_MEM && a.mem[m] == b.mem[m])
			m++;
		snprintf(why, why_size, "interp err %d r0 0x%llx \"%s\" / jit err %d r0 0x%llx "
			 "\"%s\"; first memory difference at byte %d", a.err,
			 (unsigned long long)a.r0, a.log, b.err, (unsigned long long)b.r0, b.log,
			 m < GEN_MEM ? m : -1);
		return 1;
	}
	return 0;
}

#endif /* XBPF_JIT_GEN_H */
