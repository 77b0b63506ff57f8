/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of lib/common/base64.c: strict decoding around OpenSSL's EVP_DecodeBlock. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/base64.h"
#include "common/cleanup.h"

static void test_roundtrip(void **state)
{
    uint8_t data[300];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 31 + 7);
    for (size_t n = 0; n <= sizeof(data); n++) {
        _cleanup_free_ char *s = base64_encode(data, n);
        assert_non_null(s);
        assert_int_equal(strlen(s), 4 * ((n + 2) / 3));
        _cleanup_free_ uint8_t *back = NULL;
        size_t len;
        assert_int_equal(base64_decode(s, SIZE_MAX, &back, &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(back, data, n);
    }
}

static void test_known_vectors(void **state)
{
    /* RFC 4648 §10 */
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    static const char *const url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        _cleanup_free_ char *s = base64_encode((const uint8_t *)plain[i], strlen(plain[i]));
        assert_string_equal(s, enc[i]);
        _cleanup_free_ uint8_t *b = NULL, *u = NULL;
        size_t len;
        assert_int_equal(base64_decode(enc[i], SIZE_MAX, &b, &len), 0);
        assert_int_equal(len, strlen(plain[i]));
        assert_memory_equal(b, plain[i], len);
        assert_int_equal(base64url_decode(url[i], strlen(url[i]), SIZE_MAX, &u, &len), 0);
        assert_int_equal(len, strlen(plain[i]));
        assert_memory_equal(u, plain[i], len);
    }
    _cleanup_free_ uint8_t *b = NULL;
    size_t len;
    assert_int_equal(base64url_decode("-_8", 3, SIZE_MAX, &b, &len), 0);
    assert_int_equal(len, 2);
    assert_int_equal(b[0], 0xfb);
    assert_int_equal(b[1], 0xff);
}

static void test_refused(void **state)
{
    static const char *const bad[] = {"Zg=",  "Zg",   "Z===", "Zm9v\n", " Zm9v",    "Zm9v ",
                                      "Zm=v", "Zm9-", "Zm9_", "=Zm9",   "Zm9v====", "Zm\x80v"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t *b = NULL;
        size_t len;
        if (base64_decode(bad[i], SIZE_MAX, &b, &len) != -EINVAL)
            fail_msg("'%s' accepted", bad[i]);
        assert_null(b);
    }
    static const char *const badurl[] = {"Zg==", "Z", "Zm9+", "Zm9/", "Zm 9", "Zm9v=", "a.b"};
    for (size_t i = 0; i < sizeof(badurl) / sizeof(badurl[0]); i++) {
        uint8_t *b = NULL;
        size_t len;
        if (base64url_decode(badurl[i], strlen(badurl[i]), SIZE_MAX, &b, &len) != -EINVAL)
            fail_msg("'%s' accepted as base64url", badurl[i]);
        assert_null(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
