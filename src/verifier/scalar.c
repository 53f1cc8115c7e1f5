/* scalar.c - the scalar domain (see scalar.h): tnum + unsigned/signed 64-bit bounds.
 *
 * Transfer functions compute each view independently (bounds with overflow checks, bits
 * with tnum) and let sc_sync() intersect them. When a bound computation could overflow
 * the bound falls back to "anything"; precision is only ever traded for soundness.
 */
#include <stdio.h>
#include <string.h>
#include "scalar.h"

#define U64_MAX UINT64_MAX
#define S64_MAX INT64_MAX
#define S64_MIN INT64_MIN
#define U32_MAX 0xffffffffull

struct vrf_scalar sc_unknown(void)
{
	return (struct vrf_scalar){TNUM_UNKNOWN, 0, U64_MAX, S64_MIN, S64_MAX};
}

struct vrf_scalar sc_const(uint64_t v)
{
	return (struct vrf_scalar){tnum_const(v), v, v, (int64_t)v, (int64_t)v};
}

struct vrf_scalar sc_urange(uint64_t lo, uint64_t hi)
{
	struct vrf_scalar s = sc_unknown();
	s.umin = lo;
	s.umax = hi;
	sc_sync(&s);
	return s;
}

static uint64_t umax64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t umin64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static int64_t smax64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t smin64(int64_t a, int64_t b) { return a < b ? a : b; }

/* One round: bits -> bounds, signed <-> unsigned, bounds -> bits. */
static bool sync_round(struct vrf_scalar *s)
{
	s->umin = umax64(s->umin, tnum_umin(s->t));
	s->umax = umin64(s->umax, tnum_umax(s->t));
	s->smin = smax64(s->smin, tnum_smin(s->t));
	s->smax = smin64(s->smax, tnum_smax(s->t));
	if (s->umin > s->umax || s->smin > s->smax)
		return false;
	/* signed range within one sign half: it is an unsigned range too */
	if (s->smin >= 0 || s->smax < 0) {
		s->umin = umax64(s->umin, (uint64_t)s->smin);
		s->umax = umin64(s->umax, (uint64_t)s->smax);
	}
	/* unsigned range within one sign half: it is a signed range too */
	if ((int64_t)s->umin >= 0 ? (int64_t)s->umax >= 0 : true) {
		if (((s->umin ^ s->umax) >> 63) == 0) {
			s->smin = smax64(s->smin, (int64_t)s->umin);
			s->smax = smin64(s->smax, (int64_t)s->umax);
		}
	}
	if (s->umin > s->umax || s->smin > s->smax)
		return false;
	struct tnum r = tnum_range(s->umin, s->umax);
	if ((r.value ^ s->t.value) & ~r.mask & ~s->t.mask)
		return false;
	s->t = tnum_intersect(s->t, r);
	return true;
}

bool sc_sync(struct vrf_scalar *s)
{
	for (int i = 0; i < 3; i++)
		if (!sync_round(s))
			return false;
	/* a constant leaves no slack */
	if (s->umin == s->umax && !tnum_is_const(s->t)) {
		if (!tnum_contains(s->t, s->umin))
			return false;
		*s = sc_const(s->umin);
	}
	return s->umin <= s->umax && s->smin <= s->smax;
}

bool sc_contains(const struct vrf_scalar *s, uint64_t x)
{
	return tnum_contains(s->t, x) && x >= s->umin && x <= s->umax &&
	       (int64_t)x >= s->smin && (int64_t)x <= s->smax;
}

bool sc_includes(const struct vrf_scalar *a, const struct vrf_scalar *b)
{
	return tnum_in(a->t, b->t) && a->umin <= b->umin && a->umax >= b->umax &&
	       a->smin <= b->smin && a->smax >= b->smax;
}

static struct vrf_scalar from_tnum(struct tnum t)
{
	struct vrf_scalar s = sc_unknown();
	s.t = t;
	sc_sync(&s);
	return s;
}

struct vrf_scalar sc_trunc(struct vrf_scalar s, unsigned bytes)
{
	if (bytes >= 8)
		return s;
	uint64_t keep = (1ull << (bytes * 8)) - 1;
	struct vrf_scalar r = from_tnum(tnum_cast(s.t, bytes));
	if ((s.umin & ~keep) == (s.umax & ~keep)) { /* same upper part: low part contiguous */
		r.umin = umax64(r.umin, s.umin & keep);
		r.umax = umin64(r.umax, s.umax & keep);
	}
	sc_sync(&r);
	return r;
}

struct vrf_scalar sc_sext(struct vrf_scalar s, unsigned bits)
{
	uint64_t half = 1ull << (bits - 1), keep = (half << 1) - 1;
	struct vrf_scalar lo = sc_trunc(s, bits / 8);
	struct vrf_scalar r = sc_unknown();
	r.smin = -(int64_t)half;
	r.smax = (int64_t)(half - 1);
	if (lo.umax < half) {            /* sign bit clear: unchanged */
		return lo;
	} else if (lo.umin >= half) {    /* sign bit set: subtract 2^bits */
		r.smin = (int64_t)(lo.umin | ~keep);
		r.smax = (int64_t)(lo.umax | ~keep);
	}
	if (!(lo.t.mask & half)) {       /* sign bit known: extend the known bits */
		uint64_t ext = (lo.t.value & half) ? ~keep : 0;
		r.t = (struct tnum){lo.t.value | ext, lo.t.mask};
	} else {
		r.t = (struct tnum){lo.t.value, lo.t.mask | ~keep};
	}
	sc_sync(&r);
	return r;
}

static uint64_t bswap_bits(uint64_t v, unsigned bits)
{
	if (bits == 16)
		return __builtin_bswap16((uint16_t)v);
	if (bits == 32)
		return __builtin_bswap32((uint32_t)v);
	return __builtin_bswap64(v);
}

struct vrf_scalar sc_bswap(struct vrf_scalar s, unsigned bits)
{
	struct tnum t = tnum_cast(s.t, bits / 8);
	return from_tnum((struct tnum){bswap_bits(t.value, bits), bswap_bits(t.mask, bits)});
}

static struct vrf_scalar alu_add(struct vrf_scalar a, struct vrf_scalar b)
{
	struct vrf_scalar r = sc_unknown();
	uint64_t lo, hi;
	int64_t slo, shi;
	r.t = tnum_add(a.t, b.t);
	if (!__builtin_add_overflow(a.umin, b.umin, &lo) &&
	    !__builtin_add_overflow(a.umax, b.umax, &hi)) {
		r.umin = lo;
		r.umax = hi;
	}
	if (!__builtin_add_overflow(a.smin, b.smin, &slo) &&
	    !__builtin_add_overflow(a.smax, b.smax, &shi)) {
		r.smin = slo;
		r.smax = shi;
	}
	return r;
}

static struct vrf_scalar alu_sub(struct vrf_scalar a, struct vrf_scalar b)
{
	struct vrf_scalar r = sc_unknown();
	int64_t slo, shi;
	r.t = tnum_sub(a.t, b.t);
	if (a.umin >= b.umax) {
		r.umin = a.umin - b.umax;
		r.umax = a.umax - b.umin;
	}
	if (!__builtin_sub_overflow(a.smin, b.smax, &slo) &&
	    !__builtin_sub_overflow(a.smax, b.smin, &shi)) {
		r.smin = slo;
		r.smax = shi;
	}
	return r;
}

static struct vrf_scalar alu_mul(struct vrf_scalar a, struct vrf_scalar b)
{
	struct vrf_scalar r = sc_unknown();
	r.t = tnum_mul(a.t, b.t);
	if (a.umax <= U32_MAX && b.umax <= U32_MAX) {
		r.umin = a.umin * b.umin;
		r.umax = a.umax * b.umax;
	}
	return r;
}

/* Range of the effective shift amount (b & mask). */
static void shift_range(struct vrf_scalar b, unsigned mask, unsigned *lo, unsigned *hi)
{
	if (b.umax <= mask) {
		*lo = (unsigned)b.umin;
		*hi = (unsigned)b.umax;
	} else {
		*lo = 0;
		*hi = mask;
	}
}

static struct vrf_scalar alu_shift(enum sc_op op, struct vrf_scalar a, struct vrf_scalar b)
{
	unsigned lo, hi;
	struct vrf_scalar r = sc_unknown();
	if (sc_is_const(&b)) {
		unsigned k = (unsigned)(b.t.value & 63);
		if (op == SC_LSH) {
			r.t = tnum_lshift(a.t, k);
			if (k == 0 || (a.umax >> (64 - k)) == 0) {
				r.umin = a.umin << k;
				r.umax = a.umax << k;
			}
		} else if (op == SC_RSH) {
			r.t = tnum_rshift(a.t, k);
			r.umin = a.umin >> k;
			r.umax = a.umax >> k;
		} else {
			r.t = tnum_arshift(a.t, k, 64);
			r.smin = a.smin >> k;
			r.smax = a.smax >> k;
		}
		return r;
	}
	shift_range(b, 63, &lo, &hi);
	if (op == SC_RSH) {
		r.umax = a.umax >> lo;
	} else if (op == SC_ARSH) {
		r.smin = smin64(a.smin >> lo, a.smin >> hi);
		r.smax = smax64(a.smax >> lo, a.smax >> hi);
	} else if (hi < 64 && (hi == 0 || (a.umax >> (64 - hi)) == 0)) {
		r.umin = a.umin << lo;
		r.umax = a.umax << hi;
	}
	return r;
}

static struct vrf_scalar alu_bitwise(enum sc_op op, struct vrf_scalar a, struct vrf_scalar b)
{
	struct vrf_scalar r = sc_unknown();
	if (op == SC_AND) {
		r.t = tnum_and(a.t, b.t);
		r.umax = umin64(a.umax, b.umax);
		if (a.smin >= 0 || b.smin >= 0)
			r.smin = 0;
	} else if (op == SC_OR) {
		r.t = tnum_or(a.t, b.t);
		r.umin = umax64(a.umin, b.umin);
		if (a.smax < 0 || b.smax < 0)
			r.smax = -1;         /* a sign bit is set in the result */
	} else {
		r.t = tnum_xor(a.t, b.t);
	}
	return r;
}

static uint64_t conc_div(enum sc_op op, uint64_t a, uint64_t b)
{
	switch (op) {
	case SC_DIV: return b ? a / b : 0;
	case SC_MOD: return b ? a % b : a;
	case SC_SDIV:
		if (!b) return 0;
		if ((int64_t)a == S64_MIN && (int64_t)b == -1) return a;
		return (uint64_t)((int64_t)a / (int64_t)b);
	default: /* SC_SMOD */
		if (!b) return a;
		if ((int64_t)a == S64_MIN && (int64_t)b == -1) return 0;
		return (uint64_t)((int64_t)a % (int64_t)b);
	}
}

static struct vrf_scalar alu_div(enum sc_op op, struct vrf_scalar a, struct vrf_scalar b)
{
	struct vrf_scalar r = sc_unknown();
	if (sc_is_const(&a) && sc_is_const(&b))
		return sc_const(conc_div(op, a.t.value, b.t.value));
	if (op == SC_DIV) {
		if (b.umin > 0) {
			r.umin = a.umin / b.umax;
			r.umax = a.umax / b.umin;
		} else {
			r.umax = a.umax;     /* x / y <= x, and x / 0 = 0 */
		}
	} else if (op == SC_MOD) {
		r.umax = a.umax;             /* x % y <= x, and x % 0 = x */
		if (b.umin > 0 && b.umax - 1 < r.umax)
			r.umax = b.umax - 1;
	} else if (op == SC_SMOD && a.smin >= 0 && b.smin > 0) {
		r.umax = umin64(a.umax, b.umax - 1);
	} else if (op == SC_SDIV && a.smin >= 0 && b.smin > 0) {
		r.umin = a.umin / b.umax;
		r.umax = a.umax / b.umin;
	}
	return r;
}

static struct vrf_scalar alu64(enum sc_op op, struct vrf_scalar a, struct vrf_scalar b)
{
	struct vrf_scalar r;
	switch (op) {
	case SC_ADD: r = alu_add(a, b); break;
	case SC_SUB: r = alu_sub(a, b); break;
	case SC_NEG: r = alu_sub(sc_const(0), a); break;
	case SC_MUL: r = alu_mul(a, b); break;
	case SC_DIV: case SC_MOD: case SC_SDIV: case SC_SMOD: r = alu_div(op, a, b); break;
	case SC_AND: case SC_OR: case SC_XOR: r = alu_bitwise(op, a, b); break;
	case SC_LSH: case SC_RSH: case SC_ARSH: r = alu_shift(op, a, b); break;
	default: r = b; break;       /* SC_MOV */
	}
	if (!sc_sync(&r))
		r = sc_unknown(); /* unreachable for non-empty inputs; stay sound regardless */
	return r;
}

struct vrf_scalar sc_alu(enum sc_op op, struct vrf_scalar a, struct vrf_scalar b, bool is64)
{
	if (is64)
		return alu64(op, a, b);
	bool sign = op == SC_ARSH || op == SC_SDIV || op == SC_SMOD;
	struct vrf_scalar a32 = sign ? sc_sext(a, 32) : sc_trunc(a, 4);
	struct vrf_scalar b32 = (op == SC_SDIV || op == SC_SMOD) ? sc_sext(b, 32) : sc_trunc(b, 4);
	if (op == SC_LSH || op == SC_RSH || op == SC_ARSH)
		b32 = sc_alu(SC_AND, b32, sc_const(31), true);
	return sc_trunc(alu64(op, a32, b32), 4);
}

/* ---- comparisons ---------------------------------------------------------------- */

/* The 32-bit view used for JMP32: low halves, zero- or sign-extended. */
static struct vrf_scalar view32(const struct vrf_scalar *s, bool sign)
{
	return sign ? sc_sext(*s, 32) : sc_trunc(*s, 4);
}

static bool is_signed_cmp(enum sc_cmp op)
{
	return op == SC_JSGT || op == SC_JSGE || op == SC_JSLT || op == SC_JSLE;
}

/* Rewrite LT/LE forms as GT/GE with swapped operands. */
static enum sc_cmp swap_cmp(enum sc_cmp op)
{
	switch (op) {
	case SC_JLT: return SC_JGT;
	case SC_JLE: return SC_JGE;
	case SC_JSLT: return SC_JSGT;
	case SC_JSLE: return SC_JSGE;
	default: return op;
	}
}

static bool disjoint(const struct vrf_scalar *a, const struct vrf_scalar *b)
{
	return a->umin > b->umax || b->umin > a->umax || a->smin > b->smax ||
	       b->smin > a->smax ||
	       ((a->t.value ^ b->t.value) & ~a->t.mask & ~b->t.mask);
}

static int branch64(enum sc_cmp op, const struct vrf_scalar *a, const struct vrf_scalar *b)
{
	if (op != swap_cmp(op)) {
		const struct vrf_scalar *t = a;
		a = b;
		b = t;
		op = swap_cmp(op);
	}
	switch (op) {
	case SC_JEQ:
	case SC_JNE: {
		int eq = -1;
		if (sc_is_const(a) && sc_is_const(b))
			eq = a->t.value == b->t.value;
		else if (disjoint(a, b))
			eq = 0;
		return eq < 0 ? -1 : (op == SC_JEQ ? eq : !eq);
	}
	case SC_JGT:
		return a->umin > b->umax ? 1 : a->umax <= b->umin ? 0 : -1;
	case SC_JGE:
		return a->umin >= b->umax ? 1 : a->umax < b->umin ? 0 : -1;
	case SC_JSGT:
		return a->smin > b->smax ? 1 : a->smax <= b->smin ? 0 : -1;
	case SC_JSGE:
		return a->smin >= b->smax ? 1 : a->smax < b->smin ? 0 : -1;
	default: /* SC_JSET */
		if (a->t.value & b->t.value)
			return 1;
		if (!(tnum_umax(a->t) & tnum_umax(b->t)))
			return 0;
		return -1;
	}
}

int sc_branch(enum sc_cmp op, const struct vrf_scalar *a, const struct vrf_scalar *b,
	      bool is64)
{
	if (is64)
		return branch64(op, a, b);
	struct vrf_scalar a32 = view32(a, is_signed_cmp(op)), b32 = view32(b, is_signed_cmp(op));
	return branch64(op, &a32, &b32);
}

/* Narrow for `a > b` (strict) or `a >= b` unsigned/signed. */
static void refine_gt(enum sc_cmp op, struct vrf_scalar *a, struct vrf_scalar *b)
{
	int strict = op == SC_JGT || op == SC_JSGT;
	if (op == SC_JGT || op == SC_JGE) {
		a->umin = umax64(a->umin, b->umin + strict);
		b->umax = umin64(b->umax, a->umax - strict);
	} else {
		a->smin = smax64(a->smin, b->smin + strict);
		b->smax = smin64(b->smax, a->smax - strict);
	}
}

/* Narrow a and b for `a == b`. */
static void refine_eq(struct vrf_scalar *a, struct vrf_scalar *b)
{
	struct vrf_scalar m = *a;
	m.umin = umax64(a->umin, b->umin);
	m.umax = umin64(a->umax, b->umax);
	m.smin = smax64(a->smin, b->smin);
	m.smax = smin64(a->smax, b->smax);
	m.t = tnum_intersect(a->t, b->t);
	*a = *b = m;
}

/* Narrow a for `a != c` where c is a constant: trim c off the ends of the ranges. */
static void refine_ne_const(struct vrf_scalar *a, uint64_t c)
{
	if (a->umin == c)
		a->umin++;
	else if (a->umax == c)
		a->umax--;
	if (a->smin == (int64_t)c)
		a->smin++;
	else if (a->smax == (int64_t)c)
		a->smax--;
}

/* Precondition of each case: the outcome is not decided (no overflow at the +-1). */
static bool refine64(enum sc_cmp op, bool taken, struct vrf_scalar *a, struct vrf_scalar *b)
{
	int known = branch64(op, a, b);
	if (known >= 0)
		return known == (int)taken;
	if (op == SC_JNE) {
		op = SC_JEQ;
		taken = !taken;
	}
	if (op == SC_JEQ) {
		if (taken)
			refine_eq(a, b);
		else if (sc_is_const(b))
			refine_ne_const(a, b->t.value);
		else if (sc_is_const(a))
			refine_ne_const(b, a->t.value);
	} else if (op == SC_JSET) {
		if (!taken && sc_is_const(b))
			a->t = tnum_and(a->t, tnum_const(~b->t.value));
		else if (taken && sc_is_const(b) && __builtin_popcountll(b->t.value) == 1)
			a->t = tnum_or(a->t, b->t);
	} else {
		struct vrf_scalar *x = a, *y = b;
		if (op != swap_cmp(op)) {
			x = b;
			y = a;
			op = swap_cmp(op);
		}
		/* now x op y with op in GT/GE/SGT/SGE; not taken is y >=/> x */
		if (taken) {
			refine_gt(op, x, y);
		} else {
			static const enum sc_cmp neg[] = {
				[SC_JGT] = SC_JGE, [SC_JGE] = SC_JGT,
				[SC_JSGT] = SC_JSGE, [SC_JSGE] = SC_JSGT};
			refine_gt(neg[op], y, x);
		}
	}
	return sc_sync(a) && sc_sync(b);
}

bool sc_refine(enum sc_cmp op, bool taken, struct vrf_scalar *a, struct vrf_scalar *b,
	       bool is64)
{
	if (is64)
		return refine64(op, taken, a, b);
	bool sign = is_signed_cmp(op);
	struct vrf_scalar a32 = view32(a, sign), b32 = view32(b, sign);
	int known = branch64(op, &a32, &b32);
	if (known >= 0)
		return known == (int)taken;
	/* both values are their own 32-bit views: the 64-bit refinement applies */
	bool same_a = sign ? (a->smin >= INT32_MIN && a->smax <= INT32_MAX)
			   : a->umax <= U32_MAX;
	bool same_b = sign ? (b->smin >= INT32_MIN && b->smax <= INT32_MAX)
			   : b->umax <= U32_MAX;
	if (same_a && same_b)
		return refine64(op, taken, a, b);
	/* equality with a constant fixes the low 32 bits */
	bool eq = (op == SC_JEQ && taken) || (op == SC_JNE && !taken);
	if (eq && sc_is_const(&b32)) {
		struct tnum low = {b32.t.value & U32_MAX, ~U32_MAX};
		if ((low.value ^ a->t.value) & ~low.mask & ~a->t.mask)
			return false;
		a->t = tnum_intersect(a->t, low);
		return sc_sync(a);
	}
	return true;
}

char *sc_str(const struct vrf_scalar *s, char *buf, unsigned size)
{
	if (sc_is_const(s)) {
		snprintf(buf, size, "%lld", (long long)s->t.value);
		return buf;
	}
	int n = snprintf(buf, size, "scalar(");
	const char *sep = "";
#define SC_PART(cond, ...) do { if ((cond) && n < (int)size) { \
	n += snprintf(buf + n, size - n, "%s", sep); \
	n += snprintf(buf + n, size - n, __VA_ARGS__); sep = ","; } } while (0)
	bool same = s->smin == (int64_t)s->umin && s->smax == (int64_t)s->umax;
	SC_PART(s->smin != S64_MIN && !same, "smin=%lld", (long long)s->smin);
	SC_PART(s->smax != S64_MAX && !same, "smax=%lld", (long long)s->smax);
	SC_PART(s->umin != 0, "umin=%llu", (unsigned long long)s->umin);
	SC_PART(s->umax != U64_MAX, "umax=%llu", (unsigned long long)s->umax);
	SC_PART(s->t.mask != ~0ull, "var_off=(%#llx; %#llx)", (unsigned long long)s->t.value,
		(unsigned long long)s->t.mask);
#undef SC_PART
	if (n < (int)size)
		snprintf(buf + n, size - n, ")");
	return buf;
}
