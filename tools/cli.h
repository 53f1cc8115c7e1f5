/* cli.h - what every xbpf subcommand shares: registration, usage errors, JSON output.
 *
 * A subcommand lives in tools/cmd_<name>.c and registers itself with
 *     CLI_COMMAND(name, fn, "usage line", "one-line summary");
 * main.c finds it by name; nothing else needs editing. fn(argc, argv) gets argv[0] = the
 * subcommand name and returns the exit code: 0 success, 1 failure (the program/verifier
 * said no), 2 usage or input error. Global options (--json, -h) are parsed by main.c
 * before the subcommand runs and are visible in cli_json.
 */
#ifndef XBPF_CLI_H
#define XBPF_CLI_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "xbpf/vm.h"

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;   /* "run PROG [--mem HEX | --mem-file F] [--engine interp|jit]" */
	const char *summary; /* "run a program and print r0" */
	struct cli_cmd *next;
};
void cli_register(struct cli_cmd *cmd);
#define CLI_COMMAND(NAME, FN, USAGE, SUMMARY)                                   \
	static struct cli_cmd cli_cmd_##NAME = {#NAME, FN, USAGE, SUMMARY, NULL}; \
	__attribute__((constructor)) static void cli_reg_##NAME(void)            \
	{ cli_register(&cli_cmd_##NAME); }

extern bool cli_json;        /* --json given anywhere on the command line */
extern const char *cli_prog; /* "xbpf" */

/* Print "xbpf: <message>" on stderr (or {"error": ...} on stdout with --json) and
 * return `code`. Use for every error: one clear line. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error for subcommand `cmd`: prints the problem and its usage line, returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read a whole file ("-" = stdin) into a malloc'ed, NUL-terminated buffer. NULL + errno. */
char *cli_read_file(const char *path, size_t *len);
/* Parse hex bytes ("00 01 ff", "0001ff", "0x00 0x01") into a malloc'ed buffer. -1 on a
 * bad digit (*len untouched), else 0. */
int cli_parse_hex(const char *text, uint8_t **out, size_t *len);

/* ---- reading programs (cli_util.c) ----
 * A PROG argument names a file ("-" = stdin); when no such file exists, the argument itself
 * is the program text (';' separates instructions). The content is then:
 *   ELF      starts with "\x7fELF" (an object file: the caller decides what to do);
 *   raw      contains a byte that is not printable ASCII or whitespace: 8-byte instructions;
 *   hex      only hex digits, whitespace, ',' and 0x prefixes: bytes of instructions;
 *   asm      anything else: assembler text in either syntax (xbpf_asm).
 * CLI_IN_AUTO detects as above; the others force a format. */
enum cli_input { CLI_IN_AUTO, CLI_IN_ASM, CLI_IN_RAW, CLI_IN_HEX, CLI_IN_ELF };
/* Parse "auto|asm|raw|hex" into *in; -1 when unknown. */
int cli_parse_input(const char *name, enum cli_input *in);
const char *cli_input_name(enum cli_input in);
/* True when `path` is a readable file that starts with the ELF magic. */
bool cli_is_elf_file(const char *path);
/* Read PROG into malloc'ed instructions (*insns, *cnt). *in is the format requested
 * (AUTO) and on return the format found; for ELF nothing is read (*insns NULL). Returns 0,
 * or an exit code (1 bad program, 2 unreadable input) after printing one error line. */
int cli_read_prog(const char *arg, enum cli_input *in, const struct xbpf_vm *vm,
		  struct xbpf_insn **insns, size_t *cnt);
/* Parse an engine name: interp, switch or jit (cmd_run.c); -1 when unknown. */
int cli_parse_engine(const char *name, enum xbpf_engine *engine);
/* Parse a decimal or 0x number into *out; -1 when it is not one. */
int cli_parse_u64(const char *s, uint64_t *out);
/* Format bytes as lowercase hex, `sep` between bytes, into a malloc'ed string. */
char *cli_hex_string(const uint8_t *bytes, size_t len, const char *sep);

/* Minimal JSON writer to stdout: handles commas and nesting for you.
 *   json_begin_obj(NULL); json_str("name", "x"); json_u64("insns", 3);
 *   json_begin_arr("maps"); ... json_end_arr(); json_end_obj();  -> {"name":"x",...}
 * Keys are NULL inside arrays. Output ends with a newline when the outermost value closes. */
void json_begin_obj(const char *key);
void json_end_obj(void);
void json_begin_arr(const char *key);
void json_end_arr(void);
void json_str(const char *key, const char *val); /* NULL val -> null */
void json_u64(const char *key, uint64_t val);
void json_i64(const char *key, int64_t val);
void json_f64(const char *key, double val);
void json_bool(const char *key, bool val);
void json_null(const char *key);
#endif
