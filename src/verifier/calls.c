/* calls.c - helper calls (arguments checked against the helper's prototype, r0 typed by
 * its return type, r1-r5 clobbered), bpf-to-bpf calls (a new frame with its own 512-byte
 * stack, at most 8 frames), tail calls (references must be released first) and exit
 * (return to the caller, or the end of the program: r0 a number, every reference
 * released, no lock held).
 */
#include <string.h>
#include "vrf.h"

static const char *arg_name(enum xbpf_arg_type t)
{
	switch (t) {
	case XBPF_ARG_CONST_MAP_PTR: return "a map";
	case XBPF_ARG_PTR_TO_MAP_KEY: return "a pointer to the key";
	case XBPF_ARG_PTR_TO_MAP_VALUE: return "a pointer to a value";
	case XBPF_ARG_PTR_TO_CTX: return "the context pointer";
	case XBPF_ARG_PTR_TO_STACK: return "a stack pointer";
	case XBPF_ARG_PTR_TO_RINGBUF_MEM: return "memory from bpf_ringbuf_reserve";
	default: return "a pointer";
	}
}

static int bad_arg(struct vrf_env *env, struct vrf_state *st, unsigned regno,
		   enum xbpf_arg_type t, const char *name)
{
	char hint[200];
	snprintf(hint, sizeof hint, "argument %u of %s must be %s", regno, name, arg_name(t));
	return vrf_reject(env, st, -EACCES, hint, "R%u type=%s expected=%s", regno,
			  vrf_type_name(vrf_reg(st, regno)), arg_name(t));
}

static bool is_zero(const struct vrf_reg *r)
{
	return r->type == VT_SCALAR && sc_is_const(&r->v) && r->v.t.value == 0;
}

/* Size argument of a memory argument in regno - 1. */
static int check_size(struct vrf_env *env, struct vrf_state *st, unsigned regno,
		      enum xbpf_arg_type t, enum xbpf_arg_type mem_t)
{
	struct vrf_reg *s = vrf_reg(st, regno);
	if (s->type != VT_SCALAR)
		return vrf_reject(env, st, -EACCES, "a size argument must be a number",
				  "R%u is not a scalar size", regno);
	vrf_precise_regs(env, st, (int)regno, -1);
	if (s->v.smin < 0)
		return vrf_reject(env, st, -EACCES, "check the size is not negative before the "
				  "call", "R%u min value is negative, either use unsigned or "
				  "'var &= const'", regno);
	if (s->v.umin == 0 && t == XBPF_ARG_CONST_SIZE)
		return vrf_reject(env, st, -EACCES, "the size may be 0 here: check it first",
				  "R%u invalid zero-sized read", regno);
	if (s->v.umax >= VRF_MAX_VAR_OFF) {
		char hint[160];
		snprintf(hint, sizeof hint, "bound r%u (e.g. `if (len > sizeof(buf)) return`) "
			 "before the call", regno);
		return vrf_reject(env, st, -EACCES, hint, "R%u unbounded memory access, use 'var "
				  "&= const' or 'if (var < const)'", regno);
	}
	bool write = mem_t == XBPF_ARG_PTR_TO_UNINIT_MEM;
	bool null_ok = mem_t == XBPF_ARG_PTR_TO_MEM_OR_NULL;
	return vrf_check_helper_mem(env, st, regno - 1, s->v.umax, write, null_ok);
}

static int check_map_arg(struct vrf_env *env, struct vrf_state *st, unsigned regno,
			 bool null_ok, const char *name)
{
	struct vrf_reg *r = vrf_reg(st, regno);
	if (null_ok && is_zero(r)) {
		vrf_precise_regs(env, st, (int)regno, -1);
		return 0;
	}
	if (r->type != VT_MAP_PTR || r->maybe_null)
		return bad_arg(env, st, regno, XBPF_ARG_CONST_MAP_PTR, name);
	env->call_map = r->map;
	return 0;
}

static int check_const_str(struct vrf_env *env, struct vrf_state *st, unsigned regno)
{
	struct vrf_reg *r = vrf_reg(st, regno);
	const struct xbpf_verify_map *m;
	if (r->type != VT_MAP_VALUE || r->maybe_null || !sc_is_const(&r->v))
		goto bad;
	m = &env->opts->maps[r->map];
	int64_t off = r->off + (int64_t)r->v.t.value;
	if (!m->ro_data || !(m->flags & XBPF_F_RDONLY_PROG) || off < 0 || off >= m->value_size)
		goto bad;
	if (!memchr((const char *)m->ro_data + off, 0, m->value_size - (size_t)off))
		return vrf_reject(env, st, -EACCES, "the string must end with a NUL byte inside "
				  "the map value", "string is not zero-terminated");
	return 0;
bad:
	return vrf_reject(env, st, -EACCES, "pass a constant string (in .rodata)",
			  "R%u does not point to a readonly map'", regno);
}

/* Array maps whose lookup with an in-range key cannot fail. */
static bool elide_null_ok(struct vrf_env *env, int32_t mapi)
{
	const struct xbpf_verify_map *m = &env->opts->maps[mapi];
	if (m->type != XBPF_MAP_TYPE_ARRAY && m->type != XBPF_MAP_TYPE_PERCPU_ARRAY)
		return false;
	for (unsigned i = 0; i < env->opts->map_cnt; i++)
		if (env->opts->maps[i].inner == mapi)
			return false;  /* a template: the real inner maps may be smaller */
	return true;
}

/* The key of bpf_map_lookup_elem on an array map, when the stack bytes it points to hold
 * a known constant (as the kernel: zero bytes, or a scalar spilled with exactly the key's
 * width) -> env->call_key and its slot; otherwise call_key stays -1. */
static void const_key(struct vrf_env *env, struct vrf_state *st, const struct vrf_reg *r,
		      uint32_t ks)
{
	if (r->type != VT_STACK || !sc_is_const(&r->v) || ks == 0 || ks > 8)
		return;
	int64_t lo = (int64_t)r->off + (int64_t)r->v.t.value;
	if (lo < -XBPF_STACK_SIZE || lo + ks > 0)
		return;
	const struct vrf_frame *f = st->frames[r->frame];
	int s = (int)((-lo - 1) / 8), idx = (int)((lo + XBPF_STACK_SIZE) % 8);
	if (s >= f->nslots || idx + ks > 8)
		return;
	const struct vrf_slot *sl = &f->slots[s];
	uint32_t n = 0;
	while (n < ks && sl->kind[idx + n] == SB_ZERO)
		n++;
	if (n == ks) {
		env->call_key = 0;
		return;  /* zero bytes are compared exactly when pruning: nothing to mark */
	}
	if (idx || sl->kind[0] != SB_SPILL || sl->spill.type != VT_SCALAR ||
	    !sc_is_const(&sl->spill.v))
		return;
	for (n = 0; n < 8 && sl->kind[n] == SB_SPILL; n++)
		;
	if (n != ks || sl->spill.v.t.value > INT64_MAX)
		return;
	env->call_key = (int64_t)sl->spill.v.t.value;
	env->call_key_frame = r->frame;
	env->call_key_slot = s;
}

static int check_arg(struct vrf_env *env, struct vrf_state *st, const struct xbpf_helper_proto *p,
		     int a, const char *name)
{
	unsigned regno = (unsigned)a + 1;
	enum xbpf_arg_type t = p->args[a];
	struct vrf_reg *r = vrf_reg(st, regno);
	int err = vrf_check_read(env, st, regno);
	int32_t mapi = env->call_map;
	if (err)
		return err;
	switch (t) {
	case XBPF_ARG_ANYTHING:
		return 0;
	case XBPF_ARG_CONST_MAP_PTR:
	case XBPF_ARG_CONST_MAP_PTR_OR_NULL:
		return check_map_arg(env, st, regno, t == XBPF_ARG_CONST_MAP_PTR_OR_NULL, name);
	case XBPF_ARG_PTR_TO_MAP_KEY:
	case XBPF_ARG_PTR_TO_MAP_VALUE:
	case XBPF_ARG_PTR_TO_UNINIT_MAP_VALUE:
		if (mapi < 0)
			return vrf_reject(env, st, -EACCES, "the map argument must come first",
					  "invalid map_ptr to access map->key");
		if ((err = vrf_check_helper_mem(env, st, regno, t == XBPF_ARG_PTR_TO_MAP_KEY ?
						env->opts->maps[mapi].key_size :
						env->opts->maps[mapi].value_size,
						t == XBPF_ARG_PTR_TO_UNINIT_MAP_VALUE, false)))
			return err;
		if (t == XBPF_ARG_PTR_TO_MAP_KEY && p->ret == XBPF_RET_PTR_TO_MAP_VALUE_OR_NULL &&
		    env->insns[env->pc].imm == 1 && elide_null_ok(env, mapi))
			const_key(env, st, r, env->opts->maps[mapi].key_size);
		return 0;
	case XBPF_ARG_PTR_TO_MEM: case XBPF_ARG_PTR_TO_MEM_OR_NULL: case XBPF_ARG_PTR_TO_UNINIT_MEM:
		if (a == 4 || (p->args[a + 1] != XBPF_ARG_CONST_SIZE &&
			       p->args[a + 1] != XBPF_ARG_CONST_SIZE_OR_ZERO))
			return vrf_check_helper_mem(env, st, regno, 0, false,
						    t == XBPF_ARG_PTR_TO_MEM_OR_NULL);
		return 0; /* checked with its size */
	case XBPF_ARG_CONST_SIZE: case XBPF_ARG_CONST_SIZE_OR_ZERO:
		if (a == 0)
			return vrf_reject(env, st, -EINVAL, "the helper's prototype is malformed",
					  "size argument without memory argument");
		return check_size(env, st, regno, t, p->args[a - 1]);
	case XBPF_ARG_CONST_ALLOC_SIZE_OR_ZERO:
		vrf_precise_regs(env, st, (int)regno, -1);
		if (r->type != VT_SCALAR || !sc_is_const(&r->v))
			return vrf_reject(env, st, -EACCES, "the size to reserve must be a constant",
					  "R%u is not a known constant", regno);
		env->call_alloc_size = r->v.t.value;
		return 0;
	case XBPF_ARG_PTR_TO_CTX: case XBPF_ARG_PTR_TO_CTX_OR_NULL:
		if (t == XBPF_ARG_PTR_TO_CTX_OR_NULL && is_zero(r)) {
			vrf_precise_regs(env, st, (int)regno, -1);
			return 0;
		}
		if (r->type != VT_CTX || r->off || !sc_is_const(&r->v) || r->v.t.value)
			return bad_arg(env, st, regno, XBPF_ARG_PTR_TO_CTX, name);
		return 0;
	case XBPF_ARG_PTR_TO_STACK: case XBPF_ARG_PTR_TO_STACK_OR_NULL:
		if (t == XBPF_ARG_PTR_TO_STACK_OR_NULL && is_zero(r)) {
			vrf_precise_regs(env, st, (int)regno, -1);
			return 0;
		}
		if (r->type != VT_STACK)
			return bad_arg(env, st, regno, XBPF_ARG_PTR_TO_STACK, name);
		return 0;
	case XBPF_ARG_PTR_TO_LONG: case XBPF_ARG_PTR_TO_INT:
		return vrf_check_helper_mem(env, st, regno, t == XBPF_ARG_PTR_TO_LONG ? 8 : 4,
					    true, false);
	case XBPF_ARG_PTR_TO_CONST_STR:
		return check_const_str(env, st, regno);
	case XBPF_ARG_PTR_TO_SPIN_LOCK:
		if (r->type != VT_MAP_VALUE || r->maybe_null || !sc_is_const(&r->v))
			return bad_arg(env, st, regno, t, name);
		return vrf_check_helper_mem(env, st, regno, 4, true, false);
	case XBPF_ARG_PTR_TO_RINGBUF_MEM:
		if (r->type != VT_MEM || r->maybe_null || !r->ref)
			return bad_arg(env, st, regno, t, name);
		if (r->off || !sc_is_const(&r->v) || r->v.t.value)
			return vrf_reject(env, st, -EACCES, "pass the pointer bpf_ringbuf_reserve "
					  "returned, unmodified", "R%u must have zero offset when "
					  "passed to release func", regno);
		return 0;
	case XBPF_ARG_PTR_TO_FUNC:
		if (r->type != VT_FUNC)
			return vrf_reject(env, st, -EACCES, "pass a function's address (a static "
					  "function named directly) as the callback",
					  "R%u type=%s expected=func", regno, vrf_type_name(r));
		env->call_func = r->size;
		return 0;
	case XBPF_ARG_PTR_TO_SOCK_COMMON: case XBPF_ARG_PTR_TO_BTF_ID:
		if ((r->type != VT_SOCK && r->type != VT_BTF_ID) || r->maybe_null)
			return bad_arg(env, st, regno, t, name);
		return 0;
	default:
		return vrf_reject(env, st, -ENOTSUP, "this helper takes an argument kind xbpf's "
				  "verifier does not handle yet (callbacks, dynptrs, timers)",
				  "helper %s argument %u: unsupported argument type %d", name, regno, t);
	}
}

static int spin_lock(struct vrf_env *env, struct vrf_state *st, bool lock)
{
	struct vrf_reg *r = vrf_reg(st, 1);
	uint32_t id = ((uint32_t)(r->map + 1) << 16) | (uint32_t)(r->off + (int64_t)r->v.t.value);
	if (lock && st->lock_id)
		return vrf_reject(env, st, -EACCES, "release the held lock first",
				  "Locking two bpf_spin_locks are not allowed");
	if (!lock && st->lock_id != id)
		return vrf_reject(env, st, -EACCES, "unlock the lock this path holds",
				  "bpf_spin_unlock without taking a lock");
	st->lock_id = lock ? id : 0;
	return 0;
}

static bool lookup_ok(uint32_t type)
{
	switch (type) {
	case XBPF_MAP_TYPE_PROG_ARRAY: case XBPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case XBPF_MAP_TYPE_RINGBUF: case XBPF_MAP_TYPE_STACK_TRACE: case XBPF_MAP_TYPE_QUEUE:
	case XBPF_MAP_TYPE_STACK: case XBPF_MAP_TYPE_SOCKMAP: case XBPF_MAP_TYPE_SOCKHASH:
	case XBPF_MAP_TYPE_CGROUP_ARRAY:
		return false;
	default:
		return true;
	}
}

static int set_return(struct vrf_env *env, struct vrf_state *st,
		      const struct xbpf_helper_proto *p, const char *name)
{
	struct vrf_reg *r0 = vrf_reg(st, 0);
	const struct xbpf_verify_map *m = env->call_map >= 0 ? &env->opts->maps[env->call_map] : NULL;
	vrf_mark_unknown(r0);
	switch (p->ret) {
	case XBPF_RET_INTEGER:
		return 0;
	case XBPF_RET_VOID:
		vrf_mark_not_init(r0);
		return 0;
	case XBPF_RET_PTR_TO_MAP_VALUE_OR_NULL: case XBPF_RET_PTR_TO_MAP_VALUE:
		if (!m)
			return vrf_reject(env, st, -EINVAL, "the helper's prototype is malformed",
					  "%s returns a map value without a map argument", name);
		if (!lookup_ok(m->type))
			return vrf_reject(env, st, -EACCES, "programs cannot read this kind of map "
					  "directly", "cannot pass map_type %u into func %s", m->type,
					  name);
		r0->type = VT_MAP_VALUE;
		r0->map = env->call_map;
		if (m->type == XBPF_MAP_TYPE_ARRAY_OF_MAPS || m->type == XBPF_MAP_TYPE_HASH_OF_MAPS) {
			if (m->inner < 0 || (unsigned)m->inner >= env->opts->map_cnt)
				return vrf_reject(env, st, -EINVAL, "map-in-map needs the inner map's "
						  "description", "map %d has no inner map", env->call_map);
			r0->type = VT_MAP_PTR;
			r0->map = m->inner;
		}
		break;
	case XBPF_RET_PTR_TO_RINGBUF_MEM_OR_NULL:
		r0->type = VT_MEM;
		r0->size = (uint32_t)env->call_alloc_size;
		if (env->call_alloc_size > UINT32_MAX / 2)
			return vrf_reject(env, st, -EACCES, "reserve less memory", "ringbuf "
					  "reservation of %llu bytes is too large",
					  (unsigned long long)env->call_alloc_size);
		break;
	case XBPF_RET_PTR_TO_SOCKET_OR_NULL:
		r0->type = VT_SOCK;
		break;
	case XBPF_RET_PTR_TO_MEM_OR_NULL:
		r0->type = VT_MEM;
		r0->size = 0;
		break;
	default:
		r0->type = VT_BTF_ID;
		break;
	}
	r0->v = sc_const(0);
	r0->id = vrf_new_id(env);
	r0->maybe_null = p->ret != XBPF_RET_PTR_TO_MAP_VALUE && p->ret != XBPF_RET_PTR_TO_BTF_ID;
	if (r0->maybe_null && r0->type == VT_MAP_VALUE && env->call_key >= 0 && m &&
	    (uint64_t)env->call_key < m->max_entries) {
		/* an array lookup with a key known in range cannot fail: the key's value
		 * must stay what it is in the states that prune this path */
		r0->maybe_null = 0;
		if (env->call_key_slot >= 0) {
			struct vrf_bt need = {0};
			need.slots[env->call_key_frame] = 1ull << env->call_key_slot;
			vrf_precise(env, st, &need);
		}
	}
	if (p->flags & XBPF_HELPER_F_ACQUIRES_REF || p->ret == XBPF_RET_PTR_TO_RINGBUF_MEM_OR_NULL)
		return vrf_ref_acquire(env, st, &r0->ref);
	return 0;
}

bool vrf_helper_has_callback(struct vrf_env *env, int32_t id)
{
	const struct xbpf_helper_proto *p = vrf_helper_proto(env, (uint32_t)id, NULL);
	for (int a = 0; p && a < 5; a++)
		if (p->args[a] == XBPF_ARG_PTR_TO_FUNC)
			return true;
	return false;
}

static void set_ptr(struct vrf_reg *r, uint8_t type, int32_t map, uint32_t id)
{
	vrf_mark_unknown(r);
	r->type = type;
	r->map = map;
	r->id = id;
	r->v = sc_const(0);
}

static bool for_each_map_ok(uint32_t type)
{
	switch (type) {
	case XBPF_MAP_TYPE_HASH: case XBPF_MAP_TYPE_ARRAY: case XBPF_MAP_TYPE_PERCPU_HASH:
	case XBPF_MAP_TYPE_PERCPU_ARRAY: case XBPF_MAP_TYPE_LRU_HASH:
	case XBPF_MAP_TYPE_LRU_PERCPU_HASH:
		return true;
	default:
		return false;
	}
}

/* Set the callback's arguments in frame f from the caller's registers (c). */
static int callback_args(struct vrf_env *env, struct vrf_state *st, int32_t id,
			 struct vrf_frame *f, const struct vrf_frame *c)
{
	if (id == 181) {  /* bpf_loop(nr, fn, ctx, flags): fn(u32 index, void *ctx) */
		vrf_mark_unknown(&f->regs[1]);
		f->regs[1].v = sc_urange(0, UINT32_MAX);
		f->regs[2] = c->regs[3];
		return 0;
	}
	if (id == 164) {  /* for_each_map_elem(map, fn, ctx, flags): fn(map, key, value, ctx) */
		const struct xbpf_verify_map *m = &env->opts->maps[env->call_map];
		if (!for_each_map_ok(m->type))
			return vrf_reject(env, st, -EACCES, "bpf_for_each_map_elem works on hash "
					  "and array maps", "map type %u not supported for "
					  "bpf_for_each_map_elem", m->type);
		f->regs[1] = c->regs[1];
		set_ptr(&f->regs[2], VT_MAP_KEY, env->call_map, vrf_new_id(env));
		set_ptr(&f->regs[3], VT_MAP_VALUE, env->call_map, vrf_new_id(env));
		f->regs[4] = c->regs[3];
		return 0;
	}
	return vrf_reject(env, st, -ENOTSUP, "xbpf's verifier handles the callbacks of "
			  "bpf_loop and bpf_for_each_map_elem only", "callback of helper#%d "
			  "is not supported", id);
}

/* Queue the state entering the callback of the helper call at env->pc. Its exit returns
 * to the call itself (another iteration); the current state goes on past the call (the
 * helper ran the callback any number of times, each covered by that loop). */
static int enter_callback(struct vrf_env *env, struct vrf_state *st, int32_t id)
{
	uint32_t target = env->call_func;
	if (st->curframe + 1 >= XBPF_MAX_FRAMES)
		return vrf_reject(env, st, -EACCES, "calls nest at most 8 deep", "the call stack "
				  "of %d frames is too deep", st->curframe + 2);
	if (target >= env->cnt || env->subprogs[env->subprog_of[target]].start != target)
		return vrf_reject(env, st, -EACCES, "the callback must be a function",
				  "callback target %u is not a function entry", target);
	struct vrf_state *cb = vrf_state_copy(env, st);
	struct vrf_frame *f = cb ? vrf_frame_new(env) : NULL;
	if (!f) {
		if (cb)
			vrf_state_free(env, cb);
		return vrf_reject(env, st, -ENOMEM, "the analysis ran out of memory", "out of memory");
	}
	for (int r = 0; r < XBPF_NREGS; r++)
		vrf_mark_not_init(&f->regs[r]);
	int err = callback_args(env, st, id, f, vrf_cur(cb));
	if (err) {
		vrf_frame_free(env, f);
		vrf_state_free(env, cb);
		return err;
	}
	f->regs[10].type = VT_STACK;
	f->regs[10].frame = (uint8_t)(cb->curframe + 1);
	f->regs[10].v = sc_const(0);
	f->callsite = env->pc;
	f->subprog = env->subprog_of[target];
	f->callback = 1;
	vrf_cur(cb)->callback_depth++;
	cb->frames[++cb->curframe] = f;
	cb->pc = target;
	vrf_hist_jump(env, cb, env->pc, target, VH_CBCALL);
	return vrf_push(env, cb);
}

/* After a helper that may move or resize the packet, every packet pointer (registers and
 * spills, all frames) is stale: it becomes an unknown scalar, as in the kernel. */
static void forget_pkt_ptr(struct vrf_reg *r, void *arg)
{
	(void)arg;
	if (r->type == VT_PKT || r->type == VT_PKT_END || r->type == VT_PKT_META)
		vrf_mark_unknown(r);
}

/* Run the callback once more, unless this is bpf_loop and it has run as many iterations
 * as its count (r1) allows: as the kernel, which marks r1 precise for that. */
static int callback(struct vrf_env *env, struct vrf_state *st, int32_t id)
{
	struct vrf_frame *c = vrf_cur(st);
	int err = 0;
	if (id == 181) {
		const struct vrf_reg *n = vrf_reg(st, 1);
		uint64_t max = n->type == VT_SCALAR ? n->v.umax : UINT64_MAX;
		vrf_precise_regs(env, st, 1, -1);
		if (c->callback_depth < max)
			err = enter_callback(env, st, id);
	} else {
		err = enter_callback(env, st, id);
	}
	c->callback_depth = 0;  /* this path: the helper returns */
	return err;
}

int vrf_check_helper(struct vrf_env *env, struct vrf_state *st)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	const char *name = NULL;
	const struct xbpf_helper_proto *p = vrf_helper_proto(env, (uint32_t)in->imm, &name);
	char nbuf[48];
	int err;
	if (!p)
		return vrf_reject(env, st, -EINVAL, "no helper with this id exists here",
				  "invalid func unknown#%d", in->imm);
	if (!name) {
		snprintf(nbuf, sizeof nbuf, "helper#%d", in->imm);
		name = nbuf;
	}
	if (!vrf_helper_allowed(env->prog_type, (uint32_t)in->imm))
		return vrf_reject(env, st, -EACCES, "this helper works on another kind of program "
				  "context", "program of this type cannot use helper %s#%d", name,
				  in->imm);
	bool unlock = p->args[0] == XBPF_ARG_PTR_TO_SPIN_LOCK && in->imm == 94;
	if (st->lock_id && !unlock)
		return vrf_reject(env, st, -EACCES, "release the spin lock before calling "
				  "helpers", "function calls are not allowed while holding a lock");
	env->call_map = -1;
	env->call_alloc_size = 0;
	env->call_func = UINT32_MAX;
	env->call_key = -1;
	env->call_key_slot = -1;
	for (int a = 0; a < 5 && p->args[a] != XBPF_ARG_DONTCARE; a++)
		if ((err = check_arg(env, st, p, a, name)))
			return err;
	if (p->args[0] == XBPF_ARG_PTR_TO_SPIN_LOCK && (err = spin_lock(env, st, !unlock)))
		return err;
	if ((p->flags & XBPF_HELPER_F_NORETURN_ON_SUCCESS) &&
	    (err = vrf_refs_check_exit(env, st, "tail_call")))
		return err;
	if (p->flags & XBPF_HELPER_F_RELEASES_ARG1 &&
	    (err = vrf_ref_release(env, st, vrf_reg(st, 1)->ref)))
		return err;
	if (env->call_func != UINT32_MAX && (err = callback(env, st, in->imm)))
		return err;
	for (unsigned r = 1; r <= 5; r++)
		vrf_mark_not_init(vrf_reg(st, r));
	if (vrf_helper_changes_pkt_data((uint32_t)in->imm))
		vrf_for_each_reg(st, forget_pkt_ptr, NULL);
	return set_return(env, st, p, name);
}

int vrf_check_local_call(struct vrf_env *env, struct vrf_state *st, uint32_t *next)
{
	const struct xbpf_insn *in = &env->insns[env->pc];
	uint32_t target = (uint32_t)isa_target(env->op, in, env->pc);
	if (st->curframe + 1 >= XBPF_MAX_FRAMES)
		return vrf_reject(env, st, -EACCES, "calls nest at most 8 deep (recursion is not "
				  "allowed)", "the call stack of %d frames is too deep",
				  st->curframe + 2);
	if (st->lock_id)
		return vrf_reject(env, st, -EACCES, "release the spin lock before calling "
				  "functions", "function calls are not allowed while holding a lock");
	struct vrf_frame *f = vrf_frame_new(env);
	if (!f)
		return vrf_reject(env, st, -ENOMEM, "the analysis ran out of memory", "out of memory");
	struct vrf_frame *caller = vrf_cur(st);
	for (int r = 0; r < XBPF_NREGS; r++)
		vrf_mark_not_init(&f->regs[r]);
	for (int r = 1; r <= 5; r++)
		f->regs[r] = caller->regs[r];
	f->regs[10].type = VT_STACK;
	f->regs[10].frame = (uint8_t)(st->curframe + 1);
	f->regs[10].v = sc_const(0);
	f->callsite = env->pc;
	f->subprog = env->subprog_of[target];
	st->frames[++st->curframe] = f;
	*next = target;
	return 0;
}

static int leaks_frame(struct vrf_state *st, int frame)
{
	for (int i = 0; i < frame; i++) {
		struct vrf_frame *f = st->frames[i];
		for (int s = 0; s < f->nslots; s++)
			if (f->slots[s].kind[0] == SB_SPILL && f->slots[s].spill.type == VT_STACK &&
			    f->slots[s].spill.frame == frame)
				return 1;
	}
	return 0;
}

/* A callback's exit: r0 is 0 (go on) or 1 (stop); back to the helper call, which may
 * run it again. The caller's registers are as they were at the call. */
static int callback_return(struct vrf_env *env, struct vrf_state *st, uint32_t *next)
{
	struct vrf_reg *r0 = vrf_reg(st, 0);
	struct vrf_frame *callee = vrf_cur(st);
	vrf_precise_regs(env, st, 0, -1);
	if (r0->type != VT_SCALAR || r0->v.umax > 1)
		return vrf_reject(env, st, -EACCES, "a callback returns 0 (continue) or 1 (stop)",
				  "At callback return the register R0 has %s value, should be "
				  "in [0, 1]", r0->type == VT_SCALAR ? "an out of range" :
				  "a non-scalar");
	st->frames[st->curframe--] = NULL;
	st->cb_return = 1;
	*next = callee->callsite;
	vrf_frame_free(env, callee);
	return 0;
}

int vrf_check_exit(struct vrf_env *env, struct vrf_state *st, uint32_t *next)
{
	int err = vrf_check_read(env, st, 0);
	struct vrf_reg *r0 = vrf_reg(st, 0);
	if (err)
		return err;
	if (st->curframe > 0) {
		struct vrf_frame *callee = vrf_cur(st);
		if ((r0->type == VT_STACK && r0->frame == st->curframe) || leaks_frame(st, st->curframe))
			return vrf_reject(env, st, -EACCES, "a function's stack dies when it returns: "
					  "do not hand out pointers to it", "cannot return stack "
					  "pointer to the caller");
		if (callee->callback)
			return callback_return(env, st, next);
		struct vrf_reg ret = *r0;
		st->frames[st->curframe--] = NULL;
		struct vrf_frame *caller = vrf_cur(st);
		for (int r = 1; r <= 5; r++)
			vrf_mark_not_init(&caller->regs[r]);
		caller->regs[0] = ret;
		*next = callee->callsite + 1;
		vrf_frame_free(env, callee);
		return 0;
	}
	if (r0->type != VT_SCALAR)
		return vrf_reject(env, st, -EACCES, "return a number, not a pointer",
				  "R0 leaks addr as return value");
	if ((err = vrf_refs_check_exit(env, st, "exit")))
		return err;
	*next = UINT32_MAX;
	return 0;
}
