/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Proof of possession per job: the AK signs a challenge the verifier issued
 * (POST /v1/challenges); valid when the signature holds, the challenge was
 * issued for this AK (its MAC, verifier/nonce.h) and is unused, and the
 * machine's last verdict is a pass younger than proof_max_age. The challenge is
 * consumed once the signature holds: a request without the AK writes nothing.
 */
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "requests.h"
#include "verifier.h"
#include "verify/quote-signature.h"
#include "verify/tpm-pubkey.h"

static void refuse(struct verifier *v, struct http_reply *rep, const char *ak_name,
                   const char *reason)
{
    const struct log_field f[] = {{"AK_NAME", ak_name}};
    vlog_fields(&v->log, LOG_WARNING, f, 1, "proof refused: %s", reason);
    http_reply_error(rep, 403, NULL, "%s", reason);
}

void api_proofs(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    struct proof_request p;
    struct req_error e = {0};
    int ret = parse_proof_request(req->body, req->body_len, &p, &e);
    if (ret < 0) {
        reply_request_error(rep, ret, &e);
        return;
    }
    struct machine m = {0};
    ret = nonce_check(&v->nonce_key, NONCE_CHALLENGE, p.ak_name, p.challenge, verifier_now());
    if (ret < 0) {
        refuse(v, rep, p.ak_name,
               ret == -ETIME ? "challenge expired" : "challenge was not issued for this AK");
        goto out;
    }
    ret = v->storage->ops->nonce_used(v->storage, p.challenge);
    if (ret < 0) {
        if (ret == -EALREADY)
            refuse(v, rep, p.ak_name, "challenge already used");
        else
            reply_storage_error(v, rep, ret, "look a challenge up");
        goto out;
    }
    ret = v->storage->ops->get_machine_by_ak(v->storage, p.ak_name, &m);
    if (ret < 0) {
        if (ret == -ENOENT)
            refuse(v, rep, p.ak_name, "unknown AK");
        else
            reply_storage_error(v, rep, ret, "read a machine");
        goto out;
    }
    TPM2B_PUBLIC ak;
    TPMT_SIGNATURE sig;
    struct att_check c = {0};
    if (tpm_public_unmarshal(m.ak_public, m.ak_public_len, &ak) < 0 ||
        tpm_signature_unmarshal(p.signature, p.signature_len, &sig) < 0 ||
        quote_signature_verify(&ak.publicArea, &sig, p.challenge, sizeof(p.challenge), &c) < 0) {
        refuse(v, rep, p.ak_name, "signature does not verify with the AK");
        goto out;
    }
    ret = v->storage->ops->consume_nonce(v->storage, p.challenge, nonce_expiry(p.challenge));
    if (ret < 0) {
        if (ret == -EALREADY)
            refuse(v, rep, p.ak_name, "challenge already used");
        else
            reply_storage_error(v, rep, ret, "consume a challenge");
        goto out;
    }
    if (strcmp(m.status, "enrolled") != 0) {
        refuse(v, rep, p.ak_name, "machine is not enrolled");
        goto out;
    }
    if (strcmp(m.last_status, "affirming") != 0 ||
        m.last_verdict_at + v->cfg->proof_max_age < verifier_now()) {
        refuse(v, rep, p.ak_name, "no recent passing attestation");
        goto out;
    }
    http_reply_json(rep, 200, json_pack("{s:b, s:s}", "valid", 1, "machine_id", m.machine_id));
out:
    machine_done(&m);
    proof_request_done(&p);
}
