/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attestctl.h"
#include "config.h"
#include "groups.h"

static const struct attestctl_group groups[] = {ATTESTCTL_GROUPS};

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestctl GROUP COMMAND [OPTIONS]\n\nGroups:\n");
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        fprintf(f, "  %-12s %s\n", groups[i].name, groups[i].summary);
    fprintf(f, "\n'attestctl GROUP --help' for the commands of a group.\n"
               "Exit codes: 0 success, 1 a check failed, 2 bad input or usage.\n");
}

/* The environment variable a leading verifier client option travels as, or NULL. */
static const char *leading_option_env(const char *opt)
{
    if (strcmp(opt, "--server") == 0)
        return "ATTEST_SERVER";
    if (strcmp(opt, "--token") == 0)
        return "ATTEST_ADMIN_TOKEN";
    if (strcmp(opt, "--cacert") == 0)
        return "ATTEST_CACERT";
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return ATTESTCTL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return ATTESTCTL_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("attestctl %s\n", PACKAGE_VERSION);
        return ATTESTCTL_EXIT_OK;
    }
    /* Options of the verifier client groups may come first: attestctl --server URL
     * --token FILE --cacert FILE machines list. They travel as the environment those
     * groups read. */
    const char *env;
    while (argc >= 3 && (env = leading_option_env(argv[1]))) {
        if (setenv(env, argv[2], 1) < 0) {
            perror("attestctl: setenv");
            return ATTESTCTL_EXIT_USAGE;
        }
        argc -= 2;
        argv += 2;
    }
    if (argc < 2) {
        usage(stderr);
        return ATTESTCTL_EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (strcmp(argv[1], groups[i].name) == 0)
            return groups[i].run(argc - 1, argv + 1);
    fprintf(stderr, "attestctl: unknown group '%s'\n", argv[1]);
    usage(stderr);
    return ATTESTCTL_EXIT_USAGE;
}
