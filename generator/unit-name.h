/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * systemd unit names, checked the way systemd's unit_name_is_valid() does for
 * plain names, instances and templates: "prefix[@[instance]].type", at most 255
 * characters, characters from [A-Za-z0-9:_.\-] (plus '@' in the instance), a
 * known unit type suffix.
 */
bool unit_name_is_valid(const char *name);

/*
 * Turn one token of a gate list into a unit name: a token without any '.' is
 * the systemctl shorthand for NAME.service (only when allow_shorthand). The
 * result is malloc'ed. Returns -EINVAL when the token is no valid unit name,
 * -ENOMEM on allocation failure.
 */
int unit_name_from_token(const char *token, size_t len, bool allow_shorthand, char **ret);
