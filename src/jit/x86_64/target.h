/* target.h - x86-64 target facts for the JIT: register numbers, the eBPF register
 * assignment, condition codes and named opcode bytes. No code, no decisions.
 *
 * eBPF register -> native register (System V, chosen so a helper call needs no moves:
 * r1-r5 already sit in the argument registers rdi, rsi, rdx, rcx, r8, and r0 in rax):
 *   r0 rax   r1 rdi   r2 rsi   r3 rdx   r4 rcx   r5 r8
 *   r6 rbx   r7 r13   r8 r14   r9 r15   r10 rbp (frame pointer into rc->stack)
 * r12 holds the struct xbpf_run_ctx * of the run; r9, r10, r11 are scratch.
 */
#ifndef XBPF_JIT_X86_TARGET_H
#define XBPF_JIT_X86_TARGET_H

#include <stdint.h>

enum x86_reg {
	X86_RAX = 0, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};

/* Fixed roles */
#define X86_RC   X86_R12 /* struct xbpf_run_ctx * */
#define X86_T1   X86_R11 /* scratch: addresses, constants */
#define X86_T2   X86_R10 /* scratch: sizes, blinded constants, saved rax */
#define X86_T3   X86_R9  /* scratch: saved rdx, loop index of the region check */

static const uint8_t x86_breg[11] = {
	X86_RAX, X86_RDI, X86_RSI, X86_RDX, X86_RCX, X86_R8,
	X86_RBX, X86_R13, X86_R14, X86_R15, X86_RBP,
};

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc) */
enum x86_cc {
	X86_CC_O = 0x0, X86_CC_NO = 0x1, X86_CC_B = 0x2, X86_CC_AE = 0x3,
	X86_CC_E = 0x4, X86_CC_NE = 0x5, X86_CC_BE = 0x6, X86_CC_A = 0x7,
	X86_CC_S = 0x8, X86_CC_NS = 0x9, X86_CC_P = 0xa, X86_CC_NP = 0xb,
	X86_CC_L = 0xc, X86_CC_GE = 0xd, X86_CC_LE = 0xe, X86_CC_G = 0xf,
};
#define X86_CC_INVERT(cc) ((cc) ^ 1)

/* Prefixes */
#define X86_P_OPSIZE 0x66 /* 16-bit operand size */
#define X86_P_LOCK   0xf0
#define X86_REX      0x40
#define X86_REX_W    0x08
#define X86_REX_R    0x04
#define X86_REX_X    0x02
#define X86_REX_B    0x01

/* One-byte opcodes (r/m forms: "MR" = r/m, reg; "RM" = reg, r/m) */
#define X86_ADD_MR    0x01
#define X86_OR_MR     0x09
#define X86_AND_MR    0x21
#define X86_SUB_MR    0x29
#define X86_XOR_MR    0x31
#define X86_CMP_MR    0x39
#define X86_MOVSXD_RM 0x63 /* with REX.W */
#define X86_IMUL_RMI32 0x69
#define X86_IMUL_RMI8 0x6b
#define X86_JCC_REL8  0x70 /* + cc */
#define X86_GRP1_I32  0x81 /* /0 add /1 or /4 and /5 sub /6 xor /7 cmp, imm32 */
#define X86_GRP1_I8   0x83 /* same, imm8 sign-extended */
#define X86_TEST_MR   0x85
#define X86_XCHG_MR   0x87
#define X86_MOV8_MR   0x88
#define X86_MOV_MR    0x89
#define X86_MOV_RM    0x8b
#define X86_LEA       0x8d
#define X86_CDQ       0x99 /* with REX.W: cqo */
#define X86_MOV_RI    0xb8 /* + reg, imm32 (imm64 with REX.W) */
#define X86_GRP2_I8   0xc1 /* /0 rol /4 shl /5 shr /7 sar, imm8 */
#define X86_RET       0xc3
#define X86_MOV8_MI   0xc6
#define X86_MOV_MI    0xc7
#define X86_GRP2_CL   0xd3
#define X86_CALL_REL32 0xe8
#define X86_JMP_REL32 0xe9
#define X86_JMP_REL8  0xeb
#define X86_GRP3      0xf7 /* /0 test imm /3 neg /4 mul /6 div /7 idiv */
#define X86_CLC       0xf8
#define X86_STC       0xf9
#define X86_GRP5      0xff /* /0 inc /1 dec /2 call r/m /4 jmp r/m */
#define X86_PUSH_R    0x50 /* + reg */
#define X86_POP_R     0x58 /* + reg */
/* Two-byte opcodes (after 0x0f) */
#define X86_0F        0x0f
#define X86_JCC_REL32 0x80 /* + cc */
#define X86_IMUL_RM   0xaf
#define X86_CMPXCHG   0xb1
#define X86_MOVZX8    0xb6
#define X86_MOVZX16   0xb7
#define X86_MOVSX8    0xbe
#define X86_MOVSX16   0xbf
#define X86_XADD      0xc1
#define X86_BSWAP     0xc8 /* + reg */

/* ModRM /digit extensions */
enum x86_ext {
	X86_EXT_ADD = 0, X86_EXT_OR = 1, X86_EXT_AND = 4, X86_EXT_SUB = 5, X86_EXT_XOR = 6,
	X86_EXT_CMP = 7,
	X86_EXT_ROL = 0, X86_EXT_SHL = 4, X86_EXT_SHR = 5, X86_EXT_SAR = 7,
	X86_EXT_TEST = 0, X86_EXT_NEG = 3, X86_EXT_DIV = 6, X86_EXT_IDIV = 7,
	X86_EXT_INC = 0, X86_EXT_DEC = 1, X86_EXT_CALL = 2, X86_EXT_JMP = 4,
	X86_EXT_MOV = 0,
};

#endif /* XBPF_JIT_X86_TARGET_H */
