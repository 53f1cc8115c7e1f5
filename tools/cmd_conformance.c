/* cmd_conformance.c - `xbpf conformance-plugin [MEM] [OPTIONS]`: the bpf_conformance plugin
 * protocol (../shared/conformance/README.md), so that its runner can drive xbpf directly:
 *     bpf_conformance_runner --plugin_path xbpf --plugin_options conformance-plugin ...
 * which runs `xbpf MEM "conformance-plugin [OPTIONS]"`: main.c finds the command name
 * after MEM and hands the rest of that argument over as options.
 *
 * Arguments as bpf_conformance passes them: MEM (one argument, hex bytes each followed by
 * two spaces; empty or absent when the test has no memory) and the plugin options as one
 * argument that may hold several words ("--jit", "--engine switch"). Empty arguments are
 * ignored. The program comes on stdin as hex bytes. r0 is printed in hex without 0x (the
 * runner parses it with stoull(.., 16)) and the exit code is 0; when the program cannot be
 * loaded or fails at run time the error goes to stdout and the exit code is 1.
 * Helper 5 returns its first argument (the conformance tests rely on it).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "xbpf/vm.h"

#define CONF_USAGE "conformance-plugin [MEM] [--jit | --engine interp|switch|jit] [--budget N]"
#define CONF_BUDGET (1ull << 32) /* a runaway test stops instead of hanging the runner */

struct conf_args {
	const char *mem;
	enum xbpf_engine engine;
	uint64_t budget;
};

static uint64_t helper_identity(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
				uint64_t r5, struct xbpf_run_ctx *rc)
{
	return r1;
}

/* Options may come packed in one argument: split on whitespace, then parse the words. */
static int parse_words(char **w, int n, struct conf_args *a)
{
	for (int i = 0; i < n; i++) {
		if (!strcmp(w[i], "--jit")) {
			a->engine = XBPF_ENGINE_JIT;
		} else if (!strcmp(w[i], "--engine") && i + 1 < n) {
			if (cli_parse_engine(w[++i], &a->engine))
				return cli_usage(CONF_USAGE, "conformance-plugin: unknown engine '%s'", w[i]);
		} else if (!strcmp(w[i], "--budget") && i + 1 < n) {
			if (cli_parse_u64(w[++i], &a->budget))
				return cli_usage(CONF_USAGE, "conformance-plugin: bad --budget '%s'", w[i]);
		} else {
			return cli_usage(CONF_USAGE, "conformance-plugin: unknown option '%s'", w[i]);
		}
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct conf_args *a, char *buf, size_t size)
{
	char *words[64];
	int n = 0;
	size_t used = 0;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i] + strspn(argv[i], " \t");
		if (!*s)
			continue; /* bpf_conformance passes "" for "no memory" / "no options" */
		if (s[0] != '-') {
			if (a->mem)
				return cli_usage(CONF_USAGE, "conformance-plugin: more than one MEM");
			a->mem = s;
			continue;
		}
		size_t len = strlen(s) + 1;
		if (used + len > size)
			return cli_usage(CONF_USAGE, "conformance-plugin: options too long");
		char *copy = memcpy(buf + used, s, len), *save = NULL;
		used += len;
		for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
			if (n == 64)
				return cli_usage(CONF_USAGE, "conformance-plugin: too many options");
			words[n++] = t;
		}
	}
	return parse_words(words, n, a);
}

/* The protocol's failure: the reason on stdout, exit 1. */
static int fail(const char *fmt, const char *detail)
{
	printf(fmt, detail);
	putchar('\n');
	return 1;
}

static int run(const struct conf_args *a, struct xbpf_vm *vm, const struct xbpf_insn *insns,
	       size_t cnt, uint8_t *mem, size_t len)
{
	char log[512] = "";
	struct xbpf_prog_load_opts lo = {
		.sz = sizeof lo, .log_buf = log, .log_size = sizeof log, .engine = a->engine,
		.name = "conformance",
	};
	struct xbpf_prog *prog = xbpf_prog__load(vm, insns, cnt, &lo);
	if (!prog)
		return fail("%s", log[0] ? log : strerror(errno));
	struct xbpf_run_opts ro = {
		.sz = sizeof ro, .ctx = mem, .ctx_size = len, .budget = a->budget,
		.log_buf = log, .log_size = sizeof log,
	};
	int err = xbpf_prog__run(prog, &ro);
	xbpf_prog__free(prog);
	if (err)
		return fail("%s", log[0] ? log : strerror(-err));
	printf("%" PRIx64 "\n", ro.retval);
	return 0;
}

static int cmd_conformance(int argc, char **argv)
{
	struct conf_args a = {.engine = XBPF_ENGINE_INTERP, .budget = CONF_BUDGET};
	char optbuf[1024];
	int rc = parse_args(argc, argv, &a, optbuf, sizeof optbuf);
	if (rc)
		return rc;
	uint8_t *mem = NULL, *code = NULL;
	size_t len = 0, code_len = 0;
	char *text = NULL;
	struct xbpf_vm_opts vo = {.sz = sizeof vo, .no_builtin_helpers = true};
	struct xbpf_vm *vm = xbpf_vm__new(&vo);
	if (!vm)
		return fail("cannot create a VM: %s", strerror(errno));
	if (xbpf_vm__register_helper(vm, 5, "identity", helper_identity, NULL))
		rc = fail("%s", "cannot register helper 5");
	else if (a.mem && cli_parse_hex(a.mem, &mem, &len))
		rc = fail("bad memory hex: %s", a.mem);
	else if (!(text = cli_read_file("-", NULL)))
		rc = fail("cannot read the program from stdin: %s", strerror(errno));
	else if (cli_parse_hex(text, &code, &code_len))
		rc = fail("%s", "bad program hex on stdin");
	else if (code_len == 0 || code_len % 8)
		rc = fail("%s", "the program is not a non-zero multiple of 8 bytes");
	else
		rc = run(&a, vm, (const struct xbpf_insn *)code, code_len / 8, mem ? mem : (uint8_t *)"", len);
	free(text);
	free(code);
	free(mem);
	xbpf_vm__free(vm);
	return rc;
}

/* registered by hand: CLI_COMMAND cannot spell a name with a '-' */
static struct cli_cmd conf_cmd = {
	"conformance-plugin", cmd_conformance, CONF_USAGE,
	"run one program as a bpf_conformance plugin (MEM in argv, hex program on stdin)", NULL,
};
__attribute__((constructor)) static void conf_register(void) { cli_register(&conf_cmd); }
