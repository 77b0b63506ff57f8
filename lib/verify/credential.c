/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/tpm-alg.h"
#include "verify/credential.h"
#include "verify/tpm-kdf.h"
#include "verify/tpm-pubkey.h"

/* TPM 2.0 Part 1 §24.4: OAEP label and KDFe "Use" for credentials, NUL included. */
static const char identity_label[] = "IDENTITY";

struct seed {
    uint8_t bytes[TPM2_MAX_DIGEST_BUFFER];
    size_t len;
};

static void seed_wipe(struct seed *s)
{
    OPENSSL_cleanse(s, sizeof(*s));
}

static const TPMT_SYM_DEF_OBJECT *ek_symmetric(const TPMT_PUBLIC *ek)
{
    return ek->type == TPM2_ALG_RSA ? &ek->parameters.rsaDetail.symmetric
                                    : &ek->parameters.eccDetail.symmetric;
}

static const EVP_CIPHER *aes_cfb(const TPMT_SYM_DEF_OBJECT *sym)
{
    if (sym->algorithm != TPM2_ALG_AES || sym->mode.aes != TPM2_ALG_CFB)
        return NULL;
    switch (sym->keyBits.aes) {
    case 128:
        return EVP_aes_128_cfb128();
    case 192:
        return EVP_aes_192_cfb128();
    case 256:
        return EVP_aes_256_cfb128();
    default:
        return NULL;
    }
}

/* RSA EK: a random seed, encrypted with RSA-OAEP(nameAlg, label "IDENTITY\0"). */
static int seed_rsa(const TPMT_PUBLIC *ek, EVP_PKEY *pkey, struct seed *seed,
                    TPM2B_ENCRYPTED_SECRET *out)
{
    const char *md = tpm_alg_ossl_md_name(ek->nameAlg);
    if (RAND_bytes(seed->bytes, (int)seed->len) != 1)
        return -EIO;

    _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (!ctx)
        return -ENOMEM;
    /* set0 takes ownership of the label: it must come from OPENSSL_malloc. */
    void *label = OPENSSL_memdup(identity_label, sizeof(identity_label));
    if (!label)
        return -ENOMEM;
    if (EVP_PKEY_encrypt_init(ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md, NULL) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, md, NULL) != 1) {
        OPENSSL_free(label);
        return -EIO;
    }
    if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, sizeof(identity_label)) != 1) {
        OPENSSL_free(label);
        return -EIO;
    }
    size_t outlen = sizeof(out->secret);
    if (EVP_PKEY_encrypt(ctx, out->secret, &outlen, seed->bytes, seed->len) != 1)
        return -EIO;
    out->size = (UINT16)outlen;
    return 0;
}

static int bn_param(EVP_PKEY *pkey, const char *name, size_t len, TPM2B_ECC_PARAMETER *out)
{
    _cleanup_(BN_freep) BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1 || len > sizeof(out->buffer) ||
        BN_bn2binpad(bn, out->buffer, (int)len) != (int)len)
        return -EIO;
    out->size = (UINT16)len;
    return 0;
}

/*
 * ECC EK: ephemeral key on the EK's curve; Z = x of ECDH(ephemeral, EK);
 * seed = KDFe(nameAlg, Z, "IDENTITY", ephemeral.x, EK.x); the encrypted secret is
 * the marshaled ephemeral public point.
 */
static int seed_ecc(const TPMT_PUBLIC *ek, EVP_PKEY *pkey, struct seed *seed,
                    TPM2B_ENCRYPTED_SECRET *out)
{
    const char *group = tpm_curve_ossl_name(ek->parameters.eccDetail.curveID);
    if (!group)
        return -EOPNOTSUPP;
    _cleanup_(EVP_PKEY_freep) EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", group);
    if (!eph)
        return -EIO;
    size_t fs = (size_t)(EVP_PKEY_get_bits(pkey) + 7) / 8;

    _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL);
    if (!ctx)
        return -ENOMEM;
    uint8_t z[128];
    size_t z_len = sizeof(z);
    if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, pkey) != 1 ||
        EVP_PKEY_derive(ctx, z, &z_len) != 1)
        return -EIO;

    TPMS_ECC_POINT point = {0};
    int r = bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_X, fs, &point.x);
    if (r >= 0)
        r = bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_Y, fs, &point.y);
    if (r >= 0)
        r = tpm_kdfe(ek->nameAlg, z, z_len, identity_label, point.x.buffer, point.x.size,
                     ek->unique.ecc.x.buffer, ek->unique.ecc.x.size, seed->bytes, seed->len);
    OPENSSL_cleanse(z, sizeof(z));
    if (r < 0)
        return r;

    size_t off = 0;
    if (Tss2_MU_TPMS_ECC_POINT_Marshal(&point, out->secret, sizeof(out->secret), &off) !=
        TSS2_RC_SUCCESS)
        return -EIO;
    out->size = (UINT16)off;
    return 0;
}

static int aes_cfb_encrypt(const EVP_CIPHER *cipher, const uint8_t *key, const uint8_t *in,
                           size_t len, uint8_t *out)
{
    static const uint8_t zero_iv[16];
    _cleanup_(EVP_CIPHER_CTX_freep) EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    if (!ctx)
        return -ENOMEM;
    if (EVP_EncryptInit_ex2(ctx, cipher, key, zero_iv, NULL) != 1 ||
        EVP_EncryptUpdate(ctx, out, &n1, in, (int)len) != 1 ||
        EVP_EncryptFinal_ex(ctx, out + n1, &n2) != 1 || (size_t)(n1 + n2) != len)
        return -EIO;
    return 0;
}

static int hmac(TPMI_ALG_HASH hash, const uint8_t *key, size_t key_len, const uint8_t *a,
                size_t a_len, const uint8_t *b, size_t b_len, uint8_t *out, size_t out_len)
{
    _cleanup_(EVP_MAC_freep) EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!mac)
        return -EIO;
    _cleanup_(EVP_MAC_CTX_freep) EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    if (!ctx)
        return -ENOMEM;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)tpm_alg_ossl_md_name(hash),
                                         0),
        OSSL_PARAM_construct_end(),
    };
    size_t n = 0;
    if (EVP_MAC_init(ctx, key, key_len, params) != 1 || EVP_MAC_update(ctx, a, a_len) != 1 ||
        EVP_MAC_update(ctx, b, b_len) != 1 || EVP_MAC_final(ctx, out, &n, out_len) != 1 ||
        n != out_len)
        return -EIO;
    return 0;
}

/* TPM2B_ID_OBJECT = TPM2B_DIGEST(outerHMAC) || AES-CFB(STORAGE key, TPM2B_DIGEST credential). */
static int protect(const TPMT_PUBLIC *ek, const EVP_CIPHER *cipher, const struct seed *seed,
                   const TPM2B_NAME *ak_name, const uint8_t *secret, size_t secret_len,
                   TPM2B_ID_OBJECT *blob)
{
    size_t hlen = seed->len;
    uint8_t aes_key[32], hmac_key[TPM2_MAX_DIGEST_BUFFER];
    size_t key_len = (size_t)EVP_CIPHER_get_key_length(cipher);
    uint8_t plain[2 + TPM2_SHA512_DIGEST_SIZE];
    int r;

    r = tpm_kdfa(ek->nameAlg, seed->bytes, seed->len, "STORAGE", ak_name->name, ak_name->size,
                 aes_key, key_len);
    if (r >= 0)
        r = tpm_kdfa(ek->nameAlg, seed->bytes, seed->len, "INTEGRITY", NULL, 0, hmac_key, hlen);
    if (r < 0)
        goto out;

    /* The encrypted identity is the marshaled TPM2B_DIGEST of the secret. */
    plain[0] = (uint8_t)(secret_len >> 8);
    plain[1] = (uint8_t)secret_len;
    memcpy(plain + 2, secret, secret_len);
    size_t enc_len = 2 + secret_len;
    uint8_t *hmac_out = blob->credential + 2;
    uint8_t *enc = blob->credential + 2 + hlen;
    if (2 + hlen + enc_len > sizeof(blob->credential)) {
        r = -EINVAL;
        goto out;
    }
    r = aes_cfb_encrypt(cipher, aes_key, plain, enc_len, enc);
    if (r >= 0)
        r = hmac(ek->nameAlg, hmac_key, hlen, enc, enc_len, ak_name->name, ak_name->size, hmac_out,
                 hlen);
    if (r < 0)
        goto out;
    blob->credential[0] = (uint8_t)(hlen >> 8);
    blob->credential[1] = (uint8_t)hlen;
    blob->size = (UINT16)(2 + hlen + enc_len);
out:
    OPENSSL_cleanse(aes_key, sizeof(aes_key));
    OPENSSL_cleanse(hmac_key, sizeof(hmac_key));
    OPENSSL_cleanse(plain, sizeof(plain));
    return r;
}

int credential_make(const TPMT_PUBLIC *ek_public, const TPM2B_NAME *ak_name, const uint8_t *secret,
                    size_t secret_len, TPM2B_ID_OBJECT *ret_blob,
                    TPM2B_ENCRYPTED_SECRET *ret_encrypted_secret)
{
    if (!ek_public || !ak_name || !secret || !ret_blob || !ret_encrypted_secret)
        return -EINVAL;
    size_t hlen = tpm_alg_digest_size(ek_public->nameAlg);
    if (hlen == 0 || !tpm_alg_ossl_md_name(ek_public->nameAlg))
        return -EOPNOTSUPP;
    if (secret_len == 0 || secret_len > hlen || ak_name->size < 2 ||
        ak_name->size > sizeof(ak_name->name))
        return -EINVAL;
    if (ek_public->type != TPM2_ALG_RSA && ek_public->type != TPM2_ALG_ECC)
        return -EOPNOTSUPP;
    const EVP_CIPHER *cipher = aes_cfb(ek_symmetric(ek_public));
    if (!cipher)
        return -EOPNOTSUPP;

    _cleanup_(EVP_PKEY_freep) EVP_PKEY *pkey = NULL;
    int r = tpm_pubkey_to_evp(ek_public, &pkey);
    if (r < 0)
        return r;

    struct seed seed = {.len = hlen};
    TPM2B_ENCRYPTED_SECRET enc = {0};
    TPM2B_ID_OBJECT blob = {0};
    r = ek_public->type == TPM2_ALG_RSA ? seed_rsa(ek_public, pkey, &seed, &enc)
                                        : seed_ecc(ek_public, pkey, &seed, &enc);
    if (r >= 0)
        r = protect(ek_public, cipher, &seed, ak_name, secret, secret_len, &blob);
    seed_wipe(&seed);
    if (r < 0)
        return r;
    *ret_blob = blob;
    *ret_encrypted_secret = enc;
    return 0;
}

int credential_file_encode(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
                           uint8_t **ret_buf, size_t *ret_len)
{
    size_t cap = 8 + sizeof(*blob) + sizeof(*secret), off = 0;
    _cleanup_free_ uint8_t *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    if (Tss2_MU_UINT32_Marshal(CREDENTIAL_FILE_MAGIC, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Marshal(CREDENTIAL_FILE_VERSION, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_ID_OBJECT_Marshal(blob, buf, cap, &off) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(secret, buf, cap, &off) != TSS2_RC_SUCCESS)
        return -EINVAL;
    *ret_buf = TAKE_PTR(buf);
    *ret_len = off;
    return 0;
}

int credential_file_decode(const uint8_t *buf, size_t len, TPM2B_ID_OBJECT *ret_blob,
                           TPM2B_ENCRYPTED_SECRET *ret_secret)
{
    UINT32 magic = 0, version = 0;
    TPM2B_ID_OBJECT blob = {0};
    TPM2B_ENCRYPTED_SECRET secret = {0};
    size_t off = 0;

    if (!buf)
        return -EINVAL;
    if (Tss2_MU_UINT32_Unmarshal(buf, len, &off, &magic) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Unmarshal(buf, len, &off, &version) != TSS2_RC_SUCCESS ||
        magic != CREDENTIAL_FILE_MAGIC || version != CREDENTIAL_FILE_VERSION ||
        Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(buf, len, &off, &blob) != TSS2_RC_SUCCESS ||
        Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(buf, len, &off, &secret) != TSS2_RC_SUCCESS ||
        off != len)
        return -EBADMSG;
    *ret_blob = blob;
    *ret_secret = secret;
    return 0;
}
