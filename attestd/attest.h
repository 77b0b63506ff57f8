/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "agent.h"

/*
 * One attestation against the verifier (attestd attest, and each round of
 * attestd watch): nonce, AK load (saved context, else blobs), quote + PCR
 * read, event log and IMA list (read after the quote), POST, verdict check
 * with the pinned key, status files. Transient failures (no connection,
 * 429/502/503/504) restart the exchange with a new nonce, with backoff, until
 * [attest] retry_total. Returns an ATTEST_EXIT_* code; 0 only after a verified
 * affirming verdict bound to our nonce and AK.
 */
int agent_attest(struct agent_ctx *ctx);
