/* eng_kernel.c - benchmark engine: the Linux kernel's JIT through BPF_PROG_TEST_RUN
 * (libbpf). Loads NAME_tc (SCHED_CLS) from the program's object and reports the duration
 * the kernel measures itself (average ns per run over `repeat` runs). Needs bpf():
 * without permission the column shows why.
 *
 * The program is loaded again before every batch: the kernel puts each JIT image at a
 * random offset in its code pages, and the run time of a small loop depends on where it
 * lands by up to ~2x on some CPUs (measured here on AMD EPYC: sort 295 to 556 ns between
 * loads of the same object), so the median of the rounds is the median over placements,
 * not one placement's luck. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "bench_prog.h"

struct kstate {
	const struct bench_prog *p;
	struct bpf_object *obj;
	int fd;
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/* (Re)load NAME_tc into s: 0, or -1 with the reason in why. */
static int load(struct kstate *s, char *why, size_t size)
{
	char entry[128];
	if (s->obj)
		bpf_object__close(s->obj);
	s->obj = NULL;
	snprintf(entry, sizeof entry, "%s_tc", s->p->name);
	struct bpf_object *obj = bpf_object__open_file(s->p->obj_path, NULL);
	if (!obj) {
		snprintf(why, size, "open %s: %s", s->p->obj_path, strerror(errno));
		return -1;
	}
	struct bpf_program *prog, *want = NULL;
	bpf_object__for_each_program(prog, obj) {
		bool mine = !strcmp(bpf_program__name(prog), entry);
		bpf_program__set_autoload(prog, mine);
		if (mine)
			want = prog;
	}
	int err = want ? bpf_object__load(obj) : -ENOENT;
	if (err) {
		snprintf(why, size, "%s", err == -EPERM ? "bpf() not permitted" : strerror(-err));
		bpf_object__close(obj);
		return -1;
	}
	s->obj = obj;
	s->fd = bpf_program__fd(want);
	return 0;
}

static int setup(const struct bench_prog *p, void **state, char *why, size_t size)
{
	libbpf_set_print(quiet);
	struct kstate *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	s->p = p;
	if (load(s, why, size)) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static double measure(void *state, uint8_t *mem, unsigned reps, uint64_t *ret)
{
	struct kstate *s = state;
	char why[128];
	if (load(s, why, sizeof why)) /* a new placement for every batch */
		return -1;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = mem, .data_size_in = BENCH_LEN,
		    .repeat = reps);
	if (bpf_prog_test_run_opts(s->fd, &o))
		return -1;
	*ret = o.retval;
	return o.duration; /* the kernel's average per run, in ns */
}

static void teardown(void *state)
{
	struct kstate *s = state;
	if (s->obj)
		bpf_object__close(s->obj);
	free(s);
}

const struct bench_engine bench_eng_kernel = {"kernel-jit", setup, measure, teardown, 32};
