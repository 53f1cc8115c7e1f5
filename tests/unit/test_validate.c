/* test_validate.c - load-time validation: one negative test per rule, checking errno and the
 * "insn N (DISASM): reason" message, plus what a successful validation produces (decoded
 * code, absolute targets, the function list). Programs are written as raw instruction words
 * so malformed encodings can be expressed.
 */
#include <errno.h>
#include "t.h"
#include "xbpf/xbpf.h"
#include "vm/vm_internal.h"

#define I(code, dst, src, off, imm) ((struct xbpf_insn){(code), (dst), (src), (off), (imm)})
#define EXIT I(0x95, 0, 0, 0, 0)
#define MOV_K(d, v) I(0xb7, d, 0, 0, v)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static char log_buf[512];

static uint64_t h_ret1(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	return 1;
}

static struct xbpf_vm *new_vm(void)
{
	struct xbpf_vm_opts o = {.sz = sizeof o, .no_builtin_helpers = true};
	struct xbpf_vm *vm = xbpf_vm__new(&o);
	xbpf_vm__register_helper(vm, 5, "ret1", h_ret1, NULL);
	return vm;
}

/* Load; expect failure with EINVAL (or `err`) and a log containing `msg`. */
static void expect_reject_err(const struct xbpf_insn *p, size_t n, int err, const char *msg)
{
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .log_buf = log_buf,
					.log_size = sizeof log_buf};
	log_buf[0] = '\0';
	errno = 0;
	struct xbpf_prog *prog = xbpf_prog__load(vm, p, n, &o);
	T_CHECK(prog == NULL);
	T_EQ(errno, err);
	T_CONTAINS(log_buf, msg);
	xbpf_prog__free(prog);
	xbpf_vm__free(vm);
}
#define expect_reject(p, msg) expect_reject_err(p, N(p), EINVAL, msg)

static struct xbpf_prog *load_ok(struct xbpf_vm *vm, const struct xbpf_insn *p, size_t n)
{
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .log_buf = log_buf,
					.log_size = sizeof log_buf};
	struct xbpf_prog *prog = xbpf_prog__load(vm, p, n, &o);
	if (!prog)
		fprintf(stderr, "unexpected load error: %s\n", log_buf);
	T_CHECK(prog != NULL);
	return prog;
}

static void test_empty(void)
{
	struct xbpf_insn one = EXIT;
	expect_reject_err(&one, 0, EINVAL, "empty program");
}

static void test_too_many(void)
{
	size_t n = 1000001;
	struct xbpf_insn *p = calloc(n, sizeof *p);
	for (size_t i = 0; i < n; i++)
		p[i] = EXIT;
	expect_reject_err(p, n, EINVAL, "too many instructions: 1000001 (at most 1000000)");
	/* an absurd count is refused before anything is copied */
	expect_reject_err(p, SIZE_MAX / 4, EINVAL, "too many instructions");
	/* the maximum itself is fine */
	struct xbpf_vm *vm = new_vm();
	xbpf_prog__free(load_ok(vm, p, n - 1));
	xbpf_vm__free(vm);
	free(p);
}

static void test_unknown_opcode(void)
{
	struct xbpf_insn p[] = {MOV_K(0, 0), I(0xff, 0, 0, 0, 0), EXIT};
	expect_reject(p, "insn 1 (.insn 0x00000000000000ff): unknown opcode 0xff");
	struct xbpf_insn q[] = {I(0x8e, 0, 0, 0, 0), EXIT}; /* no JMP32 callx */
	expect_reject(q, "insn 0 (");
	expect_reject(q, "unknown opcode 0x8e");
}

static void test_reserved_fields(void)
{
	struct xbpf_insn a[] = {I(0x07, 1, 2, 0, 1), EXIT}; /* add64 K with src */
	expect_reject(a, "insn 0 (.insn 0x000000010000210");
	expect_reject(a, "reserved field src must be 0");
	struct xbpf_insn b[] = {I(0xbf, 1, 2, 3, 0), EXIT}; /* mov64 X with off 3 */
	expect_reject(b, "reserved field off must be 0");
	struct xbpf_insn c[] = {I(0x0f, 1, 2, 0, 7), EXIT}; /* add64 X with imm */
	expect_reject(c, "reserved field imm must be 0");
	struct xbpf_insn d[] = {MOV_K(0, 0), I(0x95, 0, 0, 0, 1)}; /* exit with imm */
	expect_reject(d, "insn 1 (");
	expect_reject(d, "reserved field imm must be 0");
	struct xbpf_insn e[] = {I(0xd4, 1, 0, 0, 17), EXIT}; /* le17 */
	expect_reject(e, "bad imm field for this opcode");
	struct xbpf_insn f[] = {I(0xc3, 1, 2, 0, 0x02), EXIT}; /* atomic op 2 */
	expect_reject(f, "bad imm field for this opcode");
	struct xbpf_insn g[] = {I(0x18, 1, 7, 0, 0), I(0, 0, 0, 0, 0), EXIT};
	expect_reject(g, "bad lddw pseudo source (0-6)");
}

static void test_bad_registers(void)
{
	struct xbpf_insn a[] = {I(0xb7, 11, 0, 0, 1), EXIT};
	expect_reject(a, "bad register in dst (r0-r10)");
	struct xbpf_insn b[] = {I(0x0f, 1, 12, 0, 0), EXIT};
	expect_reject(b, "bad register in src (r0-r10)");
	struct xbpf_insn c[] = {I(0x63, 15, 1, 0, 0), EXIT}; /* stxw [r15] */
	expect_reject(c, "bad register in dst (r0-r10)");
	struct xbpf_insn d[] = {I(0x8d, 0, 0, 0, 11), EXIT}; /* callx with r11 in imm */
	expect_reject(d, "bad register in imm (r0-r10)");
	struct xbpf_insn e[] = {I(0x8d, 2, 0, 0, 3), EXIT}; /* callx with both */
	expect_reject(e, "callx has a register in both dst and imm");
}

static void test_write_r10(void)
{
	struct xbpf_insn a[] = {I(0xb7, 10, 0, 0, 1), EXIT};
	expect_reject(a, "insn 0 (");
	expect_reject(a, "dst register is not writable (r0-r9)");
	struct xbpf_insn b[] = {I(0x61, 10, 1, 0, 0), EXIT}; /* ldxw r10 */
	expect_reject(b, "dst register is not writable (r0-r9)");
	struct xbpf_insn c[] = {I(0x18, 10, 0, 0, 1), I(0, 0, 0, 0, 0), EXIT};
	expect_reject(c, "dst register is not writable (r0-r9)");
	struct xbpf_insn d[] = {I(0xdb, 1, 10, 0, 0x01), EXIT}; /* fetch add into r10 */
	expect_reject(d, "src register is written and must be r0-r9");
	struct xbpf_insn e[] = {I(0xc3, 1, 10, 0, 0xe1), EXIT}; /* xchg32 into r10 */
	expect_reject(e, "src register is written and must be r0-r9");
	/* reading r10 and storing through it are fine */
	struct xbpf_insn ok[] = {I(0xbf, 1, 10, 0, 0), I(0x7a, 10, 0, -8, 1),
				 I(0xdb, 10, 1, -8, 0), MOV_K(0, 0), EXIT};
	struct xbpf_vm *vm = new_vm();
	xbpf_prog__free(load_ok(vm, ok, N(ok)));
	xbpf_vm__free(vm);
}

static void test_jump_range(void)
{
	struct xbpf_insn a[] = {I(0x05, 0, 0, 100, 0), EXIT};
	expect_reject(a, "insn 0 (ja +100): jump out of range (target 101, program has 2 "
		      "instructions)");
	struct xbpf_insn b[] = {MOV_K(0, 0), I(0x15, 0, 0, -3, 0), EXIT};
	expect_reject(b, "insn 1 (");
	expect_reject(b, "jump out of range (target -1");
	struct xbpf_insn c[] = {MOV_K(0, 0), I(0x06, 0, 0, 0, 5), EXIT}; /* ja32 */
	expect_reject(c, "jump out of range (target 7");
	/* a jump to the last instruction and a loop to itself are in range */
	struct xbpf_insn ok[] = {MOV_K(0, 0), I(0x15, 0, 0, 0, 0), I(0x05, 0, 0, -1, 0), EXIT};
	ok[2] = EXIT;
	struct xbpf_vm *vm = new_vm();
	xbpf_prog__free(load_ok(vm, ok, N(ok)));
	xbpf_vm__free(vm);
}

static void test_jump_into_lddw(void)
{
	struct xbpf_insn a[] = {I(0x05, 0, 0, 1, 0), I(0x18, 0, 0, 0, 1), I(0, 0, 0, 0, 0), EXIT};
	expect_reject(a, "insn 0 (ja +1): jump into the second half of a lddw (insn 2)");
	struct xbpf_insn b[] = {I(0x85, 0, 1, 1, 0), EXIT, I(0x18, 0, 0, 0, 1),
				I(0, 0, 0, 0, 0), EXIT};
	b[0] = I(0x85, 0, 1, 0, 2); /* call local to insn 3 (hi half) */
	expect_reject(b, "call into the second half of a lddw (insn 3)");
}

static void test_lddw_halves(void)
{
	struct xbpf_insn a[] = {MOV_K(0, 0), I(0x18, 0, 0, 0, 1)};
	expect_reject(a, "insn 1 (");
	expect_reject(a, "lddw is missing its second half");
	struct xbpf_insn b[] = {I(0x18, 0, 0, 0, 1), I(0x18, 0, 0, 0, 0), EXIT};
	expect_reject(b, "second half of lddw (insn 1) must have code, dst, src and off 0");
	struct xbpf_insn c[] = {I(0x18, 0, 0, 0, 1), I(0, 1, 0, 0, 0), EXIT};
	expect_reject(c, "must have code, dst, src and off 0 (has code 0x00 dst 1");
	struct xbpf_insn d[] = {I(0x18, 0, 0, 0, 1), I(0, 0, 0, 4, 0), EXIT};
	expect_reject(d, "off 4)");
}

static void test_fall_off(void)
{
	struct xbpf_insn a[] = {MOV_K(0, 0)};
	expect_reject(a, "insn 0 (mov %r0, 0): execution can fall off the end of the program");
	struct xbpf_insn b[] = {MOV_K(0, 0), I(0x15, 0, 0, -2, 0)}; /* conditional jump last */
	expect_reject(b, "insn 1 (");
	expect_reject(b, "fall off the end of the program");
	struct xbpf_insn c[] = {EXIT, I(0x18, 0, 0, 0, 1), I(0, 0, 0, 0, 0)}; /* lddw last */
	expect_reject(c, "insn 1 (lddw %r0, 0x1): execution can fall off the end");
	/* a function (call target) whose last instruction is not exit */
	struct xbpf_insn d[] = {I(0x85, 0, 1, 0, 1), EXIT, MOV_K(0, 1)};
	expect_reject(d, "insn 2 (mov %r0, 1): execution can fall off the end of the function");
	/* ending in an unconditional ja is fine */
	struct xbpf_insn ok[] = {MOV_K(0, 0), I(0x05, 0, 0, 1, 0), EXIT, I(0x05, 0, 0, -2, 0)};
	struct xbpf_vm *vm = new_vm();
	xbpf_prog__free(load_ok(vm, ok, N(ok)));
	xbpf_vm__free(vm);
}

static void test_unknown_helper(void)
{
	struct xbpf_insn a[] = {I(0x85, 0, 0, 0, 99), EXIT};
	expect_reject(a, "insn 0 (call 99): call to unknown helper 99");
	struct xbpf_insn b[] = {I(0x85, 0, 0, 0, -1), EXIT};
	expect_reject(b, "call to unknown helper -1");
	struct xbpf_insn c[] = {I(0x85, 0, 0, 0, 5000), EXIT};
	expect_reject(c, "call to unknown helper 5000");
	struct xbpf_insn d[] = {I(0x85, 0, 2, 0, 1234), EXIT};
	expect_reject(d, "kernel function calls (kfunc, BTF id 1234) are not supported");
	struct xbpf_insn ok[] = {I(0x85, 0, 0, 0, 5), EXIT};
	struct xbpf_vm *vm = new_vm();
	xbpf_prog__free(load_ok(vm, ok, N(ok)));
	xbpf_vm__free(vm);
}

static void test_local_call_target(void)
{
	struct xbpf_insn a[] = {I(0x85, 0, 1, 0, 10), EXIT};
	expect_reject(a, "insn 0 (call local +10): local call out of range (target 11, program "
		      "has 2 instructions)");
	struct xbpf_insn b[] = {MOV_K(0, 0), I(0x85, 0, 1, 0, -3), EXIT};
	expect_reject(b, "local call out of range (target -1");
	struct xbpf_insn c[] = {I(0x18, 1, 4, 0, 7), I(0, 0, 0, 0, 0), EXIT};
	expect_reject(c, "callback function out of range (target 8");
}

static void test_jump_between_functions(void)
{
	struct xbpf_insn a[] = {I(0x85, 0, 1, 0, 2), I(0x05, 0, 0, 1, 0), EXIT, MOV_K(0, 1), EXIT};
	expect_reject(a, "insn 1 (ja +1): jump out of its function (target 3, function is insns "
		      "0-2)");
}

static void test_lddw_pseudo(void)
{
	struct xbpf_insn a[] = {I(0x18, 1, 3, 0, 7), I(0, 0, 0, 0, 0), MOV_K(0, 0), EXIT};
	expect_reject_err(a, N(a), ENOTSUP, "insn 0 (");
	expect_reject_err(a, N(a), ENOTSUP, "need kernel BTF");
	struct xbpf_insn b[] = {I(0x18, 1, 1, 0, 0), I(0, 0, 0, 0, 0), MOV_K(0, 0), EXIT};
	expect_reject(b, "map index 0 out of range (0 maps given)");
	struct xbpf_insn c[] = {I(0x18, 1, 6, 0, 2), I(0, 0, 0, 0, 0), MOV_K(0, 0), EXIT};
	expect_reject(c, "map index 2 out of range");
}

static void test_decoded_code(void)
{
	struct xbpf_insn p[] = {
		I(0xb7, 1, 0, 0, -2),    /* 0: mov r1, -2 */
		I(0x15, 1, 0, 3, 0),     /* 1: jeq r1, 0, +3 -> 5 */
		I(0x8d, 0, 0, 0, 2),     /* 2: callx r2 (LLVM encoding) */
		I(0x85, 0, 1, 0, 4),     /* 3: call local -> 8 */
		I(0x18, 3, 4, 0, 4),     /* 4: lddw r3, func -> 9 */
		I(0, 0, 0, 0, 0),        /* 5 */
		I(0x8d, 4, 0, 0, 0),     /* 6: callx r4 (conformance encoding) */
		EXIT,                    /* 7 */
		EXIT,                    /* 8: function */
		EXIT,                    /* 9: callback */
	};
	p[1].off = 4;                    /* jeq -> 6 (5 is a lddw second half) */
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog *prog = load_ok(vm, p, N(p));
	if (!prog) {
		xbpf_vm__free(vm);
		return;
	}
	T_EQ(prog->code[0].imm, (uint64_t)-2);
	T_EQ(prog->code[1].off, 6);
	T_EQ(prog->code[2].op, XOP_CALLX);
	T_EQ(prog->code[2].src, 2);
	T_EQ(prog->code[6].src, 4);
	T_EQ(prog->code[3].off, 8);
	T_EQ(prog->code[5].op, XOP_INVALID);
	T_CHECK(vm_is_func_value((uint64_t)prog->code[4].imm));
	T_EQ((uint64_t)prog->code[4].imm & VM_FUNC_MASK, 9);
	T_EQ(prog->func_cnt, 3);
	T_EQ(prog->funcs[0].start, 0);
	T_EQ(prog->funcs[0].end, 8);
	T_EQ(prog->funcs[1].start, 8);
	T_EQ(prog->funcs[2].start, 9);
	T_EQ(prog->funcs[2].end, 10);
	T_EQ(xbpf_prog__insn_cnt(prog), N(p));
	T_CHECK(memcmp(xbpf_prog__insns(prog), p, sizeof p) == 0);
	xbpf_prog__free(prog);
	xbpf_vm__free(vm);
}

static void test_bad_arguments(void)
{
	struct xbpf_insn p[] = {EXIT};
	errno = 0;
	T_CHECK(xbpf_prog__load(NULL, p, 1, NULL) == NULL);
	T_EQ(errno, EINVAL);
	struct xbpf_vm *vm = new_vm();
	struct xbpf_prog_load_opts o = {.sz = sizeof o, .engine = (enum xbpf_engine)42,
					.log_buf = log_buf, .log_size = sizeof log_buf};
	T_CHECK(xbpf_prog__load(vm, p, 1, &o) == NULL);
	T_EQ(errno, EINVAL);
	T_CONTAINS(log_buf, "unknown engine 42");
	/* no log buffer at all: still a clean failure */
	struct xbpf_insn bad[] = {I(0xff, 0, 0, 0, 0)};
	T_CHECK(xbpf_prog__load(vm, bad, 1, NULL) == NULL);
	T_EQ(errno, EINVAL);
	/* a 1-byte log buffer is NUL-terminated */
	char tiny[1] = {'x'};
	struct xbpf_prog_load_opts t = {.sz = sizeof t, .log_buf = tiny, .log_size = 1};
	T_CHECK(xbpf_prog__load(vm, bad, 1, &t) == NULL);
	T_EQ(tiny[0], 0);
	xbpf_vm__free(vm);
}

static void test_every_opcode_byte(void)
{
	/* Every opcode byte with every register pair and a few offsets either loads or is
	 * rejected with a message: never a crash. */
	struct xbpf_vm *vm = new_vm();
	unsigned loaded = 0, rejected = 0;
	for (int code = 0; code < 256; code++) {
		for (int regs = 0; regs < 256; regs += 17) {
			struct xbpf_insn p[] = {I(code, regs & 15, regs >> 4, 0, 0), I(0, 0, 0, 0, 0),
						EXIT};
			struct xbpf_prog_load_opts o = {.sz = sizeof o, .log_buf = log_buf,
							.log_size = sizeof log_buf};
			struct xbpf_prog *prog = xbpf_prog__load(vm, p, 3, &o);
			if (prog) {
				loaded++;
			} else {
				rejected++;
				T_CHECK(strncmp(log_buf, "insn ", 5) == 0);
			}
			xbpf_prog__free(prog);
		}
	}
	T_CHECK(loaded > 0 && rejected > 0);
	xbpf_vm__free(vm);
}

T_MAIN(test_empty, test_too_many, test_unknown_opcode, test_reserved_fields, test_bad_registers,
       test_write_r10, test_jump_range, test_jump_into_lddw, test_lddw_halves, test_fall_off,
       test_unknown_helper, test_local_call_target, test_jump_between_functions,
       test_lddw_pseudo, test_decoded_code, test_bad_arguments, test_every_opcode_byte)
