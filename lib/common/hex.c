/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/hex.h"

char *hex_encode(const uint8_t *buf, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(len * 2 + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        s[2 * i] = digits[buf[i] >> 4];
        s[2 * i + 1] = digits[buf[i] & 0xf];
    }
    s[len * 2] = 0;
    return s;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int hex_decode_into(const char *s, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int hex_decode(const char *s, uint8_t **ret_buf, size_t *ret_len)
{
    if (strncmp(s, "0x", 2) == 0 || strncmp(s, "0X", 2) == 0)
        s += 2;
    size_t n = strlen(s);
    if (n % 2 != 0)
        return -EINVAL;

    _cleanup_free_ uint8_t *buf = malloc(n / 2 + 1);
    if (!buf)
        return -ENOMEM;
    int r = hex_decode_into(s, buf, n / 2);
    if (r < 0)
        return r;
    *ret_buf = TAKE_PTR(buf);
    *ret_len = n / 2;
    return 0;
}
