/* parse64.c - benchmark: parse a 64-byte packet (Ethernet, IPv4, ports, a payload scan);
 * see parse_body.h. Short: mostly invocation overhead and header branches. */
#include "parse_body.h"

static PARSE_INLINE uint64_t parse64_body(const uint8_t *data, const uint8_t *end)
PARSE_PACKET_BODY(64)

BENCH_PROG(parse64)
