/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Base64 on top of OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock, with the care they
 * need: EVP_DecodeBlock skips surrounding whitespace and counts padding as zero
 * bytes, so input is checked strictly here first.
 *
 * Decoding: RFC 4648 §4 alphabet, padding required, no whitespace, at most
 * max_len decoded bytes (-E2BIG), -EINVAL for anything else. The buffer is
 * NUL-terminated one past *ret_len.
 */
int base64_decode(const char *s, size_t max_len, uint8_t **ret_buf, size_t *ret_len);

/* Encode into a new NUL-terminated string; NULL on allocation failure. */
char *base64_encode(const uint8_t *buf, size_t len);

/* base64url without padding (RFC 7515 JWS segments), same strictness. */
int base64url_decode(const char *s, size_t n, size_t max_len, uint8_t **ret_buf, size_t *ret_len);
