/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Measured-boot policy. The document is kept as a validated jansson tree:
 * every digest is lowercase hex of the policy bank's size, so evaluation only
 * compares strings.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "common/tpm-alg.h"
#include "policy/policy-boot.h"
#include "policy/policy-json.h"

struct policy_boot {
    json_t *doc;
    TPM2_ALG_ID bank;
    size_t size;
    uint32_t firmware_pcrs;
};

static const char *const digest_lists[] = {"pk", "kek", "db", "dbx", "boot_apps"};
static const char *const known_keys[] = {
    "version", "bank", "firmware_pcrs", "pcrs",     "secure_boot",   "pk",         "kek",
    "db",      "dbx",  "boot_apps",     "cmdlines", "event_digests", "separators", "comment",
};

void policy_boot_free(struct policy_boot *p)
{
    if (!p)
        return;
    json_decref(p->doc);
    free(p);
}

uint32_t policy_boot_firmware_pcrs(const struct policy_boot *p)
{
    return p->firmware_pcrs;
}

/* A non-empty array of hex digests of the bank's size; lowercased in place. */
static int check_digest_array(json_t *a, size_t size)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a) || json_array_size(a) == 0)
        return -EINVAL;
    json_array_foreach(a, i, v)
    {
        const char *s = json_string_value(v);
        if (!s || strlen(s) != 2 * size)
            return -EINVAL;
        char low[2 * EVENTLOG_MAX_DIGEST + 1];
        for (size_t k = 0; k <= 2 * size; k++) {
            if (k < 2 * size && !isxdigit((unsigned char)s[k]))
                return -EINVAL;
            low[k] = (char)tolower((unsigned char)s[k]);
        }
        if (json_array_set_new(a, i, json_string(low)) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int parse_pcr_key(const char *key, unsigned *ret)
{
    char *end;
    if (*key < '0' || *key > '9')
        return -EINVAL;
    unsigned long v = strtoul(key, &end, 10);
    if (*end || v >= EVENTLOG_NUM_PCRS)
        return -EINVAL;
    *ret = (unsigned)v;
    return 0;
}

/* {"PCR": [digest, ...]} */
static int check_pcr_map(json_t *m, size_t size)
{
    const char *key;
    json_t *v;
    unsigned p;
    if (!json_is_object(m) || json_object_size(m) == 0)
        return -EINVAL;
    json_object_foreach(m, key, v)
    {
        if (parse_pcr_key(key, &p) < 0 || check_digest_array(v, size) < 0)
            return -EINVAL;
    }
    return 0;
}

static int check_firmware_pcrs(json_t *a, uint32_t *mask)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a))
        return -EINVAL;
    json_array_foreach(a, i, v)
    {
        json_int_t p = json_integer_value(v);
        if (!json_is_integer(v) || p < 0 || p >= EVENTLOG_NUM_PCRS)
            return -EINVAL;
        *mask |= 1u << p;
    }
    return 0;
}

static int check_strings(json_t *a)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a) || json_array_size(a) == 0)
        return -EINVAL;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            return -EINVAL;
    }
    return 0;
}

static bool known_key(const char *key)
{
    for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
        if (strcmp(key, known_keys[i]) == 0)
            return true;
    return false;
}

static int validate(struct policy_boot *p, char **ret_error)
{
    json_t *doc = p->doc, *v;
    const char *key;
    unsigned rules = 0;

    json_object_foreach(doc, key, v)
    {
        if (!known_key(key))
            return policy_fail(ret_error, "unknown member '%s'", key);
    }
    v = json_object_get(doc, "version");
    if (v && json_integer_value(v) != 1)
        return policy_fail(ret_error, "'version' must be 1");
    v = json_object_get(doc, "bank");
    p->bank = TPM2_ALG_SHA256;
    if (v) {
        p->bank = json_is_string(v) ? tpm_alg_hash_from_name(json_string_value(v)) : 0;
        if (p->bank == TPM2_ALG_ERROR || p->bank == 0)
            return policy_fail(ret_error, "'bank' must name a hash (sha1, sha256, ...)");
    }
    p->size = tpm_alg_digest_size(p->bank);
    p->firmware_pcrs = EVENTLOG_FIRMWARE_PCRS;
    if ((v = json_object_get(doc, "firmware_pcrs")) &&
        check_firmware_pcrs(v, &p->firmware_pcrs) < 0)
        return policy_fail(ret_error, "'firmware_pcrs' must be an array of PCR numbers 0-23");
    if ((v = json_object_get(doc, "pcrs"))) {
        if (check_pcr_map(v, p->size) < 0)
            return policy_fail(ret_error,
                               "'pcrs' must map PCR numbers to non-empty arrays of %zu-byte "
                               "hex digests",
                               p->size);
        rules++;
    }
    if ((v = json_object_get(doc, "event_digests"))) {
        if (check_pcr_map(v, p->size) < 0)
            return policy_fail(ret_error,
                               "'event_digests' must map PCR numbers to non-empty arrays of "
                               "%zu-byte hex digests",
                               p->size);
        rules++;
    }
    for (size_t i = 0; i < sizeof(digest_lists) / sizeof(digest_lists[0]); i++)
        if ((v = json_object_get(doc, digest_lists[i]))) {
            if (check_digest_array(v, p->size) < 0)
                return policy_fail(ret_error,
                                   "'%s' must be a non-empty array of %zu-byte hex digests",
                                   digest_lists[i], p->size);
            rules++;
        }
    if ((v = json_object_get(doc, "secure_boot"))) {
        if (!json_is_boolean(v))
            return policy_fail(ret_error, "'secure_boot' must be true or false");
        rules++;
    }
    if ((v = json_object_get(doc, "separators"))) {
        if (!json_is_true(v))
            return policy_fail(ret_error, "'separators' can only be true");
        rules++;
    }
    if ((v = json_object_get(doc, "cmdlines"))) {
        if (check_strings(v) < 0)
            return policy_fail(ret_error, "'cmdlines' must be a non-empty array of strings");
        rules++;
    }
    if (rules == 0)
        return policy_fail(ret_error,
                           "policy has no rule (an empty policy never means 'accept all')");
    return 0;
}

int policy_boot_parse(const char *json, size_t len, struct policy_boot **ret, char **ret_error)
{
    _cleanup_(policy_boot_freep) struct policy_boot *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    int k = policy_json_load(json, len, &p->doc, ret_error);
    if (k < 0)
        return k;
    k = validate(p, ret_error);
    if (k < 0)
        return k;
    *ret = TAKE_PTR(p);
    return 0;
}

static bool in_list(json_t *a, const char *hex)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (strcmp(json_string_value(v), hex) == 0)
            return true;
    }
    return false;
}

/* "sha256:hex" of a digest, into buf. */
static void fmt_digest(char *buf, size_t n, TPM2_ALG_ID alg, const uint8_t *d, size_t size)
{
    int o = snprintf(buf, n, "%s:", tpm_alg_hash_name(alg));
    for (size_t i = 0; i < size && o > 0 && (size_t)o + 2 < n; i++)
        o += snprintf(buf + o, n - (size_t)o, "%02x", d[i]);
}

/* Check one digest against an allowlist; adds a violation when it is not listed. */
static int check_digest(const struct policy_boot *p, json_t *list, const char *check,
                        const char *subject, const struct eventlog_digest *d,
                        struct policy_result *res)
{
    res->checked++;
    if (!d)
        return policy_result_add(res, check, subject, NULL, "no digest in the policy's bank");
    char full[16 + 2 * EVENTLOG_MAX_DIGEST];
    fmt_digest(full, sizeof(full), p->bank, d->bytes, d->size);
    if (in_list(list, strchr(full, ':') + 1))
        return 0;
    return policy_result_add(res, check, subject, full, "digest not allowed by the policy");
}

static int eval_pcrs(const struct policy_boot *p, const struct eventlog_replay *replay,
                     struct policy_result *res)
{
    json_t *m = json_object_get(p->doc, "pcrs"), *list;
    const char *key;
    const struct eventlog_bank *b = eventlog_replay_bank(replay, p->bank);
    char subject[32];
    if (!m)
        return 0;
    json_object_foreach(m, key, list)
    {
        unsigned pcr = 0;
        (void)parse_pcr_key(key, &pcr); /* validated at parse time */
        snprintf(subject, sizeof(subject), "%s:%u", tpm_alg_hash_name(p->bank), pcr);
        res->checked++;
        int k = 0;
        if (!b)
            k = policy_result_add(res, "pcr", subject, NULL, "the log has no such bank");
        else if (b->incomplete & (1u << pcr))
            k = policy_result_add(res, "pcr", subject, NULL,
                                  "an event of this PCR lacks the bank's digest");
        else {
            char full[16 + 2 * EVENTLOG_MAX_DIGEST];
            fmt_digest(full, sizeof(full), p->bank, b->pcr[pcr], b->size);
            if (!in_list(list, strchr(full, ':') + 1))
                k = policy_result_add(res, "pcr", subject, full, "PCR value not allowed");
        }
        if (k < 0)
            return k;
    }
    return 0;
}

static int eval_variable(const struct policy_boot *p, const struct eventlog *log, const char *name,
                         long index, struct policy_result *res)
{
    json_t *list = json_object_get(p->doc, name);
    if (!list)
        return 0;
    if (index < 0) {
        res->checked++;
        return policy_result_add(res, name, name, NULL,
                                 "variable not measured (or its event data is not bound)");
    }
    const struct eventlog_event *ev = &log->events[index];
    return check_digest(p, list, name, name, eventlog_event_digest(ev, p->bank), res);
}

/*
 * Boot applications are judged by digest, and the event type is not bound by
 * any digest: so every event of PCR 4 (where boot applications are measured)
 * must have an allowed digest, except events whose content is bound and is
 * what their type says (the separator, EV_EFI_ACTION texts): retyping an
 * application to hide it from this rule cannot make its data hash to its
 * Authenticode digest. Applications measured elsewhere (by type) count too.
 */
static bool pcr4_event_exempt(const struct eventlog_event *ev)
{
    return (ev->type == EV_SEPARATOR || ev->type == EV_EFI_ACTION || ev->type == EV_ACTION) &&
           eventlog_event_data_bound(ev) == EVENTLOG_BOUND;
}

static int eval_apps(const struct policy_boot *p, const struct eventlog *log,
                     struct policy_result *res)
{
    json_t *list = json_object_get(p->doc, "boot_apps");
    char subject[48];
    if (!list)
        return 0;
    for (size_t i = 0; i < log->n_events; i++) {
        const struct eventlog_event *ev = &log->events[i];
        bool app = ev->type == EV_EFI_BOOT_SERVICES_APPLICATION;
        if (ev->type == EV_NO_ACTION || (ev->pcr != 4 && !app) ||
            (ev->pcr == 4 && !app && pcr4_event_exempt(ev)))
            continue;
        snprintf(subject, sizeof(subject), "event %zu (PCR %u)", i, ev->pcr);
        int k = check_digest(p, list, "boot_app", subject, eventlog_event_digest(ev, p->bank), res);
        if (k < 0)
            return k;
    }
    return 0;
}

static int eval_cmdlines(const struct policy_boot *p, const struct eventlog_facts *f,
                         struct policy_result *res)
{
    json_t *list = json_object_get(p->doc, "cmdlines"), *v;
    if (!list)
        return 0;
    res->checked++;
    if (f->n_cmdlines == 0)
        return policy_result_add(res, "cmdline", "", NULL,
                                 "no kernel command line bound in the log (judge PCR 8/9 by "
                                 "digest instead)");
    for (uint32_t i = 0; i < f->n_cmdlines; i++) {
        bool ok = false;
        size_t k;
        json_array_foreach(list, k, v)
        {
            ok |= strcmp(json_string_value(v), f->cmdlines[i]) == 0;
        }
        if (!ok) {
            char subject[48];
            snprintf(subject, sizeof(subject), "event %zu", f->cmdline_events[i]);
            int r = policy_result_add(res, "cmdline", subject, NULL,
                                      "kernel command line not allowed by the policy");
            if (r < 0)
                return r;
        }
    }
    return 0;
}

static int eval_event_digests(const struct policy_boot *p, const struct eventlog *log,
                              struct policy_result *res)
{
    json_t *m = json_object_get(p->doc, "event_digests"), *list;
    const char *key;
    char subject[48];
    if (!m)
        return 0;
    json_object_foreach(m, key, list)
    {
        unsigned pcr = 0, seen = 0;
        (void)parse_pcr_key(key, &pcr); /* validated at parse time */
        for (size_t i = 0; i < log->n_events; i++) {
            const struct eventlog_event *ev = &log->events[i];
            if (ev->pcr != pcr || ev->type == EV_NO_ACTION)
                continue;
            seen++;
            snprintf(subject, sizeof(subject), "event %zu (PCR %u)", i, pcr);
            int k = check_digest(p, list, "event_digest", subject,
                                 eventlog_event_digest(ev, p->bank), res);
            if (k < 0)
                return k;
        }
        if (seen == 0) {
            snprintf(subject, sizeof(subject), "PCR %u", pcr);
            int k = policy_result_add(res, "event_digest", subject, NULL,
                                      "the policy lists digests but the log has no event");
            if (k < 0)
                return k;
        }
    }
    return 0;
}

static int eval_facts(const struct policy_boot *p, const struct eventlog_facts *f,
                      struct policy_result *res)
{
    json_t *v = json_object_get(p->doc, "secure_boot");
    int k = 0;
    if (v) {
        res->checked++;
        enum eventlog_tristate want = json_is_true(v) ? EVENTLOG_ON : EVENTLOG_OFF;
        if (f->secure_boot == EVENTLOG_UNKNOWN)
            k = policy_result_add(res, "secure_boot", "SecureBoot", NULL,
                                  "Secure Boot state not measured (or not bound)");
        else if (f->secure_boot != want)
            k = policy_result_add(res, "secure_boot", "SecureBoot", NULL,
                                  want == EVENTLOG_ON ? "Secure Boot is off" : "Secure Boot is on");
    }
    if (k == 0 && json_is_true(json_object_get(p->doc, "separators"))) {
        res->checked++;
        if ((f->separators & 0xFF) != 0xFF)
            k = policy_result_add(res, "separators", "PCR 0-7", NULL,
                                  "an EV_SEPARATOR is missing in PCRs 0-7");
    }
    return k;
}

int policy_boot_evaluate(const struct policy_boot *p, const struct eventlog *log,
                         const struct eventlog_replay *replay, const struct eventlog_facts *facts,
                         struct policy_result *res)
{
    int k;
    if ((k = eval_pcrs(p, replay, res)) < 0 || (k = eval_facts(p, facts, res)) < 0 ||
        (k = eval_variable(p, log, "pk", facts->pk, res)) < 0 ||
        (k = eval_variable(p, log, "kek", facts->kek, res)) < 0 ||
        (k = eval_variable(p, log, "db", facts->db, res)) < 0 ||
        (k = eval_variable(p, log, "dbx", facts->dbx, res)) < 0 ||
        (k = eval_apps(p, log, res)) < 0 || (k = eval_cmdlines(p, facts, res)) < 0 ||
        (k = eval_event_digests(p, log, res)) < 0)
        return k;
    return 0;
}
