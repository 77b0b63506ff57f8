/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "attest-logs.h"
#include "common/base64.h"
#include "common/cleanup.h"
#include "requests.h"
#include "verifier.h"

/*
 * Look up the machine of an AK for a nonce or challenge: 404 when unknown, 403
 * unless it is enrolled. Returns false after filling the reply.
 */
static bool machine_may_attest(struct verifier *v, const char *ak_name, struct machine *m,
                               struct http_reply *rep)
{
    int r = v->storage->ops->get_machine_by_ak(v->storage, ak_name, m);
    if (r == -ENOENT) {
        http_reply_error(rep, 404, "ak_name", "unknown AK");
        return false;
    }
    if (r < 0) {
        reply_storage_error(v, rep, r, "read a machine");
        return false;
    }
    if (strcmp(m->status, "enrolled") != 0) {
        http_reply_error(rep, 403, "ak_name", "machine is %s", m->status);
        machine_done(m);
        return false;
    }
    return true;
}

/*
 * Nothing is stored per issued nonce (verifier/nonce.h): anyone may ask for
 * any enrolled AK as often as they like without crowding out the machine.
 */
static int issue(struct verifier *v, enum nonce_kind kind, const char *ak_name,
                 uint8_t nonce[NONCE_LEN], int64_t *expires_at)
{
    *expires_at = verifier_now() + v->cfg->nonce_ttl;
    return nonce_issue(&v->nonce_key, kind, ak_name, *expires_at, nonce);
}

static void handle(struct verifier *v, enum nonce_kind kind, const struct http_request *req,
                   struct http_reply *rep)
{
    struct ak_request ar;
    struct req_error e = {0};
    int r = parse_ak_request(req->body, req->body_len, &ar, &e);
    if (r < 0) {
        reply_request_error(rep, r, &e);
        return;
    }
    struct machine m;
    if (!machine_may_attest(v, ar.ak_name, &m, rep))
        return;
    int64_t ima_offset = attest_ima_offset(v, &m);
    machine_done(&m);

    uint8_t nonce[NONCE_LEN];
    int64_t expires_at;
    r = issue(v, kind, ar.ak_name, nonce, &expires_at);
    if (r < 0) {
        vlog_msg(&v->log, LOG_ERR, "issuing a nonce failed: %s", strerror(-r));
        http_reply_error(rep, 500, NULL, "cannot issue a nonce");
        return;
    }
    _cleanup_free_ char *b64 = base64_encode(nonce, sizeof(nonce));
    if (!b64) {
        http_reply_error(rep, 500, NULL, "out of memory");
        return;
    }
    if (kind == NONCE_ATTEST)
        http_reply_json(rep, 201,
                        json_pack("{s:s, s:I, s:s, s:I}", "nonce", b64, "expires_at",
                                  (json_int_t)expires_at, "pcr_selection", v->pcr_selection_text,
                                  "ima_offset", (json_int_t)ima_offset));
    else
        http_reply_json(
            rep, 201,
            json_pack("{s:s, s:I}", "challenge", b64, "expires_at", (json_int_t)expires_at));
}

void api_nonces(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    handle(userdata, NONCE_ATTEST, req, rep);
}

void api_challenges(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    handle(userdata, NONCE_CHALLENGE, req, rep);
}
