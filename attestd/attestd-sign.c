/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestd sign --challenge HEX: per-job proof of possession. The AK signs a
 * verifier-issued challenge (TPM2_Hash for the ticket the restricted AK
 * requires, then TPM2_Sign): ContextLoad + Hash + Sign + FlushContext on the
 * fast path. Prints the TPMT_SIGNATURE in base64, as POST /v1/proofs takes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "agent.h"
#include "attestd-commands.h"
#include "common/base64.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/hex.h"
#include "tpm/ak-dir.h"
#include "tpm/blob.h"
#include "tpm/sign.h"
#include "tpm/tpm-ctx.h"
#include "tpm/tpm-rc.h"

static int sign(struct agent_ctx *ctx, const uint8_t *data, size_t len)
{
    _cleanup_free_ char *p_pub = agent_path(ctx->cfg.state_dir, AK_DIR_AK_PUB);
    _cleanup_free_ char *ctx_path = agent_path(ctx->cfg.run_dir, AGENT_AK_CTX);
    if (!p_pub || !ctx_path)
        return ATTEST_EXIT_TPM;
    TPM2B_PUBLIC pub;
    int r = blob_public_read(p_pub, &pub);
    if (r < 0) {
        agent_log("sign", "cannot read the AK public '%s': %s", p_pub, att_strerror(r));
        return ATTEST_EXIT_TPM;
    }
    _cleanup_tpm_ struct tpm_ctx *t = NULL;
    r = tpm_open(ctx->tcti, &t);
    if (r < 0) {
        agent_log("sign", "cannot open the TPM '%s': %s", ctx->tcti, att_strerror(r));
        return ATTEST_EXIT_TPM;
    }
    enum tpm_ek_template tpl = TPM_EK_L1;
    (void)tpm_ek_template_from_name(agent_ek_template_name(ctx->cfg.ek_template), &tpl);
    ESYS_TR ak = ESYS_TR_NONE;
    bool from_context = false;
    TPMT_SIGNATURE sig;
    r = ak_dir_load(t, ctx->cfg.state_dir, ctx_path, tpl, &ak, &from_context);
    if (r == 0)
        r = tpm_sign_challenge(t, ak, &pub, data, len, &sig);
    int k = tpm_esys_flush(t, &ak);
    if (r == 0)
        r = k;
    attestd_log_commands(t, from_context ? "sign-fast" : "sign-cold");
    if (r < 0) {
        agent_log("sign", "TPM: %s", att_strerror(r));
        return ATTEST_EXIT_TPM;
    }
    uint8_t buf[sizeof(TPMT_SIGNATURE)];
    size_t off = 0;
    if (Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
        return ATTEST_EXIT_TPM;
    _cleanup_free_ char *b64 = base64_encode(buf, off);
    if (!b64)
        return ATTEST_EXIT_TPM;
    printf("%s\n", b64);
    return ATTEST_EXIT_OK;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: attestd sign --challenge HEX [--config PATH] [--tcti T]\n"
            "\n"
            "Sign a verifier-issued challenge (1-%d bytes, never starting with 0xFF544347,\n"
            "TPM_GENERATED_VALUE) with the AK: TPM2_Hash for the validation ticket, then\n"
            "TPM2_Sign. Prints the TPMT_SIGNATURE in base64 (POST /v1/proofs \"signature\").\n"
            "\n" ATTEST_EXIT_CODES_HELP,
            TPM_SIGN_MAX_DATA);
}

int attestd_sign(int argc, char **argv)
{
    struct cli_common_opts ao = {0};
    const char *challenge = NULL;
    const struct cli_option own[] = {{"challenge", &challenge, NULL}};
    int code = cli_options_or_exit(argc, argv, CLI_OPT_CONFIG | CLI_OPT_TCTI | CLI_OPT_VERBOSE, &ao,
                                   own, 1, usage);
    if (code != CLI_CONTINUE)
        return code;
    if (!challenge) {
        usage(stderr);
        return ATTEST_EXIT_USAGE;
    }
    _cleanup_free_ uint8_t *data = NULL;
    size_t len = 0;
    if (hex_decode(challenge, &data, &len) < 0 || len == 0 || len > TPM_SIGN_MAX_DATA) {
        agent_log("sign", "--challenge must be 1-%d bytes of hex", TPM_SIGN_MAX_DATA);
        return ATTEST_EXIT_USAGE;
    }
    if (tpm_sign_is_generated(data, len)) {
        agent_log("sign", "refused: the challenge starts with TPM_GENERATED_VALUE (0xFF544347); "
                          "no verifier issues such a challenge");
        return ATTEST_EXIT_USAGE;
    }
    _cleanup_(agent_ctx_done) struct agent_ctx ctx;
    int e = agent_ctx_init(&ctx, &ao, 0);
    if (e)
        return e;
    return sign(&ctx, data, len);
}
