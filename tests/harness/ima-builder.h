/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Builds IMA binary measurement lists for tests and the benchmark, hashing
 * with OpenSSL directly (independently of the code under test).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct imabuf {
    uint8_t *buf;
    size_t len, cap;
};

static inline void ib_put(struct imabuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 4096;
        while (ncap < b->len + n)
            ncap *= 2;
        b->buf = realloc(b->buf, ncap);
        if (!b->buf)
            abort();
        b->cap = ncap;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static inline void ib_u32(struct imabuf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    ib_put(b, p, 4);
}

/* ima-ng template data: d-ng "sha256:\0" + digest, n-ng path + NUL. */
static inline size_t ima_ng_data(uint8_t *out, const uint8_t digest[32], const char *path)
{
    size_t o = 0, plen = strlen(path) + 1;
    uint32_t dlen = 8 + 32, nlen = (uint32_t)plen;
    memcpy(out + o, &dlen, 4);
    o += 4;
    memcpy(out + o, "sha256:", 8);
    o += 8;
    memcpy(out + o, digest, 32);
    o += 32;
    memcpy(out + o, &nlen, 4);
    o += 4;
    memcpy(out + o, path, plen);
    return o + plen;
}

/* Append an ima-ng entry; violation: zero template hash and zero file digest. */
static inline void ib_entry(struct imabuf *b, uint32_t pcr, const char *path,
                            const uint8_t digest[32], int violation)
{
    uint8_t data[4200], th[20] = {0};
    static const uint8_t zero[32];
    size_t n = ima_ng_data(data, violation ? zero : digest, path);
    if (!violation)
        EVP_Digest(data, n, th, NULL, EVP_sha1(), NULL);
    ib_u32(b, pcr);
    ib_put(b, th, 20);
    ib_u32(b, 6);
    ib_put(b, "ima-ng", 6);
    ib_u32(b, (uint32_t)n);
    ib_put(b, data, n);
}

/* Independent replay of one bank of such a list (ima-ng only). */
static inline void ib_replay(const struct imabuf *b, const EVP_MD *md, uint8_t *pcr10)
{
    size_t o = 0, size = (size_t)EVP_MD_get_size(md);
    memset(pcr10, 0, size);
    while (o < b->len) {
        const uint8_t *th = b->buf + o + 4;
        uint32_t dlen;
        memcpy(&dlen, b->buf + o + 4 + 20 + 4 + 6, 4);
        const uint8_t *data = b->buf + o + 4 + 20 + 4 + 6 + 4;
        uint8_t d[64], cat[128];
        int violation = 1;
        for (int i = 0; i < 20; i++)
            violation &= th[i] == 0;
        if (violation)
            memset(d, 0xff, size);
        else if (EVP_MD_get_size(md) == 20)
            memcpy(d, th, 20);
        else
            EVP_Digest(data, dlen, d, NULL, md, NULL);
        memcpy(cat, pcr10, size);
        memcpy(cat + size, d, size);
        EVP_Digest(cat, 2 * size, pcr10, NULL, md, NULL);
        o += 4 + 20 + 4 + 6 + 4 + dlen;
    }
}
