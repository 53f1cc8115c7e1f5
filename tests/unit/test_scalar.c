/* test_scalar.c - exhaustive soundness of the scalar domain (tnum + 64-bit bounds) and its
 * 32-bit views.
 *
 * Universes of 16 concrete values sit where the interesting paths are: around 0 (signed
 * -8..7, so negative values are huge unsigned ones), around 2^31 and around 2^32 (32-bit
 * truncation, sign extension). Abstract inputs are the abstractions of every interval of a
 * universe and of fixed pseudo-random subsets. For every pair of abstract inputs, every
 * operation and every pair of members: the concrete result is in the abstract result;
 * for comparisons, every pair satisfying the outcome survives sc_refine and sc_branch
 * never claims an outcome some pair contradicts.
 */
#include "t.h"
#include "verifier/scalar.h"

#define UN 16
#ifdef XBPF_SANITIZE
#define NABS 64 /* the sanitizer build runs the same checks on fewer inputs */
#else
#define NABS 120
#endif
static uint64_t uni[UN];
static struct vrf_scalar abs_v[NABS];
static uint16_t abs_set[NABS]; /* which universe members it was built from */
static int nabs;

static struct vrf_scalar alpha(uint16_t set)
{
	struct vrf_scalar s = {{0, 0}, UINT64_MAX, 0, INT64_MAX, INT64_MIN};
	int first = 1;
	for (int i = 0; i < UN; i++) {
		if (!(set & (1u << i)))
			continue;
		uint64_t v = uni[i];
		s.t = first ? tnum_const(v) : tnum_union(s.t, tnum_const(v));
		first = 0;
		if (v < s.umin) s.umin = v;
		if (v > s.umax) s.umax = v;
		if ((int64_t)v < s.smin) s.smin = (int64_t)v;
		if ((int64_t)v > s.smax) s.smax = (int64_t)v;
	}
	T_CHECK(sc_sync(&s));
	return s;
}

static void make_universe(int which)
{
	static const uint64_t base[] = {(uint64_t)-8, 0x7ffffff8ull, 0xfffffff8ull,
					0x7ffffffffffffff8ull};
	for (int i = 0; i < UN; i++)
		uni[i] = base[which] + (uint64_t)i;
	nabs = 0;
	for (int i = 0; i < UN; i++)
		for (int j = i; j < UN && nabs < NABS; j++) {
			uint16_t set = (uint16_t)(((1u << (j + 1)) - 1) & ~((1u << i) - 1));
			abs_set[nabs] = set;
			abs_v[nabs++] = alpha(set);
		}
	uint32_t seed = 12345;
	while (nabs < NABS) {
		seed = seed * 1103515245u + 12345u;
		uint16_t set = (uint16_t)(seed >> 16);
		if (!set)
			continue;
		abs_set[nabs] = set;
		abs_v[nabs++] = alpha(set);
	}
}

static uint64_t conc_alu(enum sc_op op, uint64_t a, uint64_t b, bool is64)
{
	if (!is64) {
		uint32_t x = (uint32_t)a, y = (uint32_t)b;
		switch (op) {
		case SC_ADD: return (uint32_t)(x + y);
		case SC_SUB: return (uint32_t)(x - y);
		case SC_MUL: return (uint32_t)(x * y);
		case SC_DIV: return y ? x / y : 0;
		case SC_MOD: return y ? x % y : x;
		case SC_SDIV:
			if (!y) return 0;
			if ((int32_t)x == INT32_MIN && (int32_t)y == -1) return x;
			return (uint32_t)((int32_t)x / (int32_t)y);
		case SC_SMOD:
			if (!y) return x;
			if ((int32_t)x == INT32_MIN && (int32_t)y == -1) return 0;
			return (uint32_t)((int32_t)x % (int32_t)y);
		case SC_OR: return x | y;
		case SC_AND: return x & y;
		case SC_XOR: return x ^ y;
		case SC_LSH: return (uint32_t)(x << (y & 31));
		case SC_RSH: return x >> (y & 31);
		case SC_ARSH: return (uint32_t)((int32_t)x >> (y & 31));
		case SC_NEG: return (uint32_t)(0 - x);
		default: return y;
		}
	}
	switch (op) {
	case SC_ADD: return a + b;
	case SC_SUB: return a - b;
	case SC_MUL: return a * b;
	case SC_DIV: return b ? a / b : 0;
	case SC_MOD: return b ? a % b : a;
	case SC_SDIV:
		if (!b) return 0;
		if ((int64_t)a == INT64_MIN && (int64_t)b == -1) return a;
		return (uint64_t)((int64_t)a / (int64_t)b);
	case SC_SMOD:
		if (!b) return a;
		if ((int64_t)a == INT64_MIN && (int64_t)b == -1) return 0;
		return (uint64_t)((int64_t)a % (int64_t)b);
	case SC_OR: return a | b;
	case SC_AND: return a & b;
	case SC_XOR: return a ^ b;
	case SC_LSH: return a << (b & 63);
	case SC_RSH: return a >> (b & 63);
	case SC_ARSH: return (uint64_t)((int64_t)a >> (b & 63));
	case SC_NEG: return 0 - a;
	default: return b;
	}
}

static bool conc_cmp(enum sc_cmp op, uint64_t a, uint64_t b, bool is64)
{
	if (!is64) {
		bool sign = op == SC_JSGT || op == SC_JSGE || op == SC_JSLT || op == SC_JSLE;
		a = sign ? (uint64_t)(int64_t)(int32_t)a : (uint32_t)a;
		b = sign ? (uint64_t)(int64_t)(int32_t)b : (uint32_t)b;
	}
	switch (op) {
	case SC_JEQ: return a == b;
	case SC_JNE: return a != b;
	case SC_JGT: return a > b;
	case SC_JGE: return a >= b;
	case SC_JLT: return a < b;
	case SC_JLE: return a <= b;
	case SC_JSGT: return (int64_t)a > (int64_t)b;
	case SC_JSGE: return (int64_t)a >= (int64_t)b;
	case SC_JSLT: return (int64_t)a < (int64_t)b;
	case SC_JSLE: return (int64_t)a <= (int64_t)b;
	default: return (is64 ? a & b : (uint32_t)(a & b)) != 0;
	}
}

static long check_alu_universe(int which)
{
	long bad = 0;
	make_universe(which);
	for (int w = 0; w < 2; w++)
		for (int op = SC_ADD; op <= SC_NEG; op++)
			for (int i = 0; i < nabs; i++)
				for (int j = 0; j < nabs; j++) {
					struct vrf_scalar r = sc_alu(op, abs_v[i], abs_v[j], w);
					for (int x = 0; x < UN; x++) {
						if (!(abs_set[i] >> x & 1))
							continue;
						for (int y = 0; y < UN; y++) {
							if (!(abs_set[j] >> y & 1))
								continue;
							uint64_t c = conc_alu(op, uni[x], uni[y], w);
							if (!sc_contains(&r, c)) {
								if (!bad)
									fprintf(stderr, "op %d w%d: %#llx,%#llx -> %#llx\n",
										op, w, (unsigned long long)uni[x],
										(unsigned long long)uni[y],
										(unsigned long long)c);
								bad++;
							}
						}
					}
				}
	return bad;
}

static void test_alu_sound_near_zero(void) { T_EQ(check_alu_universe(0), 0); }
static void test_alu_sound_near_2_31(void) { T_EQ(check_alu_universe(1), 0); }
static void test_alu_sound_near_2_32(void) { T_EQ(check_alu_universe(2), 0); }
static void test_alu_sound_near_s64_max(void) { T_EQ(check_alu_universe(3), 0); }

static long check_cmp_universe(int which)
{
	long bad = 0;
	make_universe(which);
	for (int w = 0; w < 2; w++)
		for (int op = SC_JEQ; op <= SC_JSET; op++)
			for (int i = 0; i < nabs; i++)
				for (int j = 0; j < nabs; j++) {
					int br = sc_branch(op, &abs_v[i], &abs_v[j], w);
					for (int taken = 0; taken < 2; taken++) {
						struct vrf_scalar a = abs_v[i], b = abs_v[j];
						bool ok = sc_refine(op, taken, &a, &b, w);
						for (int x = 0; x < UN; x++)
							for (int y = 0; y < UN; y++) {
								if (!(abs_set[i] >> x & 1) || !(abs_set[j] >> y & 1))
									continue;
								bool c = conc_cmp(op, uni[x], uni[y], w);
								if (br >= 0 && c != (bool)br)
									bad++;
								if (c != (bool)taken)
									continue;
								if (!ok || !sc_contains(&a, uni[x]) ||
								    !sc_contains(&b, uni[y])) {
									if (!bad)
										fprintf(stderr, "cmp %d w%d t%d: %#llx %#llx\n",
											op, w, taken,
											(unsigned long long)uni[x],
											(unsigned long long)uni[y]);
									bad++;
								}
							}
					}
				}
	return bad;
}

static void test_cmp_sound_near_zero(void) { T_EQ(check_cmp_universe(0), 0); }
static void test_cmp_sound_near_2_31(void) { T_EQ(check_cmp_universe(1), 0); }
static void test_cmp_sound_near_2_32(void) { T_EQ(check_cmp_universe(2), 0); }
static void test_cmp_sound_near_s64_max(void) { T_EQ(check_cmp_universe(3), 0); }

static void test_unary_sound(void)
{
	long bad = 0;
	for (int which = 0; which < 4; which++) {
		make_universe(which);
		for (int i = 0; i < nabs; i++) {
			for (int x = 0; x < UN; x++) {
				if (!(abs_set[i] >> x & 1))
					continue;
				uint64_t v = uni[x];
				bad += !sc_contains(&abs_v[i], v);
				struct vrf_scalar r;
				r = sc_trunc(abs_v[i], 1); bad += !sc_contains(&r, (uint8_t)v);
				r = sc_trunc(abs_v[i], 2); bad += !sc_contains(&r, (uint16_t)v);
				r = sc_trunc(abs_v[i], 4); bad += !sc_contains(&r, (uint32_t)v);
				r = sc_sext(abs_v[i], 8); bad += !sc_contains(&r, (uint64_t)(int64_t)(int8_t)v);
				r = sc_sext(abs_v[i], 16); bad += !sc_contains(&r, (uint64_t)(int64_t)(int16_t)v);
				r = sc_sext(abs_v[i], 32); bad += !sc_contains(&r, (uint64_t)(int64_t)(int32_t)v);
				r = sc_bswap(abs_v[i], 16); bad += !sc_contains(&r, __builtin_bswap16((uint16_t)v));
				r = sc_bswap(abs_v[i], 32); bad += !sc_contains(&r, __builtin_bswap32((uint32_t)v));
				r = sc_bswap(abs_v[i], 64); bad += !sc_contains(&r, __builtin_bswap64(v));
			}
			for (int j = 0; j < nabs; j++)   /* includes agrees with membership */
				if (sc_includes(&abs_v[i], &abs_v[j]))
					for (int x = 0; x < UN; x++)
						if (abs_set[j] >> x & 1)
							bad += !sc_contains(&abs_v[i], uni[x]);
		}
	}
	T_EQ(bad, 0);
}

static void test_precision(void)
{
	struct vrf_scalar r = sc_alu(SC_ADD, sc_const(3), sc_const(4), true);
	T_CHECK(sc_is_const(&r));
	T_EQ(r.t.value, 7);
	r = sc_alu(SC_AND, sc_unknown(), sc_const(0xff), true);
	T_EQ(r.umax, 0xff);
	T_EQ(r.smin, 0);
	r = sc_alu(SC_RSH, sc_unknown(), sc_const(56), true);
	T_EQ(r.umax, 0xff);
	r = sc_alu(SC_MOV, sc_unknown(), sc_const((uint64_t)-1), false);
	T_EQ(r.t.value, 0xffffffffull);
	struct vrf_scalar a = sc_urange(0, 100), b = sc_const(10);
	T_CHECK(sc_refine(SC_JLT, true, &a, &b, true));
	T_EQ(a.umax, 9);
	a = sc_unknown();
	b = sc_const(10);
	T_CHECK(sc_refine(SC_JSGT, false, &a, &b, true));
	T_EQ(a.smax, 10);
	a = sc_const(5);
	b = sc_const(5);
	T_CHECK(!sc_refine(SC_JNE, true, &a, &b, true));
	T_EQ(sc_branch(SC_JGT, &(struct vrf_scalar){sc_const(7).t, 7, 7, 7, 7}, &b, true), 1);
	char buf[128];
	a = sc_urange(0, 255);
	T_STREQ(sc_str(&a, buf, sizeof buf), "scalar(umax=255,var_off=(0; 0xff))");
}

T_MAIN(test_alu_sound_near_zero, test_alu_sound_near_2_31, test_alu_sound_near_2_32,
       test_alu_sound_near_s64_max, test_cmp_sound_near_zero, test_cmp_sound_near_2_31,
       test_cmp_sound_near_2_32, test_cmp_sound_near_s64_max, test_unary_sound, test_precision)
