/* hlp_time.c - time helpers: bpf_ktime_get_ns (CLOCK_MONOTONIC), bpf_ktime_get_boot_ns
 * (CLOCK_BOOTTIME), bpf_ktime_get_coarse_ns (CLOCK_MONOTONIC_COARSE) and bpf_jiffies64.
 *
 * The clocks are the ones the kernel helpers read, so values are comparable with the
 * kernel's (same boot). jiffies64 counts CLOCK_MONOTONIC at HZ = 250 (Debian's
 * CONFIG_HZ) from an offset: the kernel's own (jiffies and "now" read together from
 * /proc/timer_list once, when readable), else its starting value INITIAL_JIFFIES =
 * (u32)(-300 * HZ) at boot. Calibrated, the value matches the kernel's within a tick.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
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

#define NS_PER_JIFFY (1000000000ull / HLP_HZ)

static uint64_t jiffies_base = INITIAL_JIFFIES;
static pthread_once_t jiffies_once = PTHREAD_ONCE_INIT;

/* jiffies_base = kernel jiffies - monotonic ns / NS_PER_JIFFY, from /proc/timer_list's
 * "now at N nsecs" and "jiffies: J" (root only; left at INITIAL_JIFFIES otherwise). */
static void calibrate_jiffies(void)
{
	FILE *f = fopen("/proc/timer_list", "r");
	if (!f)
		return;
	char line[256];
	uint64_t now = 0, j = 0;
	while (fgets(line, sizeof line, f) && !j) {
		if (!now && sscanf(line, "now at %" SCNu64 " nsecs", &now) == 1)
			continue;
		if (now && sscanf(line, "jiffies: %" SCNu64, &j) == 1)
			break;
	}
	fclose(f);
	if (now && j)
		jiffies_base = j - now / NS_PER_JIFFY;
}

uint64_t hlp_jiffies64(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct xbpf_run_ctx *rc)
{
	pthread_once(&jiffies_once, calibrate_jiffies);
	return jiffies_base + clock_ns(CLOCK_MONOTONIC) / NS_PER_JIFFY;
}
