/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_esys.h>

#include "tpm/tpm-ctx.h"

/*
 * Saved object contexts in the file format of tpm2-tools (`-c file.ctx`), so
 * that tpm2_quote can use ours and we can use theirs:
 *   UINT32 magic 0xBADCC0DE, UINT32 version 1, UINT32 hierarchy,
 *   UINT32 savedHandle, UINT64 sequence, UINT16 size, BYTE contextBlob[size]
 * (big-endian; the blob holds ESAPI's metadata after the TPM's part).
 *
 * A saved context is a cache (DESIGN.md §4.7): it loads in other processes and
 * survives TPM Restart/Resume, not a Reset or Clear, and its ESAPI metadata is
 * unprotected: trust comes from the verifier's check of what the key signs.
 */
int context_parse(const uint8_t *buf, size_t len, TPMS_CONTEXT *ret);
int context_format(const TPMS_CONTEXT *ctx, uint8_t **ret_buf, size_t *ret_len);

/* ContextSave obj (one command) and write it atomically (mode 0600). */
int context_save_file(struct tpm_ctx *t, ESYS_TR obj, const char *path);

/*
 * ContextLoad from path (one command); *ret is a transient object to flush.
 * ATT_E_BADMSG for a malformed file, ATT_E_TPM_CLEARED when the TPM refuses
 * it as not its own (another TPM, or reset/cleared since it was saved).
 */
int context_load_file(struct tpm_ctx *t, const char *path, ESYS_TR *ret);
