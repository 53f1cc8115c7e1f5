/* scalar.h - the scalar abstract domain: tnum + unsigned and signed 64-bit bounds, plus
 * the 32-bit views (low 32 bits zero- or sign-extended) derived from them.
 *
 * A struct vrf_scalar stands for every 64-bit x that is a member of t, lies in
 * [umin, umax] unsigned and in [smin, smax] signed. sc_sync() keeps the three views
 * consistent (each tightened from the others). All functions are pure and sound: for
 * every concrete input in the abstract inputs the concrete result is in the result
 * (checked exhaustively at small widths by tests/unit/test_scalar.c).
 * 32-bit ALU operations are computed as the 64-bit operation on the zero- (or sign-)
 * extended low halves, truncated back (sc_alu with is64 = false).
 * Module prefix: sc_ (hidden).
 */
#ifndef XBPF_VRF_SCALAR_H
#define XBPF_VRF_SCALAR_H
#include "tnum.h"

struct vrf_scalar {
	struct tnum t;
	uint64_t umin, umax;
	int64_t smin, smax;
};

/* ALU operations (RFC 9669 semantics: x/0 = 0, x%0 = x, shift amounts masked). */
enum sc_op {
	SC_ADD, SC_SUB, SC_MUL, SC_DIV, SC_SDIV, SC_MOD, SC_SMOD, SC_OR, SC_AND, SC_XOR,
	SC_LSH, SC_RSH, SC_ARSH, SC_MOV, SC_NEG,
};
/* Comparisons of conditional jumps (dst op src). */
enum sc_cmp {
	SC_JEQ, SC_JNE, SC_JGT, SC_JGE, SC_JLT, SC_JLE, SC_JSGT, SC_JSGE, SC_JSLT, SC_JSLE,
	SC_JSET,
};

/* The single value v. */
VRF_HIDDEN struct vrf_scalar sc_const(uint64_t v);
/* Every 64-bit value. */
VRF_HIDDEN struct vrf_scalar sc_unknown(void);
/* Every x with lo <= x <= hi (unsigned). */
VRF_HIDDEN struct vrf_scalar sc_urange(uint64_t lo, uint64_t hi);
/* Tighten each view from the others; false when no value is left (infeasible). */
VRF_HIDDEN bool sc_sync(struct vrf_scalar *s);
/* True when s has exactly one member. */
static inline bool sc_is_const(const struct vrf_scalar *s) { return tnum_is_const(s->t); }
/* True when x is a member of s. */
VRF_HIDDEN bool sc_contains(const struct vrf_scalar *s, uint64_t x);
/* True when every member of b is a member of a. */
VRF_HIDDEN bool sc_includes(const struct vrf_scalar *a, const struct vrf_scalar *b);
/* Members of s truncated to `bytes` (1, 2, 4, 8) and zero-extended. */
VRF_HIDDEN struct vrf_scalar sc_trunc(struct vrf_scalar s, unsigned bytes);
/* Members of s: low `bits` bits (8, 16, 32) sign-extended to 64. */
VRF_HIDDEN struct vrf_scalar sc_sext(struct vrf_scalar s, unsigned bits);
/* Byte swap of the low `bits` bits (16, 32, 64), upper bits zero. */
VRF_HIDDEN struct vrf_scalar sc_bswap(struct vrf_scalar s, unsigned bits);
/* a op b, 64-bit or 32-bit (result zero-extended); for SC_NEG b is ignored. */
VRF_HIDDEN struct vrf_scalar sc_alu(enum sc_op op, struct vrf_scalar a, struct vrf_scalar b,
				    bool is64);
/* Outcome of `a op b` over all members: 1 always true, 0 always false, -1 either. */
VRF_HIDDEN int sc_branch(enum sc_cmp op, const struct vrf_scalar *a,
			 const struct vrf_scalar *b, bool is64);
/* Narrow a and b to the members for which `a op b` == taken. Returns false when no
 * pair is left (the branch cannot be taken). */
VRF_HIDDEN bool sc_refine(enum sc_cmp op, bool taken, struct vrf_scalar *a,
			  struct vrf_scalar *b, bool is64);
/* Kernel-like text: "42", "scalar(umax=255,var_off=(0x0; 0xff))"; returns buf. */
VRF_HIDDEN char *sc_str(const struct vrf_scalar *s, char *buf, unsigned size);
#endif
