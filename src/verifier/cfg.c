/* cfg.c - the verifier's first phase: decode every instruction through the ISA table,
 * check the structure (fields, jump targets, lddw halves), split the program into
 * subprograms (entry 0, local call targets, callback targets of lddw src=4), mark prune
 * points (jump targets, fall-throughs of conditional jumps, returns of calls), and compute
 * static register liveness, which lets pruning ignore registers no path reads again.
 *
 * Jumps may not leave their subprogram and a subprogram may not fall through into the
 * next one (the kernel's rules); these are checked here so exploration can rely on them.
 */
#include <stdlib.h>
#include <string.h>
#include "vrf.h"

#define OP_LDDW_HI 0xfffe /* second slot of a lddw */

static int bad_insn(struct vrf_env *env, uint32_t pc, const char *hint, const char *what)
{
	env->pc = pc;
	return vrf_reject(env, NULL, -EINVAL, hint, "%s", what);
}

static int decode_all(struct vrf_env *env)
{
	for (size_t i = 0; i < env->cnt; i++) {
		const struct xbpf_insn *in = &env->insns[i];
		uint16_t op = isa_decode(in);
		const char *why;
		if (op == XOP_INVALID)
			return bad_insn(env, (uint32_t)i, "the opcode byte is not an eBPF instruction",
					"invalid instruction");
		if ((why = isa_check_fields(op, in)) != NULL)
			return bad_insn(env, (uint32_t)i, "fix the instruction's encoding", why);
		env->ops[i] = op;
		if (isa_table[op].form == FORM_LDDW) {
			if (i + 1 >= env->cnt)
				return bad_insn(env, (uint32_t)i, "lddw takes two instruction slots",
						"lddw is missing its second half");
			env->ops[++i] = OP_LDDW_HI;
		}
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Subprogram entries: 0, local call targets, function addresses (lddw src=4). */
static int find_subprogs(struct vrf_env *env)
{
	uint32_t *starts = calloc(env->cnt + 1, sizeof *starts);
	unsigned n = 0;
	if (!starts)
		return -ENOMEM;
	starts[n++] = 0;
	for (size_t i = 0; i < env->cnt; i++) {
		uint16_t op = env->ops[i];
		if (op == OP_LDDW_HI)
			continue;
		uint8_t form = isa_table[op].form;
		const struct xbpf_insn *in = &env->insns[i];
		int64_t t;
		if (form == FORM_CALL_LOCAL)
			t = isa_target(op, in, i);
		else if (form == FORM_LDDW && in->src_reg == XBPF_PSEUDO_FUNC)
			t = (int64_t)i + in->imm + 1;
		else
			continue;
		if (t < 0 || t >= (int64_t)env->cnt || env->ops[t] == OP_LDDW_HI) {
			free(starts);
			return bad_insn(env, (uint32_t)i, "the call target must be the first "
					"instruction of a function", "call target out of range");
		}
		starts[n++] = (uint32_t)t;
	}
	qsort(starts, n, sizeof *starts, cmp_u32);
	env->subprogs = vrf_alloc(env, n * sizeof *env->subprogs);
	if (!env->subprogs) {
		free(starts);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		if (i && starts[i] == starts[i - 1])
			continue;
		env->subprogs[env->nsubprogs++].start = starts[i];
	}
	free(starts);
	for (unsigned s = 0; s < env->nsubprogs; s++) {
		struct vrf_subprog *sp = &env->subprogs[s];
		sp->end = s + 1 < env->nsubprogs ? env->subprogs[s + 1].start : (uint32_t)env->cnt;
		for (uint32_t i = sp->start; i < sp->end; i++)
			env->subprog_of[i] = s;
	}
	return 0;
}

/* Jump targets inside their subprogram, not into a lddw; no fall-through between
 * subprograms. Marks prune points. */
static int check_jumps(struct vrf_env *env)
{
	for (size_t i = 0; i < env->cnt; i++) {
		uint16_t op = env->ops[i];
		if (op == OP_LDDW_HI)
			continue;
		uint8_t form = isa_table[op].form;
		const struct vrf_subprog *sp = &env->subprogs[env->subprog_of[i]];
		if (isa_is_jump(op)) {
			int64_t t = isa_target(op, &env->insns[i], i);
			if (t < sp->start || t >= sp->end)
				return bad_insn(env, (uint32_t)i, "jumps must stay inside their function",
						"jump out of range");
			if (env->ops[t] == OP_LDDW_HI)
				return bad_insn(env, (uint32_t)i, "a jump may not land on the second "
						"half of a lddw", "jump into the middle of lddw");
			if (env->prune[t] < (t <= (int64_t)i ? VRF_PRUNE_LOOP : VRF_PRUNE_POINT))
				env->prune[t] = t <= (int64_t)i ? VRF_PRUNE_LOOP : VRF_PRUNE_POINT;
			if (form != FORM_JA && form != FORM_JA32 && i + 1 < env->cnt && !env->prune[i + 1])
				env->prune[i + 1] = VRF_PRUNE_POINT;
		}
		if ((form == FORM_CALL || form == FORM_CALL_LOCAL) && i + 1 < env->cnt && !env->prune[i + 1])
			env->prune[i + 1] = VRF_PRUNE_POINT;
		if (form == FORM_CALL && vrf_helper_has_callback(env, env->insns[i].imm))
			env->prune[i] = VRF_PRUNE_CALLBACK;  /* a callback's exit comes back here */
		if (form == FORM_CALLX)
			return bad_insn(env, (uint32_t)i, "call helpers by constant id (call N)",
					"callx (indirect call) cannot be verified");
		if (form == FORM_CALL_KFUNC)
			return bad_insn(env, (uint32_t)i, "xbpf has no kernel functions to call",
					"kernel function calls (kfuncs) are not supported");
		size_t last = sp->end - 1;
		if (env->ops[last] == OP_LDDW_HI && last > 0)
			last--;
		if (i == last && form != FORM_EXIT && form != FORM_JA && form != FORM_JA32)
			return bad_insn(env, (uint32_t)i, "every function must end in exit or a jump",
					sp->end == env->cnt ? "program can fall off its end"
							    : "function falls through into the next one");
	}
	return 0;
}

static uint16_t helper_args_mask(struct vrf_env *env, int32_t id)
{
	const struct xbpf_helper_proto *p = vrf_helper_proto(env, (uint32_t)id, NULL);
	uint16_t m = 0;
	if (!p)
		return 0x3e;
	for (int a = 0; a < 5 && p->args[a] != XBPF_ARG_DONTCARE; a++)
		m |= (uint16_t)(1u << (a + 1));
	return m;
}

/* Registers read (*use) and written (*def) by insn i. */
static void use_def(struct vrf_env *env, size_t i, uint16_t *use, uint16_t *def)
{
	const struct xbpf_insn *in = &env->insns[i];
	uint16_t op = env->ops[i], d = (uint16_t)(1u << in->dst_reg), s = (uint16_t)(1u << in->src_reg);
	uint8_t aop = XBPF_OP(isa_table[op].code);
	*use = *def = 0;
	switch (isa_table[op].form) {
	case FORM_ALU_K: *use = aop == XBPF_MOV ? 0 : d; *def = d; break;
	case FORM_ALU_X: *use = (aop == XBPF_MOV ? 0 : d) | s; *def = d; break;
	case FORM_NEG: case FORM_END: *use = *def = d; break;
	case FORM_MOVSX: *use = s; *def = d; break;
	case FORM_LDX: *use = s; *def = d; break;
	case FORM_ST: *use = d; break;
	case FORM_STX: *use = d | s; break;
	case FORM_ATOMIC:
		*use = d | s;
		if (in->imm == XBPF_CMPXCHG) { *use |= 1; *def = 1; }
		else if (in->imm & XBPF_FETCH) *def = s;
		break;
	case FORM_LDDW: *def = d; break;
	case FORM_LDABS: *use = 1u << 6; *def = 0x3f; break;
	case FORM_LDIND: *use = (uint16_t)((1u << 6) | s); *def = 0x3f; break;
	case FORM_JCOND_K: *use = d; break;
	case FORM_JCOND_X: *use = d | s; break;
	case FORM_CALL: *use = helper_args_mask(env, in->imm); *def = 0x3f; break;
	case FORM_CALL_LOCAL: *use = 0x3e; *def = 0x3f; break;
	case FORM_EXIT: *use = 1; break;
	default: break;
	}
	*use &= 0x3ff; /* r10 never changes: no need to track it */
}

static void liveness(struct vrf_env *env)
{
	uint16_t *use = calloc(env->cnt, sizeof *use), *def = calloc(env->cnt, sizeof *def);
	if (!use || !def) {          /* no liveness: everything live (sound, less pruning) */
		for (size_t i = 0; i < env->cnt; i++)
			env->live[i] = 0x3ff;
		free(use);
		free(def);
		return;
	}
	for (size_t i = 0; i < env->cnt; i++)
		if (env->ops[i] != OP_LDDW_HI)
			use_def(env, i, &use[i], &def[i]);
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t k = env->cnt; k-- > 0;) {
			uint16_t op = env->ops[k];
			if (op == OP_LDDW_HI)
				continue;
			uint8_t form = isa_table[op].form;
			uint16_t out = 0;
			size_t next = k + (form == FORM_LDDW ? 2 : 1);
			if (form != FORM_EXIT && form != FORM_JA && form != FORM_JA32 && next < env->cnt)
				out |= env->live[next];
			if (isa_is_jump(op))
				out |= env->live[isa_target(op, &env->insns[k], k)];
			uint16_t in = (uint16_t)(use[k] | (out & ~def[k]));
			if (in != env->live[k]) {
				env->live[k] = in;
				changed = true;
			}
		}
	}
	free(use);
	free(def);
}

int vrf_cfg(struct vrf_env *env)
{
	int err;
	size_t n = env->cnt;
	env->ops = vrf_alloc(env, n * sizeof *env->ops);
	env->live = vrf_alloc(env, n * sizeof *env->live);
	env->dem_regs = vrf_alloc(env, n * sizeof *env->dem_regs);
	env->dem_slots = vrf_alloc(env, n * sizeof *env->dem_slots);
	env->live_slots = vrf_alloc(env, n * sizeof *env->live_slots);
	env->prune = vrf_alloc(env, n);
	env->subprog_of = vrf_alloc(env, n * sizeof *env->subprog_of);
	env->stored = vrf_alloc(env, n * sizeof *env->stored);
	if (!env->ops || !env->live || !env->dem_regs || !env->dem_slots || !env->live_slots || !env->prune || !env->subprog_of || !env->stored)
		return vrf_reject(env, NULL, -ENOMEM, "the program is too large for the memory "
				  "limit", "out of memory");
	if ((err = decode_all(env)) || (err = find_subprogs(env)) || (err = check_jumps(env)))
		return err;
	liveness(env);
	vrf_precision(env);
	return 0;
}
