/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IMA policy generation and its two serialisations (policy-ima-gen.h). The
 * Keylime form follows Keylime 7.14's runtime-policy schema
 * (keylime/ima/ima.py, RUNTIME_POLICY_SCHEMA): meta {version, generator},
 * release, digests, excludes, keyrings, ima {ignored_keyrings, log_hash_alg,
 * dm_policy}, ima-buf, verification-keys; digests ^[0-9a-f]{40,128}$.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "policy/policy-ima-gen.h"
#include "policy/policy-json.h"

/* Keylime's RUNTIME_POLICY_CURRENT_VERSION, and RUNTIME_POLICY_GENERATOR.Unknown (not its tool). */
#define KEYLIME_POLICY_VERSION  1
#define KEYLIME_GENERATOR_OTHER 0
#define KEYLIME_DIGEST_MIN_HEX  40
#define KEYLIME_DIGEST_MAX_HEX  128

int policy_ima_format_from_name(const char *name, enum policy_ima_format *ret)
{
    if (strcmp(name, "attest") == 0)
        *ret = POLICY_IMA_FORMAT_ATTEST;
    else if (strcmp(name, "keylime") == 0)
        *ret = POLICY_IMA_FORMAT_KEYLIME;
    else
        return -EINVAL;
    return 0;
}

/* Add digest to the path's list in section, once. */
static int add_digest(json_t *section, const char *path, const char *digest)
{
    json_t *list = json_object_get(section, path);
    if (!list) {
        list = json_array();
        if (!list || json_object_set_new(section, path, list) < 0)
            return -ENOMEM;
    }
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(v), digest) == 0)
            return 0;
    }
    return json_array_append_new(list, json_string(digest)) < 0 ? -ENOMEM : 0;
}

static bool is_first_boot_aggregate(const struct ima_entry *e, size_t i)
{
    return i == 0 && e->path && e->path_len == 14 && memcmp(e->path, "boot_aggregate", 14) == 0;
}

/* JSON holds UTF-8 only: a path that is not is no key of a policy (json_string refuses it). */
static bool json_representable(const char *path)
{
    json_t *probe = json_string(path);
    json_decref(probe);
    return probe != NULL;
}

static int add_violation(json_t *violations, const struct ima_entry *e, size_t i)
{
    _cleanup_free_ char *path = ima_entry_path(e);
    if (path && !json_representable(path))
        free(TAKE_PTR(path));
    json_t *v = json_pack("{s:I,s:s?}", "entry", (json_int_t)i, "path", path);
    return !v || json_array_append_new(violations, v) < 0 ? -ENOMEM : 0;
}

/* "alg:hex", or bare hex for the old "ima" template; NULL when out of memory. */
static char *entry_digest(const struct ima_entry *e)
{
    _cleanup_free_ char *hex = hex_encode(e->digest, e->digest_len);
    char *d = NULL;
    if (!hex || asprintf(&d, "%s%s%s", e->digest_alg, e->digest_alg[0] ? ":" : "", hex) < 0)
        return NULL;
    return d;
}

static int add_entry(json_t *digests, json_t *bufs, const struct ima_entry *e)
{
    _cleanup_free_ char *path = ima_entry_path(e);
    if (!path || !json_representable(path))
        return 0; /* a NUL in it, or not UTF-8: no policy can name it, the engine reports it */
    _cleanup_free_ char *d = entry_digest(e);
    if (!d)
        return -ENOMEM;
    int k = add_digest(digests, path, d);
    if (k == 0 && strcmp(e->template_name, "ima-buf") == 0)
        k = add_digest(bufs, path, d);
    return k;
}

json_t *policy_ima_generate(const struct ima_list *l)
{
    json_auto_t *digests = json_object(), *bufs = json_object(), *violations = json_array();
    if (!digests || !bufs || !violations)
        return NULL;
    for (size_t i = 0; i < l->n_entries; i++) {
        const struct ima_entry *e = &l->entries[i];
        int k = 0;
        if (e->violation)
            k = add_violation(violations, e, i);
        else if (!is_first_boot_aggregate(e, i) && e->digest && e->digest_len > 0 &&
                 e->digest_len <= 64)
            k = add_entry(digests, bufs, e);
        if (k < 0)
            return NULL;
    }
    json_t *doc = json_pack("{s:O,s:[],s:b,s:O}", "digests", digests, "excludes",
                            "allow_violations", 0, "violations", violations);
    if (doc && json_object_size(bufs) && json_object_set(doc, "ima-buf", bufs) < 0)
        json_decref(TAKE_PTR(doc));
    if (doc && l->n_entries && is_first_boot_aggregate(&l->entries[0], 0) && l->entries[0].digest &&
        l->entries[0].digest_len) {
        _cleanup_free_ char *ba = entry_digest(&l->entries[0]);
        if (!ba || json_object_set_new(doc, "boot_aggregate", json_string(ba)) < 0)
            json_decref(TAKE_PTR(doc));
    }
    return doc;
}

/* "alg:hex" or "hex" -> the bare hex Keylime compares, checked against its pattern. */
static const char *keylime_hex(const char *digest)
{
    const char *colon = strrchr(digest, ':');
    const char *hex = colon ? colon + 1 : digest;
    size_t n = strlen(hex);
    if (n < KEYLIME_DIGEST_MIN_HEX || n > KEYLIME_DIGEST_MAX_HEX ||
        strspn(hex, "0123456789abcdef") != n)
        return NULL;
    return hex;
}

/* {path: ["alg:hex", ...]} -> {path: ["hex", ...]} (an hex shared by two algorithms once). */
static int keylime_digests(const json_t *in, json_t **ret, char **ret_error)
{
    json_auto_t *out = json_object();
    const char *path;
    json_t *list;
    if (!out)
        return -ENOMEM;
    if (in && !json_is_object(in))
        return policy_fail(ret_error, "digests must map paths to arrays");
    json_object_foreach((json_t *)in, path, list)
    {
        size_t i;
        json_t *v;
        if (!json_is_array(list))
            return policy_fail(ret_error, "'%s': digests must be an array", path);
        json_array_foreach(list, i, v)
        {
            const char *hex = json_is_string(v) ? keylime_hex(json_string_value(v)) : NULL;
            if (!hex)
                return policy_fail(ret_error,
                                   "'%s': digest '%s' is not 40 to 128 lowercase hex digits, "
                                   "as Keylime requires",
                                   path, json_is_string(v) ? json_string_value(v) : "?");
            if (add_digest(out, path, hex) < 0)
                return -ENOMEM;
        }
    }
    *ret = TAKE_PTR(out);
    return 0;
}

static int render_keylime(const json_t *policy, json_t **ret, char **ret_error)
{
    json_auto_t *digests = NULL, *bufs = NULL, *excludes = NULL;
    const json_t *ex = json_object_get(policy, "excludes");
    const json_t *violations = json_object_get(policy, "violations");
    int k;
    if ((k = keylime_digests(json_object_get(policy, "digests"), &digests, ret_error)) < 0 ||
        (k = keylime_digests(json_object_get(policy, "ima-buf"), &bufs, ret_error)) < 0)
        return k;
    /*
     * Keylime judges the boot_aggregate entry by digests["boot_aggregate"]
     * unless its measured-boot policy computes it; ours by the replay.
     */
    const json_t *ba = json_object_get(policy, "boot_aggregate");
    if (ba) {
        const char *hex = json_is_string(ba) ? keylime_hex(json_string_value(ba)) : NULL;
        if (!hex)
            return policy_fail(ret_error, "boot_aggregate is not 40 to 128 lowercase hex digits, "
                                          "as Keylime requires");
        if (add_digest(digests, "boot_aggregate", hex) < 0)
            return -ENOMEM;
    }
    if (ex && !json_is_array(ex))
        return policy_fail(ret_error, "'excludes' must be an array");
    if (!(excludes = ex ? json_incref((json_t *)ex) : json_array()))
        return -ENOMEM;
    /*
     * Keylime judges an ima-buf entry by "keyrings" when its buffer is a key
     * and by "ima-buf" otherwise; the buffer is not in the policy, so both.
     */
    json_t *doc = json_pack("{s:{s:i,s:i},s:i,s:O,s:O,s:O,s:{s:[],s:s,s:n},s:O,s:s}", "meta",
                            "version", KEYLIME_POLICY_VERSION, "generator", KEYLIME_GENERATOR_OTHER,
                            "release", 0, "digests", digests, "excludes", excludes, "keyrings",
                            bufs, "ima", "ignored_keyrings", "log_hash_alg", "sha1", "dm_policy",
                            "ima-buf", bufs, "verification-keys", "");
    if (!doc)
        return -ENOMEM;
    /* Ours, which Keylime's schema lets through and ignores: the engine reads them back. */
    if ((violations && json_object_set(doc, "violations", (json_t *)violations) < 0) ||
        (json_is_true(json_object_get(policy, "allow_violations")) &&
         json_object_set_new(doc, "allow_violations", json_true()) < 0)) {
        json_decref(doc);
        return -ENOMEM;
    }
    *ret = doc;
    return 0;
}

int policy_ima_render(const json_t *policy, enum policy_ima_format fmt, char **ret,
                      char **ret_error)
{
    json_auto_t *doc = NULL;
    if (ret_error)
        *ret_error = NULL;
    if (!json_is_object(policy))
        return policy_fail(ret_error, "the policy is not a JSON object");
    if (fmt == POLICY_IMA_FORMAT_KEYLIME) {
        int k = render_keylime(policy, &doc, ret_error);
        if (k < 0)
            return k;
    } else {
        doc = json_incref((json_t *)policy);
    }
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!text)
        return -ENOMEM;
    *ret = text;
    return 0;
}
