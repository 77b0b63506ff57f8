/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <tss2/tss2_esys.h>

#include "tpm/tpm-ctx.h"

/*
 * TSS2_RC -> negative errno of error.h, the decoded TSS text going to the
 * debug log as "call: text":
 *   TCTI layer (connection refused, reset, device missing) -> ATT_E_NO_TPM
 *   TPM_RC_LOCKOUT                                          -> ATT_E_TPM_LOCKOUT
 *   TPM_RC_INTEGRITY (blob/context protected by another
 *   TPM's seed or proof)                                    -> ATT_E_WRONG_TPM
 *   TPM_RC_HANDLE (no such persistent object or NV index)   -> -ENOENT
 *   TPM_RC_BINDING (public and private blob do not match)   -> ATT_E_BADMSG
 *   anything else                                           -> ATT_E_TPM
 */
int tpm_rc_errno(const struct tpm_ctx *t, const char *call, TSS2_RC rc);

/*
 * One thin wrapper per ESAPI call: same parameters minus the ESYS context,
 * returns 0 or the mapped error. Outputs are ESAPI-allocated (Esys_Free).
 */
int tpm_esys_tr_from_public(struct tpm_ctx *t, TPM2_HANDLE handle, ESYS_TR *ret);
int tpm_esys_read_public(struct tpm_ctx *t, ESYS_TR obj, TPM2B_PUBLIC **out_public);
int tpm_esys_create_primary(struct tpm_ctx *t, ESYS_TR hierarchy, const TPM2B_PUBLIC *in_public,
                            ESYS_TR *ret, TPM2B_PUBLIC **out_public);
int tpm_esys_start_policy_session(struct tpm_ctx *t, TPMI_ALG_HASH hash, ESYS_TR *ret);
int tpm_esys_start_salted_hmac_session(struct tpm_ctx *t, ESYS_TR salt_key, ESYS_TR *ret);
int tpm_esys_policy_secret(struct tpm_ctx *t, ESYS_TR auth_handle, ESYS_TR session);
int tpm_esys_policy_or(struct tpm_ctx *t, ESYS_TR session, const TPML_DIGEST *digests);
int tpm_esys_create(struct tpm_ctx *t, ESYS_TR parent, ESYS_TR session,
                    const TPM2B_PUBLIC *in_public, TPM2B_PRIVATE **out_private,
                    TPM2B_PUBLIC **out_public);
int tpm_esys_load(struct tpm_ctx *t, ESYS_TR parent, ESYS_TR session, const TPM2B_PRIVATE *priv,
                  const TPM2B_PUBLIC *pub, ESYS_TR *ret);
int tpm_esys_context_save(struct tpm_ctx *t, ESYS_TR obj, TPMS_CONTEXT **ret);
int tpm_esys_context_load(struct tpm_ctx *t, const TPMS_CONTEXT *ctx, ESYS_TR *ret);
int tpm_esys_quote(struct tpm_ctx *t, ESYS_TR key, const TPM2B_DATA *nonce,
                   const TPML_PCR_SELECTION *sel, TPM2B_ATTEST **quoted,
                   TPMT_SIGNATURE **signature);
int tpm_esys_pcr_read(struct tpm_ctx *t, const TPML_PCR_SELECTION *sel,
                      TPML_PCR_SELECTION **sel_out, TPML_DIGEST **values);
int tpm_esys_activate_credential(struct tpm_ctx *t, ESYS_TR activate, ESYS_TR key, ESYS_TR session1,
                                 ESYS_TR session2, const TPM2B_ID_OBJECT *blob,
                                 const TPM2B_ENCRYPTED_SECRET *secret, TPM2B_DIGEST **cert_info);
int tpm_esys_nv_read_public(struct tpm_ctx *t, ESYS_TR nv, TPM2B_NV_PUBLIC **ret);
int tpm_esys_nv_read(struct tpm_ctx *t, ESYS_TR nv, UINT16 size, UINT16 offset,
                     TPM2B_MAX_NV_BUFFER **ret);
int tpm_esys_get_nv_buffer_max(struct tpm_ctx *t, UINT32 *ret);

/*
 * Flush a transient object or session from the TPM (a no-op for ESYS_TR_NONE
 * and persistent handles, whose ESYS resource is only closed). Always leaves
 * *obj = ESYS_TR_NONE.
 */
int tpm_esys_flush(struct tpm_ctx *t, ESYS_TR *obj);
/* Close the ESYS resource of a handle the TPM already dropped (a session used
 * with continueSession clear) or of a persistent object. */
void tpm_esys_tr_close(struct tpm_ctx *t, ESYS_TR *obj);
