/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of attestd/http-retry.c without a server: a closed loopback port
 * (connection refused, mapped and retried within the bounded total time),
 * what is retryable, backoff growth, cap and jitter. The behaviour against a
 * real verifier (503 retries, verifier down and back) is in suite e2e.
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

#include "http-retry.h"
#include "http-fixture.h"

static const struct http_retry retry = {.initial_ms = 100, .max_ms = 200, .total_ms = 700};

static void test_connection_refused_bounded(void **state)
{
    struct http_client *c = http_fixture_refusing_client();
    struct http_response resp = {0};
    assert_int_equal(http_request(c, "/v1/nonces", "{}", &resp), -ECONNREFUSED);
    assert_true(http_retryable(-ECONNREFUSED, 0));
    assert_true(strlen(http_client_last_error(c)) > 0);

    uint64_t t0 = now_monotonic_ms();
    assert_int_equal(http_call(c, &retry, "/v1/nonces", "{}", &resp), -ECONNREFUSED);
    uint64_t took = now_monotonic_ms() - t0;
    /* Retried until retry_total (700 ms), not much beyond. */
    assert_true(took >= 650);
    assert_true(took < 2500);
    assert_null(resp.body);
    http_client_free(c);
}

static void test_retryable(void **state)
{
    assert_true(http_retryable(0, 503));
    assert_true(http_retryable(0, 429));
    assert_true(http_retryable(0, 502));
    assert_false(http_retryable(0, 200));
    assert_false(http_retryable(0, 403));
    assert_false(http_retryable(0, 409));
    assert_false(http_retryable(-EKEYREJECTED, 0)); /* TLS verification failed */
    assert_true(http_retryable(-ETIMEDOUT, 0));
}

static void test_backoff(void **state)
{
    struct backoff b;
    backoff_init(&b, 40, 120, 600);
    uint64_t t0 = now_monotonic_ms(), prev = t0;
    unsigned waits = 0;
    uint64_t longest = 0;
    while (backoff_wait(&b)) {
        uint64_t now = now_monotonic_ms();
        if (now - prev > longest)
            longest = now - prev;
        prev = now;
        waits++;
        assert_true(waits < 100);
    }
    uint64_t total = now_monotonic_ms() - t0;
    assert_true(total >= 590 && total < 800); /* bounded by the budget */
    /* Capped at retry_max (also delay_ms below); 80 ms of slack for a loaded machine
     * (2 shared cores, ASan): 10 ms failed one run in six there. */
    assert_true(longest <= 200);
    assert_true(waits >= 5); /* [20..40], [40..80], then [60..120] each */
    assert_int_equal(b.delay_ms, 120);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connection_refused_bounded),
        cmocka_unit_test(test_retryable),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
