/* core.c - CO-RE relocations (placeholder being replaced). */
#include <errno.h>
#include "loader.h"

int ldr_core_apply(struct xbpf_object *obj, struct xbpf_program *prog, struct xbpf_insn *insns)
{
	(void)obj;
	(void)insns;
	return ldr_err(ENOTSUP, "prog '%s': CO-RE relocations are not supported yet", prog->name);
}
