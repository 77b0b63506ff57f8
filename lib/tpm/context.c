/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "tpm/context.h"
#include "tpm/tpm-rc.h"

#define CONTEXT_MAGIC   0xBADCC0DEu
#define CONTEXT_VERSION 1u
#define CONTEXT_HEADER  (4 + 4 + 4 + 4 + 8)

int context_parse(const uint8_t *buf, size_t len, TPMS_CONTEXT *ret)
{
    size_t off = 0;
    UINT32 magic = 0, version = 0;
    TPMS_CONTEXT c = {0};
    /* tss2-mu's integer unmarshalers read big-endian, as tpm2-tools writes. */
    if (Tss2_MU_UINT32_Unmarshal(buf, len, &off, &magic) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Unmarshal(buf, len, &off, &version) != TSS2_RC_SUCCESS ||
        magic != CONTEXT_MAGIC || version != CONTEXT_VERSION)
        return ATT_E_BADMSG;
    if (Tss2_MU_UINT32_Unmarshal(buf, len, &off, &c.hierarchy) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Unmarshal(buf, len, &off, &c.savedHandle) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT64_Unmarshal(buf, len, &off, &c.sequence) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_CONTEXT_DATA_Unmarshal(buf, len, &off, &c.contextBlob) != TSS2_RC_SUCCESS ||
        off != len || c.contextBlob.size == 0)
        return ATT_E_BADMSG;
    *ret = c;
    return 0;
}

int context_format(const TPMS_CONTEXT *c, uint8_t **ret_buf, size_t *ret_len)
{
    size_t cap = CONTEXT_HEADER + sizeof(TPM2B_CONTEXT_DATA), off = 0;
    _cleanup_free_ uint8_t *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    if (Tss2_MU_UINT32_Marshal(CONTEXT_MAGIC, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Marshal(CONTEXT_VERSION, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Marshal(c->hierarchy, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Marshal(c->savedHandle, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT64_Marshal(c->sequence, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_CONTEXT_DATA_Marshal(&c->contextBlob, buf, cap, &off) != TSS2_RC_SUCCESS)
        return -EINVAL;
    *ret_len = off;
    *ret_buf = TAKE_PTR(buf);
    return 0;
}

int context_save_file(struct tpm_ctx *t, ESYS_TR obj, const char *path)
{
    TPMS_CONTEXT *c = NULL;
    int r = tpm_esys_context_save(t, obj, &c);
    if (r < 0)
        return r;
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len = 0;
    r = context_format(c, &buf, &len);
    Esys_Free(c);
    if (r < 0)
        return r;
    return file_write_atomic(path, buf, len, 0600);
}

int context_load_file(struct tpm_ctx *t, const char *path, ESYS_TR *ret)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, CONTEXT_HEADER + sizeof(TPM2B_CONTEXT_DATA), &buf, &len);
    if (r == -EFBIG)
        return ATT_E_BADMSG;
    if (r < 0)
        return r;
    TPMS_CONTEXT c;
    r = context_parse(buf, len, &c);
    if (r < 0)
        return r;
    r = tpm_esys_context_load(t, &c, ret);
    /* INTEGRITY on a context: its proof is not this TPM's (any more). ESAPI
     * reports a blob whose metadata it cannot parse as BAD_VALUE/BAD_SIZE. */
    if (r == ATT_E_WRONG_TPM)
        return ATT_E_TPM_CLEARED;
    return r;
}
