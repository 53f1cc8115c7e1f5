/* parse_body.h - the packet parser the parse64 and parse1500 benchmarks share: Ethernet,
 * IPv4 with the header length the packet gives, TCP/UDP ports, then a scan of the L4
 * payload up to `len` bytes in 32-bit words (a DPI-style pass: hash every word, count the
 * ones with the top bit set). Branches depend on the packet's bytes. */
#ifndef BENCH_PARSE_BODY_H
#define BENCH_PARSE_BODY_H
#include "bench_prog.h"

/* the kernel headers define __always_inline as a mere hint; these bodies are big enough
 * for clang to decline it, and NAME_raw must not contain a call */
#define PARSE_INLINE inline __attribute__((always_inline))
/* Hide a value's known range from clang, so a bounds check the kernel's verifier needs
 * (pointer against `end`) is not folded away as redundant. Emits no instruction. */
#define PARSE_OPAQUE(x) __asm__ volatile("" : "+r"(x))

/* The body of NAME_body(data, end) for a packet of LEN bytes (a macro, so the entry
 * functions stay single-level inline functions like the other benchmarks'). */
#define PARSE_PACKET_BODY(LEN)                                                         \
	{                                                                              \
		if (data + (LEN) > end)                                                \
			return 0;                                                      \
		uint64_t h = (uint64_t)data[12] << 8 | data[13];    /* ethertype */   \
		uint32_t ihl = data[14] & 0xf;                                         \
		if (ihl < 5)                                                           \
			ihl = 5;                                                       \
		uint32_t l4 = 14 + ihl * 4;                         /* 34 .. 74 */    \
		h = h * 31 + data[23];                              /* protocol */    \
		h = h * 31 + bench_load32(data + 26);               /* source */      \
		h = h * 31 + bench_load32(data + 30);               /* destination */ \
		if (l4 + 8 > (LEN))                                                    \
			return h;                                                      \
		PARSE_OPAQUE(l4);                                                      \
		if (data + l4 + 8 > end)                    /* (for the verifier) */  \
			return h;                                                      \
		const uint8_t *l4p = data + l4;                                        \
		h = h * 31 + ((uint32_t)l4p[0] << 8 | l4p[1]);      /* ports */       \
		h = h * 31 + ((uint32_t)l4p[2] << 8 | l4p[3]);                         \
		uint64_t top = 0;                                                      \
		for (uint32_t off = l4 + 8; off + 4 <= (LEN); off += 4) {              \
			uint32_t o = off;                                              \
			PARSE_OPAQUE(o);                                               \
			if (data + o + 4 > end)                    /* (verifier) */   \
				break;                                                 \
			uint32_t w = bench_load32(data + o);                           \
			h = (h ^ w) * 0x100000001b3ull;                                \
			if (w & 0x80000000u)                                           \
				top++;                                                 \
		}                                                                      \
		return h ^ top;                                                        \
	}
#endif
