/* json.c - a small streaming JSON writer to stdout (see cli.h for the contract). */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include "cli.h"

static int depth;
static bool need_comma[64];

static void put_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

static void begin_value(const char *key)
{
	if (depth > 0 && need_comma[depth])
		putchar(',');
	if (depth > 0)
		need_comma[depth] = true;
	if (key) {
		put_string(key);
		putchar(':');
	}
}

static void end_value(void)
{
	if (depth == 0) {
		putchar('\n');
		fflush(stdout);
	}
}

void json_begin_obj(const char *key)
{
	begin_value(key);
	putchar('{');
	need_comma[++depth] = false;
}

void json_end_obj(void)
{
	putchar('}');
	depth--;
	end_value();
}

void json_begin_arr(const char *key)
{
	begin_value(key);
	putchar('[');
	need_comma[++depth] = false;
}

void json_end_arr(void)
{
	putchar(']');
	depth--;
	end_value();
}

void json_str(const char *key, const char *val)
{
	begin_value(key);
	if (val)
		put_string(val);
	else
		fputs("null", stdout);
	end_value();
}

void json_u64(const char *key, uint64_t val)
{
	begin_value(key);
	printf("%" PRIu64, val);
	end_value();
}

void json_i64(const char *key, int64_t val)
{
	begin_value(key);
	printf("%" PRId64, val);
	end_value();
}

void json_f64(const char *key, double val)
{
	begin_value(key);
	if (isfinite(val)) {
		/* the shortest form that reads back as the same double */
		char buf[40];
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof buf, "%.*g", prec, val);
			if (strtod(buf, NULL) == val)
				break;
		}
		fputs(buf, stdout);
	} else {
		fputs("null", stdout);
	}
	end_value();
}

void json_bool(const char *key, bool val)
{
	begin_value(key);
	fputs(val ? "true" : "false", stdout);
	end_value();
}

void json_null(const char *key)
{
	begin_value(key);
	fputs("null", stdout);
	end_value();
}
