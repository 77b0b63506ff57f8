/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "attest-result.h"
#include "requests.h"
#include "storage.h"

struct verifier;

/*
 * Event log replay + measured-boot policy, IMA replay + runtime policy
 * (attest-logs.c). Called only after the quote checks passed, so the PCR
 * values are the TPM's.
 */
void attest_check_logs(struct verifier *v, const struct attest_request *r, const struct machine *m,
                       struct attest_result *res);
