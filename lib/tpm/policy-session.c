/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "common/ek-templates.h"
#include "common/error.h"
#include "tpm/policy-session.h"
#include "tpm/tpm-rc.h"

int tpm_policy_ek_session(struct tpm_ctx *t, const struct tpm_ek *ek, ESYS_TR *ret)
{
    TPMI_ALG_HASH hash = ek->pub.publicArea.nameAlg;
    ESYS_TR s = ESYS_TR_NONE;
    int r = tpm_esys_start_policy_session(t, hash, &s);
    if (r < 0)
        return r;
    /* Attributes: no continueSession (dropped after use). */
    TSS2_RC rc = Esys_TRSess_SetAttributes(t->esys, s, 0, TPMA_SESSION_CONTINUESESSION);
    r = tpm_rc_errno(t, "Esys_TRSess_SetAttributes", rc);
    if (r == 0)
        r = tpm_esys_policy_secret(t, ESYS_TR_RH_ENDORSEMENT, s);
    if (r == 0 && ek->tpl == TPM_EK_H3) {
        TPML_DIGEST branches = {.count = 2,
                                .digests = {ek_policy_a_sha384, ek_policy_c_sha384}};
        r = tpm_esys_policy_or(t, s, &branches);
    }
    if (r < 0) {
        tpm_esys_flush(t, &s);
        return r;
    }
    *ret = s;
    return 0;
}

void tpm_policy_session_done(struct tpm_ctx *t, ESYS_TR *session, bool used)
{
    if (used)
        tpm_esys_tr_close(t, session);
    else
        tpm_esys_flush(t, session);
}
