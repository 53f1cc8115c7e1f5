/* vrf_gen.h - random eBPF programs for testing the verifier's soundness, shared by the
 * libFuzzer target (tests/fuzz/fuzz_verifier.c) and the deterministic oracle test
 * (tests/unit/test_verifier_oracle.c).
 *
 * vrf_gen() turns bytes into a program of raw-memory type (r1 = 64 bytes of memory,
 * r2 = 64) drawn from a menu that reaches the verifier's interesting paths: ALU on
 * registers (pointers included), loads and stores through r1, r10 and other registers,
 * forward and backward conditional jumps, helper calls with memory arguments, lddw.
 * vrf_oracle() verifies it and, when accepted, runs it in the interpreter with runtime
 * checks on: a failed check (-EFAULT) or a helper seeing memory it may not touch means
 * the verifier accepted something unsafe, and the oracle aborts.
 */
#ifndef XBPF_VRF_GEN_H
#define XBPF_VRF_GEN_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xbpf/xbpf.h"

#define GEN_MEM 64
#define GEN_MAX 64

static uint64_t gen_mem_sum(uint64_t p, uint64_t n, uint64_t a3, uint64_t a4, uint64_t a5,
			    struct xbpf_run_ctx *rc)
{
	(void)a3; (void)a4; (void)a5;
	if (n && !xbpf_run_ctx__check(rc, p, n, false)) {
		fprintf(stderr, "UNSOUND: helper read of %llu bytes at %#llx accepted\n",
			(unsigned long long)n, (unsigned long long)p);
		abort();
	}
	uint64_t s = 0;
	for (uint64_t i = 0; i < n; i++)
		s += ((const uint8_t *)(uintptr_t)p)[i];
	return s;
}

static uint64_t gen_mem_fill(uint64_t p, uint64_t n, uint64_t a3, uint64_t a4, uint64_t a5,
			     struct xbpf_run_ctx *rc)
{
	(void)a3; (void)a4; (void)a5;
	if (n && !xbpf_run_ctx__check(rc, p, n, true)) {
		fprintf(stderr, "UNSOUND: helper write of %llu bytes at %#llx accepted\n",
			(unsigned long long)n, (unsigned long long)p);
		abort();
	}
	memset((void *)(uintptr_t)p, 0x5a, n);
	return n;
}

static struct xbpf_vm *gen_vm(void)
{
	struct xbpf_vm_opts vo = {.sz = sizeof vo, .no_builtin_helpers = true};
	struct xbpf_vm *vm = xbpf_vm__new(&vo);
	static const struct xbpf_helper_proto sum = {XBPF_RET_INTEGER,
		{XBPF_ARG_PTR_TO_MEM, XBPF_ARG_CONST_SIZE}, 0};
	static const struct xbpf_helper_proto fill = {XBPF_RET_INTEGER,
		{XBPF_ARG_PTR_TO_UNINIT_MEM, XBPF_ARG_CONST_SIZE_OR_ZERO}, 0};
	if (vm) {
		xbpf_vm__register_helper(vm, 100, "mem_sum", gen_mem_sum, &sum);
		xbpf_vm__register_helper(vm, 101, "mem_fill", gen_mem_fill, &fill);
	}
	return vm;
}

static const uint8_t gen_alu_ops[] = {XBPF_ADD, XBPF_SUB, XBPF_MUL, XBPF_DIV, XBPF_OR,
	XBPF_AND, XBPF_LSH, XBPF_RSH, XBPF_MOD, XBPF_XOR, XBPF_MOV, XBPF_ARSH, XBPF_ADD, XBPF_MOV};
static const uint8_t gen_jmp_ops[] = {XBPF_JEQ, XBPF_JGT, XBPF_JGE, XBPF_JSET, XBPF_JNE,
	XBPF_JSGT, XBPF_JSGE, XBPF_JLT, XBPF_JLE, XBPF_JSLT, XBPF_JSLE};
static const uint8_t gen_sizes[] = {XBPF_B, XBPF_H, XBPF_W, XBPF_DW};

static struct xbpf_insn gen_insn(uint8_t code, unsigned dst, unsigned src, int off, int imm)
{
	struct xbpf_insn in = {code, (uint8_t)dst, (uint8_t)src, (int16_t)off, imm};
	return in;
}

/* Build a program from bytes; returns its length. */
static size_t vrf_gen(const uint8_t *d, size_t n, struct xbpf_insn *out)
{
	/* 17 prologue insns, up to 2 per body item, 2 at the end: fits GEN_MAX + 8 */
	size_t k = 0, body = n / 4 < (GEN_MAX - 12) / 2 ? n / 4 : (GEN_MAX - 12) / 2;
	/* prologue: every register holds something, 64 bytes of stack are written */
	for (unsigned r = 0; r < 10; r++)
		if (r != 1)
			out[k++] = gen_insn(XBPF_ALU64 | XBPF_MOV | XBPF_K, r, 0, 0, (int)r * 3 - 4);
	for (int s = 1; s <= 8; s++)
		out[k++] = gen_insn(XBPF_ST | XBPF_MEM | XBPF_DW, 10, 0, -8 * s, s);
	for (size_t i = 0; i < body; i++) {
		uint8_t a = d[4 * i], b = d[4 * i + 1], c = d[4 * i + 2], e = d[4 * i + 3];
		unsigned dst = b % 10, src = c % 11, left = (unsigned)(body - i);
		uint8_t cls = (a & 0x10) ? XBPF_ALU64 : XBPF_ALU;
		unsigned base = e % 3 == 0 ? 1 : e % 3 == 1 ? 10 : c % 10;
		int moff = base == 10 ? -(int)(1 + e % 64) : (int)(e % 72) - 4;
		switch (a % 16) {
		case 0: case 1: case 2:
			out[k++] = gen_insn(cls | XBPF_K | gen_alu_ops[c % sizeof gen_alu_ops], dst, 0,
					    0, (int)(e % 80) - 8);
			break;
		case 3: case 4:
			out[k++] = gen_insn(cls | XBPF_X | gen_alu_ops[c % sizeof gen_alu_ops], dst,
					    e % 11, 0, 0);
			break;
		case 5: case 6:
			out[k++] = gen_insn(XBPF_LDX | XBPF_MEM | gen_sizes[c % 4], dst, base, moff, 0);
			break;
		case 7:
			out[k++] = gen_insn(XBPF_STX | XBPF_MEM | gen_sizes[c % 4], base, b % 11, moff, 0);
			break;
		case 8:
			out[k++] = gen_insn(XBPF_ST | XBPF_MEM | gen_sizes[c % 4], base, 0, moff, b - 128);
			break;
		case 9: case 10: case 11: {
			uint8_t jc = (a & 0x20) ? XBPF_JMP32 : XBPF_JMP;
			int off = (a & 0x40) && i > 2 && (e & 4) ? -(int)(1 + e % 3) : (int)(e % (left > 4 ? 4 : left));
			bool x = b & 0x80;
			out[k++] = gen_insn(jc | (x ? XBPF_X : XBPF_K) | gen_jmp_ops[c % sizeof gen_jmp_ops],
					    dst, x ? src : 0, off, x ? 0 : (int)(e % 70) - 4);
			break;
		}
		case 12:
			out[k++] = gen_insn(XBPF_JMP | XBPF_CALL, 0, 0, 0, e % 3 ? 100 + (e & 1) : 5);
			break;
		case 13:
			out[k++] = gen_insn(XBPF_ALU64 | XBPF_MOV | XBPF_X, dst, e & 1 ? 1 : 10, 0, 0);
			out[k++] = gen_insn(XBPF_ALU64 | XBPF_ADD | XBPF_K, dst, 0, 0,
					    e & 1 ? (int)(c % 72) : -(int)(c % 80));
			break;
		case 14:
			out[k++] = gen_insn(XBPF_LD | XBPF_IMM | XBPF_DW, dst, 0, 0, (int)(c * 0x01010101u));
			out[k++] = gen_insn(0, 0, 0, 0, e & 1 ? -1 : 0);
			break;
		default:
			out[k++] = gen_insn(XBPF_STX | XBPF_ATOMIC | (c & 1 ? XBPF_DW : XBPF_W), base,
					    b % 10, moff, e & 2 ? XBPF_ADD | XBPF_FETCH : XBPF_ADD);
			break;
		}
	}
	if (n % 4 == 1)
		out[k++] = gen_insn(XBPF_ALU64 | XBPF_MOV | XBPF_K, 0, 0, 0, 0);
	out[k++] = gen_insn(XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0);
	return k;
}

/* Verify; when accepted, run with runtime checks on. Returns 1 accepted, 0 rejected;
 * aborts on a soundness failure. */
static int vrf_oracle(struct xbpf_vm *vm, const struct xbpf_insn *p, size_t cnt)
{
	struct xbpf_verify_opts o = {.sz = sizeof o, .vm = vm, .mem_size = GEN_MEM,
				     .max_insns = 20000};
	struct xbpf_verify_result r;
	if (xbpf_verify(p, cnt, &o, &r))
		return 0;
	char log[256] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .log_buf = log, .log_size = sizeof log};
	struct xbpf_prog *prog = xbpf_prog__load(vm, p, cnt, &lo);
	if (!prog)
		return 1; /* the core validator may refuse what it does not run (not a verifier issue) */
	uint8_t mem[GEN_MEM];
	for (int i = 0; i < GEN_MEM; i++)
		mem[i] = (uint8_t)(i * 37 + 11);
	char rlog[256] = "";
	struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = mem, .ctx_size = GEN_MEM,
				   .budget = 100000, .log_buf = rlog, .log_size = sizeof rlog};
	int err = xbpf_prog__run(prog, &ro);
	if (err == -EFAULT) {
		char *text = xbpf_disasm(p, cnt, XBPF_SYNTAX_KERNEL, false, vm);
		fprintf(stderr, "UNSOUND: accepted program failed a runtime check: %s\n%s\n", rlog,
			text ? text : "");
		abort();
	}
	xbpf_prog__free(prog);
	return 1;
}
#endif
