/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IMA runtime policy: {"digests": {path: [digest, ...]}, "excludes": [regex],
 * "allow_violations": bool}. A digest is lowercase hex, optionally prefixed
 * with its algorithm ("sha256:..."); a bare digest (Keylime) matches a
 * measured digest of the same length. Keylime's other sections are accepted
 * and ignored.
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "policy/policy-ima.h"
#include "policy/regex-cost.h"
#include "policy/policy-json.h"

#define MAX_EXCLUDES 1024
/*
 * What excludes may cost to compile (regex-cost.h), so that a policy (set by
 * an operator, compiled at every attestation) can exhaust neither the
 * verifier's memory nor its time: regcomp's closure computation grows faster
 * than the tree (fuzz-policy: "/tm" and fifteen '+' took 28 s under ASan).
 * One pattern at most 1024, a policy 65536 in all (a compile of at most
 * milliseconds per attestation). Real excludes ("/var/log/.*", Keylime's
 * lists) cost about their length.
 */
#define MAX_REGEX_COST_ONE 1024u
#define MAX_REGEX_COST     (1u << 16)

struct policy_ima {
    json_t *digests; /* path -> array of normalized digests */
    regex_t *excludes;
    size_t n_excludes;
    bool allow_violations;
};

static const char *const known_keys[] = {
    "digests",
    "excludes",
    "allow_violations",
    "comment",
    "violations",     /* informational: the violations of the list a policy was generated from */
    "boot_aggregate", /* informational: that list's entry 0 (the replay judges it) */
    /* Keylime runtime-policy sections we accept and do not use */
    "meta",
    "release",
    "keyrings",
    "ima",
    "ima-buf",
    "verification-keys",
};

void policy_ima_free(struct policy_ima *p)
{
    if (!p)
        return;
    json_decref(p->digests);
    for (size_t i = 0; i < p->n_excludes; i++)
        regfree(&p->excludes[i]);
    free(p->excludes);
    free(p);
}

/* "alg:hex" or "hex" -> normalized lowercase copy; NULL when malformed. */
static char *normalize_digest(const char *s)
{
    const char *colon = strchr(s, ':');
    const char *hex = colon ? colon + 1 : s;
    size_t n = strlen(hex);
    if (n == 0 || n % 2 || n > 2 * 64 || (colon && (colon == s || colon - s > 15)))
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)hex[i]))
            return NULL;
    char *out = strdup(s);
    if (out)
        for (char *c = out; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    return out;
}

static int load_digests(struct policy_ima *p, json_t *d, char **ret_error)
{
    const char *path;
    json_t *list;
    if (!json_is_object(d))
        return policy_fail(ret_error, "'digests' must map paths to arrays of digests");
    p->digests = json_object();
    if (!p->digests)
        return -ENOMEM;
    json_object_foreach(d, path, list)
    {
        size_t i;
        json_t *v;
        if (!json_is_array(list) || json_array_size(list) == 0)
            return policy_fail(ret_error, "'digests': '%s' needs a non-empty array", path);
        json_t *norm = json_array();
        if (!norm || json_object_set_new(p->digests, path, norm) < 0)
            return -ENOMEM;
        json_array_foreach(list, i, v)
        {
            _cleanup_free_ char *n =
                json_is_string(v) ? normalize_digest(json_string_value(v)) : NULL;
            if (!n)
                return policy_fail(ret_error, "'digests': '%s': bad digest", path);
            if (json_array_append_new(norm, json_string(n)) < 0)
                return -ENOMEM;
        }
    }
    return 0;
}

/* Keylime matches excludes from the start of the path (Python re.match). */
static int load_excludes(struct policy_ima *p, json_t *a, char **ret_error)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a) || json_array_size(a) > MAX_EXCLUDES)
        return policy_fail(ret_error, "'excludes' must be an array of at most %d regexes",
                           MAX_EXCLUDES);
    p->excludes = calloc(json_array_size(a) + 1, sizeof(regex_t));
    if (!p->excludes)
        return -ENOMEM;
    size_t budget = MAX_REGEX_COST;
    json_array_foreach(a, i, v)
    {
        const char *re = json_string_value(v);
        _cleanup_free_ char *anchored = NULL;
        if (!re || asprintf(&anchored, "^(%s)", re) < 0)
            return policy_fail(ret_error, "'excludes'[%zu] must be a string", i);
        size_t cost = regex_cost(re, MAX_REGEX_COST_ONE);
        if (cost == 0 || cost > MAX_REGEX_COST_ONE || cost > budget)
            return policy_fail(ret_error,
                               "'excludes'[%zu]: %s (repetitions multiply what the regex costs)",
                               i, cost == 0 ? "not a well-formed regex" : "too costly to compile");
        budget -= cost;
        if (regcomp(&p->excludes[p->n_excludes], anchored, REG_EXTENDED | REG_NOSUB) != 0)
            return policy_fail(ret_error, "'excludes'[%zu]: not a POSIX extended regex: %s", i, re);
        p->n_excludes++;
    }
    return 0;
}

static int validate(struct policy_ima *p, json_t *doc, char **ret_error)
{
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
            known |= strcmp(key, known_keys[i]) == 0;
        if (!known)
            return policy_fail(ret_error, "unknown member '%s'", key);
    }
    int k;
    if ((v = json_object_get(doc, "digests")) && (k = load_digests(p, v, ret_error)) < 0)
        return k;
    if ((v = json_object_get(doc, "excludes")) && (k = load_excludes(p, v, ret_error)) < 0)
        return k;
    if ((v = json_object_get(doc, "violations")) && !json_is_array(v))
        return policy_fail(ret_error, "'violations' must be an array (it is informational)");
    if ((v = json_object_get(doc, "boot_aggregate")) && !json_is_string(v))
        return policy_fail(ret_error, "'boot_aggregate' must be a digest (it is informational)");
    if ((v = json_object_get(doc, "allow_violations"))) {
        if (!json_is_boolean(v))
            return policy_fail(ret_error, "'allow_violations' must be true or false");
        p->allow_violations = json_is_true(v);
    }
    if ((!p->digests || json_object_size(p->digests) == 0) && p->n_excludes == 0)
        return policy_fail(ret_error,
                           "policy has no digest and no exclude (an empty policy never means "
                           "'accept all')");
    if (!p->digests && !(p->digests = json_object()))
        return -ENOMEM;
    return 0;
}

int policy_ima_parse(const char *json, size_t len, struct policy_ima **ret, char **ret_error)
{
    json_auto_t *doc = NULL;
    int k = policy_json_load(json, len, &doc, ret_error);
    if (k < 0)
        return k;
    _cleanup_(policy_ima_freep) struct policy_ima *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    k = validate(p, doc, ret_error);
    if (k < 0)
        return k;
    *ret = TAKE_PTR(p);
    return 0;
}

static bool excluded(const struct policy_ima *p, const char *path)
{
    for (size_t i = 0; i < p->n_excludes; i++)
        if (regexec(&p->excludes[i], path, 0, NULL, 0) == 0)
            return true;
    return false;
}

/* Does an allowed digest ("alg:hex" or bare "hex") match the measured one? */
static bool digest_allowed(json_t *list, const char *alg, const char *hex)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(v), *colon = strchr(s, ':');
        if (colon) {
            size_t alen = (size_t)(colon - s);
            if (strlen(alg) == alen && strncmp(s, alg, alen) == 0 && strcmp(colon + 1, hex) == 0)
                return true;
        } else if (strcmp(s, hex) == 0) {
            return true;
        }
    }
    return false;
}

static int eval_entry(const struct policy_ima *p, const struct ima_entry *e, size_t idx,
                      struct policy_result *res)
{
    char subject[64];
    _cleanup_free_ char *path = ima_entry_path(e);
    if (!path) {
        snprintf(subject, sizeof(subject), "entry %zu", idx);
        return policy_result_add(res, "ima_path", subject, NULL, "path is not a string");
    }
    if (e->violation) {
        if (p->allow_violations)
            return 0;
        return policy_result_add(res, "ima_violation", path, NULL,
                                 "IMA violation (file opened for write or changed while "
                                 "measured): its data is not bound");
    }
    if (excluded(p, path))
        return 0;
    _cleanup_free_ char *hex = hex_encode(e->digest, e->digest_len);
    if (!hex)
        return -ENOMEM;
    char full[16 + 2 * 64 + 2];
    snprintf(full, sizeof(full), "%s%s%.128s", e->digest_alg, e->digest_alg[0] ? ":" : "", hex);
    json_t *list = json_object_get(p->digests, path);
    if (!list)
        return policy_result_add(res, "ima_path", path, full, "path not in the policy");
    if (!digest_allowed(list, e->digest_alg[0] ? e->digest_alg : "sha1", hex))
        return policy_result_add(res, "ima_digest", path, full, "digest not allowed for this path");
    return 0;
}

static bool is_boot_aggregate(const struct ima_entry *e)
{
    return e->path && e->path_len == 14 && memcmp(e->path, "boot_aggregate", 14) == 0;
}

uint32_t policy_ima_pcrs(const struct policy_ima *p)
{
    return 1u << IMA_POLICY_PCR;
}

/*
 * The boot's first entry only: ima_check_boot_aggregate judges it against the
 * quote. Anywhere else (a delta starts at offset > 0) "boot_aggregate" is a
 * path like any other.
 */
static bool exempt(const struct ima_entry *e, size_t offset, size_t i)
{
    return offset == 0 && i == 0 && is_boot_aggregate(e);
}

/* An entry of a PCR the quote does not cover is bound by nothing. */
static int eval_unquoted(const struct ima_entry *e, size_t idx, struct policy_result *res)
{
    char subject[64];
    snprintf(subject, sizeof(subject), "entry %zu (PCR %u)", idx, e->pcr);
    return policy_result_add(res, "ima_pcr", subject, NULL,
                             "the entry's PCR is not in the quoted selection: not judged");
}

int policy_ima_evaluate(const struct policy_ima *p, const struct ima_list *l, size_t offset,
                        size_t first, size_t n, uint32_t quoted_pcrs, struct policy_result *res)
{
    if (first > l->n_entries || n > l->n_entries - first)
        return -EINVAL;
    for (size_t i = first; i < first + n; i++) {
        const struct ima_entry *e = &l->entries[i];
        if (exempt(e, offset, i))
            continue;
        res->checked++;
        bool quoted = e->pcr < 32 && (quoted_pcrs & (1u << e->pcr));
        int k = quoted ? eval_entry(p, e, offset + i, res) : eval_unquoted(e, offset + i, res);
        if (k < 0)
            return k;
    }
    return 0;
}
