/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Policy violations: every violation is returned (up to a cap), not only the
 * first, so an operator sees the whole picture in one verdict.
 */
#include <stddef.h>

#define POLICY_MAX_VIOLATIONS 100

/* Every PCR as "quoted": for an offline check with no quote, bounded only by what the log replays.
 */
#define POLICY_ALL_PCRS 0x00FFFFFFu

struct policy_violation {
    char *check;   /* "pcr", "secure_boot", "boot_app", "cmdline", "ima_digest", ... */
    char *subject; /* PCR "sha256:7", a path, an event index, ... */
    char *digest;  /* the offending digest as "alg:hex", or NULL */
    char *reason;  /* human-readable */
    long event;    /* the event log index the violation is about, -1 when none */
};

struct policy_result {
    size_t n;       /* violations stored (<= POLICY_MAX_VIOLATIONS) */
    size_t dropped; /* violations beyond the cap (counted, not stored) */
    size_t checked; /* items evaluated (PCRs, events, entries) */
    struct policy_violation items[POLICY_MAX_VIOLATIONS];
};

/* True when the policy holds: no violation at all. */
static inline int policy_result_ok(const struct policy_result *r)
{
    return r->n == 0 && r->dropped == 0;
}

/* Append one violation (copies the strings; digest may be NULL). -ENOMEM. */
int policy_result_add(struct policy_result *r, const char *check, const char *subject,
                      const char *digest, const char *reason);
/* The same, naming the event (index in the log) the violation is about. */
int policy_result_add_event(struct policy_result *r, long event, const char *check,
                            const char *subject, const char *digest, const char *reason);
/* Frees the strings and zeroes; accepts a zeroed result. */
void policy_result_done(struct policy_result *r);
