/* SPDX-License-Identifier: Apache-2.0 */
/* Unmarshaling of untrusted public areas and signatures, names, keys. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "soft-signer.h"
#include "verify/tpm-name.h"
#include "verify/tpm-pubkey.h"

static void test_public_both_forms(void **state)
{
    struct soft_signer s;
    assert_int_equal(soft_signer_new(TPM2_ALG_ECC, 256, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, &s), 0);
    uint8_t buf[1024];
    size_t off = 0;
    TPM2B_PUBLIC in = {.publicArea = s.pub}, out;
    assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Marshal(&in, buf, sizeof(buf), &off), 0);
    assert_int_equal(tpm_public_unmarshal(buf, off, &out), 0);
    assert_memory_equal(&out.publicArea.unique, &s.pub.unique, sizeof(s.pub.unique));
    /* Trailing bytes are refused, truncation too. */
    buf[off] = 0;
    assert_int_equal(tpm_public_unmarshal(buf, off + 1, &out), -EBADMSG);
    assert_int_equal(tpm_public_unmarshal(buf, off - 1, &out), -EBADMSG);
    /* A bare TPMT_PUBLIC (go-attestation's form) is accepted. */
    assert_int_equal(tpm_public_unmarshal(buf + 2, off - 2, &out), 0);
    assert_int_equal(out.size, off - 2);

    /* The name: nameAlg || SHA-256(TPMT_PUBLIC). */
    TPM2B_NAME name;
    assert_int_equal(tpm_name_from_public(&s.pub, &name), 0);
    assert_int_equal(name.size, 34);
    uint8_t d[32];
    unsigned int dl = 0;
    EVP_Digest(buf + 2, off - 2, d, &dl, EVP_sha256(), NULL);
    assert_int_equal(name.name[0], 0x00);
    assert_int_equal(name.name[1], 0x0b);
    assert_memory_equal(name.name + 2, d, 32);
    s.pub.nameAlg = TPM2_ALG_NULL;
    assert_int_equal(tpm_name_from_public(&s.pub, &name), -EINVAL);
    soft_signer_done(&s);
}

static void test_pubkey_equals_openssl_key(void **state)
{
    struct soft_signer s;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(
            i == 0   ? soft_signer_new(TPM2_ALG_RSA, 2048, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, &s)
            : i == 1 ? soft_signer_new(TPM2_ALG_ECC, 256, TPM2_ALG_ECDSA, TPM2_ALG_SHA256, &s)
                     : soft_signer_new(TPM2_ALG_ECC, 384, TPM2_ALG_ECDSA, TPM2_ALG_SHA384, &s),
            0);
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *k = NULL;
        assert_int_equal(tpm_pubkey_to_evp(&s.pub, &k), 0);
        assert_int_equal(EVP_PKEY_eq(k, s.pkey), 1);
        soft_signer_done(&s);
    }
}

static void test_signature_unmarshal(void **state)
{
    uint8_t junk[] = {0x00, 0x18, 0x00, 0x0b, 0x00, 0x01, 0x00};
    TPMT_SIGNATURE sig;
    assert_int_equal(tpm_signature_unmarshal(junk, sizeof(junk), &sig), -EBADMSG);
    uint8_t null_sig[] = {0x00, 0x10};
    assert_int_equal(tpm_signature_unmarshal(null_sig, sizeof(null_sig), &sig), 0);
    assert_int_equal(tpm_signature_unmarshal(null_sig, 1, &sig), -EBADMSG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_both_forms),
        cmocka_unit_test(test_pubkey_equals_openssl_key),
        cmocka_unit_test(test_signature_unmarshal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
