/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Capture: a policy built from one machine's evidence, for an operator to
 * review and set (docs/policy.md, "Running a fleet").
 *
 * A boot policy judges the boot by its events, not by frozen PCR values, so
 * that what changes between two boots of one machine (nothing a policy reads)
 * and what differs between machines of a fleet that boot the same way (PCR 0-3
 * firmware of another board revision is still named by its digests only if an
 * operator adds "pcrs") does not fail it: the Secure Boot state, the digests of
 * PK, KEK, db and dbx, every boot application of PCR 4 by Authenticode digest,
 * the kernel command lines GRUB logged, the files GRUB read (PCR 9: kernel,
 * initrd, grub.cfg) by digest, and the separators. Only rules whose PCRs the
 * quote covered are written (quoted_pcrs); a rule the log cannot fill (no
 * Secure Boot variable, no PCR 9 event) is left out, and a policy left with no
 * rule at all is refused.
 */
#include <jansson.h>
#include <stdint.h>

#include "log/eventlog.h"
#include "log/ima.h"

/*
 * The boot policy of log (already replayed and compared with the quote by the
 * caller) in bank. 0 and *ret, or -EINVAL (-ENODATA: it would be empty) with
 * *ret_error, -ENOMEM.
 */
int policy_boot_capture(const struct eventlog *log, const struct eventlog_facts *facts,
                        TPM2_ALG_ID bank, uint32_t quoted_pcrs, json_t **ret, char **ret_error);

/*
 * The IMA policy of list l: policy_ima_generate's document with
 * policy_ima_default_excludes (what changes on a running system by design).
 * -ENODATA with *ret_error when the list measures nothing but boot_aggregate.
 */
int policy_ima_capture(const struct ima_list *l, json_t **ret, char **ret_error);

/* NULL-terminated; docs/policy.md says why each one is there. */
extern const char *const policy_ima_default_excludes[];
