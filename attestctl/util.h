/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What several attestctl command groups do alike: read an input file, print
 * hex, read a pcrs.json, and the first steps of argument parsing. Each helper
 * prints its own message to stderr, so the groups keep one wording.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <tss2/tss2_tpm2_types.h>

#include "common/pcr-values.h"

/* Returned by the parsing helpers when the group goes on with its own work. */
#define ATTESTCTL_CONTINUE (-1)

/*
 * Read path whole (at most max bytes). On failure prints
 * "attestctl: cannot read [WHAT ]'PATH': REASON" (what may be NULL) and
 * returns the negative errno.
 */
int attestctl_read_file(const char *what, const char *path, size_t max, uint8_t **ret_buf,
                        size_t *ret_len);

struct ima_list;
/*
 * An IMA list from path: binary (binary_runtime_measurements) or ascii
 * (ascii_runtime_measurements, told apart by its first bytes "PCR "), the
 * ascii one rebuilt and its template hashes checked (ima_parse_ascii_list).
 * Returns 0, malformed_exit after naming the byte offset or line of a
 * malformed list, ATTESTCTL_EXIT_USAGE when unreadable.
 */
int attestctl_read_ima_list(const char *path, struct ima_list **ret, int malformed_exit);

/* Lowercase hex of n bytes to stdout. */
void attestctl_print_hex(const uint8_t *b, size_t n);

/*
 * The PCR values of a pcrs.json file, of one bank or of all (TPM2_ALG_ERROR).
 * Returns 0, or ATTESTCTL_EXIT_USAGE after printing why.
 */
int attestctl_read_pcrs_json(const char *path, TPM2_ALG_ID bank, struct pcr_values *v);

/*
 * Groups with a single command (credential make, quote verify): a missing
 * command, --help/-h and any other command are handled here. Returns
 * ATTESTCTL_CONTINUE when argv[1] is cmd (the options follow it), else the
 * exit code.
 */
int attestctl_one_command(int argc, char **argv, const char *cmd, void (*usage)(FILE *));

/* Groups of the form COMMAND FILE [--bank BANK] [--pcrs PCRS.json] (eventlog, ima). */
struct attestctl_log_args {
    const char *cmd, *file, *pcrs;
    TPM2_ALG_ID bank; /* TPM2_ALG_ERROR: every bank */
};

/* Returns ATTESTCTL_CONTINUE with *ret filled in, else the exit code. */
int attestctl_log_args_parse(int argc, char **argv, void (*usage)(FILE *),
                             struct attestctl_log_args *ret);
