/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <tss2/tss2_tpm2_types.h>

#include "verify/check-result.h"

/*
 * Monotonicity of a TPM's clock between two accepted quotes of the same AK:
 * (resetCount, restartCount, clock) must be strictly greater, compared
 * lexicographically (restartCount returns to 0 at each TPM Reset, so it is
 * only compared when resetCount is equal). A lower resetCount is reported as
 * "TPM cleared"; anything not newer as a replay of an older quote.
 * Only meaningful for AKs in the endorsement hierarchy: elsewhere the TPM
 * obfuscates resetCount/restartCount per key.
 * Check name "clock". Returns 0 or ATT_E_VERIFY; *ret is always written.
 */
int quote_clock_check(const TPMS_CLOCK_INFO *previous, const TPMS_CLOCK_INFO *current,
                      struct att_check *ret);
