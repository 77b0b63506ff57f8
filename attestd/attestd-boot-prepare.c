/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestd boot-prepare: in the initramfs, before any network. Loads the AK
 * from its blobs under the EK, checks that the TPM's EK is the enrolled one
 * (ek.pub beside the blobs, and the enrollment record's fingerprint when
 * present) and that the loaded AK's name is the stored one, then saves the
 * AK context to the run directory so that every later attestation needs only
 * ContextLoad + Quote + PCR_Read + FlushContext. A swapped or cleared TPM
 * fails here, offline, with one clear console line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "agent.h"
#include "attestd-commands.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "common/hex.h"
#include "tpm/ak-dir.h"
#include "tpm/blob.h"
#include "tpm/context.h"
#include "tpm/tpm-ctx.h"
#include "tpm/tpm-rc.h"

#define CMD "boot-prepare"

/* ek.pub must exist (no enrolled EK, nothing to compare) and agree with the enrollment record. */
static int check_enrolled_ek(const char *dir, char **ret_fp)
{
    _cleanup_free_ char *p_ek = agent_path(dir, AK_DIR_EK_PUB);
    _cleanup_free_ char *p_rec = agent_path(dir, AGENT_ENROLLED);
    if (!p_ek || !p_rec)
        return -ENOMEM;
    TPM2B_PUBLIC ek;
    int r = blob_public_read(p_ek, &ek);
    if (r < 0) {
        printf("attestd: TPM identity check FAILED: no enrolled EK public '%s' (%s)\n", p_ek,
               att_strerror(r));
        return r;
    }
    r = attestd_ek_fingerprint(&ek, ret_fp);
    if (r < 0)
        return r;
    json_auto_t *rec = json_load_file(p_rec, 0, NULL);
    const char *fp = json_string_value(json_object_get(rec, "ek_fingerprint"));
    if (rec && (!fp || strcmp(fp, *ret_fp) != 0)) {
        printf("attestd: TPM identity check FAILED: %s does not match the enrollment record\n",
               p_ek);
        return ATT_E_WRONG_TPM;
    }
    return 0;
}

/* The loaded AK is the stored one: ESAPI's name of it == name(ak.pub) == ak.name. */
static int check_ak_name(struct tpm_ctx *t, const char *dir, ESYS_TR ak, char **ret_hex)
{
    _cleanup_free_ char *p_pub = agent_path(dir, AK_DIR_AK_PUB);
    _cleanup_free_ char *p_name = agent_path(dir, AK_DIR_AK_NAME);
    if (!p_pub || !p_name)
        return -ENOMEM;
    TPM2B_PUBLIC pub;
    TPM2B_NAME want;
    int r = blob_public_read(p_pub, &pub);
    if (r == 0)
        r = blob_public_name(&pub, &want);
    if (r < 0)
        return r;
    _cleanup_free_ uint8_t *stored = NULL;
    size_t stored_len = 0;
    r = file_read_all(p_name, sizeof(TPMU_NAME), &stored, &stored_len);
    if (r < 0 && r != -ENOENT)
        return r;
    TPM2B_NAME *got = NULL;
    if (Esys_TR_GetName(t->esys, ak, &got) != TSS2_RC_SUCCESS)
        return ATT_E_TPM;
    bool ok =
        got->size == want.size && memcmp(got->name, want.name, want.size) == 0 &&
        (r == -ENOENT || (stored_len == want.size && memcmp(stored, want.name, want.size) == 0));
    Esys_Free(got);
    if (!ok) {
        printf("attestd: TPM identity check FAILED: the loaded AK is not the stored one\n");
        return ATT_E_WRONG_TPM;
    }
    *ret_hex = hex_encode(want.name, want.size);
    return *ret_hex ? 0 : -ENOMEM;
}

static int prepare(struct agent_ctx *ctx)
{
    const char *dir = ctx->cfg.state_dir;
    _cleanup_free_ char *fp = NULL, *ak_name = NULL;
    _cleanup_free_ char *ctx_path = agent_path(ctx->cfg.run_dir, AGENT_AK_CTX);
    if (!ctx_path)
        return ATTEST_EXIT_TPM;
    int r = check_enrolled_ek(dir, &fp);
    if (r < 0)
        return ATTEST_EXIT_TPM;

    _cleanup_tpm_ struct tpm_ctx *t = NULL;
    r = tpm_open(ctx->tcti, &t);
    if (r < 0) {
        printf("attestd: TPM identity check FAILED: cannot open the TPM '%s': %s\n", ctx->tcti,
               att_strerror(r));
        return ATTEST_EXIT_TPM;
    }
    enum tpm_ek_template tpl = TPM_EK_L1;
    (void)tpm_ek_template_from_name(agent_ek_template_name(ctx->cfg.ek_template), &tpl);
    ESYS_TR ak = ESYS_TR_NONE;
    /* Compares the TPM's EK with ek.pub before any Load: another EK is refused. */
    r = ak_dir_load_blobs(t, dir, tpl, NULL, &ak);
    if (r < 0) {
        printf("attestd: TPM identity check FAILED: %s\n",
               r == ATT_E_WRONG_TPM ? "this TPM's EK is not the enrolled one, or the AK blobs are "
                                      "not its own (TPM swapped or cleared)"
                                    : att_strerror(r));
        attestd_log_commands(t, "boot-prepare");
        return agent_tpm_exit(r);
    }
    r = check_ak_name(t, dir, ak, &ak_name);
    if (r == 0 && mkdir(ctx->cfg.run_dir, 0755) < 0 && errno != EEXIST)
        r = -errno;
    if (r == 0)
        r = context_save_file(t, ak, ctx_path);
    int k = tpm_esys_flush(t, &ak);
    if (r == 0)
        r = k;
    attestd_log_commands(t, "boot-prepare");
    if (r < 0) {
        if (r != ATT_E_WRONG_TPM)
            printf("attestd: TPM identity check FAILED: %s\n", att_strerror(r));
        return agent_tpm_exit(r);
    }
    printf("attestd: TPM identity verified: enrolled EK %.16s..., AK %s loaded, context saved to "
           "%s\n",
           fp, ak_name, ctx_path);
    return ATTEST_EXIT_OK;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestd boot-prepare [--config PATH] [--tcti T]\n"
               "\n"
               "In the initramfs: load the AK under the EK, check that the EK is the enrolled\n"
               "one and the AK the stored one, and save the AK context to the run directory.\n"
               "Needs no network. Prints one line; exit 4 on a swapped or cleared TPM.\n"
               "\n" ATTEST_EXIT_CODES_HELP);
}

int attestd_boot_prepare(int argc, char **argv)
{
    struct cli_common_opts ao = {0};
    int code = cli_options_or_exit(argc, argv, CLI_OPT_CONFIG | CLI_OPT_TCTI | CLI_OPT_VERBOSE, &ao,
                                   NULL, 0, usage);
    if (code != CLI_CONTINUE)
        return code;
    _cleanup_(agent_ctx_done) struct agent_ctx ctx;
    int e = agent_ctx_init(&ctx, &ao, 0);
    if (e)
        return e;
    return prepare(&ctx);
}
