/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/tpm-alg.h"
#include "verify/quote-signature.h"
#include "verify/tpm-pubkey.h"

#define CHECK_NAME "signature"

int quote_key_scheme(const TPMT_PUBLIC *key, TPM2_ALG_ID *ret_scheme, TPMI_ALG_HASH *ret_hash)
{
    TPM2_ALG_ID scheme;
    TPMI_ALG_HASH hash;

    switch (key->type) {
    case TPM2_ALG_RSA:
        scheme = key->parameters.rsaDetail.scheme.scheme;
        hash = key->parameters.rsaDetail.scheme.details.anySig.hashAlg;
        if (scheme != TPM2_ALG_RSASSA && scheme != TPM2_ALG_RSAPSS)
            return -EINVAL;
        break;
    case TPM2_ALG_ECC:
        scheme = key->parameters.eccDetail.scheme.scheme;
        hash = key->parameters.eccDetail.scheme.details.anySig.hashAlg;
        if (scheme != TPM2_ALG_ECDSA)
            return -EINVAL;
        break;
    default:
        return -EINVAL;
    }
    if (!tpm_alg_ossl_md_name(hash))
        return -EINVAL;
    *ret_scheme = scheme;
    *ret_hash = hash;
    return 0;
}

/* r,s (big-endian, possibly with leading zeros) -> DER ECDSA-Sig-Value. */
static int ecdsa_to_der(const TPMS_SIGNATURE_ECC *ecc, uint8_t **ret, size_t *ret_len)
{
    _cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(ecc->signatureR.buffer, ecc->signatureR.size, NULL);
    BIGNUM *s = BN_bin2bn(ecc->signatureS.buffer, ecc->signatureS.size, NULL);

    if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
        BN_free(r);
        BN_free(s);
        return -ENOMEM;
    }
    uint8_t *der = NULL;
    int n = i2d_ECDSA_SIG(sig, &der);
    if (n <= 0)
        return -ENOMEM;
    *ret = der;
    *ret_len = (size_t)n;
    return 0;
}

static int verify_with(EVP_PKEY *pkey, TPM2_ALG_ID scheme, const char *md, const uint8_t *sig,
                       size_t siglen, const uint8_t *data, size_t len)
{
    _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;

    if (!ctx)
        return -ENOMEM;
    if (EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, pkey, NULL) != 1)
        return -EIO;
    if (scheme == TPM2_ALG_RSASSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
        return -EIO;
    if (scheme == TPM2_ALG_RSAPSS &&
        (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
         /* TPMs use either the digest size or the maximum: accept both. */
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1 ||
         EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, NULL) != 1))
        return -EIO;
    return EVP_DigestVerify(ctx, sig, siglen, data, len) == 1 ? 0 : ATT_E_VERIFY;
}

int quote_signature_verify(const TPMT_PUBLIC *key, const TPMT_SIGNATURE *sig, const uint8_t *data,
                           size_t len, struct att_check *ret)
{
    return quote_signature_verify_with(key, NULL, sig, data, len, ret);
}

int quote_signature_verify_with(const TPMT_PUBLIC *key, EVP_PKEY *given, const TPMT_SIGNATURE *sig,
                                const uint8_t *data, size_t len, struct att_check *ret)
{
    TPM2_ALG_ID scheme;
    TPMI_ALG_HASH hash;

    if (quote_key_scheme(key, &scheme, &hash) < 0) {
        att_check_fail(ret, CHECK_NAME, "the key has no fixed signing scheme this verifier knows");
        return ATT_E_VERIFY;
    }
    if (sig->sigAlg != scheme) {
        att_check_fail(ret, CHECK_NAME, "signature scheme 0x%04x is not the key's scheme 0x%04x",
                       sig->sigAlg, scheme);
        return ATT_E_VERIFY;
    }
    /* Every TPMS_SIGNATURE_* starts with its hash: RSA and ECC layouts share it. */
    TPMI_ALG_HASH sig_hash =
        scheme == TPM2_ALG_ECDSA ? sig->signature.ecdsa.hash : sig->signature.rsassa.hash;
    if (sig_hash != hash) {
        att_check_fail(ret, CHECK_NAME, "signature hash 0x%04x is not the key's hash 0x%04x",
                       sig_hash, hash);
        return ATT_E_VERIFY;
    }

    _cleanup_(EVP_PKEY_freep) EVP_PKEY *imported = NULL;
    int r = given ? 0 : tpm_pubkey_to_evp(key, &imported);
    EVP_PKEY *pkey = given ? given : imported;
    if (r < 0) {
        att_check_fail(ret, CHECK_NAME, "the key's public area is not a usable key (%s)",
                       strerror(-r));
        return ATT_E_VERIFY;
    }

    const char *md = tpm_alg_ossl_md_name(hash);
    if (scheme == TPM2_ALG_ECDSA) {
        _cleanup_free_ uint8_t *der = NULL;
        size_t der_len = 0;
        r = ecdsa_to_der(&sig->signature.ecdsa, &der, &der_len);
        if (r >= 0)
            r = verify_with(pkey, scheme, md, der, der_len, data, len);
    } else {
        const TPM2B_PUBLIC_KEY_RSA *s = &sig->signature.rsassa.sig;
        if (s->size != key->unique.rsa.size)
            r = ATT_E_VERIFY;
        else
            r = verify_with(pkey, scheme, md, s->buffer, s->size, data, len);
    }
    if (r == ATT_E_VERIFY) {
        att_check_fail(ret, CHECK_NAME, "the signature does not verify with the key");
        return ATT_E_VERIFY;
    }
    if (r < 0) {
        att_check_fail(ret, CHECK_NAME, "signature verification failed to run (%s)", strerror(-r));
        return ATT_E_VERIFY;
    }
    att_check_pass(ret, CHECK_NAME);
    return 0;
}
