/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "attestd-commands.h"
#include "config.h"

int attestd_version(int argc, char **argv)
{
    printf("attestd %s\n", PACKAGE_VERSION);
    return ATTEST_EXIT_OK;
}
