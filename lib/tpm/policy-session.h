/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <tss2/tss2_esys.h>

#include "tpm/ek.h"
#include "tpm/tpm-ctx.h"

/*
 * A policy session that satisfies the EK's authPolicy, for one use of the EK
 * (Create/Load under it, ActivateCredential):
 *   L templates: PolicySecret(TPM_RH_ENDORSEMENT) in a SHA-256 session (PolicyA)
 *   H templates: PolicySecret(TPM_RH_ENDORSEMENT), then PolicyOR{PolicyA, PolicyC}
 *                in a session of the EK's nameAlg (SHA-384 for H-3) (PolicyB)
 * continueSession is cleared: the TPM drops the session after the command that
 * uses it, so no FlushContext is needed. On error nothing is left loaded.
 * Release the ESYS resource afterwards with tpm_policy_session_done().
 */
int tpm_policy_ek_session(struct tpm_ctx *t, const struct tpm_ek *ek, ESYS_TR *ret);

/* After the command that used the session: close its ESYS resource (the TPM
 * already dropped it). Before such a command: flush it. */
void tpm_policy_session_done(struct tpm_ctx *t, ESYS_TR *session, bool used);
