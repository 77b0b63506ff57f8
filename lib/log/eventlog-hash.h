/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Hashing for replay (event log and IMA): OpenSSL EVP with the digest fetched
 * once per bank, so a long replay does not look the algorithm up per extend.
 */
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

/* Fetch the EVP_MD of a TPM hash; NULL when unknown or not provided by OpenSSL. */
EVP_MD *evhash_fetch(TPM2_ALG_ID alg);

/* out = H(a || b); b may be NULL with blen 0. 0 or -EIO. */
int evhash_digest2(EVP_MD_CTX *ctx, const EVP_MD *md, const void *a, size_t alen, const void *b,
                   size_t blen, uint8_t *out);

/* pcr = H(pcr || digest) with pcr of size EVP_MD_get_size(md). 0 or -EIO. */
static inline int evhash_extend(EVP_MD_CTX *ctx, const EVP_MD *md, uint8_t *pcr, size_t size,
                                const uint8_t *digest)
{
    return evhash_digest2(ctx, md, pcr, size, digest, size, pcr);
}

/* One-shot H(a || b) for a TPM hash; -EOPNOTSUPP when the hash is not available. */
int evhash_once(TPM2_ALG_ID alg, const void *a, size_t alen, const void *b, size_t blen,
                uint8_t *out);
