/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What the policy parsers (policy-boot.c, policy-ima.c) share: their error
 * text and loading the document.
 */
#include <stddef.h>

#include <jansson.h>

/*
 * Sets *ret_error (when not NULL) to the formatted message, or to NULL when
 * out of memory. Always returns -EINVAL, so parsers can `return policy_fail(...)`.
 */
int policy_fail(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Load a policy document: JSON without duplicate keys, a top-level object.
 * Clears *ret_error first. -EINVAL with the reason in *ret_error otherwise.
 */
int policy_json_load(const char *json, size_t len, json_t **ret, char **ret_error);
