/* SPDX-License-Identifier: Apache-2.0 */
/* Policies captured from a machine's evidence (policy-capture.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "common/tpm-alg.h"
#include "policy/policy-boot.h"
#include "policy/policy-capture.h"
#include "policy/policy-ima-gen.h"
#include "policy/policy-json.h"

/*
 * Files a running Debian system rewrites by design: their digest differs at
 * every measurement, so listing one would fail the next attestation and
 * approving it would teach the policy nothing. Anchored by the engine.
 */
const char *const policy_ima_default_excludes[] = {
    "/var/log/journal/.*",                       /* journald's files, appended to all the time */
    "/etc/\\.pwd\\.lock",                        /* systemd-sysusers' and shadow's lock file */
    "/etc/(passwd|group|shadow|gshadow)\\.lock", /* their per-file locks */
    "/var/lib/systemd/random-seed",              /* rewritten at every boot */
    "/var/lib/systemd/timers/.*",                /* timestamps of persistent timers */
    "/var/cache/ldconfig/aux-cache",             /* ldconfig's cache of file stamps */
    NULL,
};

/* Append hex to a JSON array once. */
static int add_unique(json_t *a, const char *hex)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (strcmp(json_string_value(v), hex) == 0)
            return 0;
    }
    return json_array_append_new(a, json_string(hex)) < 0 ? -ENOMEM : 0;
}

/* The event's digest in bank as lowercase hex; -ENODATA when it has none. */
static int event_hex(const struct eventlog_event *ev, TPM2_ALG_ID bank, char **ret)
{
    const struct eventlog_digest *d = eventlog_event_digest(ev, bank);
    if (!d)
        return -ENODATA;
    *ret = hex_encode(d->bytes, d->size);
    return *ret ? 0 : -ENOMEM;
}

static int add_event_digest(json_t *a, const struct eventlog_event *ev, TPM2_ALG_ID bank,
                            size_t index, char **ret_error)
{
    _cleanup_free_ char *hex = NULL;
    int r = event_hex(ev, bank, &hex);
    if (r == -ENODATA)
        return policy_fail(ret_error, "event %zu (PCR %u) has no %s digest", index, ev->pcr,
                           tpm_alg_hash_name(bank));
    return r < 0 ? r : add_unique(a, hex);
}

/* Set doc[key] = a when a has members (a is consumed). */
static int set_nonempty(json_t *doc, const char *key, json_t *a)
{
    if (!a)
        return -ENOMEM;
    if (json_array_size(a) == 0) {
        json_decref(a);
        return 0;
    }
    return json_object_set_new(doc, key, a) < 0 ? -ENOMEM : 0;
}

static const char *const var_rules[] = {[EVENTLOG_VAR_PK] = "pk",
                                        [EVENTLOG_VAR_KEK] = "kek",
                                        [EVENTLOG_VAR_DB] = "db",
                                        [EVENTLOG_VAR_DBX] = "dbx"};

/* PCR 7: the Secure Boot state and the key databases, as the firmware measured them. */
static int capture_secure_boot(json_t *doc, const struct eventlog *log,
                               const struct eventlog_facts *f, TPM2_ALG_ID bank, char **ret_error)
{
    if (f->secure_boot != EVENTLOG_UNKNOWN && !f->secure_boot_conflict &&
        json_object_set_new(doc, "secure_boot", json_boolean(f->secure_boot == EVENTLOG_ON)) < 0)
        return -ENOMEM;
    for (int v = EVENTLOG_VAR_PK; v <= EVENTLOG_VAR_DBX; v++) {
        long i = f->var_event[v];
        if (i < 0 || (f->var_conflict & (1u << v)))
            continue; /* not measured, or not knowable: no rule rather than a wrong one */
        json_t *a = json_array();
        int r = a ? add_event_digest(a, &log->events[i], bank, (size_t)i, ret_error) : -ENOMEM;
        if (r < 0) {
            json_decref(a);
            return r;
        }
        if ((r = set_nonempty(doc, var_rules[v], a)) < 0)
            return r;
    }
    return 0;
}

/* PCR 4: every event the boot_apps rule judges, by digest (one copy of the rule's choice). */
static int capture_apps(json_t *doc, const struct eventlog *log, TPM2_ALG_ID bank, char **ret_error)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < log->n_events; i++) {
        if (!policy_boot_app_event(&log->events[i]))
            continue;
        int r = add_event_digest(a, &log->events[i], bank, i, ret_error);
        if (r < 0) {
            json_decref(a);
            return r;
        }
    }
    return set_nonempty(doc, "boot_apps", a);
}

/* PCR 8: the kernel command lines, when every PCR 8 event could be read as one. */
static int capture_cmdlines(json_t *doc, const struct eventlog_facts *f)
{
    if (f->n_cmdlines == 0 || f->n_cmdlines_dropped > 0)
        return 0; /* the rule would fail on what it cannot read: PCR 8 is judged by digest */
    json_t *a = json_array();
    for (uint32_t i = 0; a && i < f->n_cmdlines; i++)
        if (add_unique(a, f->cmdlines[i]) < 0) {
            json_decref(a);
            return -ENOMEM;
        }
    return set_nonempty(doc, "cmdlines", a);
}

/* The digests of every event of one PCR, as event_digests[pcr]. */
static int capture_pcr_events(json_t *doc, const struct eventlog *log, TPM2_ALG_ID bank,
                              unsigned pcr, char **ret_error)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < log->n_events; i++) {
        const struct eventlog_event *ev = &log->events[i];
        if (ev->pcr != pcr || ev->type == EV_NO_ACTION)
            continue;
        int r = add_event_digest(a, ev, bank, i, ret_error);
        if (r < 0) {
            json_decref(a);
            return r;
        }
    }
    if (!a)
        return -ENOMEM;
    if (json_array_size(a) == 0) {
        json_decref(a);
        return 0;
    }
    json_t *m = json_object_get(doc, "event_digests");
    if (!m && (json_object_set_new(doc, "event_digests", m = json_object()) < 0 || !m)) {
        json_decref(a);
        return -ENOMEM;
    }
    char key[4];
    snprintf(key, sizeof(key), "%u", pcr);
    return json_object_set_new(m, key, a) < 0 ? -ENOMEM : 0;
}

#define BIT(n) (1u << (n))

static int capture_rules(json_t *doc, const struct eventlog *log, const struct eventlog_facts *f,
                         TPM2_ALG_ID bank, uint32_t quoted, char **ret_error)
{
    int r = 0;
    if ((quoted & BIT(7)) && (r = capture_secure_boot(doc, log, f, bank, ret_error)) < 0)
        return r;
    if ((quoted & BIT(4)) && (r = capture_apps(doc, log, bank, ret_error)) < 0)
        return r;
    if (quoted & BIT(8)) {
        r = f->n_cmdlines > 0 && f->n_cmdlines_dropped == 0
                ? capture_cmdlines(doc, f)
                : capture_pcr_events(doc, log, bank, 8, ret_error);
        if (r < 0)
            return r;
    }
    if ((quoted & BIT(9)) && (r = capture_pcr_events(doc, log, bank, 9, ret_error)) < 0)
        return r;
    if ((quoted & 0xFFu) == 0xFFu && (f->separators & 0xFFu) == 0xFFu &&
        json_object_set_new(doc, "separators", json_true()) < 0)
        return -ENOMEM;
    return 0;
}

static bool log_has_bank(const struct eventlog *log, TPM2_ALG_ID bank)
{
    for (uint32_t i = 0; i < log->n_algs; i++)
        if (log->algs[i].alg == bank)
            return true;
    return false;
}

int policy_boot_capture(const struct eventlog *log, const struct eventlog_facts *facts,
                        TPM2_ALG_ID bank, uint32_t quoted_pcrs, json_t **ret, char **ret_error)
{
    if (!log_has_bank(log, bank))
        return policy_fail(ret_error, "the event log has no %s bank", tpm_alg_hash_name(bank));
    json_t *doc = json_pack("{s:i, s:s}", "version", 1, "bank", tpm_alg_hash_name(bank));
    if (!doc)
        return -ENOMEM;
    int r = capture_rules(doc, log, facts, bank, quoted_pcrs, ret_error);
    if (r == 0 && json_object_size(doc) == 2) {
        policy_fail(ret_error, "the evidence holds nothing a boot policy can judge in the "
                               "quoted PCRs (no Secure Boot variable, boot application, "
                               "command line, PCR 9 file or separator)");
        r = -ENODATA;
    }
    if (r < 0) {
        json_decref(doc);
        return r;
    }
    *ret = doc;
    return 0;
}

int policy_ima_capture(const struct ima_list *l, json_t **ret, char **ret_error)
{
    json_t *doc = policy_ima_generate(l);
    json_t *ex = json_array();
    if (!doc || !ex) {
        json_decref(doc);
        json_decref(ex);
        return -ENOMEM;
    }
    for (size_t i = 0; policy_ima_default_excludes[i]; i++)
        if (json_array_append_new(ex, json_string(policy_ima_default_excludes[i])) < 0) {
            json_decref(doc);
            json_decref(ex);
            return -ENOMEM;
        }
    if (json_object_set_new(doc, "excludes", ex) < 0) {
        json_decref(doc);
        return -ENOMEM;
    }
    if (json_object_size(json_object_get(doc, "digests")) == 0) {
        json_decref(doc);
        policy_fail(ret_error, "the IMA list measures no file besides boot_aggregate: the "
                               "policy would judge nothing");
        return -ENODATA;
    }
    *ret = doc;
    return 0;
}
