/* SPDX-License-Identifier: Apache-2.0 */
/* Drift diffs and their approval (policy-diff.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/pcr-selection.h"
#include "common/tpm-alg.h"
#include "policy/policy-boot.h"
#include "policy/policy-diff.h"
#include "policy/policy-ima.h"
#include "policy/policy-json.h"

static void json_decrefp_(json_t **j)
{
    json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(json_decrefp_)))

/* The hex after "alg:" of a violation's digest. */
static const char *bare_hex(const char *digest)
{
    const char *colon = digest ? strchr(digest, ':') : NULL;
    return colon ? colon + 1 : digest;
}

/* The boot rule a check reads, the member its allowed values are under. */
static const char *boot_rule(const char *check)
{
    static const char *const map[][2] = {
        {"boot_app", "boot_apps"},
        {"pk", "pk"},
        {"kek", "kek"},
        {"db", "db"},
        {"dbx", "dbx"},
        {"cmdline", "cmdlines"},
        {"event_digest", "event_digests"},
        {"pcr", "pcrs"},
        {"secure_boot", "secure_boot"},
        {"separators", "separators"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(check, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* The cmdline text of event index, as the facts hold it. */
static const char *cmdline_of(const struct eventlog_facts *f, long index)
{
    for (uint32_t i = 0; i < f->n_cmdlines; i++)
        if ((long)f->cmdline_events[i] == index)
            return f->cmdlines[i];
    return NULL;
}

/* "add" of one boot violation, or NULL (json null) when adding cannot make it hold. */
static json_t *boot_add(const struct policy_violation *v, const char *rule,
                        const struct eventlog_event *ev, const struct eventlog_facts *f,
                        char pcr_key[4])
{
    if (!rule)
        return json_null();
    if (strcmp(rule, "cmdlines") == 0) {
        const char *text = v->event >= 0 ? cmdline_of(f, v->event) : NULL;
        return text ? json_pack("{s:s, s:s}", "rule", rule, "value", text) : json_null();
    }
    if (!v->digest)
        return json_null(); /* no digest in the bank, not quoted, not measured: nothing to add */
    if (strcmp(rule, "event_digests") == 0 && ev) {
        snprintf(pcr_key, 4, "%u", ev->pcr);
        return json_pack("{s:s, s:s, s:s}", "rule", rule, "pcr", pcr_key, "value",
                         bare_hex(v->digest));
    }
    if (strcmp(rule, "pcrs") == 0) {
        const char *colon = strchr(v->subject, ':');
        if (!colon)
            return json_null();
        snprintf(pcr_key, 4, "%s", colon + 1);
        return json_pack("{s:s, s:s, s:s}", "rule", rule, "pcr", pcr_key, "value",
                         bare_hex(v->digest));
    }
    if (strcmp(rule, "secure_boot") == 0 || strcmp(rule, "separators") == 0)
        return json_null();
    return json_pack("{s:s, s:s}", "rule", rule, "value", bare_hex(v->digest));
}

/* What the policy holds for the violated rule (a copy), or null. */
static json_t *allowed_of(const json_t *doc, const char *rule, const char *pcr_key)
{
    json_t *a = rule ? json_object_get(doc, rule) : NULL;
    if (a && json_is_object(a))
        a = *pcr_key ? json_object_get(a, pcr_key) : NULL;
    return a ? json_deep_copy(a) : json_null();
}

static json_t *boot_item(const struct policy_violation *v, const json_t *doc,
                         const struct eventlog *log, const struct eventlog_facts *f,
                         TPM2_ALG_ID bank)
{
    const struct eventlog_event *ev =
        v->event >= 0 && (size_t)v->event < log->n_events ? &log->events[v->event] : NULL;
    _cleanup_free_ char *desc = NULL;
    if (ev && eventlog_event_describe(ev, bank, &desc) < 0)
        return NULL;
    const char *rule = boot_rule(v->check);
    char pcr_key[4] = "";
    json_t *add = boot_add(v, rule, ev, f, pcr_key);
    json_t *allowed = allowed_of(doc, rule, pcr_key);
    return json_pack(
        "{s:s, s:s, s:s, s:s?, s:o, s:o, s:o, s:s?, s:s, s:o, s:o}", "check", v->check, "subject",
        v->subject, "reason", v->reason, "found", v->digest, "event",
        ev ? json_integer(v->event) : json_null(), "pcr", ev ? json_integer(ev->pcr) : json_null(),
        "type", ev ? json_string(eventlog_type_name(ev->type)) : json_null(), "description", desc,
        "kind", "boot", "allowed", allowed ? allowed : json_null(), "add", add ? add : json_null());
}

static int items_of(const struct policy_result *pr,
                    json_t *(*make)(const struct policy_violation *, void *), void *ctx,
                    json_t **ret)
{
    json_t *items = json_array();
    for (size_t i = 0; items && i < pr->n; i++) {
        json_t *it = make(&pr->items[i], ctx);
        if (!it || json_array_append_new(items, it) < 0) {
            json_decref(items);
            return -ENOMEM;
        }
    }
    if (!items)
        return -ENOMEM;
    *ret = items;
    return 0;
}

/* The policy document (for what it allows) and a result to evaluate into. */
static int doc_and_result(const char *policy_json, json_t **doc, struct policy_result **pr,
                          char **ret_error)
{
    int r = policy_json_load(policy_json, strlen(policy_json), doc, ret_error);
    if (r < 0)
        return r;
    *pr = calloc(1, sizeof(**pr));
    return *pr ? 0 : -ENOMEM;
}

struct boot_ctx {
    const json_t *doc;
    const struct eventlog *log;
    const struct eventlog_facts *facts;
    TPM2_ALG_ID bank;
};

static json_t *make_boot(const struct policy_violation *v, void *userdata)
{
    const struct boot_ctx *c = userdata;
    return boot_item(v, c->doc, c->log, c->facts, c->bank);
}

int policy_diff_boot(const char *policy_json, const struct eventlog *log,
                     const struct eventlog_replay *replay, const struct eventlog_facts *facts,
                     const TPML_PCR_SELECTION *quoted, json_t **ret_items, char **ret_error)
{
    _cleanup_(policy_boot_freep) struct policy_boot *pb = NULL;
    _cleanup_json_ json_t *doc = NULL;
    _cleanup_free_ struct policy_result *pr = NULL;
    int r = policy_boot_parse(policy_json, strlen(policy_json), &pb, ret_error);
    if (r < 0 || (r = doc_and_result(policy_json, &doc, &pr, ret_error)) < 0)
        return r;
    uint32_t mask = quoted ? pcrsel_bank_mask(quoted, policy_boot_bank(pb)) : POLICY_ALL_PCRS;
    r = policy_boot_evaluate(pb, log, replay, facts, mask, pr);
    struct boot_ctx c = {doc, log, facts, policy_boot_bank(pb)};
    if (r == 0)
        r = items_of(pr, make_boot, &c, ret_items);
    policy_result_done(pr);
    return r;
}

struct ima_ctx {
    const json_t *doc;
};

static json_t *make_ima(const struct policy_violation *v, void *userdata)
{
    const struct ima_ctx *c = userdata;
    bool file = strcmp(v->check, "ima_path") == 0 || strcmp(v->check, "ima_digest") == 0;
    bool violation = strcmp(v->check, "ima_violation") == 0;
    _cleanup_free_ char *desc = NULL;
    if (asprintf(&desc, "IMA %s%s%s%s", violation ? "violation " : "", v->subject,
                 v->digest ? " " : "", v->digest ? v->digest : "") < 0)
        return NULL;
    json_t *allowed = file ? json_object_get(json_object_get(c->doc, "digests"), v->subject) : NULL;
    json_t *add = file && v->digest ? json_pack("{s:s, s:s, s:s}", "rule", "digests", "path",
                                                v->subject, "value", v->digest)
                                    : json_null();
    return json_pack("{s:s, s:s, s:s, s:s?, s:n, s:n, s:n, s:s, s:s, s:o, s:o}", "check", v->check,
                     "subject", v->subject, "reason", v->reason, "found", v->digest, "event", "pcr",
                     "type", "description", desc, "kind", "ima", "allowed",
                     allowed ? json_deep_copy(allowed) : json_array(), "add",
                     add ? add : json_null());
}

int policy_diff_ima(const char *policy_json, const struct ima_list *l, size_t offset,
                    uint32_t quoted_pcrs, json_t **ret_items, char **ret_error)
{
    _cleanup_(policy_ima_freep) struct policy_ima *pi = NULL;
    _cleanup_json_ json_t *doc = NULL;
    _cleanup_free_ struct policy_result *pr = NULL;
    int r = policy_ima_parse(policy_json, strlen(policy_json), &pi, ret_error);
    if (r < 0 || (r = doc_and_result(policy_json, &doc, &pr, ret_error)) < 0)
        return r;
    r = policy_ima_evaluate(pi, l, offset, 0, l->n_entries, quoted_pcrs, pr);
    struct ima_ctx c = {doc};
    if (r == 0)
        r = items_of(pr, make_ima, &c, ret_items);
    policy_result_done(pr);
    return r;
}

/* Append value to a once; 1 when added, 0 when there, -ENOMEM. */
static int append_once(json_t *a, json_t *value)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (json_equal(v, value))
            return 0;
    }
    return json_array_append(a, value) < 0 ? -ENOMEM : 1;
}

/* The array to add to: doc[rule], doc[rule][pcr] or doc[rule][path], created when missing. */
static json_t *target_array(json_t *doc, const char *rule, const char *key)
{
    json_t *t = json_object_get(doc, rule);
    if (key) {
        if (!t && (json_object_set_new(doc, rule, json_object()) < 0 ||
                   !(t = json_object_get(doc, rule))))
            return NULL;
        if (!json_is_object(t))
            return NULL;
        doc = t;
        rule = key;
        t = json_object_get(doc, rule);
    }
    if (!t &&
        (json_object_set_new(doc, rule, json_array()) < 0 || !(t = json_object_get(doc, rule))))
        return NULL;
    return json_is_array(t) ? t : NULL;
}

static int apply_one(json_t *doc, const json_t *add, size_t *added)
{
    const char *rule = json_string_value(json_object_get(add, "rule"));
    const char *key = json_string_value(json_object_get(add, "pcr"));
    if (!key)
        key = json_string_value(json_object_get(add, "path"));
    json_t *value = json_object_get(add, "value");
    if (!rule || !json_is_string(value))
        return -EINVAL;
    json_t *a = target_array(doc, rule, key);
    if (!a)
        return -EINVAL;
    int r = append_once(a, value);
    if (r > 0)
        (*added)++;
    return r < 0 ? r : 0;
}

int policy_diff_apply(json_t *policy, const json_t *items, size_t *ret_added, char **ret_error)
{
    size_t i, added = 0;
    json_t *it;
    if (!json_is_array(items))
        return policy_fail(ret_error, "the diff is not an array of items");
    json_array_foreach(items, i, it)
    {
        if (!json_is_object(json_object_get(it, "add")))
            return policy_fail(ret_error,
                               "item %zu (%s %s) cannot be approved by adding a value: %s", i,
                               json_string_value(json_object_get(it, "check")),
                               json_string_value(json_object_get(it, "subject")),
                               json_string_value(json_object_get(it, "reason")));
    }
    _cleanup_json_ json_t *copy = json_deep_copy(policy);
    if (!copy)
        return -ENOMEM;
    json_array_foreach(items, i, it)
    {
        int r = apply_one(copy, json_object_get(it, "add"), &added);
        if (r == -EINVAL)
            return policy_fail(ret_error, "item %zu: the policy has no array to add it to", i);
        if (r < 0)
            return r;
    }
    if (json_object_update(policy, copy) < 0)
        return -ENOMEM;
    *ret_added = added;
    return 0;
}

/* Members of array a that b lacks (copies). */
static json_t *array_minus(const json_t *a, const json_t *b)
{
    json_t *out = json_array();
    size_t i, k;
    json_t *v, *w;
    json_array_foreach(a, i, v)
    {
        bool found = false;
        json_array_foreach(b, k, w) found |= json_equal(v, w);
        if (!found && out && json_array_append(out, v) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static int diff_into(const json_t *old, const json_t *new_doc, json_t *added, json_t *removed,
                     json_t *changed);

static int diff_member(const char *key, json_t *o, json_t *n, json_t *added, json_t *removed,
                       json_t *changed)
{
    if (!o)
        return json_object_set(added, key, n);
    if (!n)
        return json_object_set(removed, key, o);
    if (json_equal(o, n))
        return 0;
    if (json_is_array(o) && json_is_array(n)) {
        json_t *plus = array_minus(n, o), *minus = array_minus(o, n);
        int r = plus && minus ? 0 : -1;
        if (r == 0 && json_array_size(plus))
            r = json_object_set(added, key, plus);
        if (r == 0 && json_array_size(minus))
            r = json_object_set(removed, key, minus);
        json_decref(plus);
        json_decref(minus);
        return r;
    }
    if (json_is_object(o) && json_is_object(n)) {
        json_t *a = json_object(), *rm = json_object(), *ch = json_object();
        int r = a && rm && ch ? diff_into(o, n, a, rm, ch) : -1;
        if (r == 0 && json_object_size(a))
            r = json_object_set(added, key, a);
        if (r == 0 && json_object_size(rm))
            r = json_object_set(removed, key, rm);
        if (r == 0 && json_object_size(ch))
            r = json_object_set(changed, key, ch);
        json_decref(a);
        json_decref(rm);
        json_decref(ch);
        return r;
    }
    return json_object_set_new(changed, key, json_pack("{s:O, s:O}", "from", o, "to", n));
}

static int diff_into(const json_t *old, const json_t *new_doc, json_t *added, json_t *removed,
                     json_t *changed)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)new_doc, key, v)
    {
        if (diff_member(key, json_object_get(old, key), v, added, removed, changed) < 0)
            return -1;
    }
    json_object_foreach((json_t *)old, key, v)
    {
        if (!json_object_get(new_doc, key) && json_object_set(removed, key, v) < 0)
            return -1;
    }
    return 0;
}

json_t *policy_diff_versions(const json_t *old, const json_t *new_doc)
{
    json_t *empty = json_object();
    json_t *out = json_pack("{s:o, s:o, s:o}", "added", json_object(), "removed", json_object(),
                            "changed", json_object());
    if (!empty || !out ||
        diff_into(old ? old : empty, new_doc, json_object_get(out, "added"),
                  json_object_get(out, "removed"), json_object_get(out, "changed")) < 0) {
        json_decref(empty);
        json_decref(out);
        return NULL;
    }
    json_decref(empty);
    return out;
}
