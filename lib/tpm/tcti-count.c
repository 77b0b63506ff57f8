/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_tctildr.h>

#include "tpm/tcti-count.h"

/* Any value other TCTIs do not use; the loader checks only that it is set. */
#define TCTI_COUNT_MAGIC 0x61747463636f756eULL /* "attccoun" */

struct tcti_count {
    TSS2_TCTI_CONTEXT_COMMON_V2 common; /* must be first: TSS2 casts to it */
    TSS2_TCTI_CONTEXT *inner;
    size_t count, retries;
    TPM2_CC log[TCTI_COUNT_MAX_LOG];
    bool retried[TCTI_COUNT_MAX_LOG];
};

static struct tcti_count *self(TSS2_TCTI_CONTEXT *t)
{
    if (!t || TSS2_TCTI_MAGIC(t) != TCTI_COUNT_MAGIC)
        return NULL;
    return (struct tcti_count *)t;
}

static TSS2_RC count_transmit(TSS2_TCTI_CONTEXT *t, size_t size, const uint8_t *cmd)
{
    struct tcti_count *c = self(t);
    if (!c)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    /* Header: tag(2) size(4) commandCode(4), big-endian. */
    if (size >= 10) {
        TPM2_CC cc = (TPM2_CC)cmd[6] << 24 | (TPM2_CC)cmd[7] << 16 | (TPM2_CC)cmd[8] << 8 | cmd[9];
        if (c->count < TCTI_COUNT_MAX_LOG) {
            c->log[c->count] = cc;
            c->retried[c->count] = false;
        }
        c->count++;
    }
    return Tss2_Tcti_Transmit(c->inner, size, cmd);
}

static TSS2_RC count_receive(TSS2_TCTI_CONTEXT *t, size_t *size, uint8_t *resp, int32_t timeout)
{
    struct tcti_count *c = self(t);
    if (!c)
        return TSS2_TCTI_RC_BAD_CONTEXT;
    TSS2_RC rc = Tss2_Tcti_Receive(c->inner, size, resp, timeout);
    /* A TPM warning that makes ESAPI send the same command again: count it
     * apart, it is the TPM's choice, not a command we asked for. */
    if (rc == TSS2_RC_SUCCESS && resp && *size >= 10 && c->count > 0) {
        TPM2_RC trc =
            (TPM2_RC)resp[6] << 24 | (TPM2_RC)resp[7] << 16 | (TPM2_RC)resp[8] << 8 | resp[9];
        if (trc == TPM2_RC_RETRY || trc == TPM2_RC_YIELDED || trc == TPM2_RC_TESTING) {
            c->retries++;
            if (c->count <= TCTI_COUNT_MAX_LOG)
                c->retried[c->count - 1] = true;
        }
    }
    return rc;
}

static void count_finalize(TSS2_TCTI_CONTEXT *t)
{
    struct tcti_count *c = self(t);
    if (!c)
        return;
    Tss2_TctiLdr_Finalize(&c->inner);
    c->common.v1.magic = 0;
}

static TSS2_RC count_cancel(TSS2_TCTI_CONTEXT *t)
{
    struct tcti_count *c = self(t);
    return c ? Tss2_Tcti_Cancel(c->inner) : TSS2_TCTI_RC_BAD_CONTEXT;
}

static TSS2_RC count_get_poll_handles(TSS2_TCTI_CONTEXT *t, TSS2_TCTI_POLL_HANDLE *h, size_t *n)
{
    struct tcti_count *c = self(t);
    return c ? Tss2_Tcti_GetPollHandles(c->inner, h, n) : TSS2_TCTI_RC_BAD_CONTEXT;
}

static TSS2_RC count_set_locality(TSS2_TCTI_CONTEXT *t, uint8_t locality)
{
    struct tcti_count *c = self(t);
    return c ? Tss2_Tcti_SetLocality(c->inner, locality) : TSS2_TCTI_RC_BAD_CONTEXT;
}

static TSS2_RC count_make_sticky(TSS2_TCTI_CONTEXT *t, TPM2_HANDLE *handle, uint8_t sticky)
{
    struct tcti_count *c = self(t);
    return c ? Tss2_Tcti_MakeSticky(c->inner, handle, sticky) : TSS2_TCTI_RC_BAD_CONTEXT;
}

int tcti_count_new(TSS2_TCTI_CONTEXT *inner, TSS2_TCTI_CONTEXT **ret)
{
    struct tcti_count *c = calloc(1, sizeof(*c));
    if (!c) {
        Tss2_TctiLdr_Finalize(&inner);
        return -ENOMEM;
    }
    c->common.v1.magic = TCTI_COUNT_MAGIC;
    c->common.v1.version = 2;
    c->common.v1.transmit = count_transmit;
    c->common.v1.receive = count_receive;
    c->common.v1.finalize = count_finalize;
    c->common.v1.cancel = count_cancel;
    c->common.v1.getPollHandles = count_get_poll_handles;
    c->common.v1.setLocality = count_set_locality;
    c->common.makeSticky = count_make_sticky;
    c->inner = inner;
    *ret = (TSS2_TCTI_CONTEXT *)c;
    return 0;
}

size_t tcti_count_commands(TSS2_TCTI_CONTEXT *t)
{
    struct tcti_count *c = self(t);
    return c ? c->count : 0;
}

TPM2_CC tcti_count_command(TSS2_TCTI_CONTEXT *t, size_t i)
{
    struct tcti_count *c = self(t);
    return c && i < c->count && i < TCTI_COUNT_MAX_LOG ? c->log[i] : 0;
}

bool tcti_count_retried(TSS2_TCTI_CONTEXT *t, size_t i)
{
    struct tcti_count *c = self(t);
    return c && i < c->count && i < TCTI_COUNT_MAX_LOG && c->retried[i];
}

size_t tcti_count_retries(TSS2_TCTI_CONTEXT *t)
{
    struct tcti_count *c = self(t);
    return c ? c->retries : 0;
}

void tcti_count_reset(TSS2_TCTI_CONTEXT *t)
{
    struct tcti_count *c = self(t);
    if (c)
        c->count = c->retries = 0;
}

const char *tcti_count_cc_name(TPM2_CC cc)
{
    static const struct {
        TPM2_CC cc;
        const char *name;
    } names[] = {
        {TPM2_CC_ActivateCredential, "ActivateCredential"},
        {TPM2_CC_ContextLoad, "ContextLoad"},
        {TPM2_CC_ContextSave, "ContextSave"},
        {TPM2_CC_Create, "Create"},
        {TPM2_CC_CreatePrimary, "CreatePrimary"},
        {TPM2_CC_FlushContext, "FlushContext"},
        {TPM2_CC_GetCapability, "GetCapability"},
        {TPM2_CC_Hash, "Hash"},
        {TPM2_CC_Load, "Load"},
        {TPM2_CC_NV_Read, "NV_Read"},
        {TPM2_CC_NV_ReadPublic, "NV_ReadPublic"},
        {TPM2_CC_PCR_Read, "PCR_Read"},
        {TPM2_CC_PolicyOR, "PolicyOR"},
        {TPM2_CC_PolicySecret, "PolicySecret"},
        {TPM2_CC_Quote, "Quote"},
        {TPM2_CC_ReadPublic, "ReadPublic"},
        {TPM2_CC_Sign, "Sign"},
        {TPM2_CC_StartAuthSession, "StartAuthSession"},
        {TPM2_CC_Startup, "Startup"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].cc == cc)
            return names[i].name;
    return "Unknown";
}
