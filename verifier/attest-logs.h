/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "attest-result.h"
#include "requests.h"
#include "storage.h"

struct verifier;

/*
 * The IMA entry the runner should send from: the entries verified so far, or 0
 * (the whole list) when they were judged under another IMA policy than the one
 * in force (a policy set or changed later judges the whole list of the boot).
 */
int64_t attest_ima_offset(struct verifier *v, const struct machine *m);

/*
 * Event log replay + measured-boot policy, IMA replay + runtime policy
 * (attest-logs.c). Called only after the quote checks passed, so the PCR
 * values are the TPM's.
 */
void attest_check_logs(struct verifier *v, const struct attest_request *r, const struct machine *m,
                       struct attest_result *res);
