/* cmd_asm.c - `xbpf asm FILE [-o OUT] [--format raw|hex]`: assemble program text (either
 * syntax, labels; FILE "-" = stdin) into bytecode.
 *
 * Formats: raw = the 8-byte little-endian instruction words; hex = one instruction a line,
 * its 8 bytes as hex separated by spaces (what `xbpf run`, `disasm` and cli_parse_hex read).
 * Default: hex on stdout, raw into -o OUT. With --json: {"insns": N, "format": F, and
 * "hex": "..." (all bytes) or "output": OUT}.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "xbpf/vm.h"

#define ASM_USAGE "asm FILE [-o OUT] [--format raw|hex]"

static int write_out(const char *out, bool raw, const struct xbpf_insn *insns, size_t cnt)
{
	FILE *f = out ? fopen(out, "wb") : stdout;
	if (!f)
		return cli_error(2, "cannot write %s: %s", out, strerror(errno));
	const uint8_t *b = (const uint8_t *)insns;
	if (raw) {
		fwrite(b, 8, cnt, f);
	} else {
		for (size_t i = 0; i < cnt; i++) {
			char *line = cli_hex_string(b + 8 * i, 8, " ");
			fprintf(f, "%s\n", line ? line : "");
			free(line);
		}
	}
	int bad = ferror(f);
	if (out && fclose(f))
		bad = 1;
	if (bad)
		return cli_error(2, "cannot write %s: %s", out ? out : "stdout", strerror(errno));
	return 0;
}

static int report_json(const char *out, bool raw, const struct xbpf_insn *insns, size_t cnt)
{
	json_begin_obj(NULL);
	json_u64("insns", cnt);
	json_str("format", raw ? "raw" : "hex");
	if (out) {
		json_str("output", out);
	} else {
		char *hex = cli_hex_string((const uint8_t *)insns, cnt * 8, " ");
		json_str("hex", hex);
		free(hex);
	}
	json_end_obj();
	return 0;
}

static int cmd_asm(int argc, char **argv)
{
	const char *file = NULL, *out = NULL, *format = NULL;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if ((!strcmp(o, "-o") || !strcmp(o, "--format")) && i + 1 >= argc)
			return cli_usage(ASM_USAGE, "asm: %s needs a value", o);
		if (!strcmp(o, "-o"))
			out = argv[++i];
		else if (!strcmp(o, "--format"))
			format = argv[++i];
		else if (o[0] == '-' && o[1])
			return cli_usage(ASM_USAGE, "asm: unknown option '%s'", o);
		else if (file)
			return cli_usage(ASM_USAGE, "asm: more than one FILE");
		else
			file = o;
	}
	if (!file)
		return cli_usage(ASM_USAGE, "asm: FILE is missing");
	if (format && strcmp(format, "raw") && strcmp(format, "hex"))
		return cli_usage(ASM_USAGE, "asm: unknown format '%s' (raw or hex)", format);
	bool raw = format ? !strcmp(format, "raw") : out != NULL;
	if (raw && !out && cli_json)
		return cli_usage(ASM_USAGE, "asm: --json with raw output needs -o OUT");

	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	if (!vm)
		return cli_error(1, "cannot create a VM: %s", strerror(errno));
	enum cli_input in = CLI_IN_ASM;
	struct xbpf_insn *insns;
	size_t cnt;
	int rc = cli_read_prog(file, &in, vm, &insns, &cnt);
	if (!rc && (out || !cli_json)) /* with --json and no -o the bytes go in the JSON */
		rc = write_out(out, raw, insns, cnt);
	if (!rc && cli_json)
		rc = report_json(out, raw, insns, cnt);
	free(insns);
	xbpf_vm__free(vm);
	return rc;
}

CLI_COMMAND(asm, cmd_asm, ASM_USAGE, "assemble program text into bytecode")
