/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/base64.h"
#include "common/cleanup.h"

static bool is_b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* s has n chars, all checked by the caller to be in the standard alphabet or '='. */
static int decode_checked(const char *s, size_t n, size_t max_len, uint8_t **ret_buf,
                          size_t *ret_len)
{
    if (n % 4 != 0)
        return -EINVAL;
    size_t pad = 0;
    if (n > 0 && s[n - 1] == '=')
        pad++;
    if (n > 1 && s[n - 2] == '=')
        pad++;
    for (size_t i = 0; i < n - pad; i++)
        if (!is_b64_char(s[i]))
            return -EINVAL;
    size_t out_len = n / 4 * 3 - pad;
    if (out_len > max_len)
        return -E2BIG;
    if (n > INT32_MAX)
        return -E2BIG;
    _cleanup_free_ uint8_t *buf = malloc(n / 4 * 3 + 1);
    if (!buf)
        return -ENOMEM;
    int r = n ? EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n) : 0;
    if (r < 0 || (size_t)r != n / 4 * 3)
        return -EINVAL;
    buf[out_len] = 0;
    *ret_len = out_len;
    *ret_buf = TAKE_PTR(buf);
    return 0;
}

int base64_decode(const char *s, size_t max_len, uint8_t **ret_buf, size_t *ret_len)
{
    return decode_checked(s, strlen(s), max_len, ret_buf, ret_len);
}

char *base64_encode(const uint8_t *buf, size_t len)
{
    if (len > (size_t)INT32_MAX / 4 * 3 - 3)
        return NULL;
    char *s = malloc((len + 2) / 3 * 4 + 1);
    if (!s)
        return NULL;
    EVP_EncodeBlock((unsigned char *)s, buf, (int)len);
    return s;
}

int base64url_decode(const char *s, size_t n, size_t max_len, uint8_t **ret_buf, size_t *ret_len)
{
    if (n % 4 == 1 || n > SIZE_MAX - 4)
        return -EINVAL;
    _cleanup_free_ char *t = malloc(n + 4);
    if (!t)
        return -ENOMEM;
    size_t i;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (c == '+' || c == '/' || !is_b64_char(c))
            return -EINVAL;
        t[i] = c;
    }
    while (i % 4)
        t[i++] = '=';
    t[i] = 0;
    return decode_checked(t, i, max_len, ret_buf, ret_len);
}
