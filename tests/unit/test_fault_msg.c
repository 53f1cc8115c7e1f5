/* test_fault_msg.c - runtime memory faults name the region the access missed
 * (src/vm/fault_msg.c): past the end of ctx, before its start, the stack with the frame
 * offset, a NULL pointer with the list of regions, a read-only caller region, and the
 * packet buffer of an XDP test run. Interpreter engines (goto and switch dispatch).
 */
#include <errno.h>
#include "xbpf/xbpf.h"
#include "t.h"

#define BI(c, d, s, o, i) ((struct xbpf_insn){(uint8_t)(c), (d), (s), (int16_t)(o), (int32_t)(i)})
#define LDX(sz, d, s, o) BI(XBPF_LDX | (sz) | XBPF_MEM, d, s, o, 0)
#define STX(sz, d, s, o) BI(XBPF_STX | (sz) | XBPF_MEM, d, s, o, 0)
#define MOV_IMM(d, i) BI(XBPF_ALU64 | XBPF_MOV | XBPF_K, d, 0, 0, i)
#define MOV_REG(d, s) BI(XBPF_ALU64 | XBPF_MOV | XBPF_X, d, s, 0, 0)
#define EXIT() BI(XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0)

static struct xbpf_vm *vm;
static char log_[512];

static struct xbpf_prog *load(const struct xbpf_insn *p, size_t n, uint32_t type,
			      enum xbpf_engine e)
{
	if (!vm)
		vm = xbpf_vm__new(NULL);
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .engine = e, .prog_type = type};
	struct xbpf_prog *prog = xbpf_prog__load(vm, p, n, &o);
	T_CHECK(prog);
	return prog;
}

/* Run p on ctx (and caller regions) with engine e; the runtime error text in log_. */
static int run(const struct xbpf_insn *p, size_t n, void *ctx, size_t ctx_size,
	       const struct xbpf_region *regs, unsigned nregs, enum xbpf_engine e)
{
	struct xbpf_prog *prog = load(p, n, 0, e);
	if (!prog)
		return -1;
	log_[0] = 0;
	struct xbpf_run_opts o = {.sz = sizeof o, .ctx = ctx, .ctx_size = ctx_size,
				  .regions = regs, .region_cnt = nregs, .log_buf = log_,
				  .log_size = sizeof log_};
	int err = xbpf_prog__run(prog, &o);
	xbpf_prog__free(prog);
	return err;
}

static const enum xbpf_engine engines[] = {XBPF_ENGINE_INTERP, XBPF_ENGINE_INTERP_SWITCH};

static void test_past_end_of_ctx(void)
{
	const struct xbpf_insn p[] = {LDX(XBPF_W, 0, 1, 12), EXIT()};
	uint8_t ctx[14] = {0};
	for (int e = 0; e < 2; e++) {
		T_EQ(run(p, 2, ctx, sizeof ctx, NULL, 0, engines[e]), -EFAULT);
		T_CONTAINS(log_, "out-of-bounds read of 4 bytes at 0x");
		T_CONTAINS(log_, ": at offset 12 of ctx (14 bytes), 2 bytes past its end");
	}
}

static void test_before_ctx(void)
{
	const struct xbpf_insn p[] = {LDX(XBPF_B, 0, 1, -3), EXIT()};
	uint8_t ctx[8] = {0};
	for (int e = 0; e < 2; e++) {
		T_EQ(run(p, 2, ctx, sizeof ctx, NULL, 0, engines[e]), -EFAULT);
		T_CONTAINS(log_, ": 3 bytes before the start of ctx (8 bytes)");
	}
}

static void test_stack_frame_offset(void)
{
	const struct xbpf_insn p[] = {MOV_REG(2, 10), STX(XBPF_DW, 2, 1, -4104), MOV_IMM(0, 0),
				      EXIT()};
	uint8_t ctx[8] = {0};
	for (int e = 0; e < 2; e++) {
		T_EQ(run(p, 4, ctx, sizeof ctx, NULL, 0, engines[e]), -EFAULT);
		T_CONTAINS(log_, "out-of-bounds write of 8 bytes");
		T_CONTAINS(log_, "bytes before the start of the stack (4096 bytes) (r10-4104 in "
				 "frame 0)");
	}
}

static void test_null_lists_regions(void)
{
	const struct xbpf_insn p[] = {MOV_IMM(1, 16), LDX(XBPF_B, 0, 1, 0), EXIT()};
	uint8_t ctx[8] = {0};
	for (int e = 0; e < 2; e++) {
		T_EQ(run(p, 3, ctx, sizeof ctx, NULL, 0, engines[e]), -EFAULT);
		T_CONTAINS(log_, ": a NULL pointer + 16, not in any region (the stack [0x");
		T_CONTAINS(log_, ", 4096 bytes], ctx [0x");
		T_CONTAINS(log_, ", 8 bytes])");
	}
}

/* ctx holds the address of a read-only caller region; the program writes through it. */
static void test_read_only_caller_region(void)
{
	static uint8_t ro[16];
	uint64_t ctx = (uint64_t)(uintptr_t)ro;
	const struct xbpf_insn p[] = {LDX(XBPF_DW, 2, 1, 0), STX(XBPF_B, 2, 1, 3), MOV_IMM(0, 0),
				      EXIT()};
	const struct xbpf_region r = {ro, sizeof ro, false};
	for (int e = 0; e < 2; e++) {
		T_EQ(run(p, 4, &ctx, sizeof ctx, &r, 1, engines[e]), -EFAULT);
		T_CONTAINS(log_, "read-only memory: write of 1 bytes");
		T_CONTAINS(log_, ": caller region 0 is read-only");
	}
	/* the same address read 20 bytes further: past the region's end */
	const struct xbpf_insn q[] = {LDX(XBPF_DW, 2, 1, 0), LDX(XBPF_W, 0, 2, 20), EXIT()};
	T_EQ(run(q, 3, &ctx, sizeof ctx, &r, 1, XBPF_ENGINE_INTERP), -EFAULT);
	T_CONTAINS(log_, ": at offset 20 of caller region 0 (16 bytes), 8 bytes past its end");
}

/* An XDP test run: reading far past data_end lands past the end of the packet buffer. */
static void test_xdp_packet_buffer(void)
{
	const struct xbpf_insn p[] = {LDX(XBPF_W, 2, 1, 0), LDX(XBPF_B, 0, 2, 30000), EXIT()};
	uint8_t pkt[64] = {0};
	for (int e = 0; e < 2; e++) {
		struct xbpf_prog *prog = load(p, 3, XBPF_PROG_TYPE_XDP, engines[e]);
		if (!prog)
			return;
		log_[0] = 0;
		struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = pkt,
					       .data_size_in = sizeof pkt, .log_buf = log_,
					       .log_size = sizeof log_};
		T_EQ(xbpf_prog__test_run(prog, &o), -EFAULT);
		T_CONTAINS(log_, "out-of-bounds read of 1 bytes");
		T_CONTAINS(log_, " of the packet buffer (");
		T_CONTAINS(log_, "past its end");
		xbpf_prog__free(prog);
	}
}

static void test_done(void)
{
	xbpf_vm__free(vm);
	vm = NULL;
}

T_MAIN(test_past_end_of_ctx, test_before_ctx, test_stack_frame_offset, test_null_lists_regions,
       test_read_only_caller_region, test_xdp_packet_buffer, test_done)
