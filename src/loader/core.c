/* core.c - CO-RE relocations (.BTF.ext core_relo records), applied at load against a
 * target BTF: the file named by btf_custom_path, else /sys/kernel/btf/vmlinux, else xbpf's
 * own BTF of its program context types (btf_builtin()).
 *
 * For each record: the local type (root of the access string "0:1:2": an array index on
 * the root, then member or array indices) is resolved to a path of member names; the
 * target candidates are the types with the same essential name (the name without a
 * "___flavour" suffix) and kind; the first candidate in which the path resolves gives the
 * value (field byte offset/size/existence/signedness/shifts, type id/existence/size, enum
 * value existence/value), patched into the instruction (ALU imm, memory offset, or the
 * 64-bit immediate of lddw). A relocation that cannot be satisfied rejects the program
 * with the type and field named; "exists" kinds give 0 instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "loader.h"

enum core_kind {
	CORE_FIELD_BYTE_OFFSET = 0, CORE_FIELD_BYTE_SIZE, CORE_FIELD_EXISTS, CORE_FIELD_SIGNED,
	CORE_FIELD_LSHIFT_U64, CORE_FIELD_RSHIFT_U64, CORE_TYPE_ID_LOCAL, CORE_TYPE_ID_TARGET,
	CORE_TYPE_EXISTS, CORE_TYPE_SIZE, CORE_ENUMVAL_EXISTS, CORE_ENUMVAL_VALUE,
	CORE_TYPE_MATCHES,
};

static const char *const kind_names[] = {
	"field byte offset", "field byte size", "field exists", "field signed",
	"field lshift", "field rshift", "type id local", "type id target", "type exists",
	"type size", "enum value exists", "enum value", "type matches",
};

#define CORE_MAX_SPEC 64

struct core_spec {        /* a parsed access string, resolved in the local BTF */
	int idx[CORE_MAX_SPEC];
	int len;
	const char *names[CORE_MAX_SPEC]; /* member name per step ("" for array steps) */
	bool array[CORE_MAX_SPEC];        /* step is an array index */
	char path[256];       /* "struct sk_buff.cb[2]" for messages */
};

struct core_field {       /* a resolved field */
	uint32_t type_id;     /* its type in that BTF */
	uint64_t bit_off;
	uint32_t bit_sz;      /* bitfield size, 0 when not a bitfield */
};

/* Length of the essential name (without "___suffix"). */
static size_t ess_len(const char *n)
{
	const char *s = strstr(n, "___");
	return s ? (size_t)(s - n) : strlen(n);
}

static bool same_ess(const char *a, const char *b)
{
	size_t la = ess_len(a), lb = ess_len(b);
	return la == lb && !strncmp(a, b, la);
}

static int parse_spec(const struct btf *btf, uint32_t root, const char *acc,
		      struct core_spec *sp)
{
	sp->len = 0;
	for (const char *p = acc; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 0 || v > 0xffffff || sp->len == CORE_MAX_SPEC)
			return -EINVAL;
		sp->idx[sp->len++] = v;
		p = *end == ':' ? end + 1 : end;
		if (*end && *end != ':')
			return -EINVAL;
	}
	const struct btf_type_hdr *t = btf_skip_mods(btf, root, NULL);
	int n = snprintf(sp->path, sizeof(sp->path), "%s %s",
			 t && btf_kind(t) == BTF_K_UNION ? "union" :
			 t && (btf_kind(t) == BTF_K_ENUM || btf_kind(t) == BTF_K_ENUM64) ? "enum" :
			 "struct", btf_name(btf, root));
	(void)n;
	return 0;
}

/* Walk the local access path: record member names; returns 0 or -EINVAL. */
static int local_path(const struct btf *btf, uint32_t root, struct core_spec *sp)
{
	uint32_t id;
	const struct btf_type_hdr *t = btf_skip_mods(btf, root, &id);
	size_t pl = strlen(sp->path);
	for (int i = 1; i < sp->len; i++) {
		if (!t)
			return -EINVAL;
		unsigned k = btf_kind(t);
		if (k == BTF_K_STRUCT || k == BTF_K_UNION) {
			if ((unsigned)sp->idx[i] >= btf_vlen(t))
				return -EINVAL;
			struct btf_member_rec m;
			memcpy(&m, (const struct btf_member_rec *)btf_extra(t) + sp->idx[i], sizeof(m));
			sp->names[i] = btf_str(btf, m.name_off);
			if (sp->names[i][0] && pl < sizeof(sp->path))
				pl += snprintf(sp->path + pl, sizeof(sp->path) - pl, ".%s", sp->names[i]);
			t = btf_skip_mods(btf, m.type, &id);
		} else if (k == BTF_K_ARRAY) {
			struct btf_array_rec a;
			memcpy(&a, btf_extra(t), sizeof(a));
			sp->names[i] = "";
			sp->array[i] = true;
			if (pl < sizeof(sp->path))
				pl += snprintf(sp->path + pl, sizeof(sp->path) - pl, "[%d]", sp->idx[i]);
			t = btf_skip_mods(btf, a.type, &id);
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

/* Find member `name` in struct/union `id`, looking inside anonymous members too. */
static bool find_member(const struct btf *btf, uint32_t id, const char *name, int depth,
			struct core_field *f)
{
	const struct btf_type_hdr *t = btf_skip_mods(btf, id, &id);
	if (!t || depth > 8 || (btf_kind(t) != BTF_K_STRUCT && btf_kind(t) != BTF_K_UNION))
		return false;
	const struct btf_member_rec *ms = btf_extra(t);
	for (unsigned i = 0; i < btf_vlen(t); i++) {
		struct btf_member_rec m;
		memcpy(&m, &ms[i], sizeof(m));
		uint32_t off = btf_kflag(t) ? (m.offset & 0xffffff) : m.offset;
		uint32_t bsz = btf_kflag(t) ? m.offset >> 24 : 0;
		const char *n = btf_str(btf, m.name_off);
		if (!strcmp(n, name)) {
			f->type_id = m.type;
			f->bit_off += off;
			f->bit_sz = bsz;
			return true;
		}
		if (!n[0]) {
			struct core_field sub = {0};
			if (find_member(btf, m.type, name, depth + 1, &sub)) {
				f->type_id = sub.type_id;
				f->bit_off += off + sub.bit_off;
				f->bit_sz = sub.bit_sz;
				return true;
			}
		}
	}
	return false;
}

/* Resolve the local path in target type `tid`. */
static bool target_field(const struct btf *local, uint32_t lroot, const struct btf *tgt,
			 uint32_t tid, const struct core_spec *sp, struct core_field *f)
{
	int64_t sz = btf_type_size(tgt, tid);
	if (sz < 0)
		return false;
	f->type_id = tid;
	f->bit_off = (uint64_t)sp->idx[0] * sz * 8;
	f->bit_sz = 0;
	for (int i = 1; i < sp->len; i++) {
		const struct btf_type_hdr *t = btf_skip_mods(tgt, f->type_id, NULL);
		if (!t)
			return false;
		if (sp->names[i][0]) {
			if (!find_member(tgt, f->type_id, sp->names[i], 0, f))
				return false;
		} else if (!sp->array[i]) {
			continue; /* anonymous local member: its fields are found by name */
		} else if (btf_kind(t) == BTF_K_ARRAY) {
			struct btf_array_rec a;
			memcpy(&a, btf_extra(t), sizeof(a));
			int64_t es = btf_type_size(tgt, a.type);
			if (es < 0 || (a.nelems && (uint32_t)sp->idx[i] >= a.nelems && a.nelems > 1))
				return false;
			f->type_id = a.type;
			f->bit_off += (uint64_t)sp->idx[i] * es * 8;
			f->bit_sz = 0;
		} else {
			return false;
		}
	}
	(void)local;
	(void)lroot;
	return true;
}

/* Value of a field relocation from a resolved target field. */
static int field_value(const struct btf *tgt, const struct core_field *f, unsigned kind,
		       uint64_t *val, uint32_t *mem_size)
{
	const struct btf_type_hdr *t = btf_skip_mods(tgt, f->type_id, NULL);
	int64_t sz = btf_type_size(tgt, f->type_id);
	if (!t || sz < 0)
		return -EINVAL;
	uint32_t bit_sz = f->bit_sz;
	if (!bit_sz && btf_kind(t) == BTF_K_INT) {
		uint32_t enc;
		memcpy(&enc, btf_extra(t), 4);
		if ((enc & 0xff) != sz * 8 || ((enc >> 16) & 0xff))
			bit_sz = enc & 0xff;
	}
	uint64_t byte_sz = sz, byte_off;
	uint64_t bit_off = f->bit_off;
	if (bit_sz) {
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8 && byte_sz < 8) {
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
		*mem_size = byte_sz;
	}
	switch (kind) {
	case CORE_FIELD_BYTE_OFFSET: *val = byte_off; break;
	case CORE_FIELD_BYTE_SIZE: *val = byte_sz; break;
	case CORE_FIELD_EXISTS: *val = 1; break;
	case CORE_FIELD_SIGNED: {
		uint32_t enc = 0;
		if (btf_kind(t) == BTF_K_INT)
			memcpy(&enc, btf_extra(t), 4);
		*val = btf_kind(t) == BTF_K_INT ? (enc >> 24) & 1 :
		       (btf_kind(t) == BTF_K_ENUM || btf_kind(t) == BTF_K_ENUM64) ? btf_kflag(t) : 0;
		break;
	}
	case CORE_FIELD_LSHIFT_U64: *val = 64 - (bit_off + bit_sz - byte_off * 8); break;
	case CORE_FIELD_RSHIFT_U64: *val = 64 - bit_sz; break;
	default: return -EINVAL;
	}
	return 0;
}

static bool kind_compatible(unsigned lk, unsigned tk)
{
	if (lk == tk)
		return true;
	bool le = lk == BTF_K_ENUM || lk == BTF_K_ENUM64, te = tk == BTF_K_ENUM || tk == BTF_K_ENUM64;
	bool ls = lk == BTF_K_STRUCT || lk == BTF_K_UNION, ts = tk == BTF_K_STRUCT || tk == BTF_K_UNION;
	return (le && te) || (ls && ts && lk == tk) || (lk == BTF_K_FWD && ts);
}

/* Enumerator sp->idx[0] of local enum `lid` in target enum `tid`. */
static bool enum_value(const struct btf *local, uint32_t lid, const struct btf *tgt,
		       uint32_t tid, int idx, int64_t *val)
{
	const struct btf_type_hdr *lt = btf_type(local, lid), *tt = btf_type(tgt, tid);
	if (!lt || !tt || idx < 0 || (unsigned)idx >= btf_vlen(lt))
		return false;
	const char *name;
	if (btf_kind(lt) == BTF_K_ENUM) {
		struct btf_enum_rec e;
		memcpy(&e, (const struct btf_enum_rec *)btf_extra(lt) + idx, sizeof(e));
		name = btf_str(local, e.name_off);
	} else {
		struct btf_enum64_rec e;
		memcpy(&e, (const struct btf_enum64_rec *)btf_extra(lt) + idx, sizeof(e));
		name = btf_str(local, e.name_off);
	}
	for (unsigned i = 0; i < btf_vlen(tt); i++) {
		if (btf_kind(tt) == BTF_K_ENUM) {
			struct btf_enum_rec e;
			memcpy(&e, (const struct btf_enum_rec *)btf_extra(tt) + i, sizeof(e));
			if (!strcmp(btf_str(tgt, e.name_off), name))
				return *val = e.val, true;
		} else if (btf_kind(tt) == BTF_K_ENUM64) {
			struct btf_enum64_rec e;
			memcpy(&e, (const struct btf_enum64_rec *)btf_extra(tt) + i, sizeof(e));
			if (!strcmp(btf_str(tgt, e.name_off), name))
				return *val = ((int64_t)e.val_hi32 << 32) | e.val_lo32, true;
		}
	}
	return false;
}

/* Compute the value of one record. Returns 0, or -ENOENT when no target satisfies it. */
static int core_value(const struct btf *local, const struct btf *tgt,
		      const struct btf_core_todo *r, struct core_spec *sp, uint64_t *val,
		      uint32_t *mem_size)
{
	uint32_t lid;
	const struct btf_type_hdr *lt = btf_skip_mods(local, r->type_id, &lid);
	if (r->kind == CORE_TYPE_ID_LOCAL) {
		*val = r->type_id;
		return 0;
	}
	if (!lt)
		return -EINVAL;
	const char *lname = btf_str(local, lt->name_off);
	bool field = r->kind <= CORE_FIELD_RSHIFT_U64;
	if (field && local_path(local, r->type_id, sp))
		return -EINVAL;
	for (uint32_t id = 1; id <= tgt->nr_types; id++) {
		const struct btf_type_hdr *t = tgt->types[id];
		if (!kind_compatible(btf_kind(lt), btf_kind(t)) ||
		    !same_ess(lname, btf_str(tgt, t->name_off)) || !lname[0])
			continue;
		if (field) {
			struct core_field f;
			if (target_field(local, lid, tgt, id, sp, &f))
				return field_value(tgt, &f, r->kind, val, mem_size);
		} else if (r->kind == CORE_ENUMVAL_EXISTS || r->kind == CORE_ENUMVAL_VALUE) {
			int64_t v;
			if (sp->len >= 1 && enum_value(local, lid, tgt, id, sp->idx[0], &v)) {
				*val = r->kind == CORE_ENUMVAL_EXISTS ? 1 : (uint64_t)v;
				return 0;
			}
		} else {
			int64_t sz = btf_type_size(tgt, id);
			*val = r->kind == CORE_TYPE_ID_TARGET ? id : r->kind == CORE_TYPE_SIZE ?
			       (uint64_t)(sz < 0 ? 0 : sz) : 1;
			return 0;
		}
	}
	if (r->kind == CORE_FIELD_EXISTS || r->kind == CORE_TYPE_EXISTS ||
	    r->kind == CORE_ENUMVAL_EXISTS || r->kind == CORE_TYPE_MATCHES) {
		*val = 0;
		return 0;
	}
	return -ENOENT;
}

/* Patch the instruction; a memory access of a field offset also takes the target
 * field's size when that differs (a u32 that became a u64, as libbpf does). */
static int patch(struct xbpf_insn *insns, size_t cnt, uint32_t at, uint64_t val,
		 uint32_t mem_size)
{
	struct xbpf_insn *in = &insns[at];
	uint8_t cls = XBPF_CLASS(in->code);
	if (cls == XBPF_LD && in->code == (XBPF_LD | XBPF_IMM | XBPF_DW)) {
		if (at + 1 >= cnt)
			return -EINVAL;
		in[0].imm = (int32_t)val;
		in[1].imm = (int32_t)(val >> 32);
	} else if ((cls == XBPF_ALU || cls == XBPF_ALU64) && XBPF_SRC(in->code) == XBPF_K) {
		in->imm = (int32_t)val;
	} else if (cls == XBPF_LDX || cls == XBPF_ST || cls == XBPF_STX) {
		if (val > INT16_MAX)
			return -ERANGE;
		in->off = val;
		static const uint8_t sizes[9] = {[1] = XBPF_B, [2] = XBPF_H, [4] = XBPF_W,
						 [8] = XBPF_DW};
		if (XBPF_MODE(in->code) == XBPF_MEM && mem_size <= 8 &&
		    (mem_size == 1 || mem_size == 2 || mem_size == 4 || mem_size == 8))
			in->code = (in->code & ~0x18) | sizes[mem_size];
	} else {
		return -EINVAL;
	}
	return 0;
}

static struct btf *core_target(struct xbpf_object *obj)
{
	if (obj->target_btf)
		return obj->target_btf;
	if (obj->btf_custom_path)
		obj->target_btf = btf_load_file(obj->btf_custom_path);
	else if (!obj->no_kernel_btf && !access("/sys/kernel/btf/vmlinux", R_OK))
		obj->target_btf = btf_load_file("/sys/kernel/btf/vmlinux");
	if (!obj->target_btf && !obj->btf_custom_path)
		obj->target_btf = btf_builtin();
	return obj->target_btf;
}

int ldr_core_apply(struct xbpf_object *obj, struct xbpf_program *p, struct xbpf_insn *insns)
{
	if (!obj->btf)
		return ldr_err(EINVAL, "prog '%s': CO-RE relocations without .BTF", p->name);
	struct btf *tgt = core_target(obj);
	if (!tgt)
		return ldr_err(EINVAL, "prog '%s': no target BTF for CO-RE relocations: %s", p->name,
			       ldr_errmsg());
	for (unsigned i = 0; i < p->core_cnt; i++) {
		const struct btf_core_todo *r = &p->core[i];
		struct core_spec sp = {0};
		const char *kname = r->kind < sizeof(kind_names) / sizeof(kind_names[0]) ?
				    kind_names[r->kind] : NULL;
		if (!kname || r->insn >= p->insn_cnt ||
		    parse_spec(obj->btf, r->type_id, btf_str(obj->btf, r->access_off), &sp))
			return ldr_err(EINVAL, "prog '%s': CO-RE relocation %u at insn %u is malformed "
				       "(kind %u, type %u)", p->name, i, r->insn, r->kind, r->type_id);
		uint64_t val = 0;
		uint32_t mem_size = 0; /* target field size, for field offsets of non-bitfields */
		int err = core_value(obj->btf, tgt, r, &sp, &val, &mem_size);
		if (err == -ENOENT)
			return ldr_err(EINVAL, "prog '%s': insn %u: CO-RE %s relocation of %s cannot "
				       "be satisfied: not in the target BTF", p->name, r->insn,
				       kname, sp.path);
		if (err)
			return ldr_err(EINVAL, "prog '%s': insn %u: CO-RE %s relocation of %s is "
				       "malformed", p->name, r->insn, kname, sp.path);
		if (r->kind != CORE_FIELD_BYTE_OFFSET)
			mem_size = 0;
		if (patch(insns, p->insn_cnt, r->insn, val, mem_size))
			return ldr_err(EINVAL, "prog '%s': insn %u: CO-RE %s relocation of %s on an "
				       "instruction it cannot patch (opcode %#x, value %llu)", p->name,
				       r->insn, kname, sp.path, insns[r->insn].code,
				       (unsigned long long)val);
	}
	return 0;
}
