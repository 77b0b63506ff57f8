/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/*
 * attest-verifier's settings. Defaults need no file at all: only --listen and
 * --state-dir matter for a first start; every path defaults to a file under the
 * state directory. An INI file (--config) sets the rest, command-line flags
 * override the file. docs/attest-verifier.md lists every key.
 */
/* The default state directory: what the unit's StateDirectory=attest-verifier makes. */
/* VERIFIER_STATEDIR comes from config.h (meson). */

enum enrollment_mode {
    ENROLL_AUTO,    /* EK chains to a trusted root (or is allowlisted): enrolled at once */
    ENROLL_APPROVE, /* an operator approves every new machine */
};

struct verifier_config {
    char *listen;   /* host:port, IPv4 or [IPv6] */
    char *tls_cert; /* PEM; HTTPS when both cert and key are set */
    char *tls_key;
    char *state_dir;
    char *database;      /* SQLite file */
    char *signing_key;   /* ES256 private key (PEM, 0600), generated when missing */
    char *admin_token;   /* bearer token file (0600), generated when missing */
    char *nonce_key;     /* nonce MAC key (32 bytes, 0600), generated when missing */
    char *ek_roots;      /* directory of trusted EK roots / intermediates (PEM) */
    char *ek_allowlist;  /* optional file: one hex SHA-256 of an EK public area per line */
    char *pcr_selection; /* the selection every quote must cover */
    enum enrollment_mode enrollment_mode;
    unsigned workers; /* HTTP worker threads */
    unsigned max_connections;
    unsigned request_timeout; /* seconds a connection may stay idle */
    unsigned body_budget;     /* bytes of request bodies buffered at once, all connections */
    unsigned min_body_rate;   /* bytes per second a body must average (beyond request_timeout) */
    unsigned per_address_connections; /* connections per client address; 0: no limit */
    unsigned batch_max;               /* writes per group commit */
    unsigned max_pending;             /* unexpired enrollment challenges per EK */
    unsigned evidence_per_machine;    /* attestations whose evidence is kept per machine */
    int64_t nonce_ttl;                /* seconds */
    int64_t enrollment_ttl;
    int64_t verdict_ttl;
    int64_t proof_max_age; /* a proof needs a pass younger than this */
    /*
     * Fail closed: with no policy of a kind for a machine (or its group) its
     * verdict fails with check "no-policy". false is an explicit opt-out (a lab,
     * a first capture): the verifier warns, and the verdict names the check as
     * skipped.
     */
    bool require_boot_policy;
    bool require_ima_policy;
    char *metrics_token; /* file holding a bearer token /metrics requires; NULL: open */
    /* file holding a second admin token that may only read (GET); NULL: none */
    char *admin_readonly_token;
};

/* Fill defaults (paths under state_dir are resolved by config_finish()). */
int config_init(struct verifier_config *c);

/* Read an INI file over the current values. -EINVAL names the line on stderr. */
int config_load_file(struct verifier_config *c, const char *path);

/* Set one key of a section ("server", "listen"); used by the file reader and by flags. */
int config_set(struct verifier_config *c, const char *section, const char *key, const char *value);

/* Resolve unset paths under state_dir and check the values together. */
int config_finish(struct verifier_config *c);

void config_done(struct verifier_config *c);
