/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/pcr-selection.h"

static void test_default(void **state)
{
    TPML_PCR_SELECTION sel;
    assert_int_equal(pcrsel_parse(PCRSEL_DEFAULT, &sel), 0);
    assert_int_equal(sel.count, 1);
    assert_int_equal(sel.pcrSelections[0].hash, TPM2_ALG_SHA256);
    assert_int_equal(sel.pcrSelections[0].sizeofSelect, 3);
    assert_int_equal(sel.pcrSelections[0].pcrSelect[0], 0xff);
    assert_int_equal(sel.pcrSelections[0].pcrSelect[1], 0x07);
    assert_int_equal(sel.pcrSelections[0].pcrSelect[2], 0x00);
    assert_int_equal(pcrsel_count(&sel), 11);
    _cleanup_free_ char *s = pcrsel_format(&sel);
    assert_string_equal(s, "sha256:0,1,2,3,4,5,6,7,8,9,10");
}

static void test_two_banks_roundtrip(void **state)
{
    TPML_PCR_SELECTION a, b;
    assert_int_equal(pcrsel_parse("sha1:0,7+sha256:0-3,23", &a), 0);
    assert_int_equal(a.count, 2);
    _cleanup_free_ char *s = pcrsel_format(&a);
    assert_string_equal(s, "sha1:0,7+sha256:0,1,2,3,23");
    assert_int_equal(pcrsel_parse(s, &b), 0);
    assert_true(pcrsel_equal(&a, &b));
}

static void test_equal_is_exact(void **state)
{
    TPML_PCR_SELECTION a, b;
    assert_int_equal(pcrsel_parse("sha256:0-10", &a), 0);
    assert_int_equal(pcrsel_parse("sha256:0-9", &b), 0);
    assert_false(pcrsel_equal(&a, &b));
    assert_int_equal(pcrsel_parse("sha1:0-10", &b), 0);
    assert_false(pcrsel_equal(&a, &b));
    assert_int_equal(pcrsel_parse("sha256:0-10+sha1:0", &b), 0);
    assert_false(pcrsel_equal(&a, &b));
    /* Same bits with a longer select field are the same selection. */
    b = a;
    b.pcrSelections[0].sizeofSelect = 4;
    b.pcrSelections[0].pcrSelect[3] = 0;
    assert_true(pcrsel_equal(&a, &b));
    b.pcrSelections[0].pcrSelect[3] = 1;
    assert_false(pcrsel_equal(&a, &b));
}

static void test_rejects(void **state)
{
    static const char *bad[] = {
        "",
        "sha256",
        "sha256:",
        "sha256:24",
        "sha256:1-",
        "sha256:5-2",
        "sha256:a",
        "md5:0",
        "sha256:0,,1",
        "sha256:0+",
        "sha256:0+sha256:1",
        ":0",
        "sha256:0 ",
        "sha256:-1",
        "sha256:99999999999999999999",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        TPML_PCR_SELECTION sel;
        assert_int_equal(pcrsel_parse(bad[i], &sel), -EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_two_banks_roundtrip),
        cmocka_unit_test(test_equal_is_exact),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
