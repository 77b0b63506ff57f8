/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "verdict/verdict.h"

#define ES256_SIG_LEN 64

void verdict_done(struct verdict *v)
{
    if (!v)
        return;
    free(v->status);
    free(v->subject);
    free(v->ak_name);
    free(v->nonce);
    for (size_t i = 0; i < v->n_failed_checks; i++)
        free(v->failed_checks[i]);
    free(v->failed_checks);
    *v = (struct verdict){0};
}

static bool is_p256(EVP_PKEY *k)
{
    char group[32];
    size_t len;
    if (!EVP_PKEY_is_a(k, "EC"))
        return false;
    if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len))
        return false;
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

int verdict_key_from_pem(const char *pem, size_t len, EVP_PKEY **ret)
{
    if (len > INT32_MAX)
        return -EINVAL;
    _cleanup_(BIO_free_allp) BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return -ENOMEM;
    _cleanup_(EVP_PKEY_freep) EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (!k || !is_p256(k))
        return -EINVAL;
    *ret = TAKE_PTR(k);
    return 0;
}

int verdict_load_key(const char *path, EVP_PKEY **ret)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, 64 * 1024, &buf, &len);
    if (r < 0)
        return r;
    return verdict_key_from_pem((const char *)buf, len, ret);
}

static int decode_json_segment(const char *s, size_t len, json_t **ret)
{
    _cleanup_free_ uint8_t *raw = NULL;
    size_t rawlen;
    if (base64url_decode(s, len, len, &raw, &rawlen) < 0)
        return -EBADMSG;
    json_t *j = json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES, NULL);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return -EBADMSG;
    }
    *ret = j;
    return 0;
}

/* The header must say ES256 and carry nothing we would have to understand. */
static int check_header(const char *s, size_t len, const char **ret_check)
{
    _cleanup_(json_decrefp) json_t *h = NULL;
    if (decode_json_segment(s, len, &h) < 0) {
        *ret_check = "malformed";
        return -EBADMSG;
    }
    const char *alg = json_string_value(json_object_get(h, "alg"));
    if (!alg || strcmp(alg, VERDICT_ALG) != 0) {
        *ret_check = "alg";
        return ATT_E_VERIFY;
    }
    const char *key;
    json_t *val;
    json_object_foreach(h, key, val)
    {
        if (strcmp(key, "alg") == 0 || strcmp(key, "kid") == 0)
            continue;
        if (strcmp(key, "typ") == 0 && json_is_string(val))
            continue;
        /* crit, jku, jwk, x5u, ...: a key or extension from the token is never trusted */
        *ret_check = "alg";
        return ATT_E_VERIFY;
    }
    return 0;
}

/* JWS ES256 signature: raw r || s (32 bytes each) -> DER for OpenSSL. */
static int verify_signature(EVP_PKEY *key, const char *signed_part, size_t signed_len,
                            const char *sig_b64, size_t sig_b64_len)
{
    _cleanup_free_ uint8_t *raw = NULL;
    size_t rawlen;
    if (base64url_decode(sig_b64, sig_b64_len, ES256_SIG_LEN, &raw, &rawlen) < 0 ||
        rawlen != ES256_SIG_LEN)
        return ATT_E_VERIFY;

    _cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = ECDSA_SIG_new();
    if (!sig)
        return -ENOMEM;
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    if (!r || !s || !ECDSA_SIG_set0(sig, r, s)) {
        BN_free(r);
        BN_free(s);
        return -ENOMEM;
    }
    unsigned char *der = NULL;
    int derlen = i2d_ECDSA_SIG(sig, &der);
    if (derlen <= 0)
        return -ENOMEM;

    _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
             EVP_DigestVerify(ctx, der, (size_t)derlen, (const unsigned char *)signed_part,
                              signed_len) == 1;
    OPENSSL_free(der);
    return ok ? 0 : ATT_E_VERIFY;
}

static int dup_string_claim(json_t *claims, const char *name, char **ret)
{
    const char *s = json_string_value(json_object_get(claims, name));
    if (!s)
        return -EBADMSG;
    *ret = strdup(s);
    return *ret ? 0 : -ENOMEM;
}

static int read_claims(json_t *c, struct verdict *v)
{
    int r;
    if ((r = dup_string_claim(c, VERDICT_CLAIM_STATUS, &v->status)) < 0 ||
        (r = dup_string_claim(c, VERDICT_CLAIM_NONCE, &v->nonce)) < 0 ||
        (r = dup_string_claim(c, VERDICT_CLAIM_AK_NAME, &v->ak_name)) < 0)
        return r;
    if (json_object_get(c, VERDICT_CLAIM_SUBJECT) &&
        (r = dup_string_claim(c, VERDICT_CLAIM_SUBJECT, &v->subject)) < 0)
        return r;
    json_t *iat = json_object_get(c, VERDICT_CLAIM_ISSUED_AT);
    json_t *exp = json_object_get(c, VERDICT_CLAIM_EXPIRES_AT);
    if (!json_is_integer(iat) || !json_is_integer(exp))
        return -EBADMSG;
    v->issued_at = json_integer_value(iat);
    v->expires_at = json_integer_value(exp);

    json_t *fc = json_object_get(c, VERDICT_CLAIM_FAILED_CHECKS);
    if (fc && !json_is_array(fc))
        return -EBADMSG;
    size_t n = json_array_size(fc);
    v->failed_checks = calloc(n + 1, sizeof(char *));
    if (!v->failed_checks)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(fc, i));
        if (!s)
            return -EBADMSG;
        v->failed_checks[i] = strdup(s);
        if (!v->failed_checks[i])
            return -ENOMEM;
        v->n_failed_checks++;
    }
    return 0;
}

static int check_claims(const struct verdict *v, json_t *c, const char *nonce_b64,
                        const char *ak_name, time_t now, const char **ret_check)
{
    const char *iss = json_string_value(json_object_get(c, VERDICT_CLAIM_ISSUER));
    if (!iss || strcmp(iss, VERDICT_ISSUER) != 0) {
        *ret_check = "issuer";
        return ATT_E_VERIFY;
    }
    if (strcmp(v->nonce, nonce_b64) != 0) {
        *ret_check = "nonce";
        return ATT_E_VERIFY;
    }
    if (strcmp(v->ak_name, ak_name) != 0) {
        *ret_check = "ak-name";
        return ATT_E_VERIFY;
    }
    if (v->expires_at <= (int64_t)now) {
        *ret_check = "expired";
        return ATT_E_VERIFY;
    }
    if (v->issued_at > (int64_t)now + VERDICT_CLOCK_SKEW) {
        *ret_check = "not-yet-valid";
        return ATT_E_VERIFY;
    }
    if (strcmp(v->status, VERDICT_AFFIRMING) != 0 &&
        strcmp(v->status, VERDICT_CONTRAINDICATED) != 0) {
        *ret_check = "claims";
        return ATT_E_VERIFY;
    }
    /* An affirming verdict with failed checks is self-contradictory: refuse it. */
    if (strcmp(v->status, VERDICT_AFFIRMING) == 0 && v->n_failed_checks > 0) {
        *ret_check = "claims";
        return ATT_E_VERIFY;
    }
    return 0;
}

int verdict_verify(const char *token, EVP_PKEY *key, const char *nonce_b64, const char *ak_name,
                   time_t now, struct verdict *ret, const char **ret_check)
{
    const char *unused;
    if (!ret_check)
        ret_check = &unused;
    *ret_check = "malformed";

    size_t len = strnlen(token, VERDICT_MAX_TOKEN + 1);
    if (len > VERDICT_MAX_TOKEN)
        return -EBADMSG;
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        return -EBADMSG;

    int r = check_header(token, (size_t)(dot1 - token), ret_check);
    if (r < 0)
        return r;

    *ret_check = "signature";
    r = verify_signature(key, token, (size_t)(dot2 - token), dot2 + 1,
                         len - (size_t)(dot2 + 1 - token));
    if (r < 0)
        return r;

    /* Authentic from here on: now the claims may be read. */
    *ret_check = "claims";
    _cleanup_(json_decrefp) json_t *claims = NULL;
    r = decode_json_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1), &claims);
    if (r < 0)
        return r;
    _cleanup_(verdict_done) struct verdict v = {0};
    r = read_claims(claims, &v);
    if (r < 0)
        return r;
    r = check_claims(&v, claims, nonce_b64, ak_name, now, ret_check);
    if (r < 0)
        return r;
    *ret_check = NULL;
    *ret = v;
    v = (struct verdict){0};
    return 0;
}
