/* conformance.c - runs the bpf_conformance test vectors (*.data) on one xbpf engine.
 *
 *   conformance [--engine interp|switch|jit] [-v] DIR|FILE...
 *
 * Each .data file has sections: "-- asm" (assembled with xbpf_asm), "-- raw" (64-bit
 * little-endian instruction words, used when there is no asm), "-- mem" (hex bytes: r1
 * points to a writable copy, r2 holds its length), "-- result" (expected r0, hex when it
 * contains 0x) or "-- error" (the program must fail to load or run). When a file has both
 * asm and raw, the assembled words must equal the raw ones. Other sections are
 * ignored. Helper 5 returns its first argument. Prints one line per failure and ends with
 * "N passed, N failed"; exits non-zero when a test failed or none ran.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xbpf/xbpf.h"

struct testcase {
	char *asm_text;
	char *raw_text;
	char *mem_text;
	char *result_text;
	bool expect_error;
};

static uint64_t helper_identity(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
				struct xbpf_run_ctx *rc)
{
	return a;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* Split the file into its sections (pointers into text, NUL-terminated in place). */
static void parse_sections(char *text, struct testcase *tc)
{
	for (char *p = text; *p;) {
		char *nl = strchr(p, '\n');
		char *next = nl ? nl + 1 : p + strlen(p);
		if (p[0] == '-' && p[1] == '-') {
			if (nl)
				*nl = '\0';
			const char *name = p + 2;
			while (*name == ' ')
				name++;
			char **cur = !strcmp(name, "asm") ? &tc->asm_text
				   : !strcmp(name, "raw") ? &tc->raw_text
				   : !strcmp(name, "mem") ? &tc->mem_text
				   : !strcmp(name, "result") ? &tc->result_text : NULL;
			if (!strncmp(name, "error", 5))
				tc->expect_error = true;
			*p = '\0'; /* ends the previous section */
			if (cur)
				*cur = next;
		}
		p = next;
	}
}

static int parse_raw(const char *text, struct xbpf_insn **out, size_t *cnt)
{
	size_t n = 0, cap = 16;
	struct xbpf_insn *v = malloc(cap * sizeof *v);
	const char *p = text;
	while (v) {
		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		char *end;
		uint64_t w = strtoull(p, &end, 16);
		if (end == p)
			break;
		if (n == cap) {
			struct xbpf_insn *nv = realloc(v, (cap *= 2) * sizeof *v);
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		memcpy(&v[n++], &w, sizeof w);
		p = end;
	}
	*out = v;
	*cnt = n;
	return v ? 0 : -ENOMEM;
}

static size_t parse_mem(const char *text, uint8_t **out)
{
	size_t n = 0;
	uint8_t *m = malloc(strlen(text) / 2 + 1);
	const char *p = text;
	char *end;
	while (m) {
		unsigned long b = strtoul(p, &end, 16);
		if (end == p)
			break;
		m[n++] = (uint8_t)b;
		p = end;
	}
	*out = m;
	return n;
}

/* Run one test; returns 0 on pass, else prints the reason and returns 1. */
static int run_one(const char *name, struct testcase *tc, struct xbpf_vm *vm,
		   enum xbpf_engine engine, bool verbose)
{
	struct xbpf_insn *insns = NULL;
	size_t cnt = 0;
	char err[512] = "";
	int rc;
	if (tc->asm_text)
		rc = xbpf_asm(tc->asm_text, vm, &insns, &cnt, err, sizeof err);
	else if (tc->raw_text)
		rc = parse_raw(tc->raw_text, &insns, &cnt);
	else
		rc = -EINVAL, snprintf(err, sizeof err, "no program");
	if (rc) {
		printf("FAIL %s: assembly: %s\n", name, err);
		return 1;
	}
	if (tc->asm_text && tc->raw_text) { /* both given: the assembler must agree */
		struct xbpf_insn *raw = NULL;
		size_t raw_cnt = 0;
		bool same = !parse_raw(tc->raw_text, &raw, &raw_cnt) && raw_cnt == cnt &&
			    !memcmp(raw, insns, cnt * sizeof *insns);
		free(raw);
		if (!same) {
			printf("FAIL %s: the assembled program differs from the raw section\n", name);
			free(insns);
			return 1;
		}
	}
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .log_buf = err, .log_size = sizeof err,
					 .engine = engine, .name = name};
	struct xbpf_prog *prog = xbpf_prog__load(vm, insns, cnt, &lo);
	free(insns);
	uint8_t *mem = NULL;
	size_t len = tc->mem_text ? parse_mem(tc->mem_text, &mem) : 0;
	int fail = 0;
	if (!prog) {
		fail = !tc->expect_error;
		if (fail)
			printf("FAIL %s: load: %s (%s)\n", name, err, strerror(errno));
	} else {
		struct xbpf_run_opts ro = {.sz = sizeof ro, .ctx = len ? mem : NULL, .ctx_size = len,
					   .budget = 100000000, .log_buf = err, .log_size = sizeof err};
		rc = xbpf_prog__run(prog, &ro);
		uint64_t want = tc->result_text ? strtoull(tc->result_text, NULL, 0) : 0;
		if (tc->expect_error) {
			fail = rc == 0;
			if (fail)
				printf("FAIL %s: expected an error, got r0 = 0x%llx\n", name,
				       (unsigned long long)ro.retval);
		} else if (rc) {
			fail = 1;
			printf("FAIL %s: run: %s (%s)\n", name, err, strerror(-rc));
		} else if (ro.retval != want) {
			fail = 1;
			printf("FAIL %s: r0 = 0x%llx, expected 0x%llx\n", name,
			       (unsigned long long)ro.retval, (unsigned long long)want);
		}
		xbpf_prog__free(prog);
	}
	if (!fail && verbose)
		printf("ok   %s\n", name);
	free(mem);
	return fail;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect DIR/\*.data (sorted) or FILE itself. */
static size_t collect(const char *path, char ***list, size_t n)
{
	DIR *d = opendir(path);
	if (!d) {
		*list = realloc(*list, (n + 1) * sizeof **list);
		(*list)[n] = strdup(path);
		return n + 1;
	}
	size_t first = n;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".data"))
			continue;
		*list = realloc(*list, (n + 1) * sizeof **list);
		(*list)[n] = malloc(strlen(path) + l + 2);
		sprintf((*list)[n++], "%s/%s", path, e->d_name);
	}
	closedir(d);
	qsort(*list + first, n - first, sizeof **list, by_name);
	return n;
}

int main(int argc, char **argv)
{
	enum xbpf_engine engine = XBPF_ENGINE_INTERP;
	bool verbose = false;
	char **files = NULL;
	size_t nfiles = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--engine") && i + 1 < argc) {
			const char *e = argv[++i];
			engine = !strcmp(e, "jit") ? XBPF_ENGINE_JIT : !strcmp(e, "switch")
				 ? XBPF_ENGINE_INTERP_SWITCH : XBPF_ENGINE_INTERP;
			if (strcmp(e, "jit") && strcmp(e, "switch") && strcmp(e, "interp")) {
				fprintf(stderr, "conformance: unknown engine '%s'\n", e);
				return 2;
			}
		} else if (!strcmp(argv[i], "-v")) {
			verbose = true;
		} else {
			nfiles = collect(argv[i], &files, nfiles);
		}
	}
	struct xbpf_vm_opts vo = {.sz = sizeof vo, .no_builtin_helpers = true};
	struct xbpf_vm *vm = xbpf_vm__new(&vo);
	if (!vm || xbpf_vm__register_helper(vm, 5, "identity", helper_identity, NULL)) {
		fprintf(stderr, "conformance: cannot create the VM\n");
		return 1;
	}
	int passed = 0, failed = 0;
	for (size_t i = 0; i < nfiles; i++) {
		char *text = read_all(files[i]);
		const char *base = strrchr(files[i], '/');
		base = base ? base + 1 : files[i];
		if (!text) {
			printf("FAIL %s: cannot read: %s\n", base, strerror(errno));
			failed++;
		} else {
			struct testcase tc = {0};
			parse_sections(text, &tc);
			if (run_one(base, &tc, vm, engine, verbose))
				failed++;
			else
				passed++;
		}
		free(text);
		free(files[i]);
	}
	free(files);
	xbpf_vm__free(vm);
	printf("%d passed, %d failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}
