/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * IMA runtime policy (JSON, docs/policy.md): allowed digests per path and
 * exclude patterns (POSIX extended regular expressions matched against the
 * whole path). Keylime's runtime-policy format is accepted as is: its
 * "digests" ({path: [hex, ...]}) and "excludes" ([regex, ...]) sections; other
 * Keylime sections are ignored. "violations" (what policy_ima_generate lists)
 * is informational: allowing violations takes "allow_violations": true. Deny by default: a measured path that is not
 * excluded must be listed with the measured digest. An empty policy (no
 * digest and no exclude) is refused at parse time.
 */
#include <stddef.h>
#include <stdint.h>

#include "log/ima.h"
#include "policy/policy-result.h"

struct policy_ima;

int policy_ima_parse(const char *json, size_t len, struct policy_ima **ret, char **ret_error);
void policy_ima_free(struct policy_ima *p);
static inline void policy_ima_freep(struct policy_ima **p)
{
    policy_ima_free(*p);
}

/* The PCR IMA measures into, the one an IMA policy reads. */
#define IMA_POLICY_PCR 10

/* PCRs an IMA policy reads (bit n = PCR n): PCR 10. */
uint32_t policy_ima_pcrs(const struct policy_ima *p);

/*
 * Evaluate entries [first, first + n) of a list (the verified prefix, or only
 * its new part in incremental mode). offset: the index in the boot's whole
 * measurement list of l's entry 0 (0 for a whole list, the entries verified
 * before for a delta). Only the boot's first entry, boot_aggregate, is left
 * to ima_check_boot_aggregate; an entry named boot_aggregate anywhere else
 * is judged like any path. quoted_pcrs: PCRs the quote covers; an entry of
 * another PCR is a violation (its extend is bound by nothing). A violation
 * entry (ToMToU, open writers: its data is not bound by any digest) is itself
 * a violation unless the policy sets "allow_violations": true. Subjects name
 * entries by their index in the boot.
 */
int policy_ima_evaluate(const struct policy_ima *p, const struct ima_list *l, size_t offset,
                        size_t first, size_t n, uint32_t quoted_pcrs, struct policy_result *res);
