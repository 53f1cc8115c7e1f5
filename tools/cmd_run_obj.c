/* cmd_run_obj.c - `xbpf run OBJ ...`: run one program of an object file in its context,
 * the way `bpftool prog run` drives BPF_PROG_TEST_RUN.
 *
 *   xbpf run OBJ [--section S | --prog NAME] [--data-in F] [--data-out F] [--ctx-in F]
 *                [--ctx-out F] [--repeat N] [--engine interp|switch|jit] [--no-verify]
 *                [--strict-stack] [--json]
 *
 * --strict-stack: the verifier rejects reads of stack bytes never written (the
 * unprivileged kernel's rule; by default they read as unknown data, as for root).
 *
 * Without --section/--prog the object's only (or first) program runs. The result is r0
 * (32 bits, as the kernel reports it, except for raw-memory programs) and, with --repeat,
 * the average ns per run; --json prints {"retval", "duration_ns", "data_size_out",
 * "ctx_size_out", "program", "section", "type", "repeat"}. Called by cmd_run.c when the
 * PROG argument of `xbpf run` is an ELF file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "xbpf/object.h"
#include "xbpf/testrun.h"

#define RUN_OBJ_USAGE "run OBJ [--section S | --prog NAME] [--data-in F] [--data-out F] " \
	"[--ctx-in F] [--ctx-out F] [--repeat N] [--engine interp|switch|jit] [--no-verify] " \
	"[--strict-stack]"

struct obj_args {
	const char *obj, *section, *prog, *data_in, *data_out, *ctx_in, *ctx_out;
	unsigned long repeat;
	bool repeat_given, no_verify, strict_stack;
	enum xbpf_engine engine;
};

static int parse_engine(const char *s, enum xbpf_engine *e)
{
	if (!strcmp(s, "interp"))
		*e = XBPF_ENGINE_INTERP;
	else if (!strcmp(s, "switch"))
		*e = XBPF_ENGINE_INTERP_SWITCH;
	else if (!strcmp(s, "jit"))
		*e = XBPF_ENGINE_JIT;
	else
		return -1;
	return 0;
}

static int parse_obj_args(int argc, char **argv, struct obj_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char **slot = !strcmp(o, "--section") ? &a->section
			: !strcmp(o, "--prog") ? &a->prog
			: !strcmp(o, "--data-in") ? &a->data_in
			: !strcmp(o, "--data-out") ? &a->data_out
			: !strcmp(o, "--ctx-in") ? &a->ctx_in
			: !strcmp(o, "--ctx-out") ? &a->ctx_out : NULL;
		bool takes = slot || !strcmp(o, "--repeat") || !strcmp(o, "--engine");
		if (takes && i + 1 >= argc)
			return cli_usage("run", "%s needs a value", o);
		if (slot) {
			*slot = argv[++i];
		} else if (!strcmp(o, "--repeat")) {
			char *end;
			errno = 0;
			a->repeat = strtoul(argv[++i], &end, 0);
			if (errno || *end || !a->repeat || a->repeat > UINT32_MAX)
				return cli_usage("run", "--repeat: '%s' is not a count from 1 to %u",
						 argv[i], UINT32_MAX);
			a->repeat_given = true;
		} else if (!strcmp(o, "--engine")) {
			if (parse_engine(argv[++i], &a->engine))
				return cli_usage("run", "--engine: '%s' is not interp, switch or jit",
						 argv[i]);
		} else if (!strcmp(o, "--no-verify")) {
			a->no_verify = true;
		} else if (!strcmp(o, "--strict-stack")) {
			a->strict_stack = true;
		} else if (o[0] == '-' && o[1]) {
			return cli_usage("run", "unknown option '%s'", o);
		} else if (!a->obj) {
			a->obj = o;
		} else {
			return cli_usage("run", "unexpected argument '%s'", o);
		}
	}
	if (!a->obj)
		return cli_usage("run", "no object file given");
	if (a->section && a->prog)
		return cli_usage("run", "give --section or --prog, not both");
	return 0;
}

/* Read an optional input file; 0, or an exit code. */
static int read_input(const char *path, const char *what, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (!path)
		return 0;
	*buf = cli_read_file(path, len);
	if (!*buf)
		return cli_error(2, "%s: cannot read '%s': %s", what, path, strerror(errno));
	if (*len > UINT32_MAX)
		return cli_error(2, "%s: '%s' is larger than 4 GiB", what, path);
	return 0;
}

static int write_output(const char *path, const char *what, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || (len && fwrite(buf, 1, len, f) != len) || fclose(f)) {
		int e = errno;
		if (f)
			fclose(f);
		return cli_error(1, "%s: cannot write '%s': %s", what, path, strerror(e));
	}
	return 0;
}

static struct xbpf_program *pick_program(struct xbpf_object *obj, const struct obj_args *a)
{
	if (a->section)
		return xbpf_object__find_program_by_section(obj, a->section);
	if (a->prog)
		return xbpf_object__find_program_by_name(obj, a->prog);
	return xbpf_object__next_program(obj, NULL);
}

static void report(const struct obj_args *a, struct xbpf_program *p,
		   const struct xbpf_test_run_opts *o, uint64_t retval)
{
	const char *type = xbpf_prog_type__name(xbpf_program__type(p));
	if (cli_json) {
		json_begin_obj(NULL);
		json_u64("retval", retval);
		json_u64("duration_ns", o->duration);
		json_u64("data_size_out", o->data_size_out);
		json_u64("ctx_size_out", o->ctx_size_out);
		json_str("program", xbpf_program__name(p));
		json_str("section", xbpf_program__section(p));
		json_str("type", type ? type : "unknown");
		json_u64("repeat", a->repeat_given ? a->repeat : 1);
		json_end_obj();
		return;
	}
	printf("retval: %llu (0x%llx)\n", (unsigned long long)retval, (unsigned long long)retval);
	if (a->repeat_given)
		printf("duration: %llu ns/run (%lu runs)\n", (unsigned long long)o->duration,
		       a->repeat);
	if (a->data_out)
		printf("data out: %u bytes\n", o->data_size_out);
	if (a->ctx_out)
		printf("ctx out: %u bytes\n", o->ctx_size_out);
}

/* Load the object, run the program; 0, or an exit code. */
static int run_obj(const struct obj_args *a, struct xbpf_object *obj, char *din, size_t dlen,
		   char *cin, size_t clen)
{
	char log[1024] = "";
	struct xbpf_object_load_opts lo = {.sz = sizeof lo, .no_verify = a->no_verify,
					   .engine = a->engine, .log_buf = log,
					   .log_size = sizeof log, .strict_stack = a->strict_stack};
	if (xbpf_object__load(obj, &lo))
		return cli_error(1, "cannot load %s: %s", a->obj,
				 log[0] ? log : xbpf_object__last_error());
	struct xbpf_program *p = pick_program(obj, a);
	if (!p)
		return cli_error(2, "%s: no program %s%s", a->obj,
				 a->section ? "in section " : a->prog ? "named " : "",
				 a->section ? a->section : a->prog ? a->prog : "at all");
	struct xbpf_prog *prog = xbpf_program__prog(p);
	if (!prog)
		return cli_error(1, "%s: program '%s' was not loaded", a->obj,
				 xbpf_program__name(p));
	static uint8_t dout[1 << 17], cout[4096];
	char rlog[512] = "";
	struct xbpf_test_run_opts o = {
		.sz = sizeof o, .data_in = din, .data_size_in = (uint32_t)dlen,
		.data_out = a->data_out ? dout : NULL, .data_size_out = a->data_out ? sizeof dout : 0,
		.ctx_in = cin, .ctx_size_in = (uint32_t)clen,
		.ctx_out = a->ctx_out ? cout : NULL, .ctx_size_out = a->ctx_out ? sizeof cout : 0,
		.repeat = (uint32_t)(a->repeat_given ? a->repeat : 1), .engine = a->engine,
		.log_buf = rlog, .log_size = sizeof rlog,
	};
	int err = xbpf_prog__test_run(prog, &o);
	if (err)
		return cli_error(1, "run of '%s' failed: %s%s%s", xbpf_program__name(p),
				 strerror(-err), rlog[0] ? ": " : "", rlog);
	uint64_t retval = xbpf_program__type(p) == XBPF_PROG_TYPE_UNSPEC ? o.retval
									  : (uint32_t)o.retval;
	if (a->data_out && write_output(a->data_out, "--data-out", dout, o.data_size_out))
		return 1;
	if (a->ctx_out && write_output(a->ctx_out, "--ctx-out", cout, o.ctx_size_out))
		return 1;
	report(a, p, &o, retval);
	return 0;
}

int cli_run_object(int argc, char **argv)
{
	struct obj_args a = {.engine = XBPF_ENGINE_DEFAULT};
	int rc = parse_obj_args(argc, argv, &a);
	if (rc)
		return rc;
	char *din, *cin;
	size_t dlen, clen;
	rc = read_input(a.data_in, "--data-in", &din, &dlen);
	if (!rc)
		rc = read_input(a.ctx_in, "--ctx-in", &cin, &clen);
	else
		cin = NULL;
	if (rc) {
		free(din);
		free(cin);
		return rc;
	}
	char log[512] = "";
	struct xbpf_object_open_opts oo = {.sz = sizeof oo, .log_buf = log, .log_size = sizeof log};
	struct xbpf_object *obj = xbpf_object__open_file(a.obj, &oo);
	if (!obj)
		rc = cli_error(1, "cannot open %s: %s", a.obj, log[0] ? log : strerror(errno));
	else
		rc = run_obj(&a, obj, din, dlen, cin, clen);
	xbpf_object__close(obj);
	free(din);
	free(cin);
	return rc;
}
