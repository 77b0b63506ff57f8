/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy versions (docs/admin-api.md): every change of a policy is a new
 * version with its author, time, reason and the diff from the version before;
 * the history, one version, a rollback (a new version with an old body), and
 * the audit log of the admin API's actions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/json-check.h"
#include "common/cleanup.h"
#include "common/pcr-selection.h"
#include "common/tpm-alg.h"
#include "policy/policy-boot.h"
#include "policy/policy-diff.h"
#include "policy/policy-ima.h"
#include "requests.h"
#include "verifier.h"

#define HISTORY_MAX 200

/* The lowest PCR of mask that sel lacks in bank (any bank when bank is 0); -1 for none. */
static int unquoted_pcr(const TPML_PCR_SELECTION *sel, TPM2_ALG_ID bank, uint32_t mask)
{
    uint32_t quoted = bank ? pcrsel_bank_mask(sel, bank) : pcrsel_mask(sel);
    uint32_t missing = mask & ~quoted;
    return missing ? __builtin_ctz(missing) : -1;
}

/*
 * A policy is stored only when the engine reads it and every PCR it names is
 * quoted: a rule on a PCR outside the selection would be judged from log
 * content no quote binds (the evaluation fails it too, for policies stored
 * before). 400 naming the member or the PCR otherwise.
 */
static bool policy_acceptable(struct verifier *v, const char *kind, const char *body,
                              struct http_reply *rep)
{
    _cleanup_free_ char *err = NULL;
    _cleanup_(policy_boot_freep) struct policy_boot *pb = NULL;
    _cleanup_(policy_ima_freep) struct policy_ima *pi = NULL;
    bool boot = strcmp(kind, "boot") == 0;
    int r = boot ? policy_boot_parse(body, strlen(body), &pb, &err)
                 : policy_ima_parse(body, strlen(body), &pi, &err);
    if (r == -ENOMEM) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return false;
    }
    if (r < 0) {
        http_reply_error(rep, 400, "policy", "invalid %s policy: %s", kind, err ? err : "?");
        return false;
    }
    TPM2_ALG_ID bank = boot ? policy_boot_bank(pb) : 0;
    int pcr =
        unquoted_pcr(&v->pcr_selection, bank, boot ? policy_boot_pcrs(pb) : policy_ima_pcrs(pi));
    if (pcr < 0)
        return true;
    http_reply_error(
        rep, 400, "policy", "the policy reads PCR %d%s%s, not in the verifier's pcr_selection %s",
        pcr, boot ? " of bank " : "", boot ? tpm_alg_hash_name(bank) : "", v->pcr_selection_text);
    return false;
}

/* The diff from the current version (JSON text); NULL when out of memory or unreadable. */
static char *diff_from_current(struct verifier *v, const char *scope, const char *name,
                               const char *kind, const char *body, int *ret_r)
{
    struct policy_version cur;
    json_auto_t *old = NULL, *nw = json_loads(body, 0, NULL);
    *ret_r = v->storage->ops->get_policy_version(v->storage, scope, name, kind, 0, &cur);
    if (*ret_r == -ENOENT)
        *ret_r = 0;
    else if (*ret_r == 0) {
        old = json_loads(cur.body, 0, NULL);
        policy_version_done(&cur);
    }
    if (*ret_r < 0 || !nw)
        return NULL;
    json_auto_t *d = policy_diff_versions(old, nw);
    return d ? json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
}

int policy_commit(struct verifier *v, const char *scope, const char *name, const char *kind,
                  const char *body, const char *action, const char *reason, int64_t base_version,
                  struct http_reply *rep, int64_t *ret_version)
{
    if (!policy_acceptable(v, kind, body, rep))
        return -EINVAL;
    int r;
    _cleanup_free_ char *diff = diff_from_current(v, scope, name, kind, body, &r);
    if (r < 0)
        return reply_storage_error(v, rep, r, "read a policy"), r;
    if (!diff)
        return http_reply_error(rep, 500, NULL, "out of memory"), -ENOMEM;
    const struct policy_change c = {.scope = scope,
                                    .name = name,
                                    .kind = kind,
                                    .body = body,
                                    .action = action,
                                    .author = v->admin_identity,
                                    .reason = reason,
                                    .diff = diff,
                                    .at = verifier_now(),
                                    .base_version = base_version};
    r = v->storage->ops->set_policy(v->storage, &c, ret_version);
    if (r == -ESTALE) {
        http_reply_error(rep, 409, "base_version",
                         "the policy changed since version %lld (another change came first): "
                         "read the diff again",
                         (long long)base_version);
        return r;
    }
    if (r < 0)
        return reply_storage_error(v, rep, r, "store a policy"), r;
    const struct log_field f[] = {
        {"SCOPE", scope}, {"NAME", name}, {"KIND", kind}, {"ACTION", action}};
    vlog_fields(&v->log, LOG_NOTICE, f, 4, "operator: policy %s, version %lld", action,
                (long long)*ret_version);
    return 0;
}

static json_t *version_json(const struct policy_version *pv, bool with_body)
{
    json_t *diff = json_loads(pv->diff, 0, NULL);
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o}", "version", (json_int_t)pv->version,
                          "at", (json_int_t)pv->at, "action", pv->action, "author", pv->author,
                          "reason", pv->reason, "diff", diff ? diff : json_null());
    if (o && with_body) {
        json_t *body = json_loads(pv->body, 0, NULL);
        if (!body || json_object_set_new(o, "policy", body) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static int add_version(const struct policy_version *pv, void *userdata)
{
    json_t *j = version_json(pv, false);
    return j && json_array_append_new(userdata, j) == 0 ? 0 : -ENOMEM;
}

/* The path's scope/name/kind; false after a 400. */
static bool target_param(const struct http_request *req, struct http_reply *rep)
{
    struct req_error e = {0};
    if (policy_target_valid(req->params[0], req->params[1], req->params[2], &e))
        return true;
    http_reply_error(rep, 400, e.field, "%s", e.message);
    return false;
}

/* GET /v1/admin/policies/{scope}/{name}/{kind}/versions: newest first. */
void api_admin_policy_versions(void *userdata, const struct http_request *req,
                               struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (!admin_authorized(v, req, rep) || !target_param(req, rep))
        return;
    json_t *list = json_array();
    if (!list) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    int r = v->storage->ops->list_policy_versions(v->storage, req->params[0], req->params[1],
                                                  req->params[2], HISTORY_MAX, add_version, list);
    if (r < 0) {
        json_decref(list);
        reply_storage_error(v, rep, r, "list policy versions");
        return;
    }
    if (json_array_size(list) == 0) {
        json_decref(list);
        http_reply_error(rep, 404, NULL, "no such policy");
        return;
    }
    http_reply_json(rep, 200,
                    json_pack("{s:s, s:s, s:s, s:o}", "scope", req->params[0], "name",
                              req->params[1], "kind", req->params[2], "versions", list));
}

/* Version n of a policy, 404 when there is none; false after a reply. */
static bool read_version(struct verifier *v, const struct http_request *req, int64_t n,
                         struct policy_version *pv, struct http_reply *rep)
{
    int r = v->storage->ops->get_policy_version(v->storage, req->params[0], req->params[1],
                                                req->params[2], n, pv);
    if (r == -ENOENT)
        http_reply_error(rep, 404, "version", "no version %lld of this policy", (long long)n);
    else if (r < 0)
        reply_storage_error(v, rep, r, "read a policy version");
    return r == 0;
}

/* GET /v1/admin/policies/{scope}/{name}/{kind}/versions/{n} */
void api_admin_policy_version(void *userdata, const struct http_request *req,
                              struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (!admin_authorized(v, req, rep) || !target_param(req, rep))
        return;
    char *end;
    long long n = strtoll(req->params[3], &end, 10);
    if (*end || n < 1 || n > INT32_MAX) {
        http_reply_error(rep, 400, "version", "must be a version number (1, 2, ...)");
        return;
    }
    struct policy_version pv;
    if (!read_version(v, req, n, &pv, rep))
        return;
    json_t *o = version_json(&pv, true);
    policy_version_done(&pv);
    if (!o) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    http_reply_json(rep, 200, o);
}

/* POST /v1/admin/policies/{scope}/{name}/{kind}/rollback {version, reason}: a new version. */
void api_admin_policy_rollback(void *userdata, const struct http_request *req,
                               struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (!admin_authorized(v, req, rep) || !target_param(req, rep))
        return;
    struct rollback_request rb;
    struct req_error e = {0};
    int r = parse_rollback_request(req->body, req->body_len, &rb, &e);
    if (r < 0) {
        reply_request_error(rep, r, &e);
        return;
    }
    struct policy_version pv, cur;
    if (!read_version(v, req, rb.version, &pv, rep))
        return;
    if (!read_version(v, req, 0, &cur, rep)) {
        policy_version_done(&pv);
        return;
    }
    int64_t version = 0;
    /* against the version current when read: a change meanwhile is not rolled over */
    r = policy_commit(v, req->params[0], req->params[1], req->params[2], pv.body, "rollback",
                      rb.reason, cur.version, rep, &version);
    policy_version_done(&pv);
    policy_version_done(&cur);
    if (r == 0)
        http_reply_json(rep, 200,
                        json_pack("{s:I, s:I}", "version", (json_int_t)version, "restored",
                                  (json_int_t)rb.version));
}

static int add_audit_row(const struct audit_entry *a, void *userdata)
{
    json_t *detail = a->detail && *a->detail ? json_loads(a->detail, 0, NULL) : NULL;
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)a->id, "at",
                          (json_int_t)a->at, "actor", a->actor, "action", a->action, "target",
                          a->target, "reason", a->reason, "detail", detail ? detail : json_null());
    return j && json_array_append_new(userdata, j) == 0 ? 0 : -ENOMEM;
}

/* A query argument as an integer in [min, max] (def when absent); false after a 400. */
static bool query_int(const struct http_request *req, const char *key, int64_t min, int64_t max,
                      int64_t def, int64_t *ret, struct http_reply *rep)
{
    const char *s = http_request_query(req, key);
    *ret = def;
    if (!s)
        return true;
    char *end;
    long long n = strtoll(s, &end, 10);
    if (!*s || *end || n < min || n > max) {
        http_reply_error(rep, 400, key, "must be an integer in %lld..%lld", (long long)min,
                         (long long)max);
        return false;
    }
    *ret = n;
    return true;
}

/* GET /v1/admin/audit?since=T&limit=N: oldest first from since. */
void api_admin_audit(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    int64_t since, limit;
    if (!admin_authorized(v, req, rep) || !query_int(req, "since", 0, INT64_MAX, 0, &since, rep) ||
        !query_int(req, "limit", 1, ST_AUDIT_LIMIT_MAX, 100, &limit, rep))
        return;
    json_t *list = json_array();
    if (!list) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    int r = v->storage->ops->list_audit(v->storage, since, (unsigned)limit, add_audit_row, list);
    if (r < 0) {
        json_decref(list);
        reply_storage_error(v, rep, r, "list the audit log");
        return;
    }
    http_reply_json(rep, 200, json_pack("{s:o}", "audit", list));
}
