/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "tpm/ak.h"
#include "tpm/policy-session.h"
#include "tpm/tpm-rc.h"

#define AK_ATTRS                                                                                   \
    (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |            \
     TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)

int tpm_ak_alg_from_name(const char *s, enum tpm_ak_alg *ret)
{
    if (strcmp(s, "rsa") == 0)
        *ret = TPM_AK_RSA;
    else if (strcmp(s, "ecc") == 0)
        *ret = TPM_AK_ECC;
    else
        return -EINVAL;
    return 0;
}

void tpm_ak_template(enum tpm_ak_alg alg, TPM2B_PUBLIC *ret)
{
    memset(ret, 0, sizeof(*ret));
    TPMT_PUBLIC *p = &ret->publicArea;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = AK_ATTRS;
    if (alg == TPM_AK_RSA) {
        p->type = TPM2_ALG_RSA;
        p->parameters.rsaDetail = (TPMS_RSA_PARMS){
            .symmetric = {.algorithm = TPM2_ALG_NULL},
            .scheme = {.scheme = TPM2_ALG_RSASSA, .details = {.rsassa = {TPM2_ALG_SHA256}}},
            .keyBits = 2048,
            .exponent = 0,
        };
    } else {
        p->type = TPM2_ALG_ECC;
        p->parameters.eccDetail = (TPMS_ECC_PARMS){
            .symmetric = {.algorithm = TPM2_ALG_NULL},
            .scheme = {.scheme = TPM2_ALG_ECDSA, .details = {.ecdsa = {TPM2_ALG_SHA256}}},
            .curveID = TPM2_ECC_NIST_P256,
            .kdf = {.scheme = TPM2_ALG_NULL},
        };
    }
}

bool tpm_ak_public_is_ak(const TPM2B_PUBLIC *pub)
{
    const TPMT_PUBLIC *p = &pub->publicArea;
    TPM2B_PUBLIC tpl;
    if (p->type == TPM2_ALG_RSA)
        tpm_ak_template(TPM_AK_RSA, &tpl);
    else if (p->type == TPM2_ALG_ECC)
        tpm_ak_template(TPM_AK_ECC, &tpl);
    else
        return false;
    const TPMT_PUBLIC *q = &tpl.publicArea;
    if (p->nameAlg != q->nameAlg || p->objectAttributes != q->objectAttributes ||
        p->authPolicy.size != 0)
        return false;
    if (p->type == TPM2_ALG_RSA) {
        const TPMS_RSA_PARMS *r = &p->parameters.rsaDetail;
        return r->symmetric.algorithm == TPM2_ALG_NULL && r->scheme.scheme == TPM2_ALG_RSASSA &&
               r->scheme.details.rsassa.hashAlg == TPM2_ALG_SHA256 && r->keyBits == 2048 &&
               (r->exponent == 0 || r->exponent == 65537);
    }
    const TPMS_ECC_PARMS *e = &p->parameters.eccDetail;
    return e->symmetric.algorithm == TPM2_ALG_NULL && e->scheme.scheme == TPM2_ALG_ECDSA &&
           e->scheme.details.ecdsa.hashAlg == TPM2_ALG_SHA256 && e->curveID == TPM2_ECC_NIST_P256 &&
           e->kdf.scheme == TPM2_ALG_NULL;
}

int tpm_ak_create(struct tpm_ctx *t, const struct tpm_ek *ek, enum tpm_ak_alg alg,
                  TPM2B_PUBLIC *ret_pub, TPM2B_PRIVATE *ret_priv)
{
    TPM2B_PUBLIC in;
    tpm_ak_template(alg, &in);

    ESYS_TR session = ESYS_TR_NONE;
    int r = tpm_policy_ek_session(t, ek, &session);
    if (r < 0)
        return r;
    TPM2B_PRIVATE *priv = NULL;
    TPM2B_PUBLIC *pub = NULL;
    r = tpm_esys_create(t, ek->handle, session, &in, &priv, &pub);
    tpm_policy_session_done(t, &session, r == 0);
    if (r == 0) {
        *ret_pub = *pub;
        *ret_priv = *priv;
    }
    Esys_Free(pub);
    Esys_Free(priv);
    return r;
}

int tpm_ak_load(struct tpm_ctx *t, const struct tpm_ek *ek, const TPM2B_PUBLIC *pub,
                const TPM2B_PRIVATE *priv, ESYS_TR *ret)
{
    ESYS_TR session = ESYS_TR_NONE;
    int r = tpm_policy_ek_session(t, ek, &session);
    if (r < 0)
        return r;
    r = tpm_esys_load(t, ek->handle, session, priv, pub, ret);
    tpm_policy_session_done(t, &session, r == 0);
    return r;
}
