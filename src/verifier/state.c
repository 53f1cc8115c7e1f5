/* state.c - verifier states: allocation (with the memory accounting behind the 64 MB
 * limit), copies, and the subsumption test that makes pruning sound.
 *
 * old subsumes cur when every concrete machine state cur stands for is one old stands
 * for, on everything the rest of the program can observe: live registers (static
 * liveness from cfg.c), every stack byte, held references and locks. Copies linked by an
 * id in old must stay linked in cur (an id map checks the correspondence), since what old
 * learned through one copy it applied to the others.
 */
#include <stdlib.h>
#include <string.h>
#include "vrf.h"

void *vrf_alloc(struct vrf_env *env, size_t size)
{
	if (env->bytes + size > env->max_bytes)
		return NULL;
	void *p = calloc(1, size);
	if (!p)
		return NULL;
	env->bytes += size;
	if (env->bytes > env->peak_bytes)
		env->peak_bytes = env->bytes;
	return p;
}

/* Like vrf_alloc, without zeroing (the caller fills every byte). */
static void *alloc_raw(struct vrf_env *env, size_t size)
{
	if (env->bytes + size > env->max_bytes)
		return NULL;
	void *p = malloc(size);
	if (!p)
		return NULL;
	env->bytes += size;
	if (env->bytes > env->peak_bytes)
		env->peak_bytes = env->bytes;
	return p;
}

void vrf_free(struct vrf_env *env, void *p, size_t size)
{
	if (!p)
		return;
	env->bytes -= size;
	free(p);
}

struct vrf_frame *vrf_frame_new(struct vrf_env *env)
{
	return vrf_alloc(env, sizeof(struct vrf_frame));
}

void vrf_frame_free(struct vrf_env *env, struct vrf_frame *f)
{
	if (!f)
		return;
	vrf_free(env, f->slots, (size_t)f->nslots * sizeof(struct vrf_slot));
	vrf_free(env, f, sizeof *f);
}

bool vrf_frame_grow(struct vrf_env *env, struct vrf_frame *f, int n)
{
	if (n <= f->nslots)
		return true;
	if (n > VRF_STACK_SLOTS)
		n = VRF_STACK_SLOTS;
	struct vrf_slot *s = vrf_alloc(env, (size_t)n * sizeof *s);
	if (!s)
		return false;
	if (f->nslots)
		memcpy(s, f->slots, (size_t)f->nslots * sizeof *s);
	vrf_free(env, f->slots, (size_t)f->nslots * sizeof *s);
	f->slots = s;
	f->nslots = n;
	return true;
}

static struct vrf_frame *frame_copy(struct vrf_env *env, const struct vrf_frame *src)
{
	struct vrf_frame *f = alloc_raw(env, sizeof *f);
	if (!f)
		return NULL;
	*f = *src;
	f->slots = NULL;
	f->nslots = 0;
	if (src->nslots) {
		f->slots = alloc_raw(env, (size_t)src->nslots * sizeof *f->slots);
		if (!f->slots) {
			vrf_frame_free(env, f);
			return NULL;
		}
		f->nslots = src->nslots;
		memcpy(f->slots, src->slots, (size_t)src->nslots * sizeof *f->slots);
	}
	return f;
}

struct vrf_state *vrf_state_new(struct vrf_env *env)
{
	struct vrf_state *st = vrf_alloc(env, sizeof *st);
	if (!st)
		return NULL;
	st->frames[0] = vrf_frame_new(env);
	if (!st->frames[0]) {
		vrf_free(env, st, sizeof *st);
		return NULL;
	}
	return st;
}

struct vrf_state *vrf_state_copy(struct vrf_env *env, const struct vrf_state *src)
{
	struct vrf_state *st = alloc_raw(env, sizeof *st);
	if (!st)
		return NULL;
	*st = *src;
	memset(st->frames, 0, sizeof st->frames);
	for (int i = 0; i <= src->curframe; i++) {
		st->frames[i] = frame_copy(env, src->frames[i]);
		if (!st->frames[i]) {
			vrf_state_free(env, st);
			return NULL;
		}
	}
	return st;
}

void vrf_state_free(struct vrf_env *env, struct vrf_state *st)
{
	if (!st)
		return;
	for (int i = 0; i < XBPF_MAX_FRAMES; i++)
		vrf_frame_free(env, st->frames[i]);
	vrf_free(env, st, sizeof *st);
}

/* ---- registers ---- */

void vrf_mark_unknown(struct vrf_reg *r)
{
	memset(r, 0, sizeof *r);
	r->type = VT_SCALAR;
	r->map = -1;
	r->v = sc_unknown();
}

void vrf_mark_const(struct vrf_reg *r, uint64_t v)
{
	vrf_mark_unknown(r);
	r->v = sc_const(v);
}

void vrf_mark_not_init(struct vrf_reg *r)
{
	memset(r, 0, sizeof *r);
	r->map = -1;
}

bool vrf_is_ptr(const struct vrf_reg *r)
{
	return r->type != VT_NOT_INIT && r->type != VT_SCALAR;
}

void vrf_for_each_reg(struct vrf_state *st, void (*fn)(struct vrf_reg *r, void *arg), void *arg)
{
	for (int i = 0; i <= st->curframe; i++) {
		struct vrf_frame *f = st->frames[i];
		for (int r = 0; r < XBPF_NREGS; r++)
			fn(&f->regs[r], arg);
		for (int s = 0; s < f->nslots; s++)
			if (f->slots[s].kind[0] == SB_SPILL)
				fn(&f->slots[s].spill, arg);
	}
}

/* ---- subsumption ---- */

#define IDMAP_MAX 256
struct idmap {
	unsigned n;
	uint32_t old[IDMAP_MAX], cur[IDMAP_MAX];
};

/* Ids linked in old must be linked the same way in cur. */
static bool check_ids(struct idmap *m, uint32_t old, uint32_t cur)
{
	if (!old)
		return true;
	for (unsigned i = 0; i < m->n; i++) {
		if (m->old[i] == old)
			return m->cur[i] == cur && cur != 0;
		if (cur && m->cur[i] == cur)
			return false;
	}
	if (m->n == IDMAP_MAX)
		return false;
	m->old[m->n] = old;
	m->cur[m->n++] = cur;
	return true;
}

static bool sc_equal(const struct vrf_scalar *a, const struct vrf_scalar *b)
{
	return sc_includes(a, b) && sc_includes(b, a);
}

enum { CMP_EXACT, CMP_PRECISE, CMP_ALL };

/* Scalars are compared by value when old's is marked precise (or mode CMP_ALL) and the
 * static analysis says the value may still matter (dem); *used then says how: 0 old's
 * has a VRF_P_HARD mark, 1 otherwise (it stays -1 for anything else). */
static bool regsafe(const struct vrf_reg *old, const struct vrf_reg *cur, int mode,
		    struct idmap *m, bool dem, int *used)
{
	bool exact = mode == CMP_EXACT;
	if (old->type == VT_NOT_INIT)
		return !exact || cur->type == VT_NOT_INIT;
	if (old->type != cur->type)
		return false;
	if (old->type == VT_SCALAR && !exact && !(dem && (mode == CMP_ALL || old->precise)))
		return true; /* its value can no longer influence any check */
	bool vals = exact ? sc_equal(&old->v, &cur->v) : sc_includes(&old->v, &cur->v);
	if (!vals)
		return false;
	if (old->type == VT_SCALAR) {
		*used = old->precise & VRF_P_HARD ? 0 : 1;
		return check_ids(m, old->id, cur->id);
	}
	if (old->off != cur->off || old->map != cur->map || old->frame != cur->frame ||
	    old->maybe_null != cur->maybe_null || old->size != cur->size)
		return false;
	if (exact ? old->range != cur->range : old->range > cur->range)
		return false;
	return check_ids(m, old->id, cur->id) && check_ids(m, old->ref, cur->ref);
}

/* May old byte kind ok stand for cur's byte ck? An uninitialised old byte: strict, old's
 * continuation never read it, anything will do. Permissive (env->strict_stack off), it may
 * have read it as unknown data: any data will do, but not a saved pointer (the continuation,
 * checked with a number there, could copy the address out). Allowed anyway in a first pass
 * (env->ptr_over_uninit records it): if no path reads uninitialised stack in the end, the
 * strict argument holds; otherwise verify.c explores again, careful. An uninitialised cur
 * byte is covered by nothing initialised: its reads are what makes the program run on a
 * zeroed stack (env->uninit_read), flagged only where explored. */
static bool byte_safe(struct vrf_env *env, uint8_t ok, uint8_t ck, const struct vrf_slot *cs)
{
	if (ok == SB_INVALID) {
		if (env->strict_stack || ck != SB_SPILL || cs->spill.type == VT_SCALAR)
			return true;
		env->ptr_over_uninit = true;
		return !env->careful;
	}
	if (ok == SB_MISC)
		return ck == SB_MISC || ck == SB_ZERO ||
		       (ck == SB_SPILL && cs->spill.type == VT_SCALAR);
	if (ok == SB_ZERO)
		return ck == SB_ZERO || (ck == SB_SPILL && cs->spill.type == VT_SCALAR &&
					 sc_is_const(&cs->spill.v) && cs->spill.v.t.value == 0);
	return false; /* spills are compared as registers */
}

/* dem: slots whose value may matter (static); *used, *used_soft: spilled scalars compared
 * by value (as regsafe's *used 0 and 1). */
static bool stacksafe(struct vrf_env *env, const struct vrf_frame *old,
		      const struct vrf_frame *cur, int mode, struct idmap *m, uint64_t dem,
		      uint64_t live, uint64_t *used, uint64_t *used_soft)
{
	static const struct vrf_slot empty;
	bool exact = mode == CMP_EXACT;
	int n = old->nslots > cur->nslots ? old->nslots : cur->nslots;
	for (int i = 0; i < n; i++) {
		const struct vrf_slot *os = i < old->nslots ? &old->slots[i] : &empty;
		const struct vrf_slot *cs = i < cur->nslots ? &cur->slots[i] : &empty;
		if (!exact && !(live >> i & 1))
			continue; /* never read again */
		if (!memcmp(os->kind, cs->kind, 8) && os->kind[0] != SB_SPILL)
			continue; /* same kinds of plain data */
		if (exact) {
			if (memcmp(os->kind, cs->kind, 8))
				return false;
		}
		if (os->kind[0] == SB_SPILL) {
			bool d = dem >> i & 1;
			int u = -1;
			if (!exact && os->spill.type == VT_SCALAR &&
			    !(d && (mode == CMP_ALL || os->spill.precise))) {
				/* its value never matters: any initialised data will do */
				for (int b = 0; b < 8; b++)
					if (!byte_safe(env, os->kind[b] == SB_SPILL ? SB_MISC :
						       os->kind[b], cs->kind[b], cs))
						return false;
				continue;
			}
			if (cs->kind[0] != SB_SPILL || !regsafe(&os->spill, &cs->spill, mode, m, d, &u))
				return false;
			if (u >= 0)
				*(u ? used_soft : used) |= 1ull << i;
			for (int b = 1; b < 8; b++)   /* narrow spills: the same width, data */
				if (os->kind[b] == SB_SPILL ? cs->kind[b] != SB_SPILL :
				    !byte_safe(env, os->kind[b], cs->kind[b], cs))
					return false;
			continue;
		}
		for (int b = 0; b < 8; b++)
			if (!byte_safe(env, os->kind[b], cs->kind[b], cs))
				return false;
	}
	return true;
}

static bool subsumes(struct vrf_env *env, const struct vrf_state *old,
		     const struct vrf_state *cur, int mode, struct vrf_bt *need)
{
	struct idmap m;
	struct vrf_bt used[2];
	m.n = 0;
	memset(used, 0, sizeof used);
	if (old->curframe != cur->curframe || old->nrefs != cur->nrefs ||
	    !old->lock_id != !cur->lock_id)
		return false;
	for (int i = 0; i <= old->curframe; i++) {
		const struct vrf_frame *of = old->frames[i], *cf = cur->frames[i];
		if (of->callsite != cf->callsite)
			return false;
		/* old ran more bpf_loop iterations here: it explored fewer remaining ones */
		if (mode == CMP_EXACT ? of->callback_depth != cf->callback_depth :
		    of->callback_depth > cf->callback_depth)
			return false;
		/* a caller resumes past its call, or at the helper call that runs a callback */
		bool cb = i != cur->curframe && cur->frames[i + 1]->callback;
		uint32_t at = i == cur->curframe ? cur->pc : cur->frames[i + 1]->callsite + !cb;
		uint16_t live = env->live[at], dem = env->dem_regs[at];
		uint64_t sdem = i == cur->curframe ? env->dem_slots[at] : ~0ull;
		uint64_t slive = i == cur->curframe ? env->live_slots[at] : ~0ull;
		if (i != cur->curframe && !cb)
			live &= 0x3c0;
		for (int r = 0; r < XBPF_NREGS; r++) {
			int u = -1;
			if (!(live >> r & 1))
				continue;
			if (!regsafe(&of->regs[r], &cf->regs[r], mode, &m, dem >> r & 1, &u))
				return false;
			if (u >= 0)
				used[u].regs[i] |= (uint16_t)(1u << r);
		}
		if (!stacksafe(env, of, cf, mode, &m, sdem, slive, &used[0].slots[i],
			       &used[1].slots[i]))
			return false;
	}
	for (uint32_t i = 0; i < old->nrefs; i++)
		if (!check_ids(&m, old->refs[i], cur->refs[i]))
			return false;
	if (!check_ids(&m, old->lock_id, cur->lock_id))
		return false;
	if (need)
		memcpy(need, used, sizeof used);
	return true;
}

bool vrf_state_subsumes(struct vrf_env *env, const struct vrf_state *old,
			const struct vrf_state *cur, bool exact)
{
	return subsumes(env, old, cur, exact ? CMP_EXACT : CMP_PRECISE, NULL);
}

bool vrf_state_covers(struct vrf_env *env, const struct vrf_state *old,
		      const struct vrf_state *cur, bool all, struct vrf_bt need[2])
{
	return subsumes(env, old, cur, all ? CMP_ALL : CMP_PRECISE, need);
}
