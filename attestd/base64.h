/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Base64 on top of OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock, with the care
 * they need: EVP_DecodeBlock skips surrounding whitespace and counts padding
 * as zero bytes, so input is checked strictly here first and the padding
 * subtracted.
 */

/* Standard base64 with padding (RFC 4648 §4); NULL on allocation failure. */
char *b64_encode(const uint8_t *buf, size_t len);

/* Strict standard base64 with padding. -EINVAL on anything else. */
int b64_decode(const char *s, uint8_t **ret_buf, size_t *ret_len);

/* base64url without padding (RFC 7515 §2, JWS segments). -EINVAL on anything else. */
int b64url_decode(const char *s, size_t slen, uint8_t **ret_buf, size_t *ret_len);
