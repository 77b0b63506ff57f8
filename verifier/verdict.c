/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jwt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "cleanup.h"
#include "verdict.h"

#define VERDICT_ISSUER "attest-verifier"

DEFINE_TRIVIAL_CLEANUP_FUNC(jwt_t *, jwt_free)

int verdict_sign(const char *key_pem, size_t key_len, const struct verdict_claims *c, char **ret)
{
    _cleanup_(jwt_freep) jwt_t *jwt = NULL;
    if (jwt_new(&jwt) != 0)
        return -ENOMEM;
    _cleanup_(json_decrefp) json_t *extra =
        json_pack("{s:O}", "failed_checks", c->failed_checks ? c->failed_checks : json_array());
    if (!extra)
        return -ENOMEM;
    _cleanup_free_ char *extra_s = json_dumps(extra, JSON_COMPACT);
    if (!extra_s)
        return -ENOMEM;
    if (jwt_add_grant(jwt, "iss", VERDICT_ISSUER) != 0 ||
        jwt_add_grant(jwt, "sub", c->machine_id) != 0 ||
        jwt_add_grant_int(jwt, "iat", c->iat) != 0 || jwt_add_grant_int(jwt, "exp", c->exp) != 0 ||
        jwt_add_grant(jwt, "eat_nonce", c->nonce_b64) != 0 ||
        jwt_add_grant(jwt, "ak_name", c->ak_name) != 0 ||
        jwt_add_grant(jwt, "status", c->status) != 0 || jwt_add_grants_json(jwt, extra_s) != 0)
        return -ENOMEM;
    if (jwt_set_alg(jwt, JWT_ALG_ES256, (const unsigned char *)key_pem, (int)key_len) != 0)
        return -EINVAL;
    char *token = jwt_encode_str(jwt);
    if (!token)
        return -EIO;
    *ret = token;
    return 0;
}

/* Decode the JOSE header and require {"alg": "ES256"} (typ, if present, "JWT"). */
static int header_is_es256(const char *token, size_t header_len)
{
    _cleanup_free_ uint8_t *raw = NULL;
    size_t raw_len;
    if (b64url_decode(token, header_len, 1024, &raw, &raw_len) < 0)
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
