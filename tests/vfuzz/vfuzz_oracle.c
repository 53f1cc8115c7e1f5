/* vfuzz_oracle.c - the oracle half of vfuzz (see vfuzz.h): the same program goes through
 * the Linux kernel's verifier (bpf(BPF_PROG_LOAD) via libbpf, privileged, with the same
 * maps created in the kernel) and through xbpf_verify(); programs xbpf accepts run in
 * xbpf's interpreter with runtime checks on over random packets, contexts and map
 * contents; programs both accept also run in the kernel (BPF_PROG_TEST_RUN) and in xbpf's
 * JIT and interpreter as verified code from the same inputs, and the results are
 * compared. Also the run statistics: counts per class, categories, first examples.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "vfuzz.h"

#define KLOG_SIZE (1u << 20)
#define MAX_FUNCS 16
/* A verification longer than this is a hang; after the first hang the limit drops, so
 * that a run with many hanging programs still ends (these programs verify in < 50 ms). */
#define VERIFY_TIMEOUT_MS 5000
#define VERIFY_TIMEOUT_AFTER_HANG_MS 500

/* Ring buffer records of one run, as the consumer saw them: (u32 size, data) each. */
struct vf_records {
	uint8_t buf[8192];
	size_t len;
	int n;
};

struct vf_oracle {
	int kfd[VF_NMAPS];
	struct ring_buffer *krb;     /* consumers of the RINGBUF map on either side */
	struct xbpf_ring_buffer *xrb;
	struct vf_records *sink;     /* where consumed records go (NULL: dropped) */
	struct xbpf_map *xm[VF_NMAPS];
	struct xbpf_verify_map vmap[VF_NMAPS];
	struct xbpf_vm *vm;
	struct btf *btf;         /* FUNC f0..f15 "int (void)": the kernel wants BTF func info */
	int func_type[MAX_FUNCS]; /* for programs with subprograms (bpf_loop callbacks) */
	char *klog;
	uint64_t rng;
	int timeout_ms;
};

static uint64_t orng(struct vf_oracle *o)
{
	o->rng ^= o->rng << 13;
	o->rng ^= o->rng >> 7;
	o->rng ^= o->rng << 17;
	return o->rng;
}

/* an input value: small numbers, boundaries and random words */
static uint32_t rvalue(struct vf_oracle *o)
{
	switch (orng(o) % 6) {
	case 0: return 0;
	case 1: return (uint32_t)(orng(o) % 8);
	case 2: return (uint32_t)(orng(o) % 80);
	case 3: return 0xffffffffu - (uint32_t)(orng(o) % 4);
	case 4: return 0x80000000u + (uint32_t)(orng(o) % 4);
	default: return (uint32_t)orng(o);
	}
}

static int make_btf(struct vf_oracle *o)
{
	o->btf = btf__new_empty();
	if (!o->btf)
		return -errno;
	int int_id = btf__add_int(o->btf, "int", 4, BTF_INT_SIGNED);
	int proto = btf__add_func_proto(o->btf, int_id);
	for (int i = 0; i < MAX_FUNCS; i++) {
		char name[8];
		snprintf(name, sizeof name, "f%d", i);
		o->func_type[i] = btf__add_func(o->btf, name, BTF_FUNC_STATIC, proto);
		if (o->func_type[i] < 0)
			return o->func_type[i];
	}
	return btf__load_into_kernel(o->btf);
}

/* Subprogram starts (0, call targets, callback addresses), sorted; returns the count. */
static int func_starts(const struct xbpf_insn *ins, size_t n, uint32_t *start)
{
	bool is_start[VF_MAX_INSNS] = {true};
	for (size_t i = 0; i < n; i++) {
		long t = -1;
		if (ins[i].code == (XBPF_JMP | XBPF_CALL) && ins[i].src_reg == XBPF_PSEUDO_CALL)
			t = (long)i + ins[i].imm + 1;
		if (ins[i].code == (XBPF_LD | XBPF_IMM | XBPF_DW) && ins[i].src_reg == XBPF_PSEUDO_FUNC)
			t = (long)i + ins[i].imm + 1;
		if (t >= 0 && t < (long)n)
			is_start[t] = true;
	}
	int k = 0;
	for (size_t i = 0; i < n && k < MAX_FUNCS; i++)
		if (is_start[i])
			start[k++] = (uint32_t)i;
	return k;
}

static int kernel_probe(void)
{
	struct bpf_insn ins[2] = {{.code = 0xb7, .dst_reg = 0, .imm = 2}, {.code = 0x95}};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "vfprobe", "GPL", ins, 2, NULL);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int record(void *ctx, void *data, size_t size)
{
	struct vf_oracle *o = ctx;
	struct vf_records *r = o->sink;
	if (!r)
		return 0;
	uint32_t sz = (uint32_t)size;
	if (r->len + 4 + size <= sizeof r->buf) {
		memcpy(r->buf + r->len, &sz, 4);
		memcpy(r->buf + r->len + 4, data, size);
		r->len += 4 + size;
	}
	r->n++;
	return 0;
}

static int ring_buffers_new(struct vf_oracle *o)
{
	for (int i = 0; i < VF_NMAPS; i++) {
		if (vf_maps[i].type != XBPF_MAP_TYPE_RINGBUF)
			continue;
		o->krb = ring_buffer__new(o->kfd[i], record, o, NULL);
		o->xrb = xbpf_ring_buffer__new(o->xm[i], record, o, NULL);
		if (!o->krb || !o->xrb)
			return -ENOMEM;
	}
	return 0;
}

struct vf_oracle *vf_oracle_new(int *err)
{
	struct vf_oracle *o = calloc(1, sizeof *o);
	*err = -ENOMEM;
	if (!o || !(o->klog = malloc(KLOG_SIZE)))
		goto fail;
	for (int i = 0; i < VF_NMAPS; i++)
		o->kfd[i] = -1;
	o->rng = 0x853c49e6748fea9bull;
	o->timeout_ms = VERIFY_TIMEOUT_MS;
	for (int i = 0; i < VF_NMAPS; i++) {
		const struct vf_map_desc *d = &vf_maps[i];
		o->kfd[i] = bpf_map_create(d->type, NULL, d->key_size, d->value_size,
					   d->max_entries, NULL);
		if (o->kfd[i] < 0) {
			*err = o->kfd[i];
			goto fail;
		}
		o->xm[i] = xbpf_map__create(d->type, d->key_size, d->value_size, d->max_entries,
					    NULL);
		if (!o->xm[i]) {
			*err = -errno;
			goto fail;
		}
		o->vmap[i] = (struct xbpf_verify_map){.type = d->type, .key_size = d->key_size,
			.value_size = d->value_size, .max_entries = d->max_entries, .inner = -1};
	}
	*err = kernel_probe();
	if (*err)
		goto fail;
	*err = ring_buffers_new(o);
	if (*err)
		goto fail;
	*err = make_btf(o);
	if (*err)
		goto fail;
	o->vm = xbpf_vm__new(NULL);
	if (!o->vm) {
		*err = -ENOMEM;
		goto fail;
	}
	return o;
fail:
	vf_oracle_free(o);
	return NULL;
}

const struct xbpf_verify_map *vf_oracle_maps(const struct vf_oracle *o)
{
	return o->vmap;
}

void vf_oracle_free(struct vf_oracle *o)
{
	if (!o)
		return;
	for (int i = 0; i < VF_NMAPS; i++) {
		if (o->kfd[i] >= 0)
			close(o->kfd[i]);
		if (o->xm[i])
			xbpf_map__put(o->xm[i]);
	}
	ring_buffer__free(o->krb);
	xbpf_ring_buffer__free(o->xrb);
	if (o->vm)
		xbpf_vm__free(o->vm);
	btf__free(o->btf);
	free(o->klog);
	free(o);
}

/* ---- classification ---------------------------------------------------------------- */
static const struct { const char *needle, *cat; bool safety; } kcats[] = {
	{"invalid access to packet", "packet-oob", true},
	{"invalid access to map value", "map-value-oob", true},
	{"outside of the allowed memory range", "var-offset-oob", true},
	{"unbounded memory access", "var-offset-unbounded", true},
	{"min value is negative", "var-offset-negative", true},
	{"unbounded min value", "ptr-math-unbounded", true},
	{"value is out of bounds", "ptr-math-unbounded", true},
	{"_or_null", "null-deref", true},
	{"pointer be out of bounds", "ptr-math-oob", true},
	{"offset is outside of the packet", "packet-oob", true},
	{"math between", "ptr-math", true},
	{"invalid mem access 'scalar'", "scalar-deref", true},
	{"invalid mem access 'inv'", "scalar-deref", true},
	{"invalid bpf_context access", "ctx-access", true},
	{"variable-offset read from stack", "stack-oob", true},
	{"read from stack", "stack-oob", true}, /* as root the kernel reads uninit stack */
	{"invalid indirect access to stack", "stack-oob", true},
	{"invalid write to stack", "stack-oob", true},
	{"invalid stack", "stack-oob", true},
	{"!read_ok", "uninit-reg", true},
	{"invalid size of register fill", "narrow-ptr-fill", true},
	{"misaligned", "misaligned", false},
	{"pointer arithmetic", "ptr-arith", true},
	{"prohibited", "ptr-arith", true},
	{"invalid zero-sized read", "zero-size", false},
	{"infinite loop", "loop", true},
	{"Unreleased reference", "ref-leak", true},
	{"release", "ref-release", true},
	{"reference", "ref", true},
	{"back-edge", "loop", true},
	{"too large", "complexity", false},
	{"too complex", "complexity", false},
	{"unknown func", "prog-type", false},
	{"cannot use helper", "prog-type", false},
	{"BPF_LD_[ABS|IND]", "prog-type", false},
};

/* A ctx access the kernel refuses inside the context struct (an 8-byte load of two u32
 * fields, a field the attach type hides) is a rule difference, not a memory-safety one. */
static void classify_ctx(const char *msg, uint32_t type, struct vf_result *r)
{
	long off = 0, size = 0;
	const char *p = strstr(msg, "off=");
	if (!p || sscanf(p, "off=%ld size=%ld", &off, &size) != 2)
		return;
	long ctx = type == XBPF_PROG_TYPE_XDP ? 24 : 192;
	if (off >= 0 && off + size <= ctx) {
		r->kcat = "ctx-rule";
		r->kcat_safety = false;
	}
}

static void classify_kernel(const char *msg, uint32_t type, struct vf_result *r)
{
	r->kcat = "other";
	r->kcat_safety = false;
	for (size_t i = 0; i < sizeof kcats / sizeof kcats[0]; i++)
		if (strstr(msg, kcats[i].needle)) {
			r->kcat = kcats[i].cat;
			r->kcat_safety = kcats[i].safety;
			break;
		}
	if (!strcmp(r->kcat, "ctx-access"))
		classify_ctx(msg, type, r);
}

/* The last line of the log that is not the statistics ("processed N insns ..."). */
static void last_line(const char *log, char *out, size_t sz)
{
	size_t end = strlen(log), start;
	for (;;) {
		while (end && (log[end - 1] == '\n' || log[end - 1] == ' '))
			end--;
		start = end;
		while (start && log[start - 1] != '\n')
			start--;
		if (!start || (strncmp(log + start, "processed ", 10) &&
			       strncmp(log + start, "verification time", 17)))
			break;
		end = start;
	}
	size_t len = end - start < sz - 1 ? end - start : sz - 1;
	memcpy(out, log + start, len);
	out[len] = '\0';
}

/* ---- the two verifiers ------------------------------------------------------------- */
/* Load p in the kernel: 0 (the program's fd in *keep when keep is not NULL, else closed)
 * or the error, with the log's last line in msg. */
static int kernel_load(struct vf_oracle *o, const struct vf_prog *p, char *msg, size_t msz,
		       int *keep)
{
	static struct xbpf_insn ins[VF_MAX_INSNS];
	memcpy(ins, p->insn, p->n * sizeof ins[0]);
	for (size_t i = 0; i + 1 < p->n; i++)
		if (ins[i].code == (XBPF_LD | XBPF_IMM | XBPF_DW) &&
		    ins[i].src_reg == XBPF_PSEUDO_MAP_FD && ins[i].imm >= 0 && ins[i].imm < VF_NMAPS)
			ins[i].imm = o->kfd[ins[i].imm];
	msg[0] = '\0';
	uint32_t start[MAX_FUNCS];
	struct bpf_func_info fi[MAX_FUNCS];
	int nf = func_starts(ins, p->n, start);
	for (int i = 0; i < nf; i++)
		fi[i] = (struct bpf_func_info){start[i], (uint32_t)o->func_type[i]};
	LIBBPF_OPTS(bpf_prog_load_opts, po0);
	if (nf > 1) {
		po0.prog_btf_fd = btf__fd(o->btf);
		po0.func_info = fi;
		po0.func_info_rec_size = sizeof fi[0];
		po0.func_info_cnt = (uint32_t)nf;
	}
	int fd = bpf_prog_load(p->prog_type, "vfuzz", "GPL", (const struct bpf_insn *)ins, p->n,
			       &po0);
	if (fd >= 0) {
		if (keep)
			*keep = fd;
		else
			close(fd);
		return 0;
	}
	int err = fd;
	o->klog[0] = '\0';
	struct bpf_prog_load_opts po = po0;
	po.log_buf = o->klog;
	po.log_size = KLOG_SIZE;
	po.log_level = 1;
	fd = bpf_prog_load(p->prog_type, "vfuzz", "GPL", (const struct bpf_insn *)ins, p->n, &po);
	if (fd >= 0) { /* accepted the second time: should not happen */
		close(fd);
		snprintf(msg, msz, "(rejected %d, then accepted with a log)", err);
		return err;
	}
	last_line(o->klog, msg, msz);
	if (!msg[0])
		snprintf(msg, msz, "(no log, error %d)", err);
	return err;
}

struct xbpf_verdict {
	int err;
	long insn;
	bool reads_uninit_stack;
	char message[256];
};

static void verify_here(struct vf_oracle *o, const struct vf_prog *p, struct xbpf_verdict *v)
{
	struct xbpf_verify_opts vo = {.sz = sizeof vo, .prog_type = p->prog_type, .maps = o->vmap,
				      .map_cnt = VF_NMAPS, .max_insns = 1000000};
	static struct xbpf_verify_result res;
	memset(&res, 0, sizeof res);
	res.sz = sizeof res;
	v->err = xbpf_verify(p->insn, p->n, &vo, &res);
	v->insn = res.insn;
	v->reads_uninit_stack = res.reads_uninit_stack;
	snprintf(v->message, sizeof v->message, "%s", res.message);
}

/* xbpf_verify in a child process, so that a hang or a crash of the verifier is reported
 * as such (VF_XBPF_HANG / VF_XBPF_CRASH in *bad) instead of stopping the run. */
static int xbpf_check(struct vf_oracle *o, const struct vf_prog *p, char *msg, size_t msz,
		      int *bad, bool *uninit)
{
	struct xbpf_verdict v = {0};
	int fds[2];
	*bad = 0;
	fflush(NULL);
	pid_t pid = pipe(fds) ? -1 : fork();
	if (pid == 0) {
		close(fds[0]);
		verify_here(o, p, &v);
		ssize_t w = write(fds[1], &v, sizeof v);
		_exit(w == (ssize_t)sizeof v ? 0 : 1);
	}
	if (pid < 0) { /* no child: verify here */
		verify_here(o, p, &v);
	} else {
		close(fds[1]);
		struct pollfd pf = {fds[0], POLLIN, 0};
		if (poll(&pf, 1, o->timeout_ms) <= 0) {
			kill(pid, SIGKILL);
			*bad = VF_XBPF_HANG;
			o->timeout_ms = VERIFY_TIMEOUT_AFTER_HANG_MS;
		} else if (read(fds[0], &v, sizeof v) != (ssize_t)sizeof v) {
			*bad = VF_XBPF_CRASH;
		}
		close(fds[0]);
		int status;
		waitpid(pid, &status, 0);
		if (*bad) {
			snprintf(msg, msz, "%s", *bad == VF_XBPF_HANG ? "(xbpf_verify did not "
				 "return in time: hang)" : "(xbpf_verify crashed)");
			return -EINTR;
		}
	}
	snprintf(msg, msz, "%s", v.err ? v.message : "");
	*uninit = v.reads_uninit_stack;
	if (v.err && v.insn >= 0) {
		size_t l = strlen(msg);
		snprintf(msg + l, msz - l, " (insn %ld)", v.insn);
	}
	return v.err;
}

/* ---- inputs: one packet, context and map contents, applied to either side ------------- */
#define VF_FILL_KEYS 4 /* hash maps start with keys 0..3; arrays with every index */

struct vf_input {
	uint8_t pkt[160];
	uint32_t len;
	struct xbpf_sk_buff skb;
	uint8_t val[VF_NMAPS][VF_FILL_KEYS][64];
};

static void make_input(struct vf_oracle *o, struct vf_input *in)
{
	in->len = 14 + (uint32_t)(orng(o) % 100);
	for (uint32_t i = 0; i < in->len; i++)
		in->pkt[i] = orng(o) % 3 ? (uint8_t)rvalue(o) : (uint8_t)orng(o);
	memset(&in->skb, 0, sizeof in->skb);
	in->skb.mark = rvalue(o);
	in->skb.priority = rvalue(o);
	for (int i = 0; i < 5; i++)
		in->skb.cb[i] = rvalue(o);
	for (int m = 0; m < VF_NMAPS; m++)
		for (int k = 0; k < VF_FILL_KEYS; k++)
			for (uint32_t b = 0; b < sizeof in->val[m][k]; b += 4) {
				uint32_t x = rvalue(o);
				memcpy(in->val[m][k] + b, &x, 4);
			}
}

static uint32_t fill_keys(const struct vf_map_desc *d)
{
	if (d->type == XBPF_MAP_TYPE_RINGBUF)
		return 0;
	return d->type == XBPF_MAP_TYPE_HASH || d->max_entries > VF_FILL_KEYS ? VF_FILL_KEYS
									    : d->max_entries;
}

/* Map i of either side: the kernel's through its fd, xbpf's through the map. */
static int side_next_key(struct vf_oracle *o, bool kernel, int i, const void *key, void *next)
{
	return kernel ? bpf_map_get_next_key(o->kfd[i], key, next)
		      : xbpf_map__get_next_key(o->xm[i], key, next);
}

static int side_delete(struct vf_oracle *o, bool kernel, int i, const void *key)
{
	return kernel ? bpf_map_delete_elem(o->kfd[i], key) : xbpf_map__delete_elem(o->xm[i], key);
}

static int side_lookup(struct vf_oracle *o, bool kernel, int i, const void *key, void *val)
{
	return kernel ? bpf_map_lookup_elem(o->kfd[i], key, val)
		      : xbpf_map__lookup_elem(o->xm[i], key, val);
}

/* The maps of one side: hash maps emptied, then the input's keys and values. */
static void apply_maps(struct vf_oracle *o, bool kernel, const struct vf_input *in)
{
	for (int i = 0; i < VF_NMAPS; i++) {
		const struct vf_map_desc *d = &vf_maps[i];
		uint64_t key;
		if (d->type == XBPF_MAP_TYPE_HASH)
			while (!side_next_key(o, kernel, i, NULL, &key))
				if (side_delete(o, kernel, i, &key))
					break;
		for (uint32_t k = 0; k < fill_keys(d); k++) {
			key = k;
			if (kernel)
				bpf_map_update_elem(o->kfd[i], &key, in->val[i][k], 0);
			else
				xbpf_map__update_elem(o->xm[i], &key, in->val[i][k], 0);
		}
	}
}

/* ---- running in xbpf with checks on ------------------------------------------------ */
static int run_once(struct vf_oracle *o, struct xbpf_prog *xp, const struct vf_prog *p,
		    char *msg, size_t msz)
{
	static struct vf_input in;
	make_input(o, &in);
	apply_maps(o, false, &in);
	char log[256] = "";
	struct xbpf_test_run_opts to = {.sz = sizeof to, .data_in = in.pkt, .data_size_in = in.len,
					.budget = 2000000, .log_buf = log, .log_size = sizeof log};
	if (p->prog_type != XBPF_PROG_TYPE_XDP) {
		to.ctx_in = &in.skb;
		to.ctx_size_in = sizeof in.skb;
	}
	int err = xbpf_prog__test_run(xp, &to);
	if (err == -EFAULT)
		snprintf(msg, msz, "%s", log);
	if (err == -ETIME)
		snprintf(msg, msz, "budget of 2,000,000 instructions exhausted (endless loop)");
	return err;
}

static void run_xbpf(struct vf_oracle *o, const struct vf_prog *p, int runs, struct vf_result *r)
{
	char log[256] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .log_buf = log, .log_size = sizeof log,
					 .maps = o->xm, .map_cnt = VF_NMAPS,
					 .prog_type = p->prog_type, .name = "vfuzz"};
	struct xbpf_prog *xp = xbpf_prog__load(o->vm, p->insn, p->n, &lo);
	if (!xp) {
		snprintf(r->fault_msg, sizeof r->fault_msg, "load: %s", log);
		return;
	}
	for (int i = 0; i < runs; i++) {
		r->runs++;
		int err = run_once(o, xp, p, r->fault_msg, sizeof r->fault_msg);
		if (err == -EFAULT || err == -ETIME)
			r->faults++;
	}
	xbpf_prog__free(xp);
}

/* ---- the kernel as the oracle of the semantics: kernel run vs JIT and interpreter ---- */
/* A narrow load inside a __sk_buff field that the kernel backs with a smaller sk_buff field
 * (pkt_type: 1 byte; queue_mapping, protocol, vlan_tci, vlan_proto, tc_index, tc_classid,
 * family, ports, gso_segs, gso_size: 2), at a non-zero offset in the field and at least as
 * wide as the backing field: the kernel's ctx rewrite shifts only when the load is narrower
 * than the backing field, so it gives the whole field there (pkt_type for a u8 load at
 * offset 7); xbpf's __sk_buff is plain memory and gives those bytes of the u32, 0. A known
 * difference (vfuzz programs keep ctx in r6). */
static bool skb_quirk_load(const struct vf_prog *p, const struct xbpf_insn *in)
{
	static const struct { int16_t off; uint8_t backing; } f[] = {
		{4, 1}, {12, 2}, {16, 2}, {24, 2}, {28, 2}, {44, 2}, {72, 2}, {88, 2}, {132, 2},
		{136, 2}, {164, 2}, {176, 2}};
	unsigned size = XBPF_SIZE(in->code) == XBPF_B ? 1 : XBPF_SIZE(in->code) == XBPF_H ? 2 : 4;
	if (p->prog_type == XBPF_PROG_TYPE_XDP || XBPF_CLASS(in->code) != XBPF_LDX ||
	    in->src_reg != 6 || size >= 4)
		return false;
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (in->off > f[i].off && in->off < f[i].off + 4 && size >= f[i].backing)
			return true;
	return false;
}

/* Helpers whose answers depend on the time, randomness or the kernel's own memory, ring
 * buffer reservations (a reserved record starts as whatever the ring held before, on
 * either side) and skb_quirk_load(): not compared. bpf_ringbuf_output's records are. */
static bool exec_comparable(const struct vf_prog *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct xbpf_insn *in = &p->insn[i];
		if (skb_quirk_load(p, in))
			return false;
		if (in->code != (XBPF_JMP | XBPF_CALL) || in->src_reg != 0)
			continue;
		switch (in->imm) {
		case 5: case 7: case 113: case 131: case 132: case 133:
			return false;
		}
	}
	return true;
}

static void hex(const uint8_t *b, size_t n, char *out, size_t sz)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 3 < sz; i++)
		k += (size_t)snprintf(out + k, sz - k, "%02x", b[i]);
	out[k] = '\0';
}

/* Keys in map i of one side (up to 64). */
static unsigned key_count(struct vf_oracle *o, bool kernel, int i)
{
	uint64_t key = 0, next = 0;
	unsigned n = 0;
	for (void *prev = NULL; !side_next_key(o, kernel, i, prev, &next) && n < 64; prev = &key)
		key = next, n++;
	return n;
}

/* Every key of every map (but the ring buffer): the same keys, the same values? */
static bool maps_differ(struct vf_oracle *o, char *msg, size_t msz)
{
	for (int i = 0; i < VF_NMAPS; i++) {
		const struct vf_map_desc *d = &vf_maps[i];
		if (d->type == XBPF_MAP_TYPE_RINGBUF)
			continue;
		uint64_t key = 0, next = 0; /* keys of 4 bytes keep the upper half 0 */
		uint8_t kv[64], xv[64];
		char a[130], b[130];
		unsigned n = 0;
		for (void *prev = NULL; !side_next_key(o, true, i, prev, &next) && n < 64;
		     prev = &key, n++) {
			key = next;
			int ke = side_lookup(o, true, i, &key, kv);
			int xe = side_lookup(o, false, i, &key, xv);
			if (ke || xe || memcmp(kv, xv, d->value_size)) {
				hex(kv, d->value_size, a, sizeof a);
				hex(xv, d->value_size, b, sizeof b);
				snprintf(msg, msz, "map %d key %llu: kernel %s, xbpf %s", i,
					 (unsigned long long)key, ke ? "absent" : a, xe ? "absent" : b);
				return true;
			}
		}
		unsigned xn = key_count(o, false, i);
		if (n != xn) {
			snprintf(msg, msz, "map %d: kernel has %u keys, xbpf %u", i, n, xn);
			return true;
		}
	}
	return false;
}

/* What the kernel's run gave. */
struct vf_kernel_run {
	int err;
	uint32_t retval, size;
	uint8_t out[1024];
	struct xbpf_sk_buff ctx; /* ctx_out of skb programs */
	struct vf_records rec;   /* ring buffer records */
};

/* Consume the records one side's run produced into r (NULL: drop them). */
static void take_records(struct vf_oracle *o, bool kernel, struct vf_records *r)
{
	if (r)
		r->len = 0, r->n = 0;
	o->sink = r;
	if (kernel)
		ring_buffer__consume(o->krb);
	else
		xbpf_ring_buffer__consume(o->xrb);
	o->sink = NULL;
}

/* The input on xbpf's side with `engine`, compared with the kernel's run k (whose maps are
 * still as that run left them); true when they differ (described in msg). */
static bool exec_side(struct vf_oracle *o, const struct vf_prog *p, struct xbpf_prog *xp,
		      enum xbpf_engine engine, const struct vf_input *in,
		      const struct vf_kernel_run *k, char *msg, size_t msz)
{
	static uint8_t xout[1024];
	static struct xbpf_sk_buff xctx;
	static struct vf_records xrec;
	const char *en = engine == XBPF_ENGINE_JIT ? "JIT" : "interpreter";
	apply_maps(o, false, in);
	take_records(o, false, NULL);
	char log[256] = "", a[80], b[80];
	struct xbpf_test_run_opts xt = {.sz = sizeof xt, .data_in = in->pkt,
					.data_size_in = in->len, .data_out = xout,
					.data_size_out = sizeof xout, .engine = engine,
					.log_buf = log, .log_size = sizeof log};
	bool skb = p->prog_type != XBPF_PROG_TYPE_XDP;
	if (skb) {
		xt.ctx_in = &in->skb;
		xt.ctx_size_in = sizeof in->skb;
		xt.ctx_out = &xctx;
		xt.ctx_size_out = sizeof xctx;
	}
	int xe = xbpf_prog__test_run(xp, &xt);
	take_records(o, false, &xrec);
	if (k->err || xe) {
		if (k->err != xe) {
			hex(in->pkt, in->len < 24 ? in->len : 24, a, sizeof a);
			snprintf(msg, msz, "test run: kernel %d, xbpf %s %d %s (packet of %u bytes: "
				 "%s..., mark %u, priority %u)", k->err, en, xe, log, in->len, a,
				 in->skb.mark, in->skb.priority);
		}
		return k->err != xe;
	}
	if ((uint32_t)xt.retval != k->retval) {
		snprintf(msg, msz, "return value: kernel %u, xbpf %s %u", k->retval, en,
			 (uint32_t)xt.retval);
		return true;
	}
	if (k->size != xt.data_size_out || memcmp(k->out, xout, k->size)) {
		uint32_t n = k->size < xt.data_size_out ? k->size : xt.data_size_out, at = 0;
		while (at < n && k->out[at] == xout[at])
			at++;
		uint32_t w = n - at < 16 ? n - at : 16;
		hex(k->out + at, w, a, sizeof a);
		hex(xout + at, w, b, sizeof b);
		snprintf(msg, msz, "output packet: kernel %u bytes, xbpf %s %u; from byte %u kernel "
			 "%s, xbpf %s", k->size, en, xt.data_size_out, at, a, b);
		return true;
	}
	if (skb && memcmp(&k->ctx, &xctx, sizeof xctx)) {
		unsigned at = 0;
		while (((const uint8_t *)&k->ctx)[at] == ((const uint8_t *)&xctx)[at])
			at++;
		snprintf(msg, msz, "__sk_buff after the run differs at offset %u: kernel %08x, "
			 "xbpf %s %08x", at & ~3u, ((const uint32_t *)&k->ctx)[at / 4], en,
			 ((const uint32_t *)&xctx)[at / 4]);
		return true;
	}
	if (xrec.n != k->rec.n || xrec.len != k->rec.len || memcmp(xrec.buf, k->rec.buf, xrec.len)) {
		snprintf(msg, msz, "ring buffer: kernel %d records (%zu bytes), xbpf %s %d (%zu)",
			 k->rec.n, k->rec.len, en, xrec.n, xrec.len);
		return true;
	}
	if (maps_differ(o, msg, msz)) {
		size_t l = strlen(msg);
		snprintf(msg + l, msz - l, " (%s)", en);
		return true;
	}
	return false;
}

/* One input in the kernel, then in xbpf's JIT and interpreter (both as verified code);
 * true when a result differs (described in msg). */
static bool exec_once(struct vf_oracle *o, const struct vf_prog *p, int kfd,
		      struct xbpf_prog *xp, int *records, char *msg, size_t msz)
{
	static struct vf_input in;
	static struct vf_kernel_run k;
	make_input(o, &in);
	apply_maps(o, true, &in);
	take_records(o, true, NULL);
	LIBBPF_OPTS(bpf_test_run_opts, kt, .data_in = in.pkt, .data_size_in = in.len,
		    .data_out = k.out, .data_size_out = sizeof k.out, .repeat = 1);
	if (p->prog_type != XBPF_PROG_TYPE_XDP) {
		kt.ctx_in = &in.skb;
		kt.ctx_size_in = sizeof in.skb;
		kt.ctx_out = &k.ctx;
		kt.ctx_size_out = sizeof k.ctx;
	}
	k.err = bpf_prog_test_run_opts(kfd, &kt);
	take_records(o, true, &k.rec);
	*records += k.rec.n;
	k.retval = kt.retval;
	k.size = kt.data_size_out;
	return exec_side(o, p, xp, XBPF_ENGINE_JIT, &in, &k, msg, msz) ||
	       exec_side(o, p, xp, XBPF_ENGINE_INTERP, &in, &k, msg, msz);
}

static void exec_compare(struct vf_oracle *o, const struct vf_prog *p, int kfd, int runs,
			 struct vf_result *r)
{
	char log[256] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .log_buf = log, .log_size = sizeof log,
					 .maps = o->xm, .map_cnt = VF_NMAPS,
					 .flags = XBPF_PROG_F_NO_CHECKS | XBPF_PROG_F_VERIFIED,
					 .engine = XBPF_ENGINE_JIT, .prog_type = p->prog_type,
					 .name = "vfuzz"};
	struct xbpf_prog *xp = xbpf_prog__load(o->vm, p->insn, p->n, &lo);
	if (!xp) {
		r->exec_mismatch++;
		snprintf(r->exec_msg, sizeof r->exec_msg, "JIT load: %s", log);
		return;
	}
	for (int i = 0; i < runs; i++) {
		char msg[256];
		r->exec_runs++;
		if (exec_once(o, p, kfd, xp, &r->exec_records, msg, sizeof msg) &&
		    !r->exec_mismatch++)
			snprintf(r->exec_msg, sizeof r->exec_msg, "%s", msg);
	}
	xbpf_prog__free(xp);
}

void vf_check(struct vf_oracle *o, const struct vf_prog *p, int runs, struct vf_result *r)
{
	memset(r, 0, sizeof *r);
	int kfd = -1;
	r->kernel_err = kernel_load(o, p, r->kmsg, sizeof r->kmsg, &kfd);
	bool uninit = false;
	r->xbpf_err = xbpf_check(o, p, r->xmsg, sizeof r->xmsg, &r->xbpf_bad, &uninit);
	bool ka = r->kernel_err == 0, xa = r->xbpf_err == 0;
	r->cls = r->xbpf_bad ? VF_XBPF_NO_ANSWER : ka && xa ? VF_BOTH_ACCEPT
		 : !ka && !xa ? VF_BOTH_REJECT : xa ? VF_XBPF_ONLY : VF_KERNEL_ONLY;
	r->kcat = "";
	if (!ka)
		classify_kernel(r->kmsg, p->prog_type, r);
	if (xa && runs > 0)
		run_xbpf(o, p, runs, r);
	/* a read of uninitialised stack gives the kernel's garbage: nothing to compare */
	if (ka && xa && runs > 0 && !r->faults && !uninit && exec_comparable(p))
		exec_compare(o, p, kfd, runs, r);
	if (kfd >= 0)
		close(kfd);
}

/* ---- statistics -------------------------------------------------------------------- */
/* "R2 invalid mem access 'scalar' (insn 41)" -> "RN invalid mem access 'scalar'" */
static void normalise(const char *in, char *out, size_t sz)
{
	size_t k = 0;
	for (size_t i = 0; in[i] && k + 1 < sz; i++) {
		if (in[i] == '(' && !strncmp(in + i, "(insn", 5))
			break;
		if (isdigit((unsigned char)in[i])) {
			if (k == 0 || out[k - 1] != 'N')
				out[k++] = 'N';
			continue;
		}
		out[k++] = in[i];
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

static void count_cat(struct vf_stats *s, bool xside, const char *name)
{
	int *n = xside ? &s->nx : &s->nk;
	struct vf_cat *c = xside ? s->xcats : s->kcats;
	for (int i = 0; i < *n; i++)
		if (!strcmp(c[i].name, name)) {
			c[i].count++;
			return;
		}
	if (*n < VF_NCATS) {
		snprintf(c[*n].name, sizeof c[*n].name, "%s", name);
		c[(*n)++].count = 1;
	}
}

char *vf_disasm(const struct vf_prog *p)
{
	return xbpf_disasm(p->insn, p->n, XBPF_SYNTAX_KERNEL, false, NULL);
}

static void add_example(struct vf_stats *s, const struct vf_prog *p, const struct vf_result *r,
			uint64_t seed, uint64_t idx)
{
	int c = r->cls;
	if (s->nexamples[c] >= VF_EXAMPLES)
		return;
	static const char *tn[] = {[1] = "socket_filter", [3] = "tc", [6] = "xdp"};
	char *text = vf_disasm(p), *ex = NULL;
	if (asprintf(&ex, "seed %llu index %llu (%s, %zu insns) [%s]\n  xbpf: %s\n  kernel: %s "
		     "[%s]\n  runtime: %d runs, %d faults%s%s\n  kernel vs xbpf: %d runs, %d differ"
		     "%s%s\n%s",
		     (unsigned long long)seed, (unsigned long long)idx, tn[p->prog_type % 7], p->n,
		     p->desc, r->xbpf_err ? r->xmsg : "accept", r->kernel_err ? r->kmsg : "accept",
		     r->kcat, r->runs, r->faults, r->faults ? ": " : "", r->faults ? r->fault_msg : "",
		     r->exec_runs, r->exec_mismatch, r->exec_mismatch ? ": " : "",
		     r->exec_mismatch ? r->exec_msg : "",
		     (c == VF_XBPF_ONLY || c == VF_XBPF_NO_ANSWER || r->exec_mismatch) && text ? text
											      : "") >= 0)
		s->examples[c][s->nexamples[c]++] = ex;
	free(text);
}

void vf_stats_add(struct vf_stats *s, const struct vf_prog *p, const struct vf_result *r,
		  uint64_t seed, uint64_t idx)
{
	char norm[96];
	s->total++;
	s->cls[r->cls]++;
	s->buggy += p->bugs != 0;
	s->buggy_kernel_accept += p->bugs && !r->kernel_err;
	s->xbpf_hang += r->xbpf_bad == VF_XBPF_HANG;
	s->xbpf_crash += r->xbpf_bad == VF_XBPF_CRASH;
	if (r->faults && r->cls != VF_XBPF_ONLY)
		s->accepted_fault++;
	s->exec_programs += r->exec_runs > 0;
	s->exec_runs += (unsigned long)r->exec_runs;
	s->exec_mismatch += r->exec_mismatch != 0;
	s->exec_records += (unsigned long)r->exec_records;
	if (r->cls == VF_XBPF_ONLY) {
		s->xonly_safety += r->kcat_safety;
		s->xonly_fault += r->faults != 0;
		snprintf(norm, sizeof norm, "%s: ", r->kcat);
		normalise(r->kmsg, norm + strlen(norm), sizeof norm - strlen(norm));
		count_cat(s, false, norm);
	} else if (r->cls == VF_KERNEL_ONLY) {
		normalise(r->xmsg, norm, sizeof norm);
		count_cat(s, true, norm);
	}
	if (r->cls == VF_XBPF_ONLY || r->cls == VF_KERNEL_ONLY || r->faults || r->xbpf_bad ||
	    r->exec_mismatch)
		add_example(s, p, r, seed, idx);
}

static void print_cats(FILE *f, const char *title, const struct vf_cat *c, int n)
{
	if (!n)
		return;
	fprintf(f, "%s\n", title);
	bool done[VF_NCATS] = {false};
	for (int k = 0; k < n; k++) { /* by count, largest first */
		int best = -1;
		for (int i = 0; i < n; i++)
			if (!done[i] && (best < 0 || c[i].count > c[best].count))
				best = i;
		done[best] = true;
		fprintf(f, "  %6lu  %s\n", c[best].count, c[best].name);
	}
}

void vf_stats_print(const struct vf_stats *s, FILE *f)
{
	static const char *names[VF_NCLASS] = {"both accept", "both reject",
		"xbpf-only accept (POTENTIAL UNSOUNDNESS)", "kernel-only accept (precision gap)",
		"xbpf_verify hung or crashed"};
	fprintf(f, "vfuzz: %lu programs (%lu with a deliberate bug, %lu of those kernel-accepted)\n",
		s->total, s->buggy, s->buggy_kernel_accept);
	for (int c = 0; c < VF_NCLASS; c++)
		fprintf(f, "  %-42s %6lu\n", names[c], s->cls[c]);
	fprintf(f, "  xbpf-only accepts: %lu with a memory-safety kernel reason, %lu faulted at "
		"run time\n", s->xonly_safety, s->xonly_fault);
	fprintf(f, "  both-accepted programs that faulted at run time: %lu\n", s->accepted_fault);
	fprintf(f, "  kernel vs JIT and interpreter (verified code, no checks): %lu programs, "
		"%lu runs (%lu ring buffer records), %lu programs differ\n", s->exec_programs,
		s->exec_runs, s->exec_records, s->exec_mismatch);
	fprintf(f, "  xbpf verifier hangs (no answer in 5 s): %lu, crashes: %lu\n", s->xbpf_hang,
		s->xbpf_crash);
	print_cats(f, "xbpf-only accepts by the kernel's reason:", s->kcats, s->nk);
	print_cats(f, "kernel-only accepts by xbpf's reason:", s->xcats, s->nx);
	for (int c = 0; c < VF_NCLASS; c++)
		for (int i = 0; i < s->nexamples[c]; i++)
			fprintf(f, "--- %s example %d: %s\n", names[c], i + 1, s->examples[c][i]);
}

void vf_stats_free(struct vf_stats *s)
{
	for (int c = 0; c < VF_NCLASS; c++)
		for (int i = 0; i < s->nexamples[c]; i++)
			free(s->examples[c][i]);
	memset(s, 0, sizeof *s);
}
