/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <tss2/tss2_tpm2_types.h>

/* Hash algorithm names as tpm2-tools spells them: sha1, sha256, sha384, sha512, sm3_256. */
const char *tpm_alg_hash_name(TPM2_ALG_ID alg);       /* NULL when unknown */
TPM2_ALG_ID tpm_alg_hash_from_name(const char *name); /* TPM2_ALG_ERROR when unknown */

/* Digest size in bytes of a TPM hash algorithm; 0 when unknown. */
size_t tpm_alg_digest_size(TPM2_ALG_ID alg);

/* OpenSSL digest name for a TPM hash algorithm ("SHA256", ...); NULL when unsupported. */
const char *tpm_alg_ossl_md_name(TPM2_ALG_ID alg);
