/* check_mem.c - transfer functions of memory instructions (ldx, st, stx, atomics,
 * ld_abs/ld_ind) and the memory checks helpers' pointer arguments share.
 *
 * Every access is checked against the region its pointer type allows:
 *   stack      [-512, 0) of its frame; 8-byte aligned stores of a register are spills
 *              and keep the register exactly; bytes never written read as unknown
 *              data (as the kernel for privileged loaders; opts->strict_stack rejects
 *              such reads) and make the program run on a zeroed stack;
 *   map value  [0, value_size) of its map; read-only maps refuse writes;
 *   packet     [off, range) learned from comparisons with data_end (pkt_meta: with data);
 *   ctx        the fields ctx.c allows for the program type, unmodified pointer only;
 *   mem        [0, size) of a helper's memory (ringbuf reservation).
 * Offsets are fixed part + variable part; both bounds of the variable part must fit.
 */
#include <string.h>
#include <stdlib.h>
#include "vrf.h"

#define STACK_LO (-XBPF_STACK_SIZE)

static struct vrf_slot *slot_of(struct vrf_frame *f, int64_t byte, int *idx)
{
	int s = (int)((-byte - 1) / 8);
	*idx = (int)((byte - STACK_LO) % 8);
	return s < f->nslots ? &f->slots[s] : NULL;
}

static int grow_for(struct vrf_env *env, struct vrf_state *st, struct vrf_frame *f, int64_t lo)
{
	int need = (int)((-lo + 7) / 8);
	if (!vrf_frame_grow(env, f, need))
		return vrf_reject(env, st, -ENOMEM, "the analysis ran out of memory",
				  "out of memory");
	return 0;
}

/* Overwrite bytes [lo, hi) with data of kind k; spills they touch become plain data. */
static void stack_mark(struct vrf_frame *f, int64_t lo, int64_t hi, uint8_t k, bool keep_invalid)
{
	for (int64_t b = lo; b < hi; b++) {
		int i;
		struct vrf_slot *s = slot_of(f, b, &i);
		if (!s)
			continue;
		if (s->kind[0] == SB_SPILL) {  /* a spill (maybe of its low bytes only) */
			for (int k = 0; k < 8; k++)
				if (s->kind[k] == SB_SPILL)
					s->kind[k] = SB_MISC;
			memset(&s->spill, 0, sizeof s->spill);
		}
		if (!(keep_invalid && s->kind[i] == SB_INVALID))
			s->kind[i] = k;
	}
}

/* Are bytes [lo, hi) initialised? On failure *bad is the first uninitialised byte. */
static bool stack_init(struct vrf_frame *f, int64_t lo, int64_t hi, int64_t *bad)
{
	for (int64_t b = lo; b < hi; b++) {
		int i;
		struct vrf_slot *s = slot_of(f, b, &i);
		if (!s || s->kind[i] == SB_INVALID) {
			*bad = b;
			return false;
		}
	}
	return true;
}

static int stack_range(struct vrf_env *env, struct vrf_state *st, const struct vrf_reg *r,
		       unsigned regno, int32_t off, uint64_t size, int64_t *lo, int64_t *hi,
		       bool write)
{
	*lo = (int64_t)r->off + off + r->v.smin;
	*hi = (int64_t)r->off + off + r->v.smax + (int64_t)size;
	if (*lo < STACK_LO || *hi > 0 || r->v.smin < -VRF_MAX_VAR_OFF || r->v.smax > VRF_MAX_VAR_OFF)
		return vrf_reject(env, st, -EACCES, "the stack of a function is the 512 bytes "
				  "below r10: offsets from -512 to -1",
				  "invalid %s stack R%u off=%lld size=%llu", write ? "write to" :
				  "read from", regno, (long long)*lo, (unsigned long long)size);
	return 0;
}

static int stack_write(struct vrf_env *env, struct vrf_state *st, const struct vrf_reg *r,
		       unsigned regno, int32_t off, unsigned size, const struct vrf_reg *val)
{
	int64_t lo, hi;
	int err, idx;
	struct vrf_frame *f = st->frames[r->frame];
	if ((err = stack_range(env, st, r, regno, off, size, &lo, &hi, true)) ||
	    (err = grow_for(env, st, f, lo)))
		return err;
	bool is_const = sc_is_const(&r->v);
	if (val && vrf_is_ptr(val) && (size != 8 || !is_const || lo % 8))
		return vrf_reject(env, st, -EACCES, "pointers are saved to the stack whole: "
				  "8 bytes at an 8-byte aligned offset", "invalid size of register "
				  "spill");
	if (!is_const) {               /* variable offset: bytes become data */
		stack_mark(f, lo, hi, SB_MISC, true);
		return 0;
	}
	if (size == 8 && lo % 8 == 0 && val) {
		struct vrf_slot *s = slot_of(f, lo, &idx);
		memset(s->kind, SB_SPILL, 8);
		s->spill = *val;
		return 0;
	}
	bool zero = val && val->type == VT_SCALAR && sc_is_const(&val->v) && val->v.t.value == 0;
	bool narrow = val && val->type == VT_SCALAR && size < 8 && lo % 8 == 0 &&
		      val->v.umax < (1ull << (size * 8));
	stack_mark(f, lo, hi, zero && !narrow ? SB_ZERO : SB_MISC, false);
	if (narrow) {
		/* a narrow spill of a scalar that fits (as the kernel: zeros too, so that
		 * pruning can ignore them when imprecise): its low `size` bytes keep it */
		struct vrf_slot *s = slot_of(f, lo, &idx);
		memset(s->kind, SB_SPILL, size);
		s->spill = *val;
	}
	return 0;
}

/* Are the `size` bytes at idx of slot s all part of its spill? */
static bool all_spilled(const struct vrf_slot *s, int idx, unsigned size)
{
	for (unsigned b = 0; b < size; b++)
		if (s->kind[idx + (int)b] != SB_SPILL)
			return false;
	return true;
}

static int stack_read(struct vrf_env *env, struct vrf_state *st, const struct vrf_reg *r,
		      unsigned regno, int32_t off, unsigned size, struct vrf_reg *dst)
{
	int64_t lo, hi, bad;
	int err, idx;
	struct vrf_frame *f = st->frames[r->frame];
	if ((err = stack_range(env, st, r, regno, off, size, &lo, &hi, false)))
		return err;
	struct vrf_slot *s = slot_of(f, lo, &idx);
	if (sc_is_const(&r->v) && s && s->kind[idx] == SB_SPILL && idx + size <= 8 &&
	    all_spilled(s, idx, size)) {
		if (size == 8 && idx == 0) {
			*dst = s->spill;
			return 0;
		}
		if (s->spill.type != VT_SCALAR)
			return vrf_reject(env, st, -EACCES, "a saved pointer must be loaded whole "
					  "(8 bytes)", "invalid size of register fill");
		vrf_mark_unknown(dst);
		if (idx == 0 && s->spill.v.umax < (1ull << (size * 8)))
			dst->v = s->spill.v;
		else if (sc_is_const(&s->spill.v) && s->spill.v.t.value == 0)
			dst->v = sc_const(0);  /* bytes of a zero are zeros (as the kernel; any
						* other constant's bytes made cilium's NAT
						* programs prune less) */
		else
			dst->v = sc_trunc(sc_unknown(), size);
		return 0;
	}
	bool init = stack_init(f, lo, hi, &bad);
	if (!init && env->strict_stack) {
		char hint[160];
		snprintf(hint, sizeof hint, "the stack byte at r10%+lld is read before anything "
			 "was written to it on this path", (long long)bad);
		return vrf_reject(env, st, -EACCES, hint, "invalid read from stack R%u off %lld "
				  "size %u", regno, (long long)lo, size);
	}
	if (!init)
		env->uninit_read = true; /* unknown here; zero at run time (cleared) */
	bool zero = true;
	for (int64_t b = lo; b < hi; b++) {
		struct vrf_slot *bs = slot_of(f, b, &idx);
		if (!bs || bs->kind[idx] != SB_ZERO)
			zero = false;
	}
	vrf_mark_unknown(dst);
	dst->v = zero ? sc_const(0) : sc_trunc(sc_unknown(), size);
	return 0;
}

/* [lo, hi) of an access through a pointer with a fixed and a variable offset. */
static void bounds(const struct vrf_reg *r, int32_t off, uint64_t size, int64_t *lo, int64_t *hi)
{
	*lo = (int64_t)r->off + off + r->v.smin;
	*hi = (int64_t)r->off + off + r->v.smax + (int64_t)size;
}

static int region_check(struct vrf_env *env, struct vrf_state *st, const struct vrf_reg *r,
			unsigned regno, int32_t off, uint64_t size, uint64_t limit)
{
	int64_t lo, hi;
	bounds(r, off, size, &lo, &hi);
	if (r->v.smin < 0 && lo < 0) {
		char hint[160];
		snprintf(hint, sizeof hint, "r%u's variable offset may be negative: use an "
			 "unsigned index or check it is >= 0", regno);
		return vrf_reject(env, st, -EACCES, hint, "R%u min value is negative, either use "
				  "unsigned index or do a if (index >=0) check", regno);
	}
	if (lo < 0 || hi > (int64_t)limit) {
		char hint[200];
		snprintf(hint, sizeof hint, "the access covers bytes %lld..%lld but the %s has "
			 "%llu bytes: check the index against the size first", (long long)lo,
			 (long long)hi - 1, vrf_type_name(r), (unsigned long long)limit);
		return vrf_reject(env, st, -EACCES, hint, "invalid access to %s R%u off=%lld "
				  "size=%llu (%s size %llu)", vrf_type_name(r), regno, (long long)lo,
				  (unsigned long long)size, vrf_type_name(r),
				  (unsigned long long)limit);
	}
	return 0;
}

static int pkt_check(struct vrf_env *env, struct vrf_state *st, const struct vrf_reg *r,
		     unsigned regno, int32_t off, uint64_t size, bool write)
{
	int64_t lo = (int64_t)r->off + off, hi = lo + (int64_t)size;
	if (write && !vrf_pkt_writable(env->prog_type))
		return vrf_reject(env, st, -EACCES, "this program type may only read the packet",
				  "cannot write into packet");
	if (r->v.smin < 0 || lo < 0 || hi > r->range) {
		char hint[200];
		snprintf(hint, sizeof hint, "packet access at offset %lld is beyond the checked "
			 "range %d: compare data + %lld with data_end first", (long long)lo,
			 r->range, (long long)hi);
		return vrf_reject(env, st, -EACCES, hint, "invalid access to packet, off=%lld "
				  "size=%llu, R%u(id=%u,off=%d,r=%d)", (long long)lo,
				  (unsigned long long)size, regno, r->id, r->off, r->range);
	}
	return 0;
}

static int null_or_bad(struct vrf_env *env, struct vrf_state *st, const struct vrf_reg *r,
		       unsigned regno)
{
	char hint[200];
	if (r->maybe_null) {
		snprintf(hint, sizeof hint, "r%u may be NULL here: check the result of the helper "
			 "(if (!p) ...) before dereferencing it", regno);
		return vrf_reject(env, st, -EACCES, hint, "R%u invalid mem access '%s'", regno,
				  vrf_type_name(r));
	}
	if (r->type == VT_SCALAR)
		snprintf(hint, sizeof hint, "r%u holds a number, not a pointer the verifier "
			 "knows", regno);
	else
		snprintf(hint, sizeof hint, "r%u (%s) does not point to memory the program may "
			 "access directly", regno, vrf_type_name(r));
	return vrf_reject(env, st, -EACCES, hint, "R%u invalid mem access '%s'", regno,
			  vrf_type_name(r));
}

static uint64_t ro_value(const struct xbpf_verify_map *m, int64_t off, unsigned size)
{
	uint64_t v = 0;
	memcpy(&v, (const uint8_t *)m->ro_data + off, size);
	return v;
}

static int ctx_access(struct vrf_env *env, struct vrf_state *st, const struct vrf_reg *r,
		      unsigned regno, int32_t off, unsigned size, bool write, struct vrf_reg *dst)
{
	enum vrf_ctx_field kind;
	if (r->off || !sc_is_const(&r->v) || r->v.t.value)
		return vrf_reject(env, st, -EACCES, "access context fields through the context "
				  "pointer itself (r1 at entry) plus a constant offset",
				  "dereference of modified ctx ptr R%u off=%d disallowed", regno,
				  r->off);
	if (vrf_ctx_access(env->prog_type, off, size, write, &kind)) {
		char hint[200];
		snprintf(hint, sizeof hint, "%s programs may not %s %u bytes at context offset %d",
			 vrf_prog_type_name(env->prog_type), write ? "write" : "read", size, off);
		return vrf_reject(env, st, -EACCES, hint, "invalid bpf_context access off=%d "
				  "size=%u", off, size);
	}
	if (write || !dst)
		return 0;
	vrf_mark_unknown(dst);
	switch (kind) {
	case CF_SCALAR: dst->v = sc_trunc(sc_unknown(), size); break;
	case CF_PKT: dst->type = VT_PKT; break;
	case CF_PKT_END: dst->type = VT_PKT_END; break;
	case CF_PKT_META: dst->type = VT_PKT_META; break;
	case CF_SOCK:
		dst->type = VT_SOCK;
		dst->maybe_null = 1;
		dst->id = vrf_new_id(env);
		break;
	}
	if (kind != CF_SCALAR)
		dst->v = sc_const(0);
	return 0;
}

/* One load (dst != NULL) or store (val: stored register, NULL for unknown data) of
 * `size` bytes at reg regno + off. */
static int access(struct vrf_env *env, struct vrf_state *st, unsigned regno, int32_t off,
		  unsigned size, bool write, const struct vrf_reg *val, struct vrf_reg *dst)
{
	struct vrf_reg *r = vrf_reg(st, regno);
	const struct xbpf_verify_map *m = NULL;
	int err;
	if (r->maybe_null || r->type == VT_SCALAR)
		return null_or_bad(env, st, r, regno);
	if (write && val && vrf_is_ptr(val) && r->type != VT_STACK)
		return vrf_reject(env, st, -EACCES, "storing a pointer outside the stack would "
				  "leak a kernel address", "R%u leaks addr into %s",
				  (unsigned)env->insns[env->pc].src_reg, vrf_type_name(r));
	switch (r->type) {
	case VT_STACK:
		if (regno != 10 || r->frame != st->curframe)  /* backtrack.c needs the slots */
			vrf_hist_stack(env, st, r->frame, (int64_t)r->off + off +
				       (sc_is_const(&r->v) ? (int64_t)r->v.t.value : r->v.smin),
				       size, !sc_is_const(&r->v));
		return write ? stack_write(env, st, r, regno, off, size, val)
			     : stack_read(env, st, r, regno, off, size, dst);
	case VT_CTX:
		return ctx_access(env, st, r, regno, off, size, write, dst);
	case VT_MAP_VALUE:
		m = &env->opts->maps[r->map];
		if ((err = region_check(env, st, r, regno, off, size, m->value_size)))
			return err;
		if (write && (m->flags & XBPF_F_RDONLY_PROG))
			return vrf_reject(env, st, -EACCES, "the map is read-only for programs "
					  "(e.g. .rodata)", "write into map forbidden");
		break;
	case VT_MAP_KEY:
		m = &env->opts->maps[r->map];
		if (write)
			return vrf_reject(env, st, -EACCES, "map keys are read-only", "R%u cannot "
					  "write into map_key", regno);
		if ((err = region_check(env, st, r, regno, off, size, m->key_size)))
			return err;
		break;
	case VT_MEM:
		if ((err = region_check(env, st, r, regno, off, size, r->size)))
			return err;
		break;
	case VT_PKT:
	case VT_PKT_META:
		if ((err = pkt_check(env, st, r, regno, off, size, write)))
			return err;
		break;
	default:
		return null_or_bad(env, st, r, regno);
	}
	if (write || !dst)
		return 0;
	bool ro_const = r->type == VT_MAP_VALUE && m && m->ro_data && (m->flags & XBPF_F_RDONLY_PROG) &&
			sc_is_const(&r->v);
	uint64_t v = ro_const ? ro_value(m, r->off + off + (int64_t)r->v.t.value, size) : 0;
	vrf_mark_unknown(dst);
	dst->v = ro_const ? sc_const(v) : sc_trunc(sc_unknown(), size);
	return 0;
}

int vrf_check_load(struct vrf_env *env, struct vrf_state *st)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	unsigned size = isa_mem_size(env->op);
	struct vrf_reg out;
	int err = vrf_check_read(env, st, in->src_reg);
	if (err)
		return err;
	vrf_mark_unknown(&out);
	if ((err = access(env, st, in->src_reg, in->off, size, false, NULL, &out)))
		return err;
	if (XBPF_MODE(in->code) == XBPF_MEMSX && out.type == VT_SCALAR)
		out.v = sc_sext(out.v, size * 8);
	*vrf_reg(st, in->dst_reg) = out;
	return 0;
}

/* A whole scalar saved to a fixed stack slot is a copy of its register (as the kernel):
 * give the register an id first, so that bounds a jump later learns on either reach the
 * other (check.c refine_scalars; the jump's history records the slot for backtracking). */
static void link_spill(struct vrf_env *env, struct vrf_state *st, const struct xbpf_insn *in,
		       unsigned size)
{
	struct vrf_reg *src = vrf_reg(st, in->src_reg);
	const struct vrf_reg *dst = vrf_reg(st, in->dst_reg);
	if (size != 8 || src->type != VT_SCALAR || src->id || sc_is_const(&src->v) ||
	    dst->type != VT_STACK || !sc_is_const(&dst->v) ||
	    ((int64_t)dst->off + in->off + (int64_t)dst->v.t.value) % 8)
		return;
	src->id = vrf_new_id(env);
}

int vrf_check_store(struct vrf_env *env, struct vrf_state *st)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	unsigned size = isa_mem_size(env->op);
	struct vrf_reg val;
	int err = vrf_check_read(env, st, in->dst_reg);
	if (err)
		return err;
	if (isa_table[env->op].form == FORM_STX) {
		if ((err = vrf_check_read(env, st, in->src_reg)))
			return err;
		link_spill(env, st, in, size);
		val = *vrf_reg(st, in->src_reg);
		if (size < 8 && val.type == VT_SCALAR) {
			val.v = sc_trunc(val.v, size);
			val.id = 0;
		}
	} else {
		vrf_mark_const(&val, size == 8 ? (uint64_t)(int64_t)in->imm
				     : (uint64_t)(uint32_t)in->imm & ((size == 4) ? 0xffffffffull :
								     (1ull << (size * 8)) - 1));
	}
	return access(env, st, in->dst_reg, in->off, size, true, &val, NULL);
}

int vrf_check_atomic(struct vrf_env *env, struct vrf_state *st)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	unsigned size = isa_mem_size(env->op);
	struct vrf_reg *dst = vrf_reg(st, in->dst_reg), *src, tmp, unknown;
	int err;
	if ((err = vrf_check_read(env, st, in->dst_reg)) || (err = vrf_check_read(env, st, in->src_reg)))
		return err;
	src = vrf_reg(st, in->src_reg);
	if (src->type != VT_SCALAR)
		return vrf_reject(env, st, -EACCES, "atomic operations combine numbers only",
				  "R%u leaks addr into mem", in->src_reg);
	if (in->imm == XBPF_CMPXCHG) {
		if ((err = vrf_check_read(env, st, 0)))
			return err;
		if (vrf_reg(st, 0)->type != VT_SCALAR)
			return vrf_reject(env, st, -EACCES, "atomic operations combine numbers only",
					  "R0 leaks addr into mem");
	}
	if (dst->type != VT_STACK && dst->type != VT_MAP_VALUE && dst->type != VT_MEM)
		return vrf_reject(env, st, -EACCES, "atomic operations work on the stack and map "
				  "values only", "BPF_ATOMIC stores into R%u %s is not allowed",
				  in->dst_reg, vrf_type_name(dst));
	uint64_t low = (uint64_t)((int64_t)dst->off + in->off) + dst->v.t.value;
	if ((dst->type == VT_MEM && !dst->ref) || ((low | dst->v.t.mask) & (size - 1)))
		return vrf_reject(env, st, -EACCES, "atomic operations need an address aligned to "
				  "their size", "misaligned atomic access of %u bytes at R%u off %d",
				  size, in->dst_reg, (int)((int64_t)dst->off + in->off));
	if (dst->type == VT_STACK) {
		int64_t lo, hi;
		int idx;
		if ((err = stack_range(env, st, dst, in->dst_reg, in->off, size, &lo, &hi, true)))
			return err;
		struct vrf_slot *s = slot_of(st->frames[dst->frame], lo, &idx);
		if (s && s->kind[idx] == SB_SPILL && s->spill.type != VT_SCALAR)
			return vrf_reject(env, st, -EACCES, "the stack slot holds a pointer",
					  "atomic operation on a spilled pointer is not allowed");
	}
	if ((err = access(env, st, in->dst_reg, in->off, size, false, NULL, &tmp)))
		return err;
	vrf_mark_unknown(&unknown);
	unknown.v = sc_trunc(sc_unknown(), size);
	if ((err = access(env, st, in->dst_reg, in->off, size, true, &unknown, NULL)))
		return err;
	if (in->imm == XBPF_CMPXCHG)
		*vrf_reg(st, 0) = unknown;
	else if (in->imm & XBPF_FETCH)
		*vrf_reg(st, in->src_reg) = unknown;
	return 0;
}

int vrf_check_ldabs(struct vrf_env *env, struct vrf_state *st)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	unsigned size = isa_mem_size(env->op);
	int err;
	if (!vrf_ldabs_allowed(env->prog_type))
		return vrf_reject(env, st, -EACCES, "LD_ABS/LD_IND read socket buffers: socket "
				  "filter and tc programs only", "BPF_LD_[ABS|IND] instructions not "
				  "allowed for this program type");
	if ((err = vrf_check_read(env, st, 6)))
		return err;
	if (vrf_reg(st, 6)->type != VT_CTX)
		return vrf_reject(env, st, -EACCES, "keep the context pointer in r6 for "
				  "LD_ABS/LD_IND", "at the time of BPF_LD_ABS|IND R6 != pointer "
				  "to skb");
	if (st->nrefs)
		return vrf_reject(env, st, -EACCES, "release references before LD_ABS/LD_IND",
				  "BPF_LD_[ABS|IND] cannot be mixed with socket references");
	if (isa_table[env->op].form == FORM_LDIND) {
		if ((err = vrf_check_read(env, st, in->src_reg)))
			return err;
		if (vrf_reg(st, in->src_reg)->type != VT_SCALAR)
			return vrf_reject(env, st, -EACCES, "the LD_IND offset must be a number",
					  "R%u is not a scalar", in->src_reg);
	}
	for (int r = 1; r <= 5; r++)
		vrf_mark_not_init(vrf_reg(st, (unsigned)r));
	vrf_mark_unknown(vrf_reg(st, 0));
	vrf_reg(st, 0)->v = sc_trunc(sc_unknown(), size);
	return 0;
}

/* ---- helper memory arguments ---- */

static int helper_stack(struct vrf_env *env, struct vrf_state *st, const struct vrf_reg *r,
			unsigned regno, uint64_t size, bool write)
{
	int64_t lo, hi, bad;
	int err;
	struct vrf_frame *f = st->frames[r->frame];
	if ((err = stack_range(env, st, r, regno, 0, size, &lo, &hi, write)) ||
	    (err = grow_for(env, st, f, lo)))
		return err;
	if (write) {
		stack_mark(f, lo, hi, SB_MISC, !sc_is_const(&r->v));
		return 0;
	}
	for (int64_t b = lo; b < hi; b += 8) {
		int idx;
		struct vrf_slot *s = slot_of(f, b, &idx);
		if (s && s->kind[idx] == SB_SPILL && s->spill.type != VT_SCALAR)
			return vrf_reject(env, st, -EACCES, "the buffer handed to the helper holds a "
					  "saved pointer: the helper would copy a kernel address out",
					  "R%u leaks addr into helper memory (pointer spilled at fp%lld)",
					  regno, (long long)(b - ((b - STACK_LO) % 8)));
	}
	if (!stack_init(f, lo, hi, &bad)) {
		char hint[200];
		if (!env->strict_stack) {
			env->uninit_read = true; /* it reads unknown bytes (zeros at run time) */
			return 0;
		}
		snprintf(hint, sizeof hint, "the helper reads %llu bytes at r10%+lld, but the byte "
			 "at r10%+lld was never written: initialise the whole buffer",
			 (unsigned long long)size, (long long)lo, (long long)bad);
		return vrf_reject(env, st, -EACCES, hint, "invalid indirect read from stack R%u "
				  "off %lld+%lld size %llu", regno, (long long)lo,
				  (long long)(bad - lo), (unsigned long long)size);
	}
	return 0;
}

int vrf_check_helper_mem(struct vrf_env *env, struct vrf_state *st, unsigned regno,
			 uint64_t size, bool write, bool null_ok)
{
	struct vrf_reg *r = vrf_reg(st, regno);
	const struct xbpf_verify_map *m;
	if (null_ok && r->type == VT_SCALAR && sc_is_const(&r->v) && r->v.t.value == 0) {
		vrf_precise_regs(env, st, (int)regno, -1);
		return 0;
	}
	if (r->maybe_null || r->type == VT_SCALAR || r->type == VT_NOT_INIT)
		return null_or_bad(env, st, r, regno);
	if (size == 0 && vrf_is_ptr(r))
		return 0;
	switch (r->type) {
	case VT_STACK:
		return helper_stack(env, st, r, regno, size, write);
	case VT_MAP_VALUE:
		m = &env->opts->maps[r->map];
		if (write && (m->flags & XBPF_F_RDONLY_PROG))
			return vrf_reject(env, st, -EACCES, "the map is read-only for programs",
					  "write into map forbidden");
		return region_check(env, st, r, regno, 0, size, m->value_size);
	case VT_MAP_KEY:
		if (write)
			return vrf_reject(env, st, -EACCES, "map keys are read-only",
					  "R%u cannot write into map_key", regno);
		return region_check(env, st, r, regno, 0, size, env->opts->maps[r->map].key_size);
	case VT_MEM:
		return region_check(env, st, r, regno, 0, size, r->size);
	case VT_PKT:
	case VT_PKT_META:
		return pkt_check(env, st, r, regno, 0, size, write);
	default:
		return vrf_reject(env, st, -EACCES, "pass a pointer to the stack, a map value, "
				  "the packet or helper memory", "R%u type=%s expected=fp, pkt, "
				  "pkt_meta, map_key, map_value, mem", regno, vrf_type_name(r));
	}
}
