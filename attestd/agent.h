/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * What the agent commands (enroll, attest, watch, status, sign, boot-prepare)
 * share: their exit codes (issue "Runner agent", not the TPM tool codes of
 * attestd.h), the configuration, the pinned verifier key and the HTTP client.
 */
#include <stdbool.h>

#include <openssl/evp.h>

#include "agent-config.h"
#include "http-retry.h"

#define AGENT_EXIT_PASS        0 /* verified pass (or the command succeeded) */
#define AGENT_EXIT_REFUSED     1 /* the verifier said no (every failed check printed) */
#define AGENT_EXIT_UNREACHABLE 2 /* verifier unreachable after the bounded retries */
#define AGENT_EXIT_LOCAL       3 /* local TPM or identity failure */
#define AGENT_EXIT_CONFIG      4 /* configuration error (or bad usage) */

#define AGENT_EXIT_CODES_HELP                                                                      \
    "Exit codes: 0 pass, 1 the verifier said no, 2 verifier unreachable after retries,\n"          \
    "  3 local TPM or identity failure, 4 configuration error or bad usage.\n"

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

/* Common options of the agent commands: --config PATH, --tcti T, --verbose. */
struct agent_opts {
    const char *config;
    const char *tcti;
    bool verbose;
};

/*
 * Load the configuration and what need asks for. On failure logs once and
 * returns the exit code (AGENT_EXIT_CONFIG); 0 on success.
 */
int agent_ctx_init(struct agent_ctx *ctx, const struct agent_opts *o, unsigned need);
void agent_ctx_done(struct agent_ctx *ctx);

/* "dir/name" (caller frees), NULL on ENOMEM. */
char *agent_path(const char *dir, const char *name);

/* Log helpers: one line to stderr, "attestd CMD: ...". */
__attribute__((format(printf, 2, 3))) void agent_log(const char *cmd, const char *fmt, ...);
