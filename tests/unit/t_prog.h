/* t_prog.h - program set-up shared by the C tests that write their programs in assembler:
 * assemble (either syntax) and load in one call, with failures reported as failed checks.
 * Include after t.h.
 */
#ifndef XBPF_T_PROG_H
#define XBPF_T_PROG_H
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "xbpf/xbpf.h"

/* Assemble `text` (either syntax; helper names resolved in vm, which may be NULL) into a
 * malloc'd array; false on an assembly error, reported as a failed check. */
static inline bool t_asm(struct xbpf_vm *vm, const char *text, struct xbpf_insn **insns,
			 size_t *cnt)
{
	char err[256];
	if (!xbpf_asm(text, vm, insns, cnt, err, sizeof err))
		return true;
	fprintf(stderr, "asm error: %s\n", err);
	T_CHECK(!"assembly failed");
	return false;
}

/* Assemble `text` (helper names resolved in vm) and load it with the load options `o`
 * (its log_buf, when set, receives the load error). NULL on failure: an assembly error is
 * a failed check, a load error is printed (the caller decides: some tests expect it). */
static inline struct xbpf_prog *t_load_asm(struct xbpf_vm *vm, const char *text,
					   const struct xbpf_prog_load_opts *o)
{
	struct xbpf_insn *insns;
	size_t cnt;
	if (!t_asm(vm, text, &insns, &cnt))
		return NULL;
	struct xbpf_prog *prog = xbpf_prog__load(vm, insns, cnt, o);
	free(insns);
	if (!prog)
		fprintf(stderr, "load error: %s\n", o->log_buf ? o->log_buf : "(no log)");
	return prog;
}
#endif
