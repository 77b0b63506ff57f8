/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "tpm/tcti-count.h"
#include "tpm/tpm-ctx.h"

#define TCTI_DEFAULT "device:/dev/tpmrm0"

void tpm_debug(const struct tpm_ctx *t, const char *fmt, ...)
{
    if (!t || !t->debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("attest-tpm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int tpm_open(const char *tcti_conf, struct tpm_ctx **ret)
{
    if (!tcti_conf || !*tcti_conf)
        tcti_conf = TCTI_DEFAULT;

    struct tpm_ctx *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    const char *dbg = getenv("ATTEST_DEBUG");
    t->debug = dbg && *dbg && *dbg != '0';
    /* The TSS logs expected failures (a persistent EK or NV index that is
     * absent) as errors on stderr; we map and report errors ourselves. An
     * explicit TSS2_LOG still wins. */
    if (!t->debug)
        setenv("TSS2_LOG", "all+none", 0);

    TSS2_TCTI_CONTEXT *inner = NULL;
    TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti_conf, &inner);
    if (rc != TSS2_RC_SUCCESS) {
        /* The loader fails alike for a missing device, a refused connection and
         * an unknown TCTI name: all mean "no TPM here". */
        tpm_debug(t, "Tss2_TctiLdr_Initialize('%s'): %s", tcti_conf, Tss2_RC_Decode(rc));
        free(t);
        return ATT_E_NO_TPM;
    }
    int r = tcti_count_new(inner, &t->tcti);
    if (r < 0) {
        free(t);
        return r;
    }
    rc = Esys_Initialize(&t->esys, t->tcti, NULL);
    if (rc != TSS2_RC_SUCCESS) {
        tpm_debug(t, "Esys_Initialize: %s", Tss2_RC_Decode(rc));
        tpm_close(t);
        return ATT_E_NO_TPM;
    }
    *ret = t;
    return 0;
}

void tpm_close(struct tpm_ctx *t)
{
    if (!t)
        return;
    if (t->esys)
        Esys_Finalize(&t->esys);
    if (t->tcti) {
        Tss2_Tcti_Finalize(t->tcti);
        free(t->tcti);
    }
    free(t);
}

size_t tpm_command_count(const struct tpm_ctx *t)
{
    return tcti_count_commands(t->tcti);
}

TPM2_CC tpm_command_at(const struct tpm_ctx *t, size_t i)
{
    return tcti_count_command(t->tcti, i);
}

void tpm_command_count_reset(struct tpm_ctx *t)
{
    tcti_count_reset(t->tcti);
}

size_t tpm_command_retries(const struct tpm_ctx *t)
{
    return tcti_count_retries(t->tcti);
}

int tpm_command_log_append(const struct tpm_ctx *t, const char *label, const char *path)
{
    _cleanup_fclose_ FILE *f = fopen(path, "ae");
    if (!f)
        return -errno;
    size_t n = tpm_command_count(t);
    fprintf(f, "%s %zu", label, n - tpm_command_retries(t));
    for (size_t i = 0; i < n && i < TCTI_COUNT_MAX_LOG; i++)
        if (!tcti_count_retried(t->tcti, i))
            fprintf(f, " %s", tcti_count_cc_name(tpm_command_at(t, i)));
    for (size_t i = 0; i < n && i < TCTI_COUNT_MAX_LOG; i++)
        if (tcti_count_retried(t->tcti, i))
            fprintf(f, " retried:%s", tcti_count_cc_name(tpm_command_at(t, i)));
    fputc('\n', f);
    return fflush(f) == 0 ? 0 : -errno;
}
