/* bench.h - the benchmark's two tables: programs (bench.c) and engines (eng_*.c).
 *
 * A program is one C body compiled twice (bench/progs/NAME.c): to BPF (NAME.bpf.o with
 * NAME_raw for userspace engines and NAME_tc for the kernel) and natively. An engine
 * prepares a program once and then measures batches of runs. To add an engine, write an
 * eng_<name>.c with a `const struct bench_engine` and list it in bench.c's engines[].
 */
#ifndef XBPF_BENCH_H
#define XBPF_BENCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xbpf/insn.h"

struct bench_prog {
	const char *name;                            /* "hashmix" */
	uint64_t (*native)(const uint8_t *mem);      /* the same body compiled natively */
	/* filled by bench.c before engines see it */
	char obj_path[512];                          /* NAME.bpf.o */
	struct xbpf_insn *insns;                     /* NAME_raw's instructions */
	size_t insn_cnt;
	bool has_maps;                               /* NAME.bpf.o defines maps */
};

struct bench_engine {
	const char *name;                            /* column header: "xbpf-interp" */
	/* Prepare `p`: 0 and *state, or -1 with the reason in why ("bpf() not permitted"). */
	int (*setup)(const struct bench_prog *p, void **state, char *why, size_t why_size);
	/* Run the program `reps` times on mem (BENCH_LEN bytes). Returns the time of one run in
	 * ns (the engine's own figure when it has one: the kernel's reported duration), or a
	 * negative value on failure; r0 of the last run in *ret. */
	double (*measure)(void *state, uint8_t *mem, unsigned reps, uint64_t *ret);
	void (*teardown)(void *state);
	/* r0 is compared with native's on these low bits (the kernel returns 32 bits) */
	unsigned ret_bits;
};

/* this thread's CPU time in ns (bench.c says why) */
uint64_t bench_now_ns(void);

extern const struct bench_engine bench_eng_native, bench_eng_xbpf_interp, bench_eng_xbpf_switch,
	bench_eng_xbpf_checked, bench_eng_xbpf_jit, bench_eng_dpdk, bench_eng_dpdk_jit,
	bench_eng_kernel;
extern const struct bench_engine bench_eng_xbpf_jit_run, bench_eng_xbpf_jit_call;
#endif
