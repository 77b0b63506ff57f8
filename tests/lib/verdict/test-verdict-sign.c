/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verdict tokens as the verifier signs them (verdict_sign with its signing
 * key), verified the way the runner does (verdict_verify against the public
 * PEM it pins): the round trip, and every token the runner must refuse.
 * libjwt is only the forger here: it builds the HS256 token keyed with the
 * public PEM that libjwt 1.10 itself accepts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jwt.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "verdict/signing-key.h"
#include "verdict/verdict.h"

#define NONCE "bm9uY2U="
#define AK    "000babcd"

struct fixture {
    char dir[64];
    char path[96];
    struct signing_key *key;
    EVP_PKEY *pinned; /* the public half, parsed from PEM as the runner pins it */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test-verdict-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/key.pem", f->dir);
    assert_int_equal(signing_key_load_or_create(f->path, &f->key), 0);
    assert_int_equal(verdict_key_from_pem(f->key->public_pem, f->key->public_pem_len, &f->pinned),
                     0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    signing_key_free(f->key);
    EVP_PKEY_free(f->pinned);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static char *sign(struct fixture *f, int64_t iat, int64_t exp)
{
    json_t *checks = json_pack("[s]", "pcr-digest");
    struct verdict_claims c = {.machine_id = "0123456789abcdef0123456789abcdef",
                               .ak_name = AK,
                               .nonce_b64 = NONCE,
                               .status = "contraindicated",
                               .failed_checks = checks,
                               .iat = iat,
                               .exp = exp};
    char *token = NULL;
    assert_int_equal(verdict_sign(f->key->pkey, &c, &token), 0);
    json_decref(checks);
    return token;
}

/* verdict_verify at now with this test's nonce and AK: the return code, *ret_check in check. */
static int verify_at(EVP_PKEY *key, const char *token, const char *nonce, const char *ak,
                     time_t now, const char **check)
{
    struct verdict v = {0};
    *check = NULL;
    int r = verdict_verify(token, key, nonce, ak, now, &v, check);
    if (r < 0)
        assert_null(v.status);
    verdict_done(&v);
    return r;
}

static void expect_refused(EVP_PKEY *key, const char *token, time_t now, int rc, const char *check)
{
    const char *got;
    int r = verify_at(key, token, NONCE, AK, now, &got);
    if (r != rc || !got || strcmp(got, check) != 0)
        fail_msg("r=%d check=%s, wanted %d '%s'", r, got ? got : "(none)", rc, check);
}

static void test_roundtrip(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *token = sign(f, 1000, 2000);
    struct verdict v = {0};
    const char *check = NULL;
    assert_int_equal(verdict_verify(token, f->pinned, NONCE, AK, 1500, &v, &check), 0);
    assert_null(check);
    /* Every claim the verifier signed is read back under the same name. */
    assert_string_equal(v.status, "contraindicated");
    assert_string_equal(v.subject, "0123456789abcdef0123456789abcdef");
    assert_string_equal(v.nonce, NONCE);
    assert_string_equal(v.ak_name, AK);
    assert_int_equal(v.issued_at, 1000);
    assert_int_equal(v.expires_at, 2000);
    assert_int_equal(v.n_failed_checks, 1);
    assert_string_equal(v.failed_checks[0], "pcr-digest");
    verdict_done(&v);

    /* The claim checks: expiry, nonce, AK name, iat beyond the clock skew. */
    expect_refused(f->pinned, token, 2000, ATT_E_VERIFY, "expired");
    assert_int_equal(verify_at(f->pinned, token, "b3RoZXI=", AK, 1500, &check), ATT_E_VERIFY);
    assert_string_equal(check, "nonce");
    assert_int_equal(verify_at(f->pinned, token, NONCE, "000bffff", 1500, &check), ATT_E_VERIFY);
    assert_string_equal(check, "ak-name");
    expect_refused(f->pinned, token, 1000 - VERDICT_CLOCK_SKEW - 1, ATT_E_VERIFY, "not-yet-valid");
    assert_int_equal(verify_at(f->pinned, token, NONCE, AK, 1000 - VERDICT_CLOCK_SKEW, &check), 0);

    /* The key survives a restart: the same file loads, the token still verifies. */
    struct signing_key *again = NULL;
    assert_int_equal(signing_key_load_or_create(f->path, &again), 0);
    assert_string_equal(again->public_pem, f->key->public_pem);
    assert_int_equal(verify_at(again->pkey, token, NONCE, AK, 1500, &check), 0);
    signing_key_free(again);
}

/* No failed checks: signed as an empty array, read back as none. */
static void test_affirming_roundtrip(void **state)
{
    struct fixture *f = *state;
    struct verdict_claims c = {.machine_id = "0123456789abcdef0123456789abcdef",
                               .ak_name = AK,
                               .nonce_b64 = NONCE,
                               .status = VERDICT_AFFIRMING,
                               .iat = 1000,
                               .exp = 2000};
    _cleanup_free_ char *token = NULL;
    assert_int_equal(verdict_sign(f->key->pkey, &c, &token), 0);
    struct verdict v = {0};
    assert_int_equal(verdict_verify(token, f->pinned, NONCE, AK, 1500, &v, NULL), 0);
    assert_string_equal(v.status, VERDICT_AFFIRMING);
    assert_int_equal(v.n_failed_checks, 0);
    assert_null(v.failed_checks[0]);
    verdict_done(&v);
}

/*
 * Algorithm confusion: an HS256 token whose HMAC key is the (public) PEM.
 * libjwt 1.10's jwt_decode() accepts it; verdict_verify must not.
 */
static void test_forged_hs256_refused(void **state)
{
    struct fixture *f = *state;
    jwt_t *jwt = NULL;
    assert_int_equal(jwt_new(&jwt), 0);
    jwt_add_grant(jwt, "iss", "attest-verifier");
    jwt_add_grant(jwt, "status", "affirming");
    jwt_add_grant(jwt, "eat_nonce", NONCE);
    jwt_add_grant(jwt, "ak_name", AK);
    jwt_add_grant_int(jwt, "iat", 1000);
    jwt_add_grant_int(jwt, "exp", 2000);
    assert_int_equal(jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)f->key->public_pem,
                                 (int)f->key->public_pem_len),
                     0);
    _cleanup_free_ char *forged = jwt_encode_str(jwt);
    jwt_free(jwt);
    assert_non_null(forged);

    /* The vulnerability is real in this libjwt: the plain decode accepts the forgery. */
    jwt_t *plain = NULL;
    int plain_rc = jwt_decode(&plain, forged, (const unsigned char *)f->key->public_pem,
                              (int)f->key->public_pem_len);
    jwt_free(plain);
    fprintf(stderr, "libjwt jwt_decode() of the forged HS256 token: %s\n",
            plain_rc == 0 ? "accepted (algorithm confusion)" : "refused");

    expect_refused(f->pinned, forged, 1500, ATT_E_VERIFY, "alg");
}

static void test_alg_none_and_garbage_refused(void **state)
{
    struct fixture *f = *state;
    /* {"alg":"none","typ":"JWT"} . {"status":"affirming"} . (empty) */
    const char *none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdGF0dXMiOiJhZmZpcm1pbmcifQ.";
    expect_refused(f->pinned, none, 1500, ATT_E_VERIFY, "alg");
    const char *none_sig = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdGF0dXMiOiJhZmZpcm1pbmcifQ.AA";
    expect_refused(f->pinned, none_sig, 1500, ATT_E_VERIFY, "alg");
    expect_refused(f->pinned, "a.b", 1500, -EBADMSG, "malformed");
    expect_refused(f->pinned, "", 1500, -EBADMSG, "malformed");

    /* A genuine token with one byte of the payload changed fails the signature. */
    _cleanup_free_ char *token = sign(f, 1000, 2000);
    char *dot = strchr(token, '.');
    dot[3] = dot[3] == 'A' ? 'B' : 'A';
    expect_refused(f->pinned, token, 1500, ATT_E_VERIFY, "signature");

    /* A token signed by another ES256 key fails. */
    char dir[] = "/tmp/test-verdict-other-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/k.pem", dir);
    struct signing_key *other = NULL;
    assert_int_equal(signing_key_load_or_create(path, &other), 0);
    _cleanup_free_ char *good = sign(f, 1000, 2000);
    EVP_PKEY *other_pinned = NULL;
    assert_int_equal(verdict_key_from_pem(other->public_pem, other->public_pem_len, &other_pinned),
                     0);
    expect_refused(other_pinned, good, 1500, ATT_E_VERIFY, "signature");
    EVP_PKEY_free(other_pinned);
    signing_key_free(other);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_affirming_roundtrip),
        cmocka_unit_test(test_forged_hs256_refused),
        cmocka_unit_test(test_alg_none_and_garbage_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
