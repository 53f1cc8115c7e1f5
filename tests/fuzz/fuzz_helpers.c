/* fuzz_helpers.c - libFuzzer target for the helpers and contexts: arbitrary printf formats
 * and arguments through the trace_printk/snprintf formatter (hlp_format: the kernel's
 * format rules, safe string reads of arbitrary addresses), and arbitrary data_in / ctx_in
 * through xbpf_prog__test_run for every context kind, with the packet helpers
 * (xdp_adjust_head/tail/meta, skb_change_head/tail, skb_load/store_bytes) called with
 * fuzzed arguments. Nothing may crash; errors are expected.
 *
 * Input: byte 0 selects (bit 0: formatter; else test run), the rest is the payload.
 */
#include <stdint.h>
#include <string.h>
#include "xbpf/xbpf.h"
#include "helpers/helpers.h"

static void fuzz_format(const uint8_t *d, size_t n, unsigned nargs)
{
	uint64_t args[HLP_MAX_PRINTF_ARGS] = {0};
	size_t a = n < sizeof args ? n / 2 : sizeof args;
	memcpy(args, d, a);
	char fmt[512], out[128];
	size_t f = n - a < sizeof fmt - 1 ? n - a : sizeof fmt - 1;
	memcpy(fmt, d + a, f);
	fmt[f] = '\0';
	hlp_format(NULL, fmt, (uint32_t)f + 1, args, nargs % (HLP_MAX_PRINTF_ARGS + 1), out,
		   (size_t)(d[0] % 2 ? sizeof out : 0));
	hlp_format(NULL, fmt, (uint32_t)f, args, 3, out, 16); /* maybe no NUL inside */
}

static const uint32_t types[] = {
	XBPF_PROG_TYPE_XDP, XBPF_PROG_TYPE_SCHED_CLS, XBPF_PROG_TYPE_SOCKET_FILTER,
	XBPF_PROG_TYPE_CGROUP_SKB, XBPF_PROG_TYPE_RAW_TRACEPOINT, XBPF_PROG_TYPE_KPROBE,
	XBPF_PROG_TYPE_SYSCALL, XBPF_PROG_TYPE_UNSPEC, XBPF_PROG_TYPE_TRACEPOINT,
};
static const uint32_t helpers[] = {44, 65, 54, 43, 38, 39, 26, 9, 189, 190, 188, 10, 11, 173,
				   68, 34, 20, 28, 16, 4, 45, 113, 115};

static void fuzz_run(struct xbpf_vm *vm, const uint8_t *d, size_t n)
{
	if (n < 12)
		return;
	uint32_t type = types[d[0] % (sizeof types / sizeof types[0])];
	uint32_t helper = helpers[d[1] % (sizeof helpers / sizeof helpers[0])];
	int32_t a2, a3;
	memcpy(&a2, d + 2, 4);
	memcpy(&a3, d + 6, 4);
	size_t split = d[10] < n - 11 ? d[10] : n - 11;
	const uint8_t *data = d + 11, *ctx = data + split;
	size_t ctx_len = n - 11 - split;
	/* r2 = a2; r3 = fp - 16; r4 = a3 & 15 (a size); r5 = 0; call helper; exit */
	struct xbpf_insn prog[] = {
		{0xb7, 2, 0, 0, a2}, {0xbf, 3, 10, 0, 0}, {0x07, 3, 0, 0, -16},
		{0xb7, 4, 0, 0, a3 & 15}, {0xb7, 5, 0, 0, 0}, {0x85, 0, 0, 0, (int32_t)helper},
		{0x95, 0, 0, 0, 0},
	};
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .prog_type = type};
	struct xbpf_prog *p = xbpf_prog__load(vm, prog, sizeof prog / sizeof prog[0], &lo);
	if (!p)
		return;
	uint8_t out[4096], cout[256];
	char log[256];
	struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = split ? data : NULL,
		.data_size_in = (uint32_t)split, .data_out = out, .data_size_out = sizeof out,
		.ctx_in = ctx_len ? ctx : NULL, .ctx_size_in = (uint32_t)ctx_len,
		.ctx_out = cout, .ctx_size_out = d[3] % 2 ? sizeof cout : 8, .repeat = 1 + d[4] % 3,
		.log_buf = log, .log_size = sizeof log};
	xbpf_prog__test_run(p, &o);
	xbpf_prog__free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct xbpf_vm *vm;
	if (!vm)
		vm = xbpf_vm__new(NULL);
	if (n < 2 || !vm)
		return 0;
	if (d[0] & 1)
		fuzz_format(d + 1, n - 1, d[0] >> 1);
	else
		fuzz_run(vm, d + 1, n - 1);
	return 0;
}
