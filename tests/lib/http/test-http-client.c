/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/http/http-client.c without a server: URL policy (https
 * only unless allow_http), a closed loopback port (connection refused, mapped
 * to -ECONNREFUSED with curl's message). The agent's retries over it are in
 * tests/attestd/test-http-retry.c; the behaviour against a real verifier
 * (TLS with a CA file) is in suites e2e (attestd) and http (attestctl).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/http-client.h"
#include "http-fixture.h"

static void test_url_policy(void **state)
{
    struct http_client *c = NULL;
    char err[256];
    struct http_client_opts o = http_fixture_opts("http://127.0.0.1:1", false);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "allow_http"));
    assert_null(c);
    o = http_fixture_opts("ftp://127.0.0.1/", true);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), -EINVAL);
    o = http_fixture_opts("", true);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), -EINVAL);
    o = http_fixture_opts(NULL, true);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), -EINVAL);
    o = http_fixture_opts("https://verifier.example/", false);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), 0);
    http_client_free(c);
    o = http_fixture_opts("HTTP://127.0.0.1:1", true);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), 0);
    http_client_free(c);
    http_client_free(NULL);
}

static void test_connection_refused(void **state)
{
    struct http_client *c = http_fixture_refusing_client();
    struct http_response resp = {0};
    assert_int_equal(http_request(c, "/v1/nonces", "{}", &resp), -ECONNREFUSED);
    assert_true(strlen(http_client_last_error(c)) > 0);
    assert_null(resp.body);
    http_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_policy),
        cmocka_unit_test(test_connection_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
