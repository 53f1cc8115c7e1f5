/* isa.c - the instruction table (expanded from opcodes.def) and instruction decoding.
 *
 * Decoding uses a 256-entry index from opcode byte to the first table row with that byte;
 * rows sharing a byte are adjacent in opcodes.def or found by a short scan, and are told
 * apart by their RULE_EQ fields (off for sdiv/smod/movsx, imm for atomics and byte order,
 * src for call kinds).
 */
#include "isa.h"

#define Z {RULE_ZERO, 0}
#define R {RULE_REG, 0}
#define W {RULE_WREG, 0}
#define A {RULE_ANY, 0}
#define P {RULE_PSEUDO, 0}
#define X {RULE_CALLX, 0}
#define V(x) {RULE_EQ, (x)}

const struct isa_op isa_table[XOP__COUNT] = {
#define ISA_OP(ID, CODE, DST, SRC, OFF, IMM, FORM, GROUP, UBPF, KSYM, DOC) \
	[XOP_##ID] = {#ID, CODE, DST, SRC, OFF, IMM, FORM_##FORM, GRP_##GROUP, UBPF, KSYM, DOC},
#include "opcodes.def"
#undef ISA_OP
};

#undef Z
#undef R
#undef W
#undef A
#undef P
#undef X
#undef V

static bool rule_eq_holds(const struct isa_rule *r, int64_t v)
{
	return r->kind != RULE_EQ || r->value == v;
}

/* A row matches when its discriminating (RULE_EQ) fields hold. */
static bool row_matches(const struct isa_op *row, const struct xbpf_insn *insn)
{
	return rule_eq_holds(&row->off, insn->off) && rule_eq_holds(&row->imm, insn->imm) &&
	       rule_eq_holds(&row->src, insn->src_reg) && rule_eq_holds(&row->dst, insn->dst_reg);
}

uint16_t isa_decode(const struct xbpf_insn *insn)
{
	/* The table is small (under 200 rows); a scan per opcode byte through a lazily built
	 * first-row index keeps this O(rows sharing the byte). */
	static uint16_t first[256];
	static uint16_t next[XOP__COUNT];
	static int ready;
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		uint16_t f[256], n[XOP__COUNT];
		for (int i = 0; i < 256; i++)
			f[i] = XOP_INVALID;
		for (int op = XOP__COUNT - 1; op >= 0; op--) {
			n[op] = f[isa_table[op].code];
			f[isa_table[op].code] = (uint16_t)op;
		}
		/* Idempotent: concurrent first callers write the same values. */
		for (int i = 0; i < 256; i++)
			__atomic_store_n(&first[i], f[i], __ATOMIC_RELAXED);
		for (int i = 0; i < XOP__COUNT; i++)
			__atomic_store_n(&next[i], n[i], __ATOMIC_RELAXED);
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	/* A row whose every rule holds wins (div vs sdiv, mov vs movsx: the plain row has no
	 * discriminator on off, so it would also "match" off=1 or off=8); then a row whose
	 * discriminators hold, so the field check names the bad field. */
	for (uint16_t op = first[insn->code]; op != XOP_INVALID; op = next[op])
		if (row_matches(&isa_table[op], insn) && !isa_check_fields(op, insn))
			return op;
	for (uint16_t op = first[insn->code]; op != XOP_INVALID; op = next[op])
		if (row_matches(&isa_table[op], insn))
			return op;
	/* No exact discriminator match: report the first row with this byte, so the field
	 * check can say which field is wrong; callers must run isa_check_fields(). */
	return first[insn->code];
}

bool isa_opcode_known(uint8_t code)
{
	for (int op = 0; op < XOP__COUNT; op++)
		if (isa_table[op].code == code)
			return true;
	return false;
}

static const char *check_rule(const struct isa_rule *r, int64_t v, const char *field)
{
	static const char *const msgs[][4] = {
		/* field:  dst, src, off, imm */
		[RULE_ZERO] = {"reserved field dst must be 0", "reserved field src must be 0",
			       "reserved field off must be 0", "reserved field imm must be 0"},
		[RULE_REG] = {"bad register in dst (r0-r10)", "bad register in src (r0-r10)",
			      NULL, NULL},
		[RULE_WREG] = {"dst register is not writable (r0-r9)",
			       "src register is written and must be r0-r9", NULL, NULL},
		[RULE_EQ] = {"bad dst field for this opcode", "bad src field for this opcode",
			     "bad off field for this opcode", "bad imm field for this opcode"},
		[RULE_PSEUDO] = {NULL, "bad lddw pseudo source (0-6)", NULL, NULL},
	};
	int fi = field[0] == 'd' ? 0 : field[0] == 's' ? 1 : field[0] == 'o' ? 2 : 3;
	bool ok;
	switch (r->kind) {
	case RULE_ZERO: ok = v == 0; break;
	case RULE_REG: ok = v >= 0 && v <= 10; break;
	case RULE_WREG: ok = v >= 0 && v <= 9; break;
	case RULE_EQ: ok = v == r->value; break;
	case RULE_PSEUDO: ok = v >= 0 && v <= 6; break;
	default: ok = true; break; /* RULE_ANY; RULE_CALLX checked as a pair below */
	}
	return ok ? NULL : msgs[r->kind][fi];
}

static const char *check_callx(const struct xbpf_insn *insn)
{
	/* bpf_conformance: register in dst, imm 0. LLVM: register in imm, dst 0. */
	if (insn->imm == 0)
		return insn->dst_reg <= 10 ? NULL : "bad register in dst (r0-r10)";
	if (insn->dst_reg != 0)
		return "callx has a register in both dst and imm";
	return (insn->imm >= 0 && insn->imm <= 10) ? NULL : "bad register in imm (r0-r10)";
}

const char *isa_check_fields(uint16_t op, const struct xbpf_insn *insn)
{
	const struct isa_op *row = &isa_table[op];
	const char *e;
	if (row->form == FORM_CALLX && (e = check_callx(insn)))
		return e;
	if ((e = check_rule(&row->dst, insn->dst_reg, "dst")) ||
	    (e = check_rule(&row->src, insn->src_reg, "src")) ||
	    (e = check_rule(&row->off, insn->off, "off")) ||
	    (e = check_rule(&row->imm, insn->imm, "imm")))
		return e;
	return NULL;
}
