/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/*
 * The admin API's bearer token: 64 hex characters (32 random bytes) in a file
 * of mode 0600, generated on first start. A token file readable by group or
 * others is refused (-EPERM), as ssh does with private keys.
 */
#define ADMIN_TOKEN_LEN 64

int admin_token_load_or_create(const char *path, char token[ADMIN_TOKEN_LEN + 1]);

/* Read a token file for a client (attestctl): first line, trimmed. */
int admin_token_read(const char *path, char token[ADMIN_TOKEN_LEN + 1]);

/*
 * Who acts with a token, for the audit log and policy versions: "admin-"
 * and the first 12 hex digits of its SHA-256 (names the token, never
 * reveals it). -EIO when hashing fails.
 */
#define ADMIN_IDENTITY_LEN (6 + 12)
int admin_token_identity(const char *token, char out[ADMIN_IDENTITY_LEN + 1]);

/* Constant-time check of an "Authorization: Bearer TOKEN" header value. */
bool admin_token_check(const char *token, const char *authorization);
