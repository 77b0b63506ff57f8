/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attestctl.h"
#include "config.h"
#include "groups.h"

static const struct cli_verb groups[] = {ATTESTCTL_GROUPS};

static const struct cli_program program = {
    .name = "attestctl",
    .synopsis = "GROUP COMMAND [OPTIONS]",
    .verbs_title = "Groups",
    .verb_kind = "group",
    .epilogue = "'attestctl GROUP --help' for the commands of a group.\n"
                "Exit codes: 0 success, 1 a check failed, 2 bad input or usage.\n",
    .version = PACKAGE_VERSION,
    .verbs = groups,
    .n_verbs = sizeof(groups) / sizeof(groups[0]),
};

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
    /* Options of the verifier client groups may come first: attestctl --server URL
     * --token FILE --cacert FILE machines list. They travel as the environment those
     * groups read. */
    const char *env;
    while (argc >= 3 && (env = leading_option_env(argv[1]))) {
        if (setenv(env, argv[2], 1) < 0) {
            perror("attestctl: setenv");
            return ATTESTCTL_EXIT_FAILED;
        }
        argc -= 2;
        argv += 2;
    }
    return cli_dispatch(&program, argc, argv);
}
