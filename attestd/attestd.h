/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * attestd: the runner agent. Each command (or command group) lives in its own
 * file (attestd-<command>.c) and exports one entry point listed in
 * attestd-commands.h; attestd.c only dispatches. argv[0] of the entry point is
 * the command name.
 *
 * Exit codes shared by all commands (documented in --help and attestd(1)):
 */
#define ATTESTD_EXIT_OK        0 /* success */
#define ATTESTD_EXIT_FAILED    1 /* the operation failed (message on stderr) */
#define ATTESTD_EXIT_USAGE     2 /* bad usage, or an unreadable/malformed input file */
#define ATTESTD_EXIT_NO_TPM    3 /* no TPM reachable, or it went away during the operation */
#define ATTESTD_EXIT_WRONG_TPM 4 /* key blob/context of another TPM, or TPM cleared/replaced */
#define ATTESTD_EXIT_LOCKOUT   5 /* TPM in dictionary-attack lockout */

#define ATTESTD_EXIT_CODES_HELP                                                                    \
    "Exit codes: 0 success, 1 operation failed, 2 bad usage or malformed input,\n"                 \
    "  3 no TPM reachable (or it went away), 4 key blob or context of another TPM\n"               \
    "  (or the TPM was cleared), 5 TPM in dictionary-attack lockout.\n"

struct attestd_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

/* Exit code for a negative error code of quote/ (error.h). */
int attestd_exit_code(int r);

/*
 * Log the failure of what (once, where the program decides) and return its
 * exit code: "attestd: what: message".
 */
int attestd_fail(int r, const char *what);

struct tpm_ctx;
/* Append the TPM commands t sent to $ATTEST_TPM_COMMAND_LOG, when set (tests). */
void attestd_log_commands(const struct tpm_ctx *t, const char *label);

/* TCTI from --tcti, else $ATTEST_TCTI, else the default device. */
const char *attestd_tcti(const char *opt);
