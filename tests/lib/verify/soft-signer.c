/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/pcr-selection.h"
#include "common/tpm-alg.h"
#include "soft-signer.h"

int soft_public_from_evp(EVP_PKEY *pkey, TPMT_PUBLIC *pub)
{
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        _cleanup_(BN_freep) BIGNUM *n = NULL;
        if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1)
            return -EIO;
        int len = BN_num_bytes(n);
        pub->type = TPM2_ALG_RSA;
        pub->parameters.rsaDetail.keyBits = (UINT16)(len * 8);
        pub->parameters.rsaDetail.exponent = 0;
        pub->unique.rsa.size = (UINT16)len;
        BN_bn2bin(n, pub->unique.rsa.buffer);
        return 0;
    }
    _cleanup_(BN_freep) BIGNUM *x = NULL;
    _cleanup_(BN_freep) BIGNUM *y = NULL;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
        EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1)
        return -EIO;
    int bits = EVP_PKEY_get_bits(pkey);
    int fs = (bits + 7) / 8;
    pub->type = TPM2_ALG_ECC;
    pub->parameters.eccDetail.curveID = bits == 256   ? TPM2_ECC_NIST_P256
                                        : bits == 384 ? TPM2_ECC_NIST_P384
                                                      : TPM2_ECC_NIST_P521;
    pub->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    pub->unique.ecc.x.size = (UINT16)fs;
    pub->unique.ecc.y.size = (UINT16)fs;
    BN_bn2binpad(x, pub->unique.ecc.x.buffer, fs);
    BN_bn2binpad(y, pub->unique.ecc.y.buffer, fs);
    return 0;
}

int soft_signer_new(TPM2_ALG_ID type, unsigned bits, TPM2_ALG_ID scheme, TPMI_ALG_HASH hash,
                    struct soft_signer *ret)
{
    memset(ret, 0, sizeof(*ret));
    if (type == TPM2_ALG_RSA)
        ret->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    else
        ret->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", bits == 256 ? "P-256" : "P-384");
    if (!ret->pkey)
        return -EIO;
    TPMT_PUBLIC *p = &ret->pub;
    p->nameAlg = TPM2_ALG_SHA256;
    p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                          TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                          TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
    int r = soft_public_from_evp(ret->pkey, p);
    if (r < 0)
        return r;
    if (type == TPM2_ALG_RSA) {
        p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
        p->parameters.rsaDetail.scheme.scheme = scheme;
        p->parameters.rsaDetail.scheme.details.anySig.hashAlg = hash;
    } else {
        p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
        p->parameters.eccDetail.scheme.scheme = scheme;
        p->parameters.eccDetail.scheme.details.anySig.hashAlg = hash;
    }
    return 0;
}

void soft_signer_done(struct soft_signer *s)
{
    EVP_PKEY_free(s->pkey);
    s->pkey = NULL;
}

int soft_signer_sign(const struct soft_signer *s, const uint8_t *data, size_t len,
                     TPMT_SIGNATURE *ret)
{
    TPM2_ALG_ID scheme = s->pub.type == TPM2_ALG_RSA ? s->pub.parameters.rsaDetail.scheme.scheme
                                                     : s->pub.parameters.eccDetail.scheme.scheme;
    TPMI_ALG_HASH hash = s->pub.parameters.asymDetail.scheme.details.anySig.hashAlg;
    const char *md = tpm_alg_ossl_md_name(hash);
    _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (!ctx || EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, s->pkey, NULL) != 1)
        return -EIO;
    if (scheme == TPM2_ALG_RSAPSS &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
        return -EIO;
    uint8_t sig[1024];
    size_t siglen = sizeof(sig);
    if (EVP_DigestSign(ctx, sig, &siglen, data, len) != 1)
        return -EIO;

    memset(ret, 0, sizeof(*ret));
    ret->sigAlg = scheme;
    if (scheme != TPM2_ALG_ECDSA) {
        ret->signature.rsassa.hash = hash;
        ret->signature.rsassa.sig.size = (UINT16)siglen;
        memcpy(ret->signature.rsassa.sig.buffer, sig, siglen);
        return 0;
    }
    const unsigned char *p = sig;
    _cleanup_(ECDSA_SIG_freep) ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
    if (!es)
        return -EIO;
    int fs = s->pub.unique.ecc.x.size;
    ret->signature.ecdsa.hash = hash;
    ret->signature.ecdsa.signatureR.size = (UINT16)fs;
    ret->signature.ecdsa.signatureS.size = (UINT16)fs;
    BN_bn2binpad(ECDSA_SIG_get0_r(es), ret->signature.ecdsa.signatureR.buffer, fs);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), ret->signature.ecdsa.signatureS.buffer, fs);
    return 0;
}

void quote_fixture_default(struct quote_fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->magic = TPM2_GENERATED_VALUE;
    f->type = TPM2_ST_ATTEST_QUOTE;
    f->extra.size = 32;
    for (int i = 0; i < 32; i++)
        f->extra.buffer[i] = (uint8_t)(0xa0 + i);
    f->clock = (TPMS_CLOCK_INFO){.clock = 100000, .resetCount = 5, .restartCount = 1, .safe = 1};
    pcrsel_parse(PCRSEL_DEFAULT, &f->sel);
}

int quote_fixture_marshal(const struct quote_fixture *f, uint8_t *buf, size_t cap, size_t *ret_len)
{
    TPMS_ATTEST a = {0};
    a.magic = f->magic;
    a.type = f->type;
    a.qualifiedSigner.size = 34;
    a.qualifiedSigner.name[0] = 0x00;
    a.qualifiedSigner.name[1] = 0x0b;
    a.extraData = f->extra;
    a.clockInfo = f->clock;
    a.firmwareVersion = 0x2019102300163636ull;
    switch (f->type) {
    case TPM2_ST_ATTEST_QUOTE:
        a.attested.quote.pcrSelect = f->sel;
        a.attested.quote.pcrDigest = f->pcr_digest;
        break;
    case TPM2_ST_ATTEST_CERTIFY:
        a.attested.certify.name = a.qualifiedSigner;
        a.attested.certify.qualifiedName = a.qualifiedSigner;
        break;
    case TPM2_ST_ATTEST_NV:
        a.attested.nv.indexName = a.qualifiedSigner;
        a.attested.nv.offset = 0;
        a.attested.nv.nvContents.size = 4;
        break;
    case TPM2_ST_ATTEST_TIME:
        a.attested.time.time.time = 1234;
        a.attested.time.time.clockInfo = f->clock;
        a.attested.time.firmwareVersion = a.firmwareVersion;
        break;
    default:
        break;
    }
    size_t off = 0;
    /* Marshal field by field: tss2-mu refuses an unknown type, tests need any magic. */
    if (Tss2_MU_TPMS_ATTEST_Marshal(&a, buf, cap, &off) != TSS2_RC_SUCCESS)
        return -EINVAL;
    *ret_len = off;
    return 0;
}

size_t fake_pcr_values(const TPML_PCR_SELECTION *sel, TPM2B_DIGEST *out, size_t max)
{
    size_t n = 0;
    for (UINT32 b = 0; b < sel->count; b++) {
        TPMI_ALG_HASH h = sel->pcrSelections[b].hash;
        for (unsigned p = 0; p < 24; p++) {
            if (!pcrsel_is_set(&sel->pcrSelections[b], p) || n >= max)
                continue;
            uint8_t seed[2] = {(uint8_t)b, (uint8_t)p};
            unsigned int len = 0;
            EVP_Digest(seed, sizeof(seed), out[n].buffer, &len,
                       EVP_get_digestbyname(tpm_alg_ossl_md_name(h)), NULL);
            out[n].size = (UINT16)len;
            n++;
        }
    }
    return n;
}
