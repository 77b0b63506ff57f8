/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "policy/policy-json.h"

int policy_fail(char **ret_error, const char *fmt, ...)
{
    if (ret_error) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
            *ret_error = NULL;
        va_end(ap);
    }
    return -EINVAL;
}

int policy_json_load(const char *json, size_t len, json_t **ret, char **ret_error)
{
    json_error_t err;
    if (ret_error)
        *ret_error = NULL;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!doc)
        return policy_fail(ret_error, "invalid JSON at line %d: %s", err.line, err.text);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return policy_fail(ret_error, "policy is not a JSON object");
    }
    *ret = doc;
    return 0;
}
