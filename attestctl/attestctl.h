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
#include "common/cli.h"
#include "common/exit-codes.h"

/* The first three codes of the one table (common/exit-codes.h). */
#define ATTESTCTL_EXIT_OK     ATTEST_EXIT_OK
#define ATTESTCTL_EXIT_FAILED ATTEST_EXIT_FAILED
#define ATTESTCTL_EXIT_USAGE  ATTEST_EXIT_USAGE
