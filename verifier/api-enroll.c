/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Enrollment (docs/design.md §3.1): trust the EK (certificate chain or allowlist),
 * check the AK public area, MakeCredential in software for the AK name, and
 * record the machine once the runner proves it recovered the secret.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <tss2/tss2_mu.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/hex.h"
#include "ek-trust.h"
#include "requests.h"
#include "verifier.h"
#include "verify/ak-check.h"
#include "verify/credential.h"
#include "verify/tpm-name.h"
#include "verify/tpm-pubkey.h"

#define SECRET_LEN 32 /* <= the digest size of every EK nameAlg we accept */

static void log_refusal(struct verifier *v, const struct enroll_request *r, const char *check,
                        const char *message)
{
    const struct log_field f[] = {
        {"MACHINE_ID", r->machine_id}, {"HOSTNAME", r->hostname}, {"CHECK", check}};
    vlog_fields(&v->log, LOG_WARNING, f, 3, "enrollment refused: %s", message);
}

static char *marshal_b64(const TPM2B_ID_OBJECT *blob, const TPM2B_ENCRYPTED_SECRET *secret,
                         char **ret_secret_b64)
{
    uint8_t buf[sizeof(TPM2B_ID_OBJECT) + sizeof(TPM2B_ENCRYPTED_SECRET)];
    size_t off = 0;
    if (Tss2_MU_TPM2B_ID_OBJECT_Marshal(blob, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
        return NULL;
    char *blob_b64 = base64_encode(buf, off);
    size_t off2 = 0;
    if (!blob_b64 || Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(secret, buf, sizeof(buf), &off2) !=
                         TSS2_RC_SUCCESS) {
        free(blob_b64);
        return NULL;
    }
    *ret_secret_b64 = base64_encode(buf, off2);
    if (!*ret_secret_b64) {
        free(blob_b64);
        return NULL;
    }
    return blob_b64;
}

/* Checks of the request that need no storage: EK trust, AK public. 0 or reply filled. */
static int check_identity(struct verifier *v, const struct enroll_request *r, TPM2B_PUBLIC *ek,
                          TPM2B_PUBLIC *ak, struct http_reply *rep)
{
    if (tpm_public_unmarshal(r->ek_public, r->ek_public_len, ek) < 0) {
        http_reply_error(rep, 400, "ek_public", "not a marshaled TPM2B_PUBLIC");
        return -EINVAL;
    }
    if (tpm_public_unmarshal(r->ak_public, r->ak_public_len, ak) < 0) {
        http_reply_error(rep, 400, "ak_public", "not a marshaled TPM2B_PUBLIC");
        return -EINVAL;
    }
    struct att_check c = {0};
    int ret = ak_check_public(&ak->publicArea, &c);
    if (ret < 0) {
        log_refusal(v, r, c.name ? c.name : "ak", c.message);
        http_reply_error(rep, 400, "ak_public", "%s: %s", c.name ? c.name : "ak", c.message);
        return ret;
    }
    c = (struct att_check){0};
    ret =
        ek_trust_check(&v->ek_trust, &ek->publicArea, r->ek_certificate, r->ek_certificate_len, &c);
    if (ret == ATT_E_VERIFY) {
        log_refusal(v, r, c.name, c.message);
        http_reply_error(rep, 403, r->ek_certificate ? "ek_certificate" : "ek_public", "%s: %s",
                         c.name, c.message);
        return ret;
    }
    if (ret < 0) {
        http_reply_error(rep, 400, "ek_public", "EK cannot be checked: %s", strerror(-ret));
        return ret;
    }
    return 0;
}

/* Whether machine m was enrolled with ek: the same identity, or for a machine of
 * before the identity (no EK public stored) the same digest of the public area. */
static bool same_ek(const struct machine *m, const TPMT_PUBLIC *ek, const char *ek_hex)
{
    if (strcmp(m->ek_digest, ek_hex) == 0)
        return true;
    char legacy[65];
    return !m->ek_public && ek_legacy_digest(ek, legacy) == 0 &&
           strcmp(m->ek_digest, legacy) == 0;
}

/* A machine id already enrolled with another EK: hardware swap, operator reset needed. */
static bool identity_conflict(struct verifier *v, const struct enroll_request *r,
                              const TPMT_PUBLIC *ek, const char *ek_hex, struct http_reply *rep)
{
    struct machine m;
    int ret = v->storage->ops->get_machine(v->storage, r->machine_id, &m);
    if (ret == -ENOENT)
        return false;
    if (ret < 0) {
        reply_storage_error(v, rep, ret, "read a machine");
        return true;
    }
    bool swapped = !same_ek(&m, ek, ek_hex);
    machine_done(&m);
    if (swapped) {
        log_refusal(v, r, "ek-changed",
                    "machine id enrolled with another EK (hardware swap?); needs an operator "
                    "reset");
        http_reply_error(rep, 409, "machine_id",
                         "machine is enrolled with another EK; an operator must reset it");
    }
    return swapped;
}

void api_enrollments(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    struct enroll_request r;
    struct req_error e = {0};
    int ret = parse_enroll_request(req->body, req->body_len, &r, &e);
    if (ret < 0) {
        reply_request_error(rep, ret, &e);
        return;
    }
    TPM2B_PUBLIC ek = {0}, ak = {0};
    TPM2B_NAME name = {0};
    struct enrollment en = {0};
    _cleanup_free_ char *ak_hex = NULL, *blob_b64 = NULL, *secret_b64 = NULL;
    uint8_t id[16];
    _cleanup_free_ char *id_hex = NULL;

    if (check_identity(v, &r, &ek, &ak, rep) < 0)
        goto out;
    if (ek_digest(&ek.publicArea, en.ek_digest) < 0 ||
        tpm_name_from_public(&ak.publicArea, &name) < 0 || !(ak_hex = tpm_name_to_hex(&name))) {
        http_reply_error(rep, 400, "ak_public", "cannot compute the AK name");
        goto out;
    }
    if (identity_conflict(v, &r, &ek.publicArea, en.ek_digest, rep))
        goto out;

    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET encrypted;
    if (RAND_bytes(en.secret, SECRET_LEN) != 1 || RAND_bytes(id, sizeof(id)) != 1) {
        http_reply_error(rep, 500, NULL, "no randomness");
        goto out;
    }
    ret = credential_make(&ek.publicArea, &name, en.secret, SECRET_LEN, &blob, &encrypted);
    if (ret < 0) {
        http_reply_error(rep, 400, "ek_public", "cannot make a credential for this EK: %s",
                         strerror(-ret));
        goto out;
    }
    blob_b64 = marshal_b64(&blob, &encrypted, &secret_b64);
    id_hex = hex_encode(id, sizeof(id));
    if (!blob_b64 || !id_hex) {
        http_reply_error(rep, 500, NULL, "out of memory");
        goto out;
    }
    snprintf(en.id, sizeof(en.id), "%s", id_hex);
    snprintf(en.machine_id, sizeof(en.machine_id), "%s", r.machine_id);
    snprintf(en.hostname, sizeof(en.hostname), "%s", r.hostname);
    snprintf(en.ak_name, sizeof(en.ak_name), "%s", ak_hex);
    en.ak_public = r.ak_public;
    en.ak_public_len = r.ak_public_len;
    en.ek_public = r.ek_public;
    en.ek_public_len = r.ek_public_len;
    en.expires_at = verifier_now() + v->cfg->enrollment_ttl;
    ret = v->storage->ops->put_enrollment(v->storage, &en);
    if (ret < 0) {
        reply_storage_error(v, rep, ret, "store an enrollment");
        goto out;
    }
    const struct log_field f[] = {
        {"MACHINE_ID", r.machine_id}, {"HOSTNAME", r.hostname}, {"AK_NAME", ak_hex}};
    vlog_fields(&v->log, LOG_INFO, f, 3, "enrollment challenge issued");
    http_reply_json(rep, 201,
                    json_pack("{s:s, s:s, s:s, s:I}", "enrollment_id", id_hex, "credential_blob",
                              blob_b64, "encrypted_secret", secret_b64, "expires_at",
                              (json_int_t)en.expires_at));
out:
    OPENSSL_cleanse(en.secret, sizeof(en.secret));
    enroll_request_done(&r);
}

/* The pre-identity digest of a stored EK public area, to recognise machines of before it. */
static int legacy_digest_of(const uint8_t *ek_public, size_t len, char ret_hex[65])
{
    TPM2B_PUBLIC ek;
    int r = tpm_public_unmarshal(ek_public, len, &ek);
    return r < 0 ? r : ek_legacy_digest(&ek.publicArea, ret_hex);
}

void api_activate(void *userdata, const struct http_request *req, struct http_reply *rep)
{
    struct verifier *v = userdata;
    const char *id = req->params[0];
    if (!is_lower_hex(id, 32)) {
        http_reply_error(rep, 404, NULL, "unknown enrollment");
        return;
    }
    struct activate_request a = {0};
    struct req_error e = {0};
    int ret = parse_activate_request(req->body, req->body_len, &a, &e);
    if (ret < 0) {
        reply_request_error(rep, ret, &e);
        return;
    }
    /* Taken (deleted) before the comparison: a wrong guess consumes the challenge. */
    struct enrollment en;
    ret = v->storage->ops->take_enrollment(v->storage, id, &en);
    if (ret == -ENOENT) {
        http_reply_error(rep, 404, NULL, "unknown or already used enrollment");
        goto out;
    }
    if (ret < 0) {
        reply_storage_error(v, rep, ret, "take an enrollment");
        goto out;
    }
    const struct log_field f[] = {{"MACHINE_ID", en.machine_id}, {"AK_NAME", en.ak_name}};
    if (en.expires_at < verifier_now()) {
        http_reply_error(rep, 410, NULL, "enrollment expired");
        goto done;
    }
    if (a.secret_len != SECRET_LEN || CRYPTO_memcmp(a.secret, en.secret, SECRET_LEN) != 0) {
        vlog_fields(&v->log, LOG_WARNING, f, 2, "enrollment refused: wrong credential secret");
        http_reply_error(rep, 403, "secret", "wrong secret");
        goto done;
    }
    struct machine m = {
        .ak_public = en.ak_public,
        .ak_public_len = en.ak_public_len,
        .ek_public = en.ek_public,
        .ek_public_len = en.ek_public_len,
        .enrolled_at = verifier_now(),
    };
    if (legacy_digest_of(en.ek_public, en.ek_public_len, m.ek_legacy) < 0) {
        http_reply_error(rep, 500, NULL, "the stored EK public area does not parse");
        goto done;
    }
    snprintf(m.machine_id, sizeof(m.machine_id), "%s", en.machine_id);
    snprintf(m.hostname, sizeof(m.hostname), "%s", en.hostname);
    snprintf(m.ak_name, sizeof(m.ak_name), "%s", en.ak_name);
    snprintf(m.ek_digest, sizeof(m.ek_digest), "%s", en.ek_digest);
    snprintf(m.status, sizeof(m.status), "%s",
             v->cfg->enrollment_mode == ENROLL_AUTO ? "enrolled" : "pending_approval");
    ret = v->storage->ops->enroll_machine(v->storage, &m);
    if (ret == -EEXIST) {
        vlog_fields(&v->log, LOG_WARNING, f, 2,
                    "enrollment refused: machine id enrolled with another EK, or AK in use");
        http_reply_error(rep, 409, NULL,
                         "machine is enrolled with another EK, or the AK belongs to another "
                         "machine");
        goto done;
    }
    if (ret < 0) {
        reply_storage_error(v, rep, ret, "record a machine");
        goto done;
    }
    struct machine now;
    const char *status = m.status;
    if (v->storage->ops->get_machine(v->storage, m.machine_id, &now) == 0) {
        snprintf(m.status, sizeof(m.status), "%s", now.status); /* a re-enrollment keeps it */
        machine_done(&now);
    }
    vlog_fields(&v->log, LOG_NOTICE, f, 2, "machine enrolled (%s)", status);
    http_reply_json(rep, 200,
                    json_pack("{s:s, s:s, s:s}", "status", status, "machine_id", m.machine_id,
                              "ak_name", m.ak_name));
done:
    enrollment_done(&en);
out:
    activate_request_done(&a);
}
