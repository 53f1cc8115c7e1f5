/* cmd_disasm.c - `xbpf disasm FILE [--syntax kernel|ubpf]`: print a program as text.
 *
 * FILE is raw bytecode, hex or an ELF object (detected as for `xbpf run`; FILE "-" = stdin).
 * For an object, every executable section with instructions is printed under a
 * "section NAME:" header line. kernel syntax (the default) is llvm-objdump's
 * ("r0 = 1", jumps as "goto +3"); ubpf syntax is bpf_conformance's ("mov %r0, 1") with
 * labels for jump targets. The output of either re-assembles with `xbpf asm` (objects:
 * after removing the header lines). With --json:
 *   {"insns": [{"index": 0, "hex": "b7 00 ..", "text": "r0 = 1"}, ...]} and for objects
 *   {"sections": [{"name": "xdp", "insns": [...]}, ...]}
 * where "text" shows jumps as relative offsets.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "xbpf/vm.h"

#define DISASM_USAGE "disasm FILE [--syntax kernel|ubpf] [--input auto|raw|hex]"

static void print_json_insns(const struct xbpf_insn *insns, size_t cnt, enum xbpf_syntax syn,
			     const struct xbpf_vm *vm)
{
	json_begin_arr("insns");
	for (size_t i = 0; i < cnt; i++) {
		char text[256];
		xbpf_disasm_insn(insns, cnt, i, syn, vm, text, sizeof text);
		bool wide = insns[i].code == (XBPF_LD | XBPF_IMM | XBPF_DW) && i + 1 < cnt;
		char *hex = cli_hex_string((const uint8_t *)&insns[i], wide ? 16 : 8, " ");
		json_begin_obj(NULL);
		json_u64("index", i);
		json_str("hex", hex);
		json_str("text", text);
		json_end_obj();
		free(hex);
		i += wide;
	}
	json_end_arr();
}

/* Print one instruction stream; returns 0 or an exit code. */
static int print_insns(const struct xbpf_insn *insns, size_t cnt, enum xbpf_syntax syn,
		       const struct xbpf_vm *vm)
{
	if (cli_json) {
		print_json_insns(insns, cnt, syn, vm);
		return 0;
	}
	char *text = xbpf_disasm(insns, cnt, syn, syn == XBPF_SYNTAX_UBPF, vm);
	if (!text)
		return cli_error(1, "cannot disassemble: %s", strerror(errno));
	fputs(text, stdout);
	if (text[0] && text[strlen(text) - 1] != '\n')
		putchar('\n');
	free(text);
	return 0;
}

static int disasm_section(Elf_Scn *scn, const char *name, enum xbpf_syntax syn,
			  const struct xbpf_vm *vm)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf || d->d_size < 8)
		return 0;
	size_t cnt = d->d_size / 8;
	struct xbpf_insn *insns = malloc(cnt * 8);
	if (!insns)
		return cli_error(1, "out of memory");
	memcpy(insns, d->d_buf, cnt * 8);
	int rc;
	if (cli_json) {
		json_begin_obj(NULL);
		json_str("name", name);
		rc = print_insns(insns, cnt, syn, vm);
		json_end_obj();
	} else {
		printf("section %s:\n", name);
		rc = print_insns(insns, cnt, syn, vm);
	}
	free(insns);
	return rc;
}

static int disasm_object(const char *path, enum xbpf_syntax syn, const struct xbpf_vm *vm)
{
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return cli_error(2, "cannot read %s: %s", path, strerror(errno));
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	size_t shstrndx;
	int rc = 0;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		rc = cli_error(1, "%s: not a valid ELF object: %s", path, elf_errmsg(-1));
		goto out;
	}
	if (cli_json) {
		json_begin_obj(NULL);
		json_begin_arr("sections");
	}
	for (Elf_Scn *scn = NULL; !rc && (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		rc = disasm_section(scn, name ? name : "?", syn, vm);
	}
	if (cli_json) {
		json_end_arr();
		json_end_obj();
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return rc;
}

static int parse_args(int argc, char **argv, const char **file, enum xbpf_syntax *syn,
		      enum cli_input *in)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if ((!strcmp(o, "--syntax") || !strcmp(o, "--input")) && i + 1 >= argc)
			return cli_usage(DISASM_USAGE, "disasm: %s needs a value", o);
		if (!strcmp(o, "--syntax")) {
			const char *v = argv[++i];
			if (!strcmp(v, "kernel"))
				*syn = XBPF_SYNTAX_KERNEL;
			else if (!strcmp(v, "ubpf"))
				*syn = XBPF_SYNTAX_UBPF;
			else
				return cli_usage(DISASM_USAGE, "disasm: unknown syntax '%s'", v);
		} else if (!strcmp(o, "--input")) {
			if (cli_parse_input(argv[++i], in))
				return cli_usage(DISASM_USAGE, "disasm: unknown input format '%s'", argv[i]);
		} else if (o[0] == '-' && o[1]) {
			return cli_usage(DISASM_USAGE, "disasm: unknown option '%s'", o);
		} else if (*file) {
			return cli_usage(DISASM_USAGE, "disasm: more than one FILE");
		} else {
			*file = o;
		}
	}
	if (!*file)
		return cli_usage(DISASM_USAGE, "disasm: FILE is missing");
	return 0;
}

static int cmd_disasm(int argc, char **argv)
{
	const char *file = NULL;
	enum xbpf_syntax syn = XBPF_SYNTAX_KERNEL;
	enum cli_input in = CLI_IN_AUTO;
	int rc = parse_args(argc, argv, &file, &syn, &in);
	if (rc)
		return rc;
	struct xbpf_vm *vm = xbpf_vm__new(NULL);
	if (!vm)
		return cli_error(1, "cannot create a VM: %s", strerror(errno));
	struct xbpf_insn *insns = NULL;
	size_t cnt = 0;
	if (in == CLI_IN_AUTO && cli_is_elf_file(file))
		rc = disasm_object(file, syn, vm);
	else if (!(rc = cli_read_prog(file, &in, vm, &insns, &cnt))) {
		if (in == CLI_IN_ELF)
			rc = cli_error(2, "an object file must be given as a file, not on stdin");
		else if (cli_json) {
			json_begin_obj(NULL);
			rc = print_insns(insns, cnt, syn, vm);
			json_end_obj();
		} else {
			rc = print_insns(insns, cnt, syn, vm);
		}
	}
	free(insns);
	xbpf_vm__free(vm);
	return rc;
}

CLI_COMMAND(disasm, cmd_disasm, DISASM_USAGE, "print bytecode or an object's code as text")
