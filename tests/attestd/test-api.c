/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of attestd/api.c: verifier replies (untrusted) and request bodies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api.h"
#include "common/cleanup.h"
#include "common/pcr-selection.h"

#define NONCE32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

static int parse_nonce(const char *s, struct api_nonce *n)
{
    return api_parse_nonce(s, strlen(s), n);
}

static void test_nonce(void **state)
{
    struct api_nonce n = {0};
    assert_int_equal(parse_nonce("{\"nonce\":\"" NONCE32 "\",\"expires_at\":1764321000,"
                                 "\"pcr_selection\":\"sha256:0,1,2,3,4,5,6,7,8,9,10\","
                                 "\"ima_offset\":431,\"future_field\":true}",
                                 &n),
                     0);
    assert_string_equal(n.nonce_b64, NONCE32);
    for (int i = 0; i < 32; i++)
        assert_int_equal(n.nonce[i], i);
    assert_int_equal(n.expires_at, 1764321000);
    assert_int_equal(n.ima_offset, 431);
    assert_string_equal(n.pcr_selection, "sha256:0,1,2,3,4,5,6,7,8,9,10");
    api_nonce_done(&n);
    api_nonce_done(&n);
    api_nonce_done(NULL);

    static const char *const bad[] = {
        "",
        "[]",
        "{\"nonce\":\"AAEC\",\"expires_at\":1,\"pcr_selection\":\"sha256:0\",\"ima_offset\":0}",
        "{\"nonce\":\"" NONCE32 "\",\"expires_at\":1,\"pcr_selection\":\"sha256:0\","
        "\"ima_offset\":-1}",
        "{\"nonce\":\"" NONCE32 "\",\"expires_at\":1,\"pcr_selection\":\"sha256:99\","
        "\"ima_offset\":0}",
        "{\"nonce\":\"" NONCE32 "\",\"expires_at\":\"1\",\"pcr_selection\":\"sha256:0\","
        "\"ima_offset\":0}",
        "{\"nonce\":\"" NONCE32 "\",\"nonce\":\"" NONCE32
        "\",\"expires_at\":1,\"pcr_selection\":\"sha256:0\",\"ima_offset\":0}",
        "{\"nonce\":\"!!!!\",\"expires_at\":1,\"pcr_selection\":\"sha256:0\",\"ima_offset\":0}",
        "{\"expires_at\":1,\"pcr_selection\":\"sha256:0\",\"ima_offset\":0}",
        "{\"nonce\":\"" NONCE32 "\",\"expires_at\":1,\"pcr_selection\":\"sha256:0\","
        "\"ima_offset\":1.5}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct api_nonce x = {0};
        if (parse_nonce(bad[i], &x) != -EBADMSG)
            fail_msg("accepted: %s", bad[i]);
        assert_null(x.nonce_b64);
    }
}

static void test_enrollment(void **state)
{
    const char *ok = "{\"enrollment_id\":\"a1b2\",\"credential_blob\":\"AAEC\","
                     "\"encrypted_secret\":\"AwQF\",\"expires_at\":5}";
    struct api_enrollment e = {0};
    assert_int_equal(api_parse_enrollment(ok, strlen(ok), &e), 0);
    assert_string_equal(e.enrollment_id, "a1b2");
    assert_int_equal(e.credential_blob_len, 3);
    assert_int_equal(e.encrypted_secret[2], 5);
    api_enrollment_done(&e);

    static const char *const bad[] = {
        /* The id goes into the URL path. */
        "{\"enrollment_id\":\"../admin\",\"credential_blob\":\"AAEC\","
        "\"encrypted_secret\":\"AwQF\",\"expires_at\":5}",
        "{\"enrollment_id\":\"A1B2\",\"credential_blob\":\"AAEC\","
        "\"encrypted_secret\":\"AwQF\",\"expires_at\":5}",
        "{\"enrollment_id\":\"a1b2\",\"credential_blob\":\"\","
        "\"encrypted_secret\":\"AwQF\",\"expires_at\":5}",
        "{\"enrollment_id\":\"a1\\u0000b2\",\"credential_blob\":\"AAEC\","
        "\"encrypted_secret\":\"AwQF\",\"expires_at\":5}",
        "{\"enrollment_id\":\"a1b2\",\"credential_blob\":\"AAEC\",\"expires_at\":5}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct api_enrollment x = {0};
        if (api_parse_enrollment(bad[i], strlen(bad[i]), &x) != -EBADMSG)
            fail_msg("accepted: %s", bad[i]);
    }
}

static void test_activation_and_challenge(void **state)
{
    const char *ok = "{\"status\":\"enrolled\",\"machine_id\":\"m\",\"ak_name\":\"000b00ff\"}";
    struct api_activation a = {0};
    assert_int_equal(api_parse_activation(ok, strlen(ok), &a), 0);
    assert_string_equal(a.status, "enrolled");
    api_activation_done(&a);
    const char *bad = "{\"status\":\"owned\",\"machine_id\":\"m\",\"ak_name\":\"000b00ff\"}";
    assert_int_equal(api_parse_activation(bad, strlen(bad), &a), -EBADMSG);

    const char *ch = "{\"challenge\":\"" NONCE32 "\",\"expires_at\":9}";
    struct api_challenge c = {0};
    assert_int_equal(api_parse_challenge(ch, strlen(ch), &c), 0);
    assert_int_equal(c.challenge[31], 31);
    api_challenge_done(&c);
}

static void test_attestation_reply(void **state)
{
    const char *ok = "{\"status\":\"contraindicated\",\"verdict\":\"a.b.c\","
                     "\"failed_checks\":[{\"check\":\"pcr-digest\",\"message\":\"PCR 10\"},"
                     "{\"check\":\"ima-policy\"}],\"ima_verified\":12}";
    struct api_attestation a = {0};
    assert_int_equal(api_parse_attestation(ok, strlen(ok), &a), 0);
    assert_int_equal(a.n_failed_checks, 2);
    assert_string_equal(a.failed_checks[0].check, "pcr-digest");
    assert_string_equal(a.failed_checks[0].message, "PCR 10");
    assert_null(a.failed_checks[1].message);
    assert_true(a.has_ima_verified);
    assert_int_equal(a.ima_verified, 12);
    api_attestation_done(&a);

    const char *bad = "{\"status\":\"affirming\",\"verdict\":\"a.b.c\",\"failed_checks\":[1]}";
    assert_int_equal(api_parse_attestation(bad, strlen(bad), &a), -EBADMSG);
    const char *bad2 = "{\"status\":\"affirming\"}";
    assert_int_equal(api_parse_attestation(bad2, strlen(bad2), &a), -EBADMSG);
}

static void test_error_reply(void **state)
{
    const char *e1 = "{\"error\":\"nonce already used\",\"field\":\"nonce\"}";
    _cleanup_free_ char *m = api_parse_error(e1, strlen(e1));
    assert_string_equal(m, "nonce already used (field 'nonce')");
    _cleanup_free_ char *m2 = api_parse_error("<html>", 6);
    assert_null(m2);
}

static void test_requests(void **state)
{
    uint8_t ek[] = {1, 2, 3}, ak[] = {4, 5};
    _cleanup_free_ char *e = api_enrollment_request(ek, 3, NULL, 0, ak, 2, "m1", "host");
    json_auto_t *j = json_loads(e, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "ek_public")), "AQID");
    assert_string_equal(json_string_value(json_object_get(j, "ak_public")), "BAU=");
    assert_null(json_object_get(j, "ek_certificate"));
    assert_int_equal(json_object_size(j), 4);

    struct pcr_values v = {0};
    assert_int_equal(pcrsel_parse("sha256:0,10", &v.sel), 0);
    v.count = 2;
    v.digests[0].size = 32;
    v.digests[1].size = 32;
    v.digests[1].buffer[31] = 0xab;
    uint8_t q[] = {0xff, 0x54}, s[] = {0};
    _cleanup_free_ char *a = api_attestation_request("000b", NONCE32, q, 2, s, 1, &v, NULL, 0,
                                                     (const uint8_t *)"", 0, 7);
    json_auto_t *k = json_loads(a, 0, NULL);
    assert_non_null(k);
    json_t *pv = json_object_get(json_object_get(k, "pcr_values"), "sha256");
    assert_int_equal(json_object_size(pv), 2);
    assert_string_equal(json_string_value(json_object_get(pv, "10")),
                        "00000000000000000000000000000000000000000000000000000000000000ab");
    assert_null(json_object_get(k, "event_log"));
    assert_string_equal(json_string_value(json_object_get(k, "ima_log")), "");
    assert_int_equal(json_integer_value(json_object_get(k, "ima_from")), 7);
    assert_string_equal(json_string_value(json_object_get(k, "quote")), "/1Q=");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonce),
        cmocka_unit_test(test_enrollment),
        cmocka_unit_test(test_activation_and_challenge),
        cmocka_unit_test(test_attestation_reply),
        cmocka_unit_test(test_error_reply),
        cmocka_unit_test(test_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
