/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: firmware event log parse, replay, quote comparison, facts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log/eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eventlog *log = NULL;
    size_t bad;
    if (eventlog_parse(data, size, &log, &bad) < 0)
        return 0;
    struct eventlog_replay *r = malloc(sizeof(*r));
    struct eventlog_compare *c = malloc(sizeof(*c));
    struct pcr_values *v = calloc(1, sizeof(*v));
    if (r && c && v && eventlog_replay(log, r) == 0 && r->n_banks > 0) {
        /* Quote the first bank's PCRs 0-9 with the replayed values. */
        const struct eventlog_bank *b = &r->banks[0];
        v->sel.count = 1;
        v->sel.pcrSelections[0].hash = b->alg;
        v->sel.pcrSelections[0].sizeofSelect = 3;
        v->sel.pcrSelections[0].pcrSelect[0] = 0xFF;
        v->sel.pcrSelections[0].pcrSelect[1] = 0x03;
        for (unsigned p = 0; p < 10; p++) {
            v->digests[p].size = b->size;
            memcpy(v->digests[p].buffer, b->pcr[p], b->size);
        }
        v->count = 10;
        (void)eventlog_compare(r, v, EVENTLOG_FIRMWARE_PCRS, true, c);
    }
    struct eventlog_facts f;
    if (eventlog_facts_extract(log, &f) == 0)
        eventlog_facts_done(&f);
    for (size_t i = 0; i < log->n_events; i++) {
        (void)eventlog_type_name(log->events[i].type);
        /* the operator's description reads the untrusted event data */
        char *text = NULL;
        if (eventlog_event_describe(&log->events[i], TPM2_ALG_SHA256, &text) == 0)
            free(text);
    }
    free(v);
    free(c);
    free(r);
    eventlog_free(log);
    return 0;
}
