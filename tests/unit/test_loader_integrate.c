/* test_loader_integrate.c - loading with the verifier (issue 4, "Integration") and the
 * loader fixes the verifier's corpus runs found:
 *   - a verified program is loaded with XBPF_PROG_F_NO_CHECKS, a no_verify one is not;
 *   - test_run backs a short tracepoint ctx_in with the whole layout the verifier assumed;
 *   - a rejection reaches the user with the instruction and the C source line;
 *   - SHT_RELA relocations with type R_BPF_NONE on map loads (ovs/datapath.o);
 *   - iproute2 map-in-map: inner_id matched against the other maps' id (Cilium maglev);
 *   - "tc_*" sections load as socket filters, as the kernel verdicts were taken.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "xbpf/xbpf.h"
#include "xbpf/object.h"
#include "xbpf/testrun.h"
#include "xbpf/verifier.h"
#include "vm/vm_internal.h"
#include "t.h"

#define OBJ(name) XBPF_BUILD_DIR "/progs-loader/" name ".bpf.o"
#define SAMPLE(path) XBPF_SHARED_DIR "/ebpf-samples/" path

static struct xbpf_object *open_obj(const char *path)
{
	struct xbpf_object *obj = xbpf_object__open_file(path, NULL);
	if (!obj)
		fprintf(stderr, "open %s: %s\n", path, xbpf_object__last_error());
	return obj;
}

/* open_obj() of an object that must open (a failed check otherwise). */
static struct xbpf_object *must_open(const char *path)
{
	struct xbpf_object *obj = open_obj(path);
	T_CHECK(obj);
	return obj;
}

/* xbpf_object__load(), the loader's message printed on failure. */
static int load_obj(struct xbpf_object *obj, const struct xbpf_object_load_opts *lo)
{
	int err = xbpf_object__load(obj, lo);
	if (err)
		fprintf(stderr, "load: %s\n", xbpf_object__last_error());
	return err;
}

static struct xbpf_prog *only_prog(struct xbpf_object *obj)
{
	struct xbpf_program *p = xbpf_object__next_program(obj, NULL);
	return p ? xbpf_program__prog(p) : NULL;
}

/* Run tp_far with 16 bytes of ctx_in (bytes 8..11 = 5); returns the test_run result. */
static int run_tp(struct xbpf_prog *prog, uint32_t *retval)
{
	uint8_t in[16] = {0};
	in[8] = 5;
	char log[256] = "";
	struct xbpf_test_run_opts o = {.sz = sizeof o, .ctx_in = in, .ctx_size_in = sizeof in,
				       .log_buf = log, .log_size = sizeof log};
	int err = xbpf_prog__test_run(prog, &o);
	*retval = o.retval;
	return err;
}

static void test_verified_runs_unchecked(void)
{
	struct xbpf_object *obj = must_open(OBJ("tp_ctx"));
	if (!obj)
		return;
	struct xbpf_object_load_opts vlo = {.sz = sizeof vlo, .engine = t_engine()};
	int err = load_obj(obj, &vlo);
	T_EQ(err, 0);
	struct xbpf_prog *prog = only_prog(obj);
	T_CHECK(prog && (prog->flags & XBPF_PROG_F_NO_CHECKS));
	uint32_t ret = 0;
	/* the read at 2040 lies past the 16 given bytes: zero-filled layout, no overrun */
	if (prog) {
		T_EQ(run_tp(prog, &ret), 0);
		T_EQ(ret, 5);
	}
	xbpf_object__close(obj);
	/* trusted (no_verify): runtime checks on, and they stop the read past ctx_in */
	obj = open_obj(OBJ("tp_ctx"));
	struct xbpf_object_load_opts lo = {.sz = sizeof lo, .no_verify = true,
					   .engine = t_engine()};
	T_EQ(obj ? xbpf_object__load(obj, &lo) : -1, 0);
	prog = obj ? only_prog(obj) : NULL;
	T_CHECK(prog && !(prog->flags & XBPF_PROG_F_NO_CHECKS));
	if (prog)
		T_CHECK(run_tp(prog, &ret) < 0);
	xbpf_object__close(obj);
}

static void test_rejection_message(void)
{
	struct xbpf_object *obj = must_open(OBJ("verify_bad"));
	if (!obj)
		return;
	char log[512] = "";
	struct xbpf_object_load_opts lo = {.sz = sizeof lo, .log_buf = log,
					   .log_size = sizeof log};
	T_EQ(xbpf_object__load(obj, &lo), -EACCES);
	T_CONTAINS(log, "prog 'no_null_check' (section 'xdp'): rejected by the verifier at insn ");
	T_CONTAINS(log, " -- verify_bad.bpf.c:");
	T_CONTAINS(log, "return *v;");
	xbpf_object__close(obj);
}

/* ovs/datapath.o: SHT_RELA sections whose map loads carry type 0 (R_BPF_NONE). The object
 * calls helpers xbpf does not have, so it is checked through the verifier, which needs
 * every map load relocated (it rejected 15 programs with "R1 type=scalar" before). */
static void test_rela_map_loads(void)
{
	struct xbpf_object *obj = must_open(SAMPLE("ovs/datapath.o"));
	if (!obj)
		return;
	unsigned n = 0, with_maps = 0, accepted = 0;
	for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p)); n++) {
		struct xbpf_verify_result r = {.sz = sizeof r};
		struct xbpf_verify_opts o = {.sz = sizeof o};
		with_maps += xbpf_program__map_cnt(p) > 0;
		int err = xbpf_program__verify(p, &o, &r);
		if (err)
			fprintf(stderr, "%s: insn %ld: %s\n", xbpf_program__section(p), r.insn,
				r.message);
		accepted += !err;
	}
	T_EQ(n, 19);
	T_CHECK(with_maps >= 15);
	T_EQ(accepted, 19); /* the kernel accepts all 19 (ANCHORS.tsv) */
	xbpf_object__close(obj);
}

static void check_inner(struct xbpf_object *obj, const char *outer, const char *inner,
			uint32_t value_size)
{
	const struct xbpf_object_map *m = xbpf_object__find_map_by_name(obj, outer);
	const struct xbpf_object_map *in = m ? xbpf_object_map__inner(m) : NULL;
	T_CHECK(in != NULL);
	if (in) {
		T_STREQ(xbpf_object_map__name(in), inner);
		T_EQ(xbpf_object_map__value_size(in), value_size);
	}
}

static void test_iproute2_inner_id(void)
{
	struct xbpf_object *obj = open_obj(OBJ("legacy_iproute2"));
	if (obj) {
		check_inner(obj, "outer", "inner_tmpl", 40);
		struct xbpf_object_load_opts lo = {.sz = sizeof lo, .no_verify = true};
		T_EQ(xbpf_object__load(obj, &lo), 0);
		xbpf_object__close(obj);
	}
	obj = must_open(SAMPLE("cilium/bpf_xdp_dsr_linux.o"));
	if (obj) {
		check_inner(obj, "cilium_lb4_maglev", "cilium_lb4_maglev_inner", 4078);
		check_inner(obj, "cilium_lb6_maglev", "cilium_lb6_maglev_inner", 4078);
		xbpf_object__close(obj);
	}
}

static void check_type(const char *file, const char *sec, uint32_t type)
{
	struct xbpf_object *obj = open_obj(file);
	struct xbpf_program *p = obj ? xbpf_object__find_program_by_section(obj, sec) : NULL;
	T_CHECK(p != NULL);
	if (p)
		T_EQ(xbpf_program__type(p), type);
	xbpf_object__close(obj);
}

static void test_tc_underscore_sections(void)
{
	check_type(SAMPLE("linux/xdp2skb_meta_kern.o"), "tc_mark", XBPF_PROG_TYPE_SOCKET_FILTER);
	check_type(SAMPLE("linux/xdp2skb_meta_kern.o"), "xdp_mark", XBPF_PROG_TYPE_XDP);
	check_type(SAMPLE("prototype-kernel/xdp_vlan01_kern.o"), "tc_vlan_push",
		   XBPF_PROG_TYPE_SOCKET_FILTER);
}

/* Verified syscall programs keep runtime checks: their ctx is the caller's ctx_in, of any
 * size, while the verifier allows offsets up to 64 KiB. */
static void test_syscall_keeps_checks(void)
{
	struct xbpf_object *obj = must_open(OBJ("syscall_ctx"));
	if (!obj)
		return;
	int err = load_obj(obj, NULL);
	T_EQ(err, 0);
	struct xbpf_prog *prog = err ? NULL : only_prog(obj);
	T_CHECK(prog && !(prog->flags & XBPF_PROG_F_NO_CHECKS));
	uint32_t ret = 0;
	if (prog)
		T_CHECK(run_tp(prog, &ret) < 0); /* the read at 4096 is past the 16 given bytes */
	xbpf_object__close(obj);
}

T_MAIN(test_verified_runs_unchecked, test_syscall_keeps_checks, test_rejection_message, test_rela_map_loads,
       test_iproute2_inner_id, test_tc_underscore_sections)
