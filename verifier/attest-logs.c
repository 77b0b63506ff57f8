/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log checks of an attestation, after the quote holds: the firmware event
 * log must replay to the quoted PCRs (every bank of the log quoted), the IMA
 * list (or its new part) must replay to the quoted PCR 10 from the saved state,
 * and the measured-boot and IMA policies of the machine (or its group) must
 * hold. A policy that is set but cannot be evaluated fails the attestation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attest-logs.h"
#include "attest-result.h"
#include <openssl/evp.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "common/pcr-selection.h"
#include "log/eventlog.h"
#include "log/ima.h"
#include "policy/policy-boot.h"
#include "policy/policy-ima.h"
#include "verifier.h"

#define MAX_REPORTED 8 /* failing PCRs / violations named per check */

static void report_replay(struct attest_result *res, const struct eventlog_compare *cmp)
{
    unsigned reported = 0;
    for (uint32_t i = 0; i < cmp->n_results && reported < MAX_REPORTED; i++) {
        const struct eventlog_pcr_result *p = &cmp->results[i];
        if (!eventlog_pcr_status_failed(p->status))
            continue;
        attest_fail(res, "eventlog-replay", "PCR %u (bank 0x%04x): %s", p->pcr, p->alg,
                    eventlog_pcr_status_name(p->status));
        reported++;
    }
    for (uint32_t i = 0; i < cmp->n_unquoted_banks; i++)
        attest_fail(res, "eventlog-replay",
                    "bank 0x%04x of the log is not quoted (every active bank must be)",
                    cmp->unquoted_banks[i]);
    if (!reported && cmp->n_unquoted_banks == 0)
        attest_fail(res, "eventlog-replay", "the event log does not replay to the quote");
}

static void report_policy(struct attest_result *res, const char *check,
                          const struct policy_result *pr)
{
    for (size_t i = 0; i < pr->n && i < MAX_REPORTED; i++)
        attest_fail(res, check, "%s %s: %s", pr->items[i].check,
                    pr->items[i].subject ? pr->items[i].subject : "",
                    pr->items[i].reason ? pr->items[i].reason : "");
    if (pr->n > MAX_REPORTED || pr->dropped)
        attest_fail(res, check, "%zu more violations", pr->n + pr->dropped - MAX_REPORTED);
}

static char *policy_of(struct verifier *v, const struct machine *m, const char *kind,
                       struct attest_result *res, bool *failed)
{
    char *json = NULL;
    struct policy_ref ref = {0};
    bool boot = strcmp(kind, "boot") == 0;
    int r = v->storage->ops->get_policy(v->storage, m, kind, &json, &ref);
    if (r == 0)
        policy_ref_text(&ref, boot ? res->boot_policy_ref : res->ima_policy_ref);
    *failed = r < 0 && r != -ENOENT;
    if (*failed)
        attest_fail(res, strcmp(kind, "boot") == 0 ? "policy-boot" : "policy-ima",
                    "the policy cannot be read: %s", strerror(-r));
    return r == 0 ? json : NULL;
}

/*
 * No policy of a kind for the machine or its group: fail closed ("no-policy"),
 * unless the operator opted out for that kind; then the verdict names the
 * check as skipped and the log says so at every such verdict.
 */
static void no_policy(struct verifier *v, const struct machine *m, const char *kind,
                      struct attest_result *res)
{
    bool boot = strcmp(kind, "boot") == 0;
    if (boot ? v->cfg->require_boot_policy : v->cfg->require_ima_policy) {
        attest_fail(res, "no-policy", "%s: no %s policy is set for this machine or its group", kind,
                    boot ? "measured-boot" : "IMA");
        return;
    }
    const char *check = boot ? "policy-boot" : "policy-ima";
    attest_skip(res, check);
    const struct log_field f[] = {{"MACHINE_ID", m->machine_id}, {"CHECK", check}};
    vlog_fields(&v->log, LOG_WARNING, f, 2,
                "%s not judged: no policy and require_%s_policy = false", check, kind);
}

/* SHA-256 (hex) of a policy's text; "" when there is none. */
static int policy_digest(const char *policy, char out[65])
{
    out[0] = 0;
    if (!policy)
        return 0;
    uint8_t d[32];
    unsigned n = 0;
    if (EVP_Digest(policy, strlen(policy), d, &n, EVP_sha256(), NULL) != 1 || n != sizeof(d))
        return -EIO;
    _cleanup_free_ char *hex = hex_encode(d, sizeof(d));
    if (!hex)
        return -ENOMEM;
    memcpy(out, hex, 65);
    return 0;
}

int64_t attest_ima_offset(struct verifier *v, const struct machine *m)
{
    _cleanup_free_ char *policy = NULL;
    char digest[65];
    int r = v->storage->ops->get_policy(v->storage, m, "ima", &policy, NULL);
    if ((r < 0 && r != -ENOENT) || policy_digest(policy, digest) < 0)
        return 0; /* cannot tell: the whole list is always right */
    return strcmp(digest, m->ima_policy) == 0 ? m->ima_count : 0;
}

static void check_event_log(struct verifier *v, const struct attest_request *r,
                            const struct machine *m, struct attest_result *res)
{
    bool failed;
    _cleanup_free_ char *policy = policy_of(v, m, "boot", res, &failed);
    if (failed)
        return;
    if (!policy)
        no_policy(v, m, "boot", res);
    if (!r->event_log) {
        if (policy)
            attest_fail(res, "eventlog-missing", "a measured-boot policy is set: send the log");
        return;
    }
    _cleanup_(eventlog_freep) struct eventlog *log = NULL;
    size_t bad = 0;
    int ret = eventlog_parse(r->event_log, r->event_log_len, &log, &bad);
    if (ret < 0) {
        attest_fail(res, "eventlog-parse", "malformed event log at byte %zu", bad);
        return;
    }
    /* Before the first goto: the cleanup must never see an uninitialised pointer. */
    _cleanup_(policy_boot_freep) struct policy_boot *pb = NULL;
    struct eventlog_replay *replay = calloc(1, sizeof(*replay));
    struct eventlog_compare *cmp = calloc(1, sizeof(*cmp));
    if (!replay || !cmp) {
        attest_fail(res, "eventlog-replay", "out of memory");
        goto out;
    }
    uint32_t firmware_pcrs = EVENTLOG_FIRMWARE_PCRS;
    if (policy) {
        _cleanup_free_ char *err = NULL;
        if (policy_boot_parse(policy, strlen(policy), &pb, &err) < 0) {
            attest_fail(res, "policy-boot", "invalid policy: %s", err ? err : "?");
            goto out;
        }
        firmware_pcrs = policy_boot_firmware_pcrs(pb);
    }
    if (eventlog_replay(log, replay) < 0 ||
        eventlog_compare(replay, res->pcrs, firmware_pcrs, true, cmp) < 0) {
        attest_fail(res, "eventlog-replay", "the event log cannot be replayed");
        goto out;
    }
    if (!cmp->ok) {
        report_replay(res, cmp);
        goto out;
    }
    if (!policy)
        goto out;
    struct eventlog_facts facts = {0};
    struct policy_result *pr = calloc(1, sizeof(*pr));
    if (!pr || eventlog_facts_extract(log, &facts) < 0 ||
        policy_boot_evaluate(pb, log, replay, &facts,
                             pcrsel_bank_mask(&res->pcrs->sel, policy_boot_bank(pb)), pr) < 0)
        attest_fail(res, "policy-boot", "the policy cannot be evaluated");
    else if (!policy_result_ok(pr))
        report_policy(res, "policy-boot", pr);
    eventlog_facts_done(&facts);
    if (pr)
        policy_result_done(pr);
    free(pr);
out:
    free(replay);
    free(cmp);
}

/* The state to resume from: NULL for a whole list; false after a failure. */
static bool ima_start(const struct attest_request *r, const struct machine *m,
                      struct ima_state *state, const struct ima_state **ret,
                      struct attest_result *res)
{
    *ret = NULL;
    if (r->ima_from == 0)
        return true;
    /* Entries counted under another policy (or none) were never judged by this one. */
    if (strcmp(res->ima_policy, m->ima_policy) != 0) {
        attest_fail(res, "ima-offset",
                    "the IMA policy changed since entries were judged: send the whole list");
        return false;
    }
    if (r->ima_from != m->ima_count || !m->ima_state) {
        attest_fail(res, "ima-offset", "ima_from %lld is not the %lld entries verified so far",
                    (long long)r->ima_from, (long long)m->ima_count);
        return false;
    }
    _cleanup_free_ char *json = strndup((const char *)m->ima_state, m->ima_state_len);
    if (!json || ima_state_from_json(json, state) < 0) {
        attest_fail(res, "ima-offset", "the saved IMA state is unreadable: send the whole list");
        return false;
    }
    *ret = state;
    return true;
}

static void check_ima(struct verifier *v, const struct attest_request *r, const struct machine *m,
                      struct attest_result *res)
{
    bool failed;
    _cleanup_free_ char *policy = policy_of(v, m, "ima", res, &failed);
    if (failed)
        return;
    if (policy_digest(policy, res->ima_policy) < 0) {
        attest_fail(res, "policy-ima", "the policy cannot be digested");
        return;
    }
    if (!policy)
        no_policy(v, m, "ima", res);
    if (!r->ima_log) {
        if (policy)
            attest_fail(res, "ima-missing", "an IMA policy is set: send the IMA list");
        return;
    }
    _cleanup_(ima_list_freep) struct ima_list *list = NULL;
    size_t bad = 0;
    if (ima_parse(r->ima_log, r->ima_log_len, &list, &bad) < 0) {
        attest_fail(res, "ima-parse", "malformed IMA list at byte %zu", bad);
        return;
    }
    struct ima_state *saved = calloc(1, sizeof(*saved));
    struct ima_result *ir = calloc(1, sizeof(*ir));
    const struct ima_state *start;
    if (!saved || !ir) {
        attest_fail(res, "ima-replay", "out of memory");
        goto out;
    }
    if (!ima_start(r, m, saved, &start, res))
        goto out;
    if (!start && list->n_entries > 0) {
        enum ima_boot_aggregate_status ba = ima_check_boot_aggregate(&list->entries[0], res->pcrs);
        if (ba != IMA_BA_OK) {
            attest_fail(res, "ima-boot-aggregate", "%s", ima_boot_aggregate_status_name(ba));
            goto out;
        }
    }
    int ret = ima_verify(list, start, res->clock.resetCount, res->pcrs, ir);
    if (ret == -ESTALE) {
        attest_fail(res, "ima-offset", "the TPM was reset since: send the whole list");
        goto out;
    }
    if (ret < 0 || !ir->ok) {
        if (ir->bad_template_hash)
            attest_fail(res, "ima-replay", "entry %zu: template hash does not match its data",
                        (size_t)r->ima_from + ir->bad_entry);
        else
            attest_fail(res, "ima-replay", "the IMA list does not replay to the quoted PCRs");
        goto out;
    }
    /*
     * A policy judges nothing on an empty prefix: the boot's list must start
     * with boot_aggregate (checked above when the list starts at 0) and PCR 10
     * must have been extended by what was verified.
     */
    if (policy && ir->verified == 0) {
        attest_fail(res, "ima-prefix",
                    "no IMA entry verified: the list must start with boot_aggregate and replay"
                    " to the quoted, extended IMA PCR");
        goto out;
    }
    if (policy) {
        _cleanup_(policy_ima_freep) struct policy_ima *pi = NULL;
        _cleanup_free_ char *err = NULL;
        struct policy_result *pr = calloc(1, sizeof(*pr));
        if (!pr || policy_ima_parse(policy, strlen(policy), &pi, &err) < 0)
            attest_fail(res, "policy-ima", "invalid policy: %s", err ? err : "?");
        else if (policy_ima_evaluate(pi, list, (size_t)r->ima_from, 0, ir->new_entries,
                                     pcrsel_mask(&res->pcrs->sel), pr) < 0)
            attest_fail(res, "policy-ima", "the policy cannot be evaluated");
        else if (!policy_result_ok(pr))
            report_policy(res, "policy-ima", pr);
        if (pr)
            policy_result_done(pr);
        free(pr);
    }
    res->ima_count = (int64_t)ir->verified;
    free(res->ima_state);
    res->ima_state = ima_state_to_json(&ir->state);
    if (!res->ima_state)
        attest_fail(res, "ima-replay", "out of memory");
out:
    free(saved);
    free(ir);
}

void attest_check_logs(struct verifier *v, const struct attest_request *r, const struct machine *m,
                       struct attest_result *res)
{
    check_event_log(v, r, m, res);
    check_ima(v, r, m, res);
}
