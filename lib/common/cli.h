/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Command-line helpers shared by attestd and attestctl: dispatch to a verb
 * (command or command group) with --help and --version, and the options common
 * to the agent commands. Both return a result the caller acts on; nothing here
 * exits or prints usage on the caller's behalf beyond what is documented.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cli_verb {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the verb */
};

struct cli_program {
    const char *name;        /* "attestd" */
    const char *synopsis;    /* after the name on the Usage line: "COMMAND [OPTIONS]" */
    const char *verbs_title; /* heading of the verb list: "Commands" */
    const char *verb_kind;   /* in "unknown command 'x'" */
    const char *epilogue;    /* printed after the verb list and an empty line */
    const char *version;
    const struct cli_verb *verbs;
    size_t n_verbs;
};

/* The program's usage: synopsis, the verbs with their summaries, the epilogue. */
void cli_usage(const struct cli_program *p, FILE *f);

/*
 * argv[1] is --help/-h (usage on stdout, ATTEST_EXIT_OK), --version (name and
 * version, ATTEST_EXIT_OK) or a verb (its exit code, argv shifted by one).
 * Nothing, or an unknown verb: usage on stderr and ATTEST_EXIT_USAGE.
 */
int cli_dispatch(const struct cli_program *p, int argc, char **argv);

/* The common agent options a command accepts (--help always). */
enum {
    CLI_OPT_CONFIG = 1 << 0,  /* --config PATH */
    CLI_OPT_TCTI = 1 << 1,    /* --tcti T */
    CLI_OPT_VERBOSE = 1 << 2, /* --verbose, and the short forms -v and -h */
};

struct cli_common_opts {
    const char *config;
    const char *tcti;
    bool verbose;
};

/* An option of the command itself: a string value or a flag. */
struct cli_option {
    const char *name;
    const char **value; /* takes an argument, stored here; NULL for a flag */
    bool *flag;         /* set to true when given; NULL for a valued option */
};

#define CLI_OPTIONS_MAX 8

enum cli_parse_result {
    CLI_PARSE_OK,    /* parsed, and no operand left */
    CLI_PARSE_HELP,  /* --help: print the usage on stdout, exit ATTEST_EXIT_OK */
    CLI_PARSE_USAGE, /* unknown option, missing argument or an operand: usage on
                      * stderr, exit ATTEST_EXIT_USAGE */
};

/*
 * Parse argv (argv[0] the command) with getopt_long: the common options in
 * accept, and own[0..n_own) (at most CLI_OPTIONS_MAX). The command takes no
 * operands. getopt reports an unknown option on stderr itself.
 */
enum cli_parse_result cli_parse_options(int argc, char **argv, unsigned accept,
                                        struct cli_common_opts *co, const struct cli_option *own,
                                        size_t n_own);

/* What cli_options_or_exit returns when the command goes on: no exit code is negative. */
#define CLI_CONTINUE (-1)

/*
 * cli_parse_options with the usage printed as it says: on --help usage(stdout)
 * and ATTEST_EXIT_OK, on bad usage usage(stderr) and ATTEST_EXIT_USAGE, both
 * exit codes the command returns. CLI_CONTINUE when the options parsed.
 */
int cli_options_or_exit(int argc, char **argv, unsigned accept, struct cli_common_opts *co,
                        const struct cli_option *own, size_t n_own, void (*usage)(FILE *f));
