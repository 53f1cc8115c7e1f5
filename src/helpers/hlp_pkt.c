/* hlp_pkt.c - packet helpers for XDP and __sk_buff programs, with the kernel's checks and
 * results as seen under BPF_PROG_TEST_RUN (linear packet, ip_summed = CHECKSUM_NONE):
 *   xdp_adjust_head/meta/tail, xdp_get_buff_len, xdp_load_bytes, xdp_store_bytes,
 *   skb_load_bytes, skb_store_bytes, skb_change_head/tail, skb_pull_data,
 *   l3_csum_replace, l4_csum_replace, csum_update, set_hash_invalid, redirect.
 *
 * They work on the test run's packet state (src/ctx/ctx.h), never on context fields the
 * program may have overwritten, and resynchronise the context's data/data_end/data_meta
 * (and the LD_ABS packet view) after a change. Called without such a context (a plain
 * xbpf_prog__run) they return -EINVAL, or -ENOTSUPP where the kernel has no such state.
 */
#include <string.h>
#include "helpers.h"
#include "../ctx/ctx.h"
#include "xbpf/progtype.h"

#define XDP_ABORTED 0
#define XDP_REDIRECT 4
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7
#define BPF_F_INGRESS 1u
#define BPF_F_RECOMPUTE_CSUM 1u
#define BPF_F_INVALIDATE_HASH 2u
#define BPF_F_HDR_FIELD_MASK 0xfu
#define BPF_F_PSEUDO_HDR (1u << 4)
#define BPF_F_MARK_MANGLED_0 (1u << 5)
#define BPF_F_MARK_ENFORCE (1u << 6)
#define BPF_F_IPV6 (1u << 7)

static struct ctx_state *pkt_state(struct xbpf_run_ctx *rc, bool xdp)
{
	struct ctx_state *st = ctx_of(rc);
	if (!st || (xdp ? !st->is_xdp : !st->is_skb))
		return NULL;
	return st;
}

/* After the packet moved: context fields and the LD_ABS view. */
static void resync(struct xbpf_run_ctx *rc, struct ctx_state *st)
{
	ctx_sync(st);
	if (st->is_skb) {
		rc->pkt = st->data;
		rc->pkt_size = (size_t)(st->data_end - st->data);
	}
}

static uint32_t pkt_len(const struct ctx_state *st) { return (uint32_t)(st->data_end - st->data); }

/* ---- XDP ------------------------------------------------------------------------------ */

uint64_t hlp_xdp_adjust_head(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = pkt_state(rc, true);
	if (!st)
		return HLP_ERR(EINVAL);
	int32_t off = (int32_t)r2;
	size_t metalen = (size_t)(st->data - st->data_meta);
	intptr_t pos = (st->data - st->hard_start) + (intptr_t)off;
	intptr_t lo = CTX_XDP_FRAME_HDR + (intptr_t)metalen;
	intptr_t hi = (st->data_end - st->hard_start) - (intptr_t)CTX_ETH_HLEN;
	if (pos < lo || pos > hi)
		return HLP_ERR(EINVAL);
	if (metalen)
		memmove(st->data_meta + off, st->data_meta, metalen);
	st->data_meta += off;
	st->data += off;
	resync(rc, st);
	return 0;
}

uint64_t hlp_xdp_adjust_meta(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = pkt_state(rc, true);
	if (!st)
		return HLP_ERR(EINVAL);
	intptr_t pos = (st->data_meta - st->hard_start) + (intptr_t)(int32_t)r2;
	intptr_t data = st->data - st->hard_start;
	if (pos < (intptr_t)CTX_XDP_FRAME_HDR || pos > data)
		return HLP_ERR(EINVAL);
	intptr_t metalen = data - pos;
	if ((metalen & 3) || metalen > (intptr_t)CTX_XDP_META_MAX)
		return HLP_ERR(EACCES);
	st->data_meta = st->hard_start + pos;
	resync(rc, st);
	return 0;
}

uint64_t hlp_xdp_adjust_tail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = pkt_state(rc, true);
	if (!st)
		return HLP_ERR(EINVAL);
	int32_t off = (int32_t)r2;
	intptr_t end = (st->data_end - st->hard_start) + (intptr_t)off;
	if (end > st->hard_end - st->hard_start)
		return HLP_ERR(EINVAL);
	if (end < (st->data - st->hard_start) + (intptr_t)CTX_ETH_HLEN)
		return HLP_ERR(EINVAL);
	if (off > 0)
		memset(st->data_end, 0, (size_t)off);
	st->data_end = st->hard_start + end;
	resync(rc, st);
	return 0;
}

uint64_t hlp_xdp_get_buff_len(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = pkt_state(rc, true);
	return st ? pkt_len(st) : 0;
}

/* bpf_xdp_pointer()'s checks: the packet range [offset, offset+len) or -errno. */
static long xdp_range(struct ctx_state *st, uint64_t offset, uint64_t len)
{
	if (!st)
		return -EINVAL;
	uint32_t o = (uint32_t)offset, l = (uint32_t)len;
	if (o > 0xffff || l > 0xffff)
		return -EFAULT;
	if ((uint64_t)o + l > pkt_len(st))
		return -EINVAL;
	return 0;
}

uint64_t hlp_xdp_load_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct xbpf_run_ctx *rc)
{
	if (!hlp_mem_ok(rc, "bpf_xdp_load_bytes", 3, r3, (uint32_t)r4, true))
		return HLP_ERR(EFAULT);
	struct ctx_state *st = pkt_state(rc, true);
	long err = xdp_range(st, r2, r4);
	if (err)
		return (uint64_t)err;
	memcpy((void *)(uintptr_t)r3, st->data + (uint32_t)r2, (uint32_t)r4);
	return 0;
}

uint64_t hlp_xdp_store_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	if (!hlp_mem_ok(rc, "bpf_xdp_store_bytes", 3, r3, (uint32_t)r4, false))
		return HLP_ERR(EFAULT);
	struct ctx_state *st = pkt_state(rc, true);
	long err = xdp_range(st, r2, r4);
	if (err)
		return (uint64_t)err;
	memmove(st->data + (uint32_t)r2, (const void *)(uintptr_t)r3, (uint32_t)r4);
	return 0;
}

/* ---- __sk_buff: bytes ---------------------------------------------------------------------- */

uint64_t hlp_skb_load_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct xbpf_run_ctx *rc)
{
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
	if (!hlp_mem_ok(rc, "bpf_skb_load_bytes", 3, r3, len, true))
		return HLP_ERR(EFAULT);
	struct ctx_state *st = pkt_state(rc, false);
	void *to = (void *)(uintptr_t)r3;
	if (!st || off > INT32_MAX || (uint64_t)off + len > pkt_len(st)) {
		memset(to, 0, len);
		return HLP_ERR(EFAULT);
	}
	memcpy(to, st->data + off, len);
	return 0;
}

#define BPF_HDR_START_MAC 0
#define BPF_HDR_START_NET 1

/* (skb, u32 offset, void *to, u32 len, u32 start_header): as skb_load_bytes, from the MAC
 * or the network header. */
uint64_t hlp_skb_load_bytes_relative(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5, struct xbpf_run_ctx *rc)
{
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
	if (!hlp_mem_ok(rc, "bpf_skb_load_bytes_relative", 3, r3, len, true))
		return HLP_ERR(EFAULT);
	struct ctx_state *st = pkt_state(rc, false);
	void *to = (void *)(uintptr_t)r3;
	uint8_t *start = !st ? NULL : (uint32_t)r5 == BPF_HDR_START_MAC ? st->mac
		: (uint32_t)r5 == BPF_HDR_START_NET ? st->nh : NULL;
	if (!start || off > 0xffff || start + off + len > st->data_end) {
		memset(to, 0, len);
		return HLP_ERR(EFAULT);
	}
	memcpy(to, start + off, len);
	return 0;
}

uint64_t hlp_skb_store_bytes(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
	if (!hlp_mem_ok(rc, "bpf_skb_store_bytes", 3, r3, len, false))
		return HLP_ERR(EFAULT);
	struct ctx_state *st = pkt_state(rc, false);
	if (r5 & ~(uint64_t)(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH))
		return HLP_ERR(EINVAL);
	if (!st || off > INT32_MAX || (uint64_t)off + len > pkt_len(st))
		return HLP_ERR(EFAULT);
	/* CHECKSUM_NONE in a test run: nothing to recompute */
	memmove(st->data + off, (const void *)(uintptr_t)r3, len);
	if (r5 & BPF_F_INVALIDATE_HASH)
		st->skb.hash = 0;
	return 0;
}

uint64_t hlp_skb_pull_data(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = pkt_state(rc, false);
	if (!st)
		return HLP_ERR(EINVAL);
	/* the packet is linear: only a length past its end fails */
	if ((uint32_t)r2 > pkt_len(st))
		return HLP_ERR(ENOMEM);
	resync(rc, st);
	return 0;
}

/* ---- __sk_buff: size changes ----------------------------------------------------------- */

/* (skb, u32 len, u64 flags): grow or trim the packet to len (new bytes zeroed). */
uint64_t hlp_skb_change_tail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = pkt_state(rc, false);
	if (!st)
		return HLP_ERR(EINVAL);
	uint32_t new_len = (uint32_t)r2;
	/* __bpf_skb_min_len: up to the network header (0 when data is past it) */
	uint32_t min_len = st->nh > st->data ? (uint32_t)(st->nh - st->data) : 0;
	if (r3 || new_len > CTX_SKB_MAX_LEN || new_len < min_len)
		return HLP_ERR(EINVAL);
	uint32_t len = pkt_len(st);
	if (new_len > len)
		memset(st->data_end, 0, new_len - len);
	st->data_end = st->data + new_len;
	resync(rc, st);
	return 0;
}

/* (skb, u32 head_room, u64 flags): push head_room zeroed bytes in front of the packet. */
uint64_t hlp_skb_change_head(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = pkt_state(rc, false);
	if (!st)
		return HLP_ERR(EINVAL);
	uint32_t room = (uint32_t)r2, len = pkt_len(st);
	uint64_t new_len = (uint64_t)len + room;
	if (r3 || new_len > CTX_SKB_MAX_LEN || (uint32_t)new_len < len)
		return HLP_ERR(EINVAL);
	if ((size_t)(st->data - st->buf) < room)
		return HLP_ERR(ENOMEM);
	st->data -= room;
	st->data_meta = st->data;
	st->mac = st->data;
	memset(st->data, 0, room);
	resync(rc, st);
	return 0;
}

/* ---- checksums ----------------------------------------------------------------------------- */

static uint32_t csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;
	return r + (r < b);
}

static uint16_t csum_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* x86-64 csum_partial() of two 32-bit words with a seed. */
static uint32_t csum_partial2(uint32_t a, uint32_t b, uint32_t seed)
{
	uint32_t w[2] = {a, b};
	return hlp_csum_partial(w, sizeof w, seed);
}

static uint16_t csum16_add(uint16_t a, uint16_t b)
{
	uint16_t r = (uint16_t)(a + b);
	return (uint16_t)(r + (r < b));
}

/* The checksum field at data+off, after the kernel's checks; NULL + *err otherwise. */
static uint8_t *csum_field(struct xbpf_run_ctx *rc, uint32_t off, long *err)
{
	struct ctx_state *st = pkt_state(rc, false);
	*err = 0;
	if (!st) {
		*err = -EINVAL;
		return NULL;
	}
	if (off > 0xffff || (off & 1) || (uint64_t)off + 2 > pkt_len(st)) {
		*err = -EFAULT;
		return NULL;
	}
	return st->data + off;
}

/* (skb, u32 offset, u64 from, u64 to, u64 flags) */
uint64_t hlp_l3_csum_replace(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	if (r5 & ~(uint64_t)BPF_F_HDR_FIELD_MASK)
		return HLP_ERR(EINVAL);
	long err;
	uint8_t *p = csum_field(rc, (uint32_t)r2, &err);
	if (!p)
		return (uint64_t)err;
	uint16_t sum;
	memcpy(&sum, p, 2);
	switch (r5 & BPF_F_HDR_FIELD_MASK) {
	case 0:
		if (r3)
			return HLP_ERR(EINVAL);
		sum = csum_fold(csum_add((uint32_t)r4, ~(uint32_t)sum));
		break;
	case 2: /* csum_replace2: RFC 1624 */
		sum = (uint16_t)~csum16_add(csum16_add((uint16_t)~sum, (uint16_t)~(uint16_t)r3),
					   (uint16_t)r4);
		break;
	case 4:
		sum = csum_fold(csum_add(csum_add(~(uint32_t)sum, ~(uint32_t)r3), (uint32_t)r4));
		break;
	default:
		return HLP_ERR(EINVAL);
	}
	memcpy(p, &sum, 2);
	return 0;
}

/* (skb, u32 offset, u64 from, u64 to, u64 flags) */
uint64_t hlp_l4_csum_replace(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	const uint64_t ok = BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR |
			    BPF_F_HDR_FIELD_MASK | BPF_F_IPV6;
	if (r5 & ~ok)
		return HLP_ERR(EINVAL);
	long err;
	uint8_t *p = csum_field(rc, (uint32_t)r2, &err);
	if (!p)
		return (uint64_t)err;
	bool mmzero = r5 & BPF_F_MARK_MANGLED_0, mforce = r5 & BPF_F_MARK_ENFORCE;
	uint16_t sum;
	memcpy(&sum, p, 2);
	if (mmzero && !mforce && !sum)
		return 0;
	/* ip_summed is CHECKSUM_NONE in a test run: the field is updated, pseudo or not */
	uint32_t unf = ~(uint32_t)sum; /* ~csum_unfold(sum) */
	switch (r5 & BPF_F_HDR_FIELD_MASK) {
	case 0:
		if (r3)
			return HLP_ERR(EINVAL);
		sum = csum_fold(csum_add((uint32_t)r4, unf));
		break;
	case 2:
		sum = csum_fold(csum_partial2(~(uint32_t)(uint16_t)r3, (uint16_t)r4, unf));
		break;
	case 4:
		sum = csum_fold(csum_partial2(~(uint32_t)r3, (uint32_t)r4, unf));
		break;
	default:
		return HLP_ERR(EINVAL);
	}
	if (mmzero && !sum)
		sum = 0xffff;
	memcpy(p, &sum, 2);
	return 0;
}

uint64_t hlp_csum_update(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct xbpf_run_ctx *rc)
{
	/* only CHECKSUM_COMPLETE skbs carry a csum; a test run's never does */
	return HLP_ERR(ENOTSUPP);
}

uint64_t hlp_set_hash_invalid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = pkt_state(rc, false);
	if (st)
		st->skb.hash = 0;
	return 0;
}

/* (skb): the flow hash. The kernel's is a jhash of the flow keys with a per-boot random
 * seed, which no one can reproduce; xbpf's is a stable non-zero hash of the same keys
 * (IPv4/IPv6 addresses, protocol, ports), kept in skb->hash like the kernel's. */
uint64_t hlp_get_hash_recalc(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     struct xbpf_run_ctx *rc)
{
	struct ctx_state *st = pkt_state(rc, false);
	if (!st)
		return 0;
	const uint8_t *nh = st->nh, *end = st->data_end;
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t n = 0, off = 0;
	if (st->skb.family == 2 && nh + 20 <= end)
		off = 12, n = 8;
	else if (st->skb.family == 10 && nh + 40 <= end)
		off = 8, n = 32;
	for (size_t i = 0; i < n; i++)
		h = (h ^ nh[off + i]) * 16777619u;
	if (st->skb.family == 2 && nh + 24 <= end) {
		uint8_t proto = nh[9];
		h = (h ^ proto) * 16777619u;
		size_t ihl = (size_t)(nh[0] & 15) * 4;
		for (size_t i = 0; (proto == 6 || proto == 17) && i < 4 && nh + ihl + 4 <= end; i++)
			h = (h ^ nh[ihl + i]) * 16777619u;
	}
	st->skb.hash = h ? h : 1;
	return st->skb.hash;
}

/* (skb, struct bpf_tunnel_key *key, u32 size, u64 flags): a test run's packet carries no
 * tunnel metadata: -EINVAL with the key zeroed, as the kernel answers. */
uint64_t hlp_skb_get_tunnel_key(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				uint64_t r5, struct xbpf_run_ctx *rc)
{
	if (!hlp_mem_ok(rc, "bpf_skb_get_tunnel_key", 2, r2, (uint32_t)r3, true))
		return HLP_ERR(EFAULT);
	memset((void *)(uintptr_t)r2, 0, (uint32_t)r3);
	return HLP_ERR(EINVAL);
}

/* (u32 ifindex, struct bpf_redir_neigh *params, int plen, u64 flags) */
uint64_t hlp_redirect_neigh(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct xbpf_run_ctx *rc)
{
	int32_t plen = (int32_t)r3;
	if ((plen && plen < 20) || r4) /* sizeof(struct bpf_redir_neigh) */
		return TC_ACT_SHOT;
	return TC_ACT_REDIRECT;
}

/* (u32 ifindex, u64 flags) */
uint64_t hlp_redirect_peer(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct xbpf_run_ctx *rc)
{
	return r2 ? TC_ACT_SHOT : TC_ACT_REDIRECT;
}

/* (u32 ifindex, u64 flags): tc gives TC_ACT_REDIRECT (TC_ACT_SHOT for bad flags), XDP
 * gives XDP_REDIRECT (XDP_ABORTED for any flag). The target is not used by a test run. */
uint64_t hlp_redirect(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct xbpf_run_ctx *rc)
{
	if (rc->prog && rc->prog->prog_type == XBPF_PROG_TYPE_XDP)
		return r2 ? XDP_ABORTED : XDP_REDIRECT;
	return (r2 & ~(uint64_t)BPF_F_INGRESS) ? TC_ACT_SHOT : TC_ACT_REDIRECT;
}
