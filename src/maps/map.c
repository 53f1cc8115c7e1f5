/* map.c - the maps module's core: creation checks common to every type, the shared arena
 * (a file mapped MAP_SHARED), reference counting, the process-local id registry, the
 * public element API (dispatching to the per-type ops in map_*.c), the program-side entry
 * points the helpers call, and the vm_map_* hooks the core uses for lddw.
 *
 * Invariants: a struct xbpf_map is immutable after creation except its reference counts;
 * every piece of mutable map state lives in the arena (or, for PROG_ARRAY and the
 * map-in-map types, in slots updated with atomic exchanges).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "map_internal.h"
#include "../vm/vm_internal.h"

/* ---- small shared utilities ------------------------------------------------------------ */
_Thread_local uint32_t map_tid;

static void tid_reset_after_fork(void) { map_tid = 0; }

uint32_t map_tid_init(void)
{
	uint32_t tid = (uint32_t)gettid() & 0x3fffff;
	map_tid = tid | ((tid * 2654435761u) >> 22) << 22;
	if (!map_tid)
		map_tid = 1u << 22;
	return map_tid;
}

__attribute__((constructor)) static void map_atfork(void)
{
	pthread_atfork(NULL, NULL, tid_reset_after_fork);
}

/* Can the lock held under this word be taken over: not a valid owner word, or a thread
 * that no longer exists? */
static bool owner_dead(uint32_t word)
{
	uint32_t tid = word & 0x3fffff;
	if (word >> 22 != (tid * 2654435761u) >> 22 || !tid)
		return true;
	return kill((pid_t)tid, 0) < 0 && errno == ESRCH;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void map_lock_slow(map_lock_t *l)
{
	uint32_t self = map_self(), seen = 0;
	uint64_t since = 0;
	for (unsigned spins = 0;; spins++) {
		uint32_t cur = atomic_load_explicit(&l->v, memory_order_relaxed);
		if (cur == 0 && atomic_compare_exchange_weak_explicit(&l->v, &cur, self,
			    memory_order_acquire, memory_order_relaxed))
			return;
		if (spins < 64) {
			__builtin_ia32_pause();
			continue;
		}
		sched_yield();
		if (spins % 64 || !cur)
			continue;
		if (cur != seen) {   /* a new owner: restart its clock */
			seen = cur;
			since = mono_ns();
		}
		if ((owner_dead(cur) || mono_ns() - since > MAP_LOCK_STALE_NS) &&
		    atomic_compare_exchange_strong_explicit(&l->v, &cur, self,
							    memory_order_acquire,
							    memory_order_relaxed))
			return;
	}
}

uint32_t map_hash_bytes(const void *p, uint32_t len, uint32_t seed)
{
	const uint8_t *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ seed ^ ((uint64_t)len << 32);
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		s += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, s, len);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 29;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 32;
	return (uint32_t)h;
}

void map_value_lock(const struct xbpf_map *m, void *value)
{
	map_lock((map_lock_t *)((uint8_t *)value + m->spin_lock_off));
}

void map_value_unlock(const struct xbpf_map *m, void *value)
{
	map_unlock((map_lock_t *)((uint8_t *)value + m->spin_lock_off));
}

void map_copy_value(const struct xbpf_map *m, void *dst, const void *src)
{
	if (m->spin_lock_off == UINT32_MAX) {
		memcpy(dst, src, m->vsize);
		return;
	}
	uint32_t o = m->spin_lock_off;
	memcpy(dst, src, o);
	memcpy((uint8_t *)dst + o + 4, (const uint8_t *)src + o + 4, m->vsize - o - 4);
}

void map_write_value(const struct xbpf_map *m, uint8_t *stored, const void *value,
		     uint64_t flags, int cpu, bool fresh)
{
	if (m->ncpus == 1) {
		if ((flags & XBPF_F_LOCK) && !fresh) {
			map_value_lock(m, stored);
			map_copy_value(m, stored, value);
			map_value_unlock(m, stored);
		} else {
			if (fresh && m->spin_lock_off != UINT32_MAX)
				memset(stored + m->spin_lock_off, 0, 4);
			map_copy_value(m, stored, value);
		}
		return;
	}
	for (unsigned c = 0; c < m->ncpus; c++) {
		uint8_t *d = stored + (uint64_t)c * m->vstride;
		if (cpu < 0)
			map_copy_value(m, d, (const uint8_t *)value + (size_t)c * m->vstride);
		else if ((int)c == cpu)
			map_copy_value(m, d, value);
		else if (fresh)
			memset(d, 0, m->vsize);
	}
}

void map_read_value(const struct xbpf_map *m, void *dst, uint8_t *stored, uint64_t flags)
{
	if (m->ncpus > 1) {
		for (unsigned c = 0; c < m->ncpus; c++) {
			uint8_t *d = (uint8_t *)dst + (size_t)c * m->vstride;
			memcpy(d, stored + (size_t)c * m->vstride, m->value_size);
			memset(d + m->value_size, 0, m->vstride - m->value_size);
			if (m->spin_lock_off != UINT32_MAX)
				memset(d + m->spin_lock_off, 0, 4);
		}
		return;
	}
	if (flags & XBPF_F_LOCK)
		map_value_lock(m, stored);
	memcpy(dst, stored, m->value_size);
	if (flags & XBPF_F_LOCK)
		map_value_unlock(m, stored);
	if (m->spin_lock_off != UINT32_MAX)
		memset((uint8_t *)dst + m->spin_lock_off, 0, 4);
}

/* ---- CPUs ------------------------------------------------------------------------------- */
static _Atomic unsigned g_ncpus;

unsigned xbpf_num_cpus(void)
{
	unsigned n = atomic_load(&g_ncpus);
	if (n)
		return n;
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	n = c < 1 ? 1 : c > XBPF_MAX_CPUS ? XBPF_MAX_CPUS : (unsigned)c;
	atomic_store(&g_ncpus, n);
	return n;
}

int xbpf_set_num_cpus(unsigned n)
{
	if (n < 1 || n > XBPF_MAX_CPUS)
		return -EINVAL;
	atomic_store(&g_ncpus, n);
	return 0;
}

/* ---- id registry (process-local) ------------------------------------------------------ */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xbpf_map **reg_maps;
static uint32_t reg_cap, reg_next = 1;

static int reg_add(struct xbpf_map *m)
{
	pthread_mutex_lock(&reg_lock);
	if (reg_next >= reg_cap) {
		uint32_t cap = reg_cap ? reg_cap * 2 : 64;
		struct xbpf_map **n = realloc(reg_maps, cap * sizeof *n);
		if (!n) {
			pthread_mutex_unlock(&reg_lock);
			return -ENOMEM;
		}
		memset(n + reg_cap, 0, (cap - reg_cap) * sizeof *n);
		reg_maps = n;
		reg_cap = cap;
	}
	m->id = reg_next++;
	reg_maps[m->id] = m;
	pthread_mutex_unlock(&reg_lock);
	return 0;
}

static void reg_del(struct xbpf_map *m)
{
	pthread_mutex_lock(&reg_lock);
	if (m->id < reg_cap && reg_maps[m->id] == m)
		reg_maps[m->id] = NULL;
	pthread_mutex_unlock(&reg_lock);
}

struct xbpf_map *map_by_id(uint32_t id)
{
	struct xbpf_map *m = NULL;
	pthread_mutex_lock(&reg_lock);
	if (id < reg_cap)
		m = reg_maps[id];
	pthread_mutex_unlock(&reg_lock);
	return m;
}

bool map_is_live(const void *p)
{
	bool live = false;
	pthread_mutex_lock(&reg_lock);
	for (uint32_t i = 1; p && i < reg_next && i < reg_cap && !live; i++)
		live = reg_maps[i] == p;
	pthread_mutex_unlock(&reg_lock);
	return live;
}

struct xbpf_map *xbpf_map__from_id(uint32_t id)
{
	struct xbpf_map *m = map_by_id(id);
	if (!m)
		errno = ENOENT;
	return m;
}

/* ---- ops per type ------------------------------------------------------------------------ */
static const struct map_ops *ops_for(uint32_t type)
{
	switch (type) {
	case XBPF_MAP_TYPE_ARRAY: case XBPF_MAP_TYPE_PERCPU_ARRAY:
	case XBPF_MAP_TYPE_DEVMAP: case XBPF_MAP_TYPE_CPUMAP: case XBPF_MAP_TYPE_XSKMAP:
	case XBPF_MAP_TYPE_SOCKMAP: case XBPF_MAP_TYPE_CGROUP_ARRAY:
	case XBPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
		return &map_array_ops;
	case XBPF_MAP_TYPE_HASH: case XBPF_MAP_TYPE_PERCPU_HASH: case XBPF_MAP_TYPE_LRU_HASH:
	case XBPF_MAP_TYPE_LRU_PERCPU_HASH: case XBPF_MAP_TYPE_DEVMAP_HASH:
	case XBPF_MAP_TYPE_SOCKHASH: case XBPF_MAP_TYPE_STACK_TRACE:
	case XBPF_MAP_TYPE_CGROUP_STORAGE: case XBPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
	case XBPF_MAP_TYPE_SK_STORAGE: case XBPF_MAP_TYPE_INODE_STORAGE:
	case XBPF_MAP_TYPE_TASK_STORAGE:
		return &map_hash_ops;
	case XBPF_MAP_TYPE_LPM_TRIE: return &map_lpm_ops;
	case XBPF_MAP_TYPE_QUEUE: case XBPF_MAP_TYPE_STACK: return &map_queue_ops;
	case XBPF_MAP_TYPE_RINGBUF: return &map_ringbuf_ops;
	case XBPF_MAP_TYPE_PERF_EVENT_ARRAY: return &map_perf_ops;
	case XBPF_MAP_TYPE_PROG_ARRAY: return &map_prog_array_ops;
	case XBPF_MAP_TYPE_ARRAY_OF_MAPS: return &map_array_of_maps_ops;
	case XBPF_MAP_TYPE_HASH_OF_MAPS: return &map_hash_of_maps_ops;
	case XBPF_MAP_TYPE_BLOOM_FILTER: return &map_bloom_ops;
	default: return NULL;
	}
}

static const char *const type_names[XBPF_MAP_TYPE__COUNT] = {
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
	"lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap",
	"sockhash", "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue",
	"stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage",
	"task_storage", "bloom_filter",
};

const char *xbpf_map_type__name(enum xbpf_map_type type)
{
	return (unsigned)type < XBPF_MAP_TYPE__COUNT ? type_names[type] : NULL;
}

int xbpf_map_type__from_name(const char *name)
{
	for (int i = 0; name && i < XBPF_MAP_TYPE__COUNT; i++)
		if (!strcmp(type_names[i], name))
			return i;
	return -ENOENT;
}

/* ---- arena files ------------------------------------------------------------------------- */
static const char *shm_dir(void)
{
	const char *d = getenv("XBPF_SHM_DIR");
	return d && *d ? d : "/dev/shm";
}

/* An unnamed file for a new arena: O_TMPFILE in the shm directory (so pins can hard-link
 * it), else a memfd. */
static int arena_file(uint64_t size, bool shareable)
{
	int fd = -1;
	if (shareable)
		fd = open(shm_dir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = memfd_create("xbpf-map", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Map an arena file: once, or for a ringbuf with the data pages mapped a second time right
 * after the first copy so records never wrap. Returns the base or NULL + errno. */
static void *arena_map(int fd, const struct map_arena *p)
{
	if (p->type != XBPF_MAP_TYPE_RINGBUF) {
		void *b = mmap(NULL, p->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		return b == MAP_FAILED ? NULL : b;
	}
	uint64_t data = p->file_size - p->data_off;
	uint8_t *b = mmap(NULL, p->map_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		return NULL;
	if (mmap(b, p->file_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		    MAP_FAILED ||
	    mmap(b + p->file_size, data, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 (off_t)p->data_off) == MAP_FAILED) {
		int err = errno;
		munmap(b, p->map_size);
		errno = err;
		return NULL;
	}
#ifdef MADV_POPULATE_WRITE
	/* the kernel allocates a ring buffer's pages at creation: do the same, so producers
	 * never take page faults (best effort) */
	madvise(b + p->data_off, data, MADV_POPULATE_WRITE);
#endif
	return b;
}

/* Fill the handle's copies of the arena parameters. */
static void handle_params(struct xbpf_map *m)
{
	const struct map_arena *a = m->a;
	m->type = a->type;
	m->key_size = a->key_size;
	m->value_size = a->value_size;
	m->max_entries = a->max_entries;
	m->map_flags = a->map_flags;
	m->ncpus = a->ncpus;
	m->spin_lock_off = a->spin_lock_off;
	m->vsize = m->value_size;
	if (m->type == XBPF_MAP_TYPE_PROG_ARRAY || m->type == XBPF_MAP_TYPE_ARRAY_OF_MAPS ||
	    m->type == XBPF_MAP_TYPE_HASH_OF_MAPS)
		m->vsize = 8;
	m->vstride = map_round8(m->vsize);
	m->prog_update = m->ops && m->ops->update && m->type != XBPF_MAP_TYPE_PROG_ARRAY &&
			 m->type != XBPF_MAP_TYPE_ARRAY_OF_MAPS &&
			 m->type != XBPF_MAP_TYPE_HASH_OF_MAPS &&
			 !(m->map_flags & XBPF_F_RDONLY_PROG);
	memcpy(m->name, a->name, sizeof m->name);
}

/* A handle over an existing arena file (created here or opened from a pin). */
static struct xbpf_map *handle_new(int fd, const struct map_arena *p, bool shareable)
{
	struct xbpf_map *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->a = arena_map(fd, p);
	if (!m->a) {
		free(m);
		return NULL;
	}
	m->base = (uint8_t *)m->a;
	m->map_len = p->map_size;
	m->fd = fd;
	m->shareable = shareable;
	m->ops = ops_for(p->type);
	m->magic = MAP_MAGIC;
	atomic_init(&m->refcnt, 1);
	atomic_init(&m->usercnt, 1);
	return m;
}

static void handle_free(struct xbpf_map *m)
{
	if (m->ops && m->ops->release)
		m->ops->release(m);
	reg_del(m);
	m->magic = 0;
	munmap(m->a, m->map_len);
	if (m->fd >= 0)
		close(m->fd);
	free(m->prog_ids);
	free(m);
}

/* ---- creation ------------------------------------------------------------------------- */
/* Checks every type shares (the bpf() syscall's map_create). */
static int common_checks(uint32_t type, const struct map_arena *p,
			 const struct xbpf_map_create_opts *opts)
{
	uint32_t f = p->map_flags;
	if ((f & XBPF_F_RDONLY) && (f & XBPF_F_WRONLY))
		return -EINVAL;
	if ((f & XBPF_F_RDONLY_PROG) && (f & XBPF_F_WRONLY_PROG))
		return -EINVAL;
	if (!(f & XBPF_F_NUMA_NODE) && opts && opts->sz > offsetof(struct xbpf_map_create_opts,
								    numa_node) && opts->numa_node)
		return -EINVAL;
	if (!ops_for(type))
		return -EINVAL;
	return 0;
}

static void arena_params(struct map_arena *p, uint32_t type, uint32_t key_size,
			 uint32_t value_size, uint32_t max_entries,
			 const struct xbpf_map_create_opts *opts)
{
	memset(p, 0, sizeof *p);
	p->magic = MAP_ARENA_MAGIC;
	p->version = 1;
	p->type = type;
	p->key_size = key_size;
	p->value_size = value_size;
	p->max_entries = max_entries;
	p->ncpus = map_is_percpu(type) ? xbpf_num_cpus() : 1;
	p->spin_lock_off = UINT32_MAX;
	p->data_off = map_round_up(sizeof *p, MAP_PAGE);
	if (!opts)
		return;
	p->map_flags = opts->map_flags;
	if (opts->name)
		strncpy(p->name, opts->name, sizeof p->name - 1);
	if (opts->sz > offsetof(struct xbpf_map_create_opts, perf_buf_size))
		p->perf_buf_size = opts->perf_buf_size;
	if (opts->sz > offsetof(struct xbpf_map_create_opts, spin_lock_off) &&
	    opts->has_spin_lock)
		p->spin_lock_off = opts->spin_lock_off;
}

static int inner_template(struct xbpf_map *m, const struct xbpf_map_create_opts *opts)
{
	const struct xbpf_map *t = opts ? opts->inner_map : NULL;
	if (!t || !map_valid(t))
		return -EINVAL;   /* the kernel: inner_map_fd is not a map */
	if (t->type == XBPF_MAP_TYPE_PROG_ARRAY || t->type == XBPF_MAP_TYPE_ARRAY_OF_MAPS ||
	    t->type == XBPF_MAP_TYPE_HASH_OF_MAPS)
		return -EINVAL;
	m->inner_type = t->type;
	m->inner_key_size = t->key_size;
	m->inner_value_size = t->value_size;
	m->inner_max_entries = t->max_entries;
	m->inner_flags = t->map_flags;
	return 0;
}

bool map_inner_ok(const struct xbpf_map *m, const struct xbpf_map *in)
{
	if (!map_valid(in) || in->type != m->inner_type || in->key_size != m->inner_key_size ||
	    in->value_size != m->inner_value_size || in->map_flags != m->inner_flags)
		return false;
	/* BPF_F_INNER_MAP on the template lets max_entries differ */
	return (m->inner_flags & XBPF_F_INNER_MAP) || in->max_entries == m->inner_max_entries;
}

int map_inner_get(const struct xbpf_map *m, const void *value, struct xbpf_map **in)
{
	uint32_t id;
	memcpy(&id, value, 4);
	*in = map_by_id(id);
	if (!*in)
		return -EBADF;
	if (!map_inner_ok(m, *in))
		return -EINVAL;
	vm_map_get(*in);
	return 0;
}

static struct xbpf_map *create_fail(struct xbpf_map *m, int fd, int err)
{
	if (m)
		handle_free(m);
	else if (fd >= 0)
		close(fd);
	errno = err < 0 ? -err : err;
	return NULL;
}

struct xbpf_map *xbpf_map__create(enum xbpf_map_type type, uint32_t key_size,
				  uint32_t value_size, uint32_t max_entries,
				  const struct xbpf_map_create_opts *opts)
{
	struct map_arena p;
	if ((unsigned)type >= XBPF_MAP_TYPE__COUNT)
		return create_fail(NULL, -1, -EINVAL);
	arena_params(&p, type, key_size, value_size, max_entries, opts);
	int err = common_checks(type, &p, opts);
	const struct map_ops *ops = ops_for(type);
	if (!err)
		err = ops->check(&p);
	if (!err && p.spin_lock_off != UINT32_MAX &&
	    (p.spin_lock_off % 4 || (uint64_t)p.spin_lock_off + 4 > value_size))
		err = -EINVAL;
	if (!err)
		err = ops->layout(&p);
	if (err)
		return create_fail(NULL, -1, err);
	bool shareable = type != XBPF_MAP_TYPE_PROG_ARRAY &&
			 type != XBPF_MAP_TYPE_ARRAY_OF_MAPS &&
			 type != XBPF_MAP_TYPE_HASH_OF_MAPS;
	int fd = arena_file(p.file_size, shareable);
	if (fd < 0)
		return create_fail(NULL, -1, fd == -EFBIG ? -E2BIG : fd);
	struct xbpf_map *m = handle_new(fd, &p, shareable);
	if (!m)
		return create_fail(NULL, fd, errno == EINVAL ? -E2BIG : -errno);
	memcpy(m->a, &p, sizeof p);
	if (!(p.map_flags & MAP_F_ZERO_SEED) && type != XBPF_MAP_TYPE_RINGBUF &&
	    getrandom(&m->a->u.h.seed, sizeof m->a->u.h.seed, GRND_NONBLOCK) < 0)
		m->a->u.h.seed = (uint32_t)(uintptr_t)m;
	handle_params(m);
	if (ops->attach)
		ops->attach(m);
	if ((type == XBPF_MAP_TYPE_ARRAY_OF_MAPS || type == XBPF_MAP_TYPE_HASH_OF_MAPS) &&
	    (err = inner_template(m, opts)))
		return create_fail(m, -1, err);
	if (ops->init)
		ops->init(m);
	if ((err = reg_add(m)))
		return create_fail(m, -1, err);
	return m;
}

/* ---- references ------------------------------------------------------------------------- */
struct xbpf_map *xbpf_map__get(struct xbpf_map *map)
{
	if (map) {
		atomic_fetch_add(&map->usercnt, 1);
		atomic_fetch_add(&map->refcnt, 1);
	}
	return map;
}

void vm_map_get(struct xbpf_map *map)
{
	if (map)
		atomic_fetch_add(&map->refcnt, 1);
}

void vm_map_put(struct xbpf_map *map)
{
	if (map && atomic_fetch_sub(&map->refcnt, 1) == 1)
		handle_free(map);
}

void xbpf_map__put(struct xbpf_map *map)
{
	if (!map)
		return;
	if (atomic_fetch_sub(&map->usercnt, 1) == 1 && map->type == XBPF_MAP_TYPE_PROG_ARRAY &&
	    map->ops->release)
		map->ops->release(map);  /* empty the slots: breaks prog <-> array cycles */
	vm_map_put(map);
}

/* Programs address global data directly, frozen or not. */
void *vm_map_value_base(struct xbpf_map *map)
{
	if (!map_valid(map) || map->type != XBPF_MAP_TYPE_ARRAY || map->max_entries != 1)
		return NULL;
	return map->base + map->a->data_off;
}

size_t vm_map_value_size(struct xbpf_map *map)
{
	return vm_map_value_base(map) ? map->value_size : 0;
}

void *xbpf_map__value_base(struct xbpf_map *map)
{
	void *p = vm_map_value_base(map);
	if (p && !map_user_writable(map)) {
		errno = EPERM;   /* as a writable mmap() of a frozen map */
		return NULL;
	}
	if (!p)
		errno = EINVAL;
	return p;
}

const void *xbpf_map__value_base_ro(const struct xbpf_map *map)
{
	const void *p = vm_map_value_base((struct xbpf_map *)map);
	if (!p)
		errno = EINVAL;
	return p;
}

/* BPF_MAP_FREEZE: -EPERM when user space cannot write the map (frozen already or
 * XBPF_F_RDONLY: the kernel checks write permission first), -EINVAL for a bad map. */
int xbpf_map__freeze(struct xbpf_map *map)
{
	if (!map_valid(map))
		return -EINVAL;
	if (map->map_flags & XBPF_F_RDONLY)
		return -EPERM;
	uint32_t no = 0;
	if (!atomic_compare_exchange_strong(&map->a->frozen, &no, 1))
		return -EPERM;
	return 0;
}

bool xbpf_map__is_frozen(const struct xbpf_map *map)
{
	return map_valid(map) && atomic_load_explicit(&map->a->frozen, memory_order_acquire);
}

/* ---- accessors ---------------------------------------------------------------------------- */
enum xbpf_map_type xbpf_map__type(const struct xbpf_map *m) { return m->type; }
const char *xbpf_map__name(const struct xbpf_map *m) { return m->name; }
uint32_t xbpf_map__key_size(const struct xbpf_map *m) { return m->key_size; }
uint32_t xbpf_map__value_size(const struct xbpf_map *m) { return m->value_size; }
uint32_t xbpf_map__max_entries(const struct xbpf_map *m) { return m->max_entries; }
uint32_t xbpf_map__map_flags(const struct xbpf_map *m) { return m->map_flags; }
uint32_t xbpf_map__id(const struct xbpf_map *m) { return m->id; }
unsigned xbpf_map__num_cpus(const struct xbpf_map *m) { return m->ncpus; }

size_t xbpf_map__user_value_size(const struct xbpf_map *m)
{
	if (map_is_percpu(m->type))
		return (size_t)map_round8(m->value_size) * m->ncpus;
	return m->value_size;
}

/* ---- pinning ----------------------------------------------------------------------------- */
#define PIN_TEXT_MAGIC "XBPFPIN1\n"

int xbpf_map__pin(struct xbpf_map *map, const char *path)
{
	if (!map_valid(map) || !path || !*path)
		return -EINVAL;
	if (!map->shareable)
		return -EOPNOTSUPP;
	if (access(path, F_OK) == 0)
		return -EEXIST;
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", map->fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EXDEV && errno != ENOENT)
		return -errno;
	/* other file system (or a memfd arena): name the arena in the shm dir and write a
	 * small pin file pointing at it */
	char target[4096];
	snprintf(target, sizeof target, "%s/xbpf-pin-%d-%u-%lx", shm_dir(), (int)getpid(),
		 map->id, (unsigned long)random());
	if (linkat(AT_FDCWD, proc, AT_FDCWD, target, AT_SYMLINK_FOLLOW) < 0)
		return errno == ENOENT ? -EOPNOTSUPP : -errno;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = -errno;
		unlink(target);
		return err;
	}
	char buf[4200];
	int n = snprintf(buf, sizeof buf, "%s%s\n", PIN_TEXT_MAGIC, target);
	bool ok = write(fd, buf, (size_t)n) == n;
	close(fd);
	if (!ok) {
		unlink(path);
		unlink(target);
		return -EIO;
	}
	return 0;
}

/* Open the arena file a pin names: the pin itself or the file its text names. */
static int pin_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[4200];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n < (ssize_t)strlen(PIN_TEXT_MAGIC) || memcmp(buf, PIN_TEXT_MAGIC,
							   strlen(PIN_TEXT_MAGIC)))
		return fd;
	close(fd);
	buf[n] = 0;
	char *t = buf + strlen(PIN_TEXT_MAGIC);
	t[strcspn(t, "\n")] = 0;
	fd = open(t, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int xbpf_map__unpin(struct xbpf_map *map, const char *path)
{
	(void)map;
	if (!path)
		return -EINVAL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[4200];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	if (n > (ssize_t)strlen(PIN_TEXT_MAGIC) &&
	    !memcmp(buf, PIN_TEXT_MAGIC, strlen(PIN_TEXT_MAGIC))) {
		buf[n] = 0;
		char *t = buf + strlen(PIN_TEXT_MAGIC);
		t[strcspn(t, "\n")] = 0;
		unlink(t);
	}
	return unlink(path) < 0 ? -errno : 0;
}

/* Validate a header read from an untrusted file against its size. */
static int arena_hdr_ok(const struct map_arena *p, uint64_t fsize)
{
	if (p->magic != MAP_ARENA_MAGIC || p->version != 1 || p->type >= XBPF_MAP_TYPE__COUNT ||
	    !ops_for(p->type) || p->file_size != fsize || p->data_off > fsize ||
	    p->map_size < fsize || p->ncpus < 1 || p->ncpus > XBPF_MAX_CPUS)
		return -EINVAL;
	struct map_arena q = *p;   /* recompute the layout: the header must be consistent */
	if (ops_for(p->type)->check(&q) || ops_for(p->type)->layout(&q) ||
	    q.file_size != p->file_size || q.map_size != p->map_size ||
	    q.data_off != p->data_off)
		return -EINVAL;
	/* the layout half of the type-specific header must be the computed one */
	bool same;
	switch (p->type) {
	case XBPF_MAP_TYPE_LPM_TRIE: same = q.u.lpm.elem_size == p->u.lpm.elem_size; break;
	case XBPF_MAP_TYPE_RINGBUF: same = q.u.rb.mask == p->u.rb.mask; break;
	case XBPF_MAP_TYPE_PERF_EVENT_ARRAY: same = q.u.pe.slots_off == p->u.pe.slots_off; break;
	default:
		same = ops_for(p->type) != &map_hash_ops ||
		       (q.u.h.nbuckets == p->u.h.nbuckets && q.u.h.elem_size == p->u.h.elem_size &&
			q.u.h.buckets_off == p->u.h.buckets_off &&
			q.u.h.elems_off == p->u.h.elems_off);
	}
	return same ? 0 : -EINVAL;
}

struct xbpf_map *xbpf_map__open_pinned(const char *path)
{
	if (!path)
		return create_fail(NULL, -1, -EINVAL);
	int fd = pin_open(path);
	if (fd < 0)
		return create_fail(NULL, -1, fd);
	struct map_arena p;
	off_t fsize = lseek(fd, 0, SEEK_END);
	if (fsize < (off_t)sizeof p || pread(fd, &p, sizeof p, 0) != (ssize_t)sizeof p ||
	    arena_hdr_ok(&p, (uint64_t)fsize))
		return create_fail(NULL, fd, -EINVAL);
	struct xbpf_map *m = handle_new(fd, &p, true);
	if (!m)
		return create_fail(NULL, fd, -errno);
	handle_params(m);
	if (m->ops->attach)
		m->ops->attach(m);
	int err = reg_add(m);
	if (err)
		return create_fail(m, -1, err);
	return m;
}
