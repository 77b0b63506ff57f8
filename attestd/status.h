/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>

/*
 * The run directory's result files, each replaced atomically
 * (file_write_atomic: a reader sees the old or the new file, never a part):
 *   verdict.jwt  the last verified verdict token (what the gated service can
 *                present), mode 0640, group ATTEST_VERDICT_GROUP
 *                (attest-verdict) when the system has it;
 *   status       JSON: {"result": "pass"|"fail"|"unreachable"|"error",
 *                "exit_code": N, "time": T, "message": "...",
 *                "verdict_status": "affirming"|"contraindicated",
 *                "expires_at": T, "machine_id": "...", "ak_name": "...",
 *                "failed_checks": [{"check": "...", "message": "..."}],
 *                "ima_verified": N, "path": "fast"|"cold", "tpm_commands": N}
 *                (fields beyond result/exit_code/time only when known), 0644.
 */
int status_write(const char *run_dir, json_t *status);
int status_write_verdict(const char *run_dir, const char *token);
/* Remove verdict.jwt (a refused or unverifiable exchange leaves no pass behind). */
int status_remove_verdict(const char *run_dir);
/* -ENOENT when no attestation ran yet; -EBADMSG when the file is not a JSON object. */
int status_read(const char *run_dir, json_t **ret);
