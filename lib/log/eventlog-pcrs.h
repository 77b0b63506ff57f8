/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Reference PCR values in the corpora's pcrs.json layout:
 *   {"banks": {"sha1": {"0": "hex", ...}, "sha256": {...}}, ...}
 * read into lib/common/pcr-values.h form (banks in document order, PCRs ascending).
 * Used by `attestctl eventlog|ima check` and the tests.
 */
#include <stddef.h>
#include <tss2/tss2_tpm2_types.h>

#include "common/pcr-values.h"

/*
 * only_bank: TPM2_ALG_ERROR for every bank, else that bank alone. -ENOENT when
 * no bank is left. -EBADMSG on a malformed document (unknown bank, PCR
 * outside 0-23, hex of the wrong size).
 */
int eventlog_pcrs_from_json(const char *text, size_t len, TPM2_ALG_ID only_bank,
                            struct pcr_values *ret);
