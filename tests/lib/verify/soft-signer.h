/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Test support: a software signing key standing in for an AK, so tests can sign
 * crafted TPMS_ATTEST bytes that a restricted TPM key would refuse to sign
 * (zeroed magic, other attestation types, forged selections).
 */
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

struct soft_signer {
    EVP_PKEY *pkey;
    TPMT_PUBLIC pub; /* AK-shaped public area: restricted signing, fixed scheme */
};

/* type TPM2_ALG_RSA (bits 2048/3072) or TPM2_ALG_ECC (bits 256/384 -> P-256/P-384). */
int soft_signer_new(TPM2_ALG_ID type, unsigned bits, TPM2_ALG_ID scheme, TPMI_ALG_HASH hash,
                    struct soft_signer *ret);
void soft_signer_done(struct soft_signer *s);

/* Sign data the way a TPM does for the key's scheme (RSASSA, RSAPSS, ECDSA). */
int soft_signer_sign(const struct soft_signer *s, const uint8_t *data, size_t len,
                     TPMT_SIGNATURE *ret);

/* TPMT_PUBLIC of an OpenSSL public key (RSA n,e or ECC point) with the given template fields. */
int soft_public_from_evp(EVP_PKEY *pkey, TPMT_PUBLIC *pub);

/* A TPMS_ATTEST quote with these fields, marshaled. */
struct quote_fixture {
    uint32_t magic;
    TPM2_ST type;
    TPM2B_DATA extra;
    TPMS_CLOCK_INFO clock;
    TPML_PCR_SELECTION sel;
    TPM2B_DIGEST pcr_digest;
};
void quote_fixture_default(struct quote_fixture *f);
int quote_fixture_marshal(const struct quote_fixture *f, uint8_t *buf, size_t cap, size_t *ret_len);

/* Deterministic fake PCR values for a selection, in selection order (value i = H(i)). */
size_t fake_pcr_values(const TPML_PCR_SELECTION *sel, TPM2B_DIGEST *out, size_t max);
