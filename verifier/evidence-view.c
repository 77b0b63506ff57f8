/* SPDX-License-Identifier: Apache-2.0 */
/* A machine's last evidence, parsed and replayed for capture and diffs (evidence-view.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "common/pcr-selection.h"
#include "evidence-view.h"
#include "verifier.h"

void evidence_view_done(struct evidence_view *e)
{
    machine_done(&e->m);
    evidence_done(&e->ev);
    free(e->pcrs);
    eventlog_free(e->log);
    free(e->replay);
    eventlog_facts_done(&e->facts);
    ima_list_free(e->ima);
    *e = (struct evidence_view){0};
}

/* The stored PCR values ({"0x000b": {"0": hex}}) in the order of sel; -EBADMSG if they differ. */
static int pcrs_from_json(const char *text, const TPML_PCR_SELECTION *sel, struct pcr_values *out)
{
    json_auto_t *o = json_loads(text, 0, NULL);
    if (!json_is_object(o))
        return -EBADMSG;
    out->sel = *sel;
    out->count = 0;
    for (UINT32 b = 0; b < sel->count; b++) {
        char bank[16];
        snprintf(bank, sizeof(bank), "0x%04x", sel->pcrSelections[b].hash);
        json_t *values = json_object_get(o, bank);
        for (unsigned pcr = 0; pcr < PCR_VALUES_MAX_PCR; pcr++) {
            if (!pcrsel_is_set(&sel->pcrSelections[b], pcr))
                continue;
            char key[4];
            snprintf(key, sizeof(key), "%u", pcr);
            const char *hex = json_string_value(json_object_get(values, key));
            TPM2B_DIGEST *d = &out->digests[out->count];
            size_t len = hex ? strlen(hex) / 2 : 0;
            if (!hex || out->count == PCR_VALUES_MAX || len > sizeof(d->buffer) ||
                strlen(hex) != 2 * len || hex_decode_into(hex, d->buffer, len) < 0)
                return -EBADMSG;
            d->size = (UINT16)len;
            out->count++;
        }
    }
    return pcr_values_check(out);
}

static int fail(struct http_reply *rep, int status, const char *msg)
{
    http_reply_error(rep, status, "machine_id", "%s", msg);
    return -EINVAL;
}

static int load_log(struct evidence_view *e, struct http_reply *rep)
{
    if (!e->ev.event_log)
        return fail(rep, 422, "the last attestation sent no event log");
    size_t bad = 0;
    if (eventlog_parse(e->ev.event_log, e->ev.event_log_len, &e->log, &bad) < 0)
        return fail(rep, 422, "the last attestation's event log does not parse");
    _cleanup_free_ struct eventlog_compare *cmp = calloc(1, sizeof(*cmp));
    e->replay = calloc(1, sizeof(*e->replay));
    if (!cmp || !e->replay)
        return fail(rep, 500, "out of memory");
    if (eventlog_replay(e->log, e->replay) < 0 ||
        eventlog_compare(e->replay, e->pcrs, EVENTLOG_FIRMWARE_PCRS, true, cmp) < 0 || !cmp->ok)
        return fail(rep, 422, "the last attestation's event log does not replay to its quote");
    if (eventlog_facts_extract(e->log, &e->facts) < 0)
        return fail(rep, 500, "out of memory");
    return 0;
}

static int load_ima(struct evidence_view *e, bool whole, struct http_reply *rep)
{
    if (!e->ev.ima_log)
        return fail(rep, 422, "the last attestation sent no IMA list");
    if (whole && e->ev.ima_from != 0)
        return fail(rep, 409,
                    "the last attestation sent only the IMA entries after those verified: a "
                    "capture needs the whole list (sent after a reboot or a policy change)");
    size_t bad = 0;
    if (ima_parse(e->ev.ima_log, e->ev.ima_log_len, &e->ima, &bad) < 0)
        return fail(rep, 422, "the last attestation's IMA list does not parse");
    if (e->ev.ima_from != 0)
        return 0; /* a delta: replayed at attestation time from the saved state */
    _cleanup_free_ struct ima_result *ir = calloc(1, sizeof(*ir));
    if (!ir)
        return fail(rep, 500, "out of memory");
    if (ima_verify(e->ima, NULL, 0, e->pcrs, ir) < 0 || !ir->ok)
        return fail(rep, 422, "the last attestation's IMA list does not replay to its quote");
    e->ima->n_entries = ir->new_entries; /* only what the quote binds */
    return 0;
}

int evidence_view_load(struct verifier *v, const char *machine_id, unsigned need,
                       struct evidence_view *ret, struct http_reply *rep)
{
    struct evidence_view *e = ret;
    *e = (struct evidence_view){0};
    if (!admin_read_machine(v, machine_id, &e->m, rep))
        return -ENOENT;
    int r = v->storage->ops->get_evidence(v->storage, machine_id, &e->ev);
    if (r == -ENOENT)
        return fail(rep, 409, "no attestation of this machine recorded yet: let it attest first");
    if (r < 0)
        return reply_storage_error(v, rep, r, "read evidence"), r;
    if (!e->ev.quote_ok)
        return fail(rep, 409,
                    "the last attestation's quote was not accepted: its logs are bound "
                    "by nothing (see the machine's failed checks)");
    e->pcrs = calloc(1, sizeof(*e->pcrs));
    if (!e->pcrs)
        return fail(rep, 500, "out of memory");
    if (pcrs_from_json(e->ev.pcrs, &v->pcr_selection, e->pcrs) < 0)
        return fail(rep, 409,
                    "the last attestation's PCR values are not the verifier's "
                    "pcr_selection (changed since): let it attest again");
    if ((need & EVIDENCE_BOOT) && (r = load_log(e, rep)) < 0)
        return r;
    if ((need & EVIDENCE_IMA) && (r = load_ima(e, need & EVIDENCE_WHOLE_IMA, rep)) < 0)
        return r;
    return 0;
}
