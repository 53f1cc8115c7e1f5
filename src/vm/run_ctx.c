/* run_ctx.c - the per-run state as helpers and engines see it: accessors, memory regions
 * and their checks, runtime errors, callbacks into the program and tail-call requests.
 *
 * rc->err holds the first runtime error as a positive errno; engines stop at the next
 * point they look (after every helper call) and return -rc->err.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include "vm_internal.h"

struct xbpf_vm *xbpf_run_ctx__vm(const struct xbpf_run_ctx *rc) { return rc->vm; }
struct xbpf_prog *xbpf_run_ctx__prog(const struct xbpf_run_ctx *rc) { return rc->prog; }
void *xbpf_run_ctx__user(const struct xbpf_run_ctx *rc) { return rc->user; }
unsigned xbpf_run_ctx__cpu(const struct xbpf_run_ctx *rc) { return rc->cpu; }

int vm_error(struct xbpf_run_ctx *rc, int err, const char *fmt, ...)
{
	if (rc->err)
		return -err;
	rc->err = err;
	if (rc->log_buf && rc->log_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(rc->log_buf, rc->log_size, fmt, ap);
		va_end(ap);
	}
	return -err;
}

bool vm_mem_ok(const struct xbpf_run_ctx *rc, uint64_t addr, size_t size, bool write)
{
	for (unsigned i = 0; i < rc->region_cnt; i++) {
		const struct xbpf_region *r = &rc->regions[i];
		uint64_t off = addr - (uint64_t)(uintptr_t)r->base;
		if (off < r->size && size <= r->size - off && (!write || r->writable))
			return true;
	}
	return false;
}

bool xbpf_run_ctx__check(const struct xbpf_run_ctx *rc, uint64_t addr, size_t size, bool write)
{
	return rc && vm_mem_ok(rc, addr, size, write);
}

int xbpf_run_ctx__add_region(struct xbpf_run_ctx *rc, void *base, size_t size, bool writable)
{
	if (!rc || !base || !size)
		return -EINVAL;
	/* Already known (a helper returning the same map value again): nothing to add. */
	for (unsigned i = 0; i < rc->region_cnt; i++) {
		struct xbpf_region *r = &rc->regions[i];
		if (r->base == base && r->size >= size && (r->writable || !writable))
			return 0;
	}
	if (rc->region_cnt < VM_MAX_REGIONS) {
		rc->regions[rc->region_cnt++] = (struct xbpf_region){base, size, writable};
		return 0;
	}
	/* Full: recycle the oldest dynamic slot. */
	if (rc->region_next < rc->region_fixed || rc->region_next >= VM_MAX_REGIONS)
		rc->region_next = rc->region_fixed;
	rc->regions[rc->region_next++] = (struct xbpf_region){base, size, writable};
	return -ENOSPC;
}

int xbpf_run_ctx__call(struct xbpf_run_ctx *rc, uint64_t fn, uint64_t a1, uint64_t a2,
		       uint64_t a3, uint64_t a4, uint64_t a5, uint64_t *ret)
{
	if (!rc || !ret)
		return -EINVAL;
	const uint64_t args[5] = {a1, a2, a3, a4, a5};
	if (rc->engine == XBPF_ENGINE_JIT && rc->prog->jit_entry)
		return vm_jit_call(rc, fn, args, ret);
	return vm_interp_call(rc, fn, args, ret, rc->engine == XBPF_ENGINE_INTERP_SWITCH);
}

int xbpf_run_ctx__tail_call(struct xbpf_run_ctx *rc, struct xbpf_prog *target)
{
	if (!rc || !target)
		return -EINVAL;
	if (rc->tail_calls >= XBPF_MAX_TAIL_CALLS)
		return -E2BIG;
	rc->tail_calls++;
	rc->tail_target = target;
	/* A target that addresses its stack gets a zeroed one, like a fresh run, unless it is
	 * verified not to read stack it did not write: whatever the current program left
	 * there (or a stale stack: programs without r10 or verified ones run on an uncleared
	 * one) must not be what it reads. The current program stops at this helper's return
	 * and no longer uses its stack. */
	if (vm_prog_clears_stack(target))
		memset(rc->stack, 0, XBPF_MAX_FRAMES * XBPF_STACK_SIZE);
	return 0;
}
