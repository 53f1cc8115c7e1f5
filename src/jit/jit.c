/* jit.c - placeholder until the JIT lands (issue 5): reports that no JIT exists. */
#include <errno.h>
#include "../vm/vm_internal.h"

int vm_jit_compile(struct xbpf_prog *prog, char *log, size_t log_size)
{
	(void)prog;
	if (log && log_size)
		snprintf(log, log_size, "the JIT is not implemented yet");
	return -ENOTSUP;
}
void vm_jit_free(struct xbpf_prog *prog) { (void)prog; }
int vm_jit_call(struct xbpf_run_ctx *rc, uint64_t fn, const uint64_t args[5], uint64_t *ret)
{
	(void)rc; (void)fn; (void)args; (void)ret;
	return -ENOTSUP;
}
