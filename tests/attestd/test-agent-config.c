/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of attestd's configuration parser (attestd/config.c). */
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

#include "agent-config.h"
#include "common/cleanup.h"
#include "config.h"

#define PATH "/etc/attest/attest.conf"

static int parse(const char *text, struct agent_config *cfg, char *err, size_t errlen)
{
    return agent_config_parse(PATH, text, strlen(text), cfg, err, errlen);
}

static void expect_error(const char *text, const char *fragment1, const char *fragment2)
{
    struct agent_config cfg;
    assert_int_equal(agent_config_defaults(&cfg), 0);
    char err[512];
    int r = parse(text, &cfg, err, sizeof(err));
    if (r != -EINVAL || !strstr(err, fragment1) || (fragment2 && !strstr(err, fragment2)))
        fail_msg("r=%d err='%s', wanted '%s' and '%s'", r, err, fragment1,
                 fragment2 ? fragment2 : "");
    agent_config_done(&cfg);
}

static void test_defaults(void **state)
{
    struct agent_config cfg;
    assert_int_equal(agent_config_defaults(&cfg), 0);
    char err[256];
    assert_int_equal(parse("; empty\n# nothing\n", &cfg, err, sizeof(err)), 0);
    assert_null(cfg.tcti);
    assert_string_equal(cfg.pcr_selection, "sha256:0-10");
    assert_int_equal(cfg.pcrs.count, 1);
    assert_int_equal(cfg.ek_template, AGENT_EK_RSA_L1);
    assert_string_equal(cfg.state_dir, ATTEST_STATEDIR);
    assert_string_equal(cfg.run_dir, "/run/attest");
    assert_null(cfg.verifier_url);
    assert_null(cfg.ca_file);
    assert_false(cfg.allow_http);
    assert_int_equal(cfg.n_gate_units, 0);
    assert_int_equal(cfg.interval_ms, 300000);
    assert_true(cfg.ak_ecc);
    assert_string_equal(cfg.machine_id_file, "/etc/machine-id");
    assert_string_equal(cfg.path, PATH);
    agent_config_done(&cfg);
    agent_config_done(&cfg); /* idempotent */
    agent_config_done(NULL);
}

static void test_every_key(void **state)
{
    const char *text = "[verifier]\n"
                       "url = https://verifier.example:8443/\n"
                       "ca_file = /etc/attest/ca.pem\n"
                       "public_key = /etc/attest/v.pem\n"
                       "allow_http = yes\n"
                       "[tpm]\n"
                       "tcti = swtpm:host=127.0.0.1,port=2321\n"
                       "ek_template = H-3\n"
                       "ek_certificate = /etc/attest/ek.der\n"
                       "ak_algorithm = rsa\n"
                       "pcr_selection = sha256:0-7+sha1:0\n"
                       "[paths]\n"
                       "state_dir = /srv/ak\n"
                       "run_dir = /tmp/run\n"
                       "event_log = /tmp/el.bin\n"
                       "ima_log = /tmp/ima.bin\n"
                       "machine_id_file = /tmp/machine-id\n"
                       "[gate]\n"
                       "units = bench.service runner.service\n"
                       "units = late.target ; inline comment\n"
                       "[attest]\n"
                       "connect_timeout = 500ms\n"
                       "request_timeout = 10s\n"
                       "retry_initial = 1\n"
                       "retry_max = 2min\n"
                       "retry_total = 1h\n"
                       "interval = 60\n"
                       "grace = 5min\n";
    struct agent_config cfg;
    assert_int_equal(agent_config_defaults(&cfg), 0);
    char err[256];
    assert_int_equal(parse(text, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.verifier_url, "https://verifier.example:8443/");
    assert_string_equal(cfg.ca_file, "/etc/attest/ca.pem");
    assert_string_equal(cfg.verifier_key, "/etc/attest/v.pem");
    assert_true(cfg.allow_http);
    assert_string_equal(cfg.tcti, "swtpm:host=127.0.0.1,port=2321");
    assert_int_equal(cfg.ek_template, AGENT_EK_ECC384_H3);
    assert_string_equal(cfg.ek_certificate, "/etc/attest/ek.der");
    assert_int_equal(cfg.pcrs.count, 2);
    assert_string_equal(cfg.state_dir, "/srv/ak");
    assert_string_equal(cfg.run_dir, "/tmp/run");
    assert_string_equal(cfg.event_log, "/tmp/el.bin");
    assert_string_equal(cfg.ima_log, "/tmp/ima.bin");
    assert_int_equal(cfg.n_gate_units, 3);
    assert_string_equal(cfg.gate_units[0], "bench.service");
    assert_string_equal(cfg.gate_units[1], "runner.service");
    assert_string_equal(cfg.gate_units[2], "late.target");
    assert_null(cfg.gate_units[3]);
    assert_int_equal(cfg.connect_timeout_ms, 500);
    assert_int_equal(cfg.request_timeout_ms, 10000);
    assert_int_equal(cfg.retry_initial_ms, 1000);
    assert_int_equal(cfg.retry_max_ms, 120000);
    assert_int_equal(cfg.retry_total_ms, 3600000);
    assert_int_equal(cfg.interval_ms, 60000);
    assert_int_equal(cfg.grace_ms, 300000);
    assert_false(cfg.ak_ecc);
    assert_string_equal(cfg.machine_id_file, "/tmp/machine-id");
    agent_config_done(&cfg);
}

static void test_ek_template_names(void **state)
{
    static const struct {
        const char *v;
        enum agent_ek_template t;
    } cases[] = {{"rsa", AGENT_EK_RSA_L1},
                 {"L-1", AGENT_EK_RSA_L1},
                 {"ecc", AGENT_EK_ECC_L2},
                 {"L-2", AGENT_EK_ECC_L2},
                 {"ecc384", AGENT_EK_ECC384_H3}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct agent_config cfg;
        assert_int_equal(agent_config_defaults(&cfg), 0);
        char text[64], err[256];
        snprintf(text, sizeof(text), "[tpm]\nek_template=%s\n", cases[i].v);
        assert_int_equal(parse(text, &cfg, err, sizeof(err)), 0);
        assert_int_equal(cfg.ek_template, cases[i].t);
        assert_string_equal(agent_ek_template_name(cfg.ek_template), i < 2   ? "rsa"
                                                                     : i < 4 ? "ecc"
                                                                             : "ecc384");
        agent_config_done(&cfg);
    }
}

static void test_errors_name_file_line_key(void **state)
{
    expect_error("[tpm]\ntcti = x\nbogus = 1\n", PATH ":3: unknown key 'bogus' in [tpm]", NULL);
    expect_error("\n[nope]\nkey = 1\n", PATH ":3: unknown section [nope] (key 'key')", NULL);
    expect_error("url = x\n", PATH ":1: key 'url' outside any [section]", NULL);
    expect_error("[verifier]\nallow_http = maybe\n", PATH ":2: key 'allow_http' in [verifier]",
                 "yes/no");
    expect_error("[attest]\ninterval = 5 min\n", PATH ":2: key 'interval' in [attest]", "duration");
    expect_error("[attest]\ninterval = -5\n", ":2: key 'interval'", NULL);
    expect_error("[attest]\ninterval = 9999999999999\n", ":2: key 'interval'", NULL);
    expect_error("[attest]\ninterval = 8h\n\n[attest]\ngrace = 700000000s\n", ":5: key 'grace'",
                 "at most a week");
    expect_error("[tpm]\nak_algorithm = dsa\n", ":2: key 'ak_algorithm' in [tpm]", "rsa or ecc");
    expect_error("[tpm]\nek_template = rsa3072\n", ":2: key 'ek_template' in [tpm]", "H-3");
    expect_error("[tpm]\npcr_selection = sha256:0-24\n", ":2: key 'pcr_selection'", NULL);
    expect_error("[tpm]\npcr_selection = md5:0\n", ":2: key 'pcr_selection'", NULL);
    expect_error("[gate]\nunits = bench\n", ":2: key 'units' in [gate]", "'bench'");
    expect_error("[gate]\nunits = ../x.service\n", ":2: key 'units'", NULL);
    expect_error("[tpm]\ntcti = a\ntcti = b\n", ":3: key 'tcti' in [tpm] set twice", NULL);
    expect_error("[verifier]\nthis line has no equals sign\n", PATH ":2: syntax error", NULL);
    expect_error("[verifier\nurl = x\n", PATH ":1: syntax error", NULL);
    expect_error("[attest]\nretry_initial = 10s\nretry_max = 1s\n", PATH ": key 'retry_max'", NULL);
    expect_error("[paths]\nrun_dir =\n", "must not be empty", NULL);
    /* A continuation line of a scalar key is a second value: refused. */
    expect_error("[tpm]\ntcti = a\n  b\n", ":3: key 'tcti' in [tpm] set twice", NULL);
}

static void test_first_error_wins(void **state)
{
    /* A later syntax error does not hide the earlier bad key, and vice versa. */
    expect_error("[tpm]\nbogus = 1\nno equals\n", ":2: unknown key 'bogus'", NULL);
    expect_error("[tpm]\nno equals\nbogus = 1\n", ":2: syntax error", NULL);
}

static void test_nothing_applied_on_error(void **state)
{
    struct agent_config cfg;
    assert_int_equal(agent_config_defaults(&cfg), 0);
    char err[256];
    assert_int_equal(
        parse("[verifier]\nurl = https://old\n[gate]\nunits = a.service\n", &cfg, err, sizeof(err)),
        0);
    /* Valid keys before and after the bad one: none of them may land in cfg. */
    const char *bad = "[verifier]\nurl = https://new\n[gate]\nunits = b.service\n"
                      "[tpm]\nek_template = bogus\n[paths]\nrun_dir = /new\n";
    assert_int_equal(parse(bad, &cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, ":6: key 'ek_template'"));
    assert_string_equal(cfg.verifier_url, "https://old");
    assert_int_equal(cfg.n_gate_units, 1);
    assert_string_equal(cfg.gate_units[0], "a.service");
    assert_string_equal(cfg.run_dir, "/run/attest");
    agent_config_done(&cfg);
}

/* "key = " + value padded to make a line of exactly n characters. */
static char *line_of(const char *key, size_t n)
{
    size_t prefix = strlen(key) + 3;
    assert_true(n > prefix + 1);
    char *s = malloc(n + 1);
    assert_non_null(s);
    sprintf(s, "%s = /", key);
    memset(s + prefix + 1, 'x', n - prefix - 1);
    s[n] = 0;
    return s;
}

static void test_line_limit(void **state)
{
    char err[512];
    /* 197 characters: the longest line inih (INI_MAX_LINE 200) passes whole, even with CRLF. */
    for (int crlf = 0; crlf < 2; crlf++) {
        _cleanup_free_ char *line = line_of("run_dir", AGENT_CONFIG_MAX_LINE);
        _cleanup_free_ char *text = NULL;
        assert_true(
            asprintf(&text, "[paths]%s%s%s", crlf ? "\r\n" : "\n", line, crlf ? "\r\n" : "\n") > 0);
        struct agent_config cfg;
        assert_int_equal(agent_config_defaults(&cfg), 0);
        assert_int_equal(parse(text, &cfg, err, sizeof(err)), 0);
        assert_int_equal(strlen(cfg.run_dir), AGENT_CONFIG_MAX_LINE - strlen("run_dir = "));
        assert_memory_equal(cfg.run_dir, line + strlen("run_dir = "), strlen(cfg.run_dir));
        agent_config_done(&cfg);
    }
    /* One more (and much more): refused with file and line, never silently truncated. */
    size_t lens[] = {AGENT_CONFIG_MAX_LINE + 1, 199, 200, 201, 450, 4000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        _cleanup_free_ char *line = line_of("run_dir", lens[i]);
        _cleanup_free_ char *text = NULL;
        /* The tail of a cut line must not come back as a line of its own either:
         * make it look like a valid key. */
        assert_true(asprintf(&text, "[paths]\n%s\n[tpm]\ntcti = ok\n", line) > 0);
        if (lens[i] > 250)
            memcpy(text + 8 + 197, "event_log = /x", 14);
        struct agent_config cfg;
        assert_int_equal(agent_config_defaults(&cfg), 0);
        assert_int_equal(parse(text, &cfg, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, PATH ":2: line is "));
        assert_non_null(strstr(err, "longer than inih's limit of 197"));
        assert_string_equal(cfg.run_dir, "/run/attest");
        assert_null(cfg.tcti);
        agent_config_done(&cfg);
    }
    /* The documented way around it for lists: repeat the key (or continuation lines). */
    _cleanup_free_ char *many = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&many, &n);
    assert_non_null(f);
    fprintf(f, "[gate]\n");
    for (int i = 0; i < 40; i++)
        fprintf(f, "units = unit-number-%02d-with-a-long-name.service\n", i);
    fprintf(f, "units = cont-a.service\n  cont-b.service cont-c.service\n");
    fclose(f);
    struct agent_config cfg;
    assert_int_equal(agent_config_defaults(&cfg), 0);
    assert_int_equal(parse(many, &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.n_gate_units, 43);
    assert_string_equal(cfg.gate_units[39], "unit-number-39-with-a-long-name.service");
    assert_string_equal(cfg.gate_units[42], "cont-c.service");
    agent_config_done(&cfg);
}

static void test_nul_byte(void **state)
{
    const char text[] = "[tpm]\ntcti = a\0b\n";
    struct agent_config cfg;
    assert_int_equal(agent_config_defaults(&cfg), 0);
    char err[256];
    assert_int_equal(agent_config_parse(PATH, text, sizeof(text) - 1, &cfg, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, ":2: NUL byte"));
    agent_config_done(&cfg);
}

static void test_load_precedence(void **state)
{
    char dir[] = "/tmp/attest-conf.XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *a = NULL, *b = NULL;
    assert_true(asprintf(&a, "%s/a.conf", dir) > 0);
    assert_true(asprintf(&b, "%s/b.conf", dir) > 0);
    FILE *f = fopen(a, "w");
    assert_non_null(f);
    fputs("[tpm]\ntcti = from-a\n", f);
    fclose(f);
    f = fopen(b, "w");
    assert_non_null(f);
    fputs("[tpm]\ntcti = from-b\n", f);
    fclose(f);

    struct agent_config cfg;
    assert_int_equal(agent_config_defaults(&cfg), 0);
    char err[512];
    setenv(AGENT_CONFIG_ENV, b, 1);
    assert_int_equal(agent_config_load(NULL, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.tcti, "from-b");
    assert_string_equal(cfg.path, b);
    assert_int_equal(agent_config_load(a, &cfg, err, sizeof(err)), 0);
    assert_string_equal(cfg.tcti, "from-a");
    unlink(b);
    assert_int_equal(agent_config_load(NULL, &cfg, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, b));
    assert_string_equal(cfg.tcti, "from-a");
    unsetenv(AGENT_CONFIG_ENV);
    agent_config_done(&cfg);
    unlink(a);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),          cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_ek_template_names), cmocka_unit_test(test_errors_name_file_line_key),
        cmocka_unit_test(test_first_error_wins),  cmocka_unit_test(test_nothing_applied_on_error),
        cmocka_unit_test(test_line_limit),        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_load_precedence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
