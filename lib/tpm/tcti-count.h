/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <tss2/tss2_tcti.h>

/*
 * A TCTI that forwards to another one and records the command code of every
 * command sent, so that tests (and the debug log) can see exactly which and
 * how many TPM commands an operation costs (DESIGN.md §4.5). It owns the
 * inner TCTI: finalizing it finalizes and frees the inner one.
 */
#define TCTI_COUNT_MAX_LOG 256

/* Wrap inner (taken over, also on failure). */
int tcti_count_new(TSS2_TCTI_CONTEXT *inner, TSS2_TCTI_CONTEXT **ret);

/* Commands sent so far (may exceed TCTI_COUNT_MAX_LOG; the log keeps the first ones). */
size_t tcti_count_commands(TSS2_TCTI_CONTEXT *tcti);
/* Command code of the i-th command (i < min(count, TCTI_COUNT_MAX_LOG)). */
TPM2_CC tcti_count_command(TSS2_TCTI_CONTEXT *tcti, size_t i);
/* Whether the TPM answered the i-th command with RETRY/YIELDED/TESTING (so
 * that ESAPI sent it again as the next command), and how many such answers. */
bool tcti_count_retried(TSS2_TCTI_CONTEXT *tcti, size_t i);
size_t tcti_count_retries(TSS2_TCTI_CONTEXT *tcti);
/* Forget the commands counted so far. */
void tcti_count_reset(TSS2_TCTI_CONTEXT *tcti);

/* "Quote", "PCR_Read", ...; "0x..." style is not used: unknown -> "Unknown". */
const char *tcti_count_cc_name(TPM2_CC cc);
