/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <tss2/tss2_esys.h>

/*
 * One connection to a TPM: the TCTI (wrapped in the counting TCTI), the ESAPI
 * context, and whether debug messages are wanted. Passed by pointer to every
 * TPM-side function; there is no global state.
 */
struct tpm_ctx {
    TSS2_TCTI_CONTEXT *tcti; /* the counting wrapper (owns the real TCTI) */
    ESYS_CONTEXT *esys;
    bool debug; /* $ATTEST_DEBUG set: library debug messages on stderr */
};

/*
 * Open the TPM named by a TCTI configuration string as the TCTI loader takes
 * it: "device:/dev/tpmrm0", "swtpm:host=127.0.0.1,port=2321", ... NULL or ""
 * means "device:/dev/tpmrm0". ATT_E_NO_TPM when it cannot be reached.
 */
int tpm_open(const char *tcti_conf, struct tpm_ctx **ret);

/* Finalize ESAPI and the TCTI. Accepts NULL. */
void tpm_close(struct tpm_ctx *t);
static inline void tpm_closep(struct tpm_ctx **t)
{
    tpm_close(*t);
}
#define _cleanup_tpm_ __attribute__((cleanup(tpm_closep)))

/* TPM commands sent through t so far, and the command code of the i-th. */
size_t tpm_command_count(const struct tpm_ctx *t);
TPM2_CC tpm_command_at(const struct tpm_ctx *t, size_t i);
/* Commands the TPM answered with RETRY/YIELDED/TESTING: ESAPI sent each again. */
size_t tpm_command_retries(const struct tpm_ctx *t);
void tpm_command_count_reset(struct tpm_ctx *t);

/*
 * Append one line "LABEL N Cmd1 Cmd2 ..." (the commands sent since the last
 * reset; N and the list leave out sends the TPM answered with RETRY, which
 * ESAPI repeats: those are listed at the end as "retried:Cmd") to path; used
 * by tests through $ATTEST_TPM_COMMAND_LOG.
 */
int tpm_command_log_append(const struct tpm_ctx *t, const char *label, const char *path);

/* Library debug message (only when t->debug); library code never logs above this. */
void tpm_debug(const struct tpm_ctx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
