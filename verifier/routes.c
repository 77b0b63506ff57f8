/* SPDX-License-Identifier: Apache-2.0 */
#include "verifier.h"

#define KiB 1024u
#define MiB (1024u * 1024u)

/* Body limits: 16 MiB where event log + IMA list travel, 64 KiB everywhere else. */
const struct http_route verifier_routes[] = {
    {"GET", "/healthz", 0, api_healthz, "healthz"},
    {"GET", "/metrics", 0, api_metrics, "metrics"},
    {"GET", "/v1/verifier/key", 0, api_verifier_key, "verifier_key"},
    {"POST", "/v1/enrollments", 64 * KiB, api_enrollments, "enrollments"},
    {"POST", "/v1/enrollments/*/activate", 64 * KiB, api_activate, "activate"},
    {"POST", "/v1/nonces", 64 * KiB, api_nonces, "nonces"},
    {"POST", "/v1/attestations", 16 * MiB, api_attestations, "attestations"},
    {"POST", "/v1/proofs", 64 * KiB, api_proofs, "proofs"},
    {"POST", "/v1/challenges", 64 * KiB, api_challenges, "challenges"},
    {"GET", "/v1/admin/machines", 0, api_admin_machines, "admin"},
    {"GET", "/v1/admin/machines/*", 0, api_admin_machine, "admin"},
    {"GET", "/v1/admin/machines/*/evidence", 0, api_admin_evidence, "admin"},
    {"GET", "/v1/admin/machines/*/diff", 0, api_admin_diff, "admin"},
    {"POST", "/v1/admin/machines/*/*", 64 * KiB, api_admin_machine_action, "admin"},
    {"PUT", "/v1/admin/policies", 1 * MiB, api_admin_policy, "admin"},
    {"POST", "/v1/admin/policies/approve", 64 * KiB, api_admin_approve, "admin"},
    {"GET", "/v1/admin/policies/*/*/*/versions", 0, api_admin_policy_versions, "admin"},
    {"GET", "/v1/admin/policies/*/*/*/versions/*", 0, api_admin_policy_version, "admin"},
    {"POST", "/v1/admin/policies/*/*/*/rollback", 64 * KiB, api_admin_policy_rollback, "admin"},
    {"GET", "/v1/admin/audit", 0, api_admin_audit, "admin"},
};
const size_t verifier_n_routes = sizeof(verifier_routes) / sizeof(verifier_routes[0]);
