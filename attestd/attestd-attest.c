/* SPDX-License-Identifier: Apache-2.0 */
/* attestd attest: one attestation against the verifier (attest.c does the work). */
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
               "\n" ATTEST_EXIT_CODES_HELP);
}

int attestd_attest(int argc, char **argv)
{
    struct cli_common_opts ao = {0};
    int code = cli_options_or_exit(argc, argv, CLI_OPT_CONFIG | CLI_OPT_TCTI | CLI_OPT_VERBOSE, &ao,
                                   NULL, 0, usage);
    if (code != CLI_CONTINUE)
        return code;
    _cleanup_(agent_ctx_done) struct agent_ctx ctx;
    int e = agent_ctx_init(&ctx, &ao, AGENT_NEED_VERIFIER | AGENT_NEED_KEY);
    if (e)
        return e;
    return agent_attest(&ctx);
}
