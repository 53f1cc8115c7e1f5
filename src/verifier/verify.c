/* verify.c - xbpf_verify(): the verifier's public entry point. Sets up the analysis
 * (options with ABI-size handling, the VM whose helper prototypes apply, limits), runs
 * the phases (cfg.c: structure, subprograms, liveness; check.c: exploration), frees
 * everything and reports verdict, message, hint, explanation and cost figures.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "vrf.h"

#define DEFAULT_MAX_INSNS 1000000ull
#define DEFAULT_MAX_BYTES (64ull << 20)

static void free_all(struct vrf_env *env)
{
	/* unlisted checkpoints not yet complete are in no list (before the lists are freed:
	 * the stack also holds listed ones) */
	for (size_t i = 0; i < env->nincomplete; i++) {
		struct vrf_stored *s = env->incomplete[i];
		if (s->unlisted) {
			vrf_state_free(env, s->st);
			vrf_free(env, s, sizeof *s);
		}
	}
	if (env->stored) {
		for (size_t i = 0; i < env->cnt; i++) {
			struct vrf_stored *s = env->stored[i], *n;
			for (; s; s = n) {
				n = s->next;
				vrf_state_free(env, s->st);
				vrf_free(env, s, sizeof *s);
			}
		}
	}
	for (struct vrf_stored *s = env->evicted, *n; s; s = n) {
		n = s->next;
		vrf_free(env, s, sizeof *s);
	}
	for (size_t i = 0; i < env->npending; i++)
		vrf_state_free(env, env->pending[i]);
	vrf_free(env, env->pending, env->cappending * sizeof *env->pending);
	vrf_free(env, env->incomplete, env->capincomplete * sizeof *env->incomplete);
	while (env->arena) {
		void **chunk = env->arena;
		env->arena = chunk[0];
		vrf_free(env, chunk, 64 * 1024);
	}
	vrf_free(env, env->stored, env->cnt * sizeof *env->stored);
	vrf_free(env, env->ops, env->cnt * sizeof *env->ops);
	vrf_free(env, env->live, env->cnt * sizeof *env->live);
	vrf_free(env, env->dem_regs, env->cnt * sizeof *env->dem_regs);
	vrf_free(env, env->dem_slots, env->cnt * sizeof *env->dem_slots);
	vrf_free(env, env->live_slots, env->cnt * sizeof *env->live_slots);
	vrf_free(env, env->prune, env->cnt);
	vrf_free(env, env->subprog_of, env->cnt * sizeof *env->subprog_of);
	vrf_free(env, env->subprogs, env->nsubprogs * sizeof *env->subprogs);
}

static int check_maps(struct vrf_env *env)
{
	const struct xbpf_verify_opts *o = env->opts;
	for (unsigned i = 0; o->maps && i < o->map_cnt; i++) {
		const struct xbpf_verify_map *m = &o->maps[i];
		if (m->inner >= 0 && (unsigned)m->inner >= o->map_cnt)
			return vrf_reject(env, NULL, -EINVAL, "fix the map descriptions",
					  "map %u: inner map index %d out of range", i, m->inner);
		if (m->value_size > (1u << 29) || m->key_size > (1u << 29))
			return vrf_reject(env, NULL, -EINVAL, "fix the map descriptions",
					  "map %u: key or value size too large", i);
	}
	return 0;
}

static void env_init(struct vrf_env *env, const struct xbpf_insn *insns, size_t cnt,
		     const struct xbpf_verify_opts *o, struct xbpf_verify_result *res)
{
	memset(env, 0, sizeof *env);
	env->insns = insns;
	env->cnt = cnt;
	env->opts = o;
	env->res = res;
	env->prog_type = o->prog_type;
	env->log_level = o->log_level;
	env->strict_stack = o->strict_stack;
	env->max_insns = o->max_insns ? o->max_insns : DEFAULT_MAX_INSNS;
	env->max_bytes = o->max_bytes ? o->max_bytes : DEFAULT_MAX_BYTES;
	env->vm = o->vm;
}

/* The exploration let uninitialised stack stand for a saved pointer when pruning (sound only
 * if no path reads uninitialised stack, the strict rule) and some path did read it: explore
 * again without that (state.c byte_safe). The cost figures add up. */
static void careful_pass(struct vrf_env *env)
{
	uint64_t insns = env->insns_processed, states = env->states;
	size_t peak = env->peak_bytes;
	free_all(env);
	env_init(env, env->insns, env->cnt, env->opts, env->res);
	env->careful = true;
	if (!vrf_cfg(env))
		vrf_explore(env);
	env->insns_processed += insns;
	env->states += states;
	if (peak > env->peak_bytes)
		env->peak_bytes = peak;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int xbpf_verify(const struct xbpf_insn *insns, size_t cnt, const struct xbpf_verify_opts *opts,
		struct xbpf_verify_result *res)
{
	struct xbpf_verify_opts o;
	struct xbpf_verify_result local;
	struct xbpf_vm *own_vm = NULL;
	struct vrf_env env;
	uint64_t t0 = now_us();
	memset(&o, 0, sizeof o);
	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof o ? opts->sz : sizeof o);
	o.sz = sizeof o;
	if (!res)
		res = &local;
	memset(res, 0, sizeof *res);
	res->sz = sizeof *res;
	if (!o.vm)
		o.vm = own_vm = xbpf_vm__new(NULL);
	env_init(&env, insns, cnt, &o, res);
	if (!insns || !cnt)
		vrf_reject(&env, NULL, -EINVAL, "give the verifier at least one instruction",
			   "empty program");
	else if (cnt > DEFAULT_MAX_INSNS)
		vrf_reject(&env, NULL, -E2BIG, "split the program", "program of %zu instructions "
			   "is too large", cnt);
	else if (o.prog_type >= 64)
		vrf_reject(&env, NULL, -EINVAL, "use a kernel program type number",
			   "unknown program type %u", o.prog_type);
	else if (!check_maps(&env) && !vrf_cfg(&env))
		vrf_explore(&env);
	if (!env.err && env.uninit_read && env.ptr_over_uninit)
		careful_pass(&env);
	free_all(&env);
	vrf_finish_result(&env);
	res->time_us = now_us() - t0;
	if (own_vm)
		xbpf_vm__free(own_vm);
	return res->verdict;
}
