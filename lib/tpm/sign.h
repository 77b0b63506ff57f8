/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_esys.h>

#include "tpm/tpm-ctx.h"

/*
 * Sign an external challenge with the restricted AK (DESIGN.md §4.8): a
 * restricted signing key signs a digest only with a validation ticket proving
 * the TPM hashed the data itself and that the data does not start with
 * TPM_GENERATED_VALUE (so that nobody can make it sign something that looks
 * like a quote). Commands: Hash + Sign.
 *
 * Data: 1..TPM_SIGN_MAX_DATA bytes (one TPM2B_MAX_BUFFER; the TPM's Hash takes
 * no more), not starting with 0xFF544347 (-EINVAL: the TPM would hand out no
 * ticket). The hash is the AK's scheme hash, read from ak_pub.
 */
#define TPM_SIGN_MAX_DATA 1024

int tpm_sign_challenge(struct tpm_ctx *t, ESYS_TR ak, const TPM2B_PUBLIC *ak_pub,
                       const uint8_t *data, size_t len, TPMT_SIGNATURE *ret);

/* True when data starts with TPM_GENERATED_VALUE (0xFF 'T' 'C' 'G'). */
bool tpm_sign_is_generated(const uint8_t *data, size_t len);
