/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jwt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <stdio.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "verdict.h"

#define VERDICT_ISSUER "attest-verifier"

DEFINE_TRIVIAL_CLEANUP_FUNC(jwt_t *, jwt_free)

/* base64url without padding (RFC 7515 §2) of buf. */
static char *b64url(const uint8_t *buf, size_t len)
{
    char *s = base64_encode(buf, len);
    if (!s)
        return NULL;
    size_t n = strcspn(s, "=");
    s[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '+')
            s[i] = '-';
        else if (s[i] == '/')
            s[i] = '_';
    return s;
}

/* ECDSA P-256 over SHA-256 of input, as JWS wants it: r || s, 32 bytes each. */
static int es256(EVP_PKEY *key, const char *input, uint8_t out[64])
{
    _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t der[80];
    size_t der_len = sizeof(der);
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, der, &der_len, (const uint8_t *)input, strlen(input)) != 1)
        return -EIO;
    const uint8_t *p = der;
    _cleanup_(ECDSA_SIG_freep) ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) != 32)
        return -EIO;
    return 0;
}

int verdict_sign(EVP_PKEY *key, const struct verdict_claims *c, char **ret)
{
    _cleanup_(json_decrefp) json_t *claims =
        json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:O}", "iss", VERDICT_ISSUER, "sub",
                  c->machine_id, "iat", (json_int_t)c->iat, "exp", (json_int_t)c->exp, "eat_nonce",
                  c->nonce_b64, "ak_name", c->ak_name, "status", c->status, "failed_checks",
                  c->failed_checks ? c->failed_checks : json_array());
    if (!claims)
        return -ENOMEM;
    _cleanup_free_ char *payload = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
    static const char header[] = "{\"alg\":\"ES256\",\"typ\":\"JWT\"}";
    _cleanup_free_ char *h64 = b64url((const uint8_t *)header, sizeof(header) - 1);
    _cleanup_free_ char *p64 = payload ? b64url((const uint8_t *)payload, strlen(payload)) : NULL;
    _cleanup_free_ char *input = NULL;
    if (!h64 || !p64 || asprintf(&input, "%s.%s", h64, p64) < 0)
        return -ENOMEM;
    uint8_t sig[64];
    int r = es256(key, input, sig);
    if (r < 0)
        return r;
    _cleanup_free_ char *s64 = b64url(sig, sizeof(sig));
    if (!s64 || asprintf(ret, "%s.%s", input, s64) < 0)
        return -ENOMEM;
    return 0;
}

/* Decode the JOSE header and require {"alg": "ES256"} (typ, if present, "JWT"). */
static int header_is_es256(const char *token, size_t header_len)
{
    _cleanup_free_ uint8_t *raw = NULL;
    size_t raw_len;
    if (base64url_decode(token, header_len, 1024, &raw, &raw_len) < 0)
        return -EBADMSG;
    _cleanup_(json_decrefp) json_t *h =
        json_loadb((const char *)raw, raw_len, JSON_REJECT_DUPLICATES, NULL);
    if (!h || !json_is_object(h))
        return -EBADMSG;
    json_t *alg = json_object_get(h, "alg");
    if (!json_is_string(alg) || strcmp(json_string_value(alg), "ES256") != 0)
        return -EKEYREJECTED;
    json_t *typ = json_object_get(h, "typ");
    if (typ && (!json_is_string(typ) || strcmp(json_string_value(typ), "JWT") != 0))
        return -EBADMSG;
    if (json_object_get(h, "crit") || json_object_get(h, "jwk") || json_object_get(h, "jku"))
        return -EBADMSG; /* nothing in our tokens may redirect key selection */
    return 0;
}

int verdict_verify(const char *token, const char *pubkey_pem, size_t pubkey_len,
                   json_t **ret_claims)
{
    const char *dot1 = strchr(token, '.');
    if (!dot1 || dot1 == token)
        return -EBADMSG;
    const char *dot2 = strchr(dot1 + 1, '.');
    if (!dot2 || strchr(dot2 + 1, '.') || dot2[1] == 0)
        return -EBADMSG;
    int r = header_is_es256(token, (size_t)(dot1 - token));
    if (r < 0)
        return r;

    _cleanup_(jwt_freep) jwt_t *jwt = NULL;
    if (jwt_decode(&jwt, token, (const unsigned char *)pubkey_pem, (int)pubkey_len) != 0)
        return -EKEYREJECTED;
    if (jwt_get_alg(jwt) != JWT_ALG_ES256)
        return -EKEYREJECTED;
    _cleanup_free_ char *grants = jwt_get_grants_json(jwt, NULL);
    if (!grants)
        return -EBADMSG;
    json_t *claims = json_loads(grants, JSON_REJECT_DUPLICATES, NULL);
    if (!claims || !json_is_object(claims)) {
        json_decref(claims);
        return -EBADMSG;
    }
    *ret_claims = claims;
    return 0;
}

static bool claim_equals(json_t *claims, const char *name, const char *want)
{
    json_t *v = json_object_get(claims, name);
    return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

int verdict_check_claims(json_t *claims, const char *nonce_b64, const char *ak_name, int64_t now)
{
    json_t *exp = json_object_get(claims, "exp"), *iat = json_object_get(claims, "iat");
    if (!json_is_integer(exp) || !json_is_integer(iat))
        return -EBADMSG;
    if (json_integer_value(exp) <= now)
        return -EKEYEXPIRED;
    if (json_integer_value(iat) > now + 60)
        return -EBADMSG;
    if (!claim_equals(claims, "iss", VERDICT_ISSUER) ||
        !claim_equals(claims, "eat_nonce", nonce_b64) || !claim_equals(claims, "ak_name", ak_name))
        return -EBADMSG;
    return 0;
}
