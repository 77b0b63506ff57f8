/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/file-io.h"
#include "common/pcr-selection.h"
#include "common/pcr-values.h"
#include "common/tpm-alg.h"

/* In-memory layout of tpm2-tools' structs on a little-endian 64-bit host. */
#define SEL_BANK_SIZE    8 /* TPMS_PCR_SELECTION: hash(2) sizeofSelect(1) select[4] pad(1) */
#define SEL_MAX_BANKS    16
#define BLOCK_DIGESTS    8
#define BLOCK_ENTRY_SIZE 66 /* TPM2B_DIGEST: size(2) buffer[64] */
#define MAX_FILE_SIZE                                                                              \
    (PCR_VALUES_FILE_SEL_SIZE + 4 + (size_t)PCR_VALUES_MAX * PCR_VALUES_FILE_BLOCK_SIZE)

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int check_selection(const TPML_PCR_SELECTION *sel)
{
    if (sel->count == 0 || sel->count > TPM2_NUM_PCR_BANKS)
        return -EBADMSG;
    for (UINT32 i = 0; i < sel->count; i++) {
        const TPMS_PCR_SELECTION *b = &sel->pcrSelections[i];
        if (tpm_alg_digest_size(b->hash) == 0 || b->sizeofSelect > TPM2_PCR_SELECT_MAX)
            return -EBADMSG;
        /* Bits beyond sizeofSelect are ignored by the TPM: refuse them, so that
         * two files that select the same PCRs are byte-equal. */
        for (unsigned k = b->sizeofSelect; k < TPM2_PCR_SELECT_MAX; k++)
            if (b->pcrSelect[k] != 0)
                return -EBADMSG;
        for (unsigned p = PCR_VALUES_MAX_PCR; p < 8u * TPM2_PCR_SELECT_MAX; p++)
            if (pcrsel_is_set(b, p))
                return -EBADMSG;
        for (UINT32 j = 0; j < i; j++)
            if (sel->pcrSelections[j].hash == b->hash)
                return -EBADMSG;
    }
    return 0;
}

int pcr_values_check(const struct pcr_values *v)
{
    if (check_selection(&v->sel) < 0)
        return -EBADMSG;
    if (v->count != pcrsel_count(&v->sel) || v->count == 0 || v->count > PCR_VALUES_MAX)
        return -EBADMSG;
    uint32_t k = 0;
    for (UINT32 i = 0; i < v->sel.count; i++) {
        const TPMS_PCR_SELECTION *b = &v->sel.pcrSelections[i];
        size_t size = tpm_alg_digest_size(b->hash);
        for (unsigned p = 0; p < PCR_VALUES_MAX_PCR; p++)
            if (pcrsel_is_set(b, p) && v->digests[k++].size != size)
                return -EBADMSG;
    }
    return 0;
}

const TPM2B_DIGEST *pcr_values_get(const struct pcr_values *v, TPM2_ALG_ID hash, unsigned pcr)
{
    uint32_t k = 0;
    for (UINT32 i = 0; i < v->sel.count && i < TPM2_NUM_PCR_BANKS; i++) {
        const TPMS_PCR_SELECTION *b = &v->sel.pcrSelections[i];
        for (unsigned p = 0; p < PCR_VALUES_MAX_PCR; p++) {
            if (!pcrsel_is_set(b, p))
                continue;
            if (b->hash == hash && p == pcr)
                return k < v->count ? &v->digests[k] : NULL;
            k++;
        }
    }
    return NULL;
}

int pcr_values_digest(const struct pcr_values *v, TPM2_ALG_ID hash, uint8_t *out, size_t *ret_len)
{
    const char *md_name = tpm_alg_ossl_md_name(hash);
    if (!md_name)
        return -EINVAL;
    if (pcr_values_check(v) < 0)
        return -EBADMSG;

    _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return -ENOMEM;
    unsigned int n = 0;
    if (EVP_DigestInit_ex2(ctx, EVP_get_digestbyname(md_name), NULL) != 1)
        return -EINVAL;
    for (uint32_t i = 0; i < v->count; i++)
        if (EVP_DigestUpdate(ctx, v->digests[i].buffer, v->digests[i].size) != 1)
            return -ENOMEM;
    if (EVP_DigestFinal_ex(ctx, out, &n) != 1)
        return -ENOMEM;
    *ret_len = n;
    return 0;
}

static void parse_selection(const uint8_t *p, TPML_PCR_SELECTION *sel)
{
    memset(sel, 0, sizeof(*sel));
    sel->count = get_le32(p);
    for (unsigned i = 0; i < SEL_MAX_BANKS && i < sel->count; i++) {
        const uint8_t *b = p + 4 + i * SEL_BANK_SIZE;
        sel->pcrSelections[i].hash = get_le16(b);
        sel->pcrSelections[i].sizeofSelect = b[2];
        memcpy(sel->pcrSelections[i].pcrSelect, b + 3, TPM2_PCR_SELECT_MAX);
    }
}

int pcr_values_parse_file_bytes(const uint8_t *buf, size_t len, struct pcr_values *ret)
{
    if (len < PCR_VALUES_FILE_SEL_SIZE + 4)
        return -EBADMSG;

    _cleanup_free_ struct pcr_values *v = calloc(1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    parse_selection(buf, &v->sel);
    if (check_selection(&v->sel) < 0)
        return -EBADMSG;
    uint32_t want = pcrsel_count(&v->sel);

    uint32_t n = get_le32(buf + PCR_VALUES_FILE_SEL_SIZE);
    if (n == 0 || n > PCR_VALUES_MAX ||
        len != PCR_VALUES_FILE_SEL_SIZE + 4 + (size_t)n * PCR_VALUES_FILE_BLOCK_SIZE)
        return -EBADMSG;

    const uint8_t *block = buf + PCR_VALUES_FILE_SEL_SIZE + 4;
    for (uint32_t i = 0; i < n; i++, block += PCR_VALUES_FILE_BLOCK_SIZE) {
        uint32_t c = get_le32(block);
        /* tpm2-tools never writes an empty block; refusing one bounds the work. */
        if (c == 0 || c > BLOCK_DIGESTS || c > want - v->count)
            return -EBADMSG;
        for (uint32_t j = 0; j < c; j++) {
            const uint8_t *e = block + 4 + j * BLOCK_ENTRY_SIZE;
            TPM2B_DIGEST *d = &v->digests[v->count++];
            d->size = get_le16(e);
            if (d->size > sizeof(d->buffer))
                return -EBADMSG;
            memcpy(d->buffer, e + 2, d->size);
        }
    }
    if (pcr_values_check(v) < 0)
        return -EBADMSG;
    memcpy(ret, v, sizeof(*v));
    return 0;
}

int pcr_values_format_file_bytes(const struct pcr_values *v, uint8_t **ret_buf, size_t *ret_len)
{
    if (pcr_values_check(v) < 0)
        return -EINVAL;

    uint32_t n = (v->count + BLOCK_DIGESTS - 1) / BLOCK_DIGESTS;
    size_t len = PCR_VALUES_FILE_SEL_SIZE + 4 + (size_t)n * PCR_VALUES_FILE_BLOCK_SIZE;
    _cleanup_free_ uint8_t *buf = calloc(1, len);
    if (!buf)
        return -ENOMEM;

    put_le32(buf, v->sel.count);
    for (UINT32 i = 0; i < v->sel.count; i++) {
        uint8_t *b = buf + 4 + i * SEL_BANK_SIZE;
        put_le16(b, v->sel.pcrSelections[i].hash);
        b[2] = v->sel.pcrSelections[i].sizeofSelect;
        memcpy(b + 3, v->sel.pcrSelections[i].pcrSelect, TPM2_PCR_SELECT_MAX);
    }
    put_le32(buf + PCR_VALUES_FILE_SEL_SIZE, n);

    uint8_t *block = buf + PCR_VALUES_FILE_SEL_SIZE + 4;
    for (uint32_t k = 0; k < v->count; k += BLOCK_DIGESTS, block += PCR_VALUES_FILE_BLOCK_SIZE) {
        uint32_t c = v->count - k < BLOCK_DIGESTS ? v->count - k : BLOCK_DIGESTS;
        put_le32(block, c);
        for (uint32_t j = 0; j < c; j++) {
            uint8_t *e = block + 4 + j * BLOCK_ENTRY_SIZE;
            put_le16(e, v->digests[k + j].size);
            memcpy(e + 2, v->digests[k + j].buffer, v->digests[k + j].size);
        }
    }
    *ret_len = len;
    *ret_buf = TAKE_PTR(buf);
    return 0;
}

int pcr_values_read_file(const char *path, struct pcr_values *ret)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, MAX_FILE_SIZE, &buf, &len);
    if (r == -EFBIG)
        return -EBADMSG;
    if (r < 0)
        return r;
    return pcr_values_parse_file_bytes(buf, len, ret);
}

int pcr_values_write_file(const char *path, const struct pcr_values *v)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = pcr_values_format_file_bytes(v, &buf, &len);
    if (r < 0)
        return r;
    return file_write_atomic(path, buf, len, 0644);
}
