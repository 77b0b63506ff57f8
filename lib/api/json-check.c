/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/json-check.h"
#include "common/base64.h"

int req_fail(struct req_error *e, const char *field, const char *fmt, ...)
{
    snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return -EINVAL;
}

int jc_parse_object(const char *body, size_t len, const char *const *allowed, json_t **ret,
                    struct req_error *e)
{
    json_error_t jerr;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o)
        return req_fail(e, NULL, "malformed JSON at byte %d: %s", jerr.position, jerr.text);
    if (!json_is_object(o)) {
        json_decref(o);
        return req_fail(e, NULL, "the body must be a JSON object");
    }
    const char *key;
    json_t *value;
    json_object_foreach(o, key, value)
    {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, key) == 0;
        if (!known) {
            /* The key may be any bytes: name it only when it is short and printable. */
            bool printable = strlen(key) < 48;
            for (const char *k = key; printable && *k; k++)
                printable = *k > 0x20 && *k < 0x7f;
            req_fail(e, printable ? key : "?", "unknown field");
            json_decref(o);
            return -EINVAL;
        }
    }
    *ret = o;
    return 0;
}

static int get_field(json_t *o, const char *field, bool required, json_t **ret, struct req_error *e)
{
    json_t *v = json_object_get(o, field);
    if (!v || json_is_null(v)) {
        if (required)
            return req_fail(e, field, "missing");
        *ret = NULL;
        return 0;
    }
    *ret = v;
    return 0;
}

int jc_string(json_t *o, const char *field, bool required, size_t max_len, const char **ret,
              struct req_error *e)
{
    json_t *v = NULL;
    int r = get_field(o, field, required, &v, e);
    if (r < 0 || !v) {
        if (!v && r == 0)
            *ret = NULL;
        return r;
    }
    if (!json_is_string(v))
        return req_fail(e, field, "must be a string");
    size_t n = json_string_length(v);
    if (n == 0 || n > max_len)
        return req_fail(e, field, "length must be 1..%zu", max_len);
    *ret = json_string_value(v);
    return 0;
}

int jc_b64(json_t *o, const char *field, bool required, size_t max_len, size_t exact_len,
           uint8_t **ret_buf, size_t *ret_len, struct req_error *e)
{
    const char *s;
    /* 4 chars per 3 bytes, plus padding. */
    int r = jc_string(o, field, required, (max_len + 2) / 3 * 4, &s, e);
    if (r < 0)
        return r;
    if (!s) {
        *ret_buf = NULL;
        *ret_len = 0;
        return 0;
    }
    r = base64_decode(s, max_len, ret_buf, ret_len);
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        return req_fail(e, field, "not valid base64 (RFC 4648, padded)");
    if ((exact_len && *ret_len != exact_len) || *ret_len == 0) {
        free(*ret_buf);
        *ret_buf = NULL;
        return exact_len ? req_fail(e, field, "must decode to %zu bytes", exact_len)
                         : req_fail(e, field, "must not be empty");
    }
    return 0;
}

int jc_int(json_t *o, const char *field, bool required, int64_t min, int64_t max, int64_t *ret,
           struct req_error *e)
{
    json_t *v = NULL;
    int r = get_field(o, field, required, &v, e);
    if (r < 0 || !v)
        return r;
    if (!json_is_integer(v))
        return req_fail(e, field, "must be an integer");
    json_int_t i = json_integer_value(v);
    if (i < min || i > max)
        return req_fail(e, field, "must be in %lld..%lld", (long long)min, (long long)max);
    *ret = i;
    return 0;
}

bool is_lower_hex(const char *s, size_t len)
{
    if (strlen(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int jc_name(json_t *o, const char *field, const char **ret, struct req_error *e)
{
    const char *s;
    int r = jc_string(o, field, true, 4 + 128, &s, e);
    if (r < 0)
        return r;
    size_t digest;
    if (strncmp(s, "0004", 4) == 0)
        digest = 20;
    else if (strncmp(s, "000b", 4) == 0)
        digest = 32;
    else if (strncmp(s, "000c", 4) == 0)
        digest = 48;
    else if (strncmp(s, "000d", 4) == 0)
        digest = 64;
    else
        return req_fail(e, field, "must start with a nameAlg (000b sha256, 000c sha384, ...)");
    if (!is_lower_hex(s, 4 + 2 * digest))
        return req_fail(e, field, "must be lowercase hex of nameAlg and a %zu-byte digest", digest);
    *ret = s;
    return 0;
}
