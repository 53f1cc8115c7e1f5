/* map_queue.c - keyless maps: QUEUE (FIFO), STACK (LIFO) and BLOOM_FILTER.
 *
 * QUEUE/STACK: a ring of max_entries values (stride round_up(value_size, 8)) under the
 * map-wide lock; `tail` is the oldest element, `head` the next free slot (the kernel's
 * queue_stack_maps.c semantics: push with XBPF_EXIST overwrites the oldest when full, else
 * -E2BIG; pop/peek on empty -ENOENT; no keys, so get_next_key/delete are -EINVAL).
 * BLOOM_FILTER: a bitset of roundup_pow_of_two(max_entries * nr_hashes / ln 2) bits; push
 * sets nr_hashes bits of the value, peek says 0 (maybe present) or -ENOENT.
 */
#include <string.h>
#include "map_internal.h"

static int queue_check(struct map_arena *p)
{
	if (p->key_size != 0 || p->value_size == 0 || p->max_entries == 0 ||
	    (p->map_flags & ~(XBPF_F_NUMA_NODE | MAP_F_ACCESS_MASK)))
		return -EINVAL;
	if (p->value_size > MAP_KMALLOC_MAX)
		return -E2BIG;
	return 0;
}

static int queue_layout(struct map_arena *p)
{
	uint64_t bytes = (uint64_t)map_round8(p->value_size) * p->max_entries;
	if (bytes > (1ull << 32))
		return -E2BIG;
	p->file_size = p->data_off + map_round_up(bytes, MAP_PAGE);
	p->map_size = p->file_size;
	return 0;
}

static uint8_t *slot(struct xbpf_map *m, uint32_t i)
{
	return m->base + m->a->data_off + (uint64_t)i * m->vstride;
}

/* Keep the shared indexes in range (a corrupted pinned file must not make us overrun). */
static void queue_sane(struct xbpf_map *m)
{
	struct map_arena *a = m->a;
	a->u.q.head %= m->max_entries;
	a->u.q.tail %= m->max_entries;
	if (a->u.q.count > m->max_entries)
		a->u.q.count = m->max_entries;
}

static long queue_push(struct xbpf_map *m, const void *value, uint64_t flags)
{
	if ((flags & XBPF_NOEXIST) || flags > XBPF_EXIST)
		return -EINVAL;
	struct map_arena *a = m->a;
	map_lock(&a->lock);
	queue_sane(m);
	if (a->u.q.count == m->max_entries) {
		if (!(flags & XBPF_EXIST)) {
			map_unlock(&a->lock);
			return -E2BIG;
		}
		a->u.q.tail = (a->u.q.tail + 1) % m->max_entries;   /* drop the oldest */
		a->u.q.count--;
	}
	memcpy(slot(m, a->u.q.head), value, m->value_size);
	a->u.q.head = (a->u.q.head + 1) % m->max_entries;
	a->u.q.count++;
	map_unlock(&a->lock);
	return 0;
}

static long queue_pop(struct xbpf_map *m, void *value, bool remove)
{
	struct map_arena *a = m->a;
	map_lock(&a->lock);
	queue_sane(m);
	if (!a->u.q.count) {
		map_unlock(&a->lock);
		return -ENOENT;
	}
	uint32_t i;
	if (m->type == XBPF_MAP_TYPE_QUEUE) {
		i = a->u.q.tail;
		if (remove)
			a->u.q.tail = (i + 1) % m->max_entries;
	} else {
		i = (a->u.q.head + m->max_entries - 1) % m->max_entries;
		if (remove)
			a->u.q.head = i;
	}
	memcpy(value, slot(m, i), m->value_size);
	if (remove)
		a->u.q.count--;
	map_unlock(&a->lock);
	return 0;
}

const struct map_ops map_queue_ops = {
	.check = queue_check,
	.layout = queue_layout,
	.push = queue_push,
	.pop = queue_pop,
};

/* ---- BLOOM_FILTER ------------------------------------------------------------------------ */
static int bloom_check(struct map_arena *p)
{
	if (p->key_size != 0 || p->value_size == 0 || p->max_entries == 0 ||
	    (p->map_flags & ~(XBPF_F_NUMA_NODE | MAP_F_ZERO_SEED | MAP_F_ACCESS_MASK)))
		return -EINVAL;
	if (p->value_size > MAP_KMALLOC_MAX)
		return -E2BIG;
	return 0;
}

static uint32_t bloom_hashes(const struct map_arena *a)
{
	/* map_extra is not stored; the kernel default of 5 hash functions is used */
	(void)a;
	return 5;
}

static uint64_t bloom_bits(const struct map_arena *p)
{
	uint64_t want = (uint64_t)p->max_entries * bloom_hashes(p) * 10 / 7 + 1;
	uint64_t bits = 64;
	while (bits < want && bits < (1ull << 32))
		bits <<= 1;
	return bits;
}

static int bloom_layout(struct map_arena *p)
{
	p->file_size = p->data_off + map_round_up(bloom_bits(p) / 8, MAP_PAGE);
	p->map_size = p->file_size;
	return 0;
}

static long bloom_push(struct xbpf_map *m, const void *value, uint64_t flags)
{
	if (flags != XBPF_ANY)
		return -EINVAL;
	uint64_t mask = bloom_bits(m->a) - 1;
	_Atomic uint64_t *w = (void *)(m->base + m->a->data_off);
	for (uint32_t i = 0; i < bloom_hashes(m->a); i++) {
		uint64_t bit = map_hash_bytes(value, m->value_size, m->a->u.h.seed + i) & mask;
		atomic_fetch_or_explicit(&w[bit / 64], 1ull << (bit % 64), memory_order_relaxed);
	}
	return 0;
}

static long bloom_peek(struct xbpf_map *m, void *value, bool remove)
{
	uint64_t mask = bloom_bits(m->a) - 1;
	_Atomic uint64_t *w = (void *)(m->base + m->a->data_off);
	for (uint32_t i = 0; i < bloom_hashes(m->a); i++) {
		uint64_t bit = map_hash_bytes(value, m->value_size, m->a->u.h.seed + i) & mask;
		if (!(atomic_load_explicit(&w[bit / 64], memory_order_relaxed) &
		      (1ull << (bit % 64))))
			return -ENOENT;
	}
	return 0;
}

const struct map_ops map_bloom_ops = {
	.check = bloom_check,
	.layout = bloom_layout,
	.push = bloom_push,
	.pop = bloom_peek,
};
