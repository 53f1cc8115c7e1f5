/* hlp_maps.c - the map-related helpers with the kernel's ids, prototypes and semantics:
 * map_lookup/update/delete_elem, map_push/pop/peek_elem, tail_call, perf_event_output,
 * spin_lock/unlock, ringbuf_output/reserve/submit/discard/query and for_each_map_elem.
 * They call the maps module's program-side operations (src/maps/map_internal.h).
 *
 * Checks when the program runs with runtime checks (not XBPF_PROG_F_NO_CHECKS): the map
 * argument must be a live map (one of the program's maps, or any map of this process);
 * key/value pointers must lie in the run's regions; a bad argument ends the run with
 * -EFAULT naming the helper and argument. Memory a helper hands to the program (a map
 * value, a ringbuf sample, the key/value given to a for_each callback) is added to the
 * run's regions, writable unless the map is XBPF_F_RDONLY_PROG.
 */
#include <string.h>
#include "helpers.h"
#include "../maps/map_internal.h"
#include "../vm/vm_internal.h"

static inline bool checks_on(const struct xbpf_run_ctx *rc)
{
	return !(rc->prog && (rc->prog->flags & XBPF_PROG_F_NO_CHECKS));
}

/* Is p a live map the run may use? Program maps first (cheap), then the registry. */
static inline bool map_arg_ok(struct xbpf_run_ctx *rc, const char *helper, uint64_t p)
{
	struct xbpf_map *m = (struct xbpf_map *)(uintptr_t)p;
	if (!checks_on(rc))
		return m != NULL;
	for (unsigned i = 0; rc->prog && i < rc->prog->map_cnt; i++)
		if (rc->prog->maps[i] == m)
			return true;
	if (map_is_live(m))   /* inner maps: any map of this process */
		return true;
	hlp_fail(rc, EFAULT, helper, "arg1: 0x%llx is not a map", (unsigned long long)p);
	return false;
}

/* Pointer checks only when the run has them (hlp_mem_ok also says yes without). */
#define MEM_OK(rc, ...) (!checks_on(rc) || hlp_mem_ok(rc, __VA_ARGS__))

#define MAP_ARG(name)                                                       \
	struct xbpf_map *m = (struct xbpf_map *)(uintptr_t)r1;             \
	if (!map_arg_ok(rc, name, r1))                                      \
		return HLP_ERR(EFAULT)

static uint64_t h_lookup(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct xbpf_run_ctx *rc)
{
	MAP_ARG("bpf_map_lookup_elem");
	if (!MEM_OK(rc, "bpf_map_lookup_elem", 2, r2, m->key_size, false))
		return 0;
	void *v = map_lookup(m, (const void *)(uintptr_t)r2, rc->cpu);
	if (v && checks_on(rc) && m->type != XBPF_MAP_TYPE_ARRAY_OF_MAPS &&
	    m->type != XBPF_MAP_TYPE_HASH_OF_MAPS)
		xbpf_run_ctx__add_region(rc, v, map_prog_value_size(m), map_prog_writable(m));
	return (uint64_t)(uintptr_t)v;
}

static uint64_t h_update(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct xbpf_run_ctx *rc)
{
	MAP_ARG("bpf_map_update_elem");
	if (!MEM_OK(rc, "bpf_map_update_elem", 2, r2, m->key_size, false) ||
	    !MEM_OK(rc, "bpf_map_update_elem", 3, r3, m->value_size, false))
		return HLP_ERR(EFAULT);
	return (uint64_t)map_update(m, (const void *)(uintptr_t)r2, (const void *)(uintptr_t)r3,
				    r4, rc->cpu);
}

static uint64_t h_delete(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct xbpf_run_ctx *rc)
{
	MAP_ARG("bpf_map_delete_elem");
	if (!MEM_OK(rc, "bpf_map_delete_elem", 2, r2, m->key_size, false))
		return HLP_ERR(EFAULT);
	return (uint64_t)map_delete(m, (const void *)(uintptr_t)r2);
}

static uint64_t h_push(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct xbpf_run_ctx *rc)
{
	MAP_ARG("bpf_map_push_elem");
	if (!MEM_OK(rc, "bpf_map_push_elem", 2, r2, m->value_size, false))
		return HLP_ERR(EFAULT);
	return (uint64_t)map_push(m, (const void *)(uintptr_t)r2, r3);
}

static uint64_t h_pop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct xbpf_run_ctx *rc)
{
	MAP_ARG("bpf_map_pop_elem");
	if (!MEM_OK(rc, "bpf_map_pop_elem", 2, r2, m->value_size, true))
		return HLP_ERR(EFAULT);
	return (uint64_t)map_pop(m, (void *)(uintptr_t)r2);
}

static uint64_t h_peek(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct xbpf_run_ctx *rc)
{
	MAP_ARG("bpf_map_peek_elem");
	bool bloom = m->type == XBPF_MAP_TYPE_BLOOM_FILTER;
	if (!MEM_OK(rc, "bpf_map_peek_elem", 2, r2, m->value_size, !bloom))
		return HLP_ERR(EFAULT);
	return (uint64_t)map_peek(m, (void *)(uintptr_t)r2);
}

static uint64_t h_tail_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct xbpf_run_ctx *rc)
{
	struct xbpf_map *m = (struct xbpf_map *)(uintptr_t)r2;
	if (!map_arg_ok(rc, "bpf_tail_call", r2))
		return HLP_ERR(EFAULT);
	if (m->type != XBPF_MAP_TYPE_PROG_ARRAY)
		return hlp_fail(rc, EINVAL, "bpf_tail_call", "arg2: map '%s' is not a prog array",
				m->name);
	struct xbpf_prog *p = map_prog_array_get(m, (uint32_t)r3);
	if (p)
		xbpf_run_ctx__tail_call(rc, p);   /* past the limit: falls through */
	return 0;
}

static uint64_t h_perf_output(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct xbpf_run_ctx *rc)
{
	struct xbpf_map *m = (struct xbpf_map *)(uintptr_t)r2;
	if (!map_arg_ok(rc, "bpf_perf_event_output", r2))
		return HLP_ERR(EFAULT);
	if (!MEM_OK(rc, "bpf_perf_event_output", 4, r4, r5, false))
		return HLP_ERR(EFAULT);
	return (uint64_t)map_perf_event_output(m, r3, rc->cpu, (const void *)(uintptr_t)r4, r5);
}

/* bpf_spin_lock / bpf_spin_unlock (struct bpf_spin_lock *): an aligned writable word. */
static uint64_t spin_op(struct xbpf_run_ctx *rc, const char *name, uint64_t r1, bool lock)
{
	if ((r1 & 3) || !MEM_OK(rc, name, 1, r1, 4, true))
		return HLP_ERR(EFAULT);
	if (lock)
		map_lock((map_lock_t *)(uintptr_t)r1);
	else
		map_unlock((map_lock_t *)(uintptr_t)r1);
	return 0;
}

static uint64_t h_spin_lock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct xbpf_run_ctx *rc)
{
	return spin_op(rc, "bpf_spin_lock", r1, true);
}

static uint64_t h_spin_unlock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct xbpf_run_ctx *rc)
{
	return spin_op(rc, "bpf_spin_unlock", r1, false);
}

static uint64_t h_rb_output(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct xbpf_run_ctx *rc)
{
	MAP_ARG("bpf_ringbuf_output");
	if (!MEM_OK(rc, "bpf_ringbuf_output", 2, r2, r3, false))
		return HLP_ERR(EFAULT);
	if (m->type != XBPF_MAP_TYPE_RINGBUF)
		return HLP_ERR(EINVAL);
	return (uint64_t)map_ringbuf_output(m, (const void *)(uintptr_t)r2, r3, r4);
}

static uint64_t h_rb_reserve(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	MAP_ARG("bpf_ringbuf_reserve");
	void *s = map_ringbuf_reserve(m, r2, r3);
	if (s && r2 && checks_on(rc))
		xbpf_run_ctx__add_region(rc, s, r2, true);
	return (uint64_t)(uintptr_t)s;
}

/* A sample pointer is acceptable when it is inside one of the program's ring buffers (or
 * in the run's regions) and its header says reserved. */
static bool sample_arg_ok(struct xbpf_run_ctx *rc, const char *helper, uint64_t p)
{
	if (!checks_on(rc))
		return map_ringbuf_sample_ok((void *)(uintptr_t)p);
	bool inside = vm_mem_ok(rc, p, 1, true);
	for (unsigned i = 0; !inside && rc->prog && i < rc->prog->map_cnt; i++) {
		struct xbpf_map *m = rc->prog->maps[i];
		uintptr_t d = (uintptr_t)m->base + m->a->data_off;
		inside = m->type == XBPF_MAP_TYPE_RINGBUF && p >= d + 8 &&
			 p <= d + m->max_entries;
	}
	if (inside && map_ringbuf_sample_ok((void *)(uintptr_t)p))
		return true;
	hlp_fail(rc, EFAULT, helper, "arg1: 0x%llx is not a reserved ring buffer sample",
		 (unsigned long long)p);
	return false;
}

static uint64_t h_rb_submit(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct xbpf_run_ctx *rc)
{
	if (sample_arg_ok(rc, "bpf_ringbuf_submit", r1))
		map_ringbuf_commit((void *)(uintptr_t)r1, r2, false);
	return 0;
}

static uint64_t h_rb_discard(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	if (sample_arg_ok(rc, "bpf_ringbuf_discard", r1))
		map_ringbuf_commit((void *)(uintptr_t)r1, r2, true);
	return 0;
}

static uint64_t h_rb_query(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct xbpf_run_ctx *rc)
{
	MAP_ARG("bpf_ringbuf_query");
	return map_ringbuf_query(m, r2);
}

/* ---- for_each_map_elem ----------------------------------------------------------------- */
struct each_ctx {
	struct xbpf_run_ctx *rc;
	struct xbpf_map *map;
	uint64_t fn, cb_ctx;
	int err;
};

static long each_cb(void *key, void *value, void *arg)
{
	struct each_ctx *e = arg;
	struct xbpf_map *m = e->map;
	if (checks_on(e->rc)) {
		xbpf_run_ctx__add_region(e->rc, key, m->key_size, false);
		xbpf_run_ctx__add_region(e->rc, value, m->value_size, map_prog_writable(m));
	}
	uint64_t ret = 0;
	e->err = xbpf_run_ctx__call(e->rc, e->fn, (uint64_t)(uintptr_t)m,
				    (uint64_t)(uintptr_t)key, (uint64_t)(uintptr_t)value,
				    e->cb_ctx, 0, &ret);
	return e->err ? 1 : (long)ret;
}

static uint64_t h_for_each(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct xbpf_run_ctx *rc)
{
	MAP_ARG("bpf_for_each_map_elem");
	if (r4)
		return HLP_ERR(EINVAL);
	if (!vm_is_func_value(r2))
		return hlp_fail(rc, EINVAL, "bpf_for_each_map_elem",
				"arg2: 0x%llx is not a callback", (unsigned long long)r2);
	struct each_ctx e = {rc, m, r2, r3, 0};
	long n = map_for_each(m, rc->cpu, each_cb, &e);
	if (e.err)
		return HLP_ERR(-e.err);
	return (uint64_t)n;
}

/* ---- registration ------------------------------------------------------------------------ */
#define P(ret, a1, a2, a3, a4, a5, fl) {ret, {a1, a2, a3, a4, a5}, fl}
#define MAP XBPF_ARG_CONST_MAP_PTR
#define KEY XBPF_ARG_PTR_TO_MAP_KEY
#define VAL XBPF_ARG_PTR_TO_MAP_VALUE
#define UVAL XBPF_ARG_PTR_TO_UNINIT_MAP_VALUE
#define ANY XBPF_ARG_ANYTHING
#define INT XBPF_RET_INTEGER
#define VOID XBPF_RET_VOID

static const struct {
	unsigned id;
	const char *name;
	xbpf_helper_fn fn;
	struct xbpf_helper_proto proto;
} map_helpers[] = {
	{1, "bpf_map_lookup_elem", h_lookup,
	 P(XBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, MAP, KEY, 0, 0, 0, 0)},
	{2, "bpf_map_update_elem", h_update, P(INT, MAP, KEY, VAL, ANY, 0, 0)},
	{3, "bpf_map_delete_elem", h_delete, P(INT, MAP, KEY, 0, 0, 0, 0)},
	{12, "bpf_tail_call", h_tail_call,
	 P(VOID, XBPF_ARG_PTR_TO_CTX, MAP, ANY, 0, 0, XBPF_HELPER_F_NORETURN_ON_SUCCESS)},
	{25, "bpf_perf_event_output", h_perf_output,
	 P(INT, XBPF_ARG_PTR_TO_CTX, MAP, ANY, XBPF_ARG_PTR_TO_MEM,
	   XBPF_ARG_CONST_SIZE_OR_ZERO, 0)},
	{87, "bpf_map_push_elem", h_push, P(INT, MAP, VAL, ANY, 0, 0, 0)},
	{88, "bpf_map_pop_elem", h_pop, P(INT, MAP, UVAL, 0, 0, 0, 0)},
	{89, "bpf_map_peek_elem", h_peek, P(INT, MAP, UVAL, 0, 0, 0, 0)},
	{93, "bpf_spin_lock", h_spin_lock, P(VOID, XBPF_ARG_PTR_TO_SPIN_LOCK, 0, 0, 0, 0, 0)},
	{94, "bpf_spin_unlock", h_spin_unlock, P(VOID, XBPF_ARG_PTR_TO_SPIN_LOCK, 0, 0, 0, 0, 0)},
	{130, "bpf_ringbuf_output", h_rb_output,
	 P(INT, MAP, XBPF_ARG_PTR_TO_MEM, XBPF_ARG_CONST_SIZE_OR_ZERO, ANY, 0, 0)},
	{131, "bpf_ringbuf_reserve", h_rb_reserve,
	 P(XBPF_RET_PTR_TO_RINGBUF_MEM_OR_NULL, MAP, XBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO, ANY, 0,
	   0, XBPF_HELPER_F_ACQUIRES_REF)},
	{132, "bpf_ringbuf_submit", h_rb_submit,
	 P(VOID, XBPF_ARG_PTR_TO_RINGBUF_MEM, ANY, 0, 0, 0, XBPF_HELPER_F_RELEASES_ARG1)},
	{133, "bpf_ringbuf_discard", h_rb_discard,
	 P(VOID, XBPF_ARG_PTR_TO_RINGBUF_MEM, ANY, 0, 0, 0, XBPF_HELPER_F_RELEASES_ARG1)},
	{134, "bpf_ringbuf_query", h_rb_query, P(INT, MAP, ANY, 0, 0, 0, 0)},
	{164, "bpf_for_each_map_elem", h_for_each,
	 P(INT, MAP, XBPF_ARG_PTR_TO_FUNC, XBPF_ARG_PTR_TO_STACK_OR_NULL, ANY, 0, 0)},
};

void hlp_register_map_helpers(struct xbpf_vm *vm)
{
	for (size_t i = 0; i < sizeof map_helpers / sizeof map_helpers[0]; i++)
		xbpf_vm__register_helper(vm, map_helpers[i].id, map_helpers[i].name,
					 map_helpers[i].fn, &map_helpers[i].proto);
}
