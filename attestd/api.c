/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "common/base64.h"
#include "common/cleanup.h"
#include "common/hex.h"
#include "common/pcr-selection.h"
#include "common/tpm-alg.h"

#define MAX_TPM_BLOB 4096

void api_enrollment_done(struct api_enrollment *e)
{
    if (!e)
        return;
    free(e->enrollment_id);
    free(e->credential_blob);
    free(e->encrypted_secret);
    *e = (struct api_enrollment){0};
}

void api_activation_done(struct api_activation *a)
{
    if (!a)
        return;
    free(a->status);
    free(a->machine_id);
    free(a->ak_name);
    *a = (struct api_activation){0};
}

void api_nonce_done(struct api_nonce *n)
{
    if (!n)
        return;
    free(n->nonce_b64);
    free(n->pcr_selection);
    *n = (struct api_nonce){0};
}

void api_attestation_done(struct api_attestation *a)
{
    if (!a)
        return;
    free(a->status);
    free(a->verdict);
    for (size_t i = 0; i < a->n_failed_checks; i++) {
        free(a->failed_checks[i].check);
        free(a->failed_checks[i].message);
    }
    free(a->failed_checks);
    *a = (struct api_attestation){0};
}

void api_challenge_done(struct api_challenge *c)
{
    if (!c)
        return;
    free(c->challenge_b64);
    *c = (struct api_challenge){0};
}

static int load_object(const char *body, size_t len, json_t **ret)
{
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return -EBADMSG;
    }
    *ret = j;
    return 0;
}

static int get_string(json_t *o, const char *key, char **ret)
{
    const char *s = json_string_value(json_object_get(o, key));
    /* Strings with an embedded NUL would be cut short as C strings: refuse them. */
    if (!s || strlen(s) != json_string_length(json_object_get(o, key)))
        return -EBADMSG;
    *ret = strdup(s);
    return *ret ? 0 : -ENOMEM;
}

static int get_int(json_t *o, const char *key, int64_t min, int64_t *ret)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < min)
        return -EBADMSG;
    *ret = json_integer_value(v);
    return 0;
}

/* b64 field decoded to 1..max bytes. */
static int get_b64(json_t *o, const char *key, size_t max, uint8_t **ret, size_t *ret_len)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s)
        return -EBADMSG;
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = base64_decode(s, max, &buf, &len);
    if (r == -ENOMEM)
        return r;
    if (r < 0 || len == 0 || len > max)
        return -EBADMSG;
    *ret = TAKE_PTR(buf);
    *ret_len = len;
    return 0;
}

/* b64 field of exactly n bytes, decoded into out, and kept as text in *ret_text. */
static int get_b64_fixed(json_t *o, const char *key, uint8_t *out, size_t n, char **ret_text)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = get_b64(o, key, n, &buf, &len);
    if (r < 0)
        return r;
    if (len != n)
        return -EBADMSG;
    memcpy(out, buf, n);
    return get_string(o, key, ret_text);
}

static bool is_hex(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max || n % 2)
        return false;
    return strspn(s, "0123456789abcdef") == n;
}

int api_parse_enrollment(const char *body, size_t len, struct api_enrollment *ret)
{
    json_auto_t *o = NULL;
    int r = load_object(body, len, &o);
    if (r < 0)
        return r;
    _cleanup_(api_enrollment_done) struct api_enrollment e = {0};
    if ((r = get_string(o, "enrollment_id", &e.enrollment_id)) < 0 ||
        (r = get_b64(o, "credential_blob", MAX_TPM_BLOB, &e.credential_blob,
                     &e.credential_blob_len)) < 0 ||
        (r = get_b64(o, "encrypted_secret", MAX_TPM_BLOB, &e.encrypted_secret,
                     &e.encrypted_secret_len)) < 0 ||
        (r = get_int(o, "expires_at", 0, &e.expires_at)) < 0)
        return r;
    /* The id goes into a URL path: hex only. */
    if (!is_hex(e.enrollment_id, 2, 128))
        return -EBADMSG;
    *ret = e;
    e = (struct api_enrollment){0};
    return 0;
}

int api_parse_activation(const char *body, size_t len, struct api_activation *ret)
{
    json_auto_t *o = NULL;
    int r = load_object(body, len, &o);
    if (r < 0)
        return r;
    _cleanup_(api_activation_done) struct api_activation a = {0};
    if ((r = get_string(o, "status", &a.status)) < 0 ||
        (r = get_string(o, "machine_id", &a.machine_id)) < 0 ||
        (r = get_string(o, "ak_name", &a.ak_name)) < 0)
        return r;
    if (strcmp(a.status, "enrolled") != 0 && strcmp(a.status, "pending_approval") != 0)
        return -EBADMSG;
    if (!is_hex(a.ak_name, 4, 2 * (2 + 64)))
        return -EBADMSG;
    *ret = a;
    a = (struct api_activation){0};
    return 0;
}

int api_parse_nonce(const char *body, size_t len, struct api_nonce *ret)
{
    json_auto_t *o = NULL;
    int r = load_object(body, len, &o);
    if (r < 0)
        return r;
    _cleanup_(api_nonce_done) struct api_nonce n = {0};
    int64_t off;
    if ((r = get_b64_fixed(o, "nonce", n.nonce, API_NONCE_SIZE, &n.nonce_b64)) < 0 ||
        (r = get_int(o, "expires_at", 0, &n.expires_at)) < 0 ||
        (r = get_string(o, "pcr_selection", &n.pcr_selection)) < 0 ||
        (r = get_int(o, "ima_offset", 0, &off)) < 0)
        return r;
    TPML_PCR_SELECTION sel;
    if (pcrsel_parse(n.pcr_selection, &sel) < 0)
        return -EBADMSG;
    n.ima_offset = (uint64_t)off;
    *ret = n;
    n = (struct api_nonce){0};
    return 0;
}

static int parse_failed_checks(json_t *arr, struct api_attestation *a)
{
    if (!arr)
        return 0;
    if (!json_is_array(arr) || json_array_size(arr) > 1024)
        return -EBADMSG;
    size_t n = json_array_size(arr);
    a->failed_checks = calloc(n ? n : 1, sizeof(*a->failed_checks));
    if (!a->failed_checks)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(arr, i);
        if (!json_is_object(c))
            return -EBADMSG;
        int r = get_string(c, "check", &a->failed_checks[i].check);
        if (r < 0)
            return r;
        a->n_failed_checks++;
        if (json_object_get(c, "message") &&
            (r = get_string(c, "message", &a->failed_checks[i].message)) < 0)
            return r;
    }
    return 0;
}

int api_parse_attestation(const char *body, size_t len, struct api_attestation *ret)
{
    json_auto_t *o = NULL;
    int r = load_object(body, len, &o);
    if (r < 0)
        return r;
    _cleanup_(api_attestation_done) struct api_attestation a = {0};
    if ((r = get_string(o, "status", &a.status)) < 0 ||
        (r = get_string(o, "verdict", &a.verdict)) < 0 ||
        (r = parse_failed_checks(json_object_get(o, "failed_checks"), &a)) < 0)
        return r;
    if (json_object_get(o, "ima_verified")) {
        int64_t v;
        if ((r = get_int(o, "ima_verified", 0, &v)) < 0)
            return r;
        a.has_ima_verified = true;
        a.ima_verified = (uint64_t)v;
    }
    *ret = a;
    a = (struct api_attestation){0};
    return 0;
}

int api_parse_challenge(const char *body, size_t len, struct api_challenge *ret)
{
    json_auto_t *o = NULL;
    int r = load_object(body, len, &o);
    if (r < 0)
        return r;
    _cleanup_(api_challenge_done) struct api_challenge c = {0};
    if ((r = get_b64_fixed(o, "challenge", c.challenge, API_CHALLENGE_SIZE, &c.challenge_b64)) <
            0 ||
        (r = get_int(o, "expires_at", 0, &c.expires_at)) < 0)
        return r;
    *ret = c;
    c = (struct api_challenge){0};
    return 0;
}

char *api_parse_error(const char *body, size_t len)
{
    json_auto_t *o = NULL;
    if (load_object(body, len, &o) < 0)
        return NULL;
    const char *msg = json_string_value(json_object_get(o, "error"));
    const char *field = json_string_value(json_object_get(o, "field"));
    if (!msg)
        return NULL;
    char *s = NULL;
    int n = field ? asprintf(&s, "%s (field '%s')", msg, field) : asprintf(&s, "%s", msg);
    return n < 0 ? NULL : s;
}

static char *dump(json_t *o)
{
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* json string of base64(buf) (steals nothing); NULL on ENOMEM. */
static json_t *b64_json(const uint8_t *buf, size_t len)
{
    _cleanup_free_ char *s = base64_encode(buf, len);
    return s ? json_string(s) : NULL;
}

static int set_new(json_t *o, const char *key, json_t *v)
{
    return v ? json_object_set_new(o, key, v) : -1;
}

char *api_enrollment_request(const uint8_t *ek_pub, size_t ek_pub_len, const uint8_t *ek_cert,
                             size_t ek_cert_len, const uint8_t *ak_pub, size_t ak_pub_len,
                             const char *machine_id, const char *hostname)
{
    json_auto_t *o = json_object();
    if (!o || set_new(o, "ek_public", b64_json(ek_pub, ek_pub_len)) < 0 ||
        set_new(o, "ak_public", b64_json(ak_pub, ak_pub_len)) < 0 ||
        set_new(o, "machine_id", json_string(machine_id)) < 0 ||
        set_new(o, "hostname", json_string(hostname)) < 0)
        return NULL;
    if (ek_cert && ek_cert_len && set_new(o, "ek_certificate", b64_json(ek_cert, ek_cert_len)) < 0)
        return NULL;
    return dump(json_incref(o));
}

char *api_activate_request(const uint8_t *secret, size_t len)
{
    json_auto_t *o = json_object();
    if (!o || set_new(o, "secret", b64_json(secret, len)) < 0)
        return NULL;
    return dump(json_incref(o));
}

char *api_ak_request(const char *ak_name)
{
    return dump(json_pack("{s:s}", "ak_name", ak_name));
}

static json_t *pcr_values_json(const struct pcr_values *v)
{
    json_auto_t *banks = json_object();
    if (!banks)
        return NULL;
    uint32_t k = 0;
    for (uint32_t b = 0; b < v->sel.count; b++) {
        const TPMS_PCR_SELECTION *s = &v->sel.pcrSelections[b];
        const char *name = tpm_alg_hash_name(s->hash);
        json_t *bank = json_object();
        if (!name || set_new(banks, name, bank) < 0)
            return NULL;
        for (unsigned pcr = 0; pcr < PCR_VALUES_MAX_PCR; pcr++) {
            if (!pcrsel_is_set(s, pcr))
                continue;
            if (k >= v->count)
                return NULL;
            _cleanup_free_ char *hex = hex_encode(v->digests[k].buffer, v->digests[k].size);
            char idx[4];
            snprintf(idx, sizeof(idx), "%u", pcr);
            if (!hex || set_new(bank, idx, json_string(hex)) < 0)
                return NULL;
            k++;
        }
    }
    return json_incref(banks);
}

char *api_attestation_request(const char *ak_name, const char *nonce_b64, const uint8_t *quote,
                              size_t quote_len, const uint8_t *sig, size_t sig_len,
                              const struct pcr_values *pcrs, const uint8_t *event_log,
                              size_t event_log_len, const uint8_t *ima, size_t ima_len,
                              uint64_t ima_from)
{
    json_auto_t *o = json_object();
    if (!o || set_new(o, "ak_name", json_string(ak_name)) < 0 ||
        set_new(o, "nonce", json_string(nonce_b64)) < 0 ||
        set_new(o, "quote", b64_json(quote, quote_len)) < 0 ||
        set_new(o, "signature", b64_json(sig, sig_len)) < 0 ||
        set_new(o, "pcr_values", pcr_values_json(pcrs)) < 0 ||
        set_new(o, "ima_from", json_integer((json_int_t)ima_from)) < 0)
        return NULL;
    if (event_log && set_new(o, "event_log", b64_json(event_log, event_log_len)) < 0)
        return NULL;
    if (ima && set_new(o, "ima_log", b64_json(ima, ima_len)) < 0)
        return NULL;
    return dump(json_incref(o));
}

char *api_proof_request(const char *ak_name, const char *challenge_b64, const uint8_t *sig,
                        size_t sig_len)
{
    json_auto_t *o = json_object();
    if (!o || set_new(o, "ak_name", json_string(ak_name)) < 0 ||
        set_new(o, "challenge", json_string(challenge_b64)) < 0 ||
        set_new(o, "signature", b64_json(sig, sig_len)) < 0)
        return NULL;
    return dump(json_incref(o));
}
