/* SPDX-License-Identifier: Apache-2.0 */
/* attest-verifier configuration: defaults, INI file, refusals. */
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

#include "common/pcr-selection.h"
#include "conf/ini-reader.h"
#include "verifier-config.h"

static char *write_bytes(const char *text, size_t len)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static char *write_file(const char *text)
{
    return write_bytes(text, strlen(text));
}

static void test_defaults(void **state)
{
    struct verifier_config c;
    assert_int_equal(config_init(&c), 0);
    assert_int_equal(config_set(&c, "server", "state_dir", "/srv/v"), 0);
    assert_int_equal(config_finish(&c), 0);
    assert_string_equal(c.listen, "127.0.0.1:8443");
    assert_string_equal(c.pcr_selection, PCRSEL_DEFAULT); /* the agent's default too */
    config_done(&c);
    assert_int_equal(config_init(&c), 0); /* the default state directory */
    assert_int_equal(config_finish(&c), 0);
    assert_string_equal(c.database, VERIFIER_STATEDIR "/verifier.db");
    config_done(&c);
    assert_int_equal(config_init(&c), 0);
    assert_int_equal(config_set(&c, "server", "state_dir", "/srv/v"), 0);
    assert_int_equal(config_finish(&c), 0);
    assert_string_equal(c.database, "/srv/v/verifier.db");
    assert_string_equal(c.signing_key, "/srv/v/verdict-key.pem");
    assert_string_equal(c.admin_token, "/srv/v/admin-token");
    assert_int_equal(c.enrollment_mode, ENROLL_AUTO);
    config_done(&c);
}

static void test_file(void **state)
{
    struct verifier_config c;
    assert_int_equal(config_init(&c), 0);
    char *path = write_file("[server]\nlisten = [::1]:9000\nworkers = 4\n"
                            "[enrollment]\nmode = approve\n"
                            "[attestation]\nnonce_ttl = 30\npcr_selection = sha256:0-7\n");
    assert_int_equal(config_load_file(&c, path), 0);
    unlink(path);
    /* A flag after the file wins. */
    assert_int_equal(config_set(&c, "server", "workers", "8"), 0);
    assert_int_equal(config_finish(&c), 0);
    assert_string_equal(c.listen, "[::1]:9000");
    assert_int_equal(c.workers, 8);
    assert_int_equal(c.enrollment_mode, ENROLL_APPROVE);
    assert_int_equal(c.nonce_ttl, 30);
    config_done(&c);
}

static void test_refusals(void **state)
{
    const char *bad[] = {
        "[server]\nlisten_on = x\n",      /* unknown key */
        "[server]\nworkers = 0\n",        /* out of range */
        "[server]\nworkers = -3\n",       /* negative */
        "[server]\nworkers = 4x\n",       /* trailing garbage */
        "[enrollment]\nmode = maybe\n",   /* not a mode */
        "[attestation]\nnonce_ttl = 0\n", /* zero */
        "no section line\n",              /* syntax */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct verifier_config c;
        assert_int_equal(config_init(&c), 0);
        char *path = write_file(bad[i]);
        assert_int_equal(config_load_file(&c, path), -EINVAL);
        unlink(path);
        config_done(&c);
    }
    /* lib/conf's reader: a NUL byte, a line inih would have cut in two */
    static const char nul[] = "[server]\nlisten = 127.0.0.1:1\0:2\n";
    struct verifier_config c;
    assert_int_equal(config_init(&c), 0);
    char *path = write_bytes(nul, sizeof(nul) - 1);
    assert_int_equal(config_load_file(&c, path), -EINVAL);
    unlink(path);
    config_done(&c);
    for (size_t n = CONF_MAX_LINE; n <= CONF_MAX_LINE + 1; n++) {
        char text[512];
        int k = snprintf(text, sizeof(text), "[server]\nstate_dir = /%0*d\n",
                         (int)(n - strlen("state_dir = /")), 0);
        assert_true(k > 0 && (size_t)k < sizeof(text));
        assert_int_equal(config_init(&c), 0);
        path = write_file(text);
        assert_int_equal(config_load_file(&c, path), n == CONF_MAX_LINE ? 0 : -EINVAL);
        unlink(path);
        if (n == CONF_MAX_LINE)
            assert_int_equal(strlen(c.state_dir), n - strlen("state_dir = "));
        config_done(&c);
    }
    assert_int_equal(config_init(&c), 0);
    assert_int_equal(config_load_file(&c, "/nonexistent/verifier.conf"), -ENOENT);
    assert_int_equal(config_set(&c, "attestation", "pcr_selection", "sha256:0-99"), 0);
    assert_int_equal(config_finish(&c), -EINVAL);
    config_done(&c);
    assert_int_equal(config_init(&c), 0);
    assert_int_equal(config_set(&c, "server", "tls_cert", "/c.pem"), 0);
    assert_int_equal(config_finish(&c), -EINVAL); /* a certificate without its key */
    config_done(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
