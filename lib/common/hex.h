/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Lowercase hex of len bytes into a new string; NULL on allocation failure. */
char *hex_encode(const uint8_t *buf, size_t len);

/*
 * Decode a hex string (upper or lower case, even length, no separators, an
 * optional leading "0x") into a new buffer. -EINVAL on anything else.
 */
int hex_decode(const char *s, uint8_t **ret_buf, size_t *ret_len);

/*
 * Decode exactly 2 * len hex characters of s (upper or lower case, no prefix)
 * into out, without allocating; the caller has checked the length. -EINVAL on
 * a non-hex character.
 */
int hex_decode_into(const char *s, uint8_t *out, size_t len);
