/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <systemd/sd-daemon.h>
#include <tss2/tss2_mu.h>

#include "api.h"
#include "attest.h"
#include "attestd.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "common/hex.h"
#include "common/pcr-selection.h"
#include "log/ima.h"
#include "status.h"
#include "tpm/ak-dir.h"
#include "tpm/blob.h"
#include "tpm/context.h"
#include "tpm/quote.h"
#include "tpm/tcti-count.h"
#include "tpm/tpm-ctx.h"
#include "tpm/tpm-rc.h"
#include "verdict/verdict.h"

#define STEP_RETRY     (-1) /* transient: new exchange after a backoff */
#define MAX_EVENT_LOG  (16u * 1024 * 1024)
#define MAX_IMA_LOG    (16u * 1024 * 1024)
#define MAX_REPLY_TEXT 200

/* What one exchange found out, for the status file and the messages. */
struct exchange {
    struct agent_ctx *ctx;
    const char *ak_name;
    char msg[512]; /* why it failed (last attempt) */
    struct api_nonce nonce;
    struct tpm_quote *quote;
    bool from_context;
    size_t tpm_commands;
    char tpm_command_list[256];
    uint64_t ima_from;     /* first IMA entry sent */
    bool have_reset_count; /* resetCount of our quote (TPM Reset/reboot counter) */
    uint32_t reset_count;
    bool same_boot; /* the last attestation recorded in the run dir quoted the same cycle */
    struct api_attestation reply;
    struct verdict verdict;
    bool verdict_ok;
};

static void exchange_reset(struct exchange *x)
{
    api_nonce_done(&x->nonce);
    api_attestation_done(&x->reply);
    verdict_done(&x->verdict);
    x->verdict_ok = false;
}

static enum tpm_ek_template ek_template(const struct agent_config *cfg)
{
    enum tpm_ek_template t = TPM_EK_L1;
    (void)tpm_ek_template_from_name(agent_ek_template_name(cfg->ek_template), &t);
    return t;
}

/* Classify an HTTP outcome: 0 when status is the expected one, else STEP_RETRY or an exit code. */
static int check_reply(struct exchange *x, const char *what, int r,
                       const struct http_response *resp, long expected)
{
    if (r < 0) {
        snprintf(x->msg, sizeof(x->msg), "%s: %s", what,
                 *http_client_last_error(x->ctx->http) ? http_client_last_error(x->ctx->http)
                                                       : strerror(-r));
        if (r == -EKEYREJECTED)
            return ATTEST_EXIT_UNREACHABLE; /* TLS verification failed: never retried into */
        return http_retryable(r, 0) ? STEP_RETRY : ATTEST_EXIT_UNREACHABLE;
    }
    if (resp->status == expected)
        return 0;
    _cleanup_free_ char *err = api_parse_error(resp->body, resp->len);
    snprintf(x->msg, sizeof(x->msg), "%s: HTTP %ld%s%.*s", what, resp->status, err ? ": " : "",
             MAX_REPLY_TEXT, err ? err : "");
    /* 410: the nonce expired (a slow TPM) or was used: a new exchange gets a fresh one. */
    if (http_retryable(0, resp->status) || resp->status == 410)
        return STEP_RETRY;
    if (resp->status >= 400 && resp->status < 500)
        return ATTEST_EXIT_FAILED;
    return ATTEST_EXIT_UNREACHABLE;
}

static int get_nonce(struct exchange *x)
{
    _cleanup_free_ char *body = api_ak_request(x->ak_name);
    if (!body)
        return ATTEST_EXIT_TPM;
    _cleanup_(http_response_done) struct http_response resp = {0};
    int r = http_request(x->ctx->http, "/v1/nonces", body, &resp);
    int e = check_reply(x, "nonce request", r, &resp, 201);
    if (e)
        return e;
    if (api_parse_nonce(resp.body, resp.len, &x->nonce) < 0) {
        snprintf(x->msg, sizeof(x->msg), "nonce request: malformed reply");
        return ATTEST_EXIT_UNREACHABLE;
    }
    return 0;
}

static void record_commands(struct exchange *x, struct tpm_ctx *t)
{
    x->tpm_commands = tpm_command_count(t) - tpm_command_retries(t);
    size_t o = 0;
    x->tpm_command_list[0] = 0;
    for (size_t i = 0; i < tpm_command_count(t) && i < TCTI_COUNT_MAX_LOG; i++) {
        if (tcti_count_retried(t->tcti, i))
            continue;
        int n = snprintf(x->tpm_command_list + o, sizeof(x->tpm_command_list) - o, "%s%s",
                         o ? " " : "", tcti_count_cc_name(tpm_command_at(t, i)));
        if (n < 0 || (size_t)n >= sizeof(x->tpm_command_list) - o)
            break;
        o += (size_t)n;
    }
    attestd_log_commands(t, x->from_context ? "attest-fast" : "attest-cold");
}

static const char *tpm_failure_text(int r)
{
    switch (r) {
    case ATT_E_WRONG_TPM:
        return "the AK blobs or the EK are not this TPM's (TPM swapped or cleared?)";
    case ATT_E_TPM_CLEARED:
        return "the TPM was reset or cleared since the AK context was saved";
    case -ENOENT:
        return "no AK in the state directory: run 'attestd enroll' first";
    default:
        return att_strerror(r);
    }
}

/* Load the AK (saved context, else blobs) and quote; every handle flushed. */
static int tpm_side(struct exchange *x, const TPML_PCR_SELECTION *sel)
{
    struct agent_ctx *ctx = x->ctx;
    _cleanup_tpm_ struct tpm_ctx *t = NULL;
    int r = tpm_open(ctx->tcti, &t);
    if (r < 0) {
        snprintf(x->msg, sizeof(x->msg), "cannot open the TPM '%s': %s", ctx->tcti,
                 att_strerror(r));
        return ATTEST_EXIT_TPM;
    }
    _cleanup_free_ char *ctx_path = agent_path(ctx->cfg.run_dir, AGENT_AK_CTX);
    if (!ctx_path)
        return ATTEST_EXIT_TPM;
    ESYS_TR ak = ESYS_TR_NONE;
    r = ak_dir_load(t, ctx->cfg.state_dir, ctx_path, ek_template(&ctx->cfg), &ak, &x->from_context);
    if (r == 0 && !x->from_context) {
        /* Cold path: refresh the cache so that the next attestation is the fast one. */
        int k = mkdir(ctx->cfg.run_dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
        if (k == 0)
            k = context_save_file(t, ak, ctx_path);
        if (k < 0 && ctx->verbose)
            agent_log("attest", "cannot save the AK context to '%s': %s", ctx_path,
                      att_strerror(k));
    }
    if (r == 0)
        r = tpm_quote(t, ak, x->nonce.nonce, sizeof(x->nonce.nonce), sel, x->quote);
    int k = tpm_esys_flush(t, &ak);
    if (r == 0)
        r = k;
    record_commands(x, t);
    if (r == -EAGAIN) {
        snprintf(x->msg, sizeof(x->msg), "PCRs kept changing between Quote and PCR_Read");
        return STEP_RETRY;
    }
    if (r < 0) {
        snprintf(x->msg, sizeof(x->msg), "TPM: %s", tpm_failure_text(r));
        return agent_tpm_exit(r);
    }
    return 0;
}

/* A missing log is sent as none (no TPM event log / IMA off); other errors are local failures. */
static int read_optional(struct exchange *x, const char *what, const char *path, size_t max,
                         uint8_t **ret, size_t *ret_len)
{
    int r = file_read_all(path, max, ret, ret_len);
    if (r == -ENOENT) {
        *ret = NULL;
        *ret_len = 0;
        return 0;
    }
    if (r < 0) {
        snprintf(x->msg, sizeof(x->msg), "%s '%s': %s", what, path, strerror(-r));
        return ATTEST_EXIT_TPM;
    }
    return 0;
}

/*
 * Incremental IMA: the verifier has verified the first ima_offset entries of
 * this boot's list; send only the ones after (ima_from = ima_offset). When
 * this quote is of another TPM boot cycle than the last attestation recorded
 * in the run directory (or there is none), when the list does not parse here,
 * is shorter or has nothing new, send it whole: the verifier judges it either
 * way.
 */
static void ima_increment(const struct exchange *x, const uint8_t *ima, size_t ima_len,
                          size_t *ret_start, uint64_t *ret_from)
{
    *ret_start = 0;
    *ret_from = 0;
    uint64_t off = x->nonce.ima_offset;
    /* The verifier learns of a TPM Reset (reboot) only from this quote: its offset counts the
     * entries of the previous boot then, and a delta would be refused. */
    if (!ima || off == 0 || !x->same_boot)
        return;
    _cleanup_(ima_list_freep) struct ima_list *l = NULL;
    size_t bad = 0;
    /* No new entry: the API takes no empty delta; the whole list is always valid. */
    if (ima_parse(ima, ima_len, &l, &bad) < 0 || off >= l->n_entries)
        return;
    *ret_start = l->entries[off].offset;
    *ret_from = off;
}

static int post_attestation(struct exchange *x)
{
    struct agent_ctx *ctx = x->ctx;
    _cleanup_free_ uint8_t *event_log = NULL, *ima = NULL;
    size_t event_log_len = 0, ima_len = 0;
    /* The IMA list is read after the quote: it only grows, the verifier replays a prefix. */
    int e = read_optional(x, "event log", ctx->cfg.event_log, MAX_EVENT_LOG, &event_log,
                          &event_log_len);
    if (e == 0)
        e = read_optional(x, "IMA list", ctx->cfg.ima_log, MAX_IMA_LOG, &ima, &ima_len);
    if (e)
        return e;

    uint8_t sig[sizeof(TPMT_SIGNATURE)];
    size_t sig_len = 0;
    if (tpm_quote_signature_bytes(&x->quote->signature, sig, sizeof(sig), &sig_len) < 0) {
        snprintf(x->msg, sizeof(x->msg), "cannot marshal the quote signature");
        return ATTEST_EXIT_TPM;
    }
    size_t ima_start;
    uint64_t ima_from;
    ima_increment(x, ima, ima_len, &ima_start, &ima_from);
    x->ima_from = ima_from;
    _cleanup_free_ char *body = api_attestation_request(
        x->ak_name, x->nonce.nonce_b64, x->quote->attest.attestationData, x->quote->attest.size,
        sig, sig_len, &x->quote->values, event_log, event_log_len, ima ? ima + ima_start : NULL,
        ima_len - ima_start, ima_from);
    if (!body) {
        snprintf(x->msg, sizeof(x->msg), "out of memory");
        return ATTEST_EXIT_TPM;
    }
    _cleanup_(http_response_done) struct http_response resp = {0};
    int r = http_request(ctx->http, "/v1/attestations", body, &resp);
    e = check_reply(x, "attestation", r, &resp, 200);
    if (e)
        return e;
    if (api_parse_attestation(resp.body, resp.len, &x->reply) < 0) {
        snprintf(x->msg, sizeof(x->msg), "attestation: malformed reply");
        return ATTEST_EXIT_UNREACHABLE;
    }
    return 0;
}

static int judge_verdict(struct exchange *x)
{
    const char *check = NULL;
    int r = verdict_verify(x->reply.verdict, x->ctx->verifier_key, x->nonce.nonce_b64, x->ak_name,
                           time(NULL), &x->verdict, &check);
    if (r < 0) {
        snprintf(x->msg, sizeof(x->msg),
                 "verdict token REFUSED (check '%s' failed): forged, replayed or not ours",
                 check ? check : "malformed");
        return ATTEST_EXIT_FAILED;
    }
    x->verdict_ok = true;
    if (strcmp(x->verdict.status, x->reply.status) != 0 && x->ctx->verbose)
        agent_log("attest", "reply says '%s' but the signed verdict says '%s': the verdict counts",
                  x->reply.status, x->verdict.status);
    if (strcmp(x->verdict.status, "affirming") == 0)
        return ATTEST_EXIT_OK;
    snprintf(x->msg, sizeof(x->msg), "the verifier refused the attestation (%zu failed check%s)",
             x->verdict.n_failed_checks, x->verdict.n_failed_checks == 1 ? "" : "s");
    return ATTEST_EXIT_FAILED;
}

/* resetCount of our quote, and whether the run directory's last status quoted the same one. */
static void note_boot_cycle(struct exchange *x)
{
    TPMS_ATTEST a = {0};
    size_t off = 0;
    x->have_reset_count =
        Tss2_MU_TPMS_ATTEST_Unmarshal(x->quote->attest.attestationData, x->quote->attest.size, &off,
                                      &a) == TSS2_RC_SUCCESS;
    x->reset_count = a.clockInfo.resetCount;
    x->same_boot = false;
    json_auto_t *last = NULL;
    if (!x->have_reset_count || status_read(x->ctx->cfg.run_dir, &last) < 0)
        return;
    json_t *rc = json_object_get(last, "reset_count");
    x->same_boot = json_is_integer(rc) && json_integer_value(rc) == (json_int_t)x->reset_count;
}

static int attempt(struct exchange *x)
{
    exchange_reset(x);
    int e = get_nonce(x);
    if (e)
        return e;
    TPML_PCR_SELECTION sel;
    if (pcrsel_parse(x->nonce.pcr_selection, &sel) < 0)
        return ATTEST_EXIT_UNREACHABLE; /* checked by the parser already */
    e = tpm_side(x, &sel);
    if (e)
        return e;
    note_boot_cycle(x);
    e = post_attestation(x);
    if (e)
        return e;
    return judge_verdict(x);
}

/* The message of a failed check, from the (unsigned) reply, when it names the same check. */
static const char *check_message(const struct exchange *x, const char *check)
{
    for (size_t i = 0; i < x->reply.n_failed_checks; i++)
        if (strcmp(x->reply.failed_checks[i].check, check) == 0)
            return x->reply.failed_checks[i].message;
    return NULL;
}

static json_t *failed_checks_json(const struct exchange *x)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < x->verdict.n_failed_checks; i++) {
        const char *c = x->verdict.failed_checks[i];
        const char *m = check_message(x, c);
        json_array_append_new(a, m ? json_pack("{s:s,s:s}", "check", c, "message", m)
                                   : json_pack("{s:s}", "check", c));
    }
    return a;
}

static const char *result_name(int e)
{
    switch (e) {
    case ATTEST_EXIT_OK:
        return "pass";
    case ATTEST_EXIT_FAILED:
        return "fail";
    case ATTEST_EXIT_UNREACHABLE:
        return "unreachable";
    default:
        return "error";
    }
}

static void write_status(struct exchange *x, int e)
{
    struct agent_ctx *ctx = x->ctx;
    json_auto_t *s = json_pack("{s:s,s:i,s:I,s:s}", "result", result_name(e), "exit_code", e,
                               "time", (json_int_t)time(NULL), "ak_name", x->ak_name);
    if (!s)
        return;
    if (e != ATTEST_EXIT_OK)
        json_object_set_new(s, "message", json_string(x->msg));
    if (x->verdict_ok) {
        json_object_set_new(s, "verdict_status", json_string(x->verdict.status));
        json_object_set_new(s, "expires_at", json_integer(x->verdict.expires_at));
        json_object_set_new(s, "failed_checks", failed_checks_json(x));
        if (x->verdict.subject)
            json_object_set_new(s, "machine_id", json_string(x->verdict.subject));
        json_object_set_new(s, "ima_from", json_integer((json_int_t)x->ima_from));
        if (x->reply.has_ima_verified)
            json_object_set_new(s, "ima_verified", json_integer((json_int_t)x->reply.ima_verified));
    }
    if (x->tpm_commands) {
        json_object_set_new(s, "path", json_string(x->from_context ? "fast" : "cold"));
        json_object_set_new(s, "tpm_commands", json_integer((json_int_t)x->tpm_commands));
        json_object_set_new(s, "tpm_command_list", json_string(x->tpm_command_list));
    }
    if (x->have_reset_count)
        json_object_set_new(s, "reset_count", json_integer((json_int_t)x->reset_count));
    /* Only a verified pass leaves a verdict for the gated service; a refusal or a local
     * failure removes the previous one. An unreachable verifier leaves it: it expires on its
     * own, and attestd watch decides after its grace period. */
    int r = 0;
    if (e == ATTEST_EXIT_OK)
        r = status_write_verdict(ctx->cfg.run_dir, x->reply.verdict);
    else if (e != ATTEST_EXIT_UNREACHABLE)
        r = status_remove_verdict(ctx->cfg.run_dir);
    if (r == 0)
        r = status_write(ctx->cfg.run_dir, s);
    if (r < 0)
        agent_log("attest", "cannot write the status files in '%s': %s", ctx->cfg.run_dir,
                  strerror(-r));
}

static void report(struct exchange *x, int e)
{
    if (e == ATTEST_EXIT_OK) {
        time_t exp = (time_t)x->verdict.expires_at;
        struct tm tm;
        char when[64] = "?";
        if (gmtime_r(&exp, &tm))
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
        printf("attestation passed: machine %s, AK %s, verdict valid until %s (%s path, %zu TPM "
               "commands)\n",
               x->verdict.subject ? x->verdict.subject : "?", x->ak_name, when,
               x->from_context ? "fast" : "cold", x->tpm_commands);
        return;
    }
    agent_log("attest", "FAILED: %s", x->msg);
    for (size_t i = 0; x->verdict_ok && i < x->verdict.n_failed_checks; i++) {
        const char *m = check_message(x, x->verdict.failed_checks[i]);
        agent_log("attest", "  failed check '%s'%s%s", x->verdict.failed_checks[i], m ? ": " : "",
                  m ? m : "");
    }
}

static int read_ak_name(struct agent_ctx *ctx, char **ret)
{
    _cleanup_free_ char *p = agent_path(ctx->cfg.state_dir, AK_DIR_AK_PUB);
    if (!p)
        return -ENOMEM;
    TPM2B_PUBLIC pub;
    TPM2B_NAME name;
    int r = blob_public_read(p, &pub);
    if (r < 0) {
        agent_log("attest", "FAILED: cannot read the AK public '%s': %s%s", p, att_strerror(r),
                  r == -ENOENT ? " (run 'attestd enroll' first)" : "");
        return r;
    }
    r = blob_public_name(&pub, &name);
    if (r < 0)
        return r;
    *ret = hex_encode(name.name, name.size);
    return *ret ? 0 : -ENOMEM;
}

int agent_attest(struct agent_ctx *ctx)
{
    _cleanup_free_ char *ak_name = NULL;
    if (read_ak_name(ctx, &ak_name) < 0)
        return ATTEST_EXIT_TPM;
    struct exchange x = {.ctx = ctx, .ak_name = ak_name};
    x.quote = calloc(1, sizeof(*x.quote));
    if (!x.quote)
        return ATTEST_EXIT_TPM;

    struct backoff b;
    backoff_init(&b, ctx->cfg.retry_initial_ms, ctx->cfg.retry_max_ms, ctx->cfg.retry_total_ms);
    int e;
    for (;;) {
        /* One attempt takes at most connect + request timeouts per request, and a wait at
         * most retry_max: pinging here keeps a WatchdogSec above those alive. */
        if (ctx->watchdog)
            sd_notify(0, "WATCHDOG=1");
        e = attempt(&x);
        if (e != STEP_RETRY)
            break;
        if (ctx->verbose)
            agent_log("attest", "%s; retrying", x.msg);
        if (!backoff_wait(&b)) {
            char last[sizeof(x.msg)];
            memcpy(last, x.msg, sizeof(last));
            snprintf(x.msg, sizeof(x.msg), "verifier unreachable for %llu s: %.400s",
                     (unsigned long long)(ctx->cfg.retry_total_ms / 1000), last);
            e = ATTEST_EXIT_UNREACHABLE;
            break;
        }
    }
    write_status(&x, e);
    report(&x, e);
    exchange_reset(&x);
    free(x.quote);
    return e;
}
