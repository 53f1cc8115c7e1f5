/* map_progs.h - instruction builders and the small map programs shared by the map-helper
 * tests (tests/unit/test_map_helpers.c) and the map benchmark (bench/maps_bench.c).
 * Programs reference maps by index (lddw src=5) into xbpf_prog_load_opts.maps; the
 * kernel-side copies (benchmark) patch the same instructions to map fds (src=1).
 */
#ifndef XBPF_TEST_MAP_PROGS_H
#define XBPF_TEST_MAP_PROGS_H
#include "xbpf/insn.h"

#define BI(c, d, s, o, i) ((struct xbpf_insn){(uint8_t)(c), (d), (s), (int16_t)(o), (int32_t)(i)})
#define MOV_IMM(d, i) BI(XBPF_ALU64 | XBPF_MOV | XBPF_K, d, 0, 0, i)
#define MOV_REG(d, s) BI(XBPF_ALU64 | XBPF_MOV | XBPF_X, d, s, 0, 0)
#define ADD_IMM(d, i) BI(XBPF_ALU64 | XBPF_ADD | XBPF_K, d, 0, 0, i)
#define ADD_REG(d, s) BI(XBPF_ALU64 | XBPF_ADD | XBPF_X, d, s, 0, 0)
#define LD_MAP(d, idx) BI(XBPF_LD | XBPF_DW | XBPF_IMM, d, XBPF_PSEUDO_MAP_IDX, 0, idx), \
		       BI(0, 0, 0, 0, 0)
#define LD_FUNC(d, rel) BI(XBPF_LD | XBPF_DW | XBPF_IMM, d, XBPF_PSEUDO_FUNC, 0, rel), \
			BI(0, 0, 0, 0, 0)
#define LDX_DW(d, s, o) BI(XBPF_LDX | XBPF_DW | XBPF_MEM, d, s, o, 0)
#define LDX_W(d, s, o) BI(XBPF_LDX | XBPF_W | XBPF_MEM, d, s, o, 0)
#define STX_DW(d, s, o) BI(XBPF_STX | XBPF_DW | XBPF_MEM, d, s, o, 0)
#define STX_W(d, s, o) BI(XBPF_STX | XBPF_W | XBPF_MEM, d, s, o, 0)
#define ST_W(d, o, i) BI(XBPF_ST | XBPF_W | XBPF_MEM, d, 0, o, i)
#define ST_DW(d, o, i) BI(XBPF_ST | XBPF_DW | XBPF_MEM, d, 0, o, i)
#define XADD_DW(d, s, o) BI(XBPF_STX | XBPF_DW | XBPF_ATOMIC, d, s, o, XBPF_ADD)
#define CALL(id) BI(XBPF_JMP | XBPF_CALL, 0, 0, 0, id)
#define JEQ_IMM(d, i, o) BI(XBPF_JMP | XBPF_JEQ | XBPF_K, d, 0, o, i)
#define JNE_IMM(d, i, o) BI(XBPF_JMP | XBPF_JNE | XBPF_K, d, 0, o, i)
#define EXIT() BI(XBPF_JMP | XBPF_EXIT, 0, 0, 0, 0)

/* array[key *(u32 *)ctx] += 1 (atomic); r0 = new value, or -1 when out of range.
 * Map 0: ARRAY (or PERCPU_ARRAY) of u64. */
#define PROG_ARRAY_INC {                                                         \
	LDX_W(6, 1, 0), STX_W(10, 6, -4),                                           \
	MOV_REG(2, 10), ADD_IMM(2, -4), LD_MAP(1, 0), CALL(1),                      \
	JNE_IMM(0, 0, 2), MOV_IMM(0, -1), EXIT(),                                    \
	MOV_IMM(1, 1), XADD_DW(0, 1, 0), LDX_DW(0, 0, 0), EXIT() }

/* ctx = {u64 key, u64 value, u64 flags}: r0 = bpf_map_update_elem(map0, &key, &value,
 * flags). Map 0: (LRU_)HASH u64 -> u64. */
#define PROG_HASH_UPDATE {                                                       \
	LDX_DW(6, 1, 0), STX_DW(10, 6, -8), LDX_DW(6, 1, 8), STX_DW(10, 6, -16),    \
	LDX_DW(4, 1, 16), MOV_REG(2, 10), ADD_IMM(2, -8), MOV_REG(3, 10),           \
	ADD_IMM(3, -16), LD_MAP(1, 0), CALL(2), EXIT() }

/* ctx = {u64 key}: v = lookup(map0, &key); if v: *v += 1 (atomic) else
 * update(&key, &one, NOEXIST) (an insert racing another thread's fails instead of
 * overwriting the count); r0 = 0 on lookup hit, 1 on insert. Map 0: HASH u64 -> u64. */
#define PROG_HASH_LOOKUP_UPDATE {                                                \
	LDX_DW(6, 1, 0), STX_DW(10, 6, -8),                                          \
	MOV_REG(2, 10), ADD_IMM(2, -8), LD_MAP(1, 0), CALL(1),                      \
	JEQ_IMM(0, 0, 4), MOV_IMM(1, 1), XADD_DW(0, 1, 0), MOV_IMM(0, 0), EXIT(),   \
	ST_DW(10, -16, 1), MOV_REG(2, 10), ADD_IMM(2, -8), MOV_REG(3, 10),          \
	ADD_IMM(3, -16), MOV_IMM(4, 1), LD_MAP(1, 0), CALL(2), MOV_IMM(0, 1), EXIT() }

/* bpf_ringbuf_output(map0, ctx, 16, 0); r0 = its result. Map 0: RINGBUF. */
#define PROG_RINGBUF_OUTPUT {                                                    \
	MOV_REG(2, 1), MOV_IMM(3, 16), MOV_IMM(4, 0), LD_MAP(1, 0), CALL(130),      \
	EXIT() }

#endif
