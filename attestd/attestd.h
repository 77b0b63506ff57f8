/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * attestd: the runner agent. Each command (or command group) lives in its own
 * file (attestd-<command>.c) and exports one entry point listed in
 * attestd-commands.h; attestd.c only dispatches. argv[0] of the entry point is
 * the command name.
 *
 * Exit codes: one table for every command, common/exit-codes.h.
 */
#include "common/cli.h"
#include "common/exit-codes.h"

/* Exit code for a negative error code of quote/ (error.h). */
int attestd_exit_code(int r);

/*
 * Log the failure of what (once, where the program decides) and return its
 * exit code: "attestd: what: message".
 */
int attestd_fail(int r, const char *what);

#include <tss2/tss2_tpm2_types.h>

/*
 * The EK fingerprint enroll prints and records and boot-prepare compares: the
 * hex of its identity (verify/ek-identity.h), the SHA-256 of its DER public key.
 */
int attestd_ek_fingerprint(const TPM2B_PUBLIC *ek, char **ret);

struct tpm_ctx;
/* Append the TPM commands t sent to $ATTEST_TPM_COMMAND_LOG, when set (tests). */
void attestd_log_commands(const struct tpm_ctx *t, const char *label);

/* TCTI from --tcti, else $ATTEST_TCTI, else the default device. */
const char *attestd_tcti(const char *opt);
