/* SPDX-License-Identifier: Apache-2.0 */
/* Request body validation: every refusal names its field. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "requests.h"

#define AK    "000b0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NONCE "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static void expect_field(int r, const struct req_error *e, const char *field)
{
    assert_int_equal(r, -EINVAL);
    assert_string_equal(e->field, field);
}

static int attest(const char *body, struct attest_request *a, struct req_error *e)
{
    int r = parse_attest_request(body, strlen(body), a, e);
    if (r == 0)
        attest_request_done(a);
    return r;
}

static void test_attest(void **state)
{
    struct attest_request a;
    struct req_error e = {0};
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"ak_name\":\"%s\",\"nonce\":\"%s\",\"quote\":\"AQID\",\"signature\":\"AQID\","
             "\"pcr_values\":{\"sha256\":{\"0\":\"%064d\",\"10\":\"%064d\"}},\"ima_from\":3}",
             AK, NONCE, 0, 1);
    assert_int_equal(parse_attest_request(body, strlen(body), &a, &e), 0);
    assert_int_equal(a.n_banks, 1);
    assert_int_equal(a.banks[0].present, (1u << 0) | (1u << 10));
    assert_int_equal(a.banks[0].digest[10][31], 1);
    assert_int_equal(a.ima_from, 3);
    assert_int_equal(a.nonce[31], 0x1f);
    attest_request_done(&a);

    const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"nonce\":\"" NONCE "\"}", "ak_name"},
        {"{\"ak_name\":\"00\"}", "ak_name"},
        {"{\"ak_name\":\"" AK "\",\"nonce\":\"AAAA\"}", "nonce"},
        {"{\"ak_name\":\"" AK "\",\"nonce\":\"" NONCE "x\"}", "nonce"},
        {"{\"ak_name\":\"" AK "\",\"nonce\":\"" NONCE "\",\"quote\":7}", "quote"},
        {"{\"ak_name\":\"" AK "\",\"nonce\":\"" NONCE "\",\"quote\":\"AQ\"}", "quote"},
        {"{\"ak_name\":\"" AK "\",\"nonce\":\"" NONCE "\",\"quote\":\"AQID\","
         "\"signature\":\"AQID\",\"pcr_values\":{\"md5\":{}}}",
         "pcr_values"},
        {"{\"ak_name\":\"" AK "\",\"nonce\":\"" NONCE "\",\"quote\":\"AQID\","
         "\"signature\":\"AQID\",\"pcr_values\":{\"sha256\":{\"24\":\"00\"}}}",
         "pcr_values"},
        {"{\"ak_name\":\"" AK "\",\"nonce\":\"" NONCE "\",\"quote\":\"AQID\","
         "\"signature\":\"AQID\",\"pcr_values\":{\"sha256\":{\"01\":\"00\"}}}",
         "pcr_values"},
        {"{\"ak_name\":\"" AK "\",\"nonce\":\"" NONCE "\",\"quote\":\"AQID\","
         "\"signature\":\"AQID\",\"pcr_values\":{\"sha256\":{\"1\":\"00\"}}}",
         "pcr_values"},
        {"{\"ak_name\":\"" AK "\",\"nonce\":\"" NONCE "\",\"quote\":\"AQID\","
         "\"signature\":\"AQID\",\"pcr_values\":{\"sha1\":{\"1\":\""
         "000000000000000000000000000000000000000g\"}}}",
         "pcr_values"},
        {"{\"ak_name\":\"" AK "\",\"unknown\":1}", "unknown"},
        {"{\"ak_name\":\"" AK "\",\"nonce\":\"" NONCE "\",\"quote\":\"AQID\","
         "\"signature\":\"AQID\",\"pcr_values\":{\"sha1\":{\"1\":\""
         "0000000000000000000000000000000000000000\"}},\"ima_from\":-1}",
         "ima_from"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        expect_field(attest(bad[i].body, &a, &e), &e, bad[i].field);
    }
    /* Not an object, not JSON, duplicate keys: 400 without a field. */
    const char *garbage[] = {"[]", "{", "", "{\"ak_name\":\"" AK "\",\"ak_name\":\"" AK "\"}",
                             "\"x\""};
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
        memset(&e, 0, sizeof(e));
        expect_field(attest(garbage[i], &a, &e), &e, "");
    }
}

static void test_enroll(void **state)
{
    struct enroll_request r;
    struct req_error e = {0};
    const char *good = "{\"ek_public\":\"AQID\",\"ak_public\":\"BAUG\","
                       "\"machine_id\":\"0123456789abcdef0123456789abcdef\","
                       "\"hostname\":\"runner-17\"}";
    assert_int_equal(parse_enroll_request(good, strlen(good), &r, &e), 0);
    assert_string_equal(r.hostname, "runner-17");
    assert_null(r.ek_certificate);
    enroll_request_done(&r);

    const char *upper = "{\"ek_public\":\"AQID\",\"ak_public\":\"BAUG\","
                        "\"machine_id\":\"0123456789ABCDEF0123456789abcdef\","
                        "\"hostname\":\"runner-17\"}";
    expect_field(parse_enroll_request(upper, strlen(upper), &r, &e), &e, "machine_id");
    const char *host = "{\"ek_public\":\"AQID\",\"ak_public\":\"BAUG\","
                       "\"machine_id\":\"0123456789abcdef0123456789abcdef\","
                       "\"hostname\":\"a b\"}";
    expect_field(parse_enroll_request(host, strlen(host), &r, &e), &e, "hostname");
    const char *noak = "{\"ek_public\":\"AQID\","
                       "\"machine_id\":\"0123456789abcdef0123456789abcdef\",\"hostname\":\"h\"}";
    expect_field(parse_enroll_request(noak, strlen(noak), &r, &e), &e, "ak_public");
}

static void test_others(void **state)
{
    struct req_error e = {0};
    struct activate_request a = {0};
    const char *s = "{\"secret\":\"AQID\"}";
    assert_int_equal(parse_activate_request(s, strlen(s), &a, &e), 0);
    assert_int_equal(a.secret_len, 3);
    activate_request_done(&a);
    const char *big = "{\"secret\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}";
    expect_field(parse_activate_request(big, strlen(big), &a, &e), &e, "secret");

    struct policy_request p;
    const char *pol = "{\"scope\":\"group\",\"name\":\"rack-1\",\"kind\":\"ima\","
                      "\"policy\":{\"digests\":{}}}";
    assert_int_equal(parse_policy_request(pol, strlen(pol), &p, &e), 0);
    assert_string_equal(p.policy, "{\"digests\":{}}");
    policy_request_done(&p);
    const char *scope = "{\"scope\":\"world\",\"name\":\"x\",\"kind\":\"ima\",\"policy\":{}}";
    expect_field(parse_policy_request(scope, strlen(scope), &p, &e), &e, "scope");

    struct proof_request pr;
    const char *proof =
        "{\"ak_name\":\"" AK "\",\"challenge\":\"" NONCE "\",\"signature\":\"AA==\"}";
    assert_int_equal(parse_proof_request(proof, strlen(proof), &pr, &e), 0);
    proof_request_done(&pr);
}

static void test_b64(void **state)
{
    uint8_t *buf = NULL;
    size_t n;
    assert_int_equal(base64_decode("AQID", 16, &buf, &n), 0);
    assert_int_equal(n, 3);
    free(buf);
    assert_int_equal(base64_decode("AQ==", 16, &buf, &n), 0);
    assert_int_equal(n, 1);
    free(buf);
    assert_int_equal(base64_decode("AQ", 16, &buf, &n), -EINVAL);
    assert_int_equal(base64_decode("AQ=A", 16, &buf, &n), -EINVAL);
    assert_int_equal(base64_decode("A QI", 16, &buf, &n), -EINVAL);
    assert_int_equal(base64_decode("AQIDBA==", 3, &buf, &n), -E2BIG);
    assert_int_equal(base64url_decode("_-8", 3, 16, &buf, &n), 0);
    assert_int_equal(buf[0], 0xff);
    free(buf);
    assert_int_equal(base64url_decode("/+8", 3, 16, &buf, &n), -EINVAL);
    _cleanup_free_ char *s = base64_encode((const uint8_t *)"\x01\x02\x03\x04", 4);
    assert_string_equal(s, "AQIDBA==");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attest),
        cmocka_unit_test(test_enroll),
        cmocka_unit_test(test_others),
        cmocka_unit_test(test_b64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
