/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The result of one attestation, filled by the quote checks (api-attest.c) and
 * the log checks (attest-logs.c). Apart from both so that neither object needs
 * the other's symbols to name a failure.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "common/pcr-values.h"
#include "storage.h"

/* What the checks of one attestation found. */
struct attest_result {
    json_t *failed;   /* [{"check": name, "message": text}] in check order */
    size_t n_failed;  /* attest_fail() calls: what decides the verdict */
    bool detail_lost; /* a failure's JSON detail could not be allocated */
    json_t *skipped;  /* names of the checks the operator opted out of, in order */
    /*
     * The quote is the enrolled AK's answer to this exchange (signature,
     * magic, type and nonce hold): only then is the evidence the machine's,
     * and only then may its state move. Anything else is an attempt.
     */
    bool genuine;
    bool quote_ok;
    bool clock_valid;
    TPMS_CLOCK_INFO clock;
    struct pcr_values *pcrs; /* the sent PCR values in selection order (malloc'ed) */
    int64_t ima_count;       /* IMA entries verified in this boot cycle after this attestation */
    char *ima_state;         /* replay state to store when the verdict passes (JSON), or NULL */
    char ima_policy[65];     /* digest of the IMA policy the verified entries were judged under */
    /* the policy versions judged under ("scope/name@N"; "" for none) */
    char boot_policy_ref[ST_POLICY_REF_MAX];
    char ima_policy_ref[ST_POLICY_REF_MAX];
};

void attest_fail(struct attest_result *res, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A check the operator opted out of: named in the verdict, never a pass by silence. */
void attest_skip(struct attest_result *res, const char *check);
