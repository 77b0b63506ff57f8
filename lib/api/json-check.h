/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Validation of untrusted JSON request bodies. Every failure fills a
 * json_error_ctx naming the field at fault and a message for the 400 reply.
 * Functions return 0 or -EINVAL (bad field) / -ENOMEM.
 */
struct req_error {
    char field[64];
    char message[192];
};

/* Record the field and message of a refusal; returns -EINVAL. */
int req_fail(struct req_error *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Parse body as one JSON object (duplicate keys refused) whose keys are all in
 * the NULL-terminated list allowed.
 */
int jc_parse_object(const char *body, size_t len, const char *const *allowed, json_t **ret,
                    struct req_error *e);

/* A string field of 1..max_len bytes; *ret points into the JSON object. */
int jc_string(json_t *o, const char *field, bool required, size_t max_len, const char **ret,
              struct req_error *e);

/* A base64 field decoded to 1..max_len bytes (exact_len when nonzero). */
int jc_b64(json_t *o, const char *field, bool required, size_t max_len, size_t exact_len,
           uint8_t **ret_buf, size_t *ret_len, struct req_error *e);

/* An integer field in [min, max]. Absent and not required: *ret untouched. */
int jc_int(json_t *o, const char *field, bool required, int64_t min, int64_t max, int64_t *ret,
           struct req_error *e);

/*
 * A TPM object name as lowercase hex: a 2-byte nameAlg (SHA-1/256/384/512) and
 * a digest of that size. *ret points into the JSON object.
 */
int jc_name(json_t *o, const char *field, const char **ret, struct req_error *e);

/* True when s is lowercase hex of exactly len chars. */
bool is_lower_hex(const char *s, size_t len);
