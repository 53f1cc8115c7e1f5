/* test_map_freeze.c - BPF_MAP_FREEZE semantics (xbpf_map__freeze): user space loses write
 * access (update, delete, lookup_and_delete, writable value base) while reads and program
 * writes keep working; a second freeze is -EPERM; the frozen flag lives in the shared map,
 * so another handle of a pinned map sees it. The loader freezes .rodata and .kconfig maps
 * once filled (as libbpf), and leaves .data/.bss writable. The same calls are compared with
 * the kernel through libbpf when bpf() is permitted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "xbpf/xbpf.h"
#include "t.h"
#ifdef XBPF_HAVE_LIBBPF
#include <bpf/bpf.h>
#endif

#define OBJ(name) XBPF_BUILD_DIR "/progs-loader/" name ".bpf.o"

static struct xbpf_map *mk(enum xbpf_map_type t, uint32_t k, uint32_t v, uint32_t n)
{
	struct xbpf_map_create_opts o = {.sz = sizeof o, .name = "frz"};
	return xbpf_map__create(t, k, v, n, &o);
}

static void test_freeze_array(void)
{
	struct xbpf_map *m = mk(XBPF_MAP_TYPE_ARRAY, 4, 8, 1);
	uint32_t k = 0;
	uint64_t v = 42, out = 0;
	T_CHECK(m != NULL);
	T_CHECK(!xbpf_map__is_frozen(m));
	T_EQ(xbpf_map__update_elem(m, &k, &v, XBPF_ANY), 0);
	T_CHECK(xbpf_map__value_base(m) != NULL);
	T_EQ(xbpf_map__freeze(m), 0);
	T_CHECK(xbpf_map__is_frozen(m));
	T_EQ(xbpf_map__freeze(m), -EPERM);    /* the kernel: no write permission left */
	v = 7;
	T_EQ(xbpf_map__update_elem(m, &k, &v, XBPF_ANY), -EPERM);
	T_EQ(xbpf_map__delete_elem(m, &k), -EPERM);
	errno = 0;
	T_CHECK(xbpf_map__value_base(m) == NULL);
	T_EQ(errno, EPERM);
	const uint64_t *ro = xbpf_map__value_base_ro(m);
	T_CHECK(ro && *ro == 42);
	T_EQ(xbpf_map__lookup_elem(m, &k, &out), 0);
	T_EQ(out, 42);
	xbpf_map__put(m);
	T_EQ(xbpf_map__freeze(NULL), -EINVAL);
}

static void test_freeze_hash(void)
{
	struct xbpf_map *m = mk(XBPF_MAP_TYPE_HASH, 4, 4, 4);
	uint32_t k = 1, v = 2, out = 0;
	T_CHECK(m != NULL);
	T_EQ(xbpf_map__update_elem(m, &k, &v, XBPF_ANY), 0);
	T_EQ(xbpf_map__freeze(m), 0);
	T_EQ(xbpf_map__update_elem(m, &k, &v, XBPF_ANY), -EPERM);
	T_EQ(xbpf_map__delete_elem(m, &k), -EPERM);
	T_EQ(xbpf_map__lookup_and_delete_elem(m, &k, &out), -EPERM);
	T_EQ(xbpf_map__lookup_elem(m, &k, &out), 0);
	T_EQ(out, 2);
	xbpf_map__put(m);
}

/* The flag is in the shared arena: another handle of the pinned map sees it. */
static void test_freeze_pinned(void)
{
	char path[128];
	snprintf(path, sizeof path, "/tmp/xbpf-freeze-test-%d", (int)getpid());
	struct xbpf_map *m = mk(XBPF_MAP_TYPE_ARRAY, 4, 4, 2);
	T_CHECK(m != NULL);
	T_EQ(xbpf_map__pin(m, path), 0);
	struct xbpf_map *o = xbpf_map__open_pinned(path);
	T_CHECK(o != NULL);
	T_EQ(xbpf_map__freeze(m), 0);
	T_CHECK(o && xbpf_map__is_frozen(o));
	uint32_t k = 0, v = 1;
	T_EQ(xbpf_map__update_elem(o, &k, &v, XBPF_ANY), -EPERM);
	xbpf_map__unpin(m, path);
	xbpf_map__put(o);
	xbpf_map__put(m);
}

/* Loading freezes .rodata (its constants are then known to the verifier), not .data. */
static void test_loader_freezes_rodata(void)
{
	struct xbpf_object *obj = xbpf_object__open_file(OBJ("reloc_kinds"), NULL);
	T_CHECK(obj != NULL);
	if (!obj)
		return;
	/* freezing does not depend on the verifier (test_progs covers the constants) */
	struct xbpf_object_load_opts lo = {.sz = sizeof lo, .no_verify = true};
	T_EQ(xbpf_object__load(obj, &lo), 0);
	struct xbpf_object_map *ro = NULL, *data = NULL, *om;
	for (om = NULL; (om = xbpf_object__next_map(obj, om));) {
		const char *n = xbpf_object_map__name(om);
		if (strstr(n, "rodata"))
			ro = om;
		else if (strstr(n, ".data") && !strstr(n, "custom"))
			data = om;
	}
	T_CHECK(ro && data);
	if (ro && data) {
		struct xbpf_map *rm = xbpf_object_map__map(ro), *dm = xbpf_object_map__map(data);
		uint32_t k = 0;
		uint8_t buf[64] = {0};
		T_CHECK(xbpf_map__is_frozen(rm));
		T_CHECK(!xbpf_map__is_frozen(dm));
		T_EQ(xbpf_map__update_elem(rm, &k, buf, XBPF_ANY), -EPERM);
		T_CHECK(xbpf_map__value_base(dm) != NULL);
	}
	xbpf_object__close(obj);
}

/* The kernel answers the same: EPERM for updates and for a second freeze. */
static void test_kernel_freeze(void)
{
#ifdef XBPF_HAVE_LIBBPF
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "frz", 4, 8, 1, NULL);
	if (fd < 0 && (errno == EPERM || errno == ENOSYS)) {
		T_SKIP("bpf() not permitted here: kernel comparison skipped");
		return;
	}
	T_CHECK(fd >= 0);
	uint32_t k = 0;
	uint64_t v = 1;
	T_EQ(bpf_map_freeze(fd), 0);
	T_EQ(bpf_map_freeze(fd) < 0 ? errno : 0, EPERM);
	T_EQ(bpf_map_update_elem(fd, &k, &v, BPF_ANY) < 0 ? errno : 0, EPERM);
	T_EQ(bpf_map_lookup_elem(fd, &k, &v), 0);
	close(fd);
#else
	T_SKIP("built without libbpf: kernel comparison skipped");
#endif
}

T_MAIN(test_freeze_array, test_freeze_hash, test_freeze_pinned, test_loader_freezes_rodata,
       test_kernel_freeze)
