/* refs.c - references a program holds: ringbuf reservations (and sockets) must be
 * submitted, discarded or released on every path before exit or a tail call; a held
 * spin lock must be released before exit. A reference lives in the state (ids, with the
 * instruction that acquired it, for messages) and in the pointers that carry it.
 */
#include <string.h>
#include "vrf.h"

int vrf_ref_acquire(struct vrf_env *env, struct vrf_state *st, uint32_t *id)
{
	if (st->nrefs >= sizeof st->refs / sizeof st->refs[0])
		return vrf_reject(env, st, -EACCES, "release reservations sooner",
				  "too many references held at once (max %zu)",
				  sizeof st->refs / sizeof st->refs[0]);
	*id = vrf_new_id(env);
	st->refs[st->nrefs] = *id;
	st->ref_pc[st->nrefs++] = env->pc;
	return 0;
}

static void drop_ref_regs(struct vrf_reg *r, void *arg)
{
	uint32_t id = *(uint32_t *)arg;
	if (r->ref == id && vrf_is_ptr(r))
		vrf_mark_unknown(r); /* the memory is gone: its pointers become numbers */
}

int vrf_ref_release(struct vrf_env *env, struct vrf_state *st, uint32_t id)
{
	for (uint32_t i = 0; i < st->nrefs; i++) {
		if (st->refs[i] != id)
			continue;
		memmove(&st->refs[i], &st->refs[i + 1], (st->nrefs - i - 1) * sizeof st->refs[0]);
		memmove(&st->ref_pc[i], &st->ref_pc[i + 1], (st->nrefs - i - 1) * sizeof st->ref_pc[0]);
		st->nrefs--;
		vrf_for_each_reg(st, drop_ref_regs, &id);
		return 0;
	}
	return vrf_reject(env, st, -EACCES, "this memory was already submitted or discarded",
			  "release of unknown or already released reference id=%u", id);
}

int vrf_refs_check_exit(struct vrf_env *env, struct vrf_state *st, const char *what)
{
	if (st->lock_id)
		return vrf_reject(env, st, -EACCES, "call bpf_spin_unlock on every path",
				  "bpf_spin_unlock is missing");
	if (st->nrefs) {
		char hint[200];
		snprintf(hint, sizeof hint, "the reservation made at insn %u is neither submitted "
			 "nor discarded on this path", st->ref_pc[0]);
		return vrf_reject(env, st, -EACCES, hint, "Unreleased reference id=%u "
				  "alloc_insn=%u%s%s", st->refs[0], st->ref_pc[0],
				  strcmp(what, "exit") ? ": " : "",
				  strcmp(what, "exit") ? "tail_call would lead to reference leak" : "");
	}
	return 0;
}
