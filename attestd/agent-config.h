/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>

#include "conf/ini-reader.h"

/*
 * attestd's configuration: /etc/attest/attest.conf (INI, parsed by inih),
 * overridden by --config PATH or the ATTEST_CONFIG environment variable.
 * docs/attest.conf.5 documents every key; agent_config_defaults() below is the
 * single place that sets their defaults.
 */

#define AGENT_CONFIG_ENV "ATTEST_CONFIG"

/* The longest line attest.conf may have: lib/conf's reader refuses longer ones. */
#define AGENT_CONFIG_MAX_LINE CONF_MAX_LINE

enum agent_ek_template {
    AGENT_EK_RSA_L1,    /* RSA 2048, TCG EK profile L-1 (default) */
    AGENT_EK_ECC_L2,    /* ECC NIST P-256, L-2 */
    AGENT_EK_ECC384_H3, /* ECC NIST P-384, high range H-3 (swtpm certifies it) */
};

struct agent_config {
    char *path; /* the file this came from (for messages) */

    /* [verifier] */
    char *verifier_url;
    char *ca_file;      /* CA bundle libcurl verifies the server with; NULL: system store */
    char *verifier_key; /* PEM of the verifier's ES256 public key (pinned) */
    bool allow_http;    /* http:// URLs are refused unless set */

    /* [tpm] */
    char *tcti; /* NULL: --tcti, else $ATTEST_TCTI, else device:/dev/tpmrm0 */
    enum agent_ek_template ek_template;
    char *ek_certificate; /* DER/PEM file, for TPMs that keep the EK certificate out of NV */
    bool ak_ecc;          /* AK algorithm: ECC P-256 (default) or RSA 2048 */
    char *pcr_selection;  /* tpm2-tools syntax, validated */
    TPML_PCR_SELECTION pcrs;

    /* [paths] */
    char *state_dir; /* AK blobs, enrolled EK public */
    char *run_dir;   /* saved AK context, verdict.jwt, status */
    char *event_log;
    char *ima_log;
    char *machine_id_file; /* /etc/machine-id */

    /* [gate] units: repeatable key, values accumulate (long lists stay under the line limit) */
    char **gate_units;
    size_t n_gate_units;

    /* [attest] durations in milliseconds */
    uint64_t connect_timeout_ms;
    uint64_t request_timeout_ms;
    uint64_t retry_initial_ms;
    uint64_t retry_max_ms;
    uint64_t retry_total_ms; /* bound on all attempts of one exchange */
    uint64_t interval_ms;    /* attestd watch: re-attestation period */
    uint64_t grace_ms;       /* attestd watch: unreachable verifier tolerated this long */
};

/* Fills every field with its default (strings allocated). */
int agent_config_defaults(struct agent_config *cfg);

/*
 * Parse INI text (len bytes, need not be NUL-terminated) named path in
 * messages. On success *cfg is replaced (old content freed). On any error
 * *cfg is untouched: nothing is applied before the whole file parsed; a
 * message naming file, line and key is written to errbuf.
 * Returns 0, -EINVAL (bad content), -ENOMEM.
 */
int agent_config_parse(const char *path, const char *text, size_t len, struct agent_config *cfg,
                       char *errbuf, size_t errlen);

/*
 * Load: explicit path, else $ATTEST_CONFIG, else ATTEST_SYSCONFDIR/attest.conf.
 * -ENOENT etc. when the file cannot be read (message in errbuf).
 */
int agent_config_load(const char *explicit_path, struct agent_config *cfg, char *errbuf,
                      size_t errlen);

void agent_config_done(struct agent_config *cfg);

/* Name of an EK template as the configuration spells it ("rsa", "ecc", "ecc384"). */
const char *agent_ek_template_name(enum agent_ek_template t);
