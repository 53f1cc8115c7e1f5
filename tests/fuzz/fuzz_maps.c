/* fuzz_maps.c - libFuzzer target for the maps module. The first byte picks a mode:
 *  even: the bytes are a sequence of element operations (update/lookup/delete/get_next_key/
 *        lookup_and_delete/push/pop/batch) with fuzzed keys, values and flags on one map of
 *        each main type (hash, LRU, per-CPU hash, array, LPM, queue, stack, bloom, ringbuf
 *        records from the producer side); every result must be 0 or a kernel errno, and
 *        the hash map's contents must stay iterable with at most max_entries keys;
 *  odd:  a pinned map file of a random type is corrupted with the bytes (XOR patches past
 *        the header), reopened and operated on: no crash, no hang.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "xbpf/xbpf.h"
#include "maps/map_internal.h"

struct fz { const uint8_t *p; size_t n; };

static uint8_t take(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static void fill(struct fz *f, uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = take(f);
}

static bool ok_err(long e)
{
	return e == 0 || e == -ENOENT || e == -EEXIST || e == -E2BIG || e == -EINVAL ||
	       e == -ENOSPC || e == -ENOTSUPP || e == -EPERM || e == -EBADF;
}

static void one_op(struct xbpf_map *m, struct fz *f)
{
	uint8_t key[16], nk[16], val[16 * XBPF_MAX_CPUS], v2[16 * XBPF_MAX_CPUS];
	uint8_t op = take(f);
	uint64_t flags = take(f) & 7;
	fill(f, key, sizeof key);
	key[0] &= 0x3f;   /* LPM prefix lengths around the limit */
	key[1] = key[2] = key[3] = 0;
	fill(f, val, 16);
	long e = 0;
	switch (op % 8) {
	case 0: e = xbpf_map__update_elem(m, key, val, flags); break;
	case 1: e = xbpf_map__lookup_elem(m, key, v2); break;
	case 2: e = xbpf_map__delete_elem(m, key); break;
	case 3: e = xbpf_map__get_next_key(m, (op & 8) ? NULL : key, nk); break;
	case 4: e = xbpf_map__lookup_and_delete_elem(m, key, v2); break;
	case 5: e = map_update(m, key, val, flags, take(f)); break;
	case 6: map_lookup(m, key, take(f)); break;
	default: {
		uint32_t cnt = take(f) % 8;
		uint8_t keys[16 * 8], vals[16 * XBPF_MAX_CPUS * 8], pos[16];
		e = xbpf_map__lookup_batch(m, NULL, pos, keys, vals, &cnt, NULL);
		break;
	}
	}
	if (!ok_err(e)) {
		fprintf(stderr, "map %s op %u: unexpected %ld\n", xbpf_map__name(m), op % 8, e);
		abort();
	}
}

/* Walk the keys (bounded); strict: there are at most max_entries of them. */
static void check_iterable(struct xbpf_map *m, bool strict)
{
	uint8_t k[16], nk[16];
	unsigned n = 0;
	int err = xbpf_map__get_next_key(m, NULL, nk);
	while (!err && n <= xbpf_map__max_entries(m) + 1) {
		memcpy(k, nk, sizeof k);
		n++;
		err = xbpf_map__get_next_key(m, k, nk);
	}
	if (strict && n > xbpf_map__max_entries(m) && xbpf_map__type(m) != XBPF_MAP_TYPE_ARRAY)
		abort();
}

static int rb_cb(void *ctx, void *data, size_t size) { return 0; }

static void ops_mode(struct fz *f)
{
	struct xbpf_map_create_opts lpm = {.sz = sizeof lpm, .map_flags = XBPF_F_NO_PREALLOC,
					   .name = "lpm"};
	struct xbpf_map *maps[] = {
		xbpf_map__create(XBPF_MAP_TYPE_HASH, 8, 8, 8, NULL),
		xbpf_map__create(XBPF_MAP_TYPE_LRU_HASH, 4, 4, 4, NULL),
		xbpf_map__create(XBPF_MAP_TYPE_PERCPU_HASH, 8, 12, 4, NULL),
		xbpf_map__create(XBPF_MAP_TYPE_ARRAY, 4, 16, 4, NULL),
		xbpf_map__create(XBPF_MAP_TYPE_LPM_TRIE, 8, 4, 6, &lpm),
		xbpf_map__create(XBPF_MAP_TYPE_QUEUE, 0, 4, 3, NULL),
		xbpf_map__create(XBPF_MAP_TYPE_STACK, 0, 4, 3, NULL),
		xbpf_map__create(XBPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 8, NULL),
	};
	struct xbpf_map *rb = xbpf_map__create(XBPF_MAP_TYPE_RINGBUF, 0, 0, 4096, NULL);
	struct xbpf_ring_buffer *rbc = xbpf_ring_buffer__new(rb, rb_cb, NULL, NULL);
	size_t nm = sizeof maps / sizeof maps[0];
	while (f->n) {
		uint8_t which = take(f);
		if (which % (nm + 1) == nm) {   /* ring buffer producer/consumer step */
			uint32_t sz = take(f) * 4u;
			void *s = map_ringbuf_reserve(rb, sz, 0);
			if (s) {
				memset(s, 0xab, sz);
				map_ringbuf_commit(s, 0, take(f) & 1);
			}
			if (take(f) & 1)
				xbpf_ring_buffer__consume(rbc);
			continue;
		}
		one_op(maps[which % (nm + 1)], f);
	}
	for (size_t i = 0; i < nm; i++) {
		check_iterable(maps[i], true);
		xbpf_map__put(maps[i]);
	}
	xbpf_ring_buffer__free(rbc);
	xbpf_map__put(rb);
}

/* Corrupt a pinned map's file and use it again. */
static void corrupt_mode(struct fz *f)
{
	static const uint32_t types[][4] = {
		{XBPF_MAP_TYPE_HASH, 8, 8, 8}, {XBPF_MAP_TYPE_LRU_HASH, 4, 4, 4},
		{XBPF_MAP_TYPE_QUEUE, 0, 4, 3}, {XBPF_MAP_TYPE_ARRAY, 4, 8, 4},
		{XBPF_MAP_TYPE_RINGBUF, 0, 0, 4096},
	};
	const uint32_t *t = types[take(f) % 5];
	struct xbpf_map *m = xbpf_map__create(t[0], t[1], t[2], t[3], NULL);
	if (!m)
		abort();
	char path[64];
	snprintf(path, sizeof path, "/dev/shm/xbpf-fuzz-maps-%d", (int)getpid());
	unlink(path);
	if (xbpf_map__pin(m, path)) {
		xbpf_map__put(m);
		return;
	}
	xbpf_map__put(m);
	FILE *fp = fopen(path, "r+b");
	while (fp && f->n >= 3) {   /* patches: u16 offset past the fixed header, xor byte */
		long off = 64 + (take(f) | take(f) << 8);
		uint8_t x = take(f), b = 0;
		if (fseek(fp, off, SEEK_SET) || fread(&b, 1, 1, fp) != 1)
			continue;
		b ^= x;
		fseek(fp, off, SEEK_SET);
		fwrite(&b, 1, 1, fp);
	}
	if (fp)
		fclose(fp);
	m = xbpf_map__open_pinned(path);
	unlink(path);
	if (!m)
		return;
	for (int i = 0; i < 16; i++) {
		uint8_t k[16] = {(uint8_t)i};
		uint8_t v[64] = {0};
		xbpf_map__update_elem(m, t[1] ? k : NULL, v, 0);
		xbpf_map__lookup_elem(m, t[1] ? k : NULL, v);
		xbpf_map__delete_elem(m, k);
	}
	check_iterable(m, false);   /* corrupted links may cycle: only no crash/hang */
	if (t[0] == XBPF_MAP_TYPE_RINGBUF) {
		struct xbpf_ring_buffer *rb = xbpf_ring_buffer__new(m, rb_cb, NULL, NULL);
		xbpf_ring_buffer__consume(rb);
		xbpf_ring_buffer__free(rb);
	}
	xbpf_map__put(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {data, size};
	if (!size)
		return 0;
	if (take(&f) & 1)
		corrupt_mode(&f);
	else
		ops_mode(&f);
	return 0;
}
