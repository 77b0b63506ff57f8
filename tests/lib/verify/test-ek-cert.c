/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EK certificates of real chips (../shared/corpora, read in place): Nuvoton
 * (non-canonical DER), Intel PTT, STMicro, Infineon, Google vTPM; chains against
 * the vendor CA directories of the corpora, validity times, key binding, and
 * the named reasons of each failure.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "corpora.h"
#include "soft-signer.h"
#include "verify/ek-cert.h"
#include "verify/roca.h"

#define AT_2025 1748736000 /* 2025-06-01 */
#define AT_2000 946684800
#define AT_2100 4102444800

static const char *corpora;

static const char *const vendor_certs[] = {
    "wif-bunker/tests__fixtures__dell_nuvoton_ek.pem",
    "wif-bunker/tests__fixtures__nuc_intel_ek.pem",
    "guard-oss/derived/agent.log.ek_cert.pem", /* STMicro */
    "guard-oss/derived/h12ssl.ek_cert.pem",    /* Infineon */
};

static const char *const google_certs[] = {
    "go-tpm-tools/internal__test__certificates__uca_tpm_rsa_enc_cert.pem",
    "go-tpm-tools/internal__test__certificates__uca_tpm_ecc_enc_cert.pem",
    "go-tpm-tools/internal__test__certificates__pca_tpm_rsa_enc_cert.pem",
    "go-tpm-tools/internal__test__certificates__pca_tpm_ecc_sign_cert.pem",
};

static char *path_of(const char *rel)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/%s", corpora, rel) > 0);
    return p;
}

static X509 *load_cert(const char *rel)
{
    _cleanup_free_ char *p = path_of(rel);
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(file_read_all(p, 1 << 20, &buf, &len), 0);
    X509 *x = NULL;
    assert_int_equal(ek_cert_parse(buf, len, &x), 0);
    return x;
}

static X509_STORE *load_store(const char *rel)
{
    _cleanup_free_ char *p = path_of(rel);
    X509_STORE *s = NULL;
    assert_int_equal(ek_cert_store_load_dir(p, &s), 0);
    return s;
}

/* The EK public area that belongs to a certificate: built from its key. */
static void ek_public_of(X509 *cert, TPMT_PUBLIC *pub)
{
    memset(pub, 0, sizeof(*pub));
    pub->nameAlg = TPM2_ALG_SHA256;
    assert_int_equal(soft_public_from_evp(X509_get0_pubkey(cert), pub), 0);
}

static int expect(X509 *cert, X509_STORE *store, time_t at, const TPMT_PUBLIC *ek,
                  const char *reason)
{
    struct ek_cert_verify_params p = {.at = at};
    struct att_check c;
    int r = ek_cert_verify(cert, store, &p, ek, &c);
    if (!reason) {
        if (r != 0)
            fail_msg("refused: %s: %s", c.name, c.message);
        assert_int_equal(c.status, ATT_CHECK_PASS);
        return 0;
    }
    assert_int_equal(r, ATT_E_VERIFY);
    if (strcmp(c.name, reason) != 0)
        fail_msg("failed with %s (%s), expected %s", c.name, c.message, reason);
    assert_int_equal(c.status, ATT_CHECK_FAIL);
    return 0;
}

static void test_vendor_chains(void **state)
{
    _cleanup_(X509_STORE_freep) X509_STORE *vendor = load_store("guard-oss/vendor_ca");
    for (size_t i = 0; i < sizeof(vendor_certs) / sizeof(vendor_certs[0]); i++) {
        _cleanup_(X509_freep) X509 *cert = load_cert(vendor_certs[i]);
        TPMT_PUBLIC ek;
        ek_public_of(cert, &ek);
        print_message("%s\n", vendor_certs[i]);
        expect(cert, vendor, AT_2025, &ek, NULL);
        expect(cert, vendor, AT_2100, &ek, "ek-cert-expired");
        expect(cert, vendor, AT_2000, &ek, "ek-cert-not-yet-valid");

        /* Another chip's EK public: the certificate does not vouch for it. */
        _cleanup_(X509_freep) X509 *other =
            load_cert(vendor_certs[(i + 1) % (sizeof(vendor_certs) / sizeof(vendor_certs[0]))]);
        TPMT_PUBLIC other_ek;
        ek_public_of(other, &other_ek);
        expect(cert, vendor, AT_2025, &other_ek, "ek-cert-key-mismatch");
    }
}

/* tpm-ca-certificates: roots and intermediates as two PEM bundles in one directory. */
static void test_bundle_store(void **state)
{
    _cleanup_(X509_STORE_freep) X509_STORE *bundle = load_store("tpm-ca-certificates");
    _cleanup_(X509_freep) X509 *nuvoton = load_cert(vendor_certs[0]);
    TPMT_PUBLIC ek;
    ek_public_of(nuvoton, &ek);
    expect(nuvoton, bundle, AT_2025, &ek, NULL);
}

/* Google's vTPM certificates parse, but no Google CA is configured: named chain failure. */
static void test_google_no_root(void **state)
{
    _cleanup_(X509_STORE_freep) X509_STORE *vendor = load_store("guard-oss/vendor_ca");
    for (size_t i = 0; i < sizeof(google_certs) / sizeof(google_certs[0]); i++) {
        _cleanup_(X509_freep) X509 *cert = load_cert(google_certs[i]);
        TPMT_PUBLIC ek;
        ek_public_of(cert, &ek);
        expect(cert, vendor, AT_2025, &ek, "ek-cert-chain");
    }
}

/* A store of the wrong vendor: no chain. */
static void test_wrong_vendor(void **state)
{
    _cleanup_free_ char *dir = NULL;
    assert_true(asprintf(&dir, "%s/ekcert.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") >
                0);
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *src = path_of("guard-oss/vendor_ca/ST_TPM_Root_Certificate.crt");
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    assert_int_equal(file_read_all(src, 1 << 20, &buf, &len), 0);
    _cleanup_free_ char *dst = NULL;
    assert_true(asprintf(&dst, "%s/root.crt", dir) > 0);
    assert_int_equal(file_write_atomic(dst, buf, len, 0644), 0);

    X509_STORE *st = NULL;
    assert_int_equal(ek_cert_store_load_dir(dir, &st), 0);
    _cleanup_(X509_freep) X509 *nuvoton = load_cert(vendor_certs[0]);
    TPMT_PUBLIC ek;
    ek_public_of(nuvoton, &ek);
    expect(nuvoton, st, AT_2025, &ek, "ek-cert-chain");
    X509_STORE_free(st);
    unlink(dst);
    rmdir(dir);
}

/* The Nuvoton certificate as raw DER bytes (what the NV index holds), NV padding after it. */
static void test_nuvoton_der(void **state)
{
    _cleanup_free_ char *p = path_of(vendor_certs[0]);
    _cleanup_(BIO_free_allp) BIO *bio = BIO_new_file(p, "r");
    assert_non_null(bio);
    unsigned char *der = NULL;
    long der_len = 0;
    char *name = NULL, *header = NULL;
    assert_int_equal(PEM_read_bio(bio, &name, &header, &der, &der_len), 1);
    OPENSSL_free(name);
    OPENSSL_free(header);

    _cleanup_free_ uint8_t *padded = calloc(1, (size_t)der_len + 512);
    memcpy(padded, der, (size_t)der_len);
    X509 *x = NULL;
    assert_int_equal(ek_cert_parse(padded, (size_t)der_len + 512, &x), 0);

    /* Non-canonical: re-encoding does not give the original bytes back ... */
    unsigned char *re = NULL;
    int re_len = i2d_X509(x, &re);
    assert_true(re_len > 0);
    print_message("nuvoton DER %ld bytes, re-encoded %d bytes, %s\n", der_len, re_len,
                  re_len == der_len && memcmp(re, der, (size_t)der_len) == 0 ? "identical"
                                                                             : "different");
    OPENSSL_free(re);
    /* ... and the signature still verifies over the bytes that were signed. */
    _cleanup_(X509_STORE_freep) X509_STORE *vendor = load_store("guard-oss/vendor_ca");
    TPMT_PUBLIC ek;
    ek_public_of(x, &ek);
    expect(x, vendor, AT_2025, &ek, NULL);
    X509_free(x);
    OPENSSL_free(der);
}

/* Real EK certificates: their RSA keys have no ROCA fingerprint (the Infineon
 * one is of fixed firmware), and the EK public built from each passes. */
static void test_no_roca(void **state)
{
    (void)state;
    const char *const *lists[] = {vendor_certs, google_certs};
    int rsa = 0;
    for (size_t l = 0; l < 2; l++)
        for (size_t i = 0; i < 4; i++) {
            _cleanup_(X509_freep) X509 *x = load_cert(lists[l][i]);
            if (!EVP_PKEY_is_a(X509_get0_pubkey(x), "RSA"))
                continue;
            TPMT_PUBLIC pub;
            ek_public_of(x, &pub);
            bool roca = true;
            assert_int_equal(tpm_rsa_roca(&pub, &roca), 0);
            if (roca)
                fail_msg("%s: ROCA fingerprint on a real EK", lists[l][i]);
            rsa++;
        }
    assert_true(rsa >= 3);
}

static void test_parse_negative(void **state)
{
    X509 *x = NULL;
    static const uint8_t junk[] = {0x30, 0x82, 0x05, 0x00, 0x30, 0x01};
    assert_int_equal(ek_cert_parse(junk, sizeof(junk), &x), -EBADMSG);
    static const char pem_no_cert[] =
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    assert_int_equal(ek_cert_parse((const uint8_t *)pem_no_cert, sizeof(pem_no_cert) - 1, &x),
                     -EBADMSG);
    assert_int_equal(ek_cert_parse(junk, 0, &x), -EINVAL);

    /* A truncated real certificate. */
    _cleanup_free_ char *p = path_of(vendor_certs[3]);
    _cleanup_(sk_X509_pop_freep) STACK_OF(X509) *sk = NULL;
    assert_int_equal(ek_cert_load_file(p, &sk), 0);
    unsigned char *der = NULL;
    int n = i2d_X509(sk_X509_value(sk, 0), &der);
    assert_true(n > 100);
    assert_int_equal(ek_cert_parse(der, (size_t)n - 40, &x), -EBADMSG);
    OPENSSL_free(der);
}

int main(void)
{
    corpora = corpora_dir_or_skip("wif-bunker");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vendor_chains),  cmocka_unit_test(test_bundle_store),
        cmocka_unit_test(test_google_no_root), cmocka_unit_test(test_wrong_vendor),
        cmocka_unit_test(test_nuvoton_der),    cmocka_unit_test(test_parse_negative),
        cmocka_unit_test(test_no_roca),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
