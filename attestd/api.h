/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/pcr-values.h"

/*
 * The verifier's HTTP API (docs/api.md) as seen from the agent: request
 * bodies are built with jansson; replies (untrusted bytes) are parsed strictly
 * on the fields the agent uses (types, encodings, sizes), and unknown fields
 * are ignored so that a newer verifier can add some. Parsers return -EBADMSG
 * on anything malformed; nothing in a reply is trusted beyond its shape: the
 * verdict's authority comes from verdict_verify() alone.
 */

#define API_NONCE_SIZE     32
#define API_CHALLENGE_SIZE 32

struct api_enrollment {
    char *enrollment_id; /* hex */
    uint8_t *credential_blob;
    size_t credential_blob_len;
    uint8_t *encrypted_secret;
    size_t encrypted_secret_len;
    int64_t expires_at;
};

struct api_activation {
    char *status; /* "enrolled" or "pending_approval" */
    char *machine_id;
    char *ak_name;
};

struct api_nonce {
    char *nonce_b64; /* as received: echoed in the attestation and the verdict */
    uint8_t nonce[API_NONCE_SIZE];
    int64_t expires_at;
    char *pcr_selection;
    uint64_t ima_offset;
};

struct api_failed_check {
    char *check;
    char *message;
};

struct api_attestation {
    char *status; /* as the reply says; only the verified token counts */
    char *verdict;
    struct api_failed_check *failed_checks;
    size_t n_failed_checks;
    bool has_ima_verified;
    uint64_t ima_verified;
};

struct api_challenge {
    char *challenge_b64;
    uint8_t challenge[API_CHALLENGE_SIZE];
    int64_t expires_at;
};

void api_enrollment_done(struct api_enrollment *e);
void api_activation_done(struct api_activation *a);
void api_nonce_done(struct api_nonce *n);
void api_attestation_done(struct api_attestation *a);
void api_challenge_done(struct api_challenge *c);

int api_parse_enrollment(const char *body, size_t len, struct api_enrollment *ret);
int api_parse_activation(const char *body, size_t len, struct api_activation *ret);
int api_parse_nonce(const char *body, size_t len, struct api_nonce *ret);
int api_parse_attestation(const char *body, size_t len, struct api_attestation *ret);
int api_parse_challenge(const char *body, size_t len, struct api_challenge *ret);
/* {"error": "...", "field": "..."} -> "message (field)"; NULL when body is no such object. */
char *api_parse_error(const char *body, size_t len);

/* Request bodies; NULL on allocation failure. Byte arguments may be NULL/0 when optional. */
char *api_enrollment_request(const uint8_t *ek_pub, size_t ek_pub_len, const uint8_t *ek_cert,
                             size_t ek_cert_len, const uint8_t *ak_pub, size_t ak_pub_len,
                             const char *machine_id, const char *hostname);
char *api_activate_request(const uint8_t *secret, size_t len);
char *api_ak_request(const char *ak_name); /* {"ak_name": ...}: nonces, challenges */
char *api_attestation_request(const char *ak_name, const char *nonce_b64, const uint8_t *quote,
                              size_t quote_len, const uint8_t *sig, size_t sig_len,
                              const struct pcr_values *pcrs, const uint8_t *event_log,
                              size_t event_log_len, const uint8_t *ima, size_t ima_len,
                              uint64_t ima_from);
char *api_proof_request(const char *ak_name, const char *challenge_b64, const uint8_t *sig,
                        size_t sig_len);
