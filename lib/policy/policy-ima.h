/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * IMA runtime policy (JSON, docs/policy.md): allowed digests per path and
 * exclude patterns (POSIX extended regular expressions matched against the
 * whole path). Keylime's runtime-policy format is accepted as is: its
 * "digests" ({path: [hex, ...]}) and "excludes" ([regex, ...]) sections; other
 * Keylime sections are ignored. Deny by default: a measured path that is not
 * excluded must be listed with the measured digest. An empty policy (no
 * digest and no exclude) is refused at parse time.
 */
#include <stddef.h>

#include "log/ima.h"
#include "policy/policy-result.h"

struct policy_ima;

int policy_ima_parse(const char *json, size_t len, struct policy_ima **ret, char **ret_error);
void policy_ima_free(struct policy_ima *p);
static inline void policy_ima_freep(struct policy_ima **p)
{
    policy_ima_free(*p);
}

/*
 * Evaluate entries [first, first + n) of a list (the verified prefix, or only
 * its new part in incremental mode). The boot_aggregate entry is judged by
 * ima_check_boot_aggregate, not here. A violation entry (ToMToU, open
 * writers: its data is not bound by any digest) is itself a violation unless
 * the policy sets "allow_violations": true.
 */
int policy_ima_evaluate(const struct policy_ima *p, const struct ima_list *l, size_t first,
                        size_t n, struct policy_result *res);

/*
 * Generate a policy in our format from a binary or ascii list: every path with
 * the digests seen (boot_aggregate skipped). Returns malloc'ed JSON text.
 */
char *policy_ima_generate_from_list(const struct ima_list *l);
char *policy_ima_generate_from_ascii(const struct ima_ascii_entry *e, size_t n);
