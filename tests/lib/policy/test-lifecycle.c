/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/policy's lifecycle parts: a boot policy captured from a log judges the
 * boot by its events (and passes on that log), a drift is listed event by
 * event with a description and what the policy allows, approving it adds
 * exactly those values, an item that adding cannot fix is refused, the
 * version diff, IMA capture with the default excludes. Logs built with
 * tests/harness/eventlog-builder.h, and real ones of the corpora
 * ($ATTEST_CORPORA: a real Ubuntu boot with shim and GRUB).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/file-io.h"
#include "corpora.h"
#include "eventlog-builder.h"
#include "ima-builder.h"
#include "log/eventlog.h"
#include "policy/policy-boot.h"
#include "policy/policy-capture.h"
#include "policy/policy-diff.h"
#include "policy/policy-result.h"

#define EV_IPL_ 0x0D

/* A UEFI_IMAGE_LOAD_EVENT whose device path is one file path node (and the end node). */
static size_t image_load(uint8_t *out, const char *path)
{
    size_t n = strlen(path), node = 4 + 2 * (n + 1), o = 32;
    memset(out, 0, 32);
    uint64_t dp = node + 4;
    memcpy(out + 24, &dp, 8);
    out[o++] = 4;
    out[o++] = 4;
    out[o++] = (uint8_t)node;
    out[o++] = (uint8_t)(node >> 8);
    for (size_t i = 0; i <= n; i++) {
        out[o++] = (uint8_t)path[i];
        out[o++] = 0;
    }
    out[o++] = 0x7f;
    out[o++] = 0xff;
    out[o++] = 4;
    out[o++] = 0;
    return o;
}

static void app(struct logbuf *b, const char *path)
{
    uint8_t data[512];
    size_t n = image_load(data, path);
    lb_event(b, 4, EV_EFI_BOOT_SERVICES_APPLICATION, path, strlen(path), data, n);
}

static void cmdline(struct logbuf *b, const char *text)
{
    char data[512];
    int n = snprintf(data, sizeof(data), "kernel_cmdline: %s", text);
    lb_event(b, 8, EV_IPL_, text, strlen(text), data, (size_t)n + 1);
}

/* A Debian-like boot: Secure Boot on, the key databases, separators, shim, GRUB, PCR 8, 9. */
static void debian_boot(struct logbuf *b)
{
    uint8_t var[256], one = 1;
    lb_spec_id(b);
    size_t n = efi_var(var, "SecureBoot", &one, 1);
    lb_event(b, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, var, n, var, n);
    static const char *const dbs[] = {"PK", "KEK", "db", "dbx"};
    for (size_t i = 0; i < 4; i++) {
        n = efi_var(var, dbs[i], (const uint8_t *)"keys", 4);
        lb_event(b, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, var, n, var, n);
    }
    for (uint32_t pcr = 0; pcr < 8; pcr++)
        lb_event(b, pcr, EV_SEPARATOR, "\0\0\0\0", 4, "\0\0\0\0", 4);
    app(b, "\\EFI\\debian\\shimx64.efi");
    app(b, "\\EFI\\debian\\grubx64.efi");
    cmdline(b, "/boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda2 ro quiet");
    lb_event(b, 9, EV_IPL_, "kernel", 6, "/boot/vmlinuz-6.1.0-28-amd64", 29);
    lb_event(b, 9, EV_IPL_, "initrd", 6, "/boot/initrd.img-6.1.0-28-amd64", 32);
}

struct parsed {
    struct eventlog *log;
    struct eventlog_replay replay;
    struct eventlog_facts facts;
};

static void parse(const uint8_t *buf, size_t len, struct parsed *p)
{
    size_t bad = 0;
    assert_int_equal(eventlog_parse(buf, len, &p->log, &bad), 0);
    assert_int_equal(eventlog_replay(p->log, &p->replay), 0);
    assert_int_equal(eventlog_facts_extract(p->log, &p->facts), 0);
}

static void parsed_done(struct parsed *p)
{
    eventlog_facts_done(&p->facts);
    eventlog_free(p->log);
}

static char *capture_text(struct parsed *p, uint32_t quoted)
{
    json_t *doc = NULL;
    char *err = NULL;
    assert_int_equal(policy_boot_capture(p->log, &p->facts, TPM2_ALG_SHA256, quoted, &doc, &err),
                     0);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    assert_non_null(text);
    return text;
}

static json_t *diff(const char *policy, struct parsed *p)
{
    json_t *items = NULL;
    char *err = NULL;
    assert_int_equal(policy_diff_boot(policy, p->log, &p->replay, &p->facts, NULL, &items, &err),
                     0);
    free(err);
    return items;
}

/* Captured: judged by events (no "pcrs"), and the log it came from passes. */
static void test_capture_boot(void **state)
{
    (void)state;
    struct logbuf b = {0};
    debian_boot(&b);
    struct parsed p;
    parse(b.buf, b.len, &p);
    char *text = capture_text(&p, POLICY_ALL_PCRS);
    json_t *doc = json_loads(text, 0, NULL);
    assert_true(json_is_true(json_object_get(doc, "secure_boot")));
    assert_true(json_is_true(json_object_get(doc, "separators")));
    assert_int_equal(json_array_size(json_object_get(doc, "boot_apps")), 2);
    assert_int_equal(json_array_size(json_object_get(doc, "pk")), 1);
    assert_int_equal(json_array_size(json_object_get(doc, "dbx")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "cmdlines"), 0)),
                        "/boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda2 ro quiet");
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "event_digests"), "9")),
                     2);
    assert_null(json_object_get(doc, "pcrs"));
    json_t *items = diff(text, &p);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    json_decref(doc);
    free(text);
    parsed_done(&p);
}

/* Only rules whose PCRs were quoted are captured. */
static void test_capture_quoted_only(void **state)
{
    (void)state;
    struct logbuf b = {0};
    debian_boot(&b);
    struct parsed p;
    parse(b.buf, b.len, &p);
    char *text = capture_text(&p, 1u << 4 | 1u << 9);
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(json_object_get(doc, "boot_apps"));
    assert_non_null(json_object_get(doc, "event_digests"));
    assert_null(json_object_get(doc, "secure_boot"));
    assert_null(json_object_get(doc, "pk"));
    assert_null(json_object_get(doc, "cmdlines"));
    assert_null(json_object_get(doc, "separators"));
    json_decref(doc);
    free(text);
    parsed_done(&p);
}

/* A log with nothing a boot policy can judge: refused, never an empty policy. */
static void test_capture_empty(void **state)
{
    (void)state;
    struct logbuf b = {0};
    lb_spec_id(&b);
    lb_event(&b, 0, EV_POST_CODE, "fw", 2, "fw", 2);
    struct parsed p;
    parse(b.buf, b.len, &p);
    json_t *doc = NULL;
    char *err = NULL;
    assert_int_equal(
        policy_boot_capture(p.log, &p.facts, TPM2_ALG_SHA256, POLICY_ALL_PCRS, &doc, &err),
        -ENODATA);
    assert_null(doc);
    assert_non_null(strstr(err, "nothing a boot policy can judge"));
    free(err);
    err = NULL;
    /* nor in a bank the log lacks */
    assert_int_equal(
        policy_boot_capture(p.log, &p.facts, TPM2_ALG_SHA384, POLICY_ALL_PCRS, &doc, &err),
        -EINVAL);
    free(err);
    parsed_done(&p);
}

/* Drift: another boot loader and another command line, each named with its event. */
static void test_diff_and_approve(void **state)
{
    (void)state;
    struct logbuf b = {0};
    debian_boot(&b);
    struct parsed p;
    parse(b.buf, b.len, &p);
    char *text = capture_text(&p, POLICY_ALL_PCRS);
    parsed_done(&p);
    app(&b, "\\EFI\\debian\\grubx64-new.efi");
    cmdline(&b, "/boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda2 ro init=/bin/sh");
    parse(b.buf, b.len, &p);
    json_t *items = diff(text, &p);
    assert_int_equal(json_array_size(items), 2);
    json_t *a = json_array_get(items, 0), *c = json_array_get(items, 1);
    assert_string_equal(json_string_value(json_object_get(a, "check")), "boot_app");
    assert_int_equal(json_integer_value(json_object_get(a, "pcr")), 4);
    const char *desc = json_string_value(json_object_get(a, "description"));
    assert_non_null(strstr(desc, "EFI application, Authenticode sha256:"));
    assert_non_null(strstr(desc, ", path \\EFI\\debian\\grubx64-new.efi"));
    assert_int_equal(json_array_size(json_object_get(a, "allowed")), 2);
    assert_string_equal(json_string_value(json_object_get(c, "description")),
                        "GRUB kernel command line '/boot/vmlinuz-6.1.0-28-amd64 root=/dev/vda2 "
                        "ro init=/bin/sh'");
    /* approving adds exactly the two values; then nothing drifts */
    json_t *doc = json_loads(text, 0, NULL);
    size_t added = 0;
    char *err = NULL;
    assert_int_equal(policy_diff_apply(doc, items, &added, &err), 0);
    assert_int_equal(added, 2);
    assert_int_equal(json_array_size(json_object_get(doc, "boot_apps")), 3);
    assert_int_equal(json_array_size(json_object_get(doc, "cmdlines")), 2);
    char *approved = json_dumps(doc, JSON_COMPACT);
    json_t *after = diff(approved, &p);
    assert_int_equal(json_array_size(after), 0);
    /* the version diff names what was added */
    json_t *old = json_loads(text, 0, NULL);
    json_t *vd = policy_diff_versions(old, doc);
    assert_int_equal(json_array_size(json_object_get(json_object_get(vd, "added"), "boot_apps")),
                     1);
    assert_int_equal(json_object_size(json_object_get(vd, "removed")), 0);
    json_t *first = policy_diff_versions(NULL, old);
    assert_true(json_equal(json_object_get(first, "added"), old));
    json_decref(first);
    json_decref(vd);
    json_decref(old);
    json_decref(after);
    free(approved);
    json_decref(doc);
    json_decref(items);
    free(text);
    parsed_done(&p);
}

/* Secure Boot off: listed, but no value to add: the approval is refused, the policy unchanged. */
static void test_unapprovable(void **state)
{
    (void)state;
    struct logbuf b = {0};
    uint8_t var[128], zero = 0;
    lb_spec_id(&b);
    size_t n = efi_var(var, "SecureBoot", &zero, 1);
    lb_event(&b, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, var, n, var, n);
    app(&b, "\\EFI\\debian\\shimx64.efi");
    struct parsed p;
    parse(b.buf, b.len, &p);
    const char *policy = "{\"secure_boot\": true, \"boot_apps\": [\"" /* another app */
                         "0000000000000000000000000000000000000000000000000000000000000000\"]}";
    json_t *items = diff(policy, &p);
    assert_int_equal(json_array_size(items), 2);
    json_t *sb = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(sb, "check")), "secure_boot");
    assert_true(json_is_null(json_object_get(sb, "add")));
    assert_true(json_is_true(json_object_get(sb, "allowed")));
    json_t *doc = json_loads(policy, 0, NULL), *before = json_deep_copy(doc);
    size_t added = 0;
    char *err = NULL;
    assert_int_equal(policy_diff_apply(doc, items, &added, &err), -EINVAL);
    assert_non_null(strstr(err, "cannot be approved"));
    assert_true(json_equal(doc, before));
    free(err);
    /* a malformed item is refused too */
    json_t *bad = json_pack("[{s:{s:s, s:i}}]", "add", "rule", "boot_apps", "value", 3);
    err = NULL;
    assert_int_equal(policy_diff_apply(doc, bad, &added, &err), -EINVAL);
    assert_true(json_equal(doc, before));
    free(err);
    json_decref(bad);
    json_decref(before);
    json_decref(doc);
    json_decref(items);
    parsed_done(&p);
}

/* Descriptions of hostile event data: bounded, never past the event, non-ASCII as '?'. */
static void test_describe_hostile(void **state)
{
    (void)state;
    uint8_t data[64] = {0};
    struct eventlog_event ev = {
        .pcr = 4, .type = EV_EFI_BOOT_SERVICES_APPLICATION, .data = data, .data_size = 40};
    char out[64];
    uint64_t dp = 1000; /* longer than the event */
    memcpy(data + 24, &dp, 8);
    assert_false(eventlog_image_path(&ev, out, sizeof(out)));
    dp = 8;
    memcpy(data + 24, &dp, 8);
    data[32] = 4, data[33] = 4, data[34] = 0, data[35] = 0; /* node length 0 */
    assert_false(eventlog_image_path(&ev, out, sizeof(out)));
    data[34] = 200; /* node past the device path */
    assert_false(eventlog_image_path(&ev, out, sizeof(out)));
    data[34] = 8, data[36] = 0xe9, data[37] = 0x00, data[38] = 'A', data[39] = 0;
    assert_true(eventlog_image_path(&ev, out, sizeof(out)));
    assert_string_equal(out, "?A");
    ev.data_size = 10; /* shorter than the image load header */
    assert_false(eventlog_image_path(&ev, out, sizeof(out)));
    char *text = NULL;
    assert_int_equal(eventlog_event_describe(&ev, TPM2_ALG_SHA256, &text), 0);
    assert_non_null(strstr(text, "no sha256 digest"));
    free(text);
    /* a GRUB text longer than the cut */
    static char big[EVENTLOG_DESCRIBE_TEXT * 3];
    memset(big, 'x', sizeof(big) - 1);
    memcpy(big, "kernel_cmdline: ", 16);
    struct eventlog_event g = {
        .pcr = 8, .type = EV_IPL_, .data = (const uint8_t *)big, .data_size = sizeof(big)};
    assert_int_equal(eventlog_event_describe(&g, TPM2_ALG_SHA256, &text), 0);
    assert_true(strlen(text) < EVENTLOG_DESCRIBE_TEXT + 64);
    assert_non_null(strstr(text, "...'"));
    free(text);
}

/* IMA: every measured file with its digest, the default excludes; an approval adds the file. */
static void test_ima(void **state)
{
    (void)state;
    struct imabuf b = {0};
    uint8_t d[32] = {1}, d2[32] = {2};
    ib_entry(&b, 10, "boot_aggregate", d, 0);
    struct ima_list *l = NULL;
    size_t bad = 0;
    assert_int_equal(ima_parse(b.buf, b.len, &l, &bad), 0);
    json_t *doc = NULL;
    char *err = NULL;
    assert_int_equal(policy_ima_capture(l, &doc, &err), -ENODATA); /* would judge nothing */
    free(err);
    ima_list_free(l);
    ib_entry(&b, 10, "/usr/bin/bench", d, 0);
    ib_entry(&b, 10, "/var/log/journal/abc/system.journal", d2, 0);
    assert_int_equal(ima_parse(b.buf, b.len, &l, &bad), 0);
    err = NULL;
    assert_int_equal(policy_ima_capture(l, &doc, &err), 0);
    json_t *ex = json_object_get(doc, "excludes");
    assert_string_equal(json_string_value(json_array_get(ex, 0)), "/var/log/journal/.*");
    char *text = json_dumps(doc, JSON_COMPACT);
    json_t *items = NULL;
    assert_int_equal(policy_diff_ima(text, l, 0, POLICY_ALL_PCRS, &items, &err), 0);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    ima_list_free(l);
    ib_entry(&b, 10, "/usr/bin/new", d2, 0);
    assert_int_equal(ima_parse(b.buf, b.len, &l, &bad), 0);
    assert_int_equal(policy_diff_ima(text, l, 0, POLICY_ALL_PCRS, &items, &err), 0);
    assert_int_equal(json_array_size(items), 1);
    const char *desc = json_string_value(json_object_get(json_array_get(items, 0), "description"));
    assert_non_null(strstr(desc, "IMA /usr/bin/new sha256:0200"));
    size_t added = 0;
    assert_int_equal(policy_diff_apply(doc, items, &added, &err), 0);
    assert_int_equal(added, 1);
    assert_non_null(json_object_get(json_object_get(doc, "digests"), "/usr/bin/new"));
    json_decref(items);
    free(text);
    json_decref(doc);
    ima_list_free(l);
    free(b.buf);
}

/* Real boots (suite corpora): a capture passes its own log; removing one app, the diff names it. */
static void corpora_one(const char *rel, const char *want_path)
{
    const char *dir = corpora_dir_or_skip(rel);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    uint8_t *buf = NULL;
    size_t len = 0;
    assert_int_equal(file_read_all(path, EVENTLOG_MAX_SIZE, &buf, &len), 0);
    struct parsed p;
    parse(buf, len, &p);
    char *text = capture_text(&p, POLICY_ALL_PCRS);
    json_t *items = diff(text, &p);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    json_t *doc = json_loads(text, 0, NULL);
    json_t *apps = json_object_get(doc, "boot_apps");
    assert_true(json_array_size(apps) >= 2);
    char removed[80];
    snprintf(removed, sizeof(removed), "Authenticode sha256:%s",
             json_string_value(json_array_get(apps, json_array_size(apps) - 1)));
    json_array_remove(apps, json_array_size(apps) - 1);
    char *less = json_dumps(doc, JSON_COMPACT);
    items = diff(less, &p);
    assert_true(json_array_size(items) >= 1);
    bool named = false;
    unsigned paths = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        const char *d = json_string_value(json_object_get(it, "description"));
        named |= d && strstr(d, removed) != NULL && strstr(d, ", path ") != NULL;
        paths += d && strstr(d, want_path) != NULL;
    }
    assert_true(named);
    /* and the applications the firmware loaded from the disk carry their path */
    for (size_t k = 0; k < p.log->n_events; k++) {
        char *t = NULL;
        if (p.log->events[k].type != EV_EFI_BOOT_SERVICES_APPLICATION)
            continue;
        assert_int_equal(eventlog_event_describe(&p.log->events[k], TPM2_ALG_SHA256, &t), 0);
        paths += strstr(t, want_path) != NULL;
        free(t);
    }
    assert_true(paths >= 1);
    size_t added = 0;
    char *err = NULL;
    assert_int_equal(policy_diff_apply(doc, items, &added, &err), 0);
    free(less);
    less = json_dumps(doc, JSON_COMPACT);
    json_decref(items);
    items = diff(less, &p);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    free(less);
    json_decref(doc);
    free(text);
    free(buf);
    parsed_done(&p);
}

static void test_corpora(void **state)
{
    (void)state;
    corpora_one("go-tpm-tools/internal__test__eventlogs__ubuntu-2104-no-dbx.bin",
                "\\EFI\\ubuntu\\shimx64.efi");
    corpora_one("go-tpm-tools/internal__test__eventlogs__rhel8-uefi.bin", "\\EFI\\");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_capture_boot),  cmocka_unit_test(test_capture_quoted_only),
        cmocka_unit_test(test_capture_empty), cmocka_unit_test(test_diff_and_approve),
        cmocka_unit_test(test_unapprovable),  cmocka_unit_test(test_describe_hostile),
        cmocka_unit_test(test_ima),
    };
    const struct CMUnitTest corpora[] = {cmocka_unit_test(test_corpora)};
    if (argc == 2 && strcmp(argv[1], "corpora") == 0)
        return cmocka_run_group_tests(corpora, NULL, NULL);
    return cmocka_run_group_tests(unit, NULL, NULL);
}
