/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "verify/check-result.h"

const char *att_check_status_name(enum att_check_status s)
{
    switch (s) {
    case ATT_CHECK_PASS:
        return "pass";
    case ATT_CHECK_FAIL:
        return "fail";
    case ATT_CHECK_NOT_RUN:
    default:
        return "not-run";
    }
}

static void set(struct att_check *c, const char *name, enum att_check_status status,
                const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static void set(struct att_check *c, const char *name, enum att_check_status status,
                const char *fmt, va_list ap)
{
    c->name = name;
    c->status = status;
    vsnprintf(c->message, sizeof(c->message), fmt, ap);
}

void att_check_pass(struct att_check *c, const char *name)
{
    c->name = name;
    c->status = ATT_CHECK_PASS;
    c->message[0] = 0;
}

void att_check_fail(struct att_check *c, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set(c, name, ATT_CHECK_FAIL, fmt, ap);
    va_end(ap);
}

void att_check_not_run(struct att_check *c, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set(c, name, ATT_CHECK_NOT_RUN, fmt, ap);
    va_end(ap);
}
