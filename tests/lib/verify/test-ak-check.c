/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "soft-signer.h"
#include "verify/ak-check.h"

static struct soft_signer rsa, ecc;

static int setup(void **state)
{
    if (soft_signer_new(TPM2_ALG_RSA, 2048, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, &rsa) < 0 ||
        soft_signer_new(TPM2_ALG_ECC, 256, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, &ecc) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    soft_signer_done(&rsa);
    soft_signer_done(&ecc);
    return 0;
}

static void expect(const TPMT_PUBLIC *p, const char *failed)
{
    struct att_check r;
    int ret = ak_check_public(p, &r);
    if (!failed) {
        if (ret != 0)
            fail_msg("refused: %s: %s", r.name, r.message);
        return;
    }
    assert_int_equal(ret, ATT_E_VERIFY);
    assert_string_equal(r.name, failed);
    assert_int_equal(r.status, ATT_CHECK_FAIL);
}

static void test_accepts_tpm2_createak_shapes(void **state)
{
    TPMT_PUBLIC p = rsa.pub;
    expect(&p, NULL);
    p.nameAlg = TPM2_ALG_SHA384; /* tpm2_createak under a P-384 EK */
    expect(&p, NULL);
    p = ecc.pub;
    expect(&p, NULL);
    p.parameters.eccDetail.scheme.details.anySig.hashAlg = TPM2_ALG_SHA384;
    expect(&p, NULL);
    p = rsa.pub;
    p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSAPSS;
    expect(&p, NULL);
    p.objectAttributes |= TPMA_OBJECT_NODA; /* go-tpm-tools and Windows AKs */
    expect(&p, NULL);
}

static void test_attributes_exact(void **state)
{
    static const TPMA_OBJECT flip[] = {
        TPMA_OBJECT_FIXEDTPM,     TPMA_OBJECT_FIXEDPARENT,     TPMA_OBJECT_SENSITIVEDATAORIGIN,
        TPMA_OBJECT_USERWITHAUTH, TPMA_OBJECT_RESTRICTED,      TPMA_OBJECT_SIGN_ENCRYPT,
        TPMA_OBJECT_DECRYPT,      TPMA_OBJECT_ADMINWITHPOLICY, TPMA_OBJECT_ENCRYPTEDDUPLICATION,
        TPMA_OBJECT_STCLEAR,
    };
    for (size_t i = 0; i < sizeof(flip) / sizeof(flip[0]); i++) {
        TPMT_PUBLIC p = rsa.pub;
        p.objectAttributes ^= flip[i];
        expect(&p, "ak-attributes");
        p = ecc.pub;
        p.objectAttributes ^= flip[i];
        expect(&p, "ak-attributes");
    }
}

static void test_name_alg(void **state)
{
    TPMT_PUBLIC p = rsa.pub;
    p.nameAlg = TPM2_ALG_SHA1;
    expect(&p, "ak-name-alg");
    p.nameAlg = TPM2_ALG_NULL;
    expect(&p, "ak-name-alg");
    p.nameAlg = TPM2_ALG_SHA512;
    expect(&p, "ak-name-alg");
}

static void test_scheme(void **state)
{
    TPMT_PUBLIC p = rsa.pub;
    p.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    expect(&p, "ak-scheme");
    p = rsa.pub;
    p.parameters.rsaDetail.scheme.details.anySig.hashAlg = TPM2_ALG_SHA1; /* Windows AKs */
    expect(&p, "ak-scheme");
    p = rsa.pub;
    p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
    expect(&p, "ak-scheme");
    p = ecc.pub;
    p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDAA;
    expect(&p, "ak-scheme");
    p = ecc.pub;
    p.parameters.eccDetail.kdf.scheme = TPM2_ALG_KDF1_SP800_56A;
    expect(&p, "ak-scheme");
}

static void test_key(void **state)
{
    TPMT_PUBLIC p = rsa.pub;
    p.parameters.rsaDetail.keyBits = 1024;
    expect(&p, "ak-key");
    p = rsa.pub;
    p.parameters.rsaDetail.exponent = 3;
    expect(&p, "ak-key");
    p = rsa.pub;
    p.unique.rsa.size = 128; /* modulus shorter than keyBits says */
    expect(&p, "ak-key");
    p = ecc.pub;
    p.parameters.eccDetail.curveID = TPM2_ECC_BN_P256;
    expect(&p, "ak-key");
    p = ecc.pub;
    p.unique.ecc.y.buffer[5] ^= 1; /* point off the curve */
    expect(&p, "ak-key");
    p = ecc.pub;
    p.type = TPM2_ALG_KEYEDHASH;
    expect(&p, "ak-type");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_tpm2_createak_shapes),
        cmocka_unit_test(test_attributes_exact),
        cmocka_unit_test(test_name_alg),
        cmocka_unit_test(test_scheme),
        cmocka_unit_test(test_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
