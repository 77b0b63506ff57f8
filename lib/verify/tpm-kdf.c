/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "common/cleanup.h"
#include "common/tpm-alg.h"
#include "verify/tpm-kdf.h"

static int kdf_derive(const char *kdf_name, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
    _cleanup_(EVP_KDF_freep) EVP_KDF *kdf = EVP_KDF_fetch(NULL, kdf_name, NULL);
    if (!kdf)
        return -EIO;
    _cleanup_(EVP_KDF_CTX_freep) EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    if (!ctx)
        return -ENOMEM;
    if (EVP_KDF_derive(ctx, out, out_len, params) != 1)
        return -EIO;
    return 0;
}

int tpm_kdfa(TPMI_ALG_HASH hash, const uint8_t *key, size_t key_len, const char *label,
             const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len)
{
    const char *md = tpm_alg_ossl_md_name(hash);
    if (!md || !key || !label || out_len == 0)
        return -EINVAL;

    OSSL_PARAM params[8];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, (char *)"counter", 0);
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, (char *)"HMAC", 0);
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
    /* KBKDF's "salt" is SP 800-108's Label; it appends the 0x00 separator itself. */
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)label, strlen(label));
    if (context_len > 0)
        params[n++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)context, context_len);
    params[n] = OSSL_PARAM_construct_end();
    return kdf_derive("KBKDF", params, out, out_len);
}

int tpm_kdfe(TPMI_ALG_HASH hash, const uint8_t *z, size_t z_len, const char *label,
             const uint8_t *party_u, size_t party_u_len, const uint8_t *party_v, size_t party_v_len,
             uint8_t *out, size_t out_len)
{
    const char *md = tpm_alg_ossl_md_name(hash);
    if (!md || !z || !label || out_len == 0)
        return -EINVAL;

    size_t label_len = strlen(label) + 1; /* the NUL is part of the TPM's label */
    size_t info_len = label_len + party_u_len + party_v_len;
    _cleanup_free_ uint8_t *info = malloc(info_len);
    if (!info)
        return -ENOMEM;
    memcpy(info, label, label_len);
    if (party_u_len)
        memcpy(info + label_len, party_u, party_u_len);
    if (party_v_len)
        memcpy(info + label_len + party_u_len, party_v, party_v_len);

    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, z_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, info_len),
        OSSL_PARAM_construct_end(),
    };
    return kdf_derive("SSKDF", params, out, out_len);
}
