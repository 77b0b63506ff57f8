/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestd enroll: create the EK and AK (unless present), enroll them with the
 * verifier, prove with ActivateCredential that the AK lives beside the EK,
 * and record the enrollment. Idempotent: once recorded, a second run says so
 * and touches nothing (neither the TPM nor the verifier).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <tss2/tss2_mu.h>

#include "agent.h"
#include "api.h"
#include "attestd-commands.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "common/hex.h"
#include "tpm/activate.h"
#include "tpm/ak-dir.h"
#include "tpm/blob.h"
#include "tpm/tpm-ctx.h"
#include "tpm/tpm-rc.h"

struct enroll {
    struct agent_ctx *ctx;
    char machine_id[33];
    char hostname[256];
    char *ak_name;
    char *ek_fingerprint;
    uint8_t *ek_pub, *ak_pub, *ek_cert;
    size_t ek_pub_len, ak_pub_len, ek_cert_len;
    struct api_enrollment challenge;
    struct api_activation result;
};

static void enroll_done(struct enroll *e)
{
    free(e->ak_name);
    free(e->ek_fingerprint);
    free(e->ek_pub);
    free(e->ak_pub);
    free(e->ek_cert);
    api_enrollment_done(&e->challenge);
    api_activation_done(&e->result);
}

static int read_machine_id(struct enroll *e)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    const char *path = e->ctx->cfg.machine_id_file;
    int r = file_read_all(path, 64, &buf, &len);
    if (r < 0) {
        agent_log("enroll", "cannot read the machine id '%s': %s", path, strerror(-r));
        return ATTEST_EXIT_TPM;
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        len--;
    if (len != 32 || strspn((const char *)buf, "0123456789abcdef") < 32) {
        agent_log("enroll", "'%s' holds no machine id (32 lowercase hex characters)", path);
        return ATTEST_EXIT_TPM;
    }
    memcpy(e->machine_id, buf, 32);
    if (gethostname(e->hostname, sizeof(e->hostname) - 1) < 0)
        strcpy(e->hostname, "localhost");
    return 0;
}

static bool file_exists(const char *dir, const char *name)
{
    _cleanup_free_ char *p = agent_path(dir, name);
    return p && access(p, F_OK) == 0;
}

/* EK + AK in the state directory (created unless both AK blobs are there). */
static int ensure_keys(struct enroll *e, struct tpm_ctx *t)
{
    const struct agent_config *cfg = &e->ctx->cfg;
    if (file_exists(cfg->state_dir, AK_DIR_AK_PUB) && file_exists(cfg->state_dir, AK_DIR_AK_PRIV) &&
        file_exists(cfg->state_dir, AK_DIR_EK_PUB))
        return 0;
    enum tpm_ek_template tpl;
    if (tpm_ek_template_from_name(agent_ek_template_name(cfg->ek_template), &tpl) < 0)
        return -EINVAL;
    struct ak_dir_created created;
    return ak_dir_create(t, cfg->state_dir, tpl, cfg->ak_ecc ? TPM_AK_ECC : TPM_AK_RSA,
                         cfg->ek_certificate, &created);
}

static int read_state(struct enroll *e)
{
    const char *dir = e->ctx->cfg.state_dir;
    _cleanup_free_ char *p_ek = agent_path(dir, AK_DIR_EK_PUB);
    _cleanup_free_ char *p_ak = agent_path(dir, AK_DIR_AK_PUB);
    _cleanup_free_ char *p_crt = agent_path(dir, AK_DIR_EK_CRT);
    if (!p_ek || !p_ak || !p_crt)
        return -ENOMEM;
    int r = file_read_all(p_ek, sizeof(TPM2B_PUBLIC) + 2, &e->ek_pub, &e->ek_pub_len);
    if (r == 0)
        r = file_read_all(p_ak, sizeof(TPM2B_PUBLIC) + 2, &e->ak_pub, &e->ak_pub_len);
    if (r < 0)
        return r;
    r = file_read_all(p_crt, 64 * 1024, &e->ek_cert, &e->ek_cert_len);
    if (r < 0 && r != -ENOENT)
        return r;

    TPM2B_PUBLIC ek, ak;
    TPM2B_NAME name;
    r = blob_public_parse(e->ek_pub, e->ek_pub_len, &ek);
    if (r == 0)
        r = blob_public_parse(e->ak_pub, e->ak_pub_len, &ak);
    if (r == 0)
        r = blob_public_name(&ak, &name);
    if (r == 0)
        r = attestd_ek_fingerprint(&ek, &e->ek_fingerprint);
    if (r < 0)
        return r;
    e->ak_name = hex_encode(name.name, name.size);
    return e->ak_name ? 0 : -ENOMEM;
}

/* The verifier's reply classified: 0 when status is expected, else an exit code (logged). */
static int check_reply(const char *what, struct agent_ctx *ctx, int r,
                       const struct http_response *resp, long expected)
{
    if (r < 0) {
        agent_log("enroll", "%s: verifier unreachable: %s", what,
                  *http_client_last_error(ctx->http) ? http_client_last_error(ctx->http)
                                                     : strerror(-r));
        return ATTEST_EXIT_UNREACHABLE;
    }
    if (resp->status == expected)
        return 0;
    _cleanup_free_ char *err = api_parse_error(resp->body, resp->len);
    agent_log("enroll", "%s: HTTP %ld%s%s%s", what, resp->status, err ? ": " : "", err ? err : "",
              resp->status == 409 ? " (this machine id is enrolled with another EK: hardware "
                                    "swap? an operator must reset it)"
                                  : "");
    return resp->status >= 400 && resp->status < 500 ? ATTEST_EXIT_FAILED : ATTEST_EXIT_UNREACHABLE;
}

static int post_enrollment(struct enroll *e)
{
    _cleanup_free_ char *body =
        api_enrollment_request(e->ek_pub, e->ek_pub_len, e->ek_cert, e->ek_cert_len, e->ak_pub,
                               e->ak_pub_len, e->machine_id, e->hostname);
    if (!body)
        return ATTEST_EXIT_TPM;
    _cleanup_(http_response_done) struct http_response resp = {0};
    int r = http_call(e->ctx->http, &e->ctx->retry, "/v1/enrollments", body, &resp);
    int x = check_reply("enrollment", e->ctx, r, &resp, 201);
    if (x)
        return x;
    if (api_parse_enrollment(resp.body, resp.len, &e->challenge) < 0) {
        agent_log("enroll", "enrollment: malformed reply");
        return ATTEST_EXIT_UNREACHABLE;
    }
    return 0;
}

static int unmarshal_challenge(const struct api_enrollment *c, TPM2B_ID_OBJECT *blob,
                               TPM2B_ENCRYPTED_SECRET *secret)
{
    size_t off = 0;
    if (Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(c->credential_blob, c->credential_blob_len, &off, blob) !=
            TSS2_RC_SUCCESS ||
        off != c->credential_blob_len)
        return ATT_E_BADMSG;
    off = 0;
    if (Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(c->encrypted_secret, c->encrypted_secret_len, &off,
                                                 secret) != TSS2_RC_SUCCESS ||
        off != c->encrypted_secret_len)
        return ATT_E_BADMSG;
    return 0;
}

/* ActivateCredential inside the TPM: only the TPM holding both EK and AK recovers the secret. */
static int activate(struct enroll *e, struct tpm_ctx *t, TPM2B_DIGEST *secret)
{
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET enc;
    int r = unmarshal_challenge(&e->challenge, &blob, &enc);
    if (r < 0) {
        agent_log("enroll", "enrollment: malformed credential in the reply");
        return ATTEST_EXIT_UNREACHABLE;
    }
    enum tpm_ek_template tpl = TPM_EK_L1;
    (void)tpm_ek_template_from_name(agent_ek_template_name(e->ctx->cfg.ek_template), &tpl);
    struct tpm_ek ek = {.handle = ESYS_TR_NONE};
    ESYS_TR ak = ESYS_TR_NONE;
    r = ak_dir_load_blobs(t, e->ctx->cfg.state_dir, tpl, &ek, &ak);
    if (r == 0)
        r = tpm_activate_credential(t, &ek, ak, &blob, &enc, secret);
    int k = tpm_esys_flush(t, &ak);
    int k2 = tpm_ek_release(t, &ek);
    if (r == 0)
        r = k < 0 ? k : k2;
    attestd_log_commands(t, "enroll");
    if (r < 0) {
        agent_log("enroll", "ActivateCredential: %s", att_strerror(r));
        return ATTEST_EXIT_TPM;
    }
    return 0;
}

static int post_activation(struct enroll *e, const TPM2B_DIGEST *secret)
{
    _cleanup_free_ char *body = api_activate_request(secret->buffer, secret->size);
    _cleanup_free_ char *path = NULL;
    if (!body || asprintf(&path, "/v1/enrollments/%s/activate", e->challenge.enrollment_id) < 0)
        return ATTEST_EXIT_TPM;
    _cleanup_(http_response_done) struct http_response resp = {0};
    int r = http_call(e->ctx->http, &e->ctx->retry, path, body, &resp);
    int x = check_reply("activation", e->ctx, r, &resp, 200);
    if (x)
        return x;
    if (api_parse_activation(resp.body, resp.len, &e->result) < 0) {
        agent_log("enroll", "activation: malformed reply");
        return ATTEST_EXIT_UNREACHABLE;
    }
    if (strcmp(e->result.ak_name, e->ak_name) != 0) {
        agent_log("enroll", "activation: the verifier names AK %s, ours is %s", e->result.ak_name,
                  e->ak_name);
        return ATTEST_EXIT_FAILED;
    }
    return 0;
}

static int record(struct enroll *e)
{
    const struct agent_config *cfg = &e->ctx->cfg;
    json_auto_t *j =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "machine_id", e->machine_id, "ak_name", e->ak_name,
                  "ek_fingerprint", e->ek_fingerprint, "status", e->result.status, "verifier",
                  cfg->verifier_url, "time", (json_int_t)time(NULL));
    _cleanup_free_ char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    _cleanup_free_ char *path = agent_path(cfg->state_dir, AGENT_ENROLLED);
    if (!text || !path)
        return -ENOMEM;
    return file_write_atomic(path, text, strlen(text), 0644);
}

static int already_enrolled(struct agent_ctx *ctx)
{
    _cleanup_free_ char *path = agent_path(ctx->cfg.state_dir, AGENT_ENROLLED);
    if (!path)
        return -ENOMEM;
    json_auto_t *j = json_load_file(path, 0, NULL);
    if (!j)
        return access(path, F_OK) == 0 ? -EBADMSG : 0;
    printf("already enrolled (nothing changed)\n"
           "machine id:     %s\nEK fingerprint: %s\nAK name:        %s\nstatus:         %s (at "
           "enrollment)\n",
           json_string_value(json_object_get(j, "machine_id")),
           json_string_value(json_object_get(j, "ek_fingerprint")),
           json_string_value(json_object_get(j, "ak_name")),
           json_string_value(json_object_get(j, "status")));
    return 1;
}

static int run_enroll(struct agent_ctx *ctx)
{
    int r = already_enrolled(ctx);
    if (r < 0) {
        agent_log("enroll", "'%s/%s' is unreadable: remove it to enroll again", ctx->cfg.state_dir,
                  AGENT_ENROLLED);
        return ATTEST_EXIT_TPM;
    }
    if (r > 0)
        return ATTEST_EXIT_OK;

    _cleanup_(enroll_done) struct enroll e = {.ctx = ctx};
    int x = read_machine_id(&e);
    if (x)
        return x;
    _cleanup_tpm_ struct tpm_ctx *t = NULL;
    r = tpm_open(ctx->tcti, &t);
    if (r == 0)
        r = ensure_keys(&e, t);
    if (r == 0)
        r = read_state(&e);
    if (r < 0) {
        agent_log("enroll", "EK/AK: %s", att_strerror(r));
        return ATTEST_EXIT_TPM;
    }
    x = post_enrollment(&e);
    if (x)
        return x;
    TPM2B_DIGEST secret = {0};
    x = activate(&e, t, &secret);
    if (x == 0)
        x = post_activation(&e, &secret);
    OPENSSL_cleanse(&secret, sizeof(secret));
    if (x)
        return x;
    r = record(&e);
    if (r < 0) {
        agent_log("enroll", "cannot record the enrollment in '%s': %s", ctx->cfg.state_dir,
                  strerror(-r));
        return ATTEST_EXIT_TPM;
    }
    printf("enrolled%s\nmachine id:     %s\nEK fingerprint: %s\nAK name:        %s\n",
           strcmp(e.result.status, "enrolled") == 0 ? "" : " (pending operator approval)",
           e.machine_id, e.ek_fingerprint, e.ak_name);
    return ATTEST_EXIT_OK;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestd enroll [--config PATH] [--tcti T]\n"
               "\n"
               "Create the EK and the AK (unless the state directory has them), enroll them\n"
               "with the verifier, answer its credential challenge with ActivateCredential,\n"
               "and record the enrollment. Prints the machine id, the EK fingerprint (SHA-256\n"
               "of its DER public key) and the AK name. A second run on an enrolled machine\n"
               "says so and changes nothing.\n"
               "\n" ATTEST_EXIT_CODES_HELP);
}

int attestd_enroll(int argc, char **argv)
{
    struct cli_common_opts ao = {0};
    int code = cli_options_or_exit(argc, argv, CLI_OPT_CONFIG | CLI_OPT_TCTI | CLI_OPT_VERBOSE, &ao,
                                   NULL, 0, usage);
    if (code != CLI_CONTINUE)
        return code;
    _cleanup_(agent_ctx_done) struct agent_ctx ctx;
    int e = agent_ctx_init(&ctx, &ao, AGENT_NEED_VERIFIER);
    if (e)
        return e;
    return run_enroll(&ctx);
}
