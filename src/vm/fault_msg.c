/* fault_msg.c - the words after a runtime memory fault ("out-of-bounds read of 4 bytes at
 * 0x..."): which of the run's regions the access missed and by how much, so the reader
 * sees at once "2 bytes past the end of the packet" rather than a raw address.
 *
 * Regions are named from the run state, without extra bookkeeping on the hot path: the
 * base of the stack, the ctx (r1) and the LD_ABS packet are known; the caller's regions
 * (xbpf_run_opts.regions) come next (a test run of a packet program passes exactly one:
 * its packet buffer), then the program's global data, then memory helpers handed out
 * during the run (map values, ring buffer samples).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "xbpf/progtype.h"
#include "vm_internal.h"

#define FAULT_NEAR (64u << 10)   /* farther than this from every region: "not in any" */
#define FAULT_LIST_MAX 6         /* regions listed when none is near */

static bool packet_type(const struct xbpf_prog *p)
{
	switch (p ? p->prog_type : 0) {
	case XBPF_PROG_TYPE_XDP: case XBPF_PROG_TYPE_SOCKET_FILTER:
	case XBPF_PROG_TYPE_SCHED_CLS: case XBPF_PROG_TYPE_SCHED_ACT:
	case XBPF_PROG_TYPE_CGROUP_SKB: case XBPF_PROG_TYPE_LWT_IN:
	case XBPF_PROG_TYPE_LWT_OUT: case XBPF_PROG_TYPE_LWT_XMIT:
		return true;
	default:
		return false;
	}
}

/* Name of region i of the run, into tmp when it needs a number. */
static const char *region_name(const struct xbpf_run_ctx *rc, unsigned i, char *tmp,
			       size_t n)
{
	const void *b = rc->regions[i].base;
	const struct xbpf_prog *p = rc->prog;
	if (b == rc->stack)
		return "the stack";
	if (b == rc->ctx)
		return "ctx";
	if (b == rc->pkt)
		return "the packet";
	if (i >= rc->region_fixed)
		return "memory a helper returned";
	for (unsigned j = 0; p && j < p->map_region_cnt; j++)
		if (p->map_regions[j].base == b)
			return "global data";
	/* a caller region: count them (they follow stack, ctx and packet) */
	unsigned k = 0, total = 0;
	for (unsigned j = 0; j < rc->region_fixed; j++) {
		const void *bj = rc->regions[j].base;
		bool caller = bj != rc->stack && bj != rc->ctx && bj != rc->pkt;
		for (unsigned m = 0; caller && p && m < p->map_region_cnt; m++)
			caller = p->map_regions[m].base != bj;
		k += caller && j < i;
		total += caller;
	}
	if (total == 1 && packet_type(p))
		return "the packet buffer";
	snprintf(tmp, n, "caller region %u", k);
	return tmp;
}

/* How far [a, a+n) lies outside region r (0: inside); *before: it starts before r. */
static uint64_t distance(const struct xbpf_region *r, uint64_t a, uint64_t n, bool *before)
{
	uint64_t b = (uint64_t)(uintptr_t)r->base, e = b + r->size;
	*before = a < b;
	if (a < b)
		return b - a;
	if (a >= e)
		return (a - e) + n;
	return n > e - a ? n - (e - a) : 0;
}

/* " [0x..., N bytes]" entries of the first regions, for an access near none of them. */
static void list_regions(const struct xbpf_run_ctx *rc, char *buf, size_t len, size_t *used)
{
	char tmp[32];
	unsigned shown = rc->region_cnt < FAULT_LIST_MAX ? rc->region_cnt : FAULT_LIST_MAX;
	for (unsigned i = 0; i < shown && *used < len; i++) {
		const struct xbpf_region *r = &rc->regions[i];
		int w = snprintf(buf + *used, len - *used, "%s%s [0x%" PRIxPTR ", %zu bytes]",
				 i ? ", " : "", region_name(rc, i, tmp, sizeof tmp),
				 (uintptr_t)r->base, r->size);
		*used += w > 0 ? (size_t)w : 0;
	}
	if (rc->region_cnt > shown && *used < len)
		snprintf(buf + *used, len - *used, " (+%u more)", rc->region_cnt - shown);
}

void vm_fault_where(const struct xbpf_run_ctx *rc, uint64_t addr, unsigned size, bool write,
		    char *buf, size_t len)
{
	char tmp[32];
	unsigned best = UINT32_MAX;
	uint64_t best_d = UINT64_MAX;
	bool before = false;
	if (!buf || !len)
		return;
	buf[0] = '\0';
	for (unsigned i = 0; i < rc->region_cnt; i++) {
		bool bf;
		uint64_t d = distance(&rc->regions[i], addr, size, &bf);
		if (d == 0 && write && !rc->regions[i].writable) {
			snprintf(buf, len, ": %s is read-only", region_name(rc, i, tmp, sizeof tmp));
			return;
		}
		if (d < best_d) {
			best = i, best_d = d, before = bf;
		}
	}
	if (best != UINT32_MAX && best_d <= FAULT_NEAR) {
		const struct xbpf_region *r = &rc->regions[best];
		const char *name = region_name(rc, best, tmp, sizeof tmp);
		if (before)
			snprintf(buf, len, ": %" PRIu64 " byte%s before the start of %s (%zu bytes)",
				 best_d, best_d == 1 ? "" : "s", name, r->size);
		else
			snprintf(buf, len, ": at offset %" PRIu64 " of %s (%zu bytes), %" PRIu64
				 " byte%s past its end", addr - (uint64_t)(uintptr_t)r->base, name,
				 r->size, best_d, best_d == 1 ? "" : "s");
		if (r->base == rc->stack && rc->stack) {   /* where the program thinks it is */
			size_t u = strlen(buf);
			int64_t fp = (int64_t)(addr - ((uint64_t)(uintptr_t)rc->stack +
						       (uint64_t)(rc->depth + 1) * XBPF_STACK_SIZE));
			snprintf(buf + u, len - u, " (r10%+" PRId64 " in frame %u)", fp, rc->depth);
		}
		return;
	}
	int w = addr < 4096 ? snprintf(buf, len, ": a NULL pointer + %" PRIu64 ", not in any "
				       "region (", addr)
			    : snprintf(buf, len, ": not in any region (");
	size_t used = w > 0 ? (size_t)w : 0;
	list_regions(rc, buf, len, &used);
	if (used < len)
		snprintf(buf + used, len - used, ")");
}
