/* test_maps_kernel.c - the Linux kernel as the oracle for map semantics: the same creation
 * attempts and the same (seeded, random) operation sequences run on a kernel map through
 * libbpf's bpf_map_* calls and on an xbpf map; every return code, every looked-up value,
 * the LPM iteration order and the final contents must match. Skips (with a message) where
 * bpf() is not permitted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xbpf/xbpf.h"
#include "map_progs.h"
#include "t.h"

static uint64_t rng = 0x1234567;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void need_kernel(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (fd == -EPERM || fd == -ENOSYS)
		T_SKIP("bpf() not permitted here: kernel comparison skipped");
	if (fd >= 0)
		close(fd);
}

struct pair { int fd; struct xbpf_map *x; uint32_t ks, vs, type; };

/* Create the same map in both; the creation results must agree. */
static int both_create(struct pair *p, uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
		       uint32_t flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, ko, .map_flags = flags);
	struct xbpf_map_create_opts xo = {.sz = sizeof xo, .map_flags = flags};
	p->fd = bpf_map_create(type, NULL, ks, vs, max, &ko);
	p->x = xbpf_map__create(type, ks, vs, max, &xo);
	int xerr = p->x ? 0 : -errno, kerr = p->fd < 0 ? p->fd : 0;
	if (xerr != kerr)
		fprintf(stderr, "create type %u ks %u vs %u max %u flags 0x%x: kernel %d xbpf %d\n",
			type, ks, vs, max, flags, kerr, xerr);
	T_EQ(xerr, kerr);
	p->ks = ks;
	p->vs = vs;
	p->type = type;
	return kerr;
}

static void both_free(struct pair *p)
{
	if (p->fd >= 0)
		close(p->fd);
	xbpf_map__put(p->x);
}

static void test_create_same_errors(void)
{
	need_kernel();
	static const uint32_t cases[][5] = {
		{BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0}, {BPF_MAP_TYPE_ARRAY, 8, 4, 4, 0},
		{BPF_MAP_TYPE_ARRAY, 4, 0, 4, 0}, {BPF_MAP_TYPE_ARRAY, 4, 4, 0, 0},
		{BPF_MAP_TYPE_ARRAY, 4, 4, 4, BPF_F_NO_PREALLOC},
		{BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_MMAPABLE | BPF_F_RDONLY_PROG},
		{BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_RDONLY | BPF_F_WRONLY},
		{BPF_MAP_TYPE_ARRAY, 4, 8u << 20, 1, 0},
		{BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 4, BPF_F_MMAPABLE},
		{BPF_MAP_TYPE_PERCPU_ARRAY, 4, 40000, 4, 0},
		{BPF_MAP_TYPE_HASH, 4, 4, 4, 0}, {BPF_MAP_TYPE_HASH, 0, 4, 4, 0},
		{BPF_MAP_TYPE_HASH, 4, 0, 4, 0}, {BPF_MAP_TYPE_HASH, 4, 4, 0, 0},
		{BPF_MAP_TYPE_HASH, 600, 4, 4, 0}, {BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_NO_PREALLOC},
		{BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_NO_COMMON_LRU},
		{BPF_MAP_TYPE_HASH, 4, 4, 4, BPF_F_MMAPABLE},
		{BPF_MAP_TYPE_LRU_HASH, 4, 4, 4, BPF_F_NO_PREALLOC},
		{BPF_MAP_TYPE_LRU_HASH, 4, 4, 4, BPF_F_NO_COMMON_LRU},
		{BPF_MAP_TYPE_PERCPU_HASH, 4, 40000, 4, 0},
		{BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, 0}, {BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, BPF_F_NO_PREALLOC},
		{BPF_MAP_TYPE_LPM_TRIE, 4, 4, 4, BPF_F_NO_PREALLOC},
		{BPF_MAP_TYPE_LPM_TRIE, 261, 4, 4, BPF_F_NO_PREALLOC},
		{BPF_MAP_TYPE_LPM_TRIE, 8, 0, 4, BPF_F_NO_PREALLOC},
		{BPF_MAP_TYPE_QUEUE, 0, 4, 4, 0}, {BPF_MAP_TYPE_QUEUE, 4, 4, 4, 0},
		{BPF_MAP_TYPE_STACK, 0, 0, 4, 0}, {BPF_MAP_TYPE_STACK, 0, 4, 0, 0},
		{BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0}, {BPF_MAP_TYPE_RINGBUF, 0, 0, 12288, 0},
		{BPF_MAP_TYPE_RINGBUF, 4, 0, 4096, 0}, {BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0},
		{BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0}, {BPF_MAP_TYPE_PROG_ARRAY, 4, 8, 4, 0},
		{BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0},
		{BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 8, 4, 0},
		{BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 4, 0}, {BPF_MAP_TYPE_BLOOM_FILTER, 4, 4, 4, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pair p;
		both_create(&p, cases[i][0], cases[i][1], cases[i][2], cases[i][3], cases[i][4]);
		both_free(&p);
	}
}

/* Values equal in their meaningful bytes (per-CPU padding is unspecified: the kernel
 * leaves it untouched in the caller's buffer). */
static int value_cmp(const struct pair *p, const uint8_t *a, const uint8_t *b, size_t uvs)
{
	if (uvs == p->vs)
		return memcmp(a, b, uvs);
	size_t stride = (p->vs + 7) / 8 * 8;
	for (size_t off = 0; off < uvs; off += stride)
		if (memcmp(a + off, b + off, p->vs))
			return 1;
	return 0;
}

/* One random operation on both maps; results must agree. */
static void random_op(struct pair *p, uint32_t keyspace, size_t uvs)
{
	uint8_t k[64] = {0}, nk_k[64], nk_x[64], vk[512], vx[512], v[512];
	uint32_t key = rnd(keyspace);
	memcpy(k, &key, 4);
	for (size_t i = 0; i < uvs; i++)
		v[i] = (uint8_t)rnd(256);
	static const uint64_t fl[] = {BPF_ANY, BPF_NOEXIST, BPF_EXIST, 3};
	int kr, xr;
	switch (rnd(5)) {
	case 0: case 1: {
		uint64_t f = fl[rnd(4)];
		kr = bpf_map_update_elem(p->fd, k, v, f);
		xr = xbpf_map__update_elem(p->x, k, v, f);
		break;
	}
	case 2:
		memset(vk, 0, uvs);
		memset(vx, 0, uvs);
		kr = bpf_map_lookup_elem(p->fd, k, vk);
		xr = xbpf_map__lookup_elem(p->x, k, vx);
		if (!kr && !xr)
			T_EQ(value_cmp(p, vk, vx, uvs), 0);
		break;
	case 3:
		kr = bpf_map_delete_elem(p->fd, k);
		xr = xbpf_map__delete_elem(p->x, k);
		break;
	default:
		kr = bpf_map_get_next_key(p->fd, k, nk_k);
		xr = xbpf_map__get_next_key(p->x, k, nk_x);
		/* hash order differs: which key is last is not comparable */
		if (p->type != BPF_MAP_TYPE_ARRAY && p->type != BPF_MAP_TYPE_PERCPU_ARRAY &&
		    bpf_map_lookup_elem(p->fd, k, vk) == 0)
			xr = kr;
		else if (p->type == BPF_MAP_TYPE_ARRAY || p->type == BPF_MAP_TYPE_PERCPU_ARRAY)
			T_EQ(memcmp(nk_k, nk_x, 4), 0);
		break;
	}
	if (kr != xr)
		fprintf(stderr, "type %u key %u: kernel %d xbpf %d\n", p->type, key, kr, xr);
	T_EQ(xr, kr);
}

/* Final contents: same key set, same values (looked up by key). */
static void same_contents(struct pair *p, size_t uvs)
{
	uint8_t k[64], nk[64], vk[512], vx[512];
	unsigned nkern = 0, nx = 0;
	int err = bpf_map_get_next_key(p->fd, NULL, nk);
	while (!err && nkern < 100000) {
		memcpy(k, nk, p->ks);
		nkern++;
		T_EQ(bpf_map_lookup_elem(p->fd, k, vk), 0);
		T_EQ(xbpf_map__lookup_elem(p->x, k, vx), 0);
		T_EQ(value_cmp(p, vk, vx, uvs), 0);
		err = bpf_map_get_next_key(p->fd, k, nk);
	}
	err = xbpf_map__get_next_key(p->x, NULL, nk);
	while (!err && nx < 100000) {
		memcpy(k, nk, p->ks);
		nx++;
		err = xbpf_map__get_next_key(p->x, k, nk);
	}
	T_EQ(nx, nkern);
}

static void run_random(uint32_t type, uint32_t vs, uint32_t max, uint32_t keyspace)
{
	struct pair p;
	if (both_create(&p, type, 4, vs, max, 0)) {
		both_free(&p);
		return;
	}
	size_t uvs = xbpf_map__user_value_size(p.x);
	for (int i = 0; i < 3000; i++)
		random_op(&p, keyspace, uvs);
	same_contents(&p, uvs);
	both_free(&p);
}

static void set_possible_cpus(void)
{
	int n = libbpf_num_possible_cpus();
	if (n > 0 && n <= XBPF_MAX_CPUS)
		xbpf_set_num_cpus((unsigned)n);
	else
		T_SKIP("more possible CPUs than xbpf supports");
}

static void test_random_array(void)
{
	need_kernel();
	run_random(BPF_MAP_TYPE_ARRAY, 12, 16, 20);
}

static void test_random_hash(void)
{
	need_kernel();
	run_random(BPF_MAP_TYPE_HASH, 8, 24, 40);   /* fills up: -E2BIG paths */
}

static void test_random_percpu(void)
{
	need_kernel();
	set_possible_cpus();
	run_random(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 10);
	run_random(BPF_MAP_TYPE_PERCPU_HASH, 12, 64, 40);
}

static void test_random_lru_not_full(void)
{
	need_kernel();
	run_random(BPF_MAP_TYPE_LRU_HASH, 8, 4096, 40);   /* never full: no eviction */
}

static void test_queue_stack_same(void)
{
	need_kernel();
	for (uint32_t type = BPF_MAP_TYPE_QUEUE; type <= BPF_MAP_TYPE_STACK; type++) {
		struct pair p;
		if (both_create(&p, type, 0, 4, 5, 0)) {
			both_free(&p);
			continue;
		}
		for (int i = 0; i < 2000; i++) {
			uint32_t v = rnd(1000), vk = 0, vx = 0;
			uint64_t f = rnd(4);
			int kr, xr;
			switch (rnd(3)) {
			case 0:
				kr = bpf_map_update_elem(p.fd, NULL, &v, f);
				xr = xbpf_map__update_elem(p.x, NULL, &v, f);
				break;
			case 1:
				kr = bpf_map_lookup_elem(p.fd, NULL, &vk);
				xr = xbpf_map__lookup_elem(p.x, NULL, &vx);
				break;
			default:
				kr = bpf_map_lookup_and_delete_elem(p.fd, NULL, &vk);
				xr = xbpf_map__lookup_and_delete_elem(p.x, NULL, &vx);
				break;
			}
			T_EQ(xr, kr);
			T_EQ(vx, vk);
		}
		uint32_t nk;
		T_EQ(xbpf_map__get_next_key(p.x, NULL, &nk), bpf_map_get_next_key(p.fd, NULL, &nk));
		T_EQ(xbpf_map__delete_elem(p.x, NULL), bpf_map_delete_elem(p.fd, NULL));
		both_free(&p);
	}
}

struct lkey { uint32_t plen; uint8_t d[3]; } __attribute__((packed));

static void test_lpm_same(void)
{
	need_kernel();
	struct pair p;
	if (both_create(&p, BPF_MAP_TYPE_LPM_TRIE, 7, 4, 16, BPF_F_NO_PREALLOC)) {
		both_free(&p);
		return;
	}
	for (int i = 0; i < 3000; i++) {
		struct lkey k = {rnd(26), {(uint8_t)(rnd(4) << 6), (uint8_t)rnd(3), (uint8_t)rnd(2)}};
		uint32_t v = rnd(1000), vk = 0, vx = 0;
		int kr, xr, op = rnd(4);
		if (op == 0) {
			uint64_t f = rnd(4);
			kr = bpf_map_update_elem(p.fd, &k, &v, f);
			xr = xbpf_map__update_elem(p.x, &k, &v, f);
		} else if (op == 1) {
			k.plen = rnd(3) ? 24 : rnd(26);
			kr = bpf_map_lookup_elem(p.fd, &k, &vk);
			xr = xbpf_map__lookup_elem(p.x, &k, &vx);
			T_EQ(vx, vk);
		} else if (op == 2) {
			kr = bpf_map_delete_elem(p.fd, &k);
			xr = xbpf_map__delete_elem(p.x, &k);
		} else {
			struct lkey nk = {0}, nx = {0};
			kr = bpf_map_get_next_key(p.fd, &k, &nk);
			xr = xbpf_map__get_next_key(p.x, &k, &nx);
			if (!kr && !xr) {
				T_EQ(nx.plen, nk.plen);
				T_EQ(memcmp(nx.d, nk.d, 3), 0);
			}
		}
		if (kr != xr)
			fprintf(stderr, "lpm op %d plen %u: kernel %d xbpf %d\n", op, k.plen, kr, xr);
		T_EQ(xr, kr);
	}
	/* full iteration order */
	struct lkey a, b;
	int ek = bpf_map_get_next_key(p.fd, NULL, &a), ex = xbpf_map__get_next_key(p.x, NULL, &b);
	while (!ek && !ex) {
		T_EQ(a.plen, b.plen);
		T_EQ(memcmp(a.d, b.d, 3), 0);
		ek = bpf_map_get_next_key(p.fd, &a, &a);
		ex = xbpf_map__get_next_key(p.x, &b, &b);
	}
	T_EQ(ex, ek);
	both_free(&p);
}

static void test_ringbuf_user_ops_same(void)
{
	need_kernel();
	struct pair p;
	if (both_create(&p, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0)) {
		both_free(&p);
		return;
	}
	uint32_t k = 0, v = 0;
	T_EQ(xbpf_map__lookup_elem(p.x, &k, &v), bpf_map_lookup_elem(p.fd, &k, &v));
	T_EQ(xbpf_map__update_elem(p.x, &k, &v, 0), bpf_map_update_elem(p.fd, &k, &v, 0));
	T_EQ(xbpf_map__delete_elem(p.x, &k), bpf_map_delete_elem(p.fd, &k));
	T_EQ(xbpf_map__get_next_key(p.x, &k, &v), bpf_map_get_next_key(p.fd, &k, &v));
	both_free(&p);
}


/* ---- the same helper calls from programs: XDP + BPF_PROG_TEST_RUN vs xbpf ------------- */
#define NRES 48   /* results kept on the stack at fp-512 + 8 * i, then copied to map 1 */

struct pgen { struct xbpf_insn *p; size_t n; };
static void emit(struct pgen *g, struct xbpf_insn in) { g->p[g->n++] = in; }

/* key (and for LPM its prefix length) at fp-16 */
static void emit_key(struct pgen *g, uint32_t type, uint32_t key)
{
	if (type == BPF_MAP_TYPE_LPM_TRIE) {
		emit(g, ST_W(10, -16, 8 + (key % 25)));   /* prefix length 8..32 */
		emit(g, ST_W(10, -12, (int32_t)(0x0a000000u >> 24 | (key / 25 % 4) << 8)));
	} else if (type == BPF_MAP_TYPE_ARRAY) {
		emit(g, ST_W(10, -16, (int32_t)key));
	} else {
		emit(g, ST_DW(10, -16, (int32_t)key));
	}
}

static void emit_map(struct pgen *g, int idx)
{
	emit(g, BI(XBPF_LD | XBPF_DW | XBPF_IMM, 1, XBPF_PSEUDO_MAP_IDX, 0, idx));
	emit(g, BI(0, 0, 0, 0, 0));
}

/* One random helper call; its r0 (lookups: the value, or -1 when NULL) goes to result i. */
static void emit_op(struct pgen *g, uint32_t type, int i, uint32_t keyspace)
{
	bool queue = type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_STACK;
	int op = (int)rnd(3);
	emit_key(g, type, rnd(keyspace));
	emit(g, ST_DW(10, -24, (int32_t)rnd(100000)));
	emit_map(g, 0);
	emit(g, MOV_REG(2, 10));
	emit(g, ADD_IMM(2, queue ? -24 : -16));
	if (op == 0) {                       /* update / push */
		if (queue) {
			emit(g, MOV_IMM(3, (int32_t)rnd(3)));
			emit(g, CALL(87));
		} else {
			emit(g, MOV_REG(3, 10));
			emit(g, ADD_IMM(3, -24));
			emit(g, MOV_IMM(4, (int32_t)rnd(4)));
			emit(g, CALL(2));
		}
	} else if (op == 1) {                /* lookup / peek */
		if (queue) {
			emit(g, CALL(89));
			emit(g, JNE_IMM(0, 0, 1));
			emit(g, LDX_DW(0, 10, -24));
		} else {
			emit(g, CALL(1));
			emit(g, JEQ_IMM(0, 0, 2));
			emit(g, LDX_DW(0, 0, 0));
			emit(g, BI(XBPF_JMP | XBPF_JA, 0, 0, 1, 0));
			emit(g, MOV_IMM(0, -1));
		}
	} else {                             /* delete / pop */
		emit(g, CALL(queue ? 88 : 3));
		if (queue) {
			emit(g, JNE_IMM(0, 0, 1));
			emit(g, LDX_DW(0, 10, -24));
		}
	}
	emit(g, STX_DW(10, 0, -512 + 8 * i));
}

static size_t build_ops_prog(struct xbpf_insn *p, uint32_t type, uint32_t keyspace)
{
	struct pgen g = {p, 0};
	for (int i = 0; i < NRES; i++)
		emit(&g, ST_DW(10, -512 + 8 * i, 0));
	for (int i = 0; i < NRES; i++)
		emit_op(&g, type, i, keyspace);
	emit(&g, ST_W(10, -4, 0));
	emit_map(&g, 1);
	emit(&g, MOV_REG(2, 10));
	emit(&g, ADD_IMM(2, -4));
	emit(&g, MOV_REG(3, 10));
	emit(&g, ADD_IMM(3, -512));
	emit(&g, MOV_IMM(4, 0));
	emit(&g, CALL(2));
	emit(&g, MOV_IMM(0, 2));   /* XDP_PASS */
	emit(&g, EXIT());
	return g.n;
}

/* Run the program in both; the results (map 1) must be equal. */
static void run_both(struct pair *p, struct pair *res, struct xbpf_insn *insns, size_t n)
{
	static struct xbpf_vm *vm;
	if (!vm) {
		struct xbpf_vm_opts vo = {.sz = sizeof vo, .engine = t_engine()};
		vm = xbpf_vm__new(&vo);
	}
	struct xbpf_map *xm[2] = {p->x, res->x};
	char log[512] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .maps = xm, .map_cnt = 2,
					 .log_buf = log, .log_size = sizeof log};
	struct xbpf_prog *xp = xbpf_prog__load(vm, insns, n, &lo);
	if (!xp)
		fprintf(stderr, "xbpf load: %s\n", log);
	T_CHECK(xp);
	for (size_t i = 0; i < n; i++)
		if (insns[i].code == (XBPF_LD | XBPF_DW | XBPF_IMM) &&
		    insns[i].src_reg == XBPF_PSEUDO_MAP_IDX) {
			insns[i].imm = insns[i].imm ? res->fd : p->fd;
			insns[i].src_reg = XBPF_PSEUDO_MAP_FD;
		}
	char klog[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, po, .log_buf = klog, .log_size = sizeof klog,
		    .log_level = 0);
	int pfd = bpf_prog_load(BPF_PROG_TYPE_XDP, "ops", "GPL", (const struct bpf_insn *)insns,
				n, &po);
	if (pfd < 0)
		fprintf(stderr, "kernel load: %d %s\n", pfd, klog);
	T_CHECK(pfd >= 0);
	if (!xp || pfd < 0) {
		xbpf_prog__free(xp);
		return;
	}
	uint8_t pkt[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, to, .data_in = pkt, .data_size_in = sizeof pkt);
	T_EQ(bpf_prog_test_run_opts(pfd, &to), 0);
	struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = pkt, .ctx_size = sizeof pkt};
	T_EQ(xbpf_prog__run(xp, &ro), 0);
	uint64_t rk[NRES], rx[NRES];
	uint32_t zero = 0;
	T_EQ(bpf_map_lookup_elem(res->fd, &zero, rk), 0);
	T_EQ(xbpf_map__lookup_elem(res->x, &zero, rx), 0);
	for (int i = 0; i < NRES; i++)
		if (rk[i] != rx[i]) {
			fprintf(stderr, "map type %u op %d: kernel %lld xbpf %lld\n", p->type, i,
				(long long)rk[i], (long long)rx[i]);
			T_EQ(rx[i], rk[i]);
		}
	close(pfd);
	xbpf_prog__free(xp);
}

static void prog_ops(uint32_t type, uint32_t ks, uint32_t max, uint32_t flags,
		     uint32_t keyspace)
{
	struct pair p, res;
	if (both_create(&p, type, ks, 8, max, flags) ||
	    both_create(&res, BPF_MAP_TYPE_ARRAY, 4, 8 * NRES, 1, 0)) {
		both_free(&p);
		return;
	}
	static struct xbpf_insn insns[NRES * 24 + 64];
	for (int round = 0; round < 6; round++) {
		size_t n = build_ops_prog(insns, type, keyspace);
		run_both(&p, &res, insns, n);
	}
	if (type != BPF_MAP_TYPE_QUEUE && type != BPF_MAP_TYPE_STACK)
		same_contents(&p, 8);
	both_free(&p);
	both_free(&res);
}

static void test_prog_helpers_same(void)
{
	need_kernel();
	prog_ops(BPF_MAP_TYPE_HASH, 8, 8, 0, 14);          /* fills: -E2BIG */
	prog_ops(BPF_MAP_TYPE_ARRAY, 4, 8, 0, 10);         /* out of range: -E2BIG, NULL */
	prog_ops(BPF_MAP_TYPE_LRU_HASH, 8, 4096, 0, 14);   /* never full */
	prog_ops(BPF_MAP_TYPE_QUEUE, 0, 4, 0, 1);
	prog_ops(BPF_MAP_TYPE_STACK, 0, 4, 0, 1);
	prog_ops(BPF_MAP_TYPE_LPM_TRIE, 8, 8, BPF_F_NO_PREALLOC, 100);
}

T_MAIN(test_create_same_errors, test_random_array, test_random_hash, test_random_percpu,
       test_random_lru_not_full, test_queue_stack_same, test_lpm_same,
       test_ringbuf_user_ops_same, test_prog_helpers_same)
