/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "common/tpm-alg.h"
#include "log/ima.h"

static json_t *bank_json(const struct ima_state *s, uint32_t i)
{
    json_t *pcrs = json_object();
    if (!pcrs)
        return NULL;
    for (unsigned p = 0; p < EVENTLOG_NUM_PCRS; p++) {
        if (!(s->banks[i].extended & (1u << p)))
            continue;
        _cleanup_free_ char *hex = hex_encode(s->banks[i].pcr[p], s->banks[i].size);
        char key[4];
        snprintf(key, sizeof(key), "%u", p);
        if (!hex || json_object_set_new(pcrs, key, json_string(hex)) < 0) {
            json_decref(pcrs);
            return NULL;
        }
    }
    return pcrs;
}

char *ima_state_to_json(const struct ima_state *s)
{
    json_auto_t *banks = json_object();
    if (!banks)
        return NULL;
    for (uint32_t i = 0; i < s->n_banks; i++) {
        const char *name = tpm_alg_hash_name(s->banks[i].alg);
        json_t *b = bank_json(s, i);
        if (!name || !b || json_object_set_new(banks, name, b) < 0) {
            json_decref(b);
            return NULL;
        }
    }
    json_auto_t *root = json_pack("{s:I,s:I,s:O}", "entries", (json_int_t)s->n_entries,
                                  "reset_count", (json_int_t)s->reset_count, "banks", banks);
    if (!root)
        return NULL;
    return json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
}

static int bank_from_json(struct ima_state *s, const char *name, json_t *pcrs)
{
    TPM2_ALG_ID alg = tpm_alg_hash_from_name(name);
    size_t size = tpm_alg_digest_size(alg);
    if (alg == TPM2_ALG_ERROR || !json_is_object(pcrs) || s->n_banks >= IMA_MAX_BANKS ||
        size > EVENTLOG_MAX_DIGEST)
        return -EBADMSG;
    for (uint32_t i = 0; i < s->n_banks; i++)
        if (s->banks[i].alg == alg)
            return -EBADMSG;
    uint32_t i = s->n_banks++;
    s->banks[i].alg = alg;
    s->banks[i].size = (uint16_t)size;
    const char *key;
    json_t *val;
    json_object_foreach(pcrs, key, val)
    {
        char *end;
        unsigned long p = strtoul(key, &end, 10);
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        if (*key < '0' || *key > '9' || *end || p >= EVENTLOG_NUM_PCRS || !json_is_string(val) ||
            hex_decode(json_string_value(val), &buf, &n) < 0 || n != size)
            return -EBADMSG;
        memcpy(s->banks[i].pcr[p], buf, n);
        s->banks[i].extended |= 1u << p;
    }
    return 0;
}

int ima_state_from_json(const char *json, struct ima_state *ret)
{
    json_error_t err;
    json_auto_t *root = json_loads(json, 0, &err);
    json_int_t entries, reset;
    json_t *banks;
    struct ima_state s = {0};

    if (!root || json_unpack(root, "{s:I,s:I,s:o}", "entries", &entries, "reset_count", &reset,
                             "banks", &banks) < 0)
        return -EBADMSG;
    if (entries < 0 || reset < 0 || reset > UINT32_MAX || !json_is_object(banks))
        return -EBADMSG;
    s.n_entries = (uint64_t)entries;
    s.reset_count = (uint32_t)reset;
    const char *name;
    json_t *pcrs;
    json_object_foreach(banks, name, pcrs)
    {
        int k = bank_from_json(&s, name, pcrs);
        if (k < 0)
            return k;
    }
    if (s.n_banks == 0)
        return -EBADMSG;
    *ret = s;
    return 0;
}
