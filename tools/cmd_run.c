/* cmd_run.c - `xbpf run PROG`: load an instruction stream (assembler text, raw bytecode
 * or hex; see cli.h for the detection rules), run it once on the chosen engine and print
 * r0. Object files (ELF) go to the object runner of the loader (cli_run_object) when the
 * build has one.
 *
 * Output: "R0 (0xHEX)" - r0 as an unsigned decimal, then in hex; with --repeat N the
 * program runs N times through a prepared run (xbpf_runner__run_repeat: the run context is
 * set up once, and only the loop around the program is timed, in CPU time of the thread,
 * as the kernel's BPF_PROG_TEST_RUN times its repeat loop) and a second line gives the
 * average ns per run. With --json:
 *   {"retval": R0, "retval_hex": "0x..", "engine": "interp", "insns": N
 *    [, "repeat": N, "duration_ns": AVG][, "mem": "hex"]}
 * where "mem" is the input memory after the run(s) (only when --mem/--mem-file was given).
 * Exit: 0 ran, 1 the program was rejected or failed at run time, 2 usage/input errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "xbpf/runner.h"
#include "xbpf/vm.h"

/* Provided by the object loader's CLI (issue 3); NULL in builds without it. */
int cli_run_object(int argc, char **argv) __attribute__((weak));

#define RUN_USAGE "run PROG [--mem HEX | --mem-file F] [--engine interp|switch|jit] " \
		  "[--budget N] [--repeat N] [--trusted] [--input auto|asm|raw|hex]"

struct run_args {
	const char *prog;
	const char *mem_hex, *mem_file;
	enum xbpf_engine engine;
	const char *engine_name;
	uint64_t budget;
	uint64_t repeat;     /* runs; > 1 also reports the average time */
	bool trusted;
	enum cli_input input;
};

int cli_parse_engine(const char *name, enum xbpf_engine *engine)
{
	if (!strcmp(name, "interp"))
		*engine = XBPF_ENGINE_INTERP;
	else if (!strcmp(name, "switch"))
		*engine = XBPF_ENGINE_INTERP_SWITCH;
	else if (!strcmp(name, "jit"))
		*engine = XBPF_ENGINE_JIT;
	else
		return -1;
	return 0;
}

/* True for the options of `run` that take a value. */
static bool takes_value(const char *o)
{
	static const char *const opts[] = {"--mem", "--mem-file", "--engine", "--budget", "--input",
					    "--repeat"};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (!strcmp(o, opts[i]))
			return true;
	return false;
}

/* The value of option argv[*i] (advancing *i), or NULL after a usage error. */
static const char *opt_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = NULL;
		if (o[0] != '-' || !o[1]) {
			if (a->prog)
				return cli_usage(RUN_USAGE, "run: more than one PROG ('%s', '%s')",
						 a->prog, o);
			a->prog = o;
			continue;
		}
		if (!strcmp(o, "--trusted")) {
			a->trusted = true;
			continue;
		}
		if (!takes_value(o))
			return cli_usage(RUN_USAGE, "run: unknown option '%s'", o);
		if (!(v = opt_value(argc, argv, &i)))
			return cli_usage(RUN_USAGE, "run: %s needs a value", o);
		if (!strcmp(o, "--mem"))
			a->mem_hex = v;
		else if (!strcmp(o, "--mem-file"))
			a->mem_file = v;
		else if (!strcmp(o, "--engine")) {
			if (cli_parse_engine(v, &a->engine))
				return cli_usage(RUN_USAGE, "run: unknown engine '%s'", v);
			a->engine_name = v;
		} else if (!strcmp(o, "--repeat")) {
			if (cli_parse_u64(v, &a->repeat) || a->repeat == 0)
				return cli_usage(RUN_USAGE, "run: --repeat needs a number > 0, not '%s'", v);
		} else if (!strcmp(o, "--budget")) {
			if (cli_parse_u64(v, &a->budget))
				return cli_usage(RUN_USAGE, "run: --budget needs a number, not '%s'", v);
		} else if (cli_parse_input(v, &a->input))
			return cli_usage(RUN_USAGE, "run: unknown input format '%s'", v);
	}
	if (!a->prog)
		return cli_usage(RUN_USAGE, "run: PROG is missing");
	if (a->mem_hex && a->mem_file)
		return cli_usage(RUN_USAGE, "run: give --mem or --mem-file, not both");
	return 0;
}

/* Read the input memory (none: *mem NULL, *len 0). Returns 0 or an exit code. */
static int read_mem(const struct run_args *a, uint8_t **mem, size_t *len)
{
	*mem = NULL;
	*len = 0;
	if (a->mem_hex && cli_parse_hex(a->mem_hex, mem, len))
		return cli_error(2, "--mem: bad hex bytes '%s'", a->mem_hex);
	if (a->mem_file && !(*mem = (uint8_t *)cli_read_file(a->mem_file, len)))
		return cli_error(2, "cannot read %s: %s", a->mem_file, strerror(errno));
	return 0;
}

static int report(const struct run_args *a, uint64_t r0, double ns, size_t insn_cnt,
		  const uint8_t *mem, size_t len)
{
	char hex[24];
	snprintf(hex, sizeof hex, "0x%" PRIx64, r0);
	if (!cli_json) {
		printf("%" PRIu64 " (%s)\n", r0, hex);
		if (a->repeat)
			printf("%.1f ns per run (average of %" PRIu64 " runs)\n", ns, a->repeat);
		return 0;
	}
	json_begin_obj(NULL);
	json_u64("retval", r0);
	json_str("retval_hex", hex);
	json_str("engine", a->engine_name);
	json_u64("insns", insn_cnt);
	if (a->repeat) {
		json_u64("repeat", a->repeat);
		json_f64("duration_ns", ns);
	}
	if (a->mem_hex || a->mem_file) {
		char *m = cli_hex_string(mem, len, " ");
		json_str("mem", m);
		free(m);
	}
	json_end_obj();
	return 0;
}

static int run_error(int err, const struct run_args *a, const char *log)
{
	if (err == -ETIME)
		return cli_error(1, "run stopped: budget of %" PRIu64 " instructions exhausted%s%s",
				 a->budget, log[0] ? ": " : "", log);
	return cli_error(1, "run failed: %s", log[0] ? log : strerror(-err));
}

static int run_loaded(const struct run_args *a, struct xbpf_prog *prog, size_t insn_cnt)
{
	uint8_t *mem;
	size_t len;
	int rc = read_mem(a, &mem, &len);
	if (rc)
		return rc;
	char log[512] = "";
	uint64_t r0 = 0;
	double ns = 0;
	int err;
	if (!a->repeat) {
		struct xbpf_run_opts ro = {
			.sz = sizeof ro, .ctx = mem, .ctx_size = len, .budget = a->budget,
			.engine = a->engine, .log_buf = log, .log_size = sizeof log,
		};
		err = xbpf_prog__run(prog, &ro);
		r0 = ro.retval;
	} else {
		/* the runs share the memory (as BPF_PROG_TEST_RUN's repeat does) */
		struct xbpf_runner_opts o = {.sz = sizeof o, .engine = a->engine,
					     .budget = a->budget, .log_buf = log,
					     .log_size = sizeof log};
		struct xbpf_runner *r = xbpf_runner__new(prog, &o);
		err = r ? xbpf_runner__run_repeat(r, mem, len, a->repeat, &r0, &ns) : -errno;
		xbpf_runner__free(r);
	}
	rc = err ? run_error(err, a, log) : report(a, r0, ns, insn_cnt, mem, len);
	free(mem);
	return rc;
}

/* How errors name PROG: the file, or "the program" when it was given inline. */
static const char *prog_label(const char *arg)
{
	if (!strcmp(arg, "-"))
		return "stdin";
	return access(arg, F_OK) == 0 ? arg : "the program";
}

static int run_object(int argc, char **argv)
{
	if (!cli_run_object)
		return cli_error(2, "object files are not supported in this build");
	return cli_run_object(argc, argv);
}

static int cmd_run(int argc, char **argv)
{
	/* PROG is an ELF object: the object runner owns all the options then */
	for (int i = 1; i < argc; i++) {
		if (takes_value(argv[i])) {
			i++; /* e.g. --mem-file F: F is memory, whatever it holds */
			continue;
		}
		if (argv[i][0] != '-' && cli_is_elf_file(argv[i]))
			return run_object(argc, argv);
	}
	struct run_args a = {.engine = XBPF_ENGINE_INTERP, .engine_name = "interp"};
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	if (!vm)
		return cli_error(1, "cannot create a VM: %s", strerror(errno));
	struct xbpf_insn *insns;
	size_t cnt;
	rc = cli_read_prog(a.prog, &a.input, vm, &insns, &cnt);
	if (!rc && a.input == CLI_IN_ELF)
		rc = cli_error(2, "an object file must be given as a file, not on stdin");
	if (rc) {
		xbpf_vm__free(vm);
		return rc;
	}
	char log[512] = "";
	struct xbpf_prog_load_opts lo = {
		.sz = sizeof lo, .log_buf = log, .log_size = sizeof log, .engine = a.engine,
		.flags = a.trusted ? XBPF_PROG_F_NO_CHECKS : 0, .name = "cli",
	};
	struct xbpf_prog *prog = xbpf_prog__load(vm, insns, cnt, &lo);
	if (!prog)
		rc = cli_error(1, "cannot load %s: %s", prog_label(a.prog),
			       log[0] ? log : strerror(errno));
	else
		rc = run_loaded(&a, prog, cnt);
	if (prog)
		xbpf_prog__free(prog);
	free(insns);
	xbpf_vm__free(vm);
	return rc;
}

CLI_COMMAND(run, cmd_run, RUN_USAGE, "run a program once and print r0")
