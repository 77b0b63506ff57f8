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
    assert_int_equal(policy_boot_evaluate(p, log, r, &f, res), 0);
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
    assert_int_equal(policy_boot_evaluate(p, log, r, &f, res), 0);
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
    assert_int_equal(policy_boot_evaluate(p, log, r, &f, res), 0);
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
    assert_int_equal(policy_boot_evaluate(p, log, r, &f, res), 0);
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
    assert_int_equal(policy_ima_evaluate(p, l, 0, l->n_entries, res), 0);
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
    assert_int_equal(policy_ima_evaluate(p, l, 1, l->n_entries - 1, res), 0);
    assert_int_equal(res->n, 1);
    assert_string_equal(res->items[0].subject, "/usr/bin/changed");
    policy_result_done(res);
    assert_int_equal(policy_ima_evaluate(p, l, 3, 10, res), -EINVAL);

    /* Generated from the list, the policy accepts that list (minus the violation). */
    char *gen = policy_ima_generate_from_list(l);
    assert_non_null(gen);
    struct policy_ima *g = NULL;
    assert_int_equal(ima_parse_policy(gen, &g), 0);
    assert_int_equal(policy_ima_evaluate(g, l, 0, l->n_entries, res), 0);
    assert_int_equal(res->n, 1);
    assert_string_equal(res->items[0].check, "ima_violation");
    policy_result_done(res);
    policy_ima_free(g);
    free(gen);

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
    assert_int_equal(policy_ima_evaluate(p, l, 0, l->n_entries, res), 0);
    assert_int_equal(res->n, POLICY_MAX_VIOLATIONS);
    assert_int_equal(res->dropped, 50);
    assert_false(policy_result_ok(res));
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
