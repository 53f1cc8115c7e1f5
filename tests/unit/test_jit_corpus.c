/* test_jit_corpus.c - the JIT on real eBPF objects (../shared/ebpf-samples): every program
 * the loader can load (unverified, so runtime checks stay on) is compiled by the JIT and
 * run through xbpf_prog__test_run on the interpreter and on the JIT with the same input
 * packet and an instruction budget; r0, the error and the output packet must match.
 * Objects the loader cannot open or load are counted, not failed (that is the loader's
 * test); a program the JIT rejects is a failure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "xbpf/xbpf.h"

static unsigned objects, loaded, programs, compared, skipped;
static struct xbpf_vm *vm;
static uint64_t fake_clock;

/* Random numbers and clocks made deterministic, restarted before every run, so both engines
 * see the same values. */
static uint64_t h_fake(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
		       struct xbpf_run_ctx *rc)
{
	fake_clock = fake_clock * 6364136223846793005ull + 1442695040888963407ull;
	return fake_clock >> 17;
}

struct res {
	int err;
	uint64_t r0;
	uint8_t out[256];
	uint32_t out_size;
	char log[256];
};

/* Addresses in a message ("0x7f03...", two hex digits or more) become "0x?": test_run
 * places the ctx anew for every run, and fault messages name the regions' addresses. */
static bool is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

static void mask_addresses(char *s)
{
	char *o = s;
	while (*s) {
		if (s[0] == '0' && s[1] == 'x' && is_hex(s[2]) && is_hex(s[3])) {
			s += 4;
			while (is_hex(*s))
				s++;
			*o++ = '0'; /* "0x?" is shorter than what it replaces: o stays behind s */
			*o++ = 'x';
			*o++ = '?';
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

static __attribute__((noinline)) void run(struct xbpf_prog *p, enum xbpf_engine e, struct res *r)
{
	uint8_t pkt[128];
	for (unsigned i = 0; i < sizeof pkt; i++)
		pkt[i] = (uint8_t)(i * 29 + 3);
	pkt[12] = 0x08; /* IPv4 */
	pkt[13] = 0x00;
	pkt[14] = 0x45;
	memset(r, 0, sizeof *r);
	fake_clock = 42;
	struct xbpf_test_run_opts o = {.sz = sizeof o, .data_in = pkt, .data_size_in = sizeof pkt,
				       .data_out = r->out, .data_size_out = sizeof r->out,
				       .engine = e, .budget = 200000, .log_buf = r->log,
				       .log_size = sizeof r->log};
	r->err = xbpf_prog__test_run(p, &o);
	mask_addresses(r->log);
	r->r0 = o.retval;
	r->out_size = o.data_size_out;
}

static void check_object(const char *path)
{
	objects++;
	struct xbpf_object *obj = xbpf_object__open_file(path, NULL);
	if (!obj) {
		skipped++;
		return;
	}
	char log[512] = "";
	struct xbpf_object_load_opts lo = {.sz = sizeof lo, .no_verify = true, .vm = vm,
					   .engine = XBPF_ENGINE_JIT, .log_buf = log,
					   .log_size = sizeof log};
	if (xbpf_object__load(obj, &lo)) {
		if (strstr(log, "JIT")) {
			fprintf(stderr, "%s: %s\n", path, log);
			T_CHECK(!"the JIT rejected a program");
		}
		skipped++;
		xbpf_object__close(obj);
		return;
	}
	loaded++;
	for (struct xbpf_program *pr = xbpf_object__next_program(obj, NULL); pr;
	     pr = xbpf_object__next_program(obj, pr)) {
		struct xbpf_prog *p = xbpf_program__prog(pr);
		if (!p)
			continue;
		programs++;
		struct res a, j;
		run(p, XBPF_ENGINE_INTERP, &a);
		run(p, XBPF_ENGINE_JIT, &j);
		if (a.err == -EINVAL && j.err == -EINVAL && !strcmp(a.log, j.log))
			continue; /* context the program type cannot build: same refusal */
		compared++;
		if (a.err != j.err || a.r0 != j.r0 || a.out_size != j.out_size ||
		    memcmp(a.out, j.out, sizeof a.out) || strcmp(a.log, j.log)) {
			fprintf(stderr, "%s %s: interp %d r0 %llu \"%s\" / jit %d r0 %llu \"%s\"\n",
				path, xbpf_program__name(pr), a.err, (unsigned long long)a.r0, a.log,
				j.err, (unsigned long long)j.r0, j.log);
			T_CHECK(!"interpreter and JIT differ");
		}
	}
	xbpf_object__close(obj);
}

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		size_t len = strlen(e->d_name);
		if (e->d_type == DT_DIR)
			walk(path);
		else if (len > 2 && !strcmp(e->d_name + len - 2, ".o"))
			check_object(path);
	}
	closedir(d);
}

static void test_samples(void)
{
	xbpf_set_print(NULL);
	vm = xbpf_vm__new(NULL);
	T_CHECK(vm);
	/* get_prandom_u32, ktime_get_ns, ktime_get_boot_ns, ktime_get_coarse_ns, jiffies64 */
	static const uint32_t fake[] = {7, 5, 125, 160, 118};
	for (unsigned i = 0; i < sizeof fake / sizeof fake[0]; i++)
		if (xbpf_vm__helper_name(vm, fake[i]))
			xbpf_vm__register_helper(vm, fake[i], xbpf_vm__helper_name(vm, fake[i]),
						 h_fake, xbpf_vm__helper_proto(vm, fake[i]));
	walk(XBPF_SHARED_DIR "/ebpf-samples");
	printf("%u objects (%u loaded, %u skipped by the loader), %u programs, %u compared\n",
	       objects, loaded, skipped, programs, compared);
	if (!objects)
		T_SKIP("no ebpf-samples");
	T_CHECK(compared > 0);
	xbpf_vm__free(vm);
}

T_MAIN(test_samples)
