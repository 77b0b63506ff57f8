/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Software MakeCredential, checked by an independent software ActivateCredential
 * written here from TPM 2.0 Part 1 §24 with plain HMAC/digest/cipher calls (KDFa
 * and KDFe spelled out, not OpenSSL's KBKDF/SSKDF that credential.c uses), for
 * the three EK templates: RSA L-1, ECC L-2 (P-256), ECC H-3 (P-384, SHA-384,
 * AES-256). The swtpm interop tests check the same blobs against a real TPM.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/tpm-alg.h"
#include "soft-signer.h"
#include "verify/credential.h"
#include "verify/tpm-name.h"
#include "verify/tpm-pubkey.h"

struct ek {
    EVP_PKEY *priv;
    TPMT_PUBLIC pub;
};

static void ek_make(struct ek *ek, TPM2_ALG_ID type, TPM2_ALG_ID name_alg, unsigned aes_bits)
{
    memset(ek, 0, sizeof(*ek));
    ek->priv = type == TPM2_ALG_RSA          ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
               : name_alg == TPM2_ALG_SHA384 ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384")
                                             : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(ek->priv);
    assert_int_equal(soft_public_from_evp(ek->priv, &ek->pub), 0);
    ek->pub.nameAlg = name_alg;
    ek->pub.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                               TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                               TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
    TPMT_SYM_DEF_OBJECT *sym = &ek->pub.parameters.asymDetail.symmetric;
    sym->algorithm = TPM2_ALG_AES;
    sym->keyBits.aes = (TPM2_KEY_BITS)aes_bits;
    sym->mode.aes = TPM2_ALG_CFB;
    ek->pub.parameters.asymDetail.scheme.scheme = TPM2_ALG_NULL;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* KDFa per Part 1 §11.4.10.2, one HMAC per block. */
static void kdfa(TPMI_ALG_HASH h, const uint8_t *key, size_t klen, const char *label,
                 const uint8_t *ctx, size_t clen, uint8_t *out, size_t out_len)
{
    const EVP_MD *md = EVP_get_digestbyname(tpm_alg_ossl_md_name(h));
    size_t done = 0;
    for (uint32_t i = 1; done < out_len; i++) {
        uint8_t msg[512], blk[EVP_MAX_MD_SIZE];
        size_t n = 0, ll = strlen(label) + 1;
        be32(msg, i);
        n = 4;
        memcpy(msg + n, label, ll);
        n += ll;
        if (clen)
            memcpy(msg + n, ctx, clen);
        n += clen;
        be32(msg + n, (uint32_t)(out_len * 8));
        n += 4;
        unsigned int bl = 0;
        assert_non_null(HMAC(md, key, (int)klen, msg, n, blk, &bl));
        size_t take = out_len - done < bl ? out_len - done : bl;
        memcpy(out + done, blk, take);
        done += take;
    }
}

/* KDFe per Part 1 §11.4.10.3 (one block: the seed is one digest long). */
static void kdfe(TPMI_ALG_HASH h, const uint8_t *z, size_t zl, const uint8_t *u, size_t ul,
                 const uint8_t *v, size_t vl, uint8_t *out)
{
    uint8_t msg[512];
    size_t n = 0;
    be32(msg, 1);
    n = 4;
    memcpy(msg + n, z, zl);
    n += zl;
    memcpy(msg + n, "IDENTITY", 9);
    n += 9;
    memcpy(msg + n, u, ul);
    n += ul;
    memcpy(msg + n, v, vl);
    n += vl;
    unsigned int len = 0;
    assert_int_equal(
        EVP_Digest(msg, n, out, &len, EVP_get_digestbyname(tpm_alg_ossl_md_name(h)), NULL), 1);
}

static void recover_seed(const struct ek *ek, const TPM2B_ENCRYPTED_SECRET *enc, uint8_t *seed,
                         size_t *seed_len)
{
    const char *md = tpm_alg_ossl_md_name(ek->pub.nameAlg);
    if (ek->pub.type == TPM2_ALG_RSA) {
        _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(ek->priv, NULL);
        assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md, NULL), 1);
        void *label = OPENSSL_memdup("IDENTITY", 9);
        assert_int_equal(EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, 9), 1);
        assert_int_equal(EVP_PKEY_decrypt(ctx, seed, seed_len, enc->secret, enc->size), 1);
        return;
    }
    TPMS_ECC_POINT point;
    size_t off = 0;
    assert_int_equal(Tss2_MU_TPMS_ECC_POINT_Unmarshal(enc->secret, enc->size, &off, &point), 0);
    assert_int_equal(off, enc->size);
    TPMT_PUBLIC eph = ek->pub;
    eph.unique.ecc = point;
    _cleanup_(EVP_PKEY_freep) EVP_PKEY *peer = NULL;
    assert_int_equal(tpm_pubkey_to_evp(&eph, &peer), 0);
    _cleanup_(EVP_PKEY_CTX_freep) EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(ek->priv, NULL);
    uint8_t z[66];
    size_t zl = sizeof(z);
    assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
    assert_int_equal(EVP_PKEY_derive(ctx, z, &zl), 1);
    kdfe(ek->pub.nameAlg, z, zl, point.x.buffer, point.x.size, ek->pub.unique.ecc.x.buffer,
         ek->pub.unique.ecc.x.size, seed);
    *seed_len = tpm_alg_digest_size(ek->pub.nameAlg);
}

/* Software ActivateCredential; returns the secret length, or -1 when the HMAC fails. */
static int activate(const struct ek *ek, const TPM2B_NAME *name, const TPM2B_ID_OBJECT *blob,
                    const TPM2B_ENCRYPTED_SECRET *enc, uint8_t *out)
{
    TPMI_ALG_HASH h = ek->pub.nameAlg;
    size_t hl = tpm_alg_digest_size(h);
    uint8_t seed[512];
    size_t seed_len = sizeof(seed);
    recover_seed(ek, enc, seed, &seed_len);
    assert_int_equal(seed_len, hl);

    size_t integrity_len = (size_t)blob->credential[0] << 8 | blob->credential[1];
    assert_int_equal(integrity_len, hl);
    const uint8_t *integrity = blob->credential + 2;
    const uint8_t *enc_id = integrity + hl;
    size_t enc_len = blob->size - 2 - hl;

    uint8_t hmac_key[64], mac[EVP_MAX_MD_SIZE], msg[1024];
    kdfa(h, seed, seed_len, "INTEGRITY", NULL, 0, hmac_key, hl);
    memcpy(msg, enc_id, enc_len);
    memcpy(msg + enc_len, name->name, name->size);
    unsigned int ml = 0;
    HMAC(EVP_get_digestbyname(tpm_alg_ossl_md_name(h)), hmac_key, (int)hl, msg,
         enc_len + name->size, mac, &ml);
    if (ml != hl || memcmp(mac, integrity, hl) != 0)
        return -1;

    unsigned aes_bits = ek->pub.parameters.asymDetail.symmetric.keyBits.aes;
    uint8_t aes_key[32], iv[16] = {0}, plain[128];
    kdfa(h, seed, seed_len, "STORAGE", name->name, name->size, aes_key, aes_bits / 8);
    _cleanup_(EVP_CIPHER_CTX_freep) EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0;
    assert_int_equal(
        EVP_DecryptInit_ex(c, aes_bits == 256 ? EVP_aes_256_cfb128() : EVP_aes_128_cfb128(), NULL,
                           aes_key, iv),
        1);
    assert_int_equal(EVP_DecryptUpdate(c, plain, &n, enc_id, (int)enc_len), 1);
    size_t sl = (size_t)plain[0] << 8 | plain[1];
    assert_int_equal(sl + 2, enc_len);
    memcpy(out, plain + 2, sl);
    return (int)sl;
}

static void ak_name(TPM2B_NAME *name, TPMI_ALG_HASH h)
{
    struct soft_signer ak;
    assert_int_equal(soft_signer_new(TPM2_ALG_ECC, 256, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, &ak), 0);
    ak.pub.nameAlg = h;
    assert_int_equal(tpm_name_from_public(&ak.pub, name), 0);
    soft_signer_done(&ak);
}

static void roundtrip(TPM2_ALG_ID type, TPM2_ALG_ID name_alg, unsigned aes_bits)
{
    struct ek ek;
    ek_make(&ek, type, name_alg, aes_bits);
    TPM2B_NAME name, other;
    ak_name(&name, TPM2_ALG_SHA256);
    ak_name(&other, TPM2_ALG_SHA384);

    uint8_t secret[48], out[128];
    size_t sl = tpm_alg_digest_size(name_alg);
    for (size_t i = 0; i < sl; i++)
        secret[i] = (uint8_t)(i * 7 + 1);

    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET enc;
    assert_int_equal(credential_make(&ek.pub, &name, secret, sl, &blob, &enc), 0);
    assert_int_equal(activate(&ek, &name, &blob, &enc, out), (int)sl);
    assert_memory_equal(out, secret, sl);
    /* Bound to the AK name: another AK's name fails the integrity check. */
    assert_int_equal(activate(&ek, &other, &blob, &enc, out), -1);

    /* Fresh randomness each time: two blobs for the same inputs differ. */
    TPM2B_ID_OBJECT blob2;
    TPM2B_ENCRYPTED_SECRET enc2;
    assert_int_equal(credential_make(&ek.pub, &name, secret, 16, &blob2, &enc2), 0);
    assert_int_equal(activate(&ek, &name, &blob2, &enc2, out), 16);
    assert_memory_not_equal(enc.secret, enc2.secret, 16);

    /* The secret is at most one digest of the EK's nameAlg; never empty. */
    assert_int_equal(credential_make(&ek.pub, &name, secret, sl + 1, &blob2, &enc2), -EINVAL);
    assert_int_equal(credential_make(&ek.pub, &name, secret, 0, &blob2, &enc2), -EINVAL);
    EVP_PKEY_free(ek.priv);
}

static void test_rsa_l1(void **state)
{
    roundtrip(TPM2_ALG_RSA, TPM2_ALG_SHA256, 128);
}

static void test_ecc_l2(void **state)
{
    roundtrip(TPM2_ALG_ECC, TPM2_ALG_SHA256, 128);
}

static void test_ecc_h3(void **state)
{
    roundtrip(TPM2_ALG_ECC, TPM2_ALG_SHA384, 256);
}

static void test_unsupported_ek(void **state)
{
    struct ek ek;
    TPM2B_NAME name;
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET enc;
    uint8_t s[4] = {1, 2, 3, 4};
    ek_make(&ek, TPM2_ALG_RSA, TPM2_ALG_SHA256, 128);
    ak_name(&name, TPM2_ALG_SHA256);
    ek.pub.parameters.asymDetail.symmetric.mode.aes = TPM2_ALG_CBC;
    assert_int_equal(credential_make(&ek.pub, &name, s, 4, &blob, &enc), -EOPNOTSUPP);
    ek.pub.parameters.asymDetail.symmetric.mode.aes = TPM2_ALG_CFB;
    ek.pub.nameAlg = TPM2_ALG_NULL;
    assert_int_equal(credential_make(&ek.pub, &name, s, 4, &blob, &enc), -EOPNOTSUPP);
    ek.pub.nameAlg = TPM2_ALG_SHA256;
    ek.pub.type = TPM2_ALG_KEYEDHASH;
    assert_int_equal(credential_make(&ek.pub, &name, s, 4, &blob, &enc), -EOPNOTSUPP);
    EVP_PKEY_free(ek.priv);
}

static void test_file_layout(void **state)
{
    TPM2B_ID_OBJECT blob = {.size = 3, .credential = {1, 2, 3}};
    TPM2B_ENCRYPTED_SECRET enc = {.size = 2, .secret = {9, 8}};
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(credential_file_encode(&blob, &enc, &buf, &len), 0);
    const uint8_t want[] = {0xba, 0xdc, 0xc0, 0xde, 0, 0, 0, 1, 0, 3, 1, 2, 3, 0, 2, 9, 8};
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(buf, want, len);

    TPM2B_ID_OBJECT b2;
    TPM2B_ENCRYPTED_SECRET e2;
    assert_int_equal(credential_file_decode(buf, len, &b2, &e2), 0);
    assert_int_equal(b2.size, 3);
    assert_int_equal(e2.size, 2);
    assert_memory_equal(e2.secret, enc.secret, 2);
    /* Truncated, trailing byte, wrong magic, wrong version. */
    assert_int_equal(credential_file_decode(buf, len - 1, &b2, &e2), -EBADMSG);
    uint8_t longer[32];
    memcpy(longer, buf, len);
    longer[len] = 0;
    assert_int_equal(credential_file_decode(longer, len + 1, &b2, &e2), -EBADMSG);
    buf[0] ^= 1;
    assert_int_equal(credential_file_decode(buf, len, &b2, &e2), -EBADMSG);
    buf[0] ^= 1;
    buf[7] = 2;
    assert_int_equal(credential_file_decode(buf, len, &b2, &e2), -EBADMSG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsa_l1),      cmocka_unit_test(test_ecc_l2),
        cmocka_unit_test(test_ecc_h3),      cmocka_unit_test(test_unsupported_ek),
        cmocka_unit_test(test_file_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
