/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cli.h"
#include "common/exit-codes.h"

static const char *ran;
static int ran_argc;

static int run_alpha(int argc, char **argv)
{
    ran = argv[0];
    ran_argc = argc;
    return 11;
}

static int run_beta(int argc, char **argv)
{
    ran = argv[0];
    ran_argc = argc;
    return 12;
}

static const struct cli_verb verbs[] = {
    {"alpha", "the first", run_alpha},
    {"beta", "the second", run_beta},
};

static const struct cli_program prog = {
    .name = "prog",
    .synopsis = "VERB [OPTIONS]",
    .verbs_title = "Verbs",
    .verb_kind = "verb",
    .epilogue = "the end\n",
    .version = "9.8",
    .verbs = verbs,
    .n_verbs = 2,
};

/* argv from the words of line, in one of 8 rotating static slots (getopt permutes
 * argv, and a test holds several at once). */
static char **words(const char *line, int *argc)
{
    static char buf[8][256];
    static char *v[8][16];
    static unsigned slot;
    slot = (slot + 1) % 8;
    assert_true(strlen(line) < sizeof(buf[slot]));
    strcpy(buf[slot], line);
    int n = 0;
    for (char *save = NULL, *w = strtok_r(buf[slot], " ", &save); w;
         w = strtok_r(NULL, " ", &save)) {
        assert_true(n < 15);
        v[slot][n++] = w;
    }
    v[slot][n] = NULL;
    *argc = n;
    return v[slot];
}

/* Run f with stdout sent to a file; return what it printed (caller frees). */
static char *capture_stdout(int (*f)(int, char **), int argc, char **argv, int *rc)
{
    fflush(stdout);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
    *rc = f(argc, argv);
    fflush(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    assert_int_equal(close(saved), 0);
    long n = ftell(tmp);
    assert_true(n >= 0);
    char *buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    rewind(tmp);
    assert_int_equal(fread(buf, 1, (size_t)n, tmp), (size_t)n);
    assert_int_equal(fclose(tmp), 0);
    return buf;
}

static int dispatch(int argc, char **argv)
{
    return cli_dispatch(&prog, argc, argv);
}

static void test_dispatch_verb(void **state)
{
    (void)state;
    int argv_c;
    char **argv = words("prog beta --x", &argv_c);
    ran = NULL;
    assert_int_equal(cli_dispatch(&prog, argv_c, argv), 12);
    assert_string_equal(ran, "beta");
    assert_int_equal(ran_argc, 2);
    int argv2_c;
    char **argv2 = words("prog alpha", &argv2_c);
    assert_int_equal(cli_dispatch(&prog, argv2_c, argv2), 11);
    assert_string_equal(ran, "alpha");
}

static void test_dispatch_usage(void **state)
{
    (void)state;
    int none_c;
    char **none = words("prog", &none_c);
    int unknown_c;
    char **unknown = words("prog alpah", &unknown_c);
    int prefix_c;
    char **prefix = words("prog alp", &prefix_c);
    ran = NULL;
    assert_int_equal(cli_dispatch(&prog, none_c, none), ATTEST_EXIT_USAGE);
    assert_int_equal(cli_dispatch(&prog, unknown_c, unknown), ATTEST_EXIT_USAGE);
    assert_int_equal(cli_dispatch(&prog, prefix_c, prefix), ATTEST_EXIT_USAGE);
    assert_null(ran);
    assert_int_not_equal(ATTEST_EXIT_USAGE, ATTEST_EXIT_UNREACHABLE);
}

static void test_dispatch_help_version(void **state)
{
    (void)state;
    int rc;
    int help_c;
    char **help = words("prog --help", &help_c);
    char *out = capture_stdout(dispatch, help_c, help, &rc);
    assert_int_equal(rc, ATTEST_EXIT_OK);
    assert_string_equal(out, "Usage: prog VERB [OPTIONS]\n\nVerbs:\n"
                             "  alpha        the first\n"
                             "  beta         the second\n\nthe end\n");
    free(out);
    int h_c;
    char **h = words("prog -h", &h_c);
    out = capture_stdout(dispatch, h_c, h, &rc);
    assert_int_equal(rc, ATTEST_EXIT_OK);
    assert_non_null(strstr(out, "Usage: prog"));
    free(out);
    int version_c;
    char **version = words("prog --version", &version_c);
    out = capture_stdout(dispatch, version_c, version, &rc);
    assert_int_equal(rc, ATTEST_EXIT_OK);
    assert_string_equal(out, "prog 9.8\n");
    free(out);
}

#define ALL (CLI_OPT_CONFIG | CLI_OPT_TCTI | CLI_OPT_VERBOSE)

static void test_parse_common(void **state)
{
    (void)state;
    int argv_c;
    char **argv = words("cmd --config /etc/a.conf --tcti swtpm:port=1 -v", &argv_c);
    struct cli_common_opts co = {0};
    assert_int_equal(cli_parse_options(argv_c, argv, ALL, &co, NULL, 0), CLI_PARSE_OK);
    assert_string_equal(co.config, "/etc/a.conf");
    assert_string_equal(co.tcti, "swtpm:port=1");
    assert_true(co.verbose);

    int none_c;
    char **none = words("cmd", &none_c);
    co = (struct cli_common_opts){0};
    assert_int_equal(cli_parse_options(none_c, none, ALL, &co, NULL, 0), CLI_PARSE_OK);
    assert_null(co.config);
    assert_null(co.tcti);
    assert_false(co.verbose);
}

static void test_parse_own(void **state)
{
    (void)state;
    const char *unit = "default";
    bool user = false;
    const struct cli_option own[] = {{"unit", &unit, NULL}, {"user", NULL, &user}};
    int argv_c;
    char **argv = words("cmd --user --unit x.service --verbose", &argv_c);
    struct cli_common_opts co = {0};
    assert_int_equal(cli_parse_options(argv_c, argv, ALL, &co, own, 2), CLI_PARSE_OK);
    assert_string_equal(unit, "x.service");
    assert_true(user);
    assert_true(co.verbose);
}

/* cli_parse_options of the words of line, with no options of the command's own. */
static enum cli_parse_result parse_line(const char *line, unsigned accept)
{
    struct cli_common_opts co = {0};
    int argc;
    char **argv = words(line, &argc);
    return cli_parse_options(argc, argv, accept, &co, NULL, 0);
}

static void test_parse_help_and_usage(void **state)
{
    (void)state;
    assert_int_equal(parse_line("cmd --help", ALL), CLI_PARSE_HELP);
    assert_int_equal(parse_line("cmd -h", ALL), CLI_PARSE_HELP);
    assert_int_equal(parse_line("cmd --frobnicate", ALL), CLI_PARSE_USAGE);
    assert_int_equal(parse_line("cmd --config", ALL), CLI_PARSE_USAGE);
    assert_int_equal(parse_line("cmd extra", ALL), CLI_PARSE_USAGE);
    /* Only what accept names: status takes --config alone, and no short forms. */
    assert_int_equal(parse_line("cmd --tcti x", CLI_OPT_CONFIG), CLI_PARSE_USAGE);
    assert_int_equal(parse_line("cmd -v", CLI_OPT_CONFIG), CLI_PARSE_USAGE);
    assert_int_equal(parse_line("cmd --help", CLI_OPT_CONFIG), CLI_PARSE_HELP);
}

/* The stream the last usage() was printed on, and how often (cli_options_or_exit). */
static FILE *usage_stream;
static int usage_count;

static void usage(FILE *f)
{
    usage_stream = f;
    usage_count++;
    fprintf(f, "usage of cmd\n");
}

static int options_or_exit(int argc, char **argv)
{
    struct cli_common_opts co = {0};
    return cli_options_or_exit(argc, argv, ALL, &co, NULL, 0, usage);
}

static void test_options_or_exit(void **state)
{
    (void)state;
    int rc;
    int help_c;
    char **help = words("cmd --help", &help_c);
    usage_count = 0;
    char *out = capture_stdout(options_or_exit, help_c, help, &rc);
    assert_int_equal(rc, ATTEST_EXIT_OK);
    assert_int_equal(usage_count, 1);
    assert_ptr_equal(usage_stream, stdout);
    assert_string_equal(out, "usage of cmd\n");
    free(out);

    int bad_c;
    char **bad = words("cmd --frobnicate", &bad_c);
    usage_count = 0;
    out = capture_stdout(options_or_exit, bad_c, bad, &rc);
    assert_int_equal(rc, ATTEST_EXIT_USAGE);
    assert_int_equal(usage_count, 1);
    assert_ptr_equal(usage_stream, stderr);
    assert_string_equal(out, "");
    free(out);

    /* Parsed: the values are stored, nothing is printed, the command goes on. */
    const char *unit = NULL;
    const struct cli_option own[] = {{"unit", &unit, NULL}};
    int ok_c;
    char **ok = words("cmd --unit u.service --config /a.conf", &ok_c);
    struct cli_common_opts co = {0};
    usage_count = 0;
    assert_int_equal(cli_options_or_exit(ok_c, ok, ALL, &co, own, 1, usage), CLI_CONTINUE);
    assert_int_equal(usage_count, 0);
    assert_string_equal(unit, "u.service");
    assert_string_equal(co.config, "/a.conf");
    assert_true(CLI_CONTINUE < 0);
}

static void test_exit_table(void **state)
{
    (void)state;
    assert_non_null(strstr(ATTEST_EXIT_CODES_HELP, "\n  2  bad usage"));
    assert_non_null(strstr(ATTEST_EXIT_CODES_HELP, "\n  6  verifier unreachable"));
    assert_int_equal(ATTEST_EXIT_OK, 0);
    assert_int_equal(ATTEST_EXIT_FAILED, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dispatch_verb),
        cmocka_unit_test(test_dispatch_usage),
        cmocka_unit_test(test_dispatch_help_version),
        cmocka_unit_test(test_parse_common),
        cmocka_unit_test(test_parse_own),
        cmocka_unit_test(test_parse_help_and_usage),
        cmocka_unit_test(test_options_or_exit),
        cmocka_unit_test(test_exit_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
