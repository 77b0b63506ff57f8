/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the generator's building blocks: unit names, lists, escaping. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gate-cmdline.h"
#include "gate-config.h"
#include "gate-set.h"
#include "gate-write.h"
#include "unit-name.h"

static void test_unit_names(void **state)
{
    (void)state;
    const char *good[] = {
        "a.service",     "benchmark.service", "x@1.service",   "x@.service", "foo-bar_baz:1.timer",
        "a\\x2db.mount", "-.mount",           "x@a@b.service", "s.socket",   "t.target",
        "p.path",        "d.device",          "s.slice",       "s.scope",    "a.automount",
        "s.swap"};
    const char *bad[] = {"",           ".service",    "a",           "a.",
                         "a.servce",   "@x.service",  "a/b.service", "a b.service",
                         "a%.service", "a\".service", "a,b.service", "a.service.d"};
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        assert_true(unit_name_is_valid(good[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_false(unit_name_is_valid(bad[i]));

    char long_name[300];
    memset(long_name, 'a', sizeof(long_name));
    strcpy(long_name + 255 - 8, ".service"); /* 255 characters: the limit */
    assert_true(unit_name_is_valid(long_name));
    strcpy(long_name + 256 - 8, ".service");
    assert_false(unit_name_is_valid(long_name));
}

static void test_shorthand(void **state)
{
    (void)state;
    char *n = NULL;
    assert_int_equal(unit_name_from_token("bench", 5, true, &n), 0);
    assert_string_equal(n, "bench.service");
    free(n);
    assert_int_equal(unit_name_from_token("bench", 5, false, &n), -EINVAL);
    assert_int_equal(unit_name_from_token("a.b", 3, true, &n), -EINVAL); /* no guessing */
    assert_int_equal(unit_name_from_token("a\0b.service", 11, true, &n), -EINVAL);
}

static void test_list_dedup_and_errors(void **state)
{
    (void)state;
    struct gate_set g = {0};
    const char *v = "b.service a.service,b.service\tbad/x.service c";
    assert_int_equal(gate_set_add_list(&g, "here", v, strlen(v), true), 0);
    gate_set_finish(&g);
    assert_int_equal(g.units.n, 3);
    assert_string_equal(g.units.items[0], "a.service");
    assert_string_equal(g.units.items[1], "b.service");
    assert_string_equal(g.units.items[2], "c.service");
    assert_int_equal(g.errors.n, 2); /* bad/x.service, and the shorthand c */
    assert_non_null(strstr(g.errors.items[0], "here: 'bad/x.service'"));
    gate_set_done(&g);
}

static void test_cmdline_never_removes(void **state)
{
    (void)state;
    struct gate_set g = {0};
    const char *conf = "[gate]\nunits = a.service\n";
    assert_int_equal(gate_config_parse(&g, "c", conf, strlen(conf), false), 0);
    assert_int_equal(gate_cmdline_parse(&g, "attest.gate= attest.gate attest.gate=\"\""), 0);
    gate_set_finish(&g);
    assert_int_equal(g.units.n, 1);
    assert_int_equal(g.errors.n, 0);
    assert_int_equal(g.warnings.n, 3);
    gate_set_done(&g);
}

static void test_escape(void **state)
{
    (void)state;
    char out[64];
    gate_escape_unit_string(out, sizeof(out), "a%b\"c\\d\te");
    assert_string_equal(out, "a%%b\\\"c\\\\d?e");
    gate_escape_unit_string(out, 8, "%%%%%%%%%%");
    assert_true(strlen(out) < 8);
    assert_int_equal(strlen(out) % 2, 0); /* never half an escape */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_names),
        cmocka_unit_test(test_shorthand),
        cmocka_unit_test(test_list_dedup_and_errors),
        cmocka_unit_test(test_cmdline_never_removes),
        cmocka_unit_test(test_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
