/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <tss2/tss2_tpm2_types.h>

/*
 * Unmarshal helpers for untrusted bytes: the whole buffer must be consumed
 * (trailing bytes are -EBADMSG, so one object cannot hide another).
 *
 * tpm_public_unmarshal accepts a marshaled TPM2B_PUBLIC (tpm2-tools -u files)
 * and, as a fallback, a bare TPMT_PUBLIC (what go-attestation and others store).
 */
int tpm_public_unmarshal(const uint8_t *buf, size_t len, TPM2B_PUBLIC *ret);
int tpm_signature_unmarshal(const uint8_t *buf, size_t len, TPMT_SIGNATURE *ret);

/*
 * The public key of an RSA or ECC public area as an OpenSSL key (RSA: modulus
 * and exponent, 0 meaning 65537; ECC: NIST P-256/P-384/P-521 point, checked to
 * be on the curve). -EOPNOTSUPP for other types and curves, -EBADMSG for
 * malformed keys.
 */
int tpm_pubkey_to_evp(const TPMT_PUBLIC *pub, EVP_PKEY **ret);

/*
 * Full public key validation (OpenSSL EVP_PKEY_public_check: RSA modulus not
 * prime, no small factors; EC point of the right order). Milliseconds for RSA:
 * run it once per key (ak_check_public does), not per signature.
 */
int tpm_pubkey_check(EVP_PKEY *pkey);

/* OpenSSL group name of a TPM curve ("P-256", ...); NULL when unsupported. */
const char *tpm_curve_ossl_name(TPM2_ECC_CURVE curve);
