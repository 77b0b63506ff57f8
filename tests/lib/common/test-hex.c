/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/hex.h"

static void test_roundtrip(void **state)
{
    const uint8_t in[] = {0x00, 0x01, 0xab, 0xff};
    _cleanup_free_ char *s = hex_encode(in, sizeof(in));
    assert_string_equal(s, "0001abff");
    _cleanup_free_ uint8_t *out = NULL;
    size_t n;
    assert_int_equal(hex_decode("0x0001ABff", &out, &n), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(out, in, 4);
}

static void test_rejects(void **state)
{
    uint8_t *out = NULL;
    size_t n;
    assert_int_equal(hex_decode("abc", &out, &n), -EINVAL);
    assert_int_equal(hex_decode("zz", &out, &n), -EINVAL);
    assert_int_equal(hex_decode("00 11", &out, &n), -EINVAL);
    assert_null(out);
}

/* Fixed-size decoding reads exactly 2 * len characters and rejects a non-hex one. */
static void test_into(void **state)
{
    uint8_t out[3] = {0};
    assert_int_equal(hex_decode_into("0aFF10trailing", out, 3), 0);
    assert_memory_equal(out, "\x0a\xff\x10", 3);
    assert_int_equal(hex_decode_into("0a0g", out, 2), -EINVAL);
    assert_int_equal(hex_decode_into("0x01", out, 2), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_into),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
