/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

/*
 * Prometheus metrics of the verifier: requests by route and status, verdicts
 * by status, check failures by name, request latency histogram. Thread-safe.
 */
struct metrics;

int metrics_new(struct metrics **ret);
void metrics_free(struct metrics *m);

void metrics_request(struct metrics *m, const char *route, unsigned status, double seconds);
void metrics_verdict(struct metrics *m, const char *status);
void metrics_check_failed(struct metrics *m, const char *check);
/* An attestation whose quote the enrolled AK did not make for this exchange. */
void metrics_attempt_refused(struct metrics *m, const char *check);

/* Prometheus text exposition format 0.0.4; caller frees. */
int metrics_render(struct metrics *m, char **ret, size_t *ret_len);
