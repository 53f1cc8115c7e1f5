/* ctx_pkt.c - packet contexts: struct xdp_md (XDP) and struct __sk_buff (socket filter,
 * tc, cgroup skb, lwt) built from data_in / ctx_in as the kernel's test_run builds them.
 *
 * Packet pointers. Both contexts hold data/data_end/data_meta as u32 fields that programs
 * load with a 32-bit load and then use as pointers; the kernel rewrites those loads into
 * 64-bit loads of its real xdp_buff/sk_buff. xbpf instead places every packet buffer
 * below 4 GiB (mmap MAP_32BIT on x86-64, low address hints elsewhere), so the u32 values
 * ARE the addresses and programs run unmodified, on every engine, with no load-time
 * rewriting of context accesses. The cost is one small mapping per test run.
 *
 * Layouts:
 *  XDP  one 4096-byte frame: 256 bytes headroom (metadata comes out of it), the packet,
 *       and 320 bytes of tailroom that xdp_adjust_tail may not grow into.
 *  skb  a 64 KiB buffer with data at offset 20480, so skb_change_head/tail can grow the
 *       packet to BPF_SKB_MAX_LEN without moving it. L2 programs (tc) see the frame from
 *       its MAC header; L3 programs (socket filter, cgroup skb) from the network header,
 *       and the MAC header comes back zeroed in data_out, as the kernel does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "ctx.h"
#include "xbpf/progtype.h"

_Static_assert(sizeof(struct xbpf_sk_buff) == 192, "__sk_buff layout");
_Static_assert(offsetof(struct xbpf_sk_buff, data_meta) == 140, "__sk_buff layout");
_Static_assert(offsetof(struct xbpf_sk_buff, hwtstamp) == 184, "__sk_buff layout");
_Static_assert(sizeof(struct xbpf_xdp_md) == 24, "xdp_md layout");
_Static_assert(sizeof(struct xbpf_pt_regs) == 168, "pt_regs layout");

#define LOW_LIMIT (1ull << 32)
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_802_3_MIN 0x0600
#define ETH_P_802_3 0x0001
#define ETH_P_802_2 0x0004
#define GSO_MAX_SEGS 65535u
#define GSO_LEGACY_MAX_SIZE 65536u

static bool low_enough(void *p, size_t size)
{
	return p != MAP_FAILED && (uint64_t)(uintptr_t)p + size <= LOW_LIMIT;
}

int ctx_pkt_alloc(struct ctx_state *st, size_t size)
{
	void *p = MAP_FAILED;
#ifdef MAP_32BIT
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		 -1, 0);
#endif
	if (!low_enough(p, size)) {
		if (p != MAP_FAILED)
			munmap(p, size);
		p = MAP_FAILED;
		/* hints from 64 MiB up to 3 GiB: the kernel takes a free one as given */
		for (uint64_t hint = 64ull << 20; hint < (3ull << 30); hint += 64ull << 20) {
			p = mmap((void *)(uintptr_t)hint, size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (low_enough(p, size))
				break;
			if (p != MAP_FAILED)
				munmap(p, size);
			p = MAP_FAILED;
		}
	}
	if (p == MAP_FAILED)
		return -ENOMEM;
	st->buf = p;
	st->buf_size = size;
	st->hard_start = p;
	return 0;
}

void ctx_pkt_free(struct ctx_state *st)
{
	if (st->buf)
		munmap(st->buf, st->buf_size);
	st->buf = NULL;
}

static uint32_t addr32(const void *p) { return (uint32_t)(uintptr_t)p; }

void ctx_sync(struct ctx_state *st)
{
	if (st->is_xdp) {
		st->md.data = addr32(st->data);
		st->md.data_end = addr32(st->data_end);
		st->md.data_meta = addr32(st->data_meta);
	} else if (st->is_skb) {
		st->skb.data = addr32(st->data);
		st->skb.data_end = addr32(st->data_end);
		st->skb.data_meta = addr32(st->data_meta);
		st->skb.len = (uint32_t)(st->data_end - st->data);
	}
}

/* ---- XDP ------------------------------------------------------------------------------ */

int ctx_xdp_setup(struct ctx_state *st, struct xbpf_test_run_opts *o)
{
	uint32_t size = o->data_size_in, meta = 0;
	uint32_t max = CTX_XDP_FRAME_SZ - CTX_XDP_HEADROOM - CTX_XDP_TAILROOM;
	if (!o->data_in || size < CTX_ETH_HLEN || size > max)
		return ctx_fail(o, EINVAL, "xdp: data_in must be a packet of %u to %u bytes (got %u)",
				CTX_ETH_HLEN, max, size);
	st->has_ctx = o->ctx_in || o->ctx_out;
	int err = 0;
	if (st->has_ctx) {
		const size_t msz = sizeof st->md_io;
		memset(&st->md_io, 0, msz);
		if (o->ctx_in) {
			for (size_t i = msz; i < o->ctx_size_in; i++)
				if (((const uint8_t *)o->ctx_in)[i])
					return ctx_fail(o, E2BIG, "xdp: ctx_in has non-zero bytes past "
							"struct xdp_md");
			memcpy(&st->md_io, o->ctx_in, o->ctx_size_in < msz ? o->ctx_size_in : msz);
		}
		struct xbpf_xdp_md *m = &st->md_io;
		/* no user data before the metadata; metadata: <= 255 bytes, 4-aligned */
		if (m->data_meta || m->data_end != size || m->data > m->data_end ||
		    (m->data & 3) || m->data > CTX_XDP_META_MAX || m->egress_ifindex ||
		    (!m->ingress_ifindex && m->rx_queue_index))
			return ctx_fail(o, EINVAL, "xdp: ctx_in (struct xdp_md) must have data_meta "
					"0, data = metadata length (<= %u, 4-aligned), data_end = "
					"data_size_in (%u), egress_ifindex 0, and rx_queue_index only "
					"with ingress_ifindex", CTX_XDP_META_MAX, size);
		meta = m->data;
	}
	err = ctx_pkt_alloc(st, CTX_XDP_FRAME_SZ);
	if (err)
		return ctx_fail(o, -err, "cannot map a packet buffer below 4 GiB");
	st->data_meta = st->hard_start + CTX_XDP_HEADROOM - meta;
	st->data = st->hard_start + CTX_XDP_HEADROOM;
	st->data_end = st->data_meta + size;
	st->hard_end = st->hard_start + CTX_XDP_FRAME_SZ - CTX_XDP_TAILROOM;
	memcpy(st->data_meta, o->data_in, size);
	/* the test run's receive queue is the loopback device's queue 0 */
	st->md.ingress_ifindex = st->md_io.ingress_ifindex ? st->md_io.ingress_ifindex : 1;
	st->md.rx_queue_index = st->md_io.rx_queue_index;
	st->ctx = &st->md;
	st->ctx_size = sizeof st->md;
	ctx_sync(st);
	return 0;
}

int ctx_xdp_finish(struct ctx_state *st, struct xbpf_test_run_opts *o)
{
	uint32_t size = (uint32_t)(st->data_end - st->data_meta);
	int err = 0;
	if (o->data_out)
		err = ctx_copy_out(o->data_out, o->data_size_out, &o->data_size_out, st->data_meta,
				   size);
	else
		o->data_size_out = size;
	if (st->has_ctx && o->ctx_out) {
		struct xbpf_xdp_md m = st->md_io;
		m.data = (uint32_t)(st->data - st->data_meta);
		m.data_end = size;
		int e2 = ctx_copy_out(o->ctx_out, o->ctx_size_out, &o->ctx_size_out, &m, sizeof m);
		err = err ? err : e2;
	}
	return err;
}

/* ---- __sk_buff ------------------------------------------------------------------------ */

/* convert___skb_to_skb's rule: only these fields may be set in ctx_in. */
static bool skb_ctx_fields_ok(const struct xbpf_sk_buff *s)
{
	struct xbpf_sk_buff z = *s;
	z.mark = z.priority = z.ingress_ifindex = z.ifindex = 0;
	memset(z.cb, 0, sizeof z.cb);
	z.tstamp = 0;
	z.wire_len = z.gso_segs = z.gso_size = 0;
	z.hwtstamp = 0;
	static const struct xbpf_sk_buff zero;
	return !memcmp(&z, &zero, sizeof z);
}

/* eth_type_trans() on the loopback device (address 00:00:00:00:00:00): the packet type
 * and the protocol as the be16 the kernel stores. */
static void skb_eth_trans(struct ctx_state *st, const uint8_t *eth)
{
	static const uint8_t zero[6], bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	if (memcmp(eth, zero, 6))
		st->skb.pkt_type = (eth[0] & 1) ? (memcmp(eth, bcast, 6) ? 2 : 1) : 3;
	uint16_t proto_be;
	memcpy(&proto_be, eth + 12, 2);
	uint16_t proto = (uint16_t)(eth[12] << 8 | eth[13]);
	if (proto < ETH_P_802_3_MIN) {
		uint16_t p = (eth[14] == 0xff && eth[15] == 0xff) ? ETH_P_802_3 : ETH_P_802_2;
		proto_be = (uint16_t)(p >> 8 | p << 8);
	}
	st->skb.protocol = proto_be;
}

/* The socket the kernel's test run attaches: family and addresses from the IP header. An
 * IPv4/IPv6 frame too short for its header is refused (-EINVAL, as the kernel since 6.x):
 * returns the header size it needed, or 0. */
static uint32_t skb_fake_sock(struct ctx_state *st, const uint8_t *nh, uint32_t len)
{
	uint16_t proto = (uint16_t)((st->skb.protocol & 0xff) << 8 | st->skb.protocol >> 8);
	if (proto == ETH_P_IP) {
		if (len < 20)
			return 20;
		st->skb.family = 2;
		memcpy(&st->skb.local_ip4, nh + 12, 4);
		memcpy(&st->skb.remote_ip4, nh + 16, 4);
	} else if (proto == ETH_P_IPV6) {
		if (len < 40)
			return 40;
		st->skb.family = 10;
		memcpy(st->skb.local_ip6, nh + 8, 16);
		memcpy(st->skb.remote_ip6, nh + 24, 16);
	}
	return 0;
}

static int skb_ctx_in(struct ctx_state *st, struct xbpf_test_run_opts *o)
{
	st->has_ctx = o->ctx_in || o->ctx_out;
	memset(&st->skb_io, 0, sizeof st->skb_io);
	if (!o->ctx_in)
		return 0;
	for (size_t i = sizeof st->skb_io; i < o->ctx_size_in; i++)
		if (((const uint8_t *)o->ctx_in)[i])
			return ctx_fail(o, E2BIG, "skb: ctx_in has non-zero bytes past struct "
					"__sk_buff");
	memcpy(&st->skb_io, o->ctx_in,
	       o->ctx_size_in < sizeof st->skb_io ? o->ctx_size_in : sizeof st->skb_io);
	if (!skb_ctx_fields_ok(&st->skb_io))
		return ctx_fail(o, EINVAL, "skb: ctx_in (struct __sk_buff) may set only mark, "
				"priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, "
				"gso_size and hwtstamp");
	return 0;
}

int ctx_skb_setup(struct ctx_state *st, struct xbpf_test_run_opts *o)
{
	uint32_t size = o->data_size_in;
	if (!o->data_in || size < CTX_ETH_HLEN || size > 4096 - CTX_SKB_HEADROOM - 320)
		return ctx_fail(o, EINVAL, "skb: data_in must be an Ethernet frame of %u to %u "
				"bytes (got %u)", CTX_ETH_HLEN, 4096 - CTX_SKB_HEADROOM - 320, size);
	int err = skb_ctx_in(st, o);
	if (err)
		return err;
	const struct xbpf_sk_buff *in = &st->skb_io;
	err = ctx_pkt_alloc(st, CTX_SKB_BUF);
	if (err)
		return ctx_fail(o, -err, "cannot map a packet buffer below 4 GiB");
	uint8_t *frame = st->buf + CTX_SKB_DATA_OFF;
	memcpy(frame, o->data_in, size);
	st->hard_end = st->buf + CTX_SKB_BUF;
	st->is_l2 = st->prog_type == XBPF_PROG_TYPE_SCHED_CLS ||
		    st->prog_type == XBPF_PROG_TYPE_SCHED_ACT;
	st->data = st->is_l2 ? frame : frame + CTX_ETH_HLEN;
	st->data_meta = st->data;
	st->data_end = frame + size;
	st->nh = frame + CTX_ETH_HLEN;
	st->mac = frame;
	skb_eth_trans(st, frame);
	uint32_t need = skb_fake_sock(st, frame + CTX_ETH_HLEN, size - CTX_ETH_HLEN);
	if (need)
		return ctx_fail(o, EINVAL, "skb: an %s frame needs its %u-byte header after the "
				"Ethernet header (got %u bytes)", need == 20 ? "IPv4" : "IPv6", need,
				size - CTX_ETH_HLEN);
	uint32_t len = (uint32_t)(st->data_end - st->data);
	if (in->wire_len && (in->wire_len < len || in->wire_len > GSO_LEGACY_MAX_SIZE))
		return ctx_fail(o, EINVAL, "skb: wire_len %u is shorter than the packet (%u) or "
				"longer than %u", in->wire_len, len, GSO_LEGACY_MAX_SIZE);
	if (in->gso_segs > GSO_MAX_SEGS)
		return ctx_fail(o, EINVAL, "skb: gso_segs %u > %u", in->gso_segs, GSO_MAX_SEGS);
	st->wire_len = in->wire_len ? in->wire_len : len;
	st->dev_ifindex = in->ifindex > 1 ? in->ifindex : 1;
	struct xbpf_sk_buff *s = &st->skb;
	s->mark = in->mark;
	s->priority = in->priority;
	s->ingress_ifindex = in->ingress_ifindex;
	s->ifindex = st->dev_ifindex;
	memcpy(s->cb, in->cb, sizeof s->cb);
	s->tstamp = in->tstamp;
	s->wire_len = st->wire_len;
	s->gso_segs = in->gso_segs;
	s->gso_size = in->gso_size;
	s->hwtstamp = in->hwtstamp;
	st->ctx = s;
	st->ctx_size = sizeof *s;
	ctx_sync(st);
	return 0;
}

int ctx_skb_finish(struct ctx_state *st, struct xbpf_test_run_opts *o)
{
	int err = 0;
	uint8_t *start = st->data;
	if (!st->is_l2) {
		/* the kernel pushes a zeroed MAC header back before copying out */
		start -= CTX_ETH_HLEN;
		memset(start, 0, CTX_ETH_HLEN);
	}
	uint32_t size = (uint32_t)(st->data_end - start);
	if (o->data_out)
		err = ctx_copy_out(o->data_out, o->data_size_out, &o->data_size_out, start, size);
	else
		o->data_size_out = size;
	if (st->has_ctx && o->ctx_out) {
		/* convert_skb_to___skb: these fields come back, the rest as given */
		struct xbpf_sk_buff s = st->skb_io;
		s.mark = st->skb.mark;
		s.priority = st->skb.priority;
		s.ingress_ifindex = st->skb_io.ingress_ifindex;
		s.ifindex = st->dev_ifindex;
		s.tstamp = st->skb.tstamp;
		memcpy(s.cb, st->skb.cb, sizeof s.cb);
		s.wire_len = st->wire_len;
		s.gso_segs = st->skb_io.gso_segs;
		s.hwtstamp = st->skb_io.hwtstamp;
		int e2 = ctx_copy_out(o->ctx_out, o->ctx_size_out, &o->ctx_size_out, &s, sizeof s);
		err = err ? err : e2;
	}
	return err;
}
