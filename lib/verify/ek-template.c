/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "common/error.h"
#include "verify/ek-template.h"

/*
 * Policy digests of the profile (2.5, Table 2). PolicyA is
 * PolicySecret(TPM_RH_ENDORSEMENT) (the L templates); PolicyB is
 * PolicyOR{PolicyA, PolicyC} (the H templates), PolicyC being
 * PolicyAuthorizeNV of the profile's NV index. The same values are in
 * lib/tpm/ek.c, which lib/verify may not link (no tss2-esys here).
 */
static const TPM2B_DIGEST policy_a_sha256 = {
    32, {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc,
         0x8d, 0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52,
         0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa}};
static const TPM2B_DIGEST policy_b_sha256 = {
    32, {0xca, 0x3d, 0x0a, 0x99, 0xa2, 0xb9, 0x39, 0x06, 0xf7, 0xa3, 0x34,
         0x24, 0x14, 0xef, 0xcf, 0xb3, 0xa3, 0x85, 0xd4, 0x4c, 0xd1, 0xfd,
         0x45, 0x90, 0x89, 0xd1, 0x9b, 0x50, 0x71, 0xc0, 0xb7, 0xa0}};
static const TPM2B_DIGEST policy_b_sha384 = {
    48, {0xb2, 0x6e, 0x7d, 0x28, 0xd1, 0x1a, 0x50, 0xbc, 0x53, 0xd8, 0x82, 0xbc,
         0xf5, 0xfd, 0x3a, 0x1a, 0x07, 0x41, 0x48, 0xbb, 0x35, 0xd3, 0xb4, 0xe4,
         0xcb, 0x1c, 0x0a, 0xd9, 0xbd, 0xe4, 0x19, 0xca, 0xcb, 0x47, 0xba, 0x09,
         0x69, 0x96, 0x46, 0x15, 0x0f, 0x9f, 0xc0, 0x00, 0xf3, 0xf8, 0x0e, 0x12}};

#define ATTRS_L                                                                                    \
    (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |            \
     TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT)
#define ATTRS_H (ATTRS_L | TPMA_OBJECT_USERWITHAUTH)

struct ek_tpl {
    const char *name;
    TPMI_ALG_PUBLIC type;
    TPMI_ALG_HASH name_alg;
    TPMA_OBJECT attrs;
    const TPM2B_DIGEST *policy;
    UINT16 aes_bits;
    UINT16 key; /* RSA keyBits, or the ECC curve */
};

static const struct ek_tpl templates[] = {
    {"L-1", TPM2_ALG_RSA, TPM2_ALG_SHA256, ATTRS_L, &policy_a_sha256, 128, 2048},
    {"L-2", TPM2_ALG_ECC, TPM2_ALG_SHA256, ATTRS_L, &policy_a_sha256, 128, TPM2_ECC_NIST_P256},
    {"H-1", TPM2_ALG_RSA, TPM2_ALG_SHA256, ATTRS_H, &policy_b_sha256, 128, 2048},
    {"H-2", TPM2_ALG_ECC, TPM2_ALG_SHA256, ATTRS_H, &policy_b_sha256, 128, TPM2_ECC_NIST_P256},
    {"H-3", TPM2_ALG_ECC, TPM2_ALG_SHA384, ATTRS_H, &policy_b_sha384, 256, TPM2_ECC_NIST_P384},
    {"H-6", TPM2_ALG_RSA, TPM2_ALG_SHA384, ATTRS_H, &policy_b_sha384, 256, 3072},
    {"H-7", TPM2_ALG_RSA, TPM2_ALG_SHA384, ATTRS_H, &policy_b_sha384, 256, 4096},
};
#define N_TEMPLATES (sizeof(templates) / sizeof(templates[0]))

static UINT16 ecc_field_size(TPMI_ECC_CURVE curve)
{
    return curve == TPM2_ECC_NIST_P256 ? 32 : curve == TPM2_ECC_NIST_P384 ? 48 : 0;
}

static void tpl_public(const struct ek_tpl *t, TPMT_PUBLIC *p)
{
    memset(p, 0, sizeof(*p));
    p->type = t->type;
    p->nameAlg = t->name_alg;
    p->objectAttributes = t->attrs;
    p->authPolicy = *t->policy;
    TPMT_SYM_DEF_OBJECT sym = {.algorithm = TPM2_ALG_AES,
                               .keyBits = {.aes = t->aes_bits},
                               .mode = {.aes = TPM2_ALG_CFB}};
    if (t->type == TPM2_ALG_RSA)
        /* exponent 0: the profile's field value, meaning 65537 */
        p->parameters.rsaDetail = (TPMS_RSA_PARMS){
            .symmetric = sym, .scheme = {.scheme = TPM2_ALG_NULL}, .keyBits = t->key};
    else
        p->parameters.eccDetail = (TPMS_ECC_PARMS){.symmetric = sym,
                                                   .scheme = {.scheme = TPM2_ALG_NULL},
                                                   .curveID = t->key,
                                                   .kdf = {.scheme = TPM2_ALG_NULL}};
}

int ek_template_public(const char *name, TPMT_PUBLIC *ret)
{
    for (size_t i = 0; i < N_TEMPLATES; i++)
        if (strcmp(templates[i].name, name) == 0) {
            tpl_public(&templates[i], ret);
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

static bool unique_size_ok(const struct ek_tpl *t, const TPMT_PUBLIC *ek)
{
    if (t->type == TPM2_ALG_RSA)
        return ek->unique.rsa.size == t->key / 8;
    UINT16 fs = ecc_field_size(t->key);
    return ek->unique.ecc.x.size == fs && ek->unique.ecc.y.size == fs;
}

/* The fields in the order they are compared; a match passes all. */
static const char *const fields[] = {
    "type", "nameAlg", "objectAttributes", "authPolicy",
    "parameters (symmetric, scheme, key size or curve, exponent, kdf)", "unique size",
};
#define MATCH (sizeof(fields) / sizeof(fields[0]))

/* The index in fields of the first field in which ek differs from t, MATCH if none. */
static size_t first_difference(const struct ek_tpl *t, const TPMT_PUBLIC *ek)
{
    TPMT_PUBLIC want;
    tpl_public(t, &want);
    if (ek->type != want.type)
        return 0;
    if (ek->nameAlg != want.nameAlg)
        return 1;
    if (ek->objectAttributes != want.objectAttributes)
        return 2;
    if (ek->authPolicy.size != want.authPolicy.size ||
        memcmp(ek->authPolicy.buffer, want.authPolicy.buffer, want.authPolicy.size) != 0)
        return 3;
    uint8_t a[sizeof(TPMU_PUBLIC_PARMS)], b[sizeof(TPMU_PUBLIC_PARMS)];
    size_t alen, blen;
    if (marshal_parms(ek, a, sizeof(a), &alen) < 0 || marshal_parms(&want, b, sizeof(b), &blen) < 0 ||
        alen != blen || memcmp(a, b, alen) != 0)
        return 4;
    if (!unique_size_ok(t, ek))
        return 5;
    return MATCH;
}

static bool same_key_kind(const struct ek_tpl *t, const TPMT_PUBLIC *ek)
{
    if (t->type != ek->type)
        return false;
    return t->key == (ek->type == TPM2_ALG_RSA ? ek->parameters.rsaDetail.keyBits
                                               : ek->parameters.eccDetail.curveID);
}

int ek_template_match(const TPMT_PUBLIC *ek, const char **ret_name, struct att_check *ret)
{
    if (!ek || !ret)
        return -EINVAL;
    /* The refusal names a template of the EK's key kind if there is one (a
     * chip's key size or curve is what it is), then the one matching the most
     * fields in a row. */
    size_t best = 0, best_at = 0, best_score = 0;
    for (size_t i = 0; i < N_TEMPLATES; i++) {
        size_t at = first_difference(&templates[i], ek);
        if (at == MATCH) {
            if (ret_name)
                *ret_name = templates[i].name;
            att_check_pass(ret, "ek-template");
            return 0;
        }
        size_t score = at + (same_key_kind(&templates[i], ek) ? MATCH + 1 : 0);
        if (score > best_score) {
            best = i;
            best_at = at;
            best_score = score;
        }
    }
    att_check_fail(ret, "ek-template",
                   "the EK public area is no TCG EK Credential Profile template: %s differs "
                   "from template %s",
                   fields[best_at], templates[best].name);
    return ATT_E_VERIFY;
}
