/* SPDX-License-Identifier: Apache-2.0 */
/* attestd attest: one attestation against the verifier (attest.c does the work). */
#include <getopt.h>
#include <stdio.h>

#include "agent.h"
#include "attest.h"
#include "attestd-commands.h"
#include "common/cleanup.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestd attest [--config PATH] [--tcti T] [--verbose]\n"
               "\n"
               "Ask the verifier for a nonce, quote the PCRs with the AK (saved context in the\n"
               "run directory, else the blobs), send quote, PCRs, event log and IMA list, and\n"
               "verify the signed verdict with the pinned key (ES256 only). Writes\n"
               "RUN_DIR/verdict.jwt (only on a pass) and RUN_DIR/status.\n"
               "\n" AGENT_EXIT_CODES_HELP);
}

int attestd_attest(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"tcti", required_argument, NULL, 'T'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct agent_opts ao = {0};
    for (int c; (c = getopt_long(argc, argv, "hv", opts, NULL)) != -1;) {
        switch (c) {
        case 'c':
            ao.config = optarg;
            break;
        case 'T':
            ao.tcti = optarg;
            break;
        case 'v':
            ao.verbose = true;
            break;
        case 'h':
            usage(stdout);
            return AGENT_EXIT_PASS;
        default:
            usage(stderr);
            return AGENT_EXIT_CONFIG;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return AGENT_EXIT_CONFIG;
    }
    _cleanup_(agent_ctx_done) struct agent_ctx ctx;
    int e = agent_ctx_init(&ctx, &ao, AGENT_NEED_VERIFIER | AGENT_NEED_KEY);
    if (e)
        return e;
    return agent_attest(&ctx);
}
