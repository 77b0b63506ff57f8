/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <tss2/tss2_mu.h>

#include "common/cleanup.h"
#include "common/file-io.h"
#include "common/hex.h"
#include "common/pcr-selection.h"
#include "common/pcr-values.h"

#define GOLDEN_PCRS "tpm2-quote-ecc.pcrs"
#define GOLDEN_MSG  "tpm2-quote-ecc.msg"

static char *data_path(const char *name)
{
    char *p = NULL;
    const char *dir = getenv("TEST_DATA_DIR");
    if (asprintf(&p, "%s/%s", dir ? dir : ".", name) < 0)
        return NULL;
    return p;
}

static void read_data(const char *name, uint8_t **buf, size_t *len)
{
    _cleanup_free_ char *p = data_path(name);
    assert_non_null(p);
    assert_int_equal(file_read_all(p, 1 << 20, buf, len), 0);
}

static void assert_hex(const TPM2B_DIGEST *d, const char *hex)
{
    assert_non_null(d);
    _cleanup_free_ char *s = hex_encode(d->buffer, d->size);
    assert_string_equal(s, hex);
}

/* The values tpm2_quote -o wrote, in selection order, and its pcrDigest. */
static void test_golden_parse(void **state)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    read_data(GOLDEN_PCRS, &buf, &len);
    _cleanup_free_ struct pcr_values *v = calloc(1, sizeof(*v));
    assert_int_equal(pcr_values_parse_file_bytes(buf, len, v), 0);

    TPML_PCR_SELECTION want;
    assert_int_equal(pcrsel_parse("sha256:0,1,2,3,4,5,6,7,10+sha1:0,10", &want), 0);
    assert_true(pcrsel_equal(&v->sel, &want));
    assert_int_equal(v->count, 11);
    assert_hex(pcr_values_get(v, TPM2_ALG_SHA256, 0),
               "5c85955f709283ecce2b74f1b1552918819f390911816e7bb466805a38ab87f3");
    assert_hex(pcr_values_get(v, TPM2_ALG_SHA256, 10),
               "a374910806592750e535db78366147f88e164a9102a9b30cafa8eeaf7380cfb4");
    assert_hex(pcr_values_get(v, TPM2_ALG_SHA1, 0), "58360efba5aa833dafce90fbf42907629a28806e");
    assert_hex(pcr_values_get(v, TPM2_ALG_SHA1, 10), "0000000000000000000000000000000000000000");
    assert_null(pcr_values_get(v, TPM2_ALG_SHA256, 8));
    assert_null(pcr_values_get(v, TPM2_ALG_SHA384, 0));

    /* pcrDigest of the TPM's quote over the same values. */
    _cleanup_free_ uint8_t *msg = NULL;
    size_t msg_len;
    read_data(GOLDEN_MSG, &msg, &msg_len);
    TPMS_ATTEST attest;
    assert_int_equal(Tss2_MU_TPMS_ATTEST_Unmarshal(msg, msg_len, NULL, &attest), 0);
    uint8_t md[64];
    size_t md_len;
    assert_int_equal(pcr_values_digest(v, TPM2_ALG_SHA256, md, &md_len), 0);
    assert_int_equal(md_len, attest.attested.quote.pcrDigest.size);
    assert_memory_equal(md, attest.attested.quote.pcrDigest.buffer, md_len);
    assert_true(pcrsel_equal(&v->sel, &attest.attested.quote.pcrSelect));
}

/* Our writer produces exactly the bytes tpm2-tools wrote. */
static void test_golden_roundtrip(void **state)
{
    _cleanup_free_ uint8_t *buf = NULL, *out = NULL;
    size_t len, out_len;
    read_data(GOLDEN_PCRS, &buf, &len);
    _cleanup_free_ struct pcr_values *v = calloc(1, sizeof(*v));
    assert_int_equal(pcr_values_parse_file_bytes(buf, len, v), 0);
    assert_int_equal(pcr_values_format_file_bytes(v, &out, &out_len), 0);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, buf, len);
}

static void test_file_roundtrip(void **state)
{
    _cleanup_free_ struct pcr_values *v = calloc(1, sizeof(*v)), *w = calloc(1, sizeof(*w));
    assert_int_equal(pcrsel_parse("sha256:0-23+sha384:0-23", &v->sel), 0);
    for (unsigned i = 0; i < 48; i++) {
        v->digests[i].size = i < 24 ? 32 : 48;
        memset(v->digests[i].buffer, (int)i, v->digests[i].size);
    }
    v->count = 48;
    char path[] = "/tmp/test-pcr-values.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(pcr_values_write_file(path, v), 0);
    assert_int_equal(pcr_values_read_file(path, w), 0);
    unlink(path);
    assert_true(pcrsel_equal(&v->sel, &w->sel));
    assert_int_equal(w->count, 48);
    assert_memory_equal(v->digests, w->digests, sizeof(v->digests[0]) * 48);
    assert_int_equal(pcr_values_get(w, TPM2_ALG_SHA384, 23)->buffer[0], 47);
}

static void test_check_rejects(void **state)
{
    _cleanup_free_ struct pcr_values *v = calloc(1, sizeof(*v));
    _cleanup_free_ uint8_t *out = NULL;
    size_t out_len;
    assert_int_equal(pcrsel_parse("sha256:0,1", &v->sel), 0);
    v->count = 2;
    v->digests[0].size = 32;
    v->digests[1].size = 20; /* wrong size for the bank */
    assert_int_equal(pcr_values_check(v), -EBADMSG);
    assert_int_equal(pcr_values_format_file_bytes(v, &out, &out_len), -EINVAL);
    v->digests[1].size = 32;
    assert_int_equal(pcr_values_check(v), 0);
    v->count = 1; /* fewer values than selected PCRs */
    assert_int_equal(pcr_values_check(v), -EBADMSG);
    uint8_t md[64];
    size_t md_len;
    assert_int_equal(pcr_values_digest(v, TPM2_ALG_SHA256, md, &md_len), -EBADMSG);
}

/* Every way the file can lie is refused, never read out of bounds. */
static void test_parse_rejects(void **state)
{
    _cleanup_free_ uint8_t *good = NULL;
    size_t len;
    read_data(GOLDEN_PCRS, &good, &len);
    _cleanup_free_ uint8_t *b = malloc(len + 600);
    _cleanup_free_ struct pcr_values *v = calloc(1, sizeof(*v));
    assert_non_null(b);

    struct {
        size_t off;
        uint8_t val;
    } patches[] = {
        {0, 0},         /* no bank */
        {0, 17},        /* too many banks */
        {4, 0x99},      /* unknown hash */
        {12, 0x0b},     /* duplicate bank: second = sha256 */
        {6, 5},         /* sizeofSelect > 4 */
        {10, 1},        /* PCR 24 selected, beyond sizeofSelect */
        {8, 0x0c},      /* one more PCR selected than values */
        {132, 3},       /* more blocks than the file holds */
        {132, 0},       /* zero blocks */
        {136, 9},       /* block count > 8 */
        {136, 0},       /* empty block */
        {140, 0x21},    /* digest size 33 in a sha256 bank */
        {140, 0x41},    /* digest size > 64 */
        {136 + 532, 4}, /* more values than selected */
    };
    for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
        memcpy(b, good, len);
        b[patches[i].off] = patches[i].val;
        assert_int_equal(pcr_values_parse_file_bytes(b, len, v), -EBADMSG);
    }
    /* sizeofSelect 4 is fine, but PCR 24 within it is not. */
    memcpy(b, good, len);
    b[6] = 4;
    assert_int_equal(pcr_values_parse_file_bytes(b, len, v), 0);
    b[10] = 1;
    assert_int_equal(pcr_values_parse_file_bytes(b, len, v), -EBADMSG);
    memcpy(b, good, len);
    for (size_t l = 0; l < len; l += 7)
        assert_int_equal(pcr_values_parse_file_bytes(b, l, v), -EBADMSG);
    memset(b + len, 0, 600);
    assert_int_equal(pcr_values_parse_file_bytes(b, len + 1, v), -EBADMSG);
    assert_int_equal(pcr_values_parse_file_bytes(b, len + 532, v), -EBADMSG);
    assert_int_equal(pcr_values_parse_file_bytes(b, len, v), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_parse),   cmocka_unit_test(test_golden_roundtrip),
        cmocka_unit_test(test_file_roundtrip), cmocka_unit_test(test_check_rejects),
        cmocka_unit_test(test_parse_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
