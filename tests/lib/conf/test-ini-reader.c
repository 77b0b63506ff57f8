/* SPDX-License-Identifier: Apache-2.0 */
/* lib/conf: the INI reader shared by attestd, the generator and the verifier. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf/ini-reader.h"

#define PATH "/etc/attest/attest.conf"

/* What a parse produced: keys as "LINE [section] name=value", errors as given. */
struct record {
    char keys[4096];
    char errors[4096];
    unsigned last_error_line;
    bool overlong_seen;
};

static void append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...)
{
    size_t n = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, size - n, fmt, ap);
    va_end(ap);
}

static int on_key(void *user, const struct conf_line *line, const char *section, const char *name,
                  const char *value)
{
    struct record *rec = user;
    rec->overlong_seen |= line->overlong;
    append(rec->keys, sizeof(rec->keys), "%u [%s] %s=%s\n", line->number, section, name, value);
    return 0;
}

static int on_error(void *user, unsigned line, const char *message)
{
    struct record *rec = user;
    rec->last_error_line = line;
    append(rec->errors, sizeof(rec->errors), "%s\n", message);
    return 0;
}

static const struct conf_ops ops = {.key = on_key, .error = on_error};

static int parse(const char *text, size_t len, struct record *rec)
{
    memset(rec, 0, sizeof(*rec));
    return conf_parse(PATH, text, len, &ops, rec);
}

/* "[s]" EOL "k = " + 'x' up to a line of n characters EOL "z = 1" EOL */
static char *file_with_line(size_t n, const char *eol)
{
    char *s = NULL;
    char *v = malloc(n - 4 + 1);
    assert_non_null(v);
    memset(v, 'x', n - 4);
    v[n - 4] = 0;
    assert_true(asprintf(&s, "[s]%sk = %s%sz = 1%s", eol, v, eol, eol) > 0);
    free(v);
    return s;
}

static void test_limit(void **state)
{
    struct record rec;
    for (int crlf = 0; crlf < 2; crlf++) {
        const char *eol = crlf ? "\r\n" : "\n";
        /* at the limit: inih gets the whole line */
        char *at = file_with_line(CONF_MAX_LINE, eol);
        assert_int_equal(parse(at, strlen(at), &rec), 0);
        assert_string_equal(rec.errors, "");
        assert_false(rec.overlong_seen);
        assert_non_null(strstr(rec.keys, "2 [s] k=xxx"));
        assert_int_equal(strlen(strstr(rec.keys, "=x") + 1),
                         CONF_MAX_LINE - 4 + strlen("\n3 [s] z=1\n"));
        free(at);
        /* one over: an error with file and line, and its tail is no line of its own */
        char *over = file_with_line(CONF_MAX_LINE + 1, eol);
        assert_int_equal(parse(over, strlen(over), &rec), 1);
        assert_string_equal(rec.errors,
                            PATH ":2: line is 198 characters, longer than inih's limit of 197: "
                                 "split it (a list key such as [gate] units may be repeated)\n");
        assert_true(rec.overlong_seen);
        assert_non_null(strstr(rec.keys, "3 [s] z=1\n"));
        free(over);
    }
    /* a tail that would parse as a key must not come back as one */
    char *big = file_with_line(450, "\n");
    memcpy(big + 4 + 200, "evil = 1", 8);
    struct record r2;
    assert_int_equal(parse(big, strlen(big), &r2), 1);
    assert_null(strstr(r2.keys, "evil"));
    free(big);
}

static void test_crlf(void **state)
{
    struct record rec;
    const char text[] = "[a]\r\nk = v\r\n; comment\r\n[b]\r\nm = 2\r\n";
    assert_int_equal(parse(text, strlen(text), &rec), 0);
    assert_string_equal(rec.keys, "2 [a] k=v\n5 [b] m=2\n");
    assert_string_equal(rec.errors, "");
}

static void test_nul(void **state)
{
    struct record rec;
    static const char text[] = "[a]\nk = v\nm = be\0fore\nn = 3\n";
    assert_int_equal(parse(text, sizeof(text) - 1, &rec), 1);
    assert_string_equal(rec.errors, PATH ":3: NUL byte in line\n");
    /* the text before the NUL is all inih sees of the line */
    assert_string_equal(rec.keys, "2 [a] k=v\n3 [a] m=be\n4 [a] n=3\n");
}

static void test_no_final_newline_and_empty(void **state)
{
    struct record rec;
    assert_int_equal(parse("[a]\nk = last", 12, &rec), 0);
    assert_string_equal(rec.keys, "2 [a] k=last\n");
    assert_int_equal(parse("[a]\r\nk = last\r", 14, &rec), 0);
    assert_string_equal(rec.keys, "2 [a] k=last\n");
    assert_int_equal(parse("", 0, &rec), 0);
    assert_string_equal(rec.keys, "");
    assert_string_equal(rec.errors, "");
    assert_int_equal(parse(NULL, 0, &rec), 0);
    assert_int_equal(parse("\n\n", 2, &rec), 0);
    assert_string_equal(rec.errors, "");
}

static void test_syntax(void **state)
{
    struct record rec;
    const char text[] = "[a]\nk = 1\nno equals here\n[b\nm = 2\n";
    assert_int_equal(parse(text, strlen(text), &rec), 1);
    /* inih reports its first syntax error, after the keys it parsed */
    assert_string_equal(rec.errors, PATH ":3: syntax error (expected [section], key = value, or "
                                         "a comment)\n");
    assert_int_equal(rec.last_error_line, 3);
    assert_non_null(strstr(rec.keys, "2 [a] k=1\n"));
}

static int stop_key(void *user, const struct conf_line *line, const char *section, const char *name,
                    const char *value)
{
    unsigned *n = user;
    return ++*n == 2 ? -ENOMEM : 0;
}

static int stop_error(void *user, unsigned line, const char *message)
{
    return -ENOMEM;
}

static void test_callback_stops(void **state)
{
    unsigned n = 0;
    const struct conf_ops stop = {.key = stop_key, .error = stop_error};
    const char text[] = "[a]\nk = 1\nl = 2\nm = 3\n";
    assert_int_equal(conf_parse(PATH, text, strlen(text), &stop, &n), -ENOMEM);
    assert_int_equal(n, 2); /* m is never handed over */
    n = 0;
    static const char nul[] = "[a]\n\0\nk = 1\n";
    assert_int_equal(conf_parse(PATH, nul, sizeof(nul) - 1, &stop, &n), -ENOMEM);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit),  cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_nul),    cmocka_unit_test(test_no_final_newline_and_empty),
        cmocka_unit_test(test_syntax), cmocka_unit_test(test_callback_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
