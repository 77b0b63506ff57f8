/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/http/http-client.c without a server: URL policy (https
 * only unless allow_http), a closed loopback port (connection refused, mapped
 * to -ECONNREFUSED with curl's message). The agent's retries over it are in
 * tests/attestd/test-http-retry.c; the behaviour against a real verifier
 * (TLS with a CA file) is in suites e2e (attestd) and http (attestctl).
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/http-client.h"

static struct http_client_opts opts(const char *url, bool allow_http)
{
    return (struct http_client_opts){
        .base_url = url,
        .allow_http = allow_http,
        .connect_timeout_ms = 1000,
        .request_timeout_ms = 2000,
    };
}

static void test_url_policy(void **state)
{
    struct http_client *c = NULL;
    char err[256];
    struct http_client_opts o = opts("http://127.0.0.1:1", false);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "allow_http"));
    assert_null(c);
    o = opts("ftp://127.0.0.1/", true);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), -EINVAL);
    o = opts("", true);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), -EINVAL);
    o = opts(NULL, true);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), -EINVAL);
    o = opts("https://verifier.example/", false);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), 0);
    http_client_free(c);
    o = opts("HTTP://127.0.0.1:1", true);
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), 0);
    http_client_free(c);
    http_client_free(NULL);
}

/* A loopback port nobody listens on (bound, never listening, then closed). */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_connection_refused(void **state)
{
    char url[64], err[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
    struct http_client_opts o = opts(url, true);
    struct http_client *c = NULL;
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), 0);
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
