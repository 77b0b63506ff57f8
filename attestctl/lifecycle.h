/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A fleet's policy lifecycle from the command line (lifecycle.c): capture,
 * drift diff, approve, history, one version, rollback, audit, over the admin
 * API. Every command is usable from a script: --json for machine output,
 * --yes to approve without asking, the exit code says what happened
 * (0 done or no drift, 1 refused by the verifier or drift found, 2 usage).
 */
#include "admin-client.h"

/* attestctl machines diff ID: 0 no drift, 1 drift (or refused), 2 usage. */
int lifecycle_diff(struct client *c, const char *machine_id);

/* attestctl policy capture|approve|history|show|rollback ... (argv[0] is the command). */
int attestctl_policy_admin(int argc, char **argv);
bool attestctl_policy_admin_command(const char *cmd);

/* attestctl audit [--since T] [--limit N] */
int attestctl_audit(int argc, char **argv);
