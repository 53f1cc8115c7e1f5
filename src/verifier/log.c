/* log.c - what the verifier says: register and stack state in the kernel's notation
 * ("R1=ctx() R2=pkt(off=14,r=14) R3=scalar(umax=255)"), the level-2 per-instruction log
 * ("12: (61) r2 = *(u32 *)(r1 + 4) ; R1=ctx() R2=pkt_end()"), and the explanation of a
 * rejection: instruction and disassembly, source line, the failing state, the branch
 * decisions of the path, and a one-line hint.
 */
#include <stdio.h>
#include <string.h>
#include "vrf.h"

static const char *names[VT__COUNT][2] = {
	[VT_NOT_INIT] = {"?", "?"},
	[VT_SCALAR] = {"scalar", "scalar"},
	[VT_CTX] = {"ctx", "ctx_or_null"},
	[VT_STACK] = {"fp", "fp_or_null"},
	[VT_MAP_PTR] = {"map_ptr", "map_ptr_or_null"},
	[VT_MAP_VALUE] = {"map_value", "map_value_or_null"},
	[VT_MAP_KEY] = {"map_key", "map_key_or_null"},
	[VT_PKT] = {"pkt", "pkt_or_null"},
	[VT_PKT_META] = {"pkt_meta", "pkt_meta_or_null"},
	[VT_PKT_END] = {"pkt_end", "pkt_end_or_null"},
	[VT_MEM] = {"mem", "mem_or_null"},
	[VT_SOCK] = {"sock", "sock_or_null"},
	[VT_BTF_ID] = {"ptr_", "ptr_or_null_"},
	[VT_FUNC] = {"func", "func"},
};

const char *vrf_type_name(const struct vrf_reg *r)
{
	return r->type < VT__COUNT ? names[r->type][r->maybe_null ? 1 : 0] : "?";
}

char *vrf_reg_str(const struct vrf_reg *r, char *buf, size_t size)
{
	char v[160];
	int n;
	if (r->type == VT_SCALAR)
		return sc_str(&r->v, buf, (unsigned)size);
	if (r->type == VT_STACK && sc_is_const(&r->v) && !r->v.t.value) {
		snprintf(buf, size, "fp%d", r->off);
		return buf;
	}
	n = snprintf(buf, size, "%s(", vrf_type_name(r));
	const char *sep = "";
#define PART(cond, ...) do { if ((cond) && n < (int)size) { \
	n += snprintf(buf + n, size - n, "%s", sep); \
	n += snprintf(buf + n, size - n, __VA_ARGS__); sep = ","; } } while (0)
	PART(r->id, "id=%u", r->id);
	PART(r->ref, "ref_obj_id=%u", r->ref);
	PART(r->off, "off=%d", r->off);
	PART(r->type == VT_PKT || r->type == VT_PKT_META, "r=%d", r->range);
	PART(r->type == VT_MEM, "sz=%u", r->size);
	PART(r->type == VT_FUNC, "insn=%u", r->size);
	PART(r->map >= 0, "map=%d", r->map);
	PART(!sc_is_const(&r->v) || r->v.t.value, "var=%s", sc_str(&r->v, v, sizeof v));
#undef PART
	if (n < (int)size)
		snprintf(buf + n, size - n, ")");
	return buf;
}

static int append(char *buf, size_t size, int n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int append(char *buf, size_t size, int n, const char *fmt, ...)
{
	va_list ap;
	if (n < 0 || (size_t)n >= size)
		return n;
	va_start(ap, fmt);
	n += vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return n;
}

static int stack_str(const struct vrf_frame *f, int frameno, char *buf, size_t size, int n)
{
	static const char kc[] = {'?', 'm', '0', 'r'};
	for (int s = 0; s < f->nslots; s++) {
		const struct vrf_slot *sl = &f->slots[s];
		char r[200];
		if (!memcmp(sl->kind, "\0\0\0\0\0\0\0\0", 8))
			continue;
		if (sl->kind[0] == SB_SPILL) {
			n = append(buf, size, n, " fp%d%s=%s", -(s + 1) * 8,
				   frameno ? "" : "", vrf_reg_str(&sl->spill, r, sizeof r));
			continue;
		}
		char k[9];
		for (int b = 0; b < 8; b++)
			k[b] = kc[sl->kind[7 - b] & 3];
		k[8] = 0;
		n = append(buf, size, n, " fp%d=%s", -(s + 1) * 8, k);
	}
	return n;
}

char *vrf_state_str(struct vrf_env *env, const struct vrf_state *st, char *buf, size_t size)
{
	int n = 0;
	(void)env;
	buf[0] = 0;
	if (!st)
		return buf;
	const struct vrf_frame *f = st->frames[st->curframe];
	if (st->curframe)
		n = append(buf, size, n, "frame%d:", st->curframe);
	for (int r = 0; r < XBPF_NREGS; r++) {
		char s[200];
		if (f->regs[r].type == VT_NOT_INIT)
			continue;
		n = append(buf, size, n, "%sR%d=%s", n ? " " : "", r, vrf_reg_str(&f->regs[r], s, sizeof s));
	}
	n = stack_str(f, st->curframe, buf, size, n);
	if (st->nrefs)
		n = append(buf, size, n, " refs=%u", st->refs[0]);
	return buf;
}

const char *vrf_disasm(struct vrf_env *env, uint32_t pc, char *buf, size_t size)
{
	if (pc >= env->cnt || xbpf_disasm_insn(env->insns, env->cnt, pc, XBPF_SYNTAX_KERNEL,
						env->vm, buf, size) < 0)
		snprintf(buf, size, "(%02x) ?", pc < env->cnt ? env->insns[pc].code : 0);
	return buf;
}

void vrf_log(struct vrf_env *env, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	if (!env->opts->log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	env->opts->log_fn(env->opts->log_ctx, line);
}

void vrf_log_insn(struct vrf_env *env, const struct vrf_state *st, uint32_t pc)
{
	const struct xbpf_insn *in = &env->insns[pc];
	uint8_t form = isa_table[env->op].form;
	char dis[128], line[1024], r[200];
	int n = snprintf(line, sizeof line, "%u: (%02x) %s ;", pc, in->code,
			 vrf_disasm(env, pc, dis, sizeof dis));
	unsigned regs[2] = {in->dst_reg, in->src_reg};
	int nr = 2;
	if (form == FORM_CALL || form == FORM_CALL_LOCAL || form == FORM_EXIT ||
	    form == FORM_LDABS || form == FORM_LDIND) {
		regs[0] = 0;
		nr = 1;
	} else if (form == FORM_ALU_K || form == FORM_NEG || form == FORM_END || form == FORM_LDDW ||
		   form == FORM_ST || form == FORM_JCOND_K) {
		nr = 1;
	}
	const struct vrf_frame *f = st->frames[st->curframe];
	for (int i = 0; i < nr; i++) {
		if (i == 1 && regs[1] == regs[0])
			continue;
		const struct vrf_reg *rg = &f->regs[regs[i]];
		if (rg->type != VT_NOT_INIT)
			n = append(line, sizeof line, n, " R%u=%s", regs[i], vrf_reg_str(rg, r, sizeof r));
	}
	vrf_log(env, "%s", line);
}

static int path_str(const struct vrf_path *p, char *buf, size_t size)
{
	uint32_t pcs[12];
	uint8_t tk[12];
	int k = 0, total = 0, n = 0;
	for (; p; p = p->prev, total++)
		if (k < 12) {
			pcs[k] = p->pc;
			tk[k++] = p->taken;
		}
	buf[0] = 0;
	if (total > k)
		n = append(buf, size, n, "... (%d earlier) ", total - k);
	for (int i = k - 1; i >= 0; i--)
		n = append(buf, size, n, "%u:%s%s", pcs[i], tk[i] ? "taken" : "fallthrough",
			   i ? " -> " : "");
	return n;
}

int vrf_reject(struct vrf_env *env, struct vrf_state *st, int err, const char *hint,
	       const char *fmt, ...)
{
	va_list ap;
	if (env->err)
		return env->err;
	env->err = err;
	env->err_pc = env->pc;
	va_start(ap, fmt);
	vsnprintf(env->msg, sizeof env->msg, fmt, ap);
	va_end(ap);
	snprintf(env->hint, sizeof env->hint, "%s", hint ? hint : "");
	struct xbpf_verify_result *res = env->res;
	char state[1024], path[512], dis[128];
	const char *src = env->opts->source_line ? env->opts->source_line(env->opts->source_ctx,
									  env->pc) : NULL;
	vrf_state_str(env, st, state, sizeof state);
	path[0] = 0;
	if (st)
		path_str(st->path, path, sizeof path);
	snprintf(res->source_line, sizeof res->source_line, "%s", src ? src : "");
	int n = snprintf(res->explanation, sizeof res->explanation, "insn %u: %s\n",
			 env->pc, vrf_disasm(env, env->pc, dis, sizeof dis));
	if (src && *src)
		n = append(res->explanation, sizeof res->explanation, n, "source: %s\n", src);
	n = append(res->explanation, sizeof res->explanation, n, "error: %s\n", env->msg);
	if (state[0])
		n = append(res->explanation, sizeof res->explanation, n, "state: %s\n", state);
	if (path[0])
		n = append(res->explanation, sizeof res->explanation, n, "path: %s\n", path);
	if (env->hint[0])
		append(res->explanation, sizeof res->explanation, n, "hint: %s\n", env->hint);
	return err;
}

void vrf_finish_result(struct vrf_env *env)
{
	struct xbpf_verify_result *res = env->res;
	res->verdict = env->err;
	res->insn = env->err ? (long)env->err_pc : -1;
	snprintf(res->message, sizeof res->message, "%s", env->err ? env->msg : "");
	snprintf(res->hint, sizeof res->hint, "%s", env->err ? env->hint : "");
	if (!env->err) {
		res->explanation[0] = 0;
		res->source_line[0] = 0;
	}
	res->insns_processed = env->insns_processed;
	res->states = env->states;
	res->peak_bytes = env->peak_bytes;
	res->reads_uninit_stack = !env->err && env->uninit_read;
	if (env->err && env->log_level >= 1) {
		char line[1024];
		const char *p = res->explanation;
		while (*p) {
			const char *e = strchr(p, '\n');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			snprintf(line, sizeof line, "%.*s", (int)len, p);
			vrf_log(env, "%s", line);
			p += len + (e ? 1 : 0);
		}
	}
}
