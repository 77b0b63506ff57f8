/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

#include "verify/check-result.h"

/*
 * Check 1 of quote_verify(): the signature's scheme and hash equal the key's
 * fixed scheme, and it verifies over H(data) with the key (RSASSA-PKCS1-v1_5,
 * RSAPSS with any salt length, ECDSA r,s). Returns 0 or ATT_E_VERIFY with *ret
 * (name "signature") saying why. Also used by the tests to check what they sign.
 */
int quote_signature_verify(const TPMT_PUBLIC *key, const TPMT_SIGNATURE *sig, const uint8_t *data,
                           size_t len, struct att_check *ret);
/* The same with the key already imported (tpm_pubkey_to_evp of key); NULL imports it. */
int quote_signature_verify_with(const TPMT_PUBLIC *key, EVP_PKEY *pkey, const TPMT_SIGNATURE *sig,
                                const uint8_t *data, size_t len, struct att_check *ret);

/* The fixed signing scheme of a key (RSASSA/RSAPSS/ECDSA + hash); -EINVAL when none. */
int quote_key_scheme(const TPMT_PUBLIC *key, TPM2_ALG_ID *ret_scheme, TPMI_ALG_HASH *ret_hash);
