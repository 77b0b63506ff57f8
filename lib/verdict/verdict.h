/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

/*
 * The verifier's verdict token (docs/api.md "Verdict token"): a JWS compact
 * token, ES256 (P-256, SHA-256, raw r||s signature), verified here with
 * OpenSSL against the pinned key. libjwt 1.10 takes the algorithm from the
 * token's own header, so an HS256 token keyed with the public PEM verifies
 * there (algorithm confusion); here ES256 is a constant: any other "alg" is
 * refused before the payload is even decoded, and no claim is read before the
 * signature holds.
 */

#define VERDICT_MAX_TOKEN  (64 * 1024)
#define VERDICT_CLOCK_SKEW 300 /* seconds an "iat" may lie in the future */

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
 * iss "attest-verifier", eat_nonce == nonce_b64, ak_name == ak_name, exp >
 * now, iat not in the future, status one of the two known values.
 * Returns 0 and fills *ret (status may be "contraindicated": the caller
 * decides), or ATT_E_VERIFY / -EBADMSG with *ret_check naming the failed
 * check ("alg", "signature", "issuer", "nonce", "ak-name", "expired",
 * "not-yet-valid", "claims", "malformed").
 */
int verdict_verify(const char *token, EVP_PKEY *key, const char *nonce_b64, const char *ak_name,
                   time_t now, struct verdict *ret, const char **ret_check);
