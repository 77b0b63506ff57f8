/* SPDX-License-Identifier: Apache-2.0 */
/*
 * quote_verify() against crafted quotes signed by software keys (a restricted
 * AK would refuse to sign them). Each known vulnerability class of quote
 * verifiers has a test named after it that fails when the class comes back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "common/pcr-selection.h"
#include "soft-signer.h"
#include "verify/clock-check.h"
#include "verify/quote-verify.h"

struct ctx {
    struct soft_signer signer;
    struct quote_fixture fx;
    uint8_t attest[2048];
    size_t attest_len;
    TPMT_SIGNATURE sig;
    TPML_PCR_SELECTION want_sel;
    TPM2B_DIGEST values[72];
    size_t n_values;
    uint8_t nonce[32];
    const TPMS_CLOCK_INFO *previous;
    struct quote_verify_result res;
};

static TPMI_ALG_HASH key_hash(const struct ctx *c)
{
    return c->signer.pub.parameters.asymDetail.scheme.details.anySig.hashAlg;
}

static void marshal_and_sign(struct ctx *c)
{
    assert_int_equal(quote_fixture_marshal(&c->fx, c->attest, sizeof(c->attest), &c->attest_len),
                     0);
    assert_int_equal(soft_signer_sign(&c->signer, c->attest, c->attest_len, &c->sig), 0);
}

/* Values for the fixture's selection, their digest with the key's hash, marshal, sign. */
static void build(struct ctx *c)
{
    c->n_values = fake_pcr_values(&c->fx.sel, c->values, 72);
    assert_int_equal(quote_pcr_digest(key_hash(c), c->values, c->n_values, &c->fx.pcr_digest), 0);
    marshal_and_sign(c);
}

static int run(struct ctx *c)
{
    struct quote_verify_input in = {
        .ak_public = &c->signer.pub,
        .signature = &c->sig,
        .attest = c->attest,
        .attest_len = c->attest_len,
        .nonce = c->nonce,
        .nonce_len = sizeof(c->nonce),
        .selection = &c->want_sel,
        .pcr_values = c->values,
        .n_pcr_values = c->n_values,
        .previous_clock = c->previous,
    };
    return quote_verify(&in, &c->res);
}

static struct ctx *ctx_new(TPM2_ALG_ID type, unsigned bits, TPM2_ALG_ID scheme, TPMI_ALG_HASH h)
{
    struct ctx *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    assert_int_equal(soft_signer_new(type, bits, scheme, h, &c->signer), 0);
    quote_fixture_default(&c->fx);
    memcpy(c->nonce, c->fx.extra.buffer, sizeof(c->nonce));
    assert_int_equal(pcrsel_parse(PCRSEL_DEFAULT, &c->want_sel), 0);
    build(c);
    return c;
}

static int setup_rsa(void **state)
{
    *state = ctx_new(TPM2_ALG_RSA, 2048, TPM2_ALG_RSASSA, TPM2_ALG_SHA256);
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    soft_signer_done(&c->signer);
    free(c);
    return 0;
}

static void expect_pass(struct ctx *c)
{
    assert_int_equal(run(c), 0);
    assert_true(c->res.ok);
    assert_int_equal(c->res.first_failure, -1);
    for (int i = 0; i < QUOTE_CHECK_CLOCK; i++) {
        assert_string_equal(c->res.checks[i].name, quote_check_name(i));
        assert_int_equal(c->res.checks[i].status, ATT_CHECK_PASS);
    }
}

static void expect_fail(struct ctx *c, enum quote_check_id id)
{
    assert_int_equal(run(c), ATT_E_VERIFY);
    assert_false(c->res.ok);
    if (c->res.first_failure != (int)id)
        fail_msg("first failure %d (%s: %s), expected %s", c->res.first_failure,
                 c->res.first_failure >= 0 ? c->res.checks[c->res.first_failure].name : "-",
                 c->res.first_failure >= 0 ? c->res.checks[c->res.first_failure].message : "",
                 quote_check_name(id));
    assert_int_equal(c->res.checks[id].status, ATT_CHECK_FAIL);
    assert_string_equal(c->res.checks[id].name, quote_check_name(id));
    assert_true(strlen(c->res.checks[id].message) > 0);
}

/* ---- positives: every scheme the verifier supports ---- */

static void test_valid_rsassa_sha256(void **state)
{
    struct ctx *c = *state;
    expect_pass(c);
    assert_true(c->res.attested_valid);
    assert_int_equal(c->res.clock_info.resetCount, 5);
    assert_int_equal(c->res.firmware_version, 0x2019102300163636ull);
}

static void check_scheme(TPM2_ALG_ID type, unsigned bits, TPM2_ALG_ID scheme, TPMI_ALG_HASH h)
{
    struct ctx *c = ctx_new(type, bits, scheme, h);
    expect_pass(c);
    assert_int_equal(c->res.hash_alg, h);
    void *s = c;
    teardown(&s);
}

static void test_valid_other_schemes(void **state)
{
    check_scheme(TPM2_ALG_RSA, 2048, TPM2_ALG_RSAPSS, TPM2_ALG_SHA256);
    check_scheme(TPM2_ALG_RSA, 2048, TPM2_ALG_RSASSA, TPM2_ALG_SHA384);
    check_scheme(TPM2_ALG_ECC, 256, TPM2_ALG_ECDSA, TPM2_ALG_SHA256);
    check_scheme(TPM2_ALG_ECC, 384, TPM2_ALG_ECDSA, TPM2_ALG_SHA384);
}

/* Two banks: values in selection order, digest with the signing hash (not the bank's). */
static void test_valid_two_banks(void **state)
{
    struct ctx *c = *state;
    assert_int_equal(pcrsel_parse("sha1:0-7+sha256:0-10", &c->fx.sel), 0);
    c->want_sel = c->fx.sel;
    build(c);
    expect_pass(c);
}

/* ---- CVE-2023-3674 class: a bad signature must be fatal ---- */

static void test_cve_2023_3674_bad_signature_is_fatal(void **state)
{
    struct ctx *c = *state;
    c->sig.signature.rsassa.sig.buffer[10] ^= 0x01;
    expect_fail(c, QUOTE_CHECK_SIGNATURE);
    /* Nothing after the signature was read, let alone passed. */
    for (int i = QUOTE_CHECK_MAGIC; i < QUOTE_CHECK_MAX; i++)
        assert_int_equal(c->res.checks[i].status, ATT_CHECK_NOT_RUN);
    assert_false(c->res.attested_valid);
}

static void test_cve_2023_3674_attest_modified_after_signing(void **state)
{
    struct ctx *c = *state;
    c->attest[c->attest_len - 1] ^= 0x80; /* last byte of pcrDigest */
    expect_fail(c, QUOTE_CHECK_SIGNATURE);
}

static void test_cve_2023_3674_signed_by_another_key(void **state)
{
    struct ctx *c = *state;
    struct soft_signer other;
    assert_int_equal(soft_signer_new(TPM2_ALG_RSA, 2048, TPM2_ALG_RSASSA, TPM2_ALG_SHA256, &other),
                     0);
    assert_int_equal(soft_signer_sign(&other, c->attest, c->attest_len, &c->sig), 0);
    soft_signer_done(&other);
    expect_fail(c, QUOTE_CHECK_SIGNATURE);
}

static void test_cve_2023_3674_scheme_or_hash_not_the_aks(void **state)
{
    struct ctx *c = *state;
    c->sig.sigAlg = TPM2_ALG_RSAPSS; /* same bytes, other scheme */
    expect_fail(c, QUOTE_CHECK_SIGNATURE);
    marshal_and_sign(c);
    c->sig.signature.rsassa.hash = TPM2_ALG_SHA1;
    expect_fail(c, QUOTE_CHECK_SIGNATURE);
    marshal_and_sign(c);
    c->sig.sigAlg = TPM2_ALG_NULL;
    expect_fail(c, QUOTE_CHECK_SIGNATURE);
}

static void test_cve_2023_3674_ak_without_fixed_scheme(void **state)
{
    struct ctx *c = *state;
    c->signer.pub.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    expect_fail(c, QUOTE_CHECK_SIGNATURE);
}

static void test_cve_2023_3674_ecdsa_zero_signature(void **state)
{
    struct ctx *c = ctx_new(TPM2_ALG_ECC, 256, TPM2_ALG_ECDSA, TPM2_ALG_SHA256);
    memset(c->sig.signature.ecdsa.signatureR.buffer, 0, c->sig.signature.ecdsa.signatureR.size);
    memset(c->sig.signature.ecdsa.signatureS.buffer, 0, c->sig.signature.ecdsa.signatureS.size);
    expect_fail(c, QUOTE_CHECK_SIGNATURE);
    void *s = c;
    teardown(&s);
}

/* ---- CVE-2024-29038 class: magic not checked ---- */

static void test_cve_2024_29038_magic_zeroed(void **state)
{
    struct ctx *c = *state;
    c->fx.magic = 0;
    marshal_and_sign(c);
    expect_fail(c, QUOTE_CHECK_MAGIC);
}

static void test_cve_2024_29038_magic_off_by_one(void **state)
{
    struct ctx *c = *state;
    c->fx.magic = TPM2_GENERATED_VALUE ^ 1;
    marshal_and_sign(c);
    expect_fail(c, QUOTE_CHECK_MAGIC);
}

/* ---- attestation type confusion (tpm2-tss FAPI once accepted any attestation) ---- */

static void check_type_confusion(struct ctx *c, TPM2_ST type)
{
    c->fx.type = type;
    marshal_and_sign(c);
    expect_fail(c, QUOTE_CHECK_TYPE);
    /* The PCR checks never look into another structure's bytes. */
    assert_int_equal(c->res.checks[QUOTE_CHECK_PCR_SELECTION].status, ATT_CHECK_NOT_RUN);
    assert_int_equal(c->res.checks[QUOTE_CHECK_PCR_DIGEST].status, ATT_CHECK_NOT_RUN);
}

static void test_type_confusion_certify_accepted_as_quote(void **state)
{
    check_type_confusion(*state, TPM2_ST_ATTEST_CERTIFY);
}

static void test_type_confusion_nv_certify_accepted_as_quote(void **state)
{
    check_type_confusion(*state, TPM2_ST_ATTEST_NV);
}

static void test_type_confusion_gettime_accepted_as_quote(void **state)
{
    check_type_confusion(*state, TPM2_ST_ATTEST_TIME);
}

/* ---- nonce not checked (tpm2-tss#2255) ---- */

static void test_tpm2_tss_2255_nonce_mismatch(void **state)
{
    struct ctx *c = *state;
    c->nonce[31] ^= 1;
    expect_fail(c, QUOTE_CHECK_NONCE);
}

static void test_tpm2_tss_2255_nonce_prefix_or_empty(void **state)
{
    struct ctx *c = *state;
    c->fx.extra.size = 16; /* a prefix of the expected nonce */
    marshal_and_sign(c);
    expect_fail(c, QUOTE_CHECK_NONCE);
    c->fx.extra.size = 0;
    marshal_and_sign(c);
    expect_fail(c, QUOTE_CHECK_NONCE);
}

/* ---- CVE-2024-29039 class: selection not compared ---- */

static void check_selection_forgery(struct ctx *c, const char *quoted)
{
    /* The quote is self-consistent: its digest matches its own (smaller/other) selection. */
    assert_int_equal(pcrsel_parse(quoted, &c->fx.sel), 0);
    build(c);
    expect_fail(c, QUOTE_CHECK_PCR_SELECTION);
    assert_int_equal(c->res.checks[QUOTE_CHECK_PCR_DIGEST].status, ATT_CHECK_NOT_RUN);
}

static void test_cve_2024_29039_selection_missing_pcr(void **state)
{
    check_selection_forgery(*state, "sha256:0-9");
}

static void test_cve_2024_29039_selection_extra_pcr(void **state)
{
    check_selection_forgery(*state, "sha256:0-11");
}

static void test_cve_2024_29039_selection_other_bank(void **state)
{
    check_selection_forgery(*state, "sha1:0-10");
}

static void test_cve_2024_29039_selection_extra_bank(void **state)
{
    check_selection_forgery(*state, "sha256:0-10+sha1:0");
}

/* ---- CVE-2022-0317 class: PCR values not covered by the quote ---- */

static void test_cve_2022_0317_quote_over_no_pcrs(void **state)
{
    struct ctx *c = *state;
    /* A quote over an empty selection, shipped with values for the requested PCRs. */
    TPM2B_DIGEST keep[72];
    size_t n = c->n_values;
    memcpy(keep, c->values, sizeof(keep));
    c->fx.sel = (TPML_PCR_SELECTION){.count = 0};
    build(c);
    memcpy(c->values, keep, sizeof(keep));
    c->n_values = n;
    expect_fail(c, QUOTE_CHECK_PCR_SELECTION);
}

static void test_cve_2022_0317_values_not_the_quoted_ones(void **state)
{
    struct ctx *c = *state;
    c->values[3].buffer[0] ^= 0xff; /* PCR 3 claimed different from what was quoted */
    expect_fail(c, QUOTE_CHECK_PCR_DIGEST);
}

static void test_cve_2022_0317_extra_values_beyond_quote(void **state)
{
    struct ctx *c = *state;
    c->values[c->n_values] = c->values[0];
    c->n_values++;
    expect_fail(c, QUOTE_CHECK_PCR_DIGEST);
    c->n_values -= 2;
    expect_fail(c, QUOTE_CHECK_PCR_DIGEST);
}

static void test_cve_2022_0317_value_of_wrong_size(void **state)
{
    struct ctx *c = *state;
    /* Shift bytes between two values: the concatenation (and the digest) is unchanged. */
    c->values[0].size = 31;
    c->values[1].size = 33;
    memmove(c->values[1].buffer + 1, c->values[1].buffer, 32);
    c->values[1].buffer[0] = c->values[0].buffer[31];
    expect_fail(c, QUOTE_CHECK_PCR_DIGEST);
}

static void test_pcr_digest_uses_signing_hash_not_bank_hash(void **state)
{
    struct ctx *c = *state;
    /* A digest computed with SHA-1 (the bank) instead of SHA-256 (the scheme) is refused. */
    assert_int_equal(pcrsel_parse("sha1:0-7", &c->fx.sel), 0);
    c->want_sel = c->fx.sel;
    c->n_values = fake_pcr_values(&c->fx.sel, c->values, 72);
    assert_int_equal(quote_pcr_digest(TPM2_ALG_SHA1, c->values, c->n_values, &c->fx.pcr_digest), 0);
    marshal_and_sign(c);
    expect_fail(c, QUOTE_CHECK_PCR_DIGEST);
}

/* ---- parsing after the signature: trailing bytes, truncation ---- */

static void test_attest_trailing_bytes(void **state)
{
    struct ctx *c = *state;
    c->attest[c->attest_len++] = 0;
    assert_int_equal(soft_signer_sign(&c->signer, c->attest, c->attest_len, &c->sig), 0);
    expect_fail(c, QUOTE_CHECK_TYPE);
    assert_int_equal(c->res.checks[QUOTE_CHECK_NONCE].status, ATT_CHECK_NOT_RUN);
}

static void test_attest_truncated(void **state)
{
    struct ctx *c = *state;
    c->attest_len = 3;
    assert_int_equal(soft_signer_sign(&c->signer, c->attest, c->attest_len, &c->sig), 0);
    expect_fail(c, QUOTE_CHECK_MAGIC);
}

/* ---- every failure is reported, not only the first ---- */

static void test_all_failures_named(void **state)
{
    struct ctx *c = *state;
    c->fx.magic = 0;
    c->fx.extra.buffer[0] ^= 1;
    marshal_and_sign(c);
    c->values[0].buffer[0] ^= 1;
    expect_fail(c, QUOTE_CHECK_MAGIC);
    assert_int_equal(c->res.checks[QUOTE_CHECK_TYPE].status, ATT_CHECK_PASS);
    assert_int_equal(c->res.checks[QUOTE_CHECK_NONCE].status, ATT_CHECK_FAIL);
    assert_int_equal(c->res.checks[QUOTE_CHECK_PCR_SELECTION].status, ATT_CHECK_PASS);
    assert_int_equal(c->res.checks[QUOTE_CHECK_PCR_DIGEST].status, ATT_CHECK_FAIL);
}

/* ---- clock monotonicity: replay of an older genuine quote ---- */

static void test_clock_replay_of_older_quote(void **state)
{
    struct ctx *c = *state;
    TPMS_CLOCK_INFO later = c->fx.clock;
    later.clock += 1000;
    c->previous = &later;
    expect_fail(c, QUOTE_CHECK_CLOCK);
    assert_non_null(strstr(c->res.checks[QUOTE_CHECK_CLOCK].message, "replay"));

    TPMS_CLOCK_INFO same = c->fx.clock; /* the same quote again */
    c->previous = &same;
    expect_fail(c, QUOTE_CHECK_CLOCK);

    TPMS_CLOCK_INFO earlier = c->fx.clock;
    earlier.clock -= 1;
    c->previous = &earlier;
    expect_pass(c);
    assert_int_equal(c->res.checks[QUOTE_CHECK_CLOCK].status, ATT_CHECK_PASS);
}

static void test_clock_rules(void **state)
{
    struct att_check r;
    TPMS_CLOCK_INFO prev = {.clock = 5000, .resetCount = 7, .restartCount = 3};
    TPMS_CLOCK_INFO cur = prev;

    cur.resetCount = 6; /* TPM cleared */
    assert_int_equal(quote_clock_check(&prev, &cur, &r), ATT_E_VERIFY);
    assert_string_equal(r.name, "clock");
    assert_non_null(strstr(r.message, "TPM cleared"));

    cur = prev; /* TPM Reset: restartCount and clock start over */
    cur.resetCount = 8;
    cur.restartCount = 0;
    cur.clock = 10;
    assert_int_equal(quote_clock_check(&prev, &cur, &r), 0);

    cur = prev; /* TPM Restart (resume): clock may have gone back, restartCount not */
    cur.restartCount = 4;
    cur.clock = 10;
    assert_int_equal(quote_clock_check(&prev, &cur, &r), 0);

    cur = prev;
    cur.restartCount = 2;
    cur.clock = 99999;
    assert_int_equal(quote_clock_check(&prev, &cur, &r), ATT_E_VERIFY);
    assert_non_null(strstr(r.message, "replay"));
}

static void test_missing_inputs(void **state)
{
    struct quote_verify_result res;
    struct quote_verify_input in = {0};
    assert_int_equal(quote_verify(&in, &res), -EINVAL);
    assert_false(res.ok);
    assert_int_equal(quote_verify(NULL, &res), -EINVAL);
    assert_false(res.ok);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_rsa, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_valid_rsassa_sha256),
        cmocka_unit_test(test_valid_other_schemes),
        T(test_valid_two_banks),
        T(test_cve_2023_3674_bad_signature_is_fatal),
        T(test_cve_2023_3674_attest_modified_after_signing),
        T(test_cve_2023_3674_signed_by_another_key),
        T(test_cve_2023_3674_scheme_or_hash_not_the_aks),
        T(test_cve_2023_3674_ak_without_fixed_scheme),
        cmocka_unit_test(test_cve_2023_3674_ecdsa_zero_signature),
        T(test_cve_2024_29038_magic_zeroed),
        T(test_cve_2024_29038_magic_off_by_one),
        T(test_type_confusion_certify_accepted_as_quote),
        T(test_type_confusion_nv_certify_accepted_as_quote),
        T(test_type_confusion_gettime_accepted_as_quote),
        T(test_tpm2_tss_2255_nonce_mismatch),
        T(test_tpm2_tss_2255_nonce_prefix_or_empty),
        T(test_cve_2024_29039_selection_missing_pcr),
        T(test_cve_2024_29039_selection_extra_pcr),
        T(test_cve_2024_29039_selection_other_bank),
        T(test_cve_2024_29039_selection_extra_bank),
        T(test_cve_2022_0317_quote_over_no_pcrs),
        T(test_cve_2022_0317_values_not_the_quoted_ones),
        T(test_cve_2022_0317_extra_values_beyond_quote),
        T(test_cve_2022_0317_value_of_wrong_size),
        T(test_pcr_digest_uses_signing_hash_not_bank_hash),
        T(test_attest_trailing_bytes),
        T(test_attest_truncated),
        T(test_all_failures_named),
        T(test_clock_replay_of_older_quote),
        cmocka_unit_test(test_clock_rules),
        cmocka_unit_test(test_missing_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
