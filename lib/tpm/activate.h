/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_esys.h>

#include "tpm/ek.h"
#include "tpm/tpm-ctx.h"

/*
 * The credential file `tpm2_makecredential -o` writes: UINT32 magic
 * 0xBADCC0DE, UINT32 version 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET
 * (big-endian, TPM marshaling). Strict: ATT_E_BADMSG on anything else.
 */
int credential_file_parse(const uint8_t *buf, size_t len, TPM2B_ID_OBJECT *ret_blob,
                          TPM2B_ENCRYPTED_SECRET *ret_secret);
int credential_file_read(const char *path, TPM2B_ID_OBJECT *ret_blob,
                         TPM2B_ENCRYPTED_SECRET *ret_secret);
/* The same layout, for tests and tools. */
int credential_file_format(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
                           uint8_t *buf, size_t cap, size_t *ret_len);

/*
 * ActivateCredential(ak, ek): recover the secret a verifier encrypted to the
 * EK for the AK's name. The EK is authorized by its policy session; the AK by
 * an HMAC session salted with the EK whose response is encrypted, so that
 * the secret never crosses the TPM bus in clear (DESIGN.md §4.6). Commands:
 * StartAuthSession (salted) + StartAuthSession (policy) + PolicySecret
 * (+ PolicyOR) + ActivateCredential. *ret_secret: wipe after use.
 * ATT_E_VERIFY when the TPM refuses the credential (made for another AK
 * name or another EK, or damaged).
 */
int tpm_activate_credential(struct tpm_ctx *t, const struct tpm_ek *ek, ESYS_TR ak,
                            const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
                            TPM2B_DIGEST *ret_secret);
