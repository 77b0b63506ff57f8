/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "attestd-commands.h"
#include "attestd.h"
#include "config.h"

static const struct attestd_command commands[] = {ATTESTD_COMMANDS};

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestd COMMAND [OPTIONS]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'attestd COMMAND --help' for the options of a command.\n"
               "The TPM is reached through --tcti T, else $ATTEST_TCTI, else "
               "device:/dev/tpmrm0.\n\n" ATTESTD_EXIT_CODES_HELP);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return ATTESTD_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return ATTESTD_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("attestd %s\n", PACKAGE_VERSION);
        return ATTESTD_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "attestd: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return ATTESTD_EXIT_USAGE;
}
