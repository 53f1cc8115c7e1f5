/* check_alu.c - transfer functions of ALU instructions and lddw: scalar arithmetic
 * through the scalar domain, pointer arithmetic (pointer +/- scalar keeps the pointer's
 * type; fixed parts go to `off`, variable parts to `v`), and the kernel's prohibitions
 * (pointer + pointer, bitwise/32-bit operations on pointers, arithmetic on pointers that
 * may be NULL or that point to nothing addressable).
 *
 * Driven by the ISA table: the operation comes from the opcode's op bits (and the off
 * discriminator of sdiv/smod, movsx), the width from its class.
 */
#include <string.h>
#include "vrf.h"

static enum sc_op alu_op(uint16_t op, const struct xbpf_insn *in)
{
	switch (XBPF_OP(isa_table[op].code)) {
	case XBPF_ADD: return SC_ADD;
	case XBPF_SUB: return SC_SUB;
	case XBPF_MUL: return SC_MUL;
	case XBPF_DIV: return in->off == 1 ? SC_SDIV : SC_DIV;
	case XBPF_MOD: return in->off == 1 ? SC_SMOD : SC_MOD;
	case XBPF_OR: return SC_OR;
	case XBPF_AND: return SC_AND;
	case XBPF_LSH: return SC_LSH;
	case XBPF_RSH: return SC_RSH;
	case XBPF_ARSH: return SC_ARSH;
	case XBPF_XOR: return SC_XOR;
	case XBPF_NEG: return SC_NEG;
	default: return SC_MOV;
	}
}

static bool ptr_arith_ok(const struct vrf_reg *p)
{
	switch (p->type) {
	case VT_CTX: case VT_STACK: case VT_MAP_VALUE: case VT_MAP_KEY: case VT_PKT:
	case VT_PKT_META: case VT_MEM:
		return true;
	default:
		return false;
	}
}

/* dst = ptr +/- s (64-bit). `p` is the pointer operand, `s` the scalar. */
static int ptr_add(struct vrf_env *env, struct vrf_state *st, struct vrf_reg *dst,
		   struct vrf_reg p, const struct vrf_scalar *s, bool sub, unsigned regno)
{
	char hint[160];
	if (p.maybe_null) {
		snprintf(hint, sizeof hint, "r%u may be NULL here: compare it with 0 before "
			 "doing arithmetic on it", regno);
		return vrf_reject(env, st, -EACCES, hint,
				  "R%u pointer arithmetic on %s prohibited, null-check it first",
				  regno, vrf_type_name(&p));
	}
	if (!ptr_arith_ok(&p))
		return vrf_reject(env, st, -EACCES, "this pointer does not point to memory the "
				  "program may index", "R%u pointer arithmetic on %s prohibited",
				  regno, vrf_type_name(&p));
	if (sc_is_const(s)) {
		int64_t c = (int64_t)s->t.value, off = (int64_t)p.off;
		if (c > VRF_MAX_VAR_OFF || c < -VRF_MAX_VAR_OFF)
			return vrf_reject(env, st, -EACCES, "the constant added to the pointer is "
					  "far outside any object", "pointer offset %lld is not "
					  "allowed", (long long)c);
		off = sub ? off - c : off + c;
		if (off > VRF_MAX_VAR_OFF || off < -VRF_MAX_VAR_OFF)
			return vrf_reject(env, st, -EACCES, "the pointer moved far outside any "
					  "object", "pointer offset %lld is not allowed", (long long)off);
		p.off = (int32_t)off;
		*dst = p;
		return 0;
	}
	if (s->smin < -VRF_MAX_VAR_OFF || s->smax > VRF_MAX_VAR_OFF) {
		snprintf(hint, sizeof hint, "bound the value (e.g. `if (x > N) return`) before "
			 "adding it to the pointer in r%u", regno);
		return vrf_reject(env, st, -EACCES, hint, "math between %s pointer and register "
				  "with unbounded value is not allowed", vrf_type_name(&p));
	}
	p.v = sc_alu(sub ? SC_SUB : SC_ADD, p.v, *s, true);
	if (p.v.smin < -VRF_MAX_VAR_OFF || p.v.smax > VRF_MAX_VAR_OFF)
		return vrf_reject(env, st, -EACCES, "the pointer's variable offset grew past "
				  "any object", "R%u unbounded pointer offset", regno);
	if (p.type == VT_PKT || p.type == VT_PKT_META) {
		p.id = vrf_new_id(env);
		p.range = 0;
	}
	*dst = p;
	return 0;
}

static bool form_x(uint16_t op)
{
	return isa_table[op].form == FORM_ALU_X;
}

static int ptr_alu(struct vrf_env *env, struct vrf_state *st, enum sc_op sop,
		   struct vrf_reg *dst, const struct vrf_reg *src, bool is64, unsigned regno)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	const char *sym = isa_table[env->op].ksym;
	bool dp = vrf_is_ptr(dst), sp = vrf_is_ptr(src);
	if (sop == SC_SUB && dp && (sp || !is64)) {
		/* pointer differences (and 32-bit subtractions) are plain numbers */
		vrf_mark_unknown(dst);
		if (!is64)
			dst->v = sc_trunc(dst->v, 4);
		return 0;
	}
	if (!is64)
		return vrf_reject(env, st, -EACCES, "pointers are 64-bit: use 64-bit arithmetic "
				  "(r registers, not w)", "R%u 32-bit pointer arithmetic prohibited",
				  regno);
	if (dp && sp) {
		return vrf_reject(env, st, -EACCES, "only a scalar may be added to a pointer",
				  "R%u pointer %s pointer prohibited", regno, sym);
	}
	if (sop != SC_ADD && sop != SC_SUB)
		return vrf_reject(env, st, -EACCES, "only + and - with a scalar are allowed on "
				  "pointers", "R%u pointer arithmetic with %s operator prohibited",
				  dp ? regno : (unsigned)in->src_reg, sym);
	/* the scalar moves the pointer: its value must stay what it is in pruned states */
	if (form_x(env->op))
		vrf_precise_regs(env, st, dp ? (int)in->src_reg : (int)in->dst_reg, -1);
	if (!dp) {
		if (sop == SC_SUB)
			return vrf_reject(env, st, -EACCES, "subtract the scalar from the pointer, "
					  "not the pointer from the scalar", "R%u tried to subtract "
					  "pointer from scalar", regno);
		struct vrf_scalar s = dst->v;
		return ptr_add(env, st, dst, *src, &s, false, in->src_reg);
	}
	return ptr_add(env, st, dst, *dst, &src->v, sop == SC_SUB, regno);
}

static int check_mov(struct vrf_env *env, struct vrf_state *st, struct vrf_reg *dst,
		     struct vrf_reg *src, bool is64)
{
	if (is64) {
		if (src->type == VT_SCALAR && !src->id && !sc_is_const(&src->v))
			src->id = vrf_new_id(env);
		*dst = *src;
		return 0;
	}
	struct vrf_scalar v = src->type == VT_SCALAR ? src->v : sc_unknown();
	vrf_mark_unknown(dst);
	dst->v = sc_trunc(v, 4);
	return 0;
}

static int need_scalar(struct vrf_env *env, struct vrf_state *st, unsigned regno,
		       const char *what)
{
	struct vrf_reg *r = vrf_reg(st, regno);
	if (r->type == VT_SCALAR)
		return 0;
	return vrf_reject(env, st, -EACCES, "only numbers can be transformed this way",
			  "R%u %s of pointer prohibited", regno, what);
}

static int check_end(struct vrf_env *env, struct vrf_state *st, struct vrf_reg *dst,
		     const struct xbpf_insn *in)
{
	int err = need_scalar(env, st, in->dst_reg, "byte swap");
	if (err)
		return err;
	unsigned bits = (unsigned)in->imm;
	bool swap = XBPF_CLASS(in->code) == XBPF_ALU64 || XBPF_SRC(in->code) == XBPF_TO_BE;
	dst->v = swap ? sc_bswap(dst->v, bits) : sc_trunc(dst->v, bits / 8);
	dst->id = 0;
	return 0;
}

int vrf_check_alu(struct vrf_env *env, struct vrf_state *st)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	uint8_t form = isa_table[env->op].form;
	bool is64 = isa_is_64(env->op);
	struct vrf_reg *dst = vrf_reg(st, in->dst_reg), srcv;
	enum sc_op sop = alu_op(env->op, in);
	int err;

	if (form == FORM_ALU_X || form == FORM_MOVSX) {
		if ((err = vrf_check_read(env, st, in->src_reg)))
			return err;
		srcv = *vrf_reg(st, in->src_reg);
	} else {
		vrf_mark_const(&srcv, is64 ? (uint64_t)(int64_t)in->imm : (uint32_t)in->imm);
	}
	if (form == FORM_MOVSX) {
		if ((err = need_scalar(env, st, in->src_reg, "sign extension")))
			return err;
		struct vrf_scalar v = sc_sext(srcv.v, (unsigned)in->off);
		vrf_mark_unknown(dst);
		dst->v = is64 ? v : sc_trunc(v, 4);
		return 0;
	}
	if (form == FORM_END) {  /* before the mov: its op bits are no ALU operation */
		if ((err = vrf_check_read(env, st, in->dst_reg)))
			return err;
		return check_end(env, st, dst, in);
	}
	if (sop == SC_MOV)
		return check_mov(env, st, dst, form == FORM_ALU_X ? vrf_reg(st, in->src_reg) : &srcv,
				 is64);
	if ((err = vrf_check_read(env, st, in->dst_reg)))
		return err;
	if (form == FORM_NEG) {
		if ((err = need_scalar(env, st, in->dst_reg, "negation")))
			return err;
		dst->v = sc_alu(SC_NEG, dst->v, dst->v, is64);
		dst->id = 0;
		return 0;
	}
	if (dst->type == VT_SCALAR && srcv.type == VT_SCALAR) {
		dst->v = sc_alu(sop, dst->v, srcv.v, is64);
		dst->id = 0;
		return 0;
	}
	return ptr_alu(env, st, sop, dst, &srcv, is64, in->dst_reg);
}

int vrf_check_lddw(struct vrf_env *env, struct vrf_state *st)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	struct vrf_reg *dst = vrf_reg(st, in->dst_reg);
	uint64_t imm64 = (uint32_t)in[0].imm | ((uint64_t)(uint32_t)in[1].imm << 32);
	const struct xbpf_verify_opts *o = env->opts;
	switch (in->src_reg) {
	case XBPF_PSEUDO_IMM64:
		vrf_mark_const(dst, imm64);
		return 0;
	case XBPF_PSEUDO_FUNC:
		vrf_mark_not_init(dst);
		dst->type = VT_FUNC;
		dst->size = (uint32_t)((int64_t)env->pc + in->imm + 1);
		dst->v = sc_const(0);
		return 0;
	case XBPF_PSEUDO_MAP_FD: case XBPF_PSEUDO_MAP_IDX:
	case XBPF_PSEUDO_MAP_VALUE: case XBPF_PSEUDO_MAP_IDX_VALUE:
		break;
	default:
		return vrf_reject(env, st, -ENOTSUP, "xbpf has no kernel variables (ksyms)",
				  "lddw with src %u is not supported", in->src_reg);
	}
	if (in->imm < 0 || !o->maps || (unsigned)in->imm >= o->map_cnt)
		return vrf_reject(env, st, -EINVAL, "the loader must resolve map references "
				  "(lddw imm = map index)", "lddw references map %d, but %u maps "
				  "are known", in->imm, o->maps ? o->map_cnt : 0);
	vrf_mark_not_init(dst);
	dst->map = in->imm;
	dst->v = sc_const(0);
	if (in->src_reg == XBPF_PSEUDO_MAP_FD || in->src_reg == XBPF_PSEUDO_MAP_IDX) {
		dst->type = VT_MAP_PTR;
		return 0;
	}
	const struct xbpf_verify_map *m = &o->maps[in->imm];
	if ((uint32_t)in[1].imm >= m->value_size && m->value_size)
		return vrf_reject(env, st, -EACCES, "the offset must lie inside the map's value",
				  "direct value offset of %u is not allowed (value size %u)",
				  (uint32_t)in[1].imm, m->value_size);
	dst->type = VT_MAP_VALUE;
	dst->off = in[1].imm;
	return 0;
}
