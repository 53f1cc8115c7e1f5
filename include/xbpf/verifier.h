/* xbpf/verifier.h - the verifier: proves an eBPF program safe before it runs, or says
 * why it may not be (instruction, disassembly, source line, register state, the branch
 * decisions of the path, and a hint in plain words).
 *
 * The analysis follows the Linux kernel's: abstract interpretation of every path, with
 * tracked bits + signed/unsigned bounds for scalars, typed pointers (context, stack, map
 * values, packet, ...), null checks, packet ranges learned from comparisons with data_end,
 * helper arguments checked against the helpers' prototypes, references released on every
 * path, a complexity limit. A program it accepts runs safely with runtime checks off.
 */
#ifndef XBPF_VERIFIER_H
#define XBPF_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "insn.h"
#include "vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A map a lddw (src 1/5: imm = index; src 2/6: imm = index, next.imm = value offset)
 * names: what the verifier needs to know of it. */
struct xbpf_verify_map {
	uint32_t type;          /* enum xbpf_map_type */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t flags;         /* XBPF_F_*: XBPF_F_RDONLY_PROG makes values read-only */
	int32_t inner;          /* map-in-map: index of the inner map's descriptor, -1 none */
	const void *ro_data;    /* frozen read-only data (value of key 0) or NULL: loads of
				 * it at constant offsets give constants, strings are checked */
	const char *name;       /* for messages (may be NULL) */
};

/* Source line of an instruction (BTF line info): text for messages, or NULL. */
typedef const char *(*xbpf_verify_line_fn)(void *ctx, size_t insn_idx);
/* Receives each line of the verifier's log (no trailing newline). */
typedef void (*xbpf_verify_log_fn)(void *ctx, const char *line);

struct xbpf_verify_opts {
	size_t sz;
	uint32_t prog_type;     /* enum xbpf_prog_type (0: raw memory, r1 = ptr, r2 = len) */
	const struct xbpf_vm *vm; /* helper prototypes; NULL: xbpf's built-in helpers */
	const struct xbpf_verify_map *maps;
	unsigned map_cnt;
	xbpf_verify_line_fn source_line;
	void *source_ctx;
	unsigned log_level;     /* 0 none, 1 the rejection, 2 every instruction's state */
	xbpf_verify_log_fn log_fn;
	void *log_ctx;
	uint64_t max_insns;     /* complexity limit: instructions processed (0: 1,000,000) */
	uint64_t max_bytes;     /* memory limit of the analysis (0: 64 MiB) */
	/* raw memory programs (type 0): r2 = length; accesses through r1 need a known
	 * size: mem_size bytes (0: the program may not dereference r1). */
	uint32_t mem_size;
	/* Reject reads of stack bytes never written (the unprivileged kernel's rule). By
	 * default they are allowed, as the kernel allows them to privileged loaders: the
	 * value read is unknown, and res->reads_uninit_stack tells the loader to keep
	 * zeroing the stack of such a program on every run. */
	bool strict_stack;
};

struct xbpf_verify_result {
	size_t sz;
	int verdict;            /* 0 accepted; -EACCES rejected (unsafe), -E2BIG too
				 * complex, -EINVAL malformed, -ENOMEM, -ENOTSUP */
	long insn;              /* instruction of the rejection, -1 when none */
	char message[256];      /* "R0 invalid mem access 'map_value_or_null'" */
	char hint[256];         /* one line in plain words */
	char source_line[256];  /* from BTF line info, "" when unknown */
	char explanation[4096]; /* multi-line: insn + disassembly, source, state, path, hint */
	uint64_t insns_processed;
	uint64_t states;        /* states stored for pruning */
	uint64_t time_us;
	uint64_t peak_bytes;    /* peak memory of the analysis */
	/* accepted program may read stack bytes it did not write (never with
	 * opts->strict_stack): it must run on a zeroed stack (no XBPF_PROG_F_VERIFIED) */
	bool reads_uninit_stack;
};

/* Verify `cnt` instructions. Returns res->verdict (0 or -errno) and fills res (may be
 * NULL). Never crashes on any input; bounded in time and memory by the limits. */
XBPF_API int xbpf_verify(const struct xbpf_insn *insns, size_t cnt,
			 const struct xbpf_verify_opts *opts, struct xbpf_verify_result *res);

struct xbpf_program; /* object.h */

/* Verify a program of an opened object (object.h): its instructions, its section's
 * program type (unless opts->prog_type is set), its maps (unless opts->maps is set;
 * map-in-map inner maps and .rodata contents included), and its BTF line info for
 * source lines. Returns like xbpf_verify(). */
XBPF_API int xbpf_program__verify(const struct xbpf_program *prog,
				  const struct xbpf_verify_opts *opts,
				  struct xbpf_verify_result *res);

#ifdef __cplusplus
}
#endif
#endif /* XBPF_VERIFIER_H */
