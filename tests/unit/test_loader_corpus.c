/* test_loader_corpus.c - the loader on the shared sample corpus (ebpf-samples/):
 *   - every object with a program ANCHORS.tsv marks kernel=accept opens and lists exactly
 *     ANCHORS' programs (section + function), each with the type its section means and a
 *     sensible instruction count, and its maps;
 *   - those objects load (maps created, accepted programs through xbpf_prog__load with the
 *     verifier off);
 *   - every other object in the corpus opens or fails with errno and a message, never a
 *     crash.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "xbpf/xbpf.h"
#include "xbpf/object.h"
#include "t.h"

#define MAX_ROWS 1024
struct row { char file[160], sec[160], func[160], kernel[24]; bool seen; };
static struct row rows[MAX_ROWS];
static int nrows;

static void read_anchors(void)
{
	if (nrows)
		return;
	FILE *f = fopen(XBPF_SHARED_DIR "/ebpf-samples/ANCHORS.tsv", "r");
	if (!f)
		return;
	char line[2048];
	while (fgets(line, sizeof(line), f) && nrows < MAX_ROWS) {
		if (line[0] == '#')
			continue;
		char *save, *c[12] = {0};
		int n = 0;
		for (char *tok = strtok_r(line, "\t\n", &save); tok && n < 12;
		     tok = strtok_r(NULL, "\t\n", &save))
			c[n++] = tok;
		if (n < 7)
			continue;
		struct row *r = &rows[nrows++];
		snprintf(r->file, sizeof(r->file), "%s", c[0]);
		snprintf(r->sec, sizeof(r->sec), "%s", c[1]);
		snprintf(r->func, sizeof(r->func), "%s", c[2]);
		snprintf(r->kernel, sizeof(r->kernel), "%s", c[6]);
	}
	fclose(f);
}

static bool has_prefix(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }

/* The type a section of the corpus must get (-1: any known type). */
static int expected_type(const char *file, const char *sec)
{
	if (has_prefix(sec, "xdp"))
		return XBPF_PROG_TYPE_XDP;
	if (has_prefix(sec, "kprobe/") || has_prefix(sec, "kretprobe/"))
		return XBPF_PROG_TYPE_KPROBE;
	if (has_prefix(sec, "tracepoint/"))
		return XBPF_PROG_TYPE_TRACEPOINT;
	if (has_prefix(sec, "raw_tracepoint/"))
		return XBPF_PROG_TYPE_RAW_TRACEPOINT;
	if (has_prefix(sec, "socket") || !strcmp(sec, "filter") || !strcmp(sec, "loadbalancer"))
		return XBPF_PROG_TYPE_SOCKET_FILTER;
	if (!strcmp(sec, "sockops"))
		return XBPF_PROG_TYPE_SOCK_OPS;
	if (has_prefix(sec, "cgroup/sock"))
		return XBPF_PROG_TYPE_CGROUP_SOCK;
	if (has_prefix(sec, "cgroup_skb/"))
		return XBPF_PROG_TYPE_CGROUP_SKB;
	if (!strcmp(sec, "perf_event"))
		return XBPF_PROG_TYPE_PERF_EVENT;
	if (!strcmp(sec, "tc") || !strcmp(sec, "classifier") || !strcmp(sec, "ingress") ||
	    !strcmp(sec, "egress") || !strcmp(sec, "downcall"))
		return XBPF_PROG_TYPE_SCHED_CLS;
	if (!strcmp(sec, "af_xdp"))
		return XBPF_PROG_TYPE_XDP;
	/* legacy tc sections: Cilium's XDP objects use them for XDP programs */
	if (has_prefix(sec, "from-") || has_prefix(sec, "to-") || has_prefix(sec, "tail-") ||
	    (sec[0] >= '0' && sec[0] <= '9'))
		return strstr(file, "xdp") ? XBPF_PROG_TYPE_XDP : XBPF_PROG_TYPE_SCHED_CLS;
	return -1;
}

static struct row *find_row(const char *file, const char *sec, const char *func)
{
	for (int i = 0; i < nrows; i++)
		if (!strcmp(rows[i].file, file) && !strcmp(rows[i].sec, sec) &&
		    !strcmp(rows[i].func, func) && !rows[i].seen)
			return &rows[i];
	return NULL;
}

static int checked_objects, checked_programs, loaded_objects, helper_missing;

static void check_object(const char *file)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/ebpf-samples/%s", XBPF_SHARED_DIR, file);
	struct xbpf_object *obj = xbpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "%s: %s\n", file, xbpf_object__last_error());
		T_CHECK(obj);
		return;
	}
	checked_objects++;
	for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));) {
		struct row *r = find_row(file, xbpf_program__section(p), xbpf_program__name(p));
		if (!r) {
			fprintf(stderr, "%s: program %s/%s not in ANCHORS\n", file,
				xbpf_program__section(p), xbpf_program__name(p));
			T_CHECK(r);
			continue;
		}
		r->seen = true;
		checked_programs++;
		int want = expected_type(file, r->sec);
		if (want < 0) /* no convention: any type but unspec */
			want = xbpf_program__type(p) ? (int)xbpf_program__type(p) : -2;
		if ((int)xbpf_program__type(p) != want)
			fprintf(stderr, "%s: %s type %s, expected %s\n", file, r->sec,
				xbpf_prog_type__name(xbpf_program__type(p)),
				xbpf_prog_type__name(want));
		T_EQ(xbpf_program__type(p), want);
		T_CHECK(xbpf_program__main_insn_cnt(p) > 0);
		T_CHECK(xbpf_program__insn_cnt(p) >= xbpf_program__main_insn_cnt(p));
		if (strcmp(r->kernel, "accept"))
			xbpf_program__set_autoload(p, false);
	}
	for (int i = 0; i < nrows; i++)
		if (!strcmp(rows[i].file, file) && !rows[i].seen) {
			fprintf(stderr, "%s: ANCHORS program %s/%s not listed\n", file, rows[i].sec,
				rows[i].func);
			T_CHECK(rows[i].seen);
		}
	for (struct xbpf_object_map *m = NULL; (m = xbpf_object__next_map(obj, m));) {
		T_CHECK(xbpf_object_map__name(m)[0]);
		T_CHECK(xbpf_object_map__type(m) < XBPF_MAP_TYPE__COUNT);
	}
	struct xbpf_object_load_opts lo = {.sz = sizeof(lo), .no_verify = true};
	int err = xbpf_object__load(obj, &lo);
	if (!err) {
		loaded_objects++;
	} else if (strstr(xbpf_object__last_error(), "unknown helper")) {
		/* a kernel helper xbpf does not provide: the VM's business, not the loader's */
		helper_missing++;
		printf("  %s: %s\n", file, xbpf_object__last_error());
	} else {
		fprintf(stderr, "%s: load: %s\n", file, xbpf_object__last_error());
		T_EQ(err, 0);
	}
	xbpf_object__close(obj);
}

/* Objects with at least one kernel-accepted program. */
static void test_accepted_objects(void)
{
	read_anchors();
	if (!nrows)
		T_SKIP("no ANCHORS.tsv in " XBPF_SHARED_DIR);
	for (int i = 0; i < nrows; i++) {
		if (strcmp(rows[i].kernel, "accept"))
			continue;
		bool dup = false;
		for (int k = 0; k < i; k++)
			dup |= !strcmp(rows[k].file, rows[i].file) && !strcmp(rows[k].kernel, "accept");
		if (!dup)
			check_object(rows[i].file);
	}
	printf("%d objects, %d programs listed as ANCHORS says; %d objects loaded, %d need "
	       "helpers the VM lacks\n", checked_objects, checked_programs, loaded_objects,
	       helper_missing);
	T_CHECK(checked_objects >= 90);
}

static void walk(const char *dir, int *opened, int *failed)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t n = strlen(e->d_name);
		if (e->d_type == DT_DIR) {
			walk(path, opened, failed);
			continue;
		}
		if (n < 3 || strcmp(e->d_name + n - 2, ".o"))
			continue;
		errno = 0;
		struct xbpf_object *obj = xbpf_object__open_file(path, NULL);
		if (obj) {
			(*opened)++;
			for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));)
				T_CHECK(xbpf_program__name(p) && xbpf_program__section(p));
			xbpf_object__close(obj);
		} else {
			(*failed)++;
			T_CHECK(errno != 0);
			T_CHECK(xbpf_object__last_error()[0]);
			printf("  %s: %s\n", path, xbpf_object__last_error());
		}
	}
	closedir(d);
}

/* Every object of the corpus: opens, or fails cleanly with a message. */
static void test_every_object(void)
{
	int opened = 0, failed = 0;
	walk(XBPF_SHARED_DIR "/ebpf-samples", &opened, &failed);
	printf("%d objects opened, %d refused with a message\n", opened, failed);
	T_CHECK(opened + failed >= 160);
}

T_MAIN(test_accepted_objects, test_every_object)
