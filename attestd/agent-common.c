/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "attestd.h"
#include "common/error.h"
#include "config.h"
#include "verdict/verdict.h"

void agent_log(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "attestd %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

char *agent_path(const char *dir, const char *name)
{
    char *p;
    return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

void agent_ctx_done(struct agent_ctx *ctx)
{
    if (!ctx)
        return;
    http_client_free(ctx->http);
    EVP_PKEY_free(ctx->verifier_key);
    agent_config_done(&ctx->cfg);
    *ctx = (struct agent_ctx){0};
}

int agent_ctx_init(struct agent_ctx *ctx, const struct cli_common_opts *o, unsigned need)
{
    *ctx = (struct agent_ctx){.verbose = o->verbose};
    char err[512];
    int r = agent_config_defaults(&ctx->cfg);
    if (r >= 0)
        r = agent_config_load(o->config, &ctx->cfg, err, sizeof(err));
    if (r < 0) {
        fprintf(stderr, "attestd: configuration: %s\n", r == -ENOMEM ? "out of memory" : err);
        return ATTEST_EXIT_USAGE;
    }
    ctx->tcti = o->tcti ? o->tcti : ctx->cfg.tcti ? ctx->cfg.tcti : attestd_tcti(NULL);

    if (need & AGENT_NEED_KEY) {
        r = verdict_load_key(ctx->cfg.verifier_key, &ctx->verifier_key);
        if (r < 0) {
            fprintf(stderr, "attestd: configuration: %s: [verifier] public_key '%s': %s\n",
                    ctx->cfg.path, ctx->cfg.verifier_key,
                    r == -EINVAL ? "not a PEM EC P-256 public key" : strerror(-r));
            return ATTEST_EXIT_USAGE;
        }
    }
    if (need & AGENT_NEED_VERIFIER) {
        struct http_client_opts ho = {
            .base_url = ctx->cfg.verifier_url,
            .ca_file = ctx->cfg.ca_file,
            .allow_http = ctx->cfg.allow_http,
            .connect_timeout_ms = ctx->cfg.connect_timeout_ms,
            .request_timeout_ms = ctx->cfg.request_timeout_ms,
            .user_agent = "attestd/" PACKAGE_VERSION,
        };
        ctx->retry = (struct http_retry){
            .initial_ms = ctx->cfg.retry_initial_ms,
            .max_ms = ctx->cfg.retry_max_ms,
            .total_ms = ctx->cfg.retry_total_ms,
        };
        r = http_client_new(&ho, &ctx->http, err, sizeof(err));
        if (r < 0) {
            fprintf(stderr, "attestd: configuration: %s: [verifier] url: %s\n", ctx->cfg.path,
                    r == -ENOMEM ? "out of memory" : err);
            return ATTEST_EXIT_USAGE;
        }
    }
    return 0;
}

int agent_tpm_exit(int r)
{
    return r == ATT_E_WRONG_TPM || r == ATT_E_TPM_CLEARED ? ATTEST_EXIT_WRONG_TPM : ATTEST_EXIT_TPM;
}
