/* tnum.c - tracked numbers (see tnum.h): the pure bit-level domain.
 *
 * Each operation propagates known bits; unknown bits spread to every result bit they may
 * influence (carries for add/sub, partial products for mul). Soundness of every function
 * is checked exhaustively at small widths by tests/unit/test_tnum.c.
 */
#include <stdio.h>
#include "tnum.h"

struct tnum tnum_const(uint64_t v)
{
	return (struct tnum){v, 0};
}

struct tnum tnum_range(uint64_t min, uint64_t max)
{
	uint64_t chi = min ^ max;
	if (min > max)
		return TNUM_UNKNOWN;
	if (!chi)
		return tnum_const(min);
	unsigned bits = 64 - (unsigned)__builtin_clzll(chi);
	if (bits >= 64)
		return TNUM_UNKNOWN;
	uint64_t delta = (1ull << bits) - 1;
	return (struct tnum){min & ~delta, delta};
}

struct tnum tnum_add(struct tnum a, struct tnum b)
{
	uint64_t sm = a.mask + b.mask, sv = a.value + b.value;
	uint64_t sigma = sm + sv, chi = sigma ^ sv;
	uint64_t mu = chi | a.mask | b.mask;
	return (struct tnum){sv & ~mu, mu};
}

struct tnum tnum_sub(struct tnum a, struct tnum b)
{
	uint64_t dv = a.value - b.value;
	uint64_t alpha = dv + a.mask, beta = dv - b.mask;
	uint64_t chi = alpha ^ beta;
	uint64_t mu = chi | a.mask | b.mask;
	return (struct tnum){dv & ~mu, mu};
}

struct tnum tnum_and(struct tnum a, struct tnum b)
{
	uint64_t alpha = a.value | a.mask, beta = b.value | b.mask;
	uint64_t v = a.value & b.value;
	return (struct tnum){v, alpha & beta & ~v};
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value;
	uint64_t mu = a.mask | b.mask;
	return (struct tnum){v, mu & ~v};
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
	uint64_t v = a.value ^ b.value;
	uint64_t mu = a.mask | b.mask;
	return (struct tnum){v & ~mu, mu};
}

/* Sum of a * (each bit of b): known bits of b add shifted a, unknown bits add a tnum
 * whose every possibly-set bit is unknown. */
struct tnum tnum_mul(struct tnum a, struct tnum b)
{
	struct tnum acc_v = tnum_const(a.value * b.value);
	struct tnum acc_m = tnum_const(0);
	while (a.value || a.mask) {
		if (a.value & 1)
			acc_m = tnum_add(acc_m, (struct tnum){0, b.mask});
		else if (a.mask & 1)
			acc_m = tnum_add(acc_m, (struct tnum){0, b.value | b.mask});
		a = tnum_rshift(a, 1);
		b = tnum_lshift(b, 1);
	}
	return tnum_add(acc_v, acc_m);
}

struct tnum tnum_lshift(struct tnum a, unsigned shift)
{
	shift &= 63;
	return (struct tnum){a.value << shift, a.mask << shift};
}

struct tnum tnum_rshift(struct tnum a, unsigned shift)
{
	shift &= 63;
	return (struct tnum){a.value >> shift, a.mask >> shift};
}

/* Arithmetic shift of the low `width` (32 or 64) bits; the result is zero-extended. */
struct tnum tnum_arshift(struct tnum a, unsigned shift, unsigned width)
{
	if (width == 32) {
		shift &= 31;
		uint32_t v = (uint32_t)((int32_t)(uint32_t)a.value >> shift);
		uint32_t m = (uint32_t)((int32_t)(uint32_t)a.mask >> shift);
		return (struct tnum){v, m};
	}
	shift &= 63;
	return (struct tnum){(uint64_t)((int64_t)a.value >> shift),
			     (uint64_t)((int64_t)a.mask >> shift)};
}

struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value;
	uint64_t mu = a.mask & b.mask;
	return (struct tnum){v & ~mu, mu};
}

struct tnum tnum_union(struct tnum a, struct tnum b)
{
	uint64_t mu = a.mask | b.mask | (a.value ^ b.value);
	return (struct tnum){a.value & ~mu, mu};
}

struct tnum tnum_cast(struct tnum a, unsigned bytes)
{
	if (bytes >= 8)
		return a;
	uint64_t keep = (1ull << (bytes * 8)) - 1;
	return (struct tnum){a.value & keep, a.mask & keep};
}

int64_t tnum_smin(struct tnum a)
{
	uint64_t sign = 1ull << 63;
	if (a.mask & sign)
		return (int64_t)(a.value | sign);
	return (int64_t)a.value;
}

int64_t tnum_smax(struct tnum a)
{
	uint64_t sign = 1ull << 63;
	if (a.mask & sign)
		return (int64_t)((a.value | a.mask) & ~sign);
	return (int64_t)(a.value | a.mask);
}

char *tnum_str(struct tnum a, char *buf, unsigned size)
{
	if (tnum_is_const(a))
		snprintf(buf, size, "%#llx", (unsigned long long)a.value);
	else
		snprintf(buf, size, "(%#llx; %#llx)", (unsigned long long)a.value,
			 (unsigned long long)a.mask);
	return buf;
}
