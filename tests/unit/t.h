/* t.h - the minimal test harness every C test in tests/ uses.
 *
 * A test file defines `static void test_NAME(void)` functions, lists them in
 * T_MAIN(test_a, test_b, ...), and checks with T_CHECK / T_EQ / T_STREQ. Each failed check
 * prints file:line and the values; the binary ends with "N passed, N failed" (tests, not
 * checks) and exits non-zero when one failed. T_SKIP("why") ends a test as skipped.
 */
#ifndef XBPF_T_H
#define XBPF_T_H
#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed_checks, t_passed, t_failed, t_skipped;
static jmp_buf t_skip_jmp;

#define T_CHECK(cond) do { if (!(cond)) { t_failed_checks++; \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define T_EQ(a, b) do { uint64_t t_a = (uint64_t)(a), t_b = (uint64_t)(b); if (t_a != t_b) { \
	t_failed_checks++; fprintf(stderr, "%s:%d: %s == %s failed: 0x%" PRIx64 " != 0x%" PRIx64 "\n", \
	__FILE__, __LINE__, #a, #b, t_a, t_b); } } while (0)
#define T_STREQ(a, b) do { const char *t_a = (a), *t_b = (b); if (!t_a || !t_b || strcmp(t_a, t_b)) { \
	t_failed_checks++; fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", \
	__FILE__, __LINE__, #a, #b, t_a ? t_a : "(null)", t_b ? t_b : "(null)"); } } while (0)
#define T_CONTAINS(hay, needle) do { const char *t_h = (hay), *t_n = (needle); \
	if (!t_h || !strstr(t_h, t_n)) { t_failed_checks++; fprintf(stderr, \
	"%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, t_h ? t_h : "(null)", t_n); } } while (0)
#define T_SKIP(why) do { fprintf(stderr, "SKIP: %s\n", why); longjmp(t_skip_jmp, 1); } while (0)

/* The engine a test runs its programs on: XBPF_TEST_ENGINE=jit|switch|interp (ctest runs
 * tests declared with xbpf_engine_variants() once per engine); 0 = the default engine. */
static inline int t_engine(void)
{
	const char *e = getenv("XBPF_TEST_ENGINE");
	return !e ? 0 : !strcmp(e, "jit") ? 3 : !strcmp(e, "switch") ? 2 : 1;
}

typedef void (*t_fn)(void);
static inline int t_run(const char *names, t_fn *fns, int n)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", names);
	char *save = NULL, *name = strtok_r(buf, ", ", &save);
	for (int i = 0; i < n; i++, name = strtok_r(NULL, ", ", &save)) {
		int before = t_failed_checks;
		if (setjmp(t_skip_jmp)) {
			t_skipped++;
			printf("skip %s\n", name ? name : "?");
			continue;
		}
		fns[i]();
		if (t_failed_checks == before) {
			t_passed++;
			printf("ok   %s\n", name ? name : "?");
		} else {
			t_failed++;
			printf("FAIL %s\n", name ? name : "?");
		}
	}
	printf("%d passed, %d failed", t_passed, t_failed);
	if (t_skipped)
		printf(", %d skipped", t_skipped);
	printf("\n");
	return t_failed ? 1 : 0;
}
#define T_MAIN(...) int main(void) { t_fn t_fns[] = {__VA_ARGS__}; \
	return t_run(#__VA_ARGS__, t_fns, (int)(sizeof t_fns / sizeof t_fns[0])); }
#endif
