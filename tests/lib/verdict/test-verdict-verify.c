/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the verdict check (lib/verdict/verdict.c, what the runner
 * runs). Genuine tokens are made with libjwt (a foreign ES256 signer) and by
 * hand with OpenSSL; test-verdict-sign.c covers the verifier's own signer. Forgeries cover
 * algorithm confusion (HS256 keyed with the public PEM), alg none and other
 * algs, foreign keys, altered payloads, and every claim that binds the token
 * to this exchange.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jwt.h>
#include <openssl/pem.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "verdict/verdict.h"

#define NONCE "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="
#define AK    "000b8e1e34e5a6f2c6e5a9b4e0a6f8c1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9"

struct keys {
    EVP_PKEY *key;
    char *pub_pem;
    char *priv_pem;
    EVP_PKEY *other;
    char *other_priv_pem;
};

static char *pem_of(EVP_PKEY *k, bool priv)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_non_null(b);
    if (priv)
        assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
    else
        assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *s = strndup(data, (size_t)n);
    BIO_free(b);
    return s;
}

static int setup(void **state)
{
    struct keys *k = calloc(1, sizeof(*k));
    k->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    k->other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(k->key);
    assert_non_null(k->other);
    k->pub_pem = pem_of(k->key, false);
    k->priv_pem = pem_of(k->key, true);
    k->other_priv_pem = pem_of(k->other, true);
    *state = k;
    return 0;
}

static int teardown(void **state)
{
    struct keys *k = *state;
    EVP_PKEY_free(k->key);
    EVP_PKEY_free(k->other);
    free(k->pub_pem);
    free(k->priv_pem);
    free(k->other_priv_pem);
    free(k);
    return 0;
}

struct claims {
    const char *iss, *status, *nonce, *ak;
    long long iat, exp;
    const char *failed_json;
};

static struct claims good_claims(void)
{
    time_t now = time(NULL);
    return (struct claims){"attest-verifier", "affirming", NONCE, AK, now, now + 300, "[]"};
}

/* A token signed with libjwt, the way a verifier built on it would sign. */
static char *libjwt_token(jwt_alg_t alg, const char *key, const struct claims *c)
{
    jwt_t *jwt = NULL;
    assert_int_equal(jwt_new(&jwt), 0);
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"iss\":\"%s\",\"sub\":\"0123456789abcdef0123456789abcdef\",\"iat\":%lld,"
             "\"exp\":%lld,\"eat_nonce\":\"%s\",\"ak_name\":\"%s\",\"status\":\"%s\","
             "\"failed_checks\":%s}",
             c->iss, c->iat, c->exp, c->nonce, c->ak, c->status, c->failed_json);
    assert_int_equal(jwt_add_grants_json(jwt, json), 0);
    assert_int_equal(jwt_set_alg(jwt, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0),
                     0);
    char *tok = jwt_encode_str(jwt);
    assert_non_null(tok);
    jwt_free(jwt);
    return tok;
}

static char *b64url(const uint8_t *d, size_t n)
{
    char *s = malloc(4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)s, d, (int)n);
    while (len > 0 && s[len - 1] == '=')
        len--;
    s[len] = 0;
    for (char *p = s; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return s;
}

/* A token built by hand: any header, raw r||s (or DER when der) ES256 signature with key. */
static char *hand_token(const char *header, const char *payload, EVP_PKEY *key, bool der)
{
    _cleanup_free_ char *h = b64url((const uint8_t *)header, strlen(header));
    _cleanup_free_ char *p = b64url((const uint8_t *)payload, strlen(payload));
    _cleanup_free_ char *signing = NULL;
    assert_true(asprintf(&signing, "%s.%s", h, p) > 0);
    _cleanup_free_ char *sig = NULL;
    if (key) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned char dersig[128];
        size_t dlen = sizeof(dersig);
        assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL), 1);
        assert_int_equal(
            EVP_DigestSign(ctx, dersig, &dlen, (unsigned char *)signing, strlen(signing)), 1);
        EVP_MD_CTX_free(ctx);
        if (der) {
            sig = b64url(dersig, dlen);
        } else {
            const unsigned char *q = dersig;
            ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)dlen);
            uint8_t raw[64];
            BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
            BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
            ECDSA_SIG_free(es);
            sig = b64url(raw, 64);
        }
    } else {
        sig = strdup("");
    }
    char *tok;
    assert_true(asprintf(&tok, "%s.%s", signing, sig) > 0);
    return tok;
}

static char *payload_json(const struct claims *c)
{
    char *s;
    assert_true(asprintf(&s,
                         "{\"iss\":\"%s\",\"iat\":%lld,\"exp\":%lld,\"eat_nonce\":\"%s\","
                         "\"ak_name\":\"%s\",\"status\":\"%s\",\"failed_checks\":%s}",
                         c->iss, c->iat, c->exp, c->nonce, c->ak, c->status, c->failed_json) > 0);
    return s;
}

static void expect_refused(struct keys *k, const char *tok, const char *check)
{
    struct verdict v = {0};
    const char *got = NULL;
    int r = verdict_verify(tok, k->key, NONCE, AK, time(NULL), &v, &got);
    if (r >= 0 || !got || strcmp(got, check) != 0)
        fail_msg("token %.60s...: r=%d check=%s, wanted refusal '%s'", tok, r, got ? got : "(none)",
                 check);
    assert_null(v.status);
}

static void test_libjwt_es256_accepted(void **state)
{
    struct keys *k = *state;
    struct claims c = good_claims();
    _cleanup_free_ char *tok = libjwt_token(JWT_ALG_ES256, k->priv_pem, &c);
    struct verdict v = {0};
    const char *check;
    int r = verdict_verify(tok, k->key, NONCE, AK, time(NULL), &v, &check);
    if (r < 0)
        fail_msg("genuine libjwt ES256 token refused: %d (%s)", r, check);
    assert_string_equal(v.status, "affirming");
    assert_string_equal(v.nonce, NONCE);
    assert_string_equal(v.ak_name, AK);
    assert_string_equal(v.subject, "0123456789abcdef0123456789abcdef");
    assert_int_equal(v.expires_at, c.exp);
    assert_int_equal(v.n_failed_checks, 0);
    verdict_done(&v);
    verdict_done(&v);
    verdict_done(NULL);

    /* A contraindicated verdict is authentic too: the caller reads its checks. */
    c.status = "contraindicated";
    c.failed_json = "[\"pcr-digest\",\"ima-policy\"]";
    _cleanup_free_ char *neg = libjwt_token(JWT_ALG_ES256, k->priv_pem, &c);
    assert_int_equal(verdict_verify(neg, k->key, NONCE, AK, time(NULL), &v, &check), 0);
    assert_string_equal(v.status, "contraindicated");
    assert_int_equal(v.n_failed_checks, 2);
    assert_string_equal(v.failed_checks[1], "ima-policy");
    assert_null(v.failed_checks[2]);
    verdict_done(&v);
}

static void test_hand_es256_accepted(void **state)
{
    struct keys *k = *state;
    struct claims c = good_claims();
    _cleanup_free_ char *p = payload_json(&c);
    _cleanup_free_ char *tok =
        hand_token("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"v1\"}", p, k->key, false);
    struct verdict v = {0};
    assert_int_equal(verdict_verify(tok, k->key, NONCE, AK, time(NULL), &v, NULL), 0);
    verdict_done(&v);
}

/* The attack libjwt 1.10 falls for: HS256 with the public PEM as the HMAC key. */
static void test_alg_confusion_refused(void **state)
{
    struct keys *k = *state;
    struct claims c = good_claims();
    _cleanup_free_ char *forged = libjwt_token(JWT_ALG_HS256, k->pub_pem, &c);

    jwt_t *j = NULL;
    int lr = jwt_decode(&j, forged, (const unsigned char *)k->pub_pem, (int)strlen(k->pub_pem));
    print_message("libjwt %s the forged HS256 token keyed with the public PEM\n",
                  lr == 0 ? "ACCEPTS" : "refuses");
    jwt_free(j);

    expect_refused(k, forged, "alg");
    for (jwt_alg_t a = JWT_ALG_HS384; a <= JWT_ALG_HS512; a++) {
        _cleanup_free_ char *t = libjwt_token(a, k->pub_pem, &c);
        expect_refused(k, t, "alg");
    }
}

static void test_other_algs_refused(void **state)
{
    struct keys *k = *state;
    struct claims c = good_claims();
    _cleanup_free_ char *p = payload_json(&c);
    static const char *const headers[] = {
        "{\"alg\":\"none\"}",
        "{\"alg\":\"ES384\"}",
        "{\"alg\":\"RS256\"}",
        "{\"alg\":\"es256\"}",
        "{\"typ\":\"JWT\"}",
        "{\"alg\":[\"ES256\"]}",
        "{\"alg\":\"ES256\",\"crit\":[\"b64\"],\"b64\":false}",
        "{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\"}}",
        "{\"alg\":\"ES256\",\"jku\":\"https://evil/keys\"}",
    };
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        /* Even correctly signed with the pinned key: the header itself is refused. */
        _cleanup_free_ char *t = hand_token(headers[i], p, k->key, false);
        expect_refused(k, t, "alg");
    }
    _cleanup_free_ char *none = hand_token("{\"alg\":\"none\"}", p, NULL, false);
    expect_refused(k, none, "alg");
    _cleanup_free_ char *dup =
        hand_token("{\"alg\":\"ES256\",\"alg\":\"HS256\"}", p, k->key, false);
    expect_refused(k, dup, "malformed");
}

static void test_bad_signatures_refused(void **state)
{
    struct keys *k = *state;
    struct claims c = good_claims();
    /* Signed by another ES256 key (a MITM's own verifier). */
    _cleanup_free_ char *other = libjwt_token(JWT_ALG_ES256, k->other_priv_pem, &c);
    expect_refused(k, other, "signature");

    /* DER signature instead of JWS raw r||s. */
    _cleanup_free_ char *p = payload_json(&c);
    _cleanup_free_ char *der = hand_token("{\"alg\":\"ES256\"}", p, k->key, true);
    expect_refused(k, der, "signature");

    /* A genuine token whose payload is swapped for a contraindicated->affirming rewrite. */
    c.status = "contraindicated";
    c.failed_json = "[\"pcr-digest\"]";
    _cleanup_free_ char *neg = libjwt_token(JWT_ALG_ES256, k->priv_pem, &c);
    struct claims good = good_claims();
    _cleanup_free_ char *gp = payload_json(&good);
    _cleanup_free_ char *gpb = b64url((const uint8_t *)gp, strlen(gp));
    char *d1 = strchr(neg, '.'), *d2 = strrchr(neg, '.');
    _cleanup_free_ char *spliced = NULL;
    assert_true(asprintf(&spliced, "%.*s.%s%s", (int)(d1 - neg), neg, gpb, d2) > 0);
    expect_refused(k, spliced, "signature");

    /* Truncated and empty signatures. */
    _cleanup_free_ char *cut = strdup(neg);
    cut[strlen(cut) - 4] = 0;
    expect_refused(k, cut, "signature");
    *(strrchr(cut, '.') + 1) = 0;
    expect_refused(k, cut, "signature");
}

static void test_binding_claims(void **state)
{
    struct keys *k = *state;
    struct {
        struct claims c;
        const char *check;
    } cases[6];
    for (size_t i = 0; i < 6; i++)
        cases[i].c = good_claims();
    cases[0].c.nonce = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    cases[0].check = "nonce";
    cases[1].c.ak = "000b0000000000000000000000000000000000000000000000000000000000000000";
    cases[1].check = "ak-name";
    cases[2].c.exp = time(NULL) - 1;
    cases[2].check = "expired";
    cases[3].c.iss = "someone-else";
    cases[3].check = "issuer";
    cases[4].c.status = "warning";
    cases[4].check = "claims";
    cases[5].c.failed_json = "[\"pcr-digest\"]"; /* affirming but with a failed check */
    cases[5].check = "claims";
    for (size_t i = 0; i < 6; i++) {
        _cleanup_free_ char *t = libjwt_token(JWT_ALG_ES256, k->priv_pem, &cases[i].c);
        expect_refused(k, t, cases[i].check);
    }
    struct claims future = good_claims();
    future.iat += 3600;
    future.exp += 3600;
    _cleanup_free_ char *t = libjwt_token(JWT_ALG_ES256, k->priv_pem, &future);
    expect_refused(k, t, "not-yet-valid");
}

static void test_malformed(void **state)
{
    struct keys *k = *state;
    struct claims c = good_claims();
    _cleanup_free_ char *good = libjwt_token(JWT_ALG_ES256, k->priv_pem, &c);
    static const char *const bad[] = {"", ".", "..", "a.b", "a.b.c.d", "!!!.b.c", "e30.e30.e30"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct verdict v = {0};
        const char *check = NULL;
        assert_true(verdict_verify(bad[i], k->key, NONCE, AK, time(NULL), &v, &check) < 0);
        assert_non_null(check);
    }
    _cleanup_free_ char *extra = NULL;
    assert_true(asprintf(&extra, "%s.x", good) > 0);
    expect_refused(k, extra, "malformed");

    /* Signed claims missing or mistyped. */
    static const char *const payloads[] = {
        "{}",
        "[1]",
        "{\"iss\":\"attest-verifier\",\"iat\":\"1\",\"exp\":99999999999,\"eat_nonce\":\"" NONCE
        "\",\"ak_name\":\"" AK "\",\"status\":\"affirming\"}",
        "{\"iss\":\"attest-verifier\",\"iat\":1,\"exp\":99999999999,\"eat_nonce\":\"" NONCE
        "\",\"ak_name\":\"" AK "\",\"status\":\"affirming\",\"failed_checks\":[1]}",
        "{\"iss\":\"attest-verifier\",\"iat\":1,\"exp\":99999999999,\"eat_nonce\":\"" NONCE
        "\",\"ak_name\":\"" AK "\",\"status\":\"affirming\",\"status\":\"affirming\"}",
    };
    for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        _cleanup_free_ char *t = hand_token("{\"alg\":\"ES256\"}", payloads[i], k->key, false);
        expect_refused(k, t, "claims");
    }
}

static void test_key_loading(void **state)
{
    struct keys *k = *state;
    EVP_PKEY *key = NULL;
    assert_int_equal(verdict_key_from_pem(k->pub_pem, strlen(k->pub_pem), &key), 0);
    assert_int_equal(EVP_PKEY_eq(key, k->key), 1);
    EVP_PKEY_free(key);
    key = NULL;

    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    _cleanup_free_ char *pem384 = pem_of(p384, false);
    assert_int_equal(verdict_key_from_pem(pem384, strlen(pem384), &key), -EINVAL);
    EVP_PKEY_free(p384);
    EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    _cleanup_free_ char *pemrsa = pem_of(rsa, false);
    assert_int_equal(verdict_key_from_pem(pemrsa, strlen(pemrsa), &key), -EINVAL);
    EVP_PKEY_free(rsa);
    assert_int_equal(verdict_key_from_pem("junk", 4, &key), -EINVAL);
    assert_null(key);
    assert_int_equal(verdict_load_key("/nonexistent/key.pem", &key), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_libjwt_es256_accepted),
        cmocka_unit_test(test_hand_es256_accepted),
        cmocka_unit_test(test_alg_confusion_refused),
        cmocka_unit_test(test_other_algs_refused),
        cmocka_unit_test(test_bad_signatures_refused),
        cmocka_unit_test(test_binding_claims),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_key_loading),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
