/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "config.h"
#include "groups.h"

int attestctl_version(int argc, char **argv)
{
    printf("attestctl %s\n", PACKAGE_VERSION);
    return ATTESTCTL_EXIT_OK;
}
