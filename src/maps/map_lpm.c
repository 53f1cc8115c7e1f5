/* map_lpm.c - LPM_TRIE: longest-prefix-match map. Keys are {u32 prefixlen; u8 data[]}
 * (struct bpf_lpm_trie_key, data in network order, bits counted from the MSB of data[0]).
 *
 * Structure: the kernel's path-compressed binary trie (kernel/bpf/lpm_trie.c), so every
 * operation costs O(prefix length) and the iteration order is the kernel's by construction.
 * A node holds a prefix; its child[b] holds longer prefixes whose bit `prefixlen` is b.
 * Intermediate nodes (LN_IM) only join two subtrees that diverge at their prefix length:
 * they have exactly two children, no value, and are never returned. A stored prefix p
 * matches key k when p.len <= k.len and their first p.len bits agree; lookup returns the
 * deepest matching real node on the key's path.
 *
 * Storage (shared arena, links are node indexes, 0 = none): 2 * max_entries nodes of
 * elem_size bytes at data_off ({child[2], prefixlen, flags, data (round8), value}); real
 * nodes <= max_entries and intermediate ones < real ones, so the pool never runs out.
 * Free nodes are chained through child[0] from u.lpm.free_head; never-used nodes are
 * handed out by u.lpm.bump (a fresh arena is all zeroes: an empty trie). Every operation
 * holds the map-wide lock. Links read from the (possibly corrupted, shared) file are
 * checked: a child must be a valid index with a longer prefix, so every walk ends.
 *
 * Errors as the kernel: -EINVAL for a prefixlen past the data, -ENOENT / -EEXIST per
 * flags (checked before -ENOSPC), -ENOSPC when max_entries prefixes are stored.
 * get_next_key: post-order (a more specific prefix before the prefixes it extends, a 0 bit
 * before a 1 bit); a missing or invalid key starts from the first.
 */
#include <string.h>
#include "map_internal.h"

#define LN_IM 1u   /* intermediate node */

struct lnode {
	uint32_t child[2];   /* node indexes, 0 = none */
	uint32_t prefixlen;
	uint32_t flags;      /* LN_IM */
	uint8_t data[];      /* round8(key_size - 4) bytes, then the value */
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

static uint32_t node_size(const struct map_arena *p)
{
	return (uint32_t)sizeof(struct lnode) + map_round8(p->key_size - 4) +
	       map_round8(p->value_size);
}

static int lpm_layout(struct map_arena *p)
{
	/* sparse file: only nodes ever used take memory */
	uint64_t bytes = (uint64_t)node_size(p) * 2 * p->max_entries;
	if (bytes > (1ull << 36))
		return -E2BIG;
	p->u.lpm.elem_size = node_size(p);
	p->file_size = p->data_off + map_round_up(bytes, MAP_PAGE);
	p->map_size = p->file_size;
	return 0;
}

/* cache the node array, node size and value offset in the handle */
static void lpm_attach(struct xbpf_map *m)
{
	m->h_elems = m->base + m->a->data_off;
	m->h_esize = m->a->u.lpm.elem_size;
	m->h_koff = map_round8(m->key_size - 4);
}

static inline uint32_t max_bits(const struct xbpf_map *m) { return (m->key_size - 4) * 8; }

/* Node i (1-based), NULL when i is 0 or out of the pool. */
static inline struct lnode *N(struct xbpf_map *m, uint32_t i)
{
	if (i == 0 || i > 2ull * m->max_entries)
		return NULL;
	return (struct lnode *)(m->h_elems + (uint64_t)(i - 1) * m->h_esize);
}
static inline uint32_t idx_of(struct xbpf_map *m, const struct lnode *n)
{
	return (uint32_t)(((const uint8_t *)n - m->h_elems) / m->h_esize) + 1;
}
static inline uint8_t *nvalue(struct xbpf_map *m, struct lnode *n)
{
	return n->data + m->h_koff;
}
static inline int bit(const uint8_t *d, uint32_t i) { return (d[i / 8] >> (7 - i % 8)) & 1; }

/* The root, NULL when the trie is empty (or the link is corrupt). */
static inline struct lnode *root(struct xbpf_map *m)
{
	struct lnode *r = N(m, m->a->u.lpm.root);
	return r && r->prefixlen <= max_bits(m) ? r : NULL;
}
/* Child b of n; NULL when none or when the link is not a node with a longer prefix. */
static inline struct lnode *kid(struct xbpf_map *m, const struct lnode *n, int b)
{
	struct lnode *c = N(m, n->child[b]);
	return c && c->prefixlen > n->prefixlen && c->prefixlen <= max_bits(m) ? c : NULL;
}

/* A key's data copied into an 8-aligned buffer padded to whole words, so matching reads
 * 64 bits at a time (node data is padded the same way: round8). */
struct lkey {
	uint32_t len;
	_Alignas(8) uint8_t d[MAP_LPM_DATA_MAX + 8];
};

/* Copy key into k; false when its prefixlen is past the data. */
static inline bool load_key(const struct xbpf_map *m, const void *key, struct lkey *k)
{
	uint32_t dsz = m->key_size - 4;
	memcpy(&k->len, key, 4);
	memset(k->d + (dsz & ~7u), 0, 8);
	memcpy(k->d, (const uint8_t *)key + 4, dsz);
	return k->len <= dsz * 8;
}

static inline uint64_t be64_at(const uint8_t *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return __builtin_bswap64(x);
}

/* Number of leading bits a and b share, up to n (both padded to whole words). */
static inline uint32_t common_bits(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i += 64) {
		uint64_t x = be64_at(a + i / 8) ^ be64_at(b + i / 8);
		if (x) {
			uint32_t d = i + (uint32_t)__builtin_clzll(x);
			return d < n ? d : n;
		}
	}
	return n;
}

/* Bits node n and key k share, up to the shorter of the two prefixes. */
static inline uint32_t match_len(const struct lnode *n, const struct lkey *k)
{
	return common_bits(n->data, k->d, n->prefixlen < k->len ? n->prefixlen : k->len);
}

/* Longest stored prefix matching k; NULL when none. Lock held. */
static struct lnode *best_match(struct xbpf_map *m, const struct lkey *k)
{
	struct lnode *found = NULL;
	for (struct lnode *n = root(m); n;) {
		uint32_t match = match_len(n, k);
		if (match < n->prefixlen)
			break;
		if (!(n->flags & LN_IM))
			found = n;
		if (match == max_bits(m))
			break;
		n = kid(m, n, bit(k->d, n->prefixlen));
	}
	return found;
}

static void *lpm_lookup(struct xbpf_map *m, const void *key, unsigned cpu)
{
	struct lkey k;
	if (!load_key(m, key, &k))
		return NULL;
	map_lock(&m->a->lock);
	struct lnode *n = best_match(m, &k);
	map_unlock(&m->a->lock);
	return n ? nvalue(m, n) : NULL;
}

static int lpm_lookup_user(struct xbpf_map *m, const void *key, void *value, uint64_t flags)
{
	struct lkey k;
	if (flags)
		return -EINVAL;
	if (!load_key(m, key, &k))
		return -ENOENT;
	map_lock(&m->a->lock);
	struct lnode *n = best_match(m, &k);
	if (n)
		memcpy(value, nvalue(m, n), m->value_size);
	map_unlock(&m->a->lock);
	return n ? 0 : -ENOENT;
}

/* ---- node pool (lock held) --------------------------------------------------------------- */
static struct lnode *node_alloc(struct xbpf_map *m)
{
	struct map_arena *a = m->a;
	struct lnode *n = N(m, a->u.lpm.free_head);
	if (n)
		a->u.lpm.free_head = n->child[0];
	else if (a->u.lpm.bump < 2ull * m->max_entries)
		n = N(m, ++a->u.lpm.bump);
	if (n)
		memset(n, 0, sizeof *n);
	return n;
}

static void node_free(struct xbpf_map *m, struct lnode *n)
{
	n->child[0] = m->a->u.lpm.free_head;
	n->child[1] = 0;
	n->flags = 0;
	m->a->u.lpm.free_head = idx_of(m, n);
}

/* Make n a real node holding k -> value (children kept). */
static void node_set(struct xbpf_map *m, struct lnode *n, const struct lkey *k,
		     const void *value)
{
	n->prefixlen = k->len;
	n->flags = 0;
	memcpy(n->data, k->d, m->h_koff);
	memcpy(nvalue(m, n), value, m->value_size);
}

/* One more prefix: -ENOENT for XBPF_EXIST, -ENOSPC when full (the kernel's order). */
static long count_new(struct xbpf_map *m, uint64_t mode)
{
	if (mode == XBPF_EXIST)
		return -ENOENT;
	if (m->a->u.lpm.count >= m->max_entries)
		return -ENOSPC;
	m->a->u.lpm.count++;
	return 0;
}

/* Hang a new node for k where `n` (linked from *slot, NULL when the walk fell
 * off the trie) does not hold it; match = bits of n's prefix the key shares. */
static long attach_new(struct xbpf_map *m, uint32_t *slot, struct lnode *n, uint32_t match,
		       const struct lkey *k, const void *value)
{
	struct lnode *nw = node_alloc(m);
	struct lnode *im = n && match < k->len ? node_alloc(m) : NULL;
	if (!nw || (n && match < k->len && !im)) {   /* only with a corrupted pool */
		if (nw)
			node_free(m, nw);
		m->a->u.lpm.count--;
		return -ENOSPC;
	}
	node_set(m, nw, k, value);
	if (!n) {
		*slot = idx_of(m, nw);
	} else if (match == k->len) {     /* the new prefix is a prefix of n's */
		nw->child[bit(n->data, k->len)] = idx_of(m, n);
		*slot = idx_of(m, nw);
	} else {                          /* they diverge at bit `match` */
		im->prefixlen = match;
		im->flags = LN_IM;
		memcpy(im->data, n->data, m->h_koff);
		im->child[bit(n->data, match)] = idx_of(m, n);
		im->child[bit(k->d, match)] = idx_of(m, nw);
		*slot = idx_of(m, im);
	}
	return 0;
}

/* Insert or replace k -> value. Lock held. */
static long trie_insert(struct xbpf_map *m, const struct lkey *k, const void *value,
			uint64_t mode)
{
	uint32_t *slot = &m->a->u.lpm.root, match = 0;
	struct lnode *n = root(m);
	while (n) {
		match = match_len(n, k);
		if (n->prefixlen != match || n->prefixlen == k->len)
			break;
		int b = bit(k->d, n->prefixlen);
		slot = &n->child[b];
		n = kid(m, n, b);
	}
	if (n && n->prefixlen == match) {   /* exactly this prefix: real or intermediate */
		if (!(n->flags & LN_IM) && mode == XBPF_NOEXIST)
			return -EEXIST;
		if (n->flags & LN_IM) {
			long err = count_new(m, mode);
			if (err)
				return err;
		}
		node_set(m, n, k, value);
		return 0;
	}
	long err = count_new(m, mode);
	return err ? err : attach_new(m, slot, n, match, k, value);
}

static long lpm_update(struct xbpf_map *m, const void *key, const void *value,
		       uint64_t flags, int cpu)
{
	struct lkey k;
	if (!load_key(m, key, &k) || (flags & XBPF_F_LOCK))
		return -EINVAL;
	map_lock(&m->a->lock);
	long err = trie_insert(m, &k, value, flags & 3);
	map_unlock(&m->a->lock);
	return err;
}

/* Remove k. Lock held. */
static long trie_remove(struct xbpf_map *m, const struct lkey *k)
{
	uint32_t *trim = &m->a->u.lpm.root, *trim2 = trim, match = 0;
	struct lnode *parent = NULL, *n = root(m);
	while (n) {
		match = match_len(n, k);
		if (n->prefixlen != match || n->prefixlen == k->len)
			break;
		int b = bit(k->d, n->prefixlen);
		parent = n;
		trim2 = trim;
		trim = &n->child[b];
		n = kid(m, n, b);
	}
	if (!n || n->prefixlen != k->len || match != k->len || (n->flags & LN_IM))
		return -ENOENT;
	m->a->u.lpm.count--;
	struct lnode *c0 = kid(m, n, 0), *c1 = kid(m, n, 1);
	if (c0 && c1) {                   /* still joins two subtrees */
		n->flags |= LN_IM;
		return 0;
	}
	if (parent && (parent->flags & LN_IM) && !c0 && !c1) {
		/* the parent joined n and a sibling: the sibling takes the parent's place */
		*trim2 = trim == &parent->child[0] ? parent->child[1] : parent->child[0];
		node_free(m, parent);
		node_free(m, n);
		return 0;
	}
	*trim = c0 ? idx_of(m, c0) : c1 ? idx_of(m, c1) : 0;
	node_free(m, n);
	return 0;
}

static long lpm_delete(struct xbpf_map *m, const void *key)
{
	struct lkey k;
	if (!load_key(m, key, &k))
		return -EINVAL;
	map_lock(&m->a->lock);
	long err = trie_remove(m, &k);
	map_unlock(&m->a->lock);
	return err;
}

/* ---- iteration (post-order) --------------------------------------------------------------- */
/* First real node of the subtree at n in post-order: the end of the path that goes to
 * child 0 where there is one, else child 1 (a leaf, and leaves are real). */
static struct lnode *leftmost(struct xbpf_map *m, struct lnode *n)
{
	struct lnode *found = NULL;
	while (n) {
		if (!(n->flags & LN_IM))
			found = n;
		struct lnode *c = kid(m, n, 0);
		n = c || (n->flags & LN_IM) ? c : kid(m, n, 1);
	}
	return found;
}

/* The real node after k in post-order; leftmost of the trie when k is not stored. NULL
 * at the end. Lock held. */
static struct lnode *next_after(struct xbpf_map *m, const struct lkey *k)
{
	struct lnode *path[MAP_LPM_DATA_MAX * 8 + 1];   /* prefixes grow along a path */
	int depth = 0;
	uint32_t match = 0;
	struct lnode *n = root(m);
	while (n) {
		path[depth++] = n;
		match = match_len(n, k);
		if (n->prefixlen != match || n->prefixlen == k->len)
			break;
		n = kid(m, n, bit(k->d, n->prefixlen));
	}
	if (!n || n->prefixlen != k->len || match != k->len || (n->flags & LN_IM))
		return leftmost(m, root(m));
	for (int i = depth - 1; i > 0; i--) {
		struct lnode *up = path[i - 1];
		struct lnode *right = kid(m, up, 1);
		if (kid(m, up, 0) == path[i] && right)
			return leftmost(m, right);
		if (!(up->flags & LN_IM))
			return up;
	}
	return NULL;
}

static int lpm_get_next_key(struct xbpf_map *m, const void *key, void *next)
{
	struct lkey k;
	bool valid = key && load_key(m, key, &k);
	map_lock(&m->a->lock);
	struct lnode *n = valid ? next_after(m, &k) : leftmost(m, root(m));
	if (n) {
		memcpy(next, &n->prefixlen, 4);
		memcpy((uint8_t *)next + 4, n->data, m->key_size - 4);
	}
	map_unlock(&m->a->lock);
	return n ? 0 : -ENOENT;
}

const struct map_ops map_lpm_ops = {
	.check = lpm_check,
	.layout = lpm_layout,
	.attach = lpm_attach,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.delete = lpm_delete,
	.get_next_key = lpm_get_next_key,
	.lookup_user = lpm_lookup_user,
};
