/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_esys.h>

#include "tpm/tpm-ctx.h"

/* EK templates of the TCG EK Credential Profile (2.5, §B.4 and §B.5). */
enum tpm_ek_template {
    TPM_EK_L1 = 0, /* RSA 2048, SHA-256, AES-128, PolicyA-SHA256 (the default) */
    TPM_EK_L2,     /* ECC NIST P-256, SHA-256, AES-128, PolicyA-SHA256 */
    TPM_EK_H3,     /* ECC NIST P-384, SHA-384, AES-256, PolicyB-SHA384, userWithAuth */
    _TPM_EK_TEMPLATE_MAX,
};

/* "L-1", "L-2", "H-3" (also "rsa", "ecc", "ecc384"); -EINVAL otherwise. */
int tpm_ek_template_from_name(const char *s, enum tpm_ek_template *ret);
const char *tpm_ek_template_name(enum tpm_ek_template tpl);

/* The template's public area (unique as the profile says: zeros for L, empty for H). */
void tpm_ek_template_public(enum tpm_ek_template tpl, TPM2B_PUBLIC *ret);
/* Which template a public area was made from (all fields but unique equal); -ENOENT if none. */
int tpm_ek_template_of(const TPM2B_PUBLIC *pub, enum tpm_ek_template *ret);

/* Persistent handle where provisioning puts this EK, and the NV index of its certificate. */
TPM2_HANDLE tpm_ek_persistent_handle(enum tpm_ek_template tpl);
TPM2_HANDLE tpm_ek_cert_nv_index(enum tpm_ek_template tpl);

struct tpm_ek {
    enum tpm_ek_template tpl;
    ESYS_TR handle;   /* ESYS_TR_NONE when not held */
    bool transient;   /* created here (flush on release) vs persistent (close only) */
    TPM2B_PUBLIC pub; /* its public area as the TPM reports it */
};

/*
 * Get the EK of template tpl: the persistent one when present and made from
 * the template (one TPM command), else CreatePrimary in the endorsement
 * hierarchy (one command, slow on real chips).
 */
int tpm_ek_get(struct tpm_ctx *t, enum tpm_ek_template tpl, struct tpm_ek *ret);
/* Flush (transient) or close (persistent) the EK. Safe to call twice. */
int tpm_ek_release(struct tpm_ctx *t, struct tpm_ek *ek);

/*
 * Read the EK certificate of template tpl from its NV index (DER, trailing
 * padding cut at the end of the certificate). -ENOENT when the index does
 * not exist; ATT_E_BADMSG when it holds no DER certificate.
 */
int tpm_ek_cert_read_nv(struct tpm_ctx *t, enum tpm_ek_template tpl, uint8_t **ret_der,
                        size_t *ret_len);
