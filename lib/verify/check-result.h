/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * One named check and its outcome, shared by every verification in lib/verify/
 * (quote checks, AK checks, EK certificate checks). The name is a stable
 * machine-readable token ("signature", "magic", ...) that verdicts and logs carry;
 * the message is for humans and says what was expected and what was found.
 */
enum att_check_status {
    ATT_CHECK_NOT_RUN = 0, /* not evaluated: an earlier check it depends on failed */
    ATT_CHECK_PASS,
    ATT_CHECK_FAIL,
};

#define ATT_CHECK_MESSAGE_MAX 256

struct att_check {
    const char *name; /* static string, never NULL once the check is named */
    enum att_check_status status;
    char message[ATT_CHECK_MESSAGE_MAX];
};

/* Textual status: "pass", "fail", "not-run". */
const char *att_check_status_name(enum att_check_status s);

/* Record a pass / a failure with a printf-style message. */
void att_check_pass(struct att_check *c, const char *name);
void att_check_fail(struct att_check *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void att_check_not_run(struct att_check *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
