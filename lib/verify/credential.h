/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

/*
 * Software TPM2_MakeCredential (TPM 2.0 Part 1 "Credential Protection", Part 3
 * MakeCredential), every parameter taken from the EK public area:
 *  - hash H = the EK's nameAlg (OAEP/MGF1, KDFa/KDFe, HMAC; seed = |H| bytes);
 *  - AES key of the EK's symmetric keyBits (AES-128 for L-1/L-2, AES-256 for H-3), CFB;
 *  - RSA EK: seed encrypted with RSA-OAEP(H, label "IDENTITY\0");
 *    ECC EK: ephemeral ECDH on the EK's curve, seed = KDFe(H, Z, "IDENTITY",
 *    ephemeral.x, EK.x), encrypted secret = marshaled ephemeral TPMS_ECC_POINT;
 *  - KDFa(H, seed, "STORAGE", AK name) -> AES key; AES-CFB, zero IV, over the
 *    marshaled TPM2B_DIGEST credential; KDFa(H, seed, "INTEGRITY") -> HMAC key;
 *    outerHMAC = HMAC(encIdentity || AK name).
 * ak_name is the AK's object name (tpm_name_from_public). The secret is 1 ..
 * |H| bytes (the TPM refuses longer credentials). -EINVAL on bad parameters,
 * -EOPNOTSUPP for EK types/algorithms not supported, -EIO on OpenSSL failure.
 */
int credential_make(const TPMT_PUBLIC *ek_public, const TPM2B_NAME *ak_name, const uint8_t *secret,
                    size_t secret_len, TPM2B_ID_OBJECT *ret_blob,
                    TPM2B_ENCRYPTED_SECRET *ret_encrypted_secret);

/*
 * The tpm2_makecredential output file (tpm2-tools 5.x): BE32 magic 0xBADCC0DE,
 * BE32 version 1, marshaled TPM2B_ID_OBJECT, marshaled TPM2B_ENCRYPTED_SECRET.
 * `tpm2_activatecredential -i FILE` reads it.
 */
#define CREDENTIAL_FILE_MAGIC   0xBADCC0DEu
#define CREDENTIAL_FILE_VERSION 1u

/* Encode into a new buffer (caller frees). */
int credential_file_encode(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
                           uint8_t **ret_buf, size_t *ret_len);
/* Decode untrusted bytes; -EBADMSG on anything but exactly that layout. */
int credential_file_decode(const uint8_t *buf, size_t len, TPM2B_ID_OBJECT *ret_blob,
                           TPM2B_ENCRYPTED_SECRET *ret_secret);
