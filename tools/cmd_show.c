/* cmd_show.c - `xbpf show OBJ [--json]`: the programs (section, name, type, instruction
 * count) and maps (name, type, key/value sizes, max entries, flags) of an object file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "xbpf/object.h"
#include "xbpf/map.h"

static const char *type_name(enum xbpf_prog_type t)
{
	const char *n = xbpf_prog_type__name(t);
	return n ? n : "unknown";
}

static const char *map_type_name(uint32_t t)
{
	const char *n = xbpf_map_type__name((enum xbpf_map_type)t); /* bpftool's names */
	return n ? n : "unknown";
}

static void show_json(struct xbpf_object *obj)
{
	json_begin_obj(NULL);
	json_begin_arr("programs");
	for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));) {
		json_begin_obj(NULL);
		json_str("section", xbpf_program__section(p));
		json_str("name", xbpf_program__name(p));
		json_str("type", type_name(xbpf_program__type(p)));
		json_u64("insns", xbpf_program__insn_cnt(p));
		json_end_obj();
	}
	json_end_arr();
	json_begin_arr("maps");
	for (struct xbpf_object_map *m = NULL; (m = xbpf_object__next_map(obj, m));) {
		json_begin_obj(NULL);
		json_str("name", xbpf_object_map__name(m));
		json_str("type", map_type_name(xbpf_object_map__type(m)));
		json_u64("key_size", xbpf_object_map__key_size(m));
		json_u64("value_size", xbpf_object_map__value_size(m));
		json_u64("max_entries", xbpf_object_map__max_entries(m));
		json_u64("flags", xbpf_object_map__flags(m));
		json_end_obj();
	}
	json_end_arr();
	json_end_obj();
}

static void show_text(struct xbpf_object *obj)
{
	printf("programs:\n");
	for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));)
		printf("  %-32s %-28s %-16s %zu insns\n", xbpf_program__section(p),
		       xbpf_program__name(p), type_name(xbpf_program__type(p)),
		       xbpf_program__insn_cnt(p));
	printf("maps:\n");
	for (struct xbpf_object_map *m = NULL; (m = xbpf_object__next_map(obj, m));)
		printf("  %-28s %-18s key %-4u value %-6u max_entries %-8u flags %#x\n",
		       xbpf_object_map__name(m), map_type_name(xbpf_object_map__type(m)),
		       xbpf_object_map__key_size(m), xbpf_object_map__value_size(m),
		       xbpf_object_map__max_entries(m), xbpf_object_map__flags(m));
}

static int cmd_show(int argc, char **argv)
{
	if (argc != 2)
		return cli_usage("show", "expected one object file");
	struct xbpf_object *obj = xbpf_object__open_file(argv[1], NULL);
	if (!obj)
		return cli_error(2, "%s", xbpf_object__last_error());
	if (cli_json)
		show_json(obj);
	else
		show_text(obj);
	xbpf_object__close(obj);
	return 0;
}

CLI_COMMAND(show, cmd_show, "show OBJ [--json]",
	    "list the programs and maps of an eBPF object file")
