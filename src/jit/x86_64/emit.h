/* emit.h - x86-64 instruction encoders for the JIT.
 *
 * Each function writes the bytes of one instruction (the assembly it encodes is in its
 * comment, Intel syntax) and decides nothing: operand sizes, registers and displacements
 * come from the caller (lower.c). Registers are enum x86_reg; `w` selects 64-bit operand
 * size (REX.W), else 32-bit (which zero-extends the destination register).
 *
 * Encoders build the instruction through a local cursor (put_*: write at q, return the
 * advanced cursor) and store the buffer length once at the end, so the compiler keeps the
 * cursor in a register instead of reloading the buffer after every byte (byte stores may
 * alias anything). The driver reserves room ahead (jit_reserve), so no byte is checked.
 */
#ifndef XBPF_JIT_X86_EMIT_H
#define XBPF_JIT_X86_EMIT_H

#include <string.h>
#include "../jit.h"
#include "target.h"

static inline bool emit_fits8(int64_t v) { return v >= -128 && v <= 127; }
static inline bool emit_fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* ---- cursor ------------------------------------------------------------------------ */

static inline uint8_t *emit_cur(struct jit_buf *b) { return b->p + b->len; }
static inline void emit_done(struct jit_buf *b, uint8_t *q)
{
	b->len = (size_t)(q - b->p);
#ifdef XBPF_SANITIZE
	if (b->len > b->cap)
		abort();
#endif
}

static inline uint8_t *put_u8(uint8_t *q, uint8_t v)
{
	*q = v;
	return q + 1;
}
static inline uint8_t *put_u16(uint8_t *q, uint16_t v)
{
	memcpy(q, &v, 2); /* x86 is little-endian */
	return q + 2;
}
static inline uint8_t *put_u32(uint8_t *q, uint32_t v)
{
	memcpy(q, &v, 4);
	return q + 4;
}
static inline uint8_t *put_u64(uint8_t *q, uint64_t v)
{
	memcpy(q, &v, 8);
	return q + 8;
}

/* REX prefix: W for 64-bit, R/X/B extend reg, index and rm; `force` emits a bare 0x40 so
 * that byte registers 4-7 mean spl/bpl/sil/dil instead of ah/ch/dh/bh.
 * Without branches (whether an instruction needs one depends on its registers: a branch
 * here would be mispredicted all the time): the byte is always written, and kept when
 * needed; a byte written past the end is overwritten by what comes next (room is reserved
 * ahead). The other variable-length fields below are written the same way. */
static inline uint8_t *put_rex(uint8_t *q, bool w, unsigned reg, unsigned index, unsigned rm,
			       bool force)
{
	uint8_t rex = X86_REX | (w ? X86_REX_W : 0) | (reg & 8 ? X86_REX_R : 0) |
		      (index & 8 ? X86_REX_X : 0) | (rm & 8 ? X86_REX_B : 0);
	*q = rex;
	return q + ((rex != X86_REX) | force);
}

static inline uint8_t *put_modrm(uint8_t *q, unsigned mod, unsigned reg, unsigned rm)
{
	*q = (uint8_t)(mod << 6 | (reg & 7) << 3 | (rm & 7));
	return q + 1;
}

/* ModRM (+SIB) (+disp) for [base + disp]. */
static inline uint8_t *put_mem(uint8_t *q, unsigned reg, unsigned base, int32_t disp)
{
	unsigned mod = (disp == 0 && (base & 7) != 5) ? 0 : emit_fits8(disp) ? 1 : 2;
	q = put_modrm(q, mod, reg, base);
	*q = 0x24; /* SIB: base only, for rsp and r12 */
	q += (base & 7) == 4;
	put_u32(q, (uint32_t)disp); /* disp8 is its low byte */
	return q + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

/* ModRM + SIB (+disp) for [base + index * (1 << scale) + disp]; index is never rsp. */
static inline uint8_t *put_mem_idx(uint8_t *q, unsigned reg, unsigned base, unsigned index,
				   unsigned scale, int32_t disp)
{
	unsigned mod = (disp == 0 && (base & 7) != 5) ? 0 : emit_fits8(disp) ? 1 : 2;
	q = put_modrm(q, mod, reg, 4);
	*q++ = (uint8_t)(scale << 6 | (index & 7) << 3 | (base & 7));
	put_u32(q, (uint32_t)disp);
	return q + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

/* One-shot forms for callers that emit a single piece. */
static inline void emit_u8(struct jit_buf *b, uint8_t v) { emit_done(b, put_u8(emit_cur(b), v)); }
static inline void emit_u16(struct jit_buf *b, uint16_t v) { emit_done(b, put_u16(emit_cur(b), v)); }
static inline void emit_u32(struct jit_buf *b, uint32_t v) { emit_done(b, put_u32(emit_cur(b), v)); }
static inline void emit_u64(struct jit_buf *b, uint64_t v) { emit_done(b, put_u64(emit_cur(b), v)); }

/* ---- register-register ------------------------------------------------------------- */

/* add/or/and/sub/xor/cmp/test/mov dst, src     (opc = X86_ADD_MR, ..., X86_MOV_MR) */
static inline void emit_op_rr(struct jit_buf *b, uint8_t opc, bool w, unsigned dst, unsigned src)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, src, 0, dst, false);
	*q++ = opc;
	q = put_modrm(q, 3, src, dst);
	emit_done(b, q);
}

/* mov dst, src (64-bit) or mov dst32, src32 (zero-extends) */
static inline void emit_mov_rr(struct jit_buf *b, bool w, unsigned dst, unsigned src)
{
	emit_op_rr(b, X86_MOV_MR, w, dst, src);
}

/* imul dst, src */
static inline void emit_imul_rr(struct jit_buf *b, bool w, unsigned dst, unsigned src)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, dst, 0, src, false);
	*q++ = X86_0F;
	*q++ = X86_IMUL_RM;
	q = put_modrm(q, 3, dst, src);
	emit_done(b, q);
}

/* imul dst, src, imm (imm8 or imm32, sign-extended) */
static inline void emit_imul_rri(struct jit_buf *b, bool w, unsigned dst, unsigned src,
				 int32_t imm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, dst, 0, src, false);
	*q++ = emit_fits8(imm) ? X86_IMUL_RMI8 : X86_IMUL_RMI32;
	q = put_modrm(q, 3, dst, src);
	put_u32(q, (uint32_t)imm); /* imm8 is its low byte */
	emit_done(b, q + (emit_fits8(imm) ? 1 : 4));
}

/* movzx dst32, src8 / movzx dst32, src16 (bytes = 1 or 2) */
static inline void emit_movzx_rr(struct jit_buf *b, unsigned bytes, unsigned dst, unsigned src)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, dst, 0, src, bytes == 1 && src >= 4);
	*q++ = X86_0F;
	*q++ = bytes == 1 ? X86_MOVZX8 : X86_MOVZX16;
	q = put_modrm(q, 3, dst, src);
	emit_done(b, q);
}

/* movsx dst, src8 / movsx dst, src16 / movsxd dst, src32 (w: into 64 bits) */
static inline void emit_movsx_rr(struct jit_buf *b, bool w, unsigned bytes, unsigned dst,
				 unsigned src)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, dst, 0, src, bytes == 1 && src >= 4);
	if (bytes == 4) {
		*q++ = X86_MOVSXD_RM;
	} else {
		*q++ = X86_0F;
		*q++ = bytes == 1 ? X86_MOVSX8 : X86_MOVSX16;
	}
	q = put_modrm(q, 3, dst, src);
	emit_done(b, q);
}

/* bswap dst (32 or 64 bits) */
static inline void emit_bswap(struct jit_buf *b, bool w, unsigned dst)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, 0, 0, dst, false);
	*q++ = X86_0F;
	*q++ = (uint8_t)(X86_BSWAP + (dst & 7));
	emit_done(b, q);
}

/* rol dst16, 8 (swap the two low bytes) */
static inline void emit_rol16_8(struct jit_buf *b, unsigned dst)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_P_OPSIZE;
	q = put_rex(q, false, 0, 0, dst, false);
	*q++ = X86_GRP2_I8;
	q = put_modrm(q, 3, X86_EXT_ROL, dst);
	*q++ = 8;
	emit_done(b, q);
}

/* ---- register-immediate ------------------------------------------------------------ */

/* add/or/and/sub/xor/cmp dst, imm (imm8 form when it fits) */
static inline void emit_op_ri(struct jit_buf *b, unsigned ext, bool w, unsigned dst, int32_t imm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, 0, 0, dst, false);
	*q++ = emit_fits8(imm) ? X86_GRP1_I8 : X86_GRP1_I32;
	q = put_modrm(q, 3, ext, dst);
	put_u32(q, (uint32_t)imm); /* imm8 is its low byte */
	emit_done(b, q + (emit_fits8(imm) ? 1 : 4));
}

/* test dst, imm32 */
static inline void emit_test_ri(struct jit_buf *b, bool w, unsigned dst, int32_t imm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, 0, 0, dst, false);
	*q++ = X86_GRP3;
	q = put_modrm(q, 3, X86_EXT_TEST, dst);
	q = put_u32(q, (uint32_t)imm);
	emit_done(b, q);
}

/* mov dst32, imm32 (zero-extends to 64 bits) */
static inline void emit_mov_ri32(struct jit_buf *b, unsigned dst, uint32_t imm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, 0, 0, dst, false);
	*q++ = (uint8_t)(X86_MOV_RI + (dst & 7));
	q = put_u32(q, imm);
	emit_done(b, q);
}

/* mov dst, simm32 (sign-extended to 64 bits) */
static inline void emit_mov_ri_sx(struct jit_buf *b, unsigned dst, int32_t imm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, true, 0, 0, dst, false);
	*q++ = X86_MOV_MI;
	q = put_modrm(q, 3, X86_EXT_MOV, dst);
	q = put_u32(q, (uint32_t)imm);
	emit_done(b, q);
}

/* movabs dst, imm64 */
static inline void emit_mov_ri64(struct jit_buf *b, unsigned dst, uint64_t imm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, true, 0, 0, dst, false);
	*q++ = (uint8_t)(X86_MOV_RI + (dst & 7));
	q = put_u64(q, imm);
	emit_done(b, q);
}

/* shl/shr/sar/rol dst, imm8 */
static inline void emit_shift_ri(struct jit_buf *b, unsigned ext, bool w, unsigned dst,
				 uint8_t imm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, 0, 0, dst, false);
	*q++ = X86_GRP2_I8;
	q = put_modrm(q, 3, ext, dst);
	*q++ = imm;
	emit_done(b, q);
}

/* shl/shr/sar dst, cl */
static inline void emit_shift_cl(struct jit_buf *b, unsigned ext, bool w, unsigned dst)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, 0, 0, dst, false);
	*q++ = X86_GRP2_CL;
	q = put_modrm(q, 3, ext, dst);
	emit_done(b, q);
}

/* neg/div/idiv/mul src   (group 3 unary forms) */
static inline void emit_grp3_r(struct jit_buf *b, unsigned ext, bool w, unsigned rm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, 0, 0, rm, false);
	*q++ = X86_GRP3;
	q = put_modrm(q, 3, ext, rm);
	emit_done(b, q);
}

/* cqo (w) / cdq: sign-extend rax into rdx */
static inline void emit_cqo(struct jit_buf *b, bool w)
{
	uint8_t *q = emit_cur(b);
	if (w)
		*q++ = X86_REX | X86_REX_W;
	*q++ = X86_CDQ;
	emit_done(b, q);
}

/* ---- memory ------------------------------------------------------------------------ */

/* Load `bytes` from [base + disp] into dst: movzx dst32, byte/word [..]; mov dst32, [..];
 * mov dst, [..]; with `sx`: movsx dst, byte/word [..]; movsxd dst, dword [..]. */
static inline void emit_load(struct jit_buf *b, unsigned bytes, bool sx, unsigned dst,
			     unsigned base, int32_t disp)
{
	uint8_t *q = emit_cur(b);
	if (bytes == 8 || (bytes == 4 && !sx)) {
		q = put_rex(q, bytes == 8, dst, 0, base, false);
		*q++ = X86_MOV_RM;
	} else if (bytes == 4) {
		q = put_rex(q, true, dst, 0, base, false);
		*q++ = X86_MOVSXD_RM;
	} else {
		q = put_rex(q, sx, dst, 0, base, false);
		*q++ = X86_0F;
		*q++ = bytes == 1 ? (sx ? X86_MOVSX8 : X86_MOVZX8) : (sx ? X86_MOVSX16 : X86_MOVZX16);
	}
	q = put_mem(q, dst, base, disp);
	emit_done(b, q);
}

/* Load `bytes` from [base + index + disp] zero-extended: movzx/mov dst32, [base+index] */
static inline void emit_load_idx(struct jit_buf *b, unsigned bytes, unsigned dst, unsigned base,
				 unsigned index)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, dst, index, base, false);
	if (bytes == 4) {
		*q++ = X86_MOV_RM;
	} else {
		*q++ = X86_0F;
		*q++ = bytes == 1 ? X86_MOVZX8 : X86_MOVZX16;
	}
	q = put_mem_idx(q, dst, base, index, 0, 0);
	emit_done(b, q);
}

/* mov byte/word/dword/qword [base + disp], src */
static inline void emit_store_r(struct jit_buf *b, unsigned bytes, unsigned base, int32_t disp,
				unsigned src)
{
	uint8_t *q = emit_cur(b);
	if (bytes == 2)
		*q++ = X86_P_OPSIZE;
	q = put_rex(q, bytes == 8, src, 0, base, bytes == 1 && src >= 4);
	*q++ = bytes == 1 ? X86_MOV8_MR : X86_MOV_MR;
	q = put_mem(q, src, base, disp);
	emit_done(b, q);
}

/* mov byte/word/dword/qword [base + disp], imm (qword: simm32 sign-extended) */
static inline void emit_store_i(struct jit_buf *b, unsigned bytes, unsigned base, int32_t disp,
				int32_t imm)
{
	uint8_t *q = emit_cur(b);
	if (bytes == 2)
		*q++ = X86_P_OPSIZE;
	q = put_rex(q, bytes == 8, 0, 0, base, false);
	*q++ = bytes == 1 ? X86_MOV8_MI : X86_MOV_MI;
	q = put_mem(q, X86_EXT_MOV, base, disp);
	if (bytes == 1)
		*q++ = (uint8_t)imm;
	else if (bytes == 2)
		q = put_u16(q, (uint16_t)imm);
	else
		q = put_u32(q, (uint32_t)imm);
	emit_done(b, q);
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
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, dst, 0, base, false);
	*q++ = (uint8_t)(opc_mr | 2);
	q = put_mem(q, dst, base, disp);
	emit_done(b, q);
}

/* add/sub/cmp/... dst, [base + index*8 + disp] */
static inline void emit_op_rm_idx8(struct jit_buf *b, uint8_t opc_mr, bool w, unsigned dst,
				   unsigned base, unsigned index, int32_t disp)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, dst, index, base, false);
	*q++ = (uint8_t)(opc_mr | 2);
	q = put_mem_idx(q, dst, base, index, 3, disp);
	emit_done(b, q);
}

/* cmp byte [base + index*8 + disp], imm8 */
static inline void emit_cmp8_mi_idx8(struct jit_buf *b, unsigned base, unsigned index,
				     int32_t disp, uint8_t imm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, 0, index, base, false);
	*q++ = 0x80; /* grp1 r/m8, imm8 */
	q = put_mem_idx(q, X86_EXT_CMP, base, index, 3, disp);
	*q++ = imm;
	emit_done(b, q);
}

/* add/sub/cmp qword|dword [base + disp], imm (imm8 form when it fits) */
static inline void emit_op_mi(struct jit_buf *b, unsigned ext, bool w, unsigned base,
			      int32_t disp, int32_t imm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, w, 0, 0, base, false);
	*q++ = emit_fits8(imm) ? X86_GRP1_I8 : X86_GRP1_I32;
	q = put_mem(q, ext, base, disp);
	put_u32(q, (uint32_t)imm); /* imm8 is its low byte */
	emit_done(b, q + (emit_fits8(imm) ? 1 : 4));
}

/* inc/dec dword [base + disp] */
static inline void emit_incdec_m32(struct jit_buf *b, unsigned ext, unsigned base, int32_t disp)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, 0, 0, base, false);
	*q++ = X86_GRP5;
	q = put_mem(q, ext, base, disp);
	emit_done(b, q);
}

/* lea dst, [base + disp] */
static inline void emit_lea(struct jit_buf *b, unsigned dst, unsigned base, int32_t disp)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, true, dst, 0, base, false);
	*q++ = X86_LEA;
	q = put_mem(q, dst, base, disp);
	emit_done(b, q);
}

/* lea dst, [base + index*(1<<scale) + disp] */
static inline void emit_lea_idx(struct jit_buf *b, unsigned dst, unsigned base, unsigned index,
				unsigned scale, int32_t disp)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, true, dst, index, base, false);
	*q++ = X86_LEA;
	q = put_mem_idx(q, dst, base, index, scale, disp);
	emit_done(b, q);
}

/* The memory check call, in one go (it is emitted for most memory accesses of unverified
 * programs):  lea r11, [base + disp]; mov r10d, size; call rel32 (displacement 0, filled
 * in later). Returns the offset of the call in b. Kept only when `keep` (else the bytes
 * are written past the end, and overwritten by what comes next). */
static inline size_t emit_check_call(struct jit_buf *b, unsigned base, int32_t disp,
				     uint32_t size, bool keep)
{
	uint8_t *start = emit_cur(b), *q = start;
	q = put_rex(q, true, X86_R11, 0, base, false);
	*q++ = X86_LEA;
	q = put_mem(q, X86_R11, base, disp);              /* lea r11, [base+disp] */
	*q++ = X86_REX | X86_REX_B;
	*q++ = (uint8_t)(X86_MOV_RI + (X86_R10 & 7));
	q = put_u32(q, size);                              /* mov r10d, size */
	size_t at = (size_t)(q - b->p);
	*q++ = X86_CALL_REL32;
	q = put_u32(q, 0);                                 /* call rel32 */
	emit_done(b, keep ? q : start);
	return at;
}

/* lock add/or/and/xor [base + disp], src (bytes 4 or 8) */
static inline void emit_lock_op_mr(struct jit_buf *b, uint8_t opc, unsigned bytes, unsigned base,
				   int32_t disp, unsigned src)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_P_LOCK;
	q = put_rex(q, bytes == 8, src, 0, base, false);
	*q++ = opc;
	q = put_mem(q, src, base, disp);
	emit_done(b, q);
}

/* lock xadd [base + disp], src */
static inline void emit_lock_xadd(struct jit_buf *b, unsigned bytes, unsigned base, int32_t disp,
				  unsigned src)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_P_LOCK;
	q = put_rex(q, bytes == 8, src, 0, base, false);
	*q++ = X86_0F;
	*q++ = X86_XADD;
	q = put_mem(q, src, base, disp);
	emit_done(b, q);
}

/* lock cmpxchg [base + disp], src   (compares with rax/eax) */
static inline void emit_lock_cmpxchg(struct jit_buf *b, unsigned bytes, unsigned base,
				     int32_t disp, unsigned src)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_P_LOCK;
	q = put_rex(q, bytes == 8, src, 0, base, false);
	*q++ = X86_0F;
	*q++ = X86_CMPXCHG;
	q = put_mem(q, src, base, disp);
	emit_done(b, q);
}

/* xchg [base + disp], src   (implicitly locked) */
static inline void emit_xchg_mr(struct jit_buf *b, unsigned bytes, unsigned base, int32_t disp,
				unsigned src)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, bytes == 8, src, 0, base, false);
	*q++ = X86_XCHG_MR;
	q = put_mem(q, src, base, disp);
	emit_done(b, q);
}

/* test byte reg8, imm8 */
static inline void emit_test8_ri(struct jit_buf *b, unsigned reg, uint8_t imm)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, 0, 0, reg, reg >= 4);
	*q++ = 0xf6; /* grp3 r/m8 */
	q = put_modrm(q, 3, X86_EXT_TEST, reg);
	*q++ = imm;
	emit_done(b, q);
}

/* ---- control flow ------------------------------------------------------------------ */

/* push reg / pop reg */
static inline void emit_push(struct jit_buf *b, unsigned reg)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, 0, 0, reg, false);
	*q++ = (uint8_t)(X86_PUSH_R + (reg & 7));
	emit_done(b, q);
}
static inline void emit_pop(struct jit_buf *b, unsigned reg)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, 0, 0, reg, false);
	*q++ = (uint8_t)(X86_POP_R + (reg & 7));
	emit_done(b, q);
}

/* ret */
static inline void emit_ret(struct jit_buf *b)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_RET;
	emit_done(b, q);
}
/* clc / stc */
static inline void emit_clc(struct jit_buf *b)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_CLC;
	emit_done(b, q);
}
static inline void emit_stc(struct jit_buf *b)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_STC;
	emit_done(b, q);
}

/* jcc rel8 */
static inline void emit_jcc8(struct jit_buf *b, unsigned cc, int8_t rel)
{
	uint8_t *q = emit_cur(b);
	*q++ = (uint8_t)(X86_JCC_REL8 + cc);
	*q++ = (uint8_t)rel;
	emit_done(b, q);
}
/* jcc rel32 */
static inline void emit_jcc32(struct jit_buf *b, unsigned cc, int32_t rel)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_0F;
	*q++ = (uint8_t)(X86_JCC_REL32 + cc);
	q = put_u32(q, (uint32_t)rel);
	emit_done(b, q);
}
/* jmp rel8 */
static inline void emit_jmp8(struct jit_buf *b, int8_t rel)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_JMP_REL8;
	*q++ = (uint8_t)rel;
	emit_done(b, q);
}
/* jmp rel32 */
static inline void emit_jmp32(struct jit_buf *b, int32_t rel)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_JMP_REL32;
	q = put_u32(q, (uint32_t)rel);
	emit_done(b, q);
}
/* call rel32 */
static inline void emit_call32(struct jit_buf *b, int32_t rel)
{
	uint8_t *q = emit_cur(b);
	*q++ = X86_CALL_REL32;
	q = put_u32(q, (uint32_t)rel);
	emit_done(b, q);
}
/* call reg */
static inline void emit_call_r(struct jit_buf *b, unsigned reg)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, 0, 0, reg, false);
	*q++ = X86_GRP5;
	q = put_modrm(q, 3, X86_EXT_CALL, reg);
	emit_done(b, q);
}
/* call qword [base + disp] */
static inline void emit_call_m(struct jit_buf *b, unsigned base, int32_t disp)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, 0, 0, base, false);
	*q++ = X86_GRP5;
	q = put_mem(q, X86_EXT_CALL, base, disp);
	emit_done(b, q);
}

/* jmp qword [base + disp] */
static inline void emit_jmp_m(struct jit_buf *b, unsigned base, int32_t disp)
{
	uint8_t *q = emit_cur(b);
	q = put_rex(q, false, 0, 0, base, false);
	*q++ = X86_GRP5;
	q = put_mem(q, X86_EXT_JMP, base, disp);
	emit_done(b, q);
}

#endif /* XBPF_JIT_X86_EMIT_H */
