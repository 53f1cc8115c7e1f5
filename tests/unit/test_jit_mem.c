/* test_jit_mem.c - the JIT's pool of executable pages (src/jit/execmem.c): images share
 * pooled chunks page by page, every page is either writable or executable (never both, as
 * /proc/self/maps shows), pages of freed images are reused, and images too large for the
 * pool get a mapping of their own.
 */
#include <stdio.h>
#include <unistd.h>
#include "t.h"
#include "xbpf/xbpf.h"
#include "vm/vm_internal.h"
#include "jit/jit.h"

/* Permissions of the mapping holding addr ("" when none); fails the test on any rwx. */
static void perms_of(uintptr_t addr, char out[8])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	out[0] = 0;
	T_CHECK(f);
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		T_CHECK(!(perms[1] == 'w' && perms[2] == 'x'));
		if (addr >= lo && addr < hi)
			snprintf(out, 8, "%s", perms);
	}
	if (f)
		fclose(f);
}

static struct xbpf_prog *load_ret(struct xbpf_vm *vm, int32_t value)
{
	struct xbpf_insn in[2] = {
		{.code = XBPF_ALU64 | XBPF_MOV | XBPF_K, .dst_reg = 0, .imm = value},
		{.code = XBPF_JMP | XBPF_EXIT},
	};
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_JIT};
	return xbpf_prog__load(vm, in, 2, &lo);
}

/* Many small programs: each on its own pages, sealed r-x, all running; freeing half and
 * loading again reuses pages without ever exposing a writable+executable page. */
static void test_pool_programs(void)
{
	enum { N = 300 };
	static struct xbpf_prog *p[N];
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	T_CHECK(vm);
	if (!vm)
		return;
	for (int i = 0; i < N; i++) {
		p[i] = load_ret(vm, i);
		T_CHECK(p[i] && p[i]->jit_image);
	}
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			uint64_t r0 = 0;
			char perms[8];
			if (!p[i])
				continue;
			T_EQ(xbpf_prog__exec(p[i], NULL, 0, &r0), 0);
			T_EQ(r0, (uint64_t)i);
			if (i % 37 == 0) {
				perms_of((uintptr_t)p[i]->jit_image, perms);
				T_STREQ(perms, "r-xp");
			}
			for (int j = 0; j < i; j += 17) /* no two images share a page */
				if (p[j])
					T_CHECK((uintptr_t)p[j]->jit_image / 4096 !=
						(uintptr_t)p[i]->jit_image / 4096);
		}
		for (int i = round % 2; i < N; i += 2) {
			xbpf_prog__free(p[i]);
			p[i] = load_ret(vm, i);
			T_CHECK(p[i] && p[i]->jit_image);
		}
	}
	for (int i = 0; i < N; i++)
		xbpf_prog__free(p[i]);
	xbpf_vm__free(vm);
}

/* The allocator itself: RW while taken, r-x once sealed, RW again once freed; small and
 * large (own mapping) requests. */
static void test_pool_pages(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	static const size_t lens[] = {1, 5000, 64 * 4096, 64 * 4096 + 1, 1u << 20};
	for (unsigned k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		size_t size = 0;
		char perms[8];
		uint8_t *m = jit_exec_alloc(lens[k], &size);
		T_CHECK(m);
		if (!m)
			continue;
		T_EQ(size % page, 0);
		T_CHECK(size >= lens[k]);
		memset(m, 0xc3, size); /* writable: every byte */
		perms_of((uintptr_t)m + size - 1, perms);
		T_STREQ(perms, "rw-p");
		T_EQ(jit_exec_seal(m, size), 0);
		perms_of((uintptr_t)m, perms);
		T_STREQ(perms, "r-xp");
		perms_of((uintptr_t)m + size - 1, perms);
		T_STREQ(perms, "r-xp");
		((void (*)(void))m)(); /* a ret */
		jit_exec_free(m, size);
	}
}

T_MAIN(test_pool_programs, test_pool_pages)
