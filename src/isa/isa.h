/* isa.h - the instruction table as data, and decoding of instruction words into it.
 *
 * opcodes.def is expanded here into enum xbpf_op (one value per operation, including the
 * rows that share an opcode byte) and into isa_table[], the per-operation facts every
 * engine reads. isa_decode() maps an instruction word to its row; it is the only place
 * that knows how rows sharing an opcode are told apart.
 *
 * Module prefix: isa_ (hidden, library-internal).
 */
#ifndef XBPF_ISA_H
#define XBPF_ISA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xbpf/insn.h"

#define ISA_HIDDEN __attribute__((visibility("hidden")))

enum xbpf_op {
#define ISA_OP(ID, ...) XOP_##ID,
#include "opcodes.def"
#undef ISA_OP
	XOP__COUNT,
	XOP_INVALID = 0xffff,
};

/* Operand shapes: how an instruction is written and how its fields are read. */
enum xbpf_form {
	FORM_ALU_K,      /* dst op= imm */
	FORM_ALU_X,      /* dst op= src */
	FORM_NEG,        /* dst = -dst */
	FORM_MOVSX,      /* dst = (sN)src, N in off */
	FORM_END,        /* byte order: width in imm */
	FORM_LDX,        /* dst = *(size *)(src + off) */
	FORM_ST,         /* *(size *)(dst + off) = imm */
	FORM_STX,        /* *(size *)(dst + off) = src */
	FORM_ATOMIC,     /* atomic op on *(size *)(dst + off) with src, op in imm */
	FORM_LDDW,       /* dst = imm64, two slots */
	FORM_LDABS,      /* r0 = packet[imm] */
	FORM_LDIND,      /* r0 = packet[src + imm] */
	FORM_JA,         /* goto pc + off + 1 */
	FORM_JA32,       /* goto pc + imm + 1 */
	FORM_JCOND_K,    /* if dst op imm goto pc + off + 1 */
	FORM_JCOND_X,    /* if dst op src goto pc + off + 1 */
	FORM_CALL,       /* helper call, id in imm */
	FORM_CALL_LOCAL, /* call pc + imm + 1 */
	FORM_CALL_KFUNC, /* kernel function call, BTF id in imm */
	FORM_CALLX,      /* helper call, id in a register */
	FORM_EXIT,
};

/* Field rules (the Z/R/W/A/V/P/X letters of opcodes.def). */
enum isa_rule_kind { RULE_ZERO, RULE_REG, RULE_WREG, RULE_ANY, RULE_EQ, RULE_PSEUDO, RULE_CALLX };
struct isa_rule {
	uint8_t kind;   /* enum isa_rule_kind */
	int32_t value;  /* for RULE_EQ */
};

/* Conformance groups of RFC 9669 (plus callx). */
enum isa_group { GRP_base32, GRP_base64, GRP_atomic32, GRP_atomic64, GRP_divmul32, GRP_divmul64,
		 GRP_packet, GRP_callx };

struct isa_op {
	const char *id;        /* "ADD64_K" */
	uint8_t code;          /* opcode byte */
	struct isa_rule dst, src, off, imm;
	uint8_t form;          /* enum xbpf_form */
	uint8_t group;         /* enum isa_group */
	const char *ubpf;      /* uBPF mnemonic, e.g. "add32", "lock fetch add" */
	const char *ksym;      /* kernel-syntax operator, e.g. "+=", "s>", "u32" */
	const char *doc;       /* one-line semantics */
};

/* The table, indexed by enum xbpf_op. */
ISA_HIDDEN extern const struct isa_op isa_table[XOP__COUNT];

/* Decode one instruction word: the row whose opcode byte matches and whose field rules
 * for off/imm/src discriminators (RULE_EQ) hold. Returns XOP_INVALID when no row has this
 * opcode byte or none of the rows sharing it matches. Does not check the other rules:
 * isa_check_fields() does, so the validator can say which field is wrong. */
ISA_HIDDEN uint16_t isa_decode(const struct xbpf_insn *insn);

/* Check every field rule of row `op` against `insn`. Returns NULL when all hold, else a
 * static string naming the field and the rule ("reserved field off must be 0", ...). */
ISA_HIDDEN const char *isa_check_fields(uint16_t op, const struct xbpf_insn *insn);

/* True when some row has this opcode byte (to tell "unknown opcode" from "bad field"). */
ISA_HIDDEN bool isa_opcode_known(uint8_t code);

/* Facts derived from the table. */
static inline bool isa_is_jump(uint16_t op)
{
	uint8_t f = isa_table[op].form;
	return f == FORM_JA || f == FORM_JA32 || f == FORM_JCOND_K || f == FORM_JCOND_X;
}
static inline bool isa_is_64(uint16_t op)
{
	uint8_t c = XBPF_CLASS(isa_table[op].code);
	return c == XBPF_ALU64 || c == XBPF_JMP;
}
/* Access size in bytes of a load/store/atomic/ldabs row (1, 2, 4, 8). */
static inline unsigned isa_mem_size(uint16_t op)
{
	static const unsigned char sz[4] = {4, 2, 1, 8};
	return sz[XBPF_SIZE(isa_table[op].code) >> 3];
}
/* Branch target index of a jump at pc (FORM_JA/JA32/JCOND_*), or of a local call. */
static inline int64_t isa_target(uint16_t op, const struct xbpf_insn *insn, size_t pc)
{
	uint8_t f = isa_table[op].form;
	int64_t d = (f == FORM_JA32 || f == FORM_CALL_LOCAL) ? insn->imm : insn->off;
	return (int64_t)pc + d + 1;
}

#endif /* XBPF_ISA_H */
