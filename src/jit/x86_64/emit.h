/* emit.h - x86-64 instruction encoders for the JIT.
 *
 * Each function writes the bytes of one instruction (the assembly it encodes is in its
 * comment, Intel syntax) and decides nothing: operand sizes, registers and displacements
 * come from the caller (lower.c). Registers are enum x86_reg; `w` selects 64-bit operand
 * size (REX.W), else 32-bit (which zero-extends the destination register).
 */
#ifndef XBPF_JIT_X86_EMIT_H
#define XBPF_JIT_X86_EMIT_H

#include "../jit.h"
#include "target.h"

static inline bool emit_fits8(int64_t v) { return v >= -128 && v <= 127; }
static inline bool emit_fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

static inline void emit_u8(struct jit_buf *b, uint8_t v) { jit_byte(b, v); }
static inline void emit_u16(struct jit_buf *b, uint16_t v)
{
	jit_byte(b, (uint8_t)v);
	jit_byte(b, (uint8_t)(v >> 8));
}
static inline void emit_u32(struct jit_buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		jit_byte(b, (uint8_t)(v >> (8 * i)));
}
static inline void emit_u64(struct jit_buf *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		jit_byte(b, (uint8_t)(v >> (8 * i)));
}

/* REX prefix: W for 64-bit, R/X/B extend reg, index and rm; `force` emits a bare 0x40 so
 * that byte registers 4-7 mean spl/bpl/sil/dil instead of ah/ch/dh/bh. */
static inline void emit_rex(struct jit_buf *b, bool w, unsigned reg, unsigned index,
			    unsigned rm, bool force)
{
	uint8_t rex = X86_REX | (w ? X86_REX_W : 0) | (reg & 8 ? X86_REX_R : 0) |
		      (index & 8 ? X86_REX_X : 0) | (rm & 8 ? X86_REX_B : 0);
	if (rex != X86_REX || force)
		jit_byte(b, rex);
}

static inline void emit_modrm(struct jit_buf *b, unsigned mod, unsigned reg, unsigned rm)
{
	jit_byte(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (rm & 7)));
}

/* ModRM (+SIB) (+disp) for [base + disp]. */
static inline void emit_mem(struct jit_buf *b, unsigned reg, unsigned base, int32_t disp)
{
	unsigned mod = (disp == 0 && (base & 7) != 5) ? 0 : emit_fits8(disp) ? 1 : 2;
	emit_modrm(b, mod, reg, base);
	if ((base & 7) == 4)
		jit_byte(b, 0x24); /* SIB: base only */
	if (mod == 1)
		jit_byte(b, (uint8_t)disp);
	else if (mod == 2)
		emit_u32(b, (uint32_t)disp);
}

/* ModRM + SIB (+disp) for [base + index * (1 << scale) + disp]; index is never rsp. */
static inline void emit_mem_idx(struct jit_buf *b, unsigned reg, unsigned base, unsigned index,
				unsigned scale, int32_t disp)
{
	unsigned mod = (disp == 0 && (base & 7) != 5) ? 0 : emit_fits8(disp) ? 1 : 2;
	emit_modrm(b, mod, reg, 4);
	jit_byte(b, (uint8_t)(scale << 6 | (index & 7) << 3 | (base & 7)));
	if (mod == 1)
		jit_byte(b, (uint8_t)disp);
	else if (mod == 2)
		emit_u32(b, (uint32_t)disp);
}

/* ---- register-register ------------------------------------------------------------- */

/* add/or/and/sub/xor/cmp/test/mov dst, src     (opc = X86_ADD_MR, ..., X86_MOV_MR) */
static inline void emit_op_rr(struct jit_buf *b, uint8_t opc, bool w, unsigned dst, unsigned src)
{
	emit_rex(b, w, src, 0, dst, false);
	jit_byte(b, opc);
	emit_modrm(b, 3, src, dst);
}

/* mov dst, src (64-bit) or mov dst32, src32 (zero-extends) */
static inline void emit_mov_rr(struct jit_buf *b, bool w, unsigned dst, unsigned src)
{
	emit_op_rr(b, X86_MOV_MR, w, dst, src);
}

/* imul dst, src */
static inline void emit_imul_rr(struct jit_buf *b, bool w, unsigned dst, unsigned src)
{
	emit_rex(b, w, dst, 0, src, false);
	jit_byte(b, X86_0F);
	jit_byte(b, X86_IMUL_RM);
	emit_modrm(b, 3, dst, src);
}

/* imul dst, src, imm (imm8 or imm32, sign-extended) */
static inline void emit_imul_rri(struct jit_buf *b, bool w, unsigned dst, unsigned src,
				 int32_t imm)
{
	emit_rex(b, w, dst, 0, src, false);
	jit_byte(b, emit_fits8(imm) ? X86_IMUL_RMI8 : X86_IMUL_RMI32);
	emit_modrm(b, 3, dst, src);
	if (emit_fits8(imm))
		jit_byte(b, (uint8_t)imm);
	else
		emit_u32(b, (uint32_t)imm);
}

/* movzx dst32, src8 / movzx dst32, src16 (bytes = 1 or 2) */
static inline void emit_movzx_rr(struct jit_buf *b, unsigned bytes, unsigned dst, unsigned src)
{
	emit_rex(b, false, dst, 0, src, bytes == 1 && src >= 4);
	jit_byte(b, X86_0F);
	jit_byte(b, bytes == 1 ? X86_MOVZX8 : X86_MOVZX16);
	emit_modrm(b, 3, dst, src);
}

/* movsx dst, src8 / movsx dst, src16 / movsxd dst, src32 (w: into 64 bits) */
static inline void emit_movsx_rr(struct jit_buf *b, bool w, unsigned bytes, unsigned dst,
				 unsigned src)
{
	emit_rex(b, w, dst, 0, src, bytes == 1 && src >= 4);
	if (bytes == 4) {
		jit_byte(b, X86_MOVSXD_RM);
	} else {
		jit_byte(b, X86_0F);
		jit_byte(b, bytes == 1 ? X86_MOVSX8 : X86_MOVSX16);
	}
	emit_modrm(b, 3, dst, src);
}

/* bswap dst (32 or 64 bits) */
static inline void emit_bswap(struct jit_buf *b, bool w, unsigned dst)
{
	emit_rex(b, w, 0, 0, dst, false);
	jit_byte(b, X86_0F);
	jit_byte(b, (uint8_t)(X86_BSWAP + (dst & 7)));
}

/* rol dst16, 8 (swap the two low bytes) */
static inline void emit_rol16_8(struct jit_buf *b, unsigned dst)
{
	jit_byte(b, X86_P_OPSIZE);
	emit_rex(b, false, 0, 0, dst, false);
	jit_byte(b, X86_GRP2_I8);
	emit_modrm(b, 3, X86_EXT_ROL, dst);
	jit_byte(b, 8);
}

/* ---- register-immediate ------------------------------------------------------------ */

/* add/or/and/sub/xor/cmp dst, imm (imm8 form when it fits) */
static inline void emit_op_ri(struct jit_buf *b, unsigned ext, bool w, unsigned dst, int32_t imm)
{
	emit_rex(b, w, 0, 0, dst, false);
	if (emit_fits8(imm)) {
		jit_byte(b, X86_GRP1_I8);
		emit_modrm(b, 3, ext, dst);
		jit_byte(b, (uint8_t)imm);
	} else {
		jit_byte(b, X86_GRP1_I32);
		emit_modrm(b, 3, ext, dst);
		emit_u32(b, (uint32_t)imm);
	}
}

/* test dst, imm32 */
static inline void emit_test_ri(struct jit_buf *b, bool w, unsigned dst, int32_t imm)
{
	emit_rex(b, w, 0, 0, dst, false);
	jit_byte(b, X86_GRP3);
	emit_modrm(b, 3, X86_EXT_TEST, dst);
	emit_u32(b, (uint32_t)imm);
}

/* mov dst32, imm32 (zero-extends to 64 bits) */
static inline void emit_mov_ri32(struct jit_buf *b, unsigned dst, uint32_t imm)
{
	emit_rex(b, false, 0, 0, dst, false);
	jit_byte(b, (uint8_t)(X86_MOV_RI + (dst & 7)));
	emit_u32(b, imm);
}

/* mov dst, simm32 (sign-extended to 64 bits) */
static inline void emit_mov_ri_sx(struct jit_buf *b, unsigned dst, int32_t imm)
{
	emit_rex(b, true, 0, 0, dst, false);
	jit_byte(b, X86_MOV_MI);
	emit_modrm(b, 3, X86_EXT_MOV, dst);
	emit_u32(b, (uint32_t)imm);
}

/* movabs dst, imm64 */
static inline void emit_mov_ri64(struct jit_buf *b, unsigned dst, uint64_t imm)
{
	emit_rex(b, true, 0, 0, dst, false);
	jit_byte(b, (uint8_t)(X86_MOV_RI + (dst & 7)));
	emit_u64(b, imm);
}

/* shl/shr/sar/rol dst, imm8 */
static inline void emit_shift_ri(struct jit_buf *b, unsigned ext, bool w, unsigned dst,
				 uint8_t imm)
{
	emit_rex(b, w, 0, 0, dst, false);
	jit_byte(b, X86_GRP2_I8);
	emit_modrm(b, 3, ext, dst);
	jit_byte(b, imm);
}

/* shl/shr/sar dst, cl */
static inline void emit_shift_cl(struct jit_buf *b, unsigned ext, bool w, unsigned dst)
{
	emit_rex(b, w, 0, 0, dst, false);
	jit_byte(b, X86_GRP2_CL);
	emit_modrm(b, 3, ext, dst);
}

/* neg/div/idiv/mul src   (group 3 unary forms) */
static inline void emit_grp3_r(struct jit_buf *b, unsigned ext, bool w, unsigned rm)
{
	emit_rex(b, w, 0, 0, rm, false);
	jit_byte(b, X86_GRP3);
	emit_modrm(b, 3, ext, rm);
}

/* cqo (w) / cdq: sign-extend rax into rdx */
static inline void emit_cqo(struct jit_buf *b, bool w)
{
	if (w)
		jit_byte(b, X86_REX | X86_REX_W);
	jit_byte(b, X86_CDQ);
}

/* ---- memory ------------------------------------------------------------------------ */

/* Load `bytes` from [base + disp] into dst: movzx dst32, byte/word [..]; mov dst32, [..];
 * mov dst, [..]; with `sx`: movsx dst, byte/word [..]; movsxd dst, dword [..]. */
static inline void emit_load(struct jit_buf *b, unsigned bytes, bool sx, unsigned dst,
			     unsigned base, int32_t disp)
{
	if (bytes == 8 || (bytes == 4 && !sx)) {
		emit_rex(b, bytes == 8, dst, 0, base, false);
		jit_byte(b, X86_MOV_RM);
	} else if (bytes == 4) {
		emit_rex(b, true, dst, 0, base, false);
		jit_byte(b, X86_MOVSXD_RM);
	} else {
		emit_rex(b, sx, dst, 0, base, false);
		jit_byte(b, X86_0F);
		jit_byte(b, bytes == 1 ? (sx ? X86_MOVSX8 : X86_MOVZX8) : (sx ? X86_MOVSX16 : X86_MOVZX16));
	}
	emit_mem(b, dst, base, disp);
}

/* Load `bytes` from [base + index + disp] zero-extended: movzx/mov dst32, [base+index] */
static inline void emit_load_idx(struct jit_buf *b, unsigned bytes, unsigned dst, unsigned base,
				 unsigned index)
{
	emit_rex(b, false, dst, index, base, false);
	if (bytes == 4) {
		jit_byte(b, X86_MOV_RM);
	} else {
		jit_byte(b, X86_0F);
		jit_byte(b, bytes == 1 ? X86_MOVZX8 : X86_MOVZX16);
	}
	emit_mem_idx(b, dst, base, index, 0, 0);
}

/* mov byte/word/dword/qword [base + disp], src */
static inline void emit_store_r(struct jit_buf *b, unsigned bytes, unsigned base, int32_t disp,
				unsigned src)
{
	if (bytes == 2)
		jit_byte(b, X86_P_OPSIZE);
	emit_rex(b, bytes == 8, src, 0, base, bytes == 1 && src >= 4);
	jit_byte(b, bytes == 1 ? X86_MOV8_MR : X86_MOV_MR);
	emit_mem(b, src, base, disp);
}

/* mov byte/word/dword/qword [base + disp], imm (qword: simm32 sign-extended) */
static inline void emit_store_i(struct jit_buf *b, unsigned bytes, unsigned base, int32_t disp,
				int32_t imm)
{
	if (bytes == 2)
		jit_byte(b, X86_P_OPSIZE);
	emit_rex(b, bytes == 8, 0, 0, base, false);
	jit_byte(b, bytes == 1 ? X86_MOV8_MI : X86_MOV_MI);
	emit_mem(b, X86_EXT_MOV, base, disp);
	if (bytes == 1)
		jit_byte(b, (uint8_t)imm);
	else if (bytes == 2)
		emit_u16(b, (uint16_t)imm);
	else
		emit_u32(b, (uint32_t)imm);
}

/* mov dst, [base + disp] (w: 64-bit) */
static inline void emit_load_rm(struct jit_buf *b, bool w, unsigned dst, unsigned base,
				int32_t disp)
{
	emit_load(b, w ? 8 : 4, false, dst, base, disp);
}

/* add/sub/cmp/... dst, [base + disp]   (opc = the RM form: op MR | 2) */
static inline void emit_op_rm(struct jit_buf *b, uint8_t opc_mr, bool w, unsigned dst,
			      unsigned base, int32_t disp)
{
	emit_rex(b, w, dst, 0, base, false);
	jit_byte(b, (uint8_t)(opc_mr | 2));
	emit_mem(b, dst, base, disp);
}

/* add/sub/cmp/... dst, [base + index*8 + disp] */
static inline void emit_op_rm_idx8(struct jit_buf *b, uint8_t opc_mr, bool w, unsigned dst,
				   unsigned base, unsigned index, int32_t disp)
{
	emit_rex(b, w, dst, index, base, false);
	jit_byte(b, (uint8_t)(opc_mr | 2));
	emit_mem_idx(b, dst, base, index, 3, disp);
}

/* cmp byte [base + index*8 + disp], imm8 */
static inline void emit_cmp8_mi_idx8(struct jit_buf *b, unsigned base, unsigned index,
				     int32_t disp, uint8_t imm)
{
	emit_rex(b, false, 0, index, base, false);
	jit_byte(b, 0x80); /* grp1 r/m8, imm8 */
	emit_mem_idx(b, X86_EXT_CMP, base, index, 3, disp);
	jit_byte(b, imm);
}

/* add/sub/cmp qword|dword [base + disp], imm (imm8 form when it fits) */
static inline void emit_op_mi(struct jit_buf *b, unsigned ext, bool w, unsigned base,
			      int32_t disp, int32_t imm)
{
	emit_rex(b, w, 0, 0, base, false);
	jit_byte(b, emit_fits8(imm) ? X86_GRP1_I8 : X86_GRP1_I32);
	emit_mem(b, ext, base, disp);
	if (emit_fits8(imm))
		jit_byte(b, (uint8_t)imm);
	else
		emit_u32(b, (uint32_t)imm);
}

/* inc/dec dword [base + disp] */
static inline void emit_incdec_m32(struct jit_buf *b, unsigned ext, unsigned base, int32_t disp)
{
	emit_rex(b, false, 0, 0, base, false);
	jit_byte(b, X86_GRP5);
	emit_mem(b, ext, base, disp);
}

/* lea dst, [base + disp] */
static inline void emit_lea(struct jit_buf *b, unsigned dst, unsigned base, int32_t disp)
{
	emit_rex(b, true, dst, 0, base, false);
	jit_byte(b, X86_LEA);
	emit_mem(b, dst, base, disp);
}

/* lea dst, [base + index*(1<<scale) + disp] */
static inline void emit_lea_idx(struct jit_buf *b, unsigned dst, unsigned base, unsigned index,
				unsigned scale, int32_t disp)
{
	emit_rex(b, true, dst, index, base, false);
	jit_byte(b, X86_LEA);
	emit_mem_idx(b, dst, base, index, scale, disp);
}

/* lock add/or/and/xor [base + disp], src (bytes 4 or 8) */
static inline void emit_lock_op_mr(struct jit_buf *b, uint8_t opc, unsigned bytes, unsigned base,
				   int32_t disp, unsigned src)
{
	jit_byte(b, X86_P_LOCK);
	emit_rex(b, bytes == 8, src, 0, base, false);
	jit_byte(b, opc);
	emit_mem(b, src, base, disp);
}

/* lock xadd [base + disp], src */
static inline void emit_lock_xadd(struct jit_buf *b, unsigned bytes, unsigned base, int32_t disp,
				  unsigned src)
{
	jit_byte(b, X86_P_LOCK);
	emit_rex(b, bytes == 8, src, 0, base, false);
	jit_byte(b, X86_0F);
	jit_byte(b, X86_XADD);
	emit_mem(b, src, base, disp);
}

/* lock cmpxchg [base + disp], src   (compares with rax/eax) */
static inline void emit_lock_cmpxchg(struct jit_buf *b, unsigned bytes, unsigned base,
				     int32_t disp, unsigned src)
{
	jit_byte(b, X86_P_LOCK);
	emit_rex(b, bytes == 8, src, 0, base, false);
	jit_byte(b, X86_0F);
	jit_byte(b, X86_CMPXCHG);
	emit_mem(b, src, base, disp);
}

/* xchg [base + disp], src   (implicitly locked) */
static inline void emit_xchg_mr(struct jit_buf *b, unsigned bytes, unsigned base, int32_t disp,
				unsigned src)
{
	emit_rex(b, bytes == 8, src, 0, base, false);
	jit_byte(b, X86_XCHG_MR);
	emit_mem(b, src, base, disp);
}

/* test byte reg8, imm8 */
static inline void emit_test8_ri(struct jit_buf *b, unsigned reg, uint8_t imm)
{
	emit_rex(b, false, 0, 0, reg, reg >= 4);
	jit_byte(b, 0xf6); /* grp3 r/m8 */
	emit_modrm(b, 3, X86_EXT_TEST, reg);
	jit_byte(b, imm);
}

/* ---- control flow ------------------------------------------------------------------ */

/* push reg / pop reg */
static inline void emit_push(struct jit_buf *b, unsigned reg)
{
	emit_rex(b, false, 0, 0, reg, false);
	jit_byte(b, (uint8_t)(X86_PUSH_R + (reg & 7)));
}
static inline void emit_pop(struct jit_buf *b, unsigned reg)
{
	emit_rex(b, false, 0, 0, reg, false);
	jit_byte(b, (uint8_t)(X86_POP_R + (reg & 7)));
}

/* ret */
static inline void emit_ret(struct jit_buf *b) { jit_byte(b, X86_RET); }
/* clc / stc */
static inline void emit_clc(struct jit_buf *b) { jit_byte(b, X86_CLC); }
static inline void emit_stc(struct jit_buf *b) { jit_byte(b, X86_STC); }

/* jcc rel8 */
static inline void emit_jcc8(struct jit_buf *b, unsigned cc, int8_t rel)
{
	jit_byte(b, (uint8_t)(X86_JCC_REL8 + cc));
	jit_byte(b, (uint8_t)rel);
}
/* jcc rel32 */
static inline void emit_jcc32(struct jit_buf *b, unsigned cc, int32_t rel)
{
	jit_byte(b, X86_0F);
	jit_byte(b, (uint8_t)(X86_JCC_REL32 + cc));
	emit_u32(b, (uint32_t)rel);
}
/* jmp rel8 */
static inline void emit_jmp8(struct jit_buf *b, int8_t rel)
{
	jit_byte(b, X86_JMP_REL8);
	jit_byte(b, (uint8_t)rel);
}
/* jmp rel32 */
static inline void emit_jmp32(struct jit_buf *b, int32_t rel)
{
	jit_byte(b, X86_JMP_REL32);
	emit_u32(b, (uint32_t)rel);
}
/* call rel32 */
static inline void emit_call32(struct jit_buf *b, int32_t rel)
{
	jit_byte(b, X86_CALL_REL32);
	emit_u32(b, (uint32_t)rel);
}
/* call reg */
static inline void emit_call_r(struct jit_buf *b, unsigned reg)
{
	emit_rex(b, false, 0, 0, reg, false);
	jit_byte(b, X86_GRP5);
	emit_modrm(b, 3, X86_EXT_CALL, reg);
}
/* call qword [base + disp] */
static inline void emit_call_m(struct jit_buf *b, unsigned base, int32_t disp)
{
	emit_rex(b, false, 0, 0, base, false);
	jit_byte(b, X86_GRP5);
	emit_mem(b, X86_EXT_CALL, base, disp);
}

#endif /* XBPF_JIT_X86_EMIT_H */
