/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "requests.h"
#include "verifier.h"

int64_t verifier_now(void)
{
    return (int64_t)time(NULL);
}

void reply_storage_error(struct verifier *v, struct http_reply *rep, int r, const char *what)
{
    if (r != -EBUSY && r != -EALREADY)
        vlog_msg(&v->log, LOG_ERR, "storage failed to %s: %s", what, strerror(-r));
    if (r == -EBUSY) {
        http_reply_error(rep, 429, NULL, "too many pending requests of this kind; retry later");
        return;
    }
    if (r == -EALREADY) { /* lost a race for a nonce: the other use was recorded */
        http_reply_error(rep, 410, "nonce", "nonce already used");
        return;
    }
    if (r == -ENOMEM)
        http_reply_error(rep, 500, NULL, "out of memory");
    else
        http_reply_error(rep, 503, NULL, "storage unavailable");
}

void reply_request_error(struct http_reply *rep, int r, const struct req_error *e)
{
    http_reply_error(rep, r == -ENOMEM ? 500 : 400, e->field, "%s", e->message);
}

void api_healthz(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    http_reply_set(rep, 200, "text/plain", "ok\n", 3);
}

void api_metrics(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    if (v->metrics_token_set && !request_authorized(v, req, rep, v->metrics_token, "metrics"))
        return;
    char *text, *all;
    size_t len;
    struct storage_stats st;
    if (metrics_render(v->metrics, &text, &len) < 0) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    v->storage->ops->stats(v->storage, &st);
    int n = asprintf(&all,
                     "%s# HELP attest_storage_commits_total Group commits (transactions).\n"
                     "# TYPE attest_storage_commits_total counter\n"
                     "attest_storage_commits_total %llu\n"
                     "# HELP attest_storage_writes_total Writes committed in them.\n"
                     "# TYPE attest_storage_writes_total counter\n"
                     "attest_storage_writes_total %llu\n"
                     "# HELP attest_storage_commit_seconds_total Time spent committing.\n"
                     "# TYPE attest_storage_commit_seconds_total counter\n"
                     "attest_storage_commit_seconds_total %.6f\n"
                     "# HELP attest_storage_largest_batch Most writes in one commit.\n"
                     "# TYPE attest_storage_largest_batch gauge\n"
                     "attest_storage_largest_batch %llu\n"
                     "# HELP attest_http_body_bytes Request body bytes buffered now.\n"
                     "# TYPE attest_http_body_bytes gauge\n"
                     "attest_http_body_bytes %zu\n"
                     "# HELP attest_http_body_budget_bytes The most they may reach.\n"
                     "# TYPE attest_http_body_budget_bytes gauge\n"
                     "attest_http_body_budget_bytes %u\n",
                     text, (unsigned long long)st.commits, (unsigned long long)st.writes,
                     st.commit_seconds, (unsigned long long)st.largest_batch,
                     http_server_body_bytes(atomic_load(&v->http)), v->cfg->body_budget);
    free(text);
    if (n < 0) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    http_reply_set(rep, 200, "text/plain; version=0.0.4", all, (size_t)n);
    free(all);
}

void api_verifier_key(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    http_reply_set(rep, 200, "text/plain", v->key->public_pem, v->key->public_pem_len);
}
