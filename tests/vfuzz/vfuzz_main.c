/* vfuzz_main.c - the vfuzz command: a long differential run of xbpf's verifier against the
 * Linux kernel's (see vfuzz.h), or one program checked and explained.
 *
 *   vfuzz [-s SEED] [-n COUNT] [-r RUNS] [-v]           run COUNT programs of stream SEED
 *                                                       (-v: one line per disagreement)
 *   vfuzz -s SEED -i INDEX                               show one generated program
 *   vfuzz -a FILE -t xdp|tc|socket_filter                check a program written as text
 *   (-L with -i or -a: print xbpf's level-2 log too)
 *
 * Exit status: 0 when no xbpf-only accept has a memory-safety reason or a runtime fault
 * and every kernel-vs-xbpf execution agreed, 1 otherwise, 2 on usage errors, 77 when bpf()
 * is not permitted here.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "vfuzz.h"

static int usage(void)
{
	fprintf(stderr, "usage: vfuzz [-s SEED] [-n COUNT] [-r RUNS] [-v] | -s SEED -i INDEX | "
		"-a FILE -t xdp|tc|socket_filter\n");
	return 2;
}

static bool xlog; /* -L: print xbpf's level-2 log in the single-program modes */

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("  | %s\n", line);
}

static void show(struct vf_oracle *o, const struct vf_prog *p, int runs)
{
	char *text = vf_disasm(p);
	printf("%s\n[%s] type %u, %zu insns\n", text ? text : "", p->desc, p->prog_type, p->n);
	fflush(stdout);
	free(text);
	if (xlog) {
		struct xbpf_verify_opts vo = {.sz = sizeof vo, .prog_type = p->prog_type,
			.maps = vf_oracle_maps(o), .map_cnt = VF_NMAPS, .log_level = 2,
			.log_fn = print_line};
		xbpf_verify(p->insn, p->n, &vo, NULL);
	}
	struct vf_result r;
	vf_check(o, p, runs, &r);
	static const char *cls[] = {"both accept", "both reject", "XBPF-ONLY ACCEPT",
				    "kernel-only accept", "XBPF_VERIFY HUNG OR CRASHED"};
	printf("xbpf:   %s\nkernel: %s [%s]\nclass:  %s; runtime: %d runs, %d faults %s\n"
	       "kernel vs xbpf: %d runs, %d differ %s\n",
	       r.xbpf_err ? r.xmsg : "accept", r.kernel_err ? r.kmsg : "accept", r.kcat,
	       cls[r.cls], r.runs, r.faults, r.fault_msg, r.exec_runs, r.exec_mismatch,
	       r.exec_msg);
}

static int from_file(struct vf_oracle *o, const char *path, const char *type, int runs)
{
	static struct vf_prog p;
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "vfuzz: %s: %s\n", path, strerror(errno));
		return 2;
	}
	static char text[1 << 16];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	struct xbpf_insn *ins = NULL;
	size_t cnt = 0;
	char err[256];
	if (xbpf_asm(text, NULL, &ins, &cnt, err, sizeof err) || cnt > VF_MAX_INSNS) {
		fprintf(stderr, "vfuzz: %s: %s\n", path, cnt > VF_MAX_INSNS ? "too long" : err);
		free(ins);
		return 2;
	}
	memset(&p, 0, sizeof p);
	memcpy(p.insn, ins, cnt * sizeof *ins);
	p.n = cnt;
	free(ins);
	p.prog_type = !strcmp(type, "xdp") ? XBPF_PROG_TYPE_XDP
		      : !strcmp(type, "tc") ? XBPF_PROG_TYPE_SCHED_CLS
		      : XBPF_PROG_TYPE_SOCKET_FILTER;
	snprintf(p.desc, sizeof p.desc, "%s", path);
	show(o, &p, runs);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, count = 5000, index = 0;
	int runs = 8, opt, err;
	bool one = false, verbose = false;
	const char *file = NULL, *type = "xdp";
	while ((opt = getopt(argc, argv, "s:n:r:i:a:t:vLh")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoull(optarg, NULL, 0); break;
		case 'r': runs = atoi(optarg); break;
		case 'i': index = strtoull(optarg, NULL, 0); one = true; break;
		case 'a': file = optarg; break;
		case 't': type = optarg; break;
		case 'v': verbose = true; break;
		case 'L': xlog = true; break;
		default: return usage();
		}
	}
	struct vf_oracle *o = vf_oracle_new(&err);
	if (!o) {
		fprintf(stderr, "vfuzz: cannot use bpf() here (%s)\n", strerror(-err));
		return err == -EPERM || err == -ENOSYS ? 77 : 2;
	}
	int rc = 0;
	if (file) {
		rc = from_file(o, file, type, runs);
	} else if (one) {
		static struct vf_prog p;
		vf_generate(seed, index, &p);
		show(o, &p, runs);
	} else {
		static struct vf_prog p;
		static struct vf_stats s;
		struct vf_result r;
		for (uint64_t i = 0; i < count; i++) {
			vf_generate(seed, i, &p);
			vf_check(o, &p, runs, &r);
			vf_stats_add(&s, &p, &r, seed, i);
			if (verbose && r.exec_mismatch)
				printf("EXEC %llu [%s] kernel vs xbpf: %s\n", (unsigned long long)i,
				       p.desc, r.exec_msg);
			if (verbose && (r.cls >= VF_XBPF_ONLY || r.faults))
				printf("%s %llu [%s] xbpf: %s | kernel: %s [%s]%s%s\n",
				       r.xbpf_bad ? "XBAD" : r.cls == VF_XBPF_ONLY ? "XONLY"
				       : r.cls == VF_KERNEL_ONLY ? "KONLY" : "FAULT",
				       (unsigned long long)i, p.desc,
				       r.xbpf_err ? r.xmsg : "accept",
				       r.kernel_err ? r.kmsg : "accept", r.kcat,
				       r.faults ? " FAULT: " : "", r.faults ? r.fault_msg : "");
			if ((i + 1) % 1000 == 0)
				fprintf(stderr, "vfuzz: %llu programs\n", (unsigned long long)i + 1);
		}
		vf_stats_print(&s, stdout);
		rc = s.xonly_safety || s.xonly_fault || s.accepted_fault || s.xbpf_hang ||
		     s.xbpf_crash || s.exec_mismatch ? 1 : 0;
		vf_stats_free(&s);
	}
	vf_oracle_free(o);
	return rc;
}
