/* readme_example.c - the C API example shown in README.md (tests/cli/readme.sh checks that
 * the README shows this file's code verbatim, readme_example_test.c runs it). */
#include <stdio.h>
#include <stdlib.h>
#include <xbpf/xbpf.h>

int main(void)
{
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	struct xbpf_insn *insns;
	size_t cnt;
	char err[256] = "";

	/* r0 = mem[0] + mem[1]; the uBPF syntax ("ldxb %r0, [%r1+0]") works too */
	if (xbpf_asm("r0 = *(u8 *)(r1 + 0)\n"
		     "r2 = *(u8 *)(r1 + 1)\n"
		     "r0 += r2\n"
		     "exit\n", vm, &insns, &cnt, err, sizeof(err))) {
		fprintf(stderr, "asm: %s\n", err);
		return 1;
	}
	struct xbpf_prog_load_opts opts = {
		.sz = sizeof(opts), .log_buf = err, .log_size = sizeof(err),
	};
	struct xbpf_prog *prog = xbpf_prog__load(vm, insns, cnt, &opts);
	free(insns);
	if (!prog) {
		fprintf(stderr, "load: %s\n", err); /* "insn 3 (...): reason" */
		return 1;
	}
	uint8_t mem[2] = {40, 2};
	uint64_t r0 = 0;
	int rc = xbpf_prog__exec(prog, mem, sizeof(mem), &r0); /* r1 = mem, r2 = 2 */
	printf("r0 = %llu\n", (unsigned long long)r0);
	xbpf_prog__free(prog);
	xbpf_vm__free(vm);
	return rc || r0 != 42;
}
