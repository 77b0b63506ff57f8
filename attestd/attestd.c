/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

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
    /* Line-buffered even into a pipe: `attestd watch` runs for days and its
     * messages must reach the journal as they happen, not at exit. */
    if (setvbuf(stdout, NULL, _IOLBF, 0) != 0 || setvbuf(stderr, NULL, _IOLBF, 0) != 0)
        return ATTEST_EXIT_FAILED;
    return cli_dispatch(&program, argc, argv);
}
