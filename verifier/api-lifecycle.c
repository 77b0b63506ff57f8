/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fleet's policy lifecycle on the admin API (docs/admin-api.md): capture a
 * policy from a machine's last evidence, show the drift of that evidence
 * against the policy, approve exactly what the drift lists. The work is in
 * lib/policy (policy-capture.h, policy-diff.h); here it meets the storage.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/pcr-selection.h"
#include "common/tpm-alg.h"
#include "evidence-view.h"
#include "policy/policy-capture.h"
#include "policy/policy-diff.h"
#include "requests.h"
#include "verifier.h"

/* The bank a captured boot policy judges: SHA-256 when quoted and logged, else the first such. */
static TPM2_ALG_ID capture_bank(const struct verifier *v, const struct eventlog *log)
{
    TPM2_ALG_ID first = 0;
    for (UINT32 i = 0; i < v->pcr_selection.count; i++) {
        TPM2_ALG_ID h = v->pcr_selection.pcrSelections[i].hash;
        for (uint32_t k = 0; k < log->n_algs; k++)
            if (log->algs[k].alg == h) {
                if (h == TPM2_ALG_SHA256)
                    return h;
                if (!first)
                    first = h;
            }
    }
    return first ? first : TPM2_ALG_SHA256;
}

/* The captured policy of kind from e; NULL after a reply. */
static json_t *capture_policy(struct verifier *v, const struct evidence_view *e, const char *kind,
                              struct http_reply *rep)
{
    json_t *doc = NULL;
    _cleanup_free_ char *err = NULL;
    int r;
    if (strcmp(kind, "boot") == 0) {
        TPM2_ALG_ID bank = capture_bank(v, e->log);
        r = policy_boot_capture(e->log, &e->facts, bank, pcrsel_bank_mask(&v->pcr_selection, bank),
                                &doc, &err);
    } else {
        r = policy_ima_capture(e->ima, &doc, &err);
    }
    if (r == -ENOMEM)
        http_reply_error(rep, 500, NULL, "out of memory");
    else if (r < 0)
        http_reply_error(rep, 422, "kind", "no %s policy can be captured: %s", kind,
                         err ? err : "?");
    return r < 0 ? NULL : doc;
}

/* POST /v1/admin/machines/{id}/capture {kind, group?, dry_run?, reason?} */
void api_admin_capture(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    struct capture_request c;
    struct req_error e = {0};
    int r = parse_capture_request(req->body, req->body_len, &c, &e);
    if (r < 0) {
        reply_request_error(rep, r, &e);
        return;
    }
    bool boot = strcmp(c.kind, "boot") == 0;
    struct evidence_view ev;
    if (evidence_view_load(v, req->params[0],
                           boot ? EVIDENCE_BOOT : EVIDENCE_IMA | EVIDENCE_WHOLE_IMA, &ev,
                           rep) < 0) {
        evidence_view_done(&ev);
        return;
    }
    json_auto_t *doc = capture_policy(v, &ev, c.kind, rep);
    evidence_view_done(&ev);
    if (!doc)
        return;
    const char *scope = c.group[0] ? "group" : "machine";
    const char *name = c.group[0] ? c.group : req->params[0];
    _cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    int64_t version = 0;
    if (!c.dry_run &&
        policy_commit(v, scope, name, c.kind, text, "capture",
                      c.reason[0] ? c.reason : "captured from machine", -1, rep, &version) < 0)
        return;
    http_reply_json(rep, 200,
                    json_pack("{s:s, s:s, s:s, s:b, s:I, s:O}", "scope", scope, "name", name,
                              "kind", c.kind, "dry_run", c.dry_run, "version", (json_int_t)version,
                              "policy", doc));
}

/* The drift items of one policy (JSON text) of kind against the evidence; NULL after a reply. */
static json_t *drift_items(const struct evidence_view *e, const char *kind, const char *policy,
                           struct http_reply *rep)
{
    json_t *items = NULL;
    _cleanup_free_ char *err = NULL;
    int r = strcmp(kind, "boot") == 0 ? policy_diff_boot(policy, e->log, e->replay, &e->facts,
                                                         &e->pcrs->sel, &items, &err)
                                      : policy_diff_ima(policy, e->ima, (size_t)e->ev.ima_from,
                                                        pcrsel_mask(&e->pcrs->sel), &items, &err);
    if (r == -ENOMEM)
        http_reply_error(rep, 500, NULL, "out of memory");
    else if (r < 0)
        http_reply_error(rep, 422, "policy", "the stored %s policy cannot be evaluated: %s", kind,
                         err ? err : "?");
    return r < 0 ? NULL : items;
}

struct kind_policy {
    const char *kind;
    char *json; /* NULL: none set */
    struct policy_ref ref;
};

/* The machine's effective policy of each kind; false after a reply. */
static bool effective_policies(struct verifier *v, const struct machine *m,
                               struct kind_policy kp[2], struct http_reply *rep)
{
    for (int i = 0; i < 2; i++) {
        int r = v->storage->ops->get_policy(v->storage, m, kp[i].kind, &kp[i].json, &kp[i].ref);
        if (r < 0 && r != -ENOENT) {
            reply_storage_error(v, rep, r, "read a policy");
            return false;
        }
    }
    return true;
}

static json_t *kind_json(const struct kind_policy *kp, json_t *items)
{
    char ref[ST_POLICY_REF_MAX];
    policy_ref_text(&kp->ref, ref);
    if (!kp->json) {
        json_decref(items); /* no policy: nothing was judged */
        return json_pack("{s:n, s:[], s:s}", "policy", "items", "note",
                         "no policy of this kind for the machine or its group (no-policy)");
    }
    return json_pack("{s:s, s:s, s:s, s:I, s:o}", "policy", ref, "scope", kp->ref.scope, "name",
                     kp->ref.name, "version", (json_int_t)kp->ref.version, "items", items);
}

/* GET /v1/admin/machines/{id}/diff: the last evidence against the machine's policies. */
void api_admin_diff(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (!admin_authorized(v, req, rep))
        return;
    if (!is_lower_hex(req->params[0], 32)) {
        http_reply_error(rep, 400, "machine_id", "must be 32 lowercase hex characters");
        return;
    }
    struct machine m;
    if (!admin_read_machine(v, req->params[0], &m, rep))
        return;
    struct kind_policy kp[2] = {{.kind = "boot"}, {.kind = "ima"}};
    struct evidence_view ev = {0};
    json_t *out = NULL;
    if (!effective_policies(v, &m, kp, rep))
        goto done;
    unsigned need = (kp[0].json ? EVIDENCE_BOOT : 0) | (kp[1].json ? EVIDENCE_IMA : 0);
    if (evidence_view_load(v, req->params[0], need, &ev, rep) < 0)
        goto done;
    out = json_pack("{s:s, s:I, s:b}", "machine_id", m.machine_id, "evidence_at",
                    (json_int_t)ev.ev.at, "evidence_passed", ev.ev.passed);
    for (int i = 0; out && i < 2; i++) {
        json_t *items = kp[i].json ? drift_items(&ev, kp[i].kind, kp[i].json, rep) : json_array();
        if (!items) {
            json_decref(out);
            out = NULL;
            goto done;
        }
        json_t *k = kind_json(&kp[i], items);
        if (!k || json_object_set_new(out, kp[i].kind, k) < 0) {
            json_decref(out);
            out = NULL;
            http_reply_error(rep, 500, NULL, "out of memory");
            goto done;
        }
    }
    if (out)
        http_reply_json(rep, 200, out);
    else
        http_reply_error(rep, 500, NULL, "out of memory");
done:
    for (int i = 0; i < 2; i++)
        free(kp[i].json);
    evidence_view_done(&ev);
    machine_done(&m);
}

/* The current version of the approve's target; false after a reply. */
static bool approve_target(struct verifier *v, const struct approve_request *a, const char *scope,
                           const char *name, struct policy_version *cur, struct http_reply *rep)
{
    int r = v->storage->ops->get_policy_version(v->storage, scope, name, a->kind, 0, cur);
    if (r == -ENOENT) {
        http_reply_error(rep, 409, "kind",
                         "no %s policy is set for %s '%s': capture one first (nothing to add to)",
                         a->kind, scope, name);
        return false;
    }
    if (r < 0) {
        reply_storage_error(v, rep, r, "read a policy");
        return false;
    }
    if (cur->version != a->base_version) {
        http_reply_error(rep, 409, "base_version",
                         "the policy is at version %lld, not %lld: read the diff again",
                         (long long)cur->version, (long long)a->base_version);
        policy_version_done(cur);
        return false;
    }
    return true;
}

/* The target's policy with the drift's values added; NULL after a reply. */
static char *approved_body(const struct evidence_view *e, const char *kind,
                           const struct policy_version *cur, json_t **ret_items, size_t *added,
                           struct http_reply *rep)
{
    json_t *items = drift_items(e, kind, cur->body, rep);
    if (!items)
        return NULL;
    *ret_items = items;
    if (json_array_size(items) == 0) {
        http_reply_error(rep, 409, "machine",
                         "nothing to approve: the machine's last evidence passes this policy");
        return NULL;
    }
    json_auto_t *doc = json_loads(cur->body, 0, NULL);
    _cleanup_free_ char *err = NULL;
    int r = doc ? policy_diff_apply(doc, items, added, &err) : -ENOMEM;
    if (r == -EINVAL) {
        http_reply_error(rep, 422, "machine", "%s", err ? err : "the diff cannot be approved");
        return NULL;
    }
    char *text = r == 0 ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!text)
        http_reply_error(rep, 500, NULL, "out of memory");
    return text;
}

/* POST /v1/admin/policies/approve {machine, kind, group?, reason, base_version} */
void api_admin_approve(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (!admin_authorized(v, req, rep))
        return;
    struct approve_request a;
    struct req_error e = {0};
    int r = parse_approve_request(req->body, req->body_len, &a, &e);
    if (r < 0) {
        reply_request_error(rep, r, &e);
        return;
    }
    bool boot = strcmp(a.kind, "boot") == 0;
    const char *scope = a.group[0] ? "group" : "machine";
    const char *name = a.group[0] ? a.group : a.machine_id;
    struct evidence_view ev;
    struct policy_version cur = {0};
    json_t *items = NULL;
    _cleanup_free_ char *body = NULL;
    if (evidence_view_load(v, a.machine_id, boot ? EVIDENCE_BOOT : EVIDENCE_IMA, &ev, rep) < 0 ||
        !approve_target(v, &a, scope, name, &cur, rep))
        goto done;
    size_t added = 0;
    body = approved_body(&ev, a.kind, &cur, &items, &added, rep);
    int64_t version = 0;
    if (body && policy_commit(v, scope, name, a.kind, body, "approve", a.reason, a.base_version,
                              rep, &version) == 0)
        http_reply_json(rep, 200,
                        json_pack("{s:s, s:s, s:s, s:I, s:I, s:O}", "scope", scope, "name", name,
                                  "kind", a.kind, "version", (json_int_t)version, "added",
                                  (json_int_t)added, "items", items));
done:
    json_decref(items);
    policy_version_done(&cur);
    evidence_view_done(&ev);
}
