/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The agent's HTTP client (libcurl). Every request has a connect and a total
 * timeout; http_call() retries what may succeed later (no connection,
 * timeout, 429/502/503/504) with exponential backoff and jitter, within a
 * bounded total time. TLS is always verified (against ca_file when given);
 * http:// URLs are refused unless allow_http. Proxies come from the
 * environment (libcurl reads http_proxy/https_proxy/no_proxy).
 */

#define HTTP_MAX_REPLY (4 * 1024 * 1024)

struct http_client_opts {
    const char *base_url; /* scheme://host[:port][/prefix], no trailing slash needed */
    const char *ca_file;  /* NULL: the system trust store */
    bool allow_http;
    uint64_t connect_timeout_ms;
    uint64_t request_timeout_ms;
    uint64_t retry_initial_ms;
    uint64_t retry_max_ms;
    uint64_t retry_total_ms;
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
 * One attempt. body NULL: GET, else POST application/json. Returns 0 when an
 * HTTP reply arrived (whatever its status), else a negative errno:
 * -ECONNREFUSED, -ETIMEDOUT, -EHOSTUNREACH (no connection), -EPROTO (broken
 * reply), -EKEYREJECTED (TLS verification failed), -EFBIG (reply too big).
 */
int http_request(struct http_client *c, const char *path, const char *body,
                 struct http_response *ret);

/* True when a failed attempt (r, status) is worth retrying. */
bool http_retryable(int r, long status);

/* Exponential backoff with jitter inside a total time budget. */
struct backoff {
    uint64_t deadline_ms; /* monotonic */
    uint64_t delay_ms;
    uint64_t max_ms;
};
void backoff_init(struct backoff *b, uint64_t initial_ms, uint64_t max_ms, uint64_t total_ms);
/* Sleeps before the next attempt; false (no sleep) when the budget is spent. */
bool backoff_wait(struct backoff *b);
uint64_t now_monotonic_ms(void);

/* http_request() retried per http_retryable() within the client's budget. */
int http_call(struct http_client *c, const char *path, const char *body, struct http_response *ret);

/* Human text for the last transport error of c (curl's message). */
const char *http_client_last_error(const struct http_client *c);
