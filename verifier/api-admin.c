/* SPDX-License-Identifier: Apache-2.0 */
/* The admin API (docs/admin-api.md): bearer token, machines and policies. */
#include <errno.h>
#include <string.h>

#include "api/json-check.h"
#include "common/base64.h"
#include "common/cleanup.h"
#include "requests.h"
#include "verifier.h"

#define SHOW_ATTESTATIONS 20

static bool authorized(struct verifier *v, const struct http_request *req, struct http_reply *rep)
{
    return admin_authorized(v, req, rep);
}

static json_t *machine_json(const struct machine *m)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:I}", "machine_id",
                     m->machine_id, "hostname", m->hostname, "ak_name", m->ak_name, "ek_digest",
                     m->ek_digest, "status", m->status, "group", m->group, "enrolled_at",
                     (json_int_t)m->enrolled_at, "last_status", m->last_status, "last_verdict_at",
                     (json_int_t)m->last_verdict_at, "ima_verified", (json_int_t)m->ima_count);
}

static int add_machine(const struct machine *m, void *userdata)
{
    json_t *j = machine_json(m);
    return j && json_array_append_new(userdata, j) == 0 ? 0 : -ENOMEM;
}

void api_admin_machines(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (!authorized(v, req, rep))
        return;
    json_t *list = json_array();
    if (!list) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    int r = v->storage->ops->list_machines(v->storage, add_machine, list);
    if (r < 0) {
        json_decref(list);
        reply_storage_error(v, rep, r, "list machines");
        return;
    }
    http_reply_json(rep, 200, json_pack("{s:o}", "machines", list));
}

static int add_attestation(const struct attestation_record *a, void *userdata)
{
    json_t *checks = json_loads(a->failed_checks ? a->failed_checks : "[]", 0, NULL);
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:o, s:{s:s, s:s}}", "at", (json_int_t)a->at, "status",
                  a->status, "ak_name", a->ak_name, "failed_checks", checks ? checks : json_array(),
                  "policies", "boot", a->boot_policy, "ima", a->ima_policy_ref);
    return j && json_array_append_new(userdata, j) == 0 ? 0 : -ENOMEM;
}

static bool machine_id_param(const struct http_request *req, struct http_reply *rep)
{
    if (!is_lower_hex(req->params[0], 32)) {
        http_reply_error(rep, 400, "machine_id", "must be 32 lowercase hex characters");
        return false;
    }
    return true;
}

void api_admin_machine(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (!authorized(v, req, rep) || !machine_id_param(req, rep))
        return;
    struct machine m;
    if (!admin_read_machine(v, req->params[0], &m, rep))
        return;
    json_t *o = machine_json(&m);
    machine_done(&m);
    json_t *list = json_array();
    if (!o || !list) {
        json_decref(o);
        json_decref(list);
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    int r = v->storage->ops->list_attestations(v->storage, req->params[0], SHOW_ATTESTATIONS,
                                               add_attestation, list);
    json_object_set_new(o, "attestations", list);
    if (r < 0) {
        json_decref(o);
        reply_storage_error(v, rep, r, "list attestations");
        return;
    }
    http_reply_json(rep, 200, o);
}

/*
 * The body of a machine action: {"reason"} (optional; an empty body is {}),
 * and for "group" the required {"group"}. False after a 400.
 */
static bool action_body(const struct http_request *req, bool group, json_t **o,
                        const char **ret_group, const char **ret_reason, struct http_reply *rep)
{
    static const char *const plain[] = {"reason", NULL}, *const grouped[] = {"group", "reason",
                                                                             NULL};
    struct req_error e = {0};
    const char *body = req->body_len ? req->body : "{}";
    int r = jc_parse_object(body, strlen(body), group ? grouped : plain, o, &e);
    if (r == 0 && group)
        r = jc_string(*o, "group", true, 63, ret_group, &e);
    if (r == 0)
        r = jc_string(*o, "reason", false, REQ_REASON_MAX, ret_reason, &e);
    if (r == 0)
        return true;
    http_reply_error(rep, r == -ENOMEM ? 500 : 400, e.field, "%s", e.message);
    return false;
}

void api_admin_machine_action(void *userdata, const struct http_request *req,
                              struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (!authorized(v, req, rep) || !machine_id_param(req, rep))
        return;
    const char *id = req->params[0], *action = req->params[1];
    if (strcmp(action, "capture") == 0) {
        api_admin_capture(v, req, rep);
        return;
    }
    bool group = strcmp(action, "group") == 0;
    if (!group && strcmp(action, "approve") != 0 && strcmp(action, "revoke") != 0 &&
        strcmp(action, "reset") != 0) {
        http_reply_error(rep, 404, NULL, "unknown action '%.32s'", action);
        return;
    }
    json_auto_t *o = NULL;
    const char *grp = NULL, *reason = NULL;
    if (!action_body(req, group, &o, &grp, &reason, rep))
        return;
    char what[32];
    snprintf(what, sizeof(what), "machine-%s", action);
    json_auto_t *d = grp ? json_pack("{s:s}", "group", grp) : NULL;
    _cleanup_free_ char *detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
    if (grp && !detail) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    /* written with the change, in its transaction */
    const struct audit_entry audit = {.at = verifier_now(),
                                      .actor = v->admin_identity,
                                      .action = what,
                                      .target = id,
                                      .reason = reason ? reason : "",
                                      .detail = detail ? detail : ""};
    const struct storage_ops *ops = v->storage->ops;
    int r = group ? ops->set_machine_group(v->storage, id, grp, &audit)
            : strcmp(action, "reset") == 0
                ? ops->reset_machine(v->storage, id, &audit)
                : ops->set_machine_status(v->storage, id,
                                          strcmp(action, "approve") == 0 ? "enrolled" : "revoked",
                                          &audit);
    if (r == -ENOENT) {
        http_reply_error(rep, 404, "machine_id", "unknown machine");
        return;
    }
    if (r < 0) {
        reply_storage_error(v, rep, r, "update a machine");
        return;
    }
    const struct log_field f[] = {{"MACHINE_ID", id}, {"ACTION", action}};
    vlog_fields(&v->log, LOG_NOTICE, f, 2, "operator: %s machine", action);
    http_reply_json(rep, 200, json_pack("{s:s, s:s}", "machine_id", id, "done", action));
}

void api_admin_policy(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (!authorized(v, req, rep))
        return;
    struct policy_request p;
    struct req_error e = {0};
    int r = parse_policy_request(req->body, req->body_len, &p, &e);
    if (r < 0) {
        reply_request_error(rep, r, &e);
        return;
    }
    int64_t version = 0;
    r = policy_commit(v, p.scope, p.name, p.kind, p.policy, "set", p.reason, -1, rep, &version);
    if (r == 0)
        http_reply_json(rep, 200,
                        json_pack("{s:s, s:s, s:s, s:I}", "scope", p.scope, "name", p.name, "kind",
                                  p.kind, "version", (json_int_t)version));
    policy_request_done(&p);
}

/* base64 of buf, or JSON null when there is none. */
static json_t *b64_or_null(const uint8_t *buf, size_t len)
{
    if (!buf)
        return json_null();
    _cleanup_free_ char *b64 = base64_encode(buf, len);
    return b64 ? json_string(b64) : NULL;
}

static json_t *evidence_json(const struct evidence *e)
{
    json_t *pcrs = json_loads(e->pcrs, 0, NULL);
    if (!pcrs)
        return NULL;
    return json_pack("{s:I, s:b, s:o*, s:o*, s:o, s:o*, s:o*, s:I}", "at", (json_int_t)e->at,
                     "passed", e->passed, "quote", b64_or_null(e->quote, e->quote_len), "signature",
                     b64_or_null(e->signature, e->signature_len), "pcrs", pcrs, "event_log",
                     b64_or_null(e->event_log, e->event_log_len), "ima_log",
                     b64_or_null(e->ima_log, e->ima_log_len), "ima_from", (json_int_t)e->ima_from);
}

/* GET /v1/admin/machines/{id}/evidence: what the last recorded attestation sent. */
void api_admin_evidence(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (!authorized(v, req, rep) || !machine_id_param(req, rep))
        return;
    struct evidence e;
    int r = v->storage->ops->get_evidence(v->storage, req->params[0], &e);
    if (r == -ENOENT) {
        http_reply_error(rep, 404, "machine_id", "no attestation recorded");
        return;
    }
    if (r < 0) {
        reply_storage_error(v, rep, r, "read evidence");
        return;
    }
    json_t *o = evidence_json(&e);
    evidence_done(&e);
    if (!o) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    http_reply_json(rep, 200, o);
}
