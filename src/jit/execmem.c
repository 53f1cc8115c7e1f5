/* execmem.c - the JIT's executable memory: a process-wide pool of code pages.
 *
 * W^X: no page is ever writable and executable at once. Two ways of getting there, chosen
 * once per chunk of the pool:
 *
 *  - memfd (the default where Linux allows it): a chunk is a memfd mapped PROT_READ |
 *    PROT_EXEC only; the process never has a writable view of it. A compile writes its
 *    image into a staging buffer and pwrite()s it into the file at the pages it took, which
 *    the executable view shows at once. A compile costs one pwrite() and a free no system
 *    call at all: no mprotect(), so no VMA split or merge and no TLB shootdown (which is
 *    what made sealing cost ~20 us per image here). Instruction fetch stays coherent with
 *    the kernel's write (x86 snoops code lines by physical address); a page is only
 *    rewritten after its image was freed, when nothing can be executing it.
 *  - anonymous pages + mprotect (fallback, or XBPF_JIT_EXECMEM=mprotect): a page is RW
 *    while free or being written, sealed RX once written, turned back to RW when freed.
 *
 * The pool is a list of chunks of POOL_PAGES pages tracked by a bitmap of pages in use.
 * Images larger than POOL_MAX_PAGES get an anonymous mapping of their own. A chunk that
 * becomes empty is unmapped unless it is the only empty one (so that a load/free cycle
 * does not map and unmap each time).
 *
 * fork(): a memfd chunk is MAP_SHARED, so a child would see the parent rewrite a page
 * that the child still executes. pthread_atfork() handlers keep the pool coherent: the
 * lock is held across fork(); the child copies the pages in use into a memfd of its own
 * and maps it over the old one; until every child has done so (a counter in a shared
 * page), the parent holds back pages it frees instead of reusing them. A child that cannot
 * make its copy never decrements the counter (the parent then never reuses a freed page)
 * and stops allocating from the shared chunks.
 *
 * Module prefix: jit_exec_ (hidden).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "jit.h"

#define POOL_PAGES 256u        /* pages per chunk (1 MiB with 4 KiB pages) */
#define POOL_MAX_PAGES 64u     /* larger images get their own mapping */
#define POOL_WORDS (POOL_PAGES / 64)

struct chunk {
	uint8_t *base;             /* the executable view */
	int fd;                    /* the memfd behind it, or -1 (anonymous, mprotect) */
	bool foreign;              /* still shared with the parent (a failed fork copy) */
	uint64_t used[POOL_WORDS]; /* bit p: page p holds an image (or is held back) */
	uint64_t held[POOL_WORDS]; /* bit p: freed while a forked child may still copy it */
	unsigned nused;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *chunks;
static size_t nchunks, chunks_cap;
static size_t page_size;
static unsigned nheld;            /* pages held back, all chunks */
static int memfd_ok = -1;         /* -1 not tried yet, 0 no (mprotect), 1 yes */
static atomic_int *forks_copying; /* shared page: children that have not made their copy */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void);
static void fork_parent(void);
static void fork_child(void);

static void pool_init(void)
{
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* ---- page bitmaps ---------------------------------------------------------------------- */

static bool bit(const uint64_t *w, unsigned p)
{
	return w[p / 64] >> (p % 64) & 1;
}

static void set_bits(uint64_t *w, unsigned first, unsigned cnt, bool on)
{
	for (unsigned p = first; p < first + cnt; p++) {
		if (on)
			w[p / 64] |= 1ull << (p % 64);
		else
			w[p / 64] &= ~(1ull << (p % 64));
	}
}

static void mark_pages(struct chunk *ch, unsigned first, unsigned cnt, bool used)
{
	set_bits(ch->used, first, cnt, used);
	ch->nused = used ? ch->nused + cnt : ch->nused - cnt;
}

/* First run of `cnt` free pages in ch, or -1. */
static int find_run(const struct chunk *ch, unsigned cnt)
{
	unsigned run = 0;
	for (unsigned p = 0; p < POOL_PAGES; p++) {
		if (!(p % 64) && !ch->used[p / 64] && p + 64 <= POOL_PAGES) {
			run += 64;      /* a whole free word */
			p += 63;
		} else {
			run = bit(ch->used, p) ? 0 : run + 1;
		}
		if (run >= cnt)
			return (int)(p + 1 - run);
	}
	return -1;
}

/* ---- chunks ----------------------------------------------------------------------------- */

static bool memfd_wanted(void)
{
	const char *e = getenv("XBPF_JIT_EXECMEM");
	return !e || strcmp(e, "mprotect") != 0;
}

/* A new memfd, or -1 with errno set. */
static int new_memfd(void)
{
#ifdef MFD_CLOEXEC
	return memfd_create("xbpf-jit", MFD_CLOEXEC);
#else
	errno = ENOSYS; /* no memfd on this system: the mprotect pool is used */
	return -1;
#endif
}

/* A memfd of `len` bytes mapped read+execute: the mapping or MAP_FAILED, *fd its
 * descriptor. */
static void *memfd_map(size_t len, int *fd)
{
	*fd = new_memfd();
	if (*fd < 0)
		return MAP_FAILED;
	void *p = MAP_FAILED;
	if (!ftruncate(*fd, (off_t)len))
		p = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_SHARED, *fd, 0);
	if (p == MAP_FAILED) {
		close(*fd);
		*fd = -1;
	}
	return p;
}

/* The counter forked children decrement once they have their own copy (pool_lock held). */
static bool forks_counter(void)
{
	if (forks_copying)
		return true;
	void *p = mmap(NULL, sizeof *forks_copying, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	forks_copying = p;
	return true;
}

/* Map a chunk's pages: a memfd when allowed and working, else anonymous RW pages. */
static bool chunk_map(struct chunk *ch)
{
	size_t len = POOL_PAGES * page_size;
	if (memfd_ok < 0)
		memfd_ok = memfd_wanted() && forks_counter();
	if (memfd_ok) {
		void *p = memfd_map(len, &ch->fd);
		if (p != MAP_FAILED) {
			ch->base = p;
			return true;
		}
		memfd_ok = 0; /* e.g. memfd_create refused, or exec mappings of it forbidden */
	}
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	ch->base = p;
	ch->fd = -1;
	return true;
}

/* A new chunk (pool_lock held); NULL when out of memory. */
static struct chunk *add_chunk(void)
{
	if (nchunks == chunks_cap) {
		size_t cap = chunks_cap ? 2 * chunks_cap : 8;
		struct chunk *p = realloc(chunks, cap * sizeof *p);
		if (!p)
			return NULL;
		chunks = p;
		chunks_cap = cap;
	}
	struct chunk ch = {0};
	if (!chunk_map(&ch))
		return NULL;
	chunks[nchunks] = ch;
	return &chunks[nchunks++];
}

static void chunk_unmap(struct chunk *ch)
{
	munmap(ch->base, POOL_PAGES * page_size);
	if (ch->fd >= 0)
		close(ch->fd);
}

/* Unmap ch if it is empty and another chunk is empty too (pool_lock held). */
static void maybe_unmap(struct chunk *ch)
{
	if (ch->nused || ch->foreign)
		return;
	for (size_t i = 0; i < nchunks; i++) {
		if (&chunks[i] != ch && !chunks[i].nused && !chunks[i].foreign) {
			chunk_unmap(ch);
			*ch = chunks[--nchunks];
			return;
		}
	}
}

/* Give ch's held-back pages back to the pool (pool_lock held). */
static void unhold(struct chunk *ch)
{
	for (unsigned w = 0; w < POOL_WORDS; w++) {
		ch->nused -= (unsigned)__builtin_popcountll(ch->held[w]);
		ch->used[w] &= ~ch->held[w];
		ch->held[w] = 0;
	}
}

/* Pages held back for forked children go back to the pool once no child is still copying
 * (pool_lock held). */
static void release_held(void)
{
	if (!nheld || atomic_load(forks_copying))
		return;
	for (size_t i = 0; i < nchunks; i++)
		unhold(&chunks[i]);
	nheld = 0;
	for (size_t i = nchunks; i-- > 0;)
		maybe_unmap(&chunks[i]);
}

/* ---- taking and giving back pages ------------------------------------------------------ */

/* Take `cnt` pages from the pool (pool_lock held); NULL when out of memory. */
static void *pool_take(unsigned cnt, struct chunk **owner)
{
	release_held();
	for (size_t i = 0; i < nchunks; i++) {
		struct chunk *ch = &chunks[i];
		int first = !ch->foreign && POOL_PAGES - ch->nused >= cnt ? find_run(ch, cnt) : -1;
		if (first >= 0) {
			mark_pages(ch, (unsigned)first, cnt, true);
			*owner = ch;
			return ch->base + (size_t)first * page_size;
		}
	}
	struct chunk *ch = add_chunk();
	if (!ch)
		return NULL;
	mark_pages(ch, 0, cnt, true);
	*owner = ch;
	return ch->base;
}

int jit_exec_take(size_t len, struct jit_exec_room *room)
{
	pthread_once(&init_once, pool_init);
	size_t pages = len ? (len + page_size - 1) / page_size : 1;
	memset(room, 0, sizeof *room);
	room->size = pages * page_size;
	struct chunk *ch = NULL;
	if (pages <= POOL_MAX_PAGES) {
		pthread_mutex_lock(&pool_lock);
		room->exec = pool_take((unsigned)pages, &ch);
		pthread_mutex_unlock(&pool_lock);
	} else {
		void *p = mmap(NULL, room->size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		room->exec = p == MAP_FAILED ? NULL : p;
	}
	if (!room->exec)
		return -ENOMEM;
	room->wr = room->exec;
	if (ch && ch->fd >= 0) {
		/* the chunk is never writable here: stage the image, pwrite() it at seal */
		room->fd = ch->fd;
		room->off = (size_t)(room->exec - ch->base);
		room->wr = malloc(room->size);
		if (!room->wr) {
			jit_exec_free(room->exec, room->size);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Write all of buf at off (pwrite may write less than asked). */
static int write_all(int fd, const uint8_t *buf, size_t len, size_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
		off += (size_t)n;
	}
	return 0;
}

int jit_exec_seal(struct jit_exec_room *room)
{
	int err;
	if (room->wr != room->exec) {
		err = write_all(room->fd, room->wr, room->size, room->off);
		free(room->wr);
		room->wr = room->exec;
	} else {
		err = mprotect(room->exec, room->size, PROT_READ | PROT_EXEC) ? -errno : 0;
	}
	if (err)
		jit_exec_free(room->exec, room->size);
	return err;
}

void jit_exec_drop(struct jit_exec_room *room)
{
	if (room->wr != room->exec)
		free(room->wr);
	jit_exec_free(room->exec, room->size);
	memset(room, 0, sizeof *room);
}

/* The chunk holding p (pool_lock held), or NULL. */
static struct chunk *chunk_of(const uint8_t *p)
{
	for (size_t i = 0; i < nchunks; i++)
		if (p >= chunks[i].base && p < chunks[i].base + POOL_PAGES * page_size)
			return &chunks[i];
	return NULL;
}

void jit_exec_free(void *exec, size_t size)
{
	if (!exec)
		return;
	/* an image may start inside its first page: free its whole pages */
	uint8_t *p = (uint8_t *)((uintptr_t)exec & ~(uintptr_t)(page_size - 1));
	size = (size + (size_t)((uint8_t *)exec - p) + page_size - 1) & ~(page_size - 1);
	pthread_mutex_lock(&pool_lock);
	struct chunk *ch = chunk_of(p);
	if (!ch) {
		pthread_mutex_unlock(&pool_lock);
		munmap(p, size);
		return;
	}
	unsigned first = (unsigned)(((uint8_t *)p - ch->base) / page_size);
	unsigned cnt = (unsigned)(size / page_size);
	if (ch->foreign) {
		/* shared with the parent: its pages are never written again from here */
	} else if (ch->fd >= 0 && atomic_load(forks_copying)) {
		set_bits(ch->held, first, cnt, true); /* a child may still be copying it */
		nheld += cnt;
	} else if (ch->fd >= 0 ||
		   !mprotect(p, size, PROT_READ | PROT_WRITE)) { /* RW before reuse */
		mark_pages(ch, first, cnt, false);
		maybe_unmap(ch);
	} /* else: mprotect failed, the pages stay out of the pool */
	pthread_mutex_unlock(&pool_lock);
}

/* ---- fork ------------------------------------------------------------------------------- */

static bool any_memfd_chunk(void)
{
	for (size_t i = 0; i < nchunks; i++)
		if (chunks[i].fd >= 0 && !chunks[i].foreign)
			return true;
	return false;
}

/* fork() while another thread holds pool_lock would leave the child's copy locked forever:
 * take the lock around fork(); count the child as copying when there are shared chunks. */
static void fork_prepare(void)
{
	pthread_mutex_lock(&pool_lock);
	if (any_memfd_chunk())
		atomic_fetch_add(forks_copying, 1);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&pool_lock);
}

/* In the child: copy ch's pages in use into a new memfd mapped over the old view. */
static bool privatize(struct chunk *ch)
{
	size_t len = POOL_PAGES * page_size;
	int fd = new_memfd();
	if (fd < 0 || ftruncate(fd, (off_t)len)) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	for (unsigned p = 0; p < POOL_PAGES; p++) {
		if (bit(ch->used, p) && !bit(ch->held, p) &&
		    write_all(fd, ch->base + (size_t)p * page_size, page_size,
			      (size_t)p * page_size)) {
			close(fd);
			return false;
		}
	}
	if (mmap(ch->base, len, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, fd, 0) ==
	    MAP_FAILED) {
		close(fd);
		return false;
	}
	close(ch->fd);
	ch->fd = fd;
	unhold(ch); /* pages the parent held back are not this process's images */
	return true;
}

static void fork_child(void)
{
	bool counted = any_memfd_chunk(), ok = true;
	for (size_t i = 0; i < nchunks; i++) {
		struct chunk *ch = &chunks[i];
		if (ch->fd < 0 || ch->foreign)
			continue;
		if (!privatize(ch)) {
			ch->foreign = true; /* keep executing the shared pages, never write them */
			ok = false;
		}
	}
	nheld = 0;
	/* on failure the counter stays up: the parent never reuses a freed page again */
	if (counted && ok)
		atomic_fetch_sub(forks_copying, 1);
	pthread_mutex_unlock(&pool_lock);
}
