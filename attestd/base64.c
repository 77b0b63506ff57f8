/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"
#include "cleanup.h"

#define B64_MAX_INPUT (64u * 1024 * 1024)

char *b64_encode(const uint8_t *buf, size_t len)
{
    if (len > B64_MAX_INPUT)
        return NULL;
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    /* EVP_EncodeBlock takes an int length: feed it in whole 3-byte groups. */
    size_t in = 0, o = 0;
    while (in < len) {
        size_t n = len - in > 3 * 1024 * 1024 ? 3 * 1024 * 1024 : len - in;
        o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, buf + in, (int)n);
        in += n;
    }
    out[o] = 0;
    return out;
}

static bool is_b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* s: standard alphabet, length a multiple of 4, padding already validated. */
static int decode_checked(const char *s, size_t slen, size_t pad, uint8_t **ret_buf,
                          size_t *ret_len)
{
    if (slen > B64_MAX_INPUT)
        return -E2BIG;
    _cleanup_free_ uint8_t *out = malloc(slen / 4 * 3 + 1);
    if (!out)
        return -ENOMEM;
    size_t o = 0;
    /* In chunks of whole quanta: EVP_DecodeBlock takes an int. */
    for (size_t i = 0; i < slen;) {
        size_t n = slen - i > 4 * 1024 * 1024 ? 4 * 1024 * 1024 : slen - i;
        int k = EVP_DecodeBlock(out + o, (const unsigned char *)s + i, (int)n);
        if (k < 0)
            return -EINVAL;
        o += (size_t)k;
        i += n;
    }
    *ret_len = o - pad;
    *ret_buf = TAKE_PTR(out);
    return 0;
}

int b64_decode(const char *s, uint8_t **ret_buf, size_t *ret_len)
{
    size_t slen = strlen(s);
    if (slen % 4 != 0)
        return -EINVAL;
    size_t pad = 0;
    if (slen >= 1 && s[slen - 1] == '=')
        pad++;
    if (slen >= 2 && s[slen - 2] == '=')
        pad++;
    for (size_t i = 0; i < slen - pad; i++)
        if (!is_b64_char(s[i]))
            return -EINVAL;
    return decode_checked(s, slen, pad, ret_buf, ret_len);
}

int b64url_decode(const char *s, size_t slen, uint8_t **ret_buf, size_t *ret_len)
{
    if (slen % 4 == 1 || slen > B64_MAX_INPUT)
        return -EINVAL;
    size_t pad = (4 - slen % 4) % 4;
    _cleanup_free_ char *std = malloc(slen + pad + 1);
    if (!std)
        return -ENOMEM;
    for (size_t i = 0; i < slen; i++) {
        char c = s[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (c == '+' || c == '/' || !is_b64_char(c))
            return -EINVAL;
        std[i] = c;
    }
    memset(std + slen, '=', pad);
    std[slen + pad] = 0;
    return decode_checked(std, slen + pad, pad, ret_buf, ret_len);
}
