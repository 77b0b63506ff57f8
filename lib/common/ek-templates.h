/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <tss2/tss2_tpm2_types.h>

/*
 * The TCG EK Credential Profile 2.x templates (version 2.5, B.3.3 and B.3.4)
 * as data, in one place: lib/tpm/ek.c creates its EKs from them and
 * lib/verify/ek-template.c accepts an EK by them, so what the agent makes and
 * what the verifier takes cannot drift apart. Types only, no TPM access.
 */
enum ek_tcg_id {
    EK_TCG_L1, /* RSA 2048, SHA-256, AES-128, PolicyA-SHA256 */
    EK_TCG_L2, /* ECC NIST P-256, SHA-256, AES-128, PolicyA-SHA256 */
    EK_TCG_H1, /* RSA 2048, SHA-256, AES-128, PolicyB-SHA256, userWithAuth */
    EK_TCG_H2, /* ECC NIST P-256, SHA-256, AES-128, PolicyB-SHA256, userWithAuth */
    EK_TCG_H3, /* ECC NIST P-384, SHA-384, AES-256, PolicyB-SHA384, userWithAuth */
    EK_TCG_H6, /* RSA 3072, SHA-384, AES-256, PolicyB-SHA384, userWithAuth */
    EK_TCG_H7, /* RSA 4096, SHA-384, AES-256, PolicyB-SHA384, userWithAuth */
    EK_TCG_COUNT,
};

struct ek_tcg_template {
    const char *name; /* "L-1", ... */
    /* The template as the profile writes it; its unique is zeros of the key's
     * size for the L templates, empty for the H templates. */
    TPMT_PUBLIC public;
    /* The unique size of a key made from it: the modulus bytes (RSA), or the
     * bytes of each coordinate (ECC). */
    UINT16 key_unique_size;
};

extern const struct ek_tcg_template ek_tcg_templates[EK_TCG_COUNT];

/*
 * Policy digests of the profile (2.5, Table 2). PolicyA is
 * PolicySecret(TPM_RH_ENDORSEMENT) (the L templates); PolicyB is
 * PolicyOR{PolicyA, PolicyC} (the H templates), PolicyC being
 * PolicyAuthorizeNV of the profile's NV index. Size = digest size of the hash.
 */
extern const TPM2B_DIGEST ek_policy_a_sha256, ek_policy_a_sha384, ek_policy_b_sha256,
    ek_policy_b_sha384, ek_policy_c_sha384;
