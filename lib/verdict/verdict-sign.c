/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/ecdsa.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "verdict/verdict.h"

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

static json_t *claims_json(const struct verdict_claims *c, json_t *failed_checks)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:O}", VERDICT_CLAIM_ISSUER,
                     VERDICT_ISSUER, VERDICT_CLAIM_SUBJECT, c->machine_id, VERDICT_CLAIM_ISSUED_AT,
                     (json_int_t)c->iat, VERDICT_CLAIM_EXPIRES_AT, (json_int_t)c->exp,
                     VERDICT_CLAIM_NONCE, c->nonce_b64, VERDICT_CLAIM_AK_NAME, c->ak_name,
                     VERDICT_CLAIM_STATUS, c->status, VERDICT_CLAIM_FAILED_CHECKS, failed_checks);
}

int verdict_sign(EVP_PKEY *key, const struct verdict_claims *c, char **ret)
{
    /* No failed checks is signed as an empty array: the claim is never absent. */
    _cleanup_(json_decrefp) json_t *none = json_array();
    json_t *checks = c->failed_checks ? c->failed_checks : none;
    _cleanup_(json_decrefp) json_t *claims = checks ? claims_json(c, checks) : NULL;
    if (!claims)
        return -ENOMEM;
    if (c->skipped_checks && json_array_size(c->skipped_checks) > 0 &&
        json_object_set(claims, VERDICT_CLAIM_SKIPPED_CHECKS, c->skipped_checks) < 0)
        return -ENOMEM;
    _cleanup_free_ char *payload = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
    static const char header[] = "{\"alg\":\"" VERDICT_ALG "\",\"typ\":\"JWT\"}";
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
