/* reloc.c - building each program: its main function plus, appended after it, every
 * function it reaches through bpf-to-bpf calls (R_BPF_64_32, or pc-relative calls with no
 * relocation inside a section) and callback references (lddw of a function, R_BPF_64_64
 * against code), transitively, as libbpf links them; then relocating:
 *   call to a function      src=1, imm = pc-relative offset in the linked program
 *   lddw of a function      src=4 (XBPF_PSEUDO_FUNC), imm = pc-relative offset
 *   lddw of a map           src=5 (XBPF_PSEUDO_MAP_IDX), imm = program map table index
 *   lddw of global data     src=6 (XBPF_PSEUDO_MAP_IDX_VALUE), imm = table index,
 *                           next.imm = offset in the section (symbol value + addend)
 *   lddw of a .kconfig extern   src=6 against the .kconfig map
 * A program whose relocations cannot be applied keeps the message in prog->link_err and
 * fails at load; the object still opens and lists it.
 */
#include <errno.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loader.h"

#define R_BPF_NONE_ 0
#define R_BPF_64_64_ 1
#define R_BPF_64_32_ 10
#define OP_LDDW (XBPF_LD | XBPF_IMM | XBPF_DW)
#define OP_CALL (XBPF_JMP | XBPF_CALL)

struct link {
	struct xbpf_object *obj;
	struct xbpf_program *prog;
	int *placed;           /* per function: its first index in the linked program, or -1 */
	unsigned *order;       /* functions in placement order */
	unsigned order_cnt;
	size_t total;
	char err[256];
};

static int link_err(struct link *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int link_err(struct link *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(l->err, sizeof(l->err), "prog '%s': ", l->prog->name);
	if (n > 0 && (size_t)n < sizeof(l->err))
		vsnprintf(l->err + n, sizeof(l->err) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const struct ldr_reloc *reloc_of(const struct xbpf_object *obj, unsigned sec, uint32_t j)
{
	const struct ldr_reloc *r = elf_reloc_at(&obj->secs[sec], (uint64_t)j * 8);
	if (!r || r->type != R_BPF_NONE_)
		return r;
	/* R_BPF_NONE on an lddw: a map load of an old toolchain (see reloc_lddw) */
	return obj->secs[sec].data[(size_t)j * 8] == OP_LDDW ? r : NULL;
}

static bool is_code(const struct xbpf_object *obj, unsigned shndx)
{
	return shndx < obj->sec_cnt &&
	       (obj->secs[shndx].kind == SEC_PROG || obj->secs[shndx].kind == SEC_TEXT);
}

/* If instruction j of `sec` refers to code (a pseudo call or lddw of a function), store
 * the function index and target instruction in *fn / *tidx and return 1; 0 when it does
 * not; -EINVAL (link_err) for a bad reference. */
static int code_target(struct link *l, unsigned sec, uint32_t j, int *fn, uint32_t *tidx)
{
	const struct xbpf_object *obj = l->obj;
	struct xbpf_insn in;
	memcpy(&in, obj->secs[sec].data + (size_t)j * 8, 8);
	const struct ldr_reloc *r = reloc_of(obj, sec, j);
	unsigned tsec = sec;
	int64_t t;
	if (in.code == OP_CALL && (r || in.src_reg == XBPF_PSEUDO_CALL)) {
		if (r) {
			const struct ldr_sym *s = &obj->syms[r->sym];
			if (r->type != R_BPF_64_32_)
				return link_err(l, "insn %u of '%s': relocation type %u on a call",
						j, obj->secs[sec].name, r->type);
			if (s->shndx == SHN_UNDEF)
				return link_err(l, "call to extern function '%s' (kernel functions "
						"are not supported)", s->name);
			if (!is_code(obj, s->shndx) || s->value % 8)
				return link_err(l, "call target '%s' is not a function", s->name);
			tsec = s->shndx;
			t = (int64_t)(s->value / 8) + in.imm + 1;
		} else {
			t = (int64_t)j + in.imm + 1;
		}
	} else if (in.code == OP_LDDW && r && r->type == R_BPF_64_64_ &&
		   is_code(obj, obj->syms[r->sym].shndx)) {
		const struct ldr_sym *s = &obj->syms[r->sym];
		int64_t off = (int64_t)s->value + in.imm;
		if (off % 8)
			return link_err(l, "function reference '%s'%+d is not on an instruction",
					s->name, in.imm);
		tsec = s->shndx;
		t = off / 8;
	} else {
		return 0;
	}
	if (t < 0 || (uint64_t)t >= obj->secs[tsec].size / 8)
		return link_err(l, "insn %u of '%s': call target %lld outside section '%s'", j,
				obj->secs[sec].name, (long long)t, obj->secs[tsec].name);
	*fn = elf_func_at(obj, tsec, t);
	if (*fn < 0)
		return link_err(l, "insn %u of '%s': call target %lld of '%s' is not in a function",
				j, obj->secs[sec].name, (long long)t, obj->secs[tsec].name);
	*tidx = t;
	return 1;
}

/* Place the main function, then every function reachable from it. */
static int collect(struct link *l, unsigned main_fn)
{
	const struct xbpf_object *obj = l->obj;
	l->order[l->order_cnt++] = main_fn;
	l->placed[main_fn] = 0;
	l->total = obj->funcs[main_fn].cnt;
	for (unsigned q = 0; q < l->order_cnt; q++) {
		const struct ldr_func *f = &obj->funcs[l->order[q]];
		for (uint32_t j = f->start; j < f->start + f->cnt; j++) {
			int fn;
			uint32_t t;
			int r = code_target(l, f->sec, j, &fn, &t);
			if (r < 0)
				return r;
			if (r == 0 || l->placed[fn] >= 0)
				continue;
			l->placed[fn] = l->total;
			l->total += obj->funcs[fn].cnt;
			l->order[l->order_cnt++] = fn;
		}
	}
	return 0;
}

static int prog_map_idx(struct link *l, unsigned obj_map)
{
	struct xbpf_program *p = l->prog;
	for (unsigned i = 0; i < p->map_cnt; i++)
		if (p->maps[i] == obj_map)
			return i;
	void *q = realloc(p->maps, (p->map_cnt + 1) * sizeof(*p->maps));
	if (!q)
		return -ENOMEM;
	p->maps = q;
	p->maps[p->map_cnt] = obj_map;
	return p->map_cnt++;
}

/* lddw at out[o] relocated against data symbol s (map `mi`, value offset `off`). */
static int reloc_value(struct link *l, struct xbpf_insn *out, int mi, int64_t off,
		       const char *what)
{
	const struct xbpf_object_map *m = l->obj->maps[mi];
	if (off < 0 || off > m->value_size)
		return link_err(l, "reference to '%s'%+lld outside its section (%u bytes)", what,
				(long long)off, m->value_size);
	int idx = prog_map_idx(l, mi);
	if (idx < 0)
		return link_err(l, "out of memory");
	out[0].src_reg = XBPF_PSEUDO_MAP_IDX_VALUE;
	out[0].imm = idx;
	out[1].imm = off;
	return 0;
}

static int reloc_lddw(struct link *l, unsigned sec, const struct ldr_reloc *r,
		      struct xbpf_insn *out)
{
	const struct xbpf_object *obj = l->obj;
	const struct ldr_sym *s = &obj->syms[r->sym];
	/* R_BPF_NONE: old toolchains (EM_NONE objects such as ovs/datapath.o) emitted type 0
	 * for map loads; their loaders, like the kernel samples' one, ignored the type */
	if (r->type != R_BPF_64_64_ && r->type != R_BPF_NONE_)
		return link_err(l, "relocation type %u against '%s' on lddw", r->type, s->name);
	if (r->rela)
		out[0].imm = (int32_t)r->addend;
	if (s->shndx == SHN_UNDEF) {
		int off = ldr_kconfig_off(obj, s);
		if (off == -ENOTSUP)
			return link_err(l, "kconfig extern '%s' has no value in xbpf", s->name);
		if (off < 0)
			return link_err(l, "extern '%s' is not supported (only .kconfig externs "
					"are)", s->name);
		return reloc_value(l, out, obj->kconfig_map, off + out[0].imm, s->name);
	}
	if (s->shndx >= obj->sec_cnt)
		return link_err(l, "lddw against symbol '%s' of special section %#x", s->name,
				s->shndx);
	const struct ldr_sec *ts = &obj->secs[s->shndx];
	if (ts->kind == SEC_MAPS || ts->kind == SEC_BTF_MAPS) {
		uint64_t off = s->value + (s->type == STT_SECTION ? out[0].imm : 0);
		int mi = ldr_map_by_def(obj, s->shndx, off);
		if (mi < 0)
			return link_err(l, "lddw against '%s' (offset %#llx of '%s'), which is not a "
					"map definition", s->name, (unsigned long long)off, ts->name);
		int idx = prog_map_idx(l, mi);
		if (idx < 0)
			return link_err(l, "out of memory");
		out[0].src_reg = XBPF_PSEUDO_MAP_IDX;
		out[0].imm = idx;
		out[1].imm = 0;
		return 0;
	}
	if (ts->kind == SEC_DATA) {
		if (ts->map_idx < 0)
			return link_err(l, "lddw against '%s' in empty section '%s'", s->name,
					ts->name);
		return reloc_value(l, out, ts->map_idx, (int64_t)s->value + out[0].imm, s->name);
	}
	return link_err(l, "lddw against '%s' in section '%s', which is not a map, global data "
			"or code", s->name, ts->name);
}

/* Copy function f to its place and apply its relocations. */
static int relocate_func(struct link *l, unsigned fi, struct xbpf_insn *out)
{
	const struct xbpf_object *obj = l->obj;
	const struct ldr_func *f = &obj->funcs[fi];
	const uint8_t *src = obj->secs[f->sec].data;
	uint32_t base = l->placed[fi];
	memcpy(out + base, src + (size_t)f->start * 8, (size_t)f->cnt * 8);
	for (uint32_t j = f->start; j < f->start + f->cnt; j++) {
		struct xbpf_insn *in = &out[base + j - f->start];
		int fn;
		uint32_t t;
		int r = code_target(l, f->sec, j, &fn, &t);
		if (r < 0)
			return r;
		if (r > 0) {
			int64_t target = l->placed[fn] + (int64_t)(t - obj->funcs[fn].start);
			in->imm = target - (int64_t)(base + j - f->start) - 1;
			in->src_reg = in->code == OP_CALL ? XBPF_PSEUDO_CALL : XBPF_PSEUDO_FUNC;
			continue;
		}
		const struct ldr_reloc *rl = reloc_of(obj, f->sec, j);
		if (!rl)
			continue;
		if (in->code != OP_LDDW)
			return link_err(l, "insn %u of '%s': relocation against '%s' on an "
					"instruction that is not lddw or call (opcode %#x)", j,
					obj->secs[f->sec].name, obj->syms[rl->sym].name, in->code);
		if (j + 1 >= f->start + f->cnt)
			return link_err(l, "insn %u of '%s': lddw at the end of function '%s'", j,
					obj->secs[f->sec].name, f->name);
		r = reloc_lddw(l, f->sec, rl, in);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_core(struct link *l, unsigned fi)
{
	const struct xbpf_object *obj = l->obj;
	const struct ldr_func *f = &obj->funcs[fi];
	const struct btf_ext_sec *es = btf_ext_find(obj->ext.core, obj->ext.core_cnt,
						    obj->secs[f->sec].name);
	struct xbpf_program *p = l->prog;
	for (uint32_t i = 0; es && i < es->num; i++) {
		struct btf_core_rec rec;
		memcpy(&rec, es->recs + (size_t)i * es->rec_size, sizeof(rec));
		if (rec.insn_off % 8 || rec.insn_off / 8 < f->start ||
		    rec.insn_off / 8 >= f->start + f->cnt)
			continue;
		void *q = realloc(p->core, (p->core_cnt + 1) * sizeof(*p->core));
		if (!q)
			return link_err(l, "out of memory");
		p->core = q;
		p->core[p->core_cnt++] = (struct btf_core_todo){
			l->placed[fi] + rec.insn_off / 8 - f->start, rec.type_id, rec.access_off,
			rec.kind};
	}
	return 0;
}

static int link_program(struct xbpf_object *obj, struct xbpf_program *p, struct link *l)
{
	memset(l->placed, -1, obj->func_cnt * sizeof(*l->placed));
	l->order_cnt = 0;
	l->prog = p;
	l->err[0] = 0;
	int err = collect(l, p->func);
	if (err)
		return err;
	p->insns = calloc(l->total ? l->total : 1, sizeof(*p->insns));
	p->blocks = calloc(l->order_cnt, sizeof(*p->blocks));
	if (!p->insns || !p->blocks)
		return link_err(l, "out of memory");
	p->insn_cnt = l->total;
	p->main_cnt = obj->funcs[p->func].cnt;
	for (unsigned q = 0; q < l->order_cnt && !err; q++) {
		unsigned fi = l->order[q];
		p->blocks[p->block_cnt].at = l->placed[fi];
		p->blocks[p->block_cnt++].func = fi;
		err = relocate_func(l, fi, p->insns);
		if (!err)
			err = add_core(l, fi);
	}
	return err;
}

static int new_program(struct xbpf_object *obj, unsigned fi)
{
	const struct ldr_func *f = &obj->funcs[fi];
	struct xbpf_program *p = &obj->progs[obj->prog_cnt];
	memset(p, 0, sizeof(*p));
	p->obj = obj;
	p->func = fi;
	p->sec = f->sec;
	p->name = strdup(f->name);
	p->sec_name = strdup(obj->secs[f->sec].name);
	if (!p->name || !p->sec_name) {
		free(p->name);
		free(p->sec_name);
		return ldr_err(ENOMEM, "out of memory");
	}
	ldr_sec_type(p->sec_name, &p->type, &p->attach);
	obj->prog_cnt++;
	return 0;
}

/* Create a program for every function of every program section and link each one. */
int ldr_link_programs(struct xbpf_object *obj)
{
	obj->progs = calloc(obj->func_cnt ? obj->func_cnt : 1, sizeof(*obj->progs));
	if (!obj->progs)
		return ldr_err(ENOMEM, "out of memory");
	bool any = false, legacy = true;
	for (unsigned i = 0; i < obj->func_cnt; i++) {
		any |= obj->secs[obj->funcs[i].sec].kind == SEC_PROG;
		legacy &= obj->funcs[i].whole;
	}
	/* Without program sections, the global functions of .text are the programs; in
	 * objects of old compilers (no function symbols at all) .text is listed too. */
	for (unsigned i = 0; i < obj->func_cnt; i++) {
		const struct ldr_func *f = &obj->funcs[i];
		enum ldr_sec_kind k = obj->secs[f->sec].kind;
		bool text = k == SEC_TEXT && ((!any && f->global) || legacy);
		if ((k == SEC_PROG || text) && new_program(obj, i))
			return -ENOMEM;
	}
	struct link l = {.obj = obj};
	l.placed = calloc(obj->func_cnt ? obj->func_cnt : 1, sizeof(*l.placed));
	l.order = calloc(obj->func_cnt ? obj->func_cnt : 1, sizeof(*l.order));
	int err = 0;
	if (!l.placed || !l.order)
		err = ldr_err(ENOMEM, "out of memory");
	for (unsigned i = 0; !err && i < obj->prog_cnt; i++) {
		struct xbpf_program *p = &obj->progs[i];
		int e = link_program(obj, p, &l);
		if (e == -ENOMEM || (e && !l.err[0]))
			err = ldr_err(-e, "%s", l.err[0] ? l.err : "out of memory");
		else if (e && !(p->link_err = strdup(l.err)))
			err = ldr_err(ENOMEM, "out of memory");
	}
	free(l.placed);
	free(l.order);
	return err;
}
