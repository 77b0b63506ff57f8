/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What the C tests of the HTTP client (tests/lib/http) and of the agent's
 * retries over it (tests/attestd) share without a server: client options
 * with short timeouts, and a loopback port that refuses connections.
 * Header-only (cmocka asserts); a test adds tests/harness to its include path.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/http-client.h"

/* Client options for url: 1 s to connect, 2 s a request, so a test stays short. */
static inline struct http_client_opts http_fixture_opts(const char *url, bool allow_http)
{
    return (struct http_client_opts){
        .base_url = url,
        .allow_http = allow_http,
        .connect_timeout_ms = 1000,
        .request_timeout_ms = 2000,
    };
}

/* A loopback port nobody listens on (bound, never listening, then closed). */
static inline int http_fixture_closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    assert_int_equal(close(fd), 0);
    return ntohs(a.sin_port);
}

/* A plain-HTTP client of a loopback URL whose port refuses connections. */
static inline struct http_client *http_fixture_refusing_client(void)
{
    char url[64], err[256];
    int n = snprintf(url, sizeof(url), "http://127.0.0.1:%d", http_fixture_closed_port());
    assert_true(n > 0 && (size_t)n < sizeof(url));
    struct http_client_opts o = http_fixture_opts(url, true);
    struct http_client *c = NULL;
    assert_int_equal(http_client_new(&o, &c, err, sizeof(err)), 0);
    return c;
}
