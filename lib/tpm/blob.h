/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tss2/tss2_tpm2_types.h>

/*
 * Key blob files as tpm2-tools writes them (`tpm2_createak -u/-r`,
 * `tpm2_load -u/-r`, `tpm2_createek -u`): the TPM-marshaled TPM2B_PUBLIC /
 * TPM2B_PRIVATE and nothing else. Reading is strict: a truncated, oversized
 * or trailing-garbage file is ATT_E_BADMSG. Writing is atomic.
 */
int blob_public_parse(const uint8_t *buf, size_t len, TPM2B_PUBLIC *ret);
int blob_private_parse(const uint8_t *buf, size_t len, TPM2B_PRIVATE *ret);

int blob_public_read(const char *path, TPM2B_PUBLIC *ret);
int blob_private_read(const char *path, TPM2B_PRIVATE *ret);
int blob_public_write(const char *path, const TPM2B_PUBLIC *pub);
/* mode 0600: the blob is useless without the TPM, but nobody else needs it. */
int blob_private_write(const char *path, const TPM2B_PRIVATE *priv);

/* Name of an object: nameAlg (big-endian) || H_nameAlg(marshaled TPMT_PUBLIC). */
int blob_public_name(const TPM2B_PUBLIC *pub, TPM2B_NAME *ret);
/* The `tpm2_createak -n` file: the name bytes, no size prefix. */
int blob_name_write(const char *path, const TPM2B_NAME *name);
