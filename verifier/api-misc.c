/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verifier.h"

int64_t verifier_now(void)
{
    return (int64_t)time(NULL);
}

void reply_storage_error(struct verifier *v, struct http_reply *rep, int r, const char *what)
{
    vlog_msg(&v->log, LOG_ERR, "storage failed to %s: %s", what, strerror(-r));
    if (r == -ENOMEM)
        http_reply_error(rep, 500, NULL, "out of memory");
    else
        http_reply_error(rep, 503, NULL, "storage unavailable");
}

void api_healthz(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    http_reply_set(rep, 200, "text/plain", "ok\n", 3);
}

void api_metrics(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    char *text;
    size_t len;
    if (metrics_render(v->metrics, &text, &len) < 0) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    http_reply_set(rep, 200, "text/plain; version=0.0.4", text, len);
    free(text);
}

void api_verifier_key(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    http_reply_set(rep, 200, "text/plain", v->key->public_pem, v->key->public_pem_len);
}
