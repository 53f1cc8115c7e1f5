/* fuzz_loader.c - libFuzzer target for the object loader: any byte string given to
 * xbpf_object__open_mem() must open or fail with errno and a message, never crash; an
 * object that opens is listed completely (programs, instructions, line info, maps). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "xbpf/object.h"

static void walk(struct xbpf_object *obj)
{
	for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));) {
		size_t n = xbpf_program__insn_cnt(p);
		const struct xbpf_insn *in = xbpf_program__insns(p);
		volatile uint8_t sink = 0;
		for (size_t i = 0; i < n; i++)
			sink ^= in[i].code;
		struct xbpf_line_info li;
		if (n && !xbpf_program__line_info(p, n - 1, &li))
			sink ^= (uint8_t)strlen(li.line) ^ (uint8_t)strlen(li.file);
		(void)xbpf_program__func_name(p, 0);
		for (unsigned i = 0; i < xbpf_program__map_cnt(p); i++)
			sink ^= (uint8_t)xbpf_object_map__type(xbpf_program__map(p, i));
		(void)sink;
	}
	for (struct xbpf_object_map *m = NULL; (m = xbpf_object__next_map(obj, m));) {
		size_t sz;
		const uint8_t *v = xbpf_object_map__initial_value(m, &sz);
		if (v && sz && v[sz - 1] == 0xff)
			errno = 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xbpf_object_open_opts o = {.sz = sizeof(o), .no_kernel_btf = true};
	struct xbpf_object *obj = xbpf_object__open_mem(data, size, &o);
	if (!obj) {
		if (!errno || !xbpf_object__last_error()[0])
			abort(); /* a failure must say why */
		return 0;
	}
	walk(obj);
	xbpf_object__close(obj);
	return 0;
}
