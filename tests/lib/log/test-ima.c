/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ima-builder.h"
#include "log/ima.h"

/* boot_aggregate (sha256 over PCRs 0-9 of zeros), then n files, violation at index viol. */
static void build(struct imabuf *b, unsigned n, int viol, struct pcr_values *pcrs09)
{
    uint8_t digest[32], cat[320] = {0};
    memset(b, 0, sizeof(*b));
    EVP_Digest(cat, 320, digest, NULL, EVP_sha256(), NULL);
    ib_entry(b, 10, "boot_aggregate", digest, 0);
    for (unsigned i = 0; i < n; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/usr/bin/tool%u", i);
        memset(digest, (int)i + 1, 32);
        ib_entry(b, 10, path, digest, (int)i == viol);
    }
    if (pcrs09) {
        memset(pcrs09, 0, sizeof(*pcrs09));
        pcrs09->sel.count = 1;
        pcrs09->sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
        pcrs09->sel.pcrSelections[0].sizeofSelect = 3;
        pcrs09->sel.pcrSelections[0].pcrSelect[0] = 0xFF;
        pcrs09->sel.pcrSelections[0].pcrSelect[1] = 0x07; /* 8, 9, 10 */
        pcrs09->count = 11;
        for (unsigned i = 0; i < 11; i++)
            pcrs09->digests[i].size = 32;
    }
}

/* Quote of sha1:10 + sha256:10 with the given values. */
static void quote10(struct pcr_values *q, const uint8_t *s1, const uint8_t *s256)
{
    memset(q, 0, sizeof(*q));
    q->sel.count = 2;
    q->sel.pcrSelections[0].hash = TPM2_ALG_SHA1;
    q->sel.pcrSelections[1].hash = TPM2_ALG_SHA256;
    for (int i = 0; i < 2; i++) {
        q->sel.pcrSelections[i].sizeofSelect = 3;
        q->sel.pcrSelections[i].pcrSelect[1] = 0x04;
    }
    q->count = 2;
    q->digests[0].size = 20;
    memcpy(q->digests[0].buffer, s1, 20);
    q->digests[1].size = 32;
    memcpy(q->digests[1].buffer, s256, 32);
}

static void test_replay_matches_independent(void **state)
{
    struct imabuf b;
    build(&b, 20, 7, NULL);
    struct ima_list *l = NULL;
    assert_int_equal(ima_parse(b.buf, b.len, &l, NULL), 0);
    assert_int_equal(l->n_entries, 21);
    assert_true(l->entries[8].violation);
    assert_string_equal(l->entries[3].digest_alg, "sha256");
    char *path = ima_entry_path(&l->entries[3]);
    assert_string_equal(path, "/usr/bin/tool2");
    free(path);

    uint8_t s1[20], s256[32];
    ib_replay(&b, EVP_sha1(), s1);
    ib_replay(&b, EVP_sha256(), s256);
    struct pcr_values *q = malloc(sizeof(*q));
    struct ima_result *r = malloc(sizeof(*r));
    quote10(q, s1, s256);
    assert_int_equal(ima_verify(l, NULL, 0, q, r), 0);
    assert_true(r->ok);
    assert_int_equal(r->verified, 21);
    assert_memory_equal(r->state.banks[1].pcr[10], s256, 32);
    free(r);
    free(q);
    ima_list_free(l);
    free(b.buf);
}

/* The quote was taken after 11 entries; the list read later has 21. */
static void test_prefix_and_incremental(void **state)
{
    struct imabuf b, prefix;
    build(&b, 20, -1, NULL);
    struct ima_list *l = NULL;
    assert_int_equal(ima_parse(b.buf, b.len, &l, NULL), 0);
    prefix.buf = b.buf;
    prefix.len = l->entries[11].offset;
    uint8_t s1[20], s256[32];
    ib_replay(&prefix, EVP_sha1(), s1);
    ib_replay(&prefix, EVP_sha256(), s256);
    struct pcr_values *q = malloc(sizeof(*q));
    struct ima_result *r = malloc(sizeof(*r));
    quote10(q, s1, s256);
    assert_int_equal(ima_verify(l, NULL, 5, q, r), 0);
    assert_true(r->ok);
    assert_int_equal(r->verified, 11);
    assert_int_equal(r->new_entries, 11);

    /* Save the state as JSON, reload, verify only the new entries against a later quote. */
    char *json = ima_state_to_json(&r->state);
    assert_non_null(json);
    struct ima_state saved;
    assert_int_equal(ima_state_from_json(json, &saved), 0);
    free(json);
    assert_int_equal(saved.n_entries, 11);
    assert_int_equal(saved.reset_count, 5);

    struct ima_list *rest = NULL;
    assert_int_equal(ima_parse(b.buf + prefix.len, b.len - prefix.len, &rest, NULL), 0);
    assert_int_equal(rest->n_entries, 10);
    ib_replay(&b, EVP_sha1(), s1);
    ib_replay(&b, EVP_sha256(), s256);
    quote10(q, s1, s256);
    assert_int_equal(ima_verify(rest, &saved, 5, q, r), 0);
    assert_true(r->ok);
    assert_int_equal(r->verified, 21);
    assert_int_equal(r->new_entries, 10);

    /* A reboot (resetCount changed) voids the saved state. */
    assert_int_equal(ima_verify(rest, &saved, 6, q, r), -ESTALE);

    /* A quote no prefix reaches. */
    s256[0] ^= 1;
    quote10(q, s1, s256);
    assert_int_equal(ima_verify(l, NULL, 5, q, r), 0);
    assert_false(r->ok);
    assert_int_equal(r->verified, 0);
    free(r);
    free(q);
    ima_list_free(rest);
    ima_list_free(l);
    free(b.buf);
}

/* Changed path, template hash kept: SHA-1-only replay catches it via the template hash. */
static void test_tampered_data(void **state)
{
    struct imabuf b;
    build(&b, 5, -1, NULL);
    uint8_t s1[20], s256[32];
    ib_replay(&b, EVP_sha1(), s1);
    ib_replay(&b, EVP_sha256(), s256);
    struct ima_list *l = NULL;
    assert_int_equal(ima_parse(b.buf, b.len, &l, NULL), 0);
    size_t at = (size_t)(l->entries[3].path - (const char *)l->buf) + 10;
    ima_list_free(l);
    b.buf[at] ^= 0x20; /* "/usr/bin/Tool2" */
    assert_int_equal(ima_parse(b.buf, b.len, &l, NULL), 0);

    struct pcr_values *q = malloc(sizeof(*q));
    struct ima_result *r = malloc(sizeof(*r));
    quote10(q, s1, s256);
    q->sel.count = 1; /* SHA-1 bank only */
    q->count = 1;
    assert_int_equal(ima_verify(l, NULL, 0, q, r), 0);
    assert_false(r->ok);
    assert_true(r->bad_template_hash);
    assert_int_equal(r->bad_entry, 3);
    /* SHA-256 bank: the data itself no longer replays. */
    quote10(q, s1, s256);
    assert_int_equal(ima_verify(l, NULL, 0, q, r), 0);
    assert_false(r->ok);
    free(r);
    free(q);
    ima_list_free(l);
    free(b.buf);
}

static void test_boot_aggregate(void **state)
{
    struct imabuf b;
    struct pcr_values *v = malloc(sizeof(*v));
    build(&b, 1, -1, v);
    struct ima_list *l = NULL;
    assert_int_equal(ima_parse(b.buf, b.len, &l, NULL), 0);
    assert_int_equal(ima_check_boot_aggregate(&l->entries[0], v), IMA_BA_OK);
    v->digests[8].buffer[0] = 1; /* PCR 8 counts for a SHA-256 boot_aggregate */
    assert_int_equal(ima_check_boot_aggregate(&l->entries[0], v), IMA_BA_MISMATCH);
    v->sel.pcrSelections[0].pcrSelect[1] = 0x04; /* quote without PCRs 8, 9 */
    v->count = 9;
    memmove(&v->digests[8], &v->digests[10], sizeof(v->digests[0]));
    assert_int_equal(ima_check_boot_aggregate(&l->entries[0], v), IMA_BA_NOT_QUOTED);
    assert_int_equal(ima_check_boot_aggregate(&l->entries[1], v), IMA_BA_MISSING);
    ima_list_free(l);
    free(v);
    free(b.buf);
}

/* Every truncation: a clean prefix of complete entries, never a crash. */
static void test_truncation_and_lies(void **state)
{
    struct imabuf b;
    build(&b, 6, 2, NULL);
    struct ima_list *full = NULL;
    assert_int_equal(ima_parse(b.buf, b.len, &full, NULL), 0);
    for (size_t n = 0; n < b.len; n++) {
        struct ima_list *l = NULL;
        assert_int_equal(ima_parse(b.buf, n, &l, NULL), 0);
        size_t complete = 0;
        while (complete < full->n_entries &&
               (complete + 1 == full->n_entries ? b.len : full->entries[complete + 1].offset) <= n)
            complete++;
        assert_int_equal(l->n_entries, complete);
        ima_list_free(l);
    }
    uint8_t *c = malloc(b.len);
    size_t bad;
    struct ima_list *l = NULL;
    /* PCR 99 */
    memcpy(c, b.buf, b.len);
    c[0] = 99;
    assert_int_equal(ima_parse(c, b.len, &l, &bad), -EBADMSG);
    assert_int_equal(bad, 0);
    /* template name length 0 and huge */
    memcpy(c, b.buf, b.len);
    memset(c + 24, 0, 4);
    assert_int_equal(ima_parse(c, b.len, &l, &bad), -EBADMSG);
    c[27] = 0x7f;
    assert_int_equal(ima_parse(c, b.len, &l, &bad), -EBADMSG);
    /* a field length inside the template data that overruns it */
    memcpy(c, b.buf, b.len);
    c[38] = 0xff;
    assert_int_equal(ima_parse(c, b.len, &l, &bad), -EBADMSG);
    /* ima-ng with a third field: known template, wrong field count */
    struct imabuf x = {0};
    uint8_t data[64] = {0};
    static const uint8_t zero32[32];
    size_t n = ima_ng_data(data, zero32, "/a");
    uint32_t three = 0;
    memcpy(data + n, &three, 4);
    ib_u32(&x, 10);
    ib_put(&x, data, 20); /* any template hash */
    ib_u32(&x, 6);
    ib_put(&x, "ima-ng", 6);
    ib_u32(&x, (uint32_t)n + 4);
    ib_put(&x, data, n + 4);
    assert_int_equal(ima_parse(x.buf, x.len, &l, &bad), -EBADMSG);
    /* the same bytes under an unknown template name are well formed: accepted */
    memcpy(x.buf + 28, "xyz-ng", 6);
    assert_int_equal(ima_parse(x.buf, x.len, &l, &bad), 0);
    assert_int_equal(l->n_entries, 1);
    ima_list_free(l);
    free(x.buf);
    free(c);
    ima_list_free(full);
    free(b.buf);
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A big-endian machine without ima_canonical_fmt writes every length big-endian. */
static void test_big_endian(void **state)
{
    uint8_t data[128], th[20], list[256];
    static const uint8_t digest[32] = {7};
    size_t n = ima_ng_data(data, digest, "/sbin/init");
    be32(data, 40);          /* d-ng field length */
    be32(data + 4 + 40, 11); /* n-ng field length */
    EVP_Digest(data, n, th, NULL, EVP_sha1(), NULL);
    size_t o = 0;
    be32(list + o, 10);
    o += 4;
    memcpy(list + o, th, 20);
    o += 20;
    be32(list + o, 6);
    o += 4;
    memcpy(list + o, "ima-ng", 6);
    o += 6;
    be32(list + o, (uint32_t)n);
    o += 4;
    memcpy(list + o, data, n);
    o += n;

    struct ima_list *l = NULL;
    assert_int_equal(ima_parse(list, o, &l, NULL), 0);
    assert_true(l->big_endian);
    assert_int_equal(l->n_entries, 1);
    assert_int_equal(l->entries[0].pcr, 10);
    char *path = ima_entry_path(&l->entries[0]);
    assert_string_equal(path, "/sbin/init");
    free(path);
    /* SHA-1 replay checks the template hash over the data as stored */
    static const TPM2_ALG_ID sha1[] = {TPM2_ALG_SHA1};
    struct ima_state *s = malloc(sizeof(*s));
    assert_int_equal(ima_state_init(s, sha1, 1, 0), 0);
    assert_int_equal(ima_replay_all(l, s), 0);
    free(s);
    ima_list_free(l);
}

static void test_state_json_rejects(void **state)
{
    struct ima_state s;
    assert_int_equal(ima_state_from_json("{}", &s), -EBADMSG);
    assert_int_equal(ima_state_from_json("{\"entries\":1,\"reset_count\":0,\"banks\":{}}", &s),
                     -EBADMSG);
    assert_int_equal(
        ima_state_from_json(
            "{\"entries\":1,\"reset_count\":0,\"banks\":{\"sha1\":{\"10\":\"00\"}}}", &s),
        -EBADMSG);
    assert_int_equal(
        ima_state_from_json("{\"entries\":-1,\"reset_count\":0,\"banks\":{\"sha1\":{}}}", &s),
        -EBADMSG);
    static const TPM2_ALG_ID dup[] = {TPM2_ALG_SHA1, TPM2_ALG_SHA1};
    assert_int_equal(ima_state_init(&s, dup, 2, 0), -EINVAL);
}

static void test_ascii(void **state)
{
    static const char text[] =
        "10 3c93cea361cd6892bc8b9e3458e22ce60ef2e632 ima-ng sha256:"
        "ab00000000000000000000000000000000000000000000000000000000000000 boot_aggregate\n"
        "10 1111111111111111111111111111111111111111 ima-sig sha1:"
        "2222222222222222222222222222222222222222 /usr/bin/with space 0302aa\n"
        "10 1111111111111111111111111111111111111111 ima "
        "2222222222222222222222222222222222222222 /init\n";
    struct ima_ascii_entry *e = NULL;
    size_t n, bad;
    assert_int_equal(ima_parse_ascii(text, sizeof(text) - 1, &e, &n, &bad), 0);
    assert_int_equal(n, 3);
    assert_string_equal(e[1].path, "/usr/bin/with space");
    assert_string_equal(e[1].digest_alg, "sha1");
    assert_string_equal(e[2].digest_alg, "");
    ima_ascii_free(e, n);
    assert_int_equal(ima_parse_ascii("10 zz ima-ng sha1:00 /x\n", 24, &e, &n, &bad), -EBADMSG);
    assert_int_equal(bad, 1);
}

/*
 * ascii -> binary: template data rebuilt from the printed fields, template
 * hashes (computed for these fields; the first two lines are a real list's,
 * Keylime's archive) checked; a changed field or an uncheckable line refused.
 */
static void test_ascii_list(void **state)
{
    (void)state;
    static const char text[] =
        "10 719de8e521439498e9b77f6ed41e230b9821111e ima 0000000000000000000000000000000000000000 "
        "boot_aggregate\n"
        "10 83519a71fe7500a3ae575f8f6c7160d96c4e2a15 ima 19f13b42c2745066347e76454788c0fe083643f3 "
        "/init\n"
        "\n"
        "10 89c862f0ddc44599ea380e50fa9ad6adbcb615ae ima-sig sha256:2222222222222222222222222222222222222222222222222222222222222222 /usr/bin/with space 0302aa\n"
        "10 af20c03fd2b345476d0c5aa863419d3bb4d1cea7 ima-sig sha256:2222222222222222222222222222222222222222222222222222222222222222 /usr/bin/nosig \n"
        "10 9c40496232b248ea60fc64f926cce4c88fc1ecbb ima-buf sha256:2222222222222222222222222222222222222222222222222222222222222222 kexec-cmdline "
        "726f6f743d2f6465762f736461\n"
        "10 0000000000000000000000000000000000000000 ima-ng sha256:0000000000000000000000000000000000000000000000000000000000000000 /var/log/x.journal\n";
    struct ima_list *l = NULL;
    size_t bad = 0;
    assert_int_equal(ima_parse_ascii_list(text, sizeof(text) - 1, &l, &bad), 0);
    assert_int_equal(l->n_entries, 6);
    assert_string_equal(l->entries[0].template_name, "ima");
    assert_int_equal(l->entries[2].path_len, strlen("/usr/bin/with space"));
    assert_int_equal(l->entries[2].sig_len, 3);
    assert_null(l->entries[3].sig); /* empty signature: the line ends in a space */
    assert_int_equal(l->entries[3].path_len, strlen("/usr/bin/nosig"));
    assert_string_equal(l->entries[4].template_name, "ima-buf");
    assert_true(l->entries[5].violation);
    ima_list_free(l);

    /* one changed byte of a digest, of a path, of a signature: the line is named */
    static const char *const bad_lines[][2] = {
        {"10 83519a71fe7500a3ae575f8f6c7160d96c4e2a15 ima 19f13b42c2745066347e76454788c0fe083643f4 "
         "/init\n", "changed digest"},
        {"10 83519a71fe7500a3ae575f8f6c7160d96c4e2a15 ima 19f13b42c2745066347e76454788c0fe083643f3 "
         "/inix\n", "changed path"},
        {"10 89c862f0ddc44599ea380e50fa9ad6adbcb615ae ima-sig sha256:2222222222222222222222222222222222222222222222222222222222222222 /usr/bin/with space 0302ab\n",
         "changed signature"},
        {"10 89c862f0ddc44599ea380e50fa9ad6adbcb615ae ima-sig sha256:2222222222222222222222222222222222222222222222222222222222222222 /usr/bin/with space\n",
         "signature dropped"},
        {"10 89c862f0ddc44599ea380e50fa9ad6adbcb615ae ima-modsig sha256:2222222222222222222222222222222222222222222222222222222222222222 /usr/bin/with space "
         "0302aa\n", "ima-modsig"},
        {"10 89c862f0ddc44599ea380e50fa9ad6adbcb615ae1122334455667788aabbccdd ima-ng sha256:2222222222222222222222222222222222222222222222222222222222222222 /x\n",
         "sha256 template hash"},
        {"10 89c862f0ddc44599ea380e50fa9ad6adbcb615ae ima-ng 2222222222222222222222222222222222222222222222222222222222222222 /x\n", "ima-ng without algorithm"},
        {"10 83519a71fe7500a3ae575f8f6c7160d96c4e2a15 ima sha1:19f13b42c2745066347e76454788c0fe083643f3 "
         "/init\n", "ima with algorithm"},
    };
    for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
        char buf[512];
        snprintf(buf, sizeof(buf),
                 "10 719de8e521439498e9b77f6ed41e230b9821111e ima "
                 "0000000000000000000000000000000000000000 boot_aggregate\n%s",
                 bad_lines[i][0]);
        l = NULL;
        bad = 0;
        print_message("%s\n", bad_lines[i][1]);
        assert_int_equal(ima_parse_ascii_list(buf, strlen(buf), &l, &bad), -EBADMSG);
        assert_null(l);
        assert_int_equal(bad, 2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_matches_independent),
        cmocka_unit_test(test_prefix_and_incremental),
        cmocka_unit_test(test_tampered_data),
        cmocka_unit_test(test_boot_aggregate),
        cmocka_unit_test(test_truncation_and_lies),
        cmocka_unit_test(test_big_endian),
        cmocka_unit_test(test_state_json_rejects),
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_ascii_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
