/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "http/http-client.h"

/*
 * The agent's retry policy on top of lib/http: what may succeed later (no
 * connection, timeout, 429/502/503/504) is retried with exponential backoff
 * and jitter, within a bounded total time. It stays in attestd because only
 * the unattended agent waits for a verifier to come back; attestctl is run
 * by an operator and reports the first failure at once.
 */

struct http_retry {
    uint64_t initial_ms;
    uint64_t max_ms;
    uint64_t total_ms; /* bound on all attempts of one call */
};

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

/* http_request() retried per http_retryable() within the budget of retry. */
int http_call(struct http_client *c, const struct http_retry *retry, const char *path,
              const char *body, struct http_response *ret);
