/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "common/ek-templates.h"
#include "common/error.h"
#include "verify/ek-template.h"

/* The public area of template t with an empty unique. */
static void tpl_public(const struct ek_tcg_template *t, TPMT_PUBLIC *p)
{
    *p = t->public;
    memset(&p->unique, 0, sizeof(p->unique));
}

int ek_template_public(const char *name, TPMT_PUBLIC *ret)
{
    for (size_t i = 0; i < EK_TCG_COUNT; i++)
        if (strcmp(ek_tcg_templates[i].name, name) == 0) {
            tpl_public(&ek_tcg_templates[i], ret);
            return 0;
        }
    return -ENOENT;
}

/* The parameters marshaled: tss2-mu writes exactly the fields of the key's
 * type, so equal bytes mean equal symmetric, scheme, keyBits/curve, exponent, kdf. */
static int marshal_parms(const TPMT_PUBLIC *p, uint8_t *buf, size_t size, size_t *len)
{
    size_t off = 0;
    if (Tss2_MU_TPMU_PUBLIC_PARMS_Marshal(&p->parameters, p->type, buf, size, &off) !=
        TSS2_RC_SUCCESS)
        return -EBADMSG;
    *len = off;
    return 0;
}

static bool unique_size_ok(const struct ek_tcg_template *t, const TPMT_PUBLIC *ek)
{
    UINT16 n = t->key_unique_size;
    if (t->public.type == TPM2_ALG_RSA)
        return ek->unique.rsa.size == n;
    return ek->unique.ecc.x.size == n && ek->unique.ecc.y.size == n;
}

/* The fields in the order they are compared; a match passes all. */
static const char *const fields[] = {
    "type", "nameAlg", "objectAttributes", "authPolicy",
    "parameters (symmetric, scheme, key size or curve, exponent, kdf)", "unique size",
};
#define MATCH (sizeof(fields) / sizeof(fields[0]))

/* The index in fields of the first field in which ek differs from t, MATCH if none. */
static size_t first_difference(const struct ek_tcg_template *t, const TPMT_PUBLIC *ek)
{
    const TPMT_PUBLIC *want = &t->public;
    if (ek->type != want->type)
        return 0;
    if (ek->nameAlg != want->nameAlg)
        return 1;
    if (ek->objectAttributes != want->objectAttributes)
        return 2;
    if (ek->authPolicy.size != want->authPolicy.size ||
        memcmp(ek->authPolicy.buffer, want->authPolicy.buffer, want->authPolicy.size) != 0)
        return 3;
    uint8_t a[sizeof(TPMU_PUBLIC_PARMS)], b[sizeof(TPMU_PUBLIC_PARMS)];
    size_t alen, blen;
    if (marshal_parms(ek, a, sizeof(a), &alen) < 0 ||
        marshal_parms(want, b, sizeof(b), &blen) < 0 || alen != blen || memcmp(a, b, alen) != 0)
        return 4;
    if (!unique_size_ok(t, ek))
        return 5;
    return MATCH;
}

/* RSA keyBits, or the ECC curve. */
static UINT16 key_kind(const TPMT_PUBLIC *p)
{
    return p->type == TPM2_ALG_RSA ? p->parameters.rsaDetail.keyBits
                                   : p->parameters.eccDetail.curveID;
}

static bool same_key_kind(const struct ek_tcg_template *t, const TPMT_PUBLIC *ek)
{
    return t->public.type == ek->type && key_kind(&t->public) == key_kind(ek);
}

int ek_template_match(const TPMT_PUBLIC *ek, const char **ret_name, struct att_check *ret)
{
    if (!ek || !ret)
        return -EINVAL;
    /* The refusal names a template of the EK's key kind if there is one (a
     * chip's key size or curve is what it is), then the one matching the most
     * fields in a row. */
    size_t best = 0, best_at = 0, best_score = 0;
    for (size_t i = 0; i < EK_TCG_COUNT; i++) {
        size_t at = first_difference(&ek_tcg_templates[i], ek);
        if (at == MATCH) {
            if (ret_name)
                *ret_name = ek_tcg_templates[i].name;
            att_check_pass(ret, "ek-template");
            return 0;
        }
        size_t score = at + (same_key_kind(&ek_tcg_templates[i], ek) ? MATCH + 1 : 0);
        if (score > best_score) {
            best = i;
            best_at = at;
            best_score = score;
        }
    }
    att_check_fail(ret, "ek-template",
                   "the EK public area is no TCG EK Credential Profile template: %s differs "
                   "from template %s",
                   fields[best_at], ek_tcg_templates[best].name);
    return ATT_E_VERIFY;
}
