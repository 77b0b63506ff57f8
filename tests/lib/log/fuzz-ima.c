/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: IMA binary and ascii lists, replay, prefix verification, generation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log/ima.h"
#include "policy/policy-ima.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void binary(const uint8_t *data, size_t size)
{
    struct ima_list *l = NULL;
    size_t bad;
    if (ima_parse(data, size, &l, &bad) < 0)
        return;
    static const TPM2_ALG_ID algs[] = {TPM2_ALG_SHA1, TPM2_ALG_SHA256};
    struct ima_state *s = malloc(sizeof(*s));
    struct ima_result *r = malloc(sizeof(*r));
    struct pcr_values *q = calloc(1, sizeof(*q));
    if (s && r && q && ima_state_init(s, algs, 2, 0) == 0) {
        (void)ima_replay_all(l, s);
        q->sel.count = 1;
        q->sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
        q->sel.pcrSelections[0].sizeofSelect = 3;
        q->sel.pcrSelections[0].pcrSelect[0] = 0xFF;
        q->sel.pcrSelections[0].pcrSelect[1] = 0x07;
        q->count = 11;
        for (unsigned i = 0; i < 11; i++) {
            q->digests[i].size = 32;
            memcpy(q->digests[i].buffer, s->banks[1].pcr[i], 32);
        }
        (void)ima_verify(l, NULL, 0, q, r);
        if (l->n_entries)
            (void)ima_check_boot_aggregate(&l->entries[0], q);
        char *json = ima_state_to_json(s);
        if (json && ima_state_from_json(json, s) < 0)
            abort(); /* our own output must read back */
        free(json);
    }
    free(policy_ima_generate_from_list(l));
    for (size_t i = 0; i < l->n_entries; i++)
        free(ima_entry_path(&l->entries[i]));
    free(q);
    free(r);
    free(s);
    ima_list_free(l);
}

static void ascii(const uint8_t *data, size_t size)
{
    struct ima_ascii_entry *e = NULL;
    size_t n, bad;
    if (ima_parse_ascii((const char *)data, size, &e, &n, &bad) < 0)
        return;
    free(policy_ima_generate_from_ascii(e, n));
    ima_ascii_free(e, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    binary(data, size);
    ascii(data, size);
    return 0;
}
