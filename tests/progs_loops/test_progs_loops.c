/* test_progs_loops.c - the loop programs (tests/progs_loops/NAME.bpf.c: bounded loops over
 * packets, stack and map values, nested loops, joins and switches inside loops, early
 * breaks, helpers and bpf_loop callbacks, loops in subprograms) must verify in xbpf within
 * a fixed bound of instructions processed each, and, where bpf() is permitted, within
 * max(2 x, + 20000) of the kernel's count for the same object (counts, never times).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xbpf/object.h>
#include <xbpf/verifier.h>
#include "t.h"
#ifdef XBPF_HAVE_LIBBPF
#include <bpf/libbpf.h>
#endif

struct lcase {
	const char *obj;     /* XBPF_LOOPS_DIR/<obj>.bpf.o */
	const char *prog;
	uint64_t bound;      /* instructions processed by xbpf, at most (about twice its
			      * count when the test was written) */
};

static const struct lcase cases[] = {
	{"kp_bpf_loop", "kp_bpf_loop", 74000},
	{"kp_list_walk", "kp_list_walk", 3000},
	{"kp_loop_in_callback", "kp_loop_in_callback", 3000},
	{"kp_nested_bpf_loop", "kp_nested_bpf_loop", 3000},
	{"kp_str_read", "kp_str_read", 5000},
	{"sock_count_byte", "sock_count_byte", 3000},
	{"sock_ldabs_loop", "sock_ldabs_loop", 3000},
	{"sock_strcmp", "sock_strcmp", 3000},
	{"sock_u32_counter", "sock_u32_counter", 73000},
	{"sock_varlen_copy", "sock_varlen_copy", 3000},
	{"tc_bubble_sort", "tc_bubble_sort", 4000},
	{"tc_hash_update", "tc_hash_update", 4000},
	{"tc_inner_join", "tc_inner_join", 165000},
	{"tc_join_5000", "tc_join_5000", 250000},
	{"tc_load_bytes_loop", "tc_load_bytes_loop", 4000},
	{"tc_matmul", "tc_matmul", 4000},
	{"tc_percpu_loop", "tc_percpu_loop", 3000},
	{"tc_prandom_join", "tc_prandom_join", 21000},
	{"tc_ringbuf_loop", "tc_ringbuf_loop", 3000},
	{"tc_stack_spill", "tc_stack_spill", 7000},
	{"tc_store_bytes_loop", "tc_store_bytes_loop", 3000},
	{"tc_subprog_loop", "tc_subprog_loop", 3000},
	{"tc_two_joins", "tc_two_joins", 115000},
	{"tp_array_sum", "tp_array_sum", 3000},
	{"tp_bpf_loop_4096", "tp_bpf_loop_4096", 3000},
	{"tp_countdown", "tp_countdown", 3000},
	{"tp_early_break", "tp_early_break", 41000},
	{"xdp_collatz_while", "xdp_collatz_while", 31000},
	{"xdp_dns_labels", "xdp_dns_labels", 3000},
	{"xdp_for_each_elem", "xdp_for_each_elem", 3000},
	{"xdp_http_method", "xdp_http_method", 990000},
	{"xdp_ip_csum", "xdp_ip_csum", 3000},
	{"xdp_lookup_each_iter", "xdp_lookup_each_iter", 3000},
	{"xdp_map_value_array", "xdp_map_value_array", 8000},
	{"xdp_minmax_continue", "xdp_minmax_continue", 104000},
	{"xdp_nested", "xdp_nested", 3000},
	{"xdp_ptr_walk", "xdp_ptr_walk", 7000},
	{"xdp_struct_array", "xdp_struct_array", 3000},
	{"xdp_sum_bytes", "xdp_sum_bytes", 31000},
	{"xdp_tcp_options", "xdp_tcp_options", 12000},
	{"xdp_two_counters", "xdp_two_counters", 13000},
	{"xdp_u8_counter", "xdp_u8_counter", 6000},
	{"xdp_unroll", "xdp_unrolled", 3000},
	{"xdp_unroll", "xdp_not_unrolled", 3000},
	{"xdp_vlan_loop", "xdp_vlan_loop", 3000},
	{"xdp_write_loop", "xdp_write_loop", 3000},
};

/* xbpf's verdict and count for one program; -ENOENT when it is not in the object. */
static int xbpf_count(const struct lcase *c, uint64_t *insns, char *msg, size_t msz)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.bpf.o", XBPF_LOOPS_DIR, c->obj);
	struct xbpf_object *obj = xbpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "%s: cannot open\n", path);
		snprintf(msg, msz, "%s", xbpf_object__last_error());
		return -ENOENT;
	}
	int err = -ENOENT;
	for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));) {
		if (strcmp(xbpf_program__name(p), c->prog))
			continue;
		struct xbpf_verify_opts o = {.sz = sizeof o};
		struct xbpf_verify_result r = {.sz = sizeof r};
		err = xbpf_program__verify(p, &o, &r);
		*insns = r.insns_processed;
		snprintf(msg, msz, "%s", r.message);
	}
	xbpf_object__close(obj);
	return err;
}

#ifdef XBPF_HAVE_LIBBPF
static char klog[1 << 20];
static const char *kernel_skip; /* why the kernel cannot be compared, once known */

static int quiet_print(enum libbpf_print_level l, const char *f, va_list a)
{
	(void)l, (void)f, (void)a;
	return 0;
}

/* The kernel's count for one program (only it loaded, log level 4: statistics), or -1
 * when the kernel did not accept it (kernel_skip set when bpf() is not permitted). */
static long kernel_count(const struct lcase *c)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s.bpf.o", XBPF_LOOPS_DIR, c->obj);
	libbpf_set_print(quiet_print);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -1;
	struct bpf_program *p, *target = NULL;
	bpf_object__for_each_program(p, obj) {
		if (!strcmp(bpf_program__name(p), c->prog))
			target = p;
		else
			bpf_program__set_autoload(p, false);
	}
	long n = -1;
	klog[0] = 0;
	if (target) {
		bpf_program__set_log_buf(target, klog, sizeof klog);
		bpf_program__set_log_level(target, 4);
		int err = bpf_object__load(obj);
		const char *s = strstr(klog, "processed ");
		if (err == -EPERM || err == -ENOSYS)
			kernel_skip = "bpf() not permitted here";
		else if (err)
			fprintf(stderr, "%s: the kernel rejects it (%d): not compared\n", c->prog, err);
		else if (s)
			n = strtol(s + 10, NULL, 10);
	}
	bpf_object__close(obj);
	return n;
}
#endif

static void test_loops(void)
{
	int compared = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct lcase *c = &cases[i];
		uint64_t n = 0;
		char msg[256] = "";
		int err = xbpf_count(c, &n, msg, sizeof msg);
		if (err)
			fprintf(stderr, "%s: xbpf rejects it (%d): %s\n", c->prog, err, msg);
		T_EQ(err, 0);
		if (n > c->bound)
			fprintf(stderr, "%s: %llu insns processed > %llu\n", c->prog,
				(unsigned long long)n, (unsigned long long)c->bound);
		T_CHECK(n <= c->bound);
		long k = -1;
#ifdef XBPF_HAVE_LIBBPF
		if (!kernel_skip)
			k = kernel_count(c);
#endif
		printf("%-22s xbpf %8llu insns  kernel %8ld\n", c->prog, (unsigned long long)n, k);
		if (k < 0)
			continue;
		compared++;
		uint64_t lim = 2 * (uint64_t)k > (uint64_t)k + 20000 ? 2 * (uint64_t)k :
			       (uint64_t)k + 20000;
		if (n > lim)
			fprintf(stderr, "%s: %llu insns processed, the kernel %ld\n", c->prog,
				(unsigned long long)n, k);
		T_CHECK(n <= lim);
	}
	if (!compared)
		printf("(no kernel comparison: %s)\n",
#ifdef XBPF_HAVE_LIBBPF
		       kernel_skip ? kernel_skip : "the kernel accepted none");
#else
		       "built without libbpf");
#endif
}

T_MAIN(test_loops)
