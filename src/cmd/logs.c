/* placeholder until the verb is written */
#include "cli/cli.h"
static int exec_logs(struct cli *cli, int argc, char **argv)
{
	(void)cli; (void)argc; (void)argv;
	return EXIT_INTERNAL;
}
const struct cmd_entry cmd_logs = {.name = "logs", .usage = "logs", .summary = "(not yet)", .exec = exec_logs};
