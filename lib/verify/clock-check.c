/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>

#include "common/error.h"
#include "verify/clock-check.h"

#define CHECK_NAME "clock"

int quote_clock_check(const TPMS_CLOCK_INFO *previous, const TPMS_CLOCK_INFO *current,
                      struct att_check *ret)
{
    if (current->resetCount < previous->resetCount) {
        att_check_fail(ret, CHECK_NAME,
                       "TPM cleared: resetCount %" PRIu32 " is lower than %" PRIu32
                       " of the last accepted quote",
                       current->resetCount, previous->resetCount);
        return ATT_E_VERIFY;
    }
    if (current->resetCount > previous->resetCount) {
        /* A TPM Reset (reboot): restartCount and clock start over. */
        att_check_pass(ret, CHECK_NAME);
        return 0;
    }
    if (current->restartCount != previous->restartCount) {
        if (current->restartCount > previous->restartCount) {
            att_check_pass(ret, CHECK_NAME);
            return 0;
        }
        att_check_fail(ret, CHECK_NAME,
                       "replay: restartCount %" PRIu32 " is lower than %" PRIu32
                       " of the last accepted quote (same resetCount %" PRIu32 ")",
                       current->restartCount, previous->restartCount, current->resetCount);
        return ATT_E_VERIFY;
    }
    if (current->clock <= previous->clock) {
        att_check_fail(ret, CHECK_NAME,
                       "replay: clock %" PRIu64 " is not after %" PRIu64
                       " of the last accepted quote (same resetCount %" PRIu32
                       " and restartCount %" PRIu32 ")",
                       current->clock, previous->clock, current->resetCount, current->restartCount);
        return ATT_E_VERIFY;
    }
    att_check_pass(ret, CHECK_NAME);
    return 0;
}
