/* fuzz_jit_diff.c - libFuzzer differential target: interpreter vs JIT.
 *
 * Input bytes are used two ways (chosen by the first byte):
 *  - raw: the rest is instructions; whatever loads (validation passes) runs on both engines
 *    with a budget, runtime checks on and, for half the inputs, constant blinding (a VM
 *    with only the generator's helpers, so no answer depends on time; the maps are there
 *    for direct value access);
 *  - generated: the bytes seed jit_gen.h's generator of valid programs (with deliberate
 *    faults), which reaches deep paths raw bytes rarely do.
 * r0, the error code and message, the memory and the maps must be identical; any
 * difference, crash, sanitizer report or hang is a bug. Longer runs:
 *   build-asan/fuzz_jit_diff -max_total_time=600 -max_len=4096
 */
#include <stdlib.h>
#include "../unit/jit_gen.h"

static struct gen g;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xbpf_vm *raw_vm, *vm;
	static struct gen_maps maps;
	if (!vm && (!(raw_vm = gen_vm(false)) || !(vm = gen_vm(true)) || gen_maps_new(&maps)))
		abort();
	if (size < 1)
		return 0;
	char why[1024];
	int r = 0;
	if (data[0] & 1) {
		size_t n = (size - 1) / sizeof(struct xbpf_insn);
		if (!n || n > GEN_MAX)
			return 0;
		memcpy(g.insn, data + 1, n * sizeof(struct xbpf_insn));
		uint32_t flags = data[0] & 2 ? XBPF_PROG_F_JIT_BLIND : 0;
		r = gen_diff(raw_vm, &maps, g.insn, n, flags, 4096, data[0], why, sizeof why);
	} else {
		uint64_t seed = 1469598103934665603ull;
		for (size_t i = 0; i < size; i++)
			seed = (seed ^ data[i]) * 1099511628211ull;
		gen_program(&g, seed, true, true);
		r = gen_diff(vm, &maps, g.insn, g.n, 0, data[0] & 2 ? 1 + seed % 300 : 0, seed,
			     why, sizeof why);
		if (r < 0) {
			fprintf(stderr, "generated program did not load: %s\n", why);
			abort();
		}
	}
	if (r > 0) {
		fprintf(stderr, "interpreter and JIT differ: %s\n", why);
		abort();
	}
	return 0;
}
