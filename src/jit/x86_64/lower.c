/* lower.c - x86-64 lowering: eBPF instructions, entries, prologues and runtime checks to
 * emit_* calls. Decides which native instructions implement each eBPF instruction; the
 * bytes come from emit.h, labels and passes from the driver (jit.c).
 *
 * Image layout (hot stream, then cold stream); each body is its own image:
 *   offset 0   entry, C ABI: uint64_t (uint64_t r1, uint64_t r2, struct xbpf_run_ctx *rc)
 *              body 0: cmp rc->budget, -1 / jne budget jump; then body 0's entry (or, when
 *              body 0 needs no run context, its main function itself: the cheap prologue);
 *              body 1: its entry (the same register save as body 0's)
 *   functions  every function; body 1 bills rc->budget per block and checks it where
 *              control leaves a block
 *   cold       body 0: the budget jump (jmp [budget_entry]: the lazy compile of body 1,
 *              then body 1's entry); per-instruction stubs (helper stops, call depth,
 *              callx, misaligned atomics, budget, taken branches of body 1), the memory
 *              check routines (read, write: only those the program calls), the fault and
 *              common error paths, the unwinder and the callback entry
 *
 * Memory checks: `lea r11, [base+off]; mov r10d, size; call check`. A failed check does
 * not return: it pops its return address into rsi and goes to the fault path, whose C
 * side (jit_rt_fault) finds the instruction from that address and the image's
 * instruction labels; so a checked access costs no stub, label or branch of its own.
 *
 * Frames: an entry saves every callee-saved register the program may touch, stores its
 * rsp (minus the return slot) in rc->jit_sp and calls the main function; any function can
 * then abandon the run with `mov rsp, [rc->jit_sp]; ret`. Local calls are native calls;
 * a callee saves the r6-r9 it writes and moves rbp (r10) by 512 bytes. Before any native
 * call rsp is 16-byte aligned.
 *
 * Semantics follow src/vm/interp_body.h exactly (division by zero, INT_MIN/-1, shift
 * masking, 32-bit zero extension, memory checks, budget billing, error messages through
 * jit_rt_error()).
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include "emit.h"

#define OUT (c->out)
#define RC_OFF(field) ((int32_t)offsetof(struct xbpf_run_ctx, field))
#define ARG_REGS 0x3eu

_Static_assert(sizeof(struct xbpf_region) == 24, "region check routine assumes 24 bytes");
_Static_assert(offsetof(struct xbpf_region, size) == 8, "region layout");
_Static_assert(offsetof(struct xbpf_region, writable) == 16, "region layout");

/* An operand: a native register or an immediate. */
struct opnd {
	bool imm;
	int64_t v;
	unsigned r;
};

/* Facts of each operation the lowering reads, from the instruction table once per process
 * (a few bytes per operation instead of the table's wide rows, so that lowering an
 * instruction touches one small entry). */
struct lop {
	uint8_t form;      /* enum xbpf_form */
	uint8_t op;        /* XBPF_OP() of the opcode: ALU operation or jump condition */
	uint8_t w;         /* 64-bit (ALU64 and JMP classes) */
	uint8_t sgn;       /* signed division (off == 1) */
	uint8_t msize;     /* memory access size, 0 when none */
	uint8_t msx;       /* sign-extending load */
	uint8_t aop;       /* atomic operation (imm) */
};
static struct lop lops[XOP__COUNT];
static pthread_once_t lops_once = PTHREAD_ONCE_INIT;
static void call_seqs_init(void);

/* (and the helper calls' code, call_seqs_init()) */
static void lops_init(void)
{
	call_seqs_init();
	for (unsigned op = 0; op < XOP__COUNT; op++) {
		const struct isa_op *t = &isa_table[op];
		bool mem = t->form == FORM_LDX || t->form == FORM_ST || t->form == FORM_STX ||
			   t->form == FORM_ATOMIC || t->form == FORM_LDABS || t->form == FORM_LDIND;
		lops[op] = (struct lop){
			.form = t->form,
			.op = XBPF_OP(t->code),
			.w = isa_is_64((uint16_t)op),
			.sgn = t->off.kind == RULE_EQ && t->off.value == 1,
			.msize = mem ? (uint8_t)isa_mem_size((uint16_t)op) : 0,
			.msx = XBPF_MODE(t->code) == XBPF_MEMSX,
			.aop = (uint8_t)t->imm.value,
		};
	}
}

/* ---- branches ------------------------------------------------------------------------- */

/* jcc/jmp (cc < 0) to a label: a fix-up site, emitted long; the driver relaxes it. */
static inline __attribute__((always_inline)) void br(struct jit_ctx *c, int cc, uint32_t lbl)
{
	jit_site(c, cc < 0 ? JS_JMP : JS_JCC, (uint8_t)(cc < 0 ? 0 : cc), lbl);
	if (cc < 0)
		emit_jmp32(OUT, 0);                   /* jmp rel32 */
	else
		emit_jcc32(OUT, (unsigned)cc, 0);     /* jcc rel32 */
}

/* call rel32 to a label */
static void call_lbl(struct jit_ctx *c, uint32_t lbl)
{
	jit_call_site(c, (uint32_t)OUT->len, lbl);
	emit_call32(OUT, 0);                          /* call rel32 */
}

unsigned jit_arch_site_size(enum jit_site_kind kind, bool shrt)
{
	switch (kind) {
	case JS_JMP: return shrt ? 2 : 5;
	case JS_JCC: return shrt ? 2 : 6;
	default: return shrt ? 0 : 5;
	}
}

void jit_arch_site_encode(uint8_t *p, enum jit_site_kind kind, uint8_t cc, bool shrt,
			  int32_t disp)
{
	/* the bytes of emit_jmp8/jcc8/jmp32/jcc32/call32, written directly (once per site) */
	if (shrt) {
		p[0] = kind == JS_JMP ? X86_JMP_REL8 : (uint8_t)(X86_JCC_REL8 + cc); /* j* rel8 */
		p[1] = (uint8_t)disp;
	} else if (kind == JS_JCC) {
		p[0] = X86_0F;
		p[1] = (uint8_t)(X86_JCC_REL32 + cc);                /* jcc rel32 */
		put_u32(p + 2, (uint32_t)disp);
	} else {
		p[0] = kind == JS_JMP ? X86_JMP_REL32 : X86_CALL_REL32; /* jmp/call rel32 */
		put_u32(p + 1, (uint32_t)disp);
	}
}

/* Short forward branch inside one lowering sequence: emit now, patch with fix8(). */
static size_t fwd8(struct jit_ctx *c, int cc)
{
	if (cc < 0)
		emit_jmp8(OUT, 0);
	else
		emit_jcc8(OUT, (unsigned)cc, 0);
	return OUT->len;
}
static void fix8(struct jit_ctx *c, size_t at)
{
	if (OUT->oom || at == 0 || at > OUT->len)
		return;
	size_t d = OUT->len - at;
	if (d > 127)
		jit_fail(c, -EFAULT, "internal: short branch over %zu bytes", d);
	OUT->p[at - 1] = (uint8_t)d;
}
/* Short backward branch to a position recorded from OUT->len. */
static void back8(struct jit_ctx *c, int cc, size_t to)
{
	int64_t rel = (int64_t)to - (int64_t)(OUT->len + 2);
	if (cc < 0)
		emit_jmp8(OUT, (int8_t)rel);
	else
		emit_jcc8(OUT, (unsigned)cc, (int8_t)rel);
}

/* ---- constants -------------------------------------------------------------------------- */

/* Load a 64-bit constant into native register r, shortest form (blinded on request). */
static void load_const(struct jit_ctx *c, unsigned r, uint64_t v)
{
	if (c->blind && v) {
		uint64_t k = jit_blind_key(c);
		if (emit_fits32((int64_t)v)) {
			emit_mov_ri_sx(OUT, r, (int32_t)((int32_t)v ^ (int32_t)k)); /* mov r, v^k */
			emit_op_ri(OUT, X86_EXT_XOR, true, r, (int32_t)k);        /* xor r, k */
		} else {
			emit_mov_ri64(OUT, r, v ^ k);      /* movabs r, v^k */
			emit_mov_ri64(OUT, X86_T2, k);     /* movabs r10, k */
			emit_op_rr(OUT, X86_XOR_MR, true, r, X86_T2); /* xor r, r10 */
		}
		return;
	}
	if (v == 0)
		emit_op_rr(OUT, X86_XOR_MR, false, r, r);         /* xor r32, r32 */
	else if (v <= UINT32_MAX)
		emit_mov_ri32(OUT, r, (uint32_t)v);                /* mov r32, imm32 */
	else if (emit_fits32((int64_t)v))
		emit_mov_ri_sx(OUT, r, (int32_t)v);                /* mov r, simm32 */
	else
		emit_mov_ri64(OUT, r, v);                          /* movabs r, imm64 */
}

/* ---- run-time errors and budget ------------------------------------------------------- */

/* The cold stub "esi = pc; edx = kind; jmp error" of instruction pc; returns its label. */
static uint32_t error_stub(struct jit_ctx *c, size_t pc, enum jit_cold_kind ck, uint32_t kind,
			   int reload_src)
{
	uint32_t lbl = jit_lbl_cold(c, c->body, pc, ck);
	if (jit_bound(c, lbl))
		return lbl;
	struct jit_buf *save = c->out;
	jit_to_cold(c);
	jit_bind(c, lbl);
	if (reload_src >= 0)
		emit_mov_rr(OUT, true, X86_T1, (unsigned)reload_src); /* mov r11, src */
	emit_mov_ri32(OUT, X86_RSI, (uint32_t)pc);                   /* mov esi, pc */
	emit_mov_ri32(OUT, X86_RDX, kind);                           /* mov edx, kind */
	br(c, -1, jit_lbl_global(c, JG_ERROR));                      /* jmp error */
	c->out = save;
	return lbl;
}

/* Body 1, where control leaves a block: stop when the billed slots exceeded the budget. */
static void budget_check(struct jit_ctx *c, size_t pc)
{
	if (c->body != 1)
		return;
	emit_op_mi(OUT, X86_EXT_CMP, true, X86_RC, RC_OFF(budget), 0); /* cmp qword [r12+budget], 0 */
	br(c, X86_CC_L, error_stub(c, pc, JC_BUDGET, JIT_RT_BUDGET, -1)); /* jl budget_stub */
}

/* Body 1, at a block leader: bill the block's slots. */
static void budget_bill(struct jit_ctx *c, size_t pc)
{
	if (c->body == 1 && (c->ins[pc].flags & JI_LEADER) && c->ins[pc].slots)
		emit_op_mi(OUT, X86_EXT_SUB, true, X86_RC, RC_OFF(budget),
			   c->ins[pc].slots); /* sub qword [r12+budget], slots */
}

/* Runtime memory check of [base+off, +size) unless proven safe or checks are off. */
static void mem_check(struct jit_ctx *c, size_t pc, unsigned base, int32_t off, unsigned size,
		      bool write, bool atomic)
{
	if (!c->checks)
		return;
	/* lea r11, [base+off]; mov r10d, size; call check. A failed check does not return:
	 * it reports the fault itself (see below). Without a branch on whether the access
	 * was proven safe (stack accesses and others alternate with no pattern): the
	 * sequence and its call are always written, and kept only when needed. */
	bool need = !(c->ins[pc].flags & JI_SAFE_MEM);
	size_t at = emit_check_call(OUT, base, off, size, need);
	jit_call_site_if(c, (uint32_t)at, jit_lbl_global(c, write ? JG_CHECK_WRITE : JG_CHECK_READ),
			 need);
	c->used_check[write] |= need;
	if (atomic && size > 1 && need) {
		emit_test8_ri(OUT, X86_T1, (uint8_t)(size - 1)); /* test r11b, size-1 */
		br(c, X86_CC_NE, error_stub(c, pc, JC_ALIGN, JIT_RT_ALIGN | size << 8, -1));
	}
}

/* ---- ALU ------------------------------------------------------------------------------ */

enum alu_kind { K_ADD, K_SUB, K_MUL, K_DIV, K_OR, K_AND, K_LSH, K_RSH, K_NEG, K_MOD, K_XOR,
		K_MOV, K_ARSH };

static unsigned alu_kind(uint16_t op) { return lops[op].op >> 4; }
static bool alu_signed(uint16_t op) { return lops[op].sgn; }

/* The source operand of an ALU/JMP instruction: its immediate, a known constant, or the
 * register; blinded immediates are materialised in r10. */
/* (inlined: returned through registers, not memory, on the path of most instructions) */
static inline __attribute__((always_inline)) struct opnd src_opnd(struct jit_ctx *c, size_t pc,
								  bool w)
{
	const struct vm_dinsn *d = &c->code[pc];
	uint8_t f = lops[d->op].form;
	struct opnd o = {false, 0, x86_breg[d->src < 11 ? d->src : 0]};
	if (f == FORM_ALU_K || f == FORM_JCOND_K) {
		o.imm = true;
		o.v = d->imm;
	} else if ((c->ins[pc].flags & JI_SRC_CONST) && !c->blind) {
		int64_t v = c->cval[pc];
		if (!w) {
			o.imm = true;
			o.v = (int32_t)(uint32_t)v;
		} else if (emit_fits32(v)) {
			o.imm = true;
			o.v = v;
		}
	}
	if (o.imm && c->blind && o.v) {
		load_const(c, X86_T2, (uint64_t)o.v);
		o.imm = false;
		o.r = X86_T2;
	}
	return o;
}

static const uint8_t alu_mr[] = {
	[K_ADD] = X86_ADD_MR, [K_SUB] = X86_SUB_MR, [K_OR] = X86_OR_MR,
	[K_AND] = X86_AND_MR, [K_XOR] = X86_XOR_MR,
};
static const uint8_t alu_ext[] = {
	[K_ADD] = X86_EXT_ADD, [K_SUB] = X86_EXT_SUB, [K_OR] = X86_EXT_OR,
	[K_AND] = X86_EXT_AND, [K_XOR] = X86_EXT_XOR,
	[K_LSH] = X86_EXT_SHL, [K_RSH] = X86_EXT_SHR, [K_ARSH] = X86_EXT_SAR,
};

static void lower_mov(struct jit_ctx *c, bool w, unsigned dst, struct opnd s)
{
	if (s.imm)
		load_const(c, dst, w ? (uint64_t)s.v : (uint32_t)s.v);
	else if (!w || dst != s.r)
		emit_mov_rr(OUT, w, dst, s.r);               /* mov dst, src */
}

/* Shift by a register: the count must be in cl (rcx is r4). */
static void lower_shift_reg(struct jit_ctx *c, unsigned ext, bool w, unsigned dst, unsigned src)
{
	if (src == X86_RCX) {
		emit_shift_cl(OUT, ext, w, dst);             /* shl/shr/sar dst, cl */
		return;
	}
	emit_mov_rr(OUT, true, X86_T1, X86_RCX);           /* mov r11, rcx */
	emit_mov_rr(OUT, true, X86_RCX, src);              /* mov rcx, src */
	if (dst == X86_RCX) {
		emit_shift_cl(OUT, ext, w, X86_T1);          /* shl/shr/sar r11, cl */
		emit_mov_rr(OUT, true, X86_RCX, X86_T1);     /* mov rcx, r11 */
	} else {
		emit_shift_cl(OUT, ext, w, dst);             /* shl/shr/sar dst, cl */
		emit_mov_rr(OUT, true, X86_RCX, X86_T1);     /* mov rcx, r11 */
	}
}

/* dst = dst / r11 or dst % r11 with rax/rdx preserved (divisor non-zero, not -1 signed). */
static void div_core(struct jit_ctx *c, bool w, bool sgn, bool mod, unsigned dst)
{
	if (dst != X86_RAX)
		emit_mov_rr(OUT, true, X86_T2, X86_RAX);     /* mov r10, rax */
	if (dst != X86_RDX)
		emit_mov_rr(OUT, true, X86_T3, X86_RDX);     /* mov r9, rdx */
	if (dst != X86_RAX)
		emit_mov_rr(OUT, true, X86_RAX, dst);        /* mov rax, dst */
	if (sgn)
		emit_cqo(OUT, w);                            /* cqo / cdq */
	else
		emit_op_rr(OUT, X86_XOR_MR, false, X86_RDX, X86_RDX); /* xor edx, edx */
	emit_grp3_r(OUT, sgn ? X86_EXT_IDIV : X86_EXT_DIV, w, X86_T1); /* (i)div r11 */
	unsigned res = mod ? X86_RDX : X86_RAX;
	if (dst != res)
		emit_mov_rr(OUT, w, dst, res);               /* mov dst, rax|rdx */
	if (dst != X86_RAX)
		emit_mov_rr(OUT, true, X86_RAX, X86_T2);     /* mov rax, r10 */
	if (dst != X86_RDX)
		emit_mov_rr(OUT, true, X86_RDX, X86_T3);     /* mov rdx, r9 */
}

/* Result of x / 0, x % 0 (RFC 9669): quotient 0, remainder x (zero-extended for 32-bit). */
static void div_by_zero(struct jit_ctx *c, bool w, bool mod, unsigned dst)
{
	if (!mod)
		emit_op_rr(OUT, X86_XOR_MR, false, dst, dst); /* xor dst32, dst32 */
	else if (!w)
		emit_mov_rr(OUT, false, dst, dst);            /* mov dst32, dst32 */
}

/* Result of x s/ -1 = -x, x s% -1 = 0. */
static void div_by_minus1(struct jit_ctx *c, bool w, bool mod, unsigned dst)
{
	if (mod)
		emit_op_rr(OUT, X86_XOR_MR, false, dst, dst); /* xor dst32, dst32 */
	else
		emit_grp3_r(OUT, X86_EXT_NEG, w, dst);        /* neg dst */
}

static void lower_div_imm(struct jit_ctx *c, bool w, bool sgn, bool mod, unsigned dst, int64_t imm)
{
	int64_t v = w ? imm : sgn ? (int32_t)imm : (int64_t)(uint32_t)imm;
	if (v == 0)
		return div_by_zero(c, w, mod, dst);
	if (sgn && v == -1)
		return div_by_minus1(c, w, mod, dst);
	if (!sgn && v > 0 && !(v & (v - 1)) && !c->blind) {
		unsigned sh = (unsigned)__builtin_ctzll((uint64_t)v);
		if (mod)
			emit_op_ri(OUT, X86_EXT_AND, w, dst, (int32_t)(v - 1)); /* and dst, v-1 */
		else if (sh)
			emit_shift_ri(OUT, X86_EXT_SHR, w, dst, (uint8_t)sh);  /* shr dst, log2 v */
		else if (!w)
			emit_mov_rr(OUT, false, dst, dst);                   /* mov dst32, dst32 */
		return;
	}
	load_const(c, X86_T1, (uint64_t)v);
	div_core(c, w, sgn, mod, dst);
}

static void lower_div_reg(struct jit_ctx *c, bool w, bool sgn, bool mod, unsigned dst, unsigned src)
{
	emit_op_rr(OUT, X86_TEST_MR, w, src, src);          /* test src, src */
	size_t to_zero = fwd8(c, X86_CC_E);                  /* jz .zero */
	size_t to_m1 = 0;
	if (sgn) {
		emit_op_ri(OUT, X86_EXT_CMP, w, src, -1);        /* cmp src, -1 */
		to_m1 = fwd8(c, X86_CC_E);                       /* je .minus1 */
	}
	emit_mov_rr(OUT, true, X86_T1, src);                 /* mov r11, src */
	div_core(c, w, sgn, mod, dst);
	size_t done1 = fwd8(c, -1);                          /* jmp .done */
	fix8(c, to_zero);                                    /* .zero: */
	div_by_zero(c, w, mod, dst);
	size_t done2 = 0;
	if (sgn) {
		done2 = fwd8(c, -1);                             /* jmp .done */
		fix8(c, to_m1);                                  /* .minus1: */
		div_by_minus1(c, w, mod, dst);
	}
	fix8(c, done1);                                      /* .done: */
	if (sgn)
		fix8(c, done2);
}

/* dst *= imm without a multiply where a cheaper form gives the same bits: a shift for a
 * power of two, lea for 3, 5 and 9 (64-bit: 1 cycle instead of imul's 3, which matters in
 * latency-bound loops such as collatz's x * 3 + 1), else imul. */
static void lower_mul_imm(struct jit_ctx *c, bool w, unsigned dst, int64_t imm)
{
	uint64_t v = w ? (uint64_t)imm : (uint32_t)imm;
	if (v == 0) {
		emit_op_rr(OUT, X86_XOR_MR, false, dst, dst);            /* xor dst32, dst32 */
	} else if (v == 1) {
		if (!w)
			emit_mov_rr(OUT, false, dst, dst);               /* mov dst32, dst32 */
	} else if (!(v & (v - 1)) && v <= (1u << 30)) {
		emit_shift_ri(OUT, X86_EXT_SHL, w, dst, (uint8_t)__builtin_ctzll(v)); /* shl dst, log2 imm */
	} else if (w && (v == 3 || v == 5 || v == 9)) {
		emit_lea_idx(OUT, dst, dst, dst, (unsigned)__builtin_ctzll(v - 1), 0); /* lea dst, [dst+dst*(imm-1)] */
	} else {
		emit_imul_rri(OUT, w, dst, dst, (int32_t)imm);         /* imul dst, dst, imm */
	}
}

static void lower_alu(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	bool w = lops[d->op].w;
	unsigned k = alu_kind(d->op), dst = x86_breg[d->dst];
	if (k == K_NEG) {
		emit_grp3_r(OUT, X86_EXT_NEG, w, dst);           /* neg dst */
		return;
	}
	struct opnd s = src_opnd(c, pc, w);
	switch (k) {
	case K_MOV:
		lower_mov(c, w, dst, s);
		break;
	case K_ADD: case K_SUB: case K_OR: case K_AND: case K_XOR:
		if (s.imm)
			emit_op_ri(OUT, alu_ext[k], w, dst, (int32_t)s.v); /* op dst, imm */
		else
			emit_op_rr(OUT, alu_mr[k], w, dst, s.r);          /* op dst, src */
		break;
	case K_MUL:
		if (s.imm)
			lower_mul_imm(c, w, dst, s.v);
		else
			emit_imul_rr(OUT, w, dst, s.r);                   /* imul dst, src */
		break;
	case K_LSH: case K_RSH: case K_ARSH:
		if (!s.imm) {
			lower_shift_reg(c, alu_ext[k], w, dst, s.r);
		} else if (s.v & (w ? 63 : 31)) {
			emit_shift_ri(OUT, alu_ext[k], w, dst, (uint8_t)(s.v & (w ? 63 : 31)));
		} else if (!w) {
			emit_mov_rr(OUT, false, dst, dst);                /* mov dst32, dst32 */
		}
		break;
	case K_DIV: case K_MOD:
		if (s.imm)
			lower_div_imm(c, w, alu_signed(d->op), k == K_MOD, dst, s.v);
		else
			lower_div_reg(c, w, alu_signed(d->op), k == K_MOD, dst, s.r);
		break;
	default:
		jit_fail(c, -EINVAL, "insn %zu: no lowering for ALU operation %u", pc, k);
	}
}

static void lower_end(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	unsigned dst = x86_breg[d->dst];
	switch (d->op) {
	case XOP_LE16:
		emit_movzx_rr(OUT, 2, dst, dst);                     /* movzx dst32, dst16 */
		break;
	case XOP_LE32:
		emit_mov_rr(OUT, false, dst, dst);                   /* mov dst32, dst32 */
		break;
	case XOP_LE64:
		break;
	case XOP_BE16: case XOP_BSWAP16:
		emit_rol16_8(OUT, dst);                              /* rol dst16, 8 */
		emit_movzx_rr(OUT, 2, dst, dst);                     /* movzx dst32, dst16 */
		break;
	case XOP_BE32: case XOP_BSWAP32:
		emit_bswap(OUT, false, dst);                         /* bswap dst32 */
		break;
	default:
		emit_bswap(OUT, true, dst);                          /* bswap dst */
		break;
	}
}

static void lower_movsx(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	unsigned dst = x86_breg[d->dst], src = x86_breg[d->src];
	switch (d->op) {
	case XOP_MOVSX8_64:  emit_movsx_rr(OUT, true, 1, dst, src); break;  /* movsx dst, src8 */
	case XOP_MOVSX16_64: emit_movsx_rr(OUT, true, 2, dst, src); break;  /* movsx dst, src16 */
	case XOP_MOVSX32_64: emit_movsx_rr(OUT, true, 4, dst, src); break;  /* movsxd dst, src32 */
	case XOP_MOVSX8_32:  emit_movsx_rr(OUT, false, 1, dst, src); break; /* movsx dst32, src8 */
	default:             emit_movsx_rr(OUT, false, 2, dst, src); break; /* movsx dst32, src16 */
	}
}

/* ---- memory ----------------------------------------------------------------------------- */

static void lower_ldx(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	unsigned size = lops[d->op].msize, base = x86_breg[d->src];
	bool sx = lops[d->op].msx;
	mem_check(c, pc, base, d->off, size, false, false);
	emit_load(OUT, size, sx, x86_breg[d->dst], base, d->off); /* mov/movzx/movsx dst, [src+off] */
}

static void lower_store(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	unsigned size = lops[d->op].msize, base = x86_breg[d->dst];
	mem_check(c, pc, base, d->off, size, true, false);
	if (lops[d->op].form == FORM_STX) {
		emit_store_r(OUT, size, base, d->off, x86_breg[d->src]); /* mov [dst+off], src */
	} else if (c->blind && d->imm) {
		load_const(c, X86_T2, (uint64_t)d->imm);
		emit_store_r(OUT, size, base, d->off, X86_T2);           /* mov [dst+off], r10 */
	} else {
		emit_store_i(OUT, size, base, d->off, (int32_t)d->imm);  /* mov [dst+off], imm */
	}
}

/* fetch-and-{or,and,xor}: a cmpxchg loop on [r11] (rax saved in r10). */
static void atomic_fetch_loop(struct jit_ctx *c, unsigned size, uint8_t opc, unsigned src)
{
	bool w = size == 8;
	unsigned val = src == X86_RAX ? X86_T2 : src;
	emit_mov_rr(OUT, true, X86_T2, X86_RAX);             /* mov r10, rax */
	emit_load_rm(OUT, w, X86_RAX, X86_T1, 0);            /* mov rax, [r11] */
	size_t loop = OUT->len;                              /* .retry: */
	emit_mov_rr(OUT, true, X86_T3, X86_RAX);             /* mov r9, rax */
	emit_op_rr(OUT, opc, w, X86_T3, val);                /* or/and/xor r9, src */
	emit_lock_cmpxchg(OUT, size, X86_T1, 0, X86_T3);     /* lock cmpxchg [r11], r9 */
	back8(c, X86_CC_NE, loop);                           /* jne .retry */
	emit_mov_rr(OUT, w, src, X86_RAX);                   /* mov src, rax */
	if (src != X86_RAX)
		emit_mov_rr(OUT, true, X86_RAX, X86_T2);         /* mov rax, r10 */
}

static void lower_atomic(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	unsigned size = lops[d->op].msize, src = x86_breg[d->src];
	int32_t aop = lops[d->op].aop;
	mem_check(c, pc, x86_breg[d->dst], d->off, size, true, true);
	emit_lea(OUT, X86_T1, x86_breg[d->dst], d->off);     /* lea r11, [dst+off] */
	switch (aop) {
	case XBPF_ADD: emit_lock_op_mr(OUT, X86_ADD_MR, size, X86_T1, 0, src); break; /* lock add [r11], src */
	case XBPF_OR:  emit_lock_op_mr(OUT, X86_OR_MR, size, X86_T1, 0, src); break;  /* lock or [r11], src */
	case XBPF_AND: emit_lock_op_mr(OUT, X86_AND_MR, size, X86_T1, 0, src); break; /* lock and [r11], src */
	case XBPF_XOR: emit_lock_op_mr(OUT, X86_XOR_MR, size, X86_T1, 0, src); break; /* lock xor [r11], src */
	case XBPF_ADD | XBPF_FETCH:
		emit_lock_xadd(OUT, size, X86_T1, 0, src);       /* lock xadd [r11], src */
		break;
	case XBPF_OR | XBPF_FETCH:  atomic_fetch_loop(c, size, X86_OR_MR, src); break;
	case XBPF_AND | XBPF_FETCH: atomic_fetch_loop(c, size, X86_AND_MR, src); break;
	case XBPF_XOR | XBPF_FETCH: atomic_fetch_loop(c, size, X86_XOR_MR, src); break;
	case XBPF_XCHG:
		emit_xchg_mr(OUT, size, X86_T1, 0, src);         /* xchg [r11], src */
		break;
	case XBPF_CMPXCHG:
		emit_lock_cmpxchg(OUT, size, X86_T1, 0, src);    /* lock cmpxchg [r11], src */
		if (size == 4)
			emit_mov_rr(OUT, false, X86_RAX, X86_RAX);   /* mov eax, eax */
		break;
	default:
		jit_fail(c, -EINVAL, "insn %zu: unknown atomic operation 0x%x", pc, aop);
	}
}

/* LD_ABS / LD_IND: r0 = big-endian packet bytes; out of bounds ends the run with r0 = 0. */
static void lower_ldpkt(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	unsigned size = lops[d->op].msize;
	uint32_t oob = jit_lbl_cold(c, c->body, pc, JC_FAULT);
	if (!jit_bound(c, oob)) {
		struct jit_buf *save = c->out;
		jit_to_cold(c);
		jit_bind(c, oob);
		emit_op_rr(OUT, X86_XOR_MR, false, X86_RAX, X86_RAX); /* xor eax, eax */
		br(c, -1, jit_lbl_global(c, JG_UNWIND));            /* jmp unwind */
		c->out = save;
	}
	if (lops[d->op].form == FORM_LDIND) {
		emit_movsx_rr(OUT, true, 4, X86_T1, x86_breg[d->src]); /* movsxd r11, src32 */
		if (d->imm)
			emit_op_ri(OUT, X86_EXT_ADD, true, X86_T1, (int32_t)d->imm); /* add r11, imm */
		emit_op_rr(OUT, X86_TEST_MR, true, X86_T1, X86_T1);  /* test r11, r11 */
		br(c, X86_CC_S, oob);                                /* js oob */
	} else if (d->imm < 0) {
		br(c, -1, oob);                                      /* jmp oob */
		return;
	} else {
		emit_mov_ri32(OUT, X86_T1, (uint32_t)d->imm);        /* mov r11d, imm */
	}
	emit_load_rm(OUT, true, X86_T2, X86_RC, RC_OFF(pkt_size)); /* mov r10, [r12+pkt_size] */
	emit_op_rr(OUT, X86_SUB_MR, true, X86_T2, X86_T1);        /* sub r10, r11 */
	br(c, X86_CC_B, oob);                                     /* jb oob */
	emit_op_ri(OUT, X86_EXT_CMP, true, X86_T2, (int32_t)size); /* cmp r10, size */
	br(c, X86_CC_B, oob);                                     /* jb oob */
	emit_load_rm(OUT, true, X86_T2, X86_RC, RC_OFF(pkt));      /* mov r10, [r12+pkt] */
	emit_op_rr(OUT, X86_TEST_MR, true, X86_T2, X86_T2);       /* test r10, r10 */
	br(c, X86_CC_E, oob);                                     /* jz oob */
	emit_load_idx(OUT, size, X86_RAX, X86_T2, X86_T1);        /* movzx/mov eax, [r10+r11] */
	if (size == 2)
		emit_rol16_8(OUT, X86_RAX);                          /* rol ax, 8 */
	else if (size == 4)
		emit_bswap(OUT, false, X86_RAX);                     /* bswap eax */
}

/* ---- jumps ------------------------------------------------------------------------------ */

static const uint8_t jcc_cc[16] = {
	[XBPF_JEQ >> 4] = X86_CC_E, [XBPF_JGT >> 4] = X86_CC_A, [XBPF_JGE >> 4] = X86_CC_AE,
	[XBPF_JSET >> 4] = X86_CC_NE, [XBPF_JNE >> 4] = X86_CC_NE, [XBPF_JSGT >> 4] = X86_CC_G,
	[XBPF_JSGE >> 4] = X86_CC_GE, [XBPF_JLT >> 4] = X86_CC_B, [XBPF_JLE >> 4] = X86_CC_BE,
	[XBPF_JSLT >> 4] = X86_CC_L, [XBPF_JSLE >> 4] = X86_CC_LE,
};

/* Where a taken branch of instruction pc goes: the target, or in body 1 a cold stub that
 * checks the budget first. */
static uint32_t taken_label(struct jit_ctx *c, size_t pc, size_t target)
{
	uint32_t tl = jit_lbl_insn(c, c->body, target);
	if (c->body == 0)
		return tl;
	uint32_t lbl = jit_lbl_cold(c, 1, pc, JC_TAKEN);
	if (!jit_bound(c, lbl)) {
		/* the budget stub first: cold stubs must not nest */
		uint32_t stop = error_stub(c, pc, JC_BUDGET, JIT_RT_BUDGET, -1);
		struct jit_buf *save = c->out;
		jit_to_cold(c);
		jit_bind(c, lbl);
		emit_op_mi(OUT, X86_EXT_CMP, true, X86_RC, RC_OFF(budget), 0); /* cmp qword [r12+budget], 0 */
		br(c, X86_CC_L, stop);                               /* jl budget_stub */
		br(c, -1, tl);                                       /* jmp target */
		c->out = save;
	}
	return lbl;
}

static void lower_jcond(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	bool w = lops[d->op].w;
	unsigned op = lops[d->op].op, dst = x86_breg[d->dst];
	bool jnot = c->body == 0 && (c->ins[pc].flags & JI_FUSE_JNOT);
	if (c->body == 0 && (c->ins[pc].flags & JI_NOP) && !jnot)
		return;
	struct opnd s = src_opnd(c, pc, w);
	if (op == XBPF_JSET) {
		if (s.imm)
			emit_test_ri(OUT, w, dst, (int32_t)s.v);             /* test dst, imm */
		else
			emit_op_rr(OUT, X86_TEST_MR, w, dst, s.r);          /* test dst, src */
	} else if (s.imm && s.v == 0 && (op == XBPF_JEQ || op == XBPF_JNE)) {
		emit_op_rr(OUT, X86_TEST_MR, w, dst, dst);              /* test dst, dst */
	} else if (s.imm) {
		emit_op_ri(OUT, X86_EXT_CMP, w, dst, (int32_t)s.v);     /* cmp dst, imm */
	} else {
		emit_op_rr(OUT, X86_CMP_MR, w, dst, s.r);               /* cmp dst, src */
	}
	unsigned cc = jcc_cc[op >> 4];
	if (jnot) {
		const struct vm_dinsn *ja = &c->code[pc + 1];
		br(c, (int)X86_CC_INVERT(cc), jit_lbl_insn(c, 0, (size_t)ja->off)); /* jncc ja's target */
		return;
	}
	br(c, (int)cc, taken_label(c, pc, (size_t)d->off));          /* jcc target */
}

static void lower_ja(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	if (c->body == 0 && pc > 0 && (c->ins[pc - 1].flags & JI_FUSE_JNOT) &&
	    !(c->ins[pc].flags & JI_TARGET))
		return; /* folded into the preceding conditional jump */
	budget_check(c, pc);
	if (!(c->ins[pc].flags & JI_NOP))
		br(c, -1, jit_lbl_insn(c, c->body, (size_t)d->off));  /* jmp target */
}

/* ---- calls ------------------------------------------------------------------------------ */

/* The code of a helper call from its pushes to the test after it, for each set of r1-r5
 * live after the call (bit r - 1), encoded once per process (a call copies its sequence
 * instead of deciding register by register; at most 38 bytes):
 *   push the live r1-r5 (helpers clobber them; the interpreter keeps them), and r11 when
 *   their count is odd so that rsp stays 16-byte aligned; mov r9, r12; call r11; the pops
 *   in reverse; then the test whether the helper set rc->err or asked for a tail call:
 *   mov r11d, [r12+err]; or r11, [r12+tail_target]   (one branch for both, lower_call)
 */
struct call_seq {
	uint8_t len;
	uint8_t b[47];
};
static struct call_seq helper_call[32];

static void call_seqs_init(void)
{
	for (unsigned m = 0; m < 32; m++) {
		struct jit_buf b = {helper_call[m].b, 0, sizeof helper_call[m].b, false};
		unsigned n = (unsigned)__builtin_popcount(m);
		for (unsigned r = 1; r <= 5; r++)
			if (m >> (r - 1) & 1)
				emit_push(&b, x86_breg[r]);                  /* push rN */
		if (n & 1)
			emit_push(&b, X86_T1);                           /* push r11 (alignment) */
		emit_mov_rr(&b, true, X86_R9, X86_RC);               /* mov r9, r12 */
		emit_call_r(&b, X86_T1);                             /* call r11 */
		if (n & 1)
			emit_pop(&b, X86_T1);                            /* pop r11 */
		for (unsigned r = 5; r >= 1; r--)
			if (m >> (r - 1) & 1)
				emit_pop(&b, x86_breg[r]);                   /* pop rN */
		emit_load_rm(&b, false, X86_T1, X86_RC, RC_OFF(err));    /* mov r11d, [r12+err] */
		emit_op_rm(&b, X86_OR_MR, true, X86_T1, X86_RC,
			   RC_OFF(tail_target));                     /* or r11, [r12+tail_target] */
		helper_call[m].len = (uint8_t)b.len;
	}
}

/* bpf_map_lookup_elem on an ARRAY map inline, as the kernel's JIT does it:
 *   r0 = *(u32 *)r2 < max_entries ? base + *(u32 *)r2 * stride : NULL
 * when the map is the constant of the lddw r1 right before the call (which no jump
 * enters), the VM's helper 1 is the built-in lookup (at compile time) and the program
 * runs without runtime checks (with checks the helper also validates its arguments and
 * records the value's region). r1-r5 are left as they are, as after a helper. */
static bool lower_array_lookup(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc], *ld = pc >= 2 ? &c->code[pc - 2] : NULL;
	uint8_t *base;
	uint64_t stride;
	uint32_t max;
	if (c->checks || d->imm != 1 || lops[d->op].form != FORM_CALL || !ld ||
	    (c->ins[pc].flags & JI_TARGET) || ld->op != XOP_LDDW || ld->dst != 1 ||
	    (ld->src != XBPF_PSEUDO_MAP_FD && ld->src != XBPF_PSEUDO_MAP_IDX) ||
	    !c->prog->vm->helpers[1].fn || c->prog->vm->helpers[1].fn != vm_builtin_helper(1) ||
	    !vm_map_array_layout((struct xbpf_map *)(uintptr_t)ld->imm, &base, &stride, &max) ||
	    stride > INT32_MAX)
		return false;
	emit_load_rm(OUT, false, X86_RAX, x86_breg[2], 0);         /* mov eax, [r2] */
	emit_op_ri(OUT, X86_EXT_CMP, false, X86_RAX, (int32_t)max); /* cmp eax, max_entries */
	size_t null = fwd8(c, X86_CC_AE);                           /* jae .null */
	emit_mov_ri64(OUT, X86_T1, (uint64_t)(uintptr_t)base);      /* movabs r11, base */
	if (stride == 1 || stride == 2 || stride == 4 || stride == 8) {
		emit_lea_idx(OUT, X86_RAX, X86_T1, X86_RAX, (unsigned)__builtin_ctzll(stride),
			     0);                                    /* lea rax, [r11+rax*stride] */
	} else {
		if (stride && !(stride & (stride - 1)))
			emit_shift_ri(OUT, X86_EXT_SHL, true, X86_RAX,
				      (uint8_t)__builtin_ctzll(stride)); /* shl rax, log2 stride */
		else
			emit_imul_rri(OUT, true, X86_RAX, X86_RAX, (int32_t)stride); /* imul rax, rax, stride */
		emit_op_rr(OUT, X86_ADD_MR, true, X86_RAX, X86_T1);  /* add rax, r11 */
	}
	size_t done = fwd8(c, -1);                                  /* jmp .done */
	fix8(c, null);                                              /* .null: */
	emit_op_rr(OUT, X86_XOR_MR, false, X86_RAX, X86_RAX);       /* xor eax, eax */
	fix8(c, done);                                              /* .done: */
	return true;
}

static void lower_call(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	const struct vm_helper *h = &c->prog->vm->helpers[0];
	budget_check(c, pc);
	if (lower_array_lookup(c, pc))
		return;
	if (lops[d->op].form == FORM_CALLX) {
		unsigned src = x86_breg[d->src];
		uint32_t bad = error_stub(c, pc, JC_CALLX, JIT_RT_CALLX, (int)src);
		emit_mov_rr(OUT, true, X86_T1, src);                 /* mov r11, src */
		emit_op_ri(OUT, X86_EXT_CMP, true, X86_T1, XBPF_MAX_HELPER_ID); /* cmp r11, MAX */
		br(c, X86_CC_AE, bad);                               /* jae bad */
		emit_imul_rri(OUT, true, X86_T1, X86_T1, (int32_t)sizeof *h); /* imul r11, r11, size */
		emit_mov_ri64(OUT, X86_T2, (uint64_t)(uintptr_t)&h->fn); /* movabs r10, &helpers[0].fn */
		emit_op_rr(OUT, X86_ADD_MR, true, X86_T1, X86_T2);   /* add r11, r10 */
		emit_load_rm(OUT, true, X86_T1, X86_T1, 0);          /* mov r11, [r11] */
		emit_op_rr(OUT, X86_TEST_MR, true, X86_T1, X86_T1);  /* test r11, r11 */
		br(c, X86_CC_E, bad);                                /* jz bad */
	} else {
		emit_mov_ri64(OUT, X86_T1, (uint64_t)(uintptr_t)&h[d->imm].fn); /* movabs r11, &fn */
		emit_load_rm(OUT, true, X86_T1, X86_T1, 0);          /* mov r11, [r11] */
	}
	/* push live r1-r5; mov r9, r12; call r11; pop; mov r11d, [r12+err]; or r11, [..] */
	const struct call_seq *seq = &helper_call[(c->ins[pc].live_out & ARG_REGS) >> 1];
	uint8_t *q = emit_cur(OUT);
	memcpy(q, seq->b, sizeof seq->b); /* room is reserved ahead (JIT_ROOM) */
	emit_done(OUT, q + seq->len);
	br(c, X86_CC_NE, error_stub(c, pc, JC_FAULT, JIT_RT_HELPER_STOP, -1)); /* jnz stop */
}

static void lower_call_local(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	unsigned f = c->ins[d->off].func;
	budget_check(c, pc);
	emit_op_mi(OUT, X86_EXT_CMP, false, X86_RC, RC_OFF(depth), XBPF_MAX_FRAMES - 1); /* cmp dword [r12+depth], 7 */
	br(c, X86_CC_AE, error_stub(c, pc, JC_FAULT, JIT_RT_DEPTH, -1));  /* jae depth_stub */
	emit_incdec_m32(OUT, X86_EXT_INC, X86_RC, RC_OFF(depth));         /* inc dword [r12+depth] */
	call_lbl(c, jit_lbl_func(c, c->body, f));                         /* call function */
	emit_incdec_m32(OUT, X86_EXT_DEC, X86_RC, RC_OFF(depth));         /* dec dword [r12+depth] */
}

/* ---- functions -------------------------------------------------------------------------- */

/* Native callee-saved registers (r6-r9) a function writes, in push order. */
static unsigned func_saves(const struct jit_ctx *c, unsigned f, uint8_t regs[4])
{
	unsigned n = 0;
	for (unsigned r = 6; r <= 9; r++)
		if (c->fn[f].writes >> r & 1)
			regs[n++] = x86_breg[r];
	return n;
}

/* Is function f in body 0 emitted as the cheap, fall-through main (no run context)? */
static bool fallthrough_main(const struct jit_ctx *c, unsigned f)
{
	return f == 0 && c->body == 0 && !c->body0_needs_rc;
}

static bool func_pads(const struct jit_ctx *c, unsigned f, unsigned nsaved)
{
	return c->fn[f].calls && !(nsaved & 1);
}

static void lower_exit(struct jit_ctx *c, size_t pc)
{
	unsigned f = c->ins[pc].func;
	uint8_t regs[4];
	unsigned n = 0;
	budget_check(c, pc);
	if (fallthrough_main(c, f)) {
		n = func_saves(c, f, regs);
		for (unsigned i = n; i-- > 0;)
			emit_pop(OUT, regs[i]);                          /* pop r6-r9 */
		if (c->uses_r10)
			emit_pop(OUT, X86_RBP);                          /* pop rbp */
		emit_ret(OUT);                                       /* ret */
		return;
	}
	if (f == 0) {
		if (c->fn[0].calls)
			emit_pop(OUT, X86_T1);                           /* pop r11 (alignment) */
		emit_ret(OUT);                                       /* ret */
		return;
	}
	n = func_saves(c, f, regs);
	if (c->uses_r10)
		emit_op_ri(OUT, X86_EXT_SUB, true, X86_RBP, XBPF_STACK_SIZE); /* sub rbp, 512 */
	if (func_pads(c, f, n))
		emit_pop(OUT, X86_T1);                               /* pop r11 (alignment) */
	for (unsigned i = n; i-- > 0;)
		emit_pop(OUT, regs[i]);                              /* pop r6-r9 */
	emit_ret(OUT);                                           /* ret */
}

/* rbp = rc->stack + (rc->depth + 1) * 512, rc in `rc` */
static void set_frame_pointer(struct jit_ctx *c, unsigned rc)
{
	emit_load_rm(OUT, false, X86_T1, rc, RC_OFF(depth));     /* mov r11d, [rc+depth] */
	emit_shift_ri(OUT, X86_EXT_SHL, true, X86_T1, 9);        /* shl r11, 9 */
	emit_load_rm(OUT, true, X86_RBP, rc, RC_OFF(stack));     /* mov rbp, [rc+stack] */
	emit_lea_idx(OUT, X86_RBP, X86_RBP, X86_T1, 0, XBPF_STACK_SIZE); /* lea rbp, [rbp+r11+512] */
}

/* Zero the registers main reads before writing (the interpreter starts them at 0). */
static void zero_live_in(struct jit_ctx *c, unsigned mask)
{
	for (unsigned r = 0; r <= 9; r++)
		if (mask >> r & 1)
			emit_op_rr(OUT, X86_XOR_MR, false, x86_breg[r], x86_breg[r]); /* xor rN32, rN32 */
}

static void func_prologue(struct jit_ctx *c, unsigned f, unsigned live_in)
{
	uint8_t regs[4];
	unsigned n = func_saves(c, f, regs);
	jit_bind(c, jit_lbl_func(c, c->body, f));
	if (fallthrough_main(c, f)) {
		if (c->uses_r10)
			emit_push(OUT, X86_RBP);                         /* push rbp */
		for (unsigned i = 0; i < n; i++)
			emit_push(OUT, regs[i]);                         /* push r6-r9 */
		if (c->uses_r10)
			set_frame_pointer(c, X86_RDX);
		zero_live_in(c, live_in & 0x3f9u);
		return;
	}
	if (f == 0) {
		if (c->fn[0].calls)
			emit_push(OUT, X86_T1);                          /* push r11 (alignment) */
		return;
	}
	for (unsigned i = 0; i < n; i++)
		emit_push(OUT, regs[i]);                             /* push r6-r9 */
	if (func_pads(c, f, n))
		emit_push(OUT, X86_T1);                              /* push r11 (alignment) */
	if (c->uses_r10)
		emit_op_ri(OUT, X86_EXT_ADD, true, X86_RBP, XBPF_STACK_SIZE); /* add rbp, 512 */
}

/* dst = a (insn pc); dst += b or imm (insn pc + 1): lea dst, [a + b] / [a + imm] */
static void lower_lea(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc], *e = d + 1;
	unsigned dst = x86_breg[d->dst], a = x86_breg[d->src];
	if (e->op == XOP_ADD64_K)
		emit_lea(OUT, dst, a, (int32_t)e->imm);                  /* lea dst, [a+imm] */
	else if ((c->ins[pc + 1].flags & JI_SRC_CONST) && emit_fits32(c->cval[pc + 1]))
		emit_lea(OUT, dst, a, (int32_t)c->cval[pc + 1]);     /* lea dst, [a+const] */
	else
		emit_lea_idx(OUT, dst, a, x86_breg[e->src == d->dst ? d->src : e->src], 0,
			     0);                                         /* lea dst, [a+b] */
}

/* An instruction skipped or fused with the next ones (JI_SKIP, JI_FUSE_*). */
static void lower_fused(struct jit_ctx *c, size_t pc, uint16_t flags)
{
	const struct vm_dinsn *d = &c->code[pc];
	if (flags & JI_SKIP)
		return;
	if (flags & (JI_FUSE_ZEXT | JI_FUSE_SEXT)) {
		unsigned r = x86_breg[d->dst];
		if (flags & JI_FUSE_ZEXT)
			emit_mov_rr(OUT, false, r, r);                   /* mov dst32, dst32 */
		else
			emit_movsx_rr(OUT, true, 4, r, r);               /* movsxd dst, dst32 */
	} else if (flags & (JI_FUSE_ZEXT3 | JI_FUSE_SEXT3)) {
		unsigned x = x86_breg[d->dst], y = x86_breg[c->code[pc + 1].dst];
		if (flags & JI_FUSE_ZEXT3)
			emit_mov_rr(OUT, false, y, x);                   /* mov y32, x32 */
		else
			emit_movsx_rr(OUT, true, 4, y, x);               /* movsxd y, x32 */
	} else {
		lower_lea(c, pc);
	}
}

static void lower_insn(struct jit_ctx *c, size_t pc)
{
	const struct vm_dinsn *d = &c->code[pc];
	uint16_t flags = c->ins[pc].flags;
	if (d->op == XOP_INVALID || !(flags & JI_REACH))
		return;
	jit_reserve_both(c);                                     /* room for this insn */
	jit_bind(c, jit_lbl_insn(c, c->body, pc));
	budget_bill(c, pc);
	if (__builtin_expect(flags & (JI_SKIP | JI_FUSE_ZEXT | JI_FUSE_SEXT | JI_FUSE_ZEXT3 |
				      JI_FUSE_SEXT3 | JI_FUSE_LEA), 0)) {
		lower_fused(c, pc, flags);
		return;
	}
	switch (lops[d->op].form) {
	case FORM_ALU_K: case FORM_ALU_X: case FORM_NEG: lower_alu(c, pc); break;
	case FORM_END: lower_end(c, pc); break;
	case FORM_MOVSX: lower_movsx(c, pc); break;
	case FORM_LDX: lower_ldx(c, pc); break;
	case FORM_ST: case FORM_STX: lower_store(c, pc); break;
	case FORM_ATOMIC: lower_atomic(c, pc); break;
	case FORM_LDDW: load_const(c, x86_breg[d->dst], (uint64_t)d->imm); break;
	case FORM_LDABS: case FORM_LDIND: lower_ldpkt(c, pc); break;
	case FORM_JA: case FORM_JA32: lower_ja(c, pc); break;
	case FORM_JCOND_K: case FORM_JCOND_X: lower_jcond(c, pc); break;
	case FORM_CALL: case FORM_CALLX: lower_call(c, pc); break;
	case FORM_CALL_LOCAL: lower_call_local(c, pc); break;
	case FORM_EXIT: lower_exit(c, pc); break;
	case FORM_CALL_KFUNC: /* the interpreter fails at run time; so does the JIT */
		br(c, -1, error_stub(c, pc, JC_FAULT, JIT_RT_KFUNC, -1)); /* jmp kfunc_stub */
		break;
	default:
		jit_fail(c, -ENOTSUP, "insn %zu: %s is not supported by the JIT", pc,
			 isa_table[d->op].id);
	}
}

static void emit_function(struct jit_ctx *c, unsigned f, unsigned live_in)
{
	const struct vm_func *fn = &c->prog->funcs[f];
	func_prologue(c, f, live_in);
	for (size_t pc = fn->start; pc < fn->end && pc < c->n; pc++)
		lower_insn(c, pc);
}

/* ---- entries ---------------------------------------------------------------------------- */

/* Callee-saved registers an entry saves: r12, rbp when the program uses r10, and the
 * r6-r9 any function writes; padded to an odd count so the call below is aligned. */
static unsigned entry_saves(const struct jit_ctx *c, uint8_t regs[7])
{
	unsigned n = 0, writes = 0;
	for (unsigned f = 0; f < c->prog->func_cnt; f++)
		writes |= c->fn[f].writes;
	regs[n++] = X86_RC;
	if (c->uses_r10)
		regs[n++] = X86_RBP;
	for (unsigned r = 6; r <= 9; r++)
		if (writes >> r & 1)
			regs[n++] = x86_breg[r];
	if (!(n & 1))
		regs[n++] = X86_T1; /* alignment */
	return n;
}

/* Entry of a body that runs with the run context: save, set up, call main, restore. */
static void emit_entry_call(struct jit_ctx *c, unsigned live_in)
{
	uint8_t regs[7];
	unsigned n = entry_saves(c, regs);
	for (unsigned i = 0; i < n; i++)
		emit_push(OUT, regs[i]);                             /* push saved */
	emit_mov_rr(OUT, true, X86_RC, X86_RDX);                 /* mov r12, rdx */
	if (c->body == 1) {
		/* budgets >= 2^63 behave as 2^63 - 1 so the sign tells an overdraft */
		emit_load_rm(OUT, true, X86_T1, X86_RC, RC_OFF(budget)); /* mov r11, [r12+budget] */
		emit_op_rr(OUT, X86_TEST_MR, true, X86_T1, X86_T1);  /* test r11, r11 */
		size_t ok = fwd8(c, X86_CC_NS);                      /* jns .ok */
		emit_mov_ri64(OUT, X86_T1, INT64_MAX);               /* movabs r11, INT64_MAX */
		emit_store_r(OUT, 8, X86_RC, RC_OFF(budget), X86_T1); /* mov [r12+budget], r11 */
		fix8(c, ok);                                         /* .ok: */
	}
	emit_lea(OUT, X86_T1, X86_RSP, -8);                      /* lea r11, [rsp-8] */
	emit_store_r(OUT, 8, X86_RC, RC_OFF(jit_sp), X86_T1);    /* mov [r12+jit_sp], r11 */
	if (c->uses_r10)
		set_frame_pointer(c, X86_RC);
	zero_live_in(c, live_in & 0x3f9u);
	call_lbl(c, jit_lbl_func(c, c->body, 0));                /* call main */
	for (unsigned i = n; i-- > 0;)
		emit_pop(OUT, regs[i]);                              /* pop saved */
	emit_ret(OUT);                                           /* ret */
}

/* Callback entry (C ABI): rdi = rc, rsi = args[5], rdx = target, rcx = incoming r10. */
static void emit_nested_entry(struct jit_ctx *c)
{
	static const uint8_t saved[7] = {X86_RBX, X86_RBP, X86_R12, X86_R13, X86_R14, X86_R15,
					 X86_R11};
	jit_bind(c, jit_lbl_global(c, JG_NESTED));
	for (unsigned i = 0; i < 7; i++)
		emit_push(OUT, saved[i]);                            /* push callee-saved, pad */
	emit_mov_rr(OUT, true, X86_RC, X86_RDI);                 /* mov r12, rdi */
	emit_mov_rr(OUT, true, X86_RBP, X86_RCX);                /* mov rbp, rcx */
	emit_mov_rr(OUT, true, X86_T1, X86_RDX);                 /* mov r11, rdx */
	emit_lea(OUT, X86_RAX, X86_RSP, -8);                     /* lea rax, [rsp-8] */
	emit_store_r(OUT, 8, X86_RC, RC_OFF(jit_sp), X86_RAX);   /* mov [r12+jit_sp], rax */
	emit_load_rm(OUT, true, X86_RDI, X86_RSI, 0);            /* mov rdi, [rsi] */
	emit_load_rm(OUT, true, X86_RDX, X86_RSI, 16);           /* mov rdx, [rsi+16] */
	emit_load_rm(OUT, true, X86_RCX, X86_RSI, 24);           /* mov rcx, [rsi+24] */
	emit_load_rm(OUT, true, X86_R8, X86_RSI, 32);            /* mov r8, [rsi+32] */
	emit_load_rm(OUT, true, X86_RSI, X86_RSI, 8);            /* mov rsi, [rsi+8] */
	zero_live_in(c, 0x3c1u);                                 /* r0, r6-r9 = 0 */
	emit_call_r(OUT, X86_T1);                                /* call r11 */
	for (unsigned i = 7; i-- > 0;)
		emit_pop(OUT, saved[i]);                             /* pop */
	emit_ret(OUT);                                           /* ret */
}

/* Memory check routine: r11 = address, r10 = size; returns when a region of rc holds
 * [r11, r11+r10) (writable for the write variant), else pops its return address into rsi
 * and jumps to the fault path with edx = kind | size << 8. Clobbers r9, flags. */
static void emit_check_routine(struct jit_ctx *c, bool write)
{
	int32_t R = RC_OFF(regions);
	jit_bind(c, jit_lbl_global(c, write ? JG_CHECK_WRITE : JG_CHECK_READ));
	emit_push(OUT, X86_RAX);                                 /* push rax */
	emit_load_rm(OUT, false, X86_R9, X86_RC, RC_OFF(region_cnt)); /* mov r9d, [r12+region_cnt] */
	emit_lea_idx(OUT, X86_R9, X86_R9, X86_R9, 1, 0);         /* lea r9, [r9+r9*2] */
	size_t loop = OUT->len;                                  /* .next: */
	emit_op_ri(OUT, X86_EXT_SUB, true, X86_R9, 3);           /* sub r9, 3 */
	size_t fail = fwd8(c, X86_CC_B);                         /* jb .fail */
	emit_mov_rr(OUT, true, X86_RAX, X86_T1);                 /* mov rax, r11 */
	emit_op_rm_idx8(OUT, X86_SUB_MR, true, X86_RAX, X86_RC, X86_R9, R);     /* sub rax, [r12+r9*8+base] */
	emit_op_rm_idx8(OUT, X86_CMP_MR, true, X86_RAX, X86_RC, X86_R9, R + 8); /* cmp rax, [..+size] */
	back8(c, X86_CC_AE, loop);                               /* jae .next */
	emit_op_rr(OUT, X86_ADD_MR, true, X86_RAX, X86_T2);      /* add rax, r10 */
	emit_op_rm_idx8(OUT, X86_CMP_MR, true, X86_RAX, X86_RC, X86_R9, R + 8); /* cmp rax, [..+size] */
	back8(c, X86_CC_A, loop);                                /* ja .next */
	if (write) {
		emit_cmp8_mi_idx8(OUT, X86_RC, X86_R9, R + 16, 0);   /* cmp byte [..+writable], 0 */
		back8(c, X86_CC_E, loop);                            /* je .next */
	}
	emit_pop(OUT, X86_RAX);                                  /* pop rax */
	emit_ret(OUT);                                           /* ret */
	fix8(c, fail);                                           /* .fail: */
	emit_pop(OUT, X86_RAX);                                  /* pop rax */
	emit_pop(OUT, X86_RSI);                                  /* pop rsi (return address) */
	emit_mov_rr(OUT, false, X86_RDX, X86_T2);                /* mov edx, r10d */
	emit_shift_ri(OUT, X86_EXT_SHL, false, X86_RDX, 8);      /* shl edx, 8 */
	emit_op_ri(OUT, X86_EXT_OR, false, X86_RDX,
		   write ? JIT_RT_WRITE : JIT_RT_READ);          /* or edx, kind */
	br(c, -1, jit_lbl_global(c, JG_FAULT));                  /* jmp fault */
}

/* Error paths: esi = pc (fault: rsi = the return address of the failed check's call),
 * edx = kind, r11 = address; then unwind the run. */
static void emit_error_and_unwind(struct jit_ctx *c)
{
	size_t call = 0;
	if (c->used_check[0] || c->used_check[1]) {
		jit_bind(c, jit_lbl_global(c, JG_FAULT));
		emit_mov_ri64(OUT, X86_RAX, (uint64_t)(uintptr_t)jit_rt_fault); /* movabs rax, jit_rt_fault */
		call = fwd8(c, -1);                              /* jmp .call */
	}
	jit_bind(c, jit_lbl_global(c, JG_ERROR));
	emit_mov_ri64(OUT, X86_RAX, (uint64_t)(uintptr_t)jit_rt_error); /* movabs rax, jit_rt_error */
	if (c->used_check[0] || c->used_check[1])
		fix8(c, call);                                   /* .call: */
	emit_mov_rr(OUT, true, X86_RDI, X86_RC);                 /* mov rdi, r12 */
	emit_mov_rr(OUT, true, X86_RCX, X86_T1);                 /* mov rcx, r11 */
	emit_op_ri(OUT, X86_EXT_AND, true, X86_RSP, -16);        /* and rsp, -16 */
	emit_call_r(OUT, X86_RAX);                               /* call rax */
	jit_bind(c, jit_lbl_global(c, JG_UNWIND));
	emit_load_rm(OUT, true, X86_RSP, X86_RC, RC_OFF(jit_sp)); /* mov rsp, [r12+jit_sp] */
	emit_ret(OUT);                                           /* ret */
}

/* Body 0, a run with a budget: jmp [budget_entry] (jit_budget_lazy, later body 1). */
static void emit_budget_jump(struct jit_ctx *c)
{
	jit_bind(c, jit_lbl_global(c, JG_ENTRY_BUDGET));
	emit_mov_ri64(OUT, X86_T1, c->budget_slot);              /* movabs r11, &budget_entry */
	emit_jmp_m(OUT, X86_T1, 0);                              /* jmp qword [r11] */
}

/* The image of one body (c->body): body 0 starts with the budget dispatch, body 1 with
 * its entry; see the top of this file. */
void jit_arch_emit(struct jit_ctx *c)
{
	unsigned live_in = c->main_live_in;
	pthread_once(&lops_once, lops_init);
	jit_reserve_both(c);
	jit_to_hot(c);
	if (c->body == 0) {
		/* entry: cmp qword [rdx+budget], -1 ; jne budget jump */
		emit_op_mi(OUT, X86_EXT_CMP, true, X86_RDX, RC_OFF(budget), -1);
		br(c, X86_CC_NE, jit_lbl_global(c, JG_ENTRY_BUDGET));
	} else {
		jit_bind(c, jit_lbl_global(c, JG_ENTRY_BUDGET));
	}
	if (c->body == 1 || c->body0_needs_rc)
		emit_entry_call(c, live_in);
	for (unsigned f = 0; f < c->prog->func_cnt; f++)
		emit_function(c, f, live_in);
	jit_reserve_both(c);
	jit_to_cold(c);
	if (c->body == 0)
		emit_budget_jump(c);
	if (c->used_check[0])
		emit_check_routine(c, false);
	if (c->used_check[1])
		emit_check_routine(c, true);
	emit_error_and_unwind(c);
	emit_nested_entry(c);
	jit_to_hot(c);
}
