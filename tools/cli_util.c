/* cli_util.c - errors, usage messages, file reading and hex parsing for the CLI. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

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
