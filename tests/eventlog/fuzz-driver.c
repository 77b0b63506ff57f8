/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plain driver for the libFuzzer entry points of tests/eventlog (suite
 * 'fuzz', any compiler): runs every seed, then a bounded number of
 * deterministic mutations of them aimed at binary formats (bit flips,
 * interesting bytes and 32-bit lengths, truncations, deletions,
 * duplications, splices). A crash or sanitizer report fails the test.
 *
 *   fuzz-NAME [-n MUTATIONS] SEED...
 * A SEED is a file; a relative one is looked up in $ATTEST_CORPORA first
 * (the third-party corpora are the main seeds), then as given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file-io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS 64
#define MAX_INPUT (2u * 1024 * 1024)

struct seed {
    uint8_t *buf;
    size_t len;
};

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static const uint32_t interesting32[] = {
    0,      1,       2,          3,          0x7f,       0x80,       0xff, 0x100,
    0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 20,   32};

static size_t mutate_once(uint8_t *buf, size_t len, const struct seed *seeds, size_t n,
                          uint64_t *rng)
{
    size_t pos = len ? (size_t)(rng_next(rng) % len) : 0;
    switch (rng_next(rng) % 8) {
    case 0:
        if (len)
            buf[pos] ^= (uint8_t)(1u << (rng_next(rng) % 8));
        break;
    case 1:
        if (len)
            buf[pos] = (uint8_t)interesting32[rng_next(rng) % 16];
        break;
    case 2: /* a little-endian length or count */
        if (pos + 4 <= len) {
            uint32_t v = interesting32[rng_next(rng) % 16];
            memcpy(buf + pos, &v, 4);
        }
        break;
    case 3:
        return pos;
    case 4: { /* delete a range */
        size_t k = (size_t)(rng_next(rng) % 64) + 1;
        if (k > len - pos)
            k = len - pos;
        memmove(buf + pos, buf + pos + k, len - pos - k);
        return len - k;
    }
    case 5: { /* duplicate a range */
        size_t k = (size_t)(rng_next(rng) % 64);
        if (k > len - pos)
            k = len - pos;
        if (len + k <= MAX_INPUT) {
            memmove(buf + pos + k, buf + pos, len - pos);
            return len + k;
        }
        break;
    }
    case 6: { /* splice the tail of another seed */
        const struct seed *o = &seeds[rng_next(rng) % n];
        size_t from = o->len ? (size_t)(rng_next(rng) % o->len) : 0;
        size_t k = o->len - from;
        if (pos + k > MAX_INPUT)
            k = MAX_INPUT - pos;
        memcpy(buf + pos, o->buf + from, k);
        return pos + k;
    }
    default:
        if (len)
            buf[pos] = (uint8_t)rng_next(rng);
        break;
    }
    return len;
}

static int load_seed(const char *arg, struct seed *s)
{
    const char *dir = getenv("ATTEST_CORPORA");
    char path[4096];
    if (arg[0] != '/' && dir) {
        snprintf(path, sizeof(path), "%s/%s", dir, arg);
        if (access(path, R_OK) == 0)
            return file_read_all(path, MAX_INPUT, &s->buf, &s->len);
    }
    return file_read_all(arg, MAX_INPUT, &s->buf, &s->len);
}

int main(int argc, char **argv)
{
    struct seed seeds[MAX_SEEDS];
    size_t n = 0;
    unsigned long mutations = 1000;
    int i = 1;

    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        mutations = strtoul(argv[2], NULL, 10);
        i = 3;
    }
    for (; i < argc && n < MAX_SEEDS; i++) {
        if (load_seed(argv[i], &seeds[n]) < 0) {
            fprintf(stderr, "seed '%s' not readable\n", argv[i]);
            /* corpora seeds missing: skip, except in CI */
            return getenv("CI") ? 1 : 77;
        }
        n++;
    }
    if (n == 0) {
        fprintf(stderr, "usage: %s [-n MUTATIONS] SEED...\n", argv[0]);
        return 2;
    }
    for (size_t k = 0; k < n; k++)
        LLVMFuzzerTestOneInput(seeds[k].buf, seeds[k].len);

    uint8_t *buf = malloc(MAX_INPUT);
    if (!buf)
        return 1;
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    for (unsigned long m = 0; m < mutations; m++) {
        const struct seed *s = &seeds[rng_next(&rng) % n];
        size_t len = s->len;
        memcpy(buf, s->buf, len);
        unsigned rounds = 1 + (unsigned)(rng_next(&rng) % 4);
        for (unsigned r = 0; r < rounds; r++)
            len = mutate_once(buf, len, seeds, n, &rng);
        LLVMFuzzerTestOneInput(buf, len);
    }
    printf("%zu seeds, %lu mutations: no crash\n", n, mutations);
    free(buf);
    for (size_t k = 0; k < n; k++)
        free(seeds[k].buf);
    return 0;
}
