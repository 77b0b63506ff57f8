/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The exit codes of attestd (every command, the agent and the TPM tools alike)
 * and of attestctl (which uses 0-2). One list: the enum, the "Exit codes:" text
 * of every --help, the RestartPreventExitStatus= of the units (unit/meson.build
 * reads the values from here) and the config-error drop-in of the generator come
 * from it; tests/attestd/check-exit-codes compares attestd(1) and the units.
 *
 * The units depend on the meaning: a configuration error and the key of another
 * TPM do not heal by restarting attestd.service, an unreachable verifier does.
 */
#define ATTEST_EXIT_CODES(X)                                                                       \
    X(0, OK, "success (attest: a verified pass)")                                                  \
    X(1, FAILED, "the operation failed, or the verifier said no")                                  \
    X(2, USAGE, "bad usage, configuration error or malformed input")                               \
    X(3, TPM, "no TPM reachable, or a local TPM failure")                                          \
    X(4, WRONG_TPM, "key or context of another TPM, or the TPM was cleared")                       \
    X(5, LOCKOUT, "TPM in dictionary-attack lockout")                                              \
    X(6, UNREACHABLE, "verifier unreachable after the bounded retries")

#define ATTEST_EXIT_ENUM_ENTRY(code, name, text) ATTEST_EXIT_##name = code,
enum attest_exit { ATTEST_EXIT_CODES(ATTEST_EXIT_ENUM_ENTRY) };
#undef ATTEST_EXIT_ENUM_ENTRY

/* One help line per code: "  N  text". */
#define ATTEST_EXIT_HELP_LINE(code, name, text) "  " #code "  " text "\n"
/* The table as --help prints it (a string literal, no format directives). */
#define ATTEST_EXIT_CODES_HELP "Exit codes:\n" ATTEST_EXIT_CODES(ATTEST_EXIT_HELP_LINE)
