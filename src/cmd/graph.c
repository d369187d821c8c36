/* placeholder until the verb is written */
#include "cli/cli.h"
static int exec_graph(struct cli *cli, int argc, char **argv)
{
	(void)cli; (void)argc; (void)argv;
	return EXIT_INTERNAL;
}
const struct cmd_entry cmd_graph = {.name = "graph", .usage = "graph", .summary = "(not yet)", .exec = exec_graph};
