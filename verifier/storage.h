/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The verifier's storage: one small interface, implemented by storage-sqlite.c
 * (a PostgreSQL backend implements the same operations). Handlers never see
 * SQL. Every write returns only once it is durable (committed); backends batch
 * concurrent writes into one transaction (group commit) to keep that cheap.
 *
 * Errors: -ENOENT no such object, -EEXIST conflicting identity, -EBUSY too
 * many pending enrollment challenges, -EALREADY a nonce or challenge already
 * consumed, -EIO the database failed (the API answers 503), -ENOMEM.
 */
#define ST_NAME_MAX          (4 + 128 + 1) /* hex TPM name */
#define ST_ID_MAX            65
#define ST_NONCE_LEN         32
#define ST_NONCE_PRUNE_GRACE 300 /* seconds */
/* Attestations whose evidence is kept per machine: [storage] evidence_per_machine. */
#define ST_EVIDENCE_DEFAULT 4
#define ST_EVIDENCE_MAX     64
#define ST_POLICY_REF_MAX   (16 + 128 + 32) /* "group/NAME@VERSION" */
#define ST_AUDIT_LIMIT_MAX  1000

struct machine {
    char machine_id[33];
    char hostname[254];
    char ak_name[ST_NAME_MAX];
    char ek_digest[65]; /* the EK's identity (verify/ek-identity.h) as hex: the hardware identity */
    /* the EK public area as enrolled; NULL for a machine enrolled before schema
     * version 5, whose ek_digest is then the SHA-256 of that marshaled area */
    uint8_t *ek_public;
    size_t ek_public_len;
    /* enroll_machine only: that older digest of the enrolling EK, so that a
     * machine of before version 5 is still recognised (never read back) */
    char ek_legacy[65];
    char status[20]; /* "pending_approval", "enrolled", "revoked" */
    char group[64];
    uint8_t *ak_public;
    size_t ak_public_len;
    int64_t enrolled_at;
    /* the last accepted quote's clockInfo (has_clock false before the first) */
    bool has_clock;
    uint64_t clock;
    uint32_t reset_count, restart_count;
    /* IMA entries verified in the current boot cycle and the replay state after them */
    int64_t ima_count;
    uint8_t *ima_state;
    size_t ima_state_len;
    /* SHA-256 (hex) of the IMA policy those entries were judged under; "" for none */
    char ima_policy[65];
    /* the last verdict */
    char last_status[20];
    int64_t last_verdict_at;
};

struct enrollment {
    char id[ST_ID_MAX];
    char machine_id[33];
    char hostname[254];
    char ak_name[ST_NAME_MAX];
    char ek_digest[65]; /* the EK's identity, as in struct machine */
    uint8_t *ek_public; /* the EK public area as sent */
    size_t ek_public_len;
    uint8_t *ak_public;
    size_t ak_public_len;
    uint8_t secret[32];
    int64_t expires_at;
};

struct attestation_record {
    char machine_id[33];
    char ak_name[ST_NAME_MAX];
    int64_t at;
    char status[20];     /* "affirming" / "contraindicated" */
    char *failed_checks; /* JSON array text */
    bool pass;           /* update the machine's clock and IMA state */
    uint64_t clock;
    uint32_t reset_count, restart_count;
    int64_t ima_count;
    const uint8_t *ima_state;
    size_t ima_state_len;
    const char *ima_policy; /* digest of the IMA policy the entries were judged under */
    /*
     * The machine as admitted: the record is written only while the machine
     * still has this AK and EK and is enrolled (an operator's reset or revoke
     * that committed meanwhile wins: -ESTALE, nothing written).
     */
    const char *ek_digest;
    /*
     * The evidence of this attestation (NULL: none), kept for the machine's last
     * evidence_per_machine attestations, passed or not, so that an operator can
     * see why it fails and capture a reference from it; older rows are pruned in
     * the same transaction.
     */
    const struct evidence *evidence;
    /* The policy versions the verdict was judged under ("scope/name@N", "" none). */
    char boot_policy[ST_POLICY_REF_MAX];
    char ima_policy_ref[ST_POLICY_REF_MAX];
    /* the attestation's nonce, consumed in the same transaction (required) */
    const uint8_t *nonce;
    int64_t nonce_expires_at;
};

/*
 * What a runner sent with an attestation, as sent (base64 on the admin API).
 * Written from the request's buffers; read back owned (evidence_done frees).
 */
struct evidence {
    int64_t at;
    uint8_t *quote, *signature, *event_log, *ima_log;
    size_t quote_len, signature_len, event_log_len, ima_log_len;
    int64_t ima_from; /* the IMA list's first entry in the boot */
    char *pcrs;       /* the PCR values sent, JSON text */
    bool passed;      /* the verdict of the attestation that sent it */
    bool quote_ok;    /* every quote check held: the PCR values are the TPM's */
};

/* A stored policy's identity: where it is set and which version is current. */
struct policy_ref {
    char scope[16]; /* "machine" or "group" */
    char name[128];
    int64_t version;
};

/* "scope/name@version" of ref, or "" for NULL/no policy. */
void policy_ref_text(const struct policy_ref *ref, char out[ST_POLICY_REF_MAX]);

/*
 * A change of one policy (set, capture, approve, rollback): it becomes a new
 * version, the current one, with its audit row, in one transaction.
 * base_version >= 0 is a compare-and-set: the change is made only while that
 * version is the current one (0: there is none yet), else -ESTALE.
 */
struct policy_change {
    const char *scope, *name, *kind;
    const char *body;   /* the policy document, JSON text */
    const char *action; /* "set", "capture", "approve", "rollback" */
    const char *author; /* the admin token's identity */
    const char *reason; /* "" when none was given */
    const char *diff;   /* JSON text: what changed from the previous version */
    int64_t at;
    int64_t base_version; /* -1: no compare-and-set */
};

/* One stored version of a policy (read back owned: policy_version_done). */
struct policy_version {
    int64_t version, at;
    char action[16];
    char author[64];
    char *reason, *body, *diff;
};
void policy_version_done(struct policy_version *v);

/* One row of the audit log: an admin API action. */
struct audit_entry {
    int64_t id, at;
    const char *actor, *action, *target, *reason;
    const char *detail; /* JSON text or "" */
};

void evidence_done(struct evidence *e);

struct storage;

/* Group commit counters (for /metrics). */
struct storage_stats {
    uint64_t commits;      /* transactions committed */
    uint64_t writes;       /* writes (requests' operations) in them */
    double commit_seconds; /* time spent in COMMIT (the fsyncs) */
    uint64_t largest_batch;
};

struct storage_ops {
    void (*close)(struct storage *s);
    int (*put_enrollment)(struct storage *s, const struct enrollment *en);
    /* Atomically remove and return an enrollment challenge (single use). */
    int (*take_enrollment)(struct storage *s, const char *id, struct enrollment *ret);
    /*
     * Record a machine whose credential activation succeeded. A machine id known
     * with another EK, or an AK name known for another machine, is -EEXIST. An
     * existing machine keeps its status; a new one gets status.
     */
    int (*enroll_machine)(struct storage *s, const struct machine *m);
    int (*get_machine)(struct storage *s, const char *machine_id, struct machine *ret);
    /* The evidence of the machine's last recorded attestation; -ENOENT when none. */
    int (*get_evidence)(struct storage *s, const char *machine_id, struct evidence *ret);
    int (*get_machine_by_ak)(struct storage *s, const char *ak_name, struct machine *ret);
    /*
     * The operator's changes of a machine; audit (may be NULL) is written in the
     * same transaction, only when the change is made.
     */
    int (*set_machine_status)(struct storage *s, const char *machine_id, const char *status,
                              const struct audit_entry *audit);
    int (*set_machine_group)(struct storage *s, const char *machine_id, const char *group,
                             const struct audit_entry *audit);
    /* Forget a machine's identity (hardware swap approved by an operator). */
    int (*reset_machine)(struct storage *s, const char *machine_id,
                         const struct audit_entry *audit);
    int (*list_machines)(struct storage *s, int (*each)(const struct machine *m, void *userdata),
                         void *userdata);
    int (*list_attestations)(struct storage *s, const char *machine_id, unsigned limit,
                             int (*each)(const struct attestation_record *a, void *userdata),
                             void *userdata);
    /*
     * Only consumed nonces are stored (issued ones are checked by their MAC,
     * verifier/nonce.h). nonce_used is a fast read: -EALREADY when consumed.
     * consume_nonce records one; of two uses, even on two verifiers sharing the
     * database, exactly one succeeds (a unique key), the other gets -EALREADY.
     */
    int (*nonce_used)(struct storage *s, const uint8_t nonce[ST_NONCE_LEN]);
    int (*consume_nonce)(struct storage *s, const uint8_t nonce[ST_NONCE_LEN], int64_t expires_at);
    /* Consumes a->nonce in the same transaction: -EALREADY (and nothing written) if used. */
    int (*record_attestation)(struct storage *s, const struct attestation_record *a);
    /*
     * Write a policy change as the next version (and an audit row); *ret_version
     * (may be NULL) is its number. -ESTALE when base_version is not current.
     */
    int (*set_policy)(struct storage *s, const struct policy_change *c, int64_t *ret_version);
    /*
     * The machine's own policy, else its group's; -ENOENT when neither. Caller
     * frees. ret_ref (may be NULL): where it is set and its version.
     */
    int (*get_policy)(struct storage *s, const struct machine *m, const char *kind, char **ret_json,
                      struct policy_ref *ret_ref);
    /* One version of the policy of (scope, name, kind); version 0: the current one. */
    int (*get_policy_version)(struct storage *s, const char *scope, const char *name,
                              const char *kind, int64_t version, struct policy_version *ret);
    /* Every version, newest first, at most limit. */
    int (*list_policy_versions)(struct storage *s, const char *scope, const char *name,
                                const char *kind, unsigned limit,
                                int (*each)(const struct policy_version *v, void *userdata),
                                void *userdata);
    int (*add_audit)(struct storage *s, const struct audit_entry *e);
    /* Audit rows with at >= since, oldest first, at most limit (<= ST_AUDIT_LIMIT_MAX). */
    int (*list_audit)(struct storage *s, int64_t since, unsigned limit,
                      int (*each)(const struct audit_entry *e, void *userdata), void *userdata);
    /*
     * Delete expired enrollment challenges, and consumed nonces expired for
     * longer than ST_NONCE_PRUNE_GRACE (clocks of verifiers sharing a database
     * may differ by that much without reopening a nonce for reuse).
     */
    int (*expire)(struct storage *s, int64_t now);
    void (*stats)(struct storage *s, struct storage_stats *ret);
};

struct storage {
    const struct storage_ops *ops;
};

struct storage_sqlite_options {
    const char *path;
    unsigned readers;   /* read connections (one per HTTP worker is plenty) */
    unsigned batch_max; /* writes per transaction */
    /* Unexpired enrollment challenges per EK (-EBUSY beyond). */
    unsigned max_pending;
    /* Attestations whose evidence is kept per machine (1..ST_EVIDENCE_MAX). */
    unsigned evidence_per_machine;
};

int storage_sqlite_open(const struct storage_sqlite_options *o, struct storage **ret);

static inline void storage_close(struct storage *s)
{
    if (s)
        s->ops->close(s);
}

void machine_done(struct machine *m);
void enrollment_done(struct enrollment *en);
