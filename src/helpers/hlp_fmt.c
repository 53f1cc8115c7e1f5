/* hlp_fmt.c - printf-style helpers: bpf_trace_printk, bpf_trace_vprintk, bpf_snprintf.
 *
 * Formats are checked exactly as the kernel's bpf_bprintf_prepare() checks them: printable
 * ASCII only, NUL-terminated within fmt_size, at most as many conversions as arguments,
 * conversions %d %i %u %x %X with optional l/ll, %c, %s, %p, %pK, %px, %ps, %pS, %pB,
 * %pks, %pus, %pi4 %pI4 %pi6 %pI6, each with optional [0 +-] flags and a width (no
 * precision). Anything else is -EINVAL. Strings (%s, %pks, %pus) and IP addresses are read
 * safely; an unreadable string prints as empty, as in the kernel.
 *
 * Output as the kernel's vsnprintf(): integers like C printf; pointers as 16 hex digits
 * (xbpf does not hash %p); %pI4 "1.2.3.4", %pi4 "001.002.003.004", %pI6 eight
 * colon-separated groups of 4 hex digits, %pi6 32 hex digits.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "helpers.h"

struct out {
	char *buf;
	size_t size, len; /* len counts everything, even what did not fit */
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

/* One conversion through libc with the spec's flags and width. */
static void put_conv(struct out *o, const char *flags, int width, const char *conv, ...)
{
	char spec[32], tmp[512];
	if (width)
		snprintf(spec, sizeof spec, "%%%s%d%s", flags, width, conv);
	else
		snprintf(spec, sizeof spec, "%%%s%s", flags, conv);
	va_list ap;
	va_start(ap, conv);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	int n = vsnprintf(tmp, sizeof tmp, spec, ap);
#pragma GCC diagnostic pop
	va_end(ap);
	if (n > 0)
		put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_ip(struct xbpf_run_ctx *rc, struct out *o, char kind, char ver, uint64_t ptr)
{
	uint8_t a[16];
	char s[64];
	size_t n = ver == '4' ? 4 : 16, l = 0;
	if (hlp_read_safe(rc, a, ptr, n))
		memset(a, 0, n);
	if (ver == '4') {
		const char *f = kind == 'i' ? "%03u.%03u.%03u.%03u" : "%u.%u.%u.%u";
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		l = (size_t)snprintf(s, sizeof s, f, a[0], a[1], a[2], a[3]);
#pragma GCC diagnostic pop
	} else {
		for (size_t i = 0; i < 16; i += 2)
			l += (size_t)snprintf(s + l, sizeof s - l, "%s%02x%02x",
					      (kind == 'I' && i) ? ":" : "", a[i], a[i + 1]);
	}
	put(o, s, l);
}

/* State of one conversion while parsing. */
struct conv {
	char flags[8];
	int width;
};

/* Parse "[0 +-]*[1-9][0-9]*" at fmt[*i]. */
static void parse_flags_width(const char *fmt, uint32_t *i, struct conv *c)
{
	size_t nf = 0;
	while (fmt[*i] == '0' || fmt[*i] == '+' || fmt[*i] == '-' || fmt[*i] == ' ') {
		if (nf < sizeof c->flags - 1)
			c->flags[nf++] = fmt[*i];
		(*i)++;
	}
	c->flags[nf] = '\0';
	c->width = 0;
	if (fmt[*i] >= '1' && fmt[*i] <= '9')
		while (fmt[*i] >= '0' && fmt[*i] <= '9') {
			if (c->width < 100000)
				c->width = c->width * 10 + (fmt[*i] - '0');
			(*i)++;
		}
}

static bool str_end_ok(char c) { return !c || isspace((unsigned char)c) || ispunct((unsigned char)c); }

/* A %p... conversion at fmt[i] == 'p'; returns the index of its last char or -1. */
static long do_pointer(struct xbpf_run_ctx *rc, struct out *o, const char *fmt, uint32_t i,
		       const struct conv *c, uint64_t arg)
{
	char n1 = fmt[i + 1], n2 = n1 ? fmt[i + 2] : 0;
	if ((n1 == 'k' || n1 == 'u') && n2 == 's') {
		if (!str_end_ok(fmt[i + 3]))
			return -1;
		char s[256];
		if (hlp_read_str_safe(rc, s, arg, sizeof s) < 0)
			s[0] = '\0';
		put_conv(o, c->flags, c->width, "s", s);
		return i + 2;
	}
	if (!n1 || isspace((unsigned char)n1) || ispunct((unsigned char)n1) || n1 == 'K' ||
	    n1 == 'x' || n1 == 's' || n1 == 'S' || n1 == 'B') {
		if (c->width)
			put_conv(o, c->flags, c->width, PRIx64, arg);
		else
			put_conv(o, "0", 16, PRIx64, arg);
		return (n1 == 'K' || n1 == 'x' || n1 == 's' || n1 == 'S' || n1 == 'B') ? i + 1 : i;
	}
	if ((n1 != 'i' && n1 != 'I') || (n2 != '4' && n2 != '6'))
		return -1;
	put_ip(rc, o, n1, n2, arg);
	return i + 2;
}

/* An integer conversion at fmt[i]: [l[l]](d|i|u|x|X); returns its last index or -1. */
static long do_int(struct out *o, const char *fmt, uint32_t i, const struct conv *c,
		   uint64_t arg)
{
	int size = 4;
	if (fmt[i] == 'l') {
		size = 8;
		i++;
		if (fmt[i] == 'l')
			i++;
	}
	char k = fmt[i];
	if (k != 'i' && k != 'd' && k != 'u' && k != 'x' && k != 'X')
		return -1;
	char fl[10];
	snprintf(fl, sizeof fl, "%s", c->flags);
	if (k == 'd' || k == 'i') {
		int64_t v = size == 4 ? (int32_t)arg : (int64_t)arg;
		put_conv(o, fl, c->width, PRId64, v);
	} else {
		uint64_t v = size == 4 ? (uint32_t)arg : arg;
		put_conv(o, fl, c->width, k == 'u' ? PRIu64 : k == 'x' ? PRIx64 : PRIX64, v);
	}
	return i;
}

long hlp_format(struct xbpf_run_ctx *rc, const char *fmt, uint32_t fmt_size,
		const uint64_t *args, unsigned nargs, char *buf, size_t size)
{
	const char *nul = fmt_size ? memchr(fmt, 0, fmt_size) : NULL;
	if (!nul)
		return -EINVAL;
	uint32_t n = (uint32_t)(nul - fmt);
	struct out o = {buf, size, 0};
	unsigned spec = 0;
	for (uint32_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)fmt[i];
		if ((!isprint(ch) && !isspace(ch)) || !isascii(ch))
			return -EINVAL;
		if (ch != '%') {
			put(&o, fmt + i, 1);
			continue;
		}
		if (fmt[i + 1] == '%') {
			put(&o, "%", 1);
			i++;
			continue;
		}
		if (spec >= nargs)
			return -EINVAL;
		uint64_t arg = args[spec++];
		struct conv c;
		i++;
		parse_flags_width(fmt, &i, &c);
		long last;
		if (fmt[i] == 'p') {
			last = do_pointer(rc, &o, fmt, i, &c, arg);
		} else if (fmt[i] == 's') {
			if (!str_end_ok(fmt[i + 1]))
				return -EINVAL;
			char s[256];
			if (hlp_read_str_safe(rc, s, arg, sizeof s) < 0)
				s[0] = '\0';
			put_conv(&o, c.flags, c.width, "s", s);
			last = i;
		} else if (fmt[i] == 'c') {
			put_conv(&o, c.flags, c.width, "c", (int)(char)arg);
			last = i;
		} else {
			last = do_int(&o, fmt, i, &c, arg);
		}
		if (last < 0)
			return -EINVAL;
		i = (uint32_t)last;
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (long)o.len;
}

/* ---- the helpers ------------------------------------------------------------------------ */

static uint64_t emit(struct xbpf_run_ctx *rc, const char *fmt, uint32_t fmt_size,
		     const uint64_t *args, unsigned nargs)
{
	char out[HLP_PRINTF_BUF];
	long n = hlp_format(rc, fmt, fmt_size, args, nargs, out, sizeof out);
	if (n < 0)
		return (uint64_t)(int64_t)n;
	hlp_trace_emit(rc, out, strlen(out));
	return (uint64_t)n;
}

/* (const char *fmt, u32 fmt_size, ...): up to three arguments in r3-r5. */
uint64_t hlp_trace_printk(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct xbpf_run_ctx *rc)
{
	if (!hlp_mem_ok(rc, "bpf_trace_printk", 1, r1, (uint32_t)r2, false))
		return HLP_ERR(EFAULT);
	const uint64_t args[3] = {r3, r4, r5};
	return emit(rc, (const char *)(uintptr_t)r1, (uint32_t)r2, args, 3);
}

/* Check and fetch a u64 argument array (data, data_len) for vprintk/snprintf. */
static int get_args(struct xbpf_run_ctx *rc, const char *name, int argno, uint64_t data,
		    uint32_t len, uint64_t *args)
{
	if ((len & 7) || len / 8 > HLP_MAX_PRINTF_ARGS || (len && !data))
		return -EINVAL;
	if (!hlp_mem_ok(rc, name, argno, data, len, false))
		return -EFAULT;
	if (len)
		memcpy(args, (const void *)(uintptr_t)data, len);
	return 0;
}

/* (const char *fmt, u32 fmt_size, const void *data, u32 data_len) */
uint64_t hlp_trace_vprintk(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct xbpf_run_ctx *rc)
{
	uint64_t args[HLP_MAX_PRINTF_ARGS];
	if (!hlp_mem_ok(rc, "bpf_trace_vprintk", 1, r1, (uint32_t)r2, false))
		return HLP_ERR(EFAULT);
	int err = get_args(rc, "bpf_trace_vprintk", 3, r3, (uint32_t)r4, args);
	if (err)
		return HLP_ERR(-err);
	return emit(rc, (const char *)(uintptr_t)r1, (uint32_t)r2, args, (uint32_t)r4 / 8);
}

/* (char *str, u32 str_size, const char *fmt, u64 *data, u32 data_len): the formatted
 * length including the NUL. */
uint64_t hlp_snprintf(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct xbpf_run_ctx *rc)
{
	uint64_t args[HLP_MAX_PRINTF_ARGS];
	uint32_t size = (uint32_t)r2;
	if (!hlp_mem_ok(rc, "bpf_snprintf", 1, r1, size, true))
		return HLP_ERR(EFAULT);
	int err = get_args(rc, "bpf_snprintf", 4, r4, (uint32_t)r5, args);
	if (err)
		return HLP_ERR(-err);
	/* fmt is a constant string in read-only map data: bounded by what the run can read */
	const char *fmt = (const char *)(uintptr_t)r3;
	uint32_t fmt_size = 0;
	for (;;) {
		if (!hlp_mem_ok(rc, "bpf_snprintf", 3, r3 + fmt_size, 1, false))
			return HLP_ERR(EFAULT);
		if (!fmt[fmt_size++] || fmt_size >= 65536)
			break;
	}
	long n = hlp_format(rc, fmt, fmt_size, args, (uint32_t)r5 / 8,
			    r1 ? (char *)(uintptr_t)r1 : NULL, r1 ? size : 0);
	if (n < 0)
		return (uint64_t)(int64_t)n;
	return (uint64_t)n + 1;
}
