/* SPDX-License-Identifier: Apache-2.0 */
#include "attestd-commands.h"
#include "attestd.h"
#include "config.h"

static const struct cli_verb commands[] = {ATTESTD_COMMANDS};

static const struct cli_program program = {
    .name = "attestd",
    .synopsis = "COMMAND [OPTIONS]",
    .verbs_title = "Commands",
    .verb_kind = "command",
    .epilogue = "'attestd COMMAND --help' for the options of a command.\n"
                "The TPM is reached through --tcti T, else $ATTEST_TCTI, else "
                "device:/dev/tpmrm0.\n\n" ATTEST_EXIT_CODES_HELP,
    .version = PACKAGE_VERSION,
    .verbs = commands,
    .n_verbs = sizeof(commands) / sizeof(commands[0]),
};

int main(int argc, char **argv)
{
    return cli_dispatch(&program, argc, argv);
}
