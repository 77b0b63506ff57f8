/* SPDX-License-Identifier: Apache-2.0 */
/* SQLite storage: real database file, concurrent writers through group commit. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "storage.h"

struct fixture {
    char dir[64];
    char path[96];
    struct storage *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test-storage-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/db", f->dir);
    struct storage_sqlite_options o = {
        .path = f->path, .readers = 4, .batch_max = 64, .max_pending = 1000};
    assert_int_equal(storage_sqlite_open(&o, &f->s), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    storage_close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* A plain policy set (no compare-and-set), as the PUT of the admin API does. */
static int set_policy(struct storage *s, const char *scope, const char *name, const char *kind,
                      const char *body)
{
    const struct policy_change c = {.scope = scope,
                                    .name = name,
                                    .kind = kind,
                                    .body = body,
                                    .action = "set",
                                    .author = "admin-test",
                                    .reason = "",
                                    .diff = "{}",
                                    .at = 1,
                                    .base_version = -1};
    return s->ops->set_policy(s, &c, NULL);
}

static struct machine machine(const char *id, const char *ek, const char *ak)
{
    static uint8_t pub[] = {1, 2, 3};
    struct machine m = {.ak_public = pub, .ak_public_len = sizeof(pub), .enrolled_at = 5};
    snprintf(m.machine_id, sizeof(m.machine_id), "%s", id);
    snprintf(m.hostname, sizeof(m.hostname), "host");
    snprintf(m.ek_digest, sizeof(m.ek_digest), "%s", ek);
    snprintf(m.ak_name, sizeof(m.ak_name), "%s", ak);
    snprintf(m.status, sizeof(m.status), "enrolled");
    return m;
}

#define M1 "11111111111111111111111111111111"
#define M2 "22222222222222222222222222222222"

static int count_audit_rows(const struct audit_entry *e, void *userdata)
{
    (*(int *)userdata)++;
    return 0;
}

static void test_machines(void **state)
{
    struct fixture *f = *state;
    struct storage_ops const *ops = f->s->ops;
    struct machine m = machine(M1, "ek1", "ak1");
    assert_int_equal(ops->enroll_machine(f->s, &m), 0);
    /* Same EK again (new AK): accepted, identity kept. */
    m = machine(M1, "ek1", "ak1b");
    assert_int_equal(ops->enroll_machine(f->s, &m), 0);
    /* Another EK for the same machine id: hardware swap. */
    m = machine(M1, "ek2", "ak2");
    assert_int_equal(ops->enroll_machine(f->s, &m), -EEXIST);
    /* The EK of machine 1 under another machine id. */
    m = machine(M2, "ek1", "ak9");
    assert_int_equal(ops->enroll_machine(f->s, &m), -EEXIST);
    /* The AK of machine 1 claimed by machine 2. */
    m = machine(M2, "ek2", "ak1b");
    assert_int_equal(ops->enroll_machine(f->s, &m), -EEXIST);

    struct machine got;
    assert_int_equal(ops->get_machine_by_ak(f->s, "ak1b", &got), 0);
    assert_string_equal(got.machine_id, M1);
    assert_string_equal(got.ek_digest, "ek1");
    assert_int_equal(got.ak_public_len, 3);
    machine_done(&got);
    assert_int_equal(ops->get_machine_by_ak(f->s, "ak1", &got), -ENOENT);

    assert_int_equal(ops->set_machine_status(f->s, M1, "revoked", NULL), 0);
    assert_int_equal(ops->get_machine(f->s, M1, &got), 0);
    assert_string_equal(got.status, "revoked");
    machine_done(&got);
    assert_int_equal(ops->set_machine_status(f->s, M2, "revoked", NULL), -ENOENT);
    /* the audit row comes with the change, and only with a change */
    const struct audit_entry audit = {.at = 5, .actor = "admin-x", .action = "machine-revoke",
                                      .target = M1, .reason = "r", .detail = ""};
    int rows = 0;
    assert_int_equal(ops->set_machine_status(f->s, M2, "revoked", &audit), -ENOENT);
    assert_int_equal(ops->list_audit(f->s, 0, 10, count_audit_rows, &rows), 0);
    assert_int_equal(rows, 0);
    assert_int_equal(ops->set_machine_status(f->s, M1, "revoked", &audit), 0);
    assert_int_equal(ops->list_audit(f->s, 0, 10, count_audit_rows, &rows), 0);
    assert_int_equal(rows, 1);

    /* Policies: the machine's own wins over its group's. */
    assert_int_equal(ops->set_machine_group(f->s, M1, "rack", NULL), 0);
    assert_int_equal(ops->get_machine(f->s, M1, &got), 0);
    char *p = NULL;
    assert_int_equal(ops->get_policy(f->s, &got, "ima", &p, NULL), -ENOENT);
    assert_int_equal(set_policy(f->s, "group", "rack", "ima", "{\"g\":1}"), 0);
    assert_int_equal(ops->get_policy(f->s, &got, "ima", &p, NULL), 0);
    assert_string_equal(p, "{\"g\":1}");
    free(p);
    assert_int_equal(set_policy(f->s, "machine", M1, "ima", "{\"m\":1}"), 0);
    assert_int_equal(ops->get_policy(f->s, &got, "ima", &p, NULL), 0);
    assert_string_equal(p, "{\"m\":1}");
    free(p);
    machine_done(&got);

    /* Reset: the machine id may enroll with another EK. */
    assert_int_equal(ops->reset_machine(f->s, M1, NULL), 0);
    m = machine(M1, "ek2", "ak2");
    assert_int_equal(ops->enroll_machine(f->s, &m), 0);
}

struct race {
    struct storage *s;
    const uint8_t *nonce;
    int result;
};

static void *consume(void *arg)
{
    struct race *r = arg;
    r->result = r->s->ops->consume_nonce(r->s, r->nonce, 99);
    return NULL;
}

static void test_nonce_single_use(void **state)
{
    struct fixture *f = *state;
    uint8_t nonce[ST_NONCE_LEN] = {7};
    for (int round = 0; round < 20; round++) {
        nonce[1] = (uint8_t)round;
        assert_int_equal(f->s->ops->nonce_used(f->s, nonce), 0);
        pthread_t t[8];
        struct race r[8];
        for (int i = 0; i < 8; i++) {
            r[i] = (struct race){f->s, nonce, 1};
            assert_int_equal(pthread_create(&t[i], NULL, consume, &r[i]), 0);
        }
        int ok = 0;
        for (int i = 0; i < 8; i++) {
            pthread_join(t[i], NULL);
            if (r[i].result == 0)
                ok++;
            else
                assert_int_equal(r[i].result, -EALREADY);
        }
        assert_int_equal(ok, 1);
        assert_int_equal(f->s->ops->nonce_used(f->s, nonce), -EALREADY);
    }
    /* Pruned only once expired for longer than the grace between verifiers' clocks. */
    nonce[1] = 0xff;
    assert_int_equal(f->s->ops->consume_nonce(f->s, nonce, 10), 0);
    assert_int_equal(f->s->ops->expire(f->s, 11), 0);
    assert_int_equal(f->s->ops->nonce_used(f->s, nonce), -EALREADY);
    assert_int_equal(f->s->ops->expire(f->s, 10 + ST_NONCE_PRUNE_GRACE), 0);
    assert_int_equal(f->s->ops->nonce_used(f->s, nonce), -EALREADY);
    assert_int_equal(f->s->ops->expire(f->s, 11 + ST_NONCE_PRUNE_GRACE), 0);
    assert_int_equal(f->s->ops->nonce_used(f->s, nonce), 0);
}

/*
 * Nonces have no quota any more (nothing is stored when one is issued): an AK
 * may consume any number. Pending enrollment challenges per EK stay capped.
 */
static void test_pending_cap(void **state)
{
    struct fixture *f = *state;
    storage_close(f->s);
    struct storage_sqlite_options o = {.path = f->path, .readers = 1, .max_pending = 3};
    assert_int_equal(storage_sqlite_open(&o, &f->s), 0);
    uint8_t nonce[ST_NONCE_LEN] = {0};
    int64_t far = (int64_t)time(NULL) + 600;
    for (int i = 0; i < 100; i++) {
        nonce[0] = (uint8_t)i;
        assert_int_equal(f->s->ops->consume_nonce(f->s, nonce, far), 0);
    }
    static uint8_t pub[] = {1};
    struct enrollment en = {.ak_public = pub,
                            .ak_public_len = 1,
                            .ek_public = pub,
                            .ek_public_len = 1,
                            .expires_at = far};
    snprintf(en.ek_digest, sizeof(en.ek_digest), "ek");
    for (int i = 0; i < 3; i++) {
        snprintf(en.id, sizeof(en.id), "e%d", i);
        assert_int_equal(f->s->ops->put_enrollment(f->s, &en), 0);
    }
    snprintf(en.id, sizeof(en.id), "e9");
    assert_int_equal(f->s->ops->put_enrollment(f->s, &en), -EBUSY);
    snprintf(en.ek_digest, sizeof(en.ek_digest), "other-ek");
    assert_int_equal(f->s->ops->put_enrollment(f->s, &en), 0);
}

static void *writer(void *arg)
{
    struct storage *s = arg;
    uint8_t nonce[ST_NONCE_LEN];
    static _Atomic unsigned counter;
    for (int i = 0; i < 200; i++) {
        unsigned n = counter++;
        memset(nonce, 0, sizeof(nonce));
        memcpy(nonce, &n, sizeof(n));
        if (s->ops->consume_nonce(s, nonce, 99) != 0)
            return (void *)1;
        if (s->ops->nonce_used(s, nonce) != -EALREADY)
            return (void *)1;
    }
    return NULL;
}

/* Many concurrent writers: every write acknowledged, none lost or doubled. */
static void test_group_commit(void **state)
{
    struct fixture *f = *state;
    pthread_t t[32];
    for (int i = 0; i < 32; i++)
        assert_int_equal(pthread_create(&t[i], NULL, writer, f->s), 0);
    for (int i = 0; i < 32; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        assert_null(ret);
    }
    /* A failing write in a batch does not undo the others: duplicate nonce. */
    uint8_t nonce[ST_NONCE_LEN] = {1, 2, 3, 0xee};
    assert_int_equal(f->s->ops->consume_nonce(f->s, nonce, 99), 0);
    assert_int_equal(f->s->ops->consume_nonce(f->s, nonce, 99), -EALREADY);
}

static int record_with(struct storage *s, const uint8_t *nonce, uint32_t reset, uint64_t clock)
{
    struct attestation_record a = {.at = 1,
                                   .pass = true,
                                   .clock = clock,
                                   .reset_count = reset,
                                   .nonce = nonce,
                                   .nonce_expires_at = 99,
                                   .ek_digest = "ek1"};
    snprintf(a.machine_id, sizeof(a.machine_id), "%s", M1);
    snprintf(a.ak_name, sizeof(a.ak_name), "ak1");
    snprintf(a.status, sizeof(a.status), "affirming");
    return s->ops->record_attestation(s, &a);
}

/* A fresh nonce per record: every attestation consumes one. */
static const uint8_t *fresh_nonce(void)
{
    static uint8_t nonces[64][ST_NONCE_LEN];
    static unsigned n;
    uint8_t *x = nonces[n % 64];
    n++;
    x[0] = 0xcc;
    x[1] = (uint8_t)n;
    x[2] = (uint8_t)(n >> 8);
    return x;
}

static struct attestation_record passing(const char *machine_id, const char *ek, const char *ak)
{
    struct attestation_record a = {
        .at = 1, .pass = true, .ek_digest = ek, .nonce = fresh_nonce(), .nonce_expires_at = 99};
    snprintf(a.machine_id, sizeof(a.machine_id), "%s", machine_id);
    snprintf(a.ak_name, sizeof(a.ak_name), "%s", ak);
    snprintf(a.status, sizeof(a.status), "affirming");
    return a;
}

static void record(struct storage *s, uint32_t reset, uint64_t clock)
{
    static uint8_t counter;
    uint8_t nonce[ST_NONCE_LEN] = {0xaa, ++counter};
    assert_int_equal(record_with(s, nonce, reset, clock), 0);
}

static int count_one(const struct attestation_record *a, void *userdata)
{
    (*(int *)userdata)++;
    return 0;
}

/* The nonce is consumed with the record: a second use records nothing at all. */
static void test_record_consumes_nonce(void **state)
{
    struct fixture *f = *state;
    struct machine m = machine(M1, "ek1", "ak1"), got;
    assert_int_equal(f->s->ops->enroll_machine(f->s, &m), 0);
    uint8_t nonce[ST_NONCE_LEN] = {0x55};
    assert_int_equal(record_with(f->s, nonce, 1, 100), 0);
    assert_int_equal(f->s->ops->nonce_used(f->s, nonce), -EALREADY);
    assert_int_equal(record_with(f->s, nonce, 1, 200), -EALREADY);
    assert_int_equal(record_with(f->s, NULL, 1, 300), -EINVAL);
    int n = 0;
    assert_int_equal(f->s->ops->list_attestations(f->s, M1, 10, count_one, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(f->s->ops->get_machine(f->s, M1, &got), 0);
    assert_int_equal(got.clock, 100); /* the refused replay changed nothing */
    machine_done(&got);
    /* A nonce consumed by a proof cannot then carry an attestation either. */
    nonce[1] = 1;
    assert_int_equal(f->s->ops->consume_nonce(f->s, nonce, 99), 0);
    assert_int_equal(record_with(f->s, nonce, 1, 400), -EALREADY);
}

static int count_attestations(struct storage *s, const char *machine_id)
{
    int n = 0;
    assert_int_equal(s->ops->list_attestations(s, machine_id, 100, count_one, &n), 0);
    return n;
}

/*
 * The record is a compare-and-set on the machine as admitted: an operator's
 * reset or revoke, or another EK or AK, that committed while an attestation
 * was judged makes the record -ESTALE, and nothing of it is written.
 */
static void test_record_only_admitted_machine(void **state)
{
    struct fixture *f = *state;
    const struct storage_ops *ops = f->s->ops;
    struct machine m = machine(M1, "ek1", "ak1"), got;
    assert_int_equal(ops->enroll_machine(f->s, &m), 0);
    struct attestation_record a = passing(M1, "ek-other", "ak1");
    assert_int_equal(ops->record_attestation(f->s, &a), -ESTALE); /* another EK */
    a = passing(M1, "ek1", "ak-other");
    assert_int_equal(ops->record_attestation(f->s, &a), -ESTALE); /* another AK */
    a = passing(M1, NULL, "ak1");
    assert_int_equal(ops->record_attestation(f->s, &a), -ESTALE); /* no identity given */
    assert_int_equal(count_attestations(f->s, M1), 0);

    assert_int_equal(ops->set_machine_status(f->s, M1, "revoked", NULL), 0);
    a = passing(M1, "ek1", "ak1");
    assert_int_equal(ops->record_attestation(f->s, &a), -ESTALE); /* revoked meanwhile */
    assert_int_equal(ops->get_machine(f->s, M1, &got), 0);
    assert_string_equal(got.last_status, "");
    machine_done(&got);

    assert_int_equal(ops->set_machine_status(f->s, M1, "enrolled", NULL), 0);
    assert_int_equal(ops->reset_machine(f->s, M1, NULL), 0);
    /* Re-enrolled on other hardware: the old hardware's pass must not land. */
    m = machine(M1, "ek2", "ak2");
    assert_int_equal(ops->enroll_machine(f->s, &m), 0);
    a = passing(M1, "ek1", "ak1");
    assert_int_equal(ops->record_attestation(f->s, &a), -ESTALE);
    assert_int_equal(count_attestations(f->s, M1), 0);
    a = passing(M1, "ek2", "ak2");
    assert_int_equal(ops->record_attestation(f->s, &a), 0);
    assert_int_equal(count_attestations(f->s, M1), 1);
}

/* A failing verdict keeps its evidence (the last one per machine); a reset drops it. */
static void test_evidence(void **state)
{
    struct fixture *f = *state;
    const struct storage_ops *ops = f->s->ops;
    struct machine m = machine(M1, "ek1", "ak1");
    assert_int_equal(ops->enroll_machine(f->s, &m), 0);
    struct evidence e;
    assert_int_equal(ops->get_evidence(f->s, M1, &e), -ENOENT);
    uint8_t quote[] = {1, 2}, sig[] = {3}, log[] = {4, 5, 6};
    struct evidence sent = {.quote = quote,
                            .quote_len = 2,
                            .signature = sig,
                            .signature_len = 1,
                            .event_log = log,
                            .event_log_len = 3,
                            .ima_from = 7,
                            .pcrs = (char *)"{\"0x000b\":{}}"};
    struct attestation_record a = passing(M1, "ek1", "ak1");
    a.pass = false;
    a.at = 42;
    snprintf(a.status, sizeof(a.status), "contraindicated");
    a.evidence = &sent;
    assert_int_equal(ops->record_attestation(f->s, &a), 0);
    assert_int_equal(ops->get_evidence(f->s, M1, &e), 0);
    assert_int_equal(e.at, 42);
    assert_int_equal(e.quote_len, 2);
    assert_memory_equal(e.quote, quote, 2);
    assert_int_equal(e.event_log_len, 3);
    assert_null(e.ima_log);
    assert_int_equal(e.ima_from, 7);
    assert_string_equal(e.pcrs, "{\"0x000b\":{}}");
    evidence_done(&e);
    /* A pass keeps its evidence too, the newest first; a reset removes it. */
    a = passing(M1, "ek1", "ak1");
    a.at = 43;
    a.evidence = &sent;
    assert_int_equal(ops->record_attestation(f->s, &a), 0);
    assert_int_equal(ops->get_evidence(f->s, M1, &e), 0);
    assert_int_equal(e.at, 43);
    assert_true(e.passed);
    evidence_done(&e);
    assert_int_equal(ops->reset_machine(f->s, M1, NULL), 0);
    assert_int_equal(ops->get_evidence(f->s, M1, &e), -ENOENT);
}

/* The IMA policy digest the verified entries were judged under is kept with them. */
static void test_ima_policy_digest(void **state)
{
    struct fixture *f = *state;
    struct machine m = machine(M1, "ek1", "ak1"), got;
    assert_int_equal(f->s->ops->enroll_machine(f->s, &m), 0);
    struct attestation_record a = passing(M1, "ek1", "ak1");
    a.ima_count = 12;
    a.ima_policy = "abcd";
    assert_int_equal(f->s->ops->record_attestation(f->s, &a), 0);
    assert_int_equal(f->s->ops->get_machine(f->s, M1, &got), 0);
    assert_int_equal(got.ima_count, 12);
    assert_string_equal(got.ima_policy, "abcd");
    machine_done(&got);
}

/* Out-of-order commits never move the stored clock back. */
static void test_clock_monotonic(void **state)
{
    struct fixture *f = *state;
    struct machine m = machine(M1, "ek1", "ak1"), got;
    assert_int_equal(f->s->ops->enroll_machine(f->s, &m), 0);
    record(f->s, 1, 100);
    record(f->s, 1, 50);
    assert_int_equal(f->s->ops->get_machine(f->s, M1, &got), 0);
    assert_true(got.has_clock);
    assert_int_equal(got.clock, 100);
    machine_done(&got);
    record(f->s, 2, 10); /* after a TPM reset the clock restarts lower */
    assert_int_equal(f->s->ops->get_machine(f->s, M1, &got), 0);
    assert_int_equal(got.reset_count, 2);
    assert_int_equal(got.clock, 10);
    assert_string_equal(got.last_status, "affirming");
    machine_done(&got);
}

static void test_reopen(void **state)
{
    struct fixture *f = *state;
    struct machine m = machine(M2, "ek", "akx");
    assert_int_equal(f->s->ops->enroll_machine(f->s, &m), 0);
    uint8_t nonce[ST_NONCE_LEN] = {9};
    assert_int_equal(f->s->ops->consume_nonce(f->s, nonce, 99), 0);
    storage_close(f->s);
    /* Migrations are idempotent; the data is there. */
    struct storage_sqlite_options o = {.path = f->path, .readers = 1, .batch_max = 1};
    assert_int_equal(storage_sqlite_open(&o, &f->s), 0);
    struct machine got;
    assert_int_equal(f->s->ops->get_machine(f->s, M2, &got), 0);
    machine_done(&got);
    /* A consumed nonce stays consumed across a restart (its MAC is still valid). */
    assert_int_equal(f->s->ops->nonce_used(f->s, nonce), -EALREADY);
    assert_int_equal(f->s->ops->consume_nonce(f->s, nonce, 99), -EALREADY);
}

/* Only the last evidence_per_machine attestations keep their evidence (pruned on write). */
static void test_evidence_retention(void **state)
{
    struct fixture *f = *state;
    storage_close(f->s);
    struct storage_sqlite_options o = {.path = f->path, .readers = 1, .evidence_per_machine = 2};
    assert_int_equal(storage_sqlite_open(&o, &f->s), 0);
    struct machine m = machine(M1, "ek1", "ak1");
    assert_int_equal(f->s->ops->enroll_machine(f->s, &m), 0);
    uint8_t quote[] = {1}, sig[] = {2};
    struct evidence sent = {
        .quote = quote, .quote_len = 1, .signature = sig, .signature_len = 1, .pcrs = (char *)"{}"};
    for (int i = 0; i < 5; i++) {
        struct attestation_record a = passing(M1, "ek1", "ak1");
        a.at = 100 + i;
        a.evidence = &sent;
        assert_int_equal(f->s->ops->record_attestation(f->s, &a), 0);
    }
    storage_close(f->s);
    char cmd[256];
    snprintf(cmd, sizeof(cmd),
             "test \"$(sqlite3 '%s' 'SELECT group_concat(at) FROM evidence')\""
             " = 103,104",
             f->path);
    assert_int_equal(system(cmd), 0);
    o.evidence_per_machine = 0; /* the default */
    assert_int_equal(storage_sqlite_open(&o, &f->s), 0);
}

static int count_version(const struct policy_version *v, void *userdata)
{
    (*(int *)userdata)++;
    return 0;
}

static int count_audit(const struct audit_entry *e, void *userdata)
{
    assert_string_equal(e->actor, "admin-x");
    (*(int *)userdata)++;
    return 0;
}

/* Each change is a version; compare-and-set refuses a stale base; each is audited. */
static void test_policy_versions(void **state)
{
    struct fixture *f = *state;
    const struct storage_ops *ops = f->s->ops;
    struct policy_change c = {.scope = "group",
                              .name = "rack",
                              .kind = "boot",
                              .body = "{\"secure_boot\":true}",
                              .action = "capture",
                              .author = "admin-x",
                              .reason = "first",
                              .diff = "{}",
                              .at = 10,
                              .base_version = 0};
    int64_t v = 0;
    assert_int_equal(ops->set_policy(f->s, &c, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(ops->set_policy(f->s, &c, &v), -ESTALE); /* base 0 is no longer current */
    c.base_version = 1;
    c.body = "{\"secure_boot\":false}";
    c.action = "approve";
    assert_int_equal(ops->set_policy(f->s, &c, &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(ops->set_policy(f->s, &c, &v), -ESTALE); /* a concurrent approve */
    struct policy_version pv;
    assert_int_equal(ops->get_policy_version(f->s, "group", "rack", "boot", 0, &pv), 0);
    assert_int_equal(pv.version, 2);
    assert_string_equal(pv.action, "approve");
    assert_string_equal(pv.body, "{\"secure_boot\":false}");
    policy_version_done(&pv);
    assert_int_equal(ops->get_policy_version(f->s, "group", "rack", "boot", 1, &pv), 0);
    assert_string_equal(pv.reason, "first");
    policy_version_done(&pv);
    assert_int_equal(ops->get_policy_version(f->s, "group", "rack", "boot", 3, &pv), -ENOENT);
    int n = 0;
    assert_int_equal(
        ops->list_policy_versions(f->s, "group", "rack", "boot", 10, count_version, &n), 0);
    assert_int_equal(n, 2);
    /* The current policy is the latest version, named with it. */
    struct machine m = machine(M1, "ek1", "ak1");
    snprintf(m.group, sizeof(m.group), "rack");
    char *p = NULL;
    struct policy_ref ref;
    assert_int_equal(ops->get_policy(f->s, &m, "boot", &p, &ref), 0);
    assert_string_equal(p, "{\"secure_boot\":false}");
    free(p);
    char text[ST_POLICY_REF_MAX];
    policy_ref_text(&ref, text);
    assert_string_equal(text, "group/rack@2");
    n = 0;
    assert_int_equal(ops->list_audit(f->s, 0, 100, count_audit, &n), 0);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(ops->list_audit(f->s, 11, 100, count_audit, &n), 0);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_machines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonce_single_use, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_monotonic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_consumes_nonce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_only_admitted_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ima_policy_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy_versions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
