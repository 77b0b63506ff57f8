/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "common/cleanup.h"
#include "common/tpm-alg.h"
#include "log/eventlog-hash.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD *, EVP_MD_free)

EVP_MD *evhash_fetch(TPM2_ALG_ID alg)
{
    const char *name = tpm_alg_ossl_md_name(alg);
    if (!name)
        return NULL;
    return EVP_MD_fetch(NULL, name, NULL);
}

int evhash_digest2(EVP_MD_CTX *ctx, const EVP_MD *md, const void *a, size_t alen, const void *b,
                   size_t blen, uint8_t *out)
{
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, a, alen) != 1)
        return -EIO;
    if (blen > 0 && EVP_DigestUpdate(ctx, b, blen) != 1)
        return -EIO;
    if (EVP_DigestFinal_ex(ctx, out, NULL) != 1)
        return -EIO;
    return 0;
}

int evhash_once(TPM2_ALG_ID alg, const void *a, size_t alen, const void *b, size_t blen,
                uint8_t *out)
{
    _cleanup_(EVP_MD_freep) EVP_MD *md = evhash_fetch(alg);
    if (!md)
        return -EOPNOTSUPP;
    _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return -ENOMEM;
    return evhash_digest2(ctx, md, a, alen, b, blen, out);
}
