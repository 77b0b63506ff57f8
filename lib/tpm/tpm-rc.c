/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include <tss2/tss2_rc.h>

#include "common/error.h"
#include "tpm/tpm-rc.h"

/* TPM format-one codes carry parameter/handle/session numbers in bits 6 and 8-11. */
static bool tpm_rc_is(TSS2_RC rc, TSS2_RC code)
{
    if ((rc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
        return false;
    if (rc & TPM2_RC_FMT1)
        return (code & TPM2_RC_FMT1) && (rc & (TPM2_RC_FMT1 | 0x3f)) == code;
    return (rc & 0xfff) == code;
}

int tpm_rc_errno(const struct tpm_ctx *t, const char *call, TSS2_RC rc)
{
    if (rc == TSS2_RC_SUCCESS)
        return 0;
    tpm_debug(t, "%s: 0x%x %s", call, rc, Tss2_RC_Decode(rc));

    TSS2_RC layer = rc & TSS2_RC_LAYER_MASK;
    if (layer == TSS2_TCTI_RC_LAYER)
        return ATT_E_NO_TPM;
    /* ESAPI passes TCTI failures through, except a dead connection seen while
     * reading the response. */
    TSS2_RC base = rc & 0xffff;
    if ((layer == TSS2_ESAPI_RC_LAYER || layer == TSS2_SYS_RC_LAYER) &&
        (base == TSS2_BASE_RC_IO_ERROR || base == TSS2_BASE_RC_NO_CONNECTION))
        return ATT_E_NO_TPM;
    if (tpm_rc_is(rc, TPM2_RC_LOCKOUT))
        return ATT_E_TPM_LOCKOUT;
    if (tpm_rc_is(rc, TPM2_RC_INTEGRITY))
        return ATT_E_WRONG_TPM;
    if (tpm_rc_is(rc, TPM2_RC_HANDLE))
        return -ENOENT;
    if (tpm_rc_is(rc, TPM2_RC_BINDING))
        return ATT_E_BADMSG;
    return ATT_E_TPM;
}

int tpm_esys_tr_from_public(struct tpm_ctx *t, TPM2_HANDLE handle, ESYS_TR *ret)
{
    TSS2_RC rc =
        Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ret);
    return tpm_rc_errno(t, "Esys_TR_FromTPMPublic", rc);
}

int tpm_esys_read_public(struct tpm_ctx *t, ESYS_TR obj, TPM2B_PUBLIC **out_public)
{
    TSS2_RC rc = Esys_ReadPublic(t->esys, obj, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, out_public,
                                 NULL, NULL);
    return tpm_rc_errno(t, "Esys_ReadPublic", rc);
}

int tpm_esys_create_primary(struct tpm_ctx *t, ESYS_TR hierarchy, const TPM2B_PUBLIC *in_public,
                            ESYS_TR *ret, TPM2B_PUBLIC **out_public)
{
    static const TPM2B_SENSITIVE_CREATE no_sensitive = {0};
    static const TPM2B_DATA no_outside = {0};
    static const TPML_PCR_SELECTION no_pcrs = {0};
    TSS2_RC rc = Esys_CreatePrimary(t->esys, hierarchy, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                    ESYS_TR_NONE, &no_sensitive, in_public, &no_outside, &no_pcrs,
                                    ret, out_public, NULL, NULL, NULL);
    return tpm_rc_errno(t, "Esys_CreatePrimary", rc);
}

int tpm_esys_start_policy_session(struct tpm_ctx *t, TPMI_ALG_HASH hash, ESYS_TR *ret)
{
    static const TPMT_SYM_DEF no_sym = {.algorithm = TPM2_ALG_NULL};
    TSS2_RC rc =
        Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                              ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &no_sym, hash, ret);
    return tpm_rc_errno(t, "Esys_StartAuthSession(policy)", rc);
}

int tpm_esys_start_salted_hmac_session(struct tpm_ctx *t, ESYS_TR salt_key, ESYS_TR *ret)
{
    static const TPMT_SYM_DEF aes = {
        .algorithm = TPM2_ALG_AES, .keyBits = {.aes = 128}, .mode = {.aes = TPM2_ALG_CFB}};
    TSS2_RC rc =
        Esys_StartAuthSession(t->esys, salt_key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                              ESYS_TR_NONE, NULL, TPM2_SE_HMAC, &aes, TPM2_ALG_SHA256, ret);
    return tpm_rc_errno(t, "Esys_StartAuthSession(salted hmac)", rc);
}

int tpm_esys_policy_secret(struct tpm_ctx *t, ESYS_TR auth_handle, ESYS_TR session)
{
    TSS2_RC rc = Esys_PolicySecret(t->esys, auth_handle, session, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                   ESYS_TR_NONE, NULL, NULL, NULL, 0, NULL, NULL);
    return tpm_rc_errno(t, "Esys_PolicySecret", rc);
}

int tpm_esys_policy_or(struct tpm_ctx *t, ESYS_TR session, const TPML_DIGEST *digests)
{
    TSS2_RC rc = Esys_PolicyOR(t->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, digests);
    return tpm_rc_errno(t, "Esys_PolicyOR", rc);
}

int tpm_esys_create(struct tpm_ctx *t, ESYS_TR parent, ESYS_TR session,
                    const TPM2B_PUBLIC *in_public, TPM2B_PRIVATE **out_private,
                    TPM2B_PUBLIC **out_public)
{
    static const TPM2B_SENSITIVE_CREATE no_sensitive = {0};
    static const TPM2B_DATA no_outside = {0};
    static const TPML_PCR_SELECTION no_pcrs = {0};
    TSS2_RC rc =
        Esys_Create(t->esys, parent, session, ESYS_TR_NONE, ESYS_TR_NONE, &no_sensitive, in_public,
                    &no_outside, &no_pcrs, out_private, out_public, NULL, NULL, NULL);
    return tpm_rc_errno(t, "Esys_Create", rc);
}

int tpm_esys_load(struct tpm_ctx *t, ESYS_TR parent, ESYS_TR session, const TPM2B_PRIVATE *priv,
                  const TPM2B_PUBLIC *pub, ESYS_TR *ret)
{
    TSS2_RC rc = Esys_Load(t->esys, parent, session, ESYS_TR_NONE, ESYS_TR_NONE, priv, pub, ret);
    return tpm_rc_errno(t, "Esys_Load", rc);
}

int tpm_esys_context_save(struct tpm_ctx *t, ESYS_TR obj, TPMS_CONTEXT **ret)
{
    return tpm_rc_errno(t, "Esys_ContextSave", Esys_ContextSave(t->esys, obj, ret));
}

int tpm_esys_context_load(struct tpm_ctx *t, const TPMS_CONTEXT *ctx, ESYS_TR *ret)
{
    return tpm_rc_errno(t, "Esys_ContextLoad", Esys_ContextLoad(t->esys, ctx, ret));
}

int tpm_esys_quote(struct tpm_ctx *t, ESYS_TR key, const TPM2B_DATA *nonce,
                   const TPML_PCR_SELECTION *sel, TPM2B_ATTEST **quoted, TPMT_SIGNATURE **signature)
{
    static const TPMT_SIG_SCHEME key_scheme = {.scheme = TPM2_ALG_NULL};
    TSS2_RC rc = Esys_Quote(t->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, nonce,
                            &key_scheme, sel, quoted, signature);
    return tpm_rc_errno(t, "Esys_Quote", rc);
}

int tpm_esys_pcr_read(struct tpm_ctx *t, const TPML_PCR_SELECTION *sel,
                      TPML_PCR_SELECTION **sel_out, TPML_DIGEST **values)
{
    TSS2_RC rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, sel, NULL,
                               sel_out, values);
    return tpm_rc_errno(t, "Esys_PCR_Read", rc);
}

int tpm_esys_activate_credential(struct tpm_ctx *t, ESYS_TR activate, ESYS_TR key, ESYS_TR session1,
                                 ESYS_TR session2, const TPM2B_ID_OBJECT *blob,
                                 const TPM2B_ENCRYPTED_SECRET *secret, TPM2B_DIGEST **cert_info)
{
    TSS2_RC rc = Esys_ActivateCredential(t->esys, activate, key, session1, session2, ESYS_TR_NONE,
                                         blob, secret, cert_info);
    return tpm_rc_errno(t, "Esys_ActivateCredential", rc);
}

int tpm_esys_nv_read_public(struct tpm_ctx *t, ESYS_TR nv, TPM2B_NV_PUBLIC **ret)
{
    TSS2_RC rc =
        Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ret, NULL);
    return tpm_rc_errno(t, "Esys_NV_ReadPublic", rc);
}

int tpm_esys_nv_read(struct tpm_ctx *t, ESYS_TR nv, UINT16 size, UINT16 offset,
                     TPM2B_MAX_NV_BUFFER **ret)
{
    /* authHandle = the index itself: EK certificate indices are authread with an empty auth. */
    TSS2_RC rc = Esys_NV_Read(t->esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, size,
                              offset, ret);
    return tpm_rc_errno(t, "Esys_NV_Read", rc);
}

int tpm_esys_get_nv_buffer_max(struct tpm_ctx *t, UINT32 *ret)
{
    TPMS_CAPABILITY_DATA *cap = NULL;
    TSS2_RC rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                    TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX, 1, NULL, &cap);
    int r = tpm_rc_errno(t, "Esys_GetCapability", rc);
    if (r < 0)
        return r;
    const TPML_TAGGED_TPM_PROPERTY *p = &cap->data.tpmProperties;
    r = p->count == 1 && p->tpmProperty[0].property == TPM2_PT_NV_BUFFER_MAX ? 0 : ATT_E_TPM;
    if (r == 0)
        *ret = p->tpmProperty[0].value;
    Esys_Free(cap);
    return r;
}

int tpm_esys_flush(struct tpm_ctx *t, ESYS_TR *obj)
{
    if (*obj == ESYS_TR_NONE)
        return 0;
    TPM2_HANDLE h = 0;
    int r = 0;
    if (Esys_TR_GetTpmHandle(t->esys, *obj, &h) == TSS2_RC_SUCCESS &&
        (h >> TPM2_HR_SHIFT) == TPM2_HT_PERSISTENT)
        tpm_esys_tr_close(t, obj);
    else
        r = tpm_rc_errno(t, "Esys_FlushContext", Esys_FlushContext(t->esys, *obj));
    /* On failure ESAPI keeps the resource: release its memory, the TPM side is lost anyway. */
    if (*obj != ESYS_TR_NONE && r < 0)
        Esys_TR_Close(t->esys, obj);
    *obj = ESYS_TR_NONE;
    return r;
}

void tpm_esys_tr_close(struct tpm_ctx *t, ESYS_TR *obj)
{
    if (*obj != ESYS_TR_NONE)
        Esys_TR_Close(t->esys, obj);
    *obj = ESYS_TR_NONE;
}
