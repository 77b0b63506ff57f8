/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>
#include <tss2/tss2_tpm2_types.h>

#include "verify/check-result.h"

/*
 * EK certificates: parse what vendors ship, verify the chain to a configured
 * set of manufacturer CAs, bind the certificate to the EK public area.
 */

/*
 * Parse one certificate from DER or PEM bytes. Tolerates what real chips carry:
 * non-canonical DER (Nuvoton), TPM-specific extensions and SAN, trailing zero
 * padding after the DER (NV indices are often larger than the certificate).
 * The original bytes stay the ones whose signature is checked.
 * -EBADMSG when no certificate can be read.
 */
int ek_cert_parse(const uint8_t *buf, size_t len, X509 **ret);

/* Read every certificate of a file (PEM with one or more certificates, or one DER). */
int ek_cert_load_file(const char *path, STACK_OF(X509) * *ret);

/*
 * A trust store from a directory of manufacturer roots and intermediates
 * (every regular file, PEM or DER, any extension). Self-signed certificates
 * are trust anchors; the others only help to build chains. -ENOENT when the
 * directory holds no certificate.
 */
int ek_cert_store_load_dir(const char *dir, X509_STORE **ret);

/* Extra inputs of a verification: both optional. */
struct ek_cert_verify_params {
    STACK_OF(X509) * intermediates; /* untrusted, e.g. sent with the certificate */
    time_t at;                      /* validity time; 0 = now */
};

/*
 * Verify cert: it chains to a trust anchor of store (with the right purpose: an
 * EK certificate is no TLS certificate; when it carries an extendedKeyUsage it
 * must contain tcg-kp-EKCertificate 2.23.133.8.1), it is valid at params->at,
 * and its public key equals the key of ek_public. Returns 0, or ATT_E_VERIFY
 * with *ret naming the reason:
 *   "ek-cert-chain"        no chain to a configured root (unknown issuer, bad signature)
 *   "ek-cert-expired"      a certificate of the chain is expired at that time
 *   "ek-cert-not-yet-valid"
 *   "ek-cert-purpose"      wrong extendedKeyUsage
 *   "ek-cert-key-mismatch" the certificate's key is not the EK public's key
 * Negative errno other than ATT_E_VERIFY for invalid arguments or ENOMEM.
 * *ret is always written.
 */
int ek_cert_verify(X509 *cert, X509_STORE *store, const struct ek_cert_verify_params *params,
                   const TPMT_PUBLIC *ek_public, struct att_check *ret);
