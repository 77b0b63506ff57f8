/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/*
 * The verifier's structured log: one line per decision, with fields (machine
 * id, AK name, checks, verdict). Sent to the journal with the fields as
 * ATTEST_* journal fields when stderr is connected to it (JOURNAL_STREAM),
 * else written to stderr as "message key=value ...".
 */
struct log_field {
    const char *key; /* upper case journal field suffix: MACHINE_ID -> ATTEST_MACHINE_ID */
    const char *value;
};

struct vlog {
    bool journal;
    int max_priority;
};

void vlog_init(struct vlog *l, int max_priority);

void vlog_fields(const struct vlog *l, int priority, const struct log_field *fields,
                 size_t n_fields, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define vlog_msg(l, prio, ...) vlog_fields(l, prio, NULL, 0, __VA_ARGS__)
