/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/pcr-selection.h"
#include "common/tpm-alg.h"
#include "log/eventlog-hash.h"
#include "log/ima.h"

#define IMA_OLD_NAME_PAD 256

int ima_state_init(struct ima_state *s, const TPM2_ALG_ID *algs, uint32_t n_algs,
                   uint32_t reset_count)
{
    memset(s, 0, sizeof(*s));
    if (n_algs == 0 || n_algs > IMA_MAX_BANKS)
        return -EINVAL;
    for (uint32_t i = 0; i < n_algs; i++) {
        size_t size = tpm_alg_digest_size(algs[i]);
        if (size == 0 || size > EVENTLOG_MAX_DIGEST)
            return -EINVAL;
        for (uint32_t k = 0; k < i; k++)
            if (algs[k] == algs[i])
                return -EINVAL;
        s->banks[i].alg = algs[i];
        s->banks[i].size = (uint16_t)size;
    }
    s->n_banks = n_algs;
    s->reset_count = reset_count;
    return 0;
}

/* Replay context: one fetched digest per bank and a reusable EVP_MD_CTX. */
struct replayer {
    EVP_MD_CTX *ctx;
    EVP_MD *md[IMA_MAX_BANKS];
    EVP_MD *sha1;
    uint32_t n;
};

static void replayer_done(struct replayer *r)
{
    EVP_MD_CTX_free(r->ctx);
    for (uint32_t i = 0; i < r->n; i++)
        EVP_MD_free(r->md[i]);
    EVP_MD_free(r->sha1);
}

static int replayer_init(struct replayer *r, const struct ima_state *s)
{
    memset(r, 0, sizeof(*r));
    r->ctx = EVP_MD_CTX_new();
    r->sha1 = evhash_fetch(TPM2_ALG_SHA1);
    if (!r->ctx || !r->sha1)
        return -ENOMEM;
    for (uint32_t i = 0; i < s->n_banks; i++) {
        r->md[i] = evhash_fetch(s->banks[i].alg);
        r->n = i + 1;
        if (!r->md[i])
            return -EOPNOTSUPP;
    }
    return 0;
}

/* The bytes a bank hashes: template data as stored, or for "ima" digest || padded name. */
static int entry_hash(struct replayer *r, const EVP_MD *md, const struct ima_entry *e, uint8_t *out)
{
    if (strcmp(e->template_name, "ima") != 0)
        return evhash_digest2(r->ctx, md, e->data, e->data_len, NULL, 0, out);
    uint8_t name[IMA_OLD_NAME_PAD] = {0};
    memcpy(name, e->path, e->path_len); /* path_len < 256: checked by the parser */
    return evhash_digest2(r->ctx, md, e->digest, 20, name, sizeof(name), out);
}

/* SHA-1 of the template data equals the template hash (not for violations). */
static int check_template_hash(struct replayer *r, const struct ima_entry *e)
{
    uint8_t out[EVP_MAX_MD_SIZE];
    if (e->violation)
        return 0;
    int k = entry_hash(r, r->sha1, e, out);
    if (k < 0)
        return k;
    return memcmp(out, e->template_hash, IMA_TEMPLATE_HASH) == 0 ? 0 : -EBADMSG;
}

int ima_list_check_template_hashes(const struct ima_list *l, size_t *ret_bad_entry)
{
    static const struct ima_state sha1_only = {.n_banks = 0};
    struct replayer r;
    int k = replayer_init(&r, &sha1_only);
    for (size_t i = 0; k == 0 && i < l->n_entries; i++)
        if ((k = check_template_hash(&r, &l->entries[i])) == -EBADMSG)
            *ret_bad_entry = i;
    replayer_done(&r);
    return k;
}

static int extend_entry(struct replayer *r, struct ima_state *s, const struct ima_entry *e)
{
    uint8_t ones[EVENTLOG_MAX_DIGEST];
    memset(ones, 0xff, sizeof(ones));
    for (uint32_t i = 0; i < s->n_banks; i++) {
        uint8_t d[EVP_MAX_MD_SIZE];
        const uint8_t *digest = d;
        if (e->violation)
            digest = ones;
        else if (s->banks[i].alg == TPM2_ALG_SHA1)
            digest = e->template_hash;
        else {
            int k = entry_hash(r, r->md[i], e, d);
            if (k < 0)
                return k;
        }
        int k = evhash_extend(r->ctx, r->md[i], s->banks[i].pcr[e->pcr], s->banks[i].size, digest);
        if (k < 0)
            return k;
        s->banks[i].extended |= 1u << e->pcr;
    }
    s->n_entries++;
    return 0;
}

/*
 * The template hash binds the data in the SHA-1 bank only; when another bank
 * is replayed, that bank hashes the data itself and the check is redundant.
 */
static bool needs_template_check(const struct ima_state *s)
{
    for (uint32_t i = 0; i < s->n_banks; i++)
        if (s->banks[i].alg != TPM2_ALG_SHA1)
            return false;
    return true;
}

int ima_replay_all(const struct ima_list *l, struct ima_state *s)
{
    struct replayer r;
    int k = replayer_init(&r, s);
    bool check = needs_template_check(s);
    for (size_t i = 0; k == 0 && i < l->n_entries; i++) {
        if (check)
            k = check_template_hash(&r, &l->entries[i]);
        if (k == 0)
            k = extend_entry(&r, s, &l->entries[i]);
    }
    replayer_done(&r);
    return k;
}

/* Every quoted PCR in mask equals the state, in every quoted bank the state replays. */
static bool state_matches(const struct ima_state *s, const struct pcr_values *q, uint32_t mask)
{
    for (uint32_t i = 0; i < s->n_banks; i++)
        for (unsigned p = 0; p < EVENTLOG_NUM_PCRS; p++) {
            if (!(mask & (1u << p)))
                continue;
            const TPM2B_DIGEST *v = pcr_values_get(q, s->banks[i].alg, p);
            if (v && memcmp(v->buffer, s->banks[i].pcr[p], s->banks[i].size) != 0)
                return false;
        }
    return true;
}

/* PCRs IMA extends (saved state and this list) that the quote covers in some bank. */
static uint32_t quoted_ima_pcrs(const struct ima_list *l, const struct ima_state *s,
                                const struct pcr_values *q)
{
    uint32_t ima = 0, quoted = 0;
    for (uint32_t i = 0; i < s->n_banks; i++)
        ima |= s->banks[i].extended;
    for (size_t i = 0; i < l->n_entries; i++)
        ima |= 1u << l->entries[i].pcr;
    for (uint32_t i = 0; i < s->n_banks; i++)
        for (unsigned p = 0; p < EVENTLOG_NUM_PCRS; p++)
            if (pcr_values_get(q, s->banks[i].alg, p))
                quoted |= 1u << p;
    return ima & quoted;
}

static int start_state(const struct ima_state *start, uint32_t reset_count,
                       const struct pcr_values *q, struct ima_state *s)
{
    if (start) {
        if (start->reset_count != reset_count)
            return -ESTALE;
        *s = *start;
        return 0;
    }
    TPM2_ALG_ID algs[IMA_MAX_BANKS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < q->sel.count && n < IMA_MAX_BANKS; i++)
        if (tpm_alg_ossl_md_name(q->sel.pcrSelections[i].hash))
            algs[n++] = q->sel.pcrSelections[i].hash;
    return ima_state_init(s, algs, n, reset_count);
}

int ima_verify(const struct ima_list *l, const struct ima_state *start, uint32_t reset_count,
               const struct pcr_values *q, struct ima_result *ret)
{
    if (pcr_values_check(q) < 0)
        return -EBADMSG;
    memset(ret, 0, sizeof(*ret));
    struct ima_state *s = &ret->state;
    int k = start_state(start, reset_count, q, s);
    if (k < 0)
        return k;
    uint32_t mask = quoted_ima_pcrs(l, s, q);
    if (mask == 0)
        return 0; /* the quote covers no PCR IMA extends: nothing verifiable */

    struct replayer r;
    k = replayer_init(&r, s);
    bool check = needs_template_check(s);
    size_t i = 0;
    for (;; i++) {
        if (k < 0)
            break;
        if (state_matches(s, q, mask)) {
            ret->ok = true;
            break;
        }
        if (i == l->n_entries)
            break;
        if (check && check_template_hash(&r, &l->entries[i]) < 0) {
            ret->bad_template_hash = true;
            ret->bad_entry = i;
            break;
        }
        k = extend_entry(&r, s, &l->entries[i]);
    }
    replayer_done(&r);
    if (k < 0)
        return k;
    ret->new_entries = ret->ok ? i : 0;
    ret->verified = ret->ok ? s->n_entries : (start ? start->n_entries : 0);
    return 0;
}

static bool is_boot_aggregate(const struct ima_entry *e)
{
    static const char name[] = "boot_aggregate";
    return e->path && e->path_len == sizeof(name) - 1 && memcmp(e->path, name, e->path_len) == 0;
}

enum ima_boot_aggregate_status ima_check_boot_aggregate(const struct ima_entry *e,
                                                        const struct pcr_values *q)
{
    if (!e || !is_boot_aggregate(e))
        return IMA_BA_MISSING;
    TPM2_ALG_ID alg = TPM2_ALG_SHA1;
    if (e->digest_alg[0]) {
        alg = tpm_alg_hash_from_name(e->digest_alg);
        if (alg == TPM2_ALG_ERROR)
            return IMA_BA_UNSUPPORTED;
    }
    unsigned last = alg == TPM2_ALG_SHA1 ? 7 : 9;
    size_t size = tpm_alg_digest_size(alg);
    if (e->digest_len != size)
        return IMA_BA_MISMATCH;
    uint8_t cat[10 * EVENTLOG_MAX_DIGEST];
    for (unsigned p = 0; p <= last; p++) {
        const TPM2B_DIGEST *v = pcr_values_get(q, alg, p);
        if (!v)
            return IMA_BA_NOT_QUOTED;
        memcpy(cat + p * size, v->buffer, size);
    }
    uint8_t out[EVP_MAX_MD_SIZE];
    int k = evhash_once(alg, cat, (last + 1) * size, NULL, 0, out);
    if (k < 0)
        return IMA_BA_UNSUPPORTED;
    return memcmp(out, e->digest, size) == 0 ? IMA_BA_OK : IMA_BA_MISMATCH;
}

const char *ima_boot_aggregate_status_name(enum ima_boot_aggregate_status s)
{
    switch (s) {
    case IMA_BA_OK:
        return "ok";
    case IMA_BA_MISMATCH:
        return "mismatch";
    case IMA_BA_MISSING:
        return "missing";
    case IMA_BA_NOT_QUOTED:
        return "not-quoted";
    case IMA_BA_UNSUPPORTED:
        return "unsupported";
    }
    return "unknown";
}
