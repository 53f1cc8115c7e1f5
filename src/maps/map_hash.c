/* map_hash.c - hash maps: HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS and
 * the kernel-only hashed types created as plain hashes (DEVMAP_HASH, SOCKHASH,
 * STACK_TRACE, *_STORAGE).
 *
 * Layout (in the arena, all links are 1-based element indexes, 0 = none):
 *   buckets[nbuckets]  {lock, head}; nbuckets = roundup_pow_of_two(max_entries)
 *   elems[max_entries] {next, hash, lru_prev, lru_next, ref, pad, key (8-aligned),
 *                       value(s): round_up(value_size, 8) per CPU}
 * Elements are preallocated: a bump index hands out never-used ones, freed ones go to a
 * free list (free_lock). Writers lock the bucket (LRU maps: the map-wide lock, which also
 * guards the LRU list); readers walk chains without locks (links are published with
 * release stores), as the kernel's RCU readers do. Every update takes the writer lock,
 * also for an existing key, whose value is then copied in place: a lock-free find could
 * return an element being deleted and reused for another key.
 *
 * LRU: new and updated elements go to the head of the list; lookups set a reference bit;
 * eviction takes the tail, giving referenced elements a second chance (the kernel's
 * approximation of LRU).
 */
#include <string.h>
#include "map_internal.h"
#include "../vm/vm_internal.h"

struct helem {
	uint32_t next, hash, lru_prev, lru_next;
	uint32_t ref, pad;
	uint8_t data[];   /* key (round8), then values */
};

struct hbucket {
	map_lock_t lock;
	uint32_t head;
};

#define HEAD_SZ ((uint32_t)sizeof(struct helem))
#define LOAD(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)

static bool of_maps(uint32_t t) { return t == XBPF_MAP_TYPE_HASH_OF_MAPS; }

static bool is_storage(uint32_t t)
{
	return t == XBPF_MAP_TYPE_CGROUP_STORAGE || t == XBPF_MAP_TYPE_PERCPU_CGROUP_STORAGE ||
	       t == XBPF_MAP_TYPE_SK_STORAGE || t == XBPF_MAP_TYPE_INODE_STORAGE ||
	       t == XBPF_MAP_TYPE_TASK_STORAGE;
}

static int hash_check(struct map_arena *p)
{
	uint32_t ok = XBPF_F_NO_PREALLOC | XBPF_F_NO_COMMON_LRU | XBPF_F_NUMA_NODE |
		      MAP_F_ACCESS_MASK | MAP_F_ZERO_SEED;
	if (p->type == XBPF_MAP_TYPE_STACK_TRACE)
		ok |= 1u << 5;   /* BPF_F_STACK_BUILD_ID */
	bool lru = map_is_lru(p->type), percpu = map_is_percpu(p->type);
	if (is_storage(p->type) && p->max_entries == 0)
		p->max_entries = 1024;   /* kernel: storage lives with its object; here a hash */
	if (p->key_size == 0 || p->value_size == 0 || p->max_entries == 0 ||
	    (p->map_flags & ~ok))
		return -EINVAL;
	if ((p->map_flags & XBPF_F_NO_COMMON_LRU) && !lru)
		return -EINVAL;
	if (lru && (p->map_flags & XBPF_F_NO_PREALLOC))
		return -ENOTSUPP;
	if (of_maps(p->type) && p->value_size != 4)
		return -EINVAL;
	if (p->key_size > MAP_KMALLOC_MAX)
		return -E2BIG;
	if (p->value_size >= MAP_KMALLOC_MAX - MAP_MAX_KEY - 64)
		return -E2BIG;
	if (percpu && map_round8(p->value_size) > MAP_PCPU_VALUE_MAX)
		return -E2BIG;
	if (p->max_entries > (1u << 31))
		return -E2BIG;
	return 0;
}

static int hash_layout(struct map_arena *p)
{
	uint32_t nb = 1;
	while (nb < p->max_entries)
		nb <<= 1;
	uint32_t vs = of_maps(p->type) ? 8 : map_round8(p->value_size);
	uint64_t esz = HEAD_SZ + map_round8(p->key_size) + (uint64_t)vs * p->ncpus;
	uint64_t boff = p->data_off;
	uint64_t eoff = map_round_up(boff + (uint64_t)nb * sizeof(struct hbucket), 64);
	uint64_t end = eoff + esz * p->max_entries;
	if (esz > UINT32_MAX || end > (1ull << 38))
		return -E2BIG;
	p->u.h.nbuckets = nb;
	p->u.h.elem_size = (uint32_t)esz;
	p->u.h.buckets_off = boff;
	p->u.h.elems_off = eoff;
	p->file_size = map_round_up(end, MAP_PAGE);
	p->map_size = p->file_size;
	return 0;
}

/* ---- element access (through the layout cached in the handle) --------------------------- */
static void hash_attach(struct xbpf_map *m)
{
	m->h_buckets = m->base + m->a->u.h.buckets_off;
	m->h_elems = m->base + m->a->u.h.elems_off;
	m->h_mask = m->a->u.h.nbuckets - 1;
	m->h_esize = m->a->u.h.elem_size;
	m->h_seed = m->a->u.h.seed;
	m->h_koff = map_round8(m->key_size);
}

static inline struct helem *E(struct xbpf_map *m, uint32_t idx)
{
	return (struct helem *)(m->h_elems + (uint64_t)(idx - 1) * m->h_esize);
}
static inline uint8_t *ekey(struct helem *e) { return e->data; }
static inline uint8_t *evalue(struct xbpf_map *m, struct helem *e)
{
	return e->data + m->h_koff;
}
static inline struct hbucket *B(struct xbpf_map *m, uint32_t hash)
{
	return (struct hbucket *)m->h_buckets + (hash & m->h_mask);
}

/* Hash of a key: multiplicative for 4- and 8-byte keys (the common case), else bytes. */
static inline uint32_t key_hash(const struct xbpf_map *m, const void *key)
{
	uint64_t x;
	if (m->key_size == 8) {
		memcpy(&x, key, 8);
	} else if (m->key_size == 4) {
		uint32_t w;
		memcpy(&w, key, 4);
		x = w;
	} else {
		return map_hash_bytes(key, m->key_size, m->h_seed);
	}
	x = (x ^ m->h_seed) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(x >> 32) ^ (uint32_t)(x >> 17);
}

static inline bool key_eq(const struct xbpf_map *m, const uint8_t *a, const void *b)
{
	uint64_t x, y;
	switch (m->key_size) {
	case 8:
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		return x == y;
	case 4:
		return !memcmp(a, b, 4);
	default:
		return !memcmp(a, b, m->key_size);
	}
}
static inline map_lock_t *wlock(struct xbpf_map *m, struct hbucket *b)
{
	return map_is_lru(m->type) ? &m->a->lock : &b->lock;
}

/* Lock-free chain walk: the element with this key, or 0. */
static uint32_t find(struct xbpf_map *m, struct hbucket *b, const void *key, uint32_t h)
{
	uint32_t idx = LOAD(&b->head);
	for (uint32_t steps = 0; idx && idx <= m->max_entries && steps <= m->max_entries;
	     steps++) {
		struct helem *e = E(m, idx);
		if (e->hash == h && key_eq(m, ekey(e), key))
			return idx;
		idx = LOAD(&e->next);
	}
	return 0;
}

/* ---- free list and LRU list (callers hold the right locks) ------------------------------ */
static uint32_t elem_alloc(struct xbpf_map *m)
{
	struct map_arena *a = m->a;
	uint32_t idx = 0;
	map_lock(&a->u.h.free_lock);
	if (a->u.h.free_head > m->max_entries)   /* corrupted (shared file): drop the list */
		a->u.h.free_head = 0;
	if (a->u.h.free_head) {
		idx = a->u.h.free_head;
		a->u.h.free_head = E(m, idx)->next;
	} else if (a->u.h.bump < m->max_entries) {
		idx = ++a->u.h.bump;
	}
	map_unlock(&a->u.h.free_lock);
	if (idx)
		atomic_fetch_add_explicit(&a->u.h.count, 1, memory_order_relaxed);
	return idx;
}

static void elem_free(struct xbpf_map *m, uint32_t idx)
{
	struct map_arena *a = m->a;
	atomic_fetch_sub_explicit(&a->u.h.count, 1, memory_order_relaxed);
	map_lock(&a->u.h.free_lock);
	E(m, idx)->next = a->u.h.free_head;
	a->u.h.free_head = idx;
	map_unlock(&a->u.h.free_lock);
}

/* An LRU link as stored; 0 (none) when it is not an element index (a corrupted file). */
static inline uint32_t lru_link(const struct xbpf_map *m, uint32_t idx)
{
	return idx <= m->max_entries ? idx : 0;
}

static void lru_unlink(struct xbpf_map *m, uint32_t idx)
{
	struct map_arena *a = m->a;
	struct helem *e = E(m, idx);
	uint32_t prev = lru_link(m, e->lru_prev), next = lru_link(m, e->lru_next);
	if (prev)
		E(m, prev)->lru_next = next;
	else
		a->u.h.lru_head = next;
	if (next)
		E(m, next)->lru_prev = prev;
	else
		a->u.h.lru_tail = prev;
	e->lru_prev = e->lru_next = 0;
}

static void lru_push_head(struct xbpf_map *m, uint32_t idx)
{
	struct map_arena *a = m->a;
	struct helem *e = E(m, idx);
	uint32_t head = lru_link(m, a->u.h.lru_head);
	e->lru_prev = 0;
	e->lru_next = head;
	if (head)
		E(m, head)->lru_prev = idx;
	a->u.h.lru_head = idx;
	if (!lru_link(m, a->u.h.lru_tail) || !head)
		a->u.h.lru_tail = idx;
}

/* Remove idx from its bucket chain (writer lock held). Returns false when absent. */
static bool chain_unlink(struct xbpf_map *m, struct hbucket *b, uint32_t idx)
{
	uint32_t *link = &b->head;
	for (uint32_t n = 0; *link && *link <= m->max_entries && n <= m->max_entries; n++) {
		if (*link == idx) {
			STORE(link, E(m, idx)->next);
			return true;
		}
		link = &E(m, *link)->next;
	}
	return false;
}

/* LRU map full (map lock held): evict the least recently used element; returns it. */
static uint32_t lru_evict(struct xbpf_map *m)
{
	struct map_arena *a = m->a;
	for (uint64_t n = 0; n <= 2ull * m->max_entries && a->u.h.lru_tail; n++) {
		uint32_t idx = a->u.h.lru_tail;
		if (idx > m->max_entries)
			return 0;   /* corrupted (shared file) */
		struct helem *e = E(m, idx);
		lru_unlink(m, idx);
		if (__atomic_exchange_n(&e->ref, 0, __ATOMIC_RELAXED) && n < m->max_entries) {
			lru_push_head(m, idx);   /* second chance */
			continue;
		}
		chain_unlink(m, B(m, e->hash), idx);
		return idx;
	}
	return 0;
}

/* ---- operations ------------------------------------------------------------------------- */
static void *hash_lookup(struct xbpf_map *m, const void *key, unsigned cpu)
{
	uint32_t h = key_hash(m, key);
	uint32_t idx = find(m, B(m, h), key, h);
	if (!idx)
		return NULL;
	struct helem *e = E(m, idx);
	if (map_is_lru(m->type) && !__atomic_load_n(&e->ref, __ATOMIC_RELAXED))
		__atomic_store_n(&e->ref, 1, __ATOMIC_RELAXED);
	uint8_t *v = evalue(m, e);
	if (m->ncpus > 1)
		v += (cpu < m->ncpus ? cpu : cpu % m->ncpus) * (uint64_t)m->vstride;
	return v;
}

/* Write the value(s) of an element (map_write_value), the common u64 counter with one
 * store. */
static void write_values(struct xbpf_map *m, struct helem *e, const void *value,
			 uint64_t flags, int cpu, bool fresh)
{
	uint8_t *v = evalue(m, e);
	if (m->ncpus == 1 && m->vsize == 8 && m->spin_lock_off == UINT32_MAX) {
		memcpy(v, value, 8);   /* the common u64 counter: one store */
		return;
	}
	map_write_value(m, v, value, flags, cpu, fresh);
}

static long hash_update_raw(struct xbpf_map *m, const void *key, const void *value,
			    uint64_t flags, int cpu)
{
	uint32_t h = key_hash(m, key);
	struct hbucket *b = B(m, h);
	bool lru = map_is_lru(m->type);
	/* Under the writer lock even for an existing key: found without it, the element could
	 * be deleted and handed to another key before our write lands (the value would then
	 * belong to that key). */
	map_lock_t *l = wlock(m, b);
	map_lock(l);
	uint32_t idx = find(m, b, key, h);
	if (idx) {
		if ((flags & 3) == XBPF_NOEXIST) {
			map_unlock(l);
			return -EEXIST;
		}
		write_values(m, E(m, idx), value, flags, cpu, false);
		if (lru) {   /* the kernel replaces the element: the new one is the most recent */
			lru_unlink(m, idx);
			lru_push_head(m, idx);
		}
		map_unlock(l);
		return 0;
	}
	if ((flags & 3) == XBPF_EXIST) {
		map_unlock(l);
		return -ENOENT;
	}
	idx = elem_alloc(m);
	if (!idx && lru)
		idx = lru_evict(m);
	if (!idx) {
		map_unlock(l);
		return -E2BIG;
	}
	struct helem *e = E(m, idx);
	memcpy(ekey(e), key, m->key_size);
	e->hash = h;
	e->ref = 0;
	write_values(m, e, value, flags, cpu, true);
	e->next = b->head;
	STORE(&b->head, idx);
	if (lru)
		lru_push_head(m, idx);
	map_unlock(l);
	return 0;
}

static long hash_update(struct xbpf_map *m, const void *key, const void *value,
			uint64_t flags, int cpu)
{
	return hash_update_raw(m, key, value, flags, cpu);
}

/* Find key with its bucket's writer lock taken (the caller unlocks *l): the element index,
 * 0 when absent; *h = the key's hash. */
static uint32_t find_locked(struct xbpf_map *m, const void *key, uint32_t *h, map_lock_t **l)
{
	*h = key_hash(m, key);
	struct hbucket *b = B(m, *h);
	*l = wlock(m, b);
	map_lock(*l);
	return find(m, b, key, *h);
}

/* Unlink key (writer lock taken here); copy its value(s) first when `out`. For
 * HASH_OF_MAPS the removed inner map is returned in *inner. */
static long hash_remove(struct xbpf_map *m, const void *key, void *out, void **inner)
{
	uint32_t h;
	map_lock_t *l;
	uint32_t idx = find_locked(m, key, &h, &l);
	if (!idx) {
		map_unlock(l);
		return -ENOENT;
	}
	struct helem *e = E(m, idx);
	if (out)
		map_read_value(m, out, evalue(m, e), 0);
	if (inner)
		memcpy(inner, evalue(m, e), sizeof *inner);
	chain_unlink(m, B(m, h), idx);
	if (map_is_lru(m->type))
		lru_unlink(m, idx);
	map_unlock(l);
	elem_free(m, idx);
	return 0;
}

static long hash_delete(struct xbpf_map *m, const void *key)
{
	return hash_remove(m, key, NULL, NULL);
}

static int hash_lookup_and_delete(struct xbpf_map *m, const void *key, void *value)
{
	return (int)hash_remove(m, key, value, NULL);
}

static int hash_lookup_user(struct xbpf_map *m, const void *key, void *value, uint64_t flags)
{
	uint32_t h;
	map_lock_t *l;   /* held: the element cannot be freed and reused while we copy */
	uint32_t idx = find_locked(m, key, &h, &l);
	if (idx)
		map_read_value(m, value, evalue(m, E(m, idx)), flags);
	map_unlock(l);
	return idx ? 0 : -ENOENT;
}

/* First key of buckets [from, nbuckets) into next, 0 / -ENOENT. */
static int first_from(struct xbpf_map *m, uint32_t from, void *next)
{
	for (uint32_t i = from; i < m->a->u.h.nbuckets; i++) {
		struct hbucket *b = (struct hbucket *)m->h_buckets + i;
		map_lock_t *l = wlock(m, b);
		map_lock(l);
		uint32_t idx = b->head <= m->max_entries ? b->head : 0;   /* 0 also if corrupt */
		if (idx)
			memcpy(next, ekey(E(m, idx)), m->key_size);
		map_unlock(l);
		if (idx)
			return 0;
	}
	return -ENOENT;
}

static int hash_get_next_key(struct xbpf_map *m, const void *key, void *next)
{
	if (!key)
		return first_from(m, 0, next);
	uint32_t h;
	map_lock_t *l;
	uint32_t idx = find_locked(m, key, &h, &l);
	if (!idx) {
		map_unlock(l);
		return first_from(m, 0, next);
	}
	uint32_t nx = E(m, idx)->next;
	if (nx > m->max_entries)
		nx = 0;   /* corrupted link (shared file) */
	if (nx)
		memcpy(next, ekey(E(m, nx)), m->key_size);
	map_unlock(l);
	if (nx)
		return 0;
	return first_from(m, (h & m->h_mask) + 1, next);
}

static long hash_for_each(struct xbpf_map *m, unsigned cpu,
			  long (*cb)(void *key, void *value, void *ctx), void *ctx)
{
	long n = 0;
	struct hbucket *bs = (struct hbucket *)m->h_buckets;
	for (uint32_t i = 0; i < m->a->u.h.nbuckets; i++) {
		uint32_t idx = LOAD(&bs[i].head);
		for (uint32_t steps = 0; idx && idx <= m->max_entries && steps <= m->max_entries;
		     steps++) {
			struct helem *e = E(m, idx);
			uint32_t nx = LOAD(&e->next);
			uint8_t *v = evalue(m, e) + (m->ncpus > 1 ? cpu * (uint64_t)m->vstride : 0);
			n++;
			if (cb(ekey(e), v, ctx))
				return n;
			idx = nx;
		}
	}
	return n;
}

const struct map_ops map_hash_ops = {
	.check = hash_check,
	.layout = hash_layout,
	.attach = hash_attach,
	.lookup = hash_lookup,
	.update = hash_update,
	.delete = hash_delete,
	.get_next_key = hash_get_next_key,
	.lookup_user = hash_lookup_user,
	.lookup_and_delete = hash_lookup_and_delete,
	.for_each = hash_for_each,
};

/* ---- HASH_OF_MAPS: values are inner struct xbpf_map pointers (per process) -------------- */
static void *hom_lookup(struct xbpf_map *m, const void *key, unsigned cpu)
{
	void **v = hash_lookup(m, key, 0);
	return v ? __atomic_load_n(v, __ATOMIC_ACQUIRE) : NULL;
}

static long hom_update(struct xbpf_map *m, const void *key, const void *value,
		       uint64_t flags, int cpu)
{
	struct xbpf_map *in;
	int ierr = map_inner_get(m, value, &in);
	if (ierr)
		return ierr;
	void **v = hash_lookup(m, key, 0);
	if (v && (flags & 3) != XBPF_NOEXIST) {   /* replace in place */
		struct xbpf_map *old = __atomic_exchange_n(v, in, __ATOMIC_ACQ_REL);
		if (old)
			vm_map_put(old);
		return 0;
	}
	long err = hash_update_raw(m, key, &in, flags & 3, -1);
	if (err)
		vm_map_put(in);
	return err;
}

static long hom_delete(struct xbpf_map *m, const void *key)
{
	void *inner = NULL;
	long err = hash_remove(m, key, NULL, &inner);
	if (!err && inner)
		vm_map_put(inner);
	return err;
}

static int hom_lookup_user(struct xbpf_map *m, const void *key, void *value, uint64_t flags)
{
	struct xbpf_map *in = hom_lookup(m, key, 0);
	if (!in)
		return -ENOENT;
	memcpy(value, &in->id, 4);
	return 0;
}

static long put_inner(void *key, void *value, void *ctx)
{
	struct xbpf_map *in = __atomic_exchange_n((void **)value, NULL, __ATOMIC_ACQ_REL);
	if (in)
		vm_map_put(in);
	return 0;
}

static void hom_release(struct xbpf_map *m)
{
	hash_for_each(m, 0, put_inner, NULL);
}

const struct map_ops map_hash_of_maps_ops = {
	.check = hash_check,
	.layout = hash_layout,
	.attach = hash_attach,
	.lookup = hom_lookup,
	.update = hom_update,
	.delete = hom_delete,
	.get_next_key = hash_get_next_key,
	.lookup_user = hom_lookup_user,
	.release = hom_release,
};
