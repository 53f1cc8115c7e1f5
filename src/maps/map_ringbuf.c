/* map_ringbuf.c - RINGBUF (the kernel's BPF ring buffer and its consumer protocol) and
 * PERF_EVENT_ARRAY (one in-arena buffer per slot, read through xbpf_perf_buffer).
 *
 * RINGBUF: data of max_entries bytes (a power-of-two multiple of the page size) at
 * data_off, mapped twice back to back so a record never wraps. Producers (under the map
 * lock) append records: an 8-byte header {u32 len | BUSY_BIT | DISCARD_BIT, u32 pg_off}
 * then the sample, rounded up to 8 bytes, and publish rb_prod_pos with a release store;
 * submit/discard clear BUSY (discard also sets DISCARD). The consumer reads records from
 * rb_cons_pos while they are not BUSY and publishes rb_cons_pos, as libbpf's ring_buffer
 * does. pg_off is the header's page distance from the arena start, so submit finds the map
 * from the sample alone. Consumers wait on a futex word (rb_seq) producers bump when
 * someone waits; it lives in the arena, so this works across processes.
 *
 * PERF_EVENT_ARRAY: slot i has {lock, open, prod, cons, lost} and perf_buf_size bytes;
 * records are {u32 size, u32 pad, data (round8)}, written with wrap-around.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "map_internal.h"
#include "../vm/vm_internal.h"

#define RB_MAX_DATA (1u << 31)

static int futex_wait(_Atomic uint32_t *w, uint32_t val, int timeout_ms)
{
	struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
	return (int)syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, val,
			    timeout_ms < 0 ? NULL : &ts, NULL, 0);
}

static void wake_consumers(struct map_arena *a, bool force)
{
	if (force || atomic_load_explicit(&a->rb_waiters, memory_order_relaxed)) {
		atomic_fetch_add_explicit(&a->rb_seq, 1, memory_order_release);
		syscall(SYS_futex, (uint32_t *)&a->rb_seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	}
}

static int rb_check(struct map_arena *p)
{
	if (p->key_size || p->value_size || !p->max_entries ||
	    (p->max_entries & (p->max_entries - 1)) || p->max_entries % MAP_PAGE ||
	    (p->map_flags & ~XBPF_F_NUMA_NODE))
		return -EINVAL;
	if (p->max_entries > RB_MAX_DATA)
		return -E2BIG;
	return 0;
}

static int rb_layout(struct map_arena *p)
{
	p->u.rb.mask = p->max_entries - 1;
	p->file_size = p->data_off + p->max_entries;
	p->map_size = p->data_off + 2ull * p->max_entries;
	return 0;
}

const struct map_ops map_ringbuf_ops = {
	.check = rb_check,
	.layout = rb_layout,
};

static inline uint8_t *rb_data(struct xbpf_map *m) { return m->base + m->a->data_off; }

void *map_ringbuf_reserve(struct xbpf_map *m, uint64_t size, uint64_t flags)
{
	if (m->type != XBPF_MAP_TYPE_RINGBUF || flags || size > UINT32_MAX / 4)
		return NULL;
	struct map_arena *a = m->a;
	uint64_t len = map_round_up(size + MAP_RB_HDR_SZ, 8);
	if (len > a->u.rb.mask + 1)
		return NULL;
	map_lock(&a->lock);
	uint64_t cons = atomic_load_explicit(&a->rb_cons_pos, memory_order_acquire);
	uint64_t prod = atomic_load_explicit(&a->rb_prod_pos, memory_order_relaxed);
	if (prod + len - cons > a->u.rb.mask) {
		map_unlock(&a->lock);
		return NULL;
	}
	uint8_t *hdr = rb_data(m) + (prod & a->u.rb.mask);
	uint32_t pg_off = (uint32_t)(((uintptr_t)hdr & ~(uintptr_t)(MAP_PAGE - 1)) -
				     (uintptr_t)m->base) / MAP_PAGE;
	__atomic_store_n((uint32_t *)hdr, (uint32_t)size | MAP_RB_BUSY_BIT, __ATOMIC_RELAXED);
	memcpy(hdr + 4, &pg_off, 4);
	atomic_store_explicit(&a->rb_prod_pos, prod + len, memory_order_release);
	map_unlock(&a->lock);
	return hdr + MAP_RB_HDR_SZ;
}

/* The arena a sample belongs to (from its header's pg_off), NULL when inconsistent. */
static struct map_arena *sample_arena(const void *sample)
{
	const uint8_t *hdr = (const uint8_t *)sample - MAP_RB_HDR_SZ;
	uint32_t pg_off;
	memcpy(&pg_off, hdr + 4, 4);
	uintptr_t base = ((uintptr_t)hdr & ~(uintptr_t)(MAP_PAGE - 1)) -
			 (uintptr_t)pg_off * MAP_PAGE;
	if (base > (uintptr_t)hdr)
		return NULL;
	return (struct map_arena *)base;
}

bool map_ringbuf_sample_ok(const void *sample)
{
	if (!sample || ((uintptr_t)sample & 7))
		return false;
	uint32_t len = __atomic_load_n((const uint32_t *)((const uint8_t *)sample - 8),
				       __ATOMIC_RELAXED);
	if (!(len & MAP_RB_BUSY_BIT))
		return false;
	/* validate the arena before trusting it: magic and that the sample is inside */
	struct map_arena *a = sample_arena(sample);
	if (!a || a->magic != MAP_ARENA_MAGIC || a->type != XBPF_MAP_TYPE_RINGBUF)
		return false;
	uintptr_t d = (uintptr_t)a + a->data_off;
	return (uintptr_t)sample >= d + 8 && (uintptr_t)sample < d + a->u.rb.mask + 1 + 8;
}

void map_ringbuf_commit(void *sample, uint64_t flags, bool discard)
{
	uint32_t *hdr = (uint32_t *)((uint8_t *)sample - MAP_RB_HDR_SZ);
	uint32_t len = __atomic_load_n(hdr, __ATOMIC_RELAXED) & ~MAP_RB_BUSY_BIT;
	if (discard)
		len |= MAP_RB_DISCARD_BIT;
	__atomic_exchange_n(hdr, len, __ATOMIC_ACQ_REL);
	struct map_arena *a = sample_arena(sample);
	if (a && !(flags & MAP_RB_NO_WAKEUP))
		wake_consumers(a, flags & MAP_RB_FORCE_WAKEUP);
}

long map_ringbuf_output(struct xbpf_map *m, const void *data, uint64_t size, uint64_t flags)
{
	if (flags & ~(uint64_t)(MAP_RB_NO_WAKEUP | MAP_RB_FORCE_WAKEUP))
		return -EINVAL;
	void *s = map_ringbuf_reserve(m, size, 0);
	if (!s)
		return -EAGAIN;
	memcpy(s, data, size);
	map_ringbuf_commit(s, flags, false);
	return 0;
}

uint64_t map_ringbuf_query(struct xbpf_map *m, uint64_t flags)
{
	if (m->type != XBPF_MAP_TYPE_RINGBUF)
		return 0;
	struct map_arena *a = m->a;
	uint64_t cons = atomic_load_explicit(&a->rb_cons_pos, memory_order_acquire);
	uint64_t prod = atomic_load_explicit(&a->rb_prod_pos, memory_order_acquire);
	switch (flags) {
	case MAP_RB_AVAIL_DATA: return prod - cons;
	case MAP_RB_RING_SIZE: return a->u.rb.mask + 1;
	case MAP_RB_CONS_POS: return cons;
	case MAP_RB_PROD_POS: return prod;
	default: return 0;
	}
}

/* ---- ring buffer consumer ---------------------------------------------------------------- */
struct xbpf_ring_buffer {
	struct xbpf_map *map;
	xbpf_ring_buffer_sample_fn cb;
	void *ctx;
};

struct xbpf_ring_buffer *xbpf_ring_buffer__new(struct xbpf_map *map,
					       xbpf_ring_buffer_sample_fn cb, void *ctx,
					       const struct xbpf_ring_buffer_opts *opts)
{
	if (!map_valid(map) || map->type != XBPF_MAP_TYPE_RINGBUF || !cb) {
		errno = EINVAL;
		return NULL;
	}
	struct xbpf_ring_buffer *rb = calloc(1, sizeof *rb);
	if (!rb)
		return NULL;
	rb->map = xbpf_map__get(map);
	rb->cb = cb;
	rb->ctx = ctx;
	return rb;
}

void xbpf_ring_buffer__free(struct xbpf_ring_buffer *rb)
{
	if (!rb)
		return;
	xbpf_map__put(rb->map);
	free(rb);
}

uint64_t xbpf_ring_buffer__avail(const struct xbpf_ring_buffer *rb)
{
	return map_ringbuf_query(rb->map, MAP_RB_AVAIL_DATA);
}

int xbpf_ring_buffer__consume(struct xbpf_ring_buffer *rb)
{
	struct xbpf_map *m = rb->map;
	struct map_arena *a = m->a;
	uint64_t cons = atomic_load_explicit(&a->rb_cons_pos, memory_order_acquire);
	int n = 0;
	for (;;) {
		uint64_t prod = atomic_load_explicit(&a->rb_prod_pos, memory_order_acquire);
		if (cons >= prod)
			return n;
		if (prod - cons > a->u.rb.mask + 1)
			return -EINVAL;   /* corrupted positions */
		while (cons < prod) {
			uint32_t *hdr = (uint32_t *)(rb_data(m) + (cons & a->u.rb.mask));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			if (len & MAP_RB_BUSY_BIT)
				return n;
			uint32_t sz = len & ~(MAP_RB_BUSY_BIT | MAP_RB_DISCARD_BIT);
			if (sz > a->u.rb.mask + 1 - MAP_RB_HDR_SZ)
				return -EINVAL;   /* corrupted record header */
			cons += map_round_up((uint64_t)sz + MAP_RB_HDR_SZ, 8);
			int err = 0;
			if (!(len & MAP_RB_DISCARD_BIT)) {
				err = rb->cb(rb->ctx, hdr + 2, sz);
				n++;
			}
			atomic_store_explicit(&a->rb_cons_pos, cons, memory_order_release);
			if (err < 0)
				return err;
		}
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until `ready` says there is data or the timeout passes. */
static void wait_data(struct map_arena *a, int timeout_ms, bool (*ready)(void *), void *arg)
{
	int64_t end = now_ms() + timeout_ms;
	atomic_fetch_add(&a->rb_waiters, 1);
	for (;;) {
		uint32_t seq = atomic_load_explicit(&a->rb_seq, memory_order_acquire);
		if (ready(arg))
			break;
		int left = timeout_ms < 0 ? 100 : (int)(end - now_ms());
		if (left <= 0)
			break;
		futex_wait(&a->rb_seq, seq, left > 100 ? 100 : left);
	}
	atomic_fetch_sub(&a->rb_waiters, 1);
}

static bool rb_ready(void *arg)
{
	return xbpf_ring_buffer__avail(arg) > 0;
}

int xbpf_ring_buffer__poll(struct xbpf_ring_buffer *rb, int timeout_ms)
{
	int n = xbpf_ring_buffer__consume(rb);
	if (n || !timeout_ms)
		return n;
	wait_data(rb->map->a, timeout_ms, rb_ready, rb);
	return xbpf_ring_buffer__consume(rb);
}

/* ---- PERF_EVENT_ARRAY ---------------------------------------------------------------------- */
struct pslot {
	map_lock_t lock;
	_Atomic uint32_t open;
	uint64_t prod;
	_Atomic uint64_t cons;
	_Atomic uint64_t lost;
	uint8_t pad[32];
};

static int perf_check(struct map_arena *p)
{
	if (p->key_size != 4 || p->value_size != 4 || p->max_entries == 0 ||
	    (p->map_flags & ~(XBPF_F_NUMA_NODE | MAP_F_ACCESS_MASK | MAP_F_PRESERVE_ELEMS)))
		return -EINVAL;
	if (!p->perf_buf_size)
		p->perf_buf_size = 64 * 1024;
	if (p->perf_buf_size < MAP_PAGE || (p->perf_buf_size & (p->perf_buf_size - 1)) ||
	    p->perf_buf_size > (1u << 26))
		return -EINVAL;
	return 0;
}

static int perf_layout(struct map_arena *p)
{
	uint64_t slots = map_round_up((uint64_t)p->max_entries * sizeof(struct pslot), MAP_PAGE);
	uint64_t data = (uint64_t)p->max_entries * p->perf_buf_size;
	if (data > (1ull << 34))
		return -E2BIG;
	p->u.pe.slots_off = p->data_off;
	p->file_size = p->data_off + slots + data;
	p->map_size = p->file_size;
	return 0;
}

const struct map_ops map_perf_ops = {
	.check = perf_check,
	.layout = perf_layout,
	.get_next_key = NULL,
};

static struct pslot *PS(struct xbpf_map *m, uint32_t i)
{
	return (struct pslot *)(m->base + m->a->u.pe.slots_off) + i;
}

static uint8_t *pbuf(struct xbpf_map *m, uint32_t i)
{
	uint64_t slots = map_round_up((uint64_t)m->max_entries * sizeof(struct pslot), MAP_PAGE);
	return m->base + m->a->u.pe.slots_off + slots + (uint64_t)i * m->a->perf_buf_size;
}

/* Copy n bytes into ring buffer buf (size bsz) at position pos, wrapping. */
static void ring_put(uint8_t *buf, uint64_t bsz, uint64_t pos, const void *src, uint64_t n)
{
	uint64_t off = pos & (bsz - 1), first = n < bsz - off ? n : bsz - off;
	memcpy(buf + off, src, first);
	memcpy(buf, (const uint8_t *)src + first, n - first);
}

static void ring_get(const uint8_t *buf, uint64_t bsz, uint64_t pos, void *dst, uint64_t n)
{
	uint64_t off = pos & (bsz - 1), first = n < bsz - off ? n : bsz - off;
	memcpy(dst, buf + off, first);
	memcpy((uint8_t *)dst + first, buf, n - first);
}

long map_perf_event_output(struct xbpf_map *m, uint64_t flags, unsigned cpu,
			   const void *data, uint64_t size)
{
	if (m->type != XBPF_MAP_TYPE_PERF_EVENT_ARRAY || (flags & ~MAP_F_INDEX_MASK))
		return -EINVAL;
	uint64_t idx = flags & MAP_F_INDEX_MASK;
	if (idx == MAP_F_CURRENT_CPU)
		idx = cpu;
	if (idx >= m->max_entries)
		return -E2BIG;
	struct pslot *s = PS(m, (uint32_t)idx);
	if (!atomic_load_explicit(&s->open, memory_order_acquire))
		return -ENOENT;
	uint64_t bsz = m->a->perf_buf_size, rec = 8 + map_round_up(size, 8);
	uint32_t hdr[2] = {(uint32_t)size, 0};
	map_lock(&s->lock);
	uint64_t cons = atomic_load_explicit(&s->cons, memory_order_acquire);
	if (size > UINT32_MAX || s->prod + rec - cons > bsz) {
		map_unlock(&s->lock);
		atomic_fetch_add(&s->lost, 1);
		return -ENOSPC;
	}
	uint8_t *buf = pbuf(m, (uint32_t)idx);
	ring_put(buf, bsz, s->prod, hdr, 8);
	ring_put(buf, bsz, s->prod + 8, data, size);
	__atomic_store_n(&s->prod, s->prod + rec, __ATOMIC_RELEASE);
	map_unlock(&s->lock);
	wake_consumers(m->a, false);
	return 0;
}

/* ---- perf buffer consumer ------------------------------------------------------------------ */
struct xbpf_perf_buffer {
	struct xbpf_map *map;
	xbpf_perf_buffer_sample_fn sample_cb;
	xbpf_perf_buffer_lost_fn lost_cb;
	void *ctx;
	uint8_t *scratch;
};

struct xbpf_perf_buffer *xbpf_perf_buffer__new(struct xbpf_map *map,
					       xbpf_perf_buffer_sample_fn sample_cb,
					       xbpf_perf_buffer_lost_fn lost_cb, void *ctx,
					       const struct xbpf_perf_buffer_opts *opts)
{
	if (!map_valid(map) || map->type != XBPF_MAP_TYPE_PERF_EVENT_ARRAY || !sample_cb) {
		errno = EINVAL;
		return NULL;
	}
	struct xbpf_perf_buffer *pb = calloc(1, sizeof *pb);
	if (!pb || !(pb->scratch = malloc(map->a->perf_buf_size))) {
		free(pb);
		errno = ENOMEM;
		return NULL;
	}
	pb->map = xbpf_map__get(map);
	pb->sample_cb = sample_cb;
	pb->lost_cb = lost_cb;
	pb->ctx = ctx;
	for (uint32_t i = 0; i < map->max_entries; i++)
		atomic_store(&PS(map, i)->open, 1);
	return pb;
}

void xbpf_perf_buffer__free(struct xbpf_perf_buffer *pb)
{
	if (!pb)
		return;
	for (uint32_t i = 0; i < pb->map->max_entries; i++)
		atomic_store(&PS(pb->map, i)->open, 0);
	xbpf_map__put(pb->map);
	free(pb->scratch);
	free(pb);
}

int xbpf_perf_buffer__consume(struct xbpf_perf_buffer *pb)
{
	struct xbpf_map *m = pb->map;
	uint64_t bsz = m->a->perf_buf_size;
	int n = 0;
	for (uint32_t i = 0; i < m->max_entries; i++) {
		struct pslot *s = PS(m, i);
		uint64_t lost = atomic_exchange(&s->lost, 0);
		if (lost && pb->lost_cb) {
			pb->lost_cb(pb->ctx, (int)i, lost);
			n++;
		}
		uint64_t cons = atomic_load(&s->cons);
		uint64_t prod = __atomic_load_n(&s->prod, __ATOMIC_ACQUIRE);
		const uint8_t *buf = pbuf(m, i);
		while (cons < prod) {
			uint32_t hdr[2];
			ring_get(buf, bsz, cons, hdr, 8);
			if (hdr[0] > bsz - 8 || prod - cons > bsz)
				break;   /* corrupted slot */
			ring_get(buf, bsz, cons + 8, pb->scratch, hdr[0]);
			cons += 8 + map_round_up(hdr[0], 8);
			atomic_store_explicit(&s->cons, cons, memory_order_release);
			pb->sample_cb(pb->ctx, (int)i, pb->scratch, hdr[0]);
			n++;
		}
	}
	return n;
}

static bool pb_ready(void *arg)
{
	struct xbpf_perf_buffer *pb = arg;
	for (uint32_t i = 0; i < pb->map->max_entries; i++) {
		struct pslot *s = PS(pb->map, i);
		if (atomic_load(&s->lost) ||
		    __atomic_load_n(&s->prod, __ATOMIC_ACQUIRE) != atomic_load(&s->cons))
			return true;
	}
	return false;
}

int xbpf_perf_buffer__poll(struct xbpf_perf_buffer *pb, int timeout_ms)
{
	int n = xbpf_perf_buffer__consume(pb);
	if (n || !timeout_ms)
		return n;
	wait_data(pb->map->a, timeout_ms, pb_ready, pb);
	return xbpf_perf_buffer__consume(pb);
}
