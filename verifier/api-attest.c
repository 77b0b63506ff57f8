/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/attestations (DESIGN §3.2): consume the nonce, then every check in
 * a fixed order (quote checks of quote/verify, clock monotonicity, event log
 * and IMA with their policies), store the result, answer with a signed verdict.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attest-logs.h"
#include "attest-result.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/hex.h"
#include "requests.h"
#include "verdict/verdict.h"
#include "verifier.h"
#include "verify/quote-verify.h"
#include "verify/tpm-pubkey.h"

/* The request's PCR values in the order of the required selection; false if they differ. */
static bool values_in_selection_order(const TPML_PCR_SELECTION *sel, const struct attest_request *r,
                                      struct pcr_values *out)
{
    unsigned given = 0;
    for (unsigned b = 0; b < r->n_banks; b++)
        given += (unsigned)__builtin_popcount(r->banks[b].present);
    out->sel = *sel;
    out->count = 0;
    for (UINT32 i = 0; i < sel->count; i++) {
        const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];
        const struct pcr_bank_values *bank = NULL;
        for (unsigned b = 0; b < r->n_banks; b++)
            if (r->banks[b].alg == s->hash)
                bank = &r->banks[b];
        for (unsigned pcr = 0; pcr < REQ_PCRS; pcr++) {
            if (!(s->pcrSelect[pcr / 8] & (1u << (pcr % 8))))
                continue;
            if (!bank || !(bank->present & (1u << pcr)) || out->count == PCR_VALUES_MAX)
                return false;
            TPM2B_DIGEST *d = &out->digests[out->count++];
            d->size = (UINT16)bank->digest_size;
            memcpy(d->buffer, bank->digest[pcr], bank->digest_size);
        }
    }
    return out->count == given; /* nothing outside the selection either */
}

static void run_quote_checks(struct verifier *v, const struct attest_request *r,
                             const struct machine *m, struct attest_result *res)
{
    TPM2B_PUBLIC ak;
    TPMT_SIGNATURE sig;
    if (tpm_public_unmarshal(m->ak_public, m->ak_public_len, &ak) < 0) {
        attest_fail(res, "ak", "the enrolled AK public area does not parse");
        return;
    }
    if (tpm_signature_unmarshal(r->signature, r->signature_len, &sig) < 0) {
        attest_fail(res, "signature", "not a marshaled TPMT_SIGNATURE");
        return;
    }
    res->pcrs = calloc(1, sizeof(*res->pcrs));
    if (!res->pcrs) {
        attest_fail(res, "quote", "out of memory");
        return;
    }
    if (!values_in_selection_order(&v->pcr_selection, r, res->pcrs)) {
        attest_fail(res, "pcr-selection", "the PCR values sent are not the required selection %s",
                    v->pcr_selection_text);
        return;
    }
    TPMS_CLOCK_INFO previous = {
        .clock = m->clock, .resetCount = m->reset_count, .restartCount = m->restart_count};
    struct quote_verify_input in = {
        .ak_public = &ak.publicArea,
        .signature = &sig,
        .attest = r->quote,
        .attest_len = r->quote_len,
        .nonce = r->nonce,
        .nonce_len = sizeof(r->nonce),
        .selection = &v->pcr_selection,
        .pcr_values = res->pcrs->digests,
        .n_pcr_values = res->pcrs->count,
        .previous_clock = m->has_clock ? &previous : NULL,
    };
    struct quote_verify_result qr;
    int ret = quote_verify(&in, &qr);
    if (ret < 0 && ret != ATT_E_VERIFY) {
        attest_fail(res, "quote", "quote cannot be verified: %s", strerror(-ret));
        return;
    }
    bool named = false;
    for (int i = 0; i < QUOTE_CHECK_MAX; i++)
        if (qr.checks[i].status == ATT_CHECK_FAIL) {
            attest_fail(res, qr.checks[i].name, "%s", qr.checks[i].message);
            named = true;
        }
    if (!qr.ok && !named) /* fail closed even if no single check is marked */
        attest_fail(res, qr.first_failure >= 0 ? quote_check_name(qr.first_failure) : "quote",
                    "quote not accepted");
    if (qr.attested_valid) {
        res->clock_valid = true;
        res->clock = qr.clock_info;
    }
    res->genuine = ret == 0 || ret == ATT_E_VERIFY;
    for (int i = QUOTE_CHECK_SIGNATURE; i <= QUOTE_CHECK_NONCE; i++)
        if (qr.checks[i].status != ATT_CHECK_PASS)
            res->genuine = false;
    res->quote_ok = qr.ok;
}

/* The sent PCR values as {"sha256": {"0": "hex", ...}}, for the stored evidence. */
static char *pcrs_json(const struct attest_request *r)
{
    _cleanup_(json_decrefp) json_t *o = json_object();
    for (unsigned b = 0; o && b < r->n_banks; b++) {
        const struct pcr_bank_values *bank = &r->banks[b];
        json_t *values = json_object();
        char name[16];
        snprintf(name, sizeof(name), "0x%04x", bank->alg);
        if (!values || json_object_set_new(o, name, values) < 0)
            return NULL;
        for (unsigned pcr = 0; pcr < REQ_PCRS; pcr++) {
            if (!(bank->present & (1u << pcr)))
                continue;
            _cleanup_free_ char *hex = hex_encode(bank->digest[pcr], bank->digest_size);
            char key[4];
            snprintf(key, sizeof(key), "%u", pcr);
            if (!hex || json_object_set_new(values, key, json_string(hex)) < 0)
                return NULL;
        }
    }
    return o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

/*
 * Evidence the enrolled AK did not make for this exchange (bad signature, not
 * a quote, another nonce): an attempt. It is counted and logged, never the
 * machine's verdict: the machine's state and history stay as they were.
 */
static void note_attempt(struct verifier *v, const struct http_request *req,
                         const struct attest_request *r, const struct machine *m,
                         const struct attest_result *res)
{
    json_t *first = json_array_get(res->failed, 0);
    const char *check = first ? json_string_value(json_object_get(first, "check")) : NULL;
    metrics_attempt_refused(v->metrics, check ? check : "quote");
    const struct log_field f[] = {{"MACHINE_ID", m->machine_id},
                                  {"AK_NAME", r->ak_name},
                                  {"CHECK", check ? check : "quote"},
                                  {"CLIENT", req->client}};
    vlog_fields(&v->log, LOG_WARNING, f, 4,
                "attestation attempt refused: the quote is not the enrolled AK's answer to this"
                " nonce (%s, from %s); the machine's state is unchanged",
                check ? check : "quote", req->client);
}

_Static_assert(REQ_NONCE_SIZE == NONCE_LEN, "the agent's nonce is the verifier's");

/*
 * The nonce's MAC, kind, AK and expiry, without storage; then whether it was
 * consumed already (a fast refusal of a replay: record_attestation consumes it
 * atomically with the result, which settles a race). False after a reply.
 */
static bool nonce_admissible(struct verifier *v, const struct attest_request *r,
                             struct http_reply *rep)
{
    int ret = nonce_check(&v->nonce_key, NONCE_ATTEST, r->ak_name, r->nonce, verifier_now());
    if (ret == -ETIME) {
        http_reply_error(rep, 410, "nonce", "nonce expired");
        return false;
    }
    if (ret < 0) {
        const struct log_field f[] = {{"AK_NAME", r->ak_name}};
        vlog_fields(&v->log, LOG_WARNING, f, 1, "attestation refused: nonce not issued for it");
        http_reply_error(rep, 403, "nonce", "nonce was not issued for this AK");
        return false;
    }
    ret = v->storage->ops->nonce_used(v->storage, r->nonce);
    if (ret == -EALREADY) {
        http_reply_error(rep, 410, "nonce", "nonce already used");
        return false;
    }
    if (ret < 0) {
        reply_storage_error(v, rep, ret, "look a nonce up");
        return false;
    }
    return true;
}

/* Nonce, AK and machine state; false after filling an error reply. */
static bool admit(struct verifier *v, const struct attest_request *r, struct machine *m,
                  struct http_reply *rep)
{
    int ret = v->storage->ops->get_machine_by_ak(v->storage, r->ak_name, m);
    if (ret == -ENOENT) {
        http_reply_error(rep, 404, "ak_name", "unknown AK");
        return false;
    }
    if (ret < 0) {
        reply_storage_error(v, rep, ret, "read a machine");
        return false;
    }
    if (!nonce_admissible(v, r, rep)) {
        machine_done(m);
        return false;
    }
    if (strcmp(m->status, "enrolled") != 0) {
        const struct log_field f[] = {{"MACHINE_ID", m->machine_id}, {"AK_NAME", r->ak_name}};
        vlog_fields(&v->log, LOG_WARNING, f, 2, "attestation refused: %s", m->status);
        http_reply_error(rep, 403, "ak_name", "machine is %s", m->status);
        machine_done(m);
        return false;
    }
    return true;
}

/* Write the verdict as the machine's, with its evidence; false after a reply. */
static bool record(struct verifier *v, const struct attest_request *r, const struct machine *m,
                   const struct attest_result *res, const char *status, const char *names_text,
                   int64_t now, struct http_reply *rep)
{
    bool pass = res->n_failed == 0;
    _cleanup_free_ char *pcrs = pcrs_json(r);
    const struct evidence ev = {
        .quote = r->quote,
        .quote_len = r->quote_len,
        .signature = r->signature,
        .signature_len = r->signature_len,
        .event_log = r->event_log,
        .event_log_len = r->event_log_len,
        .ima_log = r->ima_log,
        .ima_log_len = r->ima_log_len,
        .ima_from = r->ima_from,
        .pcrs = pcrs,
        .quote_ok = res->quote_ok,
    };
    if (!pcrs) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return false;
    }
    struct attestation_record rec = {
        .at = now,
        .failed_checks = (char *)names_text,
        .pass = pass,
        .clock = res->clock.clock,
        .reset_count = res->clock.resetCount,
        .restart_count = res->clock.restartCount,
        .ima_count = res->ima_count,
        .ima_state = (const uint8_t *)res->ima_state,
        .ima_state_len = res->ima_state ? strlen(res->ima_state) : 0,
        .ima_policy = res->ima_policy,
        .ek_digest = m->ek_digest,
        .evidence = &ev,
        .nonce = r->nonce,
        .nonce_expires_at = nonce_expiry(r->nonce),
    };
    snprintf(rec.machine_id, sizeof(rec.machine_id), "%s", m->machine_id);
    snprintf(rec.ak_name, sizeof(rec.ak_name), "%s", r->ak_name);
    snprintf(rec.status, sizeof(rec.status), "%s", status);
    snprintf(rec.boot_policy, sizeof(rec.boot_policy), "%s", res->boot_policy_ref);
    snprintf(rec.ima_policy_ref, sizeof(rec.ima_policy_ref), "%s", res->ima_policy_ref);
    int ret = v->storage->ops->record_attestation(v->storage, &rec);
    if (ret == -ESTALE) {
        /* An operator's reset or revoke (or a re-enrollment) committed meanwhile. */
        http_reply_error(rep, 409, "ak_name",
                         "the machine was reset, revoked or re-enrolled during the attestation");
        return false;
    }
    if (ret < 0) {
        reply_storage_error(v, rep, ret, "record an attestation");
        return false;
    }
    return true;
}

/* The failed checks' names (a JSON array), each counted in the metrics. */
static json_t *failed_names(struct verifier *v, const struct attest_result *res)
{
    json_t *names = json_array();
    size_t i;
    json_t *item;
    json_array_foreach(res->failed, i, item)
    {
        const char *check = json_string_value(json_object_get(item, "check"));
        if (!names || json_array_append_new(names, json_string(check)) < 0) {
            json_decref(names);
            return NULL;
        }
        metrics_check_failed(v->metrics, check);
    }
    return names;
}

static void reply_verdict(struct verifier *v, const struct http_request *req,
                          const struct attest_request *r, const struct machine *m,
                          struct attest_result *res, struct http_reply *rep)
{
    bool pass = res->n_failed == 0;
    const char *status = pass ? VERDICT_AFFIRMING : VERDICT_CONTRAINDICATED;
    int64_t now = verifier_now();
    _cleanup_(json_decrefp) json_t *names =
        res->detail_lost || !res->failed || !res->skipped ? NULL : failed_names(v, res);
    _cleanup_free_ char *names_text = names ? json_dumps(names, JSON_COMPACT) : NULL;
    if (!names_text) {
        http_reply_error(rep, 500, NULL, "out of memory while judging the attestation");
        return;
    }
    if (!res->genuine)
        note_attempt(v, req, r, m, res);
    else if (!record(v, r, m, res, status, names_text, now, rep))
        return;
    struct verdict_claims c = {
        .machine_id = m->machine_id,
        .ak_name = r->ak_name,
        .nonce_b64 = r->nonce_b64,
        .status = status,
        .failed_checks = names,
        .skipped_checks = res->skipped,
        .iat = now,
        .exp = now + v->cfg->verdict_ttl,
    };
    _cleanup_free_ char *token = NULL;
    int ret = verdict_sign(v->key->pkey, &c, &token);
    if (ret < 0) {
        vlog_msg(&v->log, LOG_ERR, "signing a verdict failed: %s", strerror(-ret));
        http_reply_error(rep, 500, NULL, "cannot sign the verdict");
        return;
    }
    metrics_verdict(v->metrics, status);
    const struct log_field f[] = {{"MACHINE_ID", m->machine_id},
                                  {"AK_NAME", r->ak_name},
                                  {"VERDICT", status},
                                  {"CHECKS", names_text}};
    vlog_fields(&v->log, pass ? LOG_INFO : LOG_WARNING, f, 4, "attestation %s", status);
    http_reply_json(rep, 200,
                    json_pack("{s:s, s:s, s:O, s:O, s:I, s:b}", "status", status, "verdict", token,
                              "failed_checks", res->failed, "skipped_checks", res->skipped,
                              "ima_verified", (json_int_t)res->ima_count, "recorded",
                              res->genuine));
}

void api_attestations(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    struct attest_request r;
    struct req_error e = {0};
    int ret = parse_attest_request(req->body, req->body_len, &r, &e);
    if (ret < 0) {
        reply_request_error(rep, ret, &e);
        return;
    }
    struct machine m;
    if (!admit(v, &r, &m, rep)) {
        attest_request_done(&r);
        return;
    }
    /* Without a new IMA list the saved replay state carries over. */
    struct attest_result res = {
        .failed = json_array(),
        .skipped = json_array(),
        .ima_count = m.ima_count,
        .ima_state = m.ima_state ? strndup((const char *)m.ima_state, m.ima_state_len) : NULL,
    };
    run_quote_checks(v, &r, &m, &res);
    if (res.quote_ok)
        attest_check_logs(v, &r, &m, &res); /* logs are read only behind a genuine quote */
    reply_verdict(v, req, &r, &m, &res, rep);
    json_decref(res.failed);
    json_decref(res.skipped);
    free(res.ima_state);
    free(res.pcrs);
    machine_done(&m);
    attest_request_done(&r);
}
