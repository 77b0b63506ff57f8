/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "common/tpm-alg.h"
#include "log/eventlog-pcrs.h"

static int parse_pcr_key(const char *key, unsigned *ret)
{
    char *end;
    if (key[0] < '0' || key[0] > '9')
        return -EBADMSG;
    unsigned long v = strtoul(key, &end, 10);
    if (*end || v >= PCR_VALUES_MAX_PCR)
        return -EBADMSG;
    *ret = (unsigned)v;
    return 0;
}

static int add_bank(struct pcr_values *v, TPM2_ALG_ID alg, json_t *pcrs)
{
    size_t size = tpm_alg_digest_size(alg);
    TPM2B_DIGEST vals[PCR_VALUES_MAX_PCR] = {0};
    uint32_t have = 0;
    const char *key;
    json_t *val;

    if (!json_is_object(pcrs) || v->sel.count >= TPM2_NUM_PCR_BANKS)
        return -EBADMSG;
    json_object_foreach(pcrs, key, val)
    {
        unsigned p;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;
        if (parse_pcr_key(key, &p) < 0 || !json_is_string(val) ||
            hex_decode(json_string_value(val), &buf, &n) < 0 || n != size)
            return -EBADMSG;
        vals[p].size = (UINT16)n;
        memcpy(vals[p].buffer, buf, n);
        have |= 1u << p;
    }
    TPMS_PCR_SELECTION *s = &v->sel.pcrSelections[v->sel.count++];
    s->hash = alg;
    s->sizeofSelect = 3;
    for (unsigned p = 0; p < PCR_VALUES_MAX_PCR; p++)
        if (have & (1u << p)) {
            s->pcrSelect[p / 8] |= (uint8_t)(1u << (p % 8));
            v->digests[v->count++] = vals[p];
        }
    return 0;
}

int eventlog_pcrs_from_json(const char *text, size_t len, TPM2_ALG_ID only_bank,
                            struct pcr_values *ret)
{
    json_error_t err;
    _cleanup_(json_decrefp) json_t *root = json_loadb(text, len, 0, &err);
    if (!root)
        return -EBADMSG;
    json_t *banks = json_object_get(root, "banks");
    if (!json_is_object(banks))
        return -EBADMSG;

    memset(ret, 0, sizeof(*ret));
    const char *name;
    json_t *pcrs;
    json_object_foreach(banks, name, pcrs)
    {
        TPM2_ALG_ID alg = tpm_alg_hash_from_name(name);
        if (alg == TPM2_ALG_ERROR)
            return -EBADMSG;
        if (only_bank != TPM2_ALG_ERROR && alg != only_bank)
            continue;
        int k = add_bank(ret, alg, pcrs);
        if (k < 0)
            return k;
    }
    if (ret->sel.count == 0)
        return -ENOENT;
    return pcr_values_check(ret) < 0 ? -EBADMSG : 0;
}
