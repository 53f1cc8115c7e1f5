/* execmem.c - the JIT's executable memory: a process-wide pool of code pages, so that a
 * compile costs one mprotect() instead of mmap() + page faults + mprotect() (and a free one
 * mprotect() instead of munmap()).
 *
 * W^X holds page by page: a page of the pool is either PROT_READ|PROT_WRITE (free, or
 * being written by the compile that took it) or PROT_READ|PROT_EXEC (a sealed image); never
 * both. A compile takes whole pages, writes its image (and int3 to the end of its last
 * page) while they are RW, then seals them RX. Freeing an image turns its pages back to RW
 * before they return to the pool; they are written in full again before the next seal.
 *
 * The pool is a list of chunks of POOL_PAGES pages, each mapped once (not populated: a
 * page costs memory and one page fault the first time an image uses it, never again when
 * it is reused) and tracked by a bitmap of pages in use. Images larger than
 * POOL_MAX_PAGES get a mapping of their own. A chunk that becomes empty is unmapped unless
 * it is the only empty one (so that a load/free cycle does not map and unmap each time).
 *
 * A pthread_atfork() handler holds pool_lock across fork(), so a child forked while another
 * thread was inside the pool starts with the lock free.
 *
 * Module prefix: jit_exec_ (hidden).
 */
#include <errno.h>
#include <pthread.h>
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
	uint8_t *base;
	uint64_t used[POOL_WORDS]; /* bit p: page p holds an image */
	unsigned nused;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *chunks;
static size_t nchunks, chunks_cap;
static size_t page_size;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* fork() while another thread holds pool_lock would leave the child's copy locked forever:
 * take the lock around fork() so that both sides start with it free and the pool coherent. */
static void fork_prepare(void)
{
	pthread_mutex_lock(&pool_lock);
}

static void fork_release(void)
{
	pthread_mutex_unlock(&pool_lock);
}

static void install_atfork(void)
{
	pthread_atfork(fork_prepare, fork_release, fork_release);
}

static bool page_used(const struct chunk *ch, unsigned p)
{
	return ch->used[p / 64] >> (p % 64) & 1;
}

static void mark_pages(struct chunk *ch, unsigned first, unsigned cnt, bool used)
{
	for (unsigned p = first; p < first + cnt; p++) {
		if (used)
			ch->used[p / 64] |= 1ull << (p % 64);
		else
			ch->used[p / 64] &= ~(1ull << (p % 64));
	}
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
			run = page_used(ch, p) ? 0 : run + 1;
		}
		if (run >= cnt)
			return (int)(p + 1 - run);
	}
	return -1;
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
	void *base = mmap(NULL, POOL_PAGES * page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	struct chunk *ch = &chunks[nchunks++];
	memset(ch, 0, sizeof *ch);
	ch->base = base;
	return ch;
}

/* Take `cnt` pages from the pool (pool_lock held); NULL when out of memory. */
static void *pool_take(unsigned cnt)
{
	for (size_t i = 0; i < nchunks; i++) {
		struct chunk *ch = &chunks[i];
		int first = POOL_PAGES - ch->nused >= cnt ? find_run(ch, cnt) : -1;
		if (first >= 0) {
			mark_pages(ch, (unsigned)first, cnt, true);
			return ch->base + (size_t)first * page_size;
		}
	}
	struct chunk *ch = add_chunk();
	if (!ch)
		return NULL;
	mark_pages(ch, 0, cnt, true);
	return ch->base;
}

void *jit_exec_alloc(size_t len, size_t *size)
{
	pthread_once(&atfork_once, install_atfork);
	pthread_mutex_lock(&pool_lock);
	if (!page_size)
		page_size = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (len + page_size - 1) / page_size;
	if (!pages)
		pages = 1;
	*size = pages * page_size;
	void *p = pages <= POOL_MAX_PAGES ? pool_take((unsigned)pages) : NULL;
	pthread_mutex_unlock(&pool_lock);
	if (!p && pages > POOL_MAX_PAGES) {
		p = mmap(NULL, *size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (p == MAP_FAILED)
			p = NULL;
	}
	if (!p)
		errno = ENOMEM;
	return p;
}

int jit_exec_seal(void *p, size_t size)
{
	return mprotect(p, size, PROT_READ | PROT_EXEC) ? -errno : 0;
}

/* The chunk holding p (pool_lock held), or NULL. */
static struct chunk *chunk_of(const uint8_t *p)
{
	for (size_t i = 0; i < nchunks; i++)
		if (p >= chunks[i].base && p < chunks[i].base + POOL_PAGES * page_size)
			return &chunks[i];
	return NULL;
}

/* Unmap ch if it is empty and another chunk is empty too (pool_lock held). */
static void maybe_unmap(struct chunk *ch)
{
	if (ch->nused)
		return;
	for (size_t i = 0; i < nchunks; i++) {
		if (&chunks[i] != ch && !chunks[i].nused) {
			munmap(ch->base, POOL_PAGES * page_size);
			*ch = chunks[--nchunks];
			return;
		}
	}
}

void jit_exec_free(void *p, size_t size)
{
	if (!p)
		return;
	pthread_mutex_lock(&pool_lock);
	struct chunk *ch = chunk_of(p);
	if (!ch) {
		pthread_mutex_unlock(&pool_lock);
		munmap(p, size);
		return;
	}
	/* back to RW before the pages can be taken again (never writable while executable);
	 * if that fails the pages stay out of the pool */
	if (!mprotect(p, size, PROT_READ | PROT_WRITE)) {
		mark_pages(ch, (unsigned)(((uint8_t *)p - ch->base) / page_size),
			   (unsigned)(size / page_size), false);
		maybe_unmap(ch);
	}
	pthread_mutex_unlock(&pool_lock);
}
