/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <tss2/tss2_esys.h>

#include "tpm/ak.h"
#include "tpm/ek.h"
#include "tpm/tpm-ctx.h"

/*
 * The AK directory `attestd ak create` fills, in tpm2-tools file formats:
 *   ak.pub   TPM2B_PUBLIC (tpm2_createak -u)      ak.priv  TPM2B_PRIVATE, 0600 (-r)
 *   ak.name  the AK name, raw bytes (-n)          ek.pub   TPM2B_PUBLIC of the EK
 *   ek.crt   the EK certificate, DER, when the TPM holds one or one was given
 *   ak.ctx   optional saved context of the loaded AK (tpm2-tools -c format)
 */
#define AK_DIR_AK_PUB  "ak.pub"
#define AK_DIR_AK_PRIV "ak.priv"
#define AK_DIR_AK_NAME "ak.name"
#define AK_DIR_AK_CTX  "ak.ctx"
#define AK_DIR_EK_PUB  "ek.pub"
#define AK_DIR_EK_CRT  "ek.crt"

struct ak_dir_created {
    TPM2B_NAME ak_name;
    enum tpm_ek_template ek_tpl;
    bool ek_persistent;   /* the EK was the provisioned persistent one */
    bool ek_cert_from_nv; /* ek.crt read from the TPM's NV index */
    bool ek_cert_written; /* ek.crt written (from NV or from the given file) */
};

/*
 * Create the EK (or reuse the persistent one), the AK under it, and write the
 * directory (created 0700 if missing). ek_cert_file: a PEM or DER
 * certificate to store as ek.crt instead of the NV one (NULL: NV if present).
 * An AK already in dir is replaced, and its ak.ctx and ek.crt removed
 * (callers decide whether replacing is wanted: see ak_dir_has_ak()).
 */
int ak_dir_create(struct tpm_ctx *t, const char *dir, enum tpm_ek_template ek_tpl,
                  enum tpm_ak_alg alg, const char *ek_cert_file, struct ak_dir_created *ret);

/* dir holds an AK (ak.pub exists). */
bool ak_dir_has_ak(const char *dir);

/*
 * Load the AK of dir from its blobs under the EK ek.pub names (or
 * default_tpl when there is no ek.pub). The EK must be the one ek.pub
 * records: another EK means another TPM, or this one cleared
 * (ATT_E_WRONG_TPM), and is refused before any Load; a blob that fails
 * the TPM's integrity check under the recorded EK means the TPM was cleared
 * since the AK was made, or a damaged blob (ATT_E_TPM_CLEARED). ek_out (optional)
 * receives the EK, still held: release it with tpm_ek_release().
 */
int ak_dir_load_blobs(struct tpm_ctx *t, const char *dir, enum tpm_ek_template default_tpl,
                      struct tpm_ek *ek_out, ESYS_TR *ret_ak);

/*
 * The fast path: ContextLoad of ctx_path when it exists and holds the AK of
 * dir (its recorded name equals ak.name); any failure to use it (missing,
 * malformed, TPM reset or cleared since) falls back to the blobs, except "no
 * TPM" and lockout. *ret_from_context tells which path was taken.
 */
int ak_dir_load(struct tpm_ctx *t, const char *dir, const char *ctx_path,
                enum tpm_ek_template default_tpl, ESYS_TR *ret_ak, bool *ret_from_context);

/* Path of name inside dir; caller frees. NULL on ENOMEM. */
char *ak_dir_path(const char *dir, const char *name);
