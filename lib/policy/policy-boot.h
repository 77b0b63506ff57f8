/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Measured-boot policy (JSON, docs/policy.md): reference values per PCR
 * and/or required boot facts. Deny by default: every rule present must hold,
 * and a policy with no rule at all is refused at parse time (-EINVAL), never
 * treated as "accept all".
 */
#include <stdbool.h>
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
 * PCRs the policy's rules read (bit n = PCR n), all in policy_boot_bank: the
 * keys of "pcrs" and "event_digests", the PCRs "firmware_pcrs" names, and
 * those a rule implies: secure_boot, pk, kek, db, dbx 7; boot_apps 4;
 * cmdlines 8; separators 0-7. A verifier whose quote selection lacks one of
 * them cannot judge the policy (policy_boot_evaluate fails that rule).
 */
uint32_t policy_boot_pcrs(const struct policy_boot *p);
TPM2_ALG_ID policy_boot_bank(const struct policy_boot *p);

/*
 * Whether the "boot_apps" rule judges this event by its digest: every event
 * of PCR 4 except a bound separator or action text, and every
 * EV_EFI_BOOT_SERVICES_APPLICATION wherever measured. Capture lists exactly
 * these digests.
 */
bool policy_boot_app_event(const struct eventlog_event *ev);

/*
 * Evaluate against a parsed log, its replay (already compared with the quote
 * by the caller) and the facts. quoted_pcrs: the PCRs of the policy's bank
 * the quote covers; a rule reading any other PCR is a violation naming it,
 * never judged from log content nobody quoted. Appends every violation to
 * *res (capped). Returns 0 when evaluated (the verdict is
 * policy_result_ok(res)), negative errno when evaluation itself failed.
 */
int policy_boot_evaluate(const struct policy_boot *p, const struct eventlog *log,
                         const struct eventlog_replay *replay, const struct eventlog_facts *facts,
                         uint32_t quoted_pcrs, struct policy_result *res);
