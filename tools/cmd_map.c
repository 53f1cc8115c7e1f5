/* cmd_map.c - `xbpf map`: inspect and change maps from the command line.
 *
 *   xbpf map dump|lookup|update|delete|getnext TARGET [--map NAME] [--key HEX]
 *            [--value HEX] [--flags any|noexist|exist|lock|N] [--json]
 *   xbpf map create PIN --type T --key-size K --value-size V --max-entries N
 *            [--map-flags N] [--name NAME]
 *   xbpf map show TARGET [--map NAME]
 *
 * TARGET is a pin (xbpf_map__pin / a map an object pinned: the same live map another
 * process uses) or an object file (its maps are created as the loader does, so they show
 * their initial contents: global data, program/map slots). With an object, --map picks
 * the map (default: the only, or first, map). Keys and values are hex bytes ("01 00 00
 * 00"); per-CPU values print one line per CPU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "xbpf/map.h"
#include "xbpf/object.h"

#define MAP_USAGE "map dump|lookup|update|delete|getnext|show|freeze TARGET [--map NAME] " \
		  "[--key HEX] [--value HEX] [--flags any|noexist|exist|lock|N] [--json] | " \
		  "map create PIN --type T --key-size K --value-size V --max-entries N " \
		  "[--map-flags N] [--name NAME]"

struct map_args {
	const char *op, *target, *map_name, *key, *value, *flags, *type, *name;
	const char *key_size, *value_size, *max_entries, *map_flags;
};

/* The map TARGET names; *objp keeps an opened object alive. NULL after printing an error. */
static struct xbpf_map *open_target(const struct map_args *a, struct xbpf_object **objp,
				    int *code)
{
	*code = 2;
	struct xbpf_map *m = xbpf_map__open_pinned(a->target);
	if (m || errno != EINVAL) {
		if (!m)
			cli_error(2, "%s: cannot open pinned map: %s", a->target, strerror(errno));
		return m;
	}
	struct xbpf_object *obj = xbpf_object__open_file(a->target, NULL);
	if (!obj) {
		cli_error(2, "%s: neither a pinned map nor an object: %s", a->target,
			  xbpf_object__last_error());
		return NULL;
	}
	/* only the maps are wanted: programs that cannot load must not stop us */
	for (struct xbpf_program *p = NULL; (p = xbpf_object__next_program(obj, p));)
		xbpf_program__set_autoload(p, false);
	char log[512] = "";
	struct xbpf_object_load_opts lo = {.sz = sizeof lo, .no_verify = true,
					   .log_buf = log, .log_size = sizeof log};
	struct xbpf_object_map *om = a->map_name ? xbpf_object__find_map_by_name(obj, a->map_name)
						 : xbpf_object__next_map(obj, NULL);
	if (!om) {
		cli_error(2, a->map_name ? "%s: no map named '%s'" : "%s: the object has no maps",
			  a->target, a->map_name);
	} else if (xbpf_object__load(obj, &lo)) {
		*code = 1;
		cli_error(1, "%s: cannot create the object's maps: %s", a->target, log);
	} else if ((m = xbpf_object_map__map(om))) {
		*objp = obj;
		return xbpf_map__get(m);
	} else {
		cli_error(1, "%s: map '%s' was not created", a->target, xbpf_object_map__name(om));
	}
	xbpf_object__close(obj);
	return NULL;
}

/* Parse hex of exactly `want` bytes into a malloc'ed buffer; NULL after an error. */
static uint8_t *parse_exact(const char *what, const char *hex, size_t want)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	if (!hex) {
		cli_error(2, "--%s is required", what);
		return NULL;
	}
	if (cli_parse_hex(hex, &buf, &len)) {
		cli_error(2, "--%s: bad hex digits in '%s'", what, hex);
		return NULL;
	}
	if (len != want) {
		cli_error(2, "--%s: %zu bytes given, the map needs %zu", what, len, want);
		free(buf);
		return NULL;
	}
	if (!buf)
		buf = calloc(1, 1);
	return buf;
}

static void hex_string(char *out, const uint8_t *p, size_t n, bool spaces)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(out + o, spaces && i ? " %02x" : "%02x", p[i]);
	out[o] = 0;
}

/* Print a key/value pair as text or as a JSON object (inside an array when in_array). */
static void print_entry(const struct xbpf_map *m, const uint8_t *key, const uint8_t *val)
{
	uint32_t ks = xbpf_map__key_size(m), vs = xbpf_map__value_size(m);
	unsigned ncpu = xbpf_map__num_cpus(m);
	size_t stride = ncpu > 1 ? (vs + 7) / 8 * 8 : vs;
	char *buf = malloc(3 * (ks > vs ? ks : vs) + 8);
	if (!buf)
		return;
	if (cli_json)
		json_begin_obj(NULL);
	hex_string(buf, key, ks, !cli_json);
	if (cli_json)
		json_str("key", buf);
	else
		printf("key: %s", ks ? buf : "(none)");
	if (cli_json && ncpu > 1)
		json_begin_arr("values");
	for (unsigned c = 0; c < ncpu && val; c++) {
		hex_string(buf, val + c * stride, vs, !cli_json);
		if (cli_json && ncpu > 1) {
			json_begin_obj(NULL);
			json_u64("cpu", c);
			json_str("value", buf);
			json_end_obj();
		} else if (cli_json) {
			json_str("value", buf);
		} else if (ncpu > 1) {
			printf("%s  cpu %u: %s", c ? "\n" : "", c, buf);
		} else {
			printf("  value: %s", buf);
		}
	}
	if (cli_json && ncpu > 1)
		json_end_arr();
	if (cli_json)
		json_end_obj();
	else
		printf("\n");
	free(buf);
}

static void print_info(const struct xbpf_map *m)
{
	const char *t = xbpf_map_type__name(xbpf_map__type(m));
	if (cli_json) {
		json_str("name", xbpf_map__name(m));
		json_str("type", t ? t : "unknown");
		json_u64("key_size", xbpf_map__key_size(m));
		json_u64("value_size", xbpf_map__value_size(m));
		json_u64("max_entries", xbpf_map__max_entries(m));
		json_u64("flags", xbpf_map__map_flags(m));
		json_bool("frozen", xbpf_map__is_frozen(m));
	} else {
		printf("%s: %s key %u value %u max_entries %u flags %#x%s\n", xbpf_map__name(m),
		       t ? t : "unknown", xbpf_map__key_size(m), xbpf_map__value_size(m),
		       xbpf_map__max_entries(m), xbpf_map__map_flags(m),
		       xbpf_map__is_frozen(m) ? " frozen" : "");
	}
}

static int do_dump(struct xbpf_map *m)
{
	uint32_t ks = xbpf_map__key_size(m);
	uint8_t *k = calloc(1, ks + 1), *nk = calloc(1, ks + 1);
	uint8_t *v = calloc(1, xbpf_map__user_value_size(m) + 1);
	if (!k || !nk || !v) {
		free(k), free(nk), free(v);
		return cli_error(1, "out of memory");
	}
	if (cli_json) {
		json_begin_obj(NULL);
		print_info(m);
		json_begin_arr("entries");
	}
	unsigned n = 0;
	int err = xbpf_map__get_next_key(m, NULL, nk);
	if (err == -EINVAL && !ks && !xbpf_map__lookup_elem(m, NULL, v)) {
		print_entry(m, k, v);   /* queue/stack: the element a pop would take */
		n++;
	}
	while (!err) {
		memcpy(k, nk, ks);
		if (!xbpf_map__lookup_elem(m, k, v)) {
			print_entry(m, k, v);
			n++;
		}
		err = xbpf_map__get_next_key(m, k, nk);
	}
	if (cli_json) {
		json_end_arr();
		json_end_obj();
	} else {
		printf("Found %u element%s\n", n, n == 1 ? "" : "s");
	}
	free(k), free(nk), free(v);
	return 0;
}

static int parse_flags(const char *s, uint64_t *out)
{
	static const char *const names[] = {"any", "noexist", "exist", NULL, "lock"};
	*out = 0;
	if (!s)
		return 0;
	for (unsigned i = 0; i < 5; i++)
		if (names[i] && !strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	char *end;
	*out = strtoull(s, &end, 0);
	return *end || !*s ? -1 : 0;
}

static int report(int err, const char *what)
{
	if (!err) {
		if (cli_json) {
			json_begin_obj(NULL);
			json_bool("ok", true);
			json_end_obj();
		}
		return 0;
	}
	return cli_error(1, "%s: %s (%d)", what, strerror(-err), err);
}

static int do_elem_op(const struct map_args *a, struct xbpf_map *m)
{
	uint32_t ks = xbpf_map__key_size(m);
	size_t vs = xbpf_map__user_value_size(m);
	uint64_t flags;
	if (parse_flags(a->flags, &flags))
		return cli_error(2, "--flags: expected any, noexist, exist, lock or a number");
	uint8_t *key = NULL, *val = NULL, *nk = NULL;
	int rc = 2;
	if (ks && strcmp(a->op, "getnext") && !(key = parse_exact("key", a->key, ks)))
		return 2;
	if (!strcmp(a->op, "getnext") && a->key && !(key = parse_exact("key", a->key, ks)))
		return 2;
	if (!strcmp(a->op, "update")) {
		if ((val = parse_exact("value", a->value, vs)))
			rc = report(xbpf_map__update_elem(m, key, val, flags), "update");
	} else if (!strcmp(a->op, "lookup")) {
		val = calloc(1, vs + 1);
		int err = val ? xbpf_map__lookup_elem_flags(m, key, val, flags) : -ENOMEM;
		rc = err ? report(err, "lookup") : (print_entry(m, key ? key : val, val), 0);
	} else if (!strcmp(a->op, "delete")) {
		rc = report(xbpf_map__delete_elem(m, key), "delete");
	} else {
		nk = calloc(1, ks + 1);
		int err = nk ? xbpf_map__get_next_key(m, key, nk) : -ENOMEM;
		if (!err)
			print_entry(m, nk, NULL);
		rc = err ? report(err, "getnext") : 0;
	}
	free(key), free(val), free(nk);
	return rc;
}

static int do_create(const struct map_args *a)
{
	if (!a->type || !a->key_size || !a->value_size || !a->max_entries)
		return cli_usage(MAP_USAGE, "create needs --type, --key-size, --value-size and "
				 "--max-entries");
	int type = xbpf_map_type__from_name(a->type);
	if (type < 0)
		return cli_error(2, "--type: unknown map type '%s'", a->type);
	struct xbpf_map_create_opts o = {.sz = sizeof o, .name = a->name,
					 .map_flags = a->map_flags ?
						 (uint32_t)strtoul(a->map_flags, NULL, 0) : 0};
	struct xbpf_map *m = xbpf_map__create(type, (uint32_t)strtoul(a->key_size, NULL, 0),
					      (uint32_t)strtoul(a->value_size, NULL, 0),
					      (uint32_t)strtoul(a->max_entries, NULL, 0), &o);
	if (!m)
		return cli_error(1, "create: %s", strerror(errno));
	int err = xbpf_map__pin(m, a->target);
	xbpf_map__put(m);
	return report(err, "pin");
}

static int parse_args(int argc, char **argv, struct map_args *a)
{
	static const struct { const char *opt; size_t off; } opts[] = {
		{"--map", offsetof(struct map_args, map_name)},
		{"--key", offsetof(struct map_args, key)},
		{"--value", offsetof(struct map_args, value)},
		{"--flags", offsetof(struct map_args, flags)},
		{"--type", offsetof(struct map_args, type)},
		{"--name", offsetof(struct map_args, name)},
		{"--key-size", offsetof(struct map_args, key_size)},
		{"--value-size", offsetof(struct map_args, value_size)},
		{"--max-entries", offsetof(struct map_args, max_entries)},
		{"--map-flags", offsetof(struct map_args, map_flags)},
	};
	for (int i = 1; i < argc; i++) {
		size_t j = 0;
		while (j < sizeof opts / sizeof opts[0] && strcmp(argv[i], opts[j].opt))
			j++;
		if (j < sizeof opts / sizeof opts[0]) {
			if (i + 1 >= argc)
				return cli_usage(MAP_USAGE, "%s needs a value", argv[i]);
			*(const char **)((char *)a + opts[j].off) = argv[++i];
		} else if (!strcmp(argv[i], "--json")) {
			continue;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage(MAP_USAGE, "unknown option '%s'", argv[i]);
		} else if (!a->op) {
			a->op = argv[i];
		} else if (!a->target) {
			a->target = argv[i];
		} else {
			return cli_usage(MAP_USAGE, "unexpected argument '%s'", argv[i]);
		}
	}
	if (!a->op || !a->target)
		return cli_usage(MAP_USAGE, "expected an operation and a pin or object");
	return 0;
}

static int cmd_map(int argc, char **argv)
{
	struct map_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	static const char *const ops[] = {"dump", "lookup", "update", "delete", "getnext",
					  "show", "create", "freeze"};
	size_t i = 0;
	while (i < sizeof ops / sizeof ops[0] && strcmp(a.op, ops[i]))
		i++;
	if (i == sizeof ops / sizeof ops[0])
		return cli_usage(MAP_USAGE, "unknown operation '%s'", a.op);
	if (!strcmp(a.op, "create"))
		return do_create(&a);
	struct xbpf_object *obj = NULL;
	struct xbpf_map *m = open_target(&a, &obj, &rc);
	if (!m)
		return rc;
	if (!strcmp(a.op, "dump")) {
		rc = do_dump(m);
	} else if (!strcmp(a.op, "freeze")) {
		rc = report(xbpf_map__freeze(m), "freeze");
	} else if (!strcmp(a.op, "show")) {
		if (cli_json)
			json_begin_obj(NULL);
		print_info(m);
		if (cli_json)
			json_end_obj();
		rc = 0;
	} else {
		rc = do_elem_op(&a, m);
	}
	xbpf_map__put(m);
	xbpf_object__close(obj);
	return rc;
}

CLI_COMMAND(map, cmd_map, MAP_USAGE,
	    "dump, look up, update or delete map elements of a pinned map or an object")
