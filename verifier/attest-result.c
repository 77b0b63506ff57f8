/* SPDX-License-Identifier: Apache-2.0 */
/* The failures of one attestation, in the order the checks name them. */
#include <stdarg.h>
#include <stdio.h>

#include "attest-result.h"

void attest_fail(struct attest_result *res, const char *check, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Counted before the JSON detail: a failure whose detail cannot be
     * allocated still fails the attestation (the verdict reads n_failed). */
    res->n_failed++;
    if (json_array_append_new(res->failed,
                              json_pack("{s:s, s:s}", "check", check, "message", msg)) < 0)
        res->detail_lost = true;
}

void attest_skip(struct attest_result *res, const char *check)
{
    if (json_array_append_new(res->skipped, json_string(check)) < 0)
        res->detail_lost = true;
}
