/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the agent creates, the verifier accepts: every EK template of lib/tpm,
 * with a unique field of the size its key gives (as a TPM writes it), passes
 * ek_template_match under the agent's name for it. Both sides read the table
 * of common/ek-templates.h; this holds them to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "common/ek-templates.h"
#include "common/error.h"
#include "ek-sample.h"
#include "tpm/ek.h"
#include "verify/ek-template.h"

/* The unique size of a key made from the profile's template name. */
static UINT16 key_unique_size(const char *name)
{
    for (size_t i = 0; i < EK_TCG_COUNT; i++)
        if (strcmp(ek_tcg_templates[i].name, name) == 0)
            return ek_tcg_templates[i].key_unique_size;
    fail_msg("agent template %s is not in the profile table", name);
    return 0;
}

static void test_agent_templates_accepted(void **state)
{
    (void)state;
    for (int i = 0; i < _TPM_EK_TEMPLATE_MAX; i++) {
        enum tpm_ek_template tpl = (enum tpm_ek_template)i;
        TPM2B_PUBLIC in;
        tpm_ek_template_public(tpl, &in);
        TPMT_PUBLIC ek = in.publicArea;
        ek_sample_unique(&ek, key_unique_size(tpm_ek_template_name(tpl)));
        struct att_check c = {0};
        const char *name = NULL;
        if (ek_template_match(&ek, &name, &c) != 0)
            fail_msg("agent template %s refused: %s", tpm_ek_template_name(tpl), c.message);
        assert_string_equal(name, tpm_ek_template_name(tpl));
        assert_int_equal(c.status, ATT_CHECK_PASS);
    }
}

/* The unique size is the verifier's to check: the agent's H-3 as handed to
 * CreatePrimary (empty unique) is no EK a TPM returns. */
static void test_template_unique_is_checked(void **state)
{
    (void)state;
    TPM2B_PUBLIC in;
    tpm_ek_template_public(TPM_EK_H3, &in);
    struct att_check c = {0};
    assert_int_equal(ek_template_match(&in.publicArea, NULL, &c), ATT_E_VERIFY);
    assert_non_null(strstr(c.message, "unique size"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agent_templates_accepted),
        cmocka_unit_test(test_template_unique_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
