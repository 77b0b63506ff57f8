/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

/*
 * The verifier's verdict token (docs/api.md "Verdict token"): a JWS compact
 * token, ES256 (P-256, SHA-256, raw r||s signature), signed by the verifier
 * (verdict_sign) and verified by the runner (verdict_verify), both with
 * OpenSSL; libjwt is linked by neither. libjwt 1.10 takes the algorithm from the
 * token's own header, so an HS256 token keyed with the public PEM verifies
 * there (algorithm confusion); here ES256 is a constant: any other "alg" is
 * refused before the payload is even decoded, and no claim is read before the
 * signature holds.
 */

#define VERDICT_MAX_TOKEN  (64 * 1024)
#define VERDICT_CLOCK_SKEW 300 /* seconds an "iat" may lie in the future */

/* What both sides write and read: one spelling, so sign and verify cannot drift. */
#define VERDICT_ALG                 "ES256" /* the only one, signed and accepted */
#define VERDICT_ISSUER              "attest-verifier"
#define VERDICT_CLAIM_ISSUER        "iss"
#define VERDICT_CLAIM_SUBJECT       "sub"
#define VERDICT_CLAIM_ISSUED_AT     "iat"
#define VERDICT_CLAIM_EXPIRES_AT    "exp"
#define VERDICT_CLAIM_NONCE         "eat_nonce"
#define VERDICT_CLAIM_AK_NAME       "ak_name"
#define VERDICT_CLAIM_STATUS        "status"
#define VERDICT_CLAIM_FAILED_CHECKS "failed_checks"
/* Checks the operator opted out of (e.g. no policy of a kind, not required):
 * present only when there are any, so a consumer sees what was not judged. */
#define VERDICT_CLAIM_SKIPPED_CHECKS "skipped_checks"
#define VERDICT_AFFIRMING           "affirming"
#define VERDICT_CONTRAINDICATED     "contraindicated"

/* What the verifier signs (claims after IETF RATS EAR). */
struct verdict_claims {
    const char *machine_id; /* sub */
    const char *ak_name;
    const char *nonce_b64; /* eat_nonce, as the runner sent it */
    const char *status;    /* VERDICT_AFFIRMING / VERDICT_CONTRAINDICATED */
    json_t *failed_checks;  /* array of check names (borrowed), or NULL for none */
    json_t *skipped_checks; /* array of check names (borrowed), or NULL / empty: the claim is omitted */
    int64_t iat, exp;
};

/*
 * Sign the claims (ES256, P-256 key) into a compact JWS, *ret malloc'ed.
 * Signed with OpenSSL on the loaded key: libjwt 1.10 would parse the PEM key
 * again for every token, and OpenSSL 3's PEM decoder costs about 1 ms, most
 * of an attestation's CPU time.
 */
int verdict_sign(EVP_PKEY *key, const struct verdict_claims *c, char **ret);

struct verdict {
    char *status; /* "affirming" or "contraindicated" */
    char *subject;
    char *ak_name;
    char *nonce;
    int64_t issued_at;
    int64_t expires_at;
    char **failed_checks; /* NULL-terminated */
    size_t n_failed_checks;
};

void verdict_done(struct verdict *v);

/* Load the pinned PEM public key; refuses anything but an EC P-256 key (-EINVAL). */
int verdict_load_key(const char *path, EVP_PKEY **ret);
int verdict_key_from_pem(const char *pem, size_t len, EVP_PKEY **ret);

/*
 * Verify token and bind it to this exchange: alg ES256, signature by key,
 * iss VERDICT_ISSUER, eat_nonce == nonce_b64, ak_name == ak_name, exp >
 * now, iat at most VERDICT_CLOCK_SKEW seconds after now, status one of the
 * two known values.
 * Returns 0 and fills *ret (status may be "contraindicated": the caller
 * decides), or ATT_E_VERIFY / -EBADMSG with *ret_check naming the failed
 * check ("alg", "signature", "issuer", "nonce", "ak-name", "expired",
 * "not-yet-valid", "claims", "malformed").
 */
int verdict_verify(const char *token, EVP_PKEY *key, const char *nonce_b64, const char *ak_name,
                   time_t now, struct verdict *ret, const char **ret_check);
