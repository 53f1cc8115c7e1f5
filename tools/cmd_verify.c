/* cmd_verify.c - `xbpf verify OBJ [--section S] [--type T] [--log-level 0|1|2]
 * [--strict-stack] [--json]`:
 * run the verifier on the programs of an object file. Exit 0 when every selected program
 * verifies, 1 when one is rejected, 2 on usage or load errors. --json prints an array with
 * one object per program: section, name, type, verdict, insn, message, hint, source_line,
 * insns_processed, states, time_us, peak_bytes. --strict-stack rejects reads of stack bytes
 * never written (the unprivileged kernel's rule; by default allowed, as for root).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "xbpf/object.h"
#include "xbpf/verifier.h"

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

static int parse_type(const char *s, uint32_t *type)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (*s && !*end && v < XBPF_PROG_TYPE__COUNT) {
		*type = (uint32_t)v;
		return 0;
	}
	for (uint32_t t = 0; t < XBPF_PROG_TYPE__COUNT; t++) {
		const char *n = xbpf_prog_type__name((enum xbpf_prog_type)t);
		if (n && !strcmp(n, s)) {
			*type = t;
			return 0;
		}
	}
	return xbpf_section__prog_type(s, (enum xbpf_prog_type *)type) ? -1 : 0;
}

static void report(struct xbpf_program *p, uint32_t type, const struct xbpf_verify_result *r)
{
	const char *tn = xbpf_prog_type__name((enum xbpf_prog_type)type);
	if (cli_json) {
		json_begin_obj(NULL);
		json_str("section", xbpf_program__section(p));
		json_str("name", xbpf_program__name(p));
		json_str("type", tn ? tn : "unknown");
		json_str("verdict", r->verdict ? "reject" : "accept");
		if (r->verdict) {
			json_i64("insn", r->insn);
			json_str("message", r->message);
			json_str("hint", r->hint);
			json_str("source_line", r->source_line[0] ? r->source_line : NULL);
		} else {
			json_null("insn");
			json_null("message");
			json_null("hint");
			json_null("source_line");
		}
		json_u64("insns_processed", r->insns_processed);
		json_u64("states", r->states);
		json_u64("time_us", r->time_us);
		json_u64("peak_bytes", r->peak_bytes);
		json_end_obj();
		return;
	}
	printf("%s (%s, %s): %s  [%llu insns processed, %llu states, %llu us, %llu KiB]\n",
	       xbpf_program__section(p), xbpf_program__name(p), tn ? tn : "unknown",
	       r->verdict ? "REJECT" : "accept", (unsigned long long)r->insns_processed,
	       (unsigned long long)r->states, (unsigned long long)r->time_us,
	       (unsigned long long)(r->peak_bytes / 1024));
}

static int cmd_verify(int argc, char **argv)
{
	const char *path = NULL, *section = NULL, *type_s = NULL;
	unsigned level = 1;
	bool strict = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--section") && i + 1 < argc)
			section = argv[++i];
		else if (!strcmp(argv[i], "--type") && i + 1 < argc)
			type_s = argv[++i];
		else if (!strcmp(argv[i], "--log-level") && i + 1 < argc)
			level = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--json"))
			continue;
		else if (!strcmp(argv[i], "--strict-stack"))
			strict = true;
		else if (argv[i][0] == '-' || path)
			return cli_usage("verify", "unexpected argument '%s'", argv[i]);
		else
			path = argv[i];
	}
	if (!path)
		return cli_usage("verify", "missing object file");
	if (level > 2)
		return cli_usage("verify", "--log-level must be 0, 1 or 2");
	uint32_t type = 0;
	if (type_s && parse_type(type_s, &type))
		return cli_usage("verify", "unknown program type '%s'", type_s);
	struct xbpf_object *obj = xbpf_object__open_file(path, NULL);
	if (!obj)
		return cli_error(2, "%s: %s", path, xbpf_object__last_error());
	int rc = 0, n = 0;
	if (cli_json)
		json_begin_arr(NULL);
	for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));) {
		if (section && strcmp(xbpf_program__section(p), section) &&
		    strcmp(xbpf_program__name(p), section))
			continue;
		struct xbpf_verify_opts o = {.sz = sizeof o, .prog_type = type,
			.log_level = cli_json ? 0 : level, .log_fn = print_line,
			.strict_stack = strict};
		struct xbpf_verify_result r;
		int err = xbpf_program__verify(p, &o, &r);
		n++;
		report(p, type ? type : xbpf_program__type(p), &r);
		if (err && rc == 0)
			rc = 1;
	}
	if (cli_json)
		json_end_arr();
	xbpf_object__close(obj);
	if (!n)
		return cli_error(2, "%s: no program%s%s", path, section ? " in section " : "",
				 section ? section : "");
	return rc;
}

CLI_COMMAND(verify, cmd_verify, "verify OBJ [--section S] [--type T] [--log-level 0|1|2] "
	    "[--strict-stack] [--json]",
	    "run the verifier on an object's programs")
