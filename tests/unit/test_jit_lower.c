/* test_jit_lower.c - lowering choices of the JIT that replace what a 1:1 translation would
 * emit, against the interpreter:
 *  - multiplications by constants (lower_mul_imm: shifts, lea, xor, imul) for every kind
 *    of constant, 32- and 64-bit, immediates and known-constant registers;
 *  - inline ARRAY map lookups (lower_array_lookup) give exactly what the
 *    bpf_map_lookup_elem helper gives on the interpreter: every index in and
 * out of range, value sizes whose stride is a power of two or not, one-entry maps, both
 * lddw map forms; programs with runtime checks (not inlined: the helper records regions)
 * still fault on an out-of-bounds value access; a VM whose helper 1 is not the built-in
 * one keeps calling its own helper; hash maps are left to the helper.
 */
#include <errno.h>
#include <stdint.h>
#include "t.h"
#include "t_prog.h"
#include "xbpf/xbpf.h"

static char log_buf[512];

static struct xbpf_prog *load(struct xbpf_vm *vm, const char *text, struct xbpf_map *map,
			      uint32_t flags)
{
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .log_buf = log_buf,
					.log_size = sizeof log_buf, .flags = flags,
					.engine = XBPF_ENGINE_JIT, .maps = map ? &map : NULL,
					.map_cnt = map ? 1 : 0};
	struct xbpf_prog *p = t_load_asm(vm, text, &o);
	T_CHECK(p);
	return p;
}

static int run(struct xbpf_prog *p, enum xbpf_engine e, void *mem, size_t len, uint64_t *r0)
{
	struct xbpf_run_opts o = {.sz = sizeof o, .ctx = mem, .ctx_size = len, .engine = e,
				  .log_buf = log_buf, .log_size = sizeof log_buf};
	int err = xbpf_prog__run(p, &o);
	*r0 = o.retval;
	return err;
}

/* key = u32 at ctx[0]; v = lookup; r0 = v ? (v - value of key 0) + first u32 of *v, with
 * *v incremented : -1. Shows both the address and the memory it names. */
static const char *const prog_text[2] = {
	"ldxw %r6, [%r1]\nstxw [%r10-4], %r6\nmov %r2, %r10\nadd %r2, -4\n"
	"lddw %r1, map_idx(0)\ncall 1\nmov %r7, %r0\n"
	"mov %r0, -1\njeq %r7, 0, +12\n"
	"ldxw %r8, [%r7]\nadd %r8, 1\nstxw [%r7], %r8\n"
	"stw [%r10-8], 0\nmov %r2, %r10\nadd %r2, -8\nlddw %r1, map_idx(0)\ncall 1\n"
	"mov %r1, %r7\nsub %r1, %r0\nmov %r0, %r1\nadd %r0, %r8\nexit\n",
	/* the same with the older map form (lddw src 1) */
	"ldxw %r6, [%r1]\nstxw [%r10-4], %r6\nmov %r2, %r10\nadd %r2, -4\n"
	"lddw %r1, map_fd(0)\ncall 1\nmov %r7, %r0\n"
	"mov %r0, -1\njeq %r7, 0, +12\n"
	"ldxw %r8, [%r7]\nadd %r8, 1\nstxw [%r7], %r8\n"
	"stw [%r10-8], 0\nmov %r2, %r10\nadd %r2, -8\nlddw %r1, map_fd(0)\ncall 1\n"
	"mov %r1, %r7\nsub %r1, %r0\nmov %r0, %r1\nadd %r0, %r8\nexit\n",
};

static void test_inline_equals_helper(void)
{
	static const uint32_t vsizes[] = {1, 4, 8, 12, 16, 24, 40, 64, 100};
	static const uint32_t entries[] = {1, 2, 7, 256};
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	for (size_t v = 0; v < sizeof vsizes / sizeof vsizes[0]; v++)
		for (size_t n = 0; n < sizeof entries / sizeof entries[0]; n++)
			for (int form = 0; form < 2; form++) {
				struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4,
								      vsizes[v] < 4 ? 4 : vsizes[v],
								      entries[n], NULL);
				T_CHECK(m);
				struct xbpf_prog *p = load(vm, prog_text[form], m, XBPF_PROG_F_NO_CHECKS);
				if (!p) {
					xbpf_map__put(m);
					continue;
				}
				uint32_t keys[] = {0, 1, entries[n] - 1, entries[n], entries[n] + 1,
						   0x80000000u, 0xffffffffu};
				for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
					uint64_t a = 0, b = 0;
					uint32_t key = keys[k];
					T_EQ(run(p, XBPF_ENGINE_INTERP, &key, 4, &a), 0);
					T_EQ(run(p, XBPF_ENGINE_JIT, &key, 4, &b), 0);
					if (key >= entries[n]) {
						T_EQ(a, (uint64_t)-1);
						T_EQ(b, (uint64_t)-1);
					} else {
						T_EQ(a + 1, b); /* the counter went up once more */
					}
				}
				xbpf_prog__free(p);
				xbpf_map__put(m);
			}
	xbpf_vm__free(vm);
}

/* With runtime checks the helper runs (and records the value's region): a write past the
 * value faults on both engines. */
static void test_checked_not_inlined(void)
{
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 8, 4, NULL);
	struct xbpf_prog *p = load(vm,
		"stw [%r10-4], 1\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_idx(0)\ncall 1\n"
		"jeq %r0, 0, +1\nstdw [%r0+8], 1\nmov %r0, 0\nexit\n", m, 0);
	uint64_t r0;
	T_EQ(run(p, XBPF_ENGINE_INTERP, NULL, 0, &r0), -EFAULT);
	T_EQ(run(p, XBPF_ENGINE_JIT, NULL, 0, &r0), -EFAULT);
	T_CONTAINS(log_buf, "out-of-bounds write of 8 bytes");
	xbpf_prog__free(p);
	xbpf_map__put(m);
	xbpf_vm__free(vm);
}

static uint64_t my_lookup(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			  struct xbpf_run_ctx *rc)
{
	return 4242;
}

/* A VM with its own helper 1 keeps it (no inlining). */
static void test_custom_helper_and_dump(void)
{
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 8, 4, NULL);
	const char *text = "stw [%r10-4], 1\nmov %r2, %r10\nadd %r2, -4\nlddw %r1, map_idx(0)\n"
			   "call 1\nexit\n";
	struct xbpf_prog *p = load(vm, text, m, XBPF_PROG_F_NO_CHECKS);
	uint64_t r0 = 0;
	T_EQ(run(p, XBPF_ENGINE_JIT, NULL, 0, &r0), 0);
	T_CHECK(r0 != 0 && r0 != 4242);
	xbpf_prog__free(p);
	xbpf_vm__register_helper(vm, 1, "bpf_map_lookup_elem", my_lookup, NULL);
	p = load(vm, text, m, XBPF_PROG_F_NO_CHECKS);
	T_EQ(run(p, XBPF_ENGINE_JIT, NULL, 0, &r0), 0);
	T_EQ(r0, 4242);
	T_EQ(run(p, XBPF_ENGINE_INTERP, NULL, 0, &r0), 0);
	T_EQ(r0, 4242);
	xbpf_prog__free(p);
	xbpf_map__put(m);
	xbpf_vm__free(vm);
}

/* A hash map is never inlined: its lookups give the helper's results. */
static void test_hash_not_inlined(void)
{
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_HASH, 4, 8, 4, NULL);
	uint32_t k = 1;
	uint64_t val = 99;
	T_EQ(xbpf_map__update_elem(m, &k, &val, 0), 0);
	struct xbpf_prog *p = load(vm,
		"ldxw %r6, [%r1]\nstxw [%r10-4], %r6\nmov %r2, %r10\nadd %r2, -4\n"
		"lddw %r1, map_idx(0)\ncall 1\njeq %r0, 0, +1\nldxdw %r0, [%r0]\nexit\n", m,
		XBPF_PROG_F_NO_CHECKS);
	for (uint32_t key = 0; key < 3; key++) {
		uint64_t a, b;
		T_EQ(run(p, XBPF_ENGINE_INTERP, &key, 4, &a), 0);
		T_EQ(run(p, XBPF_ENGINE_JIT, &key, 4, &b), 0);
		T_EQ(a, b);
		T_EQ(a, key == 1 ? 99 : 0);
	}
	xbpf_prog__free(p);
	xbpf_map__put(m);
	xbpf_vm__free(vm);
}

static void test_mul_constants(void)
{
	static const int32_t k[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 1 << 20, 1 << 30, INT32_MIN,
				    -1, -2, -3, -5, -9, 0x7fffffff, 1000003};
	static const uint64_t x[] = {0, 1, 3, 0x7fffffff, 0x80000000, 0xffffffff, 0x123456789abcdefull,
				     0x8000000000000000ull, ~0ull};
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	char text[256];
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		for (int form = 0; form < 4; form++) {
			/* r0 = x (from ctx); r0 *= k as mul/mul32 with an immediate or with a
			 * register holding the constant */
			const char *op = form & 1 ? "mul32" : "mul";
			if (form & 2)
				snprintf(text, sizeof text, "ldxdw %%r0, [%%r1]\nmov %%r2, %d\n"
					 "%s %%r0, %%r2\nexit\n", k[i], op);
			else
				snprintf(text, sizeof text, "ldxdw %%r0, [%%r1]\n%s %%r0, %d\nexit\n",
					 op, k[i]);
			struct xbpf_prog *p = load(vm, text, NULL, 0);
			if (!p)
				continue;
			for (size_t j = 0; j < sizeof x / sizeof x[0]; j++) {
				uint64_t in = x[j], a = 1, b = 2;
				T_EQ(run(p, XBPF_ENGINE_INTERP, &in, 8, &a), 0);
				T_EQ(run(p, XBPF_ENGINE_JIT, &in, 8, &b), 0);
				T_EQ(a, b);
				T_EQ(a, form & 1 ? (uint32_t)((uint32_t)in * (uint32_t)k[i])
					       : in * (uint64_t)(int64_t)k[i]);
			}
			xbpf_prog__free(p);
		}
	xbpf_vm__free(vm);
}

T_MAIN(test_mul_constants, test_inline_equals_helper, test_checked_not_inlined, test_custom_helper_and_dump,
       test_hash_not_inlined)
