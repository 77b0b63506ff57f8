/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The one libcurl client setup of the project, shared by attestd (which adds
 * its retry policy, attestd/http-retry.h) and attestctl. Every request has a
 * connect and a total timeout and a bounded reply size; TLS is always
 * verified (against ca_file when given); http:// URLs are refused unless
 * allow_http; redirects are not followed. Proxies come from the environment
 * (libcurl reads http_proxy/https_proxy/no_proxy).
 */

#define HTTP_MAX_REPLY (4 * 1024 * 1024)

struct http_client_opts {
    const char *base_url; /* scheme://host[:port][/prefix], no trailing slash needed */
    const char *ca_file;  /* NULL: the system trust store */
    bool allow_http;
    uint64_t connect_timeout_ms;
    uint64_t request_timeout_ms;
    size_t max_reply;       /* 0: HTTP_MAX_REPLY */
    const char *user_agent; /* NULL: no User-Agent header */
};

struct http_client;

struct http_response {
    long status;
    char *body; /* NUL-terminated */
    size_t len;
};

/* -EINVAL: bad URL, or http:// without allow_http (message in errbuf). */
int http_client_new(const struct http_client_opts *opts, struct http_client **ret, char *errbuf,
                    size_t errlen);
void http_client_free(struct http_client *c);
static inline void http_client_freep(struct http_client **c)
{
    http_client_free(*c);
}
void http_response_done(struct http_response *r);

/*
 * One attempt: method on base_url + path, with body (NULL: none; else sent
 * as application/json) and extra header lines (NULL-terminated list, or
 * NULL; wiped from memory after the request, so they may carry a token).
 * Returns 0 when an HTTP reply arrived (whatever its status), else a negative
 * errno: -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH (no connection), -EPROTO
 * (broken reply), -EKEYREJECTED (TLS verification failed, or the CA file
 * cannot be used), -EFBIG (reply larger than max_reply).
 */
int http_send(struct http_client *c, const char *method, const char *path,
              const char *const *headers, const char *body, struct http_response *ret);

/* http_send() with GET when body is NULL, else POST. */
int http_request(struct http_client *c, const char *path, const char *body,
                 struct http_response *ret);

/* Human text for the last transport error of c (curl's message). */
const char *http_client_last_error(const struct http_client *c);
