/* test_map_helpers.c - the map helpers (src/helpers/hlp_maps.c) called from small programs
 * built from instructions: lookup/update/delete with the kernel's error codes, per-CPU
 * slots, push/pop/peek, ring buffer reserve/submit/discard/output/query with the consumer,
 * perf_event_output with a perf buffer, tail calls and their limit of 33, for_each_map_elem
 * callbacks, spin locks, map-in-map lookups, runtime checks on helper pointers, and
 * programs in several threads updating the same maps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include "xbpf/xbpf.h"
#include "map_progs.h"
#include "t.h"

static struct xbpf_vm *vm;

static struct xbpf_prog *load(const struct xbpf_insn *insns, size_t n, struct xbpf_map **maps,
			      unsigned map_cnt)
{
	char log[512] = "";
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .log_buf = log, .log_size = sizeof log,
					.maps = maps, .map_cnt = map_cnt};
	struct xbpf_prog *p = xbpf_prog__load(vm, insns, n, &o);
	if (!p)
		fprintf(stderr, "load failed: %s\n", log);
	return p;
}
#define LOAD(arr, maps, cnt) load(arr, sizeof arr / sizeof arr[0], maps, cnt)

static int run(struct xbpf_prog *p, void *ctx, size_t len, unsigned cpu, uint64_t *ret)
{
	char log[256] = "";
	struct xbpf_run_opts o = {.sz = sizeof o, .ctx = ctx, .ctx_size = len, .cpu = cpu,
				  .log_buf = log, .log_size = sizeof log};
	int err = xbpf_prog__run(p, &o);
	*ret = o.retval;
	if (err)
		fprintf(stderr, "run: %d %s\n", err, log);
	return err;
}

static void setup(void)
{
	if (!vm) {
		struct xbpf_vm_opts o = {.sz = sizeof o, .engine = t_engine()};
		vm = xbpf_vm__new(&o);
	}
}

static void test_array_inc(void)
{
	setup();
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 8, 4, NULL);
	struct xbpf_insn insns[] = PROG_ARRAY_INC;
	struct xbpf_prog *p = LOAD(insns, &m, 1);
	T_CHECK(p);
	if (!p)
		return;
	uint32_t key = 2;
	uint64_t r, v;
	for (int i = 0; i < 5; i++)
		T_EQ(run(p, &key, 4, 0, &r), 0);
	T_EQ(r, 5);
	T_EQ(xbpf_map__lookup_elem(m, &key, &v), 0);
	T_EQ(v, 5);
	key = 4;
	T_EQ(run(p, &key, 4, 0, &r), 0);
	T_EQ(r, (uint64_t)-1);
	xbpf_prog__free(p);
	xbpf_map__put(m);
}

static void test_percpu_slots(void)
{
	setup();
	xbpf_set_num_cpus(4);
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, NULL);
	struct xbpf_insn insns[] = PROG_ARRAY_INC;
	struct xbpf_prog *p = LOAD(insns, &m, 1);
	T_CHECK(p);
	uint32_t key = 0;
	uint64_t r, v[4];
	for (unsigned cpu = 0; cpu < 4; cpu++)
		for (unsigned i = 0; i <= cpu; i++)
			T_EQ(run(p, &key, 4, cpu, &r), 0);
	T_EQ(xbpf_map__lookup_elem(m, &key, v), 0);
	T_EQ(v[0], 1);
	T_EQ(v[3], 4);
	xbpf_prog__free(p);
	xbpf_map__put(m);
	xbpf_set_num_cpus(1);
}

static void test_hash_update_errors(void)
{
	setup();
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_HASH, 8, 8, 2, NULL);
	struct xbpf_insn insns[] = PROG_HASH_UPDATE;
	struct xbpf_prog *p = LOAD(insns, &m, 1);
	T_CHECK(p);
	uint64_t ctx[3] = {1, 10, XBPF_NOEXIST}, r, v;
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	T_EQ(r, 0);
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	T_EQ((int64_t)r, -EEXIST);
	ctx[0] = 2, ctx[2] = XBPF_EXIST;
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	T_EQ((int64_t)r, -ENOENT);
	ctx[2] = XBPF_ANY;
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	ctx[0] = 3;
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	T_EQ((int64_t)r, -E2BIG);
	ctx[2] = 7;
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	T_EQ((int64_t)r, -EINVAL);
	uint64_t k = 1;
	T_EQ(xbpf_map__lookup_elem(m, &k, &v), 0);
	T_EQ(v, 10);
	xbpf_prog__free(p);
	xbpf_map__put(m);
}

static void test_lookup_update_lru(void)
{
	setup();
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_LRU_HASH, 8, 8, 8, NULL);
	struct xbpf_insn insns[] = PROG_HASH_LOOKUP_UPDATE;
	struct xbpf_prog *p = LOAD(insns, &m, 1);
	T_CHECK(p);
	uint64_t k, r, v;
	for (k = 0; k < 100; k++) {
		T_EQ(run(p, &k, 8, 0, &r), 0);
		T_EQ(r, 1);
		uint64_t hot = 0;
		T_EQ(run(p, &hot, 8, 0, &r), 0);   /* key 0 stays referenced */
	}
	k = 0;
	T_EQ(xbpf_map__lookup_elem(m, &k, &v), 0);
	T_EQ(v, 101);   /* inserted by the first run, then 100 increments */
	k = 99;
	T_EQ(xbpf_map__lookup_elem(m, &k, &v), 0);
	k = 5;
	T_EQ(xbpf_map__lookup_elem(m, &k, &v), -ENOENT);   /* evicted */
	xbpf_prog__free(p);
	xbpf_map__put(m);
}

static void test_queue_helpers(void)
{
	setup();
	struct xbpf_map *q = xbpf_map__create(XBPF_MAP_TYPE_STACK, 0, 8, 2, NULL);
	/* push *(u64 *)ctx with flags ctx[1]; then r0 = push result | (peek result << 8) */
	struct xbpf_insn insns[] = {
		LDX_DW(6, 1, 0), STX_DW(10, 6, -8), LDX_DW(3, 1, 8), MOV_REG(2, 10),
		ADD_IMM(2, -8), LD_MAP(1, 0), CALL(87), MOV_REG(7, 0),
		MOV_REG(2, 10), ADD_IMM(2, -16), LD_MAP(1, 0), CALL(89),
		LDX_DW(6, 10, -16), EXIT() };
	struct xbpf_prog *p = LOAD(insns, &q, 1);
	T_CHECK(p);
	uint64_t ctx[2] = {11, 0}, r, v;
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	T_EQ(r, 0);
	ctx[0] = 12;
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	ctx[0] = 13;
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);   /* full: push fails, peek still works */
	ctx[1] = XBPF_EXIST;
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	T_EQ(xbpf_map__lookup_and_delete_elem(q, NULL, &v), 0);
	T_EQ(v, 13);
	T_EQ(xbpf_map__lookup_and_delete_elem(q, NULL, &v), 0);
	T_EQ(v, 12);
	xbpf_prog__free(p);
	xbpf_map__put(q);
}

static int rb_n;
static uint64_t rb_last;
static int rb_cb(void *ctx, void *data, size_t size)
{
	rb_n++;
	memcpy(&rb_last, data, 8);
	return size == 16 ? 0 : -1;
}

static void test_ringbuf_helpers(void)
{
	setup();
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, NULL);
	/* reserve 16; write ctx[0]; submit when ctx[1] == 0 else discard; r0 = query(AVAIL) */
	struct xbpf_insn insns[] = {
		MOV_REG(6, 1), LD_MAP(1, 0), MOV_IMM(2, 16), MOV_IMM(3, 0), CALL(131),
		JNE_IMM(0, 0, 2), MOV_IMM(0, -1), EXIT(),
		LDX_DW(1, 6, 0), STX_DW(0, 1, 0), MOV_REG(1, 0), MOV_IMM(2, 0),
		LDX_DW(3, 6, 8), JNE_IMM(3, 0, 2), CALL(132), BI(XBPF_JMP | XBPF_JA, 0, 0, 1, 0),
		CALL(133), LD_MAP(1, 0), MOV_IMM(2, 0), CALL(134), EXIT() };
	struct xbpf_prog *p = LOAD(insns, &m, 1);
	struct xbpf_insn out_insns[] = PROG_RINGBUF_OUTPUT;
	struct xbpf_prog *po = LOAD(out_insns, &m, 1);
	T_CHECK(p && po);
	struct xbpf_ring_buffer *rb = xbpf_ring_buffer__new(m, rb_cb, NULL, NULL);
	uint64_t ctx[2] = {77, 0}, r;
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	T_EQ(r, 24);
	ctx[0] = 78, ctx[1] = 1;   /* discarded */
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	T_EQ(r, 48);
	ctx[0] = 79;
	T_EQ(run(po, ctx, sizeof ctx, 0, &r), 0);
	T_EQ(r, 0);
	rb_n = 0;
	T_EQ(xbpf_ring_buffer__poll(rb, 100), 2);
	T_EQ(rb_last, 79);
	/* fill it up: reserve fails (r0 = -1), output fails with -EAGAIN */
	int ok = 0;
	for (int i = 0; i < 200; i++) {
		T_EQ(run(po, ctx, sizeof ctx, 0, &r), 0);
		if (r == 0)
			ok++;
	}
	T_EQ((int64_t)r, -EAGAIN);
	T_EQ(ok, 4095 / 24);
	T_EQ(run(p, ctx, sizeof ctx, 0, &r), 0);
	T_EQ((int64_t)r, -1);
	T_EQ(xbpf_ring_buffer__consume(rb), ok);
	xbpf_ring_buffer__free(rb);
	xbpf_prog__free(p);
	xbpf_prog__free(po);
	xbpf_map__put(m);
}

static int pb_n;
static void pb_cb(void *ctx, int cpu, void *data, uint32_t size)
{
	pb_n += (int)size + cpu * 1000;
}

static void test_perf_event_output(void)
{
	setup();
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, NULL);
	/* perf_event_output(ctx, map, ctx[0] (flags), ctx, 12) */
	struct xbpf_insn insns[] = {
		MOV_REG(4, 1), LDX_DW(3, 1, 0), LD_MAP(2, 0), MOV_IMM(5, 12), CALL(25), EXIT() };
	struct xbpf_prog *p = LOAD(insns, &m, 1);
	T_CHECK(p);
	uint64_t ctx[2] = {0xffffffffull, 0}, r;
	T_EQ(run(p, ctx, sizeof ctx, 2, &r), 0);
	T_EQ((int64_t)r, -ENOENT);   /* no consumer */
	struct xbpf_perf_buffer *pb = xbpf_perf_buffer__new(m, pb_cb, NULL, NULL, NULL);
	T_EQ(run(p, ctx, sizeof ctx, 2, &r), 0);
	T_EQ(r, 0);
	ctx[0] = 9;
	T_EQ(run(p, ctx, sizeof ctx, 2, &r), 0);
	T_EQ((int64_t)r, -E2BIG);
	ctx[0] = 1ull << 40;
	T_EQ(run(p, ctx, sizeof ctx, 2, &r), 0);
	T_EQ((int64_t)r, -EINVAL);
	pb_n = 0;
	T_EQ(xbpf_perf_buffer__poll(pb, 100), 1);
	T_EQ(pb_n, 2012);
	xbpf_perf_buffer__free(pb);
	xbpf_prog__free(p);
	xbpf_map__put(m);
}

static void test_tail_calls(void)
{
	setup();
	struct xbpf_map *pa = xbpf_map__create(XBPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, NULL);
	struct xbpf_map *cnt = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 8, 1, NULL);
	struct xbpf_map *maps[2] = {pa, cnt};
	/* count runs in cnt[0], then tail_call(ctx, pa, 0); fall through: r0 = 7 */
	struct xbpf_insn self[] = {
		MOV_REG(6, 1), ST_W(10, -4, 0), MOV_REG(2, 10), ADD_IMM(2, -4), LD_MAP(1, 1),
		CALL(1), JEQ_IMM(0, 0, 2), MOV_IMM(1, 1), XADD_DW(0, 1, 0),
		MOV_REG(1, 6), LD_MAP(2, 0), MOV_IMM(3, 0), CALL(12), MOV_IMM(0, 7), EXIT() };
	struct xbpf_insn ret42[] = {MOV_IMM(0, 42), EXIT()};
	struct xbpf_prog *p = LOAD(self, maps, 2), *t = LOAD(ret42, maps, 0);
	T_CHECK(p && t);
	uint64_t r, v, ctx = 0;
	uint32_t k = 0;
	T_EQ(run(p, &ctx, 8, 0, &r), 0);   /* empty slot: falls through */
	T_EQ(r, 7);
	T_EQ(xbpf_map__set_prog(pa, 0, t), 0);
	T_EQ(run(p, &ctx, 8, 0, &r), 0);
	T_EQ(r, 42);
	T_EQ(xbpf_map__lookup_elem(pa, &k, &v), 0);   /* user space sees an id */
	T_EQ(xbpf_map__set_prog(pa, 0, p), 0);        /* itself: the 33-call limit */
	v = 0;
	T_EQ(xbpf_map__update_elem(cnt, &k, &v, XBPF_ANY), 0);
	T_EQ(run(p, &ctx, 8, 0, &r), 0);
	T_EQ(r, 7);
	T_EQ(xbpf_map__lookup_elem(cnt, &k, &v), 0);
	T_EQ(v, 1 + 33);
	T_EQ(xbpf_map__delete_elem(pa, &k), 0);
	T_EQ(xbpf_map__delete_elem(pa, &k), -ENOENT);
	k = 2;
	T_EQ(xbpf_map__set_prog(pa, k, t), -E2BIG);
	T_EQ(xbpf_map__set_prog(pa, 1, t), 0);
	xbpf_prog__free(t);       /* the array keeps it */
	xbpf_prog__free(p);
	xbpf_map__put(pa);        /* last user reference: slots emptied, t freed */
	xbpf_map__put(cnt);
}

static void test_for_each(void)
{
	setup();
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_HASH, 4, 8, 16, NULL);
	for (uint32_t k = 1; k <= 5; k++) {
		uint64_t v = k * 10;
		xbpf_map__update_elem(m, &k, &v, XBPF_ANY);
	}
	/* main: sum = 0; n = for_each(map, cb, &sum, 0); r0 = sum * 100 + n
	 * cb(map, key, value, ctx): *ctx += *value; *value += 1; return 0 */
	struct xbpf_insn insns[] = {
		ST_DW(10, -8, 0), LD_MAP(1, 0), LD_FUNC(2, 9), MOV_REG(3, 10), ADD_IMM(3, -8),
		MOV_IMM(4, 0), CALL(164), LDX_DW(1, 10, -8),
		BI(XBPF_ALU64 | XBPF_MUL | XBPF_K, 1, 0, 0, 100), ADD_REG(0, 1), EXIT(),
		/* cb at index 13 (lddw at 3: 3 + 9 + 1) */
		LDX_DW(0, 3, 0), LDX_DW(5, 4, 0), ADD_REG(5, 0), STX_DW(4, 5, 0),
		ADD_IMM(0, 1), STX_DW(3, 0, 0), MOV_IMM(0, 0), EXIT() };
	struct xbpf_prog *p = LOAD(insns, &m, 1);
	T_CHECK(p);
	if (!p)
		return;
	uint64_t r, ctx = 0, v;
	T_EQ(run(p, &ctx, 8, 0, &r), 0);
	T_EQ(r, 150 * 100 + 5);
	uint32_t k = 3;
	T_EQ(xbpf_map__lookup_elem(m, &k, &v), 0);
	T_EQ(v, 31);
	xbpf_prog__free(p);
	xbpf_map__put(m);
}

static void test_map_in_map_prog(void)
{
	setup();
	struct xbpf_map *tmpl = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 8, 1, NULL);
	struct xbpf_map_create_opts o = {.sz = sizeof o, .inner_map = tmpl};
	struct xbpf_map *outer = xbpf_map__create(XBPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 1, &o);
	struct xbpf_map *inner = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 8, 1, NULL);
	uint32_t k = 0;
	T_EQ(xbpf_map__set_inner_map(outer, &k, inner), 0);
	/* inner = lookup(outer, 0); v = lookup(inner, 0); *v = 99 */
	struct xbpf_insn insns[] = {
		ST_W(10, -4, 0), MOV_REG(2, 10), ADD_IMM(2, -4), LD_MAP(1, 0), CALL(1),
		JEQ_IMM(0, 0, 7), MOV_REG(1, 0), MOV_REG(2, 10), ADD_IMM(2, -4), CALL(1),
		JEQ_IMM(0, 0, 3), ST_DW(0, 0, 99), MOV_IMM(0, 0), EXIT(), MOV_IMM(0, 1), EXIT() };
	struct xbpf_prog *p = LOAD(insns, &outer, 1);
	T_CHECK(p);
	uint64_t r, ctx = 0, v = 0;
	T_EQ(run(p, &ctx, 8, 0, &r), 0);
	T_EQ(r, 0);
	T_EQ(xbpf_map__lookup_elem(inner, &k, &v), 0);
	T_EQ(v, 99);
	xbpf_prog__free(p);
	xbpf_map__put(inner);
	xbpf_map__put(outer);
	xbpf_map__put(tmpl);
}

static void test_spin_lock(void)
{
	setup();
	struct xbpf_map_create_opts o = {.sz = sizeof o, .has_spin_lock = true,
					 .spin_lock_off = 0};
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 16, 1, &o);
	/* v = lookup(0); spin_lock(v); v->cnt += 1; spin_unlock(v) */
	struct xbpf_insn insns[] = {
		ST_W(10, -4, 0), MOV_REG(2, 10), ADD_IMM(2, -4), LD_MAP(1, 0), CALL(1),
		JEQ_IMM(0, 0, 9), MOV_REG(6, 0), MOV_REG(1, 6), CALL(93), LDX_DW(1, 6, 8),
		ADD_IMM(1, 1), STX_DW(6, 1, 8), MOV_REG(1, 6), CALL(94), MOV_IMM(0, 0), EXIT() };
	struct xbpf_prog *p = LOAD(insns, &m, 1);
	T_CHECK(p);
	uint64_t r, ctx = 0, v[2];
	for (int i = 0; i < 3; i++)
		T_EQ(run(p, &ctx, 8, 0, &r), 0);
	uint32_t k = 0;
	T_EQ(xbpf_map__lookup_elem_flags(m, &k, v, XBPF_F_LOCK), 0);
	T_EQ(v[0], 0);   /* the lock word reads as zero */
	T_EQ(v[1], 3);
	v[1] = 10;
	T_EQ(xbpf_map__update_elem(m, &k, v, XBPF_F_LOCK), 0);
	T_EQ(run(p, &ctx, 8, 0, &r), 0);
	T_EQ(xbpf_map__lookup_elem(m, &k, v), 0);
	T_EQ(v[1], 11);
	xbpf_prog__free(p);
	xbpf_map__put(m);
}

static void test_bad_pointer(void)
{
	setup();
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_HASH, 8, 8, 2, NULL);
	/* lookup with key = 0x1000 (not program memory) */
	struct xbpf_insn insns[] = {MOV_IMM(2, 0x1000), LD_MAP(1, 0), CALL(1), EXIT()};
	struct xbpf_insn notmap[] = {MOV_IMM(1, 0x2000), MOV_REG(2, 10), CALL(1), EXIT()};
	struct xbpf_prog *p = LOAD(insns, &m, 1), *q = LOAD(notmap, NULL, 0);
	T_CHECK(p && q);
	uint64_t r, ctx = 0;
	char log[256] = "";
	struct xbpf_run_opts o = {.sz = sizeof o, .ctx = &ctx, .ctx_size = 8, .log_buf = log,
				  .log_size = sizeof log};
	T_EQ(xbpf_prog__run(p, &o), -EFAULT);
	T_CONTAINS(log, "bpf_map_lookup_elem");
	T_EQ(run(q, &ctx, 8, 0, &r), -EFAULT);
	xbpf_prog__free(p);
	xbpf_prog__free(q);
	xbpf_map__put(m);
}

struct thr { struct xbpf_prog *p; unsigned cpu; };
static void *thr_main(void *arg)
{
	struct thr *t = arg;
	for (uint64_t i = 0; i < 20000; i++) {
		uint64_t key = i % 64, r;
		if (run(t->p, &key, 8, t->cpu, &r))
			return (void *)1;
	}
	return NULL;
}

static void test_threads(void)
{
	setup();
	struct xbpf_map *m = xbpf_map__create(XBPF_MAP_TYPE_HASH, 8, 8, 64, NULL);
	struct xbpf_insn insns[] = PROG_HASH_LOOKUP_UPDATE;
	struct xbpf_prog *p = LOAD(insns, &m, 1);
	T_CHECK(p);
	pthread_t th[3];
	struct thr t[3];
	for (unsigned i = 0; i < 3; i++) {
		t[i] = (struct thr){p, i};
		pthread_create(&th[i], NULL, thr_main, &t[i]);
	}
	uint64_t k = 0, v, sum = 0;
	for (int i = 0; i < 1000; i++)   /* user space reads while programs run */
		xbpf_map__lookup_elem(m, &k, &v);
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(th[i], &r);
		T_CHECK(r == NULL);
	}
	/* every run either inserted (value 1) or added 1: the total is exact except for the
	 * runs that found a key missing while another thread was inserting it (their NOEXIST
	 * insert fails: one lost count each, at most 2 of the 3 threads per key, however the
	 * threads are scheduled); so total <= runs and >= runs - 64 * 2 */
	for (k = 0; k < 64; k++)
		if (!xbpf_map__lookup_elem(m, &k, &v))
			sum += v;
	T_CHECK(sum <= 60000 && sum >= 60000 - 128);
	xbpf_prog__free(p);
	xbpf_map__put(m);
}

T_MAIN(test_array_inc, test_percpu_slots, test_hash_update_errors, test_lookup_update_lru,
       test_queue_helpers, test_ringbuf_helpers, test_perf_event_output, test_tail_calls,
       test_for_each, test_map_in_map_prog, test_spin_lock, test_bad_pointer, test_threads)
