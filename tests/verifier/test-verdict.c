/* SPDX-License-Identifier: Apache-2.0 */
/* Verdict tokens: ES256 round trip, and every token the runner must refuse. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jwt.h>

#include "common/base64.h"
#include "common/cleanup.h"
#include "verdict.h"
#include "verdict/signing-key.h"

struct fixture {
    char dir[64];
    char path[96];
    struct signing_key *key;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test-verdict-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/key.pem", f->dir);
    assert_int_equal(signing_key_load_or_create(f->path, &f->key), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    signing_key_free(f->key);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static char *sign(struct fixture *f, int64_t iat, int64_t exp)
{
    json_t *checks = json_pack("[s]", "pcr-digest");
    struct verdict_claims c = {.machine_id = "0123456789abcdef0123456789abcdef",
                               .ak_name = "000babcd",
                               .nonce_b64 = "bm9uY2U=",
                               .status = "contraindicated",
                               .failed_checks = checks,
                               .iat = iat,
                               .exp = exp};
    char *token = NULL;
    assert_int_equal(verdict_sign(f->key->pkey, &c, &token), 0);
    json_decref(checks);
    return token;
}

static void test_roundtrip(void **state)
{
    struct fixture *f = *state;
    _cleanup_free_ char *token = sign(f, 1000, 2000);
    json_t *claims = NULL;
    assert_int_equal(verdict_verify(token, f->key->public_pem, f->key->public_pem_len, &claims), 0);
    assert_string_equal(json_string_value(json_object_get(claims, "status")), "contraindicated");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(claims, "failed_checks"), 0)),
        "pcr-digest");
    assert_int_equal(verdict_check_claims(claims, "bm9uY2U=", "000babcd", 1500), 0);
    assert_int_equal(verdict_check_claims(claims, "bm9uY2U=", "000babcd", 2000), -EKEYEXPIRED);
    assert_int_equal(verdict_check_claims(claims, "b3RoZXI=", "000babcd", 1500), -EBADMSG);
    assert_int_equal(verdict_check_claims(claims, "bm9uY2U=", "000bffff", 1500), -EBADMSG);
    assert_int_equal(verdict_check_claims(claims, "bm9uY2U=", "000babcd", 900), -EBADMSG);
    json_decref(claims);

    /* The key survives a restart: the same file loads, the token still verifies. */
    struct signing_key *again = NULL;
    assert_int_equal(signing_key_load_or_create(f->path, &again), 0);
    assert_string_equal(again->public_pem, f->key->public_pem);
    signing_key_free(again);
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
    jwt_add_grant(jwt, "eat_nonce", "bm9uY2U=");
    jwt_add_grant(jwt, "ak_name", "000babcd");
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

    json_t *claims = NULL;
    assert_int_equal(verdict_verify(forged, f->key->public_pem, f->key->public_pem_len, &claims),
                     -EKEYREJECTED);
    assert_null(claims);
}

static void test_alg_none_and_garbage_refused(void **state)
{
    struct fixture *f = *state;
    json_t *claims = NULL;
    /* {"alg":"none","typ":"JWT"} . {"status":"affirming"} . (empty) */
    const char *none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdGF0dXMiOiJhZmZpcm1pbmcifQ.";
    assert_int_equal(verdict_verify(none, f->key->public_pem, f->key->public_pem_len, &claims),
                     -EBADMSG);
    const char *none_sig = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdGF0dXMiOiJhZmZpcm1pbmcifQ.AA";
    assert_int_equal(verdict_verify(none_sig, f->key->public_pem, f->key->public_pem_len, &claims),
                     -EKEYREJECTED);
    assert_int_equal(verdict_verify("a.b", f->key->public_pem, f->key->public_pem_len, &claims),
                     -EBADMSG);
    assert_int_equal(verdict_verify("", f->key->public_pem, f->key->public_pem_len, &claims),
                     -EBADMSG);

    /* A genuine token with one byte of the payload changed fails the signature. */
    _cleanup_free_ char *token = sign(f, 1000, 2000);
    char *dot = strchr(token, '.');
    dot[3] = dot[3] == 'A' ? 'B' : 'A';
    assert_int_equal(verdict_verify(token, f->key->public_pem, f->key->public_pem_len, &claims),
                     -EKEYREJECTED);

    /* A token signed by another ES256 key fails. */
    char dir[] = "/tmp/test-verdict-other-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/k.pem", dir);
    struct signing_key *other = NULL;
    assert_int_equal(signing_key_load_or_create(path, &other), 0);
    _cleanup_free_ char *good = sign(f, 1000, 2000);
    assert_int_equal(verdict_verify(good, other->public_pem, other->public_pem_len, &claims),
                     -EKEYREJECTED);
    signing_key_free(other);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_forged_hs256_refused),
        cmocka_unit_test(test_alg_none_and_garbage_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
