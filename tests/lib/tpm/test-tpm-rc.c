/* SPDX-License-Identifier: Apache-2.0 */
/* TSS2_RC -> error.h mapping (lib/tpm/tpm-rc.c), with the handle, parameter
 * and session numbers the TPM adds to format-one codes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "common/error.h"
#include "tpm/tpm-rc.h"

static void test_mapping(void **state)
{
    const struct tpm_ctx t = {0};
    const struct {
        TSS2_RC rc;
        int want;
    } cases[] = {
        {TSS2_RC_SUCCESS, 0},
        {TSS2_TCTI_RC_IO_ERROR, ATT_E_NO_TPM},
        {TSS2_TCTI_RC_NO_CONNECTION, ATT_E_NO_TPM},
        {TSS2_TCTI_RC_GENERAL_FAILURE, ATT_E_NO_TPM},
        {TSS2_ESYS_RC_IO_ERROR, ATT_E_NO_TPM},
        {TPM2_RC_LOCKOUT, ATT_E_TPM_LOCKOUT}, /* 0x921, a warning */
        {TPM2_RC_INTEGRITY, ATT_E_WRONG_TPM}, /* 0x09f */
        {0x1df, ATT_E_WRONG_TPM},             /* INTEGRITY, parameter 1 (Load, ContextLoad) */
        {0x9df, ATT_E_WRONG_TPM},             /* INTEGRITY, session 1 */
        {0x18b, -ENOENT},                     /* HANDLE, handle 1: no persistent EK */
        {TPM2_RC_BINDING, ATT_E_BADMSG},      /* 0x0a5 */
        {0x2a5, ATT_E_BADMSG},                /* BINDING, parameter 2 */
        {TPM2_RC_AUTH_FAIL, ATT_E_TPM},       /* 0x08e */
        {TPM2_RC_VALUE, ATT_E_TPM},
        {TPM2_RC_INITIALIZE, ATT_E_TPM}, /* format zero, not a lookalike of 0x9f */
        {TSS2_ESYS_RC_BAD_VALUE, ATT_E_TPM},
        {TSS2_MU_RC_INSUFFICIENT_BUFFER, ATT_E_TPM},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("rc 0x%x\n", cases[i].rc);
        assert_int_equal(tpm_rc_errno(&t, "test", cases[i].rc), cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_mapping)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
