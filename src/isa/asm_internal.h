/* asm_internal.h - what the assembler and disassembler files share (library-internal).
 *
 * Module prefix isa_ (hidden): the instruction word as one 64-bit value, the validity test
 * both sides agree on, and the lexer/encoder interface of the assembler.
 */
#ifndef XBPF_ASM_INTERNAL_H
#define XBPF_ASM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "isa.h"

/* The instruction as the 64-bit little-endian word the conformance "-- raw" sections use:
 * code | dst << 8 | src << 12 | off << 16 | imm << 32. */
ISA_HIDDEN uint64_t isa_insn_word(const struct xbpf_insn *in);

/* The row of insns[idx] when it is a valid instruction (fields obey the row's rules, a
 * lddw has a clean second slot inside the program), else -1. */
ISA_HIDDEN int isa_insn_valid(const struct xbpf_insn *insns, size_t cnt, size_t idx);

/* ---- assembler state (asm.c) ---------------------------------------------------------- */
struct xbpf_vm;

/* A reference to a label, resolved when the whole text has been read. */
enum isa_fix_kind { FIX_OFF, FIX_IMM };
struct isa_fixup {
	size_t idx;   /* instruction that gets the relative distance */
	size_t line;
	uint8_t kind; /* enum isa_fix_kind: into off (jumps) or imm (ja32, local calls, lddw) */
	char *name;
};

struct isa_label {
	char *name;
	size_t idx;
	size_t line;
};

struct isa_asm {
	const struct xbpf_vm *vm;
	struct xbpf_insn *insns;
	size_t cnt, cap;
	struct isa_fixup *fix;
	size_t nfix, capfix;
	struct isa_label *labels; /* open-addressing hash, capacity nlab_cap (power of 2) */
	size_t nlab, nlab_cap;
	int64_t first_exit;       /* index of the first exit: the default label "exit" */
	size_t line;              /* 1-based number of the line being read */
	bool failed;              /* an error was recorded */
	bool lddw_hint;           /* the line had bpftool's "(18)" opcode: "r1 = N" is a lddw */
	char *err;
	size_t err_size;
};

/* Record "line N: <message>" (first error wins) and return -EINVAL. */
ISA_HIDDEN int isa_asm_error(struct isa_asm *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append an instruction; returns its index or -ENOMEM (after recording the error). */
ISA_HIDDEN long isa_asm_emit(struct isa_asm *a, const struct xbpf_insn *in);
/* Remember that instruction idx refers to label `name` (len bytes). 0 or -errno. */
ISA_HIDDEN int isa_asm_fixup(struct isa_asm *a, size_t idx, enum isa_fix_kind kind,
			     const char *name, size_t len);

/* The first row of isa_table with this form whose width (64-bit class or not; -1 any),
 * kernel operator (NULL any) and uBPF mnemonic (NULL any) match; -1 when none. */
ISA_HIDDEN int isa_asm_find(uint8_t form, int is64, const char *ksym, const char *ubpf);
/* Like isa_asm_find, with a fixed field (field 'o' off, 'i' imm, 's' src) equal to value. */
ISA_HIDDEN int isa_asm_find_eq(uint8_t form, int is64, const char *ksym, char field,
			       int32_t value);
/* An instruction of row op: the opcode byte and every fixed (RULE_EQ) field set. */
ISA_HIDDEN struct xbpf_insn isa_asm_encode(int op);

/* ---- lexing (asm_lex.c): a cursor over one line; every function skips leading blanks,
 * consumes only on success and leaves *p unchanged otherwise ---------------------------- */
struct isa_num {
	uint64_t mag; /* magnitude */
	bool neg;
};
/* Literal text (a word must not run on into an identifier character). */
ISA_HIDDEN bool isa_lex_lit(const char **p, const char *lit);
ISA_HIDDEN bool isa_lex_word(const char **p, const char *word);
/* Register "%rN", "rN" or "wN" (N 0-10); *w set for w. Returns 1, 0 when no register is
 * there, -1 for a register-like token with a bad number (error recorded). */
ISA_HIDDEN int isa_lex_reg(struct isa_asm *a, const char **p, unsigned *r, bool *w);
/* Number: [+-] decimal or 0x hex. Returns 1, 0 when none, -1 on overflow (error recorded). */
ISA_HIDDEN int isa_lex_num(struct isa_asm *a, const char **p, struct isa_num *n);
/* Identifier [A-Za-z_.$][A-Za-z0-9_.$]*: start and length. */
ISA_HIDDEN bool isa_lex_ident(const char **p, const char **s, size_t *len);
/* Only blanks remain. */
ISA_HIDDEN bool isa_lex_end(const char **p);
/* Range-checked conversions; -1 with the error recorded. `what` names the field. */
ISA_HIDDEN int isa_num_imm32(struct isa_asm *a, const struct isa_num *n, int32_t *out,
			     const char *what);
ISA_HIDDEN int isa_num_off16(struct isa_asm *a, const struct isa_num *n, int16_t *out,
			     const char *what);
ISA_HIDDEN int isa_num_imm64(struct isa_asm *a, const struct isa_num *n, uint64_t *out);
/* A jump or call target: "+N"/"-N", "pc+N", a bare number, or a label (fixup for
 * instruction idx). kind: FIX_OFF (16-bit) or FIX_IMM (32-bit). 0, or -1 with an error. */
ISA_HIDDEN int isa_lex_target(struct isa_asm *a, const char **p, size_t idx,
			      enum isa_fix_kind kind);
/* Register-relative memory: "[%rN+off]" / "[%rN]" (ubpf) or "(rN + off)" (kernel). */
ISA_HIDDEN int isa_lex_mem_ubpf(struct isa_asm *a, const char **p, unsigned *r, int16_t *off);
ISA_HIDDEN int isa_lex_mem_kernel(struct isa_asm *a, const char **p, unsigned *r,
				  int16_t *off);
/* The rest of the line, for messages (at most 40 characters shown). */
ISA_HIDDEN const char *isa_lex_rest(const char *p, char *buf, size_t size);

/* ---- the two syntaxes (asm_ubpf.c, asm_kernel.c) ---------------------------------------- */
/* True when the line (comments and objdump columns removed) is in kernel syntax. */
ISA_HIDDEN bool isa_asm_is_kernel(const char *line);
/* Assemble one instruction line; 0 or -EINVAL with the error recorded. */
ISA_HIDDEN int isa_asm_ubpf_line(struct isa_asm *a, const char *line);
ISA_HIDDEN int isa_asm_kernel_line(struct isa_asm *a, const char *line);
/* Shared by both: the lddw operand (number or pseudo form) into the two words at idx. */
ISA_HIDDEN int isa_asm_lddw_value(struct isa_asm *a, const char **p, size_t idx);
/* "call ..." in either syntax (p after the word "call"). */
ISA_HIDDEN int isa_asm_call(struct isa_asm *a, const char *p);
/* "callx" operand (p after the word): register into imm (LLVM) or dst (conformance). */
ISA_HIDDEN int isa_asm_callx(struct isa_asm *a, const char *p, bool in_imm);

#endif /* XBPF_ASM_INTERNAL_H */
