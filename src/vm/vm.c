/* vm.c - the VM object and programs: lifecycle, the helper registry, the print callback,
 * loading (copy, validate, resolve lddw pseudo forms, compile) and the run entry points.
 *
 * A struct xbpf_vm is a helper table plus defaults; programs loaded into it are immutable
 * after xbpf_prog__load() returns, so any number of threads may run one at once. A run of
 * xbpf_prog__run() usually goes through the calling thread's cached runner (runner.c: a
 * struct xbpf_run_ctx and stack prepared once per thread and program); otherwise it builds
 * its struct xbpf_run_ctx (regions, stack, budget, error text) on the caller's stack and
 * hands it to the selected engine (vm_run_setup, vm_run_engine: shared with runner.c).
 * Also here: the facts the JIT needs to inline map lookups (vm_builtin_helper,
 * vm_map_array_layout).
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include "vm_internal.h"
#include "xbpf/map.h"
#include "../maps/map_internal.h"

/* Read an optional field of an *_opts struct the caller may know in an older, shorter
 * version (libbpf's convention): fields past opts->sz read as the default. */
#define OPTS_HAS(opts, field) \
	((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))
#define OPTS_GET(opts, field, dflt) (OPTS_HAS(opts, field) ? (opts)->field : (dflt))

/* The helpers module registers the kernel-compatible helpers (src/helpers/builtins.c). A
 * strong reference: a static link always pulls the built-in helpers in. */
VM_HIDDEN void hlp_register_builtins(struct xbpf_vm *vm);

/* ---- logging ------------------------------------------------------------------------ */

static int default_print(enum xbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == XBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static xbpf_print_fn_t print_fn = default_print;

xbpf_print_fn_t xbpf_set_print(xbpf_print_fn_t fn)
{
	return __atomic_exchange_n(&print_fn, fn, __ATOMIC_ACQ_REL);
}

void vm_pr(enum xbpf_print_level level, const char *fmt, ...)
{
	xbpf_print_fn_t fn = __atomic_load_n(&print_fn, __ATOMIC_ACQUIRE);
	if (!fn)
		return;
	va_list ap;
	va_start(ap, fmt);
	fn(level, fmt, ap);
	va_end(ap);
}

/* ---- VM and helpers ------------------------------------------------------------------ */

struct xbpf_vm *xbpf_vm__new(const struct xbpf_vm_opts *opts)
{
	if (opts && opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	struct xbpf_vm *vm = calloc(1, sizeof *vm);
	if (!vm) {
		errno = ENOMEM;
		return NULL;
	}
	vm->engine = OPTS_GET(opts, engine, XBPF_ENGINE_DEFAULT);
	if (vm->engine < XBPF_ENGINE_DEFAULT || vm->engine > XBPF_ENGINE_JIT) {
		free(vm);
		errno = EINVAL;
		return NULL;
	}
	if (!OPTS_GET(opts, no_builtin_helpers, false))
		hlp_register_builtins(vm);
	return vm;
}

void xbpf_vm__free(struct xbpf_vm *vm)
{
	if (!vm)
		return;
	for (unsigned i = 0; i < XBPF_MAX_HELPER_ID; i++)
		free(vm->helpers[i].name);
	free(vm);
}

int xbpf_vm__register_helper(struct xbpf_vm *vm, uint32_t id, const char *name,
			     xbpf_helper_fn fn, const struct xbpf_helper_proto *proto)
{
	if (!vm || id >= XBPF_MAX_HELPER_ID || !fn || !name)
		return -EINVAL;
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	struct vm_helper *h = &vm->helpers[id];
	free(h->name);
	h->name = copy;
	h->fn = fn;
	if (proto) {
		h->proto = *proto;
	} else {
		memset(&h->proto, 0, sizeof h->proto);
		h->proto.ret = XBPF_RET_INTEGER;
		for (int i = 0; i < 5; i++)
			h->proto.args[i] = XBPF_ARG_ANYTHING;
	}
	return 0;
}

int xbpf_vm__helper_id(const struct xbpf_vm *vm, const char *name)
{
	if (!vm || !name)
		return -ENOENT;
	const char *bare = strncmp(name, "bpf_", 4) ? name : name + 4;
	for (unsigned i = 0; i < XBPF_MAX_HELPER_ID; i++) {
		const char *n = vm->helpers[i].name;
		if (!vm->helpers[i].fn || !n)
			continue;
		const char *nb = strncmp(n, "bpf_", 4) ? n : n + 4;
		if (!strcmp(nb, bare))
			return (int)i;
	}
	return -ENOENT;
}

const char *xbpf_vm__helper_name(const struct xbpf_vm *vm, uint32_t id)
{
	if (!vm || id >= XBPF_MAX_HELPER_ID || !vm->helpers[id].fn)
		return NULL;
	return vm->helpers[id].name;
}

const struct xbpf_helper_proto *xbpf_vm__helper_proto(const struct xbpf_vm *vm, uint32_t id)
{
	if (!vm || id >= XBPF_MAX_HELPER_ID || !vm->helpers[id].fn)
		return NULL;
	return &vm->helpers[id].proto;
}

static xbpf_helper_fn builtin_fns[XBPF_MAX_HELPER_ID];

static void builtins_once(void)
{
	struct xbpf_vm *vm = calloc(1, sizeof *vm);
	if (!vm)
		return;
	hlp_register_builtins(vm);
	for (unsigned i = 0; i < XBPF_MAX_HELPER_ID; i++) {
		builtin_fns[i] = vm->helpers[i].fn;
		free(vm->helpers[i].name);
	}
	free(vm);
}

xbpf_helper_fn vm_builtin_helper(uint32_t id)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, builtins_once);
	return id < XBPF_MAX_HELPER_ID ? builtin_fns[id] : NULL;
}

bool vm_map_array_layout(struct xbpf_map *map, uint8_t **base, uint64_t *stride,
			 uint32_t *max_entries)
{
	if (!map || xbpf_map__type(map) != XBPF_MAP_TYPE_ARRAY || !xbpf_map__max_entries(map))
		return false;
	/* the addresses the program-side lookup gives index 0 and 1 */
	uint32_t k0 = 0, k1 = 1;
	uint8_t *v0 = map_lookup(map, &k0, 0);
	uint8_t *v1 = xbpf_map__max_entries(map) > 1 ? map_lookup(map, &k1, 0) : v0;
	if (!v0 || !v1 || v1 < v0)
		return false;
	*base = v0;
	*stride = (uint64_t)(v1 - v0);
	*max_entries = xbpf_map__max_entries(map);
	return true;
}

/* ---- programs ------------------------------------------------------------------------ */

static void load_error(struct xbpf_prog *p, size_t pc, char *log, size_t log_size,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "insn PC (DISASM): reason" into the load log. */
static void load_error(struct xbpf_prog *p, size_t pc, char *log, size_t log_size,
		       const char *fmt, ...)
{
	if (!log || !log_size)
		return;
	char dis[128];
	xbpf_disasm_insn(p->insns, p->insn_cnt, pc, XBPF_SYNTAX_UBPF, p->vm, dis, sizeof dis);
	int n = snprintf(log, log_size, "insn %zu (%s): ", pc, dis);
	if (n >= 0 && (size_t)n < log_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(log + n, log_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
}

/* Keep one reference per distinct map the program names. */
static int prog_add_map(struct xbpf_prog *p, struct xbpf_map *map)
{
	for (unsigned i = 0; i < p->map_cnt; i++)
		if (p->maps[i] == map)
			return 0;
	struct xbpf_map **m = realloc(p->maps, (p->map_cnt + 1) * sizeof *m);
	if (!m)
		return -ENOMEM;
	p->maps = m;
	p->maps[p->map_cnt++] = map;
	vm_map_get(map);
	return 0;
}

/* Resolve the lddw at pc with a pseudo source (validation already built imm64). */
static int resolve_lddw(struct xbpf_prog *p, size_t pc, const struct xbpf_prog_load_opts *o,
			char *log, size_t log_size)
{
	struct vm_dinsn *d = &p->code[pc];
	const struct xbpf_insn *in = &p->insns[pc];
	struct xbpf_map **maps = OPTS_GET(o, maps, NULL);
	unsigned map_cnt = OPTS_GET(o, map_cnt, 0);
	switch (d->src) {
	case XBPF_PSEUDO_IMM64:
		return 0;
	case XBPF_PSEUDO_FUNC:
		d->imm = (int64_t)vm_func_value((uint32_t)d->off);
		return 0;
	case XBPF_PSEUDO_BTF_ID:
		load_error(p, pc, log, log_size, "kernel variables (lddw src 3) need kernel BTF, "
			   "which xbpf does not have");
		return -ENOTSUP;
	}
	/* src 1/5: a map; src 2/6: a map value address. imm is an index into opts->maps. */
	if (in->imm < 0 || (unsigned)in->imm >= map_cnt || !maps || !maps[in->imm]) {
		load_error(p, pc, log, log_size, "map index %d out of range (%u maps given)",
			   in->imm, map_cnt);
		return -EINVAL;
	}
	struct xbpf_map *map = maps[in->imm];
	if (d->src == XBPF_PSEUDO_MAP_FD || d->src == XBPF_PSEUDO_MAP_IDX) {
		d->imm = (int64_t)(uintptr_t)map;
	} else {
		uint8_t *base = vm_map_value_base(map);
		uint32_t off = (uint32_t)p->insns[pc + 1].imm;
		size_t size = vm_map_value_size(map);
		if (!base || off > size) {
			load_error(p, pc, log, log_size, base ? "offset %u beyond the map value "
				   "(%zu bytes)" : "map %u has no directly addressable value",
				   base ? off : (unsigned)in->imm, size);
			return -EINVAL;
		}
		d->imm = (int64_t)(uintptr_t)(base + off);
	}
	if (prog_add_map(p, map)) {
		load_error(p, pc, log, log_size, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int resolve_pseudo(struct xbpf_prog *p, const struct xbpf_prog_load_opts *o,
			  char *log, size_t log_size)
{
	for (size_t pc = 0; pc < p->insn_cnt; pc++) {
		if (p->code[pc].op != XOP_LDDW)
			continue;
		int err = resolve_lddw(p, pc, o, log, log_size);
		if (err)
			return err;
	}
	return 0;
}

/* The run regions of the program's directly addressable map values (global data), once
 * at load so runs only copy them: writable unless the map is XBPF_F_RDONLY_PROG. */
static int build_map_regions(struct xbpf_prog *p, char *log, size_t log_size)
{
	if (!p->map_cnt)
		return 0;
	p->map_regions = calloc(p->map_cnt, sizeof *p->map_regions);
	if (!p->map_regions) {
		if (log_size)
			snprintf(log, log_size, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < p->map_cnt; i++) {
		struct xbpf_map *m = p->maps[i];
		void *base = vm_map_value_base(m);
		size_t size = vm_map_value_size(m);
		if (!base || !size)
			continue;
		bool w = !(xbpf_map__map_flags(m) & XBPF_F_RDONLY_PROG);
		p->map_regions[p->map_region_cnt++] = (struct xbpf_region){base, size, w};
	}
	return 0;
}

/* Without r10 a program (its callees and callbacks included) has no pointer into its
 * stack, and neither do the helpers it calls: nothing can read it. */
static bool prog_uses_stack(const struct xbpf_prog *p)
{
	for (size_t pc = 0; pc < p->insn_cnt; pc++) {
		const struct vm_dinsn *d = &p->code[pc];
		if (d->op != XOP_INVALID && (d->dst == XBPF_REG_10 || d->src == XBPF_REG_10))
			return true;
	}
	return false;
}

static void prog_destroy(struct xbpf_prog *p)
{
	if (p->jit_image || p->jit_priv || p->jit_entry)
		vm_jit_free(p);
	for (unsigned i = 0; i < p->map_cnt; i++)
		vm_map_put(p->maps[i]);
	free(p->maps);
	free(p->map_regions);
	free(p->code);
	free(p->funcs);
	free(p->insns);
	free(p->name);
	free(p);
}

static int prog_prepare(struct xbpf_prog *p, const struct xbpf_prog_load_opts *o)
{
	char *log = OPTS_GET(o, log_buf, NULL);
	size_t log_size = log ? OPTS_GET(o, log_size, 0) : 0;
	int err = vm_validate(p, log, log_size);
	if (!err)
		err = resolve_pseudo(p, o, log, log_size);
	if (!err)
		err = build_map_regions(p, log, log_size);
	if (!err)
		p->uses_stack = prog_uses_stack(p);
	if (!err && p->engine == XBPF_ENGINE_JIT)
		err = vm_jit_compile(p, log, log_size);
	return err;
}

struct xbpf_prog *xbpf_prog__load(struct xbpf_vm *vm, const struct xbpf_insn *insns,
				  size_t insn_cnt, const struct xbpf_prog_load_opts *opts)
{
	char *log = OPTS_GET(opts, log_buf, NULL);
	size_t log_size = log ? OPTS_GET(opts, log_size, 0) : 0;
	if (log_size)
		log[0] = '\0';
	if (!vm || (!insns && insn_cnt) || (opts && opts->sz < sizeof(size_t))) {
		if (log_size)
			snprintf(log, log_size, "invalid arguments");
		errno = EINVAL;
		return NULL;
	}
	if (insn_cnt > VM_MAX_INSNS) { /* before copying: insn_cnt may be absurd */
		if (log_size)
			snprintf(log, log_size, "too many instructions: %zu (at most %d)", insn_cnt,
				 VM_MAX_INSNS);
		errno = EINVAL;
		return NULL;
	}
	struct xbpf_prog *p = calloc(1, sizeof *p);
	const char *name = OPTS_GET(opts, name, NULL);
	if (p) {
		p->vm = vm;
		p->insn_cnt = insn_cnt;
		p->insns = malloc(insn_cnt ? insn_cnt * sizeof *insns : 1);
		p->name = strdup(name ? name : "");
	}
	if (!p || !p->insns || !p->name) {
		if (p)
			prog_destroy(p);
		if (log_size)
			snprintf(log, log_size, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (insn_cnt)
		memcpy(p->insns, insns, insn_cnt * sizeof *insns);
	p->flags = OPTS_GET(opts, flags, 0);
	p->prog_type = OPTS_GET(opts, prog_type, 0);
	p->engine = OPTS_GET(opts, engine, XBPF_ENGINE_DEFAULT);
	if (p->engine == XBPF_ENGINE_DEFAULT)
		p->engine = vm->engine;
	if (p->engine == XBPF_ENGINE_DEFAULT)
		p->engine = XBPF_ENGINE_INTERP;
	atomic_init(&p->refcnt, 1);
	static _Atomic uint64_t serials;
	p->serial = atomic_fetch_add(&serials, 1) + 1;
	int err = p->engine > XBPF_ENGINE_JIT ? -EINVAL : prog_prepare(p, opts);
	if (err) {
		if (p->engine > XBPF_ENGINE_JIT && log_size)
			snprintf(log, log_size, "unknown engine %d", (int)p->engine);
		vm_pr(XBPF_DEBUG, "xbpf: load of '%s' failed: %s\n", p->name, log ? log : "");
		prog_destroy(p);
		errno = -err;
		return NULL;
	}
	return p;
}

void vm_prog_get(struct xbpf_prog *prog)
{
	atomic_fetch_add(&prog->refcnt, 1);
}

void vm_prog_put(struct xbpf_prog *prog)
{
	if (prog && atomic_fetch_sub(&prog->refcnt, 1) == 1)
		prog_destroy(prog);
}

void xbpf_prog__free(struct xbpf_prog *prog)
{
	vm_prog_put(prog);
}

size_t xbpf_prog__insn_cnt(const struct xbpf_prog *prog) { return prog ? prog->insn_cnt : 0; }
const struct xbpf_insn *xbpf_prog__insns(const struct xbpf_prog *prog)
{
	return prog ? prog->insns : NULL;
}
const char *xbpf_prog__name(const struct xbpf_prog *prog) { return prog ? prog->name : NULL; }
struct xbpf_vm *xbpf_prog__vm(const struct xbpf_prog *prog) { return prog ? prog->vm : NULL; }

/* ---- running ------------------------------------------------------------------------- */

static void add_fixed_region(struct xbpf_run_ctx *rc, void *base, size_t size, bool w)
{
	if (!base || !size || rc->region_cnt >= VM_MAX_REGIONS - VM_MIN_DYN_REGIONS)
		return;
	rc->regions[rc->region_cnt++] = (struct xbpf_region){base, size, w};
}

/* Every field but the region table, which is filled as regions are added: per field
 * rather than a memset (a rep stos costs more than the whole run of a small program). */
static void run_init_fields(struct xbpf_run_ctx *rc)
{
	rc->region_cnt = rc->region_fixed = rc->region_next = 0;
	rc->depth = 0;
	rc->tail_target = NULL;
	rc->tail_calls = 0;
	rc->err = 0;
	rc->hook_priv = NULL;
	rc->engine = XBPF_ENGINE_DEFAULT;
	rc->dispatch = NULL;
	rc->jit_sp = 0;
	rc->jit_nest = 0;
}
/* A field appended to struct xbpf_run_ctx must be initialised above or in run_setup(). */
_Static_assert(sizeof(struct xbpf_run_ctx) ==
	       ((offsetof(struct xbpf_run_ctx, jit_nest) + sizeof(unsigned) + 7) & ~(size_t)7),
	       "struct xbpf_run_ctx changed: initialise the new field in run_init_fields()");

int vm_run_setup(struct xbpf_run_ctx *rc, struct xbpf_prog *prog,
		 const struct xbpf_run_opts *o, uint8_t *stack)
{
	run_init_fields(rc);
	rc->vm = prog->vm;
	rc->prog = prog;
	rc->user = OPTS_GET(o, user, NULL);
	rc->cpu = OPTS_GET(o, cpu, 0);
	rc->ctx = OPTS_GET(o, ctx, NULL);
	rc->ctx_size = OPTS_GET(o, ctx_size, 0);
	rc->pkt = OPTS_GET(o, pkt, NULL);
	rc->pkt_size = OPTS_GET(o, pkt_size, 0);
	bool own_pkt = rc->pkt != NULL;
	if (!own_pkt) {
		rc->pkt = rc->ctx;
		rc->pkt_size = rc->ctx_size;
	}
	uint64_t budget = OPTS_GET(o, budget, 0);
	rc->budget = budget ? budget : UINT64_MAX;
	rc->stack = stack;
	rc->log_buf = OPTS_GET(o, log_buf, NULL);
	rc->log_size = rc->log_buf ? OPTS_GET(o, log_size, 0) : 0;
	if (rc->log_size)
		rc->log_buf[0] = '\0';
	const struct xbpf_region *regs = OPTS_GET(o, regions, NULL);
	unsigned nregs = regs ? OPTS_GET(o, region_cnt, 0) : 0;
	if (rc->cpu >= XBPF_MAX_CPUS)
		return vm_error(rc, EINVAL, "cpu %u out of range (max %d)", rc->cpu,
				XBPF_MAX_CPUS - 1);
	if (nregs > VM_MAX_USER_REGIONS)
		return vm_error(rc, EINVAL, "too many regions: %u (max %d)", nregs,
				VM_MAX_USER_REGIONS);
	add_fixed_region(rc, stack, XBPF_MAX_FRAMES * XBPF_STACK_SIZE, true);
	add_fixed_region(rc, rc->ctx, rc->ctx_size, true);
	if (own_pkt)
		add_fixed_region(rc, (void *)rc->pkt, rc->pkt_size, false);
	for (unsigned i = 0; i < nregs; i++)
		add_fixed_region(rc, regs[i].base, regs[i].size, regs[i].writable);
	/* Map values: as many as fit, like the caller's regions (prebuilt at load). */
	unsigned room = VM_MAX_REGIONS - VM_MIN_DYN_REGIONS - rc->region_cnt;
	unsigned nmap = prog->map_region_cnt < room ? prog->map_region_cnt : room;
	if (nmap)
		memcpy(&rc->regions[rc->region_cnt], prog->map_regions, nmap * sizeof *rc->regions);
	rc->region_cnt += nmap;
	rc->region_fixed = rc->region_cnt;
	rc->region_next = rc->region_cnt;
	return 0;
}

/* The JIT engine with the tail-call / error protocol around its entry points. */
static int run_jit(struct xbpf_run_ctx *rc, uint64_t r1, uint64_t r2, uint64_t *ret)
{
	for (;;) {
		struct xbpf_prog *p = rc->prog;
		if (!p->jit_entry)
			return vm_interp_run(p, rc, r1, r2, ret, false);
		rc->depth = 0;
		*ret = p->jit_entry(r1, r2, rc);
		if (rc->err)
			return -rc->err;
		if (!rc->tail_target)
			return 0;
		rc->prog = rc->tail_target;
		rc->tail_target = NULL;
		r1 = (uint64_t)(uintptr_t)rc->ctx;
		r2 = rc->ctx_size;
	}
}

int vm_run_engine(struct xbpf_run_ctx *rc, enum xbpf_engine engine, uint64_t r1,
		  uint64_t r2, uint64_t *r0)
{
	struct xbpf_prog *prog = rc->prog;
	int err;
	rc->engine = engine;
	switch (engine) {
	case XBPF_ENGINE_INTERP:
	case XBPF_ENGINE_INTERP_SWITCH:
		err = vm_interp_run(prog, rc, r1, r2, r0, engine == XBPF_ENGINE_INTERP_SWITCH);
		break;
	case XBPF_ENGINE_JIT:
		if (!prog->jit_entry)
			err = vm_error(rc, ENOTSUP, "program '%s' was not JIT-compiled (load it "
				       "with engine XBPF_ENGINE_JIT)", prog->name);
		else
			err = run_jit(rc, r1, r2, r0);
		break;
	default:
		err = vm_error(rc, EINVAL, "unknown engine %d", (int)engine);
		break;
	}
	return err;
}

/* xbpf_prog__run() without the per-thread runner: everything on this frame. */
static int __attribute__((noinline)) run_full(struct xbpf_prog *prog,
					      struct xbpf_run_opts *opts,
					      enum xbpf_engine engine, uint64_t *r0)
{
	/* A program may read stack it never wrote (trusted ones too: NO_CHECKS programs
	 * are not necessarily verified, and may reach any of the frames): the stack starts
	 * zeroed (no stale host data, the same result on every engine), unless the verifier
	 * proved that no path reads stack before writing it (XBPF_PROG_F_VERIFIED) or the
	 * program cannot address its stack at all (xbpf_run_ctx__tail_call clears it when
	 * such a program tail-calls one that needs it cleared). The region table is not
	 * cleared either: regions are filled as they are added. */
	alignas(16) uint8_t stack[XBPF_MAX_FRAMES * XBPF_STACK_SIZE];
	if (vm_prog_clears_stack(prog))
		memset(stack, 0, sizeof stack);
	struct xbpf_run_ctx rc;
	int err = vm_run_setup(&rc, prog, opts, stack);
	if (err)
		return err;
	return vm_run_engine(&rc, engine, (uint64_t)(uintptr_t)rc.ctx, rc.ctx_size, r0);
}

int xbpf_prog__run(struct xbpf_prog *prog, struct xbpf_run_opts *opts)
{
	if (!prog || !opts || opts->sz < sizeof(size_t))
		return -EINVAL;
	enum xbpf_engine engine = OPTS_GET(opts, engine, XBPF_ENGINE_DEFAULT);
	if (engine == XBPF_ENGINE_DEFAULT)
		engine = prog->engine;
	uint64_t r0 = 0;
	/* Usually this thread's cached runner runs it (runner.c: a run context prepared
	 * once per thread and program, the same stack rules as below). */
	int err = vm_run_cached(prog, opts, engine, &r0);
	if (err > 0)
		err = run_full(prog, opts, engine, &r0);
	if (!err && OPTS_HAS(opts, retval))
		opts->retval = r0;
	return err;
}

int xbpf_prog__exec(struct xbpf_prog *prog, void *mem, size_t len, uint64_t *ret)
{
	struct xbpf_run_opts o = {.sz = sizeof o, .ctx = mem, .ctx_size = len};
	int err = xbpf_prog__run(prog, &o);
	if (!err && ret)
		*ret = o.retval;
	return err;
}
