/* fuzz_verifier.c - libFuzzer target: random and mutated programs never crash the
 * verifier (raw bytes as instructions, any program type), and every program built by
 * vrf_gen() that it accepts runs in the interpreter with runtime checks on without a
 * failed check (the soundness oracle of tests/unit/vrf_gen.h).
 */
#include "../unit/vrf_gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xbpf_vm *vm;
	struct xbpf_insn prog[GEN_MAX + 8];
	if (!vm)
		vm = gen_vm();
	if (size < 2)
		return 0;
	if (data[0] & 1) {             /* raw instructions, any type: must not crash */
		size_t cnt = (size - 2) / sizeof(struct xbpf_insn);
		struct xbpf_insn *raw = malloc(cnt ? cnt * sizeof *raw : 1);
		if (!raw)
			return 0;
		memcpy(raw, data + 2, cnt * sizeof *raw);
		struct xbpf_verify_opts o = {.sz = sizeof o, .prog_type = data[1] % 33,
					     .max_insns = 100000, .mem_size = data[1]};
		xbpf_verify(raw, cnt, &o, NULL);
		free(raw);
		return 0;
	}
	size_t cnt = vrf_gen(data + 1, size - 1, prog);
	vrf_oracle(vm, prog, cnt);
	return 0;
}
