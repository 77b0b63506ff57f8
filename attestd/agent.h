/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What the agent commands (enroll, attest, watch, status, sign, boot-prepare)
 * share: the configuration, the pinned verifier key and the HTTP client. Their
 * exit codes are those of every attestd command (common/exit-codes.h).
 */
#include <stdbool.h>

#include <openssl/evp.h>

#include "agent-config.h"
#include "common/cli.h"
#include "common/exit-codes.h"
#include "http-retry.h"

/* Files in the state directory (beside the AK blobs) and the run directory. */
#define AGENT_AK_PUB   "ak.pub"      /* TPM2B_PUBLIC, tpm2_createak -u */
#define AGENT_AK_PRIV  "ak.priv"     /* TPM2B_PRIVATE, tpm2_createak -r */
#define AGENT_EK_PUB   "ek.pub"      /* TPM2B_PUBLIC of the enrolled EK */
#define AGENT_ENROLLED "enrolled"    /* JSON written once the verifier confirmed */
#define AGENT_AK_CTX   "ak.ctx"      /* saved AK context (cache, run dir) */
#define AGENT_VERDICT  "verdict.jwt" /* last verified verdict (run dir) */
#define AGENT_STATUS   "status"      /* last result, JSON (run dir) */

enum {
    AGENT_NEED_VERIFIER = 1 << 0, /* HTTP client to the configured verifier URL */
    AGENT_NEED_KEY = 1 << 1,      /* pinned verifier key */
};

struct agent_ctx {
    struct agent_config cfg;
    const char *tcti; /* --tcti, else [tpm] tcti, else $ATTEST_TCTI, else the device */
    EVP_PKEY *verifier_key;
    struct http_client *http;
    struct http_retry retry; /* [verifier] retry_*: the budget of http_call() */
    bool verbose;
    bool watchdog; /* attestd watch: ping systemd's watchdog before every attempt */
};

/*
 * Load the configuration and what need asks for. On failure logs once and
 * returns the exit code (ATTEST_EXIT_USAGE); 0 on success.
 */
int agent_ctx_init(struct agent_ctx *ctx, const struct cli_common_opts *o, unsigned need);
void agent_ctx_done(struct agent_ctx *ctx);

/*
 * Exit code of a failed TPM step r (negative): ATTEST_EXIT_WRONG_TPM for the key
 * of another TPM or a cleared TPM (restarting does not help), else ATTEST_EXIT_TPM.
 */
int agent_tpm_exit(int r);

/* "dir/name" (caller frees), NULL on ENOMEM. */
char *agent_path(const char *dir, const char *name);

/* Log helpers: one line to stderr, "attestd CMD: ...". */
__attribute__((format(printf, 2, 3))) void agent_log(const char *cmd, const char *fmt, ...);
