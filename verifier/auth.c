/* SPDX-License-Identifier: Apache-2.0 */
/* Bearer tokens of the admin API and of /metrics (when it has one). */
#include <string.h>

#include "verifier.h"

bool request_authorized(struct verifier *v, const struct http_request *req, struct http_reply *rep,
                        const char *token, const char *what)
{
    if (!req->authorization) {
        http_reply_error(rep, 401, NULL, "bearer token required");
        return false;
    }
    if (!admin_token_check(token, req->authorization)) {
        vlog_msg(&v->log, LOG_WARNING, "%s request with a wrong token refused", what);
        http_reply_error(rep, 403, NULL, "wrong token");
        return false;
    }
    return true;
}

bool admin_authorized(struct verifier *v, const struct http_request *req, struct http_reply *rep)
{
    if (!v->readonly_token_set || !req->authorization ||
        !admin_token_check(v->readonly_token, req->authorization))
        return request_authorized(v, req, rep, v->admin_token, "admin");
    if (strcmp(req->method, "GET") == 0)
        return true;
    vlog_msg(&v->log, LOG_WARNING, "admin %s %s with the read-only token refused", req->method,
             req->path);
    http_reply_error(rep, 403, NULL, "this token may only read (GET): use the admin token");
    return false;
}
