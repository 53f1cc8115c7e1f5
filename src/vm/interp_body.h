/* interp_body.h - the interpreter's body, included by interp.c once per build variant.
 *
 * Before including, interp.c defines:
 *   INTERP_NAME     the function to define
 *   INTERP_GOTO     1: computed-goto threaded dispatch; 0: a switch in a loop
 *   INTERP_CHECKED  1: every load/store/atomic is checked against rc->regions
 * Everything defined here is #undef'd at the end so the file can be included again.
 *
 * INTERP_NAME(rc, prog, pc, base, args, ret) runs prog from instruction pc in frame `base`
 * (0 for the main program, > 0 for a callback) with r1-r5 = args, until the exit of frame
 * `base`. Returns 0 with *ret = r0, -errno with rc->err set, or INTERP_TAIL when a helper
 * requested a tail call (only for base 0).
 *
 * Budget: `run` points at the first instruction of the current straight-line run; CHARGE()
 * bills (ip - run + 1) slots, in bytes of decoded code, against `left` whenever control
 * leaves the run.
 */

#if INTERP_GOTO
#define DISPATCH() goto *labels[ip->op]
#define CASE(ID) L_##ID:
#define INTERP_DISPATCH "goto"
#else
#define DISPATCH() continue
#define CASE(ID) case XOP_##ID:
#define INTERP_DISPATCH "switch"
#endif
/* no do-while around DISPATCH: in the switch build it is `continue` */
#define NEXT { ip++; DISPATCH(); }
#define PC ((uint32_t)(ip - code))
#define DST reg[ip->dst]
#define SRC reg[ip->src]
#define IMM ip->imm
#define OFF ip->off

/* `left` counts bytes of decoded code (16 per slot): no division on the hot path */
#define CHARGE() do { uint64_t n_ = (uint64_t)((const char *)ip - (const char *)run) + \
	sizeof *ip; \
	if (unlikely(__builtin_sub_overflow(left, n_, &left))) { \
		err = budget_fault(rc, prog, PC); goto out; } } while (0)
/* a backward jump counts towards switching to the fused copy of the code (`fuse:`) */
#define JUMP_TO(T) { CHARGE(); const struct vm_dinsn *t_ = code + (T); \
	if (unlikely(t_ <= ip) && unlikely(--hot == 0)) { ip = t_; goto fuse; } \
	ip = t_; run = ip; DISPATCH(); }

#if INTERP_CHECKED
#define MEMCHK(A, N, W) do { if (unlikely(!interp_mem_ok(rc, (A), (N), (W)))) { \
	err = mem_fault(rc, prog, PC, (A), (N), (W)); goto out; } } while (0)
#define ALIGNCHK(A, N) do { if (unlikely((A) & ((N) - 1))) { \
	err = align_fault(rc, prog, PC, (A), (N)); goto out; } } while (0)
#else
#define MEMCHK(A, N, W) ((void)0)
#define ALIGNCHK(A, N) ((void)0)
#endif

/* ALU: 64-bit on the full register, 32-bit on the low half, zero-extended. */
#define ALU(ID, OPR) \
	CASE(ID##64_K) DST = DST OPR (uint64_t)IMM; NEXT; \
	CASE(ID##64_X) DST = DST OPR SRC; NEXT; \
	CASE(ID##32_K) DST = (uint32_t)((uint32_t)DST OPR (uint32_t)IMM); NEXT; \
	CASE(ID##32_X) DST = (uint32_t)((uint32_t)DST OPR (uint32_t)SRC); NEXT;
/* Shifts: the amount masked to the width. */
#define SHIFT(ID, OPR, T64, T32) \
	CASE(ID##64_K) DST = (uint64_t)((T64)DST OPR (IMM & 63)); NEXT; \
	CASE(ID##64_X) DST = (uint64_t)((T64)DST OPR (SRC & 63)); NEXT; \
	CASE(ID##32_K) DST = (uint32_t)((T32)DST OPR (IMM & 31)); NEXT; \
	CASE(ID##32_X) DST = (uint32_t)((T32)DST OPR (SRC & 31)); NEXT;
/* Conditional jumps: T64/T32 give signedness. */
#define JCC(ID, OPR, T64, T32) \
	CASE(ID##64_K) if ((T64)DST OPR (T64)IMM) JUMP_TO(OFF); NEXT; \
	CASE(ID##64_X) if ((T64)DST OPR (T64)SRC) JUMP_TO(OFF); NEXT; \
	CASE(ID##32_K) if ((T32)DST OPR (T32)IMM) JUMP_TO(OFF); NEXT; \
	CASE(ID##32_X) if ((T32)DST OPR (T32)SRC) JUMP_TO(OFF); NEXT;
/* Loads: T the memory type, sign or zero extension by its signedness. */
#define LDX(ID, T) CASE(ID) { uint64_t a_ = SRC + (int64_t)OFF; MEMCHK(a_, sizeof(T), false); \
	T v_; memcpy(&v_, (const void *)(uintptr_t)a_, sizeof v_); \
	DST = (uint64_t)(int64_t)v_; } NEXT;
#define STORE(ID, T, VAL) CASE(ID) { uint64_t a_ = DST + (int64_t)OFF; \
	MEMCHK(a_, sizeof(T), true); T v_ = (T)(VAL); \
	memcpy((void *)(uintptr_t)a_, &v_, sizeof v_); } NEXT;
/* Atomics: checked builds also require natural alignment. */
#define ATOMIC_PTR(T) uint64_t a_ = DST + (int64_t)OFF; MEMCHK(a_, sizeof(T), true); \
	ALIGNCHK(a_, sizeof(T)); T *p_ = (T *)(uintptr_t)a_;
#define ATOMIC_RMW(W, T, NAME, FN) \
	CASE(ATOMIC##W##_##NAME) { ATOMIC_PTR(T) FN(p_, (T)SRC, __ATOMIC_SEQ_CST); } NEXT; \
	CASE(ATOMIC##W##_FETCH_##NAME) { ATOMIC_PTR(T) \
		SRC = (uint64_t)FN(p_, (T)SRC, __ATOMIC_SEQ_CST); } NEXT;
#define ATOMICS(W, T) \
	ATOMIC_RMW(W, T, ADD, __atomic_fetch_add) \
	ATOMIC_RMW(W, T, OR, __atomic_fetch_or) \
	ATOMIC_RMW(W, T, AND, __atomic_fetch_and) \
	ATOMIC_RMW(W, T, XOR, __atomic_fetch_xor) \
	CASE(ATOMIC##W##_XCHG) { ATOMIC_PTR(T) \
		SRC = (uint64_t)__atomic_exchange_n(p_, (T)SRC, __ATOMIC_SEQ_CST); } NEXT; \
	CASE(ATOMIC##W##_CMPXCHG) { ATOMIC_PTR(T) T old_ = (T)reg[0]; \
		__atomic_compare_exchange_n(p_, &old_, (T)SRC, false, __ATOMIC_SEQ_CST, \
					    __ATOMIC_SEQ_CST); \
		reg[0] = (uint64_t)old_; } NEXT;
#define LDPKT(ID, N, OFFSET) CASE(ID) { if (!pkt_load(rc, (OFFSET), N, &reg[0])) \
	goto pkt_out; } NEXT;
/* Signed division per RFC 9669: x/0 = 0, x%0 = x, INT_MIN/-1 = INT_MIN, INT_MIN%-1 = 0. */
#define SDIV(T, UT, A, B) ((B) == 0 ? (UT)0 : (B) == -1 ? (UT)(0 - (UT)(A)) : (UT)((T)(A) / (T)(B)))
#define SMOD(T, UT, A, B) ((B) == 0 ? (UT)(A) : (B) == -1 ? (UT)0 : (UT)((T)(A) % (T)(B)))

static int INTERP_NAME(struct xbpf_run_ctx *rc, const struct xbpf_prog *prog, uint32_t pc,
		       unsigned base, const uint64_t args[5], uint64_t *ret)
{
#if INTERP_GOTO
	static const void *const labels[XOP_F__END] = {
#define ISA_OP(ID, ...) [XOP_##ID] = &&L_##ID,
#include "../isa/opcodes.def"
#undef ISA_OP
		[XOP_F_MOVX_RSHK] = &&L_F_MOVX_RSHK, [XOP_F_MOVX_LSHK] = &&L_F_MOVX_LSHK,
		[XOP_F_MOVX_ANDK] = &&L_F_MOVX_ANDK, [XOP_F_MOVX_ADDK] = &&L_F_MOVX_ADDK,
		[XOP_F_MOVX_ADDX] = &&L_F_MOVX_ADDX, [XOP_F_MOVX_ZEXT] = &&L_F_MOVX_ZEXT,
		[XOP_F_ZEXT] = &&L_F_ZEXT, [XOP_F_SHIFTXOR] = &&L_F_SHIFTXOR,
		[XOP_F_ADDK_JNEK] = &&L_F_ADDK_JNEK, [XOP_F_MULK_ADDK] = &&L_F_MULK_ADDK,
		[XOP_F_LSHK_ORX] = &&L_F_LSHK_ORX,
	};
#endif
	const struct vm_dinsn *code = prog->code;
	struct vm_dinsn fused[INTERP_FUSE_MAX]; /* the fused copy, built by `fuse:` */
	/* backward jumps before fusing; 0 (never, in practice) for big programs */
	uint64_t hot = prog->insn_cnt <= INTERP_FUSE_MAX ? INTERP_FUSE_AFTER : 0;
	const struct vm_dinsn *ip = code + pc, *run = ip;
	const struct vm_helper *const helpers = prog->vm->helpers;
	uint8_t *const stack = rc->stack;
	struct { const struct vm_dinsn *ret; uint64_t saved[4]; } frames[XBPF_MAX_FRAMES];
	uint64_t reg[XBPF_NREGS] = {0};
	uint64_t left = budget_to_bytes(rc->budget);
	unsigned depth = base;
	int err = 0;
	xbpf_helper_fn hfn;

	rc->dispatch = INTERP_DISPATCH;
	memcpy(&reg[1], args, 5 * sizeof reg[0]);
	reg[10] = (uint64_t)(uintptr_t)(stack + (size_t)(depth + 1) * XBPF_STACK_SIZE);

#if INTERP_GOTO
	DISPATCH();
	{
#else
	for (;;) switch (ip->op) {
#endif
	ALU(ADD, +)
	ALU(SUB, -)
	ALU(MUL, *)
	ALU(OR, |)
	ALU(AND, &)
	ALU(XOR, ^)
	SHIFT(LSH, <<, uint64_t, uint32_t)
	SHIFT(RSH, >>, uint64_t, uint32_t)
	SHIFT(ARSH, >>, int64_t, int32_t)
	CASE(MOV64_K) DST = (uint64_t)IMM; NEXT;
	CASE(MOV64_X) DST = SRC; NEXT;
	CASE(MOV32_K) DST = (uint32_t)IMM; NEXT;
	CASE(MOV32_X) DST = (uint32_t)SRC; NEXT;
	CASE(NEG64) DST = 0 - DST; NEXT;
	CASE(NEG32) DST = (uint32_t)(0 - (uint32_t)DST); NEXT;
	CASE(MOVSX8_64) DST = (uint64_t)(int64_t)(int8_t)SRC; NEXT;
	CASE(MOVSX16_64) DST = (uint64_t)(int64_t)(int16_t)SRC; NEXT;
	CASE(MOVSX32_64) DST = (uint64_t)(int64_t)(int32_t)SRC; NEXT;
	CASE(MOVSX8_32) DST = (uint32_t)(int32_t)(int8_t)SRC; NEXT;
	CASE(MOVSX16_32) DST = (uint32_t)(int32_t)(int16_t)SRC; NEXT;

	CASE(DIV64_K) DST = IMM ? DST / (uint64_t)IMM : 0; NEXT;
	CASE(DIV64_X) DST = SRC ? DST / SRC : 0; NEXT;
	CASE(DIV32_K) DST = (uint32_t)IMM ? (uint32_t)DST / (uint32_t)IMM : 0; NEXT;
	CASE(DIV32_X) DST = (uint32_t)SRC ? (uint32_t)DST / (uint32_t)SRC : 0; NEXT;
	CASE(MOD64_K) DST = IMM ? DST % (uint64_t)IMM : DST; NEXT;
	CASE(MOD64_X) DST = SRC ? DST % SRC : DST; NEXT;
	CASE(MOD32_K) DST = (uint32_t)IMM ? (uint32_t)DST % (uint32_t)IMM : (uint32_t)DST; NEXT;
	CASE(MOD32_X) DST = (uint32_t)SRC ? (uint32_t)DST % (uint32_t)SRC : (uint32_t)DST; NEXT;
	CASE(SDIV64_K) DST = SDIV(int64_t, uint64_t, DST, IMM); NEXT;
	CASE(SDIV64_X) DST = SDIV(int64_t, uint64_t, DST, (int64_t)SRC); NEXT;
	CASE(SMOD64_K) DST = SMOD(int64_t, uint64_t, DST, IMM); NEXT;
	CASE(SMOD64_X) DST = SMOD(int64_t, uint64_t, DST, (int64_t)SRC); NEXT;
	CASE(SDIV32_K) DST = SDIV(int32_t, uint32_t, (uint32_t)DST, (int32_t)IMM); NEXT;
	CASE(SDIV32_X) DST = SDIV(int32_t, uint32_t, (uint32_t)DST, (int32_t)SRC); NEXT;
	CASE(SMOD32_K) DST = SMOD(int32_t, uint32_t, (uint32_t)DST, (int32_t)IMM); NEXT;
	CASE(SMOD32_X) DST = SMOD(int32_t, uint32_t, (uint32_t)DST, (int32_t)SRC); NEXT;

	CASE(LE16) DST = (uint16_t)DST; NEXT;
	CASE(LE32) DST = (uint32_t)DST; NEXT;
	CASE(LE64) NEXT;
	CASE(BE16) DST = __builtin_bswap16((uint16_t)DST); NEXT;
	CASE(BE32) DST = __builtin_bswap32((uint32_t)DST); NEXT;
	CASE(BE64) DST = __builtin_bswap64(DST); NEXT;
	CASE(BSWAP16) DST = __builtin_bswap16((uint16_t)DST); NEXT;
	CASE(BSWAP32) DST = __builtin_bswap32((uint32_t)DST); NEXT;
	CASE(BSWAP64) DST = __builtin_bswap64(DST); NEXT;

	LDX(LDX_B, uint8_t)
	LDX(LDX_H, uint16_t)
	LDX(LDX_W, uint32_t)
	LDX(LDX_DW, uint64_t)
	LDX(LDXS_B, int8_t)
	LDX(LDXS_H, int16_t)
	LDX(LDXS_W, int32_t)
	STORE(ST_B, uint8_t, IMM)
	STORE(ST_H, uint16_t, IMM)
	STORE(ST_W, uint32_t, IMM)
	STORE(ST_DW, uint64_t, IMM)
	STORE(STX_B, uint8_t, SRC)
	STORE(STX_H, uint16_t, SRC)
	STORE(STX_W, uint32_t, SRC)
	STORE(STX_DW, uint64_t, SRC)
	ATOMICS(32, uint32_t)
	ATOMICS(64, uint64_t)

	CASE(LDDW) DST = (uint64_t)IMM; ip += 2; DISPATCH();
	LDPKT(LDABS_B, 1, IMM)
	LDPKT(LDABS_H, 2, IMM)
	LDPKT(LDABS_W, 4, IMM)
	LDPKT(LDIND_B, 1, IMM + (int32_t)SRC)
	LDPKT(LDIND_H, 2, IMM + (int32_t)SRC)
	LDPKT(LDIND_W, 4, IMM + (int32_t)SRC)

	CASE(JA) JUMP_TO(OFF);
	CASE(JA32) JUMP_TO(OFF);
	JCC(JEQ, ==, uint64_t, uint32_t)
	JCC(JNE, !=, uint64_t, uint32_t)
	JCC(JSET, &, uint64_t, uint32_t)
	JCC(JGT, >, uint64_t, uint32_t)
	JCC(JGE, >=, uint64_t, uint32_t)
	JCC(JLT, <, uint64_t, uint32_t)
	JCC(JLE, <=, uint64_t, uint32_t)
	JCC(JSGT, >, int64_t, int32_t)
	JCC(JSGE, >=, int64_t, int32_t)
	JCC(JSLT, <, int64_t, int32_t)
	JCC(JSLE, <=, int64_t, int32_t)

	/* superinstructions (interp.c, fuse_at): fields of the later slots via ip[1], ip[2] */
	CASE(F_MOVX_RSHK) DST = SRC >> (ip[1].imm & 63); ip += 2; DISPATCH();
	CASE(F_MOVX_LSHK) DST = SRC << (ip[1].imm & 63); ip += 2; DISPATCH();
	CASE(F_MOVX_ANDK) DST = SRC & (uint64_t)ip[1].imm; ip += 2; DISPATCH();
	CASE(F_MOVX_ADDK) DST = SRC + (uint64_t)ip[1].imm; ip += 2; DISPATCH();
	CASE(F_MOVX_ADDX) DST = SRC + reg[ip[1].src]; ip += 2; DISPATCH();
	CASE(F_MOVX_ZEXT) DST = (uint32_t)SRC; ip += 3; DISPATCH();
	CASE(F_ZEXT) DST = (uint32_t)DST; ip += 2; DISPATCH();
	CASE(F_SHIFTXOR) DST = (SRC >> (ip[1].imm & 63)) ^ reg[ip[2].src]; ip += 3; DISPATCH();
	CASE(F_MULK_ADDK) DST = DST * (uint64_t)IMM + (uint64_t)ip[1].imm; ip += 2; DISPATCH();
	CASE(F_LSHK_ORX) DST = DST << (IMM & 63) | reg[ip[1].src]; ip += 2; DISPATCH();
	CASE(F_ADDK_JNEK) DST += (uint64_t)IMM; ip++;
		if (DST != (uint64_t)IMM) JUMP_TO(OFF);
		NEXT;

	CASE(CALL)
		CHARGE();
		hfn = helpers[IMM].fn;
		goto call_helper;
	CASE(CALLX)
		CHARGE();
		if (unlikely(SRC >= XBPF_MAX_HELPER_ID || !helpers[SRC].fn)) {
			err = callx_fault(rc, prog, PC, SRC);
			goto out;
		}
		hfn = helpers[SRC].fn;
		goto call_helper;
	CASE(CALL_KFUNC)
		err = vm_error(rc, EINVAL, "insn %u: kfunc calls are not supported", PC);
		goto out;
	CASE(CALL_LOCAL)
		CHARGE();
		if (unlikely(depth + 1 >= XBPF_MAX_FRAMES)) {
			err = depth_fault(rc, prog, PC);
			goto out;
		}
		frames[depth].ret = ip + 1;
		memcpy(frames[depth].saved, &reg[6], sizeof frames[depth].saved);
		depth++;
		reg[10] += XBPF_STACK_SIZE;
		ip = code + OFF;
		run = ip;
		DISPATCH();
	CASE(EXIT)
		CHARGE();
		if (depth == base) {
			*ret = reg[0];
			rc->budget = left / sizeof *code;
			return 0;
		}
		depth--;
		memcpy(&reg[6], frames[depth].saved, sizeof frames[depth].saved);
		reg[10] -= XBPF_STACK_SIZE;
		ip = frames[depth].ret;
		run = ip;
		DISPATCH();
	call_helper: /* reached by goto from CALL and CALLX with hfn set */
		rc->depth = depth;
		rc->budget = left / sizeof *code;
		reg[0] = hfn(reg[1], reg[2], reg[3], reg[4], reg[5], rc);
		left = budget_to_bytes(rc->budget);
		if (unlikely(rc->err || rc->tail_target)) {
			err = helper_stop(rc, prog, PC, base);
			goto out;
		}
		ip++;
		run = ip;
		DISPATCH();
	fuse: /* reached from JUMP_TO with ip at the target: continue on the fused copy */
		interp_fuse(code, prog->insn_cnt, fused);
		for (unsigned d_ = base; d_ < depth; d_++)
			frames[d_].ret = fused + (frames[d_].ret - code);
		ip = fused + (ip - code);
		code = fused;
		run = ip;
		DISPATCH();
#if !INTERP_GOTO
	default:
		err = vm_error(rc, EINVAL, "insn %u: invalid operation %u", PC, ip->op);
		goto out;
#endif
	}

pkt_out: /* LD_ABS/LD_IND out of bounds: the program ends with r0 = 0 */
	*ret = 0;
	rc->budget = left / sizeof *code;
	return 0;
out:
	return err;
}

#undef DISPATCH
#undef CASE
#undef INTERP_DISPATCH
#undef NEXT
#undef PC
#undef DST
#undef SRC
#undef IMM
#undef OFF
#undef CHARGE
#undef JUMP_TO
#undef MEMCHK
#undef ALIGNCHK
#undef ALU
#undef SHIFT
#undef JCC
#undef LDX
#undef STORE
#undef ATOMIC_PTR
#undef ATOMIC_RMW
#undef ATOMICS
#undef LDPKT
#undef SDIV
#undef SMOD
#undef INTERP_NAME
#undef INTERP_GOTO
#undef INTERP_CHECKED
