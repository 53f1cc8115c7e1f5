/* test_map_lpm.c - the LPM_TRIE map against a naive reference: thousands of random
 * prefixes (clustered so they share long prefixes) inserted, replaced and deleted with
 * every flag, each lookup checked against a linear longest-prefix scan, the whole
 * get_next_key order checked against a post-order sort of the reference, the pool reused
 * after everything is deleted, and -ENOSPC at max_entries. Several key sizes (1, 3, 4 and
 * 16 data bytes) so prefixes end at every bit position of a byte and of a 32-bit word.
 */
#include <errno.h>
#include <stdlib.h>
#include "xbpf/xbpf.h"
#include "t.h"

#define DMAX 16
struct rkey { uint32_t plen; uint8_t d[DMAX]; };
struct rent { bool used; uint32_t plen; uint8_t d[DMAX]; uint32_t val; };

/* the reference: a flat array scanned linearly */
static struct rent *ref;
static uint32_t ref_n, dsz, nbits, rng = 12345;

static uint32_t rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}
static int bitof(const uint8_t *d, uint32_t i) { return (d[i / 8] >> (7 - i % 8)) & 1; }
static uint32_t common(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t i = 0;
	while (i < n && bitof(a, i) == bitof(b, i))
		i++;
	return i;
}
static struct rent *ref_exact(const struct rkey *k)
{
	for (uint32_t i = 0; i < ref_n; i++)
		if (ref[i].used && ref[i].plen == k->plen && common(ref[i].d, k->d, k->plen) == k->plen)
			return &ref[i];
	return NULL;
}
static struct rent *ref_best(const struct rkey *k)
{
	struct rent *best = NULL;
	for (uint32_t i = 0; i < ref_n; i++)
		if (ref[i].used && ref[i].plen <= k->plen &&
		    common(ref[i].d, k->d, ref[i].plen) == ref[i].plen &&
		    (!best || ref[i].plen > best->plen))
			best = &ref[i];
	return best;
}
static uint32_t ref_count(void)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < ref_n; i++)
		n += ref[i].used;
	return n;
}
/* post-order: a more specific prefix first, a 0 bit before a 1 bit */
static int post_cmp(const void *pa, const void *pb)
{
	const struct rent *a = pa, *b = pb;
	uint32_t n = a->plen < b->plen ? a->plen : b->plen, c = common(a->d, b->d, n);
	if (c < n)
		return bitof(a->d, c) ? 1 : -1;
	return a->plen == b->plen ? 0 : a->plen > b->plen ? -1 : 1;
}

/* A random key near a few "networks", so prefixes nest and diverge at every depth. */
static struct rkey rand_key(void)
{
	static const uint8_t nets[3][DMAX] = {{10, 1, 2, 3, 4, 5, 6, 7}, {10, 1, 128},
					      {192, 168, 0, 1, 0xff, 0, 0xff}};
	struct rkey k = {rnd(nbits + 1), {0}};
	memcpy(k.d, nets[rnd(3)], DMAX);
	for (uint32_t flips = rnd(4); flips; flips--) {
		uint32_t b = rnd(nbits);
		k.d[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
	}
	return k;
}

static struct xbpf_map *mk_lpm(uint32_t data_bytes, uint32_t max)
{
	struct xbpf_map_create_opts o = {.sz = sizeof o, .map_flags = XBPF_F_NO_PREALLOC,
					 .name = "lpm"};
	dsz = data_bytes;
	nbits = dsz * 8;
	ref_n = max;
	ref = calloc(max, sizeof *ref);
	return xbpf_map__create(XBPF_MAP_TYPE_LPM_TRIE, 4 + dsz, 4, max, &o);
}

/* xbpf_map__update_elem result the reference predicts, applied to the reference. */
static int ref_update(const struct rkey *k, uint32_t v, uint64_t f)
{
	struct rent *e = ref_exact(k);
	if (e && f == XBPF_NOEXIST)
		return -EEXIST;
	if (!e && f == XBPF_EXIST)
		return -ENOENT;
	if (!e && ref_count() == ref_n)
		return -ENOSPC;
	for (uint32_t i = 0; !e && i < ref_n; i++)
		if (!ref[i].used)
			e = &ref[i];
	*e = (struct rent){true, k->plen, {0}, v};
	memcpy(e->d, k->d, dsz);
	return 0;
}

/* The map's iteration equals the reference sorted in post-order. */
static void check_order(struct xbpf_map *m)
{
	struct rent *s = calloc(ref_n, sizeof *s);
	uint32_t n = 0;
	for (uint32_t i = 0; i < ref_n; i++)
		if (ref[i].used)
			s[n++] = ref[i];
	qsort(s, n, sizeof *s, post_cmp);
	struct rkey k, nk;
	uint32_t i = 0;
	int err = xbpf_map__get_next_key(m, NULL, &nk);
	for (; !err && i < n; i++) {
		T_EQ(nk.plen, s[i].plen);
		T_EQ(memcmp(nk.d, s[i].d, dsz), 0);
		k = nk;
		err = xbpf_map__get_next_key(m, &k, &nk);
	}
	T_EQ(i, n);
	T_EQ(err, -ENOENT);
	free(s);
}

/* ops random operations; returns the number of mismatches found. */
static void run_random(struct xbpf_map *m, uint32_t ops)
{
	uint32_t bad = 0;
	for (uint32_t i = 0; i < ops && bad < 10; i++) {
		struct rkey k = rand_key();
		uint32_t op = rnd(10), v = rnd(1u << 30), got = 0;
		if (op < 5) {
			uint64_t f = rnd(3);
			int want = ref_update(&k, v, f), r = xbpf_map__update_elem(m, &k, &v, f);
			bad += r != want;
			T_EQ(r, want);
		} else if (op < 7) {
			struct rent *e = ref_exact(&k);
			int r = xbpf_map__delete_elem(m, &k);
			bad += r != (e ? 0 : -ENOENT);
			T_EQ(r, e ? 0 : -ENOENT);
			if (e)
				e->used = false;
		} else {
			k.plen = rnd(4) ? nbits : rnd(nbits + 1);
			struct rent *e = ref_best(&k);
			int r = xbpf_map__lookup_elem(m, &k, &got);
			bad += r != (e ? 0 : -ENOENT) || (e && got != e->val);
			T_EQ(r, e ? 0 : -ENOENT);
			if (e)
				T_EQ(got, e->val);
		}
	}
}

static void one_size(uint32_t data_bytes, uint32_t max, uint32_t ops)
{
	struct xbpf_map *m = mk_lpm(data_bytes, max);
	T_CHECK(m != NULL);
	if (!m)
		return;
	run_random(m, ops);
	check_order(m);
	/* delete everything in iteration order, then fill to max_entries: the pool is reused */
	struct rkey k;
	while (!xbpf_map__get_next_key(m, NULL, &k))
		T_EQ(xbpf_map__delete_elem(m, &k), 0);
	memset(ref, 0, ref_n * sizeof *ref);
	uint32_t v = 7;
	for (uint32_t i = 0; ref_count() < max && i < 100 * max; i++) {
		k = rand_key();
		T_EQ(xbpf_map__update_elem(m, &k, &v, XBPF_ANY), ref_update(&k, v, XBPF_ANY));
	}
	if (ref_count() == max) {
		do
			k = rand_key();
		while (ref_exact(&k));
		T_EQ(xbpf_map__update_elem(m, &k, &v, XBPF_ANY), -ENOSPC);
	}
	run_random(m, ops / 4);
	check_order(m);
	xbpf_map__put(m);
	free(ref);
}

static void test_lpm_ipv4_random(void) { one_size(4, 600, 20000); }
static void test_lpm_ipv6_random(void) { one_size(16, 400, 10000); }
static void test_lpm_odd_sizes(void)
{
	one_size(1, 100, 5000);   /* 511 prefixes exist: the map fills and empties often */
	one_size(3, 500, 10000);
}

/* The cases the kernel's own selftest walks through (test_lpm_map.c's example). */
static void test_lpm_kernel_example(void)
{
	struct xbpf_map *m = mk_lpm(4, 16);
	T_CHECK(m != NULL);
	if (!m)
		return;
	struct rkey ks[] = {{16, {192, 168}}, {24, {192, 168, 0}}, {24, {192, 168, 1}},
			    {24, {192, 168, 128}}};
	for (uint32_t i = 0; i < 4; i++)
		T_EQ(xbpf_map__update_elem(m, &ks[i], &i, XBPF_ANY), 0);
	/* post-order, as the kernel's comment lists it */
	uint32_t want[] = {1, 2, 3, 0}, v;
	struct rkey k, nk;
	int err = xbpf_map__get_next_key(m, NULL, &nk);
	for (uint32_t i = 0; i < 4; i++) {
		T_EQ(err, 0);
		T_EQ(nk.plen, ks[want[i]].plen);
		T_EQ(memcmp(nk.d, ks[want[i]].d, 4), 0);
		k = nk;
		err = xbpf_map__get_next_key(m, &k, &nk);
	}
	T_EQ(err, -ENOENT);
	k = (struct rkey){32, {192, 168, 1, 77}};
	T_EQ(xbpf_map__lookup_elem(m, &k, &v), 0);
	T_EQ(v, 2);
	k = (struct rkey){32, {192, 168, 2, 1}};
	T_EQ(xbpf_map__lookup_elem(m, &k, &v), 0);
	T_EQ(v, 0);
	/* deleting the /16 (two subtrees below) keeps the /24s reachable */
	T_EQ(xbpf_map__delete_elem(m, &ks[0]), 0);
	T_EQ(xbpf_map__lookup_elem(m, &k, &v), -ENOENT);
	k = (struct rkey){32, {192, 168, 128, 1}};
	T_EQ(xbpf_map__lookup_elem(m, &k, &v), 0);
	T_EQ(v, 3);
	k = (struct rkey){33, {192, 168, 128, 1}};
	T_EQ(xbpf_map__lookup_elem(m, &k, &v), -ENOENT);   /* past the data: no match */
	T_EQ(xbpf_map__update_elem(m, &k, &v, XBPF_ANY), -EINVAL);
	T_EQ(xbpf_map__delete_elem(m, &k), -EINVAL);
	xbpf_map__put(m);
	free(ref);
}

T_MAIN(test_lpm_kernel_example, test_lpm_ipv4_random, test_lpm_ipv6_random, test_lpm_odd_sizes)
