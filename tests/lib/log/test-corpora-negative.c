/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Real logs from the corpora (read in place via $ATTEST_CORPORA), attacked:
 * truncated at every byte offset, content altered with digests kept; the
 * tpm2-tss IMA samples (valid ones replay, invalidated ones fail); the
 * largest real IMA list verified whole and incrementally.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/file-io.h"
#include "corpora.h"
#include "log/eventlog-pcrs.h"
#include "log/eventlog.h"
#include "log/ima.h"

static const char *corpora;

static void load(const char *rel, uint8_t **buf, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", corpora, rel);
    size_t n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".xz") == 0) {
        /* xz-compressed corpus files are decompressed in memory, never copied. */
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "xz -dc '%s'", path);
        FILE *f = popen(cmd, "r");
        assert_non_null(f);
        size_t cap = 1 << 20;
        *buf = malloc(cap);
        *len = 0;
        size_t k;
        while ((k = fread(*buf + *len, 1, cap - *len, f)) > 0) {
            *len += k;
            if (*len == cap)
                *buf = realloc(*buf, cap *= 2);
        }
        assert_int_equal(pclose(f), 0);
        return;
    }
    assert_int_equal(file_read_all(path, 1u << 28, buf, len), 0);
}

static void test_truncate_every_offset(void **state)
{
    uint8_t *buf;
    size_t len;
    load("guard-oss/derived/IMN-DELL-WBCL-BootCtrs.evidence.eventlog.bin", &buf, &len);
    struct eventlog *full = NULL;
    assert_int_equal(eventlog_parse(buf, len, &full, NULL), 0);
    size_t next = 1, ok = 0;
    for (size_t n = 0; n < len; n++) {
        struct eventlog *log = NULL;
        size_t bad = SIZE_MAX;
        int k = eventlog_parse(buf, n, &log, &bad);
        bool boundary = next < full->n_events && full->events[next].offset == n;
        if (boundary) {
            assert_int_equal(k, 0);
            assert_int_equal(log->n_events, next);
            next++;
            ok++;
        } else {
            assert_int_equal(k, -EBADMSG);
            assert_true(bad < n || n == 0);
        }
        eventlog_free(log);
    }
    assert_int_equal(ok, full->n_events - 1);
    eventlog_free(full);
    free(buf);
}

/* Claim Secure Boot is on in a log of a machine where it was off, keeping the digests. */
static void test_altered_secure_boot(void **state)
{
    uint8_t *buf;
    size_t len;
    load("go-tpm-tools/internal__test__eventlogs__ubuntu-2104-no-secure-boot.bin", &buf, &len);
    struct eventlog *log = NULL;
    struct eventlog_facts f;
    assert_int_equal(eventlog_parse(buf, len, &log, NULL), 0);
    assert_int_equal(eventlog_facts_extract(log, &f), 0);
    assert_int_equal(f.secure_boot, EVENTLOG_OFF);
    eventlog_facts_done(&f);
    size_t at = SIZE_MAX, idx = 0;
    for (size_t i = 0; i < log->n_events; i++) {
        const struct eventlog_event *ev = &log->events[i];
        /* UEFI_VARIABLE_DATA of "SecureBoot" (10 UTF-16 chars) with a 1-byte value */
        if (ev->type == EV_EFI_VARIABLE_DRIVER_CONFIG && ev->data_size == 32 + 20 + 1 &&
            ev->data[32] == 'S' && ev->data[34] == 'e') {
            at = (size_t)(ev->data - log->buf) + ev->data_size - 1;
            idx = i;
        }
    }
    assert_true(at != SIZE_MAX);
    struct eventlog_replay *r1 = malloc(sizeof(*r1)), *r2 = malloc(sizeof(*r2));
    assert_int_equal(eventlog_replay(log, r1), 0);
    eventlog_free(log);

    buf[at] = 1;
    assert_int_equal(eventlog_parse(buf, len, &log, NULL), 0);
    assert_int_equal(eventlog_replay(log, r2), 0);
    /* The replay cannot see it: digests are unchanged ... */
    assert_memory_equal(r1, r2, sizeof(*r1));
    /* ... but the content check does, and no fact is read from the event. */
    assert_int_equal(eventlog_facts_extract(log, &f), 0);
    assert_int_equal(f.secure_boot, EVENTLOG_UNKNOWN);
    assert_true(f.n_unbound >= 1);
    bool listed = false;
    for (uint32_t i = 0; i < f.n_unbound && i < EVENTLOG_MAX_UNBOUND; i++)
        listed |= f.unbound[i] == idx;
    assert_true(listed);
    eventlog_facts_done(&f);
    eventlog_free(log);
    free(r1);
    free(r2);
    free(buf);
}

/* Valid: complete entries, none a violation, template hashes verify, boot_aggregate first. */
static bool ima_sample_valid(const char *rel)
{
    uint8_t *buf;
    size_t len;
    struct ima_list *l = NULL;
    load(rel, &buf, &len);
    bool ok = ima_parse(buf, len, &l, NULL) == 0 && l->n_entries > 0;
    for (size_t i = 0; ok && i < l->n_entries; i++)
        ok = !l->entries[i].violation;
    if (ok) {
        static const TPM2_ALG_ID sha1[] = {TPM2_ALG_SHA1};
        struct ima_state *s = malloc(sizeof(*s));
        assert_int_equal(ima_state_init(s, sha1, 1, 0), 0);
        /* SHA-1 only: replay checks every template hash against its data */
        ok = ima_replay_all(l, s) == 0 && s->n_entries == l->n_entries;
        free(s);
    }
    if (ok)
        ok = l->entries[0].path_len == 14 && memcmp(l->entries[0].path, "boot_aggregate", 14) == 0;
    ima_list_free(l);
    free(buf);
    return ok;
}

static void test_tss_ima_samples(void **state)
{
    static const char *const names[] = {"sml-ima-ng-sha1", "sml-ima-sha1", "sml-ima-sig-sha256"};
    for (size_t i = 0; i < 3; i++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "tpm2-tss/derived/%s.bin", names[i]);
        assert_true(ima_sample_valid(rel));
        snprintf(rel, sizeof(rel), "tpm2-tss/derived/%s-invalidated.bin", names[i]);
        assert_false(ima_sample_valid(rel));
    }
}

/* 5071 real entries: whole, then the last part alone from a saved state. */
static void test_h12ssl_incremental(void **state)
{
    uint8_t *buf, *pj;
    size_t len, pjlen;
    load("guard-oss/derived/h12ssl.values.ima.binary_runtime_measurements.xz", &buf, &len);
    load("guard-oss/derived/h12ssl.values.pcrs.json", &pj, &pjlen);
    struct pcr_values *q = malloc(sizeof(*q));
    assert_int_equal(eventlog_pcrs_from_json((const char *)pj, pjlen, TPM2_ALG_ERROR, q), 0);
    struct ima_list *l = NULL;
    assert_int_equal(ima_parse(buf, len, &l, NULL), 0);
    assert_int_equal(l->n_entries, 5071);
    struct ima_result *r = malloc(sizeof(*r));
    assert_int_equal(ima_verify(l, NULL, 3, q, r), 0);
    assert_true(r->ok);
    assert_int_equal(r->verified, 5071);
    assert_int_equal(ima_check_boot_aggregate(&l->entries[0], q), IMA_BA_OK);

    /* The first 3000 entries, replayed earlier and saved. */
    size_t split = l->entries[3000].offset;
    struct ima_list *head = NULL, *tail = NULL;
    assert_int_equal(ima_parse(buf, split, &head, NULL), 0);
    assert_int_equal(ima_parse(buf + split, len - split, &tail, NULL), 0);
    static const TPM2_ALG_ID banks[] = {TPM2_ALG_SHA1, TPM2_ALG_SHA256};
    struct ima_state *s = malloc(sizeof(*s));
    assert_int_equal(ima_state_init(s, banks, 2, 3), 0);
    assert_int_equal(ima_replay_all(head, s), 0);
    assert_int_equal(ima_verify(tail, s, 3, q, r), 0);
    assert_true(r->ok);
    assert_int_equal(r->verified, 5071);
    assert_int_equal(r->new_entries, 2071);

    ima_list_free(head);
    ima_list_free(tail);
    ima_list_free(l);
    free(s);
    free(r);
    free(q);
    free(pj);
    free(buf);
}

/* The quote rule (eventlog_compare) on real quoted / TPM-read values of every PCR 0-23. */
static bool compare_row(const char *log_rel, const char *pcrs_rel, struct eventlog_compare *c)
{
    uint8_t *buf, *pj;
    size_t len, pjlen;
    load(log_rel, &buf, &len);
    load(pcrs_rel, &pj, &pjlen);
    struct pcr_values *q = malloc(sizeof(*q));
    struct eventlog_replay *r = malloc(sizeof(*r));
    struct eventlog *log = NULL;
    assert_int_equal(eventlog_pcrs_from_json((const char *)pj, pjlen, TPM2_ALG_ERROR, q), 0);
    assert_int_equal(eventlog_parse(buf, len, &log, NULL), 0);
    assert_int_equal(eventlog_replay(log, r), 0);
    assert_int_equal(eventlog_compare(r, q, EVENTLOG_FIRMWARE_PCRS, true, c), 0);
    eventlog_free(log);
    free(r);
    free(q);
    free(pj);
    free(buf);
    return c->ok;
}

static void test_quote_rule_real(void **state)
{
    struct eventlog_compare *c = malloc(sizeof(*c));
    /* GCE: sha1, sha256, sha384 quoted, PCRs 0-23 */
    assert_true(compare_row("go-tpm-tools/derived/gce-cos-85-no-nonce.eventlog.bin",
                            "go-tpm-tools/derived/gce-cos-85-no-nonce.pcrs.json", c));
    /* Supermicro H12SSL, sha1 + sha256 read from the TPM, PCRs 0-23 */
    assert_true(compare_row("guard-oss/derived/h12ssl.values.eventlog.bin",
                            "guard-oss/derived/h12ssl.values.pcrs.json", c));
    unsigned initial = 0, covered = 0;
    for (uint32_t i = 0; i < c->n_results; i++) {
        initial += c->results[i].status == EVENTLOG_PCR_INITIAL;
        covered += c->results[i].status == EVENTLOG_PCR_NOT_COVERED;
    }
    assert_int_equal(initial, 0);   /* every PCR 0-7 is extended there */
    assert_true(covered >= 2 * 12); /* PCR 10 (IMA) and 12-23 are the OS's */
    /* Windows on Infineon: the SHA-1 bank of PCRs 0-7 does not replay (known) */
    assert_false(compare_row("guard-oss/derived/t480s.values.eventlog.bin",
                             "guard-oss/derived/t480s.values.pcrs.json", c));
    unsigned bad = 0;
    for (uint32_t i = 0; i < c->n_results; i++)
        if (eventlog_pcr_status_failed(c->results[i].status)) {
            assert_int_equal(c->results[i].alg, TPM2_ALG_SHA1);
            assert_true(c->results[i].pcr < 8 || c->results[i].status == EVENTLOG_PCR_UNREPLAYABLE);
            bad++;
        }
    assert_true(bad >= 8);
    free(c);
}

static void test_keylime_ascii(void **state)
{
    static const char *const algs[] = {"sha1", "sha256", "sha384", "sha512", "sm3_256"};
    for (size_t i = 0; i < 5; i++) {
        char rel[256];
        uint8_t *buf;
        size_t len, n, bad = 0;
        struct ima_ascii_entry *e = NULL;
        snprintf(rel, sizeof(rel), "keylime/test__data__create-runtime-policy__ima-log-%s",
                 algs[i]);
        load(rel, &buf, &len);
        assert_int_equal(ima_parse_ascii((const char *)buf, len, &e, &n, &bad), 0);
        assert_true(n > 0);
        ima_ascii_free(e, n);
        free(buf);
    }
}

int main(void)
{
    corpora = corpora_dir_or_skip("VERIFY.tsv");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncate_every_offset), cmocka_unit_test(test_altered_secure_boot),
        cmocka_unit_test(test_tss_ima_samples),       cmocka_unit_test(test_h12ssl_incremental),
        cmocka_unit_test(test_quote_rule_real),       cmocka_unit_test(test_keylime_ascii),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
