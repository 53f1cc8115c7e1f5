/* btf_builtin.c - xbpf's own BTF of the program context types (struct xdp_md,
 * struct __sk_buff, struct pt_regs of x86-64, struct bpf_raw_tracepoint_args), built in
 * memory: the CO-RE target when there is no kernel BTF. Layouts are the Linux uapi ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "loader.h"

struct bmember { const char *name; uint16_t off, size, nelems; };
struct bstruct { const char *name; uint16_t size; const struct bmember *m; unsigned n; };

static const struct bmember xdp_md[] = {
	{"data", 0, 4, 0}, {"data_end", 4, 4, 0}, {"data_meta", 8, 4, 0},
	{"ingress_ifindex", 12, 4, 0}, {"rx_queue_index", 16, 4, 0}, {"egress_ifindex", 20, 4, 0},
};
static const struct bmember sk_buff[] = {
	{"len", 0, 4, 0}, {"pkt_type", 4, 4, 0}, {"mark", 8, 4, 0}, {"queue_mapping", 12, 4, 0},
	{"protocol", 16, 4, 0}, {"vlan_present", 20, 4, 0}, {"vlan_tci", 24, 4, 0},
	{"vlan_proto", 28, 4, 0}, {"priority", 32, 4, 0}, {"ingress_ifindex", 36, 4, 0},
	{"ifindex", 40, 4, 0}, {"tc_index", 44, 4, 0}, {"cb", 48, 4, 5}, {"hash", 68, 4, 0},
	{"tc_classid", 72, 4, 0}, {"data", 76, 4, 0}, {"data_end", 80, 4, 0},
	{"napi_id", 84, 4, 0}, {"family", 88, 4, 0}, {"remote_ip4", 92, 4, 0},
	{"local_ip4", 96, 4, 0}, {"remote_ip6", 100, 4, 4}, {"local_ip6", 116, 4, 4},
	{"remote_port", 132, 4, 0}, {"local_port", 136, 4, 0}, {"data_meta", 140, 4, 0},
	{"flow_keys", 144, 8, 0}, {"tstamp", 152, 8, 0}, {"wire_len", 160, 4, 0},
	{"gso_segs", 164, 4, 0}, {"sk", 168, 8, 0}, {"gso_size", 176, 4, 0},
	{"tstamp_type", 180, 1, 0}, {"hwtstamp", 184, 8, 0},
};
static const struct bmember pt_regs[] = {
	{"r15", 0, 8, 0}, {"r14", 8, 8, 0}, {"r13", 16, 8, 0}, {"r12", 24, 8, 0},
	{"bp", 32, 8, 0}, {"bx", 40, 8, 0}, {"r11", 48, 8, 0}, {"r10", 56, 8, 0},
	{"r9", 64, 8, 0}, {"r8", 72, 8, 0}, {"ax", 80, 8, 0}, {"cx", 88, 8, 0},
	{"dx", 96, 8, 0}, {"si", 104, 8, 0}, {"di", 112, 8, 0}, {"orig_ax", 120, 8, 0},
	{"ip", 128, 8, 0}, {"cs", 136, 8, 0}, {"flags", 144, 8, 0}, {"sp", 152, 8, 0},
	{"ss", 160, 8, 0},
};
static const struct bmember raw_tp_args[] = {{"args", 0, 8, 0}};

static const struct bstruct structs[] = {
	{"xdp_md", 24, xdp_md, sizeof(xdp_md) / sizeof(xdp_md[0])},
	{"__sk_buff", 192, sk_buff, sizeof(sk_buff) / sizeof(sk_buff[0])},
	{"pt_regs", 168, pt_regs, sizeof(pt_regs) / sizeof(pt_regs[0])},
	{"bpf_raw_tracepoint_args", 8, raw_tp_args, 1},
};

struct builder {
	uint8_t types[8192];
	size_t tlen;
	char strs[4096];
	size_t slen;
	uint32_t next_id;
};

static uint32_t add_str(struct builder *b, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t off = b->slen;
	memcpy(b->strs + b->slen, s, n);
	b->slen += n;
	return off;
}

static void add_words(struct builder *b, const uint32_t *w, size_t n)
{
	memcpy(b->types + b->tlen, w, n * 4);
	b->tlen += n * 4;
}

/* Types 1..4: u8, u16, u32, u64 (unsigned ints); 5: the array index type. */
static void add_ints(struct builder *b)
{
	static const char *const names[] = {"__u8", "__u16", "__u32", "__u64"};
	for (int i = 0; i < 4; i++) {
		uint32_t sz = 1u << i;
		uint32_t w[4] = {add_str(b, names[i]), (uint32_t)BTF_K_INT << 24, sz, sz * 8};
		add_words(b, w, 4);
	}
	b->next_id = 5;
}

static uint32_t int_id(uint16_t size)
{
	return size == 1 ? 1 : size == 2 ? 2 : size == 4 ? 3 : 4;
}

static void add_struct(struct builder *b, const struct bstruct *s)
{
	/* arrays first, then the struct that refers to them */
	uint32_t arr_id[64] = {0};
	for (unsigned i = 0; i < s->n; i++)
		if (s->m[i].nelems) {
			uint32_t w[6] = {0, (uint32_t)BTF_K_ARRAY << 24, 0, int_id(s->m[i].size), 3,
					 s->m[i].nelems};
			add_words(b, w, 6);
			arr_id[i] = b->next_id++;
		}
	uint32_t h[3] = {add_str(b, s->name), ((uint32_t)BTF_K_STRUCT << 24) | s->n, s->size};
	add_words(b, h, 3);
	for (unsigned i = 0; i < s->n; i++) {
		uint32_t w[3] = {add_str(b, s->m[i].name),
				 arr_id[i] ? arr_id[i] : int_id(s->m[i].size),
				 (uint32_t)s->m[i].off * 8};
		add_words(b, w, 3);
	}
	b->next_id++;
}

struct btf *btf_builtin(void)
{
	struct builder *b = calloc(1, sizeof(*b));
	if (!b) {
		errno = -ldr_err(ENOMEM, "out of memory");
		return NULL;
	}
	b->slen = 1; /* "" at offset 0 */
	add_ints(b);
	for (size_t i = 0; i < sizeof(structs) / sizeof(structs[0]); i++)
		add_struct(b, &structs[i]);
	uint32_t hdr[6] = {0x0001eB9F, 24, 0, (uint32_t)b->tlen, (uint32_t)b->tlen,
			   (uint32_t)b->slen};
	size_t size = 24 + b->tlen + b->slen;
	uint8_t *raw = malloc(size);
	struct btf *btf = NULL;
	if (raw) {
		memcpy(raw, hdr, 24);
		memcpy(raw + 24, b->types, b->tlen);
		memcpy(raw + 24 + b->tlen, b->strs, b->slen);
		btf = btf_parse(raw, size);
		free(raw);
	}
	free(b);
	return btf;
}
