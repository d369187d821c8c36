/* placeholder until the verb is written */
#include "cli/cli.h"
static int exec_prune(struct cli *cli, int argc, char **argv)
{
	(void)cli; (void)argc; (void)argv;
	return EXIT_INTERNAL;
}
const struct cmd_entry cmd_prune = {.name = "prune", .usage = "prune", .summary = "(not yet)", .exec = exec_prune};
