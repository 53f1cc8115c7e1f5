/* xbpf/insn.h - the eBPF instruction word and the ISA's field constants.
 *
 * Values are those of the Linux uapi (linux/bpf.h, linux/bpf_common.h) and
 * RFC 9669, under an XBPF_ prefix so this header can be included next to the
 * kernel's own. An instruction is 8 bytes, little-endian; lddw takes two.
 */
#ifndef XBPF_INSN_H
#define XBPF_INSN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xbpf_insn {
	uint8_t code;       /* opcode: class | size/op | mode/source */
	uint8_t dst_reg: 4; /* destination register */
	uint8_t src_reg: 4; /* source register */
	int16_t off;        /* signed offset */
	int32_t imm;        /* signed immediate */
};

/* instruction classes (low 3 bits) */
#define XBPF_CLASS(code) ((code) & 0x07)
#define XBPF_LD    0x00
#define XBPF_LDX   0x01
#define XBPF_ST    0x02
#define XBPF_STX   0x03
#define XBPF_ALU   0x04
#define XBPF_JMP   0x05
#define XBPF_JMP32 0x06
#define XBPF_ALU64 0x07

/* load/store: size (bits 3-4) and mode (bits 5-7) */
#define XBPF_SIZE(code) ((code) & 0x18)
#define XBPF_W  0x00
#define XBPF_H  0x08
#define XBPF_B  0x10
#define XBPF_DW 0x18
#define XBPF_MODE(code) ((code) & 0xe0)
#define XBPF_IMM    0x00
#define XBPF_ABS    0x20
#define XBPF_IND    0x40
#define XBPF_MEM    0x60
#define XBPF_MEMSX  0x80
#define XBPF_ATOMIC 0xc0

/* alu/jmp: operation (bits 4-7) and source (bit 3) */
#define XBPF_OP(code)  ((code) & 0xf0)
#define XBPF_SRC(code) ((code) & 0x08)
#define XBPF_K 0x00
#define XBPF_X 0x08

#define XBPF_ADD  0x00
#define XBPF_SUB  0x10
#define XBPF_MUL  0x20
#define XBPF_DIV  0x30
#define XBPF_OR   0x40
#define XBPF_AND  0x50
#define XBPF_LSH  0x60
#define XBPF_RSH  0x70
#define XBPF_NEG  0x80
#define XBPF_MOD  0x90
#define XBPF_XOR  0xa0
#define XBPF_MOV  0xb0
#define XBPF_ARSH 0xc0
#define XBPF_END  0xd0
#define XBPF_TO_LE 0x00 /* END source bit: little-endian */
#define XBPF_TO_BE 0x08 /* END source bit: big-endian */

#define XBPF_JA   0x00
#define XBPF_JEQ  0x10
#define XBPF_JGT  0x20
#define XBPF_JGE  0x30
#define XBPF_JSET 0x40
#define XBPF_JNE  0x50
#define XBPF_JSGT 0x60
#define XBPF_JSGE 0x70
#define XBPF_CALL 0x80
#define XBPF_EXIT 0x90
#define XBPF_JLT  0xa0
#define XBPF_JLE  0xb0
#define XBPF_JSLT 0xc0
#define XBPF_JSLE 0xd0

/* atomic operations (imm of STX|ATOMIC) */
#define XBPF_FETCH   0x01
#define XBPF_XCHG    (0xe0 | XBPF_FETCH)
#define XBPF_CMPXCHG (0xf0 | XBPF_FETCH)

/* src_reg of lddw (RFC 9669 section 5.4 / libbpf) */
#define XBPF_PSEUDO_IMM64        0 /* dst = imm64 */
#define XBPF_PSEUDO_MAP_FD       1 /* dst = map by fd */
#define XBPF_PSEUDO_MAP_VALUE    2 /* dst = map value address + next.imm */
#define XBPF_PSEUDO_BTF_ID       3 /* dst = kernel variable by BTF id */
#define XBPF_PSEUDO_FUNC         4 /* dst = address of a subprogram (callback) */
#define XBPF_PSEUDO_MAP_IDX      5 /* dst = map by index */
#define XBPF_PSEUDO_MAP_IDX_VALUE 6 /* dst = map value by index + next.imm */

/* src_reg of call */
#define XBPF_PSEUDO_CALL_HELPER 0 /* imm = helper id */
#define XBPF_PSEUDO_CALL        1 /* imm = pc-relative offset of a local function */
#define XBPF_PSEUDO_KFUNC_CALL  2 /* imm = BTF id of a kernel function */

/* registers */
enum {
	XBPF_REG_0 = 0, XBPF_REG_1, XBPF_REG_2, XBPF_REG_3, XBPF_REG_4, XBPF_REG_5,
	XBPF_REG_6, XBPF_REG_7, XBPF_REG_8, XBPF_REG_9, XBPF_REG_10,
	XBPF_NREGS,
};

#define XBPF_STACK_SIZE 512  /* bytes of stack per frame */
#define XBPF_MAX_FRAMES 8    /* call depth, main program included */
#define XBPF_MAX_TAIL_CALLS 33

#ifdef __cplusplus
}
#endif
#endif /* XBPF_INSN_H */
