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

#include "eventlog-builder.h"
#include "ima-builder.h"
#include "policy/policy-boot.h"
#include "policy/policy-ima-gen.h"
#include "policy/policy-ima.h"

static int boot_parse(const char *json, struct policy_boot **p)
{
    char *err = NULL;
    int k = policy_boot_parse(json, strlen(json), p, &err);
    if (k < 0)
        assert_non_null(err); /* every refusal says why */
    free(err);
    return k;
}

static void test_boot_parse_rejects(void **state)
{
    struct policy_boot *p = NULL;
    assert_int_equal(boot_parse("{}", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"bank\":\"sha256\"}", &p), -EINVAL);
    assert_int_equal(boot_parse("[]", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"secure_bot\":true}", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"secure_boot\":1}", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"boot_apps\":[]}", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"boot_apps\":[\"abcd\"]}", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"pcrs\":{\"24\":[\"00\"]}}", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"bank\":\"md5\",\"secure_boot\":true}", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"secure_boot\":true,\"secure_boot\":false}", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"firmware_pcrs\":[99],\"secure_boot\":true}", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"secure_boot\":true", &p), -EINVAL);
    assert_int_equal(boot_parse("{\"firmware_pcrs\":[8,9],\"secure_boot\":true}", &p), 0);
    assert_int_equal(policy_boot_firmware_pcrs(p), 0x3FF);
    policy_boot_free(p);
}

static void hex(char *out, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_boot_evaluate(void **state)
{
    struct logbuf b;
    uint8_t var[64], on = 1, d[32];
    static const char cmd[] = "kernel_cmdline: /vmlinuz ro quiet";
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    size_t n = efi_var(var, "SecureBoot", &on, 1);
    lb_event(&b, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, var, n, var, n);
    lb_event(&b, 4, EV_EFI_BOOT_SERVICES_APPLICATION, "shim", 4, "path", 4);
    lb_event(&b, 4, EV_EFI_BOOT_SERVICES_APPLICATION, "grub", 4, "path", 4);
    lb_event(&b, 8, EV_IPL, cmd + 16, sizeof(cmd) - 17, cmd, sizeof(cmd));
    lb_event(&b, 9, EV_EVENT_TAG, "initrd", 6, "Linux initrd", 12);

    struct eventlog *log = NULL;
    assert_int_equal(eventlog_parse(b.buf, b.len, &log, NULL), 0);
    struct eventlog_replay *r = malloc(sizeof(*r));
    assert_int_equal(eventlog_replay(log, r), 0);
    struct eventlog_facts f;
    assert_int_equal(eventlog_facts_extract(log, &f), 0);

    char shim[65], grub[65], initrd[65], pcr7[65], json[1024];
    EVP_Digest("shim", 4, d, NULL, EVP_sha256(), NULL);
    hex(shim, d, 32);
    EVP_Digest("grub", 4, d, NULL, EVP_sha256(), NULL);
    hex(grub, d, 32);
    EVP_Digest("initrd", 6, d, NULL, EVP_sha256(), NULL);
    hex(initrd, d, 32);
    hex(pcr7, eventlog_replay_bank(r, TPM2_ALG_SHA256)->pcr[7], 32);

    /* Everything allowed. */
    snprintf(json, sizeof(json),
             "{\"secure_boot\":true,\"boot_apps\":[\"%s\",\"%s\"],\"pcrs\":{\"7\":[\"%s\"]},"
             "\"cmdlines\":[\"/vmlinuz ro quiet\"],\"event_digests\":{\"9\":[\"%s\"]}}",
             shim, grub, pcr7, initrd);
    struct policy_boot *p = NULL;
    struct policy_result *res = calloc(1, sizeof(*res));
    assert_int_equal(boot_parse(json, &p), 0);
    assert_int_equal(policy_boot_evaluate(p, log, r, &f, POLICY_ALL_PCRS, res), 0);
    assert_true(policy_result_ok(res));
    assert_true(res->checked >= 6);
    policy_result_done(res);
    policy_boot_free(p);

    /* grub not allowed, another command line, Secure Boot required off, PCR 7 other value,
     * and no separators: every violation is returned, not only the first. */
    snprintf(json, sizeof(json),
             "{\"secure_boot\":false,\"boot_apps\":[\"%s\"],\"pcrs\":{\"7\":[\"%s\"]},"
             "\"cmdlines\":[\"/vmlinuz ro\"],\"separators\":true}",
             shim, grub);
    assert_int_equal(boot_parse(json, &p), 0);
    assert_int_equal(policy_boot_evaluate(p, log, r, &f, POLICY_ALL_PCRS, res), 0);
    assert_int_equal(res->n, 5);
    bool app = false, pcr = false, sb = false, cl = false, sep = false;
    for (size_t i = 0; i < res->n; i++) {
        app |= strcmp(res->items[i].check, "boot_app") == 0 &&
               strstr(res->items[i].digest, grub) != NULL;
        pcr |= strcmp(res->items[i].check, "pcr") == 0 &&
               strcmp(res->items[i].subject, "sha256:7") == 0;
        sb |= strcmp(res->items[i].check, "secure_boot") == 0;
        cl |= strcmp(res->items[i].check, "cmdline") == 0;
        sep |= strcmp(res->items[i].check, "separators") == 0;
    }
    assert_true(app && pcr && sb && cl && sep);
    policy_result_done(res);
    policy_boot_free(p);

    /* A policy naming a variable the log did not measure. */
    snprintf(json, sizeof(json), "{\"dbx\":[\"%s\"]}", shim);
    assert_int_equal(boot_parse(json, &p), 0);
    assert_int_equal(policy_boot_evaluate(p, log, r, &f, POLICY_ALL_PCRS, res), 0);
    assert_int_equal(res->n, 1);
    policy_result_done(res);
    policy_boot_free(p);

    free(res);
    eventlog_facts_done(&f);
    free(r);
    eventlog_free(log);
}

/* The event type is not bound: retyping must not hide an application or a command line. */
static void test_boot_type_not_trusted(void **state)
{
    struct logbuf b;
    uint8_t var[64], on = 1, off = 0, d[32];
    static const char cmd[] = "kernel_cmdline: /vmlinuz init=/bin/sh";
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_event(&b, 4, EV_EFI_ACTION, "Calling EFI Application from Boot Option", 40,
             "Calling EFI Application from Boot Option", 40);
    lb_event(&b, 4, EV_EFI_BOOT_SERVICES_APPLICATION, "shim", 4, "path", 4);
    /* an application retyped as an action: its data does not hash to its digest */
    lb_event(&b, 4, EV_EFI_ACTION, "evil", 4, "Exit Boot Services", 18);
    lb_event(&b, 4, EV_SEPARATOR, "\0\0\0\0", 4, "\0\0\0\0", 4);
    /* GRUB's command line retyped as a tag */
    lb_event(&b, 8, EV_EVENT_TAG, cmd + 16, sizeof(cmd) - 17, cmd, sizeof(cmd));
    /* SecureBoot measured twice, on then off */
    size_t n = efi_var(var, "SecureBoot", &on, 1);
    lb_event(&b, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, var, n, var, n);
    n = efi_var(var, "SecureBoot", &off, 1);
    lb_event(&b, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, var, n, var, n);

    struct eventlog *log = NULL;
    assert_int_equal(eventlog_parse(b.buf, b.len, &log, NULL), 0);
    struct eventlog_replay *r = malloc(sizeof(*r));
    assert_int_equal(eventlog_replay(log, r), 0);
    struct eventlog_facts f;
    assert_int_equal(eventlog_facts_extract(log, &f), 0);
    assert_int_equal(f.secure_boot, EVENTLOG_UNKNOWN);
    assert_int_equal(f.n_cmdlines, 1);
    assert_string_equal(f.cmdlines[0], "/vmlinuz init=/bin/sh");

    char shim[65], json[512];
    EVP_Digest("shim", 4, d, NULL, EVP_sha256(), NULL);
    hex(shim, d, 32);
    snprintf(json, sizeof(json),
             "{\"boot_apps\":[\"%s\"],\"cmdlines\":[\"/vmlinuz ro\"],\"secure_boot\":true}", shim);
    struct policy_boot *p = NULL;
    struct policy_result *res = calloc(1, sizeof(*res));
    assert_int_equal(boot_parse(json, &p), 0);
    assert_int_equal(policy_boot_evaluate(p, log, r, &f, POLICY_ALL_PCRS, res), 0);
    assert_int_equal(res->n, 3);
    assert_string_equal(res->items[0].check, "secure_boot");
    assert_string_equal(res->items[1].check, "boot_app");
    assert_string_equal(res->items[1].subject, "event 3 (PCR 4)");
    assert_string_equal(res->items[2].check, "cmdline");
    policy_result_done(res);
    policy_boot_free(p);
    free(res);
    eventlog_facts_done(&f);
    free(r);
    eventlog_free(log);
}

static int ima_parse_policy(const char *json, struct policy_ima **p)
{
    char *err = NULL;
    int k = policy_ima_parse(json, strlen(json), p, &err);
    if (k < 0)
        assert_non_null(err);
    free(err);
    return k;
}

static void test_ima_parse_rejects(void **state)
{
    struct policy_ima *p = NULL;
    assert_int_equal(ima_parse_policy("{}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"digests\":{}}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"digests\":{\"/a\":[]}}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"digests\":{\"/a\":[\"xyz\"]}}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"digest\":{\"/a\":[\"00\"]}}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"(\"]}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"^/tmp/\"]}", &p), 0);
    policy_ima_free(p);
}

/*
 * Excludes whose repetitions would make glibc's regcomp copy the tree past
 * any memory or time (found by fuzz-policy: "4" and seventy '+' took 4 GiB,
 * fifteen '+' 28 s) are refused before regcomp sees them; real excludes
 * still load.
 */
static void test_ima_regex_cost(void **state)
{
    struct policy_ima *p = NULL;
    char pluses[96] = "4";
    memset(pluses + 1, '+', 70);
    char json[256];
    snprintf(json, sizeof(json), "{\"excludes\":[\"%s\"]}", pluses);
    assert_int_equal(ima_parse_policy(json, &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"((a{255}){255}){255}\"]}", &p), -EINVAL);
    /* fuzz-policy: fifteen '+' kept regcomp busy for 28 s */
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"/tm+++++++*++++++++/.$\"]}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"(a{255}){255}\"]}", &p), -EINVAL);
    /* Stacked quantifiers (fuzz-policy: a 35 s regcomp under ASan). */
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"/*+++++*++v1)+$\"]}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"/tmp/a*+\"]}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"/tmp/a{2}*\"]}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"/tmp/a?+\"]}", &p), -EINVAL);
    /* The budget of one policy: 100 patterns of cost 900 each are too many. */
    char many[16384] = "{\"excludes\":[";
    for (int i = 0; i < 100; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s\"/x%d[a-z]{1,150}\"",
                 i ? "," : "", i);
    snprintf(many + strlen(many), sizeof(many) - strlen(many), "]}");
    assert_int_equal(ima_parse_policy(many, &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"((((a+)+)+)+){9999}\"]}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"a{99999999999999999999}\"]}", &p),
                     -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"[a\"]}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"a{3\"]}", &p), -EINVAL);
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"a{5,2}\"]}", &p), -EINVAL);

    /* What real policies hold: Keylime's excludes, character classes, small intervals. */
    const char *fine[] = {
        "{\"excludes\":[\"/var/log/.*\", \"/tmp/.*\", \"/proc/.*\"]}",
        "{\"excludes\":[\"/usr/lib/python3[0-9.]+/.*\\\\.pyc\"]}",
        "{\"excludes\":[\"/run/user/[0-9]{1,5}/.*\"]}",
        "{\"excludes\":[\"[]a+]+x\", \"[[:digit:]]{2,}\", \"a\\\\+\\\\+\\\\+b\"]}",
        "{\"excludes\":[\"(/usr)+(/lib)*/x\", \"/opt/[a-z]+/.*\", \"/srv/(a|b)?c*\"]}",
    };
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
        assert_int_equal(ima_parse_policy(fine[i], &p), 0);
        policy_ima_free(p);
        p = NULL;
    }
}

static void test_ima_evaluate(void **state)
{
    struct imabuf b = {0};
    uint8_t d1[32], d2[32];
    memset(d1, 0x11, 32);
    memset(d2, 0x22, 32);
    ib_entry(&b, 10, "boot_aggregate", d1, 0);
    ib_entry(&b, 10, "/usr/bin/ok", d1, 0);
    ib_entry(&b, 10, "/usr/bin/changed", d2, 0);
    ib_entry(&b, 10, "/usr/bin/unknown", d1, 0);
    ib_entry(&b, 10, "/tmp/scratch", d2, 0);
    ib_entry(&b, 10, "/var/log/x", d1, 1);
    struct ima_list *l = NULL;
    assert_int_equal(ima_parse(b.buf, b.len, &l, NULL), 0);

    /* Keylime runtime-policy layout: bare hex digests, excludes, sections we ignore. */
    char h1[65], h2[65], json[1024];
    hex(h1, d1, 32);
    hex(h2, d2, 32);
    snprintf(json, sizeof(json),
             "{\"meta\":{\"version\":1,\"generator\":0},\"release\":0,"
             "\"digests\":{\"/usr/bin/ok\":[\"%s\"],\"/usr/bin/changed\":[\"%s\"]},"
             "\"excludes\":[\"/tmp/.*\"],\"keyrings\":{},\"ima\":{\"ignored_keyrings\":[],"
             "\"log_hash_alg\":\"sha1\",\"dm_policy\":null},\"ima-buf\":{},"
             "\"verification-keys\":\"\"}",
             h1, h1);
    struct policy_ima *p = NULL;
    struct policy_result *res = calloc(1, sizeof(*res));
    assert_int_equal(ima_parse_policy(json, &p), 0);
    assert_int_equal(policy_ima_evaluate(p, l, 0, 0, l->n_entries, POLICY_ALL_PCRS, res), 0);
    assert_int_equal(res->checked, 5);
    assert_int_equal(res->n, 3); /* changed digest, unknown path, violation */
    assert_string_equal(res->items[0].check, "ima_digest");
    assert_string_equal(res->items[0].subject, "/usr/bin/changed");
    assert_non_null(strstr(res->items[0].digest, h2));
    assert_string_equal(res->items[1].check, "ima_path");
    assert_string_equal(res->items[2].check, "ima_violation");
    policy_result_done(res);
    policy_ima_free(p);

    /* Our format with algorithm prefixes; violations allowed; wrong algorithm refused. */
    snprintf(json, sizeof(json),
             "{\"digests\":{\"/usr/bin/ok\":[\"sha256:%s\"],\"/usr/bin/changed\":[\"sha384:%s\"],"
             "\"/usr/bin/unknown\":[\"%s\"]},\"excludes\":[\"/tmp/\"],\"allow_violations\":true}",
             h1, h2, h1);
    assert_int_equal(ima_parse_policy(json, &p), 0);
    assert_int_equal(policy_ima_evaluate(p, l, 0, 1, l->n_entries - 1, POLICY_ALL_PCRS, res), 0);
    assert_int_equal(res->n, 1);
    assert_string_equal(res->items[0].subject, "/usr/bin/changed");
    policy_result_done(res);
    assert_int_equal(policy_ima_evaluate(p, l, 0, 3, 10, POLICY_ALL_PCRS, res), -EINVAL);

    /*
     * Generated from the list, in either format, the policy accepts that list
     * (minus the violation, which it lists without allowing it).
     */
    json_t *doc = policy_ima_generate(l);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "violations")), 1);
    assert_true(json_is_false(json_object_get(doc, "allow_violations")));
    for (int f = POLICY_IMA_FORMAT_ATTEST; f <= POLICY_IMA_FORMAT_KEYLIME; f++) {
        char *gen = NULL, *err = NULL;
        assert_int_equal(policy_ima_render(doc, (enum policy_ima_format)f, &gen, &err), 0);
        struct policy_ima *g = NULL;
        assert_int_equal(ima_parse_policy(gen, &g), 0);
        assert_int_equal(policy_ima_evaluate(g, l, 0, 0, l->n_entries, POLICY_ALL_PCRS, res), 0);
        assert_int_equal(res->n, 1);
        assert_string_equal(res->items[0].check, "ima_violation");
        policy_result_done(res);
        policy_ima_free(g);
        free(gen);
    }
    json_decref(doc);

    free(res);
    policy_ima_free(p);
    ima_list_free(l);
    free(b.buf);
}

/* 150 unknown files: 100 violations stored, 50 counted as dropped. */
static void test_cap(void **state)
{
    struct imabuf b = {0};
    uint8_t d[32] = {1};
    for (int i = 0; i < 150; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/bin/x%d", i);
        ib_entry(&b, 10, path, d, 0);
    }
    struct ima_list *l = NULL;
    assert_int_equal(ima_parse(b.buf, b.len, &l, NULL), 0);
    struct policy_ima *p = NULL;
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"/nothing$\"]}", &p), 0);
    struct policy_result *res = calloc(1, sizeof(*res));
    assert_int_equal(policy_ima_evaluate(p, l, 0, 0, l->n_entries, POLICY_ALL_PCRS, res), 0);
    assert_int_equal(res->n, POLICY_MAX_VIOLATIONS);
    assert_int_equal(res->dropped, 50);
    assert_false(policy_result_ok(res));
    policy_result_done(res);
    free(res);
    policy_ima_free(p);
    ima_list_free(l);
    free(b.buf);
}

/*
 * The engine's entry points as these tests call them: a quoted selection and
 * the list's offset in the boot travel with every evaluation.
 */
static int boot_eval(const struct policy_boot *p, const struct eventlog *log,
                     const struct eventlog_replay *r, const struct eventlog_facts *f,
                     uint32_t quoted, struct policy_result *res)
{
    return policy_boot_evaluate(p, log, r, f, quoted, res);
}

static int ima_eval(const struct policy_ima *p, const struct ima_list *l, size_t offset,
                    uint32_t quoted, struct policy_result *res)
{
    return policy_ima_evaluate(p, l, offset, 0, l->n_entries, quoted, res);
}

/* Evaluate json against the log in b with the quoted PCRs; the number of violations. */
static size_t boot_violations(const struct logbuf *b, const char *json, uint32_t quoted,
                              const char *want_check)
{
    struct eventlog *log = NULL;
    assert_int_equal(eventlog_parse(b->buf, b->len, &log, NULL), 0);
    struct eventlog_replay *r = malloc(sizeof(*r));
    assert_non_null(r);
    assert_int_equal(eventlog_replay(log, r), 0);
    struct eventlog_facts f;
    assert_int_equal(eventlog_facts_extract(log, &f), 0);
    struct policy_boot *p = NULL;
    assert_int_equal(boot_parse(json, &p), 0);
    struct policy_result *res = calloc(1, sizeof(*res));
    assert_non_null(res);
    assert_int_equal(boot_eval(p, log, r, &f, quoted, res), 0);
    size_t n = res->n + res->dropped;
    bool named = want_check == NULL;
    for (size_t i = 0; i < res->n; i++)
        named |= strcmp(res->items[i].check, want_check) == 0;
    if (n > 0)
        assert_true(named); /* the failure is the rule under test, not another */
    policy_result_done(res);
    free(res);
    policy_boot_free(p);
    eventlog_facts_done(&f);
    free(r);
    eventlog_free(log);
    return n;
}

static void lb_cmdline(struct logbuf *b, const char *text)
{
    char ev[5200];
    int n = snprintf(ev, sizeof(ev), "kernel_cmdline: %s", text);
    assert_true(n > 0 && (size_t)n < sizeof(ev));
    lb_event(b, 8, EV_IPL, text, strlen(text), ev, (size_t)n + 1);
}

static const char cmd_policy[] = "{\"cmdlines\":[\"/vmlinuz ro quiet\"]}";

/* Nine allowed command lines, then one the policy does not allow. */
static void test_cmdlines_all_judged(void **state)
{
    struct logbuf b;
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    for (int i = 0; i < 9; i++)
        lb_cmdline(&b, "/vmlinuz ro quiet");
    assert_int_equal(boot_violations(&b, cmd_policy, POLICY_ALL_PCRS, "cmdline"), 0);
    lb_cmdline(&b, "/vmlinuz init=/bin/sh");
    assert_int_equal(boot_violations(&b, cmd_policy, POLICY_ALL_PCRS, "cmdline"), 1);
}

/* Past the cap every command line allowed still fails: the rest were not listed. */
static void test_cmdlines_cap(void **state)
{
    struct logbuf b;
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    for (int i = 0; i < EVENTLOG_MAX_CMDLINES; i++)
        lb_cmdline(&b, "/vmlinuz ro quiet");
    assert_int_equal(boot_violations(&b, cmd_policy, POLICY_ALL_PCRS, "cmdline"), 0);
    lb_cmdline(&b, "/vmlinuz ro quiet");
    assert_int_equal(boot_violations(&b, cmd_policy, POLICY_ALL_PCRS, "cmdline"), 1);
}

/* An over-long command line is a failure, not a line dropped from the judgement. */
static void test_cmdline_too_long(void **state)
{
    struct logbuf b;
    char *longline = malloc(EVENTLOG_MAX_CMDLINE + 2);
    assert_non_null(longline);
    memset(longline, 'a', EVENTLOG_MAX_CMDLINE + 1);
    longline[EVENTLOG_MAX_CMDLINE + 1] = 0;
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_cmdline(&b, "/vmlinuz ro quiet");
    lb_cmdline(&b, longline);
    assert_int_equal(boot_violations(&b, cmd_policy, POLICY_ALL_PCRS, "cmdline"), 1);
    free(longline);
}

/* GRUB's command line with its text rewritten (digest kept): not a line to skip. */
static void test_cmdline_rewritten(void **state)
{
    struct logbuf b;
    static const char fake[] = "kernel_cmdline: /vmlinuz ro quiet";
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_cmdline(&b, "/vmlinuz ro quiet");
    lb_event(&b, 8, EV_EVENT_TAG, "/vmlinuz init=/bin/sh", 21, fake, sizeof(fake));
    assert_int_equal(boot_violations(&b, cmd_policy, POLICY_ALL_PCRS, "cmdline"), 1);
}

static void hex_of(char *out, const void *data, size_t n)
{
    uint8_t d[32];
    EVP_Digest(data, n, d, NULL, EVP_sha256(), NULL);
    hex(out, d, 32);
}

static void lb_var(struct logbuf *b, const char *name, const uint8_t *val, size_t vlen,
                   char *digest_hex)
{
    uint8_t var[128];
    size_t n = efi_var(var, name, val, vlen);
    lb_event(b, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, var, n, var, n);
    if (digest_hex)
        hex_of(digest_hex, var, n);
}

static const uint8_t sep4[4];

/* dbx measured twice before the separator, the second an "approved" one. */
static void test_dbx_twice(void **state)
{
    struct logbuf b;
    char real[65], approved[65], json[256];
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_var(&b, "dbx", (const uint8_t *)"revoked-all", 11, real);
    lb_var(&b, "dbx", (const uint8_t *)"approved", 8, approved);
    lb_event(&b, 7, EV_SEPARATOR, sep4, 4, sep4, 4);
    snprintf(json, sizeof(json), "{\"dbx\":[\"%s\",\"%s\"]}", real, approved);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, "dbx"), 1);
    snprintf(json, sizeof(json), "{\"dbx\":[\"%s\"]}", approved);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, "dbx"), 1);
}

/* The firmware's dbx, then an "approved" one logged after PCR 7's separator. */
static void test_dbx_after_separator(void **state)
{
    struct logbuf b;
    char real[65], approved[65], json[256];
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_var(&b, "dbx", (const uint8_t *)"old", 3, real);
    lb_event(&b, 7, EV_SEPARATOR, sep4, 4, sep4, 4);
    snprintf(json, sizeof(json), "{\"dbx\":[\"%s\"]}", real);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, "dbx"), 0);
    lb_var(&b, "dbx", (const uint8_t *)"approved", 8, approved);
    snprintf(json, sizeof(json), "{\"dbx\":[\"%s\"]}", approved);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, "dbx"), 1);
    /* the separator retyped: its content still closes PCR 7 */
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_event(&b, 7, EV_EFI_ACTION, sep4, 4, sep4, 4);
    lb_var(&b, "dbx", (const uint8_t *)"approved", 8, approved);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, "dbx"), 1);
}

/* SecureBoot=1 appearing only after the separator, or repeated there. */
static void test_secure_boot_after_separator(void **state)
{
    struct logbuf b;
    const uint8_t on = 1;
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_event(&b, 7, EV_SEPARATOR, sep4, 4, sep4, 4);
    lb_var(&b, "SecureBoot", &on, 1, NULL);
    assert_int_equal(boot_violations(&b, "{\"secure_boot\":true}", POLICY_ALL_PCRS, "secure_boot"),
                     1);
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_var(&b, "SecureBoot", &on, 1, NULL);
    lb_event(&b, 7, EV_SEPARATOR, sep4, 4, sep4, 4);
    assert_int_equal(boot_violations(&b, "{\"secure_boot\":true}", POLICY_ALL_PCRS, "secure_boot"),
                     0);
    lb_var(&b, "SecureBoot", &on, 1, NULL);
    assert_int_equal(boot_violations(&b, "{\"secure_boot\":true}", POLICY_ALL_PCRS, "secure_boot"),
                     1);
}

/* The same content measured twice before the separator stays the firmware's fact. */
static void test_identical_repeat(void **state)
{
    struct logbuf b;
    const uint8_t on = 1;
    char db[65], json[256];
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_var(&b, "SecureBoot", &on, 1, NULL);
    lb_var(&b, "db", (const uint8_t *)"certs", 5, db);
    lb_var(&b, "SecureBoot", &on, 1, NULL);
    lb_var(&b, "db", (const uint8_t *)"certs", 5, NULL);
    lb_event(&b, 7, EV_SEPARATOR, sep4, 4, sep4, 4);
    snprintf(json, sizeof(json), "{\"secure_boot\":true,\"db\":[\"%s\"]}", db);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, NULL), 0);
}

/* A variable is its VendorGuid and its name: "dbx" of another vendor is not the dbx. */
static void test_variable_guid(void **state)
{
    struct logbuf b;
    uint8_t var[128], other[16];
    char d[65], json[256];
    memset(other, 0x61, sizeof(other));
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    size_t n = efi_var_guid(var, other, "dbx", (const uint8_t *)"approved", 8);
    lb_event(&b, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, var, n, var, n);
    hex_of(d, var, n);
    snprintf(json, sizeof(json), "{\"dbx\":[\"%s\"]}", d);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, "dbx"), 1);
}

/* More boot applications than the facts list: each one is still judged. */
static void test_apps_beyond_list(void **state)
{
    struct logbuf b;
    char shim[65], json[128];
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    for (int i = 0; i < EVENTLOG_MAX_APPS + 5; i++)
        lb_event(&b, 4, EV_EFI_BOOT_SERVICES_APPLICATION, "shim", 4, "p", 1);
    hex_of(shim, "shim", 4);
    snprintf(json, sizeof(json), "{\"boot_apps\":[\"%s\"]}", shim);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, "boot_app"), 0);
    lb_event(&b, 4, EV_EFI_BOOT_SERVICES_APPLICATION, "evil", 4, "p", 1);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, "boot_app"), 1);
}

#define SEL_0_10 0x7FFu /* the verifier's default selection, sha256:0-10 */

/* Rules on PCRs outside the quote fail, whatever the log says about them. */
static void test_unquoted_pcrs(void **state)
{
    struct logbuf b;
    char d14[65], d11[65], json[512];
    const uint8_t on = 1;
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    lb_var(&b, "SecureBoot", &on, 1, NULL);
    lb_event(&b, 11, EV_IPL, "pcr11", 5, "pcr11", 5);
    lb_event(&b, 14, EV_IPL, "mok", 3, "MokList", 7);
    hex_of(d11, "pcr11", 5);
    struct eventlog *log = NULL;
    assert_int_equal(eventlog_parse(b.buf, b.len, &log, NULL), 0);
    struct eventlog_replay *r = malloc(sizeof(*r));
    assert_int_equal(eventlog_replay(log, r), 0);
    hex(d14, eventlog_replay_bank(r, TPM2_ALG_SHA256)->pcr[14], 32);
    free(r);
    eventlog_free(log);

    snprintf(json, sizeof(json), "{\"pcrs\":{\"14\":[\"%s\"]}}", d14);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, "pcr"), 0);
    assert_int_equal(boot_violations(&b, json, SEL_0_10, "pcr"), 1);
    snprintf(json, sizeof(json), "{\"event_digests\":{\"11\":[\"%s\"]}}", d11);
    assert_int_equal(boot_violations(&b, json, POLICY_ALL_PCRS, "event_digest"), 0);
    assert_int_equal(boot_violations(&b, json, SEL_0_10, "event_digest"), 1);
    assert_int_equal(boot_violations(&b, "{\"firmware_pcrs\":[12],\"secure_boot\":true}",
                                     POLICY_ALL_PCRS, NULL),
                     0);
    assert_int_equal(boot_violations(&b, "{\"firmware_pcrs\":[12],\"secure_boot\":true}",
                                     SEL_0_10, "firmware_pcrs"),
                     1);
    /* PCR 7 left out of the quote: the Secure Boot rule cannot be judged */
    assert_int_equal(boot_violations(&b, "{\"secure_boot\":true}", SEL_0_10 & ~0x80u, "secure_boot"),
                     1);
}

/* The mask of PCRs a policy reads, for the verifier to refuse what it does not quote. */
static void test_policy_pcrs(void **state)
{
    struct policy_boot *p = NULL;
    char json[512], d[65];
    memset(d, 'a', 64);
    d[64] = 0;
    snprintf(json, sizeof(json),
             "{\"firmware_pcrs\":[12],\"pcrs\":{\"14\":[\"%s\"]},\"event_digests\":{\"11\":[\"%s\"]},"
             "\"secure_boot\":true,\"boot_apps\":[\"%s\"],\"cmdlines\":[\"x\"]}",
             d, d, d);
    assert_int_equal(boot_parse(json, &p), 0);
    assert_int_equal(policy_boot_pcrs(p), (1u << 12) | (1u << 14) | (1u << 11) | 0x80 | 0x10 | 0x100);
    assert_int_equal(policy_boot_bank(p), TPM2_ALG_SHA256);
    policy_boot_free(p);
    assert_int_equal(boot_parse("{\"separators\":true}", &p), 0);
    assert_int_equal(policy_boot_pcrs(p), 0xFF);
    policy_boot_free(p);
    struct policy_ima *pi = NULL;
    assert_int_equal(ima_parse_policy("{\"excludes\":[\"/tmp/\"]}", &pi), 0);
    assert_int_equal(policy_ima_pcrs(pi), 1u << 10);
    policy_ima_free(pi);
}

/* Only the boot's entry 0 is exempt: a delta starting with "boot_aggregate" is judged. */
static void test_ima_boot_aggregate_offset(void **state)
{
    struct imabuf b = {0};
    uint8_t ok[32], bad[32];
    memset(ok, 0x11, 32);
    memset(bad, 0x66, 32);
    ib_entry(&b, 10, "boot_aggregate", bad, 0);
    ib_entry(&b, 10, "/usr/bin/ok", ok, 0);
    struct ima_list *l = NULL;
    assert_int_equal(ima_parse(b.buf, b.len, &l, NULL), 0);
    char h[65], json[256];
    hex(h, ok, 32);
    snprintf(json, sizeof(json), "{\"digests\":{\"/usr/bin/ok\":[\"%s\"]}}", h);
    struct policy_ima *p = NULL;
    assert_int_equal(ima_parse_policy(json, &p), 0);
    struct policy_result *res = calloc(1, sizeof(*res));
    assert_int_equal(ima_eval(p, l, 0, POLICY_ALL_PCRS, res), 0);
    assert_true(policy_result_ok(res)); /* absolute entry 0: the replay judges it */
    policy_result_done(res);
    assert_int_equal(ima_eval(p, l, 7, POLICY_ALL_PCRS, res), 0);
    assert_int_equal(res->n, 1);
    assert_string_equal(res->items[0].subject, "boot_aggregate");
    policy_result_done(res);
    free(res);
    policy_ima_free(p);
    ima_list_free(l);
    free(b.buf);
}

/* An IMA entry extending a PCR the quote does not cover is not judged as allowed. */
static void test_ima_unquoted_pcr(void **state)
{
    struct imabuf b = {0};
    uint8_t ok[32];
    memset(ok, 0x11, 32);
    ib_entry(&b, 11, "/usr/bin/ok", ok, 0);
    struct ima_list *l = NULL;
    assert_int_equal(ima_parse(b.buf, b.len, &l, NULL), 0);
    char h[65], json[256];
    hex(h, ok, 32);
    snprintf(json, sizeof(json), "{\"digests\":{\"/usr/bin/ok\":[\"%s\"]}}", h);
    struct policy_ima *p = NULL;
    assert_int_equal(ima_parse_policy(json, &p), 0);
    struct policy_result *res = calloc(1, sizeof(*res));
    assert_int_equal(ima_eval(p, l, 3, POLICY_ALL_PCRS, res), 0);
    assert_true(policy_result_ok(res));
    policy_result_done(res);
    assert_int_equal(ima_eval(p, l, 3, 1u << 10, res), 0);
    assert_int_equal(res->n, 1);
    assert_string_equal(res->items[0].check, "ima_pcr");
    policy_result_done(res);
    free(res);
    policy_ima_free(p);
    ima_list_free(l);
    free(b.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boot_parse_rejects),    cmocka_unit_test(test_boot_evaluate),
        cmocka_unit_test(test_boot_type_not_trusted), cmocka_unit_test(test_ima_parse_rejects),
        cmocka_unit_test(test_ima_evaluate),          cmocka_unit_test(test_cap),
        cmocka_unit_test(test_ima_regex_cost),
        cmocka_unit_test(test_cmdlines_all_judged),
        cmocka_unit_test(test_cmdlines_cap),
        cmocka_unit_test(test_cmdline_too_long),
        cmocka_unit_test(test_cmdline_rewritten),
        cmocka_unit_test(test_dbx_twice),
        cmocka_unit_test(test_dbx_after_separator),
        cmocka_unit_test(test_secure_boot_after_separator),
        cmocka_unit_test(test_identical_repeat),
        cmocka_unit_test(test_variable_guid),
        cmocka_unit_test(test_apps_beyond_list),
        cmocka_unit_test(test_unquoted_pcrs),
        cmocka_unit_test(test_policy_pcrs),
        cmocka_unit_test(test_ima_boot_aggregate_offset),
        cmocka_unit_test(test_ima_unquoted_pcr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
