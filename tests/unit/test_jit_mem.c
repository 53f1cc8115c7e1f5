/* test_jit_mem.c - the JIT's pool of executable pages (src/jit/execmem.c): images share
 * pooled chunks page by page, every page is either writable or executable (never both, as
 * /proc/self/maps shows), pages of freed images are reused, images too large for the
 * pool get a mapping of their own, and a forked child keeps running its images while the
 * parent frees and reuses pages. Runs twice (tests/jit_mem.cmake): with the default memfd
 * pool (pages never writable in the process) and with XBPF_JIT_EXECMEM=mprotect.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "t.h"
#include "xbpf/xbpf.h"
#include "vm/vm_internal.h"
#include "jit/jit.h"

/* Permissions of the mapping holding addr ("" when none); fails the test on any rwx. */
static void perms_of(uintptr_t addr, char out[8])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	out[0] = 0;
	T_CHECK(f);
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		T_CHECK(!(perms[1] == 'w' && perms[2] == 'x'));
		if (addr >= lo && addr < hi)
			snprintf(out, 8, "%s", perms);
	}
	if (f)
		fclose(f);
}

static struct xbpf_prog *load_ret(struct xbpf_vm *vm, int32_t value)
{
	struct xbpf_insn in[2] = {
		{.code = XBPF_ALU64 | XBPF_MOV | XBPF_K, .dst_reg = 0, .imm = value},
		{.code = XBPF_JMP | XBPF_EXIT},
	};
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_JIT};
	return xbpf_prog__load(vm, in, 2, &lo);
}

/* Many small programs: each on its own pages, sealed r-x, all running; freeing half and
 * loading again reuses pages without ever exposing a writable+executable page. */
static void test_pool_programs(void)
{
	enum { N = 300 };
	static struct xbpf_prog *p[N];
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	T_CHECK(vm);
	if (!vm)
		return;
	for (int i = 0; i < N; i++) {
		p[i] = load_ret(vm, i);
		T_CHECK(p[i] && p[i]->jit_image);
	}
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			uint64_t r0 = 0;
			char perms[8];
			if (!p[i])
				continue;
			T_EQ(xbpf_prog__exec(p[i], NULL, 0, &r0), 0);
			T_EQ(r0, (uint64_t)i);
			if (i % 37 == 0) {
				perms_of((uintptr_t)p[i]->jit_image, perms);
				T_CHECK(!strncmp(perms, "r-x", 3));
			}
			for (int j = 0; j < i; j += 17) /* no two images share a page */
				if (p[j])
					T_CHECK((uintptr_t)p[j]->jit_image / 4096 !=
						(uintptr_t)p[i]->jit_image / 4096);
		}
		for (int i = round % 2; i < N; i += 2) {
			xbpf_prog__free(p[i]);
			p[i] = load_ret(vm, i);
			T_CHECK(p[i] && p[i]->jit_image);
		}
	}
	for (int i = 0; i < N; i++)
		xbpf_prog__free(p[i]);
	xbpf_vm__free(vm);
}

static bool memfd_mode(void)
{
	const char *e = getenv("XBPF_JIT_EXECMEM");
	return !e || strcmp(e, "mprotect") != 0;
}

/* The allocator itself: never writable and executable; small and large (own mapping)
 * requests; in memfd mode the pool's pages are never writable at all (the image is
 * staged), with mprotect they are RW while taken and r-x once sealed. */
static void test_pool_pages(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	static const size_t lens[] = {1, 5000, 64 * 4096, 64 * 4096 + 1, 1u << 20};
	for (unsigned k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		struct jit_exec_room room;
		char perms[8];
		T_EQ(jit_exec_take(lens[k], &room), 0);
		if (!room.exec)
			continue;
		T_EQ(room.size % page, 0);
		T_CHECK(room.size >= lens[k]);
		memset(room.wr, 0xc3, room.size); /* writable: every byte */
		bool pooled = lens[k] <= 64 * 4096;
		perms_of((uintptr_t)room.exec + room.size - 1, perms);
		if (pooled && memfd_mode()) {
			T_CHECK(room.wr != room.exec);
			T_STREQ(perms, "r-xs");
		} else {
			T_CHECK(room.wr == room.exec);
			T_STREQ(perms, "rw-p");
		}
		T_EQ(jit_exec_seal(&room), 0);
		T_CHECK(room.wr == room.exec);
		perms_of((uintptr_t)room.exec, perms);
		T_CHECK(!strncmp(perms, "r-x", 3));
		perms_of((uintptr_t)room.exec + room.size - 1, perms);
		T_CHECK(!strncmp(perms, "r-x", 3));
		((void (*)(void))room.exec)(); /* a ret */
		jit_exec_free(room.exec, room.size);
	}
	/* a room given back unsealed */
	struct jit_exec_room room;
	T_EQ(jit_exec_take(100, &room), 0);
	jit_exec_drop(&room);
}

/* fork(): the child keeps running the images it inherited while the parent frees them and
 * loads others (which may land on the same pages), and the child can load its own. */
static void test_fork(void)
{
	enum { N = 40 };
	static struct xbpf_prog *p[N];
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	int to_child[2], to_parent[2];
	T_CHECK(vm);
	if (!vm || pipe(to_child) || pipe(to_parent))
		return;
	for (int i = 0; i < N; i++)
		p[i] = load_ret(vm, i);
	fflush(NULL);
	pid_t pid = fork();
	T_CHECK(pid >= 0);
	if (pid == 0) {
		char c;
		int bad = 0;
		/* wait until the parent has replaced all its programs */
		if (read(to_child[0], &c, 1) != 1)
			_exit(3);
		for (int i = 0; i < N; i++) {
			uint64_t r0 = 0;
			if (!p[i] || xbpf_prog__exec(p[i], NULL, 0, &r0) || r0 != (uint64_t)i)
				bad++;
		}
		/* new images in the child, freeing and reloading some */
		for (int i = 0; i < N; i += 3) {
			uint64_t r0 = 0;
			xbpf_prog__free(p[i]);
			p[i] = load_ret(vm, 5000 + i);
			if (!p[i] || xbpf_prog__exec(p[i], NULL, 0, &r0) || r0 != 5000u + i)
				bad++;
		}
		if (write(to_parent[1], "x", 1) != 1)
			bad++;
		_exit(bad ? 1 : 0);
	}
	/* the parent frees everything and loads other programs, several rounds */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			uint64_t r0 = 0;
			xbpf_prog__free(p[i]);
			p[i] = load_ret(vm, 1000 * (round + 1) + i);
			T_CHECK(p[i]);
			T_EQ(xbpf_prog__exec(p[i], NULL, 0, &r0), 0);
			T_EQ(r0, 1000u * (round + 1) + i);
		}
	}
	char c;
	T_EQ(write(to_child[1], "x", 1), 1);
	T_EQ(read(to_parent[0], &c, 1), 1);
	int status = 0;
	T_EQ(waitpid(pid, &status, 0), pid);
	T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* with the child done, freed pages are reused again */
	for (int i = 0; i < N; i++) {
		uint64_t r0 = 0;
		xbpf_prog__free(p[i]);
		p[i] = load_ret(vm, 7);
		T_EQ(xbpf_prog__exec(p[i], NULL, 0, &r0), 0);
		T_EQ(r0, 7);
	}
	for (int i = 0; i < N; i++)
		xbpf_prog__free(p[i]);
	xbpf_vm__free(vm);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/* Threads load, run and free programs (taking and giving back pool pages) while the main
 * thread forks children that run the images they inherited: the pool's lock and the
 * fork handlers keep every image intact in parent and children. */
enum { CHURN_THREADS = 3, CHURN_ROUNDS = 400, FORKS = 12, KEEP = 20 };
static atomic_int churn_bad, churn_stop;

static void *churn(void *arg)
{
	int id = (int)(intptr_t)arg;
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	if (!vm) {
		churn_bad++;
		return NULL;
	}
	for (int i = 0; i < CHURN_ROUNDS || !atomic_load(&churn_stop); i++) {
		uint64_t r0 = 0;
		int32_t want = id * 100000 + i;
		struct xbpf_prog *p = load_ret(vm, want);
		if (!p || xbpf_prog__exec(p, NULL, 0, &r0) || r0 != (uint64_t)want)
			churn_bad++;
		xbpf_prog__free(p);
	}
	xbpf_vm__free(vm);
	return NULL;
}

static void test_fork_while_compiling(void)
{
	static struct xbpf_prog *keep[KEEP];
	pthread_t th[CHURN_THREADS];
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	T_CHECK(vm);
	if (!vm)
		return;
	for (int i = 0; i < KEEP; i++)
		keep[i] = load_ret(vm, 77 + i);
	churn_bad = 0;
	churn_stop = 0;
	for (int t = 0; t < CHURN_THREADS; t++)
		T_EQ(pthread_create(&th[t], NULL, churn, (void *)(intptr_t)(t + 1)), 0);
	for (int f = 0; f < FORKS; f++) {
		fflush(NULL);
		pid_t pid = fork();
		T_CHECK(pid >= 0);
		if (pid == 0) {
			int bad = 0;
			usleep(2000); /* let the parent's threads free and reuse pages meanwhile */
			for (int i = 0; i < KEEP; i++) {
				uint64_t r0 = 0;
				if (!keep[i] || xbpf_prog__exec(keep[i], NULL, 0, &r0) ||
				    r0 != 77u + i)
					bad++;
			}
			struct xbpf_prog *p = load_ret(vm, 4242); /* the child compiles too */
			uint64_t r0 = 0;
			if (!p || xbpf_prog__exec(p, NULL, 0, &r0) || r0 != 4242)
				bad++;
			_exit(bad ? 1 : 0);
		}
		int status = 0;
		T_EQ(waitpid(pid, &status, 0), pid);
		T_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	atomic_store(&churn_stop, 1);
	for (int t = 0; t < CHURN_THREADS; t++)
		pthread_join(th[t], NULL);
	T_EQ(atomic_load(&churn_bad), 0);
	for (int i = 0; i < KEEP; i++) {
		uint64_t r0 = 0;
		T_EQ(xbpf_prog__exec(keep[i], NULL, 0, &r0), 0);
		T_EQ(r0, 77u + i);
		xbpf_prog__free(keep[i]);
	}
	xbpf_vm__free(vm);
}

T_MAIN(test_pool_programs, test_pool_pages, test_fork, test_fork_while_compiling)
