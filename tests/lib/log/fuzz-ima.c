/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: IMA binary and ascii lists, replay, prefix verification, generation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log/ima.h"
#include "policy/policy-ima.h"
#include "policy/policy-ima-gen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Both serialisations of the generated policy; our engine must read them back. */
static void generate(const struct ima_list *l)
{
    json_t *doc = policy_ima_generate(l);
    for (int f = POLICY_IMA_FORMAT_ATTEST; doc && f <= POLICY_IMA_FORMAT_KEYLIME; f++) {
        char *text = NULL, *err = NULL;
        struct policy_ima *p = NULL;
        if (policy_ima_render(doc, (enum policy_ima_format)f, &text, &err) == 0 &&
            json_object_size(json_object_get(doc, "digests")) &&
            policy_ima_parse(text, strlen(text), &p, &err) != 0)
            abort();
        policy_ima_free(p);
        free(text);
        free(err);
    }
    json_decref(doc);
}

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
    generate(l);
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
    struct ima_list *l = NULL;
    size_t n, bad;
    if (ima_parse_ascii((const char *)data, size, &e, &n, &bad) == 0)
        ima_ascii_free(e, n);
    if (ima_parse_ascii_list((const char *)data, size, &l, &bad) < 0)
        return;
    generate(l);
    ima_list_free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    binary(data, size);
    ascii(data, size);
    return 0;
}
