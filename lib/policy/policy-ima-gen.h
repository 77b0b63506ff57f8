/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * IMA policy generation: one generator (policy_ima_generate) builds the
 * policy of a measurement list as a document in our format; the format an
 * operator asks for only changes how it is written (policy_ima_render).
 * docs/policy.md describes both formats.
 */
#include <jansson.h>

#include "log/ima.h"

enum policy_ima_format {
    POLICY_IMA_FORMAT_ATTEST,  /* ours: "alg:hex" digests, allow_violations */
    POLICY_IMA_FORMAT_KEYLIME, /* Keylime 7.14's runtime policy, version 1 */
};

/* "attest" or "keylime"; -EINVAL otherwise. */
int policy_ima_format_from_name(const char *name, enum policy_ima_format *ret);

/*
 * The policy of list l in our format: every measured path with the digests
 * seen ("alg:hex", bare hex for the old "ima" template) in "digests" (the
 * boot's entry 0, boot_aggregate, skipped: the replay judges it), ima-buf
 * entries also under "ima-buf", "excludes": [], "allow_violations": false and
 * the list's violation entries (ToMToU, open writers) in "violations"
 * ([{"entry": N, "path": P}], informational: listing one does not allow
 * it), and entry 0's digest in "boot_aggregate" (informational for our
 * engine, which judges it by the replay; Keylime's digests["boot_aggregate"]).
 * NULL when out of memory. A caller may add excludes before rendering.
 */
json_t *policy_ima_generate(const struct ima_list *l);

/*
 * Write a policy document in our format (policy_ima_generate's, possibly
 * edited) as JSON text in fmt. Keylime: every member Keylime 7.14 requires,
 * digests as bare lowercase hex; -EINVAL with *ret_error when a digest
 * cannot be written so (fewer than 40 hex digits, e.g. md5) or the document
 * is not one policy_ima_generate makes. Returns 0 and *ret (malloc'ed).
 */
int policy_ima_render(const json_t *policy, enum policy_ima_format fmt, char **ret,
                      char **ret_error);
