/* vfuzz.h - differential soundness checking of xbpf's verifier against the Linux kernel's.
 *
 * vfuzz_gen.c builds structured random programs (socket filter, tc, xdp) from a seed: each
 * program is a sequence of snippets the verifier must reason about (packet bounds checks
 * against data_end, map lookups with/without null checks, variable offsets bounded by
 * comparisons, spills and fills, values joined from two branches and used later, bounded
 * loops, bpf-to-bpf calls, helpers with size arguments). About half of the programs get
 * one deliberate bug (off-by-one bound, missing check, ...), the rest are meant to be safe.
 *
 * vfuzz_oracle.c loads every program in the kernel (bpf(BPF_PROG_LOAD), same maps) and in
 * xbpf_verify(), classifies the pair of verdicts, and runs programs xbpf accepts in xbpf's
 * interpreter with runtime checks on (random packets, contexts and map contents): a failed
 * runtime check after xbpf accepted proves unsoundness. Programs both accept (and that call
 * no helper with a time- or random-dependent answer) then run in the kernel
 * (BPF_PROG_TEST_RUN) and in xbpf's JIT and interpreter as verified code, without runtime
 * checks, from the same packet, context and map contents: the return value, the output
 * packet and every map's contents must be the same (the kernel is the oracle of the
 * semantics).
 */
#ifndef VFUZZ_H
#define VFUZZ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "xbpf/xbpf.h"

#define VF_MAX_INSNS 1024
#define VF_NMAPS 6

/* One generated program. */
struct vf_prog {
	struct xbpf_insn insn[VF_MAX_INSNS];
	size_t n;
	uint32_t prog_type;     /* XBPF_PROG_TYPE_SOCKET_FILTER / SCHED_CLS / XDP */
	int bugs;               /* deliberate bugs injected (0 or 1) */
	char desc[256];         /* snippet names; the buggy one is marked with '!' */
};

/* The fixed maps every program may name by index (lddw src 1, imm = index). */
struct vf_map_desc {
	uint32_t type, key_size, value_size, max_entries;
};
extern const struct vf_map_desc vf_maps[VF_NMAPS];

/* Build the program number `idx` of the stream `seed` (deterministic). */
void vf_generate(uint64_t seed, uint64_t idx, struct vf_prog *p);

/* ---- the oracle ------------------------------------------------------------------------ */
enum vf_class {
	VF_BOTH_ACCEPT,
	VF_BOTH_REJECT,
	VF_XBPF_ONLY,      /* xbpf accepts, kernel rejects: potential unsoundness */
	VF_KERNEL_ONLY,    /* kernel accepts, xbpf rejects: precision gap */
	VF_XBPF_NO_ANSWER, /* xbpf_verify hung or crashed */
	VF_NCLASS
};

struct vf_result {
	enum vf_class cls;
	int kernel_err;          /* 0 or -errno of BPF_PROG_LOAD */
	int xbpf_err;            /* xbpf_verify verdict */
	char kmsg[256];          /* the kernel log's last line */
	char xmsg[256];          /* xbpf's message */
	const char *kcat;        /* category of the kernel's rejection */
	bool kcat_safety;        /* the kernel's reason is a memory-safety rule */
	int xbpf_bad;            /* VF_XBPF_HANG / VF_XBPF_CRASH: xbpf_verify never answered */
	int runs;                /* interpreter runs done (xbpf accepted) */
	int faults;              /* runs that failed a runtime memory check */
	char fault_msg[256];
	int exec_runs;           /* kernel vs xbpf (JIT, interpreter) executions compared */
	int exec_mismatch;       /* of those, runs whose results differ */
	int exec_records;        /* ring buffer records the kernel produced in them */
	char exec_msg[256];      /* the first difference */
};

#define VF_XBPF_HANG 1
#define VF_XBPF_CRASH 2

struct vf_oracle;

/* Create the maps in the kernel and in xbpf. Returns NULL with *err = -EPERM/-ENOSYS when
 * bpf() is not permitted (or another -errno). */
struct vf_oracle *vf_oracle_new(int *err);
void vf_oracle_free(struct vf_oracle *o);
/* The map descriptions handed to xbpf_verify (VF_NMAPS of them). */
const struct xbpf_verify_map *vf_oracle_maps(const struct vf_oracle *o);

/* Verify p in both and, when xbpf accepts, run it `runs` times with checks on; when both
 * accept and no run faulted, also `runs` times in the kernel and in xbpf's JIT and
 * interpreter, compared. */
void vf_check(struct vf_oracle *o, const struct vf_prog *p, int runs, struct vf_result *r);

/* Counters and examples over a run; vf_stats_print writes the summary. */
#define VF_EXAMPLES 6
#define VF_NCATS 48
struct vf_cat {
	char name[96];
	unsigned long count;
};
struct vf_stats {
	unsigned long total, cls[VF_NCLASS];
	unsigned long xonly_safety, xonly_fault, accepted_fault;
	unsigned long buggy, buggy_kernel_accept, xbpf_hang, xbpf_crash;
	unsigned long exec_runs, exec_mismatch, exec_programs, exec_records;
	struct vf_cat xcats[VF_NCATS], kcats[VF_NCATS];
	int nx, nk;
	int nexamples[VF_NCLASS];
	char *examples[VF_NCLASS][VF_EXAMPLES];
};
void vf_stats_add(struct vf_stats *s, const struct vf_prog *p, const struct vf_result *r,
		  uint64_t seed, uint64_t idx);
void vf_stats_print(const struct vf_stats *s, FILE *f);
void vf_stats_free(struct vf_stats *s);

/* Disassembly of p (malloc'ed). */
char *vf_disasm(const struct vf_prog *p);
#endif
