/* t_jit.h - JIT test helpers shared by the JIT's C tests (include after t.h and
 * "jit/jit.h"): the `xbpf jit --dump` listing of a program as text.
 */
#ifndef XBPF_T_JIT_H
#define XBPF_T_JIT_H
#include <errno.h>
#include <stdio.h>

/* The listing of body `body` of p (malloc'd text, free() it); *err = jit_dump()'s result
 * (-ENOTSUP: built without a disassembler). */
static inline char *t_jit_dump(struct xbpf_prog *p, int body, int *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = jit_dump(p, body, f);
	fclose(f);
	return text;
}
#endif
