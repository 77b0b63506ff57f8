/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/json-check.h"

/*
 * The request bodies of the v1 API (docs/api.md), parsed and validated before
 * any handler logic runs. Each parser takes the raw body, returns 0 with every
 * field checked, or -EINVAL with the field and reason in *e (-ENOMEM on
 * allocation failure). These are the entry points of the fuzz target.
 */
#define REQ_NONCE_SIZE    32
#define REQ_MAX_TPM_BLOB  4096        /* TPM2B_PUBLIC, TPMS_ATTEST, TPMT_SIGNATURE */
#define REQ_MAX_CERT      16384       /* DER EK certificate */
#define REQ_MAX_EVENT_LOG (4u << 20)  /* binary_bios_measurements */
#define REQ_MAX_IMA_LOG   (12u << 20) /* IMA entries, base64 of this fits the 16 MiB body */
#define REQ_MAX_SECRET    64
#define REQ_PCR_BANKS     4
#define REQ_PCRS          24
#define REQ_MAX_DIGEST    64

struct enroll_request {
    uint8_t *ek_public, *ek_certificate, *ak_public;
    size_t ek_public_len, ek_certificate_len, ak_public_len;
    char machine_id[33];
    char hostname[254];
};

struct activate_request {
    uint8_t *secret;
    size_t secret_len;
};

struct ak_request { /* /v1/nonces and /v1/challenges */
    char ak_name[4 + 128 + 1];
};

struct pcr_bank_values {
    uint16_t alg; /* TPM_ALG_ID */
    size_t digest_size;
    uint32_t present; /* bit i: PCR i given */
    uint8_t digest[REQ_PCRS][REQ_MAX_DIGEST];
};

struct attest_request {
    char ak_name[4 + 128 + 1];
    uint8_t nonce[REQ_NONCE_SIZE];
    char *nonce_b64; /* as sent: the verdict's eat_nonce */
    uint8_t *quote, *signature, *event_log, *ima_log;
    size_t quote_len, signature_len, event_log_len, ima_log_len;
    struct pcr_bank_values banks[REQ_PCR_BANKS];
    unsigned n_banks;
    int64_t ima_from;
};

struct proof_request {
    char ak_name[4 + 128 + 1];
    uint8_t challenge[REQ_NONCE_SIZE];
    uint8_t *signature;
    size_t signature_len;
};

#define REQ_REASON_MAX 1000

struct policy_request { /* admin: PUT a policy */
    char scope[16];     /* "machine" or "group" */
    char name[128];
    char kind[8];                    /* "boot" or "ima" */
    char *policy;                    /* compact JSON text of the policy document */
    char reason[REQ_REASON_MAX + 1]; /* optional: why (policy versions, audit) */
};

/* POST /v1/admin/machines/{id}/capture */
struct capture_request {
    char kind[8];   /* "boot" (default) or "ima" */
    char group[64]; /* set the group's policy; "" the machine's own */
    bool dry_run;   /* only show the policy */
    char reason[REQ_REASON_MAX + 1];
};

/* POST /v1/admin/policies/approve */
struct approve_request {
    char machine_id[33];
    char kind[8];
    char group[64];
    char reason[REQ_REASON_MAX + 1]; /* required */
    int64_t base_version;            /* the version the operator reviewed the diff against */
};

/* POST /v1/admin/policies/{scope}/{name}/{kind}/rollback */
struct rollback_request {
    int64_t version;
    char reason[REQ_REASON_MAX + 1]; /* required */
};

int parse_enroll_request(const char *body, size_t len, struct enroll_request *ret,
                         struct req_error *e);
void enroll_request_done(struct enroll_request *r);

int parse_activate_request(const char *body, size_t len, struct activate_request *ret,
                           struct req_error *e);
void activate_request_done(struct activate_request *r);

int parse_ak_request(const char *body, size_t len, struct ak_request *ret, struct req_error *e);

int parse_attest_request(const char *body, size_t len, struct attest_request *ret,
                         struct req_error *e);
void attest_request_done(struct attest_request *r);

int parse_proof_request(const char *body, size_t len, struct proof_request *ret,
                        struct req_error *e);
void proof_request_done(struct proof_request *r);

int parse_policy_request(const char *body, size_t len, struct policy_request *ret,
                         struct req_error *e);
void policy_request_done(struct policy_request *r);

int parse_capture_request(const char *body, size_t len, struct capture_request *ret,
                          struct req_error *e);
int parse_approve_request(const char *body, size_t len, struct approve_request *ret,
                          struct req_error *e);
int parse_rollback_request(const char *body, size_t len, struct rollback_request *ret,
                           struct req_error *e);

/* A policy scope, name and kind as the admin API takes them (path or body). */
bool policy_target_valid(const char *scope, const char *name, const char *kind,
                         struct req_error *e);
