/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509_vfy.h>
#include <tss2/tss2_tpm2_types.h>

#include "verify/check-result.h"

/*
 * Which EKs the verifier trusts: a certificate chaining to a manufacturer root
 * in the roots directory (lib/verify/ek-cert.h does the chain and the key
 * binding) and made from a TCG EK Credential Profile template
 * (verify/ek-template.h), or an EK listed in the allowlist file, template or
 * not: one lowercase hex SHA-256 per line, either the EK's identity
 * (verify/ek-identity.h: the SHA-256 of its DER SubjectPublicKeyInfo, which
 * every encoding of the key shares) or the SHA-256 of one exact marshaled
 * TPM2B_PUBLIC (`sha256sum ek.pub` of a tpm2_createek -u file); '#' starts a
 * comment. An RSA EK with the ROCA fingerprint is refused in every case.
 */
struct ek_trust {
    X509_STORE *store; /* NULL when the roots directory is missing or empty */
    uint8_t (*allow)[32];
    size_t n_allow;
};

int ek_trust_load(const char *roots_dir, const char *allowlist, struct ek_trust *ret);
void ek_trust_done(struct ek_trust *t);

/* The hardware identity of ek (verify/ek-identity.h) as lowercase hex (65 bytes). */
int ek_digest(const TPMT_PUBLIC *ek, char ret_hex[65]);

/*
 * What ek_digest was before schema version 5 (SHA-256 of the marshaled
 * TPM2B_PUBLIC): machines enrolled before it are stored under that digest and
 * recognised by it until they enroll again.
 */
int ek_legacy_digest(const TPMT_PUBLIC *ek, char ret_hex[65]);

/*
 * Decide whether ek (with its optional DER/PEM certificate) is trusted. Returns
 * 0, or ATT_E_VERIFY with *ret naming the reason ("ek-roca", "ek-template",
 * "ek-cert-chain", ..., "ek-not-trusted" when there is no certificate and the
 * EK is not listed).
 */
int ek_trust_check(const struct ek_trust *t, const TPMT_PUBLIC *ek, const uint8_t *cert,
                   size_t cert_len, struct att_check *ret);
