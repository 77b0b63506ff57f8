/* SPDX-License-Identifier: Apache-2.0 */
/*
 * quote_verify() on real quotes of ../shared/corpora (read in place): GCE vTPM
 * quotes from go-tpm-tools (SHA-1, SHA-256 and SHA-384 banks, all signed
 * RSASSA-SHA256, with and without a nonce) and go-attestation's Windows GCP
 * Shielded VM quote (RSASSA-SHA1 AK). Each verifies; a changed nonce or PCR
 * value is refused with the check named.
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
#include <jansson.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "common/hex.h"
#include "common/pcr-selection.h"
#include "common/tpm-alg.h"
#include "corpora.h"
#include "verify/ak-check.h"
#include "verify/clock-check.h"
#include "verify/quote-verify.h"
#include "verify/tpm-pubkey.h"

static const char *corpora;

struct real_quote {
    const char *akpub, *attest, *sig, *pcrs, *bank, *nonce_hex;
};

static const struct real_quote quotes[] = {
    {"go-tpm-tools/derived/gce-cos-85-no-nonce.akpub.bin",
     "go-tpm-tools/derived/gce-cos-85-no-nonce.quote_sha1.attest.bin",
     "go-tpm-tools/derived/gce-cos-85-no-nonce.quote_sha1.sig.bin",
     "go-tpm-tools/derived/gce-cos-85-no-nonce.pcrs.json", "sha1", ""},
    {"go-tpm-tools/derived/gce-cos-85-no-nonce.akpub.bin",
     "go-tpm-tools/derived/gce-cos-85-no-nonce.quote_sha256.attest.bin",
     "go-tpm-tools/derived/gce-cos-85-no-nonce.quote_sha256.sig.bin",
     "go-tpm-tools/derived/gce-cos-85-no-nonce.pcrs.json", "sha256", ""},
    {"go-tpm-tools/derived/gce-cos-85-no-nonce.akpub.bin",
     "go-tpm-tools/derived/gce-cos-85-no-nonce.quote_sha384.attest.bin",
     "go-tpm-tools/derived/gce-cos-85-no-nonce.quote_sha384.sig.bin",
     "go-tpm-tools/derived/gce-cos-85-no-nonce.pcrs.json", "sha384", ""},
    /* Same vTPM, same AK, quoted with the nonce {0x90, 0x09}. */
    {"go-tpm-tools/derived/gce-cos-85-no-nonce.akpub.bin",
     "go-tpm-tools/derived/gce-cos-85-nonce9009.quote_sha256.attest.bin",
     "go-tpm-tools/derived/gce-cos-85-nonce9009.quote_sha256.sig.bin",
     "go-tpm-tools/derived/gce-cos-85-nonce9009.pcrs.json", "sha256", "9009"},
    {"go-tpm-tools/derived/gce-cos-85-no-nonce.akpub.bin",
     "go-tpm-tools/derived/gce-cos-85-nonce9009.quote_sha384.attest.bin",
     "go-tpm-tools/derived/gce-cos-85-nonce9009.quote_sha384.sig.bin",
     "go-tpm-tools/derived/gce-cos-85-nonce9009.pcrs.json", "sha384", "9009"},
    {"go-attestation/derived/windows_gcp_shielded_vm.akpub.bin",
     "go-attestation/derived/windows_gcp_shielded_vm.quote.attest.bin",
     "go-attestation/derived/windows_gcp_shielded_vm.quote.sig.bin",
     "go-attestation/derived/windows_gcp_shielded_vm.pcrs.json", "sha1", ""},
};

struct loaded {
    TPM2B_PUBLIC ak;
    TPMT_SIGNATURE sig;
    uint8_t *attest;
    size_t attest_len;
    uint8_t *nonce;
    size_t nonce_len;
    TPML_PCR_SELECTION sel;
    TPM2B_DIGEST values[24];
};

static uint8_t *read_rel(const char *rel, size_t *len)
{
    _cleanup_free_ char *p = NULL;
    uint8_t *buf = NULL;
    assert_true(asprintf(&p, "%s/%s", corpora, rel) > 0);
    assert_int_equal(file_read_all(p, 1 << 20, &buf, len), 0);
    return buf;
}

/* PCR values 0-23 of one bank from the corpus JSON, in PCR order. */
static void load_values(const char *rel, const char *bank, TPM2B_DIGEST *out)
{
    size_t len;
    _cleanup_free_ uint8_t *buf = read_rel(rel, &len);
    json_error_t err;
    json_t *root = json_loadb((const char *)buf, len, 0, &err);
    assert_non_null(root);
    json_t *b = json_object_get(json_object_get(root, "banks"), bank);
    assert_non_null(b);
    for (int i = 0; i < 24; i++) {
        char key[4];
        snprintf(key, sizeof(key), "%d", i);
        const char *hex = json_string_value(json_object_get(b, key));
        assert_non_null(hex);
        _cleanup_free_ uint8_t *v = NULL;
        size_t vl = 0;
        assert_int_equal(hex_decode(hex, &v, &vl), 0);
        assert_int_equal(vl, tpm_alg_digest_size(tpm_alg_hash_from_name(bank)));
        out[i].size = (UINT16)vl;
        memcpy(out[i].buffer, v, vl);
    }
    json_decref(root);
}

static void load(const struct real_quote *q, struct loaded *l)
{
    size_t len;
    memset(l, 0, sizeof(*l));
    _cleanup_free_ uint8_t *ak = read_rel(q->akpub, &len);
    assert_int_equal(tpm_public_unmarshal(ak, len, &l->ak), 0);
    _cleanup_free_ uint8_t *sig = read_rel(q->sig, &len);
    assert_int_equal(tpm_signature_unmarshal(sig, len, &l->sig), 0);
    l->attest = read_rel(q->attest, &l->attest_len);
    if (q->nonce_hex[0])
        assert_int_equal(hex_decode(q->nonce_hex, &l->nonce, &l->nonce_len), 0);
    char sel[32];
    snprintf(sel, sizeof(sel), "%s:0-23", q->bank);
    assert_int_equal(pcrsel_parse(sel, &l->sel), 0);
    load_values(q->pcrs, q->bank, l->values);
}

static int run(struct loaded *l, struct quote_verify_result *res)
{
    struct quote_verify_input in = {
        .ak_public = &l->ak.publicArea,
        .signature = &l->sig,
        .attest = l->attest,
        .attest_len = l->attest_len,
        .nonce = l->nonce,
        .nonce_len = l->nonce_len,
        .selection = &l->sel,
        .pcr_values = l->values,
        .n_pcr_values = 24,
    };
    return quote_verify(&in, res);
}

static void test_real_quotes_verify(void **state)
{
    for (size_t i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++) {
        struct loaded l;
        struct quote_verify_result res;
        load(&quotes[i], &l);
        print_message("%s\n", quotes[i].attest);
        if (run(&l, &res) != 0)
            fail_msg("%s refused: %s: %s", quotes[i].attest, res.checks[res.first_failure].name,
                     res.checks[res.first_failure].message);
        assert_true(res.attested_valid);

        /* Another nonce. */
        uint8_t other[2] = {0x90, 0x0a};
        uint8_t *keep = l.nonce;
        size_t keep_len = l.nonce_len;
        l.nonce = other;
        l.nonce_len = sizeof(other);
        assert_int_equal(run(&l, &res), ATT_E_VERIFY);
        assert_int_equal(res.first_failure, QUOTE_CHECK_NONCE);
        l.nonce = keep;
        l.nonce_len = keep_len;

        /* One PCR claimed different from what was quoted. */
        l.values[7].buffer[0] ^= 1;
        assert_int_equal(run(&l, &res), ATT_E_VERIFY);
        assert_int_equal(res.first_failure, QUOTE_CHECK_PCR_DIGEST);
        l.values[7].buffer[0] ^= 1;

        /* One byte of the attest changed: the signature no longer holds. */
        l.attest[l.attest_len / 2] ^= 1;
        assert_int_equal(run(&l, &res), ATT_E_VERIFY);
        assert_int_equal(res.first_failure, QUOTE_CHECK_SIGNATURE);
        free(l.attest);
        free(l.nonce);
    }
}

/* The same vTPM's two quotes: the later one is newer by the clock rule, not the reverse. */
static void test_real_clock_order(void **state)
{
    struct loaded a, b;
    struct quote_verify_result ra, rb;
    load(&quotes[1], &a);
    load(&quotes[3], &b);
    assert_int_equal(run(&a, &ra), 0);
    assert_int_equal(run(&b, &rb), 0);
    const TPMS_CLOCK_INFO *older = &ra.clock_info, *newer = &rb.clock_info;
    if (ra.clock_info.resetCount > rb.clock_info.resetCount ||
        (ra.clock_info.resetCount == rb.clock_info.resetCount &&
         ra.clock_info.clock > rb.clock_info.clock)) {
        older = &rb.clock_info;
        newer = &ra.clock_info;
    }
    struct att_check c;
    assert_int_equal(quote_clock_check(older, newer, &c), 0);
    assert_int_equal(quote_clock_check(newer, older, &c), ATT_E_VERIFY);
    free(a.attest);
    free(b.attest);
    free(b.nonce);
}

/* Enrollment policy on real AKs: GCE's passes, Windows' RSASSA-SHA1 AK is refused. */
static void test_real_ak_policy(void **state)
{
    struct loaded l;
    struct att_check c;
    load(&quotes[0], &l);
    assert_int_equal(ak_check_public(&l.ak.publicArea, &c), 0);
    free(l.attest);
    load(&quotes[5], &l);
    assert_int_equal(ak_check_public(&l.ak.publicArea, &c), ATT_E_VERIFY);
    assert_string_equal(c.name, "ak-scheme");
    free(l.attest);
}

int main(void)
{
    corpora = corpora_dir_or_skip("go-tpm-tools/derived");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_quotes_verify),
        cmocka_unit_test(test_real_clock_order),
        cmocka_unit_test(test_real_ak_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
