/* vfuzz_gen.c - the structured random program generator of vfuzz (see vfuzz.h).
 *
 * A program is: a prologue (r6 = ctx, variables and stack buffers zeroed), 3 to 7
 * snippets, an exit, then the subprograms the snippets asked for. Registers and stack:
 *   r6 ctx; r7, r8, fp-8, fp-16, fp-24 the five "variables" (scalars carried between
 *   snippets, with what the generator knows of them: an upper bound or a set of two
 *   constants); fp-40 map keys; fp-48 / fp-56 spill slots; fp-128..fp-65 a 64-byte buffer;
 *   r9 loop counters; r0-r5 scratch.
 * Each snippet knows whether what it emits is safe; the one snippet chosen as buggy (in
 * about half of the programs) emits a variant that is not (off-by-one bound, missing null
 * or lower-bound check, a jmp32 bound on a 64-bit value, a corrupted spilled pointer, a
 * reachable unsafe branch after a join, ...). The kernel remains the judge: the generator's
 * opinion is only used to aim at an even accept/reject mix.
 *
 * Snippet families (table `snippets` at the end): context loads/stores; packet accesses
 * (constant, variable, joined ranges, metadata, pointers kept across helpers that move the
 * packet); map values (constant/variable offsets, null checks joined, pointer offsets
 * joined, slot types joined, ids of two lookups); joins of constants used in decided
 * branches (possibly through arithmetic, the stack or a callee); exact arithmetic (every
 * possible value of a 1-3 instruction chain enumerated, so its buggy variant is unsafe for
 * any verifier); spills/fills; loops (counter, two induction variables, decided in one
 * iteration, endless); bpf-to-bpf calls; bpf_loop / for_each callbacks; helpers with sizes;
 * ringbuf references; LD_ABS/IND; pointer misuse; uninitialised stack reads.
 */
#include <string.h>
#include "vfuzz.h"

const struct vf_map_desc vf_maps[VF_NMAPS] = {
	{XBPF_MAP_TYPE_ARRAY, 4, 16, 4},
	{XBPF_MAP_TYPE_ARRAY, 4, 8, 2},
	{XBPF_MAP_TYPE_HASH, 4, 16, 32},
	{XBPF_MAP_TYPE_HASH, 8, 12, 8},
	{XBPF_MAP_TYPE_ARRAY, 4, 48, 1},
	{XBPF_MAP_TYPE_RINGBUF, 0, 0, 4096},
};
#define NDATAMAPS 5 /* maps with values a lookup can return */
#define RINGBUF 5

#define NVARS 5
#define NLABELS 512
#define NFIX 512
#define NSUBS 8
#define U64MAX UINT64_MAX
#define BUF_OFF (-128) /* 64-byte buffer fp-128..fp-65 */
#define BUF_LEN 64

struct var {
	uint64_t umax; /* unsigned upper bound of the value */
	int nc;        /* 2: the value is one of c[0], c[1] */
	int64_t c[2];
};

/* subprogram kinds */
enum { SUB_ADD_LOAD, SUB_GUARD_ADD_LOAD, SUB_RET_MASKED, SUB_STORE_THROUGH, SUB_LOOP_CB,
       SUB_DECIDE, SUB_RET_JOIN, SUB_ACCUM_CB, SUB_EACH_CB };
struct sub {
	int label, kind, size, off, guard_k;
	bool narrow; /* SUB_STORE_THROUGH: stores 4 of the 8 bytes */
};

struct gen {
	struct vf_prog *p;
	uint64_t rng;
	int lpos[NLABELS], nl;
	struct { size_t at; int label; } fix[NFIX];
	int nf;
	struct var v[NVARS];
	struct sub subs[NSUBS];
	int nsubs;
	bool full, used_ldabs, used_call;
	bool no_var_put; /* access() loads go nowhere (see s_arith) */
};

/* ---- randomness -------------------------------------------------------------------- */
static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static uint64_t next(struct gen *g)
{
	g->rng += 0x9e3779b97f4a7c15ull;
	return mix(g->rng);
}
static uint32_t rnd(struct gen *g, uint32_t n) { return n ? (uint32_t)(next(g) % n) : 0; }
static bool chance(struct gen *g, unsigned pct) { return rnd(g, 100) < pct; }

/* ---- emission ---------------------------------------------------------------------- */
static void emit(struct gen *g, uint8_t code, int dst, int src, int off, int imm)
{
	if (g->p->n >= VF_MAX_INSNS - 4) {
		g->full = true;
		return;
	}
	struct xbpf_insn in = {code, (uint8_t)dst, (uint8_t)src, (int16_t)off, imm};
	g->p->insn[g->p->n++] = in;
}
static int newl(struct gen *g) { g->lpos[g->nl] = -1; return g->nl < NLABELS - 1 ? g->nl++ : g->nl; }
static void bind(struct gen *g, int l) { g->lpos[l] = (int)g->p->n; }
static void fixup(struct gen *g, int l)
{
	if (!g->full && g->nf < NFIX && g->p->n > 0) {
		g->fix[g->nf].at = g->p->n - 1;
		g->fix[g->nf++].label = l;
	}
}
static void mov_imm(struct gen *g, int d, int imm) { emit(g, XBPF_ALU64 | XBPF_K | XBPF_MOV, d, 0, 0, imm); }
static void mov_reg(struct gen *g, int d, int s) { emit(g, XBPF_ALU64 | XBPF_X | XBPF_MOV, d, s, 0, 0); }
static void alu_imm(struct gen *g, int op, int d, int imm) { emit(g, XBPF_ALU64 | XBPF_K | op, d, 0, 0, imm); }
static void alu_reg(struct gen *g, int op, int d, int s) { emit(g, XBPF_ALU64 | XBPF_X | op, d, s, 0, 0); }
static void ldx(struct gen *g, int sz, int d, int s, int off) { emit(g, XBPF_LDX | XBPF_MEM | sz, d, s, off, 0); }
static void stx(struct gen *g, int sz, int d, int s, int off) { emit(g, XBPF_STX | XBPF_MEM | sz, d, s, off, 0); }
static void st(struct gen *g, int sz, int d, int off, int imm) { emit(g, XBPF_ST | XBPF_MEM | sz, d, 0, off, imm); }
static void jimm(struct gen *g, int op, int d, int imm, int l) { emit(g, XBPF_JMP | XBPF_K | op, d, 0, 0, imm); fixup(g, l); }
static void jimm32(struct gen *g, int op, int d, int imm, int l) { emit(g, XBPF_JMP32 | XBPF_K | op, d, 0, 0, imm); fixup(g, l); }
static void jreg(struct gen *g, int op, int d, int s, int l) { emit(g, XBPF_JMP | XBPF_X | op, d, s, 0, 0); fixup(g, l); }
static void ja(struct gen *g, int l) { emit(g, XBPF_JMP | XBPF_JA, 0, 0, 0, 0); fixup(g, l); }
static void call(struct gen *g, int id) { emit(g, XBPF_JMP | XBPF_CALL, 0, 0, 0, id); }
static void call_local(struct gen *g, int l) { emit(g, XBPF_JMP | XBPF_CALL, 0, XBPF_PSEUDO_CALL, 0, 0); fixup(g, l); }
static void ld_map(struct gen *g, int d, int idx)
{
	emit(g, XBPF_LD | XBPF_IMM | XBPF_DW, d, XBPF_PSEUDO_MAP_FD, 0, idx);
	emit(g, 0, 0, 0, 0, 0);
}
static void exit_insn(struct gen *g) { emit(g, XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0); }

static const int sz_code[4] = {XBPF_B, XBPF_H, XBPF_W, XBPF_DW};
static int size_code(int bytes) { return sz_code[bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3]; }
static int rnd_size(struct gen *g) { return 1 << rnd(g, 4); }
static uint64_t size_max(int bytes) { return bytes == 8 ? U64MAX : (1ull << (8 * bytes)) - 1; }

static void desc(struct gen *g, const char *name, bool bug)
{
	size_t l = strlen(g->p->desc);
	snprintf(g->p->desc + l, sizeof g->p->desc - l, "%s%s%s", l ? " " : "", name, bug ? "!" : "");
}

/* ---- variables --------------------------------------------------------------------- */
static void var_get(struct gen *g, int v, int reg)
{
	if (v < 2)
		mov_reg(g, reg, 7 + v);
	else
		ldx(g, XBPF_DW, reg, 10, -8 * (v - 1));
}
static void var_put(struct gen *g, int v, int reg, uint64_t umax)
{
	if (v < 2)
		mov_reg(g, 7 + v, reg);
	else
		stx(g, XBPF_DW, 10, reg, -8 * (v - 1));
	g->v[v].umax = umax;
	g->v[v].nc = 0;
}
static int rnd_var(struct gen *g) { return (int)rnd(g, NVARS); }
/* a variable whose bound is at most `lim` (or -1) */
static int small_var(struct gen *g, uint64_t lim)
{
	int start = (int)rnd(g, NVARS);
	for (int i = 0; i < NVARS; i++)
		if (g->v[(start + i) % NVARS].umax <= lim)
			return (start + i) % NVARS;
	return -1;
}

/* ---- context ----------------------------------------------------------------------- */
static bool is_skb(const struct gen *g) { return g->p->prog_type != XBPF_PROG_TYPE_XDP; }
static bool has_pkt(const struct gen *g) { return g->p->prog_type != XBPF_PROG_TYPE_SOCKET_FILTER; }
static int ctx_data(const struct gen *g) { return is_skb(g) ? 76 : 0; }
static int ctx_data_end(const struct gen *g) { return is_skb(g) ? 80 : 4; }
static int ctx_field(struct gen *g)
{
	static const int skb[] = {0, 4, 8, 12, 16, 32, 40, 48, 52, 56, 60, 64, 68};
	static const int xdp[] = {12, 16};
	if (!is_skb(g))
		return xdp[rnd(g, 2)];
	if (g->p->prog_type == XBPF_PROG_TYPE_SCHED_CLS && chance(g, 10))
		return 44; /* tc_index */
	return skb[rnd(g, sizeof skb / sizeof skb[0])];
}
static void load_pkt_ptrs(struct gen *g, int data, int end)
{
	ldx(g, XBPF_W, data, 6, ctx_data(g));
	ldx(g, XBPF_W, end, 6, ctx_data_end(g));
}

/* ---- bounds ------------------------------------------------------------------------ */
/* Bound register r (holding a value <= umax) to [0, k] before `skip` is taken. A bug
 * variant lets k + 1 through, or leaves a hole (no lower bound on a value that may be
 * negative, a jmp32 check of a value that may exceed 32 bits). */
static void guard(struct gen *g, int r, uint64_t umax, int k, int skip, bool bug)
{
	bool maybe_neg = umax >= (1ull << 63), wide = umax > 0xffffffffull;
	int form = (int)rnd(g, 8);
	if (bug && form == 4 && !maybe_neg)
		form = 0;
	if (bug && form == 5 && !wide)
		form = 0;
	if (!bug && form == 5 && wide)
		form = 0;
	int kk = bug && form != 4 && form != 5 ? k + 1 : k;
	int ok = newl(g);
	switch (form) {
	case 0: jimm(g, XBPF_JGT, r, kk, skip); break;
	case 1: jimm(g, XBPF_JGE, r, kk + 1, skip); break;
	case 2: mov_imm(g, 5, kk); jreg(g, XBPF_JGT, r, 5, skip); break;
	case 3: mov_imm(g, 5, kk); jreg(g, XBPF_JLT, 5, r, skip); break;
	case 4:
		jimm(g, XBPF_JSGT, r, kk, skip);
		if (!bug)
			jimm(g, XBPF_JSLT, r, 0, skip);
		break;
	case 5: jimm32(g, XBPF_JGT, r, kk, skip); break;
	case 6: jimm(g, XBPF_JLE, r, kk, ok); ja(g, skip); break;
	default: {
		int m = 1;
		while (m * 2 - 1 <= k)
			m *= 2;
		alu_imm(g, XBPF_AND, r, bug ? 2 * m - 1 : m - 1); /* 2m-1 > k */
		break;
	}
	}
	bind(g, ok);
}

/* Look a map up with a key on the stack; r0 = value or NULL. */
static void lookup(struct gen *g, int m)
{
	if (vf_maps[m].key_size == 8) {
		st(g, XBPF_DW, 10, -40, (int)rnd(g, 10));
	} else if (chance(g, 25)) {
		var_get(g, rnd_var(g), 1);
		stx(g, XBPF_W, 10, 1, -40);
	} else {
		st(g, XBPF_W, 10, -40, (int)rnd(g, vf_maps[m].max_entries + 1));
	}
	ld_map(g, 1, m);
	mov_reg(g, 2, 10);
	alu_imm(g, XBPF_ADD, 2, -40);
	call(g, 1);
}
static void null_check(struct gen *g, int skip)
{
	int ok;
	switch (rnd(g, 3)) {
	case 0: jimm(g, XBPF_JEQ, 0, 0, skip); break;
	case 1: ok = newl(g); jimm(g, XBPF_JNE, 0, 0, ok); ja(g, skip); bind(g, ok); break;
	default: mov_reg(g, 1, 0); jimm(g, XBPF_JEQ, 1, 0, skip); break;
	}
}
static int rnd_map(struct gen *g) { return (int)rnd(g, NDATAMAPS); }

/* Access `size` bytes at [ptr + off]: a load into a variable, a store, or an atomic add. */
static void access(struct gen *g, int ptr, int size, int off, bool allow_atomic)
{
	int k = (int)rnd(g, 4);
	if (k == 0) {
		st(g, size_code(size), ptr, off, (int)rnd(g, 256));
	} else if (k == 1 && allow_atomic && size >= 4 && off % size == 0) {
		mov_imm(g, 5, 1);
		emit(g, XBPF_STX | XBPF_ATOMIC | size_code(size), ptr, 5, off,
		     chance(g, 50) ? XBPF_ADD : XBPF_ADD | XBPF_FETCH);
	} else if (k == 1) {
		mov_imm(g, 5, 3);
		stx(g, size_code(size), ptr, 5, off);
	} else {
		ldx(g, size_code(size), 5, ptr, off);
		if (!g->no_var_put)
			var_put(g, rnd_var(g), 5, size_max(size));
	}
}

/* ---- snippets ---------------------------------------------------------------------- */
/* v = ctx field (full or narrow load). Bugs: past the end, 8-byte load of a u32, misaligned. */
static void s_ctx_load(struct gen *g, bool bug)
{
	int f = ctx_field(g), size = 4, off = f;
	if (is_skb(g) && chance(g, 40)) {
		size = chance(g, 50) ? 1 : 2;
		off = f + (int)rnd(g, 4 / size) * size;
	}
	if (bug) {
		int k = (int)rnd(g, 3);
		size = k == 1 ? 8 : 4;
		off = k == 0 ? (is_skb(g) ? 192 : 24) : k == 1 ? f : f + 2;
	}
	ldx(g, size_code(size), 1, 6, off);
	var_put(g, rnd_var(g), 1, size_max(size));
}

/* Write a writable ctx field (cb[], mark, priority); bug: a read-only one. */
static void s_ctx_store(struct gen *g, bool bug)
{
	int off = 48 + 4 * (int)rnd(g, 5);
	if (g->p->prog_type == XBPF_PROG_TYPE_SCHED_CLS && chance(g, 40))
		off = chance(g, 50) ? 8 : 32;
	if (!is_skb(g))
		off = 12; /* xdp_md has no writable field: always a bug there */
	if (bug)
		off = is_skb(g) ? (chance(g, 50) ? 0 : 4) : 16;
	var_get(g, rnd_var(g), 1);
	stx(g, XBPF_W, 6, 1, off);
}

/* Constant-offset packet access after a bounds check in one of four forms. */
static void s_pkt_const(struct gen *g, bool bug)
{
	int skip = newl(g), ok = newl(g);
	int size = rnd_size(g), n = size + (int)rnd(g, 40);
	int off = (int)rnd(g, (uint32_t)(n - size + 1));
	int form = (int)rnd(g, 4);
	if (bug && chance(g, 25))
		form = 4; /* wrong direction */
	else if (bug)
		off = n - size + 1;
	load_pkt_ptrs(g, 2, 3);
	mov_reg(g, 4, 2);
	alu_imm(g, XBPF_ADD, 4, n);
	switch (form) {
	case 0: jreg(g, XBPF_JGT, 4, 3, skip); break;
	case 1: jreg(g, XBPF_JLT, 3, 4, skip); break;
	case 2: jreg(g, XBPF_JLE, 4, 3, ok); ja(g, skip); break;
	case 3: jreg(g, XBPF_JGE, 3, 4, ok); ja(g, skip); break;
	default: jreg(g, XBPF_JLT, 4, 3, skip); break;
	}
	bind(g, ok);
	access(g, 2, size, off, false);
	bind(g, skip);
}

/* Variable-offset packet access: bound the variable, add it, check, access. The "pre"
 * shape checks data + n first and then adds a masked variable: safe only if mask + off +
 * size <= n (the kernel forgets the range on a variable add, so it rejects both). */
static void s_pkt_var(struct gen *g, bool bug)
{
	int skip = newl(g), v = rnd_var(g), size = rnd_size(g), off = (int)rnd(g, 8);
	load_pkt_ptrs(g, 2, 3);
	var_get(g, v, 1);
	if (chance(g, 20)) {
		int n = 8 + (int)rnd(g, 32), m = chance(g, 50) ? 3 : 7;
		mov_reg(g, 4, 2);
		alu_imm(g, XBPF_ADD, 4, n);
		jreg(g, XBPF_JGT, 4, 3, skip);
		alu_imm(g, XBPF_AND, 1, m);
		alu_reg(g, XBPF_ADD, 2, 1);
		off = bug ? n - size - m + 1 : (n - size - m >= 0 ? (int)rnd(g, (uint32_t)(n - size - m + 1)) : 0);
		if (off < 0)
			off = 0;
		ldx(g, size_code(size), 5, 2, off);
		bind(g, skip);
		return;
	}
	if (bug && chance(g, 50))
		;  /* no bound at all */
	else
		guard(g, 1, g->v[v].umax, 64 + (int)rnd(g, 1500), skip, false);
	alu_reg(g, XBPF_ADD, 2, 1);
	mov_reg(g, 4, 2);
	alu_imm(g, XBPF_ADD, 4, off + size - (bug ? 1 : 0));
	jreg(g, XBPF_JGT, 4, 3, skip);
	access(g, 2, size, off, false);
	bind(g, skip);
}

/* Two paths check different packet ranges and join; the access after the join needs the
 * larger one (bug: the smaller path reaches it). */
static void s_pkt_join(struct gen *g, bool bug)
{
	int skip = newl(g), a = newl(g), j = newl(g);
	int big = 12 + (int)rnd(g, 20), small = 4 + (int)rnd(g, 8);
	load_pkt_ptrs(g, 2, 3);
	ldx(g, XBPF_W, 1, 6, ctx_field(g));
	jimm(g, XBPF_JGT, 1, (int)rnd(g, 64), a);
	mov_reg(g, 4, 2);
	alu_imm(g, XBPF_ADD, 4, big);
	jreg(g, XBPF_JGT, 4, 3, skip);
	ja(g, j);
	bind(g, a);
	mov_reg(g, 4, 2);
	alu_imm(g, XBPF_ADD, 4, bug ? small : big + (int)rnd(g, 4));
	jreg(g, XBPF_JGT, 4, 3, skip);
	bind(g, j);
	ldx(g, XBPF_W, 5, 2, big - 4);
	var_put(g, rnd_var(g), 5, 0xffffffffu);
	bind(g, skip);
}

/* Map lookup, null check, constant-offset access. Bugs: no null check, off-by-one,
 * negative offset. */
static void s_map_const(struct gen *g, bool bug)
{
	int skip = newl(g), m = rnd_map(g), vs = (int)vf_maps[m].value_size;
	int size = rnd_size(g);
	while (size > vs)
		size /= 2;
	int off = (int)rnd(g, (uint32_t)(vs - size + 1)), k = bug ? (int)rnd(g, 3) : -1;
	lookup(g, m);
	if (k != 0)
		null_check(g, skip);
	if (k == 1)
		off = vs - size + 1;
	if (k == 2)
		off = -size;
	access(g, 0, size, off, true);
	bind(g, skip);
}

/* Map lookup, null check, access at a variable offset: guarded by a comparison, or
 * unguarded when the variable's bound (e.g. after a join) is small enough. */
static void s_map_var(struct gen *g, bool bug)
{
	int skip = newl(g), m = rnd_map(g), vs = (int)vf_maps[m].value_size;
	int size = rnd_size(g);
	while (size > vs)
		size /= 2;
	int v = small_var(g, (uint64_t)(vs - size));
	bool unguarded = v >= 0 && chance(g, 60);
	if (!unguarded)
		v = rnd_var(g);
	lookup(g, m);
	null_check(g, skip);
	var_get(g, v, 1);
	int off;
	if (unguarded) {
		int room = vs - size - (int)g->v[v].umax;
		off = bug ? room + 1 : (int)rnd(g, (uint32_t)room + 1);
	} else {
		off = (int)rnd(g, (uint32_t)(vs - size + 1));
		guard(g, 1, g->v[v].umax, vs - size - off, skip, bug);
	}
	if (chance(g, 50)) {
		alu_reg(g, XBPF_ADD, 0, 1);
		access(g, 0, size, off, false);
	} else {
		mov_reg(g, 2, 0);
		alu_reg(g, XBPF_ADD, 2, 1);
		access(g, 2, size, off, false);
	}
	bind(g, skip);
}

/* One path null-checks the looked-up value, the other does not (bug) or checks it too. */
static void s_map_nulljoin(struct gen *g, bool bug)
{
	int skip = newl(g), a = newl(g), j = newl(g), m = rnd_map(g);
	lookup(g, m);
	ldx(g, XBPF_W, 2, 6, ctx_field(g));
	jimm(g, XBPF_JGT, 2, (int)rnd(g, 64), a);
	jimm(g, XBPF_JEQ, 0, 0, skip);
	ja(g, j);
	bind(g, a);
	if (!bug)
		jimm(g, XBPF_JEQ, 0, 0, skip);
	bind(g, j);
	ldx(g, XBPF_W, 5, 0, 0);
	var_put(g, rnd_var(g), 5, 0xffffffffu);
	bind(g, skip);
}

/* v = c1 on one path, c2 on the other (the kernel explores the fall-through first). */
static void join(struct gen *g, int v, int64_t c1, int64_t c2)
{
	int a = newl(g), j = newl(g);
	static const int ops[] = {XBPF_JGT, XBPF_JEQ, XBPF_JSET, XBPF_JLT, XBPF_JSGT};
	ldx(g, XBPF_W, 1, 6, ctx_field(g));
	jimm(g, ops[rnd(g, 5)], 1, (int)rnd(g, 40), a);
	bool st_imm = chance(g, 40) && v >= 2;
	if (st_imm)
		st(g, XBPF_DW, 10, -8 * (v - 1), (int)c1);
	else {
		mov_imm(g, 1, (int)c1);
		var_put(g, v, 1, 0);
	}
	ja(g, j);
	bind(g, a);
	if (st_imm)
		st(g, XBPF_DW, 10, -8 * (v - 1), (int)c2);
	else {
		mov_imm(g, 1, (int)c2);
		var_put(g, v, 1, 0);
	}
	bind(g, j);
	g->v[v].nc = 2;
	g->v[v].c[0] = c1;
	g->v[v].c[1] = c2;
	g->v[v].umax = (uint64_t)(c1 > c2 ? c1 : c2);
}
static void s_join(struct gen *g, bool bug)
{
	(void)bug;
	int64_t c1 = 4 * (int)rnd(g, 5), c2 = 4 * (int)rnd(g, 13);
	join(g, rnd_var(g), c1, c2);
}

/* A join, then something unrelated, then a branch decided by the joined value on each
 * path guarding an unsafe access (a scalar dereference): dead on both paths unless bug. */
/* Transform register 1 (holding one of the joined constants) on its way to the branch:
 * the precision of the branch must reach back through it. Returns the register compared
 * and updates *hit. Kinds: as is, + c, << 1, 32-bit move, copy, stack round trip. */
static int derive(struct gen *g, int64_t *hit, int64_t *other)
{
	switch (rnd(g, 6)) {
	case 1: {
		int c = 1 + (int)rnd(g, 9);
		alu_imm(g, XBPF_ADD, 1, c);
		*hit += c;
		*other += c;
		return 1;
	}
	case 2:
		alu_imm(g, XBPF_LSH, 1, 1);
		*hit *= 2;
		*other *= 2;
		return 1;
	case 3: emit(g, XBPF_ALU | XBPF_X | XBPF_MOV, 1, 1, 0, 0); return 1;
	case 4: mov_reg(g, 3, 1); return 3;
	case 5: stx(g, XBPF_DW, 10, 1, -56); ldx(g, XBPF_DW, 3, 10, -56); return 3;
	default: return 1;
	}
}

/* A join, then something unrelated, then a branch decided by the joined value on each
 * path guarding an unsafe access (a scalar dereference): dead on both paths unless bug.
 * The branch may test a value derived from the joined one, or sit in a subprogram. */
static void s_join_decided(struct gen *g, bool bug)
{
	int v = rnd_var(g), skip = newl(g), bad = newl(g);
	int64_t c1 = 8 * (int)rnd(g, 3), c2 = c1 + 8 * (1 + (int)rnd(g, 3));
	if (chance(g, 50)) {
		int64_t t = c1;
		c1 = c2;
		c2 = t;
	}
	join(g, v, c1, c2);
	if (chance(g, 50)) {
		ldx(g, XBPF_W, 1, 6, ctx_field(g));
		var_put(g, (v + 1 + (int)rnd(g, NVARS - 1)) % NVARS, 1, 0xffffffffu);
	}
	g->v[v].nc = 2;
	var_get(g, v, 1);
	int pick_i = (int)rnd(g, 2);
	int64_t hit = bug ? g->v[v].c[pick_i] : (c1 > c2 ? c1 : c2) + 8;
	int64_t other = g->v[v].c[1 - pick_i];
	int r = derive(g, &hit, &other);
	if (!g->used_ldabs && g->nsubs < NSUBS && chance(g, 25)) {
		struct sub *s = &g->subs[g->nsubs++];
		memset(s, 0, sizeof *s);
		s->label = newl(g);
		s->kind = SUB_DECIDE;
		s->guard_k = (int)hit;
		g->used_call = true;
		if (r != 1)
			mov_reg(g, 1, r);
		call_local(g, s->label);
		bind(g, skip);
		return;
	}
	switch (rnd(g, 3)) {
	case 0: jimm(g, XBPF_JNE, r, (int)hit, skip); break;
	case 1: jimm(g, XBPF_JEQ, r, (int)hit, bad); ja(g, skip); break;
	default: /* range form: unsafe when the value >= hit */
		if (bug && other > hit)
			hit = other;
		jimm(g, XBPF_JLT, r, (int)hit, skip);
		break;
	}
	bind(g, bad);
	ldx(g, XBPF_W, 0, r, 0); /* scalar dereference */
	bind(g, skip);
}

/* A bounded scalar spilled and filled (8 bytes, or 4 into a slot that held -1: bug for
 * the 8-byte fill), possibly across a helper call, then used as a map value offset. */
static void s_spill_scalar(struct gen *g, bool bug)
{
	int skip = newl(g), m = rnd_map(g), vs = (int)vf_maps[m].value_size;
	int v = rnd_var(g), slot = chance(g, 50) ? -48 : -56, k = vs - 4;
	lookup(g, m);
	null_check(g, skip);
	mov_reg(g, 9, 0);
	var_get(g, v, 1);
	guard(g, 1, g->v[v].umax, k, skip, false);
	int form = (int)rnd(g, 3);
	if (bug)
		form = 3;
	st(g, XBPF_DW, 10, slot, -1);
	if (form == 0 || form == 2)
		stx(g, XBPF_DW, 10, 1, slot);
	else
		stx(g, XBPF_W, 10, 1, slot);
	if (chance(g, 40))
		call(g, 7); /* get_prandom_u32 clobbers r1-r5 */
	if (form == 0 || form == 3)
		ldx(g, XBPF_DW, 2, 10, slot);
	else
		ldx(g, XBPF_W, 2, 10, slot);
	alu_reg(g, XBPF_ADD, 9, 2);
	access(g, 9, 4, 0, false);
	bind(g, skip);
}

/* A pointer (map value or checked packet) spilled, the slot maybe corrupted (bug), filled
 * back after a helper call, dereferenced. */
static void s_spill_ptr(struct gen *g, bool bug)
{
	int skip = newl(g), slot = chance(g, 50) ? -48 : -56;
	int off = 0, size = 4;
	bool pkt = has_pkt(g) && chance(g, 40);
	bool corrupt = bug;
	if (pkt) {
		int n = 8 + (int)rnd(g, 16);
		load_pkt_ptrs(g, 2, 3);
		mov_reg(g, 4, 2);
		alu_imm(g, XBPF_ADD, 4, n);
		jreg(g, XBPF_JGT, 4, 3, skip);
		stx(g, XBPF_DW, 10, 2, slot);
		off = (int)rnd(g, (uint32_t)(n - 3));
		if (bug && chance(g, 50)) {
			off = n - 3;
			corrupt = false;
		}
	} else {
		int m = rnd_map(g);
		off = (int)rnd(g, vf_maps[m].value_size - 3);
		lookup(g, m);
		bool before = chance(g, 40);
		if (before)
			stx(g, XBPF_DW, 10, 0, slot);
		null_check(g, skip);
		if (!before)
			stx(g, XBPF_DW, 10, 0, slot);
	}
	if (chance(g, 50))
		call(g, 5);
	if (corrupt) {
		switch (rnd(g, 3)) {
		case 0: st(g, XBPF_B, 10, slot, 0); break;
		case 1: st(g, XBPF_W, 10, slot + 4, 0); break;
		default: mov_imm(g, 1, 8); stx(g, XBPF_H, 10, 1, slot + 2); break;
		}
	}
	bool narrow = corrupt && chance(g, 20);
	ldx(g, narrow ? XBPF_W : XBPF_DW, 2, 10, slot);
	access(g, 2, size, off, false);
	bind(g, skip);
}

/* A bounded loop walking a map value with the counter as offset (bug: one step too far). */
static void s_loop(struct gen *g, bool bug)
{
	int skip = newl(g), top = newl(g), m = rnd_map(g), vs = (int)vf_maps[m].value_size;
	int size = chance(g, 50) ? 1 : 4, step = size * (1 + (int)rnd(g, 2));
	int last = ((vs - size) / step) * step; /* last safe counter value */
	int n = last + 1 + (int)rnd(g, (uint32_t)step);
	if (bug)
		n = last + step + 1;
	lookup(g, m);
	null_check(g, skip);
	bool w32 = chance(g, 30);
	mov_imm(g, 9, 0);
	bind(g, top);
	mov_reg(g, 2, 0);
	alu_reg(g, XBPF_ADD, 2, 9);
	access(g, 2, size, 0, false);
	if (w32) {
		emit(g, XBPF_ALU | XBPF_K | XBPF_ADD, 9, 0, 0, step);
		jimm32(g, XBPF_JLT, 9, n, top);
	} else {
		alu_imm(g, XBPF_ADD, 9, step);
		jimm(g, XBPF_JLT, 9, n, top);
	}
	bind(g, skip);
}

/* bpf-to-bpf call: the caller passes a bounded scalar (r1) and a map value (r2); the callee
 * adds it (checking the bound itself in one form) and loads; or the callee returns a
 * masked scalar the caller uses as an offset. */
static void s_call(struct gen *g, bool bug)
{
	if (g->nsubs >= NSUBS)
		return;
	int skip = newl(g), m = rnd_map(g), vs = (int)vf_maps[m].value_size;
	struct sub *s = &g->subs[g->nsubs++];
	g->used_call = true;
	int v = rnd_var(g);
	s->label = newl(g);
	s->kind = (int)rnd(g, 3); /* ADD_LOAD, GUARD_ADD_LOAD, RET_MASKED */
	s->size = vs >= 4 ? 4 : 1;
	s->off = (int)rnd(g, (uint32_t)(vs - s->size + 1));
	s->guard_k = vs - s->size - s->off + (bug ? 1 : 0);
	lookup(g, m);
	null_check(g, skip);
	var_get(g, v, 1);
	if (s->kind == 0)
		guard(g, 1, g->v[v].umax, vs - s->size - s->off, skip, bug);
	mov_reg(g, 2, 0);
	if (s->kind == 2) {
		mov_reg(g, 9, 0);
		call_local(g, s->label);
		/* r0 <= guard_k (callee masks) */
		alu_reg(g, XBPF_ADD, 9, 0);
		access(g, 9, s->size, s->off, false);
	} else {
		call_local(g, s->label);
		var_put(g, rnd_var(g), 0, size_max(s->size));
	}
	bind(g, skip);
}
static struct sub *new_sub(struct gen *g, int kind)
{
	if (g->nsubs >= NSUBS)
		return NULL;
	struct sub *s = &g->subs[g->nsubs++];
	memset(s, 0, sizeof *s);
	s->label = newl(g);
	s->kind = kind;
	g->used_call = true;
	return s;
}

/* The callee stores a bounded scalar through a pointer to the caller's stack; the caller
 * fills it and uses it as a map value offset. Bugs: the bound is off by one, or the
 * callee stores 4 bytes over a slot holding -1. */
static void s_call_store(struct gen *g, bool bug)
{
	struct sub *s = new_sub(g, SUB_STORE_THROUGH);
	if (!s)
		return;
	int skip = newl(g), m = rnd_map(g), vs = (int)vf_maps[m].value_size, v = rnd_var(g);
	int slot = chance(g, 50) ? -48 : -56;
	s->narrow = bug && chance(g, 50);
	st(g, XBPF_DW, 10, slot, s->narrow ? -1 : 0);
	var_get(g, v, 2);
	guard(g, 2, g->v[v].umax, vs - 4, skip, bug && !s->narrow);
	mov_reg(g, 1, 10);
	alu_imm(g, XBPF_ADD, 1, slot);
	call_local(g, s->label);
	lookup(g, m);
	null_check(g, skip);
	ldx(g, XBPF_DW, 2, 10, slot);
	alu_reg(g, XBPF_ADD, 0, 2);
	access(g, 0, 4, 0, false);
	bind(g, skip);
}

/* bpf_loop over a callback that indexes the caller's buffer with its index argument,
 * bounded in the callback (bug: off by one, or no bound). */
static void s_bpf_loop(struct gen *g, bool bug)
{
	struct sub *s = new_sub(g, SUB_LOOP_CB);
	if (!s)
		return;
	s->size = rnd_size(g);
	s->off = (int)rnd(g, (uint32_t)(BUF_LEN / s->size)) * s->size;
	s->guard_k = BUF_LEN - s->size - s->off + (bug ? s->size : 0);
	if (bug && chance(g, 30))
		s->guard_k = -1;
	mov_imm(g, 1, 1 + (int)rnd(g, 16));
	emit(g, XBPF_LD | XBPF_IMM | XBPF_DW, 2, XBPF_PSEUDO_FUNC, 0, 0);
	fixup(g, s->label);
	emit(g, 0, 0, 0, 0, 0);
	mov_reg(g, 3, 10);
	alu_imm(g, XBPF_ADD, 3, BUF_OFF);
	mov_imm(g, 4, 0);
	call(g, 181);
}

/* A checked packet pointer kept (in r9 or spilled) across a helper that may move the
 * packet (xdp_adjust_head, skb_pull_data); the safe variant reloads and re-checks. */
static void s_pkt_invalidate(struct gen *g, bool bug)
{
	int skip = newl(g), n = 8 + (int)rnd(g, 16), off = (int)rnd(g, (uint32_t)(n - 3));
	bool spill = chance(g, 50);
	load_pkt_ptrs(g, 2, 3);
	mov_reg(g, 4, 2);
	alu_imm(g, XBPF_ADD, 4, n);
	jreg(g, XBPF_JGT, 4, 3, skip);
	if (spill)
		stx(g, XBPF_DW, 10, 2, -48);
	else
		mov_reg(g, 9, 2);
	mov_reg(g, 1, 6);
	mov_imm(g, 2, is_skb(g) ? (int)rnd(g, 64) : 0);
	call(g, is_skb(g) ? 39 : 44);
	if (bug) {
		if (spill)
			ldx(g, XBPF_DW, 9, 10, -48);
	} else {
		load_pkt_ptrs(g, 9, 3);
		mov_reg(g, 4, 9);
		alu_imm(g, XBPF_ADD, 4, n);
		jreg(g, XBPF_JGT, 4, 3, skip);
	}
	access(g, 9, 4, off, false);
	bind(g, skip);
}

/* Ringbuf reserve, access, submit/discard. Bugs: no null check, access past the record,
 * a path that leaks the record, a use after submit, a double submit. */
static void s_ringbuf(struct gen *g, bool bug)
{
	int skip = newl(g), size = 8 << rnd(g, 3), asz = rnd_size(g);
	int off = (int)rnd(g, (uint32_t)(size - asz + 1)), k = bug ? (int)rnd(g, 5) : -1;
	ld_map(g, 1, RINGBUF);
	mov_imm(g, 2, size);
	mov_imm(g, 3, 0);
	call(g, 131);
	if (k != 0)
		jimm(g, XBPF_JEQ, 0, 0, skip);
	mov_reg(g, 9, 0);
	access(g, 0, asz, k == 1 ? size - asz + 1 : off, false);
	if (k == 2) {
		ldx(g, XBPF_W, 2, 6, ctx_field(g));
		jimm(g, XBPF_JGT, 2, (int)rnd(g, 64), skip);
	}
	mov_reg(g, 1, 9);
	mov_imm(g, 2, 0);
	call(g, chance(g, 50) ? 132 : 133);
	if (k == 3)
		ldx(g, XBPF_B, 5, 9, 0);
	if (k == 4) {
		mov_reg(g, 1, 9);
		mov_imm(g, 2, 0);
		call(g, 132);
	}
	bind(g, skip);
}

/* A loop with two induction variables: a counter (maybe kept on the stack) and the offset
 * it implies. Bugs: one iteration too many; or a counter cycle that never exits. */
static void s_loop2(struct gen *g, bool bug)
{
	int skip = newl(g), top = newl(g), m = rnd_map(g), vs = (int)vf_maps[m].value_size;
	if (bug && chance(g, 30)) { /* r9 cycles through even values, never 7 */
		mov_imm(g, 9, 0);
		bind(g, top);
		alu_imm(g, XBPF_ADD, 9, 2);
		alu_imm(g, XBPF_AND, 9, 15);
		jimm(g, XBPF_JNE, 9, 7, top);
		return;
	}
	int size = chance(g, 50) ? 1 : 4, step = size * (1 + (int)rnd(g, 2));
	int iters = (vs - size) / step + 1 - (int)rnd(g, 2);
	if (bug)
		iters = (vs - size) / step + 2;
	if (iters < 1)
		iters = 1;
	bool on_stack = chance(g, 40);
	lookup(g, m);
	null_check(g, skip);
	mov_imm(g, 4, 0);
	mov_imm(g, 9, 0);
	bind(g, top);
	mov_reg(g, 2, 0);
	alu_reg(g, XBPF_ADD, 2, 4);
	access(g, 2, size, 0, false);
	alu_imm(g, XBPF_ADD, 4, step);
	if (on_stack) {
		stx(g, XBPF_DW, 10, 9, -48);
		ldx(g, XBPF_DW, 9, 10, -48);
	}
	alu_imm(g, XBPF_ADD, 9, 1);
	jimm(g, XBPF_JLT, 9, iters, top);
	bind(g, skip);
}

/* ---- exact arithmetic -------------------------------------------------------------- */
struct aop {
	uint8_t cls, op; /* XBPF_ALU / XBPF_ALU64; XBPF_ADD ... XBPF_END */
	bool x;          /* source r3 = imm (64-bit mov) instead of the immediate */
	bool y;          /* source r2 = the second input (a masked context field) */
	int16_t off;     /* sdiv/smod: 1; movsx: 8/16/32 */
	int imm;         /* END: XBPF_TO_LE/TO_BE in `x`, width in imm */
};

static uint64_t bswap_n(uint64_t v, int bits)
{
	uint64_t r = 0;
	for (int i = 0; i < bits / 8; i++)
		r = (r << 8) | ((v >> (8 * i)) & 0xff);
	return r;
}

/* What the instruction computes (RFC 9669, division by zero included). */
static uint64_t aeval(const struct aop *o, uint64_t d, uint64_t y)
{
	bool w = o->cls == XBPF_ALU;
	uint64_t s = o->y ? y : (uint64_t)(int64_t)o->imm, r;
	if (w) {
		d = (uint32_t)d;
		s = (uint32_t)s;
	}
	int64_t sd = w ? (int32_t)d : (int64_t)d, ss = w ? (int32_t)s : (int64_t)s;
	unsigned sh = (unsigned)s & (w ? 31 : 63);
	switch (o->op) {
	case XBPF_ADD: r = d + s; break;
	case XBPF_SUB: r = d - s; break;
	case XBPF_MUL: r = d * s; break;
	case XBPF_OR: r = d | s; break;
	case XBPF_AND: r = d & s; break;
	case XBPF_XOR: r = d ^ s; break;
	case XBPF_LSH: r = d << sh; break;
	case XBPF_RSH: r = d >> sh; break;
	case XBPF_ARSH: r = w ? (uint32_t)((int32_t)d >> sh) : (uint64_t)((int64_t)d >> sh); break;
	case XBPF_NEG: r = -d; break;
	case XBPF_DIV:
		if (o->off && ss == -1) /* INT_MIN / -1 wraps to INT_MIN (RFC 9669) */
			r = 0 - d;
		else if (o->off)
			r = ss == 0 ? 0 : (uint64_t)(sd / ss);
		else
			r = s == 0 ? 0 : d / s;
		break;
	case XBPF_MOD:
		if (o->off && ss == -1)
			r = 0;
		else if (o->off)
			r = ss == 0 ? d : (uint64_t)(sd % ss);
		else
			r = s == 0 ? d : d % s;
		break;
	case XBPF_MOV: /* movsx */
		r = o->off == 8 ? (uint64_t)(int64_t)(int8_t)d : o->off == 16
		    ? (uint64_t)(int64_t)(int16_t)d : (uint64_t)(int64_t)(int32_t)d;
		break;
	default: /* END */
		if (!w || o->x)
			r = bswap_n(d, o->imm);
		else
			r = o->imm == 64 ? d : d & ((1ull << o->imm) - 1);
		break;
	}
	return w ? (uint32_t)r : r;
}

static struct aop rnd_aop(struct gen *g)
{
	static const uint8_t ops[] = {XBPF_ADD, XBPF_SUB, XBPF_MUL, XBPF_DIV, XBPF_MOD, XBPF_OR,
				      XBPF_AND, XBPF_XOR, XBPF_LSH, XBPF_RSH, XBPF_ARSH, XBPF_NEG,
				      XBPF_MOV, XBPF_END, XBPF_ADD, XBPF_SUB, XBPF_AND};
	struct aop o = {chance(g, 30) ? XBPF_ALU : XBPF_ALU64, ops[rnd(g, sizeof ops)], false,
			false, 0, 0};
	bool w = o.cls == XBPF_ALU;
	if (o.op != XBPF_NEG && o.op != XBPF_MOV && o.op != XBPF_END && chance(g, 35)) {
		o.y = true; /* two variable inputs */
		o.off = (o.op == XBPF_DIV || o.op == XBPF_MOD) && chance(g, 30) ? 1 : 0;
		return o;
	}
	switch (o.op) {
	case XBPF_ADD: case XBPF_SUB: o.imm = (int)rnd(g, 81) - 40; o.x = chance(g, 20); break;
	case XBPF_MUL: o.imm = (int)rnd(g, 9) - 3; break;
	case XBPF_DIV: case XBPF_MOD:
		o.off = chance(g, 30) ? 1 : 0;
		o.x = chance(g, 50);
		o.imm = o.x ? (int)rnd(g, 8) : 1 + (int)rnd(g, 8); /* x: may divide by 0 */
		if (o.off && chance(g, 40))
			o.imm = -o.imm - 1; /* negative divisor, never -1 */
		break;
	case XBPF_OR: case XBPF_XOR: o.imm = (int)rnd(g, 64) - (chance(g, 20) ? 64 : 0); break;
	case XBPF_AND: o.imm = chance(g, 70) ? (int)rnd(g, 64) : -(int)rnd(g, 64); break;
	case XBPF_LSH: o.imm = (int)rnd(g, 7); break;
	case XBPF_RSH: case XBPF_ARSH: o.imm = (int)rnd(g, w ? 32 : 64) % 8; break;
	case XBPF_MOV: o.off = w ? (chance(g, 50) ? 8 : 16) : (int16_t)(8 << rnd(g, 3)); break;
	case XBPF_END:
		o.x = chance(g, 50); /* ALU: TO_BE; ALU64: always bswap */
		o.imm = 16 << rnd(g, w ? 2 : 3);
		break;
	default: break;
	}
	return o;
}

static void emit_aop(struct gen *g, const struct aop *o)
{
	switch (o->op) {
	case XBPF_NEG: emit(g, o->cls | XBPF_NEG | XBPF_K, 1, 0, 0, 0); break;
	case XBPF_MOV: emit(g, o->cls | XBPF_MOV | XBPF_X, 1, 1, o->off, 0); break;
	case XBPF_END:
		emit(g, o->cls | XBPF_END | (o->cls == XBPF_ALU && o->x ? XBPF_TO_BE : XBPF_TO_LE), 1,
		     0, 0, o->imm);
		break;
	default:
		if (o->y) {
			emit(g, o->cls | o->op | XBPF_X, 1, 2, o->off, 0);
		} else if (o->x) {
			mov_imm(g, 3, o->imm);
			emit(g, o->cls | o->op | XBPF_X, 1, 3, o->off, 0);
		} else {
			emit(g, o->cls | o->op | XBPF_K, 1, 0, o->off, o->imm);
		}
		break;
	}
}

/* An offset computed by 1-3 ALU operations from a masked variable, every possible value
 * enumerated by the generator: the safe variant checks it against the map value's size;
 * the buggy one uses it unchecked with an offset that makes the largest (or smallest)
 * value step one byte out. Any verifier accepting the buggy one is unsound. */
static void s_arith(struct gen *g, bool bug)
{
	int skip = newl(g), m = rnd_map(g), vs = (int)vf_maps[m].value_size;
	int size = rnd_size(g), mask = (1 << (2 + rnd(g, 5))) - 1, nops = 1 + (int)rnd(g, 3);
	while (size > vs)
		size /= 2;
	struct aop ops[3];
	for (int i = 0; i < nops; i++)
		ops[i] = rnd_aop(g);
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	int ymask = (1 << (1 + rnd(g, 6))) - 1;
	for (uint64_t x = 0; x <= (uint64_t)mask; x++) {
		for (uint64_t y = 0; y <= (uint64_t)ymask; y++) {
			uint64_t r = x;
			for (int i = 0; i < nops; i++)
				r = aeval(&ops[i], r, y);
			lo = (int64_t)r < lo ? (int64_t)r : lo;
			hi = (int64_t)r > hi ? (int64_t)r : hi;
		}
	}
	lookup(g, m);
	null_check(g, skip);
	/* the input must be able to take every value in [0, mask]: a context field (a
	 * variable may still hold its initial 0 on paths that skipped its assignment) */
	ldx(g, XBPF_W, 1, 6, ctx_field(g));
	alu_imm(g, XBPF_AND, 1, mask);
	ldx(g, XBPF_W, 2, 6, ctx_field(g));
	alu_imm(g, XBPF_AND, 2, ymask);
	for (int i = 0; i < nops; i++)
		emit_aop(g, &ops[i]);
	int off;
	if (!bug) {
		off = (int)rnd(g, (uint32_t)(vs - size + 1));
		guard(g, 1, U64MAX, vs - size - off, skip, false);
	} else if (lo < -(1 << 14) || hi > (1 << 14)) {
		off = 0; /* far out either way */
	} else if (-lo <= vs - size - hi) {
		off = chance(g, 50) ? (int)(vs - size - hi + 1) : (int)(-lo - 1);
	} else {
		off = (int)-lo;
	}
	alu_reg(g, XBPF_ADD, 0, 1);
	/* xbpf tracks div/mod, the kernel does not: a path only the kernel thinks feasible
	 * must not change the variables, or later snippets differ for a reason of precision */
	g->no_var_put = true;
	access(g, 0, size, off, false);
	g->no_var_put = false;
	bind(g, skip);
}

/* A map value pointer advanced by different constants on two paths, then accessed. */
static void s_ptr_join(struct gen *g, bool bug)
{
	int skip = newl(g), a = newl(g), j = newl(g), m = rnd_map(g);
	int vs = (int)vf_maps[m].value_size, size = rnd_size(g);
	while (size > vs)
		size /= 2;
	int c1 = (int)rnd(g, (uint32_t)(vs - size + 1)), c2 = (int)rnd(g, (uint32_t)(vs - size + 1));
	int mx = c1 > c2 ? c1 : c2;
	int off = bug ? vs - size - mx + 1 : (int)rnd(g, (uint32_t)(vs - size - mx + 1));
	lookup(g, m);
	null_check(g, skip);
	mov_reg(g, 2, 0);
	ldx(g, XBPF_W, 1, 6, ctx_field(g));
	jimm(g, XBPF_JGT, 1, (int)rnd(g, 64), a);
	alu_imm(g, XBPF_ADD, 2, c1);
	ja(g, j);
	bind(g, a);
	alu_imm(g, XBPF_ADD, 2, c2);
	bind(g, j);
	access(g, 2, size, off, false);
	bind(g, skip);
}

/* A stack slot holds the map value pointer on one path and (bug) a scalar or a partly
 * overwritten pointer on the other; filled after the join and dereferenced. */
static void s_stack_join(struct gen *g, bool bug)
{
	int skip = newl(g), a = newl(g), j = newl(g), m = rnd_map(g), slot = chance(g, 50) ? -48 : -56;
	lookup(g, m);
	null_check(g, skip);
	ldx(g, XBPF_W, 1, 6, ctx_field(g));
	jimm(g, XBPF_JGT, 1, (int)rnd(g, 64), a);
	stx(g, XBPF_DW, 10, 0, slot);
	ja(g, j);
	bind(g, a);
	stx(g, XBPF_DW, 10, 0, slot);
	if (bug) {
		if (chance(g, 50))
			stx(g, XBPF_DW, 10, 1, slot);
		else
			st(g, XBPF_B, 10, slot + (int)rnd(g, 8), 0);
	}
	bind(g, j);
	ldx(g, XBPF_DW, 2, 10, slot);
	access(g, 2, 4, 0, false);
	bind(g, skip);
}

/* A register written on one path only (bug) or on both, read after the join. A helper
 * call first makes sure r4 starts uninitialised. */
static void s_reg_join(struct gen *g, bool bug)
{
	int a = newl(g), j = newl(g);
	call(g, 7);
	ldx(g, XBPF_W, 1, 6, ctx_field(g));
	jimm(g, XBPF_JGT, 1, (int)rnd(g, 64), a);
	mov_imm(g, 4, 1);
	ja(g, j);
	bind(g, a);
	if (!bug)
		mov_imm(g, 4, 2);
	bind(g, j);
	var_put(g, rnd_var(g), 4, 2);
}

/* A callee returns one of two constants from two exits; the caller branches on it, the
 * unsafe side (a scalar dereference) reachable only with a bug. */
static void s_ret_join(struct gen *g, bool bug)
{
	struct sub *s = new_sub(g, SUB_RET_JOIN);
	if (!s)
		return;
	int skip = newl(g);
	s->size = 8 * (int)rnd(g, 4);
	s->off = s->size + 8 * (1 + (int)rnd(g, 3));
	if (chance(g, 50)) {
		int t = s->size;
		s->size = s->off;
		s->off = t;
	}
	ldx(g, XBPF_W, 1, 6, ctx_field(g));
	call_local(g, s->label);
	int hit = bug ? (chance(g, 50) ? s->size : s->off) : s->off + s->size + 8;
	jimm(g, XBPF_JNE, 0, hit, skip);
	ldx(g, XBPF_W, 0, 0, 0);
	bind(g, skip);
}

/* A loop whose counter decides, in one iteration, a branch to a scalar dereference:
 * dead when that iteration never comes, reachable (bug) when it does. */
static void s_loop_decided(struct gen *g, bool bug)
{
	int top = newl(g), next_l = newl(g), n = 2 + (int)rnd(g, 6);
	int k = bug ? (int)rnd(g, (uint32_t)n) : n + (int)rnd(g, 3);
	mov_imm(g, 9, 0);
	bind(g, top);
	jimm(g, XBPF_JNE, 9, k, next_l);
	ldx(g, XBPF_W, 0, 9, 0);
	bind(g, next_l);
	alu_imm(g, XBPF_ADD, 9, 1);
	jimm(g, XBPF_JLT, 9, n, top);
}

/* Two lookups; on one path a copy of the first result is null-checked, on the other (bug)
 * the second's; after the join the first is dereferenced. Pruning must tell the pointer
 * ids apart. */
static void s_id_join(struct gen *g, bool bug)
{
	int skip = newl(g), a = newl(g), j = newl(g);
	lookup(g, rnd_map(g));
	stx(g, XBPF_DW, 10, 0, -56);
	lookup(g, rnd_map(g));
	mov_reg(g, 2, 0);
	ldx(g, XBPF_DW, 3, 10, -56);
	ldx(g, XBPF_W, 4, 6, ctx_field(g));
	jimm(g, XBPF_JGT, 4, (int)rnd(g, 64), a);
	mov_reg(g, 5, 3);
	ja(g, j);
	bind(g, a);
	mov_reg(g, 5, bug ? 2 : 3);
	bind(g, j);
	jimm(g, XBPF_JEQ, 5, 0, skip);
	ldx(g, XBPF_B, 4, 3, 0);
	bind(g, skip);
}

/* Bounds learned on one register reach its copies (a register copy or a spilled copy);
 * the bug variant re-assigns the checked register after the copy, so the copy stays
 * unbounded. */
static void s_linked(struct gen *g, bool bug)
{
	int skip = newl(g), m = rnd_map(g), vs = (int)vf_maps[m].value_size, size = 1;
	int k = vs - size - (int)rnd(g, 4), form = (int)rnd(g, 2);
	if (k < 0)
		k = 0;
	lookup(g, m);
	null_check(g, skip);
	ldx(g, XBPF_W, 1, 6, ctx_field(g));
	if (form == 0)
		mov_reg(g, 2, 1);
	else
		stx(g, XBPF_DW, 10, 1, -48);
	if (bug)
		ldx(g, XBPF_W, 1, 6, ctx_field(g));
	switch (rnd(g, 3)) {
	case 0: jimm(g, XBPF_JGT, 1, k, skip); break;
	case 1: jimm(g, XBPF_JGE, 1, k + 1, skip); break;
	default: mov_imm(g, 5, k); jreg(g, XBPF_JGT, 1, 5, skip); break;
	}
	if (form == 1)
		ldx(g, XBPF_DW, 2, 10, -48);
	alu_reg(g, XBPF_ADD, 0, 2);
	access(g, 0, size, 0, false);
	bind(g, skip);
}

/* Helpers reading or writing memory whose size comes from elsewhere: map_update_elem
 * with the value taken from another map's (maybe smaller) value; probe_read_kernel,
 * skb/xdp_load_bytes into a map value with a bounded size; ringbuf_output of the stack
 * buffer with a bounded size. Bugs: the smaller value, a bound one past the memory. */
static void s_helper_mem(struct gen *g, bool bug)
{
	int skip = newl(g), k = (int)rnd(g, 4);
	if (k == 0) { /* update map a from the value of map b */
		int a = rnd_map(g), b = rnd_map(g);
		while (!bug && vf_maps[b].value_size < vf_maps[a].value_size)
			b = rnd_map(g);
		if (bug)
			while (vf_maps[b].value_size >= vf_maps[a].value_size) {
				a = (int)rnd(g, NDATAMAPS);
				b = (int)rnd(g, NDATAMAPS);
			}
		lookup(g, b);
		null_check(g, skip);
		mov_reg(g, 3, 0);
		st(g, vf_maps[a].key_size == 8 ? XBPF_DW : XBPF_W, 10, -40, (int)rnd(g, 4));
		ld_map(g, 1, a);
		mov_reg(g, 2, 10);
		alu_imm(g, XBPF_ADD, 2, -40);
		mov_imm(g, 4, 0);
		call(g, 2);
		bind(g, skip);
		return;
	}
	int v = rnd_var(g);
	if (k == 3) { /* ringbuf_output(rb, fp-128 + off, size) */
		int off = 8 * (int)rnd(g, 4);
		var_get(g, v, 3);
		guard(g, 3, g->v[v].umax, BUF_LEN - off, skip, bug);
		ld_map(g, 1, RINGBUF);
		mov_reg(g, 2, 10);
		alu_imm(g, XBPF_ADD, 2, BUF_OFF + off);
		mov_imm(g, 4, 0);
		call(g, 130);
		bind(g, skip);
		return;
	}
	int m = rnd_map(g), vs = (int)vf_maps[m].value_size, off = (int)rnd(g, (uint32_t)vs / 2);
	lookup(g, m);
	null_check(g, skip);
	mov_reg(g, 9, 0);
	var_get(g, v, 2);
	guard(g, 2, g->v[v].umax, vs - off, skip, bug);
	if (k == 1) { /* probe_read_kernel(value + off, size, ctx) */
		jimm(g, XBPF_JEQ, 2, 0, skip);
		mov_reg(g, 1, 9);
		alu_imm(g, XBPF_ADD, 1, off);
		mov_reg(g, 3, 6);
		call(g, 113);
	} else { /* skb/xdp_load_bytes(ctx, 0, value + off, size) */
		jimm(g, XBPF_JEQ, 2, 0, skip);
		mov_reg(g, 4, 2);
		mov_reg(g, 3, 9);
		alu_imm(g, XBPF_ADD, 3, off);
		mov_imm(g, 2, 0);
		mov_reg(g, 1, 6);
		call(g, is_skb(g) ? 26 : 189);
	}
	bind(g, skip);
}

/* A store or load at a variable stack offset: fp + (v & 63) - base. Bug: the range
 * reaches above the frame (or a load reads the 8 bytes above a 1-byte slot). */
static void s_stack_var(struct gen *g, bool bug)
{
	int size = rnd_size(g), base = 64 + size * (int)rnd(g, 6); /* aligned */
	if (bug)
		base = 64 - size; /* the last offset lands on fp + 0: above the frame */
	var_get(g, rnd_var(g), 1);
	alu_imm(g, XBPF_AND, 1, 63);
	alu_imm(g, XBPF_AND, 1, -size); /* aligned, as the kernel wants for the stack */
	alu_imm(g, XBPF_SUB, 1, base);
	mov_reg(g, 2, 10);
	alu_reg(g, XBPF_ADD, 2, 1);
	if (chance(g, 60)) {
		st(g, size_code(size), 2, 0, (int)rnd(g, 100));
	} else {
		ldx(g, size_code(size), 5, 2, 0);
		var_put(g, rnd_var(g), 5, size_max(size));
	}
}

/* Pointer misuse the kernel forbids: a modified ctx pointer dereferenced, arithmetic on
 * pkt_end or a map pointer, 32-bit or non-additive arithmetic on a pointer, then used.
 * The safe variant does ordinary pointer arithmetic. */
static void s_ptr_misc(struct gen *g, bool bug)
{
	int skip = newl(g);
	if (!bug) { /* value + 4 - 4, then a load */
		lookup(g, rnd_map(g));
		null_check(g, skip);
		alu_imm(g, XBPF_ADD, 0, 4);
		alu_imm(g, XBPF_SUB, 0, 4);
		ldx(g, XBPF_W, 5, 0, 0);
		bind(g, skip);
		return;
	}
	switch (rnd(g, 5)) {
	case 0: /* modified ctx pointer */
		mov_reg(g, 2, 6);
		alu_imm(g, XBPF_ADD, 2, 8);
		ldx(g, XBPF_W, 5, 2, 0);
		break;
	case 1: /* arithmetic on pkt_end, then a "check" against it */
		if (!has_pkt(g))
			return;
		load_pkt_ptrs(g, 2, 3);
		alu_imm(g, XBPF_ADD, 3, 16);
		mov_reg(g, 4, 2);
		alu_imm(g, XBPF_ADD, 4, 16);
		jreg(g, XBPF_JGT, 4, 3, skip);
		ldx(g, XBPF_DW, 5, 2, 8);
		break;
	case 2: /* 32-bit arithmetic on a map value pointer */
		lookup(g, rnd_map(g));
		null_check(g, skip);
		emit(g, XBPF_ALU | XBPF_K | XBPF_ADD, 0, 0, 0, 4);
		ldx(g, XBPF_W, 5, 0, 0);
		break;
	case 3: /* pointer multiplied / shifted, then dereferenced */
		lookup(g, rnd_map(g));
		null_check(g, skip);
		alu_imm(g, chance(g, 50) ? XBPF_LSH : XBPF_OR, 0, chance(g, 50) ? 0 : 1);
		ldx(g, XBPF_B, 5, 0, 0);
		break;
	default: /* map pointer + 8 passed to lookup */
		ld_map(g, 1, rnd_map(g));
		alu_imm(g, XBPF_ADD, 1, 8);
		mov_reg(g, 2, 10);
		alu_imm(g, XBPF_ADD, 2, -40);
		call(g, 1);
		break;
	}
	bind(g, skip);
}

/* XDP metadata: data_meta + n checked against data, then accessed (bug: off by one, or
 * checked against data_end instead of data). */
static void s_pkt_meta(struct gen *g, bool bug)
{
	int skip = newl(g), n = 4 * (1 + (int)rnd(g, 4)), size = rnd_size(g);
	while (size > n)
		size /= 2;
	int off = bug ? n - size + 1 : (int)rnd(g, (uint32_t)(n - size + 1));
	ldx(g, XBPF_W, 2, 6, 8);
	ldx(g, XBPF_W, 3, 6, bug && chance(g, 30) ? 4 : 0);
	mov_reg(g, 4, 2);
	alu_imm(g, XBPF_ADD, 4, n);
	jreg(g, XBPF_JGT, 4, 3, skip);
	access(g, 2, size, off, false);
	bind(g, skip);
}

/* A read of stack below the initialised area (fp-200 .. fp-137): written first, or
 * ("bug") not. Both verifiers accept both (the kernel as root, xbpf by default: an unknown
 * value, read as zeros at run time); not a bug for the kernel, so results are ordinary. */
static void s_stack_uninit(struct gen *g, bool bug)
{
	int off = -200 + 8 * (int)rnd(g, 8), size = rnd_size(g);
	if (!bug)
		st(g, XBPF_DW, 10, off, (int)rnd(g, 64));
	if (chance(g, 50)) {
		ldx(g, size_code(size), 5, 10, off);
		var_put(g, rnd_var(g), 5, size_max(size));
	} else { /* indirect: a helper reads it as a map key */
		ld_map(g, 1, (int)rnd(g, 3));
		mov_reg(g, 2, 10);
		alu_imm(g, XBPF_ADD, 2, off);
		call(g, 1);
	}
}

/* bpf_loop(n, cb, &slot) where the callback adds 8 to the slot each time: after the
 * loop the slot holds 8n, used as a map value offset. Safe with a bound check; the bug
 * uses it unchecked in a value that would only fit one iteration's worth. */
static void s_loop_accum(struct gen *g, bool bug)
{
	struct sub *s = new_sub(g, SUB_ACCUM_CB);
	if (!s)
		return;
	int skip = newl(g), m = rnd_map(g), vs = (int)vf_maps[m].value_size, size = 1;
	int n = 2 + (int)rnd(g, 6);
	if (bug) /* one iteration would fit, n do not */
		while (vs < 8 + size || 8 * n + size <= vs)
			m = rnd_map(g), vs = (int)vf_maps[m].value_size, n = 2 + (int)rnd(g, 6);
	st(g, XBPF_DW, 10, -56, 0);
	mov_imm(g, 1, n);
	emit(g, XBPF_LD | XBPF_IMM | XBPF_DW, 2, XBPF_PSEUDO_FUNC, 0, 0);
	fixup(g, s->label);
	emit(g, 0, 0, 0, 0, 0);
	mov_reg(g, 3, 10);
	alu_imm(g, XBPF_ADD, 3, -56);
	mov_imm(g, 4, 0);
	call(g, 181);
	lookup(g, m);
	null_check(g, skip);
	ldx(g, XBPF_DW, 1, 10, -56);
	if (!bug)
		guard(g, 1, U64MAX, vs - size, skip, false);
	alu_reg(g, XBPF_ADD, 0, 1);
	access(g, 0, size, 0, false);
	bind(g, skip);
}

/* bpf_for_each_map_elem over a map whose callback accesses the element's value (bug:
 * one byte past it). */
static void s_for_each(struct gen *g, bool bug)
{
	struct sub *s = new_sub(g, SUB_EACH_CB);
	if (!s)
		return;
	int m = rnd_map(g), vs = (int)vf_maps[m].value_size;
	s->size = rnd_size(g);
	while (s->size > vs)
		s->size /= 2;
	s->off = bug ? vs - s->size + 1 : (int)rnd(g, (uint32_t)(vs - s->size + 1));
	ld_map(g, 1, m);
	emit(g, XBPF_LD | XBPF_IMM | XBPF_DW, 2, XBPF_PSEUDO_FUNC, 0, 0);
	fixup(g, s->label);
	emit(g, 0, 0, 0, 0, 0);
	mov_imm(g, 3, 0);
	mov_imm(g, 4, 0);
	call(g, 164);
}

static void emit_sub(struct gen *g, const struct sub *s)
{
	int ret = newl(g);
	bind(g, s->label);
	if (s->kind == SUB_ACCUM_CB) { /* *(u64 *)ctx += 8 */
		ldx(g, XBPF_DW, 3, 2, 0);
		alu_imm(g, XBPF_ADD, 3, 8);
		stx(g, XBPF_DW, 2, 3, 0);
		mov_imm(g, 0, 0);
		exit_insn(g);
		return;
	}
	if (s->kind == SUB_EACH_CB) { /* (map, key, value, ctx): access value + off */
		access(g, 3, s->size, s->off, false);
		mov_imm(g, 0, 0);
		exit_insn(g);
		return;
	}
	if (s->kind == SUB_RET_JOIN) { /* r0 = r1 > 20 ? off : size (two exits) */
		int a = newl(g);
		jimm(g, XBPF_JGT, 1, 20, a);
		mov_imm(g, 0, s->size);
		exit_insn(g);
		bind(g, a);
		mov_imm(g, 0, s->off);
		exit_insn(g);
		return;
	}
	if (s->kind == SUB_DECIDE) { /* if r1 == guard_k: dereference it */
		mov_imm(g, 0, 0);
		jimm(g, XBPF_JNE, 1, s->guard_k, ret);
		ldx(g, XBPF_W, 0, 1, 0);
		mov_imm(g, 0, 0);
		bind(g, ret);
		exit_insn(g);
		return;
	}
	if (s->kind == SUB_STORE_THROUGH) {
		stx(g, s->narrow ? XBPF_W : XBPF_DW, 1, 2, 0);
		mov_imm(g, 0, 0);
		exit_insn(g);
		return;
	}
	if (s->kind == SUB_LOOP_CB) { /* r1 = index, r2 = the caller's 64-byte buffer */
		mov_imm(g, 0, 0);
		if (s->guard_k >= 0)
			guard(g, 1, U64MAX, s->guard_k, ret, false);
		if (s->size > 1) /* the kernel wants stack accesses aligned */
			alu_imm(g, XBPF_AND, 1, -s->size);
		alu_reg(g, XBPF_ADD, 2, 1);
		ldx(g, size_code(s->size), 3, 2, s->off);
		bind(g, ret);
		mov_imm(g, 0, 0);
		exit_insn(g);
		return;
	}
	if (s->kind == SUB_RET_MASKED) {
		mov_reg(g, 0, 1);
		alu_imm(g, XBPF_AND, 0, s->guard_k); /* r0 <= guard_k */
		exit_insn(g);
		return;
	}
	mov_imm(g, 0, 0);
	if (s->kind == 1)
		guard(g, 1, U64MAX, s->guard_k, ret, false);
	alu_reg(g, XBPF_ADD, 2, 1);
	ldx(g, size_code(s->size), 0, 2, s->off);
	bind(g, ret);
	exit_insn(g);
}

/* Helpers with a size argument: packet bytes into the stack buffer (skb/xdp load_bytes),
 * csum_diff over the buffer, map update from the buffer. Bugs: size bound off by one,
 * lower bound missing, value buffer too close to the frame top. */
static void s_helper_size(struct gen *g, bool bug)
{
	int skip = newl(g), v = rnd_var(g), k = (int)rnd(g, 3);
	if (k == 1 && g->p->prog_type == XBPF_PROG_TYPE_SOCKET_FILTER)
		k = 0; /* no csum_diff for socket filters */
	if (k == 2) {
		int m = rnd_map(g);
		st(g, vf_maps[m].key_size == 8 ? XBPF_DW : XBPF_W, 10, -40, (int)rnd(g, 4));
		ld_map(g, 1, m);
		mov_reg(g, 2, 10);
		alu_imm(g, XBPF_ADD, 2, -40);
		mov_reg(g, 3, 10);
		alu_imm(g, XBPF_ADD, 3, bug ? -(int)vf_maps[m].value_size + 4 : BUF_OFF);
		mov_imm(g, 4, 0);
		call(g, 2);
		bind(g, skip);
		return;
	}
	var_get(g, v, 4);
	int lim = BUF_LEN - (int)rnd(g, 3) * 8, bufoff = BUF_OFF + (BUF_LEN - lim);
	bool nolow = bug && chance(g, 30);
	guard(g, 4, g->v[v].umax, lim, skip, bug && !nolow);
	if (k == 0) {
		if (!nolow)
			jimm(g, XBPF_JEQ, 4, 0, skip);
		mov_reg(g, 1, 6);
		mov_imm(g, 2, (int)rnd(g, 20));
		mov_reg(g, 3, 10);
		alu_imm(g, XBPF_ADD, 3, bufoff);
		call(g, is_skb(g) ? 26 : 189);
	} else {
		mov_reg(g, 2, 4);
		mov_reg(g, 1, 10);
		alu_imm(g, XBPF_ADD, 1, bufoff);
		mov_imm(g, 3, 0);
		mov_imm(g, 4, 0);
		mov_imm(g, 5, 0);
		call(g, 28);
	}
	var_put(g, rnd_var(g), 0, U64MAX);
	bind(g, skip);
}

/* LD_ABS / LD_IND (skb programs): always runtime-checked, the result is a variable. */
static void s_ldabs(struct gen *g, bool bug)
{
	(void)bug;
	int size = 1 << rnd(g, 3);
	g->used_ldabs = true;
	if (chance(g, 50)) {
		emit(g, XBPF_LD | XBPF_ABS | size_code(size), 0, 0, 0, (int)rnd(g, 60));
	} else {
		var_get(g, rnd_var(g), 1);
		alu_imm(g, XBPF_AND, 1, 31);
		emit(g, XBPF_LD | XBPF_IND | size_code(size), 0, 1, 0, (int)rnd(g, 20));
	}
	/* the kernel takes the result as unknown 64-bit; w0 = w0 makes both see a u32 */
	emit(g, XBPF_ALU | XBPF_X | XBPF_MOV, 0, 0, 0, 0);
	var_put(g, rnd_var(g), 0, 0xffffffffu);
}

/* Arithmetic on a variable, with the bound updated. */
static void s_alu(struct gen *g, bool bug)
{
	(void)bug;
	int v = rnd_var(g);
	struct var *x = &g->v[v];
	var_get(g, v, 1);
	switch (rnd(g, 5)) {
	case 0: {
		int m = (int)rnd(g, 64);
		alu_imm(g, XBPF_AND, 1, m);
		if (x->umax > (uint64_t)m)
			x->umax = (uint64_t)m;
		for (int i = 0; i < 2; i++)
			x->c[i] &= m;
		break;
	}
	case 1: {
		int s = 1 + (int)rnd(g, 8);
		alu_imm(g, XBPF_RSH, 1, s);
		x->umax >>= s;
		for (int i = 0; i < 2; i++)
			x->c[i] = (int64_t)((uint64_t)x->c[i] >> s);
		break;
	}
	case 2:
		emit(g, XBPF_ALU | XBPF_X | XBPF_MOV, 1, 1, 0, 0);
		if (x->umax > 0xffffffffull) {
			x->umax = 0xffffffffull;
			x->nc = 0;
		}
		break;
	case 3: {
		int c = (int)rnd(g, 16);
		alu_imm(g, XBPF_ADD, 1, c);
		x->umax = x->umax > U64MAX - 16 ? U64MAX : x->umax + (uint64_t)c;
		if (x->umax == U64MAX)
			x->nc = 0;
		for (int i = 0; i < 2; i++)
			x->c[i] += c;
		break;
	}
	default:
		emit(g, XBPF_ALU | XBPF_K | XBPF_AND, 1, 0, 0, 0xff);
		if (x->umax > 0xff)
			x->umax = 0xff;
		for (int i = 0; i < 2; i++)
			x->c[i] &= 0xff;
		break;
	}
	struct var keep = *x;
	var_put(g, v, 1, keep.umax);
	*x = keep;
}

/* ---- program ----------------------------------------------------------------------- */
typedef void (*snippet_fn)(struct gen *g, bool bug);
struct snippet {
	const char *name;
	snippet_fn fn;
	int weight;
	unsigned types; /* bit 0 socket filter, 1 tc, 2 xdp */
};
static const struct snippet snippets[] = {
	{"ctx_load", s_ctx_load, 6, 7},
	{"ctx_store", s_ctx_store, 2, 3},
	{"pkt_const", s_pkt_const, 8, 6},
	{"pkt_var", s_pkt_var, 6, 6},
	{"pkt_join", s_pkt_join, 5, 6},
	{"map_const", s_map_const, 6, 7},
	{"map_var", s_map_var, 10, 7},
	{"map_nulljoin", s_map_nulljoin, 4, 7},
	{"join", s_join, 8, 7},
	{"join_decided", s_join_decided, 8, 7},
	{"spill_scalar", s_spill_scalar, 6, 7},
	{"spill_ptr", s_spill_ptr, 6, 7},
	{"loop", s_loop, 5, 7},
	{"call", s_call, 6, 7},
	{"helper_size", s_helper_size, 5, 7},
	{"ldabs", s_ldabs, 3, 3},
	{"alu", s_alu, 5, 7},
	{"call_store", s_call_store, 4, 7},
	{"bpf_loop", s_bpf_loop, 4, 7},
	{"pkt_invalidate", s_pkt_invalidate, 4, 6},
	{"ringbuf", s_ringbuf, 4, 7},
	{"loop2", s_loop2, 4, 7},
	{"arith", s_arith, 8, 7},
	{"ptr_join", s_ptr_join, 4, 7},
	{"stack_join", s_stack_join, 4, 7},
	{"reg_join", s_reg_join, 3, 7},
	{"ret_join", s_ret_join, 4, 7},
	{"loop_decided", s_loop_decided, 3, 7},
	{"id_join", s_id_join, 4, 7},
	{"linked", s_linked, 5, 7},
	{"helper_mem", s_helper_mem, 5, 7},
	{"stack_var", s_stack_var, 4, 7},
	{"ptr_misc", s_ptr_misc, 3, 7},
	{"pkt_meta", s_pkt_meta, 3, 4},
	{"stack_uninit", s_stack_uninit, 1, 7},
	{"loop_accum", s_loop_accum, 4, 7},
	{"for_each", s_for_each, 3, 7},
};
#define NSNIPPETS (sizeof snippets / sizeof snippets[0])

static const struct snippet *pick(struct gen *g, unsigned tbit, bool bug)
{
	static const char *no_bug[] = {"join", "ldabs", "alu"};
	for (;;) {
		int total = 0;
		for (size_t i = 0; i < NSNIPPETS; i++)
			total += snippets[i].weight;
		int r = (int)rnd(g, (uint32_t)total);
		size_t i = 0;
		while (r >= snippets[i].weight)
			r -= snippets[i++].weight;
		if (!(snippets[i].types & tbit))
			continue;
		/* the kernel refuses LD_ABS/LD_IND mixed with bpf-to-bpf calls */
		bool calls = snippets[i].fn == s_call || snippets[i].fn == s_call_store ||
			     snippets[i].fn == s_bpf_loop || snippets[i].fn == s_ret_join ||
			     snippets[i].fn == s_loop_accum || snippets[i].fn == s_for_each;
		if ((g->used_ldabs && calls) ||
		    (g->used_call && snippets[i].fn == s_ldabs))
			continue;
		bool ok = true;
		for (int k = 0; bug && k < 3; k++)
			ok = ok && strcmp(no_bug[k], snippets[i].name) != 0;
		if (ok)
			return &snippets[i];
	}
}

static void prologue(struct gen *g)
{
	mov_reg(g, 6, 1);
	mov_imm(g, 7, 0);
	mov_imm(g, 8, 0);
	for (int off = -8; off >= -128; off -= 8)
		st(g, XBPF_DW, 10, off, 0);
	for (int v = 0; v < NVARS; v++) {
		g->v[v].umax = 0;
		g->v[v].nc = 2;
		g->v[v].c[0] = g->v[v].c[1] = 0;
	}
}

static void resolve(struct gen *g)
{
	for (int i = 0; i < g->nf; i++) {
		struct xbpf_insn *in = &g->p->insn[g->fix[i].at];
		int target = g->lpos[g->fix[i].label];
		if (target < 0)
			target = (int)g->p->n - 1;
		int rel = target - (int)g->fix[i].at - 1;
		if (in->code == (XBPF_JMP | XBPF_CALL) ||
		    (in->code == (XBPF_LD | XBPF_IMM | XBPF_DW) && in->src_reg == XBPF_PSEUDO_FUNC))
			in->imm = rel;
		else
			in->off = (int16_t)rel;
	}
}

void vf_generate(uint64_t seed, uint64_t idx, struct vf_prog *p)
{
	static struct gen g; /* large: not on the stack (one generator at a time) */
	memset(&g, 0, sizeof g);
	memset(p, 0, sizeof *p);
	g.p = p;
	g.rng = mix(seed ^ mix(idx + 0x632be59bd9b4e019ull)); /* streams do not overlap */
	static const uint32_t types[3] = {XBPF_PROG_TYPE_SOCKET_FILTER, XBPF_PROG_TYPE_SCHED_CLS,
					  XBPF_PROG_TYPE_XDP};
	unsigned t = rnd(&g, 10) < 2 ? 0 : rnd(&g, 2) + 1;
	p->prog_type = types[t];
	prologue(&g);
	int n = 3 + (int)rnd(&g, 5), bugat = chance(&g, 55) ? (int)rnd(&g, (uint32_t)n) : -1;
	for (int i = 0; i < n && !g.full; i++) {
		const struct snippet *s = pick(&g, 1u << t, i == bugat);
		desc(&g, s->name, i == bugat);
		s->fn(&g, i == bugat);
	}
	p->bugs = bugat >= 0;
	mov_imm(&g, 0, t == 2 ? 2 : 0);
	exit_insn(&g);
	for (int i = 0; i < g.nsubs; i++)
		emit_sub(&g, &g.subs[i]);
	resolve(&g);
}
