/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdatomic.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>

#include "api/admin-token.h"
#include "ek-trust.h"
#include "http.h"
#include "metrics.h"
#include "nonce.h"
#include "storage.h"
#include "verdict/signing-key.h"
#include "verifier-config.h"
#include "vlog.h"

/* Everything a request handler needs; passed by pointer, no globals. */
struct verifier {
    const struct verifier_config *cfg;
    struct storage *storage;
    struct signing_key *key;
    struct ek_trust ek_trust;
    char admin_token[ADMIN_TOKEN_LEN + 1];
    char admin_identity[ADMIN_IDENTITY_LEN + 1]; /* the author of policy versions, audit rows */
    bool readonly_token_set; /* readonly_token may read the admin API (GET only) */
    char readonly_token[ADMIN_TOKEN_LEN + 1];
    bool metrics_token_set; /* /metrics requires metrics_token */
    char metrics_token[ADMIN_TOKEN_LEN + 1];
    struct nonce_key nonce_key; /* MACs the stateless nonces and challenges */
    struct metrics *metrics;
    struct http_server *_Atomic http; /* set once listening (a request may come first) */
    struct vlog log;
    TPML_PCR_SELECTION pcr_selection;
    char *pcr_selection_text; /* canonical form, sent with every nonce */
};

/* Seconds since the epoch (the API's time unit). */
int64_t verifier_now(void);

/* Reply 503/500 for a storage error and log it once. */
void reply_storage_error(struct verifier *v, struct http_reply *rep, int r, const char *what);

/* Reply 400 naming the field a request parser refused, or 500 when it ran out of memory. */
struct req_error;
void reply_request_error(struct http_reply *rep, int r, const struct req_error *e);

/*
 * Whether the request carries "Authorization: Bearer TOKEN" (constant-time
 * compare); otherwise replies 401 (none) or 403 (wrong, logged) and returns
 * false. what names the API in the log line.
 */
bool request_authorized(struct verifier *v, const struct http_request *req, struct http_reply *rep,
                        const char *token, const char *what);

/* The route table (routes.c). */
extern const struct http_route verifier_routes[];
extern const size_t verifier_n_routes;

/* Handlers, one file per part of the API. */
void api_healthz(void *v, const struct http_request *req, struct http_reply *rep);
void api_metrics(void *v, const struct http_request *req, struct http_reply *rep);
void api_verifier_key(void *v, const struct http_request *req, struct http_reply *rep);
void api_nonces(void *v, const struct http_request *req, struct http_reply *rep);
void api_challenges(void *v, const struct http_request *req, struct http_reply *rep);
void api_enrollments(void *v, const struct http_request *req, struct http_reply *rep);
void api_activate(void *v, const struct http_request *req, struct http_reply *rep);
void api_attestations(void *v, const struct http_request *req, struct http_reply *rep);
void api_proofs(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_machines(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_machine(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_machine_action(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_evidence(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_policy(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_capture(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_diff(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_approve(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_policy_versions(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_policy_version(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_policy_rollback(void *v, const struct http_request *req, struct http_reply *rep);
void api_admin_audit(void *v, const struct http_request *req, struct http_reply *rep);

/*
 * The admin API's bearer token (auth.c): the admin token for every request;
 * the read-only token ([keys] admin_readonly_token) for GET only, a write
 * with it is 403 (logged). Replies 401/403 and returns false otherwise.
 */
bool admin_authorized(struct verifier *v, const struct http_request *req, struct http_reply *rep);
/* The machine of an admin request; false after a 404 or a storage error reply (admin-common.c). */
bool admin_read_machine(struct verifier *v, const char *machine_id, struct machine *ret,
                        struct http_reply *rep);

/*
 * Store a new version of a policy (api-policies.c): checked like a PUT (the
 * engine reads it, every PCR it names is quoted), the diff from the current
 * version recorded with it. base_version >= 0: compare-and-set (409 when
 * another change came first). 0 with *ret_version, else negative after a reply.
 */
int policy_commit(struct verifier *v, const char *scope, const char *name, const char *kind,
                  const char *body, const char *action, const char *reason, int64_t base_version,
                  struct http_reply *rep, int64_t *ret_version);
