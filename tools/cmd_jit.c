/* cmd_jit.c - `xbpf jit PROG|OBJ`: compile a program with the JIT and report on it; with
 * --dump, show the native code (disassembled with capstone) interleaved with the eBPF
 * instructions it came from.
 *
 *   xbpf jit PROG [--dump] [--body 0|1] [--trusted] [--blind] [--input auto|asm|raw|hex]
 *   xbpf jit OBJ [--prog NAME | --section S] [--dump] [--body 0|1] [--no-verify] [--blind]
 *
 * PROG is read like `xbpf run` reads it (assembler text, raw bytecode or hex). OBJ is an
 * ELF object; its programs are loaded (verified unless --no-verify) and the chosen one
 * (default: the first) is shown. --body 1 shows the variant that counts an instruction
 * budget. Without --dump: one line (or JSON) with sizes, passes and compile time.
 * Exit: 0 compiled, 1 rejected, 2 usage or input error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "xbpf/object.h"
#include "xbpf/vm.h"
#include "vm/vm_internal.h"
#include "jit/jit.h"

#define JIT_USAGE "jit PROG|OBJ [--dump] [--body 0|1] [--trusted] [--blind] [--no-verify] " \
		  "[--prog NAME | --section S] [--input auto|asm|raw|hex]"

struct jit_args {
	const char *prog, *name, *section;
	bool dump, trusted, blind, no_verify;
	int body;
	enum cli_input input;
};

static int parse(int argc, char **argv, struct jit_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		bool has_val = i + 1 < argc;
		if (o[0] != '-' || !o[1]) {
			if (a->prog)
				return cli_usage(JIT_USAGE, "jit: more than one program given");
			a->prog = o;
		} else if (!strcmp(o, "--dump")) {
			a->dump = true;
		} else if (!strcmp(o, "--trusted")) {
			a->trusted = true;
		} else if (!strcmp(o, "--blind")) {
			a->blind = true;
		} else if (!strcmp(o, "--no-verify")) {
			a->no_verify = true;
		} else if (!strcmp(o, "--body") && has_val) {
			const char *v = argv[++i];
			if (strcmp(v, "0") && strcmp(v, "1"))
				return cli_usage(JIT_USAGE, "jit: --body takes 0 or 1, not '%s'", v);
			a->body = v[0] - '0';
		} else if (!strcmp(o, "--prog") && has_val) {
			a->name = argv[++i];
		} else if (!strcmp(o, "--section") && has_val) {
			a->section = argv[++i];
		} else if (!strcmp(o, "--input") && has_val) {
			if (cli_parse_input(argv[++i], &a->input))
				return cli_usage(JIT_USAGE, "jit: unknown input format '%s'", argv[i]);
		} else {
			return cli_usage(JIT_USAGE, "jit: unknown option or missing value: '%s'", o);
		}
	}
	if (!a->prog)
		return cli_usage(JIT_USAGE, "jit: no program given");
	return 0;
}

static int report(const struct jit_args *a, struct xbpf_prog *p)
{
	const struct jit_image *im = p->jit_priv;
	if (a->dump) {
		int err = jit_dump(p, a->body, stdout);
		if (err == -ENOTSUP)
			return cli_error(1, "jit: this build has no disassembler (capstone)");
		if (err)
			return cli_error(1, "jit: cannot dump: %s", strerror(-err));
		return 0;
	}
	size_t n = xbpf_prog__insn_cnt(p);
	if (cli_json) {
		json_begin_obj(NULL);
		json_str("name", xbpf_prog__name(p));
		json_u64("insns", n);
		json_u64("hot_bytes", im->hot_len);
		json_u64("cold_bytes", im->cold_len);
		json_u64("relax_rounds", im->passes);
		json_u64("compile_ns", im->compile_ns);
		json_end_obj();
	} else {
		printf("%s: %zu eBPF slots -> %u bytes of native code (+%u cold), %u relaxation "
		       "rounds, compiled in %.1f us\n", *xbpf_prog__name(p) ? xbpf_prog__name(p) : "prog",
		       n, im->hot_len, im->cold_len, im->passes, im->compile_ns / 1000.0);
	}
	return 0;
}

static int jit_object(const struct jit_args *a)
{
	struct xbpf_object *obj = xbpf_object__open_file(a->prog, NULL);
	if (!obj)
		return cli_error(1, "jit: %s: %s", a->prog, xbpf_object__last_error());
	char log[512] = "";
	struct xbpf_object_load_opts lo = {.sz = sizeof lo, .no_verify = a->no_verify,
					   .engine = XBPF_ENGINE_JIT, .log_buf = log,
					   .log_size = sizeof log,
					   .prog_flags = (a->blind ? XBPF_PROG_F_JIT_BLIND : 0) |
							 (a->trusted ? XBPF_PROG_F_NO_CHECKS : 0)};
	int err = xbpf_object__load(obj, &lo);
	if (err) {
		xbpf_object__close(obj);
		return cli_error(1, "jit: %s: %s", a->prog, *log ? log : strerror(-err));
	}
	struct xbpf_program *pr = a->name ? xbpf_object__find_program_by_name(obj, a->name)
			    : a->section ? xbpf_object__find_program_by_section(obj, a->section)
			    : xbpf_object__next_program(obj, NULL);
	struct xbpf_prog *p = pr ? xbpf_program__prog(pr) : NULL;
	int rc = !pr ? cli_error(1, "jit: %s: no program %s%s", a->prog,
				 a->name ? a->name : a->section ? a->section : "",
				 a->name || a->section ? "" : "in the object")
		 : !p || !p->jit_priv ? cli_error(1, "jit: %s: program '%s' was not compiled",
						  a->prog, xbpf_program__name(pr))
		 : report(a, p);
	xbpf_object__close(obj);
	return rc;
}

static int cmd_jit(int argc, char **argv)
{
	struct jit_args a = {.input = CLI_IN_AUTO};
	int rc = parse(argc, argv, &a);
	if (rc)
		return rc;
	if (a.input == CLI_IN_AUTO && cli_is_elf_file(a.prog))
		return jit_object(&a);
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	if (!vm)
		return cli_error(1, "jit: cannot create a VM: %s", strerror(errno));
	struct xbpf_insn *insns = NULL;
	size_t cnt = 0;
	rc = cli_read_prog(a.prog, &a.input, vm, &insns, &cnt);
	if (!rc && a.input == CLI_IN_ELF)
		rc = cli_error(2, "jit: %s: object file given with --input", a.prog);
	if (rc) {
		free(insns);
		xbpf_vm__free(vm);
		return rc;
	}
	char log[512] = "";
	uint32_t flags = (a.trusted ? XBPF_PROG_F_NO_CHECKS : 0) |
			 (a.blind ? XBPF_PROG_F_JIT_BLIND : 0);
	struct xbpf_prog_load_opts lo = {.sz = sizeof lo, .engine = XBPF_ENGINE_JIT,
					 .flags = flags, .log_buf = log, .log_size = sizeof log};
	struct xbpf_prog *p = xbpf_prog__load(vm, insns, cnt, &lo);
	free(insns);
	rc = p ? report(&a, p) : cli_error(1, "jit: %s", *log ? log : strerror(errno));
	xbpf_prog__free(p);
	xbpf_vm__free(vm);
	return rc;
}

CLI_COMMAND(jit, cmd_jit, JIT_USAGE, "compile a program with the JIT; --dump shows native code")
