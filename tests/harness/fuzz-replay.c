/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The plain driver of every libFuzzer entry point (suite 'fuzz', built with
 * any compiler): replays every seed, then a bounded number of deterministic
 * mutations of them (bit flips, interesting bytes for text and binary
 * formats, little-endian 32-bit lengths, insertions, deletions,
 * duplications, truncations, splices). A crash or sanitizer report fails
 * the test.
 *
 *   fuzz-replay-NAME [-n MUTATIONS] SEED...
 *
 * A SEED is a directory (every file in it) or a file. A relative file is
 * looked up in $ATTEST_CORPORA first (the third-party corpora are the seeds
 * of the log parsers), then as given; an unreadable seed skips the test
 * (exit 77), except in CI, where it fails.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file-io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_SEEDS 512
#define FUZZ_MAX_INPUT (2u * 1024 * 1024)

struct seed {
    uint8_t *buf;
    size_t len;
};

struct corpus {
    struct seed seeds[FUZZ_MAX_SEEDS];
    size_t n;
};

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: deterministic, so a failure reproduces */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static const uint8_t interesting8[] = {0,   1,   0x7f, 0x80, 0xff, '\n', '=', '[', ']', ';',
                                       '"', '\\', '{', '}',  '.',  ',',  ' ', 0xc3, 20, 32};
static const uint32_t interesting32[] = {
    0,      1,       2,          3,          0x7f,       0x80,       0xff, 0x100,
    0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 20,   32};

#define PICK(rng, a) (a[rng_next(rng) % (sizeof(a) / sizeof(a[0]))])

/* One mutation of buf[0..len) in place (capacity FUZZ_MAX_INPUT); returns the new length. */
static size_t mutate_once(uint8_t *buf, size_t len, const struct corpus *c, uint64_t *rng)
{
    size_t pos = len ? (size_t)(rng_next(rng) % len) : 0;
    switch (rng_next(rng) % 9) {
    case 0:
        if (len)
            buf[pos] ^= (uint8_t)(1u << (rng_next(rng) % 8));
        return len;
    case 1:
        if (len)
            buf[pos] = PICK(rng, interesting8);
        return len;
    case 2: /* a little-endian length or count */
        if (pos + 4 <= len) {
            uint32_t v = PICK(rng, interesting32);
            memcpy(buf + pos, &v, 4);
        }
        return len;
    case 3: /* insert a byte */
        if (len < FUZZ_MAX_INPUT) {
            memmove(buf + pos + 1, buf + pos, len - pos);
            buf[pos] = PICK(rng, interesting8);
            return len + 1;
        }
        return len;
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
        if (len + k <= FUZZ_MAX_INPUT) {
            memmove(buf + pos + k, buf + pos, len - pos);
            return len + k;
        }
        return len;
    }
    case 6: /* truncate */
        return pos;
    case 7: { /* splice the tail of another seed */
        const struct seed *o = &c->seeds[rng_next(rng) % c->n];
        size_t from = o->len ? (size_t)(rng_next(rng) % o->len) : 0;
        size_t k = o->len - from;
        if (pos + k > FUZZ_MAX_INPUT)
            k = FUZZ_MAX_INPUT - pos;
        memcpy(buf + pos, o->buf + from, k);
        return pos + k;
    }
    default:
        if (len)
            buf[pos] = (uint8_t)rng_next(rng);
        return len;
    }
}

static int add_file(const char *path, struct corpus *c)
{
    if (c->n == FUZZ_MAX_SEEDS)
        return 0;
    if (file_read_all(path, FUZZ_MAX_INPUT, &c->seeds[c->n].buf, &c->seeds[c->n].len) < 0)
        return -1;
    c->n++;
    return 0;
}

static int add_dir(const char *dir, struct corpus *c)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *de;
    int r = 0;
    while (r == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
            r = -1;
        else
            r = add_file(path, c);
    }
    closedir(d);
    return r;
}

static int add_seed(const char *arg, struct corpus *c)
{
    const char *corpora = getenv("ATTEST_CORPORA");
    struct stat st;
    if (arg[0] != '/' && corpora) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", corpora, arg) < 0)
            return -1;
        if (access(path, R_OK) == 0)
            return add_file(path, c);
    }
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
        return add_dir(arg, c);
    return add_file(arg, c);
}

/* An exact-size heap copy per input: ASan catches a read one byte past the end. */
static void run_one(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, data, len);
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
}

int main(int argc, char **argv)
{
    static struct corpus c;
    unsigned long mutations = 20000;
    int i = 1;
    int rc = 0;

    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        mutations = strtoul(argv[2], NULL, 10);
        i = 3;
    }
    for (; i < argc; i++)
        if (add_seed(argv[i], &c) < 0) {
            fprintf(stderr, "fuzz-replay: seed '%s' not readable\n", argv[i]);
            /* third-party corpora missing: skip, except in CI */
            rc = getenv("CI") ? 1 : 77;
            goto out;
        }
    if (c.n == 0) {
        fprintf(stderr, "usage: %s [-n MUTATIONS] SEED...\n", argv[0]);
        rc = 2;
        goto out;
    }
    for (size_t k = 0; k < c.n; k++)
        run_one(c.seeds[k].buf, c.seeds[k].len);

    uint8_t *work = malloc(FUZZ_MAX_INPUT);
    if (!work) {
        rc = 1;
        goto out;
    }
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    for (unsigned long m = 0; m < mutations; m++) {
        const struct seed *s = &c.seeds[rng_next(&rng) % c.n];
        size_t len = s->len;
        memcpy(work, s->buf, len);
        unsigned rounds = 1 + (unsigned)(rng_next(&rng) % 4);
        for (unsigned r = 0; r < rounds; r++)
            len = mutate_once(work, len, &c, &rng);
        run_one(work, len);
    }
    free(work);
    printf("fuzz-replay: %zu seeds, %lu mutations, no crash\n", c.n, mutations);
out:
    for (size_t k = 0; k < c.n; k++)
        free(c.seeds[k].buf);
    return rc;
}
