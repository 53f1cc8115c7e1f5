/* checksum.c - benchmark: the Internet checksum (RFC 1071) of all 1500 input bytes, 16-bit
 * big-endian words summed and folded. Byte loads and adds. */
#include "bench_prog.h"

static __always_inline uint64_t checksum_body(const uint8_t *data, const uint8_t *end)
{
	if (data + BENCH_LEN > end)
		return 0;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < BENCH_LEN; i += 2)
		sum += (uint32_t)data[i] << 8 | data[i + 1];
	/* three folds bring any sum of 750 words below 0x10000 */
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

BENCH_PROG(checksum)
