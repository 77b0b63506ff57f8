/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "tpm/activate.h"
#include "tpm/policy-session.h"
#include "tpm/tpm-rc.h"

#define CREDENTIAL_MAGIC   0xBADCC0DEu
#define CREDENTIAL_VERSION 1u

int credential_file_parse(const uint8_t *buf, size_t len, TPM2B_ID_OBJECT *ret_blob,
                          TPM2B_ENCRYPTED_SECRET *ret_secret)
{
    size_t off = 0;
    UINT32 magic = 0, version = 0;
    TPM2B_ID_OBJECT blob = {0};
    TPM2B_ENCRYPTED_SECRET secret = {0};
    if (Tss2_MU_UINT32_Unmarshal(buf, len, &off, &magic) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Unmarshal(buf, len, &off, &version) != TSS2_RC_SUCCESS ||
        magic != CREDENTIAL_MAGIC || version != CREDENTIAL_VERSION ||
        Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(buf, len, &off, &blob) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(buf, len, &off, &secret) != TSS2_RC_SUCCESS ||
        off != len || blob.size == 0 || secret.size == 0)
        return ATT_E_BADMSG;
    *ret_blob = blob;
    *ret_secret = secret;
    return 0;
}

int credential_file_read(const char *path, TPM2B_ID_OBJECT *ret_blob,
                         TPM2B_ENCRYPTED_SECRET *ret_secret)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, 8 + sizeof(TPM2B_ID_OBJECT) + sizeof(TPM2B_ENCRYPTED_SECRET), &buf,
                          &len);
    if (r == -EFBIG)
        return ATT_E_BADMSG;
    if (r < 0)
        return r;
    return credential_file_parse(buf, len, ret_blob, ret_secret);
}

int credential_file_format(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
                           uint8_t *buf, size_t cap, size_t *ret_len)
{
    size_t off = 0;
    if (Tss2_MU_UINT32_Marshal(CREDENTIAL_MAGIC, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Marshal(CREDENTIAL_VERSION, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_ID_OBJECT_Marshal(blob, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(secret, buf, cap, &off) != TSS2_RC_SUCCESS)
        return -EINVAL;
    *ret_len = off;
    return 0;
}

/* HMAC session for the AK, salted with the EK, response encrypted, one use. */
static int ak_session(struct tpm_ctx *t, const struct tpm_ek *ek, ESYS_TR *ret)
{
    ESYS_TR s = ESYS_TR_NONE;
    int r = tpm_esys_start_salted_hmac_session(t, ek->handle, &s);
    if (r < 0)
        return r;
    TSS2_RC rc = Esys_TRSess_SetAttributes(t->esys, s, TPMA_SESSION_ENCRYPT,
                                           TPMA_SESSION_ENCRYPT | TPMA_SESSION_CONTINUESESSION);
    r = tpm_rc_errno(t, "Esys_TRSess_SetAttributes", rc);
    if (r < 0) {
        tpm_esys_flush(t, &s);
        return r;
    }
    *ret = s;
    return 0;
}

int tpm_activate_credential(struct tpm_ctx *t, const struct tpm_ek *ek, ESYS_TR ak,
                            const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
                            TPM2B_DIGEST *ret_secret)
{
    ESYS_TR hmac = ESYS_TR_NONE, policy = ESYS_TR_NONE;
    int r = ak_session(t, ek, &hmac);
    if (r < 0)
        return r;
    r = tpm_policy_ek_session(t, ek, &policy);
    if (r < 0) {
        tpm_esys_flush(t, &hmac);
        return r;
    }
    TPM2B_DIGEST *cert = NULL;
    r = tpm_esys_activate_credential(t, ak, ek->handle, hmac, policy, blob, secret, &cert);
    /* The TPM refuses a credential made for another AK name or another EK
     * with INTEGRITY (outer HMAC), VALUE or SIZE (seed): the credential, not
     * the TPM, is at fault. */
    if (r == ATT_E_WRONG_TPM || r == ATT_E_TPM || r == ATT_E_BADMSG)
        r = ATT_E_VERIFY;
    tpm_policy_session_done(t, &policy, r == 0);
    tpm_policy_session_done(t, &hmac, r == 0);
    if (r == 0)
        *ret_secret = *cert;
    if (cert) {
        OPENSSL_cleanse(cert, sizeof(*cert));
        Esys_Free(cert);
    }
    return r;
}
