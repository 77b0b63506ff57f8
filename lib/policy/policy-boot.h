/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Measured-boot policy (JSON, docs/policy.md): reference values per PCR
 * and/or required boot facts. Deny by default: every rule present must hold,
 * and a policy with no rule at all is refused at parse time (-EINVAL), never
 * treated as "accept all".
 */
#include <stddef.h>
#include <stdint.h>

#include "log/eventlog.h"
#include "policy/policy-result.h"

struct policy_boot;

/*
 * Parse a policy document. On error returns -EINVAL (-ENOMEM) and, when
 * ret_error is non-NULL, a malloc'ed message naming the bad member.
 */
int policy_boot_parse(const char *json, size_t len, struct policy_boot **ret, char **ret_error);
void policy_boot_free(struct policy_boot *p);
static inline void policy_boot_freep(struct policy_boot **p)
{
    policy_boot_free(*p);
}

/* PCRs the policy treats as firmware-owned (bit n = PCR n): 0-7 plus its "firmware_pcrs". */
uint32_t policy_boot_firmware_pcrs(const struct policy_boot *p);

/*
 * Evaluate against a parsed log, its replay (already compared with the quote
 * by the caller) and the facts. Appends every violation to *res (capped).
 * Returns 0 when evaluated (the verdict is policy_result_ok(res)), negative
 * errno when evaluation itself failed.
 */
int policy_boot_evaluate(const struct policy_boot *p, const struct eventlog *log,
                         const struct eventlog_replay *replay, const struct eventlog_facts *facts,
                         struct policy_result *res);
