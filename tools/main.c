/* main.c - the xbpf command-line tool: global options and subcommand dispatch.
 *
 * Subcommands register themselves (see cli.h), so adding one means adding one file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

bool cli_json;
const char *cli_prog = "xbpf";
static struct cli_cmd *commands;

void cli_register(struct cli_cmd *cmd)
{
	/* keep the list sorted by name for the help text */
	struct cli_cmd **p = &commands;
	while (*p && strcmp((*p)->name, cmd->name) < 0)
		p = &(*p)->next;
	cmd->next = *p;
	*p = cmd;
}

static void help(FILE *f)
{
	fprintf(f, "usage: %s [--json] COMMAND [ARGS...]\n\ncommands:\n", cli_prog);
	for (struct cli_cmd *c = commands; c; c = c->next)
		fprintf(f, "  %-22s %s\n    %s %s\n", c->name, c->summary, cli_prog, c->usage);
}

static struct cli_cmd *find(const char *name)
{
	for (struct cli_cmd *c = commands; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* bpf_conformance runs its plugin as `PLUGIN MEM OPTIONS`: with --plugin_path xbpf and
 * --plugin_options "conformance-plugin [--jit]" the command name arrives after the memory,
 * possibly with options in the same argument. Find such an argument and rebuild argv as
 * [command, the other arguments..., the rest of that argument]; returns the new count, or
 * 0 when no argument starts with a command name. */
static int find_late_command(int n, char **argv, struct cli_cmd **cmd)
{
	for (int i = 1; i < n; i++) {
		size_t len = strcspn(argv[i], " \t");
		char name[64];
		if (len == 0 || len >= sizeof name)
			continue;
		memcpy(name, argv[i], len);
		name[len] = 0;
		if (!(*cmd = find(name)))
			continue;
		char *rest = argv[i] + len + strspn(argv[i] + len, " \t");
		memmove(argv + 1, argv, (size_t)i * sizeof *argv); /* drops argv[i] */
		argv[0] = (char *)(*cmd)->name;
		if (*rest)
			argv[n++] = rest;
		argv[n] = NULL;
		return n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* strip global options wherever they appear */
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			cli_json = true;
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	if (n == 0)
		return help(stderr), 2;
	if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help") || !strcmp(argv[0], "help")) {
		help(stdout);
		return 0;
	}
	if (!strcmp(argv[0], "--version") || !strcmp(argv[0], "version")) {
		printf("xbpf 0.1.0\n");
		return 0;
	}
	struct cli_cmd *c = find(argv[0]);
	int late = c ? 0 : find_late_command(n, argv, &c);
	if (late)
		n = late;
	if (!c) {
		fprintf(stderr, "%s: unknown command '%s' (try '%s help')\n", cli_prog, argv[0], cli_prog);
		return 2;
	}
	for (int i = 1; i < n; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: %s %s\n  %s\n", cli_prog, c->usage, c->summary);
			return 0;
		}
	return c->fn(n, argv);
}
