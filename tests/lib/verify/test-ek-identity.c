/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EK identity (one per key, whatever the encoding), the TCG EK template
 * matcher and the ROCA fingerprint test.
 *
 * The ROCA moduli below were made with Python for this test: two 1024-bit
 * primes k * M + (65537^a mod M) (random k and a, M the product of the 126
 * first primes, as RSALib builds 2048-bit keys), their product; a number
 * built by the Chinese remainder theorem to have the fingerprint; and a
 * near miss that lacks it modulo 701 only.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "ek-sample.h"
#include "soft-signer.h"
#include "verify/ak-check.h"
#include "verify/ek-identity.h"
#include "verify/ek-template.h"
#include "verify/roca.h"

#include "roca-moduli.h"

static EVP_PKEY *rsa2048, *rsa2048b, *p256, *p384;

static int setup(void **state)
{
    (void)state;
    rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    rsa2048b = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    return rsa2048 && rsa2048b && p256 && p384 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa2048);
    EVP_PKEY_free(rsa2048b);
    EVP_PKEY_free(p256);
    EVP_PKEY_free(p384);
    return 0;
}

/* Template tpl with the key of pkey as its unique field, as a TPM writes it. */
static void ek_of(const char *tpl, EVP_PKEY *pkey, TPMT_PUBLIC *ret)
{
    TPMT_PUBLIC key = {0};
    assert_int_equal(ek_template_public(tpl, ret), 0);
    key.type = ret->type;
    key.parameters = ret->parameters;
    assert_int_equal(soft_public_from_evp(pkey, &key), 0);
    ret->unique = key.unique;
}

static void identity(const TPMT_PUBLIC *ek, uint8_t out[EK_IDENTITY_LEN])
{
    assert_int_equal(ek_identity(ek, out), 0);
}

/* The identity is what the operator computes from the certificate's key with openssl. */
static void test_identity_is_spki_digest(void **state)
{
    (void)state;
    EVP_PKEY *keys[] = {rsa2048, p256, p384};
    const char *tpls[] = {"L-1", "L-2", "H-3"};
    for (size_t i = 0; i < 3; i++) {
        TPMT_PUBLIC ek;
        ek_of(tpls[i], keys[i], &ek);
        unsigned char *der = NULL;
        int len = i2d_PUBKEY(keys[i], &der);
        assert_true(len > 0);
        uint8_t want[32], got[32];
        unsigned int n = 32;
        assert_int_equal(EVP_Digest(der, (size_t)len, want, &n, EVP_sha256(), NULL), 1);
        OPENSSL_free(der);
        identity(&ek, got);
        assert_memory_equal(got, want, 32);
    }
}

static void test_identity_rsa_exponent(void **state)
{
    (void)state;
    TPMT_PUBLIC a, b;
    ek_of("L-1", rsa2048, &a);
    b = a;
    assert_int_equal(a.parameters.rsaDetail.exponent, 0);
    b.parameters.rsaDetail.exponent = 65537;
    uint8_t ia[32], ib[32];
    identity(&a, ia);
    identity(&b, ib);
    assert_memory_equal(ia, ib, 32);
    /* another exponent is another key */
    b.parameters.rsaDetail.exponent = 3;
    identity(&b, ib);
    assert_memory_not_equal(ia, ib, 32);
}

static void test_identity_rsa_leading_zeros(void **state)
{
    (void)state;
    TPMT_PUBLIC a, b;
    ek_of("L-1", rsa2048, &a);
    b = a;
    for (UINT16 z = 1; z <= 3; z++) {
        memset(b.unique.rsa.buffer, 0, z);
        memcpy(b.unique.rsa.buffer + z, a.unique.rsa.buffer, a.unique.rsa.size);
        b.unique.rsa.size = (UINT16)(a.unique.rsa.size + z);
        b.parameters.rsaDetail.exponent = z % 2 ? 65537 : 0;
        uint8_t ia[32], ib[32];
        identity(&a, ia);
        identity(&b, ib);
        assert_memory_equal(ia, ib, 32);
    }
}

/* Attributes, policy, nameAlg, symmetric: not the key, not the identity. */
static void test_identity_ignores_template_fields(void **state)
{
    (void)state;
    TPMT_PUBLIC l2, h2, l1, h1;
    ek_of("L-2", p256, &l2);
    ek_of("H-2", p256, &h2);
    ek_of("L-1", rsa2048, &l1);
    ek_of("H-1", rsa2048, &h1);
    h1.parameters.rsaDetail.keyBits = 3072; /* a lying keyBits field changes nothing */
    uint8_t a[32], b[32];
    identity(&l2, a);
    identity(&h2, b);
    assert_memory_equal(a, b, 32);
    identity(&l1, a);
    identity(&h1, b);
    assert_memory_equal(a, b, 32);
}

/* A P-256 key whose x coordinate starts with a zero byte, written without it. */
static void test_identity_ecc_short_coordinate(void **state)
{
    (void)state;
    for (int tries = 0; tries < 8192; tries++) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        assert_non_null(k);
        TPMT_PUBLIC a, b;
        ek_of("L-2", k, &a);
        if (a.unique.ecc.x.buffer[0] != 0)
            continue;
        b = a;
        memmove(b.unique.ecc.x.buffer, b.unique.ecc.x.buffer + 1, 31);
        b.unique.ecc.x.size = 31;
        uint8_t ia[32], ib[32];
        identity(&a, ia);
        identity(&b, ib);
        assert_memory_equal(ia, ib, 32);
        return;
    }
    fail_msg("no P-256 key with a leading zero x byte in 8192 tries");
}

static void test_identity_distinct_keys(void **state)
{
    (void)state;
    TPMT_PUBLIC r1, r2, e256, e384, e256h;
    ek_of("L-1", rsa2048, &r1);
    ek_of("L-1", rsa2048b, &r2);
    ek_of("L-2", p256, &e256);
    ek_of("H-3", p384, &e384);
    ek_of("H-2", p256, &e256h);
    uint8_t id[4][32];
    identity(&r1, id[0]);
    identity(&r2, id[1]);
    identity(&e256, id[2]);
    identity(&e384, id[3]);
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            assert_memory_not_equal(id[i], id[j], 32);
    /* one bit of the point is another key (or none at all) */
    e256h.unique.ecc.y.buffer[31] ^= 1;
    uint8_t other[32];
    int r = ek_identity(&e256h, other);
    if (r == 0)
        assert_memory_not_equal(other, id[2], 32);
    else
        assert_int_equal(r, -EBADMSG);
}

static void test_identity_refuses_malformed(void **state)
{
    (void)state;
    TPMT_PUBLIC ek;
    uint8_t id[32];
    ek_of("L-1", rsa2048, &ek);
    ek.unique.rsa.buffer[ek.unique.rsa.size - 1] &= 0xfe; /* even modulus */
    assert_int_equal(ek_identity(&ek, id), -EBADMSG);
    ek_of("L-2", p256, &ek);
    ek.unique.ecc.x.size = 0;
    assert_int_equal(ek_identity(&ek, id), -EBADMSG);
    ek.type = TPM2_ALG_KEYEDHASH;
    assert_int_equal(ek_identity(&ek, id), -EOPNOTSUPP);
}

/* ---- templates ---- */

static const struct {
    const char *name;
    UINT16 unique;
} genuine[] = {{"L-1", 256}, {"L-2", 32}, {"H-1", 256}, {"H-2", 32},
               {"H-3", 48},  {"H-6", 384}, {"H-7", 512}};

static TPMT_PUBLIC tpl(const char *name)
{
    TPMT_PUBLIC p;
    assert_int_equal(ek_template_public(name, &p), 0);
    for (size_t i = 0; i < sizeof(genuine) / sizeof(genuine[0]); i++)
        if (strcmp(genuine[i].name, name) == 0)
            ek_sample_unique(&p, genuine[i].unique);
    return p;
}

static void expect_refused(const TPMT_PUBLIC *p, const char *field)
{
    struct att_check c = {0};
    assert_int_equal(ek_template_match(p, NULL, &c), ATT_E_VERIFY);
    assert_string_equal(c.name, "ek-template");
    if (!strstr(c.message, field))
        fail_msg("message '%s' does not name '%s'", c.message, field);
}

static void test_template_genuine(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(genuine) / sizeof(genuine[0]); i++) {
        TPMT_PUBLIC p = tpl(genuine[i].name);
        struct att_check c = {0};
        const char *name = NULL;
        if (ek_template_match(&p, &name, &c) != 0)
            fail_msg("%s refused: %s", genuine[i].name, c.message);
        assert_string_equal(name, genuine[i].name);
    }
}

/* The values of the profile, written out here rather than taken from the table. */
static void test_template_l1_values(void **state)
{
    (void)state;
    static const uint8_t policy_a[32] = {
        0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc,
        0x8d, 0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52,
        0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};
    TPMT_PUBLIC p = {0};
    p.type = TPM2_ALG_RSA;
    p.nameAlg = TPM2_ALG_SHA256;
    p.objectAttributes = 0x000300b2; /* fixedTPM fixedParent sensitiveDataOrigin adminWithPolicy restricted decrypt */
    p.authPolicy.size = 32;
    memcpy(p.authPolicy.buffer, policy_a, 32);
    p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
    p.parameters.rsaDetail.symmetric.keyBits.aes = 128;
    p.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
    p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    p.parameters.rsaDetail.keyBits = 2048;
    ek_sample_unique(&p, 256);
    struct att_check c = {0};
    const char *name = NULL;
    assert_int_equal(ek_template_match(&p, &name, &c), 0);
    assert_string_equal(name, "L-1");
}

static void test_template_attributes(void **state)
{
    (void)state;
    const char *names[] = {"L-1", "L-2", "H-3"};
    for (size_t i = 0; i < 3; i++)
        for (int bit = 1; bit < 20; bit++) {
            TPMT_PUBLIC p = tpl(names[i]);
            p.objectAttributes ^= (TPMA_OBJECT)1 << bit;
            /* L-1 with userWithAuth is H-1 but for its policy: refused either way */
            struct att_check c = {0};
            assert_int_equal(ek_template_match(&p, NULL, &c), ATT_E_VERIFY);
            assert_string_equal(c.name, "ek-template");
        }
    TPMT_PUBLIC p = tpl("L-1");
    p.objectAttributes |= TPMA_OBJECT_NODA;
    expect_refused(&p, "objectAttributes");
    p = tpl("H-3");
    p.objectAttributes &= ~TPMA_OBJECT_ADMINWITHPOLICY;
    expect_refused(&p, "objectAttributes");
}

static void test_template_policy(void **state)
{
    (void)state;
    TPMT_PUBLIC p = tpl("L-1");
    p.authPolicy.buffer[31] ^= 1;
    expect_refused(&p, "authPolicy");
    p = tpl("L-1");
    p.authPolicy.size = 0;
    expect_refused(&p, "authPolicy");
    TPMT_PUBLIC h1 = tpl("H-1");
    p = tpl("L-1");
    p.authPolicy = h1.authPolicy; /* PolicyB on L-1 attributes */
    expect_refused(&p, "authPolicy");
    p = tpl("H-3");
    p.authPolicy.size = 32; /* a truncated SHA-384 policy */
    expect_refused(&p, "authPolicy");
}

static void test_template_symmetric(void **state)
{
    (void)state;
    TPMT_PUBLIC p = tpl("L-1");
    p.parameters.rsaDetail.symmetric.keyBits.aes = 256;
    expect_refused(&p, "parameters");
    p = tpl("L-1");
    p.parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CBC;
    expect_refused(&p, "parameters");
    p = tpl("L-2");
    p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    expect_refused(&p, "parameters");
    p = tpl("H-3");
    p.parameters.eccDetail.symmetric.keyBits.aes = 128;
    expect_refused(&p, "parameters");
}

static void test_template_scheme_kdf(void **state)
{
    (void)state;
    TPMT_PUBLIC p = tpl("L-1");
    p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_OAEP;
    p.parameters.rsaDetail.scheme.details.oaep.hashAlg = TPM2_ALG_SHA256;
    expect_refused(&p, "parameters");
    p = tpl("L-2");
    p.parameters.eccDetail.kdf.scheme = TPM2_ALG_KDF1_SP800_56A;
    p.parameters.eccDetail.kdf.details.kdf1_sp800_56a.hashAlg = TPM2_ALG_SHA256;
    expect_refused(&p, "parameters");
    p = tpl("L-2");
    p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P384;
    ek_sample_unique(&p, 48);
    expect_refused(&p, "nameAlg differs from template H-3");
}

static void test_template_key_bits_exponent(void **state)
{
    (void)state;
    TPMT_PUBLIC p = tpl("L-1");
    p.parameters.rsaDetail.keyBits = 3072; /* RSA 3072 is H-6: SHA-384, userWithAuth */
    ek_sample_unique(&p, 384);
    expect_refused(&p, "nameAlg differs from template H-6");
    p = tpl("L-1");
    p.parameters.rsaDetail.keyBits = 1024;
    ek_sample_unique(&p, 128);
    expect_refused(&p, "parameters");
    p = tpl("L-1");
    p.parameters.rsaDetail.exponent = 65537; /* the same key, not the template's field */
    expect_refused(&p, "parameters");
    p = tpl("H-6");
    p.parameters.rsaDetail.exponent = 3;
    expect_refused(&p, "parameters");
}

static void test_template_name_alg_type(void **state)
{
    (void)state;
    TPMT_PUBLIC p = tpl("L-1");
    p.nameAlg = TPM2_ALG_SHA384;
    expect_refused(&p, "nameAlg");
    p = tpl("H-3");
    p.nameAlg = TPM2_ALG_SHA256;
    expect_refused(&p, "nameAlg");
    p = tpl("L-2");
    p.nameAlg = TPM2_ALG_SHA1;
    expect_refused(&p, "nameAlg");
    p = tpl("L-1");
    p.type = TPM2_ALG_KEYEDHASH;
    struct att_check c = {0};
    assert_int_equal(ek_template_match(&p, NULL, &c), ATT_E_VERIFY);
    assert_string_equal(c.name, "ek-template");
}

static void test_template_unique_size(void **state)
{
    (void)state;
    const UINT16 rsa_bad[] = {0, 1, 255, 257, 384};
    for (size_t i = 0; i < sizeof(rsa_bad) / sizeof(rsa_bad[0]); i++) {
        TPMT_PUBLIC p = tpl("L-1");
        ek_sample_unique(&p, rsa_bad[i]);
        expect_refused(&p, "unique size");
    }
    TPMT_PUBLIC p = tpl("L-2");
    p.unique.ecc.x.size = 31;
    expect_refused(&p, "unique size");
    p = tpl("L-2");
    p.unique.ecc.y.size = 33;
    expect_refused(&p, "unique size");
    p = tpl("H-3");
    ek_sample_unique(&p, 32);
    expect_refused(&p, "unique size");
    p = tpl("H-3");
    ek_sample_unique(&p, 0); /* the template itself, as the agent sends it to the TPM */
    expect_refused(&p, "unique size");
}

/* ---- ROCA ---- */

static bool roca_of(const uint8_t *n, size_t len)
{
    _cleanup_(BN_freep) BIGNUM *bn = BN_bin2bn(n, (int)len, NULL);
    assert_non_null(bn);
    bool v = false;
    assert_int_equal(roca_fingerprint(bn, &v), 0);
    return v;
}

static void test_roca_vulnerable(void **state)
{
    (void)state;
    assert_true(roca_of(roca_modulus, sizeof(roca_modulus)));
    assert_true(roca_of(roca_crt_modulus, sizeof(roca_crt_modulus)));
    assert_false(roca_of(roca_near_miss, sizeof(roca_near_miss)));

    TPMT_PUBLIC ek = tpl("L-1");
    memcpy(ek.unique.rsa.buffer, roca_modulus, 256);
    bool v = false;
    assert_int_equal(tpm_rsa_roca(&ek, &v), 0);
    assert_true(v);
}

static void test_roca_sound_keys(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
        assert_non_null(k);
        TPMT_PUBLIC ek;
        ek_of("L-1", k, &ek);
        bool v = true;
        assert_int_equal(tpm_rsa_roca(&ek, &v), 0);
        assert_false(v);
    }
    TPMT_PUBLIC ecc;
    ek_of("L-2", p256, &ecc);
    bool v = true;
    assert_int_equal(tpm_rsa_roca(&ecc, &v), 0);
    assert_false(v);
}

/* An AK that is a valid RSA key in every other respect, ROCA modulus. */
static void test_roca_ak(void **state)
{
    (void)state;
    struct soft_signer s;
    assert_int_equal(soft_signer_new(TPM2_ALG_RSA, 2048, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, &s), 0);
    struct att_check c = {0};
    assert_int_equal(ak_check_public(&s.pub, &c), 0);
    TPMT_PUBLIC ak = s.pub;
    memcpy(ak.unique.rsa.buffer, roca_modulus, 256);
    ak.unique.rsa.size = 256;
    c = (struct att_check){0};
    assert_int_equal(ak_check_public(&ak, &c), ATT_E_VERIFY);
    assert_string_equal(c.name, "ak-roca");
    soft_signer_done(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_is_spki_digest),
        cmocka_unit_test(test_identity_rsa_exponent),
        cmocka_unit_test(test_identity_rsa_leading_zeros),
        cmocka_unit_test(test_identity_ignores_template_fields),
        cmocka_unit_test(test_identity_ecc_short_coordinate),
        cmocka_unit_test(test_identity_distinct_keys),
        cmocka_unit_test(test_identity_refuses_malformed),
        cmocka_unit_test(test_template_genuine),
        cmocka_unit_test(test_template_l1_values),
        cmocka_unit_test(test_template_attributes),
        cmocka_unit_test(test_template_policy),
        cmocka_unit_test(test_template_symmetric),
        cmocka_unit_test(test_template_scheme_kdf),
        cmocka_unit_test(test_template_key_bits_exponent),
        cmocka_unit_test(test_template_name_alg_type),
        cmocka_unit_test(test_template_unique_size),
        cmocka_unit_test(test_roca_vulnerable),
        cmocka_unit_test(test_roca_sound_keys),
        cmocka_unit_test(test_roca_ak),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
