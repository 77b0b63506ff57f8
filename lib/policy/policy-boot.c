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
    uint32_t named_firmware; /* the PCRs "firmware_pcrs" names */
    uint32_t pcrs;           /* every PCR a rule reads (policy_boot_pcrs) */
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

uint32_t policy_boot_pcrs(const struct policy_boot *p)
{
    return p->pcrs;
}

TPM2_ALG_ID policy_boot_bank(const struct policy_boot *p)
{
    return p->bank;
}

/* The PCRs a rule reads besides its own keys (pcrs, event_digests, firmware_pcrs). */
#define PCR_BIT(n)     (1u << (n))
#define SEPARATOR_PCRS 0x000000FFu /* the "separators" rule: PCRs 0-7 */
static const struct {
    const char *rule;
    uint32_t pcrs;
} rule_pcrs[] = {
    {"secure_boot", PCR_BIT(7)}, {"pk", PCR_BIT(7)},
    {"kek", PCR_BIT(7)},         {"db", PCR_BIT(7)},
    {"dbx", PCR_BIT(7)},         {"boot_apps", PCR_BIT(4)},
    {"cmdlines", PCR_BIT(8)},    {"separators", SEPARATOR_PCRS},
};

static uint32_t rule_pcr_mask(const char *rule)
{
    for (size_t i = 0; i < sizeof(rule_pcrs) / sizeof(rule_pcrs[0]); i++)
        if (strcmp(rule, rule_pcrs[i].rule) == 0)
            return rule_pcrs[i].pcrs;
    return 0;
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

/* {"PCR": [digest, ...]}; adds its PCRs to *mask. */
static int check_pcr_map(json_t *m, size_t size, uint32_t *mask)
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
        *mask |= 1u << p;
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
        p->pcrs |= rule_pcr_mask(key);
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
    /* The default 0-7 is no rule of the policy's: only what it names is. */
    if ((v = json_object_get(doc, "firmware_pcrs")) &&
        check_firmware_pcrs(v, &p->named_firmware) < 0)
        return policy_fail(ret_error, "'firmware_pcrs' must be an array of PCR numbers 0-23");
    p->firmware_pcrs |= p->named_firmware;
    p->pcrs |= p->named_firmware;
    if ((v = json_object_get(doc, "pcrs"))) {
        if (check_pcr_map(v, p->size, &p->pcrs) < 0)
            return policy_fail(ret_error,
                               "'pcrs' must map PCR numbers to non-empty arrays of %zu-byte "
                               "hex digests",
                               p->size);
        rules++;
    }
    if ((v = json_object_get(doc, "event_digests"))) {
        if (check_pcr_map(v, p->size, &p->pcrs) < 0)
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
                        const char *subject, long event, const struct eventlog_digest *d,
                        struct policy_result *res)
{
    res->checked++;
    if (!d)
        return policy_result_add_event(res, event, check, subject, NULL,
                                       "no digest in the policy's bank");
    char full[16 + 2 * EVENTLOG_MAX_DIGEST];
    fmt_digest(full, sizeof(full), p->bank, d->bytes, d->size);
    if (in_list(list, strchr(full, ':') + 1))
        return 0;
    return policy_result_add_event(res, event, check, subject, full,
                                   "digest not allowed by the policy");
}

/* One evaluation: the policy, what it reads, and where violations go. */
struct eval {
    const struct policy_boot *p;
    const struct eventlog *log;
    const struct eventlog_replay *replay;
    const struct eventlog_facts *facts;
    uint32_t quoted; /* PCRs of the policy's bank the quote covers */
    struct policy_result *res;
};

/* "11, 12" for the PCRs of mask, into buf. */
static void fmt_pcr_list(char *buf, size_t n, uint32_t mask)
{
    size_t o = 0;
    buf[0] = 0;
    for (unsigned pcr = 0; pcr < EVENTLOG_NUM_PCRS && o < n; pcr++)
        if (mask & (1u << pcr)) {
            int w = snprintf(buf + o, n - o, "%s%u", o ? ", " : "", pcr);
            if (w < 0)
                return;
            o += (size_t)w;
        }
}

/*
 * A rule reads only PCRs the quote covers: the log's content of any other PCR
 * is bound by nothing, so such a rule fails, naming the PCRs. *ok tells
 * whether the rule may be judged.
 */
static int rule_quoted(const struct eval *e, const char *check, uint32_t need, bool *ok)
{
    uint32_t missing = need & ~e->quoted;
    char subject[32], pcrs[96], reason[192];
    *ok = missing == 0;
    if (*ok)
        return 0;
    e->res->checked++;
    snprintf(subject, sizeof(subject), "%s:%u", tpm_alg_hash_name(e->p->bank),
             (unsigned)__builtin_ctz(missing));
    fmt_pcr_list(pcrs, sizeof(pcrs), missing);
    snprintf(reason, sizeof(reason), "PCR %s of bank %s not in the quoted selection: not judged",
             pcrs, tpm_alg_hash_name(e->p->bank));
    return policy_result_add(e->res, check, subject, NULL, reason);
}

/* One PCR of the "pcrs" rule: its replayed value, when the quote holds that value. */
static int eval_pcr(const struct eval *e, unsigned pcr, json_t *list)
{
    const struct eventlog_bank *b = eventlog_replay_bank(e->replay, e->p->bank);
    uint32_t bit = 1u << pcr;
    char subject[32], full[16 + 2 * EVENTLOG_MAX_DIGEST];
    bool ok;
    int k = rule_quoted(e, "pcr", bit, &ok);
    if (k < 0 || !ok)
        return k;
    snprintf(subject, sizeof(subject), "%s:%u", tpm_alg_hash_name(e->p->bank), pcr);
    e->res->checked++;
    if (!b)
        return policy_result_add(e->res, "pcr", subject, NULL, "the log has no such bank");
    if (b->incomplete & bit)
        return policy_result_add(e->res, "pcr", subject, NULL,
                                 "an event of this PCR lacks the bank's digest");
    /* Neither extended by the log nor firmware-owned: the quote comparison did not
     * tie its quoted value to the replay. */
    if (!(b->extended & bit) && !(e->p->firmware_pcrs & bit))
        return policy_result_add(e->res, "pcr", subject, NULL,
                                 "the log does not extend this PCR: its value is not replayed");
    fmt_digest(full, sizeof(full), e->p->bank, b->pcr[pcr], b->size);
    if (!in_list(list, strchr(full, ':') + 1))
        return policy_result_add(e->res, "pcr", subject, full, "PCR value not allowed");
    return 0;
}

static int eval_pcrs(const struct eval *e)
{
    json_t *m = json_object_get(e->p->doc, "pcrs"), *list;
    const char *key;
    if (!m)
        return 0;
    json_object_foreach(m, key, list)
    {
        unsigned pcr = 0;
        (void)parse_pcr_key(key, &pcr); /* validated at parse time */
        int k = eval_pcr(e, pcr, list);
        if (k < 0)
            return k;
    }
    return 0;
}

static int eval_variable(const struct eval *e, enum eventlog_var var, const char *rule)
{
    json_t *list = json_object_get(e->p->doc, rule);
    const char *name = eventlog_var_name(var);
    long index = e->facts->var_event[var];
    bool ok;
    if (!list)
        return 0;
    int k = rule_quoted(e, rule, rule_pcr_mask(rule), &ok);
    if (k < 0 || !ok)
        return k;
    if (e->facts->var_conflict & (1u << var)) {
        e->res->checked++;
        return policy_result_add(e->res, rule, name, NULL,
                                 "measured again with other content, after PCR 7's separator "
                                 "or unbound: unknown");
    }
    if (index < 0) {
        e->res->checked++;
        return policy_result_add(e->res, rule, name, NULL,
                                 "variable not measured (or its event data is not bound)");
    }
    const struct eventlog_event *ev = &e->log->events[index];
    return check_digest(e->p, list, rule, name, index, eventlog_event_digest(ev, e->p->bank),
                        e->res);
}

/*
 * Boot applications are judged by digest, and the event type is not bound by
 * any digest: so every event of PCR 4 (where boot applications are measured)
 * must have an allowed digest, except events whose content is bound and is
 * what their type says (the separator, EV_EFI_ACTION texts): retyping an
 * application to hide it from this rule cannot make its data hash to its
 * Authenticode digest. Applications measured elsewhere (by type) count too.
 * The log is read, not the facts' capped list: every application is judged.
 */
static bool pcr4_event_exempt(const struct eventlog_event *ev)
{
    return (ev->type == EV_SEPARATOR || ev->type == EV_EFI_ACTION || ev->type == EV_ACTION) &&
           eventlog_event_data_bound(ev) == EVENTLOG_BOUND;
}

bool policy_boot_app_event(const struct eventlog_event *ev)
{
    bool app = ev->type == EV_EFI_BOOT_SERVICES_APPLICATION;
    return ev->type != EV_NO_ACTION && (ev->pcr == 4 || app) &&
           !(ev->pcr == 4 && !app && pcr4_event_exempt(ev));
}

static int eval_apps(const struct eval *e)
{
    json_t *list = json_object_get(e->p->doc, "boot_apps");
    char subject[48];
    bool ok;
    if (!list)
        return 0;
    int k = rule_quoted(e, "boot_app", rule_pcr_mask("boot_apps"), &ok);
    if (k < 0 || !ok)
        return k;
    for (size_t i = 0; i < e->log->n_events; i++) {
        const struct eventlog_event *ev = &e->log->events[i];
        if (!policy_boot_app_event(ev))
            continue;
        snprintf(subject, sizeof(subject), "event %zu (PCR %u)", i, ev->pcr);
        k = check_digest(e->p, list, "boot_app", subject, (long)i,
                         eventlog_event_digest(ev, e->p->bank), e->res);
        if (k < 0)
            return k;
    }
    return 0;
}

/* The command lines the facts could not list: the rule never passes on the others alone. */
static int cmdlines_incomplete(const struct eval *e)
{
    char reason[192];
    snprintf(reason, sizeof(reason),
             "%u PCR 8 events cannot be judged as command lines (text not bound, longer than "
             "%u bytes, a NUL inside, or beyond %u command lines)",
             e->facts->n_cmdlines_dropped, EVENTLOG_MAX_CMDLINE, EVENTLOG_MAX_CMDLINES);
    return policy_result_add(e->res, "cmdline", "PCR 8", NULL, reason);
}

static int eval_cmdlines(const struct eval *e)
{
    json_t *list = json_object_get(e->p->doc, "cmdlines");
    const struct eventlog_facts *f = e->facts;
    bool ok;
    if (!list)
        return 0;
    int k = rule_quoted(e, "cmdline", rule_pcr_mask("cmdlines"), &ok);
    if (k < 0 || !ok)
        return k;
    e->res->checked++;
    if (f->n_cmdlines_dropped > 0 && (k = cmdlines_incomplete(e)) < 0)
        return k;
    if (f->n_cmdlines == 0 && f->n_cmdlines_dropped == 0)
        return policy_result_add(e->res, "cmdline", "", NULL,
                                 "no kernel command line bound in the log (judge PCR 8/9 by "
                                 "digest instead)");
    for (uint32_t i = 0; i < f->n_cmdlines; i++) {
        if (in_list(list, f->cmdlines[i]))
            continue;
        char subject[48];
        snprintf(subject, sizeof(subject), "event %zu", f->cmdline_events[i]);
        k = policy_result_add_event(e->res, (long)f->cmdline_events[i], "cmdline", subject, NULL,
                                    "kernel command line not allowed by the policy");
        if (k < 0)
            return k;
    }
    return 0;
}

/* Every event of one PCR has a listed digest, and there is one. */
static int eval_event_digests_pcr(const struct eval *e, unsigned pcr, json_t *list)
{
    char subject[48];
    unsigned seen = 0;
    bool ok;
    int k = rule_quoted(e, "event_digest", 1u << pcr, &ok);
    if (k < 0 || !ok)
        return k;
    for (size_t i = 0; i < e->log->n_events; i++) {
        const struct eventlog_event *ev = &e->log->events[i];
        if (ev->pcr != pcr || ev->type == EV_NO_ACTION)
            continue;
        seen++;
        snprintf(subject, sizeof(subject), "event %zu (PCR %u)", i, pcr);
        k = check_digest(e->p, list, "event_digest", subject, (long)i,
                         eventlog_event_digest(ev, e->p->bank), e->res);
        if (k < 0)
            return k;
    }
    if (seen > 0)
        return 0;
    snprintf(subject, sizeof(subject), "PCR %u", pcr);
    return policy_result_add(e->res, "event_digest", subject, NULL,
                             "the policy lists digests but the log has no event");
}

static int eval_event_digests(const struct eval *e)
{
    json_t *m = json_object_get(e->p->doc, "event_digests"), *list;
    const char *key;
    if (!m)
        return 0;
    json_object_foreach(m, key, list)
    {
        unsigned pcr = 0;
        (void)parse_pcr_key(key, &pcr); /* validated at parse time */
        int k = eval_event_digests_pcr(e, pcr, list);
        if (k < 0)
            return k;
    }
    return 0;
}

static int eval_secure_boot(const struct eval *e)
{
    json_t *v = json_object_get(e->p->doc, "secure_boot");
    const struct eventlog_facts *f = e->facts;
    bool ok;
    if (!v)
        return 0;
    int k = rule_quoted(e, "secure_boot", rule_pcr_mask("secure_boot"), &ok);
    if (k < 0 || !ok)
        return k;
    e->res->checked++;
    enum eventlog_tristate want = json_is_true(v) ? EVENTLOG_ON : EVENTLOG_OFF;
    if (f->secure_boot_conflict)
        return policy_result_add(e->res, "secure_boot", "SecureBoot", NULL,
                                 "SecureBoot measured again with other content, after PCR 7's "
                                 "separator or unbound: unknown");
    if (f->secure_boot == EVENTLOG_UNKNOWN)
        return policy_result_add(e->res, "secure_boot", "SecureBoot", NULL,
                                 "Secure Boot state not measured (or not bound)");
    if (f->secure_boot != want)
        return policy_result_add(e->res, "secure_boot", "SecureBoot", NULL,
                                 want == EVENTLOG_ON ? "Secure Boot is off" : "Secure Boot is on");
    return 0;
}

/*
 * "firmware_pcrs" asks the quote comparison to hold a PCR at its initial
 * value; a PCR the quote does not cover was never compared.
 */
static int eval_firmware_pcrs(const struct eval *e)
{
    bool ok;
    return rule_quoted(e, "firmware_pcrs", e->p->named_firmware, &ok);
}

static int eval_separators(const struct eval *e)
{
    bool ok;
    if (!json_is_true(json_object_get(e->p->doc, "separators")))
        return 0;
    int k = rule_quoted(e, "separators", SEPARATOR_PCRS, &ok);
    if (k < 0 || !ok)
        return k;
    e->res->checked++;
    if ((e->facts->separators & SEPARATOR_PCRS) != SEPARATOR_PCRS)
        return policy_result_add(e->res, "separators", "PCR 0-7", NULL,
                                 "an EV_SEPARATOR is missing in PCRs 0-7");
    return 0;
}

int policy_boot_evaluate(const struct policy_boot *p, const struct eventlog *log,
                         const struct eventlog_replay *replay, const struct eventlog_facts *facts,
                         uint32_t quoted_pcrs, struct policy_result *res)
{
    const struct eval e = {p, log, replay, facts, quoted_pcrs, res};
    int k;
    if ((k = eval_pcrs(&e)) < 0 || (k = eval_firmware_pcrs(&e)) < 0 ||
        (k = eval_secure_boot(&e)) < 0 || (k = eval_separators(&e)) < 0 ||
        (k = eval_variable(&e, EVENTLOG_VAR_PK, "pk")) < 0 ||
        (k = eval_variable(&e, EVENTLOG_VAR_KEK, "kek")) < 0 ||
        (k = eval_variable(&e, EVENTLOG_VAR_DB, "db")) < 0 ||
        (k = eval_variable(&e, EVENTLOG_VAR_DBX, "dbx")) < 0 || (k = eval_apps(&e)) < 0 ||
        (k = eval_cmdlines(&e)) < 0 || (k = eval_event_digests(&e)) < 0)
        return k;
    return 0;
}
