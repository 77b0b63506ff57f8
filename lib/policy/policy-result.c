/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy-result.h"

int policy_result_add(struct policy_result *r, const char *check, const char *subject,
                      const char *digest, const char *reason)
{
    return policy_result_add_event(r, -1, check, subject, digest, reason);
}

int policy_result_add_event(struct policy_result *r, long event, const char *check,
                            const char *subject, const char *digest, const char *reason)
{
    if (r->n == POLICY_MAX_VIOLATIONS) {
        r->dropped++;
        return 0;
    }
    struct policy_violation *v = &r->items[r->n];
    v->check = strdup(check);
    v->subject = strdup(subject ? subject : "");
    v->digest = digest ? strdup(digest) : NULL;
    v->reason = strdup(reason);
    if (!v->check || !v->subject || (digest && !v->digest) || !v->reason) {
        free(v->check);
        free(v->subject);
        free(v->digest);
        free(v->reason);
        memset(v, 0, sizeof(*v));
        return -ENOMEM;
    }
    v->event = event;
    r->n++;
    return 0;
}

void policy_result_done(struct policy_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].check);
        free(r->items[i].subject);
        free(r->items[i].digest);
        free(r->items[i].reason);
    }
    memset(r, 0, sizeof(*r));
}
