/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/pcr-selection.h"
#include "common/tpm-alg.h"

#define MAX_PCR 23

bool pcrsel_is_set(const TPMS_PCR_SELECTION *bank, unsigned pcr)
{
    unsigned byte = pcr / 8;
    if (byte >= bank->sizeofSelect || byte >= sizeof(bank->pcrSelect))
        return false;
    return bank->pcrSelect[byte] & (1u << (pcr % 8));
}

static int parse_pcr_number(const char *s, char **end, unsigned *ret)
{
    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(s, end, 10);
    if (errno != 0 || v > MAX_PCR)
        return -EINVAL;
    *ret = (unsigned)v;
    return 0;
}

/* "0,1,2-10" -> bits of bank; the list ends at '+' or NUL. */
static int parse_pcr_list(const char *s, const char **ret_end, TPMS_PCR_SELECTION *bank)
{
    for (;;) {
        char *end;
        unsigned lo, hi;
        if (parse_pcr_number(s, &end, &lo) < 0)
            return -EINVAL;
        hi = lo;
        if (*end == '-') {
            if (parse_pcr_number(end + 1, &end, &hi) < 0 || hi < lo)
                return -EINVAL;
        }
        for (unsigned p = lo; p <= hi; p++)
            bank->pcrSelect[p / 8] |= (uint8_t)(1u << (p % 8));
        s = end;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s != '+' && *s != 0)
            return -EINVAL;
        *ret_end = s;
        return 0;
    }
}

int pcrsel_parse(const char *s, TPML_PCR_SELECTION *ret)
{
    TPML_PCR_SELECTION sel = {0};

    if (!s || !*s)
        return -EINVAL;
    for (;;) {
        const char *colon = strchr(s, ':');
        if (!colon || colon == s || (size_t)(colon - s) > 16)
            return -EINVAL;
        char name[17];
        memcpy(name, s, (size_t)(colon - s));
        name[colon - s] = 0;
        TPM2_ALG_ID alg = tpm_alg_hash_from_name(name);
        if (alg == TPM2_ALG_ERROR || sel.count >= TPM2_NUM_PCR_BANKS)
            return -EINVAL;
        for (UINT32 i = 0; i < sel.count; i++)
            if (sel.pcrSelections[i].hash == alg)
                return -EINVAL;

        TPMS_PCR_SELECTION *bank = &sel.pcrSelections[sel.count++];
        bank->hash = alg;
        bank->sizeofSelect = 3;
        const char *end;
        if (parse_pcr_list(colon + 1, &end, bank) < 0)
            return -EINVAL;
        if (*end == 0)
            break;
        s = end + 1;
    }
    *ret = sel;
    return 0;
}

char *pcrsel_format(const TPML_PCR_SELECTION *sel)
{
    char *buf = NULL;
    size_t size = 0;
    _cleanup_fclose_ FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;

    for (UINT32 i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
        const TPMS_PCR_SELECTION *bank = &sel->pcrSelections[i];
        const char *name = tpm_alg_hash_name(bank->hash);
        if (!name) {
            fclose(TAKE_PTR(f));
            free(buf);
            return NULL;
        }
        fprintf(f, "%s%s:", i ? "+" : "", name);
        const char *sep = "";
        for (unsigned p = 0; p < 8u * TPM2_PCR_SELECT_MAX; p++)
            if (pcrsel_is_set(bank, p)) {
                fprintf(f, "%s%u", sep, p);
                sep = ",";
            }
    }
    if (fclose(TAKE_PTR(f)) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

bool pcrsel_equal(const TPML_PCR_SELECTION *a, const TPML_PCR_SELECTION *b)
{
    if (a->count != b->count || a->count > TPM2_NUM_PCR_BANKS)
        return false;
    for (UINT32 i = 0; i < a->count; i++) {
        const TPMS_PCR_SELECTION *x = &a->pcrSelections[i], *y = &b->pcrSelections[i];
        if (x->hash != y->hash)
            return false;
        for (unsigned p = 0; p < 8u * TPM2_PCR_SELECT_MAX; p++)
            if (pcrsel_is_set(x, p) != pcrsel_is_set(y, p))
                return false;
    }
    return true;
}

unsigned pcrsel_count(const TPML_PCR_SELECTION *sel)
{
    unsigned n = 0;
    for (UINT32 i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++)
        for (unsigned p = 0; p < 8u * TPM2_PCR_SELECT_MAX; p++)
            n += pcrsel_is_set(&sel->pcrSelections[i], p);
    return n;
}

static uint32_t bank_mask(const TPMS_PCR_SELECTION *bank)
{
    uint32_t mask = 0;
    for (unsigned p = 0; p < 24; p++)
        if (pcrsel_is_set(bank, p))
            mask |= 1u << p;
    return mask;
}

uint32_t pcrsel_bank_mask(const TPML_PCR_SELECTION *sel, TPM2_ALG_ID hash)
{
    uint32_t mask = 0;
    for (UINT32 i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++)
        if (sel->pcrSelections[i].hash == hash)
            mask |= bank_mask(&sel->pcrSelections[i]);
    return mask;
}

uint32_t pcrsel_mask(const TPML_PCR_SELECTION *sel)
{
    uint32_t mask = 0;
    for (UINT32 i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++)
        mask |= bank_mask(&sel->pcrSelections[i]);
    return mask;
}
