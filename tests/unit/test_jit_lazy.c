/* test_jit_lazy.c - the JIT's instruction-budget body (body 1) is compiled lazily: not at
 * load, but on the first run that asks for a budget (or for `xbpf jit --dump --body 1`),
 * once, thread-safely, into its own W^X image; after that body 0's entry jumps straight
 * to it. Budgeted runs keep the interpreter's exact counting and messages, through tail
 * calls into programs whose body 1 does not exist yet and callbacks from helpers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include "t.h"
#include "xbpf/xbpf.h"
#include "vm/vm_internal.h"
#include "jit/jit.h"
#include "t_jit.h"

static struct xbpf_vm *vm;
static struct xbpf_prog *tail_target;

static const char *loop_text = "mov %r0, 0\nmov %r1, 10\nl:\nadd %r0, %r1\nsub %r1, 1\n"
			       "jne %r1, 0, l\nexit\n";

static uint64_t h_tail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc);
static uint64_t h_loop(uint64_t n, uint64_t fn, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc);

/* The VM of every test (created on first use, with helpers 20 "loop" and 21 "tail"). */
static struct xbpf_vm *get_vm(void)
{
	if (!vm) {
		vm = xbpf_vm__new(NULL);
		if (vm) {
			xbpf_vm__register_helper(vm, 20, "loop", h_loop, NULL);
			xbpf_vm__register_helper(vm, 21, "tail", h_tail, NULL);
		}
	}
	return vm;
}

static struct xbpf_prog *load_text(const char *text)
{
	struct xbpf_insn *insns;
	size_t cnt;
	char err[256];
	if (xbpf_asm(text, get_vm(), &insns, &cnt, err, sizeof err)) {
		fprintf(stderr, "asm: %s\n", err);
		return NULL;
	}
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_JIT,
					 .log_buf = err, .log_size = sizeof err};
	struct xbpf_prog *p = xbpf_prog__load(vm, insns, cnt, &lo);
	if (!p)
		fprintf(stderr, "load: %s\n", err);
	free(insns);
	return p;
}

static struct xbpf_prog *load_raw(const struct xbpf_insn *in, size_t cnt)
{
	char err[256];
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_JIT,
					 .log_buf = err, .log_size = sizeof err};
	struct xbpf_prog *p = xbpf_prog__load(get_vm(), in, cnt, &lo);
	if (!p)
		fprintf(stderr, "load: %s\n", err);
	return p;
}

struct outcome {
	int err;
	uint64_t r0;
	char log[256];
};

static void run(struct xbpf_prog *p, enum xbpf_engine e, uint64_t budget, struct outcome *o)
{
	uint8_t mem[64] = {0};
	struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = mem, .ctx_size = sizeof mem,
				   .engine = e, .budget = budget, .log_buf = o->log,
				   .log_size = sizeof o->log};
	o->log[0] = '\0';
	o->err = xbpf_prog__run(p, &ro);
	o->r0 = o->err ? 0 : ro.retval;
}

/* Same outcome on both engines; returns the JIT's. */
static struct outcome both(struct xbpf_prog *p, uint64_t budget)
{
	struct outcome a, j;
	run(p, XBPF_ENGINE_INTERP, budget, &a);
	run(p, XBPF_ENGINE_JIT, budget, &j);
	T_EQ(a.err, j.err);
	T_EQ(a.r0, j.r0);
	T_STREQ(a.log, j.log);
	return j;
}

static const struct jit_image *image(const struct xbpf_prog *p)
{
	return p->jit_priv;
}

/* The mapping holding addr, as "r-xp" etc. (empty when none). */
static void perms_of(const void *addr, char perms[8])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	perms[0] = '\0';
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char pm[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pm) == 3 && (uintptr_t)addr >= lo &&
		    (uintptr_t)addr < hi)
			snprintf(perms, 8, "%s", pm);
	}
	if (f)
		fclose(f);
}

static void test_compiled_on_first_budgeted_run(void)
{
	struct xbpf_prog *p = load_text(loop_text);
	T_CHECK(p);
	if (!p)
		return;
	const struct jit_image *im = image(p);
	T_CHECK(im->budget == NULL);                  /* not at load */
	struct outcome o = both(p, 0);
	T_EQ(o.r0, 55);
	T_CHECK(im->budget == NULL);                  /* nor by runs without a budget */
	o = both(p, 1000);
	T_EQ(o.r0, 55);
	const struct jit_image *b = im->budget;
	T_CHECK(b != NULL && b->mem != NULL);
	if (!b)
		return;
	T_CHECK(im->budget_entry == b->mem);          /* body 0 now jumps straight to it */
	T_CHECK(b->mem != im->mem);
	char perms[8];
	perms_of(b->mem, perms);
	T_CHECK(!strncmp(perms, "r-x", 3));           /* W^X: never writable once executable */
	/* exact counting: every budget up to the end agrees with the interpreter */
	for (uint64_t budget = 1; budget < 40; budget++) {
		o = both(p, budget);
		T_CHECK(o.err == 0 || o.err == -ETIME);
	}
	o = both(p, 5);
	T_EQ(o.err, -ETIME);
	T_CONTAINS(o.log, "instruction budget exhausted");
	T_CHECK(im->budget == b);                     /* compiled once */
	xbpf_prog__free(p);
}

struct thread_arg {
	struct xbpf_prog *p;
	pthread_barrier_t *bar;
	uint64_t r0[50];
	int err[50];
};

static void *racer(void *v)
{
	struct thread_arg *a = v;
	pthread_barrier_wait(a->bar);
	for (int i = 0; i < 50; i++) {
		struct outcome o;
		run(a->p, XBPF_ENGINE_JIT, i % 2 ? 1000 : 0, &o);
		a->r0[i] = o.r0;
		a->err[i] = o.err;
	}
	return NULL;
}

static void test_concurrent_first_runs(void)
{
	enum { N = 6, ROUNDS = 5 };
	for (int round = 0; round < ROUNDS; round++) {
		struct xbpf_prog *p = load_text(loop_text);
		T_CHECK(p);
		if (!p)
			return;
		pthread_barrier_t bar;
		pthread_barrier_init(&bar, NULL, N);
		static struct thread_arg args[N];
		pthread_t th[N];
		for (int i = 0; i < N; i++) {
			args[i] = (struct thread_arg){.p = p, .bar = &bar};
			pthread_create(&th[i], NULL, racer, &args[i]);
		}
		for (int i = 0; i < N; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&bar);
		for (int i = 0; i < N; i++)
			for (int k = 0; k < 50; k++) {
				T_EQ(args[i].err[k], 0);
				T_EQ(args[i].r0[k], 55);
			}
		T_CHECK(image(p)->budget != NULL);
		xbpf_prog__free(p);
	}
}

static uint64_t h_tail(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	return (uint64_t)(int64_t)xbpf_run_ctx__tail_call(rc, tail_target);
}

/* helper 20: calls fn(i) for i < n, sums */
static uint64_t h_loop(uint64_t n, uint64_t fn, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	uint64_t sum = 0, r;
	for (uint64_t i = 0; i < n; i++) {
		int err = xbpf_run_ctx__call(rc, fn, i, c, 0, 0, 0, &r);
		if (err)
			return (uint64_t)(int64_t)err;
		sum += r;
	}
	return sum;
}

static void test_tail_calls_and_callbacks(void)
{
	/* a budgeted run tail-calls a program whose body 1 does not exist yet */
	tail_target = load_text(loop_text);
	struct xbpf_prog *p = load_text("mov %r0, 1\ncall 21\nmov %r0, 2\nexit\n");
	T_CHECK(p && tail_target);
	if (!p || !tail_target)
		return;
	T_CHECK(image(tail_target)->budget == NULL);
	struct outcome o = both(p, 1000);
	T_EQ(o.r0, 55);
	T_CHECK(image(tail_target)->budget != NULL);
	o = both(p, 10);                               /* runs out inside the target */
	T_EQ(o.err, -ETIME);
	xbpf_prog__free(p);
	xbpf_prog__free(tail_target);
	tail_target = NULL;
	/* callbacks from a helper on the first budgeted run, and their budget */
	const struct xbpf_insn cb_prog[] = {
		{XBPF_ALU64 | XBPF_MOV | XBPF_K, 1, 0, 0, 5},
		{0x18, 2, XBPF_PSEUDO_FUNC, 0, 4}, {0, 0, 0, 0, 0},
		{XBPF_ALU64 | XBPF_MOV | XBPF_K, 3, 0, 0, 10},
		{XBPF_JMP | XBPF_CALL, 0, 0, 0, 20},
		{XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0},
		{XBPF_ALU64 | XBPF_MOV | XBPF_X, 0, 1, 0, 0},            /* cb: r0 = i */
		{XBPF_ALU64 | XBPF_ADD | XBPF_X, 0, 2, 0, 0},            /* r0 += ctx */
		{XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0},
	};
	for (uint64_t budget = 10; budget <= 40; budget += 5) {
		p = load_raw(cb_prog, sizeof cb_prog / sizeof cb_prog[0]);
		T_CHECK(p);
		if (!p)
			return;
		o = both(p, budget);
		T_CHECK(o.err == -ETIME || o.r0 == 60);
		xbpf_prog__free(p);
	}
}

static void test_dump_compiles_body1(void)
{
	struct xbpf_prog *p = load_text(loop_text);
	T_CHECK(p);
	if (!p)
		return;
	int err;
	char *text = t_jit_dump(p, 1, &err);
	if (err == -ENOTSUP) {
		free(text);
		xbpf_prog__free(p);
		T_SKIP("no disassembler (capstone) in this build");
	}
	T_EQ(err, 0);
	T_CONTAINS(text, "with an instruction budget");
	T_CONTAINS(text, "sub qword ptr [r12");      /* bills the budget per block */
	T_CHECK(image(p)->budget != NULL);
	free(text);
	/* body 0's listing shows the jump to the budget body, not its code */
	text = t_jit_dump(p, 0, &err);
	T_EQ(err, 0);
	T_CONTAINS(text, "[budget jump]");
	T_CHECK(!strstr(text, "sub qword ptr [r12"));
	free(text);
	struct outcome o = both(p, 7);
	T_EQ(o.err, -ETIME);
	xbpf_prog__free(p);
}

T_MAIN(test_compiled_on_first_budgeted_run, test_concurrent_first_runs,
       test_tail_calls_and_callbacks, test_dump_compiles_body1)
