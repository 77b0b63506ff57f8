/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/pcr-selection.h"
#include "log/eventlog-hash.h"
#include "log/eventlog.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD *, EVP_MD_free)

/*
 * Power-on values: PCRs 17-22 (DRTM) start at all ones, the others at zero;
 * PCR 0's last byte is the locality the H-CRTM/S-CRTM started from.
 */
static void bank_init(const struct eventlog *log, struct eventlog_bank *b)
{
    memset(b->initial, 0, sizeof(b->initial));
    for (unsigned p = 17; p <= 22; p++)
        memset(b->initial[p], 0xff, b->size);
    if (log->has_startup_locality)
        b->initial[0][b->size - 1] = log->startup_locality;
    else if (log->has_hcrtm)
        b->initial[0][b->size - 1] = 4;
    memcpy(b->pcr, b->initial, sizeof(b->pcr));
    b->extended = 0;
    b->incomplete = 0;
}

static int replay_bank(const struct eventlog *log, const EVP_MD *md, struct eventlog_bank *b)
{
    _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return -ENOMEM;
    bank_init(log, b);
    for (size_t i = 0; i < log->n_events; i++) {
        const struct eventlog_event *ev = &log->events[i];
        if (ev->type == EV_NO_ACTION)
            continue;
        if (ev->pcr >= EVENTLOG_NUM_PCRS)
            return -EBADMSG;
        const struct eventlog_digest *d = eventlog_event_digest(ev, b->alg);
        b->extended |= 1u << ev->pcr;
        if (!d) {
            b->incomplete |= 1u << ev->pcr;
            continue;
        }
        if (d->size != b->size)
            return -EBADMSG;
        int k = evhash_extend(ctx, md, b->pcr[ev->pcr], b->size, d->bytes);
        if (k < 0)
            return k;
    }
    return 0;
}

int eventlog_replay(const struct eventlog *log, struct eventlog_replay *ret)
{
    memset(ret, 0, sizeof(*ret));
    for (uint32_t i = 0; i < log->n_algs; i++) {
        _cleanup_(EVP_MD_freep) EVP_MD *md = evhash_fetch(log->algs[i].alg);
        /* A bank OpenSSL cannot compute is skipped; its size must match the hash. */
        if (!md)
            continue;
        if ((size_t)EVP_MD_get_size(md) != log->algs[i].size ||
            log->algs[i].size > EVENTLOG_MAX_DIGEST)
            return -EBADMSG;
        struct eventlog_bank *b = &ret->banks[ret->n_banks];
        b->alg = log->algs[i].alg;
        b->size = log->algs[i].size;
        int k = replay_bank(log, md, b);
        if (k < 0)
            return k;
        ret->n_banks++;
    }
    return 0;
}

const struct eventlog_bank *eventlog_replay_bank(const struct eventlog_replay *r, TPM2_ALG_ID alg)
{
    for (uint32_t i = 0; i < r->n_banks; i++)
        if (r->banks[i].alg == alg)
            return &r->banks[i];
    return NULL;
}

bool eventlog_pcr_status_failed(enum eventlog_pcr_status s)
{
    return s == EVENTLOG_PCR_MISMATCH || s == EVENTLOG_PCR_NOT_INITIAL ||
           s == EVENTLOG_PCR_NO_BANK || s == EVENTLOG_PCR_UNREPLAYABLE;
}

const char *eventlog_pcr_status_name(enum eventlog_pcr_status s)
{
    switch (s) {
    case EVENTLOG_PCR_MATCH:
        return "match";
    case EVENTLOG_PCR_MISMATCH:
        return "mismatch";
    case EVENTLOG_PCR_INITIAL:
        return "initial";
    case EVENTLOG_PCR_NOT_INITIAL:
        return "not-initial";
    case EVENTLOG_PCR_NOT_COVERED:
        return "not-covered";
    case EVENTLOG_PCR_NO_BANK:
        return "no-bank";
    case EVENTLOG_PCR_UNREPLAYABLE:
        return "unreplayable";
    }
    return "unknown";
}

static enum eventlog_pcr_status classify(const struct eventlog_bank *b, unsigned pcr,
                                         uint32_t firmware_pcrs, const TPM2B_DIGEST *q)
{
    bool fw = firmware_pcrs & (1u << pcr);
    if (!b)
        return fw ? EVENTLOG_PCR_NO_BANK : EVENTLOG_PCR_NOT_COVERED;
    if (b->incomplete & (1u << pcr))
        return EVENTLOG_PCR_UNREPLAYABLE;
    if (b->extended & (1u << pcr))
        return memcmp(b->pcr[pcr], q->buffer, b->size) == 0 ? EVENTLOG_PCR_MATCH
                                                            : EVENTLOG_PCR_MISMATCH;
    if (!fw)
        return EVENTLOG_PCR_NOT_COVERED;
    return memcmp(b->initial[pcr], q->buffer, b->size) == 0 ? EVENTLOG_PCR_INITIAL
                                                            : EVENTLOG_PCR_NOT_INITIAL;
}

int eventlog_compare(const struct eventlog_replay *replay, const struct pcr_values *q,
                     uint32_t firmware_pcrs, bool require_all_banks, struct eventlog_compare *ret)
{
    if (pcr_values_check(q) < 0)
        return -EBADMSG;
    memset(ret, 0, sizeof(*ret));
    ret->ok = true;

    uint32_t idx = 0;
    for (uint32_t i = 0; i < q->sel.count; i++) {
        const TPMS_PCR_SELECTION *s = &q->sel.pcrSelections[i];
        const struct eventlog_bank *b = eventlog_replay_bank(replay, s->hash);
        for (unsigned p = 0; p < 8u * s->sizeofSelect && p < EVENTLOG_NUM_PCRS; p++) {
            if (!pcrsel_is_set(s, p))
                continue;
            const TPM2B_DIGEST *v = &q->digests[idx++];
            struct eventlog_pcr_result *r = &ret->results[ret->n_results++];
            r->alg = s->hash;
            r->pcr = p;
            r->size = v->size;
            memcpy(r->quoted, v->buffer, v->size);
            if (b)
                memcpy(r->replayed, b->pcr[p], b->size);
            r->status = classify(b, p, firmware_pcrs, v);
            if (eventlog_pcr_status_failed(r->status))
                ret->ok = false;
        }
    }
    for (uint32_t i = 0; i < replay->n_banks; i++) {
        bool quoted = false;
        for (uint32_t k = 0; k < q->sel.count; k++)
            quoted |= q->sel.pcrSelections[k].hash == replay->banks[i].alg;
        if (!quoted)
            ret->unquoted_banks[ret->n_unquoted_banks++] = replay->banks[i].alg;
    }
    if (require_all_banks && ret->n_unquoted_banks > 0)
        ret->ok = false;
    return 0;
}
