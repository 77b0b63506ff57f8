/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "attestd.h"
#include "common/error.h"
#include "common/hex.h"
#include "tpm/tpm-ctx.h"
#include "verify/ek-identity.h"

int attestd_exit_code(int r)
{
    switch (r) {
    case 0:
        return ATTEST_EXIT_OK;
    case ATT_E_NO_TPM:
        return ATTEST_EXIT_TPM;
    case ATT_E_WRONG_TPM:
    case ATT_E_TPM_CLEARED:
        return ATTEST_EXIT_WRONG_TPM;
    case ATT_E_TPM_LOCKOUT:
        return ATTEST_EXIT_LOCKOUT;
    case ATT_E_BADMSG:
    case -EINVAL:
    case -ENOENT:
    case -EACCES:
    case -EFBIG:
        return ATTEST_EXIT_USAGE;
    default:
        return ATTEST_EXIT_FAILED;
    }
}

int attestd_fail(int r, const char *what)
{
    fprintf(stderr, "attestd: %s: %s\n", what, att_strerror(r));
    return attestd_exit_code(r);
}

const char *attestd_tcti(const char *opt)
{
    if (opt)
        return opt;
    const char *env = getenv("ATTEST_TCTI");
    return env && *env ? env : "device:/dev/tpmrm0";
}

void attestd_log_commands(const struct tpm_ctx *t, const char *label)
{
    const char *path = getenv("ATTEST_TPM_COMMAND_LOG");
    if (t && path && *path && tpm_command_log_append(t, label, path) < 0)
        fprintf(stderr, "attestd: cannot append to '%s'\n", path);
}

int attestd_ek_fingerprint(const TPM2B_PUBLIC *ek, char **ret)
{
    uint8_t id[EK_IDENTITY_LEN];
    int r = ek_identity(&ek->publicArea, id);
    if (r < 0)
        return r;
    *ret = hex_encode(id, sizeof(id));
    return *ret ? 0 : -ENOMEM;
}
