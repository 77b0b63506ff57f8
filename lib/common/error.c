/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "common/error.h"

const char *att_strerror(int r)
{
    switch (r) {
    case ATT_E_NO_TPM:
        return "no TPM reachable (check the TCTI and that the device exists)";
    case ATT_E_TPM_LOCKOUT:
        return "TPM is in dictionary-attack lockout";
    case ATT_E_WRONG_TPM:
        return "key blob or context does not belong to this TPM";
    case ATT_E_TPM_CLEARED:
        return "TPM was reset, cleared or replaced since the key or context was made (or the file "
               "is damaged)";
    case ATT_E_TPM:
        return "TPM command failed";
    case ATT_E_BADMSG:
        return "malformed input";
    case ATT_E_VERIFY:
        return "verification failed";
    default:
        return strerror(r < 0 ? -r : r);
    }
}
