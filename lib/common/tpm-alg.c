/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "common/tpm-alg.h"

static const struct {
    TPM2_ALG_ID alg;
    const char *name;
    const char *ossl;
    size_t size;
} hash_algs[] = {
    {TPM2_ALG_SHA1, "sha1", "SHA1", 20},       {TPM2_ALG_SHA256, "sha256", "SHA256", 32},
    {TPM2_ALG_SHA384, "sha384", "SHA384", 48}, {TPM2_ALG_SHA512, "sha512", "SHA512", 64},
    {TPM2_ALG_SM3_256, "sm3_256", "SM3", 32},
};

#define N_HASH_ALGS (sizeof(hash_algs) / sizeof(hash_algs[0]))

const char *tpm_alg_hash_name(TPM2_ALG_ID alg)
{
    for (size_t i = 0; i < N_HASH_ALGS; i++)
        if (hash_algs[i].alg == alg)
            return hash_algs[i].name;
    return NULL;
}

TPM2_ALG_ID tpm_alg_hash_from_name(const char *name)
{
    for (size_t i = 0; i < N_HASH_ALGS; i++)
        if (strcmp(hash_algs[i].name, name) == 0)
            return hash_algs[i].alg;
    return TPM2_ALG_ERROR;
}

size_t tpm_alg_digest_size(TPM2_ALG_ID alg)
{
    for (size_t i = 0; i < N_HASH_ALGS; i++)
        if (hash_algs[i].alg == alg)
            return hash_algs[i].size;
    return 0;
}

const char *tpm_alg_ossl_md_name(TPM2_ALG_ID alg)
{
    for (size_t i = 0; i < N_HASH_ALGS; i++)
        if (hash_algs[i].alg == alg)
            return hash_algs[i].ossl;
    return NULL;
}
