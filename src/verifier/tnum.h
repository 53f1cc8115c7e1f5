/* tnum.h - tracked numbers: the bit-level abstract domain of the verifier.
 *
 * A tnum {value, mask} stands for every 64-bit x with (x & ~mask) == value: bits set in
 * mask are unknown, the other bits are known and equal to value's. Invariant:
 * (value & mask) == 0. Every function is pure (values in, value out) and sound: for all
 * concrete inputs drawn from the abstract inputs, the concrete result lies in the result.
 * Module prefix: tnum_ (hidden).
 */
#ifndef XBPF_VRF_TNUM_H
#define XBPF_VRF_TNUM_H
#include <stdbool.h>
#include <stdint.h>

#define VRF_HIDDEN __attribute__((visibility("hidden")))

struct tnum {
	uint64_t value;
	uint64_t mask;
};

#define TNUM_UNKNOWN ((struct tnum){0, ~0ull})

/* The single value v. */
VRF_HIDDEN struct tnum tnum_const(uint64_t v);
/* Smallest tnum containing every x with min <= x <= max (unsigned). */
VRF_HIDDEN struct tnum tnum_range(uint64_t min, uint64_t max);
/* Sums, differences, products and bitwise operations of members. */
VRF_HIDDEN struct tnum tnum_add(struct tnum a, struct tnum b);
VRF_HIDDEN struct tnum tnum_sub(struct tnum a, struct tnum b);
VRF_HIDDEN struct tnum tnum_mul(struct tnum a, struct tnum b);
VRF_HIDDEN struct tnum tnum_and(struct tnum a, struct tnum b);
VRF_HIDDEN struct tnum tnum_or(struct tnum a, struct tnum b);
VRF_HIDDEN struct tnum tnum_xor(struct tnum a, struct tnum b);
/* Shifts by a known amount (0..63). */
VRF_HIDDEN struct tnum tnum_lshift(struct tnum a, unsigned shift);
VRF_HIDDEN struct tnum tnum_rshift(struct tnum a, unsigned shift);
VRF_HIDDEN struct tnum tnum_arshift(struct tnum a, unsigned shift, unsigned width);
/* Members of both a and b (a and b must share a member: the caller knows they do). */
VRF_HIDDEN struct tnum tnum_intersect(struct tnum a, struct tnum b);
/* Smallest tnum containing the members of a and of b. */
VRF_HIDDEN struct tnum tnum_union(struct tnum a, struct tnum b);
/* a truncated to its low `bytes` bytes (1, 2, 4, 8), upper bits known zero. */
VRF_HIDDEN struct tnum tnum_cast(struct tnum a, unsigned bytes);
/* True when a has one member. */
static inline bool tnum_is_const(struct tnum a) { return a.mask == 0; }
/* True when x is a member of a. */
static inline bool tnum_contains(struct tnum a, uint64_t x) { return (x & ~a.mask) == a.value; }
/* True when every member of b is a member of a. */
static inline bool tnum_in(struct tnum a, struct tnum b)
{
	return (b.mask & ~a.mask) == 0 && (b.value & ~a.mask) == a.value;
}
/* Smallest / largest member (unsigned). */
static inline uint64_t tnum_umin(struct tnum a) { return a.value; }
static inline uint64_t tnum_umax(struct tnum a) { return a.value | a.mask; }
/* Smallest / largest member as signed 64-bit. */
VRF_HIDDEN int64_t tnum_smin(struct tnum a);
VRF_HIDDEN int64_t tnum_smax(struct tnum a);
/* Text "0x5", "(0x0; 0xff)" for logs; returns buf. */
VRF_HIDDEN char *tnum_str(struct tnum a, char *buf, unsigned size);
#endif
