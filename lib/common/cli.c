/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <string.h>

#include "common/cli.h"
#include "common/exit-codes.h"

void cli_usage(const struct cli_program *p, FILE *f)
{
    fprintf(f, "Usage: %s %s\n\n%s:\n", p->name, p->synopsis, p->verbs_title);
    for (size_t i = 0; i < p->n_verbs; i++)
        fprintf(f, "  %-12s %s\n", p->verbs[i].name, p->verbs[i].summary);
    fprintf(f, "\n%s", p->epilogue);
}

static const struct cli_verb *find_verb(const struct cli_program *p, const char *name)
{
    for (size_t i = 0; i < p->n_verbs; i++)
        if (strcmp(name, p->verbs[i].name) == 0)
            return &p->verbs[i];
    return NULL;
}

int cli_dispatch(const struct cli_program *p, int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(p, stderr);
        return ATTEST_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cli_usage(p, stdout);
        return ATTEST_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("%s %s\n", p->name, p->version);
        return ATTEST_EXIT_OK;
    }
    const struct cli_verb *v = find_verb(p, argv[1]);
    if (v)
        return v->run(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown %s '%s'\n", p->name, p->verb_kind, argv[1]);
    cli_usage(p, stderr);
    return ATTEST_EXIT_USAGE;
}

/* getopt_long values: the common options by letter, the command's own from here on. */
#define OWN_BASE 256

static size_t add_common(struct option *o, unsigned accept)
{
    size_t n = 0;
    if (accept & CLI_OPT_CONFIG)
        o[n++] = (struct option){"config", required_argument, NULL, 'c'};
    if (accept & CLI_OPT_TCTI)
        o[n++] = (struct option){"tcti", required_argument, NULL, 'T'};
    if (accept & CLI_OPT_VERBOSE)
        o[n++] = (struct option){"verbose", no_argument, NULL, 'v'};
    o[n++] = (struct option){"help", no_argument, NULL, 'h'};
    return n;
}

/* Store the value of option c; false when c is not one of ours (getopt's '?' or ':'). */
static bool store(int c, struct cli_common_opts *co, const struct cli_option *own, size_t n_own)
{
    if (c == 'c')
        co->config = optarg;
    else if (c == 'T')
        co->tcti = optarg;
    else if (c == 'v')
        co->verbose = true;
    else if (c >= OWN_BASE && (size_t)(c - OWN_BASE) < n_own && own[c - OWN_BASE].value)
        *own[c - OWN_BASE].value = optarg;
    else if (c >= OWN_BASE && (size_t)(c - OWN_BASE) < n_own && own[c - OWN_BASE].flag)
        *own[c - OWN_BASE].flag = true;
    else
        return false;
    return true;
}

enum cli_parse_result cli_parse_options(int argc, char **argv, unsigned accept,
                                        struct cli_common_opts *co, const struct cli_option *own,
                                        size_t n_own)
{
    if (n_own > CLI_OPTIONS_MAX) {
        fprintf(stderr, "%s: too many options for the option parser\n", argv[0]);
        return CLI_PARSE_USAGE;
    }
    struct option longopts[4 + CLI_OPTIONS_MAX + 1];
    size_t n = add_common(longopts, accept);
    for (size_t i = 0; i < n_own; i++)
        longopts[n++] = (struct option){own[i].name, own[i].value ? required_argument : no_argument,
                                        NULL, OWN_BASE + (int)i};
    longopts[n] = (struct option){0};
    /* The short forms came with --verbose; attestd status never had them. */
    const char *shortopts = accept & CLI_OPT_VERBOSE ? "hv" : "";

    optind = 0; /* a full getopt reset: the caller may parse more than once (tests) */
    for (int c; (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1;) {
        if (c == 'h')
            return CLI_PARSE_HELP;
        if (!store(c, co, own, n_own))
            return CLI_PARSE_USAGE;
    }
    return optind == argc ? CLI_PARSE_OK : CLI_PARSE_USAGE;
}

int cli_options_or_exit(int argc, char **argv, unsigned accept, struct cli_common_opts *co,
                        const struct cli_option *own, size_t n_own, void (*usage)(FILE *f))
{
    switch (cli_parse_options(argc, argv, accept, co, own, n_own)) {
    case CLI_PARSE_HELP:
        usage(stdout);
        return ATTEST_EXIT_OK;
    case CLI_PARSE_USAGE:
        usage(stderr);
        return ATTEST_EXIT_USAGE;
    case CLI_PARSE_OK:
        break;
    }
    return CLI_CONTINUE;
}
