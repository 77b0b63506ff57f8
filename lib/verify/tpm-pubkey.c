/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "verify/tpm-pubkey.h"

int tpm_public_unmarshal(const uint8_t *buf, size_t len, TPM2B_PUBLIC *ret)
{
    TPM2B_PUBLIC pub = {0};
    size_t off = 0;

    if (!buf)
        return -EINVAL;
    if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, len, &off, &pub) == TSS2_RC_SUCCESS && off == len) {
        *ret = pub;
        return 0;
    }
    /* A bare TPMT_PUBLIC: its first field is the key type, not a size. */
    memset(&pub, 0, sizeof(pub));
    off = 0;
    if (Tss2_MU_TPMT_PUBLIC_Unmarshal(buf, len, &off, &pub.publicArea) != TSS2_RC_SUCCESS ||
        off != len)
        return -EBADMSG;
    size_t size = 0;
    if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub.publicArea, NULL, sizeof(TPMT_PUBLIC), &size) !=
            TSS2_RC_SUCCESS ||
        size > UINT16_MAX)
        return -EBADMSG;
    pub.size = (UINT16)size;
    *ret = pub;
    return 0;
}

int tpm_signature_unmarshal(const uint8_t *buf, size_t len, TPMT_SIGNATURE *ret)
{
    TPMT_SIGNATURE sig = {0};
    size_t off = 0;

    if (!buf)
        return -EINVAL;
    if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(buf, len, &off, &sig) != TSS2_RC_SUCCESS || off != len)
        return -EBADMSG;
    *ret = sig;
    return 0;
}

const char *tpm_curve_ossl_name(TPM2_ECC_CURVE curve)
{
    switch (curve) {
    case TPM2_ECC_NIST_P256:
        return "P-256";
    case TPM2_ECC_NIST_P384:
        return "P-384";
    case TPM2_ECC_NIST_P521:
        return "P-521";
    default:
        return NULL;
    }
}

static size_t curve_field_size(TPM2_ECC_CURVE curve)
{
    switch (curve) {
    case TPM2_ECC_NIST_P256:
        return 32;
    case TPM2_ECC_NIST_P384:
        return 48;
    case TPM2_ECC_NIST_P521:
        return 66;
    default:
        return 0;
    }
}

static int pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, EVP_PKEY **ret)
{
    _cleanup_(OSSL_PARAM_freep) OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    _cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;

    if (!params || !ctx)
        return -ENOMEM;
    if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        return -EBADMSG;

    /*
     * EC: the import refuses points off the curve (EC_POINT_oct2point). The full
     * key validation (tpm_pubkey_check) costs milliseconds for RSA: it runs once
     * per key at enrollment, not per quote.
     */
    *ret = TAKE_PTR(pkey);
    return 0;
}

static int rsa_to_evp(const TPMT_PUBLIC *pub, EVP_PKEY **ret)
{
    const TPM2B_PUBLIC_KEY_RSA *n = &pub->unique.rsa;
    UINT32 exponent =
        pub->parameters.rsaDetail.exponent ? pub->parameters.rsaDetail.exponent : 65537;
    uint16_t bits = pub->parameters.rsaDetail.keyBits;

    if (n->size == 0 || n->size > sizeof(n->buffer) || (size_t)bits != 8u * n->size ||
        n->buffer[0] == 0 || (n->buffer[n->size - 1] & 1) == 0 || (exponent & 1) == 0 ||
        exponent < 3)
        return -EBADMSG;

    _cleanup_(BN_freep) BIGNUM *bn_n = BN_bin2bn(n->buffer, n->size, NULL);
    _cleanup_(BN_freep) BIGNUM *bn_e = BN_new();
    _cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (!bn_n || !bn_e || !bld || !BN_set_word(bn_e, exponent))
        return -ENOMEM;
    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
        return -ENOMEM;
    return pkey_fromdata("RSA", bld, ret);
}

static int ecc_to_evp(const TPMT_PUBLIC *pub, EVP_PKEY **ret)
{
    TPM2_ECC_CURVE curve = pub->parameters.eccDetail.curveID;
    const char *group = tpm_curve_ossl_name(curve);
    size_t fs = curve_field_size(curve);
    const TPMS_ECC_POINT *p = &pub->unique.ecc;

    if (!group)
        return -EOPNOTSUPP;
    /* Coordinates are big-endian, at most the field size (leading zeros may be dropped). */
    if (p->x.size == 0 || p->y.size == 0 || p->x.size > fs || p->y.size > fs)
        return -EBADMSG;

    uint8_t point[1 + 2 * 66] = {0x04};
    memcpy(point + 1 + (fs - p->x.size), p->x.buffer, p->x.size);
    memcpy(point + 1 + fs + (fs - p->y.size), p->y.buffer, p->y.size);

    _cleanup_(OSSL_PARAM_BLD_freep) OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (!bld)
        return -ENOMEM;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * fs))
        return -ENOMEM;
    return pkey_fromdata("EC", bld, ret);
}

int tpm_pubkey_to_evp(const TPMT_PUBLIC *pub, EVP_PKEY **ret)
{
    if (!pub || !ret)
        return -EINVAL;
    switch (pub->type) {
    case TPM2_ALG_RSA:
        return rsa_to_evp(pub, ret);
    case TPM2_ALG_ECC:
        return ecc_to_evp(pub, ret);
    default:
        return -EOPNOTSUPP;
    }
}

int tpm_pubkey_check(EVP_PKEY *pkey)
{
    _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (!chk)
        return -ENOMEM;
    return EVP_PKEY_public_check(chk) == 1 ? 0 : -EBADMSG;
}
