/* bench_prog.h - what every benchmark program shares: one body, written once in restricted
 * C as `static __always_inline uint64_t NAME_body(const uint8_t *data, const uint8_t *end)`,
 * and BENCH_PROG(NAME) to give it its entry points:
 *   clang -target bpf:  NAME_raw(mem) in section "raw" - r1 = the BENCH_LEN input bytes
 *                       (xbpf and DPDK run this one); NAME_tc(skb) in section "tc" - the
 *                       same body on the packet (the kernel runs this one).
 *   native:             bench_native_NAME(mem).
 * Bodies check `data + N > end` before reading, as the kernel's verifier wants for packets;
 * in the raw entry `end` is data + BENCH_LEN so clang folds those checks away.
 */
#ifndef BENCH_PROG_H
#define BENCH_PROG_H
#define BENCH_LEN 1500 /* bytes of input every program gets */

#ifdef __bpf__
#include <linux/bpf.h>
typedef __u8 uint8_t;
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
#define BENCH_SEC(name) __attribute__((section(name), used))
#define BENCH_PROG(NAME)                                                            \
	BENCH_SEC("tc") int NAME##_tc(struct __sk_buff *skb)                        \
	{                                                                             \
		return (int)NAME##_body((const uint8_t *)(long)skb->data,           \
					(const uint8_t *)(long)skb->data_end);      \
	}                                                                             \
	BENCH_SEC("raw") uint64_t NAME##_raw(const uint8_t *mem)                    \
	{                                                                             \
		return NAME##_body(mem, mem + BENCH_LEN);                             \
	}                                                                             \
	char NAME##_license[] BENCH_SEC("license") = "GPL";
#else
#include <stdint.h>
#define BENCH_PROG(NAME)                                                            \
	uint64_t bench_native_##NAME(const uint8_t *mem);                            \
	uint64_t bench_native_##NAME(const uint8_t *mem)                             \
	{                                                                             \
		return NAME##_body(mem, mem + BENCH_LEN);                             \
	}
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

static __always_inline uint32_t bench_load32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
#endif
