/* objverify.c - verifying a program of an object file (object.h): the map descriptors
 * come from the object's map definitions (map-in-map inner templates appended after the
 * program's own maps; .rodata contents as frozen read-only data), source lines from the
 * object's BTF line info, the program type from its section unless the options set one.
 * Used by `xbpf verify`, the benchmark, the corpus test and the loader.
 */
#include <stdlib.h>
#include <string.h>
#include "vrf.h"
#include "xbpf/object.h"
#include "xbpf/map.h"
#include "../vm/vm_internal.h"
#include "vrf_api.h"

struct line_ctx {
	const struct xbpf_program *prog;
	char buf[256];
};

static const char *line_of(void *ctx, size_t insn)
{
	struct line_ctx *lc = ctx;
	struct xbpf_line_info li;
	if (xbpf_program__line_info(lc->prog, insn, &li))
		return NULL;
	const char *f = li.file ? strrchr(li.file, '/') : NULL;
	const char *text = li.line ? li.line : "";
	while (*text == ' ' || *text == '\t')
		text++;
	snprintf(lc->buf, sizeof lc->buf, "%s:%u: %s", f ? f + 1 : (li.file ? li.file : "?"),
		 li.line_num, text);
	return lc->buf;
}

/* The contents of a live map programs cannot write and user space can no longer change
 * (frozen), or NULL. */
static const void *ro_data_of(const struct xbpf_map *m)
{
	if (!(xbpf_map__map_flags(m) & XBPF_F_RDONLY_PROG) || !xbpf_map__is_frozen(m))
		return NULL;
	return xbpf_map__value_base_ro(m);
}

static void describe(struct xbpf_verify_map *d, const struct xbpf_object_map *m, bool rodata)
{
	size_t sz = 0;
	memset(d, 0, sizeof *d);
	d->type = xbpf_object_map__type(m);
	d->key_size = xbpf_object_map__key_size(m);
	d->value_size = xbpf_object_map__value_size(m);
	d->max_entries = xbpf_object_map__max_entries(m);
	d->flags = xbpf_object_map__flags(m);
	d->inner = -1;
	d->name = xbpf_object_map__name(m);
	if (!(d->flags & XBPF_F_RDONLY_PROG))
		return;
	const struct xbpf_map *live = xbpf_object_map__map(m);
	if (live) {             /* loaded: constants only when nobody can change them */
		d->ro_data = ro_data_of(live);
		return;
	}
	if (rodata) {
		const void *v = xbpf_object_map__initial_value(m, &sz);
		if (v && sz >= d->value_size)
			d->ro_data = v;
	}
}

int vrf_verify_program(const struct xbpf_program *prog, const struct xbpf_insn *insns,
		       size_t cnt, const struct xbpf_verify_opts *opts,
		       struct xbpf_verify_result *res, bool rodata)
{
	struct xbpf_verify_opts o;
	struct line_ctx lc = {.prog = prog};
	unsigned n = xbpf_program__map_cnt(prog), total = n;
	memset(&o, 0, sizeof o);
	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof o ? opts->sz : sizeof o);
	o.sz = sizeof o;
	struct xbpf_verify_map *maps = calloc(2 * (size_t)n + 1, sizeof *maps);
	if (!maps)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		const struct xbpf_object_map *m = xbpf_program__map(prog, i);
		if (!m)
			continue;
		describe(&maps[i], m, rodata);
		const struct xbpf_object_map *inner = xbpf_object_map__inner(m);
		if (inner) {
			describe(&maps[total], inner, rodata);
			maps[i].inner = (int32_t)total++;
		}
	}
	if (!o.maps) {
		o.maps = maps;
		o.map_cnt = total;
	}
	if (!o.prog_type)
		o.prog_type = xbpf_program__type(prog);
	if (!o.source_line) {
		o.source_line = line_of;
		o.source_ctx = &lc;
	}
	int err = xbpf_verify(insns, cnt, &o, res);
	free(maps);
	return err;
}

int xbpf_program__verify(const struct xbpf_program *prog, const struct xbpf_verify_opts *opts,
			 struct xbpf_verify_result *res)
{
	if (!prog)
		return -EINVAL;
	return vrf_verify_program(prog, xbpf_program__insns(prog), xbpf_program__insn_cnt(prog),
				  opts, res, true);
}

/* The loader's hook (see vrf_api.h). The contents of frozen read-only maps (.rodata,
 * .kconfig, see load.c) are constants. */
int vrf_verify(struct xbpf_prog *prog, char *log, size_t log_size)
{
	struct xbpf_verify_opts o = {.sz = sizeof o, .vm = prog->vm, .prog_type = prog->prog_type};
	struct xbpf_verify_result *r = malloc(sizeof *r);
	struct xbpf_verify_map *maps = NULL;
	int err;
	if (!r)
		return -ENOMEM;
	if (prog->loader_priv) {
		err = vrf_verify_program(prog->loader_priv, prog->insns, prog->insn_cnt, &o, r, false);
	} else {
		maps = calloc(prog->map_cnt + 1, sizeof *maps);
		if (!maps) {
			free(r);
			return -ENOMEM;
		}
		for (unsigned i = 0; i < prog->map_cnt; i++) {
			const struct xbpf_map *m = prog->maps[i];
			maps[i] = (struct xbpf_verify_map){xbpf_map__type(m), xbpf_map__key_size(m),
				xbpf_map__value_size(m), xbpf_map__max_entries(m),
				xbpf_map__map_flags(m), -1, ro_data_of(m), xbpf_map__name(m)};
		}
		o.maps = maps;
		o.map_cnt = prog->map_cnt;
		err = xbpf_verify(prog->insns, prog->insn_cnt, &o, r);
	}
	if (err && log && log_size)
		snprintf(log, log_size, "insn %ld: %s (%s)", r->insn, r->message, r->hint);
	free(maps);
	free(r);
	return err;
}
