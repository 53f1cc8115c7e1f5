/* test_verifier_oracle.c - the deterministic version of the verifier fuzz target:
 * fixed-seed random programs (tests/unit/vrf_gen.h); every program the verifier accepts
 * must run in the interpreter with runtime checks on without a failed check. Also checks
 * that enough programs are accepted for the oracle to mean something.
 */
#include "t.h"
#include "vrf_gen.h"

static void test_accepted_programs_run_safely(void)
{
	struct xbpf_vm *vm = gen_vm();
	struct xbpf_insn prog[GEN_MAX + 8];
	uint8_t bytes[4 * 40 + 1];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int accepted = 0, total = 4000;
	T_CHECK(vm != NULL);
	for (int i = 0; i < total; i++) {
		size_t n = 4 * (size_t)(1 + i % 40) + (i & 1);
		for (size_t j = 0; j < n; j++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			bytes[j] = (uint8_t)seed;
		}
		accepted += vrf_oracle(vm, prog, vrf_gen(bytes, n, prog));
	}
	printf("accepted %d of %d random programs\n", accepted, total);
	T_CHECK(accepted > total / 20);
	xbpf_vm__free(vm);
}

static void test_raw_bytes_never_crash(void)
{
	uint64_t seed = 12345;
	struct xbpf_insn raw[64];
	struct xbpf_verify_result r;
	for (int i = 0; i < 5000; i++) {
		size_t cnt = 1 + (size_t)i % 64;
		for (size_t j = 0; j < cnt; j++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			memcpy(&raw[j], &seed, sizeof raw[j]);
			if (j % 3 == 0) /* keep some opcodes valid */
				raw[j].code = (uint8_t[]){0xb7, 0x07, 0x61, 0x7b, 0x15, 0x85, 0x95,
							  0xbf}[seed >> 61];
		}
		struct xbpf_verify_opts o = {.sz = sizeof o, .prog_type = (uint32_t)(i % 33),
					     .max_insns = 20000};
		int v = xbpf_verify(raw, cnt, &o, &r);
		T_CHECK(v <= 0);
	}
}

T_MAIN(test_accepted_programs_run_safely, test_raw_bytes_never_crash)
