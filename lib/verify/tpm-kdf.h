/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

/*
 * The TPM's key derivation functions (TPM 2.0 Part 1 §11.4.10), on OpenSSL's
 * EVP_KDF implementations:
 *  - KDFa = SP 800-108 counter mode with HMAC(hash): OpenSSL "KBKDF"; the label
 *    is the TPM's NUL-terminated label (KBKDF adds the 0x00 separator), the
 *    context is contextU || contextV, L is out_len * 8 bits.
 *  - KDFe = SP 800-56A concatenation KDF: OpenSSL "SSKDF" with the digest;
 *    FixedInfo = label || 0x00 || partyUInfo || partyVInfo.
 * -EINVAL for an unknown hash, -EIO when OpenSSL fails.
 */
int tpm_kdfa(TPMI_ALG_HASH hash, const uint8_t *key, size_t key_len, const char *label,
             const uint8_t *context, size_t context_len, uint8_t *out, size_t out_len);

int tpm_kdfe(TPMI_ALG_HASH hash, const uint8_t *z, size_t z_len, const char *label,
             const uint8_t *party_u, size_t party_u_len, const uint8_t *party_v, size_t party_v_len,
             uint8_t *out, size_t out_len);
