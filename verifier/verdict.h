/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Verdict tokens: JWT ES256 (libjwt), claims after IETF RATS EAR (docs/api.md).
 */
struct verdict_claims {
    const char *machine_id; /* sub */
    const char *ak_name;
    const char *nonce_b64; /* eat_nonce, as the runner sent it */
    const char *status;    /* "affirming" / "contraindicated" */
    json_t *failed_checks; /* array of check names (borrowed) */
    int64_t iat, exp;
};

/*
 * Sign the claims (ES256, P-256 key) into a compact JWS, *ret malloc'ed.
 * Signed with OpenSSL on the loaded key rather than libjwt's jwt_encode_str():
 * libjwt 1.10 parses the PEM key again for every token, and OpenSSL 3's PEM
 * decoder costs about 1 ms, most of an attestation's CPU time. libjwt still
 * verifies these tokens (verdict_verify, and the tests).
 */
int verdict_sign(EVP_PKEY *key, const struct verdict_claims *c, char **ret);

/*
 * Verify a token with the pinned public key (PEM). The header is decoded and
 * its alg must be exactly "ES256" before libjwt sees the token: libjwt 1.10's
 * jwt_decode() would accept an HS256 token whose HMAC key is the public PEM
 * (algorithm confusion). Then the ES256 signature is checked and the claims
 * are returned (*ret_claims, a JSON object). -EKEYREJECTED for a wrong alg or
 * a bad signature, -EBADMSG for a malformed token.
 */
int verdict_verify(const char *token, const char *pubkey_pem, size_t pubkey_len,
                   json_t **ret_claims);

/*
 * The runner-side claim checks (libjwt 1.10 has no validation API): iss, exp
 * after now, iat not in the future (60 s skew), eat_nonce and ak_name equal.
 * -EKEYEXPIRED for an expired token, -EBADMSG for any other mismatch.
 */
int verdict_check_claims(json_t *claims, const char *nonce_b64, const char *ak_name, int64_t now);
