/* load.c - xbpf_object__load(): create the object's maps through the maps API (global
 * data images, .kconfig values, map-in-map templates, pins), apply CO-RE relocations,
 * run the verifier (unless no_verify), load every program into the VM with its map
 * table, then fill program array and map-in-map slots. All or nothing: a failure unloads everything again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "loader.h"
#include "xbpf/verifier.h"
#include "../vm/vm_internal.h"
#include "../verifier/vrf_api.h"

static int create_map(struct xbpf_object *obj, struct xbpf_object_map *m, const char *pin_root,
		      int depth);

/* The live template an *_OF_MAPS map needs, created on demand. */
static int inner_template(struct xbpf_object *obj, struct xbpf_object_map *m,
			  const char *pin_root, int depth, struct xbpf_map **out)
{
	struct xbpf_object_map *in = m->inner;
	if (!in && m->legacy_inner_idx >= 0)
		in = obj->maps[m->legacy_inner_idx];
	*out = NULL;
	if (!in)
		return ldr_err(EINVAL, "map '%s': map-in-map without an inner map definition",
			       m->name);
	if (in == m || depth > 4)
		return ldr_err(EINVAL, "map '%s': inner map definition refers to itself", m->name);
	int err = create_map(obj, in, pin_root, depth + 1);
	*out = in->map;
	return err;
}

static int pin_map(struct xbpf_object_map *m, const char *pin_root)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", pin_root, m->name);
	struct stat st;
	if (!stat(path, &st)) {
		struct xbpf_map *old = xbpf_map__open_pinned(path);
		if (!old)
			return ldr_err(errno, "map '%s': cannot reuse pin %s: %s", m->name, path,
				       strerror(errno));
		if (xbpf_map__type(old) != m->type || xbpf_map__key_size(old) != m->key_size ||
		    xbpf_map__value_size(old) != m->value_size ||
		    xbpf_map__max_entries(old) != m->max_entries) {
			xbpf_map__put(old);
			return ldr_err(EINVAL, "map '%s': pin %s has a different definition", m->name,
				       path);
		}
		xbpf_map__put(m->map);
		m->map = old;
		return 0;
	}
	int err = xbpf_map__pin(m->map, path);
	return err ? ldr_err(-err, "map '%s': cannot pin at %s: %s", m->name, path,
			     strerror(-err)) : 0;
}

static int create_map(struct xbpf_object *obj, struct xbpf_object_map *m, const char *pin_root,
		      int depth)
{
	if (m->map)
		return 0;
	struct xbpf_map_create_opts o = {.sz = sizeof(o), .name = m->name,
					 .map_flags = m->map_flags, .numa_node = m->numa_node,
					 .map_extra = m->map_extra};
	if (m->type == XBPF_MAP_TYPE_ARRAY_OF_MAPS || m->type == XBPF_MAP_TYPE_HASH_OF_MAPS) {
		int err = inner_template(obj, m, pin_root, depth, (struct xbpf_map **)&o.inner_map);
		if (err)
			return err;
	}
	/* global data maps keep user-space write access; RDONLY_PROG is for programs */
	m->map = xbpf_map__create(m->type, m->key_size, m->value_size, m->max_entries, &o);
	if (!m->map)
		return ldr_err(errno, "map '%s': cannot create (type %s, key %u, value %u, max "
			       "%u, flags %#x): %s", m->name,
			       ldr_map_type_name(m->type) ? ldr_map_type_name(m->type) : "?",
			       m->key_size, m->value_size, m->max_entries, m->map_flags,
			       strerror(errno));
	if (m->init) {
		uint32_t zero = 0;
		int err = xbpf_map__update_elem(m->map, &zero, m->init, XBPF_ANY);
		if (err)
			return ldr_err(-err, "map '%s': cannot set its initial value: %s", m->name,
				       strerror(-err));
	}
	/* as libbpf: read-only global data and .kconfig are frozen once filled, so user
	 * space cannot change what the verifier takes as constants */
	if ((m->origin == XBPF_MAP_ORIGIN_DATA && (m->map_flags & XBPF_F_RDONLY_PROG)) ||
	    m->origin == XBPF_MAP_ORIGIN_KCONFIG) {
		int err = xbpf_map__freeze(m->map);
		if (err)
			return ldr_err(-err, "map '%s': cannot freeze: %s", m->name, strerror(-err));
	}
	if (pin_root && m->pinning == 1 && !m->hidden)
		return pin_map(m, pin_root);
	return 0;
}

/* Verify a program before it is loaded (unless the load options say no_verify). */
static int verify(struct xbpf_object *obj, struct xbpf_program *p, const struct xbpf_insn *insns,
		  bool strict_stack, bool *uninit)
{
	struct xbpf_verify_opts vo = {.sz = sizeof(vo), .prog_type = p->type, .vm = obj->vm,
				      .log_level = 1, .strict_stack = strict_stack};
	struct xbpf_verify_result *res = calloc(1, sizeof(*res));
	if (!res)
		return ldr_err(ENOMEM, "out of memory");
	res->sz = sizeof(*res);
	/* map descriptors, program type and source lines come from the object program (see
	 * src/verifier/objverify.c); `insns` are the relocated (CO-RE applied) ones. The
	 * contents of frozen .rodata/.kconfig maps (create_map) are taken as constants. */
	int err = vrf_verify_program(p, insns, p->insn_cnt, &vo, res, true);
	*uninit = res->reads_uninit_stack;
	if (err)
		err = ldr_err(-err, "prog '%s' (section '%s'): rejected by the verifier at insn %ld: "
			      "%s%s%s", p->name, p->sec_name, res->insn, res->message,
			      res->source_line[0] ? " -- " : "", res->source_line);
	free(res);
	return err;
}

/* The source line of the instruction a load error names ("insn 7 (...): ..."), as
 * " -- file.c:12: text", or "". */
static void source_of(const struct xbpf_program *p, const char *log, char *out, size_t size)
{
	unsigned idx;
	struct xbpf_line_info li;
	out[0] = 0;
	const char *at = strstr(log, "insn ");
	if (!at || sscanf(at, "insn %u", &idx) != 1 || xbpf_program__line_info(p, idx, &li))
		return;
	const char *f = strrchr(li.file, '/');
	const char *text = li.line;
	while (*text == ' ' || *text == '\t')
		text++;
	snprintf(out, size, " -- %s:%u: %s", f ? f + 1 : li.file, li.line_num, text);
}

static int load_program(struct xbpf_object *obj, struct xbpf_program *p,
			const struct xbpf_object_load_opts *o)
{
	if (p->link_err)
		return ldr_err(EINVAL, "%s", p->link_err);
	struct xbpf_insn *insns = malloc((p->insn_cnt ? p->insn_cnt : 1) * sizeof(*insns));
	struct xbpf_map **maps = calloc(p->map_cnt ? p->map_cnt : 1, sizeof(*maps));
	int err = 0;
	if (!insns || !maps) {
		err = ldr_err(ENOMEM, "out of memory");
		goto out;
	}
	memcpy(insns, p->insns, p->insn_cnt * sizeof(*insns));
	for (unsigned i = 0; i < p->map_cnt; i++)
		maps[i] = obj->maps[p->maps[i]]->map;
	if (p->core_cnt && (err = ldr_core_apply(obj, p, insns)))
		goto out;
	bool uninit = false; /* it may read stack it did not write: keep the stack zeroing */
	if (!o->no_verify && (err = verify(obj, p, insns, o->strict_stack, &uninit)))
		goto out;
	/* A verified program runs without runtime checks. That is sound for the context
	 * types whose test-run context comes from user input (tracepoint, raw_tracepoint,
	 * kprobe, perf_event) because xbpf_prog__test_run() (src/ctx/ctx.c) always allocates
	 * at least the context layout the verifier assumed, zero-filled. SYSCALL programs
	 * keep their checks: the verifier allows ctx offsets up to 64 KiB while their ctx is
	 * exactly the caller's ctx_in, of any size. */
	bool trusted = !o->no_verify && p->type != XBPF_PROG_TYPE_SYSCALL;
	uint32_t flags = o->prog_flags | (trusted ? XBPF_PROG_F_NO_CHECKS : 0) |
			 (o->no_verify || uninit ? 0 : XBPF_PROG_F_VERIFIED);
	char log[512] = "";
	struct xbpf_prog_load_opts lo = {.sz = sizeof(lo), .log_buf = log, .log_size = sizeof(log),
					 .flags = flags, .engine = o->engine,
					 .name = p->name, .maps = maps, .map_cnt = p->map_cnt,
					 .prog_type = p->type};
	p->prog = xbpf_prog__load(obj->vm, insns, p->insn_cnt, &lo);
	if (!p->prog) {
		char src[160];
		err = errno;
		source_of(p, log, src, sizeof(src));
		err = ldr_err(err, "prog '%s' (section '%s'): %s%s", p->name, p->sec_name,
			      log[0] ? log : strerror(err), src);
		goto out;
	}
	p->prog->loader_priv = p;
out:
	free(insns);
	free(maps);
	return err;
}

static int fill_slots(struct xbpf_object *obj)
{
	for (unsigned i = 0; i < obj->map_cnt; i++) {
		struct xbpf_object_map *m = obj->maps[i];
		for (unsigned s = 0; s < m->slot_cnt; s++) {
			int err, t = m->slots[s].target;
			uint32_t key = m->slots[s].slot;
			if (m->type == XBPF_MAP_TYPE_PROG_ARRAY && !obj->progs[t].prog)
				continue; /* not loaded (autoload off) */
			if (m->type == XBPF_MAP_TYPE_PROG_ARRAY)
				err = xbpf_map__set_prog(m->map, key, obj->progs[t].prog);
			else
				err = xbpf_map__set_inner_map(m->map, &key, obj->maps[t]->map);
			if (err)
				return ldr_err(-err, "map '%s': cannot fill slot %u: %s", m->name, key,
					       strerror(-err));
		}
	}
	return 0;
}

void ldr_unload(struct xbpf_object *obj)
{
	for (unsigned i = 0; i < obj->prog_cnt; i++)
		if (obj->progs[i].prog) {
			xbpf_prog__free(obj->progs[i].prog);
			obj->progs[i].prog = NULL;
		}
	for (unsigned i = 0; i < obj->map_cnt; i++) {
		struct xbpf_object_map *m = obj->maps[i];
		for (; m; m = m->inner)
			if (m->map) {
				xbpf_map__put(m->map);
				m->map = NULL;
			}
	}
	if (obj->own_vm)
		xbpf_vm__free(obj->vm);
	obj->vm = NULL;
	obj->own_vm = false;
	obj->loaded = false;
}

XBPF_API int xbpf_object__load(struct xbpf_object *obj, const struct xbpf_object_load_opts *opts)
{
	ldr_errclear();
	struct xbpf_object_load_opts o = {0};
	if (opts)
		memcpy(&o, opts, opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (!obj)
		return ldr_err(EINVAL, "no object");
	if (obj->loaded)
		return ldr_err(EALREADY, "object '%s' is already loaded", obj->name);
	int err = 0;
	obj->vm = o.vm;
	if (!obj->vm) {
		obj->vm = xbpf_vm__new(NULL);
		obj->own_vm = true;
		if (!obj->vm)
			err = ldr_err(errno, "cannot create a VM: %s", strerror(errno));
	}
	for (unsigned i = 0; !err && i < obj->map_cnt; i++)
		err = create_map(obj, obj->maps[i], o.pin_root, 0);
	for (unsigned i = 0; !err && i < obj->prog_cnt; i++)
		if (!obj->progs[i].no_autoload)
			err = load_program(obj, &obj->progs[i], &o);
	if (!err)
		err = fill_slots(obj);
	if (err) {
		ldr_unload(obj);
		if (o.log_buf && o.log_size)
			snprintf(o.log_buf, o.log_size, "%s", ldr_errmsg());
		return err;
	}
	obj->loaded = true;
	return 0;
}
