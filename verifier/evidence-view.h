/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * A machine's last evidence, made ready for capture and drift diffs: the
 * quote's PCR values, the event log parsed, replayed and compared with them,
 * its facts, the IMA list parsed and replayed. Only evidence whose quote
 * checks all held is read: otherwise the logs are bound by nothing.
 */
#include "common/pcr-values.h"
#include "http.h"
#include "log/eventlog.h"
#include "log/ima.h"
#include "storage.h"

struct verifier;

struct evidence_view {
    struct machine m;
    struct evidence ev;
    struct pcr_values *pcrs;
    struct eventlog *log; /* NULL unless asked for */
    struct eventlog_replay *replay;
    struct eventlog_facts facts;
    struct ima_list *ima; /* NULL unless asked for; only its verified prefix */
};

enum {
    EVIDENCE_BOOT = 1,      /* the event log is needed */
    EVIDENCE_IMA = 2,       /* the IMA list is needed */
    EVIDENCE_WHOLE_IMA = 4, /* and from the boot's first entry (capture) */
};

/*
 * Load machine_id's last evidence. 0, or a negative errno after filling rep:
 * 404 unknown machine, 409 no evidence yet or a quote that did not hold,
 * 422 evidence that lacks or cannot replay what is asked for.
 */
int evidence_view_load(struct verifier *v, const char *machine_id, unsigned need,
                       struct evidence_view *ret, struct http_reply *rep);
void evidence_view_done(struct evidence_view *e);
