/* hlp_time.c - time helpers: bpf_ktime_get_ns (CLOCK_MONOTONIC), bpf_ktime_get_boot_ns
 * (CLOCK_BOOTTIME), bpf_ktime_get_coarse_ns (CLOCK_MONOTONIC_COARSE) and bpf_jiffies64.
 *
 * The clocks are the ones the kernel helpers read, so values are comparable with the
 * kernel's (same boot). jiffies64 counts at HZ = 250 (Debian's CONFIG_HZ) from the
 * kernel's starting value INITIAL_JIFFIES = (u32)(-300 * HZ), derived from CLOCK_BOOTTIME
 * less suspended time, i.e. CLOCK_MONOTONIC.
 */
#include <time.h>
#include "helpers.h"

#define HLP_HZ 250u
#define INITIAL_JIFFIES ((uint64_t)(uint32_t)(-300 * (int)HLP_HZ))

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t hlp_ktime_get_ns(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct xbpf_run_ctx *rc)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t hlp_ktime_get_boot_ns(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
			       uint64_t r5, struct xbpf_run_ctx *rc)
{
	return clock_ns(CLOCK_BOOTTIME);
}

uint64_t hlp_ktime_get_coarse_ns(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				 uint64_t r5, struct xbpf_run_ctx *rc)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

uint64_t hlp_jiffies64(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct xbpf_run_ctx *rc)
{
	return INITIAL_JIFFIES + clock_ns(CLOCK_MONOTONIC) / (1000000000ull / HLP_HZ);
}
