/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ascii list as a binary one: each line's template data is rebuilt from
 * the fields the kernel printed, in the little-endian canonical layout, and
 * its SHA-1 must equal the template hash the line shows. What passes is the
 * list the kernel measured (up to SHA-1 second preimages; a replayed SHA-256
 * bank hashes the rebuilt data itself), so replay, check and policy work on
 * it exactly as on the binary list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "log/ima.h"

/* "ima": 20-byte SHA-1 digest, u32 length, name without NUL (padded only when hashed). */
#define OLD_IMA_DIGEST   20
#define OLD_IMA_NAME_MAX 255

static int put_u32(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return fwrite(b, 1, 4, f) == 4 ? 0 : -ENOMEM;
}

static int put_bytes(FILE *f, const void *p, size_t n)
{
    return n == 0 || fwrite(p, 1, n, f) == n ? 0 : -ENOMEM;
}

static int put_field(FILE *f, const void *p, size_t n)
{
    int k = put_u32(f, (uint32_t)n);
    return k < 0 ? k : put_bytes(f, p, n);
}

/* Template data of ima-ng, ima-sig, ima-buf: d-ng, n-ng (NUL included), [sig|buf]. */
static int put_ng_data(FILE *f, const struct ima_ascii_entry *e, const uint8_t *digest, size_t dlen,
                       const uint8_t *extra, size_t xlen, bool has_extra)
{
    size_t alen = strlen(e->digest_alg), plen = strlen(e->path);
    size_t dng = alen + 2 + dlen, nng = plen + 1;
    size_t total = 4 + dng + 4 + nng + (has_extra ? 4 + xlen : 0);
    int k;
    if (total > IMA_MAX_SIZE)
        return -EBADMSG;
    if ((k = put_u32(f, (uint32_t)total)) < 0 || (k = put_u32(f, (uint32_t)dng)) < 0 ||
        (k = put_bytes(f, e->digest_alg, alen)) < 0 || (k = put_bytes(f, ":", 2)) < 0 ||
        (k = put_bytes(f, digest, dlen)) < 0 || (k = put_field(f, e->path, nng)) < 0)
        return k;
    return has_extra ? put_field(f, extra, xlen) : 0;
}

/*
 * One entry in binary form. Refused (-EBADMSG): a template hash that is not
 * SHA-1 (an ascii_runtime_measurements_sha256 file: the binary entry has no
 * room for it), a template whose printed fields do not determine its data
 * (ima-modsig, the v2 templates, custom ones), and fields that do not fit it.
 */
static int put_entry(FILE *f, const struct ima_ascii_entry *e)
{
    _cleanup_free_ uint8_t *th = NULL, *digest = NULL, *extra = NULL;
    size_t thlen, dlen, xlen = 0;
    bool old = strcmp(e->template_name, "ima") == 0;
    bool ng = strcmp(e->template_name, "ima-ng") == 0;
    bool tail =
        strcmp(e->template_name, "ima-sig") == 0 || strcmp(e->template_name, "ima-buf") == 0;
    int k;

    if (!old && !ng && !tail)
        return -EBADMSG;
    if (hex_decode(e->template_hash_hex, &th, &thlen) < 0 || thlen != IMA_TEMPLATE_HASH ||
        hex_decode(e->digest_hex, &digest, &dlen) < 0 || dlen > 64)
        return -EBADMSG;
    if (e->extra_hex && *e->extra_hex && hex_decode(e->extra_hex, &extra, &xlen) < 0)
        return -EBADMSG;
    if (strlen(e->path) > IMA_PATH_MAX || (!tail && e->extra_hex))
        return -EBADMSG;
    size_t nlen = strlen(e->template_name);
    if ((k = put_u32(f, e->pcr)) < 0 || (k = put_bytes(f, th, thlen)) < 0 ||
        (k = put_field(f, e->template_name, nlen)) < 0)
        return k;
    if (old) {
        if (e->digest_alg[0] || dlen != OLD_IMA_DIGEST || strlen(e->path) > OLD_IMA_NAME_MAX)
            return -EBADMSG;
        if ((k = put_bytes(f, digest, dlen)) < 0)
            return k;
        return put_field(f, e->path, strlen(e->path));
    }
    if (!e->digest_alg[0])
        return -EBADMSG;
    return put_ng_data(f, e, digest, dlen, extra, xlen, tail);
}

static int to_binary(const struct ima_ascii_entry *e, size_t n, uint8_t **ret, size_t *ret_len,
                     size_t *ret_bad)
{
    _cleanup_free_ char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return -ENOMEM;
    int k = 0;
    for (size_t i = 0; k == 0 && i < n; i++)
        if ((k = put_entry(f, &e[i])) < 0)
            *ret_bad = i;
    if (fclose(f) != 0 && k == 0)
        k = -ENOMEM;
    if (k < 0)
        return k;
    *ret = (uint8_t *)TAKE_PTR(buf);
    *ret_len = size;
    return 0;
}

int ima_parse_ascii_list(const char *text, size_t len, struct ima_list **ret, size_t *ret_bad_line)
{
    struct ima_ascii_entry *e = NULL;
    size_t n = 0, bad = 0, blen = 0;
    _cleanup_free_ uint8_t *bin = NULL;
    _cleanup_free_ size_t *lines = NULL;

    if (len > IMA_MAX_SIZE)
        return -EFBIG;
    int k = ima_parse_ascii(text, len, &e, &n, &bad);
    if (k < 0) {
        *ret_bad_line = bad;
        return k;
    }
    /* Entries skip empty lines: keep each one's line number for the message. */
    lines = calloc(n + 1, sizeof(*lines));
    if (!lines) {
        ima_ascii_free(e, n);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        lines[i] = e[i].line;
    k = to_binary(e, n, &bin, &blen, &bad);
    ima_ascii_free(e, n);
    if (k < 0) {
        *ret_bad_line = k == -EBADMSG ? lines[bad] : 0;
        return k;
    }
    _cleanup_(ima_list_freep) struct ima_list *l = NULL;
    size_t off;
    k = ima_parse(bin, blen, &l, &off);
    if (k == 0 && (l->n_entries != n || l->trailing))
        k = -EBADMSG; /* cannot happen for what put_entry wrote; refuse rather than assume */
    if (k == 0 && (k = ima_list_check_template_hashes(l, &bad)) == -EBADMSG)
        *ret_bad_line = lines[bad];
    if (k < 0)
        return k;
    *ret = TAKE_PTR(l);
    return 0;
}
