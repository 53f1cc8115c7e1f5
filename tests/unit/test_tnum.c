/* test_tnum.c - exhaustive soundness of the tnum domain at 4 bits.
 *
 * Every tnum over the low 4 bits (81 of them) is taken twice: with the upper 60 bits
 * known zero and known one (negative numbers, so carries, borrows and sign bits reach the
 * upper half). For every pair of abstract inputs and every pair of members, the concrete
 * result of each operation must be a member of the abstract result.
 */
#include "t.h"
#include "verifier/tnum.h"

#define NT 162
static struct tnum all[NT];
static int nall;

static void gen(void)
{
	if (nall)
		return;
	for (int hi = 0; hi < 2; hi++)
		for (unsigned v = 0; v < 16; v++)
			for (unsigned m = 0; m < 16; m++)
				if (!(v & m))
					all[nall++] = (struct tnum){v | (hi ? ~0xfull : 0), m};
}

/* members of t (the upper 60 bits are known) */
static int members(struct tnum t, uint64_t *out)
{
	int n = 0;
	for (uint64_t low = 0; low < 16; low++)
		if (tnum_contains(t, (t.value & ~0xfull) | low))
			out[n++] = (t.value & ~0xfull) | low;
	return n;
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_AND, OP_OR, OP_XOR, OP_UNION, OP__N };

static uint64_t conc(int op, uint64_t a, uint64_t b)
{
	switch (op) {
	case OP_ADD: return a + b;
	case OP_SUB: return a - b;
	case OP_MUL: return a * b;
	case OP_AND: return a & b;
	case OP_OR: return a | b;
	default: return a ^ b;
	}
}

static struct tnum abst(int op, struct tnum a, struct tnum b)
{
	switch (op) {
	case OP_ADD: return tnum_add(a, b);
	case OP_SUB: return tnum_sub(a, b);
	case OP_MUL: return tnum_mul(a, b);
	case OP_AND: return tnum_and(a, b);
	case OP_OR: return tnum_or(a, b);
	case OP_XOR: return tnum_xor(a, b);
	default: return tnum_union(a, b);
	}
}

static void test_binary_ops_sound(void)
{
	uint64_t ma[16], mb[16];
	long bad = 0;
	gen();
	for (int op = 0; op < OP__N; op++)
		for (int i = 0; i < nall; i++)
			for (int j = 0; j < nall; j++) {
				struct tnum r = abst(op, all[i], all[j]);
				int na = members(all[i], ma), nb = members(all[j], mb);
				T_CHECK((r.value & r.mask) == 0);
				for (int x = 0; x < na; x++)
					for (int y = 0; y < nb; y++) {
						if (op == OP_UNION) {
							bad += !tnum_contains(r, ma[x]) ||
							       !tnum_contains(r, mb[y]);
						} else {
							bad += !tnum_contains(r, conc(op, ma[x], mb[y]));
						}
					}
			}
	T_EQ(bad, 0);
}

static void test_shifts_casts_sound(void)
{
	uint64_t m[16];
	long bad = 0;
	gen();
	for (int i = 0; i < nall; i++) {
		int n = members(all[i], m);
		for (unsigned k = 0; k < 64; k++)
			for (int x = 0; x < n; x++) {
				bad += !tnum_contains(tnum_lshift(all[i], k), m[x] << k);
				bad += !tnum_contains(tnum_rshift(all[i], k), m[x] >> k);
				bad += !tnum_contains(tnum_arshift(all[i], k, 64),
						      (uint64_t)((int64_t)m[x] >> k));
				bad += !tnum_contains(tnum_arshift(all[i], k & 31, 32),
						      (uint32_t)((int32_t)m[x] >> (k & 31)));
			}
		for (unsigned b = 1; b <= 8; b *= 2)
			for (int x = 0; x < n; x++) {
				uint64_t keep = b == 8 ? ~0ull : (1ull << (8 * b)) - 1;
				bad += !tnum_contains(tnum_cast(all[i], b), m[x] & keep);
			}
		for (int x = 0; x < n; x++) {
			bad += (int64_t)m[x] < tnum_smin(all[i]) || (int64_t)m[x] > tnum_smax(all[i]);
			bad += m[x] < tnum_umin(all[i]) || m[x] > tnum_umax(all[i]);
		}
	}
	T_EQ(bad, 0);
}

static void test_range_intersect(void)
{
	long bad = 0;
	for (int64_t lo = -20; lo < 20; lo++)
		for (int64_t hi = lo; hi < 20; hi++) {
			if ((lo < 0) != (hi < 0))
				continue; /* unsigned range must not wrap */
			struct tnum r = tnum_range((uint64_t)lo, (uint64_t)hi);
			for (int64_t x = lo; x <= hi; x++)
				bad += !tnum_contains(r, (uint64_t)x);
		}
	T_EQ(bad, 0);
	gen();
	for (int i = 0; i < nall; i++)
		for (int j = 0; j < nall; j++) {
			uint64_t m[16];
			int n = members(all[i], m);
			struct tnum r = tnum_intersect(all[i], all[j]);
			for (int x = 0; x < n; x++)
				if (tnum_contains(all[j], m[x]))
					bad += !tnum_contains(r, m[x]);
			bad += tnum_in(all[i], all[j]) && !tnum_in(all[i], r);
		}
	T_EQ(bad, 0);
}

static void test_precision(void)
{
	T_EQ(tnum_add(tnum_const(3), tnum_const(4)).value, 7);
	T_CHECK(tnum_is_const(tnum_mul(tnum_const(6), tnum_const(7))));
	T_EQ(tnum_mul(tnum_const(6), tnum_const(7)).value, 42);
	struct tnum r = tnum_range(0, 255);
	T_EQ(r.mask, 0xff);
	T_EQ(tnum_and(TNUM_UNKNOWN, tnum_const(0xf0)).mask, 0xf0);
	T_CHECK(tnum_in(TNUM_UNKNOWN, r));
	T_CHECK(!tnum_in(r, TNUM_UNKNOWN));
	char buf[64];
	T_STREQ(tnum_str(r, buf, sizeof buf), "(0; 0xff)");
}

T_MAIN(test_binary_ops_sound, test_shifts_casts_sound, test_range_intersect, test_precision)
