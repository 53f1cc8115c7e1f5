/* test_jit.c - the JIT, family by family, against the interpreter; plus the properties
 * that only the JIT has: W^X memory, the cheap prologue, fusions, dead code, constant
 * blinding, call depth, callbacks and tail calls, budgets, error messages, concurrency,
 * and the native disassembly dump.
 *
 * The opcode tests walk the instruction table: every operation row is run on many operand
 * values and register pairs (including r0/r3/r4, which live in rax/rdx/rcx that division
 * and shifts need), with every register r0-r9 written to memory afterwards, so a clobbered
 * register shows up as a memory difference.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include "t.h"
#include "xbpf/xbpf.h"
#include "vm/vm_internal.h"
#include "jit/jit.h"
#include "t_jit.h"

#define MEM 128
static struct xbpf_vm *vm;
static struct xbpf_insn prog[256];
static size_t plen;
static unsigned compared;

static const int64_t vals[] = {0, 1, -1, 2, 7, 31, 32, 33, 63, 64, INT32_MIN, INT32_MAX,
			       0x80000000ll, 0xffffffffll, INT64_MIN, INT64_MAX,
			       0x123456789abcdef0ll, -7, 0x100000000ll, 0xff80};
#define NV (sizeof vals / sizeof vals[0])
static const uint8_t pairs[][2] = {{0, 1}, {1, 0}, {3, 4}, {4, 3}, {0, 3}, {3, 0}, {4, 0},
				   {2, 2}, {6, 7}, {9, 5}, {0, 4}, {4, 4}, {3, 3}, {0, 0}};
#define NP (sizeof pairs / sizeof pairs[0])

static void put(uint8_t code, unsigned dst, unsigned src, int16_t off, int32_t imm)
{
	prog[plen++] = (struct xbpf_insn){code, (uint8_t)dst, (uint8_t)src, off, imm};
}
static void lddw(unsigned dst, uint64_t v)
{
	put(0x18, dst, 0, 0, (int32_t)(uint32_t)v);
	put(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
}

/* Prologue: save r1, give every register a distinct value. */
static void begin(void)
{
	plen = 0;
	put(XBPF_STX | XBPF_MEM | XBPF_DW, 10, 1, -8, 0);
	for (unsigned r = 0; r <= 9; r++)
		if (r != 1)
			lddw(r, 0x1111111111111111ull * (r + 1) ^ 0x0123456789abcdefull);
}
/* Epilogue: r0-r9 to mem[0..80), exit with 0. */
static void end(void)
{
	for (unsigned r = 0; r <= 9; r++)
		put(XBPF_STX | XBPF_MEM | XBPF_DW, 10, r, (int16_t)(-16 - 8 * (int)r), 0);
	put(XBPF_LDX | XBPF_MEM | XBPF_DW, 1, 10, -8, 0);
	for (unsigned r = 0; r <= 9; r++) {
		put(XBPF_LDX | XBPF_MEM | XBPF_DW, 2, 10, (int16_t)(-16 - 8 * (int)r), 0);
		put(XBPF_STX | XBPF_MEM | XBPF_DW, 1, 2, (int16_t)(8 * r), 0);
	}
	put(XBPF_ALU64 | XBPF_MOV | XBPF_K, 0, 0, 0, 0);
	put(XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0);
}

struct outcome {
	int err;
	uint64_t r0;
	uint8_t mem[MEM];
	char log[256];
};

/* noinline: both engines must see the same buffer address (programs can leak pointers) */
static __attribute__((noinline)) void run(struct xbpf_prog *p, enum xbpf_engine e,
					  uint64_t budget, struct outcome *o)
{
	_Alignas(8) uint8_t mem[MEM];
	for (unsigned i = 0; i < MEM; i++)
		mem[i] = (uint8_t)(i * 37 + 11);
	memset(o, 0, sizeof *o);
	struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = mem, .ctx_size = MEM, .engine = e,
				   .budget = budget, .log_buf = o->log, .log_size = sizeof o->log};
	o->err = xbpf_prog__run(p, &ro);
	o->r0 = o->err ? 0 : ro.retval;
	memcpy(o->mem, mem, MEM);
}

/* Load the current program for the JIT and compare both engines; `what` names it. */
static void compare(const char *what, uint32_t flags)
{
	char log[256] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_JIT,
					 .flags = flags, .log_buf = log, .log_size = sizeof log};
	struct xbpf_prog *p = xbpf_prog__load(vm, prog, plen, &lo);
	if (!p) {
		fprintf(stderr, "%s: load failed: %s\n", what, log);
		T_CHECK(!"load failed");
		return;
	}
	for (int b = 0; b < 2; b++) {
		struct outcome a, j;
		if (b && (compared & 3))
			continue; /* every fourth program also runs with a budget */
		run(p, XBPF_ENGINE_INTERP, b ? 1000 : 0, &a);
		run(p, XBPF_ENGINE_JIT, b ? 1000 : 0, &j);
		compared++;
		if (a.err != j.err || a.r0 != j.r0 || memcmp(a.mem, j.mem, MEM) || strcmp(a.log, j.log)) {
			int m = 0;
			while (m < MEM && a.mem[m] == j.mem[m])
				m++;
			fprintf(stderr, "%s (flags %#x budget %d): interp %d 0x%llx \"%s\" jit %d 0x%llx "
				"\"%s\" mem differs at %d\n", what, flags, b, a.err,
				(unsigned long long)a.r0, a.log, j.err, (unsigned long long)j.r0,
				j.log, m < MEM ? m : -1);
			T_CHECK(!"engines differ");
			if (getenv("JITDBG")) {
				char *t = xbpf_disasm(prog, plen, XBPF_SYNTAX_UBPF, true, NULL);
				fprintf(stderr, "%s\n", t);
				free(t);
			}
		}
	}
	xbpf_prog__free(p);
}

/* Operand grid: register pair 0 gets every value combination, the other pairs a spread of
 * them (keeps the suite fast while still covering every register assignment). */
static bool in_grid(unsigned pi, unsigned a, unsigned b)
{
	/* pair 0: half the grid (INT_MIN, -1 and 0 pairings among it) */
	return pi == 0 ? (a + b) % 2 == 0 || b == 0 : (a % 7 == pi % 7 && b % 4 == pi % 4);
}

/* Build insn with the row's fixed fields; false when the row rejects these fields. */
static bool row_insn(uint16_t op, unsigned dst, unsigned src, int16_t off, int32_t imm,
		     struct xbpf_insn *out)
{
	const struct isa_op *r = &isa_table[op];
	*out = (struct xbpf_insn){r->code, (uint8_t)dst, (uint8_t)src, off, imm};
	if (r->src.kind == RULE_EQ)
		out->src_reg = (uint8_t)r->src.value;
	if (r->src.kind == RULE_ZERO)
		out->src_reg = 0;
	if (r->off.kind == RULE_EQ)
		out->off = (int16_t)r->off.value;
	if (r->off.kind == RULE_ZERO)
		out->off = 0;
	if (r->imm.kind == RULE_EQ)
		out->imm = r->imm.value;
	if (r->imm.kind == RULE_ZERO)
		out->imm = 0;
	return isa_decode(out) == op && !isa_check_fields(op, out);
}

static void family_alu(uint8_t form)
{
	unsigned before = compared;
	for (uint16_t op = 0; op < XOP__COUNT; op++) {
		if (isa_table[op].form != form)
			continue;
		for (unsigned pi = 0; pi < NP; pi++)
			for (unsigned a = 0; a < NV; a++)
				for (unsigned b = 0; b < NV; b += (form == FORM_ALU_X ? 1 : 3)) {
					struct xbpf_insn in;
					unsigned d = pairs[pi][0], s = pairs[pi][1];
					if (!in_grid(pi, a, b))
						continue;
					if (!row_insn(op, d, s, 0, (int32_t)vals[b], &in))
						continue;
					begin();
					lddw(d, (uint64_t)vals[a]);
					if (form == FORM_ALU_X || form == FORM_MOVSX)
						lddw(s, (uint64_t)vals[b]);
					prog[plen++] = in;
					end();
					char what[96];
					snprintf(what, sizeof what, "%s r%u,r%u a=%u b=%u",
						 isa_table[op].id, d, s, a, b);
					compare(what, 0);
					if (a == 0 && b < 3 && pi < 3)
						compare(what, XBPF_PROG_F_JIT_BLIND);
				}
	}
	T_CHECK(compared > before);
}

static void test_alu_imm(void) { family_alu(FORM_ALU_K); }
static void test_alu_reg(void) { family_alu(FORM_ALU_X); }
static void test_neg_end_movsx(void)
{
	family_alu(FORM_NEG);
	family_alu(FORM_END);
	family_alu(FORM_MOVSX);
}

static void test_jumps(void)
{
	unsigned before = compared;
	for (uint16_t op = 0; op < XOP__COUNT; op++) {
		uint8_t f = isa_table[op].form;
		if (f != FORM_JCOND_K && f != FORM_JCOND_X)
			continue;
		for (unsigned pi = 0; pi < NP; pi += 2)
			for (unsigned a = 0; a < NV; a++)
				for (unsigned b = 0; b < NV; b += 2) {
					struct xbpf_insn in;
					unsigned d = pairs[pi][0], s = pairs[pi][1];
					if (!in_grid(pi, a, b))
						continue;
					if (!row_insn(op, d, s, 1, (int32_t)vals[b], &in))
						continue;
					begin();
					lddw(d, (uint64_t)vals[a]);
					if (f == FORM_JCOND_X)
						lddw(s, (uint64_t)vals[b]);
					prog[plen++] = in;
					put(XBPF_ALU64 | XBPF_MOV | XBPF_K, d, 0, 0, 0x55);
					end();
					char what[96];
					snprintf(what, sizeof what, "%s r%u,r%u a=%u b=%u",
						 isa_table[op].id, d, s, a, b);
					compare(what, 0);
				}
	}
	T_CHECK(compared > before);
}

/* Loads, stores and atomics through a base register at mem+96 or on the stack. */
static void test_memory(void)
{
	static const int16_t offs[] = {-16, -8, -4, 0, 4, 8, 12, 14, 15, 24, 31, 40, 3};
	unsigned before = compared;
	for (uint16_t op = 0; op < XOP__COUNT; op++) {
		uint8_t f = isa_table[op].form;
		if (f != FORM_LDX && f != FORM_ST && f != FORM_STX && f != FORM_ATOMIC)
			continue;
		for (unsigned pi = 0; pi < NP; pi++)
			for (unsigned oi = 0; oi < sizeof offs / sizeof offs[0]; oi++)
				for (int stack = 0; stack < 2; stack++) {
					unsigned d = pairs[pi][0], s = pairs[pi][1];
					unsigned base = f == FORM_LDX ? s : d;
					if (base == 1 || (stack && base != 0))
						continue;
					struct xbpf_insn in;
					/* stack offsets stay below the saved r1 at [r10-8] */
					int16_t off = stack ? (int16_t)(offs[oi] - 64) : offs[oi];
					if (!row_insn(op, d, s, off, (int32_t)vals[oi], &in))
						continue;
					if (stack)
						(f == FORM_LDX ? (void)(in.src_reg = 10) : (void)(in.dst_reg = 10));
					begin();
					put(XBPF_ALU64 | XBPF_MOV | XBPF_X, base, 1, 0, 0);
					put(XBPF_ALU64 | XBPF_ADD | XBPF_K, base, 0, 0, 96);
					if (base != s && f != FORM_LDX)
						lddw(s, (uint64_t)vals[oi + 3]);
					prog[plen++] = in;
					end();
					char what[96];
					snprintf(what, sizeof what, "%s r%u,r%u off=%d%s", isa_table[op].id,
						 d, s, off, stack ? " stack" : "");
					compare(what, 0);
					if (pi == 0 && !(oi & 1))
						compare(what, XBPF_PROG_F_JIT_BLIND);
				}
	}
	T_CHECK(compared > before);
}

static void test_packet(void)
{
	static const int32_t offs[] = {0, 1, 5, 60, 124, 125, 126, 127, 128, -1, INT32_MAX};
	unsigned before = compared;
	for (uint16_t op = 0; op < XOP__COUNT; op++) {
		uint8_t f = isa_table[op].form;
		if (f != FORM_LDABS && f != FORM_LDIND)
			continue;
		for (unsigned oi = 0; oi < sizeof offs / sizeof offs[0]; oi++)
			for (unsigned a = 0; a < NV; a += (f == FORM_LDIND ? 1 : NV)) {
				struct xbpf_insn in;
				if (!row_insn(op, 0, 3, 0, offs[oi], &in))
					continue;
				begin();
				if (f == FORM_LDIND)
					lddw(3, (uint64_t)vals[a]);
				prog[plen++] = in;
				end();
				char what[96];
				snprintf(what, sizeof what, "%s off=%d a=%u", isa_table[op].id, offs[oi], a);
				compare(what, 0);
			}
	}
	T_CHECK(compared > before);
}

/* ---- text programs ------------------------------------------------------------------------ */

static struct xbpf_prog *load_text(const char *text, uint32_t flags, enum xbpf_engine e)
{
	struct xbpf_insn *insns;
	size_t cnt;
	char err[256];
	if (xbpf_asm(text, vm, &insns, &cnt, err, sizeof err)) {
		fprintf(stderr, "asm: %s\n", err);
		return NULL;
	}
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = e, .flags = flags,
					 .log_buf = err, .log_size = sizeof err};
	struct xbpf_prog *p = xbpf_prog__load(vm, insns, cnt, &lo);
	if (!p)
		fprintf(stderr, "load: %s\n", err);
	free(insns);
	return p;
}

static void compare_prog(struct xbpf_prog *p, uint64_t budget, struct outcome *jit_out)
{
	T_CHECK(p);
	if (!p)
		return;
	struct outcome a, j;
	run(p, XBPF_ENGINE_INTERP, budget, &a);
	run(p, XBPF_ENGINE_JIT, budget, &j);
	T_EQ(a.err, j.err);
	T_EQ(a.r0, j.r0);
	T_STREQ(a.log, j.log);
	T_CHECK(!memcmp(a.mem, j.mem, MEM));
	if (jit_out)
		*jit_out = j;
	xbpf_prog__free(p);
}

static void compare_text(const char *text, uint64_t budget, struct outcome *jit_out)
{
	compare_prog(load_text(text, 0, XBPF_ENGINE_JIT), budget, jit_out);
}

/* Raw program with a callback: lddw r2 of the function at `cb` (src 4, pc-relative). */
static struct xbpf_prog *load_raw(const struct xbpf_insn *in, size_t cnt)
{
	char err[256];
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_JIT,
					 .log_buf = err, .log_size = sizeof err};
	struct xbpf_prog *p = xbpf_prog__load(vm, in, cnt, &lo);
	if (!p)
		fprintf(stderr, "load: %s\n", err);
	return p;
}

static void test_wx(void)
{
	struct xbpf_prog *p = load_text("mov %r0, 7\nexit\n", 0, XBPF_ENGINE_JIT);
	T_CHECK(p && p->jit_image);
	if (!p)
		return;
	FILE *f = fopen("/proc/self/maps", "r");
	T_CHECK(f);
	char line[512];
	bool found = false;
	uintptr_t img = (uintptr_t)p->jit_image;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		T_CHECK(!(perms[1] == 'w' && perms[2] == 'x')); /* nothing is writable+executable */
		if (img >= lo && img < hi) {
			found = true;
			T_CHECK(!strncmp(perms, "r-x", 3)); /* r-xs: the memfd pool */
		}
	}
	if (f)
		fclose(f);
	T_CHECK(found);
	uint64_t r0 = 0;
	T_EQ(xbpf_prog__exec(p, NULL, 0, &r0), 0);
	T_EQ(r0, 7);
	xbpf_prog__free(p);
}

static void test_cheap_prologue(void)
{
	struct xbpf_prog *p = load_text("mov %r0, 1\nexit\n", 0, XBPF_ENGINE_JIT);
	T_CHECK(p);
	if (!p)
		return;
	/* cmp qword [rdx+budget], -1 (8 bytes); jne rel8 (2); then body 0 directly:
	 * mov eax, 1; ret: no push, no frame */
	const uint8_t *code = p->jit_image;
	static const uint8_t body[] = {0xb8, 1, 0, 0, 0, 0xc3};
	T_CHECK(!memcmp(code + 10, body, sizeof body));
	xbpf_prog__free(p);
}

static int64_t insn_off(const struct xbpf_prog *p, size_t pc)
{
	const struct jit_image *im = p->jit_priv;
	return jit_image_label(im, (uint32_t)pc);
}

/* The innermost loop's head lands 16 bytes into a 64-byte line (image_shift() in
 * jit.c); the program still runs right and the image still traps around it. */
static void test_loop_alignment(void)
{
	struct xbpf_prog *p = load_text("mov %r0, 0\nmov %r1, 3\nmov %r2, 5\nadd %r0, %r2\n"
					"sub %r2, 1\njne %r2, 0, -3\nsub %r1, 1\n"
					"jne %r1, 0, -6\nexit\n", 0, XBPF_ENGINE_JIT);
	T_CHECK(p);
	if (!p)
		return;
	uintptr_t head = (uintptr_t)p->jit_image + (uintptr_t)insn_off(p, 3);
	if (!getenv("XBPF_JIT_LOOP_ALIGN"))
		T_EQ(head % 64, 16);
	uint64_t r0 = 0;
	T_EQ(xbpf_prog__exec(p, NULL, 0, &r0), 0);
	T_EQ(r0, 45);
	xbpf_prog__free(p);
}

static void test_fusion_and_dead_code(void)
{
	/* zext pair: one native instruction at insn 1, nothing at insn 2; insn 4 unreachable;
	 * the dead mov at insn 3 emits nothing */
	struct xbpf_prog *p = load_text("mov %r0, %r1\nlsh %r0, 32\nrsh %r0, 32\nmov %r2, 5\n"
					"exit\nmov %r0, 1\nexit\n", 0, XBPF_ENGINE_JIT);
	T_CHECK(p);
	if (!p)
		return;
	T_EQ(insn_off(p, 2) - insn_off(p, 1), 2);   /* mov eax, eax */
	T_EQ(insn_off(p, 3), insn_off(p, 4));        /* dead definition */
	T_EQ(insn_off(p, 5), -1);                    /* unreachable */
	uint8_t mem[8];
	uint64_t r0 = 0;
	T_EQ(xbpf_prog__exec(p, mem, sizeof mem, &r0), 0);
	T_EQ(r0, (uint64_t)(uintptr_t)mem & 0xffffffffu);
	xbpf_prog__free(p);
	compare_text("mov %r0, %r1\nlsh %r0, 32\narsh %r0, 32\nexit\n", 0, NULL);
	/* jcc over ja folded into one inverted branch, still correct both ways */
	for (int v = 0; v < 3; v++) {
		char text[200];
		snprintf(text, sizeof text, "mov %%r1, %d\nmov %%r0, 1\njeq %%r1, 1, +1\nja +1\n"
			 "mov %%r0, 2\nexit\n", v);
		struct outcome o;
		compare_text(text, 0, &o);
		T_EQ(o.r0, v == 1 ? 2 : 1);
	}
}

static bool image_has(const struct xbpf_prog *p, const void *bytes, size_t n)
{
	const uint8_t *c = p->jit_image;
	for (size_t i = 0; i + n <= p->jit_size; i++)
		if (!memcmp(c + i, bytes, n))
			return true;
	return false;
}

static void test_blinding(void)
{
	const char *text = "mov %r0, 0x12345678\nadd %r0, 0x11223344\nlddw %r2, 0x5566778899aabbcc\n"
			   "xor %r0, %r2\nstw [%r10-4], 0x33445566\nldxw %r3, [%r10-4]\nadd %r0, %r3\nexit\n";
	static const uint8_t k1[] = {0x78, 0x56, 0x34, 0x12}, k2[] = {0x44, 0x33, 0x22, 0x11},
			     k3[] = {0xcc, 0xbb, 0xaa, 0x99}, k4[] = {0x66, 0x55, 0x44, 0x33};
	struct xbpf_prog *plain = load_text(text, 0, XBPF_ENGINE_JIT);
	struct xbpf_prog *blind = load_text(text, XBPF_PROG_F_JIT_BLIND, XBPF_ENGINE_JIT);
	T_CHECK(plain && blind);
	if (!plain || !blind)
		return;
	T_CHECK(image_has(plain, k1, 4) && image_has(plain, k2, 4) && image_has(plain, k3, 4));
	T_CHECK(!image_has(blind, k1, 4) && !image_has(blind, k2, 4) && !image_has(blind, k3, 4) &&
		!image_has(blind, k4, 4));
	uint64_t a = 0, b = 1;
	T_EQ(xbpf_prog__exec(plain, NULL, 0, &a), 0);
	T_EQ(xbpf_prog__exec(blind, NULL, 0, &b), 0);
	T_EQ(a, b);
	xbpf_prog__free(plain);
	xbpf_prog__free(blind);
}

static uint64_t h_ident(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			struct xbpf_run_ctx *rc)
{
	return a;
}

/* helper 20: calls fn(i) for i < n, sums */
static uint64_t h_loop(uint64_t n, uint64_t fn, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	uint64_t sum = 0, r;
	for (uint64_t i = 0; i < n; i++) {
		int err = xbpf_run_ctx__call(rc, fn, i, c, 0, 0, 0, &r);
		if (err)
			return (uint64_t)(int64_t)err;
		sum += r;
	}
	return sum;
}

static struct xbpf_prog *tail_target;
static uint64_t h_tail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	return (uint64_t)(int64_t)xbpf_run_ctx__tail_call(rc, tail_target);
}

static void test_calls(void)
{
	/* recursion past 8 frames: -E2BIG with the interpreter's message */
	struct outcome o;
	compare_text("mov %r0, 0\ncall local f\nexit\nf:\nadd %r0, 1\nstxdw [%r10-8], %r0\n"
		     "call local f\nexit\n", 0, &o);
	T_EQ(o.err, -E2BIG);
	T_CONTAINS(o.log, "call depth exceeds 8 frames");
	/* depth 7 works; frames have their own stacks */
	compare_text("mov %r6, 3\nstxdw [%r10-8], %r6\ncall local f\nldxdw %r1, [%r10-8]\n"
		     "add %r0, %r1\nexit\nf:\nmov %r6, 100\nstxdw [%r10-8], %r6\nmov %r0, 1\n"
		     "ldxdw %r0, [%r10-8]\nexit\n", 0, &o);
	T_EQ(o.r0, 103);
	/* helper call keeps live r1-r5 (as the interpreter does) and callx checks its id */
	compare_text("mov %r1, 11\nmov %r2, 22\nmov %r5, 55\ncall 5\nadd %r0, %r2\nadd %r0, %r5\n"
		     "exit\n", 0, &o);
	T_EQ(o.r0, 88);
	compare_text("mov %r3, 999\ncallx %r3\nexit\n", 0, &o);
	T_EQ(o.err, -EINVAL);
	/* callbacks from a helper into the program (bpf_loop style) */
	const struct xbpf_insn cb_prog[] = {
		{XBPF_ALU64 | XBPF_MOV | XBPF_K, 1, 0, 0, 5},
		{0x18, 2, XBPF_PSEUDO_FUNC, 0, 4}, {0, 0, 0, 0, 0},
		{XBPF_ALU64 | XBPF_MOV | XBPF_K, 3, 0, 0, 10},
		{XBPF_JMP | XBPF_CALL, 0, 0, 0, 20},
		{XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0},
		{XBPF_ALU64 | XBPF_MOV | XBPF_X, 0, 1, 0, 0},            /* cb: r0 = i */
		{XBPF_ALU64 | XBPF_ADD | XBPF_X, 0, 2, 0, 0},            /* r0 += ctx */
		{XBPF_STX | XBPF_MEM | XBPF_DW, 10, 0, -8, 0},
		{XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0},
	};
	compare_prog(load_raw(cb_prog, 10), 0, &o);
	T_EQ(o.r0, 0 + 1 + 2 + 3 + 4 + 50);
	compare_prog(load_raw(cb_prog, 10), 40, &o);
	T_EQ(o.r0, 60);
	compare_prog(load_raw(cb_prog, 10), 20, &o);
	T_EQ(o.err, -ETIME);
	/* tail call: the target replaces the program */
	tail_target = load_text("mov %r0, 42\nexit\n", 0, XBPF_ENGINE_JIT);
	compare_text("call 21\nmov %r0, 1\nexit\n", 0, &o);
	T_EQ(o.r0, 42);
	/* the same through callx: the helper's stop check has its own stub, not callx's */
	compare_text("mov %r6, 21\ncallx %r6\nmov %r0, 1\nexit\n", 0, &o);
	T_EQ(o.err, 0);
	T_EQ(o.r0, 42);
	/* tail call from a callback is an error, like in the interpreter */
	const struct xbpf_insn cb_tail[] = {
		{XBPF_ALU64 | XBPF_MOV | XBPF_K, 1, 0, 0, 2},
		{0x18, 2, XBPF_PSEUDO_FUNC, 0, 3}, {0, 0, 0, 0, 0},
		{XBPF_JMP | XBPF_CALL, 0, 0, 0, 20},
		{XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0},
		{XBPF_JMP | XBPF_CALL, 0, 0, 0, 21},                     /* cb: tail call */
		{XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0},
	};
	compare_prog(load_raw(cb_tail, 7), 0, &o);
	T_EQ(o.err, -EINVAL);
	T_CONTAINS(o.log, "tail call from a callback");
	xbpf_prog__free(tail_target);
}

static void test_budget_and_faults(void)
{
	const char *loop = "mov %r0, 0\nmov %r1, 10\nl:\nadd %r0, %r1\nsub %r1, 1\njne %r1, 0, l\n"
			   "exit\n";
	for (uint64_t b = 1; b < 40; b++)
		compare_text(loop, b, NULL);
	struct outcome o;
	compare_text("mov %r2, 0\nstxw [%r2+8], %r2\nexit\n", 0, &o);
	T_EQ(o.err, -EFAULT);
	T_CONTAINS(o.log, "insn 1 (stxw [%r2+8], %r2): out-of-bounds write of 4 bytes at 0x8");
	compare_text("mov %r2, 1\nlock add [%r1+1], %r2\nexit\n", 0, &o);
	T_CONTAINS(o.log, "misaligned atomic access");
	/* a failed check names its instruction (found from the check's return address):
	 * after dead and fused instructions, after other checked accesses, in a subfunction,
	 * with and without a budget (both bodies), reads and writes */
	const char *faults[] = {
		"mov %r3, 5\nmov %r3, 6\nlsh %r1, 32\nrsh %r1, 32\nldxb %r4, [%r1+0]\n"
		"mov %r0, %r4\nexit\n",
		"mov %r2, %r1\nldxw %r0, [%r2+0]\nldxw %r0, [%r2+4]\nldxdw %r0, [%r2+4096]\n"
		"exit\n",
		"mov %r0, 0\ncall local f\nexit\nf:\nmov %r1, 0\nmov %r2, 1\n"
		"jeq %r2, 1, +1\nmov %r2, 2\nstxh [%r1+2], %r2\nexit\n",
		"mov %r6, 3\nl:\nsub %r6, 1\nldxb %r0, [%r10-1]\njne %r6, 0, l\n"
		"stxb [%r6+0], %r0\nexit\n",
	};
	for (size_t i = 0; i < sizeof faults / sizeof *faults; i++) {
		for (uint64_t b = 0; b < 3; b++) {
			compare_text(faults[i], b * 100, &o);
			T_EQ(o.err, -EFAULT);
		}
	}
}

struct thr {
	struct xbpf_prog *p;
	int bad;
};
static void *thr_main(void *arg)
{
	struct thr *t = arg;
	for (int i = 0; i < 2000; i++) {
		uint64_t mem[2] = {(uint64_t)i, 3}, r0 = 0;
		if (xbpf_prog__exec(t->p, mem, sizeof mem, &r0) || r0 != (uint64_t)i * 3 + 1)
			t->bad++;
	}
	return NULL;
}

static void test_threads(void)
{
	struct xbpf_prog *p = load_text("ldxdw %r0, [%r1]\nldxdw %r2, [%r1+8]\nmul %r0, %r2\n"
					"mov %r1, 1\ncall 5\nadd %r0, 1\nexit\n", 0, XBPF_ENGINE_JIT);
	T_CHECK(p);
	if (!p)
		return;
	(void)0;
	xbpf_prog__free(p);
	p = load_text("ldxdw %r0, [%r1]\nldxdw %r2, [%r1+8]\nmul %r0, %r2\nadd %r0, 1\nexit\n", 0,
		      XBPF_ENGINE_JIT);
	pthread_t th[4];
	struct thr t[4];
	for (int i = 0; i < 4; i++) {
		t[i] = (struct thr){p, 0};
		pthread_create(&th[i], NULL, thr_main, &t[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		T_EQ(t[i].bad, 0);
	}
	xbpf_prog__free(p);
}

static void test_dump(void)
{
	struct xbpf_prog *p = load_text("mov %r0, 1\nadd %r0, %r1\nexit\n", 0, XBPF_ENGINE_JIT);
	T_CHECK(p);
	if (!p)
		return;
	int err;
	char *buf = t_jit_dump(p, 0, &err);
	if (err == -ENOTSUP) {
		free(buf);
		xbpf_prog__free(p);
		T_SKIP("built without capstone");
	}
	T_EQ(err, 0);
	T_CONTAINS(buf, "add %r0, %r1");
	T_CONTAINS(buf, "add rax, rdi");
	T_CONTAINS(buf, "ret");
	free(buf);
	xbpf_prog__free(p);
}

static void setup(void)
{
	struct xbpf_vm_opts vo = {.sz = sizeof vo, .no_builtin_helpers = true};
	vm = xbpf_vm__new(&vo);
	xbpf_vm__register_helper(vm, 5, "ident", h_ident, NULL);
	xbpf_vm__register_helper(vm, 20, "loop", h_loop, NULL);
	xbpf_vm__register_helper(vm, 21, "tail", h_tail, NULL);
}

int main(void)
{
	setup();
	t_fn fns[] = {test_alu_imm, test_alu_reg, test_neg_end_movsx, test_jumps, test_memory,
		      test_packet, test_wx, test_cheap_prologue, test_fusion_and_dead_code,
		      test_blinding, test_calls, test_budget_and_faults, test_threads, test_dump,
		      test_loop_alignment};
	int r = t_run("test_alu_imm, test_alu_reg, test_neg_end_movsx, test_jumps, test_memory, "
		      "test_packet, test_wx, test_cheap_prologue, test_fusion_and_dead_code, "
		      "test_blinding, test_calls, test_budget_and_faults, test_threads, test_dump, "
		      "test_loop_alignment",
		      fns, (int)(sizeof fns / sizeof fns[0]));
	printf("%u engine comparisons\n", compared);
	xbpf_vm__free(vm);
	return r;
}
