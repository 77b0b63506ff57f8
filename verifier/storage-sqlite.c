/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SQLite backend of storage.h. One writer connection owned by a writer thread
 * (group commit: it takes every queued write, runs each in a SAVEPOINT of one
 * transaction, commits once, then wakes the requests), and a pool of read-only
 * connections for the HTTP workers. WAL mode lets readers run during commits;
 * synchronous=FULL makes an acknowledged write survive a power cut.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/cleanup.h"
#include "storage.h"

#define STMT_CACHE 64

struct conn {
    sqlite3 *db;
    const char *sql[STMT_CACHE];
    sqlite3_stmt *stmt[STMT_CACHE];
    unsigned n_stmt;
};

struct write_op {
    int (*run)(struct conn *c, void *arg);
    void *arg;
    int result;
    bool done;
    pthread_cond_t cond; /* signalled when done: wake only this request */
    struct write_op *next;
};

struct storage_sqlite {
    struct storage base;
    struct conn writer;
    struct conn *readers;
    unsigned n_readers;
    bool *reader_busy;
    unsigned batch_max;
    unsigned max_pending;
    unsigned evidence_per_machine;
    pthread_mutex_t lock;
    pthread_cond_t queue_cond;  /* writer: work arrived */
    pthread_cond_t reader_cond; /* a read connection was released */
    struct write_op *head, *tail;
    bool stop;
    bool thread_started;
    struct storage_stats stats; /* under lock */
    pthread_t thread;
};

/* Schema migrations: entry i brings the schema from version i to i + 1. */
static const char *const migrations[] = {
    "CREATE TABLE machines ("
    " machine_id TEXT PRIMARY KEY, hostname TEXT NOT NULL, ak_name TEXT NOT NULL UNIQUE,"
    " ek_digest TEXT NOT NULL, ak_public BLOB NOT NULL, status TEXT NOT NULL,"
    " grp TEXT NOT NULL DEFAULT '', enrolled_at INTEGER NOT NULL,"
    " has_clock INTEGER NOT NULL DEFAULT 0, clock INTEGER NOT NULL DEFAULT 0,"
    " reset_count INTEGER NOT NULL DEFAULT 0, restart_count INTEGER NOT NULL DEFAULT 0,"
    " ima_count INTEGER NOT NULL DEFAULT 0, ima_state BLOB,"
    " last_status TEXT NOT NULL DEFAULT '', last_verdict_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE enrollments ("
    " id TEXT PRIMARY KEY, machine_id TEXT NOT NULL, hostname TEXT NOT NULL,"
    " ak_name TEXT NOT NULL, ek_digest TEXT NOT NULL, ak_public BLOB NOT NULL,"
    " secret BLOB NOT NULL, expires_at INTEGER NOT NULL);"
    "CREATE TABLE nonces (nonce BLOB NOT NULL, kind INTEGER NOT NULL, ak_name TEXT NOT NULL,"
    " expires_at INTEGER NOT NULL, PRIMARY KEY (nonce, kind)) WITHOUT ROWID;"
    "CREATE INDEX nonces_expiry ON nonces (expires_at);"
    "CREATE TABLE attestations (id INTEGER PRIMARY KEY, machine_id TEXT NOT NULL,"
    " ak_name TEXT NOT NULL, at INTEGER NOT NULL, status TEXT NOT NULL,"
    " failed_checks TEXT NOT NULL);"
    "CREATE INDEX attestations_machine ON attestations (machine_id, id);"
    "CREATE TABLE policies (scope TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,"
    " policy TEXT NOT NULL, PRIMARY KEY (scope, name, kind));",
    /* 2: enrollment looks machines up by EK (one EK, one machine). */
    "CREATE INDEX machines_ek ON machines (ek_digest);",
    /* 3: nonces moved to a non-durable database of their own (until 5 made them stateless). */
    "DROP TABLE nonces;",
    /* 4: pending enrollment challenges are counted per EK. */
    "CREATE INDEX enrollments_ek ON enrollments (ek_digest);",
    /*
     * 5: ek_digest becomes the EK's identity (a digest of its key alone,
     * verify/ek-identity.h) and the EK public area is kept with it. Rows
     * written before stored no EK public, so their digest (of the marshaled
     * public area) cannot be recomputed: they keep it, ek_public NULL marks
     * them, enrollment matches them by that old digest, and their next
     * enrollment rewrites them with the identity. Pending challenges carry
     * the old digest and no EK: they are dropped (the agent asks again).
     */
    "ALTER TABLE machines ADD COLUMN ek_public BLOB;"
    "DELETE FROM enrollments;"
    "ALTER TABLE enrollments ADD COLUMN ek_public BLOB NOT NULL DEFAULT x'';",
    /*
     * 6: the IMA policy the verified entries were judged under (a policy set
     * later judges the whole list again), and the evidence of each machine's
     * last failing attestation.
     */
    "ALTER TABLE machines ADD COLUMN ima_policy TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE evidence (machine_id TEXT PRIMARY KEY, at INTEGER NOT NULL,"
    " quote BLOB NOT NULL, signature BLOB NOT NULL, pcrs TEXT NOT NULL,"
    " event_log BLOB, ima_log BLOB, ima_from INTEGER NOT NULL);",
    /*
     * 7: consumed nonces and challenges (issued ones are stateless, see
     * verifier/nonce.h). Durable and in the main database, so single use holds
     * across restarts and across verifiers sharing it; the primary key makes
     * the second use fail. Kept until expiry (plus a grace), then pruned.
     */
    ("CREATE TABLE used_nonces (nonce BLOB PRIMARY KEY, expires_at INTEGER NOT NULL)"
     " WITHOUT ROWID; CREATE INDEX used_nonces_expiry ON used_nonces (expires_at);"),
    /*
     * 8 (lifecycle): the evidence of each machine's last attestations (several
     * rows, passed or not); policy versions (the policies row is the current
     * one, its version named); the admin audit log; the policy versions each
     * verdict was judged under. Policies of before get version 1.
     */
    "CREATE TABLE evidence8 (id INTEGER PRIMARY KEY, machine_id TEXT NOT NULL,"
    " at INTEGER NOT NULL, quote BLOB NOT NULL, signature BLOB NOT NULL, pcrs TEXT NOT NULL,"
    " event_log BLOB, ima_log BLOB, ima_from INTEGER NOT NULL,"
    " passed INTEGER NOT NULL DEFAULT 0, quote_ok INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO evidence8 (machine_id, at, quote, signature, pcrs, event_log, ima_log, ima_from)"
    " SELECT machine_id, at, quote, signature, pcrs, event_log, ima_log, ima_from FROM evidence;"
    "DROP TABLE evidence; ALTER TABLE evidence8 RENAME TO evidence;"
    "CREATE INDEX evidence_machine ON evidence (machine_id, id);"
    "ALTER TABLE policies ADD COLUMN version INTEGER NOT NULL DEFAULT 1;"
    "CREATE TABLE policy_versions (scope TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,"
    " version INTEGER NOT NULL, body TEXT NOT NULL, action TEXT NOT NULL, author TEXT NOT NULL,"
    " at INTEGER NOT NULL, reason TEXT NOT NULL, diff TEXT NOT NULL,"
    " PRIMARY KEY (scope, name, kind, version));"
    "INSERT INTO policy_versions SELECT scope, name, kind, 1, policy, 'set', 'schema-8-migration',"
    " 0, 'set before policy versions existed', '{}' FROM policies;"
    "CREATE TABLE audit (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, target TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX audit_at ON audit (at, id);"
    "ALTER TABLE attestations ADD COLUMN boot_policy TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE attestations ADD COLUMN ima_policy TEXT NOT NULL DEFAULT '';",
};

static struct storage_sqlite *to_sqlite(struct storage *s)
{
    return (struct storage_sqlite *)s;
}

/* A cached prepared statement of this connection, reset and with bindings cleared. */
static sqlite3_stmt *stmt(struct conn *c, const char *sql)
{
    for (unsigned i = 0; i < c->n_stmt; i++)
        if (c->sql[i] == sql || strcmp(c->sql[i], sql) == 0) {
            sqlite3_reset(c->stmt[i]);
            sqlite3_clear_bindings(c->stmt[i]);
            return c->stmt[i];
        }
    if (c->n_stmt == STMT_CACHE)
        return NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    c->sql[c->n_stmt] = sql;
    c->stmt[c->n_stmt++] = st;
    return st;
}

static void conn_close(struct conn *c)
{
    for (unsigned i = 0; i < c->n_stmt; i++)
        sqlite3_finalize(c->stmt[i]);
    c->n_stmt = 0;
    if (c->db)
        sqlite3_close(c->db);
    c->db = NULL;
}

static int exec(struct conn *c, const char *sql)
{
    return sqlite3_exec(c->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

static int conn_open(struct conn *c, const char *path, bool readonly)
{
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX; /* one thread at a time per connection, by construction */
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK)
        return -EIO;
    sqlite3_busy_timeout(c->db, 5000);
    if (exec(c, "PRAGMA foreign_keys=ON") < 0)
        return -EIO;
    if (!readonly &&
        (exec(c, "PRAGMA journal_mode=WAL") < 0 || exec(c, "PRAGMA synchronous=FULL") < 0))
        return -EIO;
    return 0;
}

static int migrate(struct conn *c)
{
    if (exec(c, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)") < 0)
        return -EIO;
    sqlite3_stmt *st = stmt(c, "SELECT max(version) FROM schema_version");
    if (!st || sqlite3_step(st) != SQLITE_ROW)
        return -EIO;
    int version = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    int n = (int)(sizeof(migrations) / sizeof(migrations[0]));
    if (version > n)
        return -EPROTO; /* a newer verifier wrote this database */
    for (int v = version; v < n; v++) {
        char bump[96];
        snprintf(bump, sizeof(bump), "INSERT INTO schema_version VALUES (%d)", v + 1);
        if (exec(c, "BEGIN IMMEDIATE") < 0)
            return -EIO;
        if (exec(c, migrations[v]) < 0 || exec(c, bump) < 0 || exec(c, "COMMIT") < 0) {
            exec(c, "ROLLBACK");
            return -EIO;
        }
    }
    return 0;
}

/* ---- group commit ---- */

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the batch; returns the seconds COMMIT took. */
static double run_batch(struct storage_sqlite *s, struct write_op *batch)
{
    struct conn *c = &s->writer;
    bool ok = exec(c, "BEGIN IMMEDIATE") == 0;
    for (struct write_op *op = batch; op; op = op->next) {
        if (!ok) {
            op->result = -EIO;
            continue;
        }
        /* A failing request rolls back only its own writes. */
        if (exec(c, "SAVEPOINT op") < 0) {
            op->result = -EIO;
            continue;
        }
        op->result = op->run(c, op->arg);
        if (op->result < 0)
            exec(c, "ROLLBACK TO op");
        exec(c, "RELEASE op");
    }
    double start = monotonic();
    if (ok && exec(c, "COMMIT") < 0) {
        exec(c, "ROLLBACK");
        for (struct write_op *op = batch; op; op = op->next)
            op->result = -EIO;
    }
    return monotonic() - start;
}

static void *writer_main(void *userdata)
{
    struct storage_sqlite *s = userdata;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->head && !s->stop)
            pthread_cond_wait(&s->queue_cond, &s->lock);
        if (!s->head && s->stop)
            break;
        /* Take up to batch_max queued writes. */
        struct write_op *batch = s->head, *last = s->head;
        for (unsigned n = 1; n < s->batch_max && last->next; n++)
            last = last->next;
        s->head = last->next;
        if (!s->head)
            s->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&s->lock);

        double seconds = run_batch(s, batch);

        pthread_mutex_lock(&s->lock);
        uint64_t n = 0;
        for (struct write_op *op = batch; op;) {
            struct write_op *next = op->next;
            op->done = true; /* op may be freed by its owner once unlocked */
            pthread_cond_signal(&op->cond);
            op = next;
            n++;
        }
        s->stats.commits++;
        s->stats.writes += n;
        s->stats.commit_seconds += seconds;
        if (n > s->stats.largest_batch)
            s->stats.largest_batch = n;
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Queue a write and wait until the transaction holding it committed. */
static int submit(struct storage_sqlite *s, int (*run)(struct conn *c, void *arg), void *arg)
{
    struct write_op op = {.run = run, .arg = arg};
    pthread_cond_init(&op.cond, NULL);
    pthread_mutex_lock(&s->lock);
    if (s->stop) {
        pthread_mutex_unlock(&s->lock);
        pthread_cond_destroy(&op.cond);
        return -ESHUTDOWN;
    }
    if (s->tail)
        s->tail->next = &op;
    else
        s->head = &op;
    s->tail = &op;
    pthread_cond_signal(&s->queue_cond);
    while (!op.done)
        pthread_cond_wait(&op.cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
    pthread_cond_destroy(&op.cond);
    return op.result;
}

/* ---- read connections ---- */

static struct conn *reader_get(struct storage_sqlite *s)
{
    pthread_mutex_lock(&s->lock);
    for (;;) {
        for (unsigned i = 0; i < s->n_readers; i++)
            if (!s->reader_busy[i]) {
                s->reader_busy[i] = true;
                pthread_mutex_unlock(&s->lock);
                return &s->readers[i];
            }
        pthread_cond_wait(&s->reader_cond, &s->lock);
    }
}

static void reader_put(struct storage_sqlite *s, struct conn *c)
{
    pthread_mutex_lock(&s->lock);
    s->reader_busy[c - s->readers] = false;
    pthread_cond_signal(&s->reader_cond);
    pthread_mutex_unlock(&s->lock);
}

/* ---- helpers ---- */

static void copy_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static int copy_blob(uint8_t **dst, size_t *len, sqlite3_stmt *st, int col)
{
    int n = sqlite3_column_bytes(st, col);
    const void *b = sqlite3_column_blob(st, col);
    *dst = NULL;
    *len = 0;
    if (!b || n <= 0)
        return 0;
    *dst = malloc((size_t)n);
    if (!*dst)
        return -ENOMEM;
    memcpy(*dst, b, (size_t)n);
    *len = (size_t)n;
    return 0;
}

static int step_done(sqlite3_stmt *st)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    return r == SQLITE_DONE ? 0 : (r == SQLITE_CONSTRAINT ? -EEXIST : -EIO);
}

void machine_done(struct machine *m)
{
    if (!m)
        return;
    free(m->ak_public);
    free(m->ima_state);
    free(m->ek_public);
    m->ak_public = m->ima_state = m->ek_public = NULL;
}

void enrollment_done(struct enrollment *en)
{
    if (!en)
        return;
    free(en->ak_public);
    free(en->ek_public);
    OPENSSL_cleanse(en->secret, sizeof(en->secret));
    en->ak_public = en->ek_public = NULL;
}

/* ---- enrollments ---- */

struct put_enrollment_arg {
    const struct enrollment *en;
    unsigned max_pending;
};

static int op_put_enrollment(struct conn *c, void *arg)
{
    const struct put_enrollment_arg *pa = arg;
    const struct enrollment *en = pa->en;
    /* Bounded: unauthenticated requests cannot pile up challenges for one EK. */
    sqlite3_stmt *st = stmt(c, "SELECT count(*) FROM enrollments WHERE ek_digest = ?"
                               " AND expires_at >= unixepoch()");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, en->ek_digest, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    int pending = r == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    if (pending < 0)
        return -EIO;
    if ((unsigned)pending >= pa->max_pending)
        return -EBUSY;
    st = stmt(c, "INSERT INTO enrollments (id, machine_id, hostname, ak_name,"
                 " ek_digest, ak_public, secret, expires_at, ek_public)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, en->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, en->machine_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, en->hostname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, en->ak_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, en->ek_digest, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, en->ak_public, (int)en->ak_public_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, en->secret, sizeof(en->secret), SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, en->expires_at);
    sqlite3_bind_blob(st, 9, en->ek_public, (int)en->ek_public_len, SQLITE_STATIC);
    return step_done(st);
}

static int sqlite_put_enrollment(struct storage *s, const struct enrollment *en)
{
    struct put_enrollment_arg a = {en, to_sqlite(s)->max_pending};
    return submit(to_sqlite(s), op_put_enrollment, &a);
}

struct take_enrollment_arg {
    const char *id;
    struct enrollment *ret;
};

static int op_take_enrollment(struct conn *c, void *arg)
{
    struct take_enrollment_arg *a = arg;
    sqlite3_stmt *st = stmt(c, "DELETE FROM enrollments WHERE id = ? RETURNING machine_id,"
                               " hostname, ak_name, ek_digest, ak_public, secret, expires_at,"
                               " ek_public");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_DONE) {
        sqlite3_reset(st);
        return -ENOENT;
    }
    if (r != SQLITE_ROW) {
        sqlite3_reset(st);
        return -EIO;
    }
    struct enrollment *en = a->ret;
    *en = (struct enrollment){0};
    snprintf(en->id, sizeof(en->id), "%s", a->id);
    copy_text(en->machine_id, sizeof(en->machine_id), st, 0);
    copy_text(en->hostname, sizeof(en->hostname), st, 1);
    copy_text(en->ak_name, sizeof(en->ak_name), st, 2);
    copy_text(en->ek_digest, sizeof(en->ek_digest), st, 3);
    r = copy_blob(&en->ak_public, &en->ak_public_len, st, 4);
    if (r == 0)
        r = copy_blob(&en->ek_public, &en->ek_public_len, st, 7);
    if (sqlite3_column_bytes(st, 5) == sizeof(en->secret))
        memcpy(en->secret, sqlite3_column_blob(st, 5), sizeof(en->secret));
    en->expires_at = sqlite3_column_int64(st, 6);
    /* Finish the statement so the DELETE completes. */
    while (sqlite3_step(st) == SQLITE_ROW)
        ;
    sqlite3_reset(st);
    return r;
}

static int sqlite_take_enrollment(struct storage *s, const char *id, struct enrollment *ret)
{
    struct take_enrollment_arg a = {id, ret};
    return submit(to_sqlite(s), op_take_enrollment, &a);
}

/* ---- machines ---- */

#define MACHINE_COLUMNS                                                                            \
    "machine_id, hostname, ak_name, ek_digest, ak_public, status, grp, enrolled_at, has_clock,"    \
    " clock, reset_count, restart_count, ima_count, ima_state, last_status, last_verdict_at,"      \
    " ek_public, ima_policy"

static int read_machine(sqlite3_stmt *st, struct machine *m)
{
    *m = (struct machine){0};
    copy_text(m->machine_id, sizeof(m->machine_id), st, 0);
    copy_text(m->hostname, sizeof(m->hostname), st, 1);
    copy_text(m->ak_name, sizeof(m->ak_name), st, 2);
    copy_text(m->ek_digest, sizeof(m->ek_digest), st, 3);
    copy_text(m->status, sizeof(m->status), st, 5);
    copy_text(m->group, sizeof(m->group), st, 6);
    m->enrolled_at = sqlite3_column_int64(st, 7);
    m->has_clock = sqlite3_column_int(st, 8) != 0;
    m->clock = (uint64_t)sqlite3_column_int64(st, 9);
    m->reset_count = (uint32_t)sqlite3_column_int64(st, 10);
    m->restart_count = (uint32_t)sqlite3_column_int64(st, 11);
    m->ima_count = sqlite3_column_int64(st, 12);
    copy_text(m->last_status, sizeof(m->last_status), st, 14);
    m->last_verdict_at = sqlite3_column_int64(st, 15);
    copy_text(m->ima_policy, sizeof(m->ima_policy), st, 17);
    if (copy_blob(&m->ak_public, &m->ak_public_len, st, 4) < 0 ||
        copy_blob(&m->ima_state, &m->ima_state_len, st, 13) < 0 ||
        copy_blob(&m->ek_public, &m->ek_public_len, st, 16) < 0) {
        machine_done(m);
        return -ENOMEM;
    }
    return 0;
}

static int get_machine_where(struct storage *s, const char *sql, const char *key,
                             struct machine *ret)
{
    struct storage_sqlite *q = to_sqlite(s);
    struct conn *c = reader_get(q);
    int r = -EIO;
    sqlite3_stmt *st = stmt(c, sql);
    if (st) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            r = read_machine(st, ret);
        else if (step == SQLITE_DONE)
            r = -ENOENT;
        sqlite3_reset(st);
    }
    reader_put(q, c);
    return r;
}

static int sqlite_get_machine(struct storage *s, const char *machine_id, struct machine *ret)
{
    return get_machine_where(s, "SELECT " MACHINE_COLUMNS " FROM machines WHERE machine_id = ?",
                             machine_id, ret);
}

static int sqlite_get_machine_by_ak(struct storage *s, const char *ak_name, struct machine *ret)
{
    return get_machine_where(s, "SELECT " MACHINE_COLUMNS " FROM machines WHERE ak_name = ?",
                             ak_name, ret);
}

/* Whether the row's EK is m's: the same identity, or, for a row written before
 * schema version 5 (no ek_public), the same digest of the marshaled public area. */
#define SAME_EK "(ek_digest = ?1 OR (ek_public IS NULL AND ek_digest = ?2))"

static void bind_ek(sqlite3_stmt *st, const struct machine *m)
{
    sqlite3_bind_text(st, 1, m->ek_digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->ek_legacy, -1, SQLITE_STATIC);
}

/* A re-enrollment: new AK; a row of before version 5 gets the identity and the EK public. */
static int update_enrolled(struct conn *c, const struct machine *m)
{
    sqlite3_stmt *st = stmt(c, "UPDATE machines SET hostname = ?3, ak_name = ?4, ak_public = ?5,"
                               " ek_digest = ?1, ek_public = ?6 WHERE machine_id = ?7");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, m->ek_digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->hostname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, m->ak_name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, m->ak_public, (int)m->ak_public_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, m->ek_public, (int)m->ek_public_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, m->machine_id, -1, SQLITE_STATIC);
    return step_done(st);
}

static int op_enroll_machine(struct conn *c, void *arg)
{
    const struct machine *m = arg;
    /* The hardware identity is the EK: a machine id never moves to another EK. */
    sqlite3_stmt *st = stmt(c, "SELECT " SAME_EK " FROM machines WHERE machine_id = ?3");
    if (!st)
        return -EIO;
    bind_ek(st, m);
    sqlite3_bind_text(st, 3, m->machine_id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        bool same = sqlite3_column_int(st, 0) == 1;
        sqlite3_reset(st);
        return same ? update_enrolled(c, m) : -EEXIST;
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE)
        return -EIO;
    /* One EK, one machine: a TPM cannot enroll under a second machine id. */
    st = stmt(c, "SELECT 1 FROM machines WHERE " SAME_EK);
    if (!st)
        return -EIO;
    bind_ek(st, m);
    r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r == SQLITE_ROW)
        return -EEXIST;
    if (r != SQLITE_DONE)
        return -EIO;
    st = stmt(c, "INSERT INTO machines (machine_id, hostname, ak_name, ek_digest, ak_public,"
                 " status, enrolled_at, ek_public) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, m->machine_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->hostname, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->ak_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, m->ek_digest, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, m->ak_public, (int)m->ak_public_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, m->status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, m->enrolled_at);
    sqlite3_bind_blob(st, 8, m->ek_public, (int)m->ek_public_len, SQLITE_STATIC);
    return step_done(st); /* an AK name of another machine: UNIQUE -> -EEXIST */
}

static int sqlite_enroll_machine(struct storage *s, const struct machine *m)
{
    return submit(to_sqlite(s), op_enroll_machine, (void *)m);
}

static int put_audit(struct conn *c, const struct audit_entry *e);

struct machine_field_arg {
    const char *sql;
    const char *machine_id;
    const char *value;
    const struct audit_entry *audit;
};

static int op_update_machine(struct conn *c, void *arg)
{
    struct machine_field_arg *a = arg;
    sqlite3_stmt *st = stmt(c, a->sql);
    if (!st)
        return -EIO;
    int i = 1;
    if (a->value)
        sqlite3_bind_text(st, i++, a->value, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, i, a->machine_id, -1, SQLITE_STATIC);
    int r = step_done(st);
    if (r < 0)
        return r;
    if (sqlite3_changes(c->db) == 0)
        return -ENOENT;
    return a->audit ? put_audit(c, a->audit) : 0;
}

static int sqlite_set_machine_status(struct storage *s, const char *machine_id, const char *status,
                                     const struct audit_entry *audit)
{
    struct machine_field_arg a = {"UPDATE machines SET status = ? WHERE machine_id = ?", machine_id,
                                  status, audit};
    return submit(to_sqlite(s), op_update_machine, &a);
}

static int sqlite_set_machine_group(struct storage *s, const char *machine_id, const char *group,
                                    const struct audit_entry *audit)
{
    struct machine_field_arg a = {"UPDATE machines SET grp = ? WHERE machine_id = ?", machine_id,
                                  group, audit};
    return submit(to_sqlite(s), op_update_machine, &a);
}

static int op_reset_machine(struct conn *c, void *arg)
{
    const struct machine_field_arg *a = arg;
    const char *machine_id = a->machine_id;
    sqlite3_stmt *st = stmt(c, "DELETE FROM evidence WHERE machine_id = ?");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
    int r = step_done(st);
    if (r < 0)
        return r;
    st = stmt(c, "DELETE FROM machines WHERE machine_id = ?");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
    r = step_done(st);
    if (r < 0)
        return r;
    if (sqlite3_changes(c->db) == 0)
        return -ENOENT;
    return a->audit ? put_audit(c, a->audit) : 0;
}

static int sqlite_reset_machine(struct storage *s, const char *machine_id,
                                const struct audit_entry *audit)
{
    struct machine_field_arg a = {NULL, machine_id, NULL, audit};
    return submit(to_sqlite(s), op_reset_machine, &a);
}

static int sqlite_list_machines(struct storage *s,
                                int (*each)(const struct machine *m, void *userdata),
                                void *userdata)
{
    struct storage_sqlite *q = to_sqlite(s);
    struct conn *c = reader_get(q);
    int r = -EIO;
    sqlite3_stmt *st = stmt(c, "SELECT " MACHINE_COLUMNS " FROM machines ORDER BY machine_id");
    if (st) {
        int step;
        r = 0;
        while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
            struct machine m;
            r = read_machine(st, &m);
            if (r == 0)
                r = each(&m, userdata);
            machine_done(&m);
        }
        if (r == 0 && step != SQLITE_DONE)
            r = -EIO;
        sqlite3_reset(st);
    }
    reader_put(q, c);
    return r;
}

static int sqlite_list_attestations(struct storage *s, const char *machine_id, unsigned limit,
                                    int (*each)(const struct attestation_record *a, void *userdata),
                                    void *userdata)
{
    struct storage_sqlite *q = to_sqlite(s);
    struct conn *c = reader_get(q);
    int r = -EIO;
    sqlite3_stmt *st = stmt(c, "SELECT ak_name, at, status, failed_checks, boot_policy,"
                               " ima_policy FROM attestations"
                               " WHERE machine_id = ? ORDER BY id DESC LIMIT ?");
    if (st) {
        int step;
        r = 0;
        sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, (int)limit);
        while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
            struct attestation_record a = {0};
            snprintf(a.machine_id, sizeof(a.machine_id), "%s", machine_id);
            copy_text(a.ak_name, sizeof(a.ak_name), st, 0);
            a.at = sqlite3_column_int64(st, 1);
            copy_text(a.status, sizeof(a.status), st, 2);
            a.failed_checks = (char *)sqlite3_column_text(st, 3);
            copy_text(a.boot_policy, sizeof(a.boot_policy), st, 4);
            copy_text(a.ima_policy_ref, sizeof(a.ima_policy_ref), st, 5);
            r = each(&a, userdata);
        }
        if (r == 0 && step != SQLITE_DONE)
            r = -EIO;
        sqlite3_reset(st);
    }
    reader_put(q, c);
    return r;
}

/* ---- nonces ---- */

struct consume_arg {
    const uint8_t *nonce;
    int64_t expires_at;
};

static int op_consume_nonce(struct conn *c, void *arg)
{
    const struct consume_arg *a = arg;
    sqlite3_stmt *st = stmt(c, "INSERT INTO used_nonces (nonce, expires_at) VALUES (?, ?)");
    if (!st)
        return -EIO;
    sqlite3_bind_blob(st, 1, a->nonce, ST_NONCE_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->expires_at);
    int r = step_done(st);
    return r == -EEXIST ? -EALREADY : r; /* the primary key: consumed before */
}

static int sqlite_consume_nonce(struct storage *s, const uint8_t nonce[ST_NONCE_LEN],
                                int64_t expires_at)
{
    struct consume_arg a = {nonce, expires_at};
    return submit(to_sqlite(s), op_consume_nonce, &a);
}

static int sqlite_nonce_used(struct storage *s, const uint8_t nonce[ST_NONCE_LEN])
{
    struct storage_sqlite *q = to_sqlite(s);
    struct conn *c = reader_get(q);
    int r = -EIO;
    sqlite3_stmt *st = stmt(c, "SELECT 1 FROM used_nonces WHERE nonce = ?");
    if (st) {
        sqlite3_bind_blob(st, 1, nonce, ST_NONCE_LEN, SQLITE_STATIC);
        int step = sqlite3_step(st);
        r = step == SQLITE_ROW ? -EALREADY : step == SQLITE_DONE ? 0 : -EIO;
        sqlite3_reset(st);
    }
    reader_put(q, c);
    return r;
}

/* ---- attestations ---- */

/* (resetCount, restartCount, clock) of the bound quote above the stored one. */
#define NEWER "(has_clock = 0 OR (reset_count, restart_count, clock) < (?4, ?5, ?3))"

/*
 * The machine's state moves only while it is still the machine that was
 * admitted (same AK, same EK, enrolled): an operator's reset, revoke or a
 * re-enrollment that committed while this attestation was judged wins.
 */
#define ADMITTED                                                                                   \
    " WHERE machine_id = ?8 AND ak_name = ?9 AND ek_digest = ?10 AND status = 'enrolled'"

static int update_machine_state(struct conn *c, const struct attestation_record *a)
{
    sqlite3_stmt *st;
    if (a->pass) {
        /*
         * The stored clock only moves forward, even when two attestations of one
         * AK were checked concurrently and commit out of order.
         */
        st = stmt(c, "UPDATE machines SET last_status = ?1, last_verdict_at = ?2,"
                     " ima_count = ?6, ima_state = ?7, ima_policy = ?11,"
                     " clock = CASE WHEN " NEWER " THEN ?3 ELSE clock END,"
                     " reset_count = CASE WHEN " NEWER " THEN ?4 ELSE reset_count END,"
                     " restart_count = CASE WHEN " NEWER " THEN ?5 ELSE restart_count END,"
                     " has_clock = 1" ADMITTED);
        if (!st)
            return -EIO;
        sqlite3_bind_int64(st, 3, (sqlite3_int64)a->clock);
        sqlite3_bind_int64(st, 4, a->reset_count);
        sqlite3_bind_int64(st, 5, a->restart_count);
        sqlite3_bind_int64(st, 6, a->ima_count);
        if (a->ima_state)
            sqlite3_bind_blob(st, 7, a->ima_state, (int)a->ima_state_len, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 7);
        sqlite3_bind_text(st, 11, a->ima_policy ? a->ima_policy : "", -1, SQLITE_STATIC);
    } else {
        st = stmt(c, "UPDATE machines SET last_status = ?1, last_verdict_at = ?2" ADMITTED);
        if (!st)
            return -EIO;
    }
    sqlite3_bind_text(st, 1, a->status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->at);
    sqlite3_bind_text(st, 8, a->machine_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, a->ak_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, a->ek_digest ? a->ek_digest : "", -1, SQLITE_STATIC);
    int r = step_done(st);
    if (r < 0)
        return r;
    return sqlite3_changes(c->db) == 1 ? 0 : -ESTALE;
}

static void bind_blob_or_null(sqlite3_stmt *st, int i, const uint8_t *buf, size_t len)
{
    if (buf)
        sqlite3_bind_blob(st, i, buf, (int)len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* The attestation's evidence, then the machine's rows beyond the last keep pruned. */
static int put_evidence(struct conn *c, const struct attestation_record *a, unsigned keep)
{
    const struct evidence *e = a->evidence;
    sqlite3_stmt *st = stmt(c, "INSERT INTO evidence (machine_id, at, quote, signature,"
                               " pcrs, event_log, ima_log, ima_from, passed, quote_ok)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, a->machine_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, a->at);
    sqlite3_bind_blob(st, 3, e->quote, (int)e->quote_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, e->signature, (int)e->signature_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->pcrs ? e->pcrs : "{}", -1, SQLITE_STATIC);
    bind_blob_or_null(st, 6, e->event_log, e->event_log_len);
    bind_blob_or_null(st, 7, e->ima_log, e->ima_log_len);
    sqlite3_bind_int64(st, 8, e->ima_from);
    sqlite3_bind_int(st, 9, a->pass);
    sqlite3_bind_int(st, 10, e->quote_ok);
    int r = step_done(st);
    if (r < 0)
        return r;
    st = stmt(c, "DELETE FROM evidence WHERE machine_id = ?1 AND id NOT IN"
                 " (SELECT id FROM evidence WHERE machine_id = ?1 ORDER BY id DESC LIMIT ?2)");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, a->machine_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, (int)keep);
    return step_done(st);
}

struct record_arg {
    const struct attestation_record *a;
    unsigned keep; /* evidence rows per machine */
};

static int op_record_attestation(struct conn *c, void *arg)
{
    const struct record_arg *ra = arg;
    const struct attestation_record *a = ra->a;
    if (!a->nonce)
        return -EINVAL; /* every attestation consumes its nonce */
    /* First: a replayed nonce writes nothing (the savepoint rolls back). */
    struct consume_arg used = {a->nonce, a->nonce_expires_at};
    int r = op_consume_nonce(c, &used);
    if (r < 0)
        return r;
    r = update_machine_state(c, a);
    if (r < 0)
        return r;
    sqlite3_stmt *st = stmt(c, "INSERT INTO attestations (machine_id, ak_name, at, status,"
                               " failed_checks, boot_policy, ima_policy)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, a->machine_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->ak_name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, a->at);
    sqlite3_bind_text(st, 4, a->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->failed_checks ? a->failed_checks : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, a->boot_policy, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, a->ima_policy_ref, -1, SQLITE_STATIC);
    r = step_done(st);
    if (r < 0 || !a->evidence)
        return r;
    return put_evidence(c, a, ra->keep);
}

static int sqlite_record_attestation(struct storage *s, const struct attestation_record *a)
{
    struct record_arg ra = {a, to_sqlite(s)->evidence_per_machine};
    return submit(to_sqlite(s), op_record_attestation, &ra);
}

/* ---- policies ---- */

void policy_ref_text(const struct policy_ref *ref, char out[ST_POLICY_REF_MAX])
{
    out[0] = 0;
    if (ref && ref->version > 0)
        snprintf(out, ST_POLICY_REF_MAX, "%s/%s@%lld", ref->scope, ref->name,
                 (long long)ref->version);
}

void policy_version_done(struct policy_version *v)
{
    if (!v)
        return;
    free(v->reason);
    free(v->body);
    free(v->diff);
    v->reason = v->body = v->diff = NULL;
}

/* The current version of (scope, name, kind): 0 when none; -EIO. */
static int64_t current_version(struct conn *c, const struct policy_change *a)
{
    sqlite3_stmt *st = stmt(c, "SELECT max(version) FROM policy_versions"
                               " WHERE scope = ? AND name = ? AND kind = ?");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, a->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->kind, -1, SQLITE_STATIC);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -EIO;
    sqlite3_reset(st);
    return v;
}

static int put_audit(struct conn *c, const struct audit_entry *e)
{
    sqlite3_stmt *st = stmt(c, "INSERT INTO audit (at, actor, action, target, reason, detail)"
                               " VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, e->at);
    sqlite3_bind_text(st, 2, e->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->target, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, e->reason ? e->reason : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, e->detail ? e->detail : "", -1, SQLITE_STATIC);
    return step_done(st);
}

struct set_policy_arg {
    const struct policy_change *c;
    int64_t version;
};

static int op_set_policy(struct conn *c, void *arg)
{
    struct set_policy_arg *sa = arg;
    const struct policy_change *a = sa->c;
    int64_t cur = current_version(c, a);
    if (cur < 0)
        return (int)cur;
    if (a->base_version >= 0 && a->base_version != cur)
        return -ESTALE; /* another change committed first */
    sa->version = cur + 1;
    sqlite3_stmt *st = stmt(c, "INSERT INTO policy_versions (scope, name, kind, version, body,"
                               " action, author, at, reason, diff)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, a->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, sa->version);
    sqlite3_bind_text(st, 5, a->body, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, a->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, a->author, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, a->at);
    sqlite3_bind_text(st, 9, a->reason ? a->reason : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, a->diff ? a->diff : "{}", -1, SQLITE_STATIC);
    int r = step_done(st);
    if (r < 0)
        return r;
    st = stmt(c, "INSERT OR REPLACE INTO policies (scope, name, kind, policy, version)"
                 " VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, a->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, sa->version);
    r = step_done(st);
    if (r < 0)
        return r;
    char target[ST_POLICY_REF_MAX + 160], action[32];
    snprintf(target, sizeof(target), "%s/%s/%s@%lld", a->scope, a->name, a->kind,
             (long long)sa->version);
    snprintf(action, sizeof(action), "policy-%s", a->action);
    const struct audit_entry e = {.at = a->at,
                                  .actor = a->author,
                                  .action = action,
                                  .target = target,
                                  .reason = a->reason,
                                  .detail = a->diff};
    return put_audit(c, &e);
}

static int sqlite_set_policy(struct storage *s, const struct policy_change *c, int64_t *ret_version)
{
    struct set_policy_arg a = {c, 0};
    int r = submit(to_sqlite(s), op_set_policy, &a);
    if (r == 0 && ret_version)
        *ret_version = a.version;
    return r;
}

static int read_version(sqlite3_stmt *st, struct policy_version *v)
{
    *v = (struct policy_version){.version = sqlite3_column_int64(st, 0),
                                 .at = sqlite3_column_int64(st, 1)};
    copy_text(v->action, sizeof(v->action), st, 2);
    copy_text(v->author, sizeof(v->author), st, 3);
    const char *t[3];
    for (int i = 0; i < 3; i++) {
        t[i] = (const char *)sqlite3_column_text(st, 4 + i);
    }
    v->reason = strdup(t[0] ? t[0] : "");
    v->body = strdup(t[1] ? t[1] : "");
    v->diff = strdup(t[2] ? t[2] : "{}");
    if (!v->reason || !v->body || !v->diff) {
        policy_version_done(v);
        return -ENOMEM;
    }
    return 0;
}

#define VERSION_COLUMNS "version, at, action, author, reason, body, diff"

static int sqlite_get_policy_version(struct storage *s, const char *scope, const char *name,
                                     const char *kind, int64_t version, struct policy_version *ret)
{
    struct storage_sqlite *q = to_sqlite(s);
    struct conn *c = reader_get(q);
    int r = -EIO;
    sqlite3_stmt *st = stmt(c, "SELECT " VERSION_COLUMNS " FROM policy_versions"
                               " WHERE scope = ?1 AND name = ?2 AND kind = ?3 AND"
                               " (?4 = 0 OR version = ?4) ORDER BY version DESC LIMIT 1");
    if (st) {
        sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, version);
        int step = sqlite3_step(st);
        r = step == SQLITE_ROW ? read_version(st, ret) : step == SQLITE_DONE ? -ENOENT : -EIO;
        sqlite3_reset(st);
    }
    reader_put(q, c);
    return r;
}

static int sqlite_list_policy_versions(struct storage *s, const char *scope, const char *name,
                                       const char *kind, unsigned limit,
                                       int (*each)(const struct policy_version *v, void *userdata),
                                       void *userdata)
{
    struct storage_sqlite *q = to_sqlite(s);
    struct conn *c = reader_get(q);
    int r = -EIO;
    sqlite3_stmt *st = stmt(c, "SELECT " VERSION_COLUMNS " FROM policy_versions"
                               " WHERE scope = ? AND name = ? AND kind = ?"
                               " ORDER BY version DESC LIMIT ?");
    if (st) {
        int step;
        r = 0;
        sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, (int)limit);
        while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
            struct policy_version v;
            r = read_version(st, &v);
            if (r == 0)
                r = each(&v, userdata);
            policy_version_done(&v);
        }
        if (r == 0 && step != SQLITE_DONE)
            r = -EIO;
        sqlite3_reset(st);
    }
    reader_put(q, c);
    return r;
}

static int op_add_audit(struct conn *c, void *arg)
{
    return put_audit(c, arg);
}

static int sqlite_add_audit(struct storage *s, const struct audit_entry *e)
{
    return submit(to_sqlite(s), op_add_audit, (void *)e);
}

static int sqlite_list_audit(struct storage *s, int64_t since, unsigned limit,
                             int (*each)(const struct audit_entry *e, void *userdata),
                             void *userdata)
{
    struct storage_sqlite *q = to_sqlite(s);
    struct conn *c = reader_get(q);
    int r = -EIO;
    sqlite3_stmt *st = stmt(c, "SELECT id, at, actor, action, target, reason, detail FROM audit"
                               " WHERE at >= ? ORDER BY at, id LIMIT ?");
    if (st) {
        int step;
        r = 0;
        sqlite3_bind_int64(st, 1, since);
        sqlite3_bind_int(st, 2, (int)(limit < ST_AUDIT_LIMIT_MAX ? limit : ST_AUDIT_LIMIT_MAX));
        while (r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
            const struct audit_entry e = {
                .id = sqlite3_column_int64(st, 0),
                .at = sqlite3_column_int64(st, 1),
                .actor = (const char *)sqlite3_column_text(st, 2),
                .action = (const char *)sqlite3_column_text(st, 3),
                .target = (const char *)sqlite3_column_text(st, 4),
                .reason = (const char *)sqlite3_column_text(st, 5),
                .detail = (const char *)sqlite3_column_text(st, 6),
            };
            r = each(&e, userdata);
        }
        if (r == 0 && step != SQLITE_DONE)
            r = -EIO;
        sqlite3_reset(st);
    }
    reader_put(q, c);
    return r;
}

void evidence_done(struct evidence *e)
{
    free(e->quote);
    free(e->signature);
    free(e->event_log);
    free(e->ima_log);
    free(e->pcrs);
    *e = (struct evidence){0};
}

static int read_evidence(sqlite3_stmt *st, struct evidence *e)
{
    *e = (struct evidence){.at = sqlite3_column_int64(st, 0),
                           .ima_from = sqlite3_column_int64(st, 6),
                           .passed = sqlite3_column_int(st, 7) != 0,
                           .quote_ok = sqlite3_column_int(st, 8) != 0};
    const char *pcrs = (const char *)sqlite3_column_text(st, 3);
    e->pcrs = strdup(pcrs ? pcrs : "{}");
    if (!e->pcrs || copy_blob(&e->quote, &e->quote_len, st, 1) < 0 ||
        copy_blob(&e->signature, &e->signature_len, st, 2) < 0 ||
        copy_blob(&e->event_log, &e->event_log_len, st, 4) < 0 ||
        copy_blob(&e->ima_log, &e->ima_log_len, st, 5) < 0) {
        evidence_done(e);
        return -ENOMEM;
    }
    return 0;
}

static int sqlite_get_evidence(struct storage *s, const char *machine_id, struct evidence *ret)
{
    struct storage_sqlite *q = to_sqlite(s);
    struct conn *c = reader_get(q);
    int r = -EIO;
    sqlite3_stmt *st = stmt(c, "SELECT at, quote, signature, pcrs, event_log, ima_log, ima_from,"
                               " passed, quote_ok FROM evidence WHERE machine_id = ?"
                               " ORDER BY id DESC LIMIT 1");
    if (st) {
        sqlite3_bind_text(st, 1, machine_id, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            r = read_evidence(st, ret);
        else if (step == SQLITE_DONE)
            r = -ENOENT;
        sqlite3_reset(st);
    }
    reader_put(q, c);
    return r;
}

static int sqlite_get_policy(struct storage *s, const struct machine *m, const char *kind,
                             char **ret_json, struct policy_ref *ret_ref)
{
    struct storage_sqlite *q = to_sqlite(s);
    struct conn *c = reader_get(q);
    int r = -EIO;
    /* The machine's own policy wins over its group's. */
    sqlite3_stmt *st =
        stmt(c, "SELECT policy, scope, name, version FROM policies WHERE kind = ?1 AND"
                " ((scope = 'machine' AND name = ?2) OR"
                " (scope = 'group' AND name = ?3))"
                " ORDER BY scope = 'machine' DESC LIMIT 1");
    if (st) {
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, m->machine_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, m->group, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *ret_json = strdup((const char *)sqlite3_column_text(st, 0));
            r = *ret_json ? 0 : -ENOMEM;
            if (ret_ref) {
                copy_text(ret_ref->scope, sizeof(ret_ref->scope), st, 1);
                copy_text(ret_ref->name, sizeof(ret_ref->name), st, 2);
                ret_ref->version = sqlite3_column_int64(st, 3);
            }
        } else if (step == SQLITE_DONE) {
            r = -ENOENT;
        }
        sqlite3_reset(st);
    }
    reader_put(q, c);
    return r;
}

static int op_expire(struct conn *c, void *arg)
{
    const int64_t *now = arg;
    sqlite3_stmt *st = stmt(c, "DELETE FROM enrollments WHERE expires_at < ?");
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, *now);
    int r = step_done(st);
    if (r < 0)
        return r;
    /* A pruned nonce must already be expired for every verifier sharing the database. */
    st = stmt(c, "DELETE FROM used_nonces WHERE expires_at < ?");
    if (!st)
        return -EIO;
    sqlite3_bind_int64(st, 1, *now - ST_NONCE_PRUNE_GRACE);
    return step_done(st);
}

static int sqlite_expire(struct storage *s, int64_t now)
{
    return submit(to_sqlite(s), op_expire, &now);
}

static void sqlite_stats(struct storage *s, struct storage_stats *ret)
{
    struct storage_sqlite *q = to_sqlite(s);
    pthread_mutex_lock(&q->lock);
    *ret = q->stats;
    pthread_mutex_unlock(&q->lock);
}

/* ---- lifecycle ---- */

static void sqlite_close(struct storage *s)
{
    struct storage_sqlite *q = to_sqlite(s);
    if (q->thread_started) {
        pthread_mutex_lock(&q->lock);
        q->stop = true;
        pthread_cond_signal(&q->queue_cond);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->thread, NULL);
    }
    for (unsigned i = 0; i < q->n_readers; i++)
        conn_close(&q->readers[i]);
    conn_close(&q->writer);
    free(q->readers);
    free(q->reader_busy);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->queue_cond);
    pthread_cond_destroy(&q->reader_cond);
    free(q);
}

static const struct storage_ops sqlite_ops = {
    .close = sqlite_close,
    .put_enrollment = sqlite_put_enrollment,
    .take_enrollment = sqlite_take_enrollment,
    .enroll_machine = sqlite_enroll_machine,
    .get_machine = sqlite_get_machine,
    .get_machine_by_ak = sqlite_get_machine_by_ak,
    .set_machine_status = sqlite_set_machine_status,
    .set_machine_group = sqlite_set_machine_group,
    .reset_machine = sqlite_reset_machine,
    .get_evidence = sqlite_get_evidence,
    .list_machines = sqlite_list_machines,
    .list_attestations = sqlite_list_attestations,
    .nonce_used = sqlite_nonce_used,
    .consume_nonce = sqlite_consume_nonce,
    .record_attestation = sqlite_record_attestation,
    .set_policy = sqlite_set_policy,
    .get_policy = sqlite_get_policy,
    .get_policy_version = sqlite_get_policy_version,
    .list_policy_versions = sqlite_list_policy_versions,
    .add_audit = sqlite_add_audit,
    .list_audit = sqlite_list_audit,
    .expire = sqlite_expire,
    .stats = sqlite_stats,
};

int storage_sqlite_open(const struct storage_sqlite_options *o, struct storage **ret)
{
    struct storage_sqlite *q = calloc(1, sizeof(*q));
    if (!q)
        return -ENOMEM;
    q->base.ops = &sqlite_ops;
    q->batch_max = o->batch_max ? o->batch_max : 512;
    q->max_pending = o->max_pending ? o->max_pending : 16;
    q->evidence_per_machine =
        o->evidence_per_machine ? o->evidence_per_machine : ST_EVIDENCE_DEFAULT;
    if (q->evidence_per_machine > ST_EVIDENCE_MAX)
        q->evidence_per_machine = ST_EVIDENCE_MAX;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->queue_cond, NULL);
    pthread_cond_init(&q->reader_cond, NULL);
    int r = conn_open(&q->writer, o->path, false);
    if (r == 0)
        r = migrate(&q->writer);
    unsigned n = o->readers ? o->readers : 4;
    if (r == 0) {
        q->readers = calloc(n, sizeof(*q->readers));
        q->reader_busy = calloc(n, sizeof(*q->reader_busy));
        if (!q->readers || !q->reader_busy)
            r = -ENOMEM;
    }
    for (unsigned i = 0; r == 0 && i < n; i++) {
        q->n_readers++;
        r = conn_open(&q->readers[i], o->path, true);
    }
    if (r == 0) {
        int e = pthread_create(&q->thread, NULL, writer_main, q);
        if (e != 0)
            r = -e;
    }
    if (r < 0) {
        sqlite_close(&q->base);
        return r;
    }
    q->thread_started = true;
    *ret = &q->base;
    return 0;
}
