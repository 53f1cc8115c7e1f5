/* test_loader.c - the object loader on small objects compiled from tests/progs-loader/:
 * one test per relocation kind (map, global data of each section kind, string literals,
 * callbacks, static and global bpf-to-bpf calls, shared subprograms), per map definition
 * style (legacy 28- and 36-byte definitions, BTF .maps with types or sizes, flags,
 * pinning, map-in-map and program-array initial slots, .kconfig), line info, section
 * conventions, API errors, and loading into a VM.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "xbpf/xbpf.h"
#include "xbpf/object.h"
#include "xbpf/map.h"
#include "t.h"

#define OBJ(name) XBPF_BUILD_DIR "/progs-loader/" name ".bpf.o"

static struct xbpf_object *open_obj(const char *path)
{
	struct xbpf_object *obj = xbpf_object__open_file(path, NULL);
	if (!obj)
		fprintf(stderr, "%s: %s\n", path, xbpf_object__last_error());
	return obj;
}

/* open_obj() of an object that must open (a failed check otherwise). */
static struct xbpf_object *must_open(const char *path)
{
	struct xbpf_object *obj = open_obj(path);
	T_CHECK(obj);
	return obj;
}

/* Load without the verifier; the loader's message printed on failure. */
static int load_trusted(struct xbpf_object *obj)
{
	struct xbpf_object_load_opts lo = {.sz = sizeof(lo), .no_verify = true};
	int err = xbpf_object__load(obj, &lo);
	if (err)
		fprintf(stderr, "load: %s\n", xbpf_object__last_error());
	return err;
}

#define ANY UINT32_MAX
/* m exists with this type, key size, value size and max_entries (ANY: not checked);
 * prints what differs. */
static bool map_shape(const struct xbpf_object_map *m, uint32_t type, uint32_t ks,
		      uint32_t vs, uint32_t max)
{
	if (!m)
		return false;
	uint32_t got[4] = {xbpf_object_map__type(m), xbpf_object_map__key_size(m),
			   xbpf_object_map__value_size(m), xbpf_object_map__max_entries(m)};
	uint32_t want[4] = {type, ks, vs, max};
	bool ok = true;
	for (int i = 0; i < 4; i++)
		if (want[i] != ANY && got[i] != want[i]) {
			fprintf(stderr, "map %s: %s %u, expected %u\n", xbpf_object_map__name(m),
				(const char *[]){"type", "key_size", "value_size",
						 "max_entries"}[i], got[i], want[i]);
			ok = false;
		}
	return ok;
}

/* Index of the first instruction after `from` that is lddw with src_reg `src`. */
static long find_lddw(const struct xbpf_program *p, size_t from, int src)
{
	const struct xbpf_insn *in = xbpf_program__insns(p);
	for (size_t i = from; i + 1 < xbpf_program__insn_cnt(p); i++)
		if (in[i].code == (XBPF_LD | XBPF_IMM | XBPF_DW)) {
			if (in[i].src_reg == src)
				return i;
			i++;
		}
	return -1;
}

/* The map value bytes a src=6 lddw at `i` points to; *rem: bytes from there to the end. */
static const uint8_t *lddw_value(const struct xbpf_program *p, long i, const char **map,
				 size_t *rem)
{
	const struct xbpf_insn *in = xbpf_program__insns(p);
	struct xbpf_object_map *m = xbpf_program__map(p, in[i].imm);
	if (!m)
		return NULL;
	*map = xbpf_object_map__name(m);
	size_t sz;
	const uint8_t *v = xbpf_object_map__initial_value(m, &sz);
	if (!v || (size_t)in[i + 1].imm >= sz)
		return NULL;
	*rem = sz - in[i + 1].imm;
	return v + in[i + 1].imm;
}

static void test_map_reloc(void)
{
	struct xbpf_object *obj = must_open(OBJ("reloc_kinds"));
	if (!obj)
		return;
	struct xbpf_program *p = xbpf_object__find_program_by_name(obj, "prog_xdp");
	T_CHECK(p);
	long i = find_lddw(p, 0, XBPF_PSEUDO_MAP_IDX);
	T_CHECK(i >= 0);
	struct xbpf_object_map *m = xbpf_program__map(p, xbpf_program__insns(p)[i].imm);
	T_CHECK(map_shape(m, XBPF_MAP_TYPE_HASH, 4, 8, 16));
	T_STREQ(m ? xbpf_object_map__name(m) : NULL, "counters");
	xbpf_object__close(obj);
}

/* Global data of every kind: each src=6 lddw points at the variable's initial value. */
static void test_data_reloc(void)
{
	struct xbpf_object *obj = must_open(OBJ("reloc_kinds"));
	if (!obj)
		return;
	bool seen_data = false, seen_ro = false, seen_custom = false, seen_bss = false,
	     seen_str = false;
	for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));)
		for (long i = -1; (i = find_lddw(p, i + 1, XBPF_PSEUDO_MAP_IDX_VALUE)) >= 0;) {
			const char *map = "";
			size_t rem = 0;
			const uint8_t *v = lddw_value(p, i, &map, &rem);
			T_CHECK(v);
			if (!v)
				continue;
			uint64_t u64 = 0;
			uint32_t u32 = 0;
			memcpy(&u64, v, rem < 8 ? rem : 8);
			memcpy(&u32, v, rem < 4 ? rem : 4);
			if (!strcmp(map, ".data"))
				seen_data |= u64 == 0x1122334455667788ull;
			else if (!strcmp(map, ".data.custom"))
				seen_custom |= u32 == 0x5a5a5a5a;
			else if (!strcmp(map, ".bss"))
				seen_bss |= u32 == 0;
			else if (!strncmp(map, ".rodata", 7)) {
				seen_ro |= u32 == 0xabcdef01;
				seen_str |= rem >= 9 && !memcmp(v, "hello %d", 9);
			}
		}
	T_CHECK(seen_data);
	T_CHECK(seen_ro);
	T_CHECK(seen_custom);
	T_CHECK(seen_bss);
	T_CHECK(seen_str);
	struct xbpf_object_map *ro = xbpf_object__find_map_by_name(obj, ".rodata");
	T_CHECK(ro && (xbpf_object_map__flags(ro) & XBPF_F_RDONLY_PROG));
	T_EQ(xbpf_object_map__origin(ro), XBPF_MAP_ORIGIN_DATA);
	xbpf_object__close(obj);
}

/* Target of a pc-relative reference at i: a function start of the linked program. */
static const char *target_func(const struct xbpf_program *p, long i)
{
	long t = i + 1 + xbpf_program__insns(p)[i].imm;
	if (t < 0 || (size_t)t >= xbpf_program__insn_cnt(p))
		return NULL;
	const char *f = xbpf_program__func_name(p, t);
	/* must be the first instruction of that function */
	if (t > 0 && f && xbpf_program__func_name(p, t - 1) == f)
		return "(middle)";
	return f;
}

static void test_call_and_callback_reloc(void)
{
	struct xbpf_object *obj = must_open(OBJ("reloc_kinds"));
	if (!obj)
		return;
	struct xbpf_program *p = xbpf_object__find_program_by_name(obj, "prog_xdp");
	const struct xbpf_insn *in = xbpf_program__insns(p);
	T_CHECK(xbpf_program__insn_cnt(p) > xbpf_program__main_insn_cnt(p));
	bool add_global = false, add_static = false;
	for (size_t i = 0; i < xbpf_program__insn_cnt(p); i++)
		if (in[i].code == (XBPF_JMP | XBPF_CALL) && in[i].src_reg == XBPF_PSEUDO_CALL) {
			const char *f = target_func(p, i);
			T_CHECK(f);
			add_global |= f && !strcmp(f, "add_global");
			add_static |= f && !strcmp(f, "add_static");
		}
	T_CHECK(add_global);
	T_CHECK(add_static);
	long cb = find_lddw(p, 0, XBPF_PSEUDO_FUNC);
	T_CHECK(cb >= 0);
	if (cb >= 0)
		T_STREQ(target_func(p, cb), "loop_cb");
	/* the tc program shares add_global/add_static but not the callback */
	struct xbpf_program *tc = xbpf_object__find_program_by_section(obj, "tc");
	T_CHECK(tc);
	T_STREQ(xbpf_program__name(tc), "prog_tc");
	T_EQ(xbpf_program__type(tc), XBPF_PROG_TYPE_SCHED_CLS);
	T_EQ(find_lddw(tc, 0, XBPF_PSEUDO_FUNC), -1);
	T_CHECK(xbpf_program__insn_cnt(tc) > xbpf_program__main_insn_cnt(tc));
	xbpf_object__close(obj);
}

static void test_line_info(void)
{
	struct xbpf_object *obj = must_open(OBJ("reloc_kinds"));
	if (!obj)
		return;
	struct xbpf_program *p = xbpf_object__find_program_by_name(obj, "prog_xdp");
	struct xbpf_line_info li;
	T_EQ(xbpf_program__line_info(p, 0, &li), 0);
	T_CONTAINS(li.file, "reloc_kinds.bpf.c");
	T_CONTAINS(li.line, "prog_xdp");
	T_CHECK(li.line_num > 10);
	/* an instruction of an appended callee maps to its own source */
	const struct xbpf_insn *in = xbpf_program__insns(p);
	long cb = find_lddw(p, 0, XBPF_PSEUDO_FUNC);
	if (cb >= 0) {
		T_EQ(xbpf_program__line_info(p, cb + 1 + in[cb].imm, &li), 0);
		T_CONTAINS(li.line, "idx");
	}
	T_EQ(xbpf_program__line_info(p, 100000, &li), -ENOENT);
	xbpf_object__close(obj);
}

static void test_legacy_maps(void)
{
	struct xbpf_object *obj = must_open(OBJ("legacy_maps"));
	if (!obj)
		return;
	T_EQ(xbpf_object__map_cnt(obj), 3);
	struct xbpf_object_map *h = xbpf_object__find_map_by_name(obj, "my_hash");
	struct xbpf_object_map *a = xbpf_object__find_map_by_name(obj, "my_array");
	struct xbpf_object_map *o = xbpf_object__find_map_by_name(obj, "my_outer");
	T_CHECK(h && a && o);
	T_CHECK(map_shape(h, XBPF_MAP_TYPE_HASH, ANY, 8, 32));
	T_CHECK(map_shape(a, ANY, ANY, 16, ANY));
	T_EQ(xbpf_object_map__origin(a), XBPF_MAP_ORIGIN_LEGACY);
	T_CHECK(xbpf_object_map__inner(o) == a);
	T_STREQ(xbpf_object__license(obj), "GPL");
	T_EQ(xbpf_object__kversion(obj), 0x050a00);
	struct xbpf_program *p = xbpf_object__find_program_by_section(obj, "socket1");
	T_CHECK(p);
	T_EQ(xbpf_program__type(p), XBPF_PROG_TYPE_SOCKET_FILTER);
	T_EQ(xbpf_program__map_cnt(p), 2);
	T_CHECK(xbpf_program__map(p, 0) == h);
	T_CHECK(xbpf_program__map(p, 1) == a);
	p = xbpf_object__find_program_by_name(obj, "kp");
	T_EQ(xbpf_program__type(p), XBPF_PROG_TYPE_KPROBE);
	T_STREQ(xbpf_program__attach_target(p), "sys_write");
	xbpf_object__close(obj);
}

static void test_legacy20(void)
{
	struct xbpf_object *obj = must_open(OBJ("legacy20"));
	if (!obj)
		return;
	struct xbpf_object_map *m = xbpf_object__find_map_by_name(obj, "small");
	T_CHECK(map_shape(m, XBPF_MAP_TYPE_PERCPU_HASH, 8, 4, 64));
	T_EQ(xbpf_object_map__flags(m), XBPF_F_NO_PREALLOC);
	T_CHECK(map_shape(xbpf_object__find_map_by_name(obj, "queue"), XBPF_MAP_TYPE_QUEUE, ANY,
			  ANY, ANY));
	struct xbpf_program *p = xbpf_object__find_program_by_name(obj, "legacy_xdp");
	T_CHECK(p);
	T_EQ(xbpf_program__type(p), XBPF_PROG_TYPE_XDP);
	T_EQ(xbpf_object__program_cnt(obj), 1);
	T_EQ(xbpf_program__map_cnt(p), 2); /* the callee's map joins the table */
	bool call = false;
	const struct xbpf_insn *in = xbpf_program__insns(p);
	for (size_t i = 0; i < xbpf_program__insn_cnt(p); i++)
		if (in[i].code == (XBPF_JMP | XBPF_CALL) && in[i].src_reg == XBPF_PSEUDO_CALL)
			call |= target_func(p, i) && !strcmp(target_func(p, i), "helper_fn");
	T_CHECK(call);
	int err = load_trusted(obj);
	T_EQ(err, 0);
	xbpf_object__close(obj);
}

static void test_legacy_iproute2(void)
{
	struct xbpf_object *obj = must_open(OBJ("legacy_iproute2"));
	if (!obj)
		return;
	struct xbpf_object_map *c = xbpf_object__find_map_by_name(obj, "calls");
	T_CHECK(map_shape(c, XBPF_MAP_TYPE_PROG_ARRAY, ANY, ANY, 8));
	T_EQ(xbpf_object_map__pinning(c), 2);
	struct xbpf_object_map *s = xbpf_object__find_map_by_name(obj, "stats");
	T_EQ(xbpf_object_map__type(s), XBPF_MAP_TYPE_PERCPU_ARRAY);
	static const char *const secs[] = {"2/1", "from-netdev", "classifier"};
	for (int i = 0; i < 3; i++) {
		struct xbpf_program *p = xbpf_object__find_program_by_section(obj, secs[i]);
		T_CHECK(p);
		if (p)
			T_EQ(xbpf_program__type(p), XBPF_PROG_TYPE_SCHED_CLS);
	}
	/* iproute2 convention: the program of section "2/1" fills slot 1 of map id 2 */
	int err = load_trusted(obj);
	T_EQ(err, 0);
	if (!err) {
		uint32_t key = 1, id = 0;
		T_EQ(xbpf_map__lookup_elem(xbpf_object_map__map(c), &key, &id), 0);
		key = 2;
		T_EQ(xbpf_map__lookup_elem(xbpf_object_map__map(c), &key, &id), -ENOENT);
	}
	xbpf_object__close(obj);
	/* samples/bpf convention: "socket/N" fills slot N of the (last) program array */
	obj = open_obj(XBPF_SHARED_DIR "/ebpf-samples/linux/sockex3_kern.o");
	if (!obj)
		return;
	err = load_trusted(obj);
	T_EQ(err, 0);
	struct xbpf_map *jmp = xbpf_object_map__map(xbpf_object__find_map_by_name(obj, "jmp_table"));
	for (uint32_t key = 0; !err && key < 8; key++) {
		uint32_t id;
		T_EQ(xbpf_map__lookup_elem(jmp, &key, &id), key <= 4 ? 0 : -ENOENT);
	}
	xbpf_object__close(obj);
}

static void test_btf_maps(void)
{
	struct xbpf_object *obj = must_open(OBJ("btf_maps"));
	if (!obj)
		return;
	struct xbpf_object_map *outer = xbpf_object__find_map_by_name(obj, "outer");
	T_CHECK(map_shape(outer, XBPF_MAP_TYPE_ARRAY_OF_MAPS, ANY, 4, 4));
	T_CHECK(map_shape(outer ? xbpf_object_map__inner(outer) : NULL, XBPF_MAP_TYPE_ARRAY, ANY,
			  4, 2));
	struct xbpf_object_map *s = xbpf_object__find_map_by_name(obj, "sized");
	T_CHECK(map_shape(s, XBPF_MAP_TYPE_LRU_HASH, 8, 24, ANY));
	T_EQ(xbpf_object_map__flags(s), XBPF_F_NO_COMMON_LRU);
	T_EQ(xbpf_object_map__pinning(s), 1);
	T_CHECK(map_shape(xbpf_object__find_map_by_name(obj, "events"), XBPF_MAP_TYPE_RINGBUF,
			  ANY, ANY, 4096));
	T_CHECK(map_shape(xbpf_object__find_map_by_name(obj, "jumps"), XBPF_MAP_TYPE_PROG_ARRAY,
			  4, 4, ANY));
	T_EQ(xbpf_object__program_cnt(obj), 2);
	xbpf_object__close(obj);
}

static void test_kconfig(void)
{
	struct xbpf_object *obj = must_open(OBJ("kconfig"));
	if (!obj)
		return;
	struct xbpf_object_map *k = xbpf_object__find_map_by_name(obj, ".kconfig");
	T_CHECK(k);
	size_t sz = 0;
	const uint8_t *v = k ? xbpf_object_map__initial_value(k, &sz) : NULL;
	T_CHECK(v && sz >= 8);
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;
	uname(&u);
	sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	uint32_t ver, weak;
	if (v && sz >= 8) {
		memcpy(&ver, v, 4);
		memcpy(&weak, v + 4, 4);
		T_EQ(ver, (a << 16) | (b << 8) | (c > 255 ? 255 : c));
		T_EQ(weak, 0);
	}
	struct xbpf_program *p = xbpf_object__find_program_by_name(obj, "kc");
	T_EQ(xbpf_program__type(p), XBPF_PROG_TYPE_SYSCALL);
	T_CHECK(find_lddw(p, 0, XBPF_PSEUDO_MAP_IDX_VALUE) >= 0);
	xbpf_object__close(obj);
	/* a non-weak extern without a value: opens, cannot load, names the extern */
	obj = must_open(OBJ("kconfig_strong"));
	if (!obj)
		return;
	struct xbpf_object_load_opts lo = {.sz = sizeof(lo), .no_verify = true};
	T_CHECK(xbpf_object__load(obj, &lo) < 0);
	T_CONTAINS(xbpf_object__last_error(), "CONFIG_XBPF_DOES_NOT_EXIST");
	xbpf_object__close(obj);
}

static void test_sections(void)
{
	static const struct { const char *sec; int type; } cases[] = {
		{"xdp", XBPF_PROG_TYPE_XDP}, {"xdp.frags", XBPF_PROG_TYPE_XDP},
		{"xdp_fwd", XBPF_PROG_TYPE_XDP}, {"tc", XBPF_PROG_TYPE_SCHED_CLS},
		{"classifier", XBPF_PROG_TYPE_SCHED_CLS}, {"action", XBPF_PROG_TYPE_SCHED_ACT},
		{"socket", XBPF_PROG_TYPE_SOCKET_FILTER}, {"socket3", XBPF_PROG_TYPE_SOCKET_FILTER},
		{"tracepoint/syscalls/x", XBPF_PROG_TYPE_TRACEPOINT},
		{"tp/a/b", XBPF_PROG_TYPE_TRACEPOINT}, {"raw_tp/x", XBPF_PROG_TYPE_RAW_TRACEPOINT},
		{"raw_tracepoint/x", XBPF_PROG_TYPE_RAW_TRACEPOINT},
		{"kprobe/f", XBPF_PROG_TYPE_KPROBE}, {"kretprobe/f", XBPF_PROG_TYPE_KPROBE},
		{"uprobe/f", XBPF_PROG_TYPE_KPROBE}, {"uretprobe/f", XBPF_PROG_TYPE_KPROBE},
		{"fentry/f", XBPF_PROG_TYPE_TRACING}, {"fexit/f", XBPF_PROG_TYPE_TRACING},
		{"syscall", XBPF_PROG_TYPE_SYSCALL}, {"cgroup_skb/egress", XBPF_PROG_TYPE_CGROUP_SKB},
		{"cgroup/sock", XBPF_PROG_TYPE_CGROUP_SOCK},
		{"cgroup/connect4", XBPF_PROG_TYPE_CGROUP_SOCK_ADDR},
		{"sockops", XBPF_PROG_TYPE_SOCK_OPS}, {"sk_skb/stream_parser", XBPF_PROG_TYPE_SK_SKB},
		{"sk_msg", XBPF_PROG_TYPE_SK_MSG}, {"lwt_in", XBPF_PROG_TYPE_LWT_IN},
		{"perf_event", XBPF_PROG_TYPE_PERF_EVENT}, {"lsm/file_open", XBPF_PROG_TYPE_LSM},
		{"iter/task", XBPF_PROG_TYPE_TRACING}, {"struct_ops/x", XBPF_PROG_TYPE_STRUCT_OPS},
		{"2/7", XBPF_PROG_TYPE_SCHED_CLS}, {"1/0x1010", XBPF_PROG_TYPE_SCHED_CLS},
		{"from-container", XBPF_PROG_TYPE_SCHED_CLS}, {"to-host", XBPF_PROG_TYPE_SCHED_CLS},
		{"tail-3", XBPF_PROG_TYPE_SCHED_CLS},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum xbpf_prog_type t;
		T_EQ(xbpf_section__prog_type(cases[i].sec, &t), 0);
		if ((int)t != cases[i].type)
			fprintf(stderr, "section %s\n", cases[i].sec);
		T_EQ(t, cases[i].type);
	}
	enum xbpf_prog_type t;
	T_EQ(xbpf_section__prog_type("no_such_convention", &t), -ENOENT);
	T_STREQ(xbpf_prog_type__name(XBPF_PROG_TYPE_SCHED_CLS), "sched_cls");
	T_STREQ(xbpf_prog_type__name(XBPF_PROG_TYPE_XDP), "xdp");
	T_CHECK(xbpf_prog_type__name(9999) == NULL);
}

static void test_errors(void)
{
	errno = 0;
	T_CHECK(!xbpf_object__open_file("/nonexistent/x.o", NULL));
	T_EQ(errno, ENOENT);
	T_CONTAINS(xbpf_object__last_error(), "/nonexistent/x.o");
	char log[256] = "";
	struct xbpf_object_open_opts o = {.sz = sizeof(o), .log_buf = log, .log_size = sizeof(log)};
	T_CHECK(!xbpf_object__open_mem("hello", 5, &o));
	T_EQ(errno, EINVAL);
	T_CHECK(log[0]);
	T_CHECK(!xbpf_object__open_mem(NULL, 0, NULL));
	struct xbpf_object *obj = must_open(OBJ("reloc_kinds"));
	if (!obj)
		return;
	T_CHECK(!xbpf_object__find_program_by_name(obj, "nope"));
	T_CHECK(!xbpf_object__find_map_by_name(obj, "nope"));
	T_CHECK(!xbpf_object__find_program_by_section(obj, "nope"));
	struct xbpf_program *p = xbpf_object__next_program(obj, NULL);
	T_EQ(xbpf_program__set_type(p, 9999), -EINVAL);
	T_EQ(xbpf_program__set_type(p, XBPF_PROG_TYPE_SCHED_CLS), 0);
	T_EQ(xbpf_program__type(p), XBPF_PROG_TYPE_SCHED_CLS);
	T_CHECK(xbpf_program__prog(p) == NULL);
	xbpf_object__close(obj);
	xbpf_object__close(NULL);
}

/* Load into a VM: maps created with initial values and slots, programs loaded. */
static void test_load(void)
{
	struct xbpf_object *obj = must_open(OBJ("btf_maps"));
	if (!obj)
		return;
	int err = load_trusted(obj);
	T_EQ(err, 0);
	if (!err) {
		T_CHECK(xbpf_object__vm(obj));
		for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));) {
			T_CHECK(xbpf_program__prog(p));
			T_CHECK(xbpf_program__from_prog(xbpf_program__prog(p)) == p);
		}
		struct xbpf_map *outer = xbpf_object_map__map(xbpf_object__find_map_by_name(obj,
											    "outer"));
		struct xbpf_map *ia = xbpf_object_map__map(xbpf_object__find_map_by_name(obj,
											 "inner_a"));
		T_CHECK(outer && ia);
		uint32_t key = 1, id = 0;
		T_EQ(xbpf_map__lookup_elem(outer, &key, &id), 0);
		T_EQ(id, xbpf_map__id(ia));
		key = 0;
		T_EQ(xbpf_map__lookup_elem(outer, &key, &id), -ENOENT);
		/* program array "values": slot 2 holds tail_a, the others are empty */
		struct xbpf_map *jumps = xbpf_object_map__map(xbpf_object__find_map_by_name(obj,
											  "jumps"));
		key = 2;
		T_EQ(xbpf_map__lookup_elem(jumps, &key, &id), 0);
		key = 1;
		T_EQ(xbpf_map__lookup_elem(jumps, &key, &id), -ENOENT);
		T_EQ(load_trusted(obj), -EALREADY);
	}
	xbpf_object__close(obj);

	obj = must_open(OBJ("reloc_kinds"));
	if (!obj)
		return;
	err = load_trusted(obj);
	T_EQ(err, 0);
	if (!err) {
		struct xbpf_map *d = xbpf_object_map__map(xbpf_object__find_map_by_name(obj,
											".data"));
		uint32_t key = 0;
		uint64_t v = 0;
		T_EQ(xbpf_map__lookup_elem(d, &key, &v), 0);
		T_EQ(v, 0x1122334455667788ull);
	}
	xbpf_object__close(obj);
}

/* CO-RE: offsets of a local flavour rewritten to the target __sk_buff layout (xbpf's own
 * BTF and, when present, the kernel's), probes of a missing field, an unsatisfiable read. */
static void check_core(bool kernel_btf)
{
	struct xbpf_object_open_opts o = {.sz = sizeof(o), .no_kernel_btf = !kernel_btf};
	struct xbpf_object *obj = xbpf_object__open_file(OBJ("core"), &o);
	if (!obj) {
		T_CHECK(obj);
		return;
	}
	int err = load_trusted(obj);
	T_EQ(err, 0);
	struct xbpf_program *p = xbpf_object__find_program_by_name(obj, "core_prog");
	const struct xbpf_prog *prog = p ? xbpf_program__prog(p) : NULL;
	if (prog) {
		const struct xbpf_insn *in = xbpf_prog__insns(prog);
		int offs[3], n = 0, imm1000 = 0, imm4 = 0, imm56 = 0;
		for (size_t i = 0; i < xbpf_prog__insn_cnt(prog); i++) {
			if (XBPF_CLASS(in[i].code) == XBPF_LDX && in[i].src_reg == 1 && n < 3)
				offs[n++] = in[i].off;
			if (in[i].code == (XBPF_ALU64 | XBPF_MOV | XBPF_K)) {
				imm1000 += in[i].imm == 1000;
				imm4 += in[i].imm == 4;
				imm56 += in[i].imm == 56;
			}
		}
		T_EQ(n, 3);
		T_EQ(offs[0], 8);   /* mark */
		T_EQ(offs[1], 32);  /* priority */
		T_EQ(offs[2], 56);  /* cb[2] */
		T_EQ(imm4, 1);      /* field size of priority */
		T_EQ(imm56, 1);     /* field offset of cb[2] */
		T_EQ(imm1000, 1);   /* the constant stays; the exists test became 0 */
	}
	xbpf_object__close(obj);
	obj = xbpf_object__open_file(OBJ("core_bad"), &o);
	T_CHECK(obj);
	if (!obj)
		return;
	T_CHECK(load_trusted(obj) < 0);
	T_CONTAINS(xbpf_object__last_error(), "no_such_field");
	T_CONTAINS(xbpf_object__last_error(), "core_bad");
	xbpf_object__close(obj);
}

static void test_core_builtin_btf(void) { check_core(false); }

static void test_core_kernel_btf(void)
{
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "rb");
	if (!f)
		T_SKIP("no /sys/kernel/btf/vmlinux");
	fclose(f);
	check_core(true);
}

#ifdef XBPF_HAVE_LIBBPF
#include <bpf/btf.h>
/* Bit offset (and bitfield size) of member `name` of kernel struct `st`, by libbpf. */
static long kernel_member(const struct btf *vmlinux, const char *st, const char *name,
			  unsigned *bits)
{
	int id = btf__find_by_name_kind(vmlinux, st, BTF_KIND_STRUCT);
	const struct btf_type *t = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
	for (unsigned i = 0; t && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(vmlinux, btf_members(t)[i].name_off), name)) {
			*bits = btf_member_bitfield_size(t, i);
			return btf_member_bit_offset(t, i);
		}
	return -1;
}

/* CO-RE against vmlinux: offsets and bitfield shifts as libbpf's BTF API computes them. */
static void test_core_kernel_libbpf_oracle(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		T_SKIP("no kernel BTF");
	unsigned bits = 0, reuse_bits = 0;
	long tgid = kernel_member(vmlinux, "task_struct", "tgid", &bits);
	long reuse = kernel_member(vmlinux, "sock_common", "skc_reuse", &reuse_bits);
	btf__free(vmlinux);
	T_CHECK(tgid > 0 && reuse > 0 && reuse_bits == 4);
	struct xbpf_object *obj = open_obj(OBJ("core_kernel"));
	if (!obj || tgid <= 0 || reuse <= 0) {
		xbpf_object__close(obj);
		return;
	}
	int err = load_trusted(obj);
	T_EQ(err, 0);
	const struct xbpf_prog *prog = xbpf_program__prog(xbpf_object__next_program(obj, NULL));
	if (prog) {
		long byte_off = reuse / 8, lshift = 64 - (reuse + 4 - byte_off * 8);
		bool off_ok = false, byte_ok = false, lsh_ok = false, rsh_ok = false;
		const struct xbpf_insn *in = xbpf_prog__insns(prog);
		for (size_t i = 0; i < xbpf_prog__insn_cnt(prog); i++) {
			if (in[i].code == (XBPF_ALU64 | XBPF_MOV | XBPF_K)) {
				off_ok |= in[i].imm == tgid / 8;
				byte_ok |= in[i].imm == byte_off;
			}
			lsh_ok |= in[i].code == (XBPF_ALU64 | XBPF_LSH | XBPF_K) && in[i].imm == lshift;
			rsh_ok |= (in[i].code == (XBPF_ALU64 | XBPF_RSH | XBPF_K) ||
				   in[i].code == (XBPF_ALU64 | XBPF_ARSH | XBPF_K)) && in[i].imm == 60;
		}
		T_CHECK(off_ok);
		T_CHECK(byte_ok);
		T_CHECK(lsh_ok);
		T_CHECK(rsh_ok);
	}
	xbpf_object__close(obj);
}
#else
static void test_core_kernel_libbpf_oracle(void) { T_SKIP("built without libbpf"); }
#endif

/* Loading verifies by default; no_verify skips the verifier. */
static void test_verify_on_load(void)
{
	struct xbpf_object *obj = must_open(OBJ("verify_bad"));
	if (!obj)
		return;
	T_CHECK(xbpf_object__load(obj, NULL) < 0);
	T_CONTAINS(xbpf_object__last_error(), "rejected by the verifier");
	T_CONTAINS(xbpf_object__last_error(), "no_null_check");
	T_CHECK(xbpf_program__prog(xbpf_object__next_program(obj, NULL)) == NULL);
	int err = load_trusted(obj);
	T_EQ(err, 0);
	xbpf_object__close(obj);
}

/* Maps with pinning = LIBBPF_PIN_BY_NAME: pinned under pin_root, reused by a second load. */
static void test_pinning(void)
{
	char dir[] = "/tmp/xbpf-loader-pinXXXXXX";
	if (!mkdtemp(dir))
		T_SKIP("mkdtemp failed");
	struct xbpf_object_load_opts lo = {.sz = sizeof(lo), .no_verify = true, .pin_root = dir};
	struct xbpf_object *a = open_obj(OBJ("btf_maps")), *b = open_obj(OBJ("btf_maps"));
	T_CHECK(a && b);
	if (a && b) {
		T_EQ(xbpf_object__load(a, &lo), 0);
		int err = xbpf_object__load(b, &lo);
		if (err)
			fprintf(stderr, "load: %s\n", xbpf_object__last_error());
		T_EQ(err, 0);
		struct xbpf_map *ma = xbpf_object_map__map(xbpf_object__find_map_by_name(a, "sized"));
		struct xbpf_map *mb = xbpf_object_map__map(xbpf_object__find_map_by_name(b, "sized"));
		T_CHECK(ma && mb);
		if (ma && mb) {
			uint64_t key = 7;
			uint8_t val[24] = {1, 2, 3}, out[24] = {0};
			T_EQ(xbpf_map__update_elem(ma, &key, val, XBPF_ANY), 0);
			T_EQ(xbpf_map__lookup_elem(mb, &key, out), 0);
			T_EQ(out[2], 3);
		}
		/* maps without pinning are not shared */
		T_CHECK(xbpf_object_map__map(xbpf_object__find_map_by_name(a, "events")) !=
			xbpf_object_map__map(xbpf_object__find_map_by_name(b, "events")));
	}
	xbpf_object__close(a);
	xbpf_object__close(b);
	char path[256];
	snprintf(path, sizeof(path), "%s/sized", dir);
	struct xbpf_map *pinned = xbpf_map__open_pinned(path);
	T_CHECK(pinned); /* the pin outlives the objects */
	if (pinned) {
		T_EQ(xbpf_map__unpin(pinned, path), 0);
		xbpf_map__put(pinned);
	}
	unlink(path);
	rmdir(dir);
}

T_MAIN(test_verify_on_load, test_pinning, test_core_builtin_btf, test_core_kernel_btf,
       test_core_kernel_libbpf_oracle, test_map_reloc, test_data_reloc, test_call_and_callback_reloc, test_line_info,
       test_legacy_maps, test_legacy20, test_legacy_iproute2, test_btf_maps, test_kconfig, test_sections,
       test_errors, test_load)
