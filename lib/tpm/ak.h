/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <tss2/tss2_esys.h>

#include "tpm/ek.h"
#include "tpm/tpm-ctx.h"

/*
 * The attestation key: a restricted signing key under the EK (fixedTPM,
 * fixedParent, sensitiveDataOrigin, userWithAuth, restricted, sign; nameAlg
 * SHA-256), RSA-2048 RSASSA-SHA256 or ECC P-256 ECDSA-SHA256 - the templates
 * `tpm2_createak -G rsa|ecc -g sha256 -s rsassa|ecdsa` uses.
 */
enum tpm_ak_alg {
    TPM_AK_RSA,
    TPM_AK_ECC,
};

/* "rsa" or "ecc"; -EINVAL otherwise. */
int tpm_ak_alg_from_name(const char *s, enum tpm_ak_alg *ret);
void tpm_ak_template(enum tpm_ak_alg alg, TPM2B_PUBLIC *ret);
/* The attributes and scheme of pub are exactly those of one of the templates. */
bool tpm_ak_public_is_ak(const TPM2B_PUBLIC *pub);

/* Create an AK under ek (policy session per template). Commands:
 * StartAuthSession + PolicySecret (+ PolicyOR for H) + Create. */
int tpm_ak_create(struct tpm_ctx *t, const struct tpm_ek *ek, enum tpm_ak_alg alg,
                  TPM2B_PUBLIC *ret_pub, TPM2B_PRIVATE *ret_priv);

/* Load an AK's blobs under ek; *ret is a transient object to flush. Commands:
 * StartAuthSession + PolicySecret (+ PolicyOR) + Load. A blob of another TPM
 * (or of this TPM before a clear) fails with ATT_E_WRONG_TPM. */
int tpm_ak_load(struct tpm_ctx *t, const struct tpm_ek *ek, const TPM2B_PUBLIC *pub,
                const TPM2B_PRIVATE *priv, ESYS_TR *ret);
