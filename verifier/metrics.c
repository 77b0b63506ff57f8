/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define MAX_LABELS 64
#define NAME_LEN   48

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct counter {
    char a[NAME_LEN], b[NAME_LEN];
    uint64_t value;
};

struct counter_set {
    struct counter items[MAX_LABELS];
    size_t n;
    uint64_t dropped; /* label combinations past MAX_LABELS (bounded memory) */
};

struct metrics {
    pthread_mutex_t lock;
    struct counter_set requests, verdicts, checks, attempts;
    uint64_t hist[N_BUCKETS + 1];
    double hist_sum;
    uint64_t hist_count;
};

int metrics_new(struct metrics **ret)
{
    struct metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    pthread_mutex_init(&m->lock, NULL);
    *ret = m;
    return 0;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static void bump(struct counter_set *set, const char *a, const char *b)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i].a, a) == 0 && strcmp(set->items[i].b, b) == 0) {
            set->items[i].value++;
            return;
        }
    if (set->n == MAX_LABELS) {
        set->dropped++;
        return;
    }
    struct counter *c = &set->items[set->n++];
    snprintf(c->a, sizeof(c->a), "%s", a);
    snprintf(c->b, sizeof(c->b), "%s", b);
    c->value = 1;
}

void metrics_request(struct metrics *m, const char *route, unsigned status, double seconds)
{
    char code[8];
    snprintf(code, sizeof(code), "%u", status);
    pthread_mutex_lock(&m->lock);
    bump(&m->requests, route, code);
    size_t i = 0;
    while (i < N_BUCKETS && seconds > buckets[i])
        i++;
    m->hist[i]++;
    m->hist_sum += seconds;
    m->hist_count++;
    pthread_mutex_unlock(&m->lock);
}

void metrics_verdict(struct metrics *m, const char *status)
{
    pthread_mutex_lock(&m->lock);
    bump(&m->verdicts, status, "");
    pthread_mutex_unlock(&m->lock);
}

void metrics_check_failed(struct metrics *m, const char *check)
{
    pthread_mutex_lock(&m->lock);
    bump(&m->checks, check, "");
    pthread_mutex_unlock(&m->lock);
}

void metrics_attempt_refused(struct metrics *m, const char *check)
{
    pthread_mutex_lock(&m->lock);
    bump(&m->attempts, check, "");
    pthread_mutex_unlock(&m->lock);
}

int metrics_render(struct metrics *m, char **ret, size_t *ret_len)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -ENOMEM;
    pthread_mutex_lock(&m->lock);
    fputs("# HELP attest_http_requests_total HTTP requests by route and status.\n"
          "# TYPE attest_http_requests_total counter\n",
          f);
    for (size_t i = 0; i < m->requests.n; i++)
        fprintf(f, "attest_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
                m->requests.items[i].a, m->requests.items[i].b,
                (unsigned long long)m->requests.items[i].value);
    fputs("# HELP attest_verdicts_total Verdicts issued by status.\n"
          "# TYPE attest_verdicts_total counter\n",
          f);
    for (size_t i = 0; i < m->verdicts.n; i++)
        fprintf(f, "attest_verdicts_total{status=\"%s\"} %llu\n", m->verdicts.items[i].a,
                (unsigned long long)m->verdicts.items[i].value);
    fputs("# HELP attest_check_failures_total Failed checks by name.\n"
          "# TYPE attest_check_failures_total counter\n",
          f);
    for (size_t i = 0; i < m->checks.n; i++)
        fprintf(f, "attest_check_failures_total{check=\"%s\"} %llu\n", m->checks.items[i].a,
                (unsigned long long)m->checks.items[i].value);
    fputs("# HELP attest_attempts_refused_total Evidence not made by the enrolled AK for this"
          " exchange (not recorded as the machine's verdict), by failed check.\n"
          "# TYPE attest_attempts_refused_total counter\n",
          f);
    for (size_t i = 0; i < m->attempts.n; i++)
        fprintf(f, "attest_attempts_refused_total{check=\"%s\"} %llu\n", m->attempts.items[i].a,
                (unsigned long long)m->attempts.items[i].value);
    fputs("# HELP attest_request_duration_seconds Time from request to reply.\n"
          "# TYPE attest_request_duration_seconds histogram\n",
          f);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < N_BUCKETS; i++) {
        cumulative += m->hist[i];
        fprintf(f, "attest_request_duration_seconds_bucket{le=\"%g\"} %llu\n", buckets[i],
                (unsigned long long)cumulative);
    }
    cumulative += m->hist[N_BUCKETS];
    fprintf(f, "attest_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
            (unsigned long long)cumulative);
    fprintf(f, "attest_request_duration_seconds_sum %.6f\n", m->hist_sum);
    fprintf(f, "attest_request_duration_seconds_count %llu\n", (unsigned long long)m->hist_count);
    pthread_mutex_unlock(&m->lock);
    if (fclose(f) != 0) {
        free(buf);
        return -ENOMEM;
    }
    *ret = buf;
    *ret_len = len;
    return 0;
}
