/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "http-retry.h"

uint64_t now_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool http_retryable(int r, long status)
{
    if (r < 0)
        return r == -ECONNREFUSED || r == -ETIMEDOUT || r == -EHOSTUNREACH || r == -EPROTO;
    return status == 429 || status == 502 || status == 503 || status == 504;
}

void backoff_init(struct backoff *b, uint64_t initial_ms, uint64_t max_ms, uint64_t total_ms)
{
    *b = (struct backoff){
        .deadline_ms = now_monotonic_ms() + total_ms,
        .delay_ms = initial_ms ? initial_ms : 1,
        .max_ms = max_ms,
    };
}

bool backoff_wait(struct backoff *b)
{
    uint64_t now = now_monotonic_ms();
    if (now >= b->deadline_ms)
        return false;
    /* Jitter: a uniform delay in [delay/2, delay], so that a fleet that lost the verifier
     * at the same moment does not come back in lockstep. */
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        rnd = (uint32_t)now;
    uint64_t half = b->delay_ms / 2;
    uint64_t wait = half + (half ? rnd % (half + 1) : 0);
    if (now + wait > b->deadline_ms)
        wait = b->deadline_ms - now;
    struct timespec ts = {.tv_sec = (time_t)(wait / 1000),
                          .tv_nsec = (long)(wait % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    b->delay_ms = b->delay_ms * 2 > b->max_ms ? b->max_ms : b->delay_ms * 2;
    return true;
}

int http_call(struct http_client *c, const struct http_retry *retry, const char *path,
              const char *body, struct http_response *ret)
{
    struct backoff b;
    backoff_init(&b, retry->initial_ms, retry->max_ms, retry->total_ms);
    for (;;) {
        struct http_response resp = {0};
        int r = http_request(c, path, body, &resp);
        if (!http_retryable(r, resp.status)) {
            if (r == 0)
                *ret = resp;
            return r;
        }
        long status = resp.status;
        http_response_done(&resp);
        if (!backoff_wait(&b))
            return r < 0 ? r : (status == 429 || status == 503 ? -EAGAIN : -EHOSTUNREACH);
    }
}
