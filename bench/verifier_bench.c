/* verifier_bench.c - the verifier on the ebpf-samples corpus: every program ANCHORS.tsv
 * lists with a kernel verdict is verified with the program type of its section. Prints
 * acceptance of the kernel-accepted programs, rejection of the kernel-rejected ones, total
 * time against the kernel's (5.7 s), the largest peak memory of one program (limit
 * 64 MB) and the instructions processed (a deterministic measure of pruning, next to the
 * kernel's count), after one line per disagreement with its reason.
 *
 *   verifier_bench [SAMPLES_DIR] [-v]     (default: the shared corpus)
 * Exit status 0; the corpus test (tests/verifier_corpus.sh) checks the numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "xbpf/object.h"
#include "xbpf/verifier.h"

#ifndef XBPF_SHARED_DIR
#define XBPF_SHARED_DIR "/work/shared"
#endif

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct xbpf_program *find(struct xbpf_object *obj, const char *sec, const char *fn)
{
	struct xbpf_program *p = xbpf_object__find_program_by_name(obj, fn);
	if (p && !strcmp(xbpf_program__section(p), sec))
		return p;
	for (p = NULL; (p = xbpf_object__next_program(obj, p));)
		if (!strcmp(xbpf_program__section(p), sec))
			return p;
	return NULL;
}

int main(int argc, char **argv)
{
	char dir[512], path[1024], line[4096], cur[512] = "";
	bool verbose = argc > 1 && !strcmp(argv[argc - 1], "-v");
	snprintf(dir, sizeof dir, "%s", argc > 1 && argv[1][0] != '-' ? argv[1]
		 : XBPF_SHARED_DIR "/ebpf-samples");
	snprintf(path, sizeof path, "%s/ANCHORS.tsv", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 2;
	}
	struct xbpf_object *obj = NULL;
	int acc_total = 0, acc_ok = 0, rej_total = 0, rej_ok = 0, missing = 0;
	double total = 0, kernel_total = 0;
	unsigned long long insns = 0, kernel_insns = 0;
	unsigned long long peak = 0;
	while (fgets(line, sizeof line, f)) {
		char *cols[12] = {0};
		int n = 0;
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		for (char *s = line, *tab; n < 12; s = tab + 1) {
			cols[n++] = s;
			if (!(tab = strchr(s, '\t')))
				break;
			*tab = 0;
		}
		if (n < 10 || (strcmp(cols[6], "accept") && strcmp(cols[6], "reject")))
			continue;
		bool want = !strcmp(cols[6], "accept");
		if (strcmp(cur, cols[0])) {
			xbpf_object__close(obj);
			snprintf(cur, sizeof cur, "%.500s", cols[0]);
			snprintf(path, sizeof path, "%.500s/%.500s", dir, cols[0]);
			obj = xbpf_object__open_file(path, NULL);
		}
		want ? acc_total++ : rej_total++;
		struct xbpf_program *p = obj ? find(obj, cols[1], cols[2]) : NULL;
		if (!p) {
			missing++;
			printf("MISSING %s %s: %s\n", cols[0], cols[1],
			       obj ? "no such program" : xbpf_object__last_error());
			continue;
		}
		struct xbpf_verify_result r;
		double t0 = now_s();
		xbpf_program__verify(p, NULL, &r);
		total += now_s() - t0;
		kernel_total += atof(cols[9]) / 1e6;
		if (want) {
			insns += r.insns_processed;
			kernel_insns += strtoull(cols[8], NULL, 10);
		}
		if (r.peak_bytes > peak)
			peak = r.peak_bytes;
		bool ok = (r.verdict == 0) == want;
		if (want)
			acc_ok += ok;
		else
			rej_ok += ok;
		if (!ok || verbose)
			printf("%s %s %s (%s): insn %ld: %s [%llu insns, %llu us]\n",
			       ok ? "ok" : want ? "FALSE-REJECT" : "FALSE-ACCEPT", cols[0], cols[1],
			       cols[2], r.insn, r.verdict ? r.message : "accepted",
			       (unsigned long long)r.insns_processed, (unsigned long long)r.time_us);
	}
	fclose(f);
	xbpf_object__close(obj);
	printf("kernel-accepted programs accepted: %d/%d\n", acc_ok, acc_total);
	printf("kernel-rejected programs rejected: %d/%d\n", rej_ok, rej_total);
	printf("programs not found: %d\n", missing);
	printf("total verification CPU time: %.3f s (kernel: %.3f s verifying, 5.7 s wall)\n", total,
	       kernel_total);
	printf("largest peak memory of one program: %.1f MB (limit 64 MB)\n", peak / 1048576.0);
	printf("instructions processed on kernel-accepted programs: %llu (kernel: %llu)\n", insns,
	       kernel_insns);
	return 0;
}
