/* cli_util.c - errors, usage messages, file reading and hex parsing for the CLI. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "xbpf/vm.h"

static void vreport(const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (cli_json) {
		json_begin_obj(NULL);
		json_str("error", msg);
		json_end_obj();
	} else {
		fprintf(stderr, "%s: %s\n", cli_prog, msg);
	}
}

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return code;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	fprintf(stderr, "usage: %s %s\n", cli_prog, cmd);
	return 2;
}

char *cli_read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap) {
			if (ferror(f)) {
				free(buf);
				buf = NULL;
				errno = EIO;
			}
			break;
		}
		char *nb = realloc(buf, cap * 2 + 1);
		if (!nb) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	if (buf) {
		buf[n] = 0;
		if (len)
			*len = n;
	}
	return buf;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int cli_parse_hex(const char *text, uint8_t **out, size_t *len)
{
	size_t cap = strlen(text) / 2 + 1, n = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return -1;
	const char *p = text;
	while (*p) {
		if (isspace((unsigned char)*p) || *p == ',') {
			p++;
			continue;
		}
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && hexval(p[2]) >= 0)
			p += 2;
		int hi = hexval(p[0]), lo = hi >= 0 ? hexval(p[1]) : -1;
		if (hi < 0 || lo < 0) {
			free(buf);
			return -1;
		}
		buf[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* ---- reading programs -------------------------------------------------------------- */

int cli_parse_input(const char *name, enum cli_input *in)
{
	static const char *const names[] = {"auto", "asm", "raw", "hex", "elf"};
	for (int i = 0; i < 4; i++) /* "elf" is detected, never requested */
		if (!strcmp(name, names[i])) {
			*in = (enum cli_input)i;
			return 0;
		}
	return -1;
}

const char *cli_input_name(enum cli_input in)
{
	static const char *const names[] = {"auto", "asm", "raw", "hex", "elf"};
	return in <= CLI_IN_ELF ? names[in] : "?";
}

bool cli_is_elf_file(const char *path)
{
	char magic[4];
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	bool elf = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\x7f" "ELF", 4);
	fclose(f);
	return elf;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

char *cli_hex_string(const uint8_t *bytes, size_t len, const char *sep)
{
	size_t seplen = strlen(sep);
	char *s = malloc(len * (2 + seplen) + 1), *p = s;
	if (!s)
		return NULL;
	*p = 0;
	for (size_t i = 0; i < len; i++)
		p += sprintf(p, "%s%02x", i ? sep : "", bytes[i]);
	return s;
}

static bool is_text(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (!(c >= 0x20 && c < 0x7f) && !isspace(c))
			return false;
	}
	return true;
}

static bool looks_hex(const char *s)
{
	bool digit = false;
	for (; *s; s++) {
		if (isxdigit((unsigned char)*s))
			digit = true;
		else if (!isspace((unsigned char)*s) && *s != ',' && *s != 'x' && *s != 'X')
			return false;
	}
	return digit;
}

/* The content of PROG: the file, stdin, or the argument itself (';' -> newline). */
static char *prog_content(const char *arg, size_t *len)
{
	FILE *f = strcmp(arg, "-") ? fopen(arg, "rb") : NULL;
	if (f || !strcmp(arg, "-")) {
		if (f)
			fclose(f);
		return cli_read_file(arg, len);
	}
	/* inline text: only when it cannot be a mistyped file name */
	if (errno != ENOENT || !(strpbrk(arg, " \t\n;") || looks_hex(arg)))
		return NULL;
	char *s = strdup(arg);
	if (!s)
		return NULL;
	for (char *p = s; *p; p++)
		if (*p == ';')
			*p = '\n';
	*len = strlen(s);
	return s;
}

static int insns_from_bytes(const char *what, const uint8_t *b, size_t n,
			    struct xbpf_insn **insns, size_t *cnt)
{
	if (n == 0 || n % 8)
		return cli_error(1, "%s program has %zu bytes, not a non-zero multiple of 8", what, n);
	*insns = malloc(n);
	if (!*insns)
		return cli_error(1, "out of memory");
	memcpy(*insns, b, n);
	*cnt = n / 8;
	return 0;
}

static int prog_from_text(char *buf, size_t len, enum cli_input *in, const struct xbpf_vm *vm,
			  struct xbpf_insn **insns, size_t *cnt)
{
	if (*in == CLI_IN_RAW)
		return insns_from_bytes("raw", (const uint8_t *)buf, len, insns, cnt);
	if (*in == CLI_IN_HEX || (*in == CLI_IN_AUTO && looks_hex(buf))) {
		uint8_t *bytes;
		size_t n;
		*in = CLI_IN_HEX;
		if (cli_parse_hex(buf, &bytes, &n))
			return cli_error(1, "bad hex program: expected pairs of hex digits");
		int rc = insns_from_bytes("hex", bytes, n, insns, cnt);
		free(bytes);
		return rc;
	}
	*in = CLI_IN_ASM;
	char err[512] = "";
	if (xbpf_asm(buf, vm, insns, cnt, err, sizeof err))
		return cli_error(1, "%s", err[0] ? err : "assembler failed");
	if (*cnt == 0) {
		free(*insns);
		return cli_error(1, "the program has no instructions");
	}
	return 0;
}

int cli_read_prog(const char *arg, enum cli_input *in, const struct xbpf_vm *vm,
		  struct xbpf_insn **insns, size_t *cnt)
{
	size_t len = 0;
	*insns = NULL;
	*cnt = 0;
	char *buf = prog_content(arg, &len);
	if (!buf)
		return cli_error(2, "cannot read %s: %s", arg, strerror(errno));
	int rc = 0;
	if (len >= 4 && !memcmp(buf, "\x7f" "ELF", 4) && *in == CLI_IN_AUTO)
		*in = CLI_IN_ELF;
	else if (*in == CLI_IN_AUTO && !is_text(buf, len))
		*in = CLI_IN_RAW;
	if (*in != CLI_IN_ELF)
		rc = prog_from_text(buf, len, in, vm, insns, cnt);
	free(buf);
	return rc;
}
