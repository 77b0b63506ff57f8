/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: what capture and drift read from an untrusted event log. Parse,
 * replay, facts; capture a boot policy in each bank of the log; that policy
 * must parse and hold on the log it came from (no drift); then a policy
 * captured from the log without its last event judges the whole log, and the
 * items of that diff are approved.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log/eventlog.h"
#include "policy/policy-boot.h"
#include "policy/policy-capture.h"
#include "policy/policy-diff.h"
#include "policy/policy-result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Diff the log against policy and approve what it lists; the approved policy holds. */
static void diff_apply(const char *policy, const struct eventlog *log,
                       const struct eventlog_replay *r, const struct eventlog_facts *f, json_t *doc,
                       bool must_hold)
{
    json_t *items = NULL;
    char *err = NULL;
    if (policy_diff_boot(policy, log, r, f, NULL, &items, &err) == 0) {
        if (must_hold && json_array_size(items) != 0)
            abort(); /* a captured policy fails the log it was captured from */
        size_t added = 0;
        char *e2 = NULL;
        (void)policy_diff_apply(doc, items, &added, &e2);
        free(e2);
    }
    free(err);
    json_decref(items);
}

static void capture_bank(const struct eventlog *log, const struct eventlog_replay *r,
                         const struct eventlog_facts *f, TPM2_ALG_ID bank)
{
    json_t *doc = NULL;
    char *err = NULL;
    if (policy_boot_capture(log, f, bank, POLICY_ALL_PCRS, &doc, &err) == 0) {
        char *text = json_dumps(doc, JSON_COMPACT);
        struct policy_boot *pb = NULL;
        if (!text || policy_boot_parse(text, strlen(text), &pb, NULL) < 0)
            abort(); /* capture wrote a policy the engine refuses */
        policy_boot_free(pb);
        diff_apply(text, log, r, f, doc, true);
        free(text);
    }
    free(err);
    json_decref(doc);
}

/* The log cut before its last event (the boot before a change), parsed; NULL if none. */
static struct eventlog *prefix_log(const struct eventlog *log, const uint8_t *data)
{
    struct eventlog *p = NULL;
    size_t bad;
    if (log->n_events < 3 ||
        eventlog_parse(data, log->events[log->n_events - 1].offset, &p, &bad) < 0)
        return NULL;
    return p;
}

/* A policy captured from prefix judges the whole log; the drift is approved. */
static void drift(const struct eventlog *log, const struct eventlog_replay *r,
                  const struct eventlog_facts *f, const uint8_t *data)
{
    struct eventlog *p = prefix_log(log, data);
    struct eventlog_facts pf;
    if (!p || eventlog_facts_extract(p, &pf) < 0) {
        eventlog_free(p);
        return;
    }
    json_t *doc = NULL;
    char *err = NULL;
    if (policy_boot_capture(p, &pf, log->algs[0].alg, POLICY_ALL_PCRS, &doc, &err) == 0) {
        char *text = json_dumps(doc, JSON_COMPACT);
        if (text)
            diff_apply(text, log, r, f, doc, false);
        free(text);
    }
    free(err);
    json_decref(doc);
    eventlog_facts_done(&pf);
    eventlog_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eventlog *log = NULL;
    size_t bad;
    if (eventlog_parse(data, size, &log, &bad) < 0)
        return 0;
    struct eventlog_replay *r = malloc(sizeof(*r));
    struct eventlog_facts f;
    if (r && eventlog_replay(log, r) == 0 && eventlog_facts_extract(log, &f) == 0) {
        for (uint32_t i = 0; i < log->n_algs; i++)
            capture_bank(log, r, &f, log->algs[i].alg);
        if (log->n_algs > 0)
            drift(log, r, &f, data);
        eventlog_facts_done(&f);
    }
    free(r);
    eventlog_free(log);
    return 0;
}
