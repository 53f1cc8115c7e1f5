/* map_lpm.c - LPM_TRIE: longest-prefix-match map. Keys are {u32 prefixlen; u8 data[]}
 * (struct bpf_lpm_trie_key, data in network order, bits counted from the MSB of data[0]).
 *
 * Storage: max_entries slots {used, prefixlen, data (round8), value} under the map-wide
 * lock; lookups scan for the longest stored prefix that matches (a stored prefix p
 * matches key k when p.len <= k.len and their first p.len bits agree). get_next_key walks
 * the kernel's order, a post-order walk of the trie: a more specific prefix before the
 * prefixes it extends, a 0 bit before a 1 bit. Errors as the kernel: -EINVAL for a
 * prefixlen past the data, -ENOSPC when full, -ENOENT / -EEXIST per flags.
 */
#include <string.h>
#include "map_internal.h"

struct lslot {
	uint32_t used;
	uint32_t prefixlen;
	uint8_t data[];   /* round8(dsz) bytes, then the value */
};

static int lpm_check(struct map_arena *p)
{
	uint32_t ok = XBPF_F_NO_PREALLOC | XBPF_F_NUMA_NODE | MAP_F_ACCESS_MASK;
	if (p->max_entries == 0 || !(p->map_flags & XBPF_F_NO_PREALLOC) ||
	    (p->map_flags & ~ok) || p->key_size < 5 || p->key_size > 4 + MAP_LPM_DATA_MAX ||
	    p->value_size < 1 || p->value_size > MAP_KMALLOC_MAX - 512)
		return -EINVAL;
	return 0;
}

static uint32_t slot_size(const struct map_arena *p)
{
	return 8 + map_round8(p->key_size - 4) + map_round8(p->value_size);
}

static int lpm_layout(struct map_arena *p)
{
	uint64_t bytes = (uint64_t)slot_size(p) * p->max_entries;
	if (bytes > (1ull << 34))
		return -E2BIG;
	p->u.lpm.elem_size = slot_size(p);
	p->file_size = p->data_off + map_round_up(bytes, MAP_PAGE);
	p->map_size = p->file_size;
	return 0;
}

static inline struct lslot *S(struct xbpf_map *m, uint32_t i)
{
	return (struct lslot *)(m->base + m->a->data_off + (uint64_t)i * m->a->u.lpm.elem_size);
}
static inline uint8_t *svalue(struct xbpf_map *m, struct lslot *s)
{
	return s->data + map_round8(m->key_size - 4);
}
static inline int bit(const uint8_t *d, uint32_t i) { return (d[i / 8] >> (7 - i % 8)) & 1; }

/* Number of leading bits a and b share, up to n. */
static uint32_t common_bits(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t i = 0;
	while (i + 8 <= n && a[i / 8] == b[i / 8])
		i += 8;
	while (i < n && bit(a, i) == bit(b, i))
		i++;
	return i;
}

/* Longest stored prefix matching key; -1 when none. Lock held. */
static int64_t best_match(struct xbpf_map *m, const uint8_t *key)
{
	uint32_t klen, best_len = 0;
	int64_t best = -1;
	memcpy(&klen, key, 4);
	if (klen > (m->key_size - 4) * 8)
		return -1;
	for (uint32_t i = 0; i < m->max_entries; i++) {
		struct lslot *s = S(m, i);
		if (!s->used || s->prefixlen > klen || (best >= 0 && s->prefixlen <= best_len))
			continue;
		if (common_bits(s->data, key + 4, s->prefixlen) == s->prefixlen) {
			best = i;
			best_len = s->prefixlen;
		}
	}
	return best;
}

/* The slot holding exactly this prefix; -1 when none. Lock held. */
static int64_t exact(struct xbpf_map *m, uint32_t len, const uint8_t *data)
{
	for (uint32_t i = 0; i < m->max_entries; i++) {
		struct lslot *s = S(m, i);
		if (s->used && s->prefixlen == len && common_bits(s->data, data, len) == len)
			return i;
	}
	return -1;
}

static void *lpm_lookup(struct xbpf_map *m, const void *key, unsigned cpu)
{
	map_lock(&m->a->lock);
	int64_t i = best_match(m, key);
	map_unlock(&m->a->lock);
	return i < 0 ? NULL : svalue(m, S(m, (uint32_t)i));
}

static int lpm_lookup_user(struct xbpf_map *m, const void *key, void *value, uint64_t flags)
{
	if (flags)
		return -EINVAL;
	map_lock(&m->a->lock);
	int64_t i = best_match(m, key);
	if (i >= 0)
		memcpy(value, svalue(m, S(m, (uint32_t)i)), m->value_size);
	map_unlock(&m->a->lock);
	return i < 0 ? -ENOENT : 0;
}

static long lpm_update(struct xbpf_map *m, const void *key, const void *value,
		       uint64_t flags, int cpu)
{
	uint32_t len, dsz = m->key_size - 4;
	memcpy(&len, key, 4);
	if (len > dsz * 8 || (flags & XBPF_F_LOCK))
		return -EINVAL;
	const uint8_t *data = (const uint8_t *)key + 4;
	map_lock(&m->a->lock);
	int64_t i = exact(m, len, data);
	long err = 0;
	if (i >= 0 && (flags & 3) == XBPF_NOEXIST)
		err = -EEXIST;
	else if (i < 0 && (flags & 3) == XBPF_EXIST)
		err = -ENOENT;
	for (uint32_t j = 0; !err && i < 0 && j < m->max_entries; j++)
		if (!S(m, j)->used)
			i = j;
	if (!err && i < 0)
		err = -ENOSPC;
	if (!err) {
		struct lslot *s = S(m, (uint32_t)i);
		s->prefixlen = len;
		memcpy(s->data, data, dsz);
		memcpy(svalue(m, s), value, m->value_size);
		s->used = 1;
	}
	map_unlock(&m->a->lock);
	return err;
}

static long lpm_delete(struct xbpf_map *m, const void *key)
{
	uint32_t len;
	memcpy(&len, key, 4);
	if (len > (m->key_size - 4) * 8)
		return -EINVAL;
	map_lock(&m->a->lock);
	int64_t i = exact(m, len, (const uint8_t *)key + 4);
	if (i >= 0)
		S(m, (uint32_t)i)->used = 0;
	map_unlock(&m->a->lock);
	return i < 0 ? -ENOENT : 0;
}

/* Post-order comparison: <0 when (la, a) comes before (lb, b). */
static int post_order_cmp(uint32_t la, const uint8_t *a, uint32_t lb, const uint8_t *b)
{
	uint32_t n = la < lb ? la : lb;
	uint32_t c = common_bits(a, b, n);
	if (c < n)
		return bit(a, c) ? 1 : -1;
	return la == lb ? 0 : la > lb ? -1 : 1;
}

static int lpm_get_next_key(struct xbpf_map *m, const void *key, void *next)
{
	uint32_t klen = 0, dsz = m->key_size - 4;
	const uint8_t *kd = NULL;
	map_lock(&m->a->lock);
	if (key) {
		memcpy(&klen, key, 4);
		kd = (const uint8_t *)key + 4;
		if (klen > dsz * 8 || exact(m, klen, kd) < 0)
			kd = NULL;   /* not present: start from the first */
	}
	int64_t best = -1;
	for (uint32_t i = 0; i < m->max_entries; i++) {
		struct lslot *s = S(m, i);
		if (!s->used)
			continue;
		if (kd && post_order_cmp(s->prefixlen, s->data, klen, kd) <= 0)
			continue;
		struct lslot *b = best >= 0 ? S(m, (uint32_t)best) : NULL;
		if (!b || post_order_cmp(s->prefixlen, s->data, b->prefixlen, b->data) < 0)
			best = i;
	}
	if (best >= 0) {
		struct lslot *b = S(m, (uint32_t)best);
		memcpy(next, &b->prefixlen, 4);
		memcpy((uint8_t *)next + 4, b->data, dsz);
	}
	map_unlock(&m->a->lock);
	return best < 0 ? -ENOENT : 0;
}

const struct map_ops map_lpm_ops = {
	.check = lpm_check,
	.layout = lpm_layout,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.delete = lpm_delete,
	.get_next_key = lpm_get_next_key,
	.lookup_user = lpm_lookup_user,
};
