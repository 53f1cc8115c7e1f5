/* object.c - the public object API (include/xbpf/object.h): open (read the ELF, BTF,
 * map definitions, build and link the programs), accessors, close, and the per-thread
 * error text every failure leaves. Loading lives in load.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "loader.h"
#include "../vm/vm_internal.h"

static __thread char errbuf[512];

int ldr_err(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return err > 0 ? -err : -EINVAL; /* never 0: a caller's errno may have been 0 */
}

const char *ldr_errmsg(void) { return errbuf; }
void ldr_errclear(void) { errbuf[0] = 0; }

XBPF_API const char *xbpf_object__last_error(void) { return errbuf; }

static void copy_log(char *buf, size_t size)
{
	if (buf && size)
		snprintf(buf, size, "%s", errbuf);
}

static int read_btf(struct xbpf_object *obj)
{
	int btf_sec = -1, ext_sec = -1;
	for (unsigned i = 1; i < obj->sec_cnt; i++) {
		if (obj->secs[i].kind == SEC_BTF)
			btf_sec = i;
		else if (obj->secs[i].kind == SEC_BTF_EXT)
			ext_sec = i;
	}
	if (btf_sec < 0)
		return 0;
	const struct ldr_sec *s = &obj->secs[btf_sec];
	if (!s->data)
		return ldr_err(EINVAL, ".BTF section has no contents");
	obj->btf = btf_parse(s->data, s->size);
	if (!obj->btf)
		return -errno;
	if (ext_sec < 0)
		return 0;
	s = &obj->secs[ext_sec];
	if (!s->data)
		return ldr_err(EINVAL, ".BTF.ext section has no contents");
	return btf_ext_parse(&obj->ext, obj->btf, s->data, s->size);
}

static int open_all(struct xbpf_object *obj)
{
	int err = elf_read(obj);
	if (!err)
		err = read_btf(obj);
	if (!err)
		err = elf_find_funcs(obj);
	if (!err)
		err = ldr_collect_maps(obj);
	if (!err)
		err = ldr_link_programs(obj);
	if (!err)
		err = ldr_map_slots(obj);
	if (!err)
		err = ldr_legacy_slots(obj);
	if (!err)
		ldr_guess_types(obj);
	return err;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

XBPF_API struct xbpf_object *xbpf_object__open_mem(const void *buf, size_t size,
						   const struct xbpf_object_open_opts *opts)
{
	ldr_errclear();
	struct xbpf_object_open_opts o = {0};
	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	int err = 0;
	struct xbpf_object *obj = NULL;
	if (!buf || size == 0) {
		err = ldr_err(EINVAL, "empty object image");
		goto fail;
	}
	obj = calloc(1, sizeof(*obj));
	if (!obj || !(obj->buf = malloc(size)) ||
	    !(obj->name = strdup(o.object_name ? o.object_name : "object")) ||
	    (o.btf_custom_path && !(obj->btf_custom_path = strdup(o.btf_custom_path)))) {
		err = ldr_err(ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(obj->buf, buf, size);
	obj->size = size;
	obj->no_kernel_btf = o.no_kernel_btf;
	obj->kconfig_map = -1;
	err = open_all(obj);
	if (!err)
		return obj;
fail:
	xbpf_object__close(obj);
	copy_log(o.log_buf, o.log_size);
	errno = -err;
	return NULL;
}

XBPF_API struct xbpf_object *xbpf_object__open_file(const char *path,
						    const struct xbpf_object_open_opts *opts)
{
	ldr_errclear();
	int err;
	if (!path) {
		err = ldr_err(EINVAL, "no path");
		goto fail;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		err = ldr_err(errno, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0 || st.st_size > (1ll << 31)) {
		close(fd);
		err = ldr_err(EINVAL, "%s: not a regular, non-empty object file", path);
		goto fail;
	}
	size_t len = st.st_size, got = 0;
	uint8_t *buf = malloc(len);
	while (buf && got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (!buf || got != len) {
		free(buf);
		err = ldr_err(buf ? EIO : ENOMEM, "%s: cannot read the file", path);
		goto fail;
	}
	struct xbpf_object_open_opts o = {.sz = sizeof(o)};
	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (!o.object_name)
		o.object_name = base_name(path);
	struct xbpf_object *obj = xbpf_object__open_mem(buf, len, &o);
	err = errno;
	free(buf);
	if (!obj) {
		/* prefix the file name once */
		char msg[sizeof(errbuf)];
		snprintf(msg, sizeof(msg), "%s", errbuf);
		ldr_err(err, "%s: %s", path, msg);
		if (opts)
			copy_log(o.log_buf, o.log_size);
		errno = err;
	}
	return obj;
fail:
	if (opts && opts->sz >= offsetof(struct xbpf_object_open_opts, log_size) + sizeof(size_t))
		copy_log(opts->log_buf, opts->log_size);
	errno = -err;
	return NULL;
}

static void free_programs(struct xbpf_object *obj)
{
	for (unsigned i = 0; i < obj->prog_cnt; i++) {
		struct xbpf_program *p = &obj->progs[i];
		if (p->prog)
			xbpf_prog__free(p->prog);
		free(p->name);
		free(p->sec_name);
		free(p->insns);
		free(p->maps);
		free(p->blocks);
		free(p->core);
		free(p->link_err);
	}
	free(obj->progs);
}

XBPF_API void xbpf_object__close(struct xbpf_object *obj)
{
	if (!obj)
		return;
	ldr_unload(obj);
	free_programs(obj);
	for (unsigned i = 0; i < obj->map_cnt; i++)
		ldr_map_free(obj->maps[i]);
	free(obj->maps);
	for (unsigned i = 0; i < obj->sec_cnt; i++)
		free(obj->secs[i].relocs);
	free(obj->secs);
	free(obj->syms);
	free(obj->funcs);
	btf_ext_free(&obj->ext);
	btf_free(obj->btf);
	btf_free(obj->target_btf);
	free(obj->btf_custom_path);
	free(obj->name);
	free(obj->buf);
	free(obj);
}

XBPF_API const char *xbpf_object__name(const struct xbpf_object *obj) { return obj->name; }
XBPF_API const char *xbpf_object__license(const struct xbpf_object *obj) { return obj->license; }
XBPF_API uint32_t xbpf_object__kversion(const struct xbpf_object *obj) { return obj->kversion; }
XBPF_API struct xbpf_vm *xbpf_object__vm(const struct xbpf_object *obj)
{
	return obj->loaded ? obj->vm : NULL;
}

/* ---- programs ------------------------------------------------------------------------- */
XBPF_API struct xbpf_program *xbpf_object__next_program(const struct xbpf_object *obj,
							struct xbpf_program *prev)
{
	if (!obj)
		return NULL;
	size_t i = prev ? (size_t)(prev - obj->progs) + 1 : 0;
	return i < obj->prog_cnt ? &obj->progs[i] : NULL;
}

XBPF_API size_t xbpf_object__program_cnt(const struct xbpf_object *obj) { return obj->prog_cnt; }

XBPF_API struct xbpf_program *xbpf_object__find_program_by_name(const struct xbpf_object *obj,
								const char *name)
{
	for (unsigned i = 0; obj && name && i < obj->prog_cnt; i++)
		if (!strcmp(obj->progs[i].name, name))
			return &obj->progs[i];
	errno = ENOENT;
	return NULL;
}

XBPF_API struct xbpf_program *xbpf_object__find_program_by_section(const struct xbpf_object *obj,
								   const char *sec)
{
	for (unsigned i = 0; obj && sec && i < obj->prog_cnt; i++)
		if (!strcmp(obj->progs[i].sec_name, sec))
			return &obj->progs[i];
	errno = ENOENT;
	return NULL;
}

XBPF_API const char *xbpf_program__name(const struct xbpf_program *p) { return p->name; }
XBPF_API const char *xbpf_program__section(const struct xbpf_program *p) { return p->sec_name; }
XBPF_API enum xbpf_prog_type xbpf_program__type(const struct xbpf_program *p) { return p->type; }
XBPF_API const char *xbpf_program__attach_target(const struct xbpf_program *p)
{
	return p->attach ? p->attach : "";
}

XBPF_API int xbpf_program__set_type(struct xbpf_program *p, enum xbpf_prog_type type)
{
	if (p->obj->loaded)
		return -EBUSY;
	if ((unsigned)type >= XBPF_PROG_TYPE__COUNT)
		return -EINVAL;
	p->type = type;
	return 0;
}

XBPF_API int xbpf_program__set_autoload(struct xbpf_program *p, bool autoload)
{
	if (p->obj->loaded)
		return -EBUSY;
	p->no_autoload = !autoload;
	return 0;
}
XBPF_API bool xbpf_program__autoload(const struct xbpf_program *p) { return !p->no_autoload; }

XBPF_API size_t xbpf_program__insn_cnt(const struct xbpf_program *p) { return p->insn_cnt; }
XBPF_API const struct xbpf_insn *xbpf_program__insns(const struct xbpf_program *p)
{
	return p->insns;
}
XBPF_API size_t xbpf_program__main_insn_cnt(const struct xbpf_program *p) { return p->main_cnt; }
XBPF_API unsigned xbpf_program__map_cnt(const struct xbpf_program *p) { return p->map_cnt; }
XBPF_API struct xbpf_object_map *xbpf_program__map(const struct xbpf_program *p, unsigned i)
{
	return i < p->map_cnt ? p->obj->maps[p->maps[i]] : NULL;
}
XBPF_API struct xbpf_prog *xbpf_program__prog(const struct xbpf_program *p) { return p->prog; }
XBPF_API struct xbpf_object *xbpf_program__object(const struct xbpf_program *p) { return p->obj; }
XBPF_API struct xbpf_program *xbpf_program__from_prog(const struct xbpf_prog *prog)
{
	return prog ? prog->loader_priv : NULL;
}

/* Block of the linked program holding instruction idx: its function and section index. */
static const struct ldr_func *func_of(const struct xbpf_program *p, size_t idx, uint32_t *sidx)
{
	if (idx >= p->insn_cnt)
		return NULL;
	unsigned b = 0;
	for (unsigned i = 0; i < p->block_cnt; i++)
		if (p->blocks[i].at <= idx && p->blocks[i].at >= p->blocks[b].at)
			b = i;
	if (b >= p->block_cnt)
		return NULL;
	const struct ldr_func *f = &p->obj->funcs[p->blocks[b].func];
	*sidx = f->start + (idx - p->blocks[b].at);
	return f;
}

XBPF_API int xbpf_program__line_info(const struct xbpf_program *p, size_t idx,
				     struct xbpf_line_info *out)
{
	uint32_t sidx;
	const struct ldr_func *f = func_of(p, idx, &sidx);
	const struct xbpf_object *obj = p->obj;
	if (!f)
		return -ENOENT;
	const struct btf_ext_sec *es = btf_ext_find(obj->ext.line, obj->ext.line_cnt,
						    obj->secs[f->sec].name);
	struct btf_line_rec best = {0};
	bool found = false;
	for (uint32_t i = 0; es && i < es->num; i++) {
		struct btf_line_rec r;
		memcpy(&r, es->recs + (size_t)i * es->rec_size, sizeof(r));
		if (r.insn_off % 8 || r.insn_off / 8 < f->start || r.insn_off / 8 > sidx)
			continue;
		if (!found || r.insn_off >= best.insn_off) {
			best = r;
			found = true;
		}
	}
	if (!found)
		return -ENOENT;
	out->file = btf_str(obj->btf, best.file_off);
	out->line = btf_str(obj->btf, best.line_off);
	out->line_num = best.line_col >> 10;
	out->col = best.line_col & 0x3ff;
	out->insn_idx = idx - (sidx - best.insn_off / 8);
	return 0;
}

XBPF_API const char *xbpf_program__func_name(const struct xbpf_program *p, size_t idx)
{
	uint32_t sidx;
	const struct ldr_func *f = func_of(p, idx, &sidx);
	return f ? f->name : NULL;
}

/* ---- maps ----------------------------------------------------------------------------- */
XBPF_API struct xbpf_object_map *xbpf_object__next_map(const struct xbpf_object *obj,
						       struct xbpf_object_map *prev)
{
	unsigned i = 0;
	if (!obj)
		return NULL;
	if (prev) {
		while (i < obj->map_cnt && obj->maps[i] != prev)
			i++;
		i++;
	}
	return i < obj->map_cnt ? obj->maps[i] : NULL;
}

XBPF_API size_t xbpf_object__map_cnt(const struct xbpf_object *obj) { return obj->map_cnt; }

XBPF_API struct xbpf_object_map *xbpf_object__find_map_by_name(const struct xbpf_object *obj,
							       const char *name)
{
	for (unsigned i = 0; obj && name && i < obj->map_cnt; i++)
		if (!strcmp(obj->maps[i]->name, name))
			return obj->maps[i];
	errno = ENOENT;
	return NULL;
}

XBPF_API const char *xbpf_object_map__name(const struct xbpf_object_map *m) { return m->name; }
XBPF_API enum xbpf_map_type xbpf_object_map__type(const struct xbpf_object_map *m)
{
	return m->type;
}
XBPF_API uint32_t xbpf_object_map__key_size(const struct xbpf_object_map *m) { return m->key_size; }
XBPF_API uint32_t xbpf_object_map__value_size(const struct xbpf_object_map *m)
{
	return m->value_size;
}
XBPF_API uint32_t xbpf_object_map__max_entries(const struct xbpf_object_map *m)
{
	return m->max_entries;
}
XBPF_API uint32_t xbpf_object_map__flags(const struct xbpf_object_map *m) { return m->map_flags; }
XBPF_API uint32_t xbpf_object_map__pinning(const struct xbpf_object_map *m) { return m->pinning; }
XBPF_API enum xbpf_map_origin xbpf_object_map__origin(const struct xbpf_object_map *m)
{
	return m->origin;
}
XBPF_API const void *xbpf_object_map__initial_value(const struct xbpf_object_map *m, size_t *size)
{
	if (size)
		*size = m->init ? m->value_size : 0;
	return m->init;
}
XBPF_API struct xbpf_object_map *xbpf_object_map__inner(const struct xbpf_object_map *m)
{
	if (m->inner)
		return m->inner;
	return m->legacy_inner_idx >= 0 ? m->obj->maps[m->legacy_inner_idx] : NULL;
}
XBPF_API struct xbpf_map *xbpf_object_map__map(const struct xbpf_object_map *m) { return m->map; }
