/* precise.c - static precision ("demand") analysis: which scalar registers and stack
 * slots may still influence a safety decision after each instruction.
 *
 * A scalar's exact value matters only when, on some path onward, it flows (through ALU
 * operations, moves, spills and fills) into a memory access offset, pointer arithmetic,
 * a helper argument the verifier checks (sizes, constants, NULL), or a conditional jump
 * (whose outcome the value may decide). Everywhere else any scalar would do. Pruning
 * compares such "undemanded" scalars by type only, which is what makes it effective on
 * large programs (the kernel gets the same effect by backtracking precision marks).
 *
 * The analysis is a backward may-dataflow over each function, conservative wherever
 * memory is not addressed through r10 with a constant offset: a load through another
 * pointer may read any stack slot, a store through one kills none, and a local call may
 * read every slot of the caller's stack. Demand on the caller's frame is therefore only
 * used for its registers (callers' stack slots always compare exactly).
 */
#include <stdlib.h>
#include <string.h>
#include "vrf.h"

#define ALL_SLOTS (~0ull)
#define OP_LDDW_HI 0xfffe

struct dem {
	uint16_t regs;
	uint64_t slots;
};

/* Slots touched by an access of `size` bytes at r10 + off (slot i: [-(i+1)*8, -i*8)). */
static uint64_t slots_of(int32_t off, unsigned size, bool *full)
{
	uint64_t m = 0;
	*full = size == 8 && off % 8 == 0;
	for (int64_t b = off; b < (int64_t)off + size; b++) {
		if (b < -XBPF_STACK_SIZE || b >= 0) {
			*full = false;
			continue;
		}
		m |= 1ull << ((-b - 1) / 8);
	}
	return m;
}

static uint16_t checked_args(struct vrf_env *env, int32_t id)
{
	const struct xbpf_helper_proto *p = vrf_helper_proto(env, (uint32_t)id, NULL);
	uint16_t m = 0;
	if (!p)
		return 0x3e;
	for (int a = 0; a < 5 && p->args[a] != XBPF_ARG_DONTCARE; a++)
		if (p->args[a] != XBPF_ARG_ANYTHING)
			m |= (uint16_t)(1u << (a + 1));
	return m;
}

static void mem_transfer(const struct xbpf_insn *in, uint8_t form, unsigned size, struct dem *d)
{
	bool full;
	uint16_t dbit = (uint16_t)(1u << in->dst_reg), sbit = (uint16_t)(1u << in->src_reg);
	if (form == FORM_LDX) {
		if (d->regs & dbit)
			d->slots |= in->src_reg == 10 ? slots_of(in->off, size, &full) : ALL_SLOTS;
		d->regs &= (uint16_t)~dbit;
		d->regs |= sbit;
		return;
	}
	uint64_t touched = in->dst_reg == 10 ? slots_of(in->off, size, &full) : 0;
	bool demanded = in->dst_reg == 10 ? (d->slots & touched) != 0 : d->slots != 0;
	if (form == FORM_ATOMIC) {
		d->slots |= in->dst_reg == 10 ? touched : ALL_SLOTS;
		d->regs |= dbit | sbit | (in->imm == XBPF_CMPXCHG ? 1 : 0);
		return;
	}
	if (in->dst_reg == 10 && full)
		d->slots &= ~touched;
	if (form == FORM_STX && demanded)
		d->regs |= sbit;
	d->regs |= dbit;
}

/* Demand before insn i, given the demand after it. */
static void transfer(struct vrf_env *env, size_t i, struct dem *d)
{
	const struct xbpf_insn *in = &env->insns[i];
	uint16_t op = env->ops[i];
	uint8_t form = isa_table[op].form;
	uint16_t dbit = (uint16_t)(1u << in->dst_reg), sbit = (uint16_t)(1u << in->src_reg);
	bool mov = XBPF_OP(isa_table[op].code) == XBPF_MOV;
	switch (form) {
	case FORM_ALU_K:
		if (mov)
			d->regs &= (uint16_t)~dbit;
		break;
	case FORM_ALU_X: case FORM_MOVSX:
		if (d->regs & dbit) {
			if (mov || form == FORM_MOVSX)
				d->regs &= (uint16_t)~dbit;
			d->regs |= sbit;
		} else if (mov || form == FORM_MOVSX) {
			d->regs &= (uint16_t)~dbit;
		}
		break;
	case FORM_LDX: case FORM_ST: case FORM_STX: case FORM_ATOMIC:
		mem_transfer(in, form, isa_mem_size(op), d);
		break;
	case FORM_LDDW:
		d->regs &= (uint16_t)~dbit;
		break;
	case FORM_LDABS: case FORM_LDIND:
		d->regs &= (uint16_t)~0x3f;
		d->regs |= (uint16_t)((1u << 6) | (form == FORM_LDIND ? sbit : 0));
		break;
	case FORM_JCOND_K:
		d->regs |= dbit;
		break;
	case FORM_JCOND_X:
		d->regs |= dbit | sbit;
		break;
	case FORM_CALL:
		d->regs &= (uint16_t)~0x3f;
		d->regs |= checked_args(env, in->imm);
		break;
	case FORM_CALL_LOCAL:
		d->regs &= (uint16_t)~0x3f;
		d->regs |= 0x3e;
		d->slots = ALL_SLOTS;
		break;
	case FORM_EXIT:
		d->regs = env->subprog_of[i] ? 1 : 0;
		d->slots = 0;
		break;
	default:
		break;
	}
	d->regs &= 0x3ff;
}

void vrf_precision(struct vrf_env *env)
{
	struct dem *in = calloc(env->cnt, sizeof *in);
	if (!in) {
		for (size_t i = 0; i < env->cnt; i++) {
			env->dem_regs[i] = 0x3ff;
			env->dem_slots[i] = ALL_SLOTS;
		}
		return;
	}
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t k = env->cnt; k-- > 0;) {
			uint16_t op = env->ops[k];
			if (op == OP_LDDW_HI)
				continue;
			uint8_t form = isa_table[op].form;
			struct dem d = {0, 0};
			size_t next = k + (form == FORM_LDDW ? 2 : 1);
			if (form != FORM_EXIT && form != FORM_JA && form != FORM_JA32 && next < env->cnt) {
				d.regs |= in[next].regs;
				d.slots |= in[next].slots;
			}
			if (isa_is_jump(op)) {
				size_t t = (size_t)isa_target(op, &env->insns[k], k);
				d.regs |= in[t].regs;
				d.slots |= in[t].slots;
			}
			transfer(env, k, &d);
			if (d.regs != in[k].regs || d.slots != in[k].slots) {
				in[k] = d;
				changed = true;
			}
		}
	}
	for (size_t i = 0; i < env->cnt; i++) {
		env->dem_regs[i] = in[i].regs;
		env->dem_slots[i] = in[i].slots;
	}
	free(in);
}
