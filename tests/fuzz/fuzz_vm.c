/* fuzz_vm.c - libFuzzer target for the VM core: bytes -> instructions -> xbpf_prog__load
 * (validation) -> run with a budget on a small memory buffer, with runtime checks on, once
 * per dispatch mode (computed goto and switch). Both runs must agree on the result, r0 and
 * the final memory; a rejected program must come with an "insn N (...): reason" message.
 * Any crash, sanitizer report, hang or disagreement is a bug.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xbpf/xbpf.h"

#define MEM_SIZE 64
#define BUDGET 4096

static uint64_t h_identity(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			   struct xbpf_run_ctx *rc)
{
	return a;
}

/* helper 6: calls the callback in r1 with (r2, r3) once: exercises nested runs */
static uint64_t h_callback(uint64_t fn, uint64_t a, uint64_t b, uint64_t d, uint64_t e,
			   struct xbpf_run_ctx *rc)
{
	uint64_t r = 0;
	int err = xbpf_run_ctx__call(rc, fn, a, b, 0, 0, 0, &r);
	return err ? (uint64_t)(int64_t)err : r;
}

static struct xbpf_vm *fuzz_vm(void)
{
	static struct xbpf_vm *vm;
	if (!vm) {
		struct xbpf_vm_opts o = {.sz = sizeof o, .no_builtin_helpers = true};
		vm = xbpf_vm__new(&o);
		if (!vm)
			abort();
		xbpf_vm__register_helper(vm, 5, "identity", h_identity, NULL);
		xbpf_vm__register_helper(vm, 6, "callback", h_callback, NULL);
	}
	return vm;
}

struct outcome {
	int err;
	uint64_t r0;
	uint8_t mem[MEM_SIZE];
};

/* Both runs use the same buffer (and the same stack depth), so pointers a program leaks
 * into r0 or memory are equal too. */
static void run(struct xbpf_prog *prog, enum xbpf_engine engine, struct outcome *out)
{
	static _Alignas(8) uint8_t mem[MEM_SIZE];
	for (int i = 0; i < MEM_SIZE; i++)
		mem[i] = (uint8_t)(i * 7 + 1);
	char log[256];
	struct xbpf_run_opts o = {.sz = sizeof o, .ctx = mem, .ctx_size = MEM_SIZE,
				  .budget = BUDGET, .engine = engine, .log_buf = log,
				  .log_size = sizeof log};
	out->err = xbpf_prog__run(prog, &o);
	out->r0 = out->err ? 0 : o.retval;
	memcpy(out->mem, mem, MEM_SIZE);
	if (out->err && !log[0]) {
		fprintf(stderr, "run failed (%d) without a message\n", out->err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(struct xbpf_insn);
	if (n > 512)
		return 0;
	struct xbpf_insn *insns = malloc(n ? n * sizeof *insns : 1);
	if (!insns)
		return 0;
	memcpy(insns, data, n * sizeof *insns);
	char log[256] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .log_buf = log, .log_size = sizeof log};
	struct xbpf_prog *prog = xbpf_prog__load(fuzz_vm(), insns, n, &lo);
	free(insns);
	if (!prog) {
		if (!log[0]) {
			fprintf(stderr, "load failed without a message\n");
			abort();
		}
		return 0;
	}
	struct outcome a, b;
	run(prog, XBPF_ENGINE_INTERP, &a);
	run(prog, XBPF_ENGINE_INTERP_SWITCH, &b);
	if (a.err != b.err || a.r0 != b.r0 || memcmp(a.mem, b.mem, MEM_SIZE)) {
		fprintf(stderr, "dispatch modes disagree: goto err %d r0 0x%llx, switch err %d r0 "
			"0x%llx\n", a.err, (unsigned long long)a.r0, b.err, (unsigned long long)b.r0);
		abort();
	}
	xbpf_prog__free(prog);
	return 0;
}
