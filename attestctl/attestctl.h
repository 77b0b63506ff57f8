/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * attestctl: the operator CLI. Each command group lives in its own file
 * (attestctl-<group>.c) and exports one entry point; attestctl.c only
 * dispatches. argv[0] of the entry point is the group name.
 *
 * Exit codes shared by all groups: 0 success / every check passed; 1 a check
 * failed (named on stdout/stderr); 2 unreadable or invalid input or usage.
 */
#define ATTESTCTL_EXIT_OK     0
#define ATTESTCTL_EXIT_FAILED 1
#define ATTESTCTL_EXIT_USAGE  2

struct attestctl_group {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};
