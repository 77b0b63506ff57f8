/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_tpm2_types.h>

#include "common/cleanup.h"
#include "common/hex.h"
#include "requests.h"

#define _cleanup_json_ _cleanup_(json_decrefp)

void enroll_request_done(struct enroll_request *r)
{
    if (!r)
        return;
    free(r->ek_public);
    free(r->ek_certificate);
    free(r->ak_public);
    *r = (struct enroll_request){0};
}

static bool hostname_valid(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '.' || *s == '_'))
            return false;
    return true;
}

int parse_enroll_request(const char *body, size_t len, struct enroll_request *ret,
                         struct req_error *e)
{
    static const char *const allowed[] = {"ek_public",  "ek_certificate", "ak_public",
                                          "machine_id", "hostname",       NULL};
    _cleanup_json_ json_t *o = NULL;
    struct enroll_request r = {0};
    const char *machine_id, *hostname;
    int ret_code = jc_parse_object(body, len, allowed, &o, e);
    if (ret_code < 0)
        return ret_code;
    if ((ret_code = jc_b64(o, "ek_public", true, REQ_MAX_TPM_BLOB, 0, &r.ek_public,
                           &r.ek_public_len, e)) < 0 ||
        (ret_code = jc_b64(o, "ek_certificate", false, REQ_MAX_CERT, 0, &r.ek_certificate,
                           &r.ek_certificate_len, e)) < 0 ||
        (ret_code = jc_b64(o, "ak_public", true, REQ_MAX_TPM_BLOB, 0, &r.ak_public,
                           &r.ak_public_len, e)) < 0 ||
        (ret_code = jc_string(o, "machine_id", true, 32, &machine_id, e)) < 0 ||
        (ret_code = jc_string(o, "hostname", true, 253, &hostname, e)) < 0)
        goto fail;
    if (!is_lower_hex(machine_id, 32)) {
        ret_code = req_fail(e, "machine_id", "must be 32 lowercase hex characters");
        goto fail;
    }
    if (!hostname_valid(hostname)) {
        ret_code = req_fail(e, "hostname", "only letters, digits, '-', '.', '_'");
        goto fail;
    }
    memcpy(r.machine_id, machine_id, 33);
    snprintf(r.hostname, sizeof(r.hostname), "%s", hostname);
    *ret = r;
    return 0;
fail:
    enroll_request_done(&r);
    return ret_code;
}

void activate_request_done(struct activate_request *r)
{
    if (!r)
        return;
    erase_and_free(r->secret, r->secret_len);
    *r = (struct activate_request){0};
}

int parse_activate_request(const char *body, size_t len, struct activate_request *ret,
                           struct req_error *e)
{
    static const char *const allowed[] = {"secret", NULL};
    _cleanup_json_ json_t *o = NULL;
    int r = jc_parse_object(body, len, allowed, &o, e);
    if (r < 0)
        return r;
    return jc_b64(o, "secret", true, REQ_MAX_SECRET, 0, &ret->secret, &ret->secret_len, e);
}

int parse_ak_request(const char *body, size_t len, struct ak_request *ret, struct req_error *e)
{
    static const char *const allowed[] = {"ak_name", NULL};
    _cleanup_json_ json_t *o = NULL;
    const char *name;
    int r = jc_parse_object(body, len, allowed, &o, e);
    if (r < 0 || (r = jc_name(o, "ak_name", &name, e)) < 0)
        return r;
    snprintf(ret->ak_name, sizeof(ret->ak_name), "%s", name);
    return 0;
}

void attest_request_done(struct attest_request *r)
{
    if (!r)
        return;
    free(r->nonce_b64);
    free(r->quote);
    free(r->signature);
    free(r->event_log);
    free(r->ima_log);
    *r = (struct attest_request){0};
}

static int bank_of(const char *name, uint16_t *alg, size_t *size)
{
    static const struct {
        const char *name;
        uint16_t alg;
        size_t size;
    } banks[] = {
        {"sha1", TPM2_ALG_SHA1, 20},
        {"sha256", TPM2_ALG_SHA256, 32},
        {"sha384", TPM2_ALG_SHA384, 48},
        {"sha512", TPM2_ALG_SHA512, 64},
    };
    for (size_t i = 0; i < sizeof(banks) / sizeof(banks[0]); i++)
        if (strcmp(name, banks[i].name) == 0) {
            *alg = banks[i].alg;
            *size = banks[i].size;
            return 0;
        }
    return -EINVAL;
}

static int parse_pcr_index(const char *s)
{
    /* "0".."23", no sign, no leading zero. */
    size_t n = strlen(s);
    if (n == 0 || n > 2 || (n == 2 && s[0] == '0'))
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v < REQ_PCRS ? v : -1;
}

static int parse_pcr_values(json_t *o, struct attest_request *r, struct req_error *e)
{
    json_t *pv = json_object_get(o, "pcr_values");
    if (!pv)
        return req_fail(e, "pcr_values", "missing");
    if (!json_is_object(pv) || json_object_size(pv) == 0)
        return req_fail(e, "pcr_values", "must be an object of banks");
    if (json_object_size(pv) > REQ_PCR_BANKS)
        return req_fail(e, "pcr_values", "at most %d banks", REQ_PCR_BANKS);
    const char *bank;
    json_t *values;
    json_object_foreach(pv, bank, values)
    {
        struct pcr_bank_values *b = &r->banks[r->n_banks++];
        if (bank_of(bank, &b->alg, &b->digest_size) < 0)
            return req_fail(e, "pcr_values", "unknown bank (sha1, sha256, sha384, sha512)");
        if (!json_is_object(values) || json_object_size(values) == 0)
            return req_fail(e, "pcr_values", "bank %s must be an object of PCRs", bank);
        const char *index;
        json_t *hex;
        json_object_foreach(values, index, hex)
        {
            int pcr = parse_pcr_index(index);
            if (pcr < 0)
                return req_fail(e, "pcr_values", "bank %s: PCR index must be 0..23", bank);
            if (!json_is_string(hex) || json_string_length(hex) != 2 * b->digest_size)
                return req_fail(e, "pcr_values", "%s PCR %d must be %zu hex characters", bank, pcr,
                                2 * b->digest_size);
            if (hex_decode_into(json_string_value(hex), b->digest[pcr], b->digest_size) < 0)
                return req_fail(e, "pcr_values", "%s PCR %d is not hex", bank, pcr);
            b->present |= 1u << pcr;
        }
    }
    return 0;
}

int parse_attest_request(const char *body, size_t len, struct attest_request *ret,
                         struct req_error *e)
{
    static const char *const allowed[] = {"ak_name",   "nonce",      "quote",
                                          "signature", "pcr_values", "event_log",
                                          "ima_log",   "ima_from",   NULL};
    _cleanup_json_ json_t *o = NULL;
    struct attest_request *r = ret;
    const char *name, *nonce_s;
    _cleanup_free_ uint8_t *nonce = NULL;
    size_t nonce_len;
    *r = (struct attest_request){0};
    int rc = jc_parse_object(body, len, allowed, &o, e);
    if (rc < 0)
        return rc;
    if ((rc = jc_name(o, "ak_name", &name, e)) < 0 ||
        (rc = jc_b64(o, "nonce", true, REQ_NONCE_SIZE, REQ_NONCE_SIZE, &nonce, &nonce_len, e)) <
            0 ||
        (rc = jc_b64(o, "quote", true, REQ_MAX_TPM_BLOB, 0, &r->quote, &r->quote_len, e)) < 0 ||
        (rc = jc_b64(o, "signature", true, REQ_MAX_TPM_BLOB, 0, &r->signature, &r->signature_len,
                     e)) < 0 ||
        (rc = parse_pcr_values(o, r, e)) < 0 ||
        (rc = jc_b64(o, "event_log", false, REQ_MAX_EVENT_LOG, 0, &r->event_log, &r->event_log_len,
                     e)) < 0 ||
        (rc = jc_b64(o, "ima_log", false, REQ_MAX_IMA_LOG, 0, &r->ima_log, &r->ima_log_len, e)) <
            0 ||
        (rc = jc_int(o, "ima_from", false, 0, INT32_MAX, &r->ima_from, e)) < 0)
        goto fail;
    nonce_s = json_string_value(json_object_get(o, "nonce"));
    r->nonce_b64 = strdup(nonce_s);
    if (!r->nonce_b64) {
        rc = -ENOMEM;
        goto fail;
    }
    snprintf(r->ak_name, sizeof(r->ak_name), "%s", name);
    memcpy(r->nonce, nonce, REQ_NONCE_SIZE);
    return 0;
fail:
    attest_request_done(r);
    return rc;
}

void proof_request_done(struct proof_request *r)
{
    if (!r)
        return;
    free(r->signature);
    *r = (struct proof_request){0};
}

int parse_proof_request(const char *body, size_t len, struct proof_request *ret,
                        struct req_error *e)
{
    static const char *const allowed[] = {"ak_name", "challenge", "signature", NULL};
    _cleanup_json_ json_t *o = NULL;
    _cleanup_free_ uint8_t *challenge = NULL;
    size_t challenge_len;
    const char *name;
    *ret = (struct proof_request){0};
    int r = jc_parse_object(body, len, allowed, &o, e);
    if (r < 0 || (r = jc_name(o, "ak_name", &name, e)) < 0 ||
        (r = jc_b64(o, "challenge", true, REQ_NONCE_SIZE, REQ_NONCE_SIZE, &challenge,
                    &challenge_len, e)) < 0 ||
        (r = jc_b64(o, "signature", true, REQ_MAX_TPM_BLOB, 0, &ret->signature, &ret->signature_len,
                    e)) < 0)
        return r;
    snprintf(ret->ak_name, sizeof(ret->ak_name), "%s", name);
    memcpy(ret->challenge, challenge, REQ_NONCE_SIZE);
    return 0;
}

void policy_request_done(struct policy_request *r)
{
    if (!r)
        return;
    free(r->policy);
    *r = (struct policy_request){0};
}

static bool identifier_valid(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '.' || *s == '_'))
            return false;
    return true;
}

bool policy_target_valid(const char *scope, const char *name, const char *kind, struct req_error *e)
{
    if (strcmp(scope, "machine") != 0 && strcmp(scope, "group") != 0)
        return req_fail(e, "scope", "must be 'machine' or 'group'"), false;
    if (strcmp(kind, "boot") != 0 && strcmp(kind, "ima") != 0)
        return req_fail(e, "kind", "must be 'boot' or 'ima'"), false;
    if (!*name || strlen(name) > 127 || !identifier_valid(name))
        return req_fail(e, "name", "1-127 letters, digits, '-', '.', '_'"), false;
    return true;
}

int parse_policy_request(const char *body, size_t len, struct policy_request *ret,
                         struct req_error *e)
{
    static const char *const allowed[] = {"scope", "name", "kind", "policy", "reason", NULL};
    _cleanup_json_ json_t *o = NULL;
    const char *scope, *name, *kind, *reason = NULL;
    *ret = (struct policy_request){0};
    int r = jc_parse_object(body, len, allowed, &o, e);
    if (r < 0 || (r = jc_string(o, "scope", true, 15, &scope, e)) < 0 ||
        (r = jc_string(o, "name", true, 127, &name, e)) < 0 ||
        (r = jc_string(o, "kind", true, 7, &kind, e)) < 0 ||
        (r = jc_string(o, "reason", false, REQ_REASON_MAX, &reason, e)) < 0)
        return r;
    if (!policy_target_valid(scope, name, kind, e))
        return -EINVAL;
    snprintf(ret->reason, sizeof(ret->reason), "%s", reason ? reason : "");
    json_t *p = json_object_get(o, "policy");
    if (!p || !json_is_object(p))
        return req_fail(e, "policy", "must be a JSON object");
    ret->policy = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    if (!ret->policy)
        return -ENOMEM;
    snprintf(ret->scope, sizeof(ret->scope), "%s", scope);
    snprintf(ret->name, sizeof(ret->name), "%s", name);
    snprintf(ret->kind, sizeof(ret->kind), "%s", kind);
    return 0;
}

/* "kind" (default boot) and "group" (optional, a policy name) of capture and approve. */
static int kind_and_group(json_t *o, char kind[8], char group[64], struct req_error *e)
{
    const char *k = NULL, *g = NULL;
    int r = jc_string(o, "kind", false, 7, &k, e);
    if (r == 0)
        r = jc_string(o, "group", false, 63, &g, e);
    if (r < 0)
        return r;
    snprintf(kind, 8, "%s", k ? k : "boot");
    snprintf(group, 64, "%s", g ? g : "");
    if (!policy_target_valid(g ? "group" : "machine", g ? g : "m", kind, e))
        return -EINVAL;
    return 0;
}

/* A reason an operator must give: 1..REQ_REASON_MAX bytes, not only blanks. */
static int required_reason(json_t *o, char out[REQ_REASON_MAX + 1], struct req_error *e)
{
    const char *reason;
    int r = jc_string(o, "reason", true, REQ_REASON_MAX, &reason, e);
    if (r < 0)
        return r;
    if (strspn(reason, " \t\n") == strlen(reason))
        return req_fail(e, "reason", "must say why");
    snprintf(out, REQ_REASON_MAX + 1, "%s", reason);
    return 0;
}

int parse_capture_request(const char *body, size_t len, struct capture_request *ret,
                          struct req_error *e)
{
    static const char *const allowed[] = {"kind", "group", "dry_run", "reason", NULL};
    _cleanup_json_ json_t *o = NULL;
    const char *reason = NULL;
    *ret = (struct capture_request){0};
    int r = jc_parse_object(body, len, allowed, &o, e);
    if (r < 0 || (r = kind_and_group(o, ret->kind, ret->group, e)) < 0 ||
        (r = jc_string(o, "reason", false, REQ_REASON_MAX, &reason, e)) < 0)
        return r;
    json_t *d = json_object_get(o, "dry_run");
    if (d && !json_is_boolean(d))
        return req_fail(e, "dry_run", "must be true or false");
    ret->dry_run = json_is_true(d);
    snprintf(ret->reason, sizeof(ret->reason), "%s", reason ? reason : "");
    return 0;
}

int parse_approve_request(const char *body, size_t len, struct approve_request *ret,
                          struct req_error *e)
{
    static const char *const allowed[] = {"machine", "kind",         "group",
                                          "reason",  "base_version", NULL};
    _cleanup_json_ json_t *o = NULL;
    const char *machine;
    *ret = (struct approve_request){0};
    int r = jc_parse_object(body, len, allowed, &o, e);
    if (r < 0 || (r = jc_string(o, "machine", true, 32, &machine, e)) < 0 ||
        (r = kind_and_group(o, ret->kind, ret->group, e)) < 0 ||
        (r = required_reason(o, ret->reason, e)) < 0 ||
        (r = jc_int(o, "base_version", true, 0, INT32_MAX, &ret->base_version, e)) < 0)
        return r;
    if (!is_lower_hex(machine, 32))
        return req_fail(e, "machine", "must be 32 lowercase hex characters");
    snprintf(ret->machine_id, sizeof(ret->machine_id), "%s", machine);
    return 0;
}

int parse_rollback_request(const char *body, size_t len, struct rollback_request *ret,
                           struct req_error *e)
{
    static const char *const allowed[] = {"version", "reason", NULL};
    _cleanup_json_ json_t *o = NULL;
    *ret = (struct rollback_request){0};
    int r = jc_parse_object(body, len, allowed, &o, e);
    if (r < 0 || (r = jc_int(o, "version", true, 1, INT32_MAX, &ret->version, e)) < 0 ||
        (r = required_reason(o, ret->reason, e)) < 0)
        return r;
    return 0;
}
