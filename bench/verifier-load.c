/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verifier-load: load generator for attest-verifier (libcurl multi).
 *
 *   verifier-load URL TCTI DIR MACHINES COUNT CONCURRENCY [VERIFIER_PID]
 *
 * DIR holds ak<i>.ctx (tpm2-tools context) and ak<i>.name for enrolled AKs
 * 0..MACHINES-1 (bench/verifier-load.py prepares them). Phases:
 *  1. COUNT nonces over CONCURRENCY connections (measured: nonces/s);
 *  2. a genuine quote for each nonce with the real TPM (not measured);
 *  3. COUNT attestations over CONCURRENCY connections, one in flight per AK
 *     and in quote order so the clock check holds (measured: attestations/s,
 *     p50/p99 latency, verdicts).
 * Prints "key value" lines for the driver.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/file-io.h"
#include "common/hex.h"
#include "common/pcr-selection.h"
#include "common/pcr-values.h"
#include "tpm/context.h"
#include "tpm/quote.h"
#include "tpm/tpm-ctx.h"

struct job {
    int machine;
    char *nonce_b64;
    char *body; /* attestation request */
    char response[2048];
    size_t response_len;
    double start, end;
    long status;
};

struct machine {
    char *name_hex;
    char *ctx_path; /* loaded per quote: a raw swtpm has three object slots */
    size_t next;    /* index into its queue of jobs */
    size_t n_jobs;
    struct job **jobs;
    bool busy;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) the verifier process used so far; 0 when unknown. */
static double process_cpu(long pid)
{
    char path[64], buf[1024];
    if (pid <= 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    unsigned long long ut, st;
    /* fields after the comm: state(3) ... utime(14) stime(15) */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static size_t on_data(char *ptr, size_t size, size_t n, void *userdata)
{
    struct job *j = userdata;
    size_t len = size * n, room = sizeof(j->response) - 1 - j->response_len;
    memcpy(j->response + j->response_len, ptr, len < room ? len : room);
    j->response_len += len < room ? len : room;
    j->response[j->response_len] = 0;
    return len;
}

static CURL *make_request(const char *url, const char *body, struct job *j,
                          struct curl_slist *headers)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(e, CURLOPT_PRIVATE, j);
    j->response_len = 0;
    j->start = now();
    return e;
}

/*
 * Run jobs through a multi handle with at most conc in flight; next() picks the
 * next job to start (NULL: none ready now), body() its request body.
 */
struct runner {
    CURLM *multi;
    struct curl_slist *headers;
    const char *url;
    unsigned conc, in_flight;
};

static int finish_done(struct runner *r, void (*done)(struct job *j, void *u), void *u)
{
    CURLMsg *msg;
    int left, finished = 0;
    while ((msg = curl_multi_info_read(r->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct job *j;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &j->status);
        if (msg->data.result != CURLE_OK)
            j->status = -1;
        j->end = now();
        curl_multi_remove_handle(r->multi, msg->easy_handle);
        curl_easy_cleanup(msg->easy_handle);
        r->in_flight--;
        finished++;
        done(j, u);
    }
    return finished;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void percentiles(struct job *jobs, size_t n, const char *prefix)
{
    double *lat = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        lat[i] = (jobs[i].end - jobs[i].start) * 1000.0;
    qsort(lat, n, sizeof(double), cmp_double);
    printf("%s_p50_ms %.2f\n%s_p99_ms %.2f\n%s_max_ms %.2f\n", prefix, lat[n / 2], prefix,
           lat[(size_t)((double)n * 0.99)], prefix, lat[n - 1]);
    free(lat);
}

/* ---- phase 1: nonces ---- */

struct nonce_state {
    struct job *jobs;
    size_t n, started, failed;
    char (*bodies)[256];
};

static void nonce_done(struct job *j, void *u)
{
    struct nonce_state *s = u;
    json_t *o = j->status == 201 ? json_loads(j->response, 0, NULL) : NULL;
    const char *n = json_string_value(json_object_get(o, "nonce"));
    if (n)
        j->nonce_b64 = strdup(n);
    else
        s->failed++;
    json_decref(o);
}

static void run_phase(struct runner *r, size_t total, struct job *(*next)(void *u),
                      const char *(*body)(struct job *j, void *u),
                      void (*done)(struct job *j, void *u), void *u)
{
    size_t finished = 0;
    while (finished < total) {
        while (r->in_flight < r->conc) {
            struct job *j = next(u);
            if (!j)
                break;
            CURL *e = make_request(r->url, body(j, u), j, r->headers);
            curl_multi_add_handle(r->multi, e);
            r->in_flight++;
        }
        int running;
        curl_multi_perform(r->multi, &running);
        finished += (size_t)finish_done(r, done, u);
        curl_multi_poll(r->multi, NULL, 0, 10, NULL);
    }
}

static struct job *nonce_next(void *u)
{
    struct nonce_state *s = u;
    return s->started < s->n ? &s->jobs[s->started++] : NULL;
}

static const char *nonce_body(struct job *j, void *u)
{
    struct nonce_state *s = u;
    return s->bodies[j - s->jobs];
}

/* ---- phase 3: attestations ---- */

struct attest_state {
    struct machine *m;
    size_t n_machines, rr;
    size_t affirming, contraindicated, failed;
};

static struct job *attest_next(void *u)
{
    struct attest_state *s = u;
    for (size_t k = 0; k < s->n_machines; k++) {
        struct machine *m = &s->m[(s->rr + k) % s->n_machines];
        if (!m->busy && m->next < m->n_jobs) {
            m->busy = true;
            s->rr = (s->rr + k + 1) % s->n_machines;
            return m->jobs[m->next++];
        }
    }
    return NULL;
}

static const char *attest_body(struct job *j, void *u)
{
    return j->body;
}

static void attest_done(struct job *j, void *u)
{
    struct attest_state *s = u;
    s->m[j->machine].busy = false;
    if (j->status != 200)
        s->failed++;
    else if (strstr(j->response, "\"status\":\"affirming\""))
        s->affirming++;
    else
        s->contraindicated++;
}

static char *quote_body(struct tpm_ctx *t, struct machine *m, const TPML_PCR_SELECTION *sel,
                        const char *nonce_b64, const char *ima_b64, int64_t ima_from)
{
    _cleanup_free_ uint8_t *nonce = NULL;
    size_t nonce_len;
    if (base64_decode(nonce_b64, 64, &nonce, &nonce_len) < 0)
        return NULL;
    struct tpm_quote *q = calloc(1, sizeof(*q));
    ESYS_TR ak;
    if (!q || context_load_file(t, m->ctx_path, &ak) < 0) {
        free(q);
        return NULL;
    }
    int r = tpm_quote(t, ak, nonce, nonce_len, sel, q);
    Esys_FlushContext(t->esys, ak);
    if (r < 0) {
        free(q);
        return NULL;
    }
    uint8_t sig[1024];
    size_t sig_len;
    if (tpm_quote_signature_bytes(&q->signature, sig, sizeof(sig), &sig_len) < 0) {
        free(q);
        return NULL;
    }
    _cleanup_free_ char *quote_b64 = base64_encode(q->attest.attestationData, q->attest.size);
    _cleanup_free_ char *sig_b64 = base64_encode(sig, sig_len);
    json_t *bank = json_object();
    for (uint32_t i = 0; i < q->values.count; i++) {
        _cleanup_free_ char *hex =
            hex_encode(q->values.digests[i].buffer, q->values.digests[i].size);
        char idx[16];
        /* the selection is one bank, PCRs 0..n-1 */
        snprintf(idx, sizeof(idx), "%u", i);
        json_object_set_new(bank, idx, json_string(hex));
    }
    free(q);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:{s:o}}", "ak_name", m->name_hex, "nonce", nonce_b64,
                  "quote", quote_b64, "signature", sig_b64, "pcr_values", "sha256", bank);
    if (o && ima_b64) {
        json_object_set_new(o, "ima_log", json_string(ima_b64));
        json_object_set_new(o, "ima_from", json_integer(ima_from));
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* ---- phase 4: incremental IMA ---- */

/* Append one ima-ng entry for path/digest to buf; *ret_extend = SHA-256(template data). */
static int ima_entry(FILE *buf, const char *path, const uint8_t digest[32], uint8_t ret_extend[32])
{
    uint8_t data[512];
    size_t n = 0;
    uint32_t d_len = 8 + 32, p_len = (uint32_t)strlen(path) + 1;
    if (p_len > 400)
        return -EINVAL;
    memcpy(data + n, &d_len, 4), n += 4; /* little endian: the test machines are x86 */
    memcpy(data + n, "sha256:\0", 8), n += 8;
    memcpy(data + n, digest, 32), n += 32;
    memcpy(data + n, &p_len, 4), n += 4;
    memcpy(data + n, path, p_len), n += p_len;
    uint8_t th[20];
    unsigned int len = 20;
    EVP_Digest(data, n, th, &len, EVP_sha1(), NULL);
    len = 32;
    EVP_Digest(data, n, ret_extend, &len, EVP_sha256(), NULL);
    uint32_t pcr = 10, name_len = 6, data_len = (uint32_t)n;
    fwrite(&pcr, 4, 1, buf);
    fwrite(th, 20, 1, buf);
    fwrite(&name_len, 4, 1, buf);
    fwrite("ima-ng", 6, 1, buf);
    fwrite(&data_len, 4, 1, buf);
    fwrite(data, n, 1, buf);
    return 0;
}

static int extend10(struct tpm_ctx *t, const uint8_t d[32])
{
    TPML_DIGEST_VALUES v = {.count = 1};
    v.digests[0].hashAlg = TPM2_ALG_SHA256;
    memcpy(v.digests[0].digest.sha256, d, 32);
    return Esys_PCR_Extend(t->esys, ESYS_TR_PCR10, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                           &v) == TSS2_RC_SUCCESS
               ? 0
               : -EIO;
}

/*
 * The IMA list of round r, extended into PCR 10: round 0 starts with
 * boot_aggregate (SHA-256 of PCRs 0-9), every round adds delta entries.
 */
static char *ima_round(struct tpm_ctx *t, unsigned round, size_t delta, size_t *ret_entries)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    uint8_t ext[32];
    size_t n = 0;
    if (round == 0) {
        TPML_PCR_SELECTION sel;
        pcrsel_parse("sha256:0-9", &sel);
        struct pcr_values *pv = calloc(1, sizeof(*pv));
        uint8_t agg[32];
        size_t agg_len;
        if (!pv || tpm_pcr_read(t, &sel, pv) < 0 ||
            pcr_values_digest(pv, TPM2_ALG_SHA256, agg, &agg_len) < 0) {
            free(pv);
            fclose(f);
            free(buf);
            return NULL;
        }
        free(pv);
        ima_entry(f, "boot_aggregate", agg, ext);
        extend10(t, ext);
        n++;
    }
    for (size_t i = 0; i < delta; i++) {
        char path[64];
        uint8_t digest[32];
        snprintf(path, sizeof(path), "/usr/lib/bench/r%u/file%zu", round, i);
        unsigned int dl = 32;
        EVP_Digest(path, strlen(path), digest, &dl, EVP_sha256(), NULL);
        ima_entry(f, path, digest, ext);
        if (extend10(t, ext) < 0)
            break;
        n++;
    }
    fclose(f);
    char *b64 = base64_encode((const uint8_t *)buf, len);
    free(buf);
    *ret_entries = n;
    return b64;
}

static int ima_phase(struct runner *r, struct tpm_ctx *t, struct machine *m, size_t n_machines,
                     unsigned rounds, size_t delta, const char *nonce_url, const char *attest_url,
                     const TPML_PCR_SELECTION *sel, long pid)
{
    double total = 0, cpu = 0;
    size_t done = 0, failed = 0, affirming = 0, unverified = 0;
    int64_t verified = 0;
    struct job *jobs = calloc(n_machines, sizeof(*jobs));
    double *lat = calloc(n_machines * rounds, sizeof(double));
    for (unsigned round = 0; round < rounds; round++) {
        size_t entries;
        _cleanup_free_ char *ima = ima_round(t, round, delta, &entries);
        if (!ima)
            return -EIO;
        memset(jobs, 0, n_machines * sizeof(*jobs));
        struct nonce_state ns = {.jobs = jobs, .n = n_machines, .bodies = calloc(n_machines, 256)};
        for (size_t i = 0; i < n_machines; i++) {
            jobs[i].machine = (int)i;
            snprintf(ns.bodies[i], 256, "{\"ak_name\":\"%s\"}", m[i].name_hex);
        }
        r->url = nonce_url;
        run_phase(r, n_machines, nonce_next, nonce_body, nonce_done, &ns);
        free(ns.bodies);
        for (size_t i = 0; i < n_machines; i++) {
            jobs[i].body = jobs[i].nonce_b64
                               ? quote_body(t, &m[i], sel, jobs[i].nonce_b64, ima, verified)
                               : NULL;
            if (!jobs[i].body)
                return -EIO;
            m[i].jobs[0] = &jobs[i];
            m[i].next = 0;
            m[i].n_jobs = 1;
            m[i].busy = false;
        }
        struct attest_state as = {.m = m, .n_machines = n_machines};
        r->url = attest_url;
        double t0 = now(), c0 = process_cpu(pid);
        run_phase(r, n_machines, attest_next, attest_body, attest_done, &as);
        total += now() - t0;
        cpu += process_cpu(pid) - c0;
        /* Every verdict must count the whole delta as verified. */
        char want[64];
        snprintf(want, sizeof(want), "\"ima_verified\":%lld",
                 (long long)verified + (long long)entries);
        for (size_t i = 0; i < n_machines; i++)
            if (!strstr(jobs[i].response, want))
                unverified++;
        if (getenv("LOAD_DEBUG")) {
            FILE *dbg = fopen("/tmp/ima-body.json", "we");
            if (dbg) {
                fputs(jobs[0].body, dbg);
                fclose(dbg);
            }
        }
        for (size_t i = 0; i < n_machines; i++) {
            lat[done++] = (jobs[i].end - jobs[i].start) * 1000.0;
            free(jobs[i].body);
            free(jobs[i].nonce_b64);
        }
        failed += as.failed + as.contraindicated;
        affirming += as.affirming;
        verified += (int64_t)entries;
    }
    qsort(lat, done, sizeof(double), cmp_double);
    printf("ima_cpu_us %.0f\n", cpu * 1e6 / (double)done);
    printf("ima_delta %zu\nima_attestations %zu\nima_attestations_per_s %.0f\n"
           "ima_p50_ms %.2f\nima_p99_ms %.2f\nima_affirming %zu\nima_failed %zu\n"
           "ima_not_fully_verified %zu\n",
           delta, done, (double)done / total, lat[done / 2], lat[(size_t)((double)done * 0.99)],
           affirming, failed, unverified);
    free(lat);
    free(jobs);
    return failed || unverified ? -EPROTO : 0;
}

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: verifier-load URL TCTI DIR MACHINES COUNT CONCURRENCY [PID]\n");
        return 2;
    }
    long pid = argc == 8 ? strtol(argv[7], NULL, 10) : 0;
    const char *url = argv[1], *tcti = argv[2], *dir = argv[3];
    size_t n_machines = strtoul(argv[4], NULL, 10), count = strtoul(argv[5], NULL, 10);
    unsigned conc = (unsigned)strtoul(argv[6], NULL, 10);
    TPML_PCR_SELECTION sel;
    pcrsel_parse("sha256:0-10", &sel);

    _cleanup_tpm_ struct tpm_ctx *t = NULL;
    if (tpm_open(tcti, &t) < 0) {
        fprintf(stderr, "cannot open TPM '%s'\n", tcti);
        return 1;
    }
    struct machine *m = calloc(n_machines, sizeof(*m));
    for (size_t i = 0; i < n_machines; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/ak%zu.name", dir, i);
        uint8_t *name;
        size_t name_len;
        snprintf(path, sizeof(path), "%s/ak%zu.name", dir, i);
        if (file_read_all(path, 256, &name, &name_len) < 0)
            return 1;
        m[i].name_hex = hex_encode(name, name_len);
        free(name);
        if (asprintf(&m[i].ctx_path, "%s/ak%zu.ctx", dir, i) < 0)
            return 1;
        m[i].jobs = calloc(count / n_machines + 2, sizeof(struct job *));
    }

    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct runner r = {.multi = curl_multi_init(), .conc = conc};
    r.headers = curl_slist_append(NULL, "Content-Type: application/json");
    r.headers = curl_slist_append(r.headers, "Expect:");
    curl_multi_setopt(r.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);

    /* Phase 1: nonces. */
    struct job *jobs = calloc(count, sizeof(*jobs));
    struct nonce_state ns = {.jobs = jobs, .n = count, .bodies = calloc(count, 256)};
    for (size_t i = 0; i < count; i++) {
        jobs[i].machine = (int)(i % n_machines);
        snprintf(ns.bodies[i], 256, "{\"ak_name\":\"%s\"}", m[jobs[i].machine].name_hex);
    }
    char nonce_url[512], attest_url[512];
    snprintf(nonce_url, sizeof(nonce_url), "%s/v1/nonces", url);
    snprintf(attest_url, sizeof(attest_url), "%s/v1/attestations", url);
    r.url = nonce_url;
    double t0 = now(), c0 = process_cpu(pid);
    run_phase(&r, count, nonce_next, nonce_body, nonce_done, &ns);
    double t1 = now(), c1 = process_cpu(pid);
    printf("nonce_cpu_us %.0f\n", (c1 - c0) * 1e6 / (double)count);
    printf("nonces %zu\nnonce_failed %zu\nnonces_per_s %.0f\n", count, ns.failed,
           (double)count / (t1 - t0));
    percentiles(jobs, count, "nonce");

    /* Phase 2: quotes (the TPM is not what we measure). */
    double q0 = now();
    for (size_t i = 0; i < count; i++) {
        struct machine *mm = &m[jobs[i].machine];
        if (!jobs[i].nonce_b64 ||
            !(jobs[i].body = quote_body(t, mm, &sel, jobs[i].nonce_b64, NULL, 0))) {
            fprintf(stderr, "quote %zu failed\n", i);
            return 1;
        }
        mm->jobs[mm->n_jobs++] = &jobs[i];
    }
    fprintf(stderr, "%zu quotes in %.1f s\n", count, now() - q0);

    /* Phase 3: attestations. */
    struct attest_state as = {.m = m, .n_machines = n_machines};
    r.url = attest_url;
    t0 = now();
    c0 = process_cpu(pid);
    run_phase(&r, count, attest_next, attest_body, attest_done, &as);
    t1 = now();
    c1 = process_cpu(pid);
    printf("attest_cpu_us %.0f\n", (c1 - c0) * 1e6 / (double)count);
    printf("attestations %zu\nattest_seconds %.3f\nattestations_per_s %.0f\n", count, t1 - t0,
           (double)count / (t1 - t0));
    printf("affirming %zu\ncontraindicated %zu\nfailed %zu\n", as.affirming, as.contraindicated,
           as.failed);
    percentiles(jobs, count, "attest");

    const char *rounds = getenv("LOAD_IMA_ROUNDS");
    int ima = 0;
    if (rounds && atoi(rounds) > 0)
        ima = ima_phase(&r, t, m, n_machines, (unsigned)atoi(rounds), 5000, nonce_url, attest_url,
                        &sel, pid);
    curl_multi_cleanup(r.multi);
    curl_slist_free_all(r.headers);
    return as.failed || ns.failed || ima < 0 ? 1 : 0;
}
