/* parse1500.c - benchmark: parse a 1500-byte packet (Ethernet, IPv4, ports, a payload
 * scan of ~360 words); see parse_body.h. */
#include "parse_body.h"

static PARSE_INLINE uint64_t parse1500_body(const uint8_t *data, const uint8_t *end)
PARSE_PACKET_BODY(1500)

BENCH_PROG(parse1500)
