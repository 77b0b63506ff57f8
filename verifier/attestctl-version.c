/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "attestctl-groups.h"
#include "config.h"

int attestctl_version(int argc, char **argv)
{
    printf("attestctl %s\n", PACKAGE_VERSION);
    return ATTESTCTL_EXIT_OK;
}
