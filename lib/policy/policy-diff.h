/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Drift: why a machine's evidence fails its policy, rule by rule, with the
 * event each failure is about and what the policy allows instead; and the
 * approval of exactly those values (docs/policy.md, "Running a fleet"). The
 * verifier's admin API, attestctl and a web console share this one copy.
 *
 * The diff is a JSON array of items, one per violation of the policy engine
 * (policy_boot_evaluate, policy_ima_evaluate, same order, same cap):
 *   {"check", "subject", "reason", "found": "alg:hex"|null,
 *    "event": index|null, "pcr": n|null, "type": "EV_..."|null,
 *    "description": "EFI application, Authenticode sha256:..., path ...",
 *    "allowed": what the policy's rule holds (array, boolean) or null,
 *    "add": the value approving it adds, or null when adding a value cannot
 *           make the rule hold (Secure Boot off, a missing separator, a PCR
 *           the quote does not cover, an IMA violation)}
 * "add" is {"rule": "boot_apps"|"pk"|"kek"|"db"|"dbx"|"cmdlines"|"digests",
 * "value": ...} or {"rule": "event_digests"|"pcrs", "pcr": "9", "value": hex}
 * or for IMA {"rule": "digests", "path": P, "value": "alg:hex"}.
 */
#include <jansson.h>
#include <stdint.h>

#include "log/eventlog.h"
#include "log/ima.h"

/*
 * Items of a boot policy (JSON text) against a parsed, replayed log; quoted:
 * the quote's selection (the PCRs of the policy's bank in it are judged), NULL
 * offline (every PCR). -EINVAL with *ret_error for a policy the engine refuses.
 */
int policy_diff_boot(const char *policy_json, const struct eventlog *log,
                     const struct eventlog_replay *replay, const struct eventlog_facts *facts,
                     const TPML_PCR_SELECTION *quoted, json_t **ret_items, char **ret_error);

/* Items of an IMA policy against the list's entries (offset: l's entry 0 in the boot). */
int policy_diff_ima(const char *policy_json, const struct ima_list *l, size_t offset,
                    uint32_t quoted_pcrs, json_t **ret_items, char **ret_error);

/*
 * Add every item's "add" to policy (a document of kind "boot" or "ima"),
 * each value once. -EINVAL with *ret_error when an item has no "add" (nothing
 * to approve: the operator sets a policy instead) or is malformed; policy is
 * then unchanged. *ret_added: values that were not there yet.
 */
int policy_diff_apply(json_t *policy, const json_t *items, size_t *ret_added, char **ret_error);

/*
 * What changed from one policy document to the next, for the version history:
 * {"added": {...}, "removed": {...}, "changed": {member: {"from", "to"}}},
 * arrays compared by member, objects member by member. old may be NULL (the
 * first version: everything added). NULL when out of memory.
 */
json_t *policy_diff_versions(const json_t *old, const json_t *new_doc);
