/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/pcr-selection.h"
#include "common/tpm-alg.h"
#include "verify/clock-check.h"
#include "verify/quote-signature.h"
#include "verify/quote-verify.h"

static const char *const check_names[QUOTE_CHECK_MAX] = {
    [QUOTE_CHECK_SIGNATURE] = "signature",
    [QUOTE_CHECK_MAGIC] = "magic",
    [QUOTE_CHECK_TYPE] = "type",
    [QUOTE_CHECK_NONCE] = "nonce",
    [QUOTE_CHECK_PCR_SELECTION] = "pcr-selection",
    [QUOTE_CHECK_PCR_DIGEST] = "pcr-digest",
    [QUOTE_CHECK_CLOCK] = "clock",
};

const char *quote_check_name(enum quote_check_id id)
{
    if ((int)id < 0 || id >= QUOTE_CHECK_MAX)
        return NULL;
    return check_names[id];
}

int quote_pcr_digest(TPMI_ALG_HASH alg, const TPM2B_DIGEST *values, size_t n, TPM2B_DIGEST *ret)
{
    const char *md_name = tpm_alg_ossl_md_name(alg);
    if (!md_name)
        return -EINVAL;
    _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return -ENOMEM;
    if (EVP_DigestInit_ex2(ctx, EVP_get_digestbyname(md_name), NULL) != 1)
        return -EIO;
    for (size_t i = 0; i < n; i++)
        if (EVP_DigestUpdate(ctx, values[i].buffer, values[i].size) != 1)
            return -EIO;
    unsigned int len = 0;
    TPM2B_DIGEST d = {0};
    if (EVP_DigestFinal_ex(ctx, d.buffer, &len) != 1)
        return -EIO;
    d.size = (UINT16)len;
    *ret = d;
    return 0;
}

/* Mark every check from first on as not run, because check `cause` failed. */
static void skip_from(struct quote_verify_result *res, int first, int cause)
{
    for (int i = first; i < QUOTE_CHECK_MAX; i++)
        att_check_not_run(&res->checks[i], check_names[i], "not run: check '%s' failed",
                          check_names[cause]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void check_magic(const uint8_t *attest, size_t len, struct att_check *c)
{
    if (len < 4) {
        att_check_fail(c, check_names[QUOTE_CHECK_MAGIC], "attest is %zu bytes: no magic", len);
        return;
    }
    uint32_t magic = be32(attest);
    if (magic != TPM2_GENERATED_VALUE) {
        att_check_fail(c, check_names[QUOTE_CHECK_MAGIC],
                       "magic is 0x%08x, not TPM_GENERATED_VALUE 0x%08x: not produced by a TPM",
                       magic, TPM2_GENERATED_VALUE);
        return;
    }
    att_check_pass(c, check_names[QUOTE_CHECK_MAGIC]);
}

/* Unmarshal the whole attest; trailing bytes are refused. */
static int parse_attest(const uint8_t *attest, size_t len, TPMS_ATTEST *ret)
{
    size_t off = 0;
    memset(ret, 0, sizeof(*ret));
    if (Tss2_MU_TPMS_ATTEST_Unmarshal(attest, len, &off, ret) != TSS2_RC_SUCCESS || off != len)
        return -EBADMSG;
    return 0;
}

static void check_type(const TPMS_ATTEST *a, struct att_check *c)
{
    if (a->type != TPM2_ST_ATTEST_QUOTE) {
        att_check_fail(c, check_names[QUOTE_CHECK_TYPE],
                       "attestation type is 0x%04x, not TPM_ST_ATTEST_QUOTE 0x%04x", a->type,
                       TPM2_ST_ATTEST_QUOTE);
        return;
    }
    att_check_pass(c, check_names[QUOTE_CHECK_TYPE]);
}

static void check_nonce(const TPMS_ATTEST *a, const struct quote_verify_input *in,
                        struct att_check *c)
{
    const TPM2B_DATA *x = &a->extraData;
    if (x->size != in->nonce_len) {
        att_check_fail(c, check_names[QUOTE_CHECK_NONCE],
                       "qualifying data is %u bytes, the nonce %zu bytes", x->size, in->nonce_len);
        return;
    }
    if (in->nonce_len > 0 && CRYPTO_memcmp(x->buffer, in->nonce, in->nonce_len) != 0) {
        att_check_fail(c, check_names[QUOTE_CHECK_NONCE],
                       "qualifying data does not equal the nonce");
        return;
    }
    att_check_pass(c, check_names[QUOTE_CHECK_NONCE]);
}

static void check_selection(const TPMS_QUOTE_INFO *q, const TPML_PCR_SELECTION *want,
                            struct att_check *c)
{
    if (pcrsel_equal(&q->pcrSelect, want)) {
        att_check_pass(c, check_names[QUOTE_CHECK_PCR_SELECTION]);
        return;
    }
    _cleanup_free_ char *got_s = pcrsel_format(&q->pcrSelect);
    _cleanup_free_ char *want_s = pcrsel_format(want);
    att_check_fail(c, check_names[QUOTE_CHECK_PCR_SELECTION],
                   "quoted selection '%s' is not the requested '%s'",
                   got_s ? got_s : "(unprintable)", want_s ? want_s : "(unprintable)");
}

/* Every value must have the size of its bank's hash: a short value hides nothing. */
static int check_value_sizes(const struct quote_verify_input *in, struct att_check *c)
{
    const TPML_PCR_SELECTION *sel = in->selection;
    size_t k = 0;
    for (UINT32 b = 0; b < sel->count && b < TPM2_NUM_PCR_BANKS; b++) {
        size_t dsize = tpm_alg_digest_size(sel->pcrSelections[b].hash);
        for (unsigned p = 0; p < 8u * TPM2_PCR_SELECT_MAX; p++) {
            if (!pcrsel_is_set(&sel->pcrSelections[b], p))
                continue;
            if (in->pcr_values[k].size != dsize) {
                att_check_fail(c, check_names[QUOTE_CHECK_PCR_DIGEST],
                               "value of PCR %u of bank 0x%04x is %u bytes, not %zu", p,
                               sel->pcrSelections[b].hash, in->pcr_values[k].size, dsize);
                return -EINVAL;
            }
            k++;
        }
    }
    return 0;
}

static void check_digest(const TPMS_QUOTE_INFO *q, const struct quote_verify_input *in,
                         TPMI_ALG_HASH hash, struct att_check *c)
{
    const char *name = check_names[QUOTE_CHECK_PCR_DIGEST];
    unsigned want = pcrsel_count(in->selection);
    if (in->n_pcr_values != want) {
        att_check_fail(c, name, "%zu PCR values given for %u selected PCRs", in->n_pcr_values,
                       want);
        return;
    }
    if (check_value_sizes(in, c) < 0)
        return;
    TPM2B_DIGEST d;
    if (quote_pcr_digest(hash, in->pcr_values, in->n_pcr_values, &d) < 0) {
        att_check_fail(c, name, "cannot hash the PCR values with hash 0x%04x", hash);
        return;
    }
    if (d.size != q->pcrDigest.size || CRYPTO_memcmp(d.buffer, q->pcrDigest.buffer, d.size) != 0) {
        att_check_fail(c, name, "the PCR values do not hash to the quoted pcrDigest");
        return;
    }
    att_check_pass(c, name);
}

static void finish(struct quote_verify_result *res, const struct quote_verify_input *in)
{
    res->ok = true;
    res->first_failure = -1;
    for (int i = 0; i < QUOTE_CHECK_MAX; i++) {
        if (res->checks[i].status == ATT_CHECK_PASS)
            continue;
        if (i == QUOTE_CHECK_CLOCK && !in->previous_clock &&
            res->checks[i].status == ATT_CHECK_NOT_RUN)
            continue;
        res->ok = false;
        if (res->first_failure < 0 && res->checks[i].status == ATT_CHECK_FAIL)
            res->first_failure = i;
    }
    /* Fail closed: a not-run check without a failure before it is a failure too. */
    if (!res->ok && res->first_failure < 0)
        res->first_failure = QUOTE_CHECK_SIGNATURE;
}

static void check_attested(const struct quote_verify_input *in, struct quote_verify_result *res,
                           TPMI_ALG_HASH hash)
{
    _cleanup_free_ TPMS_ATTEST *a = calloc(1, sizeof(*a));

    check_magic(in->attest, in->attest_len, &res->checks[QUOTE_CHECK_MAGIC]);
    if (!a || parse_attest(in->attest, in->attest_len, a) < 0) {
        att_check_fail(&res->checks[QUOTE_CHECK_TYPE], check_names[QUOTE_CHECK_TYPE],
                       "attest bytes do not parse as one TPMS_ATTEST");
        skip_from(res, QUOTE_CHECK_NONCE, QUOTE_CHECK_TYPE);
        return;
    }
    res->attested_valid = true;
    res->clock_info = a->clockInfo;
    res->firmware_version = a->firmwareVersion;
    res->qualified_signer = a->qualifiedSigner;

    check_type(a, &res->checks[QUOTE_CHECK_TYPE]);
    check_nonce(a, in, &res->checks[QUOTE_CHECK_NONCE]);
    if (res->checks[QUOTE_CHECK_TYPE].status != ATT_CHECK_PASS) {
        /* The union holds no quote: its PCR fields would be another structure's bytes. */
        skip_from(res, QUOTE_CHECK_PCR_SELECTION, QUOTE_CHECK_TYPE);
        return;
    }
    check_selection(&a->attested.quote, in->selection, &res->checks[QUOTE_CHECK_PCR_SELECTION]);
    if (res->checks[QUOTE_CHECK_PCR_SELECTION].status != ATT_CHECK_PASS)
        att_check_not_run(&res->checks[QUOTE_CHECK_PCR_DIGEST], check_names[QUOTE_CHECK_PCR_DIGEST],
                          "not run: check '%s' failed", check_names[QUOTE_CHECK_PCR_SELECTION]);
    else
        check_digest(&a->attested.quote, in, hash, &res->checks[QUOTE_CHECK_PCR_DIGEST]);

    if (in->previous_clock)
        quote_clock_check(in->previous_clock, &a->clockInfo, &res->checks[QUOTE_CHECK_CLOCK]);
    else
        att_check_not_run(&res->checks[QUOTE_CHECK_CLOCK], check_names[QUOTE_CHECK_CLOCK],
                          "no previous quote of this AK to compare with");
}

int quote_verify(const struct quote_verify_input *in, struct quote_verify_result *res)
{
    if (!res)
        return -EINVAL;
    memset(res, 0, sizeof(*res));
    if (!in || !in->ak_public || !in->signature || !in->attest || !in->selection ||
        (!in->nonce && in->nonce_len) || (!in->pcr_values && in->n_pcr_values)) {
        att_check_fail(&res->checks[QUOTE_CHECK_SIGNATURE], check_names[QUOTE_CHECK_SIGNATURE],
                       "missing input");
        skip_from(res, QUOTE_CHECK_MAGIC, QUOTE_CHECK_SIGNATURE);
        res->first_failure = QUOTE_CHECK_SIGNATURE;
        return -EINVAL;
    }

    /* 1. Nothing of the attest bytes is read before their signature holds. */
    if (quote_signature_verify_with(in->ak_public, in->ak_key, in->signature, in->attest,
                                    in->attest_len, &res->checks[QUOTE_CHECK_SIGNATURE]) < 0) {
        skip_from(res, QUOTE_CHECK_MAGIC, QUOTE_CHECK_SIGNATURE);
        finish(res, in);
        return ATT_E_VERIFY;
    }
    TPM2_ALG_ID scheme;
    TPMI_ALG_HASH hash;
    if (quote_key_scheme(in->ak_public, &scheme, &hash) < 0)
        return -EINVAL; /* cannot happen: the signature check resolved it */

    res->hash_alg = hash;
    check_attested(in, res, hash);
    finish(res, in);
    return res->ok ? 0 : ATT_E_VERIFY;
}
