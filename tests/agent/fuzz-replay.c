/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plain driver for a libFuzzer entry point (suite 'fuzz', built with any
 * compiler): replays every file of the seed corpus directories, then a
 * bounded number of deterministic mutations of them (bit flips, byte
 * overwrites with interesting values, insertions, deletions, duplications,
 * truncations, splices). A crash or sanitizer report fails the test.
 *
 *   fuzz-replay-NAME [-n MUTATIONS] CORPUS_DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "file-io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS      512
#define FUZZ_MAX_INPUT (64 * 1024)

struct seed {
    uint8_t *buf;
    size_t len;
};

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: deterministic, so a failure reproduces */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap, const struct seed *seeds, size_t n,
                     uint64_t *rng)
{
    static const uint8_t interesting[] = {0,   1,   0x7f, 0x80, 0xff, '\n', '=', '[', ']',
                                          ';', '"', '\\', '{',  '}',  '.',  ',', ' ', 0xc3};
    unsigned rounds = 1 + (unsigned)(rng_next(rng) % 4);
    for (unsigned i = 0; i < rounds; i++) {
        size_t pos = len ? (size_t)(rng_next(rng) % len) : 0;
        switch (rng_next(rng) % 7) {
        case 0:
            if (len)
                buf[pos] ^= (uint8_t)(1u << (rng_next(rng) % 8));
            break;
        case 1:
            if (len)
                buf[pos] = interesting[rng_next(rng) % sizeof(interesting)];
            break;
        case 2: /* insert */
            if (len < cap) {
                memmove(buf + pos + 1, buf + pos, len - pos);
                buf[pos] = interesting[rng_next(rng) % sizeof(interesting)];
                len++;
            }
            break;
        case 3: { /* delete a range */
            size_t k = len - pos ? (size_t)(rng_next(rng) % (len - pos)) % 16 + 1 : 0;
            if (k > len - pos)
                k = len - pos;
            memmove(buf + pos, buf + pos + k, len - pos - k);
            len -= k;
            break;
        }
        case 4: { /* duplicate a range */
            size_t k = (size_t)(rng_next(rng) % 32);
            if (pos + k > len)
                k = len - pos;
            if (len + k <= cap) {
                memmove(buf + pos + k, buf + pos, len - pos);
                len += k;
            }
            break;
        }
        case 5:
            len = pos;
            break;
        case 6: { /* splice the tail of another seed */
            const struct seed *o = &seeds[rng_next(rng) % n];
            size_t from = o->len ? (size_t)(rng_next(rng) % o->len) : 0;
            size_t k = o->len - from;
            if (pos + k > cap)
                k = cap - pos;
            memcpy(buf + pos, o->buf + from, k);
            len = pos + k;
            break;
        }
        }
    }
    return len;
}

static int load_dir(const char *dir, struct seed *seeds, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "fuzz-replay: cannot open %s\n", dir);
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d)) && *n < MAX_SEEDS) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
            break;
        if (file_read_all(path, FUZZ_MAX_INPUT, &seeds[*n].buf, &seeds[*n].len) == 0)
            (*n)++;
    }
    closedir(d);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long mutations = 20000;
    int i = 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        mutations = strtoul(argv[2], NULL, 10);
        i = 3;
    }
    static struct seed seeds[MAX_SEEDS];
    size_t n = 0;
    for (; i < argc; i++)
        if (load_dir(argv[i], seeds, &n) < 0)
            return 1;
    if (n == 0) {
        fprintf(stderr, "fuzz-replay: empty seed corpus\n");
        return 1;
    }
    for (size_t k = 0; k < n; k++) {
        /* Exact-size heap copies: ASan catches reads past the end. */
        uint8_t *copy = malloc(seeds[k].len ? seeds[k].len : 1);
        memcpy(copy, seeds[k].buf, seeds[k].len);
        LLVMFuzzerTestOneInput(copy, seeds[k].len);
        free(copy);
    }
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    static uint8_t work[FUZZ_MAX_INPUT];
    for (unsigned long m = 0; m < mutations; m++) {
        const struct seed *s = &seeds[rng_next(&rng) % n];
        size_t len = s->len > FUZZ_MAX_INPUT ? FUZZ_MAX_INPUT : s->len;
        memcpy(work, s->buf, len);
        len = mutate(work, len, FUZZ_MAX_INPUT, seeds, n, &rng);
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, work, len);
        LLVMFuzzerTestOneInput(copy, len);
        free(copy);
    }
    printf("fuzz-replay: %zu seeds, %lu mutations, no crash\n", n, mutations);
    for (size_t k = 0; k < n; k++)
        free(seeds[k].buf);
    return 0;
}
