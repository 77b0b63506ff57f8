/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Under swtpm-run: our EK templates are exact. CreatePrimary with the L-1 and
 * H-3 templates yields the very key swtpm_setup provisioned (persistent at
 * 0x81010001 / 0x81010016, certified in NV), so unique, policy, attributes
 * and symmetric fields are the profile's; reusing the persistent EK costs one
 * TPM command and leaves nothing loaded.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <tss2/tss2_mu.h>

#include "tpm/ek.h"
#include "tpm/tpm-ctx.h"
#include "tpm/tpm-rc.h"

static bool same_public(const TPM2B_PUBLIC *a, const TPM2B_PUBLIC *b)
{
    uint8_t x[sizeof(*a)], y[sizeof(*b)];
    size_t xl = 0, yl = 0;
    assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Marshal(a, x, sizeof(x), &xl), 0);
    assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Marshal(b, y, sizeof(y), &yl), 0);
    return xl == yl && memcmp(x, y, xl) == 0;
}

static void check_template(enum tpm_ek_template tpl)
{
    struct tpm_ctx *t = NULL;
    assert_int_equal(tpm_open(getenv("ATTEST_TCTI"), &t), 0);

    struct tpm_ek ek;
    assert_int_equal(tpm_ek_get(t, tpl, &ek), 0);
    assert_false(ek.transient);
    assert_int_equal(tpm_command_count(t), 1); /* ReadPublic */
    assert_int_equal(tpm_command_at(t, 0), TPM2_CC_ReadPublic);

    TPM2B_PUBLIC in, *out = NULL;
    ESYS_TR created = ESYS_TR_NONE;
    tpm_ek_template_public(tpl, &in);
    assert_int_equal(tpm_esys_create_primary(t, ESYS_TR_RH_ENDORSEMENT, &in, &created, &out), 0);
    assert_true(same_public(out, &ek.pub));
    Esys_Free(out);
    assert_int_equal(tpm_esys_flush(t, &created), 0);
    assert_int_equal(created, ESYS_TR_NONE);
    assert_int_equal(tpm_ek_release(t, &ek), 0);
    assert_int_equal(tpm_ek_release(t, &ek), 0); /* twice is fine */

    /* The certificate in NV certifies this key (DER, padding cut). */
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(tpm_ek_cert_read_nv(t, tpl, &der, &len), 0);
    assert_true(len > 300 && der[0] == 0x30);
    free(der);
    tpm_close(t);
}

static void test_l1(void **state)
{
    check_template(TPM_EK_L1);
}

static void test_h3(void **state)
{
    check_template(TPM_EK_H3);
}

/* L-2 has no persistent EK on swtpm: CreatePrimary, then flushed on release. */
static void test_l2_created(void **state)
{
    struct tpm_ctx *t = NULL;
    assert_int_equal(tpm_open(getenv("ATTEST_TCTI"), &t), 0);
    struct tpm_ek ek;
    assert_int_equal(tpm_ek_get(t, TPM_EK_L2, &ek), 0);
    assert_true(ek.transient);
    enum tpm_ek_template tpl;
    assert_int_equal(tpm_ek_template_of(&ek.pub, &tpl), 0);
    assert_int_equal(tpl, TPM_EK_L2);
    assert_int_equal(ek.pub.publicArea.unique.ecc.x.size, 32);
    assert_int_equal(tpm_ek_release(t, &ek), 0);
    uint8_t *der = NULL;
    size_t len;
    assert_int_equal(tpm_ek_cert_read_nv(t, TPM_EK_L2, &der, &len), -ENOENT);
    /* ReadPublic(absent) CreatePrimary FlushContext NV_ReadPublic(absent) */
    assert_int_equal(tpm_command_count(t), 4);
    assert_int_equal(tpm_command_at(t, 1), TPM2_CC_CreatePrimary);
    assert_int_equal(tpm_command_at(t, 2), TPM2_CC_FlushContext);
    tpm_close(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_l1),
        cmocka_unit_test(test_h3),
        cmocka_unit_test(test_l2_created),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
