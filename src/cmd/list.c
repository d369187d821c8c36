/* placeholder until the verb is written */
#include "cli/cli.h"
static int exec_list(struct cli *cli, int argc, char **argv)
{
	(void)cli; (void)argc; (void)argv;
	return EXIT_INTERNAL;
}
const struct cmd_entry cmd_list = {.name = "list", .usage = "list", .summary = "(not yet)", .exec = exec_list};
