/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The command groups of attestctl. Each line: declaration of the group's entry
 * point, and its entry in ATTESTCTL_GROUPS. Add one line per group file.
 */
#include "attestctl.h"

int attestctl_version(int argc, char **argv);

#define ATTESTCTL_GROUPS {"version", "print the version", attestctl_version},
