/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/error.h"
#include "tpm/sign.h"
#include "tpm/tpm-rc.h"

bool tpm_sign_is_generated(const uint8_t *data, size_t len)
{
    static const uint8_t gen[4] = {0xff, 0x54, 0x43, 0x47}; /* TPM2_GENERATED_VALUE */
    return len >= sizeof(gen) && memcmp(data, gen, sizeof(gen)) == 0;
}

static TPMI_ALG_HASH scheme_hash(const TPM2B_PUBLIC *pub)
{
    const TPMT_PUBLIC *p = &pub->publicArea;
    switch (p->type) {
    case TPM2_ALG_RSA:
        return p->parameters.rsaDetail.scheme.scheme == TPM2_ALG_NULL
                   ? TPM2_ALG_ERROR
                   : p->parameters.rsaDetail.scheme.details.anySig.hashAlg;
    case TPM2_ALG_ECC:
        return p->parameters.eccDetail.scheme.scheme == TPM2_ALG_NULL
                   ? TPM2_ALG_ERROR
                   : p->parameters.eccDetail.scheme.details.anySig.hashAlg;
    default:
        return TPM2_ALG_ERROR;
    }
}

/* One wrapper per ESAPI call, as in tpm-rc.c. */
static int esys_hash(struct tpm_ctx *t, const TPM2B_MAX_BUFFER *data, TPMI_ALG_HASH alg,
                     TPM2B_DIGEST **ret_digest, TPMT_TK_HASHCHECK **ret_ticket)
{
    /* The ticket is bound to a hierarchy's proof; the AK lives under the EK. */
    TSS2_RC rc = Esys_Hash(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, data, alg,
                           ESYS_TR_RH_ENDORSEMENT, ret_digest, ret_ticket);
    return tpm_rc_errno(t, "Esys_Hash", rc);
}

static int esys_sign(struct tpm_ctx *t, ESYS_TR key, const TPM2B_DIGEST *digest,
                     const TPMT_TK_HASHCHECK *ticket, TPMT_SIGNATURE **ret)
{
    /* TPM2_ALG_NULL: the key's own scheme (a restricted key allows no other). */
    static const TPMT_SIG_SCHEME key_scheme = {.scheme = TPM2_ALG_NULL};
    TSS2_RC rc = Esys_Sign(t->esys, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, digest,
                           &key_scheme, ticket, ret);
    return tpm_rc_errno(t, "Esys_Sign", rc);
}

int tpm_sign_challenge(struct tpm_ctx *t, ESYS_TR ak, const TPM2B_PUBLIC *ak_pub,
                       const uint8_t *data, size_t len, TPMT_SIGNATURE *ret)
{
    if (len == 0 || len > TPM_SIGN_MAX_DATA || tpm_sign_is_generated(data, len))
        return -EINVAL;
    TPMI_ALG_HASH alg = scheme_hash(ak_pub);
    if (alg == TPM2_ALG_ERROR)
        return -EINVAL;

    TPM2B_MAX_BUFFER buf = {.size = (UINT16)len};
    memcpy(buf.buffer, data, len);
    TPM2B_DIGEST *digest = NULL;
    TPMT_TK_HASHCHECK *ticket = NULL;
    int r = esys_hash(t, &buf, alg, &digest, &ticket);
    if (r < 0)
        return r;
    TPMT_SIGNATURE *sig = NULL;
    if (ticket->tag != TPM2_ST_HASHCHECK || ticket->hierarchy == TPM2_RH_NULL)
        r = ATT_E_TPM; /* no usable ticket: the restricted key would refuse */
    else
        r = esys_sign(t, ak, digest, ticket, &sig);
    if (r == 0)
        *ret = *sig;
    Esys_Free(digest);
    Esys_Free(ticket);
    Esys_Free(sig);
    return r;
}
