/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "log/ima.h"

#define IMA_NAME_MAX     31
#define IMA_OLD_NAME_PAD 256 /* IMA_EVENT_NAME_LEN_MAX + 1 */

struct ima_reader {
    const uint8_t *buf;
    size_t len, pos;
    bool big_endian;
};

/* Running out of input is -ENODATA (an entry cut off), not a malformed one. */
static int rd_u32(struct ima_reader *r, uint32_t *v)
{
    if (r->len - r->pos < 4)
        return -ENODATA;
    const uint8_t *p = r->buf + r->pos;
    if (r->big_endian)
        *v = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
    else
        *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    r->pos += 4;
    return 0;
}

static int rd_bytes(struct ima_reader *r, size_t n, const uint8_t **v)
{
    if (r->len - r->pos < n)
        return -ENODATA;
    *v = r->buf + r->pos;
    r->pos += n;
    return 0;
}

void ima_list_free(struct ima_list *l)
{
    if (!l)
        return;
    free(l->buf);
    free(l->entries);
    free(l);
}

static bool is_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* d-ng / d-ngv2: "[type:]alg:\0" then the digest. */
static int decode_dng(struct ima_entry *e, const uint8_t *f, uint32_t len)
{
    const uint8_t *nul = memchr(f, 0, len);
    if (!nul)
        return -EBADMSG;
    size_t plen = (size_t)(nul - f);
    if (plen < 2 || f[plen - 1] != ':')
        return -EBADMSG;
    /* The algorithm is the last "name:" before the NUL (d-ngv2 prefixes "ima:"/"verity:"). */
    size_t start = plen - 1;
    while (start > 0 && f[start - 1] != ':')
        start--;
    size_t alen = plen - 1 - start;
    if (alen == 0 || alen >= sizeof(e->digest_alg))
        return -EBADMSG;
    memcpy(e->digest_alg, f + start, alen);
    e->digest_alg[alen] = 0;
    e->digest = nul + 1;
    e->digest_len = len - (uint32_t)plen - 1;
    return 0;
}

/*
 * Template data: length-prefixed fields that must add up to data_len. The
 * first two of every template we know are the digest (d-ng) and the name
 * (n-ng, NUL included); the third of ima-sig/ima-modsig is the signature.
 */
static int decode_fields(struct ima_entry *e, bool big_endian)
{
    struct ima_reader r = {.buf = e->data, .len = e->data_len, .big_endian = big_endian};
    const uint8_t *f[8];
    uint32_t flen[8];
    unsigned n = 0;

    while (r.pos < r.len) {
        if (n == 8)
            return -EBADMSG;
        if (rd_u32(&r, &flen[n]) < 0 || rd_bytes(&r, flen[n], &f[n]) < 0)
            return -EBADMSG; /* fields overrun the template data */
        n++;
    }
    bool known =
        strcmp(e->template_name, "ima-ng") == 0 || strcmp(e->template_name, "ima-sig") == 0 ||
        strcmp(e->template_name, "ima-buf") == 0 || strcmp(e->template_name, "ima-modsig") == 0 ||
        strcmp(e->template_name, "ima-ngv2") == 0 || strcmp(e->template_name, "ima-sigv2") == 0;
    unsigned want = strcmp(e->template_name, "ima-ng") == 0       ? 2
                    : strcmp(e->template_name, "ima-ngv2") == 0   ? 2
                    : strcmp(e->template_name, "ima-modsig") == 0 ? 5
                                                                  : 3;
    if (known && n != want)
        return -EBADMSG;
    /* Unknown template: well-formed fields are enough to hash it; decode what looks known. */
    if (n >= 1 && decode_dng(e, f[0], flen[0]) < 0) {
        if (known)
            return -EBADMSG;
        e->digest_alg[0] = 0;
    }
    if (n >= 2) {
        e->path = (const char *)f[1];
        e->path_len = flen[1];
        if (e->path_len > 0 && f[1][e->path_len - 1] == 0)
            e->path_len--;
    }
    if (n >= 3 && (strncmp(e->template_name, "ima-sig", 7) == 0 ||
                   strcmp(e->template_name, "ima-modsig") == 0)) {
        e->sig = flen[2] ? f[2] : NULL;
        e->sig_len = flen[2];
    }
    return 0;
}

/* Old "ima" template: 20-byte SHA-1 file digest, then length + name (no NUL). */
static int parse_old_ima(struct ima_reader *r, struct ima_entry *e)
{
    uint32_t nlen;
    const uint8_t *name;
    size_t start = r->pos;
    int k;

    if ((k = rd_bytes(r, 20, &e->digest)) < 0 || (k = rd_u32(r, &nlen)) < 0)
        return k;
    if (nlen >= IMA_OLD_NAME_PAD)
        return -EBADMSG;
    if ((k = rd_bytes(r, nlen, &name)) < 0)
        return k;
    e->digest_len = 20;
    e->digest_alg[0] = 0;
    e->path = (const char *)name;
    e->path_len = nlen;
    e->data = r->buf + start;
    e->data_len = (uint32_t)(r->pos - start);
    return 0;
}

static int parse_entry(struct ima_reader *r, struct ima_entry *e)
{
    uint32_t nlen;
    const uint8_t *name;

    int k;

    e->offset = r->pos;
    if ((k = rd_u32(r, &e->pcr)) < 0)
        return k;
    if (e->pcr >= EVENTLOG_NUM_PCRS)
        return -EBADMSG;
    if ((k = rd_bytes(r, IMA_TEMPLATE_HASH, &e->template_hash)) < 0 || (k = rd_u32(r, &nlen)) < 0)
        return k;
    if (nlen == 0 || nlen > IMA_NAME_MAX)
        return -EBADMSG;
    if ((k = rd_bytes(r, nlen, &name)) < 0)
        return k;
    if (memchr(name, 0, nlen))
        return -EBADMSG;
    memcpy(e->template_name, name, nlen);
    e->template_name[nlen] = 0;
    e->violation = is_zero(e->template_hash, IMA_TEMPLATE_HASH);
    if (strcmp(e->template_name, "ima") == 0)
        return parse_old_ima(r, e);
    if ((k = rd_u32(r, &e->data_len)) < 0 || (k = rd_bytes(r, e->data_len, &e->data)) < 0)
        return k;
    return decode_fields(e, r->big_endian);
}

/* A big-endian native list shows PCR 10 as 0x0a000000 when read little-endian. */
static bool detect_big_endian(const uint8_t *buf, size_t len)
{
    if (len < 4)
        return false;
    uint32_t le =
        (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
    uint32_t be =
        (uint32_t)buf[3] | (uint32_t)buf[2] << 8 | (uint32_t)buf[1] << 16 | (uint32_t)buf[0] << 24;
    return le >= EVENTLOG_NUM_PCRS && be < EVENTLOG_NUM_PCRS;
}

int ima_parse(const uint8_t *buf, size_t len, struct ima_list **ret, size_t *ret_bad_offset)
{
    if (len > IMA_MAX_SIZE)
        return -EFBIG;
    _cleanup_(ima_list_freep) struct ima_list *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->buf = malloc(len ? len : 1);
    if (!l->buf)
        return -ENOMEM;
    if (len)
        memcpy(l->buf, buf, len);
    l->len = len;
    l->big_endian = detect_big_endian(buf, len);

    struct ima_reader r = {.buf = l->buf, .len = len, .big_endian = l->big_endian};
    /*
     * An entry takes at least 64 bytes in practice: size the array for that up
     * front (pages never touched cost nothing) instead of growing and copying
     * it; a list of smaller entries still grows by doubling.
     */
    size_t cap = len / 64 < 16 ? 16 : (len / 64 > (1u << 20) ? (1u << 20) : len / 64);
    l->entries = reallocarray(NULL, cap, sizeof(*l->entries));
    if (!l->entries)
        return -ENOMEM;
    while (r.pos < r.len) {
        struct ima_entry e = {0};
        size_t at = r.pos;
        int k = parse_entry(&r, &e);
        if (k == -ENODATA) {
            /* An entry cut off at the end: the complete ones before it still count. */
            l->trailing = r.len - at;
            break;
        }
        if (k < 0) {
            if (ret_bad_offset)
                *ret_bad_offset = at;
            return -EBADMSG;
        }
        if (l->n_entries == cap) {
            size_t ncap = cap * 2;
            struct ima_entry *n = reallocarray(l->entries, ncap, sizeof(*n));
            if (!n)
                return -ENOMEM;
            l->entries = n;
            cap = ncap;
        }
        l->entries[l->n_entries++] = e;
    }
    *ret = TAKE_PTR(l);
    return 0;
}

char *ima_entry_path(const struct ima_entry *e)
{
    if (!e->path || memchr(e->path, 0, e->path_len))
        return NULL;
    return strndup(e->path, e->path_len);
}
