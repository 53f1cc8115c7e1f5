/* test_progs.c - the kernel is the oracle: every program of tests/progs/ (NAME.bpf.c) runs in
 * xbpf (loader API + xbpf_prog__test_run) and, where bpf() is permitted, in the Linux
 * kernel (libbpf + BPF_PROG_TEST_RUN) on the same input. retval, the output packet, the
 * output context and the contents of the maps each case names must match (per-CPU values
 * summed over CPUs, hash entries compared as sorted sets). Expectations written here run
 * on both sides, so they still check xbpf where the kernel half is skipped; helpers with
 * non-deterministic results (time, random, ids) get property checks instead of equality.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include "t.h"
#include "xbpf/xbpf.h"
#include "progs.h"
#ifdef XBPF_HAVE_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#endif

#ifndef XBPF_PROGS_DIR
#define XBPF_PROGS_DIR "."
#endif

/* ---- inputs ---------------------------------------------------------------------------- */
enum input { IN_NONE, IN_UDP, IN_TCP, IN_ARGS, IN_PROBE, IN_SYSCALL, IN_REGS, IN_TP, IN_META };

static uint8_t pkt_udp[58], pkt_tcp[62], pkt_meta[8 + 58];

static uint16_t csum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2) + UDP or TCP, valid checksums. */
static void build_pkt(uint8_t *p, size_t len, uint8_t proto)
{
	memset(p, 0, len);
	memcpy(p, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	uint8_t *ip = p + 14, *l4 = ip + 20;
	size_t l4len = len - 34;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len - 14));
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\x0a\0\0\x01\x0a\0\0\x02", 8);
	put16(ip + 10, csum16(ip, 20, 0));
	put16(l4, 1000);
	put16(l4 + 2, 2000);
	if (proto == 17) {
		put16(l4 + 4, (uint16_t)l4len);
		memcpy(l4 + 8, "xbpf test data!!", 16);
	} else {
		put16(l4 + 4, 0x0102);
		l4[12] = 0x50;
		l4[13] = 0x02; /* SYN */
		put16(l4 + 14, 8192);
		memcpy(l4 + 20, "payload!", 8);
	}
	uint32_t pseudo = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + proto + (uint32_t)l4len;
	put16(l4 + (proto == 17 ? 6 : 16), csum16(l4, l4len, pseudo));
}

static char probe_str[] = "probe me, xbpf";

struct syscall_args {
	int a, b;
	long product;
	char text[16];
};

struct input_buf {
	const void *data;
	uint32_t data_size;
	const void *ctx;
	uint32_t ctx_size;
	uint32_t ctx_out_size;
	uint64_t args[3];
	struct syscall_args sys;
	struct xbpf_pt_regs regs;
	uint64_t tp[8];
	struct xbpf_sk_buff skb;
	struct xbpf_xdp_md md;
};

static void make_input(enum input in, struct input_buf *b)
{
	memset(b, 0, sizeof *b);
	switch (in) {
	case IN_UDP:
		b->data = pkt_udp;
		b->data_size = sizeof pkt_udp;
		break;
	case IN_TCP: /* with the __sk_buff fields test_run takes, in and out */
		b->data = pkt_tcp;
		b->data_size = sizeof pkt_tcp;
		b->skb = (struct xbpf_sk_buff){.mark = 5, .priority = 3, .cb = {9, 0, 0, 0, 8},
			.ifindex = 1, .ingress_ifindex = 1, .tstamp = 1234, .gso_segs = 2,
			.gso_size = 1400, .hwtstamp = 77};
		b->ctx = &b->skb, b->ctx_size = b->ctx_out_size = sizeof b->skb;
		break;
	case IN_META: /* 8 bytes of XDP metadata in front of the packet */
		memcpy(pkt_meta, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
		memcpy(pkt_meta + 8, pkt_udp, sizeof pkt_udp);
		b->data = pkt_meta;
		b->data_size = sizeof pkt_meta;
		b->md = (struct xbpf_xdp_md){.data = 8, .data_end = sizeof pkt_meta,
					     .ingress_ifindex = 1};
		b->ctx = &b->md, b->ctx_size = b->ctx_out_size = sizeof b->md;
		break;
	case IN_ARGS:
		b->args[0] = 3, b->args[1] = 1000, b->args[2] = 7;
		b->ctx = b->args, b->ctx_size = 24;
		break;
	case IN_PROBE:
		b->args[0] = (uint64_t)(uintptr_t)probe_str, b->args[1] = 0x10;
		b->ctx = b->args, b->ctx_size = 16;
		break;
	case IN_SYSCALL:
		b->sys = (struct syscall_args){.a = 6, .b = -7};
		b->ctx = &b->sys, b->ctx_size = b->ctx_out_size = sizeof b->sys;
		break;
	case IN_REGS:
		b->regs.di = 40, b->regs.si = 2, b->regs.ip = 0xffffffff81234560ull;
		b->ctx = &b->regs, b->ctx_size = sizeof b->regs;
		break;
	case IN_TP:
		b->tp[1] = 59, b->tp[2] = 100, b->tp[3] = 23; /* id, args[0], args[1] */
		b->ctx = b->tp, b->ctx_size = sizeof b->tp;
		break;
	default:
		break;
	}
}

/* ---- results ---------------------------------------------------------------------------- */
#define MAX_ENTRIES 64
#define MAX_VAL 512
struct mapdump {
	const char *name;
	uint32_t ksz, vsz;
	unsigned n;
	_Alignas(8) uint8_t key[MAX_ENTRIES][64];
	_Alignas(8) uint8_t val[MAX_ENTRIES][MAX_VAL]; /* results are read as u64 */
};

struct res {
	int err;
	uint64_t retval;
	_Alignas(8) uint8_t data[4096];
	uint32_t data_size;
	_Alignas(8) uint8_t ctx[256];
	uint32_t ctx_size;
	struct mapdump maps[6];
	unsigned nmaps;
	uint64_t t0, t1; /* CLOCK_MONOTONIC around the run */
};

static bool is_percpu(uint32_t type)
{
	return type == XBPF_MAP_TYPE_PERCPU_ARRAY || type == XBPF_MAP_TYPE_PERCPU_HASH ||
	       type == XBPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Store one entry; per-CPU values (ncpu slots of round_up(vsz, 8)) summed as u64 lanes. */
static void add_entry(struct mapdump *d, const void *key, const uint8_t *val, unsigned ncpu)
{
	if (d->n >= MAX_ENTRIES || d->ksz > 64 || d->vsz > MAX_VAL)
		return;
	memcpy(d->key[d->n], key, d->ksz);
	if (ncpu <= 1) {
		memcpy(d->val[d->n], val, d->vsz);
	} else {
		size_t stride = (d->vsz + 7) / 8 * 8;
		memset(d->val[d->n], 0, sizeof d->val[d->n]);
		for (unsigned c = 0; c < ncpu; c++)
			for (size_t o = 0; o + 8 <= d->vsz; o += 8) {
				uint64_t a, b;
				memcpy(&a, d->val[d->n] + o, 8);
				memcpy(&b, val + c * stride + o, 8);
				a += b;
				memcpy(d->val[d->n] + o, &a, 8);
			}
	}
	d->n++;
}

static int cmp_key_len;
static int cmp_entry(const void *a, const void *b) { return memcmp(a, b, (size_t)cmp_key_len); }

/* Sort entries by key (hash iteration orders differ). */
static void sort_dump(struct mapdump *d)
{
	for (unsigned i = 1; i < d->n; i++)
		for (unsigned j = i; j > 0; j--) {
			cmp_key_len = (int)d->ksz;
			if (cmp_entry(d->key[j - 1], d->key[j]) <= 0)
				break;
			uint8_t tk[64], tv[MAX_VAL];
			memcpy(tk, d->key[j], 64), memcpy(tv, d->val[j], MAX_VAL);
			memcpy(d->key[j], d->key[j - 1], 64), memcpy(d->val[j], d->val[j - 1], MAX_VAL);
			memcpy(d->key[j - 1], tk, 64), memcpy(d->val[j - 1], tv, MAX_VAL);
		}
}

static const uint8_t *res_map_value(const struct res *r, const char *name, uint32_t key)
{
	for (unsigned i = 0; i < r->nmaps; i++) {
		const struct mapdump *d = &r->maps[i];
		if (strcmp(d->name, name))
			continue;
		for (unsigned e = 0; e < d->n; e++)
			if (d->ksz == 4 && !memcmp(d->key[e], &key, 4))
				return d->val[e];
	}
	return NULL;
}
#define GLOB(r, type) ((const type *)res_map_value(r, ".bss", 0))

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- cases ------------------------------------------------------------------------------- */
struct pcase {
	const char *obj, *prog;
	enum input in;
	const char *maps[5];      /* compared (and dumped for checks); ".bss" etc. allowed */
	bool no_kernel_run;       /* the kernel has no test run for this program type */
	bool nondet;              /* results differ run to run: property checks only */
	bool no_verify;           /* load without the verifier (it rejects this valid program) */
	int trace_skip;           /* compare trace_printk text with the kernel's trace buffer,
				   * except message number trace_skip - 1 (0: no comparison) */
	void (*check)(const struct res *r, const char *side);
};

/* ---- trace_printk text -------------------------------------------------------------------- */
#define MAX_MSGS 32
static char xbpf_msgs[MAX_MSGS][256];
static int n_xbpf_msgs;

static void capture(void *cookie, const char *msg, size_t len)
{
	(void)cookie;
	if (n_xbpf_msgs < MAX_MSGS) {
		while (len && msg[len - 1] == '\n')
			len--;
		snprintf(xbpf_msgs[n_xbpf_msgs++], sizeof xbpf_msgs[0], "%.*s", (int)len, msg);
	}
}

/* The kernel's messages from this thread: the last n lines "comm-TID ... bpf_trace_printk:
 * MSG" of the trace buffer. Returns how many were found, or -1 when it cannot be read. */
static int kernel_msgs(char out[][256], int n)
{
	FILE *f = fopen("/sys/kernel/tracing/trace", "r");
	if (!f)
		f = fopen("/sys/kernel/debug/tracing/trace", "r");
	if (!f)
		return -1;
	static char ring[MAX_MSGS][256];
	char line[1024], tag[64];
	snprintf(tag, sizeof tag, "-%d ", (int)gettid());
	int cnt = 0;
	while (fgets(line, sizeof line, f)) {
		const char *m = strstr(line, "bpf_trace_printk: ");
		if (!m || !strstr(line, tag))
			continue;
		m += strlen("bpf_trace_printk: ");
		size_t l = strcspn(m, "\n");
		snprintf(ring[cnt % MAX_MSGS], sizeof ring[0], "%.*s", (int)l, m);
		cnt++;
	}
	fclose(f);
	int have = cnt < n ? cnt : n;
	for (int i = 0; i < have; i++)
		memcpy(out[i], ring[(cnt - have + i) % MAX_MSGS], sizeof ring[0]);
	return have;
}

static void compare_trace(const struct pcase *c)
{
	static char k[MAX_MSGS][256];
	int n = kernel_msgs(k, n_xbpf_msgs);
	if (n < 0) {
		printf("     SKIP trace text of %s: no readable tracefs trace buffer\n", c->prog);
		return;
	}
	T_EQ(n, n_xbpf_msgs);
	printf("     (%s: %d trace_printk messages compared with the kernel's trace buffer)\n",
	       c->prog, n);
	for (int i = 0; i < n && i < n_xbpf_msgs; i++) {
		if (i == c->trace_skip - 1)
			continue;
		T_STREQ(xbpf_msgs[i], k[i]);
	}
}

/* ---- the xbpf half ------------------------------------------------------------------------ */
static void dump_xbpf(struct xbpf_object *obj, const struct pcase *c, struct res *r)
{
	for (unsigned i = 0; i < 5 && c->maps[i]; i++) {
		struct xbpf_object_map *om = xbpf_object__find_map_by_name(obj, c->maps[i]);
		struct xbpf_map *m = om ? xbpf_object_map__map(om) : NULL;
		struct mapdump *d = &r->maps[r->nmaps++];
		memset(d, 0, sizeof *d);
		d->name = c->maps[i];
		if (!m) {
			fprintf(stderr, "xbpf: no map '%s'\n", c->maps[i]);
			continue;
		}
		d->ksz = xbpf_map__key_size(m);
		d->vsz = xbpf_map__value_size(m);
		unsigned ncpu = is_percpu(xbpf_map__type(m)) ? xbpf_map__num_cpus(m) : 1;
		uint8_t key[64], next[64], *val = malloc(xbpf_map__user_value_size(m) + 8);
		void *prev = NULL;
		while (val && d->ksz <= 64 && !xbpf_map__get_next_key(m, prev, next)) {
			memcpy(key, next, d->ksz);
			prev = key;
			if (!xbpf_map__lookup_elem(m, key, val))
				add_entry(d, key, val, ncpu);
			if (d->n >= MAX_ENTRIES)
				break;
		}
		free(val);
		sort_dump(d);
	}
}

static int run_xbpf(const struct pcase *c, struct res *r)
{
	char path[512], log[1024] = "";
	snprintf(path, sizeof path, "%s/%s.bpf.o", XBPF_PROGS_DIR, c->obj);
	memset(r, 0, sizeof *r);
	struct xbpf_object *obj = xbpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "xbpf: open %s: %s\n", path, xbpf_object__last_error());
		return r->err = -errno;
	}
	/* XBPF_TEST_ENGINE=jit|switch|interp picks the engine. Loading verifies (so the
	 * programs run without runtime checks) except for cases marked no_verify;
	 * XBPF_TEST_VERIFY=0 turns the verifier off for all, =1 on for all. */
	const char *eng = getenv("XBPF_TEST_ENGINE"), *ver = getenv("XBPF_TEST_VERIFY");
	enum xbpf_engine engine = !eng ? XBPF_ENGINE_DEFAULT
		: !strcmp(eng, "jit") ? XBPF_ENGINE_JIT
		: !strcmp(eng, "switch") ? XBPF_ENGINE_INTERP_SWITCH : XBPF_ENGINE_INTERP;
	struct xbpf_object_load_opts lo = {.sz = sizeof lo, .no_verify = ver ? *ver == '0' : c->no_verify,
					   .engine = engine, .log_buf = log,
					   .log_size = sizeof log};
	int err = xbpf_object__load(obj, &lo);
	struct xbpf_program *p = err ? NULL : xbpf_object__find_program_by_name(obj, c->prog);
	struct xbpf_prog *prog = p ? xbpf_program__prog(p) : NULL;
	if (!prog) {
		fprintf(stderr, "xbpf: load %s/%s: %d %s\n", c->obj, c->prog, err, log);
		xbpf_object__close(obj);
		return r->err = err ? err : -ENOENT;
	}
	n_xbpf_msgs = 0;
	if (c->trace_skip)
		xbpf_vm__set_trace_sink(xbpf_object__vm(obj), capture, NULL);
	struct input_buf in;
	make_input(c->in, &in);
	char rlog[512] = "";
	struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = in.data,
		.data_size_in = in.data_size, .data_out = in.data ? r->data : NULL,
		.data_size_out = sizeof r->data, .ctx_in = in.ctx, .ctx_size_in = in.ctx_size,
		.ctx_out = in.ctx_out_size ? r->ctx : NULL, .ctx_size_out = in.ctx_out_size,
		.log_buf = rlog, .log_size = sizeof rlog};
	r->t0 = now_ns();
	r->err = xbpf_prog__test_run(prog, &o);
	r->t1 = now_ns();
	if (r->err)
		fprintf(stderr, "xbpf: run %s: %d %s\n", c->prog, r->err, rlog);
	r->retval = (uint32_t)o.retval;
	r->data_size = in.data ? o.data_size_out : 0;
	r->ctx_size = in.ctx_out_size ? o.ctx_size_out : 0;
	dump_xbpf(obj, c, r);
	xbpf_object__close(obj);
	return r->err;
}

/* ---- the kernel half ----------------------------------------------------------------------- */
static const char *kernel_skip; /* why the kernel half cannot run, once known */

#ifdef XBPF_HAVE_LIBBPF
static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("XBPF_TEST_VERBOSE"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static void dump_kernel(struct bpf_object *obj, const struct pcase *c, struct res *r)
{
	int ncpus = libbpf_num_possible_cpus();
	for (unsigned i = 0; i < 5 && c->maps[i]; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, c->maps[i]);
		struct mapdump *d = &r->maps[r->nmaps++];
		memset(d, 0, sizeof *d);
		d->name = c->maps[i];
		if (!m)
			continue;
		d->ksz = bpf_map__key_size(m);
		d->vsz = bpf_map__value_size(m);
		bool pc = is_percpu(bpf_map__type(m));
		size_t vbytes = pc ? (size_t)ncpus * ((d->vsz + 7) / 8 * 8) : d->vsz;
		uint8_t key[64], next[64], *val = malloc(vbytes + 8);
		void *prev = NULL;
		int fd = bpf_map__fd(m);
		while (val && d->ksz <= 64 && !bpf_map_get_next_key(fd, prev, next)) {
			memcpy(key, next, d->ksz);
			prev = key;
			if (!bpf_map_lookup_elem(fd, key, val))
				add_entry(d, key, val, pc ? (unsigned)ncpus : 1);
			if (d->n >= MAX_ENTRIES)
				break;
		}
		free(val);
		sort_dump(d);
	}
}

/* Returns 0, or -errno; sets kernel_skip when bpf() is not permitted at all. */
static int run_kernel(const struct pcase *c, struct res *r)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.bpf.o", XBPF_PROGS_DIR, c->obj);
	memset(r, 0, sizeof *r);
	libbpf_set_print(quiet_print);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return r->err = -errno;
	int err = bpf_object__load(obj);
	if (err) {
		if (err == -EPERM || err == -ENOSYS || err == -EACCES)
			kernel_skip = "bpf() not permitted here";
		else
			fprintf(stderr, "kernel: load %s failed: %d\n", c->obj, err);
		bpf_object__close(obj);
		return r->err = err;
	}
	struct bpf_program *p = bpf_object__find_program_by_name(obj, c->prog);
	struct input_buf in;
	make_input(c->in, &in);
	bool back = c->in == IN_SYSCALL; /* syscall programs write the context into ctx_in */
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in.data, .data_size_in = in.data_size,
		    .data_out = in.data ? r->data : NULL, .data_size_out = sizeof r->data,
		    .ctx_in = in.ctx, .ctx_size_in = in.ctx_size,
		    .ctx_out = in.ctx_out_size && !back ? r->ctx : NULL,
		    .ctx_size_out = back ? 0 : in.ctx_out_size);
	r->t0 = now_ns();
	r->err = p ? bpf_prog_test_run_opts(bpf_program__fd(p), &o) : -ENOENT;
	r->t1 = now_ns();
	r->retval = o.retval;
	r->data_size = in.data ? o.data_size_out : 0;
	if (back) {
		memcpy(r->ctx, in.ctx, in.ctx_out_size);
		r->ctx_size = in.ctx_out_size;
	} else if (in.ctx_out_size) {
		r->ctx_size = o.ctx_size_out;
	}
	dump_kernel(obj, c, r);
	bpf_object__close(obj);
	return r->err;
}
#else
static int run_kernel(const struct pcase *c, struct res *r)
{
	(void)c;
	kernel_skip = "built without libbpf";
	return r->err = -ENOSYS;
}
#endif

/* ---- comparison ----------------------------------------------------------------------------- */
static void compare(const struct pcase *c, const struct res *x, const struct res *k)
{
	T_EQ(x->retval, k->retval);
	T_EQ(x->data_size, k->data_size);
	if (x->data_size == k->data_size && memcmp(x->data, k->data, x->data_size)) {
		T_CHECK(!"output packets differ");
		for (uint32_t i = 0; i < x->data_size; i++)
			if (x->data[i] != k->data[i])
				fprintf(stderr, "  byte %u: xbpf %02x kernel %02x\n", i, x->data[i],
					k->data[i]);
	}
	T_EQ(x->ctx_size, k->ctx_size);
	if (x->ctx_size == k->ctx_size && memcmp(x->ctx, k->ctx, x->ctx_size)) {
		T_CHECK(!"output contexts differ");
		for (uint32_t i = 0; i < x->ctx_size; i++)
			if (x->ctx[i] != k->ctx[i])
				fprintf(stderr, "  ctx byte %u: xbpf %02x kernel %02x\n", i, x->ctx[i],
					k->ctx[i]);
	}
	if (c->nondet)
		return;
	for (unsigned i = 0; i < x->nmaps && i < k->nmaps; i++) {
		const struct mapdump *a = &x->maps[i], *b = &k->maps[i];
		if (a->n != b->n || a->vsz != b->vsz)
			fprintf(stderr, "map %s: xbpf %u entries (vsz %u), kernel %u (vsz %u)\n",
				a->name, a->n, a->vsz, b->n, b->vsz);
		T_EQ(a->n, b->n);
		for (unsigned e = 0; e < a->n && e < b->n; e++) {
			bool same = !memcmp(a->key[e], b->key[e], a->ksz) &&
				    !memcmp(a->val[e], b->val[e], a->vsz);
			if (!same) {
				fprintf(stderr, "map %s entry %u differs:\n  xbpf  ", a->name, e);
				for (uint32_t j = 0; j < a->vsz && j < 96; j++)
					fprintf(stderr, "%02x", a->val[e][j]);
				fprintf(stderr, "\n  kernel ");
				for (uint32_t j = 0; j < b->vsz && j < 96; j++)
					fprintf(stderr, "%02x", b->val[e][j]);
				fprintf(stderr, "\n");
			}
			T_CHECK(same);
		}
	}
}

static void run_case(const struct pcase *c)
{
	static struct res x, k;
	run_xbpf(c, &x);
	T_EQ(x.err, 0);
	if (!x.err && c->check)
		c->check(&x, "xbpf");
	if (c->no_kernel_run) {
		printf("     (%s: the kernel cannot test-run this program type: expectations only)\n",
		       c->prog);
		return;
	}
	if (kernel_skip) {
		printf("     SKIP kernel half of %s: %s\n", c->prog, kernel_skip);
		return;
	}
	int err = run_kernel(c, &k);
	if (kernel_skip) {
		printf("     SKIP kernel half of %s: %s\n", c->prog, kernel_skip);
		return;
	}
	T_EQ(err, 0);
	if (err)
		return;
	if (c->check)
		c->check(&k, "kernel");
	compare(c, &x, &k);
	if (c->trace_skip)
		compare_trace(c);
}

#include "test_progs_cases.h"
