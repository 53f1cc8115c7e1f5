/* hlp_misc.c - process, random, string, number-parsing, loop and checksum helpers with the
 * kernel's semantics: bpf_get_prandom_u32, get_smp_processor_id (the run's worker slot),
 * get_numa_node_id, get_current_pid_tgid/uid_gid/comm (the calling thread), get_func_ip
 * (from the program context), strncmp, strtol, strtoul, loop and csum_diff.
 *
 * Return values follow the kernel helpers exactly (e.g. strncmp gives -1/0/1 like the
 * kernel's lib/string.c; strtol/strtoul give the number of characters consumed).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "helpers.h"
#include "../ctx/ctx.h"
#include "../vm/vm_internal.h"

/* ---- process and CPU ---------------------------------------------------------------- */

static _Thread_local uint64_t rnd_state;

uint64_t hlp_get_prandom_u32(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	if (!rnd_state) {
		if (getrandom(&rnd_state, sizeof rnd_state, GRND_NONBLOCK) != sizeof rnd_state)
			rnd_state = (uint64_t)time(NULL) ^ ((uint64_t)gettid() << 32);
		rnd_state |= 1;
	}
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)((rnd_state * 0x2545F4914F6CDD1Dull) >> 32);
}

uint64_t hlp_get_smp_processor_id(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct xbpf_run_ctx *rc)
{
	return rc->cpu;
}

uint64_t hlp_get_numa_node_id(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct xbpf_run_ctx *rc)
{
	return 0;
}

uint64_t hlp_get_current_pid_tgid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5, struct xbpf_run_ctx *rc)
{
	return ((uint64_t)(uint32_t)getpid() << 32) | (uint32_t)gettid();
}

uint64_t hlp_get_current_uid_gid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct xbpf_run_ctx *rc)
{
	return ((uint64_t)getgid() << 32) | (uint32_t)getuid();
}

/* (void *buf, u32 size): the thread's name, strscpy_pad'ed into buf. */
uint64_t hlp_get_current_comm(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct xbpf_run_ctx *rc)
{
	uint32_t size = (uint32_t)r2;
	if (!hlp_mem_ok(rc, "bpf_get_current_comm", 1, r1, size, true))
		return HLP_ERR(EFAULT);
	if (!size)
		return HLP_ERR(EINVAL);
	char comm[17] = {0};
	prctl(PR_GET_NAME, comm, 0, 0, 0);
	char *buf = (char *)(uintptr_t)r1;
	size_t n = strnlen(comm, 16);
	if (n > size - 1)
		n = size - 1;
	memcpy(buf, comm, n);
	memset(buf + n, 0, size - n);
	return 0;
}

/* (void *ctx): the traced function's address, as the context recorded it (kprobe: the
 * pt_regs ip the run was given); 0 elsewhere. */
uint64_t hlp_get_func_ip(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = ctx_of(rc);
	return st ? st->func_ip : 0;
}

/* ---- strings and numbers ---------------------------------------------------------------- */

/* (const char *s1, u32 s1_sz, const char *s2): the kernel's strncmp(s1, s2, s1_sz). */
uint64_t hlp_strncmp(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		     struct xbpf_run_ctx *rc)
{
	uint32_t n = (uint32_t)r2;
	if (!hlp_mem_ok(rc, "bpf_strncmp", 1, r1, n, false))
		return HLP_ERR(EFAULT);
	const unsigned char *a = (const void *)(uintptr_t)r1, *b = (const void *)(uintptr_t)r3;
	for (uint32_t i = 0; i < n; i++) {
		if (!hlp_mem_ok(rc, "bpf_strncmp", 3, r3 + i, 1, false))
			return HLP_ERR(EFAULT);
		if (a[i] != b[i])
			return a[i] < b[i] ? (uint64_t)-1 : 1;
		if (!a[i])
			break;
	}
	return 0;
}

#define STRTOX_BASE_MASK 0x1Fu
#define STRTOX_OVERFLOW (1u << 31)

/* The kernel's _parse_integer_fixup_radix + _parse_integer on a NUL-terminated copy:
 * returns the digits consumed (| STRTOX_OVERFLOW), value in *res. */
static unsigned parse_integer(const char **sp, unsigned *base, unsigned long long *res)
{
	const char *s = *sp;
	if (*base == 0) {
		if (s[0] == '0') {
			*base = (tolower((unsigned char)s[1]) == 'x' &&
				 isxdigit((unsigned char)s[2])) ? 16 : 8;
		} else {
			*base = 10;
		}
	}
	if (*base == 16 && s[0] == '0' && tolower((unsigned char)s[1]) == 'x')
		s += 2;
	*sp = s;
	unsigned long long v = 0;
	unsigned n = 0, ovf = 0;
	for (;; n++, s++) {
		unsigned c = (unsigned char)*s, d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (tolower(c) >= 'a' && tolower(c) <= 'f')
			d = (unsigned)tolower(c) - 'a' + 10;
		else
			break;
		if (d >= *base)
			break;
		if (v > (~0ull - d) / *base)
			ovf = STRTOX_OVERFLOW;
		v = v * *base + d;
	}
	*res = v;
	return n | ovf;
}

/* __bpf_strtoull: characters consumed, or -EINVAL/-ERANGE. */
static long strtoull_common(const char *buf, size_t len, uint64_t flags,
			    unsigned long long *res, bool *neg)
{
	unsigned base = flags & STRTOX_BASE_MASK;
	if (!len || (base != 0 && base != 8 && base != 10 && base != 16) ||
	    (flags & ~(uint64_t)STRTOX_BASE_MASK))
		return -EINVAL;
	const char *cur = buf, *end = buf + len;
	while (cur < end && isspace((unsigned char)*cur))
		cur++;
	*neg = cur < end && *cur == '-';
	if (*neg)
		cur++;
	size_t consumed = (size_t)(cur - buf), left = len - consumed;
	if (!left)
		return -EINVAL;
	char str[64];
	if (left > sizeof str - 1)
		left = sizeof str - 1;
	memcpy(str, cur, left);
	str[left] = '\0';
	const char *p = str;
	unsigned n = parse_integer(&p, &base, res);
	if (n & STRTOX_OVERFLOW)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	return (long)(consumed + (size_t)(p + n - str));
}

/* bpf_strtol / bpf_strtoul (const char *buf, size_t buf_len, u64 flags, [unsigned] long
 * *res): the characters parsed, *res set; -ERANGE when the value does not fit a long,
 * -EINVAL for a '-' sign in the unsigned form. */
static uint64_t strtox(struct xbpf_run_ctx *rc, const char *name, uint64_t buf, uint64_t len,
		       uint64_t flags, uint64_t res, bool is_signed)
{
	if (!hlp_mem_ok(rc, name, 1, buf, len, false) || !hlp_mem_ok(rc, name, 4, res, 8, true))
		return HLP_ERR(EFAULT);
	unsigned long long v;
	bool neg;
	long n = strtoull_common((const char *)(uintptr_t)buf, len, flags, &v, &neg);
	if (n < 0)
		return (uint64_t)n;
	if (is_signed && (neg ? (long long)-v > 0 : (long long)v < 0))
		return HLP_ERR(ERANGE);
	if (!is_signed && neg)
		return HLP_ERR(EINVAL);
	*(uint64_t *)(uintptr_t)res = neg ? -v : v;
	return (uint64_t)n;
}

uint64_t hlp_strtol(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		    struct xbpf_run_ctx *rc)
{
	return strtox(rc, "bpf_strtol", r1, r2, r3, r4, true);
}

uint64_t hlp_strtoul(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		     struct xbpf_run_ctx *rc)
{
	return strtox(rc, "bpf_strtoul", r1, r2, r3, r4, false);
}

/* ---- bpf_loop ----------------------------------------------------------------------------- */

#define BPF_MAX_LOOPS (8u * 1024 * 1024)

/* (u32 nr_loops, callback_fn, void *callback_ctx, u64 flags): calls
 * callback_fn(i, callback_ctx) until it returns non-zero; the number of calls made. */
uint64_t hlp_loop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		  struct xbpf_run_ctx *rc)
{
	uint32_t n = (uint32_t)r1;
	if (r4)
		return HLP_ERR(EINVAL);
	if (n > BPF_MAX_LOOPS)
		return HLP_ERR(E2BIG);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t ret = 0;
		int err = xbpf_run_ctx__call(rc, r2, i, r3, 0, 0, 0, &ret);
		if (err)
			return (uint64_t)(int64_t)err; /* the run stops on rc->err */
		if (ret)
			return (uint64_t)i + 1;
	}
	return n;
}

/* ---- bpf_csum_diff ---------------------------------------------------------------------- */

uint32_t hlp_csum_partial(const void *buf, size_t len, uint32_t seed)
{
	/* x86-64 adds little-endian 64-bit words (the last one zero-padded) with end-around
	 * carry and folds to 32 bits: 0 only when every input is 0, else the value in
	 * [1, 2^32-1] congruent to the plain sum of the 32-bit words modulo 2^32-1. */
	const uint8_t *p = buf;
	uint64_t sum = seed;
	bool zero = seed == 0;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t w = 0;
		memcpy(&w, p + i, len - i < 4 ? len - i : 4);
		sum = (sum & 0xffffffffull) + (sum >> 32) + w; /* stays < 2^34 */
		zero = zero && !w;
	}
	if (zero)
		return 0;
	uint32_t r = (uint32_t)(sum % 0xffffffffull);
	return r ? r : 0xffffffffu;
}

static uint32_t csum_add32(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;
	return r + (r < b);
}

/* (__be32 *from, u32 from_size, __be32 *to, u32 to_size, __wsum seed): Linux 6.13's
 * version: csum_partial(to, seed) - csum_partial(from), folded to 16 bits, any sizes. */
uint64_t hlp_csum_diff(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct xbpf_run_ctx *rc)
{
	uint32_t from_size = (uint32_t)r2, to_size = (uint32_t)r4, ret = (uint32_t)r5;
	if (!hlp_mem_ok(rc, "bpf_csum_diff", 1, r1, from_size, false) ||
	    !hlp_mem_ok(rc, "bpf_csum_diff", 3, r3, to_size, false))
		return HLP_ERR(EFAULT);
	const void *from = (const void *)(uintptr_t)r1, *to = (const void *)(uintptr_t)r3;
	if (from_size && to_size)
		ret = csum_add32(hlp_csum_partial(to, to_size, ret),
				 ~hlp_csum_partial(from, from_size, 0));
	else if (to_size)
		ret = hlp_csum_partial(to, to_size, ret);
	else if (from_size)
		ret = ~hlp_csum_partial(from, from_size, ~ret);
	ret = (ret & 0xffff) + (ret >> 16);
	ret = (ret & 0xffff) + (ret >> 16);
	return ret;
}
