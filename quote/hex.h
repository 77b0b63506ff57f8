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
