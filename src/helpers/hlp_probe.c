/* hlp_probe.c - bpf_probe_read{,_user,_kernel}{,_str}: reads of arbitrary addresses that
 * never crash. A bad address gives -EFAULT with the destination zeroed, exactly as the
 * kernel's helpers do; the _str variants return the length including the NUL and always
 * terminate (a string that fills the buffer is cut at size-1 and returns size).
 *
 * How reads stay safe: memory inside the run's own regions (stack, context, packet, map
 * values) is copied directly. Anything else goes through process_vm_readv() on our own
 * process, which reports EFAULT instead of faulting; where that system call is refused
 * (seccomp, ENOSYS), through write() into a pipe, which does the same. No signal handler
 * is involved. Strings are read page by page so a NUL before an unmapped page is found.
 * In userspace "user" and "kernel" memory are the same address space; the _str variants
 * differ in one detail the kernel shows: the user one (and probe_read_str, which x86 sends
 * to it for user addresses) copies whole words, so the bytes after the NUL up to the end
 * of its 8-byte word come back zeroed; the kernel one writes nothing past the NUL.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "helpers.h"

#define HLP_PAGE 4096u

/* One pipe for the process (only used where process_vm_readv is refused), used under a
 * lock so concurrent runs never read each other's bytes. */
static int pipe_fd[2] = {-1, -1};
static pthread_mutex_t pipe_lock = PTHREAD_MUTEX_INITIALIZER;

/* Read through a pipe: write() validates the source address. */
static int read_via_pipe_locked(void *dst, uint64_t src, size_t size)
{
	if (pipe_fd[0] < 0 && pipe2(pipe_fd, O_NONBLOCK | O_CLOEXEC))
		return -EFAULT;
	while (size) {
		size_t n = size < HLP_PAGE ? size : HLP_PAGE;
		/* the raw system call: a sanitizer's write() wrapper would itself read src */
		ssize_t w = syscall(SYS_write, pipe_fd[1], (const void *)(uintptr_t)src, n);
		if (w <= 0)
			return -EFAULT;
		ssize_t r = read(pipe_fd[0], dst, (size_t)w);
		if (r != w)
			return -EFAULT;
		dst = (uint8_t *)dst + w;
		src += (uint64_t)w;
		size -= (size_t)w;
	}
	return 0;
}

static int read_via_pipe(void *dst, uint64_t src, size_t size)
{
	pthread_mutex_lock(&pipe_lock);
	int err = read_via_pipe_locked(dst, src, size);
	pthread_mutex_unlock(&pipe_lock);
	return err;
}

static _Atomic int no_vm_readv;

void hlp_probe_use_pipe(bool on) { no_vm_readv = on; }

static int read_other(void *dst, uint64_t src, size_t size)
{
	if (src + size < src)
		return -EFAULT;
	if (!no_vm_readv) {
		struct iovec local = {dst, size}, remote = {(void *)(uintptr_t)src, size};
		ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
		if (n == (ssize_t)size)
			return 0;
		if (n >= 0 || errno == EFAULT)
			return -EFAULT;
		if (errno != ENOSYS && errno != EPERM)
			return -EFAULT;
		no_vm_readv = 1;
	}
	return read_via_pipe(dst, src, size);
}

int hlp_read_safe(struct xbpf_run_ctx *rc, void *dst, uint64_t src, size_t size)
{
	if (!size)
		return 0;
	if (rc && xbpf_run_ctx__check(rc, src, size, false)) {
		memmove(dst, (const void *)(uintptr_t)src, size);
		return 0;
	}
	return read_other(dst, src, size);
}

long hlp_read_str_safe(struct xbpf_run_ctx *rc, char *dst, uint64_t src, size_t size)
{
	char tmp[256];
	size_t done = 0;
	while (done < size) {
		/* within one page (all readable or not) and no more than tmp holds */
		uint64_t addr = src + done;
		size_t n = HLP_PAGE - (size_t)(addr % HLP_PAGE);
		if (n > size - done)
			n = size - done;
		if (n > sizeof tmp)
			n = sizeof tmp;
		if (hlp_read_safe(rc, tmp, addr, n))
			return -EFAULT;
		char *nul = memchr(tmp, 0, n);
		size_t take = nul ? (size_t)(nul - tmp) + 1 : n;
		memcpy(dst + done, tmp, take); /* nothing past the NUL is written */
		if (nul)
			return (long)(done + take);
		done += n;
	}
	dst[size - 1] = '\0';
	return (long)size;
}

/* The _kernel variants refuse user-space addresses with -ERANGE (copy_from_kernel_nofault
 * _allowed). Here all memory is the process's; what stands for "user space" is the low
 * range no mapping can have (below mmap_min_addr's default, 64 KiB), NULL included. */
#define KERNEL_MIN_ADDR 0x10000u

/* (void *dst, u32 size, const void *unsafe_ptr) */
static uint64_t probe_read(const char *name, uint64_t r1, uint64_t r2, uint64_t r3,
			   struct xbpf_run_ctx *rc, bool kernel)
{
	uint32_t size = (uint32_t)r2;
	if (!hlp_mem_ok(rc, name, 1, r1, size, true))
		return HLP_ERR(EFAULT);
	void *dst = (void *)(uintptr_t)r1;
	int err = kernel && r3 < KERNEL_MIN_ADDR ? -ERANGE : hlp_read_safe(rc, dst, r3, size);
	if (err) {
		memset(dst, 0, size);
		return HLP_ERR(-err);
	}
	return 0;
}

/* strncpy_from_user() copies 8-byte words while 8 or more bytes remain, writing the word
 * that holds the NUL with its bytes after the NUL zeroed: do the same. */
static void user_str_tail(char *dst, long n, uint32_t size)
{
	size_t nul = (size_t)n - 1, word = nul / 8 * 8;
	if (word + 8 <= size)
		memset(dst + nul + 1, 0, word + 8 - nul - 1);
}

static uint64_t probe_read_str(const char *name, uint64_t r1, uint64_t r2, uint64_t r3,
			       struct xbpf_run_ctx *rc, bool user)
{
	uint32_t size = (uint32_t)r2;
	if (!hlp_mem_ok(rc, name, 1, r1, size, true))
		return HLP_ERR(EFAULT);
	if (!size)
		return 0;
	char *dst = (char *)(uintptr_t)r1;
	long n = !user && r3 < KERNEL_MIN_ADDR ? -ERANGE : hlp_read_str_safe(rc, dst, r3, size);
	if (n < 0) {
		memset(dst, 0, size);
		return (uint64_t)(int64_t)n;
	}
	if (user && (uint32_t)n < size)
		user_str_tail(dst, n, size);
	return (uint64_t)n;
}

uint64_t hlp_probe_read(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct xbpf_run_ctx *rc)
{
	return probe_read("bpf_probe_read", r1, r2, r3, rc, false);
}

uint64_t hlp_probe_read_user(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	return probe_read("bpf_probe_read_user", r1, r2, r3, rc, false);
}

uint64_t hlp_probe_read_kernel(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			       struct xbpf_run_ctx *rc)
{
	return probe_read("bpf_probe_read_kernel", r1, r2, r3, rc, true);
}

uint64_t hlp_probe_read_str(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct xbpf_run_ctx *rc)
{
	return probe_read_str("bpf_probe_read_str", r1, r2, r3, rc, true);
}

uint64_t hlp_probe_read_user_str(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct xbpf_run_ctx *rc)
{
	return probe_read_str("bpf_probe_read_user_str", r1, r2, r3, rc, true);
}

uint64_t hlp_probe_read_kernel_str(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5, struct xbpf_run_ctx *rc)
{
	return probe_read_str("bpf_probe_read_kernel_str", r1, r2, r3, rc, false);
}
