/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eventlog-builder.h"
#include "log/eventlog.h"

static const uint8_t sep[4] = {0, 0, 0, 0};

/* A log: StartupLocality 3, PCR 0 code, SecureBoot=1, separators 0-7, GRUB command line. */
static void build(struct logbuf *b, uint8_t secure_boot)
{
    uint8_t var[128];
    static const char cmd[] = "kernel_cmdline: /vmlinuz root=/dev/sda1 ro";
    static const char old[] = "grub_kernel_cmdline /vmlinuz-old ro";

    memset(b, 0, sizeof(*b));
    lb_spec_id(b);
    lb_event(b, 0, EV_NO_ACTION, "", 0, "StartupLocality\0\x03", 17);
    lb_event(b, 0, EV_S_CRTM_VERSION, "crtm", 4, "crtm", 4);
    size_t n = efi_var(var, "SecureBoot", &secure_boot, 1);
    lb_event(b, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, var, n, var, n);
    for (uint32_t p = 0; p < 8; p++)
        lb_event(b, p, EV_SEPARATOR, sep, 4, sep, 4);
    lb_event(b, 8, EV_IPL, cmd + 16, sizeof(cmd) - 17, cmd, sizeof(cmd));
    /* RHEL's GRUB: older prefix, the NUL is hashed */
    lb_event(b, 8, EV_IPL, old + 20, sizeof(old) - 20, old, sizeof(old));
}

static void test_parse_replay(void **state)
{
    struct logbuf b;
    build(&b, 1);
    struct eventlog *log = NULL;
    assert_int_equal(eventlog_parse(b.buf, b.len, &log, NULL), 0);
    assert_true(log->crypto_agile);
    assert_int_equal(log->n_algs, 2);
    assert_int_equal(log->n_events, 1 + 1 + 1 + 1 + 8 + 2);
    assert_true(log->has_startup_locality);
    assert_int_equal(log->startup_locality, 3);

    struct eventlog_replay *r = malloc(sizeof(*r));
    assert_int_equal(eventlog_replay(log, r), 0);
    const struct eventlog_bank *s256 = eventlog_replay_bank(r, TPM2_ALG_SHA256);
    assert_non_null(s256);
    assert_int_equal(s256->extended, 0x1FF);

    /* PCR 0 independently: start 00..03, extend H("crtm"), then H(separator). */
    uint8_t pcr[32] = {0}, d[32], buf[64];
    pcr[31] = 3;
    EVP_Digest("crtm", 4, d, NULL, EVP_sha256(), NULL);
    memcpy(buf, pcr, 32);
    memcpy(buf + 32, d, 32);
    EVP_Digest(buf, 64, pcr, NULL, EVP_sha256(), NULL);
    EVP_Digest(sep, 4, d, NULL, EVP_sha256(), NULL);
    memcpy(buf, pcr, 32);
    memcpy(buf + 32, d, 32);
    EVP_Digest(buf, 64, pcr, NULL, EVP_sha256(), NULL);
    assert_memory_equal(s256->pcr[0], pcr, 32);

    struct eventlog_facts f;
    assert_int_equal(eventlog_facts_extract(log, &f), 0);
    assert_int_equal(f.secure_boot, EVENTLOG_ON);
    assert_int_equal(f.separators, 0xFF);
    assert_int_equal(f.n_unbound, 0);
    assert_int_equal(f.n_cmdlines, 2);
    assert_string_equal(f.cmdlines[0], "/vmlinuz root=/dev/sda1 ro");
    assert_string_equal(f.cmdlines[1], "/vmlinuz-old ro");
    eventlog_facts_done(&f);
    free(r);
    eventlog_free(log);
}

/* Content changed, digests kept: the fact must not be read, the event is unbound. */
static void test_altered_content(void **state)
{
    struct logbuf b;
    build(&b, 1);
    /* The SecureBoot value byte is the last byte of the DRIVER_CONFIG event data. */
    struct eventlog *log = NULL;
    assert_int_equal(eventlog_parse(b.buf, b.len, &log, NULL), 0);
    const struct eventlog_event *ev = &log->events[3];
    assert_int_equal(ev->type, EV_EFI_VARIABLE_DRIVER_CONFIG);
    size_t at = (size_t)(ev->data - log->buf) + ev->data_size - 1;
    eventlog_free(log);
    b.buf[at] = 0; /* claim Secure Boot off */

    assert_int_equal(eventlog_parse(b.buf, b.len, &log, NULL), 0);
    struct eventlog_facts f;
    assert_int_equal(eventlog_facts_extract(log, &f), 0);
    assert_int_equal(f.secure_boot, EVENTLOG_UNKNOWN);
    assert_int_equal(f.n_unbound, 1);
    assert_int_equal(f.unbound[0], 3);
    assert_int_equal(eventlog_event_data_bound(&log->events[3]), EVENTLOG_UNBOUND);
    eventlog_facts_done(&f);
    eventlog_free(log);
}

static int parse_at(const uint8_t *buf, size_t len, size_t *bad)
{
    struct eventlog *log = NULL;
    int k = eventlog_parse(buf, len, &log, bad);
    eventlog_free(log);
    return k;
}

/* Offsets inside the first TCG_PCR_EVENT2 (after the Spec ID event). */
static size_t first_event2(void)
{
    return 32 + 16 + 4 + 4 + 4 + 8 + 1;
}

static void test_lies(void **state)
{
    struct logbuf b;
    size_t bad, e2 = first_event2();

    build(&b, 1);
    b.buf[e2 + 8] = 3; /* digest count 3 > 2 banks */
    assert_int_equal(parse_at(b.buf, b.len, &bad), -EBADMSG);
    assert_int_equal(bad, e2);

    build(&b, 1);
    b.buf[e2 + 8] = 0; /* digest count 0 */
    assert_int_equal(parse_at(b.buf, b.len, &bad), -EBADMSG);

    build(&b, 1);
    b.buf[e2 + 12] = 0x0C; /* first digest claims SHA-384, absent from Spec ID */
    assert_int_equal(parse_at(b.buf, b.len, &bad), -EBADMSG);

    build(&b, 1);
    b.buf[e2 + 12 + 22] = 0x04; /* second digest claims SHA-1 again */
    assert_int_equal(parse_at(b.buf, b.len, &bad), -EBADMSG);

    build(&b, 1);
    memset(b.buf + e2 + 12 + 22 + 2 + 32, 0xFF, 4); /* event size 4 GiB */
    assert_int_equal(parse_at(b.buf, b.len, &bad), -EBADMSG);
    assert_int_equal(bad, e2);

    build(&b, 1);
    memset(b.buf + 32 + 24, 0xFF, 4); /* numberOfAlgorithms huge */
    assert_int_equal(parse_at(b.buf, b.len, &bad), -EBADMSG);
    assert_int_equal(bad, 0);

    build(&b, 1);
    b.buf[32 + 28 + 2] = 0x21; /* Spec ID says SHA-1 digests are 33 bytes */
    assert_int_equal(parse_at(b.buf, b.len, &bad), -EBADMSG);

    build(&b, 1);
    memset(b.buf + 28, 0xFF, 4); /* Spec ID event size past the end */
    assert_int_equal(parse_at(b.buf, b.len, &bad), -EBADMSG);
}

/* Every prefix either parses (on an event boundary) or fails cleanly. */
static void test_truncation(void **state)
{
    struct logbuf b;
    build(&b, 1);
    struct eventlog *full = NULL;
    assert_int_equal(eventlog_parse(b.buf, b.len, &full, NULL), 0);
    unsigned ok = 0;
    for (size_t n = 0; n < b.len; n++) {
        size_t bad = SIZE_MAX;
        int k = parse_at(b.buf, n, &bad);
        bool boundary = false;
        for (size_t i = 1; i < full->n_events; i++)
            boundary |= full->events[i].offset == n;
        if (boundary) {
            assert_int_equal(k, 0);
            ok++;
        } else {
            assert_int_equal(k, -EBADMSG);
            assert_true(bad <= n);
        }
    }
    assert_int_equal(ok, full->n_events - 1);
    eventlog_free(full);
}

static void set_pcr(struct pcr_values *v, unsigned i, const uint8_t *val)
{
    v->digests[i].size = 32;
    memcpy(v->digests[i].buffer, val, 32);
}

/* The firmware-owned PCR rule and the Carte Blanche bank rule. */
static void test_compare(void **state)
{
    struct logbuf b;
    build(&b, 1);
    /* Remove separators 3..7 and the IPL: rebuild by hand with PCR 0, 7 only. */
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_event(&b, 0, EV_S_CRTM_VERSION, "crtm", 4, "crtm", 4);
    lb_event(&b, 7, EV_SEPARATOR, sep, 4, sep, 4);
    lb_event(&b, 10, EV_SEPARATOR, sep, 4, sep, 4);
    struct eventlog *log = NULL;
    assert_int_equal(eventlog_parse(b.buf, b.len, &log, NULL), 0);
    struct eventlog_replay *r = malloc(sizeof(*r));
    assert_int_equal(eventlog_replay(log, r), 0);
    const struct eventlog_bank *bk = eventlog_replay_bank(r, TPM2_ALG_SHA256);

    struct pcr_values *v = calloc(1, sizeof(*v));
    struct eventlog_compare *c = malloc(sizeof(*c));
    v->sel.count = 1;
    v->sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
    v->sel.pcrSelections[0].sizeofSelect = 3;
    v->sel.pcrSelections[0].pcrSelect[0] = 0x8B; /* 0, 1, 3, 7 */
    v->sel.pcrSelections[0].pcrSelect[1] = 0x06; /* 9, 10 */
    v->count = 6;
    static const uint8_t zero[32], junk[32] = {1};
    set_pcr(v, 0, bk->pcr[0]);
    set_pcr(v, 1, zero);
    set_pcr(v, 2, zero);
    set_pcr(v, 3, bk->pcr[7]);
    set_pcr(v, 4, junk); /* PCR 9: OS-owned, not in the log */
    set_pcr(v, 5, bk->pcr[10]);

    assert_int_equal(eventlog_compare(r, v, EVENTLOG_FIRMWARE_PCRS, false, c), 0);
    assert_true(c->ok);
    assert_int_equal(c->n_results, 6);
    assert_int_equal(c->results[0].status, EVENTLOG_PCR_MATCH);
    assert_int_equal(c->results[1].status, EVENTLOG_PCR_INITIAL);
    assert_int_equal(c->results[4].status, EVENTLOG_PCR_NOT_COVERED);
    assert_int_equal(c->n_unquoted_banks, 1); /* sha1 is in the log, not quoted */
    assert_int_equal(c->unquoted_banks[0], TPM2_ALG_SHA1);

    /* Carte Blanche: the unquoted SHA-1 bank fails when every bank is required. */
    assert_int_equal(eventlog_compare(r, v, EVENTLOG_FIRMWARE_PCRS, true, c), 0);
    assert_false(c->ok);

    /* A firmware PCR the log never extends, forged afterwards. */
    set_pcr(v, 2, junk);
    assert_int_equal(eventlog_compare(r, v, EVENTLOG_FIRMWARE_PCRS, false, c), 0);
    assert_false(c->ok);
    assert_int_equal(c->results[2].status, EVENTLOG_PCR_NOT_INITIAL);
    /* ... and PCR 9 becomes firmware-owned when a policy says so: NOT_INITIAL too. */
    set_pcr(v, 2, zero);
    assert_int_equal(eventlog_compare(r, v, EVENTLOG_FIRMWARE_PCRS | (1u << 9), false, c), 0);
    assert_int_equal(c->results[4].status, EVENTLOG_PCR_NOT_INITIAL);

    /* A replayed PCR that differs. */
    set_pcr(v, 3, junk);
    assert_int_equal(eventlog_compare(r, v, EVENTLOG_FIRMWARE_PCRS, false, c), 0);
    assert_int_equal(c->results[3].status, EVENTLOG_PCR_MISMATCH);
    assert_false(c->ok);

    /* A quoted bank the log lacks: firmware PCRs cannot be verified. */
    v->sel.pcrSelections[0].hash = TPM2_ALG_SHA384;
    for (unsigned i = 0; i < 6; i++)
        v->digests[i].size = 48;
    assert_int_equal(eventlog_compare(r, v, EVENTLOG_FIRMWARE_PCRS, false, c), 0);
    assert_int_equal(c->results[0].status, EVENTLOG_PCR_NO_BANK);
    assert_false(c->ok);

    free(c);
    free(v);
    free(r);
    eventlog_free(log);
}

static void test_hcrtm_start(void **state)
{
    struct logbuf b;
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_event(&b, 0, EV_EFI_HCRTM_EVENT, "HCRTM", 5, "HCRTM", 5);
    struct eventlog *log = NULL;
    assert_int_equal(eventlog_parse(b.buf, b.len, &log, NULL), 0);
    struct eventlog_replay *r = malloc(sizeof(*r));
    assert_int_equal(eventlog_replay(log, r), 0);
    const struct eventlog_bank *bk = eventlog_replay_bank(r, TPM2_ALG_SHA1);
    assert_int_equal(bk->initial[0][19], 4);
    assert_int_equal(bk->initial[0][0], 0);
    assert_int_equal(bk->initial[17][0], 0xFF);
    free(r);
    eventlog_free(log);
}

static void test_legacy(void **state)
{
    struct logbuf b = {0};
    uint8_t d[20];
    EVP_Digest(sep, 4, d, NULL, EVP_sha1(), NULL);
    for (int i = 0; i < 2; i++) {
        lb_u32(&b, 4);
        lb_u32(&b, EV_SEPARATOR);
        lb_put(&b, d, 20);
        lb_u32(&b, 4);
        lb_put(&b, sep, 4);
    }
    struct eventlog *log = NULL;
    assert_int_equal(eventlog_parse(b.buf, b.len, &log, NULL), 0);
    assert_false(log->crypto_agile);
    assert_int_equal(log->n_events, 2);
    assert_int_equal(log->algs[0].alg, TPM2_ALG_SHA1);
    eventlog_free(log);
    assert_int_equal(parse_at(b.buf, b.len - 1, NULL), -EBADMSG);
    assert_int_equal(parse_at(b.buf, 0, NULL), -EBADMSG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_replay), cmocka_unit_test(test_altered_content),
        cmocka_unit_test(test_lies),         cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_compare),      cmocka_unit_test(test_hcrtm_start),
        cmocka_unit_test(test_legacy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
