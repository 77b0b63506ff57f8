/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * getopt_long table entries and cases shared by the agent commands:
 * --config PATH, --tcti T, --verbose, --help.
 */
#include <getopt.h>

#define AGENT_COMMON_OPTIONS                                                                       \
    {"config", required_argument, NULL, 'c'}, {"tcti", required_argument, NULL, 'T'},              \
        {"verbose", no_argument, NULL, 'v'},                                                       \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }

/* Handles c when it is a common option; returns false for the caller's own options. */
#define AGENT_COMMON_CASES(ao, usage_fn)                                                           \
    case 'c':                                                                                      \
        (ao).config = optarg;                                                                      \
        break;                                                                                     \
    case 'T':                                                                                      \
        (ao).tcti = optarg;                                                                        \
        break;                                                                                     \
    case 'v':                                                                                      \
        (ao).verbose = true;                                                                       \
        break;                                                                                     \
    case 'h':                                                                                      \
        usage_fn(stdout);                                                                          \
        return AGENT_EXIT_PASS;                                                                    \
    default:                                                                                       \
        usage_fn(stderr);                                                                          \
        return AGENT_EXIT_CONFIG
